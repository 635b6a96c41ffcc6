"""Re-opening the open framework: rounds chained end to end through the command line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.bidgen import valid_bid, write_bid, write_scores
from clc_tender.cli import app
from clc_tender.rules.reopening import reopening_limits
from clc_tender.tender import Tender

from .conftest import agreed_scores

runner = CliRunner()
DS, PA = "Day Services", "Personal Assistants"
UK = "Europe/London"


def at(tender: Tender, deadline: dt.datetime) -> Tender:
    """The tender as a round with another deadline sees it (to build bids valid for it)."""
    return dataclasses.replace(tender, deadline=deadline.replace(tzinfo=tender.tz))


def rows(path: Path, sheet: str) -> list[dict]:
    ws = openpyxl.load_workbook(path)[sheet]
    data = list(ws.iter_rows(values_only=True))
    return [dict(zip(data[0], r, strict=False)) for r in data[1:]]


def summary(path: Path) -> dict:
    return {r["Item"]: r["Value"] for r in rows(path, "Summary")}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_round(folder: Path, specs: dict, tender: Tender, scored: list[tuple[str, str]]) -> Path:
    folder.mkdir()
    for name, spec in specs.items():
        write_bid(spec, folder / name)
    scores = folder.parent / f"{folder.name}-scores.xlsx"
    write_scores(agreed_scores(scored, tender), scores)
    return scores


@pytest.fixture
def chain(tmp_path: Path, tender: Tender) -> dict:
    """Round 1 (evaluate), round 2 and round 3 (reopen), each from the previous workbook."""
    # round 1
    a = valid_bid(tender, "R1-A", lots=[DS], seed=1, companies_house="11111111")
    b = valid_bid(tender, "R1-B", lots=[DS], seed=2, companies_house="22222222")
    b.prices["Band 1"] = Decimal("49.43")  # disqualified in round 1
    late2 = valid_bid(tender, "R1-C", lots=[PA], seed=3, companies_house="33333333")
    late2.bidder["Submitted at"] = dt.datetime(2026, 3, 20, 12, 0, 1)  # late for round 1
    scores1 = write_round(tmp_path / "r1", {"a.xlsx": a, "b.xlsx": b, "c.xlsx": late2}, tender,
                          [("R1-A", DS), ("R1-B", DS), ("R1-C", PA)])
    out1 = tmp_path / "shortlist.xlsx"
    result = runner.invoke(app, ["evaluate", str(tmp_path / "r1"), "--scores", str(scores1), "--out", str(out1)])
    assert result.exit_code == 0, result.output

    # round 2: deadline 17 September 2027, ceilings raised 3% in a new definition
    d2 = dt.datetime(2027, 9, 17, 12, 0)
    text = Path(tender.source if Path(tender.source).is_file() else _bundled()).read_text()
    raised = text
    for band in tender.bands:
        new = (band.ceiling * Decimal("1.03")).quantize(Decimal("0.01"))
        raised = raised.replace(f'ceiling = "{band.ceiling}"', f'ceiling = "{new}"', 1)
    t2 = tmp_path / "clc-2027.toml"
    t2.write_text(raised)
    r2 = at(tender, d2)
    again = valid_bid(r2, "R2-A", seed=11, companies_house="11111111")  # DS member + new PA bid
    retry = valid_bid(r2, "R2-B", lots=[DS], seed=12, companies_house="22222222")
    retry.prices["Band 1"] = Decimal("50.50")  # above the old ceiling 49.42, inside the new 50.90
    newcomer = valid_bid(r2, "R2-D", lots=[PA], seed=14, companies_house="44444444")
    late = valid_bid(r2, "R2-E", lots=[PA], seed=15, companies_house="55555555")
    late.bidder["Submitted at"] = dt.datetime(2027, 9, 17, 12, 0, 1)
    stale = valid_bid(tender, "R2-F", lots=[DS], seed=16, companies_house="66666666")  # valid for round 1's dates only
    stale.bidder["Submitted at"] = dt.datetime(2027, 9, 1, 10, 0)
    fresh = valid_bid(tender, "R2-C", lots=[PA], seed=13, companies_house="33333333")  # late in round 1, on time now
    fresh.bidder["Submitted at"] = dt.datetime(2027, 9, 10, 10, 0)
    fresh.compliance.update({f"{p.name} policy last reviewed": dt.date(2027, 1, 10) for p in tender.policies})
    fresh.compliance["Accounts year end"] = dt.date(2027, 3, 31)
    scores2 = write_round(tmp_path / "r2", {
        "a.xlsx": again, "b.xlsx": retry, "c.xlsx": fresh, "d.xlsx": newcomer, "e.xlsx": late, "f.xlsx": stale,
    }, tender, [("R2-A", DS), ("R2-A", PA), ("R2-B", DS), ("R2-C", PA), ("R2-D", PA), ("R2-E", PA), ("R2-F", DS)])
    register1 = sha(out1)
    result = runner.invoke(app, ["reopen", str(tmp_path / "r2"), "--register", str(out1), "--deadline", "2027-09-17T12:00",
                                 "--scores", str(scores2), "--tender", str(t2), "--out", str(tmp_path / "shortlist-round-2.xlsx")])
    assert result.exit_code == 0, result.output
    assert sha(out1) == register1

    # round 3 from round 2's workbook (default name carries the round)
    d3 = dt.datetime(2029, 3, 16, 12, 0)
    r3 = at(tender, d3)
    third = valid_bid(r3, "R3-G", lots=[DS], seed=21, companies_house="77777777")
    pa_again = valid_bid(r3, "R3-A", lots=[PA], seed=22, companies_house="11111111")
    scores3 = write_round(tmp_path / "r3", {"g.xlsx": third, "a.xlsx": pa_again}, tender, [("R3-G", DS), ("R3-A", PA)])
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(app, ["reopen", "r3", "--register", "shortlist-round-2.xlsx", "--deadline", "2029-03-16T12:00:00",
                                     "--scores", str(scores3), "--tender", str(t2)])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return {"r1": out1, "r2": tmp_path / "shortlist-round-2.xlsx", "r3": tmp_path / "shortlist-round-3.xlsx", "out3": result.output}


def _bundled() -> Path:
    from clc_tender.tender import bundled_path

    return bundled_path()


def outcome_of(path: Path, ref: str, lot: str) -> dict:
    found = [r for r in rows(path, "Outcomes") if r["Bid reference"] == ref and r["Lot"] == lot]
    assert len(found) == 1, (ref, lot)
    return found[0]


def test_round_two_outcomes(chain: dict) -> None:
    r2 = chain["r2"]
    assert summary(r2)["Round"] == 2
    assert outcome_of(r2, "R2-A", DS)["Outcome"] == "already-admitted"
    assert outcome_of(r2, "R2-A", PA)["Outcome"] == "admitted"  # the same provider's other lot is evaluated
    assert outcome_of(r2, "R2-B", DS)["Outcome"] == "admitted"  # failed round 1, in range of the new ceilings
    assert outcome_of(r2, "R2-C", PA)["Outcome"] == "admitted"  # late for round 1's deadline, on time for round 2's
    assert outcome_of(r2, "R2-D", PA)["Outcome"] == "admitted"
    assert outcome_of(r2, "R2-E", PA)["Outcome"] == "late"
    stale = outcome_of(r2, "R2-F", DS)
    assert stale["Outcome"] == "failed-gate" and "policy-out-of-date" in stale["Reasons"]
    assert "finance-accounts-age" not in stale["Reasons"]  # a referral is not listed under a failed gate


def test_members_carried_with_original_rates_and_rounds(chain: dict) -> None:
    r1 = {(m["Provider ID"], m["Lot"]): m for m in rows(chain["r1"], "Framework")}
    r2 = {(m["Provider ID"], m["Lot"]): m for m in rows(chain["r2"], "Framework")}
    r3 = {(m["Provider ID"], m["Lot"]): m for m in rows(chain["r3"], "Framework")}
    assert set(r1) == {("11111111", DS)}
    assert set(r2) == {("11111111", DS), ("11111111", PA), ("22222222", DS), ("33333333", PA), ("44444444", PA)}
    assert r2[("11111111", DS)] == r1[("11111111", DS)]  # round, bid reference, prices, quality unchanged
    assert r2[("11111111", DS)]["Round"] == 1 and r2[("22222222", DS)]["Round"] == 2
    assert r2[("22222222", DS)]["Band 1"] == 50.50
    assert set(r3) == set(r2) | {("77777777", DS)}
    assert all(r3[k] == r2[k] for k in r2)
    assert r3[("77777777", DS)]["Round"] == 3
    assert outcome_of(chain["r3"], "R3-A", PA)["Outcome"] == "already-admitted"
    assert "Round 3" in chain["out3"]


def test_rate_card_ranks_every_member_old_and_new(chain: dict) -> None:
    card = [r for r in rows(chain["r2"], "Rate card") if r["Band"] == "Band 1"]
    assert {r["Provider ID"] for r in card} == {"11111111", "22222222"}
    assert [r["Rank"] for r in sorted(card, key=lambda r: r["Price (£)"])] == [1, 2]


def test_summary_records_round_and_first_deadline(chain: dict) -> None:
    s = summary(chain["r3"])
    assert s["Round"] == 3
    assert s["Deadline"] == dt.datetime(2029, 3, 16, 12, 0)  # an Excel date-time, UK time
    assert s["First round deadline"] == dt.datetime(2026, 3, 20, 12, 0)
    assert s["Day Services: already-admitted"] == 0 and s["Personal Assistants: already-admitted"] == 1
    inputs = {r["File"]: r["Status"] for r in rows(chain["r3"], "Inputs")}
    assert inputs["shortlist-round-2.xlsx"] == "register"  # the path as given on the command line


def _tamper(source: Path, target: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    wb = openpyxl.load_workbook(source)
    edit(wb["Framework"])
    wb.save(target)
    return target


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda ws: ws.delete_cols(3), "'Lot'"),
        (lambda ws: ws.append([c.value for c in ws[2]]), "Framework!A3"),
        (lambda ws: ws.cell(2, 8, "£48.50"), "Framework!H2"),
    ],
    ids=["missing-column", "duplicate-member", "text-price"],
)
def test_tampered_register_exit_2_naming_the_cell(tmp_path: Path, tender: Tender, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bids"
    folder.mkdir()
    write_bid(valid_bid(tender, "X-1", lots=[DS], seed=1), folder / "a.xlsx")
    scores = tmp_path / "scores.xlsx"
    write_scores(agreed_scores([("X-1", DS)], tender), scores)
    good = tmp_path / "good.xlsx"
    assert runner.invoke(app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(good)]).exit_code == 0
    assert len(rows(good, "Framework")) == 1
    bad = _tamper(good, tmp_path / "bad.xlsx", edit)
    before = sha(bad)
    result = runner.invoke(app, ["reopen", str(folder), "--register", str(bad), "--deadline", "2027-09-17T12:00",
                                 "--out", str(tmp_path / "r2.xlsx")])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sha(bad) == before
    assert not (tmp_path / "r2.xlsx").exists()


def test_missing_framework_sheet_and_date_only_deadline(tmp_path: Path, tender: Tender) -> None:
    folder = tmp_path / "bids"
    folder.mkdir()
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.save(tmp_path / "reg.xlsx")
    result = runner.invoke(app, ["reopen", str(folder), "--register", str(tmp_path / "reg.xlsx"), "--deadline", "2027-09-17T12:00"])
    assert result.exit_code == 2 and "Framework" in result.stderr
    result = runner.invoke(app, ["reopen", str(folder), "--register", str(tmp_path / "reg.xlsx"), "--deadline", "2027-09-17"])
    assert result.exit_code == 2 and "time" in result.stderr


def test_s49_limits() -> None:
    award = dt.date(2026, 5, 29)
    first = dt.datetime(2026, 3, 20, 12, 0)
    on_time = reopening_limits(2, dt.datetime(2029, 5, 29, 12, 0), first, award)
    assert on_time.warnings == () and on_time.refusal is None
    late = reopening_limits(2, dt.datetime(2029, 5, 30, 12, 0), first, award)
    assert len(late.warnings) == 1 and "3 years" in late.warnings[0]
    five = reopening_limits(3, dt.datetime(2032, 9, 18, 12, 0), dt.datetime(2027, 9, 17, 12, 0), award)
    assert len(five.warnings) == 1 and "5 years" in five.warnings[0]
    assert reopening_limits(3, dt.datetime(2032, 9, 17, 12, 0), dt.datetime(2027, 9, 17, 12, 0), award).warnings == ()
    assert reopening_limits(4, dt.datetime(2034, 5, 29, 12, 0), dt.datetime(2032, 1, 1), award).refusal is None
    refused = reopening_limits(4, dt.datetime(2034, 5, 30, 12, 0), dt.datetime(2032, 1, 1), award)
    assert refused.refusal and "8 years" in refused.refusal


def test_reopen_cli_warns_and_refuses(tmp_path: Path, tender: Tender) -> None:
    folder = tmp_path / "bids"
    folder.mkdir()
    write_bid(valid_bid(tender, "X-1", lots=[DS], seed=1), folder / "a.xlsx")
    register = tmp_path / "shortlist.xlsx"
    assert runner.invoke(app, ["evaluate", str(folder), "--out", str(register)]).exit_code == 0
    empty = tmp_path / "r2"
    empty.mkdir()
    result = runner.invoke(app, ["reopen", str(empty), "--register", str(register), "--deadline", "2029-07-01T12:00",
                                 "--out", str(tmp_path / "late.xlsx")])
    assert result.exit_code == 0 and "3 years" in result.stderr
    result = runner.invoke(app, ["reopen", str(empty), "--register", str(register), "--deadline", "2031-09-01T12:00",
                                 "--out", str(tmp_path / "end.xlsx")])
    assert result.exit_code == 2 and "30 August 2031" in result.stderr  # the framework's end, with its extension
    assert not (tmp_path / "end.xlsx").exists()
    result = runner.invoke(app, ["reopen", str(empty), "--register", str(register), "--deadline", "2026-03-01T12:00",
                                 "--out", str(tmp_path / "early.xlsx")])
    assert result.exit_code == 2 and "previous round" in result.stderr


def test_eight_year_end_refused_even_with_a_longer_framework(tmp_path: Path, tender: Tender) -> None:
    longer = tmp_path / "long.toml"
    longer.write_text(_bundled().read_text().replace("framework_end = 2029-08-30", "framework_end = 2036-08-30"))
    folder = tmp_path / "bids"
    folder.mkdir()
    register = tmp_path / "shortlist.xlsx"
    assert runner.invoke(app, ["evaluate", str(folder), "--out", str(register), "--tender", str(longer)]).exit_code == 0
    result = runner.invoke(app, ["reopen", str(folder), "--register", str(register), "--deadline", "2034-06-01T12:00",
                                 "--tender", str(longer), "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2 and "8 years" in result.stderr
