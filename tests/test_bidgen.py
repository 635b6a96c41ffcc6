"""The bid builder: valid bids, written exactly as given; the sample-bid script."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.styles.numbers import is_date_format

from clc_tender.tender import Tender, load_tender
from clc_tender.testing.bidgen import OMIT, BidSpec, months_before, valid_bid, write_bid
from clc_tender.testing.officers import write_decisions, write_scores
from clc_tender.workbook_format import Format, load_format

ROOT = Path(__file__).resolve().parent.parent
DS = "Day Services"
PA = "Personal Assistants"


@pytest.fixture(scope="module")
def tender() -> Tender:
    return load_tender()


@pytest.fixture(scope="module")
def fmt(tender: Tender) -> Format:
    return load_format(tender)


def written(spec: BidSpec, path: Path, **kwargs: object) -> openpyxl.Workbook:
    write_bid(spec, path, **kwargs)  # type: ignore[arg-type]
    return openpyxl.load_workbook(path)


def column_a(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[object]:
    return [ws.cell(row, 1).value for row in range(1, ws.max_row + 1)]


def cell_of(ws: openpyxl.worksheet.worksheet.Worksheet, label: str) -> openpyxl.cell.cell.Cell:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 1).value == label:
            return ws.cell(row, 2)
    raise KeyError(label)


def test_sheets_and_labels_match_the_format(tender: Tender, fmt: Format, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-001", seed=1)
    wb = written(spec, tmp_path / "bid.xlsx")
    assert wb.sheetnames == [sheet.name for sheet in fmt.sheets]
    for sheet in fmt.sheets:
        ws = wb[sheet.name]
        if sheet.kind == "fields":
            assert column_a(ws) == ["Field"] + [f.label for f in sheet.fields]
        else:
            assert [c.value for c in ws[1]] == [col.header for col in sheet.columns]
    assert column_a(wb["Pricing"])[1:] == list(tender.band_names)
    assert wb["Services"].max_row == len(spec.services) + 1 >= 2
    assert wb["PA Coverage"].max_row == len(spec.pa_coverage) + 1 >= 2


def test_values_written_with_their_types(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-002", seed=2)
    wb = written(spec, tmp_path / "bid.xlsx")
    bidder, compliance = wb["Bidder"], wb["Compliance"]
    submitted = cell_of(bidder, "Submitted at")
    assert submitted.value == spec.bidder["Submitted at"]
    assert is_date_format(submitted.number_format) and "h" in submitted.number_format
    ch = cell_of(bidder, "Companies House number")
    assert ch.data_type == "s" and ch.value == spec.bidder["Companies House number"]
    assert len(ch.value) == 8 and ch.value.isdigit()
    accounts = cell_of(compliance, "Accounts year end")
    assert accounts.value.date() == spec.compliance["Accounts year end"]
    assert is_date_format(accounts.number_format)
    turnover = cell_of(compliance, "Annual turnover (£)")
    assert (
        turnover.data_type == "n"
        and Decimal(str(turnover.value)) == spec.compliance["Annual turnover (£)"]
    )
    band1 = wb["Pricing"]["C2"]
    assert band1.data_type == "n" and Decimal(str(band1.value)) == spec.prices["Band 1"]
    assert wb["Pricing"]["B2"].value == "session"


def test_valid_bid_passes_every_gate(tender: Tender) -> None:
    deadline = tender.deadline.astimezone(tender.tz).replace(tzinfo=None)
    for seed in range(40):
        spec = valid_bid(tender, f"CLC26-{seed:03d}", seed=seed)
        b, c = spec.bidder, spec.compliance
        assert b["Submitted at"] < deadline
        assert b["Declaration accepted"] == "Yes" and b["Format version"] == 1
        assert all(b[f"Bidding for {lot}"] == "Yes" for lot in tender.lot_names)
        for band in tender.bands:
            assert band.floor <= spec.prices[band.name] <= band.ceiling
            assert spec.prices[band.name] == spec.prices[band.name].quantize(Decimal("0.01"))
        for label in (
            "Mandatory exclusion grounds apply",
            "Discretionary exclusion grounds apply",
            "On the debarment list",
            "Parent company guarantee offered",
        ):
            assert c[label] == "No"
        fin = tender.finance
        assert c["Annual turnover (£)"] >= fin.min_turnover
        assert c["Net assets (£)"] >= fin.min_net_assets
        assert c["Current assets (£)"] / c["Current liabilities (£)"] >= fin.min_current_ratio
        assert (
            months_before(deadline.date(), fin.max_accounts_age_months)
            <= c["Accounts year end"]
            < deadline.date()
        )
        ins = tender.insurance
        for label, minimum in (
            ("Employer's liability", ins.employers_liability),
            ("Public liability", ins.public_liability),
            ("Professional indemnity", ins.professional_indemnity),
        ):
            assert c[f"{label} cover (£)"] >= minimum
            assert c[f"{label} expiry"] >= tender.framework_start
        oldest = months_before(deadline.date(), tender.policy_max_age_months)
        for policy in tender.policies:
            assert c[f"{policy.name} policy held"] == "Yes"
            assert oldest <= c[f"{policy.name} policy last reviewed"] <= deadline.date()
        assert c["Named safeguarding lead"]
        assert c["Enhanced DBS with adults' barred list for all staff"] == "Yes"
        assert (
            tender.safeguarding.min_training_pct <= c["Safeguarding training completion (%)"] <= 100
        )
        assert c["Substantiated safeguarding concerns in last 12 months"] == 0
        if c["CQC registered"] == "Yes":
            assert c["CQC overall rating"] not in tender.safeguarding.failing_cqc_ratings
            assert c["CQC location ID"].startswith("1-")
        for row in spec.services + spec.pa_coverage:
            assert row["District"] in tender.districts
            assert set(row["Support needs"].split("; ")) <= set(tender.support_needs)


def test_deterministic_and_distinct(tender: Tender) -> None:
    assert valid_bid(tender, "X", seed=7) == valid_bid(tender, "X", seed=7)
    assert valid_bid(tender, "X", seed=7) != valid_bid(tender, "X", seed=8)
    numbers = {valid_bid(tender, "X", seed=s).bidder["Companies House number"] for s in range(500)}
    assert len(numbers) == 500


def test_one_lot_only(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-003", lots=[PA], seed=3)
    assert spec.bidder[f"Bidding for {DS}"] == "No" and spec.bidder[f"Bidding for {PA}"] == "Yes"
    assert all(spec.prices[b.name] is None for b in tender.bands_of(DS))
    assert spec.prices["PA Band"] is not None
    assert spec.services == [] and spec.pa_coverage
    wb = written(spec, tmp_path / "pa.xlsx")
    assert wb["Services"].max_row == 1  # the header only
    assert wb["Pricing"]["C2"].value is None
    ds_only = valid_bid(tender, "CLC26-004", lots=[DS], seed=4)
    assert ds_only.compliance["Lone working policy held"] == "Yes"
    assert ds_only.compliance["Lone working policy last reviewed"] is not None
    assert ds_only.pa_coverage == [] and ds_only.services
    with pytest.raises(ValueError, match="unknown lot"):
        valid_bid(tender, "X", lots=["Meals on wheels"])


def test_charity_without_companies_house_number(tender: Tender) -> None:
    spec = valid_bid(
        tender,
        "CLC26-005",
        companies_house=None,
        charity="1123456",
        organisation="Foxton Locks Community Friends",
    )
    assert spec.bidder["Companies House number"] is None
    assert spec.bidder["Charity number"] == "1123456"
    assert spec.bidder["Organisation name"] == "Foxton Locks Community Friends"


def test_omit_leaves_the_row_out(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-006", seed=6)
    spec.compliance["Net assets (£)"] = OMIT
    spec.bidder["Contact telephone"] = None
    spec.prices["Band 6"] = OMIT
    wb = written(spec, tmp_path / "bid.xlsx")
    assert "Net assets (£)" not in column_a(wb["Compliance"])
    assert len(column_a(wb["Compliance"])) == len(spec.compliance)  # header + the others
    telephone = cell_of(wb["Bidder"], "Contact telephone")  # a blank value keeps its row
    assert telephone.value is None
    assert "Band 6" not in column_a(wb["Pricing"])


def test_omit_in_every_row_drops_a_column(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-007", seed=7)
    for row in spec.services:
        row["District"] = OMIT
    spec.services[0]["Notes"] = "extra"
    wb = written(spec, tmp_path / "bid.xlsx")
    headers = [c.value for c in wb["Services"][1]]
    assert "District" not in headers and headers[-1] == "Notes"


def test_formula_cells(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-008", seed=8)
    spec.compliance["Net assets (£)"] = "=1+1"
    spec.prices["Band 1"] = "=48+0.5"
    wb = written(spec, tmp_path / "bid.xlsx")
    cell = cell_of(wb["Compliance"], "Net assets (£)")
    assert cell.data_type == "f" and cell.value == "=1+1"
    assert wb["Pricing"]["C2"].data_type == "f"
    # written by a program, never opened in Excel: no cached value
    assert (
        openpyxl.load_workbook(tmp_path / "bid.xlsx", data_only=True)["Pricing"]["C2"].value is None
    )


def test_number_formats_booleans_and_time_zones(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-009", seed=9)
    spec.compliance["Safeguarding training completion (%)"] = 0.95
    spec.compliance["CQC registered"] = False
    spec.bidder["Submitted at"] = dt.datetime(2026, 3, 20, 11, 0, tzinfo=ZoneInfo("UTC"))
    spec.services[0]["Postcode"] = dt.date(2026, 1, 2)
    wb = written(
        spec,
        tmp_path / "bid.xlsx",
        formats={
            ("Compliance", "Safeguarding training completion (%)"): "0%",
            ("Pricing", "Band 2"): "0.000",
            ("Services", "Postcode"): "d mmm yyyy",
        },
    )
    training = cell_of(wb["Compliance"], "Safeguarding training completion (%)")
    assert training.value == 0.95 and training.number_format == "0%"
    cqc = cell_of(wb["Compliance"], "CQC registered")
    assert cqc.data_type == "b" and cqc.value is False
    assert wb["Pricing"]["C3"].number_format == "0.000"
    assert wb["Services"]["C2"].number_format == "d mmm yyyy"
    # an aware date-time is written as UK local time (GMT in March before the clocks change)
    assert cell_of(wb["Bidder"], "Submitted at").value == dt.datetime(2026, 3, 20, 11, 0)


def test_drop_sheets(tender: Tender, tmp_path: Path) -> None:
    spec = valid_bid(tender, "CLC26-010", seed=10)
    spec.drop_sheets.add("Services")
    wb = written(spec, tmp_path / "bid.xlsx")
    assert "Services" not in wb.sheetnames and "Bidder" in wb.sheetnames


def test_scores_and_decisions_workbooks(tmp_path: Path) -> None:
    write_scores(
        [("CLC26-001", DS, "Q1", "JM", 4, "Good"), ("CLC26-001", DS, "Q1", "MODERATED", "4", "")],
        tmp_path / "scores.xlsx",
    )
    ws = openpyxl.load_workbook(tmp_path / "scores.xlsx")["Scores"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Bid reference", "Lot", "Question", "Evaluator", "Score", "Comment")
    assert rows[1] == ("CLC26-001", DS, "Q1", "JM", 4, "Good")
    assert rows[2][4] == "4" and rows[2][5] is None
    write_decisions(
        [
            (
                "CLC26-010",
                DS,
                "discretionary-exclusion",
                "accept",
                "Self-cleaning evidenced",
                "RB",
                dt.date(2026, 4, 14),
            )
        ],
        tmp_path / "decisions.xlsx",
    )
    ws = openpyxl.load_workbook(tmp_path / "decisions.xlsx")["Decisions"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Bid reference", "Lot", "Code", "Decision", "Reason", "Officer", "Date")
    assert rows[1][:6] == (
        "CLC26-010",
        DS,
        "discretionary-exclusion",
        "accept",
        "Self-cleaning evidenced",
        "RB",
    )
    assert rows[1][6] == dt.datetime(2026, 4, 14)


def test_months_before_clamps_to_the_months_end() -> None:
    assert months_before(dt.date(2026, 3, 20), 18) == dt.date(2024, 9, 20)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)


def test_sample_bids_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = importlib.util.spec_from_file_location(
        "make_sample_bids", ROOT / "scripts" / "make_sample_bids.py"
    )
    assert loaded is not None and loaded.loader is not None
    script = importlib.util.module_from_spec(loaded)
    monkeypatch.setitem(sys.modules, "make_sample_bids", script)  # its dataclasses need it
    loaded.loader.exec_module(script)
    summary = script.build(tmp_path)
    outcomes = {outcome for _case, _lot, (outcome, _codes), _pct in summary}
    assert outcomes == {
        "admitted",
        "disqualified-price",
        "failed-gate",
        "referred",
        "late",
        "non-compliant",
    }
    bids = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert len(bids) >= 14 and len(bids) == len({case.ref for case, *_ in summary})
    assert (tmp_path / "README.txt").is_file() and (tmp_path / "EXPECTED.md").is_file()
    for case, lot, (outcome, _codes), _pct in summary:
        assert (
            f"| `{case.file}` | {case.ref} | {case.organisation} | {lot} | **{outcome}** |"
            in (tmp_path / "EXPECTED.md").read_text()
        )
    scores = openpyxl.load_workbook(tmp_path / "scores" / "panel-scores.xlsx")["Scores"]
    rows = list(scores.iter_rows(min_row=2, values_only=True))
    assert {r[3] for r in rows} == {"JM", "AK", "MODERATED", "RS"}
    assert {r[0] for r in rows if r[3] == "RS"} == {"CLC26-003"}  # the conflicted evaluator
    panel = openpyxl.load_workbook(tmp_path / "scores" / "panel-scores.xlsx")["Panel"]
    assert [r[0] for r in panel.iter_rows(min_row=2, values_only=True)] == ["JM", "AK", "RS"]
    assert (tmp_path / "commissioners" / "utilisation.xlsx").is_file()
    scored = {(r[0], r[1]) for r in rows}
    bid_for = {(case.ref, lot) for case, lot, *_ in summary}
    assert scored < bid_for and len(bid_for - scored) == 1  # one (bid, lot) not scored
    late = openpyxl.load_workbook(tmp_path / "CLC26-013-wigston-independent-living.xlsx")["Bidder"]
    assert cell_of(late, "Submitted at").value == dt.datetime(2026, 3, 20, 12, 0, 1)
