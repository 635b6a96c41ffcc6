"""One bid's read as plain rows, ready to stack: made where the bid was read.

A worker process turns what it read into tuples aligned to the frames' columns before sending
it back, so that the rows of the frames are built on every core, what crosses the pipe is
lean (tuples of values, not objects of dicts), and the main process only appends them. The
main process then shares the strings that repeat from bid to bid (field keys and cell
references), so that 10,000 bids do not hold 10,000 copies of ``Bidder!B7``.

Free of pandas: the workers import it before pandas is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..tender import Tender
from ..workbook_format import Format, normalise_label
from . import values
from .workbook import BidRead

PRICE_COLUMNS = ("bid", "file", "row", "band_text", "band", "price", "invalid", "band_cell", "cell")
_IDENTITY = frozenset({"companies_house_number", "charity_number"})


@dataclass
class Packed:
    """A bid's rows: its ``bids`` row, its ``prices`` rows and each coverage sheet's rows, each
    a tuple in the order of :class:`Columns` (the bid's index left to the stacking)."""

    bid: tuple[Any, ...]
    prices: list[tuple[Any, ...]] = field(default_factory=list)
    coverage: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


class Columns:
    """The frames' columns for a tender and format, and how a read becomes rows of them."""

    def __init__(self, tender: Tender, fmt: Format) -> None:
        self.keys = [f.key for sheet in fmt.sheets for f in sheet.fields]
        self.cells = [f"{key}_cell" for key in self.keys]
        self.bids = ["file", "_opened", "_failed", "_sheets", "_failed_identity"]
        self.bids += self.keys + self.cells
        self.first_cell = len(self.bids) - len(self.cells)  # where the cell references begin
        self.prices = list(PRICE_COLUMNS)
        self.placed = [(key, fmt.sheet_of[key]) for key in self.keys]
        self.band_names = {normalise_label(b.name): b.name for b in tender.bands}
        self.coverage_keys: dict[str, list[str]] = {
            lot.coverage_sheet: [col.key for col in fmt.sheet(lot.coverage_sheet).columns]
            for lot in tender.lots
        }
        self.coverage = {
            sheet: ["bid", "file", "row"] + [c for key in keys for c in (key, f"{key}_cell")]
            for sheet, keys in self.coverage_keys.items()
        }

    def pack(self, read: BidRead) -> Packed:
        """The rows of ``read`` (its fields and tables dropped: the rows hold them now)."""
        if read.packed is not None:
            return read.packed
        bid = (
            read.file,
            read.opened and "Bidder" in read.sheets,
            frozenset(read.failed),
            frozenset(read.sheets),
            bool(_IDENTITY & read.failed),
            *(read.fields.get(key) for key in self.keys),
            *(f"{sheet}!{read.cell(key)}" for key, sheet in self.placed),
        )
        prices = []
        for row in read.tables.get("Pricing", []):
            text = row.values.get("band")
            price = row.values.get("price")
            prices.append(
                (
                    read.file,
                    row.row,
                    text or "",
                    self.band_names.get(normalise_label(text)) if text else None,
                    None if price is values.INVALID else price,
                    price is values.INVALID,
                    row.cells.get("band", f"A{row.row}"),
                    row.cells.get("price", f"C{row.row}"),
                )
            )
        coverage: dict[str, list[tuple[Any, ...]]] = {}
        for sheet, keys in self.coverage_keys.items():
            rows = []
            for row in read.tables.get(sheet, []):
                cells: list[Any] = [read.file, row.row]
                for key in keys:
                    cells.append(row.values.get(key))
                    cells.append(row.cells.get(key))
                rows.append(tuple(cells))
            if rows:
                coverage[sheet] = rows
        read.packed = Packed(bid, prices, coverage)
        read.fields, read.tables = {}, {}
        return read.packed


class Shared:
    """One copy of each string that repeats from bid to bid (field keys, sheet names, cell
    references), kept by the main process while a round's bids arrive."""

    def __init__(self, columns: Columns) -> None:
        self._strings: dict[str, str] = {key: key for key in columns.keys}
        self._first_cell = columns.first_cell
        # bids made from the same template have the same rows and sheets: one copy of each
        self._rows: dict[tuple[tuple[str, int], ...], dict[str, int]] = {}
        self._sets: dict[frozenset[str], set[str]] = {}

    def _one(self, text: Any) -> Any:
        if isinstance(text, str):
            return self._strings.setdefault(text, text)
        return text

    def _set(self, items: set[str]) -> set[str]:
        frozen = frozenset(items)
        if frozen not in self._sets:
            self._sets[frozen] = {self._one(item) for item in frozen}
        return self._sets[frozen]  # shared: never changed once stacked

    def read(self, read: BidRead) -> None:
        """Share ``read``'s keys and its packed rows' cell references."""
        one = self._one
        rows = tuple(read.rows.items())
        if rows not in self._rows:
            self._rows[rows] = {one(key): row for key, row in rows}
        read.rows = self._rows[rows]  # shared: never changed once stacked
        read.present = self._set(read.present)
        read.sheets = self._set(read.sheets)
        if read.failed:
            read.failed = self._set(read.failed)
        packed = read.packed
        if packed is None:
            return
        bid = packed.bid
        first = self._first_cell
        packed.bid = (*bid[:first], *(one(cell) for cell in bid[first:]))
        packed.prices = [(*row[:6], one(row[6]), one(row[7])) for row in packed.prices]
        for sheet, lines in packed.coverage.items():
            packed.coverage[sheet] = [
                tuple(one(v) if i >= 2 and i % 2 == 1 else v for i, v in enumerate(line))
                for line in lines
            ]
