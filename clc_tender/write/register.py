"""The uplifted register: a shortlist workbook written again from its sheets' rows.

``Framework`` holds the members' uplifted prices, ``Rate card`` is recomputed from them, a
``Uplifts`` sheet records every uplift ever applied, and every other sheet is written as it was
read (its columns in order, text as text, numbers as numbers with the shortlist's formats).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format

from .. import __version__
from .. import contract as c
from ..contract import PRODUCER_PROPERTY
from ..formats import EXCEL_DATE, EXCEL_DATETIME
from ..read.ours import SheetRows
from .price_charts import CHART_DATA
from .shortlist import (
    _OUTCOME_COLOURS,
    MONEY_FORMAT,
    PERCENT_FORMAT,
    WIDTH_SAMPLE,
    print_setup,
)

DOCUMENT_KIND = "shortlist"  # the uplifted register is a shortlist like any other


def _kinds(sheet: str, headers: Sequence[str], bands: Sequence[str]) -> list[str]:
    """How each column is written: as ``contract.py`` declares it; a column it does not
    declare is money when its header says (£), else as read."""
    spec = next((s for s in (*c.SHORTLIST, c.UPLIFTS) if s.name == sheet), None)
    declared = {col.header: col.kind for col in spec.expand(bands)} if spec else {}
    kinds = [declared.get(h, "money" if h.endswith("(£)") else "text") for h in headers]
    return ["text" if kind == "int" else kind for kind in kinds]


def write_sheets(
    sheets: Sequence[SheetRows],
    path: Path,
    bands: Sequence[str],
    *,
    title: str,
    created: dt.datetime,
    custom: Mapping[str, str] | None = None,
) -> None:
    """Write ``sheets`` in order to ``path`` (a temporary file of :func:`atomic_output`)."""
    wb = Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,
        },
    )
    wb.set_properties(
        {
            "title": title,
            "comments": f"Written by clc-tender {__version__}",
            "created": created.astimezone(dt.UTC).replace(tzinfo=None),
        }
    )
    wb.set_custom_property(PRODUCER_PROPERTY, DOCUMENT_KIND)
    for key, value in (custom or {}).items():
        wb.set_custom_property(key, value)
    styles = _Styles.of(wb)
    for sheet in sheets:
        _write_sheet(wb, sheet, _kinds(sheet.name, sheet.headers, bands), styles)
    wb.close()


@dataclass(frozen=True)
class _Styles:
    """The workbook's formats: the header, one per column kind, one per outcome."""

    header: Format
    kinds: dict[str, Format]
    outcome: dict[str, Format]

    @classmethod
    def of(cls, wb: Workbook) -> _Styles:
        header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        base = {"valign": "top"}
        formats: dict[str, Format] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "money": wb.add_format({**base, "num_format": MONEY_FORMAT}),
            "pct": wb.add_format({**base, "num_format": PERCENT_FORMAT}),
            "date": wb.add_format({**base, "num_format": EXCEL_DATE, "align": "left"}),
            "datetime": wb.add_format({**base, "num_format": EXCEL_DATETIME, "align": "left"}),
        }
        outcome = {
            o.value: wb.add_format({**base, "bg_color": fill, "font_color": font})
            for o, (fill, font) in _OUTCOME_COLOURS.items()
        }
        return cls(header, formats, outcome)


def _write_sheet(wb: Workbook, sheet: SheetRows, kinds: Sequence[str], styles: _Styles) -> None:
    """One sheet: its header row, widths from a sample of rows, then every row."""
    formats = styles.kinds
    ws = wb.add_worksheet(sheet.name)
    widths = [len(h) + 2 for h in sheet.headers]
    for row in sheet.rows[:WIDTH_SAMPLE]:
        for col, h in enumerate(sheet.headers):
            widths[col] = max(widths[col], _wants(row.get(h)))
    for col, h in enumerate(sheet.headers):
        width = min(max(widths[col], 8), 60 if kinds[col] == "wrap" else 50)
        ws.set_column(col, col, width, formats[kinds[col]])
        ws.write_string(0, col, h, styles.header)
    for r, row in enumerate(sheet.rows, start=1):
        lines = max((v.count("\n") + 1 for v in row.values() if isinstance(v, str)), default=1)
        if lines > 1:
            ws.set_row(r, float(min(15 * lines, 300)))
        for col, h in enumerate(sheet.headers):
            cell = row.get(h)
            if cell is None or cell == "":
                continue
            fmt = formats[kinds[col]]
            if sheet.name == "Outcomes" and h == "Outcome" and cell in styles.outcome:
                fmt = styles.outcome[cell]
            if isinstance(cell, dt.datetime):  # as the shortlist writes them: local time
                ws.write_datetime(r, col, cell.replace(tzinfo=None), formats["datetime"])
            elif isinstance(cell, dt.date):
                ws.write_datetime(r, col, dt.datetime.combine(cell, dt.time()), formats["date"])
            else:
                _put(ws, r, col, cell, fmt)
    if sheet.name == CHART_DATA:  # the price charts' lines: hidden, as it was
        ws.hide()
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(sheet.rows), 1), max(len(sheet.headers) - 1, 0))
    print_setup(ws)


def _put(ws: Any, row: int, col: int, value: Any, fmt: Format) -> None:
    """Text always as text; numbers as numbers; anything else (never expected) as text."""
    if isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, str(value), fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _wants(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0) + 2
    if isinstance(value, float | Decimal):
        return len(f"{value:,.2f}") + 4
    return len(str(value)) + 2
