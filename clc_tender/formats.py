"""How numbers and dates are written for a person: one formatter each for money, percentages,
plain numbers, dates and date-times, used by the terminal, the workbooks, the letters and the
Word documents. Never exponent notation (``Decimal("7E+1")`` is written ``70``); English month
names whatever the locale; no zero-padded day (``1 May 2026``).

The workbooks hold real numbers and dates; their Excel number formats are here too, so that a
cell shows what the letters write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Excel number formats showing what the formatters below write
EXCEL_MONEY = "£#,##0.00"
EXCEL_PERCENT_NUMBER = "0.00"  # a percentage held as a number of percent (92.5, not 0.925)
EXCEL_DATE = "d mmmm yyyy"
EXCEL_DATETIME = "d mmmm yyyy hh:mm"


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def number(value: object, *, grouped: bool = True) -> str:
    """A plain number as a person writes it: ``0.82``, ``1``, ``70``, ``1,234.5``."""
    if isinstance(value, bool) or value is None:
        return str(value)
    amount = _decimal(value)
    if amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))  # 3.0 and 7E+1 are written 3 and 70
    return format(amount, ",f" if grouped else "f")


def money(amount: object) -> str:
    """``£1,234.50``; a whole amount of £1,000 or more (or zero) without pence: ``£5,000,000``."""
    value = _decimal(amount)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value() and (value >= 1000 or value == 0):
        return f"{sign}£{value:,.0f}"
    return f"{sign}£{value:,.2f}"


def percent(value: object) -> str:
    """``70%``, ``92.5%``, ``62.75%`` (a number of percent, never exponent notation)."""
    amount = _decimal(value)
    if amount == amount.to_integral_value():
        return f"{amount.quantize(Decimal(1)):f}%"
    return f"{amount.normalize():f}%"


def date(day: dt.date, *, weekday: bool = False) -> str:
    """``1 May 2026`` (``Friday 1 May 2026`` with ``weekday``)."""
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def date_time(moment: dt.datetime, *, seconds: bool = True) -> str:
    """``20 March 2026 12:00:01`` (``20 March 2026 12:00`` without ``seconds``)."""
    clock = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    return f"{date(moment.date())} {clock}"


def long_date(value: object) -> str:
    """A date or a date-time in the long form; anything else as text."""
    if isinstance(value, dt.datetime):
        return date_time(value)
    if isinstance(value, dt.date):
        return date(value)
    return str(value)
