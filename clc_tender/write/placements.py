"""The placements workbook: every option of every request, ranked, and every candidate
excluded with its reasons (``call-off.md``, "Output").

Five sheets, in this order: ``Summary``, ``Options``, ``Excluded``, ``Requests``, ``Inputs``.
Text is always written as text (never a formula), money as numbers formatted £0.00, and the
workbook carries the custom document property ``clc-tender`` = ``placements``. Written whole
or not at all (:func:`atomic_output`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import __version__
from ..contract import PRODUCER_PROPERTY
from ..place import Placements, without_cycle_collection
from ..rules.placement import Placement, hours_text
from .atomic import atomic_output
from .table_book import Cell, Column, Properties, TableBook

KIND = "placements"
SUMMARY, OPTIONS, EXCLUDED, REQUESTS, INPUTS = (
    "Summary",
    "Options",
    "Excluded",
    "Requests",
    "Inputs",
)
SHEETS = (SUMMARY, OPTIONS, EXCLUDED, REQUESTS, INPUTS)
STRAIGHT_LINE = "straight line between the OS grid points of the two postcodes, not by road"


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
    properties = Properties(
        title=f"{result.tender.reference} placements",
        subject=result.tender.title,
        company=result.tender.contracting_authority,
        comments=f"Written by clc-tender {__version__}",
        created=_utc_naive(result.run_at),
        custom=((PRODUCER_PROPERTY, KIND),),
    )
    with without_cycle_collection(), atomic_output(Path(out), force) as tmp:
        book = TableBook(tmp, properties)
        try:
            book.table(
                SUMMARY,
                [("Item", "text", 30), ("Value", "wrap", 80)],
                [list(item) for item in summary_items(result)],
            )
            book.table(OPTIONS, options_columns(result), options_rows(result))
            book.table(EXCLUDED, EXCLUDED_COLUMNS, excluded_rows(result))
            book.table(REQUESTS, REQUEST_COLUMNS, request_rows(result))
            book.table(INPUTS, INPUT_COLUMNS, input_rows(result))
        finally:
            book.close()


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
