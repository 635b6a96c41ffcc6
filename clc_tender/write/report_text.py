"""The award report's wording of figures: pounds, dates, outcome names, short need names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from ..findings import Outcome, long_date
from ..report_model import Report
from .word import clean

OUTCOME_WORDS = {
    Outcome.ADMITTED.value: "Admitted",
    Outcome.REFERRED.value: "Referred (decision pending)",
    Outcome.FAILED_GATE.value: "Failed a gate",
    Outcome.DISQUALIFIED_PRICE.value: "Disqualified on price",
    Outcome.NON_COMPLIANT.value: "Non-compliant",
    Outcome.LATE.value: "Late",
    Outcome.ALREADY_ADMITTED.value: "Already on the framework",
}


@dataclass(frozen=True)
class InputRecord:
    """A file the report read, for the Record section."""

    file: str
    status: str
    sha256: str


def pounds(amount: Decimal | None) -> str:
    """£1,234.56 (always with pence); "-£12.00" below zero; empty for None."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def day_text(value: object) -> str:
    """ "20 March 2026" from a date, a datetime or ISO text; other text as it is."""
    if isinstance(value, dt.datetime):
        return long_date(value.date())
    if isinstance(value, dt.date):
        return long_date(value)
    text = clean(value).strip()
    try:
        return long_date(dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


def moment_text(value: object) -> str:
    """ "20 March 2026 at 12:00" from ISO date-time text."""
    text = clean(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return day_text(text)
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def short_need(name: str) -> str:
    """A support need short enough for a table header: the abbreviation in brackets if any."""
    match = re.search(r"\(([^)]+)\)", name)
    if match:
        return match.group(1)
    return name.replace(
        "Learning disabilities and/or autism", "Learning disability/ autism"
    ).replace("Physical and sensory disabilities", "Physical/ sensory")


def pct(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return f"{text}%"


def count(report: Report, lot: str, outcome: str) -> int:
    return report.by_outcome.get((lot, outcome), 0)
