"""From findings to one outcome per (bid, lot), by the precedence of domain.md.

``assess`` runs every check that depends only on the workbooks and the tender definition
(what ``check`` reports); ``evaluate`` adds the deadline and quality, then decides outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from .findings import (
    CODE_OUTCOME,
    CONDITION_CODES,
    DECIDABLE_CODES,
    OUTCOME_ORDER,
    QUALITY_REFERRALS,
    Finding,
    Outcome,
    Severity,
)
from .read.files import InputFile, sha256_of
from .read.frames import BidFrames
from .read.receipts import Receipts
from .rules import gates, lots_by_bid
from .rules.price import price_findings
from .rules.quality import QuestionScore, quality
from .rules.receipts import receipt_findings
from .tender import Tender
from .validate import validate
from .workbook_format import Format


@dataclass(frozen=True)
class LotOutcome:
    bid: int  # index into the round's bids
    bid_reference: str
    organisation: str
    provider_id: str
    lot: str  # "" when the file's lots cannot be read
    outcome: Outcome
    reasons: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    decisions: tuple[str, ...]
    quality_pct: Decimal | None
    prices: dict[str, Decimal]
    file: str


@dataclass(frozen=True)
class Member:
    """An admitted (provider, lot) of the framework, in any round."""

    provider_id: str
    organisation: str
    lot: str
    round: int
    bid_reference: str
    quality_pct: Decimal | None
    conditions: str
    prices: dict[str, Decimal]


@dataclass(frozen=True)
class Evaluation:
    tender: Tender
    round: int
    deadline: dt.datetime
    first_deadline: dt.datetime
    run_at: dt.datetime
    outcomes: tuple[LotOutcome, ...]
    findings: tuple[Finding, ...]
    quality_rows: tuple[QuestionScore, ...]
    inputs: tuple[InputFile, ...]
    bidders: tuple[dict[str, str], ...]
    prices: pd.DataFrame  # valid prices of this round for lots bid for (for the Prices sheet)
    members: tuple[Member, ...]  # the whole framework after this round
    first_award: dt.date | None = None
    carried: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)  # run-level notes (s.49)
    lateness_basis: str = "Submitted at (declared by the bidder)"


def provider_id(row: Any) -> str:
    ch, charity = row.get("companies_house_number"), row.get("charity_number")
    if ch:
        return str(ch)
    if charity:
        return f"charity-{charity}"
    return ""


class _Places:
    """Where a bid's field is: (sheet, cell)."""

    def __init__(self, frames: BidFrames, fmt: Format) -> None:
        self.reads = frames.reads
        self.sheet_of = fmt.sheet_of

    def __call__(self, bid: int, key: str) -> tuple[str, str]:
        return self.sheet_of.get(key, ""), self.reads[bid].cell(key)

    def present(self, bid: int, key: str) -> bool:
        return key in self.reads[bid].present


def assess(frames: BidFrames, tender: Tender, fmt: Format, deadline: dt.datetime) -> list[Finding]:
    """Reading, validation, prices and gates: every finding that needs no scores or deadline
    judgement of lateness (dates such as accounts age are judged against ``deadline``)."""
    bids = frames.bids
    lots = lots_by_bid(bids, tender.lot_names)
    places = _Places(frames, fmt)
    findings: list[Finding] = [f for read in frames.reads for f in read.findings]
    findings += validate(frames, tender, fmt)
    findings += price_findings(frames.prices, bids, lots, tender)
    findings += gates.eligibility_findings(bids, places)
    findings += gates.finance_findings(bids, tender, deadline, places)
    findings += gates.insurance_findings(bids, tender, deadline, places)
    findings += gates.policy_findings(bids, tender, deadline, places)
    findings += gates.safeguarding_findings(bids, tender, lots, places, places.present)
    findings += gates.coverage_findings(bids, frames.coverage, tender, lots)
    return sorted(_with_references(findings, bids), key=finding_order(fmt))


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


def _with_references(findings: list[Finding], bids: pd.DataFrame) -> list[Finding]:
    refs = {file: ref for file, ref in zip(bids["file"], bids["bid_reference"], strict=True) if ref}
    return [dataclasses.replace(f, bid_reference=refs.get(f.file, f.bid_reference)) for f in findings]


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
    reasons = [f for f in blocking if outcome is Outcome.REFERRED or f.severity is not Severity.REFERRAL]
    reasons.sort(key=rank.__getitem__)
    if outcome is not Outcome.REFERRED:
        conditions = ()
    return outcome, tuple(reasons), conditions


def evaluate(
    frames: BidFrames,
    tender: Tender,
    fmt: Format,
    *,
    deadline: dt.datetime | None = None,
    scores: pd.DataFrame | None = None,
    scores_path: Path | None = None,
    round_number: int = 1,
    first_deadline: dt.datetime | None = None,
    members: tuple[Member, ...] = (),
    first_award: dt.date | None = None,
    warnings: tuple[str, ...] = (),
    decisions: pd.DataFrame | None = None,
    decisions_path: Path | None = None,
    extra_inputs: Iterable[InputFile] = (),
    run_at: dt.datetime | None = None,
    receipts: Receipts | None = None,
) -> Evaluation:
    deadline = deadline or tender.deadline
    bids = frames.bids
    lots = lots_by_bid(bids, tender.lot_names)
    places = _Places(frames, fmt)
    findings = assess(frames, tender, fmt, deadline)
    if receipts is None:
        findings += _with_references(gates.deadline_findings(bids, deadline, places), bids)
    else:  # lateness on the portal's Received at alone
        findings += _with_references(receipt_findings(bids, receipts, deadline, places), bids)

    # already admitted (a re-opening): the provider's lot is not evaluated again
    on_framework = {(m.provider_id, m.lot): m for m in members}
    ids = {
        int(i): provider_id(row)
        for i, row in zip(bids.index, bids[["companies_house_number", "charity_number"]].to_dict("records"), strict=True)
    }
    refs = {int(i): str(v or "") for i, v in bids["bid_reference"].items()}
    organisations = {int(i): str(v or "") for i, v in bids["organisation_name"].items()}
    already = {(bid, lot) for bid, bid_lots in lots.items() for lot in bid_lots if ids[bid] and (ids[bid], lot) in on_framework}

    files = {int(i): str(v) for i, v in bids["file"].items()}
    pairs = {
        (bid, lot): (refs[bid], files[bid])
        for bid, bid_lots in lots.items() for lot in bid_lots
        if refs[bid] and (bid, lot) not in already
    }
    scores_file = scores_path.name if scores_path else ""
    result = quality(scores, scores_file, pairs, tender)
    twins = _same_provider(ids, refs, lots, already)
    for (bid, lot), others in twins.items():
        read = frames.reads[bid]
        key = "companies_house_number" if read.cell("companies_house_number") else "charity_number"
        twin = Finding.make(
            read.file, "Bidder", read.cell(key), "duplicate-provider",
            f"the provider {ids[bid]} also bids for {lot} as {', '.join(others)}; a provider holds one"
            " place per lot: an officer accepts one bid and rejects the other",
            bid_reference=refs[bid], lots=(lot,),
            plain=f"Your organisation sent more than one bid for the {lot} lot, and a provider holds"
                  " one place per lot; the council is deciding which bid stands.")
        result.by_pair.setdefault((bid, lot), []).append(twin)
        result.findings.append(twin)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:  # the bids' own findings; quality findings reach their (bid, lot) directly
        by_file.setdefault(f.file, []).append(f)
    findings += result.findings
    valid_prices = frames.prices[frames.prices["price"].notna() & frames.prices["band"].notna()]
    prices_of: dict[int, dict[str, Decimal]] = {}
    for row in valid_prices.itertuples(index=False):
        prices_of.setdefault(int(row.bid), {}).setdefault(row.band, row.price)
    band_lot = {b.name: b.lot for b in tender.bands}

    decided = _decisions_by_pair(decisions, decisions_path, bids, tender)
    used: set[int] = set()
    outcomes: list[LotOutcome] = []
    for bid, read in enumerate(frames.reads):
        ref = refs[bid]
        org = organisations[bid]
        for lot in lots.get(bid, ()) or ("",):
            applicable = relevant(by_file.get(read.file, []), (lot,) if lot else ()) + result.by_pair.get((bid, lot), [])
            if (bid, lot) in already:
                member = on_framework[(ids[bid], lot)]
                reason = Finding.make(read.file, "Bidder", read.cell("companies_house_number"), "already-admitted",
                                      f"the provider {ids[bid]} is already on the framework for {lot} (round {member.round}, bid {member.bid_reference}); not evaluated again",
                                      bid_reference=ref, lots=(lot,),
                                      plain=f"Your organisation is already on the framework for the {lot} lot (admitted in round {member.round}), so this bid for it was not evaluated again.")
                findings.append(reason)
                outcome = Outcome.ALREADY_ADMITTED
                reasons: tuple[Finding, ...] = (reason,)
                conditions: tuple[Finding, ...] = ()
                lines: tuple[str, ...] = ()
            else:
                applicable, lines = apply_decisions(applicable, decided.get((ref.casefold(), lot), {}), used)
                outcome, reasons, conditions = decide(applicable)
            lot_prices = {band: price for band, price in prices_of.get(bid, {}).items() if not lot or band_lot[band] == lot}
            outcomes.append(LotOutcome(
                bid=bid, bid_reference=ref, organisation=org, provider_id=ids[bid], lot=lot,
                outcome=outcome, reasons=reasons, conditions=conditions, decisions=lines,
                quality_pct=result.percent.get((bid, lot)), prices=lot_prices, file=read.file,
            ))
    _one_accepted_per_provider(twins, ids, refs, decided, decisions_path)
    if decisions is not None and decisions_path is not None:
        for rec in decisions.itertuples(index=False):
            if int(rec.row) in used:
                continue
            code = str(rec.code).strip().casefold()
            why = (
                "quality is settled by the panel's scores (a MODERATED score in the scores workbook), not by a decision"
                if code in QUALITY_REFERRALS else
                "a failed gate cannot be overturned by a decision" if code in CODE_OUTCOME and code not in DECIDABLE_CODES
                and CODE_OUTCOME[code] is not Outcome.REFERRED else
                "it matches no referral of that bid and lot"
            )
            findings.append(Finding.make(
                decisions_path.name, "Decisions", f"C{int(rec.row)}", "decision-unused",
                f"{rec.decision} of {rec.code} for {rec.bid_reference} / {rec.lot} is not applied: {why}",
                bid_reference=str(rec.bid_reference)))
    lot_order = {name: i for i, name in enumerate(tender.lot_names)}
    outcomes.sort(key=lambda o: (o.bid_reference == "", o.bid_reference.casefold(), o.file, lot_order.get(o.lot, -1)))

    admitted = [o for o in outcomes if o.outcome is Outcome.ADMITTED]
    seen = {(m.provider_id, m.lot) for m in members}
    new_members = []
    for o in admitted:  # the Framework never holds a (provider, lot) twice
        if o.provider_id and (o.provider_id, o.lot) in seen:
            continue
        seen.add((o.provider_id, o.lot))
        new_members.append(Member(
            o.provider_id, o.organisation, o.lot, round_number, o.bid_reference, o.quality_pct,
            "\n".join(f"{c.code}: {c.message}" for c in o.conditions), o.prices))
    refs_in_round = {(o.bid, o.lot) for o in outcomes if o.outcome is not Outcome.ALREADY_ADMITTED}
    round_prices = valid_prices[[
        (int(b), band_lot[band]) in refs_in_round for b, band in zip(valid_prices["bid"], valid_prices["band"], strict=True)
    ]] if not valid_prices.empty else valid_prices

    inputs = list(frames.inputs)
    notes: dict[str, list[str]] = {}
    for o in outcomes:
        notes.setdefault(o.file, []).append(f"{o.lot}: {o.outcome.value}" if o.lot else f"{o.outcome.value} (no lot could be read)")
    inputs = [dataclasses.replace(i, note="; ".join(notes.get(i.file, []))) if i.status == "bid" else i for i in inputs]
    if scores_path is not None:
        inputs.append(InputFile(str(scores_path), scores_path, scores_path.stat().st_size, sha256_of(scores_path), "scores", "the panel's quality scores"))
    if decisions_path is not None:
        inputs.append(InputFile(str(decisions_path), decisions_path, decisions_path.stat().st_size, sha256_of(decisions_path), "decisions", "the officers' decisions on referrals"))
    if receipts is not None:
        inputs.append(InputFile(str(receipts.path), receipts.path, receipts.path.stat().st_size, sha256_of(receipts.path),
                                "receipts", "the portal's receipt times: lateness judged on Received at"))
    inputs += list(extra_inputs)

    bidders = tuple(
        {
            "Bid reference": str(r["bid_reference"] or ""),
            "Organisation": str(r["organisation_name"] or ""),
            "Provider ID": ids[int(i)],
            "Contact name": str(r["contact_name"] or ""),
            "Contact email": str(r["contact_email"] or ""),
            "Contact telephone": str(r["contact_telephone"] or ""),
            "Registered address": str(r["registered_address"] or ""),
            "Postcode": str(r["postcode"] or ""),
            "File": str(r["file"]),
        }
        for i, r in zip(bids.index, bids[[
            "bid_reference", "organisation_name", "contact_name", "contact_email", "contact_telephone",
            "registered_address", "postcode", "file",
        ]].to_dict("records"), strict=True)
    )
    bidders = tuple(sorted(bidders, key=lambda b: (b["Bid reference"] == "", b["Bid reference"].casefold(), b["File"])))
    ordered = sorted(findings, key=finding_order(fmt))
    return Evaluation(
        tender=tender,
        round=round_number,
        deadline=deadline,
        first_deadline=first_deadline or deadline,
        run_at=run_at or dt.datetime.now(tender.tz).replace(microsecond=0),
        outcomes=tuple(outcomes),
        findings=tuple(ordered),
        quality_rows=tuple(sorted(result.rows, key=lambda r: (r.bid_reference.casefold(), lot_order.get(r.lot, 0)))),
        inputs=tuple(inputs),
        bidders=bidders,
        prices=round_prices,
        members=tuple(members) + tuple(new_members),
        first_award=first_award or tender.award_date,
        carried=len(members),
        warnings=warnings,
        lateness_basis="Received at (portal receipts)" if receipts is not None else "Submitted at (declared by the bidder)",
    )


def _same_provider(
    ids: dict[int, str], refs: dict[int, str], lots: dict[int, tuple[str, ...]],
    already: set[tuple[int, str]],
) -> dict[tuple[int, str], list[str]]:
    """(bid, lot) -> the other bid references of the same provider for that lot."""
    groups: dict[tuple[str, str], list[int]] = {}
    for bid, bid_lots in lots.items():
        for lot in bid_lots:
            if ids.get(bid) and refs.get(bid) and (bid, lot) not in already:
                groups.setdefault((ids[bid], lot), []).append(bid)
    twins: dict[tuple[int, str], list[str]] = {}
    for (_, lot), bids in groups.items():
        if len({refs[b].casefold() for b in bids}) < 2:
            continue  # one reference in two files is duplicate-bid-reference
        for bid in bids:
            twins[(bid, lot)] = sorted({refs[b] for b in bids if refs[b].casefold() != refs[bid].casefold()})
    return twins


def _one_accepted_per_provider(
    twins: dict[tuple[int, str], list[str]], ids: dict[int, str], refs: dict[int, str],
    decided: dict[tuple[str, str], dict[str, Decision]], path: Path | None,
) -> None:
    """Accepting two bids of one provider for one lot stops the run, naming both rows."""
    from .errors import InputError

    accepted: dict[tuple[str, str], list[int]] = {}
    for bid, lot in twins:
        decision = decided.get((refs[bid].casefold(), lot), {}).get("duplicate-provider")
        if decision is not None and decision.decision == "accept":
            accepted.setdefault((ids[bid], lot), []).append(decision.row)
    for (provider, lot), rows in sorted(accepted.items()):
        if len(rows) > 1:
            cells = " and ".join(f"Decisions!A{row}" for row in sorted(rows))
            raise InputError(
                path.name if path else "decisions", cells,
                f"both bids of the provider {provider} for {lot} are accepted (duplicate-provider);"
                " a provider holds one place per lot: reject one of them")


@dataclass(frozen=True)
class Decision:
    row: int
    decision: str  # accept or reject
    reason: str
    officer: str
    date: dt.date


def _decisions_by_pair(
    decisions: pd.DataFrame | None, path: Path | None, bids: pd.DataFrame, tender: Tender
) -> dict[tuple[str, str], dict[str, Decision]]:
    """Decisions keyed by (bid reference, lot) then code; an unknown bid stops the run."""
    from .errors import InputError

    if decisions is None:
        return {}
    known = {str(r).casefold() for r in bids["bid_reference"] if r}
    result: dict[tuple[str, str], dict[str, Decision]] = {}
    for rec in decisions.itertuples(index=False):
        if str(rec.bid_reference).casefold() not in known:
            raise InputError(path.name if path else "decisions", f"Decisions!A{int(rec.row)}",
                             f"the bid reference {rec.bid_reference} is not a bid of this round")
        result.setdefault((str(rec.bid_reference).casefold(), str(rec.lot)), {})[str(rec.code).strip().casefold()] = Decision(
            int(rec.row), str(rec.decision), str(rec.reason), str(rec.officer), rec.date)  # type: ignore[arg-type]
    return result


def apply_decisions(
    applicable: list[Finding], decided: dict[str, Decision], used: set[int]
) -> tuple[list[Finding], tuple[str, ...]]:
    """Settle referrals: accept clears one; reject fails the gate quoting the officer's reason.

    Only referrals can be decided: officers cannot overturn a failed gate."""
    result: list[Finding] = []
    lines: list[str] = []
    for f in applicable:
        decidable = f.severity is Severity.REFERRAL and f.code in DECIDABLE_CODES
        decision = decided.get(f.code) if decidable else None
        if decision is None:
            result.append(f)
            continue
        used.add(decision.row)
        verb = "accepted" if decision.decision == "accept" else "rejected"
        lines.append(f"{f.code}: {verb} by {decision.officer} on {decision.date:%Y-%m-%d}: {decision.reason}")
        if decision.decision == "reject":
            result.append(dataclasses.replace(
                f, severity=Severity.ERROR,
                message=f"{f.message}; rejected by {decision.officer} on {decision.date:%Y-%m-%d}: {decision.reason}",
                plain=f"{f.letter_text} The council considered this and decided: {decision.reason.rstrip('.')}."))
    return result, tuple(lines)


def _cell_key(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters)


def to_json(ev: Evaluation, shortlist: str) -> dict[str, Any]:
    """The outcomes as JSON: money and percentages as exact strings."""

    def finding(f: Finding) -> dict[str, str]:
        return {"code": f.code, "message": f.message, "sheet": f.sheet, "cell": f.cell}

    return {
        "round": ev.round,
        "deadline": ev.deadline.isoformat(),
        "shortlist": shortlist,
        "outcomes": [
            {
                "bid_reference": o.bid_reference,
                "organisation": o.organisation,
                "provider_id": o.provider_id,
                "lot": o.lot,
                "outcome": o.outcome.value,
                "file": o.file,
                "reasons": [finding(f) for f in o.reasons],
                "conditions": [finding(f) for f in o.conditions],
                "decisions": list(o.decisions),
                "quality_pct": None if o.quality_pct is None else str(o.quality_pct),
                "prices": {band: str(price) for band, price in o.prices.items()},
            }
            for o in ev.outcomes
        ],
    }
