"""The pass/fail gates: deadline, eligibility, finance, insurance, policies, safeguarding,
and the services / PA coverage sheets. Pure functions over the stacked bids frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd

from ..findings import Finding
from ..tender import Tender
from . import months_before


def _rows(bids: pd.DataFrame, *keys: str) -> Iterator[tuple[int, str, tuple[Any, ...]]]:
    """(bid index, file, values) for opened bids where every key has a value."""
    frame = bids[bids["_opened"]]
    mask = frame[list(keys)].notna().all(axis=1)
    chosen = frame.loc[mask, ["file", *keys]]
    columns = [chosen[column].tolist() for column in chosen.columns]  # no tuple made per row
    for index, file, *vals in zip(chosen.index.tolist(), *columns, strict=True):
        yield int(index), file, tuple(vals)


def place_of(bids: pd.DataFrame, bid: int, key: str) -> tuple[str, str]:
    """(sheet, cell) of a field's value, from the stacked frame's ``<key>_cell`` column
    (``Compliance!B12``; the sheet alone when the field's row is absent)."""
    sheet, _, cell = str(bids.at[bid, f"{key}_cell"]).partition("!")
    return sheet, cell


def _present(bids: pd.DataFrame, bid: int, key: str) -> bool:
    """Whether the field's label row exists in the bid (its value may still be blank)."""
    return bool(place_of(bids, bid, key)[1])


def _finding(
    bids: pd.DataFrame,
    bid: int,
    file: str,
    key: str,
    code: str,
    lots: tuple[str, ...] | None = None,
    **facts: Any,
) -> Finding:
    """A finding at the cell of ``key``, worded from ``facts`` (``wording.py``)."""
    sheet, cell = place_of(bids, bid, key)
    return Finding.of(file, sheet, cell, code, lots=lots, **facts)


def deadline_findings(bids: pd.DataFrame, deadline: dt.datetime) -> list[Finding]:
    """Late: submitted after the deadline, to the second (12:00:00 on time, 12:00:01 late)."""
    return [
        _finding(
            bids,
            bid,
            file,
            "submitted_at",
            "late",
            submitted=submitted.astimezone(deadline.tzinfo),
            deadline=deadline,
        )
        for bid, file, (submitted,) in _rows(bids, "submitted_at")
        if submitted > deadline
    ]


def eligibility_findings(bids: pd.DataFrame) -> list[Finding]:
    findings = []
    checks = (
        ("mandatory_exclusion", "mandatory-exclusion"),
        ("debarred", "debarred"),
        ("discretionary_exclusion", "discretionary-exclusion"),
    )
    for key, code in checks:
        findings += [
            _finding(bids, bid, file, key, code)
            for bid, file, (value,) in _rows(bids, key)
            if value is True
        ]
    return findings


def finance_findings(bids: pd.DataFrame, tender: Tender, deadline: dt.datetime) -> list[Finding]:
    """A failed financial test is referred; an offered parent company guarantee settles it as
    the condition ``parent-company-guarantee``."""
    failures, files = _finance_failures(bids, tender, deadline)
    findings = []
    guarantee = bids["parent_company_guarantee"]
    for bid, items in failures.items():
        if guarantee.get(bid) is True:
            tests = tuple((code, tuple(facts.items())) for _, code, facts in items)
            findings.append(
                _finding(
                    bids,
                    bid,
                    files[bid],
                    "parent_company_guarantee",
                    "parent-company-guarantee",
                    tests=tests,
                )
            )
        else:
            findings += [
                _finding(bids, bid, files[bid], key, code, **facts) for key, code, facts in items
            ]
    return findings


def _finance_failures(
    bids: pd.DataFrame, tender: Tender, deadline: dt.datetime
) -> tuple[dict[int, list[tuple[str, str, dict[str, Any]]]], dict[int, str]]:
    """Bid -> its failed financial tests as (key, code, facts), and bid -> its file."""
    rules = tender.finance
    oldest = months_before(deadline.date(), rules.max_accounts_age_months)
    failures: dict[int, list[tuple[str, str, dict[str, Any]]]] = {}
    files: dict[int, str] = {}

    def fail(bid: int, file: str, key: str, code: str, **facts: Any) -> None:
        failures.setdefault(bid, []).append((key, code, facts))
        files[bid] = file

    for bid, file, (turnover,) in _rows(bids, "turnover"):
        if turnover < rules.min_turnover:
            fail(
                bid,
                file,
                "turnover",
                "finance-turnover",
                turnover=turnover,
                minimum=rules.min_turnover,
            )
    for bid, file, (net,) in _rows(bids, "net_assets"):
        if net < rules.min_net_assets:
            fail(
                bid,
                file,
                "net_assets",
                "finance-net-assets",
                net_assets=net,
                minimum=rules.min_net_assets,
            )
    for bid, file, (assets, liabilities) in _rows(bids, "current_assets", "current_liabilities"):
        if liabilities > 0 and Decimal(assets) / Decimal(liabilities) < rules.min_current_ratio:
            ratio = (Decimal(assets) / Decimal(liabilities)).quantize(Decimal("0.01"))
            fail(
                bid,
                file,
                "current_assets",
                "finance-current-ratio",
                ratio=ratio,
                assets=assets,
                liabilities=liabilities,
                minimum=rules.min_current_ratio,
            )
    for bid, file, (year_end,) in _rows(bids, "accounts_year_end"):
        if year_end < oldest:
            fail(
                bid,
                file,
                "accounts_year_end",
                "finance-accounts-age",
                year_end=year_end,
                months=rules.max_accounts_age_months,
                oldest=oldest,
            )
    return failures, files


INSURANCE = (
    ("employers_liability", "insurance-employers-liability", "employer's liability"),
    ("public_liability", "insurance-public-liability", "public liability"),
    ("professional_indemnity", "insurance-professional-indemnity", "professional indemnity"),
)


def insurance_findings(bids: pd.DataFrame, tender: Tender, deadline: dt.datetime) -> list[Finding]:
    """Cover below a minimum fails; a policy expiring before it must be valid is a condition."""
    valid_on = max(tender.framework_start, deadline.date())
    findings = []
    for key, code, name in INSURANCE:
        minimum = getattr(tender.insurance, key)
        for bid, file, (cover,) in _rows(bids, key):
            if cover < minimum:
                findings.append(_finding(bids, bid, file, key, code, cover=cover, minimum=minimum))
        for bid, file, (expiry,) in _rows(bids, f"{key}_expiry"):
            if expiry < valid_on:
                findings.append(
                    _finding(
                        bids,
                        bid,
                        file,
                        f"{key}_expiry",
                        "insurance-renewal",
                        insurance=name,
                        expiry=expiry,
                        valid_on=valid_on,
                    )
                )
    return findings


def policy_findings(bids: pd.DataFrame, tender: Tender, deadline: dt.datetime) -> list[Finding]:
    oldest = months_before(deadline.date(), tender.policy_max_age_months)
    findings = []
    for policy in tender.policies:
        held, reviewed = f"policy_held:{policy.name}", f"policy_reviewed:{policy.name}"
        for bid, file, (value,) in _rows(bids, held):
            if value is False:
                findings.append(
                    _finding(
                        bids, bid, file, held, "policy-missing", policy.lots, policy=policy.name
                    )
                )
        for bid, file, (value, day) in _rows(bids, held, reviewed):
            if value is True and day < oldest:
                findings.append(
                    _finding(
                        bids,
                        bid,
                        file,
                        reviewed,
                        "policy-out-of-date",
                        policy.lots,
                        policy=policy.name,
                        reviewed=day,
                        months=tender.policy_max_age_months,
                        oldest=oldest,
                    )
                )
    return findings


def safeguarding_findings(
    bids: pd.DataFrame, tender: Tender, lots: dict[int, tuple[str, ...]]
) -> list[Finding]:
    findings = _safeguarding_staff_findings(bids, tender)
    findings += _cqc_findings(bids, tender, lots)
    for bid, file, (concerns,) in _rows(bids, "safeguarding_concerns"):
        if concerns > 0:
            findings.append(
                _finding(
                    bids,
                    bid,
                    file,
                    "safeguarding_concerns",
                    "safeguarding-concerns",
                    concerns=concerns,
                )
            )
    return findings


def _safeguarding_staff_findings(bids: pd.DataFrame, tender: Tender) -> list[Finding]:
    """No safeguarding lead named, staff without DBS checks, too little training."""
    rules = tender.safeguarding
    findings = []
    opened = bids[bids["_opened"]]
    findings += [
        _finding(bids, int(bid), opened.at[bid, "file"], "safeguarding_lead", "safeguarding-lead")
        for bid in opened.index[opened["safeguarding_lead"].isna()]
        if _present(bids, int(bid), "safeguarding_lead")
        and "safeguarding_lead" not in opened.at[bid, "_failed"]
    ]
    for bid, file, (dbs,) in _rows(bids, "dbs_all_staff"):
        if dbs is False:
            findings.append(_finding(bids, bid, file, "dbs_all_staff", "safeguarding-dbs"))
    for bid, file, (pct,) in _rows(bids, "training_pct"):
        if pct < rules.min_training_pct:
            findings.append(
                _finding(
                    bids,
                    bid,
                    file,
                    "training_pct",
                    "safeguarding-training",
                    pct=pct,
                    minimum=rules.min_training_pct,
                )
            )
    return findings


def _cqc_findings(
    bids: pd.DataFrame, tender: Tender, lots: dict[int, tuple[str, ...]]
) -> list[Finding]:
    """A failing CQC rating, and no CQC registration for a lot that requires it."""
    rules = tender.safeguarding
    findings = []
    for bid, file, (registered, rating) in _rows(bids, "cqc_registered", "cqc_rating"):
        if registered is True and str(rating).casefold() in {
            r.casefold() for r in rules.failing_cqc_ratings
        }:
            findings.append(
                _finding(bids, bid, file, "cqc_rating", "cqc-inadequate", rating=rating)
            )
    required = [lot.name for lot in tender.lots if lot.cqc_registration_required]
    if required:
        for bid, file, (registered,) in _rows(bids, "cqc_registered"):
            needs = tuple(lot for lot in required if lot in lots.get(bid, ()))
            if registered is False and needs:
                findings.append(
                    _finding(
                        bids,
                        bid,
                        file,
                        "cqc_registered",
                        "cqc-not-registered",
                        needs,
                        required_for=needs,
                    )
                )
    return findings


def coverage_findings(
    bids: pd.DataFrame,
    coverage: dict[str, pd.DataFrame],
    tender: Tender,
    lots: dict[int, tuple[str, ...]],
) -> list[Finding]:
    """A lot's coverage sheet (Services, PA Coverage) needs at least one row."""
    findings = []
    codes = {"Services": "services-missing", "PA Coverage": "pa-coverage-missing"}
    for lot in tender.lots:
        frame = coverage.get(lot.coverage_sheet)
        with_rows = (
            set(frame["bid"].astype(int)) if frame is not None and not frame.empty else set()
        )
        code = codes.get(lot.coverage_sheet, "services-missing")
        for bid, bid_lots in lots.items():
            if (
                lot.name in bid_lots
                and bid not in with_rows
                and lot.coverage_sheet in bids.at[bid, "_sheets"]
            ):
                findings.append(
                    Finding.of(
                        bids.at[bid, "file"],
                        lot.coverage_sheet,
                        "A2",
                        code,
                        lots=(lot.name,),
                        sheet_name=lot.coverage_sheet,
                        lot=lot.name,
                    )
                )
    return findings
