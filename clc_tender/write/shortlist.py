"""The shortlist workbook: the officers' record of a round, the rate card and the register.

Sheets and columns are the contract of ``shared/spec/outputs.md`` (exact names, in order);
anything added goes after them. Every string is written with ``write_string`` so that text a
bidder typed (``=HYPERLINK(...)`` as an organisation name) stays inert text, and every price
is a number with the format ``£#,##0.00``. The same :class:`Evaluation` gives the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..evaluate import Evaluation, LotOutcome, Member
from ..findings import CONDITION_CODES, Finding, Outcome
from ..tender import Band, Tender
from .atomic import PRODUCER_PROPERTY, OutputExists, atomic_output

__all__ = [
    "OutputExists", "hourly_rate", "median", "print_setup", "rate_card", "row_height",
    "write_shortlist",
]

MONEY_FORMAT = "£#,##0.00"
PERCENT_FORMAT = "0.00"
PENNY = Decimal("0.01")
LINE_POINTS = 15  # the height of one line of 11-point Calibri
MAX_ROW_POINTS = 300

SUMMARY, FRAMEWORK, OUTCOMES, RATE_CARD = "Summary", "Framework", "Outcomes", "Rate card"
QUALITY, PRICES, FINDINGS, INPUTS, BIDDERS = "Quality", "Prices", "Findings", "Inputs", "Bidders"
SHEETS = (SUMMARY, FRAMEWORK, OUTCOMES, RATE_CARD, QUALITY, PRICES, FINDINGS, INPUTS, BIDDERS)

BIDDER_COLUMNS = (
    "Bid reference", "Organisation", "Provider ID", "Contact name", "Contact email",
    "Contact telephone", "Registered address", "Postcode", "File",
)

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

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Col:
    """A column of a table sheet: its header and how its cells are written."""

    header: str
    kind: str = "text"  # text, wrap, int, money, pct
    width: float | None = None  # None: from the content


@dataclass(frozen=True)
class RateRow:
    band: str
    rank: int
    organisation: str
    provider_id: str
    price: Decimal
    hourly: Decimal


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


# --- pure helpers (tested directly) -----------------------------------------------------------


def hourly_rate(price: Decimal, band: Band, session_hours: int) -> Decimal:
    """The hourly rate of a band's price: a session price ÷ session hours, half up to the penny."""
    if band.unit == "session":
        return (price / Decimal(session_hours)).quantize(PENNY, ROUND_HALF_UP)
    return price


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median, exact: the lower and upper medians averaged when the count is even."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def rate_card(members: Iterable[Member], tender: Tender) -> list[RateRow]:
    """Per band (tender order), the members of the band's lot that priced it, cheapest first.

    Ties share a rank (competition ranking 1, 1, 3) and are ordered by organisation.
    """
    members = list(members)
    rows: list[RateRow] = []
    for band in tender.bands:
        priced = [
            (m.prices[band.name], m) for m in members
            if m.lot == band.lot and m.prices.get(band.name) is not None
        ]
        priced.sort(key=lambda pm: (pm[0], pm[1].organisation.casefold(), pm[1].organisation,
                                    pm[1].provider_id))
        rank, previous = 0, None
        for index, (price, member) in enumerate(priced, start=1):
            if price != previous:
                rank, previous = index, price
            rows.append(RateRow(band.name, rank, member.organisation, member.provider_id, price,
                                hourly_rate(price, band, tender.session_hours)))
    return rows


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell of ``width`` characters: each of its
    lines, and as many more as its words need at that width (an estimate, as Excel's is)."""
    chars = max(int(width) - 1, 1)  # less the cell's padding
    total = 0
    for line in text.split("\n"):
        count, used = 1, 0
        for word in line.split(" "):
            size = len(word)
            if used and used + 1 + size <= chars:
                used += 1 + size
                continue
            if used:
                count += 1
            # a word longer than the line is broken across lines
            count += max(size - 1, 0) // chars
            used = (size - 1) % chars + 1 if size else 0
        total += count
    return total


def row_height(cells: Iterable[tuple[str, float]]) -> float | None:
    """The height (points) of a row whose wrapped cells are ``(text, column width)``: one line
    of 15 points for each line its tallest cell shows, at most 300; None for a one-line row."""
    lines = max((wrapped_lines(text, width) for text, width in cells if text), default=1)
    if lines <= 1:
        return None
    return float(min(lines * LINE_POINTS, MAX_ROW_POINTS))


def print_setup(ws: Worksheet) -> None:
    """Landscape A4, one page wide (as many tall as needed), the header row on every page and a
    footer with the sheet name and the page number."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_footer("&L&A&RPage &P of &N")


WIDTH_SAMPLE = 500  # rows read to size a column


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
    """ISO 8601 with the offset, as ``reopen`` reads it back (``datetime.fromisoformat``)."""
    return moment.isoformat()


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
        }
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

    # -- generic table -----------------------------------------------------------------------

    def table(
        self,
        name: str,
        columns: Sequence[Col],
        rows: Iterable[Sequence[Cell]],
        cell_formats: dict[tuple[int, int], Format] | None = None,
    ) -> tuple[Worksheet, int]:
        """Write a header and rows; bold frozen header, autofilter, widths, the height of
        each row its wrapped cells need, and the print setup. Returns the sheet and the number
        of data rows."""
        ws = self.wb.add_worksheet(name)
        table = [list(row) for row in rows]
        formats = cell_formats or {}
        # widths first: rows are streamed (constant memory), so each row's height must be set
        # before its cells are written, and it depends on the widths of its wrapped columns
        widths = [len(c.header) + 2 for c in columns]
        for row in table[:WIDTH_SAMPLE]:  # widths from the first rows, as an officer sizes them
            for col, value in enumerate(row):
                widths[col] = max(widths[col], _wants(value))
        final = [c.width if c.width is not None else min(max(widths[col], 8), 50)
                 for col, c in enumerate(columns)]
        kinds = [self.fmt[c.kind] for c in columns]
        for col, width in enumerate(final):
            ws.set_column(col, col, width, kinds[col])  # a cell typed in later takes its column's format
        for col, c in enumerate(columns):
            ws.write_string(0, col, c.header, self.header)
        wrap_columns = [col for col, c in enumerate(columns) if c.kind == "wrap"]
        wraps = set(wrap_columns)
        for r, row in enumerate(table, start=1):
            if wrap_columns:
                height = row_height((text, final[col]) for col in wrap_columns if isinstance(text := row[col], str))
                if height is not None:
                    ws.set_row(r, height)
            for col, value in enumerate(row):
                fmt = formats.get((r, col), kinds[col]) if formats else kinds[col]
                if value is None or value == "":
                    if col in wraps:  # wrapped even when empty (Reasons of an admitted bid)
                        ws.write_blank(r, col, None, fmt)
                    continue
                self.put(ws, r, col, value, fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(table), 1), len(columns) - 1)
        print_setup(ws)
        return ws, len(table)

    def put(self, ws: Worksheet, row: int, col: int, value: Cell, fmt: Format) -> None:
        """Write one cell: text always as text, money and counts as numbers."""
        if isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, bool):  # never expected; keep it text rather than 1/0
            ws.write_string(row, col, str(value), fmt)
        elif isinstance(value, Decimal):
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)

    # -- sheets ------------------------------------------------------------------------------

    def summary(self) -> None:
        ev, tender = self.ev, self.tender
        items: list[tuple[str, Cell]] = [
            ("Contracting authority", tender.contracting_authority),
            ("Tender reference", tender.reference),
            ("Tender title", tender.title),
            ("Round", ev.round),
            ("Deadline", iso(ev.deadline)),
            ("First round deadline", iso(ev.first_deadline)),
            ("Run at", iso(ev.run_at)),
            ("clc-tender version", __version__),
            ("Tender definition SHA-256", tender.sha256),
            ("Files read", sum(1 for i in ev.inputs if i.status == "bid")),
            ("Files skipped", sum(1 for i in ev.inputs if i.status == "skipped")),
            ("Framework members", len(ev.members)),
        ]
        counts: dict[tuple[str, Outcome], int] = {}
        for o in ev.outcomes:
            counts[(o.lot, o.outcome)] = counts.get((o.lot, o.outcome), 0) + 1
        shown = [o for o in Outcome if o is not Outcome.ALREADY_ADMITTED or ev.round > 1]
        items += [(f"{lot}: {o.value}", counts.get((lot, o), 0))
                  for lot in tender.lot_names for o in shown]
        # extras (after the contract's items)
        items += [
            ("Lateness judged on", ev.lateness_basis),
            ("First award", (ev.first_award or tender.award_date).isoformat()),
            ("Files with no readable lot", sum(1 for o in ev.outcomes if not o.lot)),
            ("Bids", len(ev.bidders)),
            ("Members carried from earlier rounds", ev.carried),
            ("Members admitted this round", len(ev.members) - ev.carried),
            ("Findings: errors", sum(1 for f in ev.findings if f.severity.value == "error")),
            ("Findings: referrals", sum(1 for f in ev.findings if f.severity.value == "referral")),
            ("Findings: warnings", sum(1 for f in ev.findings
                                       if f.severity.value == "warning"
                                       and f.code not in CONDITION_CODES)),
            ("Findings: conditions", sum(1 for f in ev.findings if f.code in CONDITION_CODES)),
            ("Tender definition", tender.source),
            ("Time zone", tender.timezone),
            ("Session hours", tender.session_hours),
            ("Quality pass mark %", tender.quality.pass_mark_pct),
        ]
        items += [("Note", note) for note in ev.warnings]
        columns = [Col("Item", width=38), Col("Value", width=72)]
        formats = {(r, 1): self.fmt["pct"] for r, (item, _) in enumerate(items, start=1)
                   if item == "Quality pass mark %"}
        self.table(SUMMARY, columns, items, formats)

    def band_columns(self) -> list[Col]:
        return [Col(name, "money") for name in self.tender.band_names]

    def framework(self) -> None:
        bands = self.tender.band_names
        extra = _extra_bands((m.prices for m in self.ev.members), bands)
        columns = [
            Col("Provider ID"), Col("Organisation"), Col("Lot"), Col("Round", "int"),
            Col("Bid reference"), Col("Quality %", "pct"), Col("Conditions", "wrap", 50),
            *self.band_columns(), *(Col(name, "money") for name in extra),
        ]
        rows: list[list[Cell]] = [
            [m.provider_id, m.organisation, m.lot, m.round, m.bid_reference, m.quality_pct,
             m.conditions, *(m.prices.get(b) for b in (*bands, *extra))]
            for m in self.ev.members
        ]
        self.table(FRAMEWORK, columns, rows)

    def outcomes(self) -> None:
        bands = self.tender.band_names
        columns = [
            Col("Bid reference"), Col("Organisation"), Col("Lot"), Col("Outcome"),
            Col("Reasons", "wrap", 60), Col("Conditions", "wrap", 40), Col("Decisions", "wrap", 40),
            Col("Quality %", "pct"), *self.band_columns(), Col("File"), Col("Provider ID"),
            Col("Letter reasons", "wrap", 60), Col("Letter conditions", "wrap", 40),
        ]
        outcome_col = 3
        rows: list[list[Cell]] = []
        formats: dict[tuple[int, int], Format] = {}
        for r, o in enumerate(self.ev.outcomes, start=1):
            rows.append(_outcome_row(o, bands))
            formats[(r, outcome_col)] = self.outcome_fmt[o.outcome]
        self.table(OUTCOMES, columns, rows, formats)

    def rate_card(self) -> None:
        columns = [Col("Band"), Col("Rank", "int"), Col("Organisation"), Col("Provider ID"),
                   Col("Price (£)", "money"), Col("Hourly (£)", "money")]
        rows: list[list[Cell]] = [[r.band, r.rank, r.organisation, r.provider_id, r.price, r.hourly]
                for r in rate_card(self.ev.members, self.tender)]
        self.table(RATE_CARD, columns, rows)

    def quality(self) -> None:
        columns = [Col("Bid reference"), Col("Lot"), Col("Question"), Col("Weight %", "int"),
                   Col("Scores"), Col("Moderated", "int"), Col("Final", "int"), Col("Status"),
                   Col("Comment", "wrap", 60)]
        rows = [[q.bid_reference, q.lot, q.question, q.weight, q.scores, q.moderated, q.final,
                 q.status, q.comment] for q in self.ev.quality_rows]
        self.table(QUALITY, columns, rows)

    def prices(self) -> None:
        by_band: dict[str, list[Decimal]] = {}
        frame = self.ev.prices
        if not frame.empty:
            for band, price in zip(frame["band"], frame["price"], strict=True):
                if band is None or price is None or not isinstance(band, str):
                    continue
                by_band.setdefault(band, []).append(_decimal(price))
        columns = [Col("Band"), Col("Floor (£)", "money"), Col("Ceiling (£)", "money"),
                   Col("Bids", "int"), Col("Min", "money"), Col("Median", "money"),
                   Col("Max", "money"), Col("Outside range", "int")]
        rows: list[list[Cell]] = []
        for band in self.tender.bands:
            values = by_band.get(band.name, [])
            outside = sum(1 for v in values if v < band.floor or v > band.ceiling)
            rows.append([band.name, band.floor, band.ceiling, len(values),
                         min(values, default=None), median(values), max(values, default=None),
                         outside])
        ws, _ = self.table(PRICES, columns, rows)
        top = 0
        for r, band in enumerate(self.tender.bands, start=1):
            values = by_band.get(band.name, [])
            if values:
                top = self.price_chart(ws, r, band, values, len(columns), top)

    def price_chart(self, ws: Worksheet, row: int, band: Band, values: Sequence[Decimal],
                    width: int, top: int) -> int:
        """A small chart of one band (its ``Prices`` row): min, median and max as columns, the
        floor and ceiling as marks, on a y-axis from just below the lower of the floor and the
        minimum to just above the higher of the ceiling and the maximum. Placed ``top`` pixels
        down, beside the table; returns where the next chart goes."""
        chart = self.wb.add_chart({"type": "column"})
        assert chart is not None
        categories = [PRICES, row, 0, row, 0]
        for col, colour in ((4, "#9DC3E6"), (5, "#2E75B6"), (6, "#1F4E79")):
            chart.add_series({
                "name": [PRICES, 0, col],
                "categories": categories,
                "values": [PRICES, row, col, row, col],
                "fill": {"color": colour},
                "gap": 60,
                "data_labels": {"value": True, "num_format": MONEY_FORMAT, "font": {"size": 8}},
            })
        limits = self.wb.add_chart({"type": "line"})
        assert limits is not None
        for col, colour in ((1, "#C55A11"), (2, "#C00000")):
            limits.add_series({
                "name": [PRICES, 0, col],
                "categories": categories,
                "values": [PRICES, row, col, row, col],
                "line": {"none": True},
                "marker": {"type": "dash", "size": 20,
                           "border": {"color": colour}, "fill": {"color": colour}},
            })
        chart.combine(limits)
        low, high = min(band.floor, *values), max(band.ceiling, *values)
        pad = max((high - low) * Decimal("0.15"), Decimal("0.05"))
        chart.set_title({"name": f"{band.name}: prices against the floor and ceiling",
                         "name_font": {"size": 10, "bold": True}})
        chart.set_y_axis({
            "num_format": "£#,##0.00", "major_gridlines": {"visible": True},
            "min": float((low - pad).quantize(PENNY, ROUND_HALF_UP)),
            "max": float((high + pad).quantize(PENNY, ROUND_HALF_UP)),
        })
        chart.set_x_axis({"num_font": {"size": 9}})
        chart.set_legend({"position": "right", "font": {"size": 8}})
        height = 240
        chart.set_size({"width": 520, "height": height})
        ws.insert_chart(0, width + 1, chart, {"y_offset": top})
        return top + height + 12

    def findings(self) -> None:
        columns = [Col("File"), Col("Sheet"), Col("Cell"), Col("Severity"), Col("Code"),
                   Col("Message", "wrap", 80), Col("Bid reference"), Col("Lot")]
        rows = [[f.file, f.sheet, f.cell, f.severity.value, f.code, f.message, f.bid_reference,
                 ", ".join(f.lots) if f.lots else ""]
                for f in self.ev.findings]
        self.table(FINDINGS, columns, rows)

    def inputs(self) -> None:
        columns = [Col("File"), Col("Bytes", "int"), Col("SHA-256", width=66), Col("Status"),
                   Col("Note", "wrap", 60)]
        rows: list[list[Cell]] = [[i.file, i.size, i.sha256, i.status, i.note]
                                  for i in self.ev.inputs]
        self.table(INPUTS, columns, rows)

    def bidders(self) -> None:
        columns = [Col(name, "wrap", 40) if name == "Registered address" else Col(name)
                   for name in BIDDER_COLUMNS]
        rows: list[list[Cell]] = [[str(b.get(name, "") or "") for name in BIDDER_COLUMNS]
                                  for b in self.ev.bidders]
        self.table(BIDDERS, columns, rows)


def _outcome_row(o: LotOutcome, bands: Sequence[str]) -> list[Cell]:
    return [
        o.bid_reference, o.organisation, o.lot, o.outcome.value,
        "\n".join(entry_line(f) for f in o.reasons),
        "\n".join(entry_line(f) for f in o.conditions),
        "\n".join(o.decisions),
        o.quality_pct,
        *(o.prices.get(b) for b in bands),
        o.file, o.provider_id,
        "\n".join(f.letter_text for f in o.reasons),
        "\n".join(f.letter_text for f in o.conditions),
    ]


def _extra_bands(prices: Iterable[dict[str, Decimal]], known: Sequence[str]) -> list[str]:
    """Bands priced by a member but not in this tender (an earlier round's definition)."""
    seen = set(known)
    extra: list[str] = []
    for p in prices:
        for name in p:
            if name not in seen:
                seen.add(name)
                extra.append(name)
    return extra


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))
