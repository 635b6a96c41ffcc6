"""Reading response workbooks: one test per reading rule code, each on a file built here.

Every bad file is read in a folder together with a good bid, through the real reader,
``assess`` and ``evaluate``: the finding must carry its code and its place (``Sheet!B12``),
the bad file must be non-compliant, and the good bid must still be admitted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

from clc_tender.bidgen import OMIT, BidSpec, Text, valid_bid, write_bid, write_scores
from clc_tender.evaluate import RoundContext, assess, evaluate
from clc_tender.findings import Finding, Outcome, Severity
from clc_tender.read.frames import BidFrames, read_files, read_folder
from clc_tender.read.panel import read_scores
from clc_tender.results import Evaluation
from clc_tender.tender import Tender
from clc_tender.validate import validate
from clc_tender.workbook_format import Format, load_format

from .conftest import agreed_scores, pairs_of

DS, PA = "Day Services", "Personal Assistants"
UK = ZoneInfo("Europe/London")
GOOD, GOOD_REF = "good.xlsx", "CLC26-900"
BAD = "bad.xlsx"

# A bad file: a bid spec, raw bytes, or a spec and a change made to the written file.
Patch = Callable[[Path], None]
Bad = BidSpec | bytes | tuple[BidSpec, Patch]


@dataclasses.dataclass
class Result:
    frames: BidFrames
    findings: list[Finding]  # assess(...): every finding that depends only on the workbooks
    ev: Evaluation

    def places(self, file: str, code: str) -> list[str]:
        """Where ``code`` was found in ``file``: "Sheet!Cell", "Sheet" or "" (the whole file)."""
        return [f.place for f in self.findings if f.file == file and f.code == code]

    def codes(self, file: str) -> set[str]:
        return {f.code for f in self.findings if f.file == file}

    def errors(self, file: str) -> set[str]:
        return {f.code for f in self.findings if f.file == file and f.severity is Severity.ERROR}

    def outcomes(self, file: str) -> set[Outcome]:
        return {o.outcome for o in self.ev.outcomes if o.file == file}

    def bid(self, file: str) -> pd.Series:
        bids = self.frames.bids
        return bids[bids["file"] == file].iloc[0]

    def prices(self, file: str) -> pd.DataFrame:
        prices = self.frames.prices
        return prices[prices["file"] == file]


def read_with_good(
    tmp_path: Path,
    tender: Tender,
    bad: Mapping[str, Bad],
    *,
    formats: Mapping[str, Mapping[tuple[str, str], str]] | None = None,
    definition: Tender | None = None,
) -> Result:
    """Write ``bad`` files and a good bid into one folder, read, assess and evaluate it.

    Every spec written is scored (two agreeing evaluators), so a file with warnings only is
    admitted; the good bid must be admitted for both lots with no finding at all."""
    definition = definition or tender
    fmt = load_format(definition)
    folder = tmp_path / "bids"
    folder.mkdir()
    good = valid_bid(definition, GOOD_REF, seed=99)
    write_bid(good, folder / GOOD)
    specs = {GOOD: good}
    for name, item in bad.items():
        path = folder / name
        if isinstance(item, bytes):
            path.write_bytes(item)
            continue
        spec, patch = item if isinstance(item, tuple) else (item, None)
        write_bid(spec, path, formats=(formats or {}).get(name))
        if patch is not None:
            patch(path)
        specs[name] = spec
    score_path = tmp_path / "scores.xlsx"
    write_scores(agreed_scores(_scored_pairs(specs, definition), definition), score_path)
    frames = read_folder(folder, definition, fmt)
    found = assess(frames, definition, fmt, definition.deadline)
    ev = evaluate(
        frames, definition, fmt, RoundContext(scores=read_scores(score_path, definition).frame, scores_file=score_path.name)
    )
    result = Result(frames, found, ev)
    assert [f for f in ev.findings if f.file == GOOD] == []
    assert {(o.lot, o.outcome) for o in ev.outcomes if o.file == GOOD} == {
        (DS, Outcome.ADMITTED),
        (PA, Outcome.ADMITTED),
    }
    return result


def _scored_pairs(specs: Mapping[str, BidSpec], tender: Tender) -> list[tuple[str, str]]:
    usable = {
        name: spec for name, spec in specs.items() if isinstance(spec.bidder.get("Bid reference"), str)
    }
    return sorted(set(pairs_of(usable, tender)))


def assert_non_compliant(result: Result, file: str = BAD) -> None:
    assert result.outcomes(file) == {Outcome.NON_COMPLIANT}, result.codes(file)


def row_of(values: Mapping[str, Any], label: str) -> int:
    """The sheet row write_bid gives ``label`` (row 1 is the header; OMIT rows are left out)."""
    written = [key for key, value in values.items() if value is not OMIT]
    return written.index(label) + 2


def bidder_cell(spec: BidSpec, label: str) -> str:
    return f"Bidder!B{row_of(spec.bidder, label)}"


def compliance_cell(spec: BidSpec, label: str) -> str:
    return f"Compliance!B{row_of(spec.compliance, label)}"


def price_cell(spec: BidSpec, band: str, column: str = "C") -> str:
    return f"Pricing!{column}{row_of(spec.prices, band)}"


def ds_bid(tender: Tender, ref: str = "CLC26-001", seed: int = 1) -> BidSpec:
    return valid_bid(tender, ref, lots=(DS,), seed=seed)


# --- editing a written workbook's XML -------------------------------------------------------


def set_cell_xml(sheet: str, ref: str, xml: str) -> Patch:
    """Replace cell ``ref`` of ``sheet`` in a workbook written by openpyxl with raw XML."""

    def patch(path: Path) -> None:
        names = openpyxl.load_workbook(path, read_only=True).sheetnames
        member = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
        with zipfile.ZipFile(path) as source:
            parts = {info.filename: source.read(info) for info in source.infolist()}
        body = parts[member].decode("utf-8")
        pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.DOTALL)
        assert pattern.search(body), f"{sheet}!{ref} not in {member}"
        parts[member] = pattern.sub(xml, body, count=1).encode("utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in parts.items():
                target.writestr(name, data)
        path.write_bytes(buffer.getvalue())

    return patch


def edit_sheet(sheet: str, change: Callable[[Any], None]) -> Patch:
    def patch(path: Path) -> None:
        wb = openpyxl.load_workbook(path)
        change(wb[sheet])
        wb.save(path)

    return patch


def xlsx_bytes(spec: BidSpec, tmp_path: Path) -> bytes:
    scratch = tmp_path / "scratch.xlsx"
    write_bid(spec, scratch)
    data = scratch.read_bytes()
    scratch.unlink()
    return data


# --- unreadable-file, encrypted-file, not-xlsx, file-too-large -----------------------------------


def test_empty_file_is_unreadable(tmp_path: Path, tender: Tender) -> None:
    result = read_with_good(tmp_path, tender, {BAD: b""})
    assert result.places(BAD, "unreadable-file") == [""]
    assert_non_compliant(result)
    assert [o.lot for o in result.ev.outcomes if o.file == BAD] == [""]


def test_truncated_zip_is_unreadable(tmp_path: Path, tender: Tender) -> None:
    data = xlsx_bytes(ds_bid(tender), tmp_path)
    result = read_with_good(tmp_path, tender, {BAD: data[: len(data) // 2]})
    assert result.places(BAD, "unreadable-file") == [""]
    assert_non_compliant(result)


def test_encrypted_workbook_is_encrypted_file(tmp_path: Path, tender: Tender) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = io.BytesIO(xlsx_bytes(ds_bid(tender), tmp_path))
    out = io.BytesIO()
    ooxml.OOXMLFile(plain).encrypt("s3cret", out)
    result = read_with_good(tmp_path, tender, {BAD: out.getvalue()})
    assert result.places(BAD, "encrypted-file") == [""]
    assert result.codes(BAD) <= {"encrypted-file"}
    assert_non_compliant(result)


def test_text_named_xlsx_is_not_xlsx(tmp_path: Path, tender: Tender) -> None:
    result = read_with_good(tmp_path, tender, {BAD: b"Field,Value\nBid reference,CLC26-001\n"})
    assert result.places(BAD, "not-xlsx") == [""]
    assert_non_compliant(result)


@pytest.mark.parametrize("name", ["bid.xls", "bid.xlsx"])
def test_legacy_xls_is_not_xlsx(tmp_path: Path, tender: Tender, name: str) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    book.add_sheet("Bidder").write(0, 0, "Field")
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_with_good(tmp_path, tender, {name: buffer.getvalue()})
    assert result.places(name, "not-xlsx") == [""]
    assert_non_compliant(result, name)


def test_sheet_over_the_row_limit_is_too_large(tmp_path: Path, tender: Tender) -> None:
    small = dataclasses.replace(tender, limits=dataclasses.replace(tender.limits, max_sheet_rows=60))
    spec = ds_bid(small)
    spec.services = [dict(spec.services[0]) for _ in range(70)]  # rows 2..71
    result = read_with_good(tmp_path, tender, {BAD: spec}, definition=small)
    assert result.places(BAD, "file-too-large") == ["Services!A61"]
    assert_non_compliant(result)


# --- missing-sheet, missing-field, duplicate-field ---------------------------------------------


def test_missing_compliance_sheet(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.drop_sheets = {"Compliance"}
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "missing-sheet") == ["Compliance"]
    assert_non_compliant(result)


def test_absent_required_field(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Annual turnover (£)"] = OMIT
    result = read_with_good(tmp_path, tender, {BAD: spec})
    [finding] = [f for f in result.findings if f.file == BAD and f.code == "missing-field"]
    assert (finding.sheet, finding.cell) == ("Compliance", "")
    assert "Annual turnover" in finding.message and "missing" in finding.message
    assert_non_compliant(result)


def test_blank_required_cell(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Annual turnover (£)"] = None
    spec.bidder["Signatory name"] = "   "
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert sorted(result.places(BAD, "missing-field")) == sorted(
        [compliance_cell(spec, "Annual turnover (£)"), bidder_cell(spec, "Signatory name")]
    )
    assert_non_compliant(result)


def test_label_given_twice(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["ORGANISATION  NAME "] = "Another Name Ltd"  # the same label, spelt differently
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "duplicate-field") == [f"Bidder!A{row_of(spec.bidder, 'ORGANISATION  NAME ')}"]
    assert_non_compliant(result)


def test_band_given_twice(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["band 1 "] = tender.band("Band 1").floor
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "duplicate-field") == [price_cell(spec, "band 1 ", "A")]
    assert_non_compliant(result)


# --- invalid-value -------------------------------------------------------------------------


def _compliance(label: str, value: Any) -> Callable[[BidSpec], str]:
    def change(spec: BidSpec) -> str:
        spec.compliance[label] = value
        return compliance_cell(spec, label)

    return change


def _bidder(label: str, value: Any) -> Callable[[BidSpec], str]:
    def change(spec: BidSpec) -> str:
        spec.bidder[label] = value
        return bidder_cell(spec, label)

    return change


def _price(band: str, value: Any) -> Callable[[BidSpec], str]:
    def change(spec: BidSpec) -> str:
        spec.prices[band] = value
        return price_cell(spec, band)

    return change


INVALID_VALUES: dict[str, Callable[[BidSpec], str]] = {
    "date as words": _compliance("Accounts year end", "next year"),
    "yes/no as maybe": _compliance("On the debarment list", "Maybe"),
    "yes/no as a number": _compliance("CQC registered", 1),
    "formula without a saved value": _compliance("Annual turnover (£)", "=SUM(1,2)"),
    "text formula without a saved value": _bidder("Organisation name", "=CONCAT(\"A\",\"B\")"),
    "plain number in a date cell": _compliance("Accounts year end", 45900),
    "submitted at: a date without a time": _bidder("Submitted at", dt.date(2026, 3, 19)),
    "submitted at: ISO date without a time": _bidder("Submitted at", "2026-03-19"),
    "submitted at: midnight formatted as a date": _bidder("Submitted at", "midnight-as-date"),
    "submitted at: words": _bidder("Submitted at", "last Tuesday"),
    "submitted at: plain number": _bidder("Submitted at", 46100.5),
    "declaration No": _bidder("Declaration accepted", "No"),
    "companies house number too short": _bidder("Companies House number", "123"),
    "price zero": _price("Band 1", Decimal("0")),
    "price negative": _price("Band 1", Decimal("-48.12")),
    "price as words": _price("Band 1", "abc"),
    "price as a formula without a saved value": _price("Band 1", "=48+0.12"),
    "training as a fraction": _compliance("Safeguarding training completion (%)", 0.95),
    "concerns not whole": _compliance("Substantiated safeguarding concerns in last 12 months", 1.5),
    "amount negative": _compliance("Current assets (£)", Decimal("-1")),
    "cqc rating unknown": _compliance("CQC overall rating", "Brilliant"),
}


@pytest.mark.parametrize("case", list(INVALID_VALUES))
def test_invalid_value_names_its_cell(tmp_path: Path, tender: Tender, case: str) -> None:
    spec = ds_bid(tender)
    spec.compliance["CQC registered"] = "Yes"
    spec.compliance["CQC location ID"] = "1-123456789"
    spec.compliance["CQC overall rating"] = "Good"
    formats = None
    cell = INVALID_VALUES[case](spec)
    if spec.bidder["Submitted at"] == "midnight-as-date":
        spec.bidder["Submitted at"] = dt.datetime(2026, 3, 19, 0, 0, 0)
        formats = {BAD: {("Bidder", "Submitted at"): "dd/mm/yyyy"}}
    result = read_with_good(tmp_path, tender, {BAD: spec}, formats=formats)
    assert cell in result.places(BAD, "invalid-value"), result.codes(BAD)
    assert_non_compliant(result)


@pytest.mark.parametrize("typed", ["LE11", "le1 1aa?"])
def test_invalid_postcode_is_a_contact_details_warning_quoted_as_typed(
    tmp_path: Path, tender: Tender, typed: str
) -> None:
    spec = ds_bid(tender)
    cell = _bidder("Postcode", typed)(spec)
    result = read_with_good(tmp_path, tender, {BAD: spec})
    found = [f for f in result.ev.findings if f.file == BAD and f.code == "contact-details"]
    assert [f.place for f in found] == [cell]
    assert f'"{typed}"' in found[0].message  # exactly as typed, never re-spaced
    assert result.outcomes(BAD) == {Outcome.ADMITTED}
    bidder = next(b for b in result.ev.bidders if b["file"] == BAD)
    assert bidder["postcode"] == typed


def test_valid_postcode_in_any_case_is_kept_as_typed(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    _bidder("Postcode", "le11 3tu")(spec)
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert "contact-details" not in result.codes(BAD)
    assert next(b for b in result.ev.bidders if b["file"] == BAD)["postcode"] == "le11 3tu"


@pytest.mark.parametrize("typed", ["01/04/2025", "1/4/2025", "01.04.2025", "1 April 2025",
                                   "1 Apr 2025"])
def test_uk_day_first_text_date_read_with_a_warning(tmp_path: Path, tender: Tender, typed: str) -> None:
    spec = ds_bid(tender)
    cell = _compliance("Accounts year end", typed)(spec)
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "text-date") == [cell]
    assert "1 April 2025" in next(f.message for f in result.ev.findings if f.code == "text-date")
    assert result.outcomes(BAD) == {Outcome.ADMITTED}  # a warning only; the message says 1 April


def test_both_lots_no(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder[f"Bidding for {DS}"] = "No"
    spec.bidder[f"Bidding for {PA}"] = "N"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "invalid-value") == [bidder_cell(spec, f"Bidding for {PA}")]
    assert_non_compliant(result)
    assert [o.lot for o in result.ev.outcomes if o.file == BAD] == [""]


@pytest.mark.parametrize(
    ("sheet", "label", "xml"),
    [
        ("Compliance", "Annual turnover (£)", '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
        ("Bidder", "Organisation name", '<c r="{ref}" t="e"><f>VLOOKUP(1,A1:A2,2)</f><v>#N/A</v></c>'),
        ("Bidder", "Submitted at", '<c r="{ref}" t="e"><v>#VALUE!</v></c>'),
        ("Pricing", "Band 1", '<c r="{ref}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
    ],
)
def test_cached_excel_error(tmp_path: Path, tender: Tender, sheet: str, label: str, xml: str) -> None:
    spec = ds_bid(tender)
    if sheet == "Pricing":
        place = price_cell(spec, label)
    elif sheet == "Bidder":
        place = bidder_cell(spec, label)
    else:
        place = compliance_cell(spec, label)
    ref = place.split("!")[1]
    result = read_with_good(tmp_path, tender, {BAD: (spec, set_cell_xml(sheet, ref, xml.format(ref=ref)))})
    assert place in result.places(BAD, "invalid-value"), result.codes(BAD)
    message = next(f.message for f in result.findings if f.file == BAD and f.place == place)
    assert "#" in message
    assert "price-missing" not in result.codes(BAD)  # the price is there, but invalid
    assert_non_compliant(result)


def test_error_in_a_cell_the_reader_does_not_use_is_ignored(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)

    def add_error(ws: Any) -> None:
        ws["D3"] = "=1/0"

    patch = edit_sheet("Bidder", add_error)
    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    assert result.errors(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_cached_empty_string_is_a_blank(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    ref = bidder_cell(spec, "Contact telephone").split("!")[1]
    patch = set_cell_xml("Bidder", ref, f'<c r="{ref}" t="str"><f>""</f><v></v></c>')
    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    assert result.errors(BAD) == set(), [f.message for f in result.findings if f.file == BAD]
    assert result.bid(BAD)["contact_telephone"] is None
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_formula_with_a_saved_value_is_read_by_that_value(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    ref = price_cell(spec, "Band 1").split("!")[1]
    patch = set_cell_xml("Pricing", ref, f'<c r="{ref}"><f>48+0.75</f><v>48.75</v></c>')
    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    assert result.errors(BAD) == set()
    prices = result.prices(BAD)
    assert prices.loc[prices["band"] == "Band 1", "price"].item() == Decimal("48.75")


# --- unknown-band, format-version, duplicate-bid-reference, price-not-whole-pence -------------


def test_unknown_band(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["Band 9"] = Decimal("50.00")
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "unknown-band") == [price_cell(spec, "Band 9", "A")]
    assert_non_compliant(result)


def test_priced_row_without_a_band_name(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["   "] = Decimal("50.00")
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "unknown-band") == [price_cell(spec, "   ", "A")]
    assert_non_compliant(result)


def test_unpriced_unknown_band_is_not_an_error(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["Band 9"] = None
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.errors(BAD) == set()


@pytest.mark.parametrize("version", [2, "2", 0])
def test_format_version_other_than_1(tmp_path: Path, tender: Tender, version: object) -> None:
    spec = ds_bid(tender)
    spec.bidder["Format version"] = version
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "format-version") == [bidder_cell(spec, "Format version")]
    assert_non_compliant(result)


def test_format_version_absent_is_missing_field(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Format version"] = OMIT
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "missing-field") == ["Bidder"]
    assert "format-version" not in result.codes(BAD)


def test_duplicate_bid_reference_ignoring_case(tmp_path: Path, tender: Tender) -> None:
    first = valid_bid(tender, "CLC26-050", lots=(DS,), seed=1)
    second = valid_bid(tender, "clc26-050", lots=(PA,), seed=2)
    result = read_with_good(tmp_path, tender, {"a.xlsx": first, "b.xlsx": second})
    assert result.places("a.xlsx", "duplicate-bid-reference") == [bidder_cell(first, "Bid reference")]
    assert result.places("b.xlsx", "duplicate-bid-reference") == [bidder_cell(second, "Bid reference")]
    assert_non_compliant(result, "a.xlsx")
    assert_non_compliant(result, "b.xlsx")


def test_price_not_in_whole_pence(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["Band 3"] = Decimal("72.425")
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "price-not-whole-pence") == [price_cell(spec, "Band 3")]
    assert "price-missing" not in result.codes(BAD)
    assert_non_compliant(result)


# --- warnings ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "amount"), [("£49.42", "49.42"), ("49.42", "49.42"), (" £ 48.50 ", "48.50")])
def test_price_as_text_is_read_with_a_warning(tmp_path: Path, tender: Tender, text: str, amount: str) -> None:
    spec = ds_bid(tender)
    spec.prices["Band 1"] = text
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "text-number") == [price_cell(spec, "Band 1")]
    prices = result.prices(BAD)
    assert prices.loc[prices["band"] == "Band 1", "price"].item() == Decimal(amount)
    assert result.errors(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_amount_as_text_with_thousands_is_read_with_a_warning(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Annual turnover (£)"] = "£1,234,567.50"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "text-number") == [compliance_cell(spec, "Annual turnover (£)")]
    assert result.bid(BAD)["turnover"] == Decimal("1234567.50")


def test_companies_house_number_that_lost_its_zeros(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Companies House number"] = 1234567
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "companies-house-padded") == [bidder_cell(spec, "Companies House number")]
    assert result.bid(BAD)["companies_house_number"] == "01234567"
    assert result.errors(BAD) == set()
    assert next(o.provider_id for o in result.ev.outcomes if o.file == BAD) == "01234567"


def test_companies_house_number_as_text_keeps_its_zeros(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Companies House number"] = "sc 123456"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.bid(BAD)["companies_house_number"] == "SC123456"
    assert result.codes(BAD) == set()


def test_misspelt_label_names_the_closest_known_label(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder = {("Contact telephon" if k == "Contact telephone" else k): v for k, v in spec.bidder.items()}
    result = read_with_good(tmp_path, tender, {BAD: spec})
    [finding] = [f for f in result.findings if f.file == BAD and f.code == "unknown-field"]
    assert finding.place == f"Bidder!A{row_of(spec.bidder, 'Contact telephon')}"
    assert "'Contact telephone'" in finding.message
    assert result.errors(BAD) == set()  # the telephone is optional
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_bad_contact_email_is_a_warning(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Contact email"] = "jo at example dot com"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.places(BAD, "contact-details") == [bidder_cell(spec, "Contact email")]
    assert result.errors(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_price_for_a_lot_not_bid_for_is_ignored(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["PA Band"] = "a lot"  # not even validated
    other = valid_bid(tender, "CLC26-002", lots=(DS,), seed=2)
    other.prices["PA Band"] = Decimal("99.99")  # outside the PA range: not judged
    result = read_with_good(tmp_path, tender, {BAD: spec, "other.xlsx": other})
    assert result.places(BAD, "ignored-price") == [price_cell(spec, "PA Band")]
    assert result.places("other.xlsx", "ignored-price") == [price_cell(other, "PA Band")]
    assert result.errors(BAD) == set() and result.errors("other.xlsx") == set()
    assert result.outcomes("other.xlsx") == {Outcome.ADMITTED}


# --- what is read as what --------------------------------------------------------------------


def test_labels_match_despite_case_spaces_and_curly_quotes(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    renamed = {
        "Employer's liability cover (£)": "Employer\u2019s  liability cover (£)",
        "Annual turnover (£)": "  annual\u00a0TURNOVER (£) ",
        "Enhanced DBS with adults' barred list for all staff": "Enhanced DBS with adults\u2019 barred list for all staff",
    }
    spec.compliance = {renamed.get(k, k): v for k, v in spec.compliance.items()}
    spec.bidder = {("CONTACT\tNAME" if k == "Contact name" else k): v for k, v in spec.bidder.items()}
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.codes(BAD) == set()
    bid = result.bid(BAD)
    assert bid["employers_liability"] == spec.compliance["Employer\u2019s  liability cover (£)"]
    assert bid["turnover"] == spec.compliance["  annual\u00a0TURNOVER (£) "]
    assert bid["dbs_all_staff"] is True
    assert bid["contact_name"] == spec.bidder["CONTACT\tNAME"]
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_rows_in_any_order_and_blank_rows_ignored(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder = dict(reversed(list(spec.bidder.items())))
    spec.compliance = dict(sorted(spec.compliance.items()))
    spec.prices = dict(reversed(list(spec.prices.items())))

    def blank_rows(ws: Any) -> None:
        ws.insert_rows(4, 3)
        ws.insert_rows(12, 1)
        ws.append([])
        ws.cell(ws.max_row + 2, 2).value = None

    patches = [edit_sheet(sheet, blank_rows) for sheet in ("Bidder", "Compliance", "Pricing")]

    def patch(path: Path) -> None:
        for each in patches:
            each(path)

    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    assert result.codes(BAD) == set()
    assert result.bid(BAD)["organisation_name"] == spec.bidder["Organisation name"]
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_field_sheet_without_a_header_row(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    result = read_with_good(
        tmp_path, tender, {BAD: (spec, edit_sheet("Bidder", lambda ws: ws.delete_rows(1)))}
    )
    assert result.codes(BAD) == set()
    assert result.frames.reads[[r.file for r in result.frames.reads].index(BAD)].cell("format_version") == "B1"
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_row_one_is_a_header_only_when_a1_says_field(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)

    def relabel(ws: Any) -> None:
        ws["A1"] = "Label"

    result = read_with_good(tmp_path, tender, {BAD: (spec, edit_sheet("Compliance", relabel))})
    assert result.places(BAD, "unknown-field") == ["Compliance!A1"]
    assert result.errors(BAD) == set()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yes", True), ("yes", True), (" Y ", True), ("y", True), ("TRUE", True), ("true", True),
        (True, True),
        ("No", False), ("no ", False), ("N", False), ("n", False), ("FALSE", False), ("False", False),
        (False, False),
    ],
)
def test_yes_no_spellings(tmp_path: Path, tender: Tender, raw: object, expected: bool) -> None:
    spec = ds_bid(tender)
    spec.compliance["Parent company guarantee offered"] = raw
    spec.compliance["Mandatory exclusion grounds apply"] = "No"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.bid(BAD)["parent_company_guarantee"] is expected
    assert result.bid(BAD)["mandatory_exclusion"] is False  # "No" is never read as True
    assert result.codes(BAD) == set()


def test_binary_float_price_is_the_exact_penny(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    ref = price_cell(spec, "Band 1").split("!")[1]
    # openpyxl would round 48.120000000000005 when writing: write the XML Excel writes.
    patch = set_cell_xml("Pricing", ref, f'<c r="{ref}" t="n"><v>48.120000000000005</v></c>')
    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    prices = result.prices(BAD)
    price = prices.loc[prices["band"] == "Band 1", "price"].item()
    assert isinstance(price, Decimal) and price == Decimal("48.12") and str(price) == "48.12"
    assert result.codes(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}  # 48.12 is the floor, inclusive


def test_dates_as_iso_text(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Accounts year end"] = "2025-09-30"
    spec.bidder["Submitted at"] = "2026-03-19T11:30:00"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.codes(BAD) == set()
    assert result.bid(BAD)["accounts_year_end"] == dt.date(2025, 9, 30)
    assert result.bid(BAD)["submitted_at"] == dt.datetime(2026, 3, 19, 11, 30, tzinfo=UK)
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_midnight_formatted_as_date_time_is_accepted(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Submitted at"] = dt.datetime(2026, 3, 19, 0, 0, 0)
    result = read_with_good(
        tmp_path, tender, {BAD: spec}, formats={BAD: {("Bidder", "Submitted at"): "dd/mm/yyyy hh:mm"}}
    )
    assert result.codes(BAD) == set()
    submitted = result.bid(BAD)["submitted_at"]
    assert submitted == dt.datetime(2026, 3, 19, 0, 0, tzinfo=UK)
    assert submitted.utcoffset() == dt.timedelta(0)


def test_excel_date_time_rounded_to_the_second(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    ref = bidder_cell(spec, "Submitted at").split("!")[1]
    # 2026-03-19 11:59:59.6 as an Excel serial: rounds up to 12:00:00
    serial = 46100 + (11 * 3600 + 59 * 60 + 59.6) / 86400
    patch = set_cell_xml("Bidder", ref, f'<c r="{ref}" s="1" t="n"><v>{serial!r}</v></c>')
    result = read_with_good(tmp_path, tender, {BAD: (spec, patch)})
    assert result.bid(BAD)["submitted_at"] == dt.datetime(2026, 3, 19, 12, 0, 0, tzinfo=UK)


def test_iso_date_time_with_an_offset_keeps_it(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Submitted at"] = "2026-03-19T11:30:00+05:00"
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.codes(BAD) == set()
    submitted = result.bid(BAD)["submitted_at"]
    assert submitted.utcoffset() == dt.timedelta(hours=5)
    assert submitted == dt.datetime(2026, 3, 19, 6, 30, tzinfo=dt.UTC)


def test_iso_date_time_with_an_offset_can_be_late(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Submitted at"] = "2026-03-20T11:30:00-01:00"  # 12:30 UTC, after 12:00 GMT
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.outcomes(BAD) == {Outcome.LATE}


def test_text_starting_with_equals_is_text(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.bidder["Organisation name"] = Text("=HYPERLINK(\"http://x\")")
    result = read_with_good(tmp_path, tender, {BAD: spec})
    assert result.codes(BAD) == set()
    assert result.bid(BAD)["organisation_name"] == "=HYPERLINK(\"http://x\")"


def test_sheet_names_any_case_any_order_extra_sheets_ignored(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)

    def reshape(path: Path) -> None:
        wb = openpyxl.load_workbook(path)
        wb["Bidder"].title = " bidder "
        wb["Pricing"].title = "tmp"  # openpyxl refuses a name equal but for case to its own
        wb["tmp"].title = "PRICING"
        wb.move_sheet("Compliance", offset=-2)
        wb.create_sheet("Notes", 0)["A1"] = "Our notes: =1/0"
        wb["Notes"]["B2"] = "=1/0"
        wb.save(path)

    result = read_with_good(tmp_path, tender, {BAD: (spec, reshape)})
    assert result.codes(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}


def test_table_headers_any_case_any_order(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.prices["Band 2"] = Decimal("57.915")

    def reorder(ws: Any) -> None:
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        ws.delete_rows(1, ws.max_row)
        for band, unit, price in rows:
            ws.append([price, band, unit])
        ws["A1"], ws["B1"], ws["C1"] = " PRICE (£)", "band", "Unit"

    result = read_with_good(tmp_path, tender, {BAD: (spec, edit_sheet("Pricing", reorder))})
    assert result.places(BAD, "price-not-whole-pence") == [price_cell(spec, "Band 2", "A")]
    prices = result.prices(BAD)
    assert prices.loc[prices["band"] == "Band 1", "price"].item() == spec.prices["Band 1"]


def test_pricing_without_a_price_column(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)

    def rename(ws: Any) -> None:
        ws["C1"] = "Cost"

    result = read_with_good(tmp_path, tender, {BAD: (spec, edit_sheet("Pricing", rename))})
    assert result.places(BAD, "missing-field") == ["Pricing!C1"]
    assert_non_compliant(result)


# --- read_files + validate directly ----------------------------------------------------------


def test_read_files_and_validate_name_file_sheet_and_cell(tmp_path: Path, tender: Tender, fmt: Format) -> None:
    spec = ds_bid(tender)
    spec.bidder["Declaration accepted"] = "No"
    spec.compliance["Accounts year end"] = "next year"
    bad, good = tmp_path / BAD, tmp_path / GOOD
    write_bid(spec, bad)
    write_bid(valid_bid(tender, GOOD_REF, seed=99), good)
    frames = read_files([bad, good], tender, fmt)
    reading = [(f.file, f.place, f.code) for read in frames.reads for f in read.findings]
    assert reading == [(BAD, compliance_cell(spec, "Accounts year end"), "invalid-value")]
    validation = [(f.file, f.place, f.code) for f in validate(frames, tender, fmt)]
    assert validation == [(BAD, bidder_cell(spec, "Declaration accepted"), "invalid-value")]
    assert frames.bids["declaration_accepted"].tolist() == [False, True]
    assert [i.status for i in frames.inputs] == ["bid", "bid"]


# --- which fields are required ---------------------------------------------------------------


def test_lone_working_rows_may_be_absent_from_a_day_services_bid(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Lone working policy held"] = OMIT
    spec.compliance["Lone working policy last reviewed"] = OMIT
    pa = valid_bid(tender, "CLC26-002", lots=(PA,), seed=2)
    pa.compliance["Lone working policy held"] = OMIT
    result = read_with_good(tmp_path, tender, {BAD: spec, "pa.xlsx": pa})
    assert result.errors(BAD) == set()
    assert result.outcomes(BAD) == {Outcome.ADMITTED}
    assert result.places("pa.xlsx", "missing-field") == ["Compliance"]
    assert_non_compliant(result, "pa.xlsx")


def test_cqc_details_not_required_when_not_registered(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["CQC registered"] = "No"
    spec.compliance["CQC location ID"] = OMIT
    spec.compliance["CQC overall rating"] = None
    registered = valid_bid(tender, "CLC26-002", lots=(DS,), seed=2)
    registered.compliance["CQC registered"] = "Yes"
    registered.compliance["CQC location ID"] = None
    registered.compliance["CQC overall rating"] = "Good"
    result = read_with_good(tmp_path, tender, {BAD: spec, "reg.xlsx": registered})
    assert "missing-field" not in result.codes(BAD)
    assert result.places("reg.xlsx", "missing-field") == [compliance_cell(registered, "CQC location ID")]


def test_blank_safeguarding_lead_is_the_gate_not_missing_field(tmp_path: Path, tender: Tender) -> None:
    spec = ds_bid(tender)
    spec.compliance["Named safeguarding lead"] = None
    absent = valid_bid(tender, "CLC26-002", lots=(DS,), seed=2)
    absent.compliance["Named safeguarding lead"] = OMIT
    result = read_with_good(tmp_path, tender, {BAD: spec, "absent.xlsx": absent})
    assert result.places(BAD, "safeguarding-lead") == [compliance_cell(spec, "Named safeguarding lead")]
    assert "missing-field" not in result.codes(BAD)
    assert result.places("absent.xlsx", "missing-field") == ["Compliance"]
