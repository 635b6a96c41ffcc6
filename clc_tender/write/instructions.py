"""The template's ``Instructions`` sheet: the tender, what each sheet wants, the bands with
their ranges, every pass/fail threshold of the tender definition in words and figures, the
date forms accepted, and the lists (districts, support needs, days, CQC ratings) that the
other sheets' drop-downs use."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import formats
from ..rules import months_before
from ..tender import Tender
from ..workbook_format import Format
from .sheet_style import BOLD, TITLE, WRAP, fit_rows, header, print_setup, protect, section

INSTRUCTIONS = "Instructions"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONEY_FORMAT = "£#,##0.00"


class Lists:
    """Where the Instructions sheet lists districts, support needs and ratings (for lists)."""

    def __init__(self) -> None:
        self.ranges: dict[str, str] = {}
        self.values: dict[str, tuple[str, ...]] = {}

    def range_of(self, values: Sequence[str]) -> str | None:
        for key, listed in self.values.items():
            if listed == tuple(values):
                return self.ranges[key]
        return None


def write_instructions(ws: Worksheet, tender: Tender, fmt: Format) -> Lists:
    """Write the ``Instructions`` sheet; returns where its lists are (for drop-downs)."""
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 95
    for letter in "CDEFG":
        ws.column_dimensions[letter].width = 16
    ws.append([tender.title])
    ws["A1"].font = TITLE
    ws.append([])
    _facts(ws, tender, fmt)
    _sheets_and_lots(ws, tender, fmt)
    _bands(ws, tender)
    for title, heads, rows in (
        ("What every bid must meet (pass/fail)", ["Requirement", "Threshold"], thresholds(tender)),
        ("Dates", ["Form", "Accepted as"], list(DATE_FORMS)),
    ):
        section(ws, title)
        header(ws, heads)
        for label, value in rows:
            ws.append([label, value])
        ws.append([])
    lists = _lists(ws, tender)
    _finish(ws)
    return lists


def _facts(ws: Worksheet, tender: Tender, fmt: Format) -> None:
    deadline = tender.deadline.astimezone(tender.tz)
    when = f"{deadline.day} {deadline:%B %Y, %H:%M}"
    zone = "UK time" if tender.timezone == "Europe/London" else tender.timezone
    extension = (
        f", with an optional extension of {tender.extension_years} years"
        if tender.extension_years
        else ""
    )
    facts = [
        ("Contracting authority", tender.contracting_authority),
        ("Tender reference", tender.reference),
        (
            "Deadline",
            f"{when} ({zone}). A bid submitted after this time is late and is not evaluated.",
        ),
        (
            "Framework",
            f"{formats.date(tender.framework_start)} to {formats.date(tender.framework_end)}"
            + extension,
        ),
        ("Response format version", str(fmt.version)),
    ]
    for label, value in facts:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = BOLD
    ws.append([])


def _sheets_and_lots(ws: Worksheet, tender: Tender, fmt: Format) -> None:
    section(ws, "How to complete this workbook")
    ws.append(
        [
            "",
            "Fill in the yellow cells of each sheet. Labels, band names and headers are "
            "protected (no password): do not rename, move or delete them. Lists and limits "
            "are checked as you type; hover over a cell to see what it expects.",
        ]
    )
    header(ws, ["Sheet", "What to enter"])
    for spec in fmt.sheets:
        ws.append([spec.name, spec.instructions])
    ws.append([])
    section(ws, "Lots")
    header(ws, ["Lot", "Price at least one of", "Sheet describing the service"])
    for lot in tender.lots:
        ws.append([lot.name, ", ".join(lot.required_any_of), lot.coverage_sheet])
    ws.append([])


def _bands(ws: Worksheet, tender: Tender) -> None:
    section(ws, "Price bands")
    ws.append(
        [
            "",
            "Each price must lie inside its band's range, floor and ceiling included, in "
            "pounds and whole pence. A price outside the range disqualifies the bid for that "
            "lot.",
        ]
    )
    header(ws, ["Band", "Lot", "Staff ratio", "Unit", "Floor (£)", "Ceiling (£)", "Notes"])
    for band in tender.bands:
        note = f"Only with {' or '.join(band.only_with_any_of)}" if band.only_with_any_of else ""
        ws.append(
            [
                band.name,
                band.lot,
                band.ratio,
                band.unit,
                float(band.floor),
                float(band.ceiling),
                note,
            ]
        )
        for col in (5, 6):
            ws.cell(ws.max_row, col).number_format = MONEY_FORMAT
    if tender.session_hours:
        ws.append(["", f"A session is a full day of {tender.session_hours} hours."])
    ws.append([])


def _lists(ws: Worksheet, tender: Tender) -> Lists:
    lists = Lists()
    for key, title, values in (
        ("districts", "Districts", tender.districts),
        ("support_needs", "Support-need categories (separate with ';')", tender.support_needs),
        ("days", "Days open (separate with ';')", DAYS),
        ("cqc_ratings", "CQC overall ratings", tender.safeguarding.cqc_ratings),
    ):
        section(ws, title)
        first = ws.max_row + 1
        for value in values:
            ws.append([value])
        lists.ranges[key] = f"{INSTRUCTIONS}!$A${first}:$A${ws.max_row}"
        lists.values[key] = tuple(values)
        ws.append([])
    return lists


def _finish(ws: Worksheet) -> None:
    """Wrapping, row heights, the title across the page, the print setup and protection."""
    # a row with more than a heading wraps in every column; a heading or a list item (column A
    # alone) runs on into the empty cells beside it, never clipped
    for row in ws.iter_rows(min_row=2, max_col=_INSTRUCTION_COLUMNS):
        if any(cell.value is not None for cell in row[1:]):
            for cell in row:
                cell.alignment = WRAP
    ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=_INSTRUCTION_COLUMNS)
    fit_rows(
        ws,
        {
            get_column_letter(i): ws.column_dimensions[get_column_letter(i)].width
            for i in range(1, _INSTRUCTION_COLUMNS + 1)
        },
        first=2,
    )
    ws.row_dimensions[1].height = 24
    print_setup(ws, landscape=True)
    ws.print_options.gridLines = False  # prose and small tables, not a grid to fill in
    ws.print_area = f"A1:{get_column_letter(_INSTRUCTION_COLUMNS)}{ws.max_row}"
    protect(ws)


_INSTRUCTION_COLUMNS = 7  # A (labels), B (text), C-G (the bands table)


DATE_FORMS = (
    ("An Excel date", "A cell holding a date, shown as you like (e.g. 20/03/2026)."),
    ("ISO 8601 text", "2026-03-20; a date and time as 2026-03-20 11:30."),
    (
        "UK day-first text",
        "20/03/2026, 20/3/2026, 20.03.2026, 20 March 2026 or 20 Mar 2026: "
        "always the day first (03/04/2026 is 3 April 2026, never 4 March). Read with a warning: "
        "an Excel date is best.",
    ),
    (
        "Submitted at",
        "A date and a time: an Excel date-time, or ISO text such as 2026-03-20 11:30.",
    ),
)


def thresholds(tender: Tender) -> list[tuple[str, str]]:
    """Every gate threshold of ``tender`` in words and figures, as the instructions state them."""
    return [*_finance_rows(tender), *_safeguarding_rows(tender), *_quality_rows(tender)]


def _finance_rows(tender: Tender) -> list[tuple[str, str]]:
    """Eligibility, insurance and finance thresholds."""
    deadline = tender.deadline.date()
    finance, insurance = tender.finance, tender.insurance
    accounts = months_before(deadline, finance.max_accounts_age_months)
    valid_on = formats.date(max(tender.framework_start, deadline))
    return [
        (
            "Eligibility",
            "No mandatory exclusion ground and not on the debarment list (Procurement "
            "Act 2023). A discretionary exclusion ground is considered by the council.",
        ),
        ("Employer's liability cover", f"At least {formats.money(insurance.employers_liability)}"),
        ("Public liability cover", f"At least {formats.money(insurance.public_liability)}"),
        (
            "Professional indemnity cover",
            f"At least {formats.money(insurance.professional_indemnity)}",
        ),
        (
            "Insurance expiry",
            f"Cover held, or committed to from {valid_on}; a policy expiring "
            "before then needs a renewed certificate before the first placement.",
        ),
        ("Annual turnover", f"At least {formats.money(finance.min_turnover)}"),
        ("Net assets", f"At least {formats.money(finance.min_net_assets)}"),
        (
            "Current ratio",
            f"Current assets ÷ current liabilities at least "
            f"{formats.number(finance.min_current_ratio)}",
        ),
        (
            "Accounts age",
            f"Latest accounts ending no more than {finance.max_accounts_age_months} "
            f"months before the deadline (on or after {formats.date(accounts)})",
        ),
        (
            "Finance",
            "A failed financial test is considered by the council; an offered parent "
            "company guarantee can settle it.",
        ),
    ]


def _safeguarding_rows(tender: Tender) -> list[tuple[str, str]]:
    """Policy, safeguarding and CQC thresholds."""
    safeguarding = tender.safeguarding
    reviewed = months_before(tender.deadline.date(), tender.policy_max_age_months)
    failing = ", ".join(safeguarding.failing_cqc_ratings)
    rows = [
        (
            "Policies",
            f"Each policy held and reviewed within {tender.policy_max_age_months} months "
            f"before the deadline (on or after {formats.date(reviewed)}): "
            + "; ".join(
                f"{p.name}"
                + ("" if set(p.lots) == set(tender.lot_names) else f" ({', '.join(p.lots)} only)")
                for p in tender.policies
            ),
        ),
        (
            "Safeguarding",
            "A named safeguarding lead; enhanced DBS checks with the adults' barred "
            "list for all staff.",
        ),
        (
            "Safeguarding training",
            f"Completed by at least {formats.percent(safeguarding.min_training_pct)} of staff",
        ),
    ]
    if failing:
        rows.append(("CQC rating", f"A CQC-registered provider rated {failing} overall fails."))
    required = [lot.name for lot in tender.lots if lot.cqc_registration_required]
    if required:
        rows.append(("CQC registration", f"Required for {', '.join(required)}"))
    return rows


def _quality_rows(tender: Tender) -> list[tuple[str, str]]:
    """Quality and price thresholds."""
    quality = tender.quality
    scale = ", ".join(f"{i} {m}" for i, m in enumerate(quality.scale))
    return [
        (
            "Quality: each question",
            f"Scored 0 to {quality.max_score} by the evaluation panel"
            + (f" ({scale})" if scale else "")
            + f"; every question at least {quality.min_score}",
        ),
        (
            "Quality: pass mark",
            f"Weighted quality score at least {formats.percent(quality.pass_mark_pct)}",
        ),
        ("Prices", "Every price inside its band's floor and ceiling (above), in whole pence."),
    ]
