"""Procurement Act 2023 s.49: an open framework must be re-opened at least once within 3
years of the first award, then at least every 5 years, and ends 8 years after the first award."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..formats import date_time, long_date
from . import months_after


@dataclass(frozen=True)
class Limits49:
    warnings: tuple[str, ...]
    refusal: str | None


def reopening_limits(
    round_number: int,
    deadline: dt.datetime,
    previous_deadline: dt.datetime,
    first_award: dt.date,
    framework_end: dt.date | None = None,
) -> Limits49:
    """Warnings when this round comes later than the 3- or 5-year point; a refusal after the
    8-year end, after the framework's own end (with its extension), or when the deadline is not
    after the previous round's. ``round_number`` is the new round (2 is the first re-opening)."""
    day = deadline.date()
    if deadline <= previous_deadline:
        return Limits49((), (
            f"the deadline {date_time(deadline, seconds=False)} is not after the previous round's deadline "
            f"{date_time(previous_deadline, seconds=False)}; a re-opening comes after the round it follows"
        ))
    if framework_end is not None and day > framework_end:
        return Limits49((), (
            f"the framework ends on {long_date(framework_end)} (with its optional extension); "
            f"a round with the deadline {long_date(day)} cannot be run"
        ))
    end = months_after(first_award, 8 * 12)
    if day > end:
        return Limits49((), (
            f"the framework ended on {long_date(end)}, 8 years after the first award on {long_date(first_award)} "
            f"(Procurement Act 2023 s.49); a round with the deadline {long_date(day)} cannot be run"
        ))
    warnings = []
    if round_number == 2:
        three = months_after(first_award, 3 * 12)
        if day > three:
            warnings.append(
                f"this first re-opening (deadline {long_date(day)}) is later than 3 years after the first award "
                f"({long_date(three)}); s.49 requires an open framework to be re-opened within 3 years")
    else:
        five = months_after(previous_deadline.date(), 5 * 12)
        if day > five:
            warnings.append(
                f"this round (deadline {long_date(day)}) is more than 5 years after the previous round's deadline "
                f"({long_date(previous_deadline.date())}); s.49 requires re-opening at least every 5 years")
    return Limits49(tuple(warnings), None)
