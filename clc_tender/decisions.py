"""The officers' decisions on referrals: read per (bid, lot), applied, and the unused ones.

An officer accepts a referral (it is cleared) or rejects it (the gate fails, quoting the
officer's reason); a decision that settles no referral becomes a ``decision-unused`` warning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .findings import (
    CODE_OUTCOME,
    DECIDABLE_CODES,
    QUALITY_REFERRALS,
    Finding,
    Outcome,
    Severity,
)


@dataclass(frozen=True)
class Decision:
    row: int
    decision: str  # accept or reject
    reason: str
    officer: str
    date: dt.date


def decisions_by_pair(
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
            raise InputError(
                file or "decisions",
                f"Decisions!A{int(rec.row)}",
                f"the bid reference {rec.bid_reference} is not a bid of this round",
            )
        pair = (str(rec.bid_reference).casefold(), str(rec.lot))
        result.setdefault(pair, {})[str(rec.code).strip().casefold()] = Decision(
            int(rec.row),
            str(rec.decision),
            str(rec.reason),
            str(rec.officer),
            rec.date,  # type: ignore[arg-type]
        )
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
        lines.append(
            f"{f.code}: {verb} by {decision.officer} on {decision.date:%Y-%m-%d}: {decision.reason}"
        )
        if decision.decision == "reject":
            result.append(
                dataclasses.replace(f, severity=Severity.ERROR).with_facts(
                    decided_by=decision.officer,
                    decided_on=f"{decision.date:%Y-%m-%d}",
                    decision_reason=decision.reason,
                )
            )
    return result, tuple(lines)


def unused_decisions(decisions: pd.DataFrame | None, file: str, used: set[int]) -> list[Finding]:
    """A decision that settled no referral is a warning, never silently ignored."""
    if decisions is None:
        return []
    found = []
    for rec in decisions.itertuples(index=False):
        if int(rec.row) in used:
            continue
        code = str(rec.code).strip().casefold()
        why = (
            "quality"
            if code in QUALITY_REFERRALS
            else "gate"
            if code in CODE_OUTCOME
            and code not in DECIDABLE_CODES
            and CODE_OUTCOME[code] is not Outcome.REFERRED
            else "none"
        )
        found.append(
            Finding.of(
                file,
                "Decisions",
                f"C{int(rec.row)}",
                "decision-unused",
                bid_reference=str(rec.bid_reference),
                variant=why,
                decision=rec.decision,
                decided_code=rec.code,
                bid=rec.bid_reference,
                lot=rec.lot,
            )
        )
    return found


def one_accepted_per_provider(
    twins: dict[tuple[int, str], list[str]],
    refs: dict[int, str],
    ids: dict[int, str],
    decided: dict[tuple[str, str], dict[str, Decision]],
    file: str,
) -> None:
    """Accepting two bids of one provider for one lot stops the run, naming both rows.

    ``twins``: the (bid, lot)s whose provider bids more than once for the lot; ``refs`` and
    ``ids``: each bid's reference and provider id."""
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
                file or "decisions",
                cells,
                f"both bids of the provider {provider} for {lot} are accepted"
                " (duplicate-provider); a provider holds one place per lot: reject one of them",
            )
