"""The placements workbook: every option of every request, ranked, and every candidate
excluded with its reasons (``call-off.md``, "Output").

Five sheets, in this order: ``Summary``, ``Options``, ``Excluded``, ``Requests``, ``Inputs``.
Text is always written as text (never a formula), money as numbers formatted £0.00, and the
workbook carries the custom document property ``clc-tender`` = ``placements``. Written whole
or not at all (:func:`atomic_output`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format

from .. import __version__
from ..contract import PRODUCER_PROPERTY
from ..place import Placements, without_cycle_collection
from ..rules.placement import Placement, hours_text
from .atomic import atomic_output
from .shortlist import print_setup, row_height

KIND = "placements"
SUMMARY, OPTIONS, EXCLUDED, REQUESTS, INPUTS = (
    "Summary",
    "Options",
    "Excluded",
    "Requests",
    "Inputs",
)
SHEETS = (SUMMARY, OPTIONS, EXCLUDED, REQUESTS, INPUTS)
MONEY_FORMAT = "£#,##0.00"
STRAIGHT_LINE = "straight line between the OS grid points of the two postcodes, not by road"

Cell = str | int | Decimal | None
Column = tuple[str, str, float]  # header, kind (text, wrap, int, money, pct, km), width


def band_columns(result: Placements) -> list[str]:
    """The bands of every package, in the tender's order: one ``<Band> (£/h)`` column each."""
    used = {line.band for p in result.placements for line in p.package.lines}
    return [b for b in result.tender.band_names if b in used]


def options_columns(result: Placements) -> list[Column]:
    return [
        ("Request", "text", 14),
        ("Rank", "int", 7),
        ("Organisation", "text", 36),
        ("Provider ID", "text", 15),
        ("Service name", "text", 32),
        ("Postcode", "text", 10),
        ("District", "text", 22),
        ("Distance (km)", "km", 11),
        ("Location", "text", 13),
        *((f"{band} (£/h)", "money", 13) for band in band_columns(result)),
        ("Weekly cost (£)", "money", 14),
        ("Annual cost (£)", "money", 14),
        ("Above cheapest (£/week)", "money", 14),
        ("Quality %", "pct", 10),
        ("Conditions", "wrap", 50),
    ]


def options_rows(result: Placements) -> list[list[Cell]]:
    bands = band_columns(result)
    rows: list[list[Cell]] = []
    for p in result.placements:
        for o in p.options:
            hourly = dict(o.hourly)
            rows.append(
                [
                    p.package.request,
                    o.rank,
                    o.organisation,
                    o.provider_id,
                    o.service,
                    o.postcode,
                    o.district,
                    o.distance_km,
                    o.location,
                    *(hourly.get(b) for b in bands),
                    o.weekly,
                    o.annual,
                    o.above_cheapest,
                    o.quality_pct,
                    o.conditions,
                ]
            )
    return rows


EXCLUDED_COLUMNS: list[Column] = [
    ("Request", "text", 14),
    ("Organisation", "text", 36),
    ("Provider ID", "text", 15),
    ("Service name", "text", 32),
    ("Reasons", "wrap", 80),
]


def excluded_rows(result: Placements) -> list[list[Cell]]:
    return [
        [
            p.package.request,
            e.organisation,
            e.provider_id,
            e.service,
            e.reasons[0].line() if len(e.reasons) == 1 else "\n".join(r.line() for r in e.reasons),
        ]
        for p in result.placements
        for e in p.excluded
    ]


REQUEST_COLUMNS: list[Column] = [
    ("Request", "text", 14),
    ("Lot", "text", 20),
    ("Home postcode", "text", 13),
    ("District", "text", 24),
    ("Location", "text", 13),
    ("Support needs", "wrap", 40),
    ("Days", "text", 16),
    ("Bands and hours", "wrap", 26),
    ("Options", "int", 9),
    ("Cheapest weekly (£)", "money", 14),
    ("Candidates excluded by reason", "wrap", 34),
]


def bands_and_hours(p: Placement) -> str:
    return "\n".join(f"{line.band}: {hours_text(line.hours)} h/week" for line in p.package.lines)


def request_rows(result: Placements) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for p in result.placements:
        pkg = p.package
        rows.append(
            [
                pkg.request,
                pkg.lot,
                pkg.home_postcode,
                p.district,
                p.home.precision if p.home else "unknown",
                "; ".join(pkg.support_needs),
                ";".join(pkg.days),
                bands_and_hours(p),
                len(p.options),
                p.cheapest_weekly,
                "\n".join(f"{code}: {n}" for code, n in p.excluded_by_code().items()),
            ]
        )
    return rows


def summary_items(result: Placements) -> list[tuple[str, Cell]]:
    placed = sum(1 for p in result.placements if p.options)
    items: list[tuple[str, Cell]] = [
        ("Register", result.register),
        ("Register round", result.register_round),
        ("Run at", result.run_at.isoformat()),
        ("clc-tender version", result.version),
        ("Postcode dataset", result.dataset),
        ("Requests placed", placed),
        ("Requests with no option", len(result.placements) - placed),
        ("Requests", len(result.placements)),
        ("Options", sum(len(p.options) for p in result.placements)),
        ("Candidates excluded", sum(len(p.excluded) for p in result.placements)),
        ("Distance", STRAIGHT_LINE),
        ("Tender definition", result.tender.source),
        ("Session hours", result.tender.session_hours),
    ]
    items += [("Note", note) for note in result.warnings]
    return items


INPUT_COLUMNS: list[Column] = [
    ("File", "text", 50),
    ("Bytes", "int", 12),
    ("SHA-256", "text", 66),
    ("Status", "text", 12),
    ("Note", "wrap", 50),
]


def input_rows(result: Placements) -> list[list[Cell]]:
    return [[i.file, i.size, i.sha256, i.status, i.note] for i in result.inputs]


def write_placements(result: Placements, out: Path, *, force: bool = False) -> None:
    """Write the placements workbook to ``out``, whole or not at all."""
    with without_cycle_collection(), atomic_output(Path(out), force) as tmp:
        wb = Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                # cells held until the end: the strings repeat (requests, providers, reasons),
                # and a shared-strings table writes 200,000 rows about twice as fast as
                # constant_memory's inline strings, at some 150 MiB more for 700 requests
                "constant_memory": False,
            },
        )
        wb.set_properties(
            {
                "title": f"{result.tender.reference} placements",
                "subject": result.tender.title,
                "company": result.tender.contracting_authority,
                "comments": f"Written by clc-tender {__version__}",
                "created": _utc_naive(result.run_at),
            }
        )
        wb.set_custom_property(PRODUCER_PROPERTY, KIND)
        writer = _Writer(wb)
        writer.table(
            SUMMARY,
            [("Item", "text", 30), ("Value", "wrap", 80)],
            [list(item) for item in summary_items(result)],
        )
        writer.table(OPTIONS, options_columns(result), options_rows(result))
        writer.table(EXCLUDED, EXCLUDED_COLUMNS, excluded_rows(result))
        writer.table(REQUESTS, REQUEST_COLUMNS, request_rows(result))
        writer.table(INPUTS, INPUT_COLUMNS, input_rows(result))
        wb.close()


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


class _Writer:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        base = {"valign": "top"}
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.fmt: dict[str, Format] = {
            "text": wb.add_format(base),
            "wrap": wb.add_format({**base, "text_wrap": True}),
            "int": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": MONEY_FORMAT}),
            "pct": wb.add_format({**base, "num_format": "0.00"}),
            "km": wb.add_format({**base, "num_format": "0.0"}),
        }

    def table(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> None:
        ws = self.wb.add_worksheet(name)
        kinds = [self.fmt[kind] for _, kind, _ in columns]
        for col, (header, _, width) in enumerate(columns):
            ws.set_column(col, col, width, kinds[col])
            ws.write_string(0, col, header, self.header)
        wraps = [col for col, (_, kind, _) in enumerate(columns) if kind == "wrap"]
        count = 0
        for r, row in enumerate(rows, start=1):
            count = r
            # only a cell with a line break or longer than its column can take more lines
            height = row_height(
                (text, columns[col][2])
                for col in wraps
                if isinstance(text := row[col], str)
                and ("\n" in text or len(text) >= columns[col][2] - 1)
            )
            if height is not None:
                ws.set_row(r, height)
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    ws.write_string(r, col, value, kinds[col])
                else:
                    ws.write_number(r, col, float(value), kinds[col])
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(count, 1), len(columns) - 1)
        print_setup(ws)
