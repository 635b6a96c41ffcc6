"""The sheets of the shortlist workbook that the letters need, read by name.

To be replaced by the one reader of our own workbooks (``read/ours.py``) when it lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..read.workbook import column_letter
from ..workbook_format import normalise_label

_MAX_SHORTLIST_BYTES = 200 * 1024 * 1024


def text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number(value: Any) -> Decimal | None:
    """A cell's number as an exact Decimal (floats through their shortest repr)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(str(value).strip().lstrip("£").replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(value)) from None


@dataclass(frozen=True)
class Sheet:
    file: str
    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cells)
    columns: dict[str, int]  # normalised header -> index

    def col(self, title: str) -> int:
        index = self.columns.get(normalise_label(title))
        if index is None:
            raise InputError(self.file, self.name, f"the column '{title}' is missing from the header row")
        return index

    def optional(self, title: str) -> int | None:
        return self.columns.get(normalise_label(title))

    def place(self, row: int, title: str) -> str:
        return f"{self.name}!{column_letter(self.col(title) + 1)}{row}"

    def get(self, cells: list[Any], index: int | None) -> Any:
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def number(self, row: int, cells: list[Any], title: str, what: str) -> Decimal | None:
        try:
            return number(self.get(cells, self.col(title)))
        except ValueError as exc:
            raise InputError(self.file, self.place(row, title), f"not {what}: {exc}") from None


def open_sheets(path: Path, names: Sequence[str]) -> dict[str, Sheet]:
    """The named sheets of a shortlist workbook; a missing sheet is an :class:`InputError`."""
    file = path.name
    if not path.is_file():
        raise InputError(file, "", "no such file")
    if path.stat().st_size > _MAX_SHORTLIST_BYTES:
        raise InputError(file, "", "the file is too large to be a shortlist workbook")
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise InputError(file, "", f"not a readable shortlist workbook ({type(exc).__name__})") from None
    present = {normalise_label(n): n for n in wb.sheet_names}
    sheets: dict[str, Sheet] = {}
    for name in names:
        actual = present.get(normalise_label(name))
        if actual is None:
            raise InputError(file, "", f"the sheet '{name}' is missing (is this a shortlist workbook?)")
        try:
            grid = wb.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(file, name, f"cannot be read ({type(exc).__name__})") from None
        header = [text(h) for h in (grid[0] if grid else [])]
        columns: dict[str, int] = {}
        for i, title in enumerate(header):
            if title:
                columns.setdefault(normalise_label(title), i)
        rows = [
            (n, list(cells)) for n, cells in enumerate(grid[1:], start=2)
            if any(c not in (None, "") for c in cells)
        ]
        sheets[name] = Sheet(file, name, header, rows, columns)
    return sheets


def summary_items(sheet: Sheet, required: Sequence[str]) -> dict[str, str]:
    """``Summary`` as item -> value text; a required item missing is an :class:`InputError`."""
    item, value = sheet.col("Item"), sheet.col("Value")
    items: dict[str, str] = {}
    for _, cells in sheet.rows:
        key = text(sheet.get(cells, item))
        if key and key not in items:
            items[key] = text(sheet.get(cells, value))
    for name in required:
        if name not in items:
            raise InputError(sheet.file, sheet.name, f"the item '{name}' is missing")
    return items
