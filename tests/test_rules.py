"""Each rule on both sides of each boundary, through the real reader and evaluation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clc_tender.findings import Outcome
from clc_tender.tender import Tender

from .conftest import Runner, agreed_scores, bid, codes, outcome

DS, PA = "Day Services", "Personal Assistants"


def test_every_band_floor_and_ceiling_inclusive_and_one_penny_outside(run: Runner, tender: Tender) -> None:
    specs = {}
    expected = {}
    for i, band in enumerate(tender.bands):
        lots = (band.lot,)
        cases = {
            "floor": (band.floor, None),
            "ceiling": (band.ceiling, None),
            "below": (band.floor - Decimal("0.01"), "price-below-floor"),
            "above": (band.ceiling + Decimal("0.01"), "price-above-ceiling"),
        }
        for n, (name, (price, code)) in enumerate(cases.items()):
            ref = f"B{i}-{name}"
            spec = bid(tender, ref, lots=lots, seed=i * 10 + n)  # one provider per bid
            if band.name == "Band 5":
                spec.prices["Band 3"] = tender.band("Band 3").floor
            spec.prices[band.name] = price
            specs[f"{ref}.xlsx"] = spec
            expected[ref] = (band.lot, code)
    ev = run(specs)
    for ref, (lot, code) in expected.items():
        o = outcome(ev, ref, lot)
        if code is None:
            assert o.outcome is Outcome.ADMITTED, (ref, codes(o))
        else:
            assert o.outcome is Outcome.DISQUALIFIED_PRICE, (ref, codes(o))
            assert codes(o) == [code]
            assert o.reasons[0].sheet == "Pricing" and o.reasons[0].cell.startswith("C")


def test_price_reason_names_price_floor_and_ceiling(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-100", lots=(DS,))
    spec.prices["Band 1"] = Decimal("49.43")
    o = outcome(run({"a.xlsx": spec}), "CLC26-100", DS)
    assert "£49.43" in o.reasons[0].message and "£49.42" in o.reasons[0].message
    assert "£48.12" in o.reasons[0].message


@pytest.mark.parametrize(("seconds", "late"), [(-1, False), (0, False), (1, True)])
def test_deadline_to_the_second(run: Runner, tender: Tender, seconds: int, late: bool) -> None:
    spec = bid(tender, "CLC26-101", lots=(PA,))
    spec.bidder["Submitted at"] = dt.datetime(2026, 3, 20, 12, 0, 0) + dt.timedelta(seconds=seconds)
    o = outcome(run({"a.xlsx": spec}), "CLC26-101", PA)
    assert (o.outcome is Outcome.LATE) is late
    assert ("late" in codes(o)) is late


@pytest.mark.parametrize(("pct", "fails"), [(90, False), (89, True), (100, False)])
def test_training_threshold(run: Runner, tender: Tender, pct: int, fails: bool) -> None:
    spec = bid(tender, "CLC26-102", lots=(PA,))
    spec.compliance["Safeguarding training completion (%)"] = pct
    o = outcome(run({"a.xlsx": spec}), "CLC26-102", PA)
    assert (o.outcome is Outcome.FAILED_GATE) is fails
    assert ("safeguarding-training" in codes(o)) is fails


def test_training_as_excel_percentage_and_ambiguous_fraction(run: Runner, tender: Tender) -> None:
    formatted = bid(tender, "CLC26-103", lots=(PA,))
    formatted.compliance["Safeguarding training completion (%)"] = 0.95
    ambiguous = bid(tender, "CLC26-104", lots=(PA,), seed=1)
    ambiguous.compliance["Safeguarding training completion (%)"] = 0.95
    ev = run(
        {"a.xlsx": formatted, "b.xlsx": ambiguous},
        formats={"a.xlsx": {("Compliance", "Safeguarding training completion (%)"): "0%"}},
    )
    assert outcome(ev, "CLC26-103", PA).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-104", PA)
    assert o.outcome is Outcome.NON_COMPLIANT and codes(o) == ["invalid-value"]
    assert "95%" in o.reasons[0].message


@pytest.mark.parametrize(
    ("q_scores", "expected", "pct"),
    [
        ({}, Outcome.ADMITTED, Decimal("60.00")),  # every question 3: exactly 60%
        ({"Q5": 2}, Outcome.FAILED_GATE, Decimal("58.00")),  # just under the pass mark
        ({"Q1": 1, "Q2": 5, "Q3": 5}, Outcome.FAILED_GATE, None),  # below the minimum 2
    ],
)
def test_quality_pass_mark_and_minimum(run: Runner, tender: Tender, q_scores: dict, expected: Outcome, pct: Decimal | None) -> None:
    spec = bid(tender, "CLC26-105", lots=(DS,))
    rows = [
        ("CLC26-105", DS, q.id, ev, q_scores.get(q.id, 3), "")
        for q in tender.quality.questions for ev in ("JM", "AK")
    ]
    o = outcome(run({"a.xlsx": spec}, scores=rows), "CLC26-105", DS)
    assert o.outcome is expected, codes(o)
    if pct is not None:
        assert o.quality_pct == pct
    if "Q1" in q_scores:
        assert "quality-question-below-minimum" in codes(o)
    elif expected is Outcome.FAILED_GATE:
        assert codes(o) == ["quality-below-pass-mark"]


def test_accounts_age_exactly_18_months_passes_one_day_more_is_referred(run: Runner, tender: Tender) -> None:
    on = bid(tender, "CLC26-106", lots=(PA,))
    on.compliance["Accounts year end"] = dt.date(2024, 9, 20)
    old = bid(tender, "CLC26-107", lots=(PA,), seed=1)
    old.compliance["Accounts year end"] = dt.date(2024, 9, 19)
    ev = run({"a.xlsx": on, "b.xlsx": old})
    assert outcome(ev, "CLC26-106", PA).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-107", PA)
    assert o.outcome is Outcome.REFERRED and codes(o) == ["finance-accounts-age"]


def test_policy_reviewed_exactly_24_months_passes_one_day_more_fails(run: Runner, tender: Tender) -> None:
    on = bid(tender, "CLC26-108", lots=(PA,))
    on.compliance["Complaints policy last reviewed"] = dt.date(2024, 3, 20)
    old = bid(tender, "CLC26-109", lots=(PA,), seed=1)
    old.compliance["Complaints policy last reviewed"] = dt.date(2024, 3, 19)
    ev = run({"a.xlsx": on, "b.xlsx": old})
    assert outcome(ev, "CLC26-108", PA).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-109", PA)
    assert o.outcome is Outcome.FAILED_GATE and codes(o) == ["policy-out-of-date"]
    assert o.reasons[0].sheet == "Compliance"


@pytest.mark.parametrize(
    ("label", "minimum", "code"),
    [
        ("Employer's liability cover (£)", 5_000_000, "insurance-employers-liability"),
        ("Public liability cover (£)", 5_000_000, "insurance-public-liability"),
        ("Professional indemnity cover (£)", 1_000_000, "insurance-professional-indemnity"),
    ],
)
def test_cover_exactly_at_minimum_passes_one_pound_less_fails(run: Runner, tender: Tender, label: str, minimum: int, code: str) -> None:
    at = bid(tender, "CLC26-110", lots=(DS,))
    at.compliance[label] = minimum
    under = bid(tender, "CLC26-111", lots=(DS,), seed=1)
    under.compliance[label] = minimum - 1
    ev = run({"a.xlsx": at, "b.xlsx": under})
    assert outcome(ev, "CLC26-110", DS).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-111", DS)
    assert o.outcome is Outcome.FAILED_GATE and codes(o) == [code]
    assert f"£{minimum - 1:,}" in o.reasons[0].message and f"£{minimum:,}" in o.reasons[0].message


def test_insurance_expiring_before_start_is_a_condition(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-112", lots=(DS,))
    spec.compliance["Public liability expiry"] = dt.date(2026, 8, 30)
    on_start = bid(tender, "CLC26-113", lots=(DS,), seed=1)
    on_start.compliance["Public liability expiry"] = dt.date(2026, 8, 31)
    ev = run({"a.xlsx": spec, "b.xlsx": on_start})
    o = outcome(ev, "CLC26-112", DS)
    assert o.outcome is Outcome.ADMITTED and [c.code for c in o.conditions] == ["insurance-renewal"]
    assert outcome(ev, "CLC26-113", DS).conditions == ()


def test_finance_failure_referred_unless_guarantee(run: Runner, tender: Tender) -> None:
    no_pcg = bid(tender, "CLC26-114", lots=(DS,))
    no_pcg.compliance["Annual turnover (£)"] = 49_999
    pcg = bid(tender, "CLC26-115", lots=(DS,), seed=1)
    pcg.compliance["Annual turnover (£)"] = 49_999
    pcg.compliance["Parent company guarantee offered"] = "Yes"
    edge = bid(tender, "CLC26-116", lots=(DS,), seed=2)
    edge.compliance["Annual turnover (£)"] = 50_000
    edge.compliance["Current assets (£)"] = 1000
    edge.compliance["Current liabilities (£)"] = 1000  # ratio exactly 1.0 passes
    zero = bid(tender, "CLC26-117", lots=(DS,), seed=3)
    zero.compliance["Current liabilities (£)"] = 0  # no liabilities passes
    ev = run({"a.xlsx": no_pcg, "b.xlsx": pcg, "c.xlsx": edge, "d.xlsx": zero})
    o = outcome(ev, "CLC26-114", DS)
    assert o.outcome is Outcome.REFERRED and codes(o) == ["finance-turnover"]
    o = outcome(ev, "CLC26-115", DS)
    assert o.outcome is Outcome.ADMITTED and [c.code for c in o.conditions] == ["parent-company-guarantee"]
    assert outcome(ev, "CLC26-116", DS).outcome is Outcome.ADMITTED
    assert outcome(ev, "CLC26-117", DS).outcome is Outcome.ADMITTED


def test_each_gate_outcome(run: Runner, tender: Tender) -> None:
    cases = {
        "mandatory-exclusion": ("Mandatory exclusion grounds apply", "Yes", Outcome.FAILED_GATE),
        "debarred": ("On the debarment list", "Yes", Outcome.FAILED_GATE),
        "discretionary-exclusion": ("Discretionary exclusion grounds apply", "Yes", Outcome.REFERRED),
        "finance-net-assets": ("Net assets (£)", -1, Outcome.REFERRED),
        "safeguarding-dbs": ("Enhanced DBS with adults' barred list for all staff", "No", Outcome.FAILED_GATE),
        "safeguarding-lead": ("Named safeguarding lead", "", Outcome.FAILED_GATE),
        "safeguarding-concerns": ("Substantiated safeguarding concerns in last 12 months", 1, Outcome.REFERRED),
        "policy-missing": ("Whistleblowing policy held", "No", Outcome.FAILED_GATE),
    }
    specs = {}
    for i, (label, value, _) in enumerate(cases.values()):
        spec = bid(tender, f"G{i:02d}", lots=(DS,), seed=i)
        spec.compliance[label] = value
        specs[f"g{i:02d}.xlsx"] = spec
    inadequate = bid(tender, "G99", lots=(DS,), seed=99)
    inadequate.compliance.update({"CQC registered": "Yes", "CQC location ID": "1-123456789", "CQC overall rating": "Inadequate"})
    specs["g99.xlsx"] = inadequate
    ev = run(specs)
    for i, (code, (_, _, expected)) in enumerate(cases.items()):
        o = outcome(ev, f"G{i:02d}", DS)
        assert o.outcome is expected, (code, codes(o))
        assert codes(o) == [code]
    o = outcome(ev, "G99", DS)
    assert o.outcome is Outcome.FAILED_GATE and codes(o) == ["cqc-inadequate"]


def test_lone_working_policy_matters_for_pa_only(run: Runner, tender: Tender) -> None:
    both = bid(tender, "CLC26-120")
    both.compliance["Lone working policy held"] = "No"
    ev = run({"a.xlsx": both})
    assert outcome(ev, "CLC26-120", DS).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-120", PA)
    assert o.outcome is Outcome.FAILED_GATE and codes(o) == ["policy-missing"]


def test_cqc_registration_required_by_definition(run: Runner, tender: Tender) -> None:
    import dataclasses

    strict = dataclasses.replace(
        tender, lots=tuple(dataclasses.replace(lot, cqc_registration_required=lot.name == PA) for lot in tender.lots)
    )
    spec = bid(strict, "CLC26-121")
    spec.compliance.update({"CQC registered": "No", "CQC location ID": None, "CQC overall rating": None})
    ev = run({"a.xlsx": spec}, tender_=strict)
    assert outcome(ev, "CLC26-121", DS).outcome is Outcome.ADMITTED
    o = outcome(ev, "CLC26-121", PA)
    assert o.outcome is Outcome.FAILED_GATE and codes(o) == ["cqc-not-registered"]


def test_required_bands_and_band5(run: Runner, tender: Tender) -> None:
    no_band = bid(tender, "CLC26-122", lots=(DS,))
    for name in ("Band 1", "Band 2", "Band 3", "Band 4", "Band 5"):
        no_band.prices[name] = None
    no_band.prices["Band 6"] = tender.band("Band 6").floor
    band5 = bid(tender, "CLC26-123", lots=(DS,), seed=1)
    band5.prices.update({"Band 3": None, "Band 4": None, "Band 1": tender.band("Band 1").floor, "Band 5": tender.band("Band 5").floor})
    pa = bid(tender, "CLC26-124", lots=(PA,), seed=2)
    pa.prices["PA Band"] = None
    ev = run({"a.xlsx": no_band, "b.xlsx": band5, "c.xlsx": pa})
    assert codes(outcome(ev, "CLC26-122", DS)) == ["price-missing"]
    assert codes(outcome(ev, "CLC26-123", DS)) == ["band5-without-band3-or-4"]
    o = outcome(ev, "CLC26-124", PA)
    assert o.outcome is Outcome.NON_COMPLIANT and codes(o) == ["price-missing"]


def test_price_for_lot_not_bid_for_is_ignored_with_warning(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-125", lots=(PA,))
    spec.prices["Band 1"] = Decimal("99.99")  # outside its range, but the bid is not for Day Services
    ev = run({"a.xlsx": spec})
    assert outcome(ev, "CLC26-125", PA).outcome is Outcome.ADMITTED
    assert [f.code for f in ev.findings if f.bid_reference == "CLC26-125"] == ["ignored-price"]


def test_several_failures_are_all_listed(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-126", lots=(DS,))
    spec.prices["Band 1"] = Decimal("49.43")
    spec.prices["Band 2"] = Decimal("56.55")
    spec.compliance["Employer's liability cover (£)"] = 4_999_999
    spec.compliance["Safeguarding training completion (%)"] = 80
    spec.compliance["Whistleblowing policy held"] = "No"
    spec.compliance["Annual turnover (£)"] = 10  # a referral: not listed once the outcome is worse
    spec.bidder["Submitted at"] = dt.datetime(2026, 3, 20, 12, 0, 1)
    o = outcome(run({"a.xlsx": spec}), "CLC26-126", DS)
    assert o.outcome is Outcome.LATE
    assert codes(o)[0] == "late"
    assert set(codes(o)) == {
        "late", "price-above-ceiling", "price-below-floor", "insurance-employers-liability",
        "safeguarding-training", "policy-missing",
    }


def test_quality_moderation_and_not_scored(run: Runner, tender: Tender) -> None:
    specs = {f"{r}.xlsx": bid(tender, r, lots=(DS,), seed=i) for i, r in enumerate(["Q-MOD", "Q-DIS", "Q-NONE", "Q-PART", "Q-ONE"])}
    rows = agreed_scores([("Q-MOD", DS), ("Q-DIS", DS), ("Q-PART", DS)], tender)
    rows = [r for r in rows if not (r[0] == "Q-PART" and r[2] == "Q6")]
    rows = [r for r in rows if not (r[0] in ("Q-MOD", "Q-DIS") and r[2] == "Q2")]
    rows += [("Q-MOD", DS, "Q2", "JM", 5, ""), ("Q-MOD", DS, "Q2", "AK", 2, ""), ("Q-MOD", DS, "Q2", "MODERATED", 3, "Agreed 3")]
    rows += [("Q-DIS", DS, "Q2", "JM", 5, ""), ("Q-DIS", DS, "Q2", "AK", 2, "")]
    rows += [("Q-ONE", DS, q.id, "JM", 4, "") for q in tender.quality.questions]
    ev = run(specs, scores=rows)
    assert outcome(ev, "Q-MOD", DS).outcome is Outcome.ADMITTED
    assert outcome(ev, "Q-MOD", DS).quality_pct == Decimal("76.00")  # 4s (80%) and a moderated 3 on Q2 (weight 20: -4)
    assert codes(outcome(ev, "Q-DIS", DS)) == ["quality-needs-moderation"]
    assert codes(outcome(ev, "Q-NONE", DS)) == ["quality-not-scored"]
    o = outcome(ev, "Q-PART", DS)
    assert codes(o) == ["quality-not-scored"] and "Q6" in o.reasons[0].message
    assert outcome(ev, "Q-ONE", DS).outcome is Outcome.ADMITTED  # one evaluator alone gives the final score
    statuses = {(r.bid_reference, r.question): r.status for r in ev.quality_rows}
    assert statuses[("Q-MOD", "Q2")] == "moderated" and statuses[("Q-DIS", "Q2")] == "needs moderation"
    assert statuses[("Q-NONE", "Q1")] == "not scored" and statuses[("Q-MOD", "Q1")] == "agreed"


def test_scores_for_unknown_bid_or_question_are_warned(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-127", lots=(DS,))
    rows = agreed_scores([("CLC26-127", DS)], tender) + [("NOPE-1", DS, "Q1", "JM", 3, ""), ("CLC26-127", DS, "Q9", "JM", 3, "")]
    ev = run({"a.xlsx": spec}, scores=rows)
    unused = [f for f in ev.findings if f.code == "score-unused"]
    assert len(unused) == 2 and {f.sheet for f in unused} == {"Scores"}


def test_unknown_district_and_support_need_warn(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-128", lots=(DS,))
    spec.services[0]["District"] = "Rutland"
    spec.services[0]["Support needs"] = "Older adults; Juggling"
    ev = run({"a.xlsx": spec})
    assert outcome(ev, "CLC26-128", DS).outcome is Outcome.ADMITTED
    found = {f.code for f in ev.findings if f.bid_reference == "CLC26-128"}
    assert {"unknown-district", "unknown-support-need"} <= found


def test_services_sheet_without_rows_is_non_compliant(run: Runner, tender: Tender) -> None:
    spec = bid(tender, "CLC26-129")
    spec.services = []
    spec.pa_coverage = []
    ev = run({"a.xlsx": spec})
    assert codes(outcome(ev, "CLC26-129", DS)) == ["services-missing"]
    assert codes(outcome(ev, "CLC26-129", PA)) == ["pa-coverage-missing"]
