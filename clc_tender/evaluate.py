"""From findings to one outcome per (bid, lot), by the precedence of domain.md.

``assess`` (``assess.py``) runs every check that depends only on the workbooks and the tender
definition (what ``check`` reports); ``evaluate`` adds the deadline and quality, then decides
outcomes. ``assess`` and ``relevant`` are imported from here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from .assess import assess, decide, finding_order, lateness_findings, relevant
from .bidders import Bids, bidder_rows, duplicate_providers, same_provider
from .decisions import (
    Decision,
    apply_decisions,
    decisions_by_pair,
    one_accepted_per_provider,
    unused_decisions,
)
from .findings import Finding, Outcome
from .read.frames import BidFrames
from .read.panel import Panel
from .read.receipts import Receipts
from .read.values import INVALID
from .read.workbook import BidRead
from .results import (
    CoverageRow,
    Declaration,
    Evaluation,
    InputFile,
    LotOutcome,
    Member,
    ServiceRow,
)
from .rules.quality import QualityResult, quality
from .rules.reopening import RoundDates
from .tender import Tender
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
    award_date: dt.date | None = None  # this round's (planned) award; round 1: the definition's
    rounds: tuple[RoundDates, ...] = ()  # the earlier rounds with their awards, round 1 first
    uplifts: tuple[dict[str, Any], ...] = ()  # the register's Uplifts rows, carried forward
    receipts: Receipts | None = None  # the portal's receipt times: lateness judged on them
    panel: Panel | None = None  # the scores workbook's declarations of interests
    earlier_panel: tuple[Declaration, ...] = ()  # the register's (earlier rounds')


def evaluate(
    frames: BidFrames, tender: Tender, fmt: Format, context: RoundContext | None = None
) -> Evaluation:
    """Every finding and one outcome per (bid, lot) of the round; no file is touched."""
    ctx = context or RoundContext()
    deadline = ctx.deadline or tender.deadline
    who = Bids.of(frames.bids, tender)
    findings = assess(frames, tender, fmt, deadline)
    findings += lateness_findings(frames, ctx.receipts, deadline)
    on_framework = {(m.provider_id, m.lot): m for m in ctx.members}
    already = who.already_members(on_framework)
    result = quality(ctx.scores, ctx.scores_file, who.pairs(exclude=already), tender, ctx.panel)
    twins = same_provider(who, already)
    result.findings.extend(duplicate_providers(twins, who, frames, result))
    by_file = _by_file(findings)  # the bids' own; quality findings reach their (bid, lot) directly
    findings += result.findings
    valid_prices = frames.prices[frames.prices["price"].notna() & frames.prices["band"].notna()]
    judge = _Judge(
        who,
        tender,
        on_framework,
        already,
        by_file,
        result,
        valid_prices,
        decided=decisions_by_pair(ctx.decisions, ctx.decisions_file, frames.bids),
    )
    outcomes = judge.outcomes(frames.reads, findings)
    one_accepted_per_provider(twins, who.refs, who.ids, judge.decided, ctx.decisions_file)
    findings += unused_decisions(ctx.decisions, ctx.decisions_file, judge.used)
    return _evaluation(frames, fmt, ctx, deadline, judge, outcomes, findings)


@dataclass(frozen=True)
class _Judge:
    """What deciding one (bid, lot) draws on; ``used`` collects the decisions' rows applied."""

    who: Bids
    tender: Tender
    on_framework: dict[tuple[str, str], Member]
    already: set[tuple[int, str]]
    by_file: dict[str, list[Finding]]
    result: QualityResult
    valid_prices: pd.DataFrame
    decided: dict[tuple[str, str], dict[str, Decision]]
    used: set[int] = field(default_factory=set)

    def outcomes(self, reads: list[BidRead], findings: list[Finding]) -> list[LotOutcome]:
        """One outcome per (bid, lot), in bid order; ``already-admitted`` reasons join findings."""
        who = self.who
        prices_of = _prices_by_bid(self.valid_prices)
        outcomes: list[LotOutcome] = []
        for bid, read in enumerate(reads):
            for lot in who.lots.get(bid, ()) or ("",):
                if (bid, lot) in self.already:
                    member = self.on_framework[(who.ids[bid], lot)]
                    reason = _already_admitted(
                        read.file,
                        read.cell("companies_house_number"),
                        who.refs[bid],
                        who.ids[bid],
                        lot,
                        member,
                    )
                    findings.append(reason)
                    verdict: Verdict = (Outcome.ALREADY_ADMITTED, (reason,), ())
                    lines: tuple[str, ...] = ()
                else:
                    verdict, lines = self.decide(bid, read.file, lot)
                outcomes.append(
                    _lot_outcome(
                        bid,
                        lot,
                        who,
                        verdict,
                        lines,
                        self.result,
                        prices_of.get(bid, {}),
                        self.tender,
                    )
                )
        return outcomes

    def decide(self, bid: int, file: str, lot: str) -> tuple[Verdict, tuple[str, ...]]:
        """The verdict of a (bid, lot) not yet on the framework, after the officers' decisions."""
        applicable = relevant(self.by_file.get(file, []), (lot,) if lot else ())
        applicable, lines = apply_decisions(
            applicable + self.result.by_pair.get((bid, lot), []),
            self.decided.get((self.who.refs[bid].casefold(), lot), {}),
            self.used,
        )
        return decide(applicable), lines


def _evaluation(
    frames: BidFrames,
    fmt: Format,
    ctx: RoundContext,
    deadline: dt.datetime,
    judge: _Judge,
    outcomes: list[LotOutcome],
    findings: list[Finding],
) -> Evaluation:
    """The round's result: outcomes by bid reference and lot, findings in reading order."""
    tender, result = judge.tender, judge.result
    lot_order = {name: i for i, name in enumerate(tender.lot_names)}
    outcomes.sort(
        key=lambda o: (
            o.bid_reference == "",
            o.bid_reference.casefold(),
            o.file,
            lot_order.get(o.lot, -1),
        )
    )
    return Evaluation(
        tender=tender,
        round=ctx.round_number,
        deadline=deadline,
        first_deadline=ctx.first_deadline or deadline,
        run_at=ctx.run_at or dt.datetime.now(tender.tz).replace(microsecond=0),
        outcomes=tuple(outcomes),
        findings=tuple(sorted(findings, key=finding_order(fmt))),
        quality_rows=tuple(
            sorted(result.rows, key=lambda r: (r.bid_reference.casefold(), lot_order.get(r.lot, 0)))
        ),
        inputs=_ledger(frames, outcomes, ctx.inputs),
        bidders=bidder_rows(frames.bids, judge.who),
        prices=_round_prices(judge.valid_prices, outcomes, tender),
        members=(*ctx.members, *_admitted(outcomes, ctx.round_number, _rows_of(frames, tender))),
        first_award=ctx.first_award or tender.award_date,
        carried=len(ctx.members),
        warnings=ctx.warnings,
        award_date=ctx.award_date
        or (ctx.first_award or tender.award_date if ctx.round_number == 1 else None),
        rounds=ctx.rounds,
        uplifts=ctx.uplifts,
        lateness_basis="Received at (portal receipts)"
        if ctx.receipts is not None
        else "Submitted at (declared by the bidder)",
        panel=(
            *ctx.earlier_panel,
            *(
                dataclasses.replace(d, round=ctx.round_number)
                for d in (ctx.panel.declarations if ctx.panel else ())
            ),
        ),
    )


Verdict = tuple[Outcome, tuple[Finding, ...], tuple[Finding, ...]]


def _by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.file, []).append(f)
    return grouped


def _admitted(
    outcomes: Iterable[LotOutcome], round_number: int, rows: dict[tuple[int, str], tuple[Any, ...]]
) -> list[Member]:
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
        members.append(
            Member(
                o.provider_id,
                o.organisation,
                o.lot,
                round_number,
                o.bid_reference,
                o.quality_pct,
                "\n".join(f"{c.code}: {c.message}" for c in o.conditions),
                o.prices,
                services=tuple(r for r in listed if isinstance(r, ServiceRow)),
                coverage=tuple(r for r in listed if isinstance(r, CoverageRow)),
            )
        )
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
                row: Any = ServiceRow(
                    text(rec["service_name"]),
                    text(rec.get("address")),
                    text(rec.get("postcode")),
                    text(rec.get("district")),
                    text(rec.get("support_needs")),
                    text(rec.get("days_open")),
                )
            else:
                row = CoverageRow(text(rec.get("district")), text(rec.get("support_needs")))
            rows.setdefault((int(rec["bid"]), lot.name), []).append(row)
    return {key: tuple(value) for key, value in rows.items()}


def _prices_by_bid(valid: pd.DataFrame) -> dict[int, dict[str, Decimal]]:
    prices: dict[int, dict[str, Decimal]] = {}
    for row in valid.itertuples(index=False):
        prices.setdefault(int(row.bid), {}).setdefault(row.band, row.price)
    return prices


def _already_admitted(
    file: str, cell: str, ref: str, pid: str, lot: str, member: Member
) -> Finding:
    return Finding.of(
        file,
        "Bidder",
        cell,
        "already-admitted",
        bid_reference=ref,
        lots=(lot,),
        provider=pid,
        lot=lot,
        round=member.round,
        member_bid=member.bid_reference,
    )


def _lot_outcome(
    bid: int,
    lot: str,
    who: Bids,
    verdict: Verdict,
    lines: tuple[str, ...],
    result: QualityResult,
    prices: dict[str, Decimal],
    tender: Tender,
) -> LotOutcome:
    band_lot = {b.name: b.lot for b in tender.bands}
    outcome, reasons, conditions = verdict
    return LotOutcome(
        bid=bid,
        bid_reference=who.refs[bid],
        organisation=who.organisations[bid],
        provider_id=who.ids[bid],
        lot=lot,
        outcome=outcome,
        reasons=reasons,
        conditions=conditions,
        decisions=lines,
        quality_pct=result.percent.get((bid, lot)),
        prices={band: price for band, price in prices.items() if not lot or band_lot[band] == lot},
        file=who.files[bid],
    )


def _round_prices(valid: pd.DataFrame, outcomes: list[LotOutcome], tender: Tender) -> pd.DataFrame:
    """The valid prices of this round's (bid, lot)s, ``already-admitted`` ones excluded."""
    if valid.empty:
        return valid
    band_lot = {b.name: b.lot for b in tender.bands}
    in_round = {(o.bid, o.lot) for o in outcomes if o.outcome is not Outcome.ALREADY_ADMITTED}
    return valid[
        [
            (int(b), band_lot[band]) in in_round
            for b, band in zip(valid["bid"], valid["band"], strict=True)
        ]
    ]


def _ledger(
    frames: BidFrames, outcomes: list[LotOutcome], officers: Iterable[InputFile]
) -> tuple[InputFile, ...]:
    """The ``Inputs`` sheet: every file of the folder (a bid's note its outcomes), then the
    officers' files."""
    notes: dict[str, list[str]] = {}
    for o in outcomes:
        notes.setdefault(o.file, []).append(
            f"{o.lot}: {o.outcome.value}" if o.lot else f"{o.outcome.value} (no lot could be read)"
        )
    seen = [
        dataclasses.replace(i, note="; ".join(notes.get(i.file, []))) if i.status == "bid" else i
        for i in frames.inputs
    ]
    return (*seen, *officers)


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
