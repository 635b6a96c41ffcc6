"""The portal's receipts: when each bid was received (``--receipts FILE``).

The time a bidder types in ``Submitted at`` is its own claim; the council's e-tendering portal
records when each submission arrived. Its export (``.xlsx`` with sheet ``Receipts``, or
``.csv``) has ``Bid reference``, ``Received at`` and optionally ``Submission ID``. It is an
officers' input: any problem in it stops the run (exit 2) naming the cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract import RECEIPTS
from ..errors import InputError
from ..tender import Tender
from ..workbook_format import normalise_label
from . import values
from .files import read_regular
from .workbook import column_letter

SHEET = RECEIPTS.name
HEADERS = RECEIPTS.headers()
OPTIONAL = RECEIPTS.headers(required=False)
SUFFIXES = (".xlsx", ".csv")
DECLARED_SLACK = dt.timedelta(hours=1)  # a declared time further from the receipt is warned


@dataclass(frozen=True)
class Receipt:
    row: int
    bid_reference: str
    received_at: dt.datetime
    submission_id: str
    cell: str  # the Received at cell, e.g. "B7"
    reference_cell: str  # the Bid reference cell, e.g. "A7"


@dataclass(frozen=True)
class Receipts:
    file: str
    path: Path
    sheet: str  # "Receipts", or "" for a CSV file
    by_reference: dict[str, Receipt]  # bid reference (case-folded) -> its receipt

    def place(self, cell: str) -> str:
        return f"{self.sheet}!{cell}" if self.sheet else cell


def read_receipts(path: Path, tender: Tender) -> Receipts:
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            name, "", "the receipts file must be a workbook (.xlsx, sheet Receipts) or .csv"
        )
    if not path.is_file():
        raise InputError(name, "", "no such file")
    if suffix == ".csv":
        rows, letters = _csv_rows(path, tender)
        sheet = ""
    else:
        from .panel import read_table

        table = read_table(path, tender, SHEET, HEADERS, optional=OPTIONAL)
        letters = table.letters
        rows = [
            (int(rec["row"]), {k: rec.get(k) for k in (*HEADERS, *OPTIONAL)})
            for rec in table.frame.to_dict("records")
        ]
        sheet = SHEET
    context = values.CellContext(tender.tz, lambda: "dd/mm/yyyy hh:mm:ss")
    found: dict[str, Receipt] = {}
    for row, record in rows:

        def where(key: str, row: int = row) -> str:
            cell = f"{letters[key]}{row}"
            return f"{sheet}!{cell}" if sheet else cell

        reference = values.text(record.get("bid_reference"), context)[0]
        if not reference:
            raise InputError(name, where("bid_reference"), "the bid reference is blank")
        raw = record.get("received_at")
        if values.is_blank(raw):
            raise InputError(name, where("received_at"), f"no Received at for {reference}")
        received, problems = values.datetime(raw, context)
        if received is None:
            message = problems[0][1] if problems else "not a date and time"
            raise InputError(name, where("received_at"), f"Received at: {message}")
        key = str(reference).casefold()
        if key in found:
            raise InputError(
                name,
                where("bid_reference"),
                f"a second receipt for {reference} (the first is at"
                f" {where('bid_reference', found[key].row)}); give one receipt per bid",
            )
        submission = (
            values.text(record.get("submission_id"), context)[0]
            if "submission_id" in record
            else None
        )
        found[key] = Receipt(
            row,
            str(reference),
            received,
            str(submission or ""),
            f"{letters['received_at']}{row}",
            f"{letters['bid_reference']}{row}",
        )
    return Receipts(name, path, sheet, found)


def _csv_rows(
    path: Path, tender: Tender
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    name = path.name
    limit = tender.limits.max_file_bytes * 4
    if path.stat().st_size > limit:
        raise InputError(name, "", f"the file is larger than {limit:,} bytes")
    try:
        text = read_regular(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            name, "", "the file is not UTF-8 text; export it again as CSV UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(name, "", f"cannot be read ({exc.strerror or exc})") from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(name, "", f"not a readable CSV file ({exc})") from None
    header = [normalise_label(h) for h in (lines[0] if lines else [])]
    position: dict[str, int] = {}
    for key, title in {**HEADERS, **OPTIONAL}.items():
        if normalise_label(title) in header:
            position[key] = header.index(normalise_label(title))
        elif key in HEADERS:
            column = column_letter(len([h for h in header if h]) + 1)
            raise InputError(
                name, f"{column}1", f"the column '{title}' is missing from the header row"
            )
    letters = {key: column_letter(index + 1) for key, index in position.items()}
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        record = {
            key: (line[index] if index < len(line) else None) for key, index in position.items()
        }
        if all(values.is_blank(v) for v in record.values()):
            continue
        rows.append((number, record))
    return rows, letters
