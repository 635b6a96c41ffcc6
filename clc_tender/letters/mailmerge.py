"""The mail-merge file of ``clc-tender letters``: one row per letter, ``.xlsx`` or ``.csv``.

The columns of ``outputs.md`` come first, in order; after them, what every letter states
besides (each question's title and weight, the scale, the minimum and pass mark, where the
criteria were published, the council's contact and signatory). Every value is text. A field
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``
(OWASP CSV injection), and the ``.xlsx`` cells are written as strings, so bidder-typed text
stays inert.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import formats
from ..write.atomic import atomic_output
from .model import LetterSet

LETTER_SUFFIXES = (".xlsx", ".csv")
HEAD_COLUMNS = (
    "Bid reference", "Organisation", "Contact name", "Contact email", "Registered address",
    "Postcode", "Lot", "Outcome", "Decision", "Reasons", "Conditions", "Quality %",
)
TAIL_COLUMNS = ("Prices", "Letter date", "Standstill ends")
QUESTION_SUFFIXES = ("score", "explanation", "highest admitted")
ASSESSMENT_COLUMNS = (
    "Scale", "Minimum and pass mark", "Criteria published in", "Council contact",
    "Council contact email", "Council contact telephone", "Signatory", "Signatory role",
)
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet could read as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_DANGEROUS_FIRST) else text


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def letter_table(letters: LetterSet) -> list[dict[str, str]]:
    """The mail-merge rows: the columns of ``outputs.md``, then the assessment's; all text."""
    letter_date = formats.date(letters.letter_date)
    assessment = letters.assessment
    headings = {q.id: q.heading for q in assessment.questions} if assessment else {}
    contact = letters.contact
    council = ", ".join(x for x in (contact.name, contact.role) if x)
    rows = []
    for letter in letters.letters:
        row = dict(zip(HEAD_COLUMNS, (
            letter.bid_reference, letter.organisation, letter.contact_name,
            letter.contact_email, letter.address, letter.postcode, letter.lot,
            letter.outcome, letter.decision, _numbered(letter.reasons),
            _numbered(letter.conditions), letter.quality_pct,
        ), strict=True))
        scores = {s.question: s for s in letter.scores}
        for question in letters.questions:
            line = scores.get(question)
            row[f"{question} score"] = line.score if line else ""
            row[f"{question} explanation"] = line.explanation if line else ""
            row[f"{question} highest admitted"] = line.highest_admitted if line else ""
        row["Prices"] = "\n".join(p.text for p in letter.prices)
        row["Letter date"] = letter_date
        ends = letters.standstill_for(letter)
        row["Standstill ends"] = formats.date(ends) if ends else ""
        for question in letters.questions:
            row[f"{question} question"] = headings.get(question, question)
        row.update(zip(ASSESSMENT_COLUMNS, (
            assessment.scale_text if assessment else "",
            assessment.rules_text if assessment else "",
            assessment.criteria_text if assessment else "",
            council, contact.email, contact.telephone, contact.signatory, contact.signatory_role,
        ), strict=True))
        rows.append(row)
    return rows


def _headers(rows: Sequence[dict[str, str]]) -> list[str]:
    if not rows:
        return [*HEAD_COLUMNS, *TAIL_COLUMNS, *ASSESSMENT_COLUMNS]
    return list(rows[0])


def write_letters(rows: Sequence[dict[str, str]], out: Path, force: bool = False) -> None:
    """Write the rows to ``out``: ``.xlsx`` or ``.csv`` (UTF-8 with a BOM) by its extension.

    Whole or not at all; :class:`OutputExists` when ``out`` exists and not ``force``;
    ``ValueError`` for any other extension.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in LETTER_SUFFIXES:
        raise ValueError(f"{out}: the letters file must end in .xlsx or .csv, not '{out.suffix or '(none)'}'")
    headers = _headers(rows)
    with atomic_output(out, force) as tmp:
        if suffix == ".csv":
            _write_csv(tmp, headers, rows)
        else:
            _write_xlsx(tmp, headers, rows)


def _write_csv(path: Path, headers: list[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_C0.sub("", neutralise(row.get(h, ""))) for h in headers])


_WRAPPED = ("Registered address", "Decision", "Reasons", "Conditions", "Prices", "Scale",
            "Minimum and pass mark", "Criteria published in")


def _write_xlsx(path: Path, headers: list[str], rows: Sequence[dict[str, str]]) -> None:
    from xlsxwriter import Workbook

    from ..write.shortlist import print_setup, row_height

    wb = Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    wb.set_custom_property("clc-tender", "letters")
    ws = wb.add_worksheet("Letters")
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                          "valign": "top"})
    plain = wb.add_format({"valign": "top"})
    wrapped = wb.add_format({"valign": "top", "text_wrap": True})
    wrap_cols = {i for i, h in enumerate(headers)
                 if h in _WRAPPED or h.endswith((" explanation", " question"))}
    widths = [len(h) + 2 for h in headers]
    for col, title in enumerate(headers):
        ws.write_string(0, col, title, head)
    for r, row in enumerate(rows, start=1):
        for col, title in enumerate(headers):
            value = neutralise(row.get(title, ""))
            fmt = wrapped if col in wrap_cols else plain
            if value:
                ws.write_string(r, col, value, fmt)
                widths[col] = max(widths[col], *(len(line) + 2 for line in value.splitlines()))
            else:
                ws.write_blank(r, col, None, fmt)
    final = [min(max(width, 8), 60 if col in wrap_cols else 40) for col, width in enumerate(widths)]
    for col, width in enumerate(final):
        ws.set_column(col, col, width)
    for r, row in enumerate(rows, start=1):
        height = row_height((neutralise(row.get(headers[col], "")), final[col])
                            for col in sorted(wrap_cols))
        if height is not None:
            ws.set_row(r, height)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), max(len(headers) - 1, 0))
    print_setup(ws)
    wb.close()
