"""The cells of one sheet: rows read densely (calamine) or sparsely (openpyxl, row by row),
openpyxl's closer look at a cell, and the check of a cell that reads blank or sits hidden.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from ..tender import Tender
from . import repair, values
from .guards import SheetPart

if TYPE_CHECKING:
    from .workbook import BidRead

HIDDEN_LIMIT = 20  # hidden-content warnings per sheet


class CloserLook:
    """openpyxl, opened at most once per file and only when a cell needs it."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._formulas: Any = None
        self._cached: Any = None

    def _load(self, data_only: bool) -> Any:
        import openpyxl

        return openpyxl.load_workbook(io.BytesIO(self._data), data_only=data_only, read_only=False)

    def cell(self, sheet: str, ref: str) -> tuple[Any, Any, str]:
        """(formula-or-value, cached value, number format) of one cell."""
        if self._formulas is None:
            self._formulas = self._load(False)
            self._cached = self._load(True)
        formula_cell = self._formulas[sheet][ref]
        cached_cell = self._cached[sheet][ref]
        return formula_cell.value, cached_cell.value, str(cached_cell.number_format or "General")

    def formula_problem(self, sheet: str, ref: str) -> str | None:
        """Why a cell that reads blank is not really blank, or None when it is blank."""
        formula, cached, _ = self.cell(sheet, ref)
        if isinstance(formula, str) and formula.startswith("="):
            if cached is None and self._cached[sheet][ref].data_type == "str":
                return None  # a saved empty string (t="str"): a blank
            if cached is None:
                return (
                    f"the formula {formula[:60]} has no saved value: open the workbook in "
                    "Excel and save it"
                )
            if isinstance(cached, str) and cached.startswith("#"):
                return f"the formula {formula[:60]} gives the Excel error {cached}"
            return None
        if isinstance(formula, str) and formula.startswith("#") and formula == cached:
            return f"the cell holds the Excel error {formula}"
        return None


def dense_rows(workbook: Any, name: str, ncols: int, max_rows: int) -> list[tuple[int, list[Any]]]:
    sheet = workbook.get_sheet_by_name(name)
    grid = sheet.to_python(skip_empty_area=False)
    rows = []
    for index, row in enumerate(grid[:max_rows], start=1):
        cells = list(row[:ncols]) + [""] * (ncols - len(row))
        if any(not values.is_blank(c) for c in cells):
            rows.append((index, cells))
    return rows


def sparse_rows(
    data: bytes, name: str, ncols: int, max_rows: int
) -> tuple[list[tuple[int, list[Any]]], int | None]:
    """Row by row, only the first ``ncols`` columns: never the grid. Returns the rows with
    content up to ``max_rows`` and the first row beyond it that has content (or None)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows: list[tuple[int, list[Any]]] = []
        for index, row in enumerate(
            wb[name].iter_rows(min_row=1, max_col=ncols, values_only=True), start=1
        ):
            cells = list(row) + [None] * (ncols - len(row))
            if any(not values.is_blank(c) for c in cells):
                if index > max_rows:
                    return rows, index
                rows.append((index, cells))
        return rows, None
    finally:
        wb.close()


class SheetCheck:
    """One sheet being read: why a cell that reads blank is not blank (a formula without a
    saved value, a NaN taken out), and a warning when a value used sits in hidden content."""

    def __init__(
        self,
        result: BidRead,
        sheet: str,
        look: CloserLook,
        part: SheetPart,
        hidden: repair.Hidden,
        bad: dict[tuple[str, str], str],
        lots: tuple[str, ...] | None,
    ) -> None:
        self.result, self.sheet, self.look, self.part = result, sheet, look, part
        self.hidden, self.lots = hidden, lots
        self.bad = {ref: why for (member, ref), why in bad.items() if member == part.member}
        self.warned = 0

    def __call__(self, ref: str) -> str | None:
        why = self.bad.get(ref)
        if why:
            return f"the cell's value {why}"
        if not self.part.formulas:
            return None
        return self.look.formula_problem(self.part.name, ref)

    def taken_out(self, ref: str) -> str | None:
        why = self.bad.get(ref)
        return f"the cell's value {why}" if why else None

    def used(self, ref: str) -> None:
        """The evaluation uses this cell's value: say so when it is hidden."""
        if not (self.hidden.sheet or self.hidden.rows or self.hidden.columns):
            return
        why = self.hidden.covers(*repair.cell_place(ref))
        if not why:
            return
        self.warned += 1
        if self.hidden.sheet and self.warned > 1:
            return  # a hidden sheet: said once, at its first value used
        if self.warned > HIDDEN_LIMIT:
            return
        where = f"'{self.part.name}'" if self.hidden.sheet else "this sheet"
        self.result.findings.append(
            Finding.make(
                self.result.file,
                self.sheet,
                ref,
                "hidden-content",
                f"the value used here is hidden ({why} on {where}); look at it in the workbook",
                lots=self.lots,
            )
        )


def context_factory(
    tender: Tender, look: CloserLook, sheet: str
) -> Callable[[str], values.CellContext]:
    tz = tender.tz

    def make(ref: str) -> values.CellContext:
        return values.CellContext(tz, lambda: look.cell(sheet, ref)[2])

    return make
