"""Reading the brokerage team's workbooks for ``place``: requests and exclusions.

Declared like the other officers' workbooks (a header row, columns by name in any order,
the same guards as bids) and strict: a malformed workbook stops the run (exit 2) naming
every failing cell in one line, since a person's package must never be placed on a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from ..errors import InputError
from ..rules.placement import (
    DAY_SERVICES,
    DAYS,
    BandLine,
    OfficerExclusion,
    Package,
)
from ..tender import Tender
from ..workbook_format import load_format, normalise_label
from . import values
from .panel import Table, read_table

REQUESTS_SHEET = "Requests"
REQUEST_HEADERS = {
    "request": "Request",
    "lot": "Lot",
    "home_postcode": "Home postcode",
    "support_needs": "Support needs",
    "band": "Band",
    "hours": "Hours per week",
}
REQUEST_OPTIONAL = {"days": "Days", "max_distance": "Max distance (km)"}
REQUEST_COLUMNS = (
    "Request",
    "Lot",
    "Home postcode",
    "Support needs",
    "Days",
    "Band",
    "Hours per week",
    "Max distance (km)",
)
EXCLUSIONS_SHEET = "Exclusions"
EXCLUSION_HEADERS = {
    "provider_id": "Provider ID",
    "reason": "Reason",
    "officer": "Officer",
    "date": "Date",
}
HALF_HOUR = Decimal("0.5")
MAX_PROBLEMS_SHOWN = 200  # a line naming more cells than this says how many more

_CTX = values.CellContext(dt.UTC, lambda: "General")  # type: ignore[arg-type]
_INVALID = values.INVALID
Problem = tuple[int, str, str]  # (row, column key, message)


@dataclass(frozen=True)
class _Parsed:
    """A column's cells turned into values: INVALID where a cell cannot be used."""

    values: pd.Series
    message: str


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return values._number(raw)
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            return None
    return None


def _choices(allowed: Iterable[str]) -> Callable[[Any], Any]:
    by_label = {normalise_label(a): a for a in allowed}
    return lambda raw: by_label.get(normalise_label(raw), _INVALID)


def _list_of(allowed: Iterable[str]) -> Callable[[Any], Any]:
    by_label = {normalise_label(a): a for a in allowed}

    def parse(raw: Any) -> Any:
        chosen = [by_label.get(normalise_label(part)) for part in _split(str(raw))]
        if not chosen or any(c is None for c in chosen):
            return _INVALID
        return tuple(dict.fromkeys(c for c in chosen if c is not None))

    return parse


def _hours(raw: Any) -> Any:
    number = _number(raw)
    if number is None or not number.is_finite() or number <= 0 or number % HALF_HOUR:
        return _INVALID
    return number


def _distance(raw: Any) -> Any:
    number = _number(raw)
    if number is None or not number.is_finite() or number <= 0:
        return _INVALID
    return number


def _postcode(pattern: re.Pattern[str]) -> Callable[[Any], Any]:
    def parse(raw: Any) -> Any:
        value, _ = values.postcode(raw, _CTX)
        return value if value is not None and pattern.match(value) else _INVALID

    return parse


def _text(raw: Any) -> Any:
    value, _ = values.text(raw, _CTX)
    return value


def _parse_columns(frame: pd.DataFrame, tender: Tender) -> dict[str, _Parsed]:
    """Each column's cells as values (blank cells stay None)."""
    pattern = re.compile(load_format(tender).types["postcode"].pattern)
    band_names = tender.band_names
    parsers: dict[str, tuple[Callable[[Any], Any], str]] = {
        "request": (_text, ""),
        "lot": (
            _choices(tender.lot_names),
            f"the lot must be one of {', '.join(tender.lot_names)}",
        ),
        "home_postcode": (
            _postcode(pattern),
            "the home postcode must be a UK postcode (e.g. LE11 3AB)",
        ),
        "support_needs": (
            _list_of(tender.support_needs),
            "support needs must be among " + "; ".join(tender.support_needs) + " (separated by ;)",
        ),
        "days": (_list_of(DAYS), "days must be among Mon;Tue;Wed;Thu;Fri;Sat;Sun"),
        "band": (_choices(band_names), f"the band must be one of {', '.join(band_names)}"),
        "hours": (_hours, "hours per week must be a number above 0 in steps of 0.5"),
        "max_distance": (_distance, "the maximum distance must be a number of km above 0"),
    }
    parsed: dict[str, _Parsed] = {}
    for key, (parse, message) in parsers.items():
        column = (
            frame[key]
            if key in frame.columns
            else pd.Series([None] * len(frame), index=frame.index, dtype=object)
        )
        cells = [None if v is None else parse(v) for v in column]
        parsed[key] = _Parsed(pd.Series(cells, index=frame.index, dtype=object), message)
    return parsed


def _cell_problems(
    table: Table, schema: pa.DataFrameSchema, messages: dict[str, str], raw: pd.DataFrame
) -> list[Problem]:
    """Every failing cell pandera finds (lazy), as (row, column key, message)."""
    if table.frame.empty:
        return []
    try:
        schema.validate(table.frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()]
        problems = []
        for case in cases.drop_duplicates(["index", "column", "check"]).itertuples(index=False):
            row, key, check = int(case.index), str(case.column), str(case.check)
            message = (
                messages.get(key, check) if check != "not_nullable" else "a required value is blank"
            )
            if check != "not_nullable" and key in raw.columns and raw.at[row, key] is not None:
                message = f"{message}: {values.show(raw.at[row, key])}"
            problems.append((row, key, message))
        return problems
    return []


def _raise(table: Table, problems: list[Problem]) -> None:
    """One InputError naming every failing cell, in row then column order."""
    if not problems:
        return

    def where(p: Problem) -> tuple[int, int, str, str]:
        letter = table.letters.get(p[1], "A")
        return (p[0], len(letter), letter, p[2])

    unique = sorted(set(problems), key=where)
    named = [
        (f"{table.sheet}!{table.letters.get(key, 'A')}{row}", message)
        for row, key, message in unique
    ]
    (cell, message), others = named[0], named[1:MAX_PROBLEMS_SHOWN]
    text = message + "".join(f"; also {c}: {m}" for c, m in others)
    if len(named) > MAX_PROBLEMS_SHOWN:
        text += f"; and {len(named) - MAX_PROBLEMS_SHOWN} more"
    raise InputError(table.file, cell, text)


def read_requests(path: Path, tender: Tender) -> tuple[Package, ...]:
    """The packages of the requests workbook, in the order of their first row."""
    table = read_table(path, tender, REQUESTS_SHEET, REQUEST_HEADERS, optional=REQUEST_OPTIONAL)
    raw = table.frame
    if raw.empty:
        raise InputError(table.file, REQUESTS_SHEET, "the sheet lists no requests")
    parsed = _parse_columns(raw, tender)
    frame = pd.DataFrame({key: p.values for key, p in parsed.items()}, index=raw.index)
    valid = pa.Check(lambda s: s.map(lambda v: v is not _INVALID), name="valid")
    required = ("request", "lot", "home_postcode", "support_needs", "band", "hours")
    schema = pa.DataFrameSchema(
        {key: pa.Column(None, nullable=key not in required, checks=valid) for key in parsed},
        coerce=False,
    )
    checked = Table(table.file, table.sheet, frame, {**table.letters, **_letters_for_absent(table)})
    problems = _cell_problems(checked, schema, {k: p.message for k, p in parsed.items()}, raw)
    bad = {(row, key) for row, key, _ in problems}
    problems += _row_problems(frame, tender, bad)
    problems += _package_problems(frame, tender, bad)
    _raise(checked, problems)
    return _packages(frame)


def _letters_for_absent(table: Table) -> dict[str, str]:
    """Optional columns missing from the header are named after the last column."""
    from .workbook import column_letter

    extra: dict[str, str] = {}
    used = len(table.letters)
    for key in REQUEST_OPTIONAL:
        if key not in table.letters:
            used += 1
            extra[key] = column_letter(used)
    return extra


def _row_problems(frame: pd.DataFrame, tender: Tender, bad: set[tuple[int, str]]) -> list[Problem]:
    """What depends on the row's lot: its band, days and distance."""
    problems: list[Problem] = []
    band_lot = {b.name: b.lot for b in tender.bands}
    for row, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        lot = rec["lot"]
        if lot is None or (row, "lot") in bad:
            continue
        band = rec["band"]
        if band is not None and (row, "band") not in bad and band_lot[band] != lot:
            problems.append((row, "band", f"{band} is not a band of {lot}"))
        if lot == DAY_SERVICES:
            if rec["days"] is None:
                problems.append(
                    (row, "days", "a Day Services request needs the days (e.g. Mon;Wed;Fri)")
                )
        else:
            if rec["days"] is not None:
                problems.append((row, "days", f"days apply to Day Services only, not {lot}"))
            if rec["max_distance"] is not None:
                problems.append(
                    (
                        row,
                        "max_distance",
                        f"a distance limit applies to Day Services only, not {lot}",
                    )
                )
    return problems


def _package_problems(
    frame: pd.DataFrame, tender: Tender, bad: set[tuple[int, str]]
) -> list[Problem]:
    """A package's rows agree on lot, home, needs, days and distance; a band once; Band 5 only
    with Band 3 or Band 4 (as the tender definition says)."""
    problems: list[Problem] = []
    shared = ("lot", "home_postcode", "support_needs", "days", "max_distance")
    names = {
        "lot": "Lot",
        "home_postcode": "Home postcode",
        "support_needs": "Support needs",
        "days": "Days",
        "max_distance": "Max distance (km)",
    }
    first: dict[str, tuple[int, dict[str, Any]]] = {}
    bands_of: dict[str, list[tuple[int, str]]] = {}
    for row, rec in zip(frame.index, frame.to_dict("records"), strict=True):
        request = rec["request"]
        if request is None:
            continue
        key = request.casefold()
        if key not in first:
            first[key] = (row, rec)
        else:
            row0, rec0 = first[key]
            for column in shared:
                if (row, column) in bad or (row0, column) in bad:
                    continue
                if _same(rec[column]) != _same(rec0[column]):
                    problems.append(
                        (
                            row,
                            column,
                            f"{names[column]} differs from row {row0} of request {request}",
                        )
                    )
        if rec["band"] is not None and (row, "band") not in bad:
            bands_of.setdefault(key, []).append((row, rec["band"]))
    for key, rows in bands_of.items():
        seen: dict[str, int] = {}
        for row, band in rows:
            if band in seen:
                problems.append(
                    (
                        row,
                        "band",
                        f"{band} is listed twice for request {first[key][1]['request']} "
                        f"(row {seen[band]})",
                    )
                )
            seen.setdefault(band, row)
        for row, band in rows:
            needs = tender.band(band).only_with_any_of
            if needs and not set(needs) & set(seen):
                problems.append(
                    (
                        row,
                        "band",
                        f"{band} is only placed with {' or '.join(needs)} in the same package",
                    )
                )
    return problems


def _same(value: Any) -> Any:
    if isinstance(value, tuple):
        return frozenset(value)
    return value


def _packages(frame: pd.DataFrame) -> tuple[Package, ...]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for rec in frame.to_dict("records"):
        rows.setdefault(rec["request"].casefold(), []).append(rec)
    packages = []
    for recs in rows.values():
        head = recs[0]
        packages.append(
            Package(
                request=head["request"],
                lot=head["lot"],
                home_postcode=head["home_postcode"],
                support_needs=head["support_needs"],
                days=head["days"] or (),
                lines=tuple(BandLine(r["band"], r["hours"]) for r in recs),
                max_distance_km=head["max_distance"],
            )
        )
    return tuple(packages)


def read_exclusions(path: Path, tender: Tender) -> dict[str, tuple[OfficerExclusion, ...]]:
    """The officers' exclusions, by provider ID: every row needs a reason, officer and date."""
    table = read_table(path, tender, EXCLUSIONS_SHEET, EXCLUSION_HEADERS)
    raw = table.frame

    def date(v: Any) -> Any:
        return None if v is None else (values.date(v, _CTX)[0] or _INVALID)

    def text(v: Any) -> Any:
        return None if v is None else _text(v)

    convert = {"provider_id": _provider_id, "reason": text, "officer": text, "date": date}
    frame = pd.DataFrame(
        {
            key: pd.Series([parse(v) for v in raw[key]], index=raw.index, dtype=object)
            for key, parse in convert.items()
        },
        index=raw.index,
    )
    valid = pa.Check(lambda s: s.map(lambda v: v is not _INVALID), name="valid")
    schema = pa.DataFrameSchema(
        {key: pa.Column(None, nullable=False, checks=valid) for key in EXCLUSION_HEADERS},
        coerce=False,
    )
    checked = Table(table.file, table.sheet, frame, table.letters)
    problems = _cell_problems(checked, schema, {"date": "is not a date (e.g. 2026-10-01)"}, raw)
    _raise(checked, problems)
    result: dict[str, list[OfficerExclusion]] = {}
    for rec in frame.to_dict("records"):
        result.setdefault(rec["provider_id"], []).append(
            OfficerExclusion(rec["provider_id"], rec["reason"], rec["officer"], rec["date"])
        )
    return {pid: tuple(rows) for pid, rows in result.items()}


def _provider_id(raw: Any) -> Any:
    """A Companies House number typed as a number lost its leading zeros: padded back."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool) and float(raw).is_integer():
        return f"{int(raw):08d}"
    value = _text(raw)
    return value.upper() if value and re.fullmatch(r"[A-Za-z]{2}\d{6}", value) else value
