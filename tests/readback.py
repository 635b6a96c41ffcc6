"""Reading clc-tender's outputs back into plain data, for comparisons that ignore bytes.

Workbooks become ``{sheet: [[cell, ...], ...]}`` (values as openpyxl reads them, numbers as
text so that JSON keeps them exact), CSV rows stay rows, Word letters become their paragraphs
and table cells. What differs between two runs of the same inputs (the run's time, the
version, the output's own path) is left out.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

VOLATILE_ITEMS = {"Run at", "clc-tender version"}


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return repr(value)


def workbook(path: Path) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        sheets = {}
        for ws in wb.worksheets:
            rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if ws.title == "Summary":
                rows = [r for r in rows if not r or r[0] not in VOLATILE_ITEMS]
            sheets[ws.title] = rows
        return sheets
    finally:
        wb.close()


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def word(path: Path) -> dict[str, Any]:
    from docx import Document

    doc = Document(str(path))
    return {
        "paragraphs": [p.text for p in doc.paragraphs],
        "tables": [
            [[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables
        ],
        "footers": [p.text for s in doc.sections for p in s.footer.paragraphs],
    }


def sample_outputs(folder: Path, shortlist: Path, as_json: dict[str, Any]) -> dict[str, Any]:
    """Everything ``make run`` and the letters write on the sample bids, read back."""
    letters = {p.name: word(p) for p in sorted((folder / "docx").glob("*.docx"))}
    printed = dict(as_json, shortlist="<out>")
    return {
        "shortlist": workbook(shortlist),
        "json": printed,
        "letters.xlsx": workbook(folder / "letters.xlsx"),
        "letters.csv": csv_rows(folder / "letters.csv"),
        "docx": letters,
    }
