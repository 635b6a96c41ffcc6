"""A shortlist cell's value as the letters use it: text, or an exact number."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number(value: Any) -> Decimal | None:
    """A cell's number as an exact Decimal (floats through their shortest repr)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(str(value).strip().lstrip("£").replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(value)) from None
