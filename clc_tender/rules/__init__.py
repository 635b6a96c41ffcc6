"""Rules: pure functions over the validated frames and the tender definition.

Each returns findings with stable codes; none does I/O or decides an exit code.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the month arithmetic is used by the template, which never loads pandas
    import pandas as pd


def months_before(day: dt.date, months: int) -> dt.date:
    """Calendar-month arithmetic, clamped to the month's last day (31 Aug - 6 = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def lots_by_bid(bids: pd.DataFrame, lot_names: tuple[str, ...]) -> dict[int, tuple[str, ...]]:
    """The lots each bid is for (empty when its answers cannot be read)."""
    result: dict[int, tuple[str, ...]] = {}
    for index, row in zip(bids.index, bids[[f"bidding_for:{n}" for n in lot_names]].itertuples(index=False), strict=True):
        result[int(index)] = tuple(name for name, value in zip(lot_names, row, strict=True) if value is True)
    return result
