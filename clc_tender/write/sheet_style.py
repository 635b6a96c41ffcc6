"""What every sheet of the template shares: header rows, print setup, row heights, protection."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from .layout import row_height

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
WRAP = Alignment(wrap_text=True, vertical="top")


def section(ws: Worksheet, title: str) -> None:
    ws.append([title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)


def header(ws: Worksheet, headers: Sequence[str]) -> None:
    ws.append(list(headers))
    for col in range(1, len(headers) + 1):
        cell = ws.cell(ws.max_row, col)
        cell.font = BOLD
        cell.fill = HEADER_FILL


def print_setup(ws: Worksheet, *, landscape: bool) -> None:
    """A4, one page wide (as many tall as needed), the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"


def fit_rows(ws: Worksheet, widths: dict[str, float], first: int = 1) -> None:
    """Rows as tall as their wrapped text, so that printed text never runs into the next row."""
    for row in ws.iter_rows(min_row=first, min_col=1, max_col=len(widths)):
        cells = [(str(c.value), widths[c.column_letter]) for c in row
                 if isinstance(c.value, str) and c.alignment.wrap_text]
        height = row_height(cells)
        if height is not None:
            ws.row_dimensions[row[0].row].height = height


def protect(ws: Worksheet) -> None:
    """Protect locked cells (labels) with no password; widths and heights stay adjustable."""
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
