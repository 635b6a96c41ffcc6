"""The checks of the workbooks alone, and the outcome they lead to, by the precedence of
domain.md.

``assess`` runs every check that depends only on the workbooks and the tender definition
(what ``check`` reports); ``decide`` turns the findings of one (bid, lot) into its outcome.
``evaluate.py`` adds the deadline and quality and decides every (bid, lot) of the round.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

import pandas as pd

from .findings import (
    CODE_OUTCOME,
    CONDITION_CODES,
    OUTCOME_ORDER,
    Finding,
    Outcome,
    Severity,
    gate_rank,
)
from .read.frames import BidFrames
from .read.receipts import Receipts
from .rules import gates, lots_by_bid
from .rules.price import price_findings
from .rules.receipts import receipt_findings
from .tender import Tender
from .validate import validate
from .workbook_format import Format


def assess(frames: BidFrames, tender: Tender, fmt: Format, deadline: dt.datetime) -> list[Finding]:
    """Reading, validation, prices and gates: every finding that needs no scores or deadline
    judgement of lateness (dates such as accounts age are judged against ``deadline``)."""
    bids = frames.bids
    lots = lots_by_bid(bids, tender.lot_names)
    findings: list[Finding] = [f for read in frames.reads for f in read.findings]
    findings += validate(frames, tender, fmt)
    findings += price_findings(frames.prices, bids, lots, tender)
    findings += gates.eligibility_findings(bids)
    findings += gates.finance_findings(bids, tender, deadline)
    findings += gates.insurance_findings(bids, tender, deadline)
    findings += gates.policy_findings(bids, tender, deadline)
    findings += gates.safeguarding_findings(bids, tender, lots)
    findings += gates.coverage_findings(bids, frames.coverage, tender, lots)
    return sorted(with_references(findings, bids), key=finding_order(fmt))


def finding_order(fmt: Format) -> Callable[[Finding], tuple[str, int, int, str]]:
    """Findings in reading order: by file, then sheet as in the workbook, then cell."""
    sheets = {spec.name: i for i, spec in enumerate(fmt.sheets)}

    def key(f: Finding) -> tuple[str, int, int, str]:
        row, column = _cell_key(f.cell)
        return (f.file, sheets.get(f.sheet, len(sheets) if f.sheet else -1), row, column)

    return key


def relevant(findings: Iterable[Finding], lots: tuple[str, ...]) -> list[Finding]:
    """Findings that matter for a bid for ``lots`` (a policy of another lot does not)."""
    return [f for f in findings if f.lots is None or not lots or set(f.lots) & set(lots)]


def with_references(findings: list[Finding], bids: pd.DataFrame) -> list[Finding]:
    refs = {file: ref for file, ref in zip(bids["file"], bids["bid_reference"], strict=True) if ref}
    return [
        dataclasses.replace(f, bid_reference=refs.get(f.file, f.bid_reference)) for f in findings
    ]


def outcome_of(f: Finding) -> Outcome | None:
    """The outcome a finding leads to; a referral rejected by an officer fails the gate."""
    outcome = CODE_OUTCOME.get(f.code)
    if outcome is Outcome.REFERRED and f.severity is Severity.ERROR:
        return Outcome.FAILED_GATE
    return outcome


def decide(applicable: list[Finding]) -> tuple[Outcome, tuple[Finding, ...], tuple[Finding, ...]]:
    """The outcome of one (bid, lot): the most severe, with every reason and condition.

    Referral reasons are listed only when the outcome is ``referred``; the decisive reasons
    come first."""
    blocking = [f for f in applicable if outcome_of(f) is not None]
    conditions = tuple(f for f in applicable if f.code in CONDITION_CODES)
    if not blocking:
        return Outcome.ADMITTED, (), conditions
    rank = {f: OUTCOME_ORDER.index(outcome_of(f) or Outcome.ADMITTED) for f in blocking}
    outcome = OUTCOME_ORDER[min(rank.values())]
    reasons = [
        f for f in blocking if outcome is Outcome.REFERRED or f.severity is not Severity.REFERRAL
    ]
    reasons.sort(key=lambda f: (rank[f], gate_rank(f.code)))  # then by place (stable)
    if outcome is not Outcome.REFERRED:
        conditions = ()
    return outcome, tuple(reasons), conditions


def lateness_findings(
    frames: BidFrames, receipts: Receipts | None, deadline: dt.datetime
) -> list[Finding]:
    """Lateness on the declared Submitted at, or on the portal's Received at alone."""
    if receipts is None:
        return with_references(gates.deadline_findings(frames.bids, deadline), frames.bids)
    return with_references(receipt_findings(frames.bids, receipts, deadline), frames.bids)


def _cell_key(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters)
