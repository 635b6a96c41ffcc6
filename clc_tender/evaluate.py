"""From findings to one outcome per (bid, lot), by the precedence of domain.md.

``assess`` runs every check that depends only on the workbooks and the tender definition
(what ``check`` reports); ``evaluate`` adds the deadline and quality, then decides outcomes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
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
    gate_rank,
)
from .read.frames import BidFrames
from .read.receipts import Receipts
from .read.values import INVALID
from .results import (
    CoverageRow,
    Evaluation,
    InputFile,
    LotOutcome,
    Member,
    ServiceRow,
    provider_id,
)
from .rules import gates, lots_by_bid
from .rules.price import price_findings
from .rules.quality import QualityResult, quality
from .rules.receipts import receipt_findings
from .tender import Tender
from .validate import validate
from .workbook_format import Format


@dataclass(frozen=True)
class RoundContext:
    """What a round brings besides its bids: deadline, register, the officers' tables.

    ``inputs`` are the officers' files (scores, decisions, register, receipts) as the caller
    hashed them for the ``Inputs`` sheet: evaluation itself touches no file."""

    deadline: dt.datetime | None = None
    round_number: int = 1
    first_deadline: dt.datetime | None = None
    first_award: dt.date | None = None
    members: tuple[Member, ...] = ()
    scores: pd.DataFrame | None = None
    scores_file: str = ""
    decisions: pd.DataFrame | None = None
    decisions_file: str = ""
    inputs: tuple[InputFile, ...] = ()
    warnings: tuple[str, ...] = ()  # run-level notes (s.49, a missing scores workbook)
    run_at: dt.datetime | None = None
    receipts: Receipts | None = None  # the portal's receipt times: lateness judged on them


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
    reasons.sort(key=lambda f: (rank[f], gate_rank(f.code)))  # then by place (stable)
    if outcome is not Outcome.REFERRED:
        conditions = ()
    return outcome, tuple(reasons), conditions


@dataclass(frozen=True)
class _Bids:
    """Who each bid of the round is: reference, organisation, provider, file, lots."""

    refs: dict[int, str]
    organisations: dict[int, str]
    ids: dict[int, str]
    files: dict[int, str]
    lots: dict[int, tuple[str, ...]]

    def pairs(self, exclude: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str]]:
        """(bid, lot) -> (bid reference, file) of every lot bid for with a reference."""
        return {
            (bid, lot): (self.refs[bid], self.files[bid])
            for bid, bid_lots in self.lots.items() for lot in bid_lots
            if self.refs[bid] and (bid, lot) not in exclude
        }

    @classmethod
    def of(cls, bids: pd.DataFrame, tender: Tender) -> _Bids:
        return cls(
            refs={int(i): str(v or "") for i, v in bids["bid_reference"].items()},
            organisations={int(i): str(v or "") for i, v in bids["organisation_name"].items()},
            ids={
                int(i): provider_id(ch, charity)
                for i, ch, charity in zip(bids.index, bids["companies_house_number"],
                                          bids["charity_number"], strict=True)
            },
            files={int(i): str(v) for i, v in bids["file"].items()},
            lots=lots_by_bid(bids, tender.lot_names),
        )


def evaluate(
    frames: BidFrames, tender: Tender, fmt: Format, context: RoundContext | None = None
) -> Evaluation:
    """Every finding and one outcome per (bid, lot) of the round; no file is touched."""
    ctx = context or RoundContext()
    deadline = ctx.deadline or tender.deadline
    who = _Bids.of(frames.bids, tender)
    findings = assess(frames, tender, fmt, deadline)
    if ctx.receipts is None:
        findings += _with_references(gates.deadline_findings(frames.bids, deadline), frames.bids)
    else:  # lateness on the portal's Received at alone
        findings += _with_references(
            receipt_findings(frames.bids, ctx.receipts, deadline), frames.bids)
    on_framework = {(m.provider_id, m.lot): m for m in ctx.members}
    already = {
        (bid, lot) for bid, bid_lots in who.lots.items() for lot in bid_lots
        if who.ids[bid] and (who.ids[bid], lot) in on_framework
    }
    pairs = who.pairs(exclude=already)
    result = quality(ctx.scores, ctx.scores_file, pairs, tender)
    twins = _same_provider(who, already)
    result.findings.extend(_duplicate_providers(twins, who, frames, result))
    by_file = _by_file(findings)  # the bids' own; quality findings reach their (bid, lot) directly
    findings += result.findings
    valid_prices = frames.prices[frames.prices["price"].notna() & frames.prices["band"].notna()]
    prices_of = _prices_by_bid(valid_prices)

    decided = _decisions_by_pair(ctx.decisions, ctx.decisions_file, frames.bids)
    used: set[int] = set()
    outcomes: list[LotOutcome] = []
    for bid, read in enumerate(frames.reads):
        for lot in who.lots.get(bid, ()) or ("",):
            if (bid, lot) in already:
                member = on_framework[(who.ids[bid], lot)]
                reason = _already_admitted(read.file, read.cell("companies_house_number"),
                                           who.refs[bid], who.ids[bid], lot, member)
                findings.append(reason)
                verdict: Verdict = (Outcome.ALREADY_ADMITTED, (reason,), ())
                lines: tuple[str, ...] = ()
            else:
                applicable = relevant(by_file.get(read.file, []), (lot,) if lot else ())
                applicable, lines = apply_decisions(
                    applicable + result.by_pair.get((bid, lot), []),
                    decided.get((who.refs[bid].casefold(), lot), {}), used)
                verdict = decide(applicable)
            outcomes.append(_lot_outcome(bid, lot, who, verdict, lines, result,
                                         prices_of.get(bid, {}), tender))
    _one_accepted_per_provider(twins, who, decided, ctx.decisions_file)
    findings += _unused_decisions(ctx, used)
    lot_order = {name: i for i, name in enumerate(tender.lot_names)}
    outcomes.sort(key=lambda o: (o.bid_reference == "", o.bid_reference.casefold(), o.file,
                                 lot_order.get(o.lot, -1)))
    return Evaluation(
        tender=tender,
        round=ctx.round_number,
        deadline=deadline,
        first_deadline=ctx.first_deadline or deadline,
        run_at=ctx.run_at or dt.datetime.now(tender.tz).replace(microsecond=0),
        outcomes=tuple(outcomes),
        findings=tuple(sorted(findings, key=finding_order(fmt))),
        quality_rows=tuple(sorted(result.rows, key=lambda r: (r.bid_reference.casefold(),
                                                              lot_order.get(r.lot, 0)))),
        inputs=_ledger(frames, outcomes, ctx.inputs),
        bidders=_bidders(frames.bids, who),
        prices=_round_prices(valid_prices, outcomes, tender),
        members=(*ctx.members, *_admitted(outcomes, ctx.round_number, _rows_of(frames, tender))),
        first_award=ctx.first_award or tender.award_date,
        carried=len(ctx.members),
        warnings=ctx.warnings,
        lateness_basis="Received at (portal receipts)" if ctx.receipts is not None
        else "Submitted at (declared by the bidder)",
    )


Verdict = tuple[Outcome, tuple[Finding, ...], tuple[Finding, ...]]


def _by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.file, []).append(f)
    return grouped


def _admitted(outcomes: Iterable[LotOutcome], round_number: int,
              rows: dict[tuple[int, str], tuple[Any, ...]]) -> list[Member]:
    """The members this round admits, with their conditions as ``code: message`` lines and
    their services (Day Services) or districts (Personal Assistants) as the bid lists them.
    The Framework never holds a (provider, lot) twice."""
    members: list[Member] = []
    seen: set[tuple[str, str]] = set()
    for o in outcomes:
        if o.outcome is not Outcome.ADMITTED or (o.provider_id and (o.provider_id, o.lot) in seen):
            continue
        seen.add((o.provider_id, o.lot))
        listed = rows.get((o.bid, o.lot), ())
        members.append(Member(
            o.provider_id, o.organisation, o.lot, round_number, o.bid_reference, o.quality_pct,
            "\n".join(f"{c.code}: {c.message}" for c in o.conditions), o.prices,
            services=tuple(r for r in listed if isinstance(r, ServiceRow)),
            coverage=tuple(r for r in listed if isinstance(r, CoverageRow))))
    return members


def _rows_of(frames: BidFrames, tender: Tender) -> dict[tuple[int, str], tuple[Any, ...]]:
    """Each bid's rows of its lots' coverage sheets (``Services``, ``PA Coverage``)."""
    def text(value: Any) -> str:
        return "" if value is None or value is INVALID else str(value)

    rows: dict[tuple[int, str], list[Any]] = {}
    for lot in tender.lots:
        frame = frames.coverage.get(lot.coverage_sheet)
        if frame is None or frame.empty:
            continue
        for rec in frame.to_dict("records"):
            if "service_name" in rec:
                row: Any = ServiceRow(text(rec["service_name"]), text(rec.get("address")),
                                      text(rec.get("postcode")), text(rec.get("district")),
                                      text(rec.get("support_needs")), text(rec.get("days_open")))
            else:
                row = CoverageRow(text(rec.get("district")), text(rec.get("support_needs")))
            rows.setdefault((int(rec["bid"]), lot.name), []).append(row)
    return {key: tuple(value) for key, value in rows.items()}


def _prices_by_bid(valid: pd.DataFrame) -> dict[int, dict[str, Decimal]]:
    prices: dict[int, dict[str, Decimal]] = {}
    for row in valid.itertuples(index=False):
        prices.setdefault(int(row.bid), {}).setdefault(row.band, row.price)
    return prices


def _already_admitted(file: str, cell: str, ref: str, pid: str, lot: str,
                      member: Member) -> Finding:
    return Finding.of(file, "Bidder", cell, "already-admitted", bid_reference=ref, lots=(lot,),
                      provider=pid, lot=lot, round=member.round, member_bid=member.bid_reference)


def _lot_outcome(
    bid: int, lot: str, who: _Bids,
    verdict: Verdict,
    lines: tuple[str, ...], result: QualityResult, prices: dict[str, Decimal], tender: Tender,
) -> LotOutcome:
    band_lot = {b.name: b.lot for b in tender.bands}
    outcome, reasons, conditions = verdict
    return LotOutcome(
        bid=bid, bid_reference=who.refs[bid], organisation=who.organisations[bid],
        provider_id=who.ids[bid], lot=lot, outcome=outcome, reasons=reasons,
        conditions=conditions, decisions=lines, quality_pct=result.percent.get((bid, lot)),
        prices={band: price for band, price in prices.items() if not lot or band_lot[band] == lot},
        file=who.files[bid],
    )


def _unused_decisions(ctx: RoundContext, used: set[int]) -> list[Finding]:
    """A decision that settled no referral is a warning, never silently ignored."""
    if ctx.decisions is None:
        return []
    found = []
    for rec in ctx.decisions.itertuples(index=False):
        if int(rec.row) in used:
            continue
        code = str(rec.code).strip().casefold()
        why = (
            "quality" if code in QUALITY_REFERRALS else
            "gate" if code in CODE_OUTCOME and code not in DECIDABLE_CODES
            and CODE_OUTCOME[code] is not Outcome.REFERRED else
            "none"
        )
        found.append(Finding.of(
            ctx.decisions_file, "Decisions", f"C{int(rec.row)}", "decision-unused",
            bid_reference=str(rec.bid_reference), variant=why, decision=rec.decision,
            decided_code=rec.code, bid=rec.bid_reference, lot=rec.lot))
    return found


def _round_prices(valid: pd.DataFrame, outcomes: list[LotOutcome], tender: Tender) -> pd.DataFrame:
    """The valid prices of this round's (bid, lot)s, ``already-admitted`` ones excluded."""
    if valid.empty:
        return valid
    band_lot = {b.name: b.lot for b in tender.bands}
    in_round = {(o.bid, o.lot) for o in outcomes if o.outcome is not Outcome.ALREADY_ADMITTED}
    return valid[[(int(b), band_lot[band]) in in_round
                  for b, band in zip(valid["bid"], valid["band"], strict=True)]]


def _ledger(frames: BidFrames, outcomes: list[LotOutcome],
            officers: Iterable[InputFile]) -> tuple[InputFile, ...]:
    """The ``Inputs`` sheet: every file of the folder (a bid's note its outcomes), then the
    officers' files."""
    notes: dict[str, list[str]] = {}
    for o in outcomes:
        notes.setdefault(o.file, []).append(
            f"{o.lot}: {o.outcome.value}" if o.lot else f"{o.outcome.value} (no lot could be read)")
    seen = [
        dataclasses.replace(i, note="; ".join(notes.get(i.file, []))) if i.status == "bid" else i
        for i in frames.inputs
    ]
    return (*seen, *officers)


_BIDDER_FIELDS = {
    "bid_reference": "bid_reference", "organisation": "organisation_name",
    "contact_name": "contact_name", "contact_email": "contact_email",
    "contact_telephone": "contact_telephone", "registered_address": "registered_address",
    "postcode": "postcode", "file": "file",
}


def _bidders(bids: pd.DataFrame, who: _Bids) -> tuple[dict[str, str], ...]:
    """One row per bid for the ``Bidders`` sheet, keyed by column key."""
    records = bids[list(_BIDDER_FIELDS.values())].to_dict("records")
    rows = [
        {**{key: str(r[field] or "") for key, field in _BIDDER_FIELDS.items()},
         "provider_id": who.ids[int(i)]}
        for i, r in zip(bids.index, records, strict=True)
    ]
    rows.sort(key=lambda b: (b["bid_reference"] == "", b["bid_reference"].casefold(), b["file"]))
    return tuple(rows)


def _same_provider(who: _Bids, already: set[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    """(bid, lot) -> the other bid references of the same provider for that lot."""
    groups: dict[tuple[str, str], list[int]] = {}
    for bid, bid_lots in who.lots.items():
        for lot in bid_lots:
            if who.ids.get(bid) and who.refs.get(bid) and (bid, lot) not in already:
                groups.setdefault((who.ids[bid], lot), []).append(bid)
    twins: dict[tuple[int, str], list[str]] = {}
    for (_, lot), bids in groups.items():
        if len({who.refs[b].casefold() for b in bids}) < 2:
            continue  # one reference in two files is duplicate-bid-reference
        for bid in bids:
            mine = who.refs[bid].casefold()
            twins[(bid, lot)] = sorted(
                {who.refs[b] for b in bids if who.refs[b].casefold() != mine})
    return twins


def _duplicate_providers(
    twins: dict[tuple[int, str], list[str]], who: _Bids, frames: BidFrames, result: QualityResult,
) -> list[Finding]:
    """``duplicate-provider`` referrals, each reaching its (bid, lot) directly."""
    found = []
    for (bid, lot), others in twins.items():
        read = frames.reads[bid]
        key = "companies_house_number" if read.cell("companies_house_number") else "charity_number"
        twin = Finding.make(
            read.file, "Bidder", read.cell(key), "duplicate-provider",
            f"the provider {who.ids[bid]} also bids for {lot} as {', '.join(others)}; a provider"
            " holds one place per lot: an officer accepts one bid and rejects the other",
            bid_reference=who.refs[bid], lots=(lot,),
            plain=f"Your organisation sent more than one bid for the {lot} lot, and a provider"
                  " holds one place per lot; the council is deciding which bid stands.")
        result.by_pair.setdefault((bid, lot), []).append(twin)
        found.append(twin)
    return found


def _one_accepted_per_provider(
    twins: dict[tuple[int, str], list[str]], who: _Bids,
    decided: dict[tuple[str, str], dict[str, Decision]], file: str,
) -> None:
    """Accepting two bids of one provider for one lot stops the run, naming both rows."""
    from .errors import InputError

    accepted: dict[tuple[str, str], list[int]] = {}
    for bid, lot in twins:
        decision = decided.get((who.refs[bid].casefold(), lot), {}).get("duplicate-provider")
        if decision is not None and decision.decision == "accept":
            accepted.setdefault((who.ids[bid], lot), []).append(decision.row)
    for (provider, lot), rows in sorted(accepted.items()):
        if len(rows) > 1:
            cells = " and ".join(f"Decisions!A{row}" for row in sorted(rows))
            raise InputError(
                file or "decisions", cells,
                f"both bids of the provider {provider} for {lot} are accepted"
                " (duplicate-provider); a provider holds one place per lot: reject one of them")


@dataclass(frozen=True)
class Decision:
    row: int
    decision: str  # accept or reject
    reason: str
    officer: str
    date: dt.date


def _decisions_by_pair(
    decisions: pd.DataFrame | None, file: str, bids: pd.DataFrame
) -> dict[tuple[str, str], dict[str, Decision]]:
    """Decisions keyed by (bid reference, lot) then code; an unknown bid stops the run."""
    from .errors import InputError

    if decisions is None:
        return {}
    known = {str(r).casefold() for r in bids["bid_reference"] if r}
    result: dict[tuple[str, str], dict[str, Decision]] = {}
    for rec in decisions.itertuples(index=False):
        if str(rec.bid_reference).casefold() not in known:
            raise InputError(file or "decisions", f"Decisions!A{int(rec.row)}",
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
            result.append(dataclasses.replace(f, severity=Severity.ERROR).with_facts(
                decided_by=decision.officer, decided_on=f"{decision.date:%Y-%m-%d}",
                decision_reason=decision.reason))
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
