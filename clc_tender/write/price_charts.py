"""The shortlist's price charts: one small chart per band beside the ``Prices`` table, and
the hidden ``Price chart data`` sheet that holds the points of their floor and ceiling lines.
"""

from __future__ import annotations

from decimal import Decimal

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import contract as c
from .. import formats
from ..framework import BandPrices

CHART_DATA = "Price chart data"  # a hidden sheet after the contract's: the charts' lines
CHART_WIDTH, CHART_HEIGHT = 380, 215  # pixels


class PriceCharts:
    """The charts of one shortlist workbook, and the rows of their hidden data sheet."""

    def __init__(self, wb: Workbook, money_format: str) -> None:
        self.wb = wb
        self.money_format = money_format
        self.rows: list[tuple[str, Decimal, Decimal]] = []  # band, floor, ceiling

    def add(self, ws: Worksheet, row: int, stats: BandPrices, column: int, top: int) -> None:
        """A small chart of one band (its ``Prices`` row): this round's min, median and max as
        columns, the floor and the ceiling as lines across all of them, on a y-axis from £0 (a
        truncated axis would make a penny look like a gulf). The lines' points sit on the
        hidden ``Price chart data`` sheet. Placed at ``column``, ``top`` pixels down."""
        band = stats.band
        name = c.PRICES.name
        self.rows.append((band.name, band.floor, band.ceiling))
        data_row = len(self.rows)
        chart = self.wb.add_chart({"type": "column"})
        assert chart is not None
        chart.add_series(
            {
                "name": "This round's prices",
                "categories": [name, 0, 4, 0, 6],
                "values": [name, row, 4, row, 6],
                "points": [
                    {"fill": {"color": colour}} for colour in ("#9DC3E6", "#2E75B6", "#1F4E79")
                ],
                "gap": 80,
                "data_labels": {
                    "value": True,
                    "num_format": self.money_format,
                    "font": {"size": 8},
                    "position": "inside_base",
                },  # clear of the lines
            }
        )
        limits = self.wb.add_chart({"type": "line"})
        assert limits is not None
        for first, label, colour, dash in (
            (1, "Floor", "#C55A11", "dash"),
            (4, "Ceiling", "#C00000", "solid"),
        ):
            limits.add_series(
                {
                    "name": f"{label} {formats.money(getattr(band, label.lower()))}",
                    "categories": [name, 0, 4, 0, 6],
                    "values": [CHART_DATA, data_row, first, data_row, first + 2],
                    "line": {"color": colour, "width": 2, "dash_type": dash},
                    "marker": {"type": "none"},
                }
            )
        chart.combine(limits)
        chart.show_hidden_data()
        chart.set_title(
            {"name": f"{band.name}, per {band.unit}", "name_font": {"size": 10, "bold": True}}
        )
        chart.set_y_axis({"num_format": "£#,##0", "major_gridlines": {"visible": True}, "min": 0})
        chart.set_x_axis({"num_font": {"size": 9}})
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        ws.insert_chart(0, column, chart, {"y_offset": top})

    def write_data(self, money: Format) -> None:
        """The points of the floor and ceiling lines of the price charts (hidden)."""
        ws = self.wb.add_worksheet(CHART_DATA)
        ws.hide()
        for i, title in enumerate(("Band", "Floor", "", "", "Ceiling", "", "")):
            ws.write_string(0, i, title)
        for r, (band, floor, ceiling) in enumerate(self.rows, start=1):
            ws.write_string(r, 0, band)
            for col in range(1, 4):
                ws.write_number(r, col, float(floor), money)
                ws.write_number(r, col + 3, float(ceiling), money)
