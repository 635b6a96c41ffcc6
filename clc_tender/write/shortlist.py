"""The shortlist workbook: the officers' record of a round, the rate card and the register.

Sheets and columns come from ``contract.py`` (exact names, in order); each sheet here only
says what its rows hold, keyed by column key. Every string is written with ``write_string``
so that text a bidder typed (``=HYPERLINK(...)`` as an organisation name) stays inert text,
and every price is a number with the format ``£#,##0.00``. The same :class:`Evaluation`
gives the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import __version__, formats
from .. import contract as c
from ..contract import Item, SheetSpec, band_key, outcome_item
from ..findings import CONDITION_CODES, Finding, Outcome
from ..framework import BandPrices, band_prices, extra_bands, rate_card
from ..results import Evaluation, LotOutcome
from .atomic import PRODUCER_PROPERTY, OutputExists, atomic_output
from .layout import LINE_POINTS, MAX_ROW_POINTS, row_height, wrapped_lines

__all__ = [
    "LINE_POINTS", "MAX_ROW_POINTS", "OutputExists", "print_setup", "row_height", "write_shortlist",
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

Cell = str | int | Decimal | dt.datetime | dt.date | None
CHART_DATA = "Price chart data"  # a hidden sheet after the contract's: the charts' lines
CHART_WIDTH, CHART_HEIGHT = 380, 215  # pixels
Row = Mapping[str, Cell]


def write_shortlist(ev: Evaluation, out: Path, *, force: bool = False) -> None:
    """Write the shortlist workbook of ``ev`` to ``out``, whole or not at all.

    Raises :class:`OutputExists` (before any work) when ``out`` exists and not ``force``.
    """
    out = Path(out)
    with atomic_output(out, force) as tmp:
        wb = Workbook(str(tmp), {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": True,  # rows streamed to disk: memory stays flat
        })
        wb.set_properties({
            "title": f"{ev.tender.reference} shortlist, round {ev.round}",
            "subject": ev.tender.title,
            "company": ev.tender.contracting_authority,
            "comments": f"Written by clc-tender {__version__}",
            # the run's time, not the clock's: the same evaluation gives the same file
            "created": _utc_naive(ev.run_at),
        })
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


def entry_line(f: Finding) -> str:
    """``code: message``, with the place when the finding has both a sheet and a cell."""
    if f.sheet and f.cell:
        return f"{f.code}: {f.sheet}!{f.cell}: {f.message}"
    return f"{f.code}: {f.message}"


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with the offset."""
    return moment.isoformat()


def local(moment: dt.datetime, tz: tzinfo) -> dt.datetime:
    """``moment`` as the tender's local time (an Excel date-time has no zone; read back as the
    tender's local time by ``read/ours.py``)."""
    return moment.astimezone(tz) if moment.tzinfo else moment.replace(tzinfo=tz)


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
        self.header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1,
                                     "text_wrap": True, "valign": "top"})
        self.fmt: dict[str, Format] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": MONEY_FORMAT}),
            "pct": wb.add_format({**base, "num_format": PERCENT_FORMAT}),
            "date": wb.add_format({**base, "num_format": formats.EXCEL_DATE, "align": "left"}),
            "datetime": wb.add_format({**base, "num_format": formats.EXCEL_DATETIME,
                                       "align": "left"}),
        }
        self.chart_rows: list[tuple[str, Decimal, Decimal]] = []  # band, floor, ceiling
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
        if self.chart_rows:
            self.chart_data()

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
        final = [col.width if col.width is not None else min(max(widths[i], 8), 50)
                 for i, col in enumerate(columns)]
        kinds = [self.fmt[col.kind] for col in columns]
        for i, width in enumerate(final):
            ws.set_column(i, i, width, kinds[i])  # a cell typed in later takes its column's format
        for i, col in enumerate(columns):
            ws.write_string(0, i, col.header, self.header)
        wrap_columns = [i for i, col in enumerate(columns) if col.kind == "wrap"]
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
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(table), 1), len(columns) - 1)
        printed = len(columns)
        if spec is c.OUTCOMES:  # the letters' own columns (after File) are the letters' to print
            printed = [col.key for col in columns].index("file") + 1
            ws.print_area(0, 0, max(len(table), 1), printed - 1)
        wide = sum(final[:printed])
        print_setup(ws, landscape=wide > PORTRAIT_WIDTH, a3=wide > A3_WIDTH)
        return ws, len(table)

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
        formats = {(r, 1): self.fmt["pct"] for r, (item, _) in enumerate(items, start=1)
                   if item == "Quality pass mark %"}
        self.table(c.SUMMARY, ({"item": item, "value": value} for item, value in items), formats)

    def framework(self) -> None:
        bands = [*self.tender.band_names,
                 *extra_bands((m.prices for m in self.ev.members), self.tender.band_names)]
        rows: Iterable[Row] = (
            {"provider_id": m.provider_id, "organisation": m.organisation, "lot": m.lot,
             "round": m.round, "bid_reference": m.bid_reference, "quality_pct": m.quality_pct,
             "conditions": m.conditions, **_band_cells(m.prices)}
            for m in self.ev.members
        )
        self.table(c.FRAMEWORK, rows, bands=bands)

    def outcomes(self) -> None:
        outcome_col = [col.key for col in c.OUTCOMES.expand(self.tender.band_names)].index(
            "outcome")
        formats = {(r, outcome_col): self.outcome_fmt[o.outcome]
                   for r, o in enumerate(self.ev.outcomes, start=1)}
        self.table(c.OUTCOMES, (outcome_row(o) for o in self.ev.outcomes), formats,
                   bands=self.tender.band_names)

    def rate_card(self) -> None:
        rows: Iterable[Row] = (
            {"band": r.band, "rank": r.rank, "organisation": r.organisation,
             "provider_id": r.provider_id, "price": r.price, "hourly": r.hourly,
             "conditions": r.conditions}
            for r in rate_card(self.ev.members, self.tender)
        )
        self.table(c.RATE_CARD, rows)

    def quality(self) -> None:
        rows = (
            {"bid_reference": q.bid_reference, "lot": q.lot, "question": q.question,
             "weight": q.weight, "scores": q.scores, "moderated": q.moderated, "final": q.final,
             "status": q.status, "comment": q.comment}
            for q in self.ev.quality_rows
        )
        self.table(c.QUALITY, rows)

    def prices(self) -> None:
        frame = self.ev.prices
        pairs = [] if frame.empty else [
            (band, _decimal(price))
            for band, price in zip(frame["band"], frame["price"], strict=True)
            if isinstance(band, str) and price is not None
        ]
        stats = band_prices(pairs, self.tender)
        rows: Iterable[Row] = (
            {"band": s.band.name, "floor": s.band.floor, "ceiling": s.band.ceiling,
             "bids": s.count, "min": s.low, "median": s.median, "max": s.high,
             "outside": s.outside}
            for s in stats
        )
        ws, _ = self.table(c.PRICES, rows)
        charted = [(r, s) for r, s in enumerate(stats, start=1) if s.values]
        for n, (r, s) in enumerate(charted):  # two abreast, so that a page holds eight
            self.price_chart(ws, r, s, len(c.PRICES.columns) + 1 + 6 * (n % 2),
                             (n // 2) * (CHART_HEIGHT + 10))
        if charted:
            print_setup(ws, landscape=True)  # the table and its charts side by side

    def price_chart(self, ws: Worksheet, row: int, stats: BandPrices, column: int,
                    top: int) -> None:
        """A small chart of one band (its ``Prices`` row): this round's min, median and max as
        columns, the floor and the ceiling as lines across all of them, on a y-axis from £0 (a
        truncated axis would make a penny look like a gulf). The lines' points sit on the
        hidden ``Price chart data`` sheet. Placed at ``column``, ``top`` pixels down."""
        band = stats.band
        name = c.PRICES.name
        self.chart_rows.append((band.name, band.floor, band.ceiling))
        data_row = len(self.chart_rows)
        chart = self.wb.add_chart({"type": "column"})
        assert chart is not None
        chart.add_series({
            "name": "This round's prices",
            "categories": [name, 0, 4, 0, 6],
            "values": [name, row, 4, row, 6],
            "points": [{"fill": {"color": colour}} for colour in ("#9DC3E6", "#2E75B6", "#1F4E79")],
            "gap": 80,
            "data_labels": {"value": True, "num_format": MONEY_FORMAT, "font": {"size": 8},
                            "position": "inside_base"},  # clear of the lines
        })
        limits = self.wb.add_chart({"type": "line"})
        assert limits is not None
        for first, label, colour, dash in ((1, "Floor", "#C55A11", "dash"),
                                           (4, "Ceiling", "#C00000", "solid")):
            limits.add_series({
                "name": f"{label} {formats.money(getattr(band, label.lower()))}",
                "categories": [name, 0, 4, 0, 6],
                "values": [CHART_DATA, data_row, first, data_row, first + 2],
                "line": {"color": colour, "width": 2, "dash_type": dash},
                "marker": {"type": "none"},
            })
        chart.combine(limits)
        chart.show_hidden_data()
        chart.set_title({"name": f"{band.name}, per {band.unit}",
                         "name_font": {"size": 10, "bold": True}})
        chart.set_y_axis({"num_format": "£#,##0", "major_gridlines": {"visible": True},
                          "min": 0})
        chart.set_x_axis({"num_font": {"size": 9}})
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        ws.insert_chart(0, column, chart, {"y_offset": top})

    def chart_data(self) -> None:
        """The points of the floor and ceiling lines of the price charts (hidden)."""
        ws = self.wb.add_worksheet(CHART_DATA)
        ws.hide()
        for i, title in enumerate(("Band", "Floor", "", "", "Ceiling", "", "")):
            ws.write_string(0, i, title)
        for r, (band, floor, ceiling) in enumerate(self.chart_rows, start=1):
            ws.write_string(r, 0, band)
            for col in range(1, 4):
                ws.write_number(r, col, float(floor), self.fmt["money"])
                ws.write_number(r, col + 3, float(ceiling), self.fmt["money"])

    def findings(self) -> None:
        rows = (
            {"file": f.file, "sheet": f.sheet, "cell": f.cell, "severity": f.severity.value,
             "code": f.code, "message": f.message, "bid_reference": f.bid_reference,
             "lot": ", ".join(f.lots) if f.lots else ""}
            for f in self.ev.findings
        )
        self.table(c.FINDINGS, rows)

    def inputs(self) -> None:
        rows: Iterable[Row] = (
            {"file": i.file, "bytes": i.size, "sha256": i.sha256, "status": i.status,
             "note": i.note}
            for i in self.ev.inputs
        )
        self.table(c.INPUTS, rows)

    def bidders(self) -> None:
        keys = [col.key for col in c.BIDDERS.columns]
        self.table(c.BIDDERS, ({k: str(b.get(k, "") or "") for k in keys}
                               for b in self.ev.bidders))

    def services(self) -> None:
        """Every member's Day Services services, all rounds: what ``place`` ranks."""
        self.table(c.SERVICES, (
            {"provider_id": m.provider_id, "organisation": m.organisation, "round": m.round,
             "service_name": s.name, "address": s.address, "postcode": s.postcode,
             "district": s.district, "support_needs": s.support_needs, "days_open": s.days_open}
            for m in self.ev.members for s in m.services
        ))

    def pa_coverage(self) -> None:
        """Every Personal Assistants member's districts, all rounds."""
        self.table(c.PA_COVERAGE, (
            {"provider_id": m.provider_id, "organisation": m.organisation, "round": m.round,
             "district": d.district, "support_needs": d.support_needs}
            for m in self.ev.members for d in m.coverage
        ))


def summary_items(ev: Evaluation) -> list[tuple[str, Cell]]:
    """The ``Summary`` sheet's items in order: the contract's, then the added ones."""
    tender = ev.tender
    items: list[tuple[str, Cell]] = [
        (Item.AUTHORITY, tender.contracting_authority),
        (Item.REFERENCE, tender.reference),
        (Item.TITLE, tender.title),
        (Item.ROUND, ev.round),
        (Item.DEADLINE, local(ev.deadline, tender.tz)),
        (Item.FIRST_DEADLINE, local(ev.first_deadline, tender.tz)),
        (Item.RUN_AT, local(ev.run_at, tender.tz)),
        (Item.VERSION, __version__),
        (Item.DEFINITION_SHA, tender.sha256),
        (Item.FILES_READ, sum(1 for i in ev.inputs if i.status == "bid")),
        (Item.FILES_SKIPPED, sum(1 for i in ev.inputs if i.status == "skipped")),
        (Item.MEMBERS, len(ev.members)),
    ]
    counts: dict[tuple[str, Outcome], int] = {}
    for o in ev.outcomes:
        counts[(o.lot, o.outcome)] = counts.get((o.lot, o.outcome), 0) + 1
    shown = [o for o in Outcome if o is not Outcome.ALREADY_ADMITTED or ev.round > 1]
    items += [(outcome_item(lot, o.value), counts.get((lot, o), 0))
              for lot in tender.lot_names for o in shown]
    severities = [f.severity.value for f in ev.findings if f.code not in CONDITION_CODES]
    items += [  # extras (after the contract's items)
        (Item.LATENESS, ev.lateness_basis),
        (Item.FIRST_AWARD, ev.first_award or tender.award_date),
        ("Files with no readable lot", sum(1 for o in ev.outcomes if not o.lot)),
        ("Bids", len(ev.bidders)),
        ("Members carried from earlier rounds", ev.carried),
        ("Members admitted this round", len(ev.members) - ev.carried),
        ("Findings: errors", severities.count("error")),
        ("Findings: referrals", severities.count("referral")),
        ("Findings: warnings", severities.count("warning")),
        ("Findings: conditions", sum(1 for f in ev.findings if f.code in CONDITION_CODES)),
        ("Tender definition", tender.source),
        ("Time zone", tender.timezone),
        ("Session hours", tender.session_hours),
        ("Quality pass mark %", tender.quality.pass_mark_pct),
    ]
    return items + [(Item.NOTE, note) for note in ev.warnings]


def outcome_row(o: LotOutcome) -> dict[str, Cell]:
    """An ``Outcomes`` row, keyed by column key."""
    return {
        "bid_reference": o.bid_reference, "organisation": o.organisation, "lot": o.lot,
        "outcome": o.outcome.value,
        "reasons": "\n".join(entry_line(f) for f in o.reasons),
        "conditions": "\n".join(entry_line(f) for f in o.conditions),
        "decisions": "\n".join(o.decisions),
        "quality_pct": o.quality_pct,
        **_band_cells(o.prices),
        "file": o.file, "provider_id": o.provider_id,
        "letter_reasons": "\n".join(f.letter_text for f in o.reasons),
        "letter_conditions": "\n".join(f.letter_text for f in o.conditions),
        "letter_figures": letter_figures(o),
    }


def letter_figures(o: LotOutcome) -> str:
    """The figures behind ``Letter reasons`` and ``Letter conditions`` (``wording.py``)."""
    from ..wording import figures_json

    return figures_json({
        name: [(f.code, f.facts, f.letter_text) for f in findings]
        for name, findings in (("reasons", o.reasons), ("conditions", o.conditions))
    })


def _band_cells(prices: Mapping[str, Decimal]) -> dict[str, Cell]:
    return {band_key(band): price for band, price in prices.items()}


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
