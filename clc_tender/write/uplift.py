"""The uplift record (uplift.md): Summary, Bands, Providers and Letters, whole or not at all.

Every string is written as a string (a name such as ``=HYPERLINK(...)`` stays inert text, and
mail-merge text beginning with ``=``, ``+``, ``-``, ``@`` gets a leading ``'`` as the award
letters' does); money is a number formatted ``£#,##0.00``; the workbook carries the custom
document property ``clc-tender`` = ``uplift``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..contract import PRODUCER_PROPERTY
from ..formats import EXCEL_DATE, money
from ..formats import date as long_day
from ..letters.mailmerge import neutralise
from ..tender import Tender
from ..uplift import Uplift, formula_text
from .atomic import atomic_output
from .shortlist import MONEY_FORMAT, print_setup

SUMMARY, BANDS, PROVIDERS, LETTERS = "Summary", "Bands", "Providers", "Letters"
SHEETS = (SUMMARY, BANDS, PROVIDERS, LETTERS)
BANDS_COLUMNS = (
    "Band",
    "Lot",
    "Unit",
    "Staff share",
    "Uplift %",
    "Old floor (£)",
    "New floor (£)",
    "Old ceiling (£)",
    "New ceiling (£)",
)
PROVIDERS_COLUMNS = (
    "Provider ID",
    "Organisation",
    "Lot",
    "Band",
    "Old price (£)",
    "New price (£)",
    "Change (£)",
    "Change %",
)
LETTERS_COLUMNS = (
    "Organisation",
    "Provider ID",
    "Contact name",
    "Contact email",
    "Registered address",
    "Postcode",
    "Effective date",
    "Prices",
)
CONTACT_COLUMNS = ("Contact name", "Contact email", "Registered address", "Postcode")
DOCUMENT_KIND = "uplift"

Cell = str | int | Decimal | dt.date | None


@dataclass(frozen=True)
class UpliftRun:
    """An uplift with what it was applied to."""

    uplift: Uplift
    tender: Tender
    register: str  # the register's file name as given
    register_sha256: str
    run_at: dt.datetime
    contacts: Mapping[str, Mapping[str, str]]  # provider ID -> the Bidders columns


def price_lines(run: UpliftRun, provider_id: str) -> str:
    """``Band 1: £48.75 → £50.70 per session``, one line per band the provider priced."""
    units = {b.name: b.unit for b in run.tender.bands}
    order = {name: i for i, name in enumerate(run.tender.band_names)}
    changes = [c for c in run.uplift.changes if c.provider_id == provider_id]
    changes.sort(key=lambda c: order.get(c.band, len(order)))
    return "\n".join(
        f"{c.band}: {money(c.old)} → {money(c.new)}"
        + (f" per {units[c.band]}" if c.band in units else "")
        for c in changes
    )


def letter_rows(run: UpliftRun) -> list[dict[str, str]]:
    """One mail-merge row per provider on the framework (both lots in one letter)."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for m in run.uplift.members:
        if m.provider_id in seen or not m.prices:
            continue
        seen.add(m.provider_id)
        contact = run.contacts.get(m.provider_id, {})
        row = {"Organisation": m.organisation, "Provider ID": m.provider_id}
        row.update({name: str(contact.get(name, "") or "") for name in CONTACT_COLUMNS})
        row["Effective date"] = long_day(run.uplift.effective)
        row["Prices"] = price_lines(run, m.provider_id)
        rows.append({key: neutralise(value) for key, value in row.items()})
    return rows


def summary_items(run: UpliftRun) -> list[tuple[str, Cell, str]]:
    """(Item, Value, kind) of the Summary sheet."""
    f = run.uplift.figures
    items: list[tuple[str, Cell, str]] = [
        ("Effective date", run.uplift.effective, "date"),
        ("NLW old (£ an hour)", f.nlw_old, "money"),
        ("NLW new (£ an hour)", f.nlw_new, "money"),
        ("NLW change %", f.nlw_change, "pct4"),
        ("CPI %", f.cpi, "pct"),
        ("Formula", formula_text(f), "text"),
        ("Cap %", f.cap, "pct"),
        ("Decided %", f.decided, "pct"),
        ("Register", run.register, "text"),
        ("Register SHA-256", run.register_sha256, "text"),
        ("Tender definition", run.tender.source, "text"),
        ("Tender definition SHA-256", run.tender.sha256, "text"),
        ("Run at", run.run_at.isoformat(), "text"),
        ("clc-tender version", __version__, "text"),
        ("Members' prices changed", len(run.uplift.changes), "int"),
        ("Total change of members' prices (£)", run.uplift.total_change, "money"),
    ]
    return items


def write_uplift_record(run: UpliftRun, out: Path, *, force: bool = False) -> None:
    """Write the uplift record to ``out``, whole or not at all."""
    with atomic_output(Path(out), force) as tmp:
        write_record(run, tmp)


def write_record(run: UpliftRun, path: Path) -> None:
    """Write the uplift record to ``path`` (a temporary file of :func:`atomic_output`)."""
    wb = _workbook(run, path)
    sheets = _Sheets(wb)
    sheets.table(
        SUMMARY,
        ("Item", "Value"),
        [[item, value] for item, value, _ in summary_items(run)],
        kinds=[["text", kind] for _, _, kind in summary_items(run)],
    )
    u = run.uplift
    sheets.table(
        BANDS,
        BANDS_COLUMNS,
        [
            [
                b.band,
                b.lot,
                b.unit,
                b.staff_share,
                b.percent,
                b.old_floor,
                b.new_floor,
                b.old_ceiling,
                b.new_ceiling,
            ]
            for b in u.bands
        ],
        column_kinds=("text",) * 3 + ("pct",) * 2 + ("money",) * 4,
    )
    sheets.table(
        PROVIDERS,
        PROVIDERS_COLUMNS,
        [
            [c.provider_id, c.organisation, c.lot, c.band, c.old, c.new, c.change, c.change_pct]
            for c in u.changes
        ],
        column_kinds=("text",) * 4 + ("money",) * 3 + ("pct",),
    )
    sheets.table(
        LETTERS,
        LETTERS_COLUMNS,
        [[row[name] for name in LETTERS_COLUMNS] for row in letter_rows(run)],
        column_kinds=("text",) * 7 + ("wrap",),
    )
    wb.close()


def _workbook(run: UpliftRun, path: Path) -> Workbook:
    """The record's workbook with its document properties, no sheets yet."""
    wb = Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    wb.set_properties(
        {
            "title": f"{run.tender.reference} uplift effective {run.uplift.effective.isoformat()}",
            "subject": run.tender.title,
            "company": run.tender.contracting_authority,
            "comments": f"Written by clc-tender {__version__}",
            "created": run.run_at.astimezone(dt.UTC).replace(tzinfo=None),
        }
    )
    wb.set_custom_property(PRODUCER_PROPERTY, DOCUMENT_KIND)
    return wb


class _Sheets:
    """Plain table sheets: a bold frozen header, widths from the content, print setup."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.header = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "top"}
        )
        self.formats: dict[str, Format] = {
            "text": wb.add_format({"valign": "top"}),
            "int": wb.add_format({"valign": "top"}),
            "wrap": wb.add_format({"valign": "top", "text_wrap": True}),
            "money": wb.add_format({"valign": "top", "num_format": MONEY_FORMAT}),
            "pct": wb.add_format({"valign": "top", "num_format": "0.00"}),
            "pct4": wb.add_format({"valign": "top", "num_format": "0.0000"}),
            "date": wb.add_format({"valign": "top", "num_format": EXCEL_DATE, "align": "left"}),
        }

    def table(
        self,
        name: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        column_kinds: Sequence[str] | None = None,
        kinds: Sequence[Sequence[str]] | None = None,
    ) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        columns = column_kinds or ("text",) * len(headers)
        widths = [len(h) + 2 for h in headers]
        for row in rows:
            for col, value in enumerate(row):
                text = f"{value:,.2f}" if isinstance(value, Decimal) else str(value or "")
                widths[col] = max(
                    widths[col], max((len(x) for x in text.splitlines()), default=0) + 2
                )
        for col, header in enumerate(headers):
            ws.set_column(col, col, min(widths[col], 70), self.formats[columns[col]])
            ws.write_string(0, col, header, self.header)
        for r, row in enumerate(rows, start=1):
            lines = max((str(v).count("\n") + 1 for v in row if isinstance(v, str)), default=1)
            if lines > 1:
                ws.set_row(r, 15 * lines)
            for col, value in enumerate(row):
                kind = kinds[r - 1][col] if kinds else columns[col]
                fmt = self.formats[kind]
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    ws.write_string(r, col, value, fmt)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, col, dt.datetime.combine(value, dt.time()), fmt)
                else:
                    ws.write_number(r, col, float(value), fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(headers) - 1)
        print_setup(ws)
        return ws
