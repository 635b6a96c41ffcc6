"""Turning what a cell holds into an exact value, one function per field type.

Each coercer takes the raw cell value (as python-calamine or openpyxl gives it) and returns
``(value, problems)``: ``value`` is None when the cell is blank or cannot be read, and each
problem is a ``(code, message)`` pair. Money is Decimal from here on, never a float.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ..formats import MONTHS

Problem = tuple[str, str]
Coerced = tuple[Any, list[Problem]]

PENNY = Decimal("0.01")
FLOAT_TOLERANCE = Decimal("0.000001")
_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})
_AMOUNT_TEXT = re.compile(r"^(-)?\s*£?\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")


@dataclass(frozen=True)
class CellContext:
    """What a coercer may need beyond the value: the time zone, and a closer look at the cell.

    ``number_format`` returns the cell's Excel number format (opening the workbook with
    openpyxl only when asked, which is rare).
    """

    tz: ZoneInfo
    number_format: Callable[[], str]


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def not_a_number(raw: object) -> bool:
    """NaN or an infinity: never a value of any kind (not a blank, a date or a price)."""
    return isinstance(raw, float) and (raw != raw or raw in (float("inf"), float("-inf")))


def show(raw: object) -> str:
    """A raw value as an officer would see it in a message."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(raw, dt.date):
        return raw.strftime("%d/%m/%Y")
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int | float):
        return repr(raw)
    text = str(raw).strip()
    return f'"{text[:60]}…"' if len(text) > 60 else f'"{text}"'


def _number(raw: float | int) -> Decimal | None:
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(raw))
    return Decimal(raw)


def _text_amount(text: str) -> Decimal | None:
    match = _AMOUNT_TEXT.match(text.strip())
    if not match:
        return None
    sign = "-" if match.group(1) or match.group(2) else ""
    try:
        return Decimal(sign + match.group(3).replace(",", "") + (match.group(4) or ""))
    except InvalidOperation:
        return None


def text(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, bool):
        return ("Yes" if raw else "No"), []
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw)), []
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat(), []
    return re.sub(r"\s+", " ", str(raw)).strip(), []


def integer(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, bool):
        return None, [("invalid-value", f"{show(raw)} is not a whole number")]
    if isinstance(raw, int | float) and float(raw).is_integer():
        return int(raw), []
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip()), []
    return None, [("invalid-value", f"{show(raw)} is not a whole number")]


def yesno(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, bool):
        return raw, []
    if isinstance(raw, str):
        word = raw.strip().casefold()
        if word in _YES:
            return True, []
        if word in _NO:
            return False, []
    return None, [("invalid-value", f"{show(raw)} is not Yes or No")]


_TIME = re.compile(r"(?P<date>.*?)(?:\s+|\s*[T,]\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?")


def date(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, dt.datetime):
        return raw.date(), []
    if isinstance(raw, dt.date):
        return raw, []
    if isinstance(raw, str):
        value = raw.strip()
        try:
            return dt.date.fromisoformat(value), []
        except ValueError:
            try:
                return dt.datetime.fromisoformat(value).date(), []
            except ValueError:
                pass
        day = day_first(value)
        if day is not None:
            return day, [
                (
                    "text-date",
                    f"{show(raw)} is text; read as {day.day} {MONTHS[day.month - 1]} {day.year}",
                )
            ]
        return None, [
            ("invalid-value", f"{show(raw)} is not a date (expected e.g. 2026-03-20 or 20/03/2026)")
        ]
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return None, [
            (
                "invalid-value",
                f"{show(raw)} is a number in a cell not formatted as a date; a date was required",
            )
        ]
    return None, [("invalid-value", f"{show(raw)} is not a date")]


_MONTH_NUMBER = {name[:3].casefold(): n for n, name in enumerate(MONTHS, start=1)}
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")
_WORDS_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")


def day_first(text: str) -> dt.date | None:
    """A UK day-first text date: ``01/04/2025``, ``1/4/2025``, ``01.04.2025``, ``1 April 2025``,
    ``1 Apr 2025`` are all 1 April 2025 (never 4 January); None for anything else."""
    numeric = _NUMERIC_DATE.fullmatch(text)
    if numeric:
        day, month, year = int(numeric.group(1)), int(numeric.group(3)), int(numeric.group(4))
    else:
        words = _WORDS_DATE.fullmatch(text)
        if not words:
            return None
        name = words.group(2).casefold()
        month = _MONTH_NUMBER.get(name[:3], 0)
        if not month or not (
            len(name) == 3
            or MONTHS[month - 1].casefold() == name
            or (name == "sept" and month == 9)
        ):
            return None
        day, year = int(words.group(1)), int(words.group(3))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _round_second(value: dt.datetime) -> dt.datetime:
    if value.microsecond >= 500_000:
        value = value + dt.timedelta(seconds=1)
    return value.replace(microsecond=0)


def datetime(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    no_time = ("invalid-value", f"{show(raw)} has no time of day (expected e.g. 2026-03-20 11:30)")
    if isinstance(raw, dt.datetime):
        value = _round_second(raw)
    elif isinstance(raw, dt.date):
        # python-calamine gives a date when the time is midnight: look at the cell's format
        fmt = ctx.number_format().casefold()
        if "h" not in fmt:
            return None, [no_time]
        value = dt.datetime.combine(raw, dt.time())
    elif isinstance(raw, str):
        stripped = raw.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
            return None, [no_time]
        try:
            value = _round_second(dt.datetime.fromisoformat(stripped))
        except ValueError:
            uk, problem = _uk_datetime(stripped)
            if uk is None:
                problem = problem or (
                    "invalid-value",
                    f"{show(raw)} is not a date and time (expected e.g. 2026-03-20T11:30:00)",
                )
                return None, [problem]
            read = f"{show(raw)} is text; read as {uk:%d/%m/%Y %H:%M:%S}"
            return uk.replace(tzinfo=ctx.tz), [("text-date", read)]
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        return None, [
            (
                "invalid-value",
                f"{show(raw)} is a number in a cell not formatted as a date; a date and time "
                f"was required",
            )
        ]
    else:
        return None, [("invalid-value", f"{show(raw)} is not a date and time")]
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.tz)
    return value, []


def _uk_datetime(text: str) -> tuple[dt.datetime | None, Problem | None]:
    """UK day-first text with a time of day ("20/03/2026 11:30"); local time."""
    if day_first(text.strip()) is not None:
        why = f"{show(text)} has no time of day (expected e.g. 20/03/2026 11:30)"
        return None, ("invalid-value", why)
    found = _TIME.fullmatch(text.strip())
    day = day_first(found.group("date").strip()) if found else None
    if found is None or day is None:
        return None, None
    try:
        moment = dt.time(int(found.group(2)), int(found.group(3)), int(found.group(4) or 0))
    except ValueError:
        return None, None
    return dt.datetime.combine(day, moment), None


def _amount(raw: object, ctx: CellContext, *, signed: bool) -> Coerced:
    if is_blank(raw):
        return None, []
    problems: list[Problem] = []
    value: Decimal | None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int | float):
        value = _number(raw)
    elif isinstance(raw, str):
        value = _text_amount(raw)
        if value is not None:
            problems.append(("text-number", f"{show(raw)} is text; read as the amount {value:,}"))
    else:
        value = None
    if value is None:
        return None, [("invalid-value", f"{show(raw)} is not an amount in pounds")]
    if value < 0 and not signed:
        return None, [
            *problems,
            ("invalid-value", f"{show(raw)} is negative; expected an amount of £0 or more"),
        ]
    return value, problems


def amount(raw: object, ctx: CellContext) -> Coerced:
    return _amount(raw, ctx, signed=False)


def signed_amount(raw: object, ctx: CellContext) -> Coerced:
    return _amount(raw, ctx, signed=True)


def price(raw: object, ctx: CellContext) -> Coerced:
    """A price in exact whole pence: a binary float within 1e-6 of a penny is that penny."""
    value, problems = _amount(raw, ctx, signed=True)
    if value is None:
        return None, problems
    if value <= 0:
        return None, [*problems, ("invalid-value", f"{show(raw)}: a price must be above £0.00")]
    pence = value.quantize(PENNY)
    if abs(value - pence) > FLOAT_TOLERANCE:
        return None, [
            *problems,
            ("price-not-whole-pence", f"{show(raw)} is not in whole pence (e.g. {pence})"),
        ]
    if pence <= 0:  # a float a hair above zero (3e-71) is £0.00, not a price
        return None, [*problems, ("invalid-value", f"{show(raw)}: a price must be above £0.00")]
    return pence, problems


def percent(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    problems: list[Problem] = []
    if isinstance(raw, str):
        with_sign = raw.strip().endswith("%")
        stripped = raw.strip().rstrip("%").strip()
        value = _text_amount(stripped)
        if value is None:
            return None, [("invalid-value", f"{show(raw)} is not a percentage")]
        if not with_sign and 0 < value <= 1:  # a plain number follows the number rule
            shown = f"{(value * 100).normalize():f}%"
            return None, [
                (
                    "invalid-value",
                    f"{show(raw)} is ambiguous (a fraction, or {shown}?); a"
                    " percentage from 0 to 100 was required, e.g. 95",
                )
            ]
        problems.append(("text-number", f"{show(raw)} is text; read as {value}%"))
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        number = _number(raw)
        if number is None:
            return None, [("invalid-value", f"{show(raw)} is not a percentage")]
        value = number
        if 0 < value <= 1:
            if "%" in ctx.number_format():
                value = value * 100
            else:
                return None, [
                    (
                        "invalid-value",
                        f"{show(raw)} is ambiguous (a fraction, or "
                        f"{(value * 100).normalize():f}%?); a percentage from 0 to 100 was "
                        "required, e.g. 95",
                    )
                ]
    else:
        return None, [("invalid-value", f"{show(raw)} is not a percentage")]
    if not 0 <= value <= 100:
        return None, [
            *problems,
            ("invalid-value", f"{show(raw)} is not a percentage between 0 and 100"),
        ]
    return value.normalize() if value == value.to_integral_value() else value, problems


def count(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if (
        isinstance(raw, int | float)
        and not isinstance(raw, bool)
        and float(raw).is_integer()
        and raw >= 0
    ):
        return int(raw), []
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip()), [
            ("text-number", f"{show(raw)} is text; read as {int(raw.strip())}")
        ]
    return None, [("invalid-value", f"{show(raw)} is not a whole number of 0 or more")]


def companies_house(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if not float(raw).is_integer() or raw < 0:
            return None, [("invalid-value", f"{show(raw)} is not a Companies House number")]
        digits = str(int(raw))
        if len(digits) < 8:
            padded = digits.zfill(8)
            return padded, [
                (
                    "companies-house-padded",
                    f"{digits} lost its leading zeros in Excel; read as {padded}",
                )
            ]
        return digits, []
    value, _ = text(raw, ctx)
    return str(value).replace(" ", "").upper(), []


def charity_number(raw: object, ctx: CellContext) -> Coerced:
    if is_blank(raw):
        return None, []
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        return str(int(raw)), []
    value, _ = text(raw, ctx)
    return str(value).replace(" ", ""), []


def postcode(raw: object, ctx: CellContext) -> Coerced:
    """Kept exactly as typed (trimmed): a letter quotes ``LE11`` as ``LE11``, never re-spaced.
    Whether it is a UK postcode is the format's pattern (a ``contact-details`` warning)."""
    return text(raw, ctx)


def choice(raw: object, ctx: CellContext) -> Coerced:
    return text(raw, ctx)


COERCERS: dict[str, Callable[[object, CellContext], Coerced]] = {
    "text": text,
    "email": text,
    "cqc_location": text,
    "choice": choice,
    "integer": integer,
    "yesno": yesno,
    "date": date,
    "datetime": datetime,
    "amount": amount,
    "signed_amount": signed_amount,
    "price": price,
    "percent": percent,
    "count": count,
    "ch_number": companies_house,
    "charity_number": charity_number,
    "postcode": postcode,
}


class _Invalid:
    """A value that was present but could not be read (its finding is already raised)."""

    def __repr__(self) -> str:
        return "INVALID"

    def __reduce__(self) -> str:  # unpickled (from a reading process) as the same sentinel
        return "INVALID"


INVALID: Any = _Invalid()
