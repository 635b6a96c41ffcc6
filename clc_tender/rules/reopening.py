"""Procurement Act 2023 s.49: the limits of an open framework, counted from **awards**.

The scheme must award a framework at least once in the 3 years beginning with the first award,
and at least once in each 5-year period beginning with the second award; the final framework
expires at the end of 8 years beginning with the first award (s.49(2)). Each round therefore has
an award date: round 1's is the definition's ``award_date``; a re-opening's is the officer's
``--award-date``, by default its deadline plus the interval between round 1's deadline and award.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..formats import date_time, long_date
from . import months_after


@dataclass(frozen=True)
class Limits49:
    warnings: tuple[str, ...]
    refusal: str | None


@dataclass(frozen=True)
class RoundDates:
    """One round of the scheme: its deadline and the award that followed it."""

    round: int
    deadline: dt.datetime
    award: dt.date


def default_award(deadline: dt.datetime, first: RoundDates) -> dt.date:
    """This round's deadline plus the interval between round 1's deadline and award."""
    return deadline.date() + (first.award - first.deadline.date())


def _period(start: dt.date, years: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the ``years`` beginning with ``start``."""
    return start, months_after(start, 12 * years) - dt.timedelta(days=1)


def _span(period: tuple[dt.date, dt.date]) -> str:
    return f"{long_date(period[0])} – {long_date(period[1])}"


def reopening_limits(
    deadline: dt.datetime,
    award: dt.date,
    earlier: Sequence[RoundDates],
    framework_end: dt.date | None = None,
) -> Limits49:
    """Refusals and warnings for a re-opening with ``deadline`` awarded on ``award``.

    ``earlier`` are the scheme's rounds before this one, round 1 first. Refused: a deadline not
    after the previous round's, an award before this round's deadline or not after the previous
    award, an award after the framework's own end (with its extension) or outside the 8 years
    beginning with the first award. Warned: an award outside the 3 years beginning with the
    first award when no earlier re-opening was awarded within them; an award outside the 5
    years beginning with the latest re-opening's award."""
    refusal = _refusal(deadline, award, earlier, framework_end)
    if refusal is not None:
        return Limits49((), refusal)
    return Limits49(_warnings(award, earlier), None)


def _refusal(
    deadline: dt.datetime,
    award: dt.date,
    earlier: Sequence[RoundDates],
    framework_end: dt.date | None,
) -> str | None:
    """Why the re-opening cannot be run, or None: the first limit it breaks."""
    first, previous = earlier[0], earlier[-1]
    if deadline <= previous.deadline:
        return (
            f"the deadline {date_time(deadline, seconds=False)} is not after the previous "
            f"round's deadline {date_time(previous.deadline, seconds=False)}; a re-opening comes "
            "after the round it follows"
        )
    if award < deadline.date():
        return (
            f"the award date {long_date(award)} is before this round's deadline "
            f"{date_time(deadline, seconds=False)}; give --award-date on or after the deadline"
        )
    if award <= previous.award:
        return (
            f"the award date {long_date(award)} is not after round {previous.round}'s award on "
            f"{long_date(previous.award)}"
        )
    if framework_end is not None and (deadline.date() > framework_end or award > framework_end):
        what = (
            f"a round with the deadline {long_date(deadline.date())}"
            if deadline.date() > framework_end
            else f"a round awarded on {long_date(award)}"
        )
        return (
            f"the framework ends on {long_date(framework_end)} (with its optional extension); "
            f"{what} cannot be run"
        )
    eight = _period(first.award, 8)
    if award > eight[1]:
        return (
            f"an award on {long_date(award)} is outside the 8 years beginning with the first award "
            f"({_span(eight)}), when the framework ends (Procurement Act 2023 s.49(2)); "
            "this round cannot be run"
        )
    return None


def _warnings(award: dt.date, earlier: Sequence[RoundDates]) -> tuple[str, ...]:
    """The s.49 warnings of an award that can be made: outside the first 3 years with no
    re-opening awarded within them; outside the 5 years from the latest re-opening's award."""
    warnings = []
    three = _period(earlier[0].award, 3)
    reopenings = earlier[1:]
    if award > three[1] and not any(r.award <= three[1] for r in reopenings):
        warnings.append(
            f"s.49: this re-opening's award on {long_date(award)} is outside the 3 years beginning "
            f"with the first award ({_span(three)}), and no earlier re-opening was awarded within "
            "them (Procurement Act 2023 s.49(2))"
        )
    if reopenings:
        latest = reopenings[-1]
        five = _period(latest.award, 5)
        if award > five[1]:
            which = "the second award" if latest.round == 2 else f"round {latest.round}'s award"
            warnings.append(
                f"s.49: this re-opening's award on {long_date(award)} is outside the 5 years "
                f"beginning with {which} ({_span(five)}), with no award in between "
                "(Procurement Act 2023 s.49(2))"
            )
    return tuple(warnings)


# --- the Summary's `Rounds` item: one line per earlier round -----------------------------------

_ROUND_LINE = re.compile(r"Round (\d+): deadline (\S+), award (\d{4}-\d{2}-\d{2})")


def rounds_text(rounds: Sequence[RoundDates]) -> str:
    """``Round 1: deadline 2026-03-20T12:00:00+00:00, award 2026-05-29``, one line a round."""
    return "\n".join(
        f"Round {r.round}: deadline {r.deadline.isoformat()}, award {r.award.isoformat()}"
        for r in rounds
    )


def parse_rounds(text: str) -> tuple[RoundDates, ...] | None:
    """The rounds of :func:`rounds_text`; None when a line does not read."""
    rounds = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _ROUND_LINE.fullmatch(line.strip())
        if match is None:
            return None
        try:
            deadline = dt.datetime.fromisoformat(match[2])
            award = dt.date.fromisoformat(match[3])
        except ValueError:
            return None
        rounds.append(RoundDates(int(match[1]), deadline, award))
    return tuple(rounds)
