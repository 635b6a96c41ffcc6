"""Filling a template written by ``clc-tender template`` with a :class:`~.bidgen.BidSpec`
(re-exported as :func:`clc_tender.testing.bidgen.fill_template`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..workbook_format import normalise_label


def fill_template(template_path: Path, spec: BidSpec, out: Path) -> None:
    """Fill a template written by ``clc-tender template`` with ``spec``'s values, matching
    labels, band names and headers; the template's validations, formats and protection stay.

    A label or band the template lacks is added below its rows; :data:`OMIT` leaves the
    template's value cell blank (a template row cannot be removed without shifting its
    validations).
    """
    wb = load_workbook(template_path)
    for name in spec.drop_sheets:
        if name in wb.sheetnames:
            del wb[name]
    for name, values in ((BIDDER, spec.bidder), (COMPLIANCE, spec.compliance)):
        if name in wb.sheetnames:
            _fill_fields(wb[name], values)
    if PRICING in wb.sheetnames:
        _fill_pricing(wb[PRICING], spec)
    for name, rows in ((SERVICES, spec.services), (PA_COVERAGE, spec.pa_coverage)):
        if name in wb.sheetnames:
            _fill_table(wb[name], rows)
    wb.save(out)


def _rows_by_label(ws: Worksheet, column: int = 1) -> dict[str, int]:
    index: dict[str, int] = {}
    for row in range(2, ws.max_row + 1):
        label = ws.cell(row, column).value
        if label is not None and str(label).strip():
            index.setdefault(normalise_label(label), row)
    return index


def _fill_fields(ws: Worksheet, values: Mapping[str, Any]) -> None:
    index = _rows_by_label(ws)
    for label, value in values.items():
        row = index.get(normalise_label(label))
        if row is None:
            if value is OMIT:
                continue
            row = ws.max_row + 1
            ws.cell(row, 1, label)
            index[normalise_label(label)] = row
        _put(ws.cell(row, 2), value)


def _header_columns(ws: Worksheet) -> dict[str, int]:
    return {
        normalise_label(cell.value): cell.column
        for cell in ws[1]
        if cell.value is not None and isinstance(cell.column, int)
    }


def _fill_pricing(ws: Worksheet, spec: BidSpec) -> None:
    columns = _header_columns(ws)
    band_col = columns.get("band", 1)
    unit_col = columns.get("unit", 2)
    price_col = columns.get(normalise_label("Price (£)"), 3)
    index = _rows_by_label(ws, band_col)
    for band, price in spec.prices.items():
        row = index.get(normalise_label(band))
        if row is None:
            if price is OMIT:
                continue
            row = ws.max_row + 1
            ws.cell(row, band_col, band)
            ws.cell(row, unit_col, spec.units.get(band))
        _put(ws.cell(row, price_col), price)


def _fill_table(ws: Worksheet, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = _header_columns(ws)
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            col = columns.get(normalise_label(header))
            if col is None:
                col = max(columns.values(), default=0) + 1
                ws.cell(1, col, header)
                columns[normalise_label(header)] = col
            _put(ws.cell(number, col), value)


# below the functions: bidgen re-exports fill_template, so either module may be imported first
from .bidgen import BIDDER, COMPLIANCE, OMIT, PA_COVERAGE, PRICING, SERVICES, BidSpec, _put  # noqa: E402
