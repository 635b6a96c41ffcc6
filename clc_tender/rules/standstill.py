"""The standstill period of an award (Procurement Act 2023 s.51 and s.123).

Where the council sets a standstill (voluntary for a light touch contract, s.51(3)(f)), it is
at least 8 working days beginning with the day the award notice is published: that day is
day 1 when it is a working day, else day 1 is the next working day. A working day is not a
Saturday, a Sunday, Christmas Day, Good Friday nor a bank holiday in **any** part of the
United Kingdom (s.123(1)): the bank holidays of England and Wales, Scotland and Northern
Ireland together. The holidays come from the ``holidays`` library, never a hand-written list.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

STANDSTILL_WORKING_DAYS = 8
UK_SUBDIVISIONS = ("ENG", "WLS", "SCT", "NIR")


@lru_cache(maxsize=32)
def uk_bank_holidays(year: int) -> frozenset[dt.date]:
    """Every bank holiday of ``year`` in any part of the UK (the union of the four lists)."""
    days: set[dt.date] = set()
    for subdiv in UK_SUBDIVISIONS:
        days.update(holidays.country_holidays("GB", subdiv=subdiv, years=year).keys())
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    """Not a weekend and not a bank holiday anywhere in the UK."""
    return day.weekday() < 5 and day not in uk_bank_holidays(day.year)


def standstill_end(published: dt.date, working_days: int = STANDSTILL_WORKING_DAYS) -> dt.date:
    """The last day of the standstill: the ``working_days``-th working day counting the
    publication day as day 1 when it is a working day.

    Published Friday 1 May 2026 -> Wednesday 13 May 2026 (Monday 4 May is a bank holiday).
    """
    if working_days < 1:
        raise ValueError("a standstill lasts at least one working day")
    day = published
    count = 1 if is_working_day(day) else 0
    while count < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return day
