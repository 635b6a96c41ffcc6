"""The commissioners' utilisation workbook (for the award report's spend forecast): read as
strictly as the other officers' workbooks, every failing cell named, the run stopped (exit 2).

Sheet ``Utilisation``, one row per band: ``Band``, ``People``, ``Hours per person per week``,
``Previous hourly rate (£)``. Optional sheet ``Assumptions`` (``Item``, ``Value``): ``First
year``, ``Years``, ``Growth % per year``, ``Uplift % per year``, and any number of ``Note`` /
``Source`` items shown in the report (the sample marks itself illustrative with one).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from ..errors import InputError
from ..forecast import Assumptions, Utilisation, UtilisationLine, default_years, financial_year
from ..tender import Tender
from ..workbook_format import normalise_label
from . import values
from .panel import Bad, first_failure, read_table, readable

UTILISATION_HEADERS = {
    "band": "Band",
    "people": "People",
    "hours": "Hours per person per week",
    "previous_rate": "Previous hourly rate (£)",
}
ASSUMPTION_ITEMS = {
    "first year": "First year",
    "years": "Years",
    "growth % per year": "Growth % per year",
    "uplift % per year": "Uplift % per year",
}
NOTE_ITEMS = ("note", "source")
_CTX = values.CellContext(dt.UTC, lambda: "General")  # type: ignore[arg-type]
_FIRST_YEAR = re.compile(r"^\s*(\d{4})\s*(?:/\s*(\d{2}|\d{4}))?\s*$")


def _exact(raw: Any) -> Decimal | None:
    """A cell's number as an exact Decimal (floats through their shortest repr)."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    if isinstance(raw, str):
        try:
            value = Decimal(raw.strip().rstrip("%").strip())
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _people(raw: Any) -> Any:
    value = _exact(raw)
    return (
        int(value)
        if value is not None and value >= 0 and value == value.to_integral_value()
        else Bad(raw)
    )


def _hours(raw: Any) -> Any:
    value = _exact(raw)
    return value if value is not None and 0 <= value <= 168 else Bad(raw)


def _rate(raw: Any) -> Any:
    value, problems = values.price(raw, _CTX)
    return (
        value
        if value is not None and not any(p[0] != "text-number" for p in problems)
        else Bad(raw)
    )


def read_utilisation(path: Path, tender: Tender) -> Utilisation:
    table = read_table(path, tender, "Utilisation", UTILISATION_HEADERS)
    frame = table.frame
    bands = {normalise_label(b): b for b in tender.band_names}
    frame["band"] = frame["band"].map(
        lambda v: bands.get(normalise_label(v), Bad(v)) if v is not None else None
    )
    frame["people"] = frame["people"].map(lambda v: None if v is None else _people(v))
    frame["hours"] = frame["hours"].map(lambda v: None if v is None else _hours(v))
    frame["previous_rate"] = frame["previous_rate"].map(lambda v: None if v is None else _rate(v))
    schema = pa.DataFrameSchema(
        {
            "band": pa.Column(None, nullable=False, checks=readable("band")),
            "people": pa.Column(None, nullable=False, checks=readable("people")),
            "hours": pa.Column(None, nullable=False, checks=readable("hours")),
            "previous_rate": pa.Column(None, nullable=False, checks=readable("rate")),
        },
        checks=[pa.Check(lambda d: ~d["band"].map(str).duplicated(keep="first"), name="duplicate")],
        coerce=False,
    )
    first_failure(
        table,
        schema,
        table.letters,
        {
            "not_nullable": "a required value is blank "
            "(every row needs a band, people, hours and a rate)",
            "band": f"the band must be one of {', '.join(tender.band_names)}",
            "people": "People must be a whole number of 0 or more",
            "hours": "Hours per person per week must be a number from 0 to 168",
            "rate": "the previous hourly rate must be an amount above £0.00 in whole pence",
            "duplicate": "the same band is listed twice",
        },
    )
    if frame.empty:
        raise InputError(table.file, "Utilisation", "no rows: one row per band is expected")
    order = {b: i for i, b in enumerate(tender.band_names)}
    lines = sorted(
        (
            UtilisationLine(r["band"], r["people"], r["hours"], r["previous_rate"])
            for r in frame.to_dict("records")
        ),
        key=lambda line: order[line.band],
    )
    return Utilisation(table.file, tuple(lines), _assumptions(path, tender))


def _assumptions(path: Path, tender: Tender) -> Assumptions:
    first = financial_year(tender.framework_start)
    years, growth, uplift = default_years(tender), Decimal(0), Decimal(0)
    notes: list[str] = []
    table = read_table(
        path, tender, "Assumptions", {"item": "Item", "value": "Value"}, sheet_optional=True
    )
    seen: set[str] = set()
    for rec in table.frame.to_dict("records"):
        raw_item, raw, row = rec["item"], rec["value"], int(rec["row"])
        item = normalise_label(raw_item) if raw_item is not None else ""
        where = f"Assumptions!{table.letters['value']}{row}"
        if item in NOTE_ITEMS:
            if raw is not None:
                notes.append(str(raw).strip())
            continue
        if item not in ASSUMPTION_ITEMS:
            known = ", ".join([*ASSUMPTION_ITEMS.values(), "Note", "Source"])
            raise InputError(
                table.file,
                f"Assumptions!{table.letters['item']}{row}",
                f"unknown item {values.show(raw_item)} (expected one of {known})",
            )
        if item in seen:
            raise InputError(
                table.file,
                f"Assumptions!{table.letters['item']}{row}",
                f"{ASSUMPTION_ITEMS[item]} is given twice",
            )
        seen.add(item)
        if raw is None:
            raise InputError(table.file, where, f"{ASSUMPTION_ITEMS[item]}: the value is blank")
        if item == "first year":
            first = _first_year(raw, table.file, where)
        elif item == "years":
            number = _exact(raw)
            if number is None or number != number.to_integral_value() or not 1 <= number <= 20:
                raise InputError(
                    table.file,
                    where,
                    f"Years: {values.show(raw)} is not a whole number from 1 to 20",
                )
            years = int(number)
        else:
            pct = _exact(raw)
            if pct is None or not -50 <= pct <= 100:
                raise InputError(
                    table.file,
                    where,
                    f"{ASSUMPTION_ITEMS[item]}: {values.show(raw)} is not a percentage "
                    "from -50 to 100",
                )
            if item == "growth % per year":
                growth = pct
            else:
                uplift = pct
    return Assumptions(first, years, growth, uplift, tuple(notes))


def _first_year(raw: Any, file: str, where: str) -> int:
    text = (
        str(int(raw))
        if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer()
        else str(raw)
    )
    match = _FIRST_YEAR.match(text)
    if match:
        start = int(match.group(1))
        end = match.group(2)
        if 2000 <= start <= 2100 and (end is None or int(end) % 100 == (start + 1) % 100):
            return start
    raise InputError(
        file, where, f"First year: {values.show(raw)} is not a financial year such as 2026/27"
    )
