"""Every sheet of one of our own workbooks, as rows keyed by column name.

Used where a workbook is carried forward as it was (the uplifted register). Read with the same
guards as bids and the officers' limits; never modified. Empty cells are None.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..tender import Tender
from . import values
from .guards import check_size, inspect_bytes
from .panel import officer_limits


@dataclass(frozen=True)
class SheetRows:
    name: str
    headers: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]


def read_sheets(path: Path, tender: Tender, names: Iterable[str] | None = None) -> dict[str, SheetRows]:
    """The sheets of ``path`` (only ``names`` when given, those present), in workbook order."""
    name = path.name
    if not path.is_file():
        raise InputError(name, "", "no such file")
    limits = officer_limits(tender.limits)
    too_big = check_size(path, limits, name)
    if too_big is not None:
        raise InputError(name, "", too_big.message)
    data = path.read_bytes()
    inspection = inspect_bytes(data, name, limits)
    if inspection.findings:
        raise InputError(name, "", inspection.findings[0].message)
    wanted = None if names is None else set(names)
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    result: dict[str, SheetRows] = {}
    for part in inspection.sheets:
        if wanted is not None and part.name not in wanted:
            continue
        if part.max_row * part.max_col > limits.max_dense_cells:
            raise InputError(name, part.name, "the sheet is too large to read")
        try:
            grid = book.get_sheet_by_name(part.name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(name, part.name, f"cannot be read ({type(exc).__name__})") from None
        header = tuple(str(h).strip() for h in (grid[0] if grid else []))
        while header and not header[-1]:
            header = header[:-1]
        rows = []
        for line in grid[1:]:
            row = {h: (None if i >= len(line) or values.is_blank(line[i]) else line[i])
                   for i, h in enumerate(header) if h}
            if any(v is not None for v in row.values()):
                rows.append(row)
        result[part.name] = SheetRows(part.name, header, tuple(rows))
    return result
