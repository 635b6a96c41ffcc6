"""The blank response workbook: read back with openpyxl, never compared as bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from clc_tender.bidgen import fill_template, valid_bid
from clc_tender.tender import Tender, load_tender
from clc_tender.workbook_format import Format, load_format
from clc_tender.write import template as template_module
from clc_tender.write.template import INSTRUCTIONS, TABLE_LAST_ROW, write_template


@pytest.fixture(scope="module")
def tender() -> Tender:
    return load_tender()


@pytest.fixture(scope="module")
def fmt(tender: Tender) -> Format:
    return load_format(tender)


@pytest.fixture(scope="module")
def template(tender: Tender, fmt: Format, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("template") / "tender-response.xlsx"
    write_template(tender, fmt, out)
    return out


@pytest.fixture(scope="module")
def wb(template: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template)


def validations_of(ws: Worksheet, coordinate: str) -> list[DataValidation]:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def only_validation(ws: Worksheet, coordinate: str) -> DataValidation:
    found = validations_of(ws, coordinate)
    assert len(found) == 1, f"{ws.title}!{coordinate}: {len(found)} validations"
    return found[0]


def field_rows(ws: Worksheet) -> dict[str, int]:
    return {ws.cell(row, 1).value: row for row in range(2, ws.max_row + 1)}


def test_sheets_in_the_formats_order_after_instructions(wb: openpyxl.Workbook, fmt: Format) -> None:
    assert wb.sheetnames == [INSTRUCTIONS] + [sheet.name for sheet in fmt.sheets]


def test_every_label_and_header_of_the_format(wb: openpyxl.Workbook, fmt: Format) -> None:
    for sheet in fmt.sheets:
        ws = wb[sheet.name]
        if sheet.kind == "fields":
            assert [ws["A1"].value, ws["B1"].value] == ["Field", "Value"]
            labels = [ws.cell(row, 1).value for row in range(2, ws.max_row + 1)]
            assert labels == [spec.label for spec in sheet.fields]
        else:
            assert [c.value for c in ws[1]] == [col.header for col in sheet.columns]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold


def test_value_cells_blank_but_format_version(wb: openpyxl.Workbook, fmt: Format) -> None:
    ws = wb["Bidder"]
    rows = field_rows(ws)
    assert ws.cell(rows["Format version"], 2).value == fmt.version
    others = [ws.cell(row, 2).value for label, row in rows.items() if label != "Format version"]
    assert others == [None] * len(others)
    compliance = wb["Compliance"]
    assert all(compliance.cell(row, 2).value is None for row in range(2, compliance.max_row + 1))


def test_pricing_prefilled_with_every_band(wb: openpyxl.Workbook, tender: Tender) -> None:
    ws = wb["Pricing"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]
    assert rows == [(band.name, band.unit, None) for band in tender.bands]


def excel_validation(formula: str, cell: str, value: float | str | None) -> bool:
    """Evaluate a custom validation formula as Excel would for ``value`` typed in ``cell``:
    the functions the template uses (AND, ISNUMBER, ROUND) and comparisons, nothing else."""
    import ast

    def number(v: object) -> Decimal:
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(str(v))

    def excel_round(v: object, places: int) -> float:
        # Excel rounds the decimal it displays (15 significant digits), half away from zero
        return float(number(v).quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP"))

    source = formula.replace(cell, "VALUE").replace("<>", "!=")
    source = re.sub(r"(?<![<>!=])=(?!=)", "==", source)
    source = source.replace("AND(", "ALL(")
    functions = {
        "ALL": lambda *args: all(args),
        "ISNUMBER": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "ROUND": excel_round,
    }
    tree = ast.parse(source, mode="eval")
    for node in ast.walk(tree):  # only names, calls, numbers and comparisons
        assert isinstance(node, ast.Expression | ast.Call | ast.Name | ast.Load | ast.Constant
                          | ast.Compare | ast.GtE | ast.LtE | ast.Eq | ast.NotEq | ast.Gt
                          | ast.Lt), ast.dump(node)
    try:
        return bool(eval(compile(tree, "<validation>", "eval"), {"__builtins__": {}},
                         {**functions, "VALUE": value}))
    except TypeError:  # a comparison of text with a number: Excel's validation fails
        return False


def test_price_cells_refuse_a_third_decimal_and_show_the_range(
    wb: openpyxl.Workbook, tender: Tender
) -> None:
    ws = wb["Pricing"]
    assert len(ws.data_validations.dataValidation) == len(tender.bands)
    band1 = only_validation(ws, "C2")
    assert ws["A2"].value == "Band 1"
    assert band1.type == "custom"
    assert "ROUND(C2,2)=C2" in band1.formula1 and "MOD(" not in band1.formula1
    assert band1.showInputMessage and band1.showErrorMessage and band1.allow_blank
    assert "Band 1 (1:8, per session): £48.12 to £49.42" in band1.prompt
    accepted = [48.12, 49.42, 49.0, 48.5, 49.1]  # as typed: the nearest binary double
    refused = [49.424, 48.119, 49.43, 48.11, 0.0, -49.0, "49.42", "£49.42"]
    for value in accepted:
        assert excel_validation(band1.formula1, "C2", value), value
    for value in refused:
        assert not excel_validation(band1.formula1, "C2", value), value
    for row, band in enumerate(tender.bands, start=2):
        dv = only_validation(ws, f"C{row}")
        rule = dv.formula1
        assert f"C{row}" in rule and "C2" not in rule.replace(f"C{row}", "") if row != 2 else True
        assert excel_validation(rule, f"C{row}", float(band.floor))
        assert excel_validation(rule, f"C{row}", float(band.ceiling))
        assert not excel_validation(rule, f"C{row}", float(band.floor) - 0.01)
        assert not excel_validation(rule, f"C{row}", float(band.ceiling) + 0.01)
        assert not excel_validation(rule, f"C{row}", float(band.floor) + 0.005)
        assert f"£{band.floor:,.2f} to £{band.ceiling:,.2f}" in dv.prompt
        assert f"per {band.unit}" in dv.prompt and "whole pence" in dv.error
        assert ws.cell(row, 3).number_format == "£#,##0.00"


def test_57_20_is_accepted() -> None:
    rule = "AND(ISNUMBER(C3),C3>=56.56,C3<=57.91,ROUND(C3,2)=C3)"
    assert excel_validation(rule, "C3", 57.2)


def test_every_sheet_prints_one_page_wide_with_repeated_headers(wb: openpyxl.Workbook) -> None:
    landscape = {INSTRUCTIONS, "Services"}
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert int(setup.paperSize) == 9  # A4
        assert setup.orientation == ("landscape" if ws.title in landscape else "portrait"), ws.title
    bidder = wb["Bidder"]
    width = sum(bidder.column_dimensions[c].width for c in "AB")
    assert width < 100  # field and value side by side on one portrait page


def test_instructions_wrap_in_rows_tall_enough(wb: openpyxl.Workbook) -> None:
    ws = wb[INSTRUCTIONS]
    for row in ws.iter_rows(min_col=2, max_col=2):
        cell = row[0]
        if isinstance(cell.value, str) and len(cell.value) > 95:
            assert cell.alignment.wrap_text
            lines = -(-len(cell.value) // 90)
            assert (ws.row_dimensions[cell.row].height or 15) >= 15 * lines, cell.value


def test_instructions_state_every_threshold_and_the_date_forms(
    wb: openpyxl.Workbook, tender: Tender
) -> None:
    text = "\n".join(str(c.value) for row in wb[INSTRUCTIONS].iter_rows() for c in row
                     if c.value is not None)
    for expected in (
        "At least £5,000,000",  # employer's and public liability
        "At least £1,000,000",  # professional indemnity
        "At least £50,000",  # turnover
        "At least £0",  # net assets
        "at least 1",  # current ratio
        "no more than 18 months before the deadline (on or after 20 September 2024)",
        "reviewed within 24 months before the deadline (on or after 20 March 2024)",
        "Lone working (Personal Assistants only)",
        "at least 90% of staff",
        "rated Inadequate overall fails",
        "every question at least 2",
        "0 No answer or unacceptable",
        "5 Excellent",
        "at least 60%",
        "committed to from 31 August 2026",
        "2026-03-20",
        "20/03/2026",
        "20.03.2026",
        "20 March 2026",
        "20 Mar 2026",
    ):
        assert expected in text, expected
    for money in (tender.insurance.employers_liability, tender.insurance.professional_indemnity,
                  tender.finance.min_turnover):
        assert f"£{money:,.0f}" in text
    assert "E+" not in text


def test_fields_validated_by_type(wb: openpyxl.Workbook, fmt: Format, tender: Tender) -> None:
    checked = 0
    for sheet in fmt.sheets:
        if sheet.kind != "fields":
            continue
        ws = wb[sheet.name]
        rows = field_rows(ws)
        for spec in sheet.fields:
            coordinate = f"B{rows[spec.label]}"
            if spec.type == "yesno":
                dv = only_validation(ws, coordinate)
                assert (dv.type, dv.formula1) == ("list", '"Yes,No"')
            elif spec.type in ("date", "datetime"):
                assert only_validation(ws, coordinate).type == "date"
            elif spec.type == "percent":
                dv = only_validation(ws, coordinate)
                assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (
                    "decimal",
                    "between",
                    "0",
                    "100",
                )
            elif spec.type == "count":
                dv = only_validation(ws, coordinate)
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            elif spec.type == "choice":
                dv = only_validation(ws, coordinate)
                assert dv.type == "list"
                assert dv.formula1.strip('"').split(",") == list(tender.safeguarding.cqc_ratings)
            elif spec.type == "amount":
                assert only_validation(ws, coordinate).type == "decimal"
            else:
                continue
            checked += 1
    # yes/no: 2 lots, declaration, 3 exclusions, guarantee, 8 policies held, DBS, CQC registered;
    # dates: accounts, 3 insurance expiries, 8 reviews; Submitted at; 6 amounts (net assets may be
    # negative, checked apart); percent, count, rating
    assert checked == 17 + 12 + 1 + 6 + 3


def test_submitted_at_is_a_date_time_cell(wb: openpyxl.Workbook) -> None:
    ws = wb["Bidder"]
    cell = ws.cell(field_rows(ws)["Submitted at"], 2)
    assert cell.number_format == "dd/mm/yyyy hh:mm:ss"
    assert only_validation(ws, cell.coordinate).type == "date"


def test_district_lists_and_support_need_messages(wb: openpyxl.Workbook, tender: Tender) -> None:
    for sheet, district, needs in (("Services", "D", "E"), ("PA Coverage", "A", "B")):
        ws = wb[sheet]
        for row in (2, TABLE_LAST_ROW):
            dv = only_validation(ws, f"{district}{row}")
            assert dv.type == "list"
            assert dv.formula1.strip('"').split(",") == list(tender.districts)
            message = only_validation(ws, f"{needs}{row}")
            assert message.type is None and message.showInputMessage
            for need in tender.support_needs:
                assert need in message.prompt
        assert not validations_of(ws, f"{district}{TABLE_LAST_ROW + 1}")
    assert len(wb["Services"].data_validations.dataValidation) == 3  # district, needs, days
    assert len(wb["PA Coverage"].data_validations.dataValidation) == 2


def test_validation_text_within_excels_limits(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            if dv.type == "list" and dv.formula1.startswith('"'):
                assert len(dv.formula1) <= 257


def test_labels_protected_values_unlocked(wb: openpyxl.Workbook, fmt: Format) -> None:
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password is None
    for sheet in fmt.sheets:
        ws = wb[sheet.name]
        assert ws["A1"].protection.locked
        if sheet.kind == "fields":
            for row in range(2, ws.max_row + 1):
                assert ws.cell(row, 1).protection.locked
                locked = ws.cell(row, 1).value == "Format version"
                assert ws.cell(row, 2).protection.locked is locked, (sheet.name, row)
        elif sheet.name == "Pricing":
            for row in range(2, ws.max_row + 1):
                assert ws.cell(row, 1).protection.locked and ws.cell(row, 2).protection.locked
                assert not ws.cell(row, 3).protection.locked
        else:
            for row in (2, TABLE_LAST_ROW):
                for col in range(1, len(sheet.columns) + 1):
                    assert not ws.cell(row, col).protection.locked


def test_text_fields_keep_leading_zeros(wb: openpyxl.Workbook) -> None:
    ws = wb["Bidder"]
    rows = field_rows(ws)
    for label in ("Companies House number", "Charity number", "Postcode", "Contact telephone"):
        assert ws.cell(rows[label], 2).number_format == "@", label
    compliance = wb["Compliance"]
    assert compliance.cell(field_rows(compliance)["CQC location ID"], 2).number_format == "@"
    assert wb["Services"]["C2"].number_format == "@"  # Postcode


def test_instructions(wb: openpyxl.Workbook, tender: Tender, fmt: Format) -> None:
    ws = wb[INSTRUCTIONS]
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(values)
    assert ws["A1"].value == tender.title
    assert tender.contracting_authority in values
    assert "20 March 2026, 12:00 (UK time)" in text
    for sheet in fmt.sheets:
        assert sheet.instructions in values
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    for band in tender.bands:
        assert (
            band.name,
            band.lot,
            band.ratio,
            band.unit,
            float(band.floor),
            float(band.ceiling),
        ) in [r[:6] for r in rows]
    for district in tender.districts:
        assert district in values
    for question in tender.quality.questions:
        assert question.text not in text  # bidders do not score themselves


def test_follows_the_tender_definition(tender: Tender, fmt: Format, tmp_path: Path) -> None:
    uplifted = dataclasses.replace(
        tender,
        bands=tuple(
            dataclasses.replace(b, ceiling=Decimal("50.99")) if b.name == "Band 1" else b
            for b in tender.bands
        ),
    )
    out = tmp_path / "t.xlsx"
    write_template(uplifted, fmt, out)
    dv = only_validation(openpyxl.load_workbook(out)["Pricing"], "C2")
    assert "C2<=50.99" in dv.formula1


def test_written_atomically(
    tender: Tender, fmt: Format, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tender-response.xlsx"
    out.write_bytes(b"old")

    def fail(self: object, filename: str) -> None:
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(template_module.Workbook, "save", fail)
    with pytest.raises(OSError):
        write_template(tender, fmt, out, force=True)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["tender-response.xlsx"]
    monkeypatch.undo()
    write_template(tender, fmt, out, force=True)
    assert openpyxl.load_workbook(out).sheetnames[0] == INSTRUCTIONS
    assert [p.name for p in tmp_path.iterdir()] == ["tender-response.xlsx"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary file's 0600


def test_fill_template_keeps_validations(template: Path, tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-101", seed=11)
    out = tmp_path / "filled.xlsx"
    fill_template(template, spec, out)
    blank = openpyxl.load_workbook(template)
    filled = openpyxl.load_workbook(out)
    assert filled.sheetnames == blank.sheetnames
    for name in blank.sheetnames:
        assert len(filled[name].data_validations.dataValidation) == len(
            blank[name].data_validations.dataValidation
        )
        assert filled[name].protection.sheet
    for name, values in (("Bidder", spec.bidder), ("Compliance", spec.compliance)):
        ws = filled[name]
        rows = field_rows(ws)
        assert list(rows) == list(values)  # no label added or lost
        for label, value in values.items():
            got = ws.cell(rows[label], 2).value
            if isinstance(value, Decimal):
                assert Decimal(str(got)) == value, label
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                assert got.date() == value, label
            else:
                assert got == value, label
    ws = filled["Bidder"]
    assert ws.cell(field_rows(ws)["Submitted at"], 2).number_format == "dd/mm/yyyy hh:mm:ss"
    pricing = filled["Pricing"]
    for row in range(2, pricing.max_row + 1):
        price = spec.prices[pricing.cell(row, 1).value]
        got = pricing.cell(row, 3).value
        assert (got is None) if price is None else Decimal(str(got)) == price
    services = filled["Services"]
    headers = [c.value for c in services[1]]
    for number, row in enumerate(spec.services, start=2):
        assert [services.cell(number, i + 1).value for i in range(len(headers))] == [
            row[h] for h in headers
        ]
    assert services.cell(len(spec.services) + 2, 1).value is None
    coverage = filled["PA Coverage"]
    assert [coverage.cell(r, 1).value for r in range(2, len(spec.pa_coverage) + 2)] == [
        row["District"] for row in spec.pa_coverage
    ]
