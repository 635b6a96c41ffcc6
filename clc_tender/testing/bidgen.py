"""Builds response workbooks: the project's bid builder for tests, samples and benchmarks.

:func:`valid_bid` gives a :class:`BidSpec` that passes every gate of a tender definition;
tests change one value of it (or replace one with :data:`OMIT`) and :func:`write_bid` writes
the workbook exactly as given, so that each test states the one thing it is about::

    spec = valid_bid(tender, "CLC26-001", seed=1)
    spec.compliance["Employer's liability cover (£)"] = Decimal("4999999")
    write_bid(spec, tmp_path / "bid.xlsx")

Values are written as given: ``Decimal`` as a number, ``str`` as text (a ``str`` starting with
``=`` as a formula, with no cached value), ``date``/``datetime`` as Excel dates, ``bool`` as an
Excel boolean. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from ..rules import months_before
from ..tender import Tender, load_tender
from ..workbook_format import Format, SheetSpec, load_format
from .names import (
    SERVICE_KINDS,
    a_domain,
    a_person,
    an_address,
    companies_house_number,
    organisation_name,
)

BIDDER = "Bidder"
PRICING = "Pricing"
COMPLIANCE = "Compliance"
SERVICES = "Services"
PA_COVERAGE = "PA Coverage"

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"

_UK = ZoneInfo("Europe/London")
_PENNY = Decimal("0.01")


class _Sentinel(Enum):
    OMIT = "OMIT"
    AUTO = "AUTO"

    def __repr__(self) -> str:
        return self.value


OMIT: Final = _Sentinel.OMIT
"""As a value: leave the row (field, band) out of the workbook entirely; in a table row, a
blank cell, and a column that is OMIT in every row is left out."""
AUTO: Final = _Sentinel.AUTO
"""As ``companies_house`` of :func:`valid_bid`: a number generated from the seed."""


@dataclass
class BidSpec:
    """A bid as the bidder typed it: labels and headers exactly as the Format's."""

    bidder: dict[str, Any]  # label -> value, in order
    compliance: dict[str, Any]  # label -> value
    prices: dict[str, Any]  # band name -> price (Decimal/float/str/None)
    services: list[dict[str, Any]]  # header -> value rows of the Services sheet
    pa_coverage: list[dict[str, Any]]  # header -> value rows of the PA Coverage sheet
    drop_sheets: set[str] = field(default_factory=set)
    units: dict[str, str] = field(default_factory=dict)  # band name -> the Unit column's text


# --- realistic values ----------------------------------------------------------------------


# district -> places: (town, outward codes, street names)
def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _local_deadline(tender: Tender) -> dt.datetime:
    """The deadline as a naive UK-local (tender time zone) date-time, as a bidder types it."""
    return tender.deadline.astimezone(tender.tz).replace(tzinfo=None)


# --- the valid bid -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _format_for(tender: Tender) -> Format:
    return load_format(tender)


@lru_cache(maxsize=1)
def _layout() -> Format:
    """The sheets, their order and the table headers write_bid uses (same for any tender)."""
    return load_format(load_tender())


def valid_bid(
    tender: Tender,
    ref: str,
    *,
    organisation: str | None = None,
    lots: Sequence[str] | None = None,
    seed: int = 0,
    companies_house: str | None | _Sentinel = AUTO,
    charity: str | None = None,
) -> BidSpec:
    """A bid that passes every gate of ``tender``, for ``lots`` (default: every lot).

    Prices lie inside their ranges, submitted 1-13 days before the deadline, accounts ending
    about 6 months before it, policies (Lone working included) reviewed within the allowed
    age, insurance above the minimums and expiring after the framework start, safeguarding
    training above the minimum, no concerns. A lot not bid for has no prices and no rows on
    its coverage sheet. ``companies_house`` defaults to a number derived from ``seed``; pass
    ``None`` (and a ``charity`` number) for a charity.
    """
    fmt = _format_for(tender)
    rng = random.Random(seed)
    bid_lots = _bid_lots(tender, lots)
    org = organisation or organisation_name(seed)
    ch = companies_house_number(seed) if companies_house is AUTO else companies_house
    assert not isinstance(ch, _Sentinel)
    deadline = _local_deadline(tender)
    home = rng.choice(tender.districts)
    bidder_values: dict[str, Any] = {
        "format_version": fmt.version,
        "bid_reference": ref,
        "organisation_name": org,
        "companies_house_number": ch,
        "charity_number": charity,
        **_contact_values(rng, home, org),
    }
    bidder_values["submitted_at"] = _submitted(rng, deadline)
    bidder_values["contact_telephone"] = f"0116 496 0{rng.randint(0, 999):03d}"
    bidder_values["declaration_accepted"] = "Yes"
    for lot in tender.lot_names:
        bidder_values[f"bidding_for:{lot}"] = "Yes" if lot in bid_lots else "No"

    compliance_values = _compliance_values(tender, rng, deadline.date(), bid_lots)
    compliance_values["safeguarding_lead"] = " ".join(a_person(rng))
    prices = _prices(tender, rng, bid_lots)
    coverage = _coverage(tender, fmt, rng, bid_lots, home)
    return BidSpec(
        bidder=_by_label(fmt.sheet(BIDDER), bidder_values),
        compliance=_by_label(fmt.sheet(COMPLIANCE), compliance_values),
        prices=prices,
        services=coverage[SERVICES],
        pa_coverage=coverage[PA_COVERAGE],
        units={band.name: band.unit for band in tender.bands},
    )


def _bid_lots(tender: Tender, lots: Sequence[str] | None) -> tuple[str, ...]:
    bid_lots = tender.lot_names if lots is None else tuple(lots)
    for lot in bid_lots:
        if lot not in tender.lot_names:
            raise ValueError(f"unknown lot {lot!r} (lots: {', '.join(tender.lot_names)})")
    return bid_lots


def _contact_values(rng: random.Random, home: str, org: str) -> dict[str, Any]:
    """The bidder's address, contact and signatory."""
    address, postcode, town = an_address(rng, home)
    first, last = a_person(rng)
    domain = a_domain(org)
    sig_first, sig_last = a_person(rng)
    return {
        "registered_address": address,
        "postcode": postcode,
        "contact_name": f"{first} {last}",
        "contact_email": f"{first.lower()}.{last.lower()}@{domain}",
        "signatory_name": f"{sig_first} {sig_last}",
    }


def _submitted(rng: random.Random, deadline: dt.datetime) -> dt.datetime:
    """1-13 days before the deadline."""
    return deadline - dt.timedelta(
        days=rng.randint(1, 13),
        hours=rng.randint(0, 5),
        minutes=rng.randint(0, 59),
        seconds=rng.randint(0, 59),
    )


def _prices(tender: Tender, rng: random.Random, bid_lots: Sequence[str]) -> dict[str, Any]:
    """A price inside its range for each band of a lot bid for, None for the others."""
    prices: dict[str, Any] = {}
    for band in tender.bands:
        if band.lot in bid_lots:
            span = int((band.ceiling - band.floor) / _PENNY)
            prices[band.name] = band.floor + rng.randint(0, span) * _PENNY
        else:
            prices[band.name] = None
    return prices


def _coverage(
    tender: Tender, fmt: Format, rng: random.Random, bid_lots: Sequence[str], home: str
) -> dict[str, list[dict[str, Any]]]:
    """The rows of the Services and PA Coverage sheets (none for a lot not bid for)."""
    coverage: dict[str, list[dict[str, Any]]] = {SERVICES: [], PA_COVERAGE: []}
    for lot_spec in tender.lots:
        if lot_spec.name not in bid_lots or lot_spec.coverage_sheet not in coverage:
            continue
        sheet = fmt.sheet(lot_spec.coverage_sheet)
        if lot_spec.coverage_sheet == SERVICES:
            coverage[SERVICES] = _service_rows(tender, sheet, rng, home)
        else:
            coverage[PA_COVERAGE] = _pa_rows(tender, sheet, rng, home)
    return coverage


def _by_label(sheet: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    return {spec.label: values.get(spec.key) for spec in sheet.fields}


def _compliance_values(
    tender: Tender, rng: random.Random, deadline: dt.date, bid_lots: Sequence[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mandatory_exclusion": "No",
        "discretionary_exclusion": "No",
        "debarred": "No",
        **_finance_values(tender, rng, deadline),
        "parent_company_guarantee": "No",
        **_insurance_values(tender, rng),
        "dbs_all_staff": "Yes",
        "training_pct": rng.randint(
            min(100, int(tender.safeguarding.min_training_pct.to_integral_value(ROUND_CEILING))),
            100,
        ),
        "safeguarding_concerns": 0,
    }
    max_days = max(30, tender.policy_max_age_months * 28 - 30)
    for policy in tender.policies:
        values[f"policy_held:{policy.name}"] = "Yes"
        values[f"policy_reviewed:{policy.name}"] = deadline - dt.timedelta(
            days=rng.randint(14, max_days)
        )
    values.update(_cqc_values(tender, rng, bid_lots))
    return values


def _finance_values(tender: Tender, rng: random.Random, deadline: dt.date) -> dict[str, Any]:
    """Turnover, accounts and assets comfortably above the minimums."""
    fin = tender.finance
    accounts = months_before(deadline, min(6, fin.max_accounts_age_months))
    accounts = min(
        accounts.replace(day=_month_length(accounts.year, accounts.month)),
        deadline - dt.timedelta(days=1),
    )
    liabilities = Decimal(rng.randint(30, 250) * 1000 + rng.randint(0, 999))
    ratio = fin.min_current_ratio + Decimal(rng.randint(30, 150)) / 100
    return {
        "turnover": max(fin.min_turnover, Decimal(0)) * rng.randint(8, 60)
        + Decimal(rng.randint(0, 49_999)),
        "accounts_year_end": accounts,
        "net_assets": max(fin.min_net_assets, Decimal(0)) + Decimal(rng.randint(40_000, 600_000)),
        "current_assets": (liabilities * ratio).quantize(Decimal(1), rounding=ROUND_CEILING),
        "current_liabilities": liabilities,
    }


def _insurance_values(tender: Tender, rng: random.Random) -> dict[str, Any]:
    """Cover above the minimums, expiring after the framework start."""
    ins = tender.insurance
    start = tender.framework_start

    def cover(minimum: Decimal, options: Sequence[int]) -> Decimal:
        return max(minimum, Decimal(rng.choice(options)))

    def expiry() -> dt.date:
        return start + dt.timedelta(days=rng.randint(45, 330))

    return {
        "employers_liability": cover(ins.employers_liability, (10_000_000,)),
        "employers_liability_expiry": expiry(),
        "public_liability": cover(ins.public_liability, (5_000_000, 10_000_000)),
        "public_liability_expiry": expiry(),
        "professional_indemnity": cover(
            ins.professional_indemnity, (1_000_000, 2_000_000, 5_000_000)
        ),
        "professional_indemnity_expiry": expiry(),
    }


def _cqc_values(tender: Tender, rng: random.Random, bid_lots: Sequence[str]) -> dict[str, Any]:
    """CQC registered with a passing rating (always when a lot bid for requires it)."""
    must_register = any(tender.lot(lot).cqc_registration_required for lot in bid_lots)
    if must_register or rng.random() < 0.5:
        passing = [
            r
            for r in tender.safeguarding.cqc_ratings
            if r not in tender.safeguarding.failing_cqc_ratings
        ]
        preferred = [r for r in ("Good", "Outstanding") if r in passing] or passing
        return {
            "cqc_registered": "Yes",
            "cqc_location_id": f"1-{rng.randint(100_000_000, 9_999_999_999)}",
            "cqc_rating": rng.choice(preferred),
        }
    return {"cqc_registered": "No", "cqc_location_id": None, "cqc_rating": None}


def _needs(tender: Tender, rng: random.Random, low: int, high: int) -> str:
    k = min(len(tender.support_needs), rng.randint(low, high))
    chosen = set(rng.sample(tender.support_needs, k))
    return "; ".join(n for n in tender.support_needs if n in chosen)


def _service_rows(
    tender: Tender, sheet: SheetSpec, rng: random.Random, home: str
) -> list[dict[str, Any]]:
    headers = {col.key: col.header for col in sheet.columns}
    rows = []
    districts = [home] + [d for d in tender.districts if d != home]
    for i in range(rng.randint(1, 3)):
        district = districts[0] if i == 0 else rng.choice(districts)
        address, postcode, town = an_address(rng, district)
        days = "Mon;Tue;Wed;Thu;Fri" + (";Sat" if rng.random() < 0.3 else "")
        values = {
            "service_name": f"{town} {rng.choice(SERVICE_KINDS)}",
            "address": address,
            "postcode": postcode,
            "district": district,
            "support_needs": _needs(tender, rng, 2, 4),
            "days_open": days,
        }
        rows.append({header: values.get(key) for key, header in headers.items()})
    return rows


def _pa_rows(
    tender: Tender, sheet: SheetSpec, rng: random.Random, home: str
) -> list[dict[str, Any]]:
    headers = {col.key: col.header for col in sheet.columns}
    others = [d for d in tender.districts if d != home]
    chosen = {home, *rng.sample(others, min(len(others), rng.randint(1, 4)))}
    rows = []
    for district in tender.districts:
        if district in chosen:
            values = {"district": district, "support_needs": _needs(tender, rng, 2, 5)}
            rows.append({header: values.get(key) for key, header in headers.items()})
    return rows


# --- writing -------------------------------------------------------------------------------


class Text(str):
    """Text written as a text cell even when it begins with ``=`` (as Excel stores what a
    bidder typed after an apostrophe): for tests of formula injection."""


def _put(cell: Cell, value: Any, number_format: str | None = None) -> None:
    """Write one value as given (see the module doc); ``number_format`` overrides the default."""
    if isinstance(value, Text):
        cell.value = str(value)
        cell.data_type = "s"
        return
    if value is OMIT:
        value = None
    default: str | None = None
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_UK).replace(tzinfo=None)
        default = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        default = DATE_FORMAT
    before = cell.number_format  # openpyxl replaces it when given a date
    cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    elif default is not None:
        # a cell already formatted (a template's date cell) keeps its format
        cell.number_format = default if before in ("General", "@") else before


def write_bid(
    spec: BidSpec, path: Path, *, formats: Mapping[tuple[str, str], str] | None = None
) -> None:
    """Write ``spec`` as a response workbook; ``formats`` maps (sheet, label or band or header)
    to a number format, e.g. ``("Compliance", "Safeguarding training completion (%)"): "0%"``."""
    number_formats = dict(formats or {})
    wb = Workbook()
    first = wb.active
    if first is not None:
        wb.remove(first)
    for sheet in _layout().sheets:
        if sheet.name in spec.drop_sheets:
            continue
        ws = wb.create_sheet(sheet.name)
        if sheet.kind == "fields":
            values = (
                spec.bidder
                if sheet.name == BIDDER
                else spec.compliance
                if sheet.name == COMPLIANCE
                else {}
            )
            _write_fields(ws, sheet.name, values, number_formats)
        elif sheet.name == PRICING:
            _write_pricing(ws, sheet, spec, number_formats)
        else:
            rows = (
                spec.services
                if sheet.name == SERVICES
                else spec.pa_coverage
                if sheet.name == PA_COVERAGE
                else []
            )
            _write_table(ws, sheet.name, [c.header for c in sheet.columns], rows, number_formats)
    wb.save(path)


def _write_fields(
    ws: Worksheet, name: str, values: Mapping[str, Any], formats: Mapping[tuple[str, str], str]
) -> None:
    ws.append(["Field", "Value"])
    for label, value in values.items():
        if value is OMIT:
            continue
        ws.append([label])
        _put(ws.cell(ws.max_row, 2), value, formats.get((name, label)))


def _write_pricing(
    ws: Worksheet, sheet: SheetSpec, spec: BidSpec, formats: Mapping[tuple[str, str], str]
) -> None:
    ws.append([col.header for col in sheet.columns])
    keys = [col.key for col in sheet.columns]
    for band, price in spec.prices.items():
        if price is OMIT:
            continue
        row = ws.max_row + 1
        for i, key in enumerate(keys, start=1):
            if key == "band":
                ws.cell(row, i, band)
            elif key == "unit":
                ws.cell(row, i, spec.units.get(band))
            elif key == "price":
                _put(ws.cell(row, i), price, formats.get((sheet.name, band)))


def _write_table(
    ws: Worksheet,
    name: str,
    headers: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    formats: Mapping[tuple[str, str], str],
) -> None:
    columns = list(headers)
    for row in rows:
        columns.extend(h for h in row if h not in columns)
    if rows:
        columns = [h for h in columns if not all(row.get(h) is OMIT for row in rows)]
    ws.append(columns)
    for number, row in enumerate(rows, start=2):
        for i, header in enumerate(columns, start=1):
            value = row.get(header)
            if value is not None:
                _put(ws.cell(number, i), value, formats.get((name, header)))


# the template-filling functions live in fill.py (they write with _put, above)
from .fill import fill_template as fill_template  # noqa: E402
