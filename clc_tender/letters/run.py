"""The letters command's library call: the options checked, the letters read and written.

``run_letters`` takes the officer's options as given (the dates as text), refuses what cannot
be done (exit 2 through the command line) and returns what the terminal shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Refusal

if TYPE_CHECKING:
    from .model import LetterSet


@dataclass(frozen=True)
class LettersRequest:
    """The letters command's options: the dates are the text given (None: the default)."""

    shortlist: Path
    out: Path
    letter_date: str | None = None
    standstill_from: str | None = None
    docx: Path | None = None
    allow_pending: bool = False
    tender: Path | None = None
    force: bool = False


@dataclass
class LettersResult:
    """What was written, and the warnings to show (in order)."""

    letter_set: LetterSet
    out: Path
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _iso_date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Refusal(f"{option} {text}: not an ISO date (YYYY-MM-DD, e.g. 2026-05-01)") from None


def _check_docx(docx: Path | None) -> None:
    if docx is not None and docx.exists() and not docx.is_dir():
        raise Refusal(f"--docx {docx}: not a folder")
    if docx is not None and not docx.exists() and not docx.parent.is_dir():
        raise Refusal(f"--docx {docx}: the folder {docx.parent} does not exist")


def _refuse_pending(shortlist: Path, letter_set: LetterSet) -> None:
    first = letter_set.pending[0]
    raise Refusal(
        f"{shortlist}: {len(letter_set.pending)} lot "
        f"bid{'s are' if len(letter_set.pending) != 1 else ' is'} "
        f"still referred (the first: {first.bid_reference}, {first.lot}); settle the "
        f"referrals and "
        "evaluate again, or pass --allow-pending to tell those bidders their bid is "
        "still being considered"
    )


def _warnings(letter_set: LetterSet, day: dt.date, published: dt.date | None) -> list[str]:
    from .. import formats

    warnings = list(letter_set.warnings)
    if published is not None and day > published:
        warnings.append(
            f"the letters are dated {formats.date(day)}, after the award notice of "
            f"{formats.date(published)} that starts the standstill: assessment summaries must "
            "go out before the award notice; check --letter-date and --standstill-from"
        )
    if letter_set.unmoderated:
        warnings.append(
            f"{letter_set.unmoderated} question "
            f"score{'s have' if letter_set.unmoderated != 1 else ' has'} "
            "no moderated comment: the letters quote the evaluators' agreed comments instead"
        )
    return warnings


def run_letters(request: LettersRequest) -> LettersResult:
    """Check the options, read the shortlist's letters, write the letter data (and Word)."""
    from zoneinfo import ZoneInfo

    from ..tender import load_tender
    from ..write.atomic import check_output
    from .mailmerge import LETTER_SUFFIXES, write_letters
    from .model import read_letters
    from .word import write_word_letters

    r = request
    if r.out.suffix.lower() not in LETTER_SUFFIXES:
        raise Refusal(f"--out {r.out}: the letters file must end in .xlsx or .csv")
    day = (
        _iso_date("--letter-date", r.letter_date)
        if r.letter_date
        else dt.datetime.now(ZoneInfo("Europe/London")).date()
    )
    published = _iso_date("--standstill-from", r.standstill_from) if r.standstill_from else None
    _check_docx(r.docx)
    check_output(
        r.out,
        r.force,
        [r.shortlist, *([r.tender] if r.tender else [])],
        LETTER_SUFFIXES,
        "the letters file",
    )
    letter_set = read_letters(r.shortlist, day, published, load_tender(r.tender))
    if letter_set.pending and not r.allow_pending:
        _refuse_pending(r.shortlist, letter_set)
    written = write_word_letters(letter_set, r.docx, r.force) if r.docx is not None else []
    write_letters(letter_set.rows(), r.out, r.force)
    return LettersResult(letter_set, r.out, list(written), _warnings(letter_set, day, published))
