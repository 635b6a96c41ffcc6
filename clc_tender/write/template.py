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
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..tender import Band, Tender
from ..workbook_format import FieldSpec, Format, SheetSpec, TypeSpec
from .atomic import atomic_output
from .instructions import DAYS, INSTRUCTIONS, MONEY_FORMAT, Lists, write_instructions
from .sheet_style import WRAP, header, print_setup, protect

# rows 2..TABLE_LAST_ROW of a table sheet are unlocked and validated
TABLE_LAST_ROW = 200

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
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

_UNLOCKED = Protection(locked=False)
_INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")  # the cells a bidder fills in


def write_template(tender: Tender, fmt: Format, out: Path, *, force: bool = False) -> None:
    """Write the blank response workbook of ``tender`` to ``out``, whole or not at all; an
    existing ``out`` is replaced only with ``force``."""
    wb = Workbook()
    wb.properties.title = f"{tender.reference} tender response workbook"
    wb.properties.creator = tender.contracting_authority
    instructions = wb.active
    assert instructions is not None
    instructions.title = INSTRUCTIONS
    lists = write_instructions(instructions, tender, fmt)
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


# --- response sheets ------------------------------------------------------------------------


def _write_fields_sheet(ws: Worksheet, spec: SheetSpec, fmt: Format, lists: Lists) -> None:
    header(ws, ["Field", "Value"])
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
        row[0].alignment = WRAP
    print_setup(ws, landscape=False)
    protect(ws)


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


def _field_validation(spec: FieldSpec, lists: Lists, types: dict[str, TypeSpec]) -> DataValidation | None:
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
    header(ws, [col.header for col in spec.columns])
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
    print_setup(ws, landscape=False)
    protect(ws)


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


def _write_table_sheet(ws: Worksheet, spec: SheetSpec, tender: Tender, lists: Lists) -> None:
    header(ws, [col.header for col in spec.columns])
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
    print_setup(ws, landscape=total > 100)
    protect(ws)


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


