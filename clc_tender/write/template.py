"""The blank tender response workbook (``clc-tender template``), built from the Format.

Every sheet, label and header comes from :func:`clc_tender.workbook_format.load_format`, and
every band, limit and list from the tender definition, so a new definition (uplifted rates,
another county) gives its own template without a code change.

The workbook helps the bidder get it right first time:

- an ``Instructions`` sheet first: the tender, its deadline, what each sheet wants, the bands
  with their floor and ceiling, the districts and the support-need categories;
- Excel data validation on every value cell whose type allows it (Yes/No and CQC rating
  lists, dates, amounts, the percentage, counts, each band's price range), with an input
  message showing the help text or the band's range;
- the labels, band names and headers protected (sheet protection **without a password**: it
  guards against slips, not against a determined user, who may unprotect the sheet from the
  Review tab); value, price and table cells are unlocked;
- value cells of text fields (Companies House number, postcode, telephone...) formatted as
  text so that Excel keeps their leading zeros.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import formats
from ..rules import months_before
from ..tender import Band, Tender
from ..workbook_format import FieldSpec, Format, SheetSpec, TypeSpec
from .atomic import atomic_output
from .layout import row_height

INSTRUCTIONS = "Instructions"
# rows 2..TABLE_LAST_ROW of a table sheet are unlocked and validated
TABLE_LAST_ROW = 200
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
MONEY_FORMAT = "£#,##0.00"
TEXT_FORMAT = "@"

# Field types whose value is text that Excel must not turn into a number.
TEXT_TYPES = frozenset({"text", "email", "postcode", "ch_number", "charity_number", "cqc_location"})

# Excel's limits on data-validation text.
_PROMPT_MAX = 255
_TITLE_MAX = 32
_LIST_LITERAL_MAX = 255
# Date validation range (Excel serial numbers are computed from these).
_FIRST_DATE = dt.date(2000, 1, 1)
_LAST_DATE = dt.date(2099, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_UNLOCKED = Protection(locked=False)
_INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")  # the cells a bidder fills in
_WRAP = Alignment(wrap_text=True, vertical="top")


def write_template(tender: Tender, fmt: Format, out: Path, *, force: bool = False) -> None:
    """Write the blank response workbook of ``tender`` to ``out``, whole or not at all; an
    existing ``out`` is replaced only with ``force``."""
    wb = Workbook()
    wb.properties.title = f"{tender.reference} tender response workbook"
    wb.properties.creator = tender.contracting_authority
    instructions = wb.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS
    lists = _write_instructions(instructions, tender, fmt)
    for spec in fmt.sheets:
        ws = wb.create_sheet(spec.name)
        if spec.kind == "fields":
            _write_fields_sheet(ws, spec, fmt, lists)
        elif spec.name == "Pricing":
            _write_pricing_sheet(ws, spec, tender)
        else:
            _write_table_sheet(ws, spec, tender, lists)
    with atomic_output(Path(out), force=force) as temp:
        wb.save(temp)


# --- Instructions -------------------------------------------------------------------------


class _Lists:
    """Where the Instructions sheet lists districts, support needs and ratings (for lists)."""

    def __init__(self) -> None:
        self.ranges: dict[str, str] = {}
        self.values: dict[str, tuple[str, ...]] = {}

    def range_of(self, values: Sequence[str]) -> str | None:
        for key, listed in self.values.items():
            if listed == tuple(values):
                return self.ranges[key]
        return None


def _write_instructions(ws: Worksheet, tender: Tender, fmt: Format) -> _Lists:
    lists = _Lists()
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 95
    for letter in "CDEFG":
        ws.column_dimensions[letter].width = 16
    ws.append([tender.title])
    ws["A1"].font = _TITLE
    ws.append([])
    deadline = tender.deadline.astimezone(tender.tz)
    when = f"{deadline.day} {deadline:%B %Y, %H:%M}"
    zone = "UK time" if tender.timezone == "Europe/London" else tender.timezone
    facts = [
        ("Contracting authority", tender.contracting_authority),
        ("Tender reference", tender.reference),
        (
            "Deadline",
            f"{when} ({zone}). A bid submitted after this time is late and is not evaluated.",
        ),
        (
            "Framework",
            f"{_long_date(tender.framework_start)} to {_long_date(tender.framework_end)}"
            + (
                f", with an optional extension of {tender.extension_years} years"
                if tender.extension_years
                else ""
            ),
        ),
        ("Response format version", str(fmt.version)),
    ]
    for label, value in facts:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = _BOLD
    ws.append([])
    _section(ws, "How to complete this workbook")
    ws.append(
        [
            "",
            "Fill in the yellow cells of each sheet. Labels, band names and headers are protected "
            "(no password): do not rename, move or delete them. Lists and limits are checked as "
            "you type; hover over a cell to see what it expects.",
        ]
    )
    _header(ws, ["Sheet", "What to enter"])
    for spec in fmt.sheets:
        ws.append([spec.name, spec.instructions])
    ws.append([])

    _section(ws, "Lots")
    _header(ws, ["Lot", "Price at least one of", "Sheet describing the service"])
    for lot in tender.lots:
        ws.append([lot.name, ", ".join(lot.required_any_of), lot.coverage_sheet])
    ws.append([])

    _section(ws, "Price bands")
    ws.append(
        [
            "",
            "Each price must lie inside its band's range, floor and ceiling included, in pounds "
            "and whole pence. A price outside the range disqualifies the bid for that lot.",
        ]
    )
    _header(ws, ["Band", "Lot", "Staff ratio", "Unit", "Floor (£)", "Ceiling (£)", "Notes"])
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

    _section(ws, "What every bid must meet (pass/fail)")
    _header(ws, ["Requirement", "Threshold"])
    for label, value in thresholds(tender):
        ws.append([label, value])
    ws.append([])

    _section(ws, "Dates")
    _header(ws, ["Form", "Accepted as"])
    for label, value in DATE_FORMS:
        ws.append([label, value])
    ws.append([])

    for key, title, values in (
        ("districts", "Districts", tender.districts),
        ("support_needs", "Support-need categories (separate with ';')", tender.support_needs),
        ("days", "Days open (separate with ';')", DAYS),
        ("cqc_ratings", "CQC overall ratings", tender.safeguarding.cqc_ratings),
    ):
        _section(ws, title)
        first = ws.max_row + 1
        for value in values:
            ws.append([value])
        lists.ranges[key] = f"{INSTRUCTIONS}!$A${first}:$A${ws.max_row}"
        lists.values[key] = tuple(values)
        ws.append([])

    for row in ws.iter_rows(min_col=1, max_col=2):
        for cell in row:
            cell.alignment = _WRAP
    _fit_rows(ws, {"A": 30, "B": 95})
    _print_setup(ws, landscape=True)
    _protect(ws)
    return lists


DATE_FORMS = (
    ("An Excel date", "A cell holding a date, shown as you like (e.g. 20/03/2026)."),
    ("ISO 8601 text", "2026-03-20; a date and time as 2026-03-20 11:30."),
    ("UK day-first text", "20/03/2026, 20/3/2026, 20.03.2026, 20 March 2026 or 20 Mar 2026: "
     "always day, then month (never 3 March for 03/20). Read with a warning: an Excel date "
     "is best."),
    ("Submitted at", "A date and a time: an Excel date-time, or ISO text such as 2026-03-20 11:30."),
)


def thresholds(tender: Tender) -> list[tuple[str, str]]:
    """Every gate threshold of ``tender`` in words and figures, as the instructions state them."""
    deadline = tender.deadline.date()
    finance, insurance, safeguarding, quality = (
        tender.finance, tender.insurance, tender.safeguarding, tender.quality)
    accounts = months_before(deadline, finance.max_accounts_age_months)
    reviewed = months_before(deadline, tender.policy_max_age_months)
    valid_on = formats.date(max(tender.framework_start, deadline))
    failing = ", ".join(safeguarding.failing_cqc_ratings)
    rows = [
        ("Eligibility", "No mandatory exclusion ground and not on the debarment list (Procurement "
         "Act 2023). A discretionary exclusion ground is considered by the council."),
        ("Employer's liability cover", f"At least {formats.money(insurance.employers_liability)}"),
        ("Public liability cover", f"At least {formats.money(insurance.public_liability)}"),
        ("Professional indemnity cover",
         f"At least {formats.money(insurance.professional_indemnity)}"),
        ("Insurance expiry", f"Cover held, or committed to from {valid_on}; a policy expiring "
         "before then needs a renewed certificate before the first placement."),
        ("Annual turnover", f"At least {formats.money(finance.min_turnover)}"),
        ("Net assets", f"At least {formats.money(finance.min_net_assets)}"),
        ("Current ratio", f"Current assets ÷ current liabilities at least "
         f"{formats.number(finance.min_current_ratio)}"),
        ("Accounts age", f"Latest accounts ending no more than {finance.max_accounts_age_months} "
         f"months before the deadline (on or after {formats.date(accounts)})"),
        ("Finance", "A failed financial test is considered by the council; an offered parent "
         "company guarantee can settle it."),
        ("Policies", f"Each policy held and reviewed within {tender.policy_max_age_months} months "
         f"before the deadline (on or after {formats.date(reviewed)}): "
         + "; ".join(f"{p.name}" + ("" if set(p.lots) == set(tender.lot_names)
                                     else f" ({', '.join(p.lots)} only)")
                     for p in tender.policies)),
        ("Safeguarding", "A named safeguarding lead; enhanced DBS checks with the adults' barred "
         "list for all staff."),
        ("Safeguarding training", f"Completed by at least "
         f"{formats.percent(safeguarding.min_training_pct)} of staff"),
    ]
    if failing:
        rows.append(("CQC rating", f"A CQC-registered provider rated {failing} overall fails."))
    required = [lot.name for lot in tender.lots if lot.cqc_registration_required]
    if required:
        rows.append(("CQC registration", f"Required for {', '.join(required)}"))
    scale = ", ".join(f"{i} {m}" for i, m in enumerate(quality.scale))
    rows += [
        ("Quality: each question", f"Scored 0 to {quality.max_score} by the evaluation panel"
         + (f" ({scale})" if scale else "") + f"; every question at least {quality.min_score}"),
        ("Quality: pass mark", f"Weighted quality score at least "
         f"{formats.percent(quality.pass_mark_pct)}"),
        ("Prices", "Every price inside its band's floor and ceiling (above), in whole pence."),
    ]
    return rows


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _section(ws: Worksheet, title: str) -> None:
    ws.append([title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)


def _header(ws: Worksheet, headers: Sequence[str]) -> None:
    ws.append(list(headers))
    for col in range(1, len(headers) + 1):
        cell = ws.cell(ws.max_row, col)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL


# --- response sheets ------------------------------------------------------------------------


def _write_fields_sheet(ws: Worksheet, spec: SheetSpec, fmt: Format, lists: _Lists) -> None:
    _header(ws, ["Field", "Value"])
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = max(
        30, max((len(f.label) for f in spec.fields), default=0) + 4
    )
    ws.column_dimensions["B"].width = 42
    validations = _Validations(ws)
    for row, field_spec in enumerate(spec.fields, start=2):
        ws.cell(row, 1, field_spec.label)
        cell = ws.cell(row, 2)
        if field_spec.key == "format_version":
            cell.value = fmt.version  # filled in by the council; stays locked
            cell.alignment = Alignment(horizontal="left")
            continue
        _input(cell)
        number_format = _number_format(field_spec.type)
        if number_format:
            cell.number_format = number_format
        dv = _field_validation(field_spec, lists, fmt.types)
        if dv is not None:
            validations.add(dv, cell.coordinate)
    for row in ws.iter_rows(min_col=1, max_col=1, min_row=2):
        row[0].alignment = _WRAP
    _print_setup(ws, landscape=False)
    _protect(ws)


def _number_format(field_type: str) -> str | None:
    if field_type in TEXT_TYPES:
        return TEXT_FORMAT
    if field_type == "date":
        return DATE_FORMAT
    if field_type == "datetime":
        return DATETIME_FORMAT
    if field_type in ("amount", "signed_amount"):
        return MONEY_FORMAT
    return None


def _field_validation(spec: FieldSpec, lists: _Lists, types: dict[str, TypeSpec]) -> DataValidation | None:
    """The validation of one value cell, its input message the field's help."""
    prompt = spec.help
    if spec.required == "when_policy_held":
        prompt = _join(prompt, "Required when the policy is held.")
    elif spec.required == "when_cqc_registered":
        prompt = _join(prompt, "Required when CQC registered.")
    kind = spec.type
    if kind == "yesno":
        dv = _list_validation(("Yes", "No"), None, "Choose Yes or No.")
    elif kind == "choice":
        dv = _list_validation(spec.choices, lists.range_of(spec.choices), "Choose from the list.")
    elif kind in ("date", "datetime"):
        example = "20/03/2026 11:30" if kind == "datetime" else "20/03/2026"
        dv = DataValidation(
            type="date",
            operator="between",
            formula1=str(_serial(_FIRST_DATE)),
            formula2=str(_serial(_LAST_DATE)),
            error=f"Enter a date{' and time' if kind == 'datetime' else ''}, e.g. {example}.",
        )
        prompt = prompt or f"A date, e.g. {example}."
    elif kind in types and types[kind].excel:  # declared in schemas/response-format.toml
        declared = types[kind]
        dv = DataValidation(**dict(declared.excel), error=declared.error)
        if declared.error_style:
            dv.errorStyle = declared.error_style
        prompt = prompt or declared.prompt
    elif spec.max_length:
        dv = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(spec.max_length),
            error=f"At most {spec.max_length} characters.",
            errorStyle="warning",
        )
    elif prompt:
        dv = DataValidation()  # no check: the input message only
    else:
        return None
    dv.allow_blank = True
    if dv.error:
        dv.showErrorMessage = True
        dv.errorTitle = "Check this value"
        if dv.errorStyle is None:
            dv.errorStyle = "stop"
    if prompt:
        _prompt(dv, None, prompt)
    return dv


def _write_pricing_sheet(ws: Worksheet, spec: SheetSpec, tender: Tender) -> None:
    _header(ws, [col.header for col in spec.columns])
    ws.freeze_panes = "A2"
    widths = {"band": 14, "unit": 12, "price": 14}
    for i, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(col.key, 16)
    band_col = _column_index(spec, "band")
    unit_col = _column_index(spec, "unit")
    price_col = _column_index(spec, "price")
    for row, band in enumerate(tender.bands, start=2):
        ws.cell(row, band_col, band.name)
        ws.cell(row, unit_col, band.unit)
        cell = ws.cell(row, price_col)
        _input(cell)
        cell.number_format = MONEY_FORMAT
        dv = _price_validation(band, cell.coordinate)
        dv.add(cell.coordinate)
        ws.add_data_validation(dv)
    _print_setup(ws, landscape=False)
    _protect(ws)


def price_prompt(band: Band) -> str:
    """A band's price range, e.g. ``Band 1 (1:8, per session): £48.12 to £49.42``."""
    return (
        f"{band.name} ({band.ratio}, per {band.unit}): £{band.floor:,.2f} to £{band.ceiling:,.2f}"
    )


def price_rule(band: Band, cell: str) -> str:
    """The custom validation formula of a price cell: a number inside the band's range, in
    whole pence. ``ROUND(C2,2)=C2`` is robust to binary floating point (``MOD(C2*100,1)=0``
    wrongly refuses £57.20 in Excel)."""
    return (f"AND(ISNUMBER({cell}),{cell}>={band.floor},{cell}<={band.ceiling},"
            f"ROUND({cell},2)={cell})")


def _price_validation(band: Band, cell: str) -> DataValidation:
    dv = DataValidation(
        type="custom",
        formula1=price_rule(band, cell),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=_clip(f"{band.name} price", _TITLE_MAX),
        error=_clip(
            f"The price for {band.name} must be between £{band.floor:,.2f} and "
            f"£{band.ceiling:,.2f} per {band.unit}, in whole pence (at most two decimal "
            "places). A price outside the range disqualifies the bid. Leave it blank if you do "
            "not offer this band.",
            _PROMPT_MAX,
        ),
    )
    _prompt(dv, f"{band.name} price",
            price_prompt(band) + ", in whole pence. Leave blank if not offered.")
    return dv


def _write_table_sheet(ws: Worksheet, spec: SheetSpec, tender: Tender, lists: _Lists) -> None:
    _header(ws, [col.header for col in spec.columns])
    ws.freeze_panes = "A2"
    widths = {
        "service_name": 34,
        "address": 40,
        "postcode": 11,
        "district": 26,
        "support_needs": 60,
        "days_open": 24,
    }
    for i, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(
            col.key, max(16, len(col.header) + 4)
        )
    for row in range(2, TABLE_LAST_ROW + 1):
        for i, col in enumerate(spec.columns, start=1):
            cell = ws.cell(row, i)
            _input(cell)
            if col.type in TEXT_TYPES:
                cell.number_format = TEXT_FORMAT
    validations = _Validations(ws)
    for i, col in enumerate(spec.columns, start=1):
        area = f"{get_column_letter(i)}2:{get_column_letter(i)}{TABLE_LAST_ROW}"
        dv: DataValidation | None = None
        if col.key == "district":
            dv = _list_validation(
                tender.districts,
                lists.range_of(tender.districts),
                "Choose one of the county's districts.",
            )
            _prompt(dv, col.header, "One of the county's districts: choose from the list.")
        elif col.key == "support_needs":
            dv = DataValidation()
            _prompt(
                dv, col.header, "Separate with ';'. Categories: " + "; ".join(tender.support_needs)
            )
        elif col.key == "days_open":
            dv = DataValidation()
            _prompt(dv, col.header, "Days separated by ';', e.g. " + ";".join(DAYS[:5]))
        if dv is not None:
            dv.allow_blank = True
            validations.add(dv, area)
    total = sum(ws.column_dimensions[get_column_letter(i)].width or 10
                for i in range(1, len(spec.columns) + 1))
    _print_setup(ws, landscape=total > 100)
    _protect(ws)


# --- helpers -------------------------------------------------------------------------------


class _Validations:
    """Adds validations to a sheet, sharing one object between cells with the same rule."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.seen: dict[tuple[object, ...], DataValidation] = {}

    def add(self, dv: DataValidation, area: str) -> None:
        key = (
            dv.type,
            dv.operator,
            dv.formula1,
            dv.formula2,
            dv.prompt,
            dv.error,
            dv.errorTitle,
            dv.promptTitle,
        )
        existing = self.seen.get(key)
        if existing is None:
            self.seen[key] = dv
            self.ws.add_data_validation(dv)
            existing = dv
        existing.add(area)


def _list_validation(values: Iterable[str], ref: str | None, error: str) -> DataValidation:
    """A drop-down list: the values themselves when Excel allows, else a range of cells."""
    items = tuple(values)
    literal = ",".join(items)
    fits = len(literal) + 2 <= _LIST_LITERAL_MAX and not any("," in v or '"' in v for v in items)
    formula = f'"{literal}"' if fits or ref is None else f"={ref}"
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        error=_clip(error, _PROMPT_MAX),
    )


def _prompt(dv: DataValidation, title: str | None, text: str) -> None:
    dv.showInputMessage = True
    dv.promptTitle = _clip(title, _TITLE_MAX) if title else None
    dv.prompt = _clip(text, _PROMPT_MAX)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(first: str, second: str) -> str:
    return f"{first} {second}".strip()


def _serial(day: dt.date) -> int:
    return (day - _EXCEL_EPOCH).days


def _column_index(spec: SheetSpec, key: str) -> int:
    for i, col in enumerate(spec.columns, start=1):
        if col.key == key:
            return i
    raise KeyError(f"{spec.name} has no column {key!r}")


def _input(cell: Cell) -> None:
    """A cell the bidder fills in: unlocked and shaded."""
    cell.protection = _UNLOCKED
    cell.fill = _INPUT_FILL


def _print_setup(ws: Worksheet, *, landscape: bool) -> None:
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


def _fit_rows(ws: Worksheet, widths: dict[str, float]) -> None:
    """Rows as tall as their wrapped text, so that printed text never runs into the next row."""
    for row in ws.iter_rows(min_col=1, max_col=len(widths)):
        cells = [(str(c.value), widths[c.column_letter]) for c in row if isinstance(c.value, str)]
        height = row_height(cells)
        if height is not None:
            ws.row_dimensions[row[0].row].height = height


def _protect(ws: Worksheet) -> None:
    """Protect locked cells (labels) with no password; widths and heights stay adjustable."""
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
