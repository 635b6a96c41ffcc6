"""Award letters: the letter model (``model``), the mail-merge file (``mailmerge``) and the
Word letters (``word``)."""

from ..write.atomic import OutputExists
from .mailmerge import (
    ASSESSMENT_COLUMNS,
    HEAD_COLUMNS,
    LETTER_SUFFIXES,
    TAIL_COLUMNS,
    neutralise,
    write_letters,
)
from .model import Letter, LetterSet, format_date, letter_rows, panel_explanation, read_letters
from .word import safe_file_stem, word_letter_paths, write_word_letters

__all__ = [
    "ASSESSMENT_COLUMNS", "HEAD_COLUMNS", "LETTER_SUFFIXES", "TAIL_COLUMNS", "Letter", "LetterSet",
    "OutputExists", "format_date", "letter_rows", "neutralise", "panel_explanation",
    "read_letters", "safe_file_stem", "word_letter_paths", "write_letters", "write_word_letters",
]
