"""The shortlist workbook: the officers' record of a round, the rate card and the register.

Sheets and columns come from ``contract.py`` (exact names, in order); each sheet here only
says what its rows hold, keyed by column key. Every string is written with ``write_string``
so that text a bidder typed (``=HYPERLINK(...)`` as an organisation name) stays inert text,
and every price is a number with the format ``£#,##0.00``. The same :class:`Evaluation`
gives the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import __version__, formats
from .. import contract as c
from ..contract import PRODUCER_PROPERTY, SheetSpec
from ..findings import Outcome
from ..framework import band_prices, extra_bands, rate_card
from ..results import Evaluation
from .apart import Apart
from .atomic import OutputExists, atomic_output
from .layout import LINE_POINTS, MAX_ROW_POINTS, row_height, wrapped_lines
from .price_charts import CHART_HEIGHT, PriceCharts
from .shortlist_rows import (
    Cell,
    Row,
    band_cells,
    entry_line,
    iso,
    letter_figures,
    local,
    outcome_row,
    summary_items,
)

__all__ = [
    "LINE_POINTS",
    "MAX_ROW_POINTS",
    "OutputExists",
    "entry_line",
    "iso",
    "letter_figures",
    "local",
    "outcome_row",
    "print_setup",
    "row_height",
    "summary_items",
    "write_shortlist",
    "wrapped_lines",
]

MONEY_FORMAT = "£#,##0.00"
PERCENT_FORMAT = "0.00"

# Outcome cell colours: (fill, font)
_OUTCOME_COLOURS: dict[Outcome, tuple[str, str]] = {
    Outcome.ADMITTED: ("#C6EFCE", "#006100"),
    Outcome.REFERRED: ("#FFEB9C", "#9C5700"),
    Outcome.FAILED_GATE: ("#FFC7CE", "#9C0006"),
    Outcome.DISQUALIFIED_PRICE: ("#FFC7CE", "#9C0006"),
    Outcome.NON_COMPLIANT: ("#FFC7CE", "#9C0006"),
    Outcome.LATE: ("#FFC7CE", "#9C0006"),
    Outcome.ALREADY_ADMITTED: ("#D9D9D9", "#404040"),
}


def write_shortlist(ev: Evaluation, out: Path, *, force: bool = False) -> None:
    """Write the shortlist workbook of ``ev`` to ``out``, whole or not at all.

    Raises :class:`OutputExists` (before any work) when ``out`` exists and not ``force``.
    """
    out = Path(out)
    with atomic_output(out, force) as tmp:
        wb = Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": True,  # rows streamed to disk: memory stays flat
            },
        )
        wb.set_properties(
            {
                "title": f"{ev.tender.reference} shortlist, round {ev.round}",
                "subject": ev.tender.title,
                "company": ev.tender.contracting_authority,
                "comments": f"Written by clc-tender {__version__}",
                # the run's time, not the clock's: the same evaluation gives the same file
                "created": _utc_naive(ev.run_at),
            }
        )
        wb.set_custom_property(PRODUCER_PROPERTY, "shortlist")  # never read as a bid
        _Writer(wb, ev).write()
        wb.close()


# --- pure helpers (tested directly) -------------------------------------------------------


def print_setup(ws: Worksheet, *, landscape: bool = True, a3: bool = False) -> None:
    """A4 (landscape for a wide sheet, A3 for a very wide one), one page wide (as many tall as
    needed), the header row on every page and a footer with the sheet name and page number."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(8 if a3 else 9)  # A3 or A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_footer("&L&A&RPage &P of &N")


WIDTH_SAMPLE = 500  # rows read to size a column
PORTRAIT_WIDTH = 120  # characters: a sheet up to this wide prints portrait
A3_WIDTH = 250  # characters: a sheet wider than this prints on A3 (still one page wide)


def _wants(value: Cell) -> int:
    """The column width a value wants."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0) + 2
    if isinstance(value, bool):
        return 7
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 4
    return len(str(value)) + 2


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


# --- the workbook ---------------------------------------------------------------------------


class _Writer:
    def __init__(self, wb: Workbook, ev: Evaluation) -> None:
        self.wb = wb
        self.ev = ev
        self.tender = ev.tender
        base = {"valign": "top"}
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.fmt: dict[str, Format] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": MONEY_FORMAT}),
            "pct": wb.add_format({**base, "num_format": PERCENT_FORMAT}),
            "date": wb.add_format({**base, "num_format": formats.EXCEL_DATE, "align": "left"}),
            "datetime": wb.add_format(
                {**base, "num_format": formats.EXCEL_DATETIME, "align": "left"}
            ),
        }
        self.charts = PriceCharts(wb, MONEY_FORMAT)
        self.apart = Apart(wb)  # a big sheet's rows written by a second process
        self.outcome_fmt: dict[Outcome, Format] = {
            outcome: wb.add_format({**base, "bg_color": fill, "font_color": font})
            for outcome, (fill, font) in _OUTCOME_COLOURS.items()
        }

    def write(self) -> None:
        self.summary()
        self.framework()
        self.outcomes()
        self.rate_card()
        self.quality()
        self.prices()
        self.findings()
        self.inputs()
        self.bidders()
        self.services()
        self.pa_coverage()
        self.panel()
        if self.ev.uplifts:  # the register's uplifts, carried forward (uplift.md)
            self.table(c.UPLIFTS, self.ev.uplifts)
        if self.charts.rows:
            self.charts.write_data(self.fmt["money"])
        self.apart.finish()

    # -- generic table -----------------------------------------------------------------------

    def table(
        self,
        spec: SheetSpec,
        rows: Iterable[Row],
        cell_formats: dict[tuple[int, int], Format] | None = None,
        bands: Sequence[str] = (),
    ) -> tuple[Worksheet, int]:
        """Write the sheet ``spec`` (its header, then ``rows`` keyed by column key); bold
        frozen header, autofilter, widths, the height of each row its wrapped cells need, and
        the print setup. Returns the sheet and the number of data rows."""
        columns = spec.expand(bands)
        ws = self.wb.add_worksheet(spec.name)
        table = [[row.get(col.key) for col in columns] for row in rows]
        formats = cell_formats or {}
        # widths first: rows are streamed (constant memory), so each row's height must be set
        # before its cells are written, and it depends on the widths of its wrapped columns
        widths = [len(col.header) + 2 for col in columns]
        for row in table[:WIDTH_SAMPLE]:  # widths from the first rows, as an officer sizes them
            for i, value in enumerate(row):
                widths[i] = max(widths[i], _wants(value))
        final = [
            col.width if col.width is not None else min(max(widths[i], 8), 50)
            for i, col in enumerate(columns)
        ]
        kinds = [self.fmt[col.kind] for col in columns]
        for i, width in enumerate(final):
            ws.set_column(i, i, width, kinds[i])  # a cell typed in later takes its column's format
        for i, col in enumerate(columns):
            ws.write_string(0, i, col.header, self.header)
        wrap_columns = [i for i, col in enumerate(columns) if col.kind == "wrap"]

        def cells() -> None:
            self.rows(ws, table, final, kinds, formats, wrap_columns)

        self.apart.add(ws, cells, len(table) * len(columns))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(table), 1), len(columns) - 1)
        printed = len(columns)
        if spec is c.OUTCOMES:  # the letters' own columns (after File) are the letters' to print
            printed = [col.key for col in columns].index("file") + 1
            ws.print_area(0, 0, max(len(table), 1), printed - 1)
        wide = sum(final[:printed])
        print_setup(ws, landscape=wide > PORTRAIT_WIDTH, a3=wide > A3_WIDTH)
        return ws, len(table)

    def rows(
        self,
        ws: Worksheet,
        table: list[list[Cell]],
        final: list[float],
        kinds: list[Format],
        formats: dict[tuple[int, int], Format],
        wrap_columns: list[int],
    ) -> None:
        """The data rows of a sheet, each as high as its wrapped cells need."""
        wraps = set(wrap_columns)
        for r, row in enumerate(table, start=1):
            if wrap_columns:
                height = row_height(
                    (text, final[i]) for i in wrap_columns if isinstance(text := row[i], str)
                )
                if height is not None:
                    ws.set_row(r, height)
            for i, value in enumerate(row):
                fmt = formats.get((r, i), kinds[i]) if formats else kinds[i]
                if value is None or value == "":
                    if i in wraps:  # wrapped even when empty (Reasons of an admitted bid)
                        ws.write_blank(r, i, None, fmt)
                    continue
                self.put(ws, r, i, value, fmt)

    def put(self, ws: Worksheet, row: int, col: int, value: Cell, fmt: Format) -> None:
        """Write one cell: text always as text, money and counts as numbers."""
        if isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, bool):  # never expected; keep it text rather than 1/0
            ws.write_string(row, col, str(value), fmt)
        elif isinstance(value, Decimal):
            ws.write_number(row, col, float(value), fmt)
        elif isinstance(value, dt.datetime):  # local time of the tender, shown in words
            ws.write_datetime(row, col, value.replace(tzinfo=None), self.fmt["datetime"])
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.fmt["date"])
        else:
            ws.write_number(row, col, value, fmt)

    # -- sheets ------------------------------------------------------------------------------

    def summary(self) -> None:
        items = summary_items(self.ev)
        formats = {
            (r, 1): self.fmt["pct"]
            for r, (item, _) in enumerate(items, start=1)
            if item == "Quality pass mark %"
        }
        self.table(c.SUMMARY, ({"item": item, "value": value} for item, value in items), formats)

    def framework(self) -> None:
        bands = [
            *self.tender.band_names,
            *extra_bands((m.prices for m in self.ev.members), self.tender.band_names),
        ]
        rows: Iterable[Row] = (
            {
                "provider_id": m.provider_id,
                "organisation": m.organisation,
                "lot": m.lot,
                "round": m.round,
                "bid_reference": m.bid_reference,
                "quality_pct": m.quality_pct,
                "conditions": m.conditions,
                **band_cells(m.prices),
            }
            for m in self.ev.members
        )
        self.table(c.FRAMEWORK, rows, bands=bands)

    def outcomes(self) -> None:
        outcome_col = [col.key for col in c.OUTCOMES.expand(self.tender.band_names)].index(
            "outcome"
        )
        formats = {
            (r, outcome_col): self.outcome_fmt[o.outcome]
            for r, o in enumerate(self.ev.outcomes, start=1)
        }
        self.table(
            c.OUTCOMES,
            (outcome_row(o) for o in self.ev.outcomes),
            formats,
            bands=self.tender.band_names,
        )

    def rate_card(self) -> None:
        rows: Iterable[Row] = (
            {
                "band": r.band,
                "rank": r.rank,
                "organisation": r.organisation,
                "provider_id": r.provider_id,
                "price": r.price,
                "hourly": r.hourly,
                "conditions": r.conditions,
            }
            for r in rate_card(self.ev.members, self.tender)
        )
        self.table(c.RATE_CARD, rows)

    def quality(self) -> None:
        rows = (
            {
                "bid_reference": q.bid_reference,
                "lot": q.lot,
                "question": q.question,
                "weight": q.weight,
                "scores": q.scores,
                "moderated": q.moderated,
                "final": q.final,
                "status": q.status,
                "comment": q.comment,
                "excluded": q.excluded,
            }
            for q in self.ev.quality_rows
        )
        self.table(c.QUALITY, rows)

    def prices(self) -> None:
        frame = self.ev.prices
        pairs = (
            []
            if frame.empty
            else [
                (band, _decimal(price))
                for band, price in zip(frame["band"], frame["price"], strict=True)
                if isinstance(band, str) and price is not None
            ]
        )
        stats = band_prices(pairs, self.tender)
        rows: Iterable[Row] = (
            {
                "band": s.band.name,
                "floor": s.band.floor,
                "ceiling": s.band.ceiling,
                "bids": s.count,
                "min": s.low,
                "median": s.median,
                "max": s.high,
                "outside": s.outside,
            }
            for s in stats
        )
        ws, _ = self.table(c.PRICES, rows)
        charted = [(r, s) for r, s in enumerate(stats, start=1) if s.values]
        for n, (r, s) in enumerate(charted):  # two abreast, so that a page holds eight
            self.charts.add(
                ws, r, s, len(c.PRICES.columns) + 1 + 6 * (n % 2), (n // 2) * (CHART_HEIGHT + 10)
            )
        if charted:
            print_setup(ws, landscape=True)  # the table and its charts side by side

    def findings(self) -> None:
        rows = (
            {
                "file": f.file,
                "sheet": f.sheet,
                "cell": f.cell,
                "severity": f.severity.value,
                "code": f.code,
                "message": f.message,
                "bid_reference": f.bid_reference,
                "lot": ", ".join(f.lots) if f.lots else "",
            }
            for f in self.ev.findings
        )
        self.table(c.FINDINGS, rows)

    def inputs(self) -> None:
        rows: Iterable[Row] = (
            {
                "file": i.file,
                "bytes": i.size,
                "sha256": i.sha256,
                "status": i.status,
                "note": i.note,
            }
            for i in self.ev.inputs
        )
        self.table(c.INPUTS, rows)

    def bidders(self) -> None:
        keys = [col.key for col in c.BIDDERS.columns]
        self.table(c.BIDDERS, ({k: str(b.get(k, "") or "") for k in keys} for b in self.ev.bidders))

    def services(self) -> None:
        """Every member's Day Services services, all rounds: what ``place`` ranks."""
        self.table(
            c.SERVICES,
            (
                {
                    "provider_id": m.provider_id,
                    "organisation": m.organisation,
                    "round": m.round,
                    "service_name": s.name,
                    "address": s.address,
                    "postcode": s.postcode,
                    "district": s.district,
                    "support_needs": s.support_needs,
                    "days_open": s.days_open,
                }
                for m in self.ev.members
                for s in m.services
            ),
        )

    def pa_coverage(self) -> None:
        """Every Personal Assistants member's districts, all rounds."""
        self.table(
            c.PA_COVERAGE,
            (
                {
                    "provider_id": m.provider_id,
                    "organisation": m.organisation,
                    "round": m.round,
                    "district": d.district,
                    "support_needs": d.support_needs,
                }
                for m in self.ev.members
                for d in m.coverage
            ),
        )

    def panel(self) -> None:
        """Every round's declarations of interests (``report.md``), each with its round."""
        self.table(
            c.PANEL,
            (
                {
                    "evaluator": d.evaluator,
                    "name": d.name,
                    "role": d.role,
                    "conflict": d.conflict,
                    "bid_references": "; ".join(d.bid_references),
                    "mitigation": d.mitigation,
                    "declared_on": d.declared_on.isoformat(),
                    "round": d.round,
                }
                for d in self.ev.panel
            ),
        )


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
