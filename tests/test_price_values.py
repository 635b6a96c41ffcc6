"""A price cell's value: a float a hair above zero is £0.00, refused like zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from clc_tender.read import values

CTX = values.CellContext(dt.UTC, lambda: "General")  # type: ignore[arg-type]


def test_a_float_a_hair_above_zero_is_not_a_price() -> None:
    price, problems = values.price(3.1203756309088967e-71, CTX)
    assert price is None and [code for code, _ in problems] == ["invalid-value"]
    assert values.price(0.004, CTX)[1][0][0] == "price-not-whole-pence"
    assert values.price(49.420000000000002, CTX) == (Decimal("49.42"), [])
