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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from .rules import months_before
from .tender import Tender, load_tender
from .workbook_format import Format, SheetSpec, load_format, normalise_label

BIDDER = "Bidder"
PRICING = "Pricing"
COMPLIANCE = "Compliance"
SERVICES = "Services"
PA_COVERAGE = "PA Coverage"

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
SCORES_HEADER = ("Bid reference", "Lot", "Question", "Evaluator", "Score", "Comment")
DECISIONS_HEADER = ("Bid reference", "Lot", "Code", "Decision", "Reason", "Officer", "Date")

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
_PLACES: dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = {
    "Blaby": (
        ("Blaby", ("LE8",), ("Lutterworth Road", "Sycamore Street", "Northfield Road")),
        ("Enderby", ("LE19",), ("Mill Lane", "King Street", "Desford Road")),
        ("Narborough", ("LE19",), ("Station Road", "Leicester Road", "Coventry Road")),
    ),
    "Charnwood": (
        ("Loughborough", ("LE11",), ("Baxter Gate", "Ashby Road", "Leicester Road", "Epinal Way")),
        ("Shepshed", ("LE12",), ("Charnwood Road", "Field Street", "Hall Croft")),
        ("Syston", ("LE7",), ("Melton Road", "High Street", "Barkby Road")),
    ),
    "Harborough": (
        ("Market Harborough", ("LE16",), ("St Mary's Road", "Northampton Road", "Coventry Road")),
        ("Lutterworth", ("LE17",), ("Bank Street", "Leicester Road", "Bitteswell Road")),
    ),
    "Hinckley and Bosworth": (
        ("Hinckley", ("LE10",), ("Rugby Road", "Castle Street", "Coventry Road", "Station Road")),
        ("Earl Shilton", ("LE9",), ("Wood Street", "Keats Lane", "Church Street")),
        ("Market Bosworth", ("CV13",), ("Station Road", "Park Street", "Barton Road")),
    ),
    "Melton": (
        ("Melton Mowbray", ("LE13",), ("Burton Street", "Nottingham Road", "Leicester Road")),
        ("Asfordby", ("LE14",), ("Main Street", "Saxelby Road")),
    ),
    "North West Leicestershire": (
        ("Coalville", ("LE67",), ("Belvoir Road", "London Road", "Ashby Road", "Hotel Street")),
        ("Ashby-de-la-Zouch", ("LE65",), ("Market Street", "Tamworth Road", "Kilwardby Street")),
        ("Castle Donington", ("DE74",), ("Borough Street", "Bondgate", "Station Road")),
    ),
    "Oadby and Wigston": (
        ("Oadby", ("LE2",), ("The Parade", "London Road", "Harborough Road")),
        ("Wigston", ("LE18",), ("Bell Street", "Leicester Road", "Long Street")),
    ),
}
_ANY_PLACE = (("Leicester", ("LE1", "LE3", "LE4", "LE5"), ("High Street", "Church Lane")),)
# the letters an inward code may use (no C, I, K, M, O or V)
_INWARD = "ABDEFGHJLNPQRSTUWXYZ"

_ORGANISATIONS = (
    "Charnwood Community Day Opportunities Ltd",
    "Soar Valley Day Services Ltd",
    "Bosworth Lifeskills CIC",
    "Wreake Valley Community Support Ltd",
    "Harborough Pathways Ltd",
    "Bradgate Personal Assistants Ltd",
    "Ivanhoe Community Life Ltd",
    "Welland Day Opportunities CIC",
    "Beacon Hill Support Services Ltd",
    "Watermead Enablement Ltd",
    "Sence Valley Friends CIC",
    "Swithland Care and Support Ltd",
    "Ashby Community Connections Ltd",
    "Quorn House Day Centre Ltd",
    "Wigston Independent Living Ltd",
    "Melton Countryside Opportunities CIC",
)
_PREFIXES = (
    "Charnwood",
    "Soar Valley",
    "Bosworth",
    "Wreake Valley",
    "Harborough",
    "Bradgate",
    "Ivanhoe",
    "Welland",
    "Beacon Hill",
    "Watermead",
    "Sence Valley",
    "Swithland",
    "Ashby",
    "Quorn",
    "Wigston",
    "Melton",
    "Bardon",
    "Foxton Locks",
    "Rutland Water",
    "Ulverscroft",
)
_KINDS = (
    "Community Day Opportunities",
    "Day Services",
    "Lifeskills",
    "Community Support",
    "Pathways",
    "Personal Assistants",
    "Community Life",
    "Enablement",
    "Support Services",
    "Independent Living",
    "Day Centre",
    "Connections",
)
_SUFFIXES = ("Ltd", "CIC", "Limited", "Care Ltd")
_FIRST = (
    "Aisha",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Farhan",
    "Grace",
    "Harpreet",
    "Imogen",
    "James",
    "Kiran",
    "Laura",
    "Mohammed",
    "Nina",
    "Oliver",
    "Priya",
    "Rachel",
    "Sam",
    "Tom",
    "Zara",
)
_LAST = (
    "Patel",
    "Smith",
    "Jones",
    "Mistry",
    "Taylor",
    "Brown",
    "Wilson",
    "Khan",
    "Walker",
    "Hughes",
    "Chauhan",
    "Green",
    "Lewis",
    "Parmar",
    "Wright",
    "Clarke",
    "Hall",
    "Robinson",
)
_SERVICE_KINDS = (
    "Day Opportunities",
    "Community Hub",
    "Life Skills Centre",
    "Resource Centre",
    "Activity Centre",
    "Community Base",
)


def organisation_name(seed: int) -> str:
    """A realistic provider name; the first ones hand-picked, then combined from parts."""
    if 0 <= seed < len(_ORGANISATIONS):
        return _ORGANISATIONS[seed]
    n = abs(seed)
    prefix = _PREFIXES[n % len(_PREFIXES)]
    kind = _KINDS[(n // len(_PREFIXES)) % len(_KINDS)]
    suffix = _SUFFIXES[(n // (len(_PREFIXES) * len(_KINDS))) % len(_SUFFIXES)]
    return f"{prefix} {kind} {suffix}"


def companies_house_number(seed: int) -> str:
    """An 8-digit number, distinct for every seed below 100,000,000."""
    return f"{(seed * 7_654_321 + 1_234_567) % 100_000_000:08d}"


def _postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randint(1, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"


def _places(district: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    return _PLACES.get(district, _ANY_PLACE)


def _address(rng: random.Random, district: str) -> tuple[str, str, str]:
    """(street address with town, postcode, town) in the district."""
    town, outwards, streets = rng.choice(_places(district))
    return (
        f"{rng.randint(1, 180)} {rng.choice(streets)}, {town}",
        _postcode(rng, rng.choice(outwards)),
        town,
    )


def _domain(organisation: str) -> str:
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", organisation.lower())
        if w not in {"ltd", "limited", "cic", "the", "and", "care"}
    ]
    slug = "-".join(words)[:40].strip("-") or "provider"
    return f"{slug}.{'org.uk' if 'cic' in organisation.lower().split() else 'co.uk'}"


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_FIRST), rng.choice(_LAST)


# --- dates ---------------------------------------------------------------------------------


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
    bid_lots = tender.lot_names if lots is None else tuple(lots)
    for lot in bid_lots:
        if lot not in tender.lot_names:
            raise ValueError(f"unknown lot {lot!r} (lots: {', '.join(tender.lot_names)})")
    org = organisation or organisation_name(seed)
    ch = companies_house_number(seed) if companies_house is AUTO else companies_house
    assert not isinstance(ch, _Sentinel)
    deadline = _local_deadline(tender)
    home = rng.choice(tender.districts)
    address, postcode, town = _address(rng, home)
    first, last = _person(rng)
    domain = _domain(org)
    sig_first, sig_last = _person(rng)

    submitted = deadline - dt.timedelta(
        days=rng.randint(1, 13),
        hours=rng.randint(0, 5),
        minutes=rng.randint(0, 59),
        seconds=rng.randint(0, 59),
    )
    bidder_values: dict[str, Any] = {
        "format_version": fmt.version,
        "bid_reference": ref,
        "organisation_name": org,
        "companies_house_number": ch,
        "charity_number": charity,
        "registered_address": address,
        "postcode": postcode,
        "contact_name": f"{first} {last}",
        "contact_email": f"{first.lower()}.{last.lower()}@{domain}",
        "contact_telephone": f"0116 496 0{rng.randint(0, 999):03d}",
        "submitted_at": submitted,
        "declaration_accepted": "Yes",
        "signatory_name": f"{sig_first} {sig_last}",
    }
    for lot in tender.lot_names:
        bidder_values[f"bidding_for:{lot}"] = "Yes" if lot in bid_lots else "No"

    compliance_values = _compliance_values(tender, rng, deadline.date(), bid_lots)
    compliance_values["safeguarding_lead"] = " ".join(_person(rng))

    prices: dict[str, Any] = {}
    for band in tender.bands:
        if band.lot in bid_lots:
            span = int((band.ceiling - band.floor) / _PENNY)
            prices[band.name] = band.floor + rng.randint(0, span) * _PENNY
        else:
            prices[band.name] = None

    coverage: dict[str, list[dict[str, Any]]] = {SERVICES: [], PA_COVERAGE: []}
    for lot_spec in tender.lots:
        if lot_spec.name not in bid_lots or lot_spec.coverage_sheet not in coverage:
            continue
        sheet = fmt.sheet(lot_spec.coverage_sheet)
        if lot_spec.coverage_sheet == SERVICES:
            coverage[SERVICES] = _service_rows(tender, sheet, rng, home)
        else:
            coverage[PA_COVERAGE] = _pa_rows(tender, sheet, rng, home)

    return BidSpec(
        bidder=_by_label(fmt.sheet(BIDDER), bidder_values),
        compliance=_by_label(fmt.sheet(COMPLIANCE), compliance_values),
        prices=prices,
        services=coverage[SERVICES],
        pa_coverage=coverage[PA_COVERAGE],
        units={band.name: band.unit for band in tender.bands},
    )


def _by_label(sheet: SheetSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    return {spec.label: values.get(spec.key) for spec in sheet.fields}


def _compliance_values(
    tender: Tender, rng: random.Random, deadline: dt.date, bid_lots: Sequence[str]
) -> dict[str, Any]:
    fin = tender.finance
    ins = tender.insurance
    accounts = months_before(deadline, min(6, fin.max_accounts_age_months))
    accounts = min(
        accounts.replace(day=_month_length(accounts.year, accounts.month)),
        deadline - dt.timedelta(days=1),
    )
    liabilities = Decimal(rng.randint(30, 250) * 1000 + rng.randint(0, 999))
    ratio = fin.min_current_ratio + Decimal(rng.randint(30, 150)) / 100
    start = tender.framework_start

    def cover(minimum: Decimal, options: Sequence[int]) -> Decimal:
        return max(minimum, Decimal(rng.choice(options)))

    def expiry() -> dt.date:
        return start + dt.timedelta(days=rng.randint(45, 330))

    values: dict[str, Any] = {
        "mandatory_exclusion": "No",
        "discretionary_exclusion": "No",
        "debarred": "No",
        "turnover": max(fin.min_turnover, Decimal(0)) * rng.randint(8, 60)
        + Decimal(rng.randint(0, 49_999)),
        "accounts_year_end": accounts,
        "net_assets": max(fin.min_net_assets, Decimal(0)) + Decimal(rng.randint(40_000, 600_000)),
        "current_assets": (liabilities * ratio).quantize(Decimal(1), rounding=ROUND_CEILING),
        "current_liabilities": liabilities,
        "parent_company_guarantee": "No",
        "employers_liability": cover(ins.employers_liability, (10_000_000,)),
        "employers_liability_expiry": expiry(),
        "public_liability": cover(ins.public_liability, (5_000_000, 10_000_000)),
        "public_liability_expiry": expiry(),
        "professional_indemnity": cover(
            ins.professional_indemnity, (1_000_000, 2_000_000, 5_000_000)
        ),
        "professional_indemnity_expiry": expiry(),
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
    must_register = any(tender.lot(lot).cqc_registration_required for lot in bid_lots)
    if must_register or rng.random() < 0.5:
        passing = [
            r
            for r in tender.safeguarding.cqc_ratings
            if r not in tender.safeguarding.failing_cqc_ratings
        ]
        preferred = [r for r in ("Good", "Outstanding") if r in passing] or passing
        values["cqc_registered"] = "Yes"
        values["cqc_location_id"] = f"1-{rng.randint(100_000_000, 9_999_999_999)}"
        values["cqc_rating"] = rng.choice(preferred)
    else:
        values["cqc_registered"] = "No"
        values["cqc_location_id"] = None
        values["cqc_rating"] = None
    return values


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
        address, postcode, town = _address(rng, district)
        days = "Mon;Tue;Wed;Thu;Fri" + (";Sat" if rng.random() < 0.3 else "")
        values = {
            "service_name": f"{town} {rng.choice(_SERVICE_KINDS)}",
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


def _write_simple(
    path: Path, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(header))
    for number, row in enumerate(rows, start=2):
        for i, value in enumerate(row, start=1):
            if value is not None:
                _put(ws.cell(number, i), value)
    wb.save(path)


def write_scores(
    rows: Iterable[tuple[str, str, str, str, int | str | None, str]], path: Path
) -> None:
    """The evaluation panel's scores workbook: (bid reference, lot, question, evaluator, score,
    comment) rows on sheet ``Scores``."""
    _write_simple(path, "Scores", SCORES_HEADER, rows)


def write_decisions(rows: Iterable[tuple[Any, ...]], path: Path) -> None:
    """The officers' decisions workbook: (bid reference, lot, code, decision, reason, officer,
    date) rows on sheet ``Decisions``."""
    _write_simple(path, "Decisions", DECISIONS_HEADER, rows)


REQUESTS_HEADER = ("Request", "Lot", "Home postcode", "Support needs", "Days", "Band",
                   "Hours per week", "Max distance (km)")
EXCLUSIONS_HEADER = ("Provider ID", "Reason", "Officer", "Date")


def write_requests(rows: Iterable[tuple[Any, ...]], path: Path,
                   header: Sequence[str] = REQUESTS_HEADER) -> None:
    """The brokerage team's requests workbook for ``place``: (request, lot, home postcode,
    support needs, days, band, hours per week, max distance) rows on sheet ``Requests``."""
    _write_simple(path, "Requests", tuple(header), rows)


def write_exclusions(rows: Iterable[tuple[Any, ...]], path: Path) -> None:
    """The officers' exclusions for ``place``: (provider ID, reason, officer, date) rows."""
    _write_simple(path, "Exclusions", EXCLUSIONS_HEADER, rows)


# --- filling the template ------------------------------------------------------------------


def fill_template(template_path: Path, spec: BidSpec, out: Path) -> None:
    """Fill a template written by ``clc-tender template`` with ``spec``'s values, matching
    labels, band names and headers; the template's validations, formats and protection stay.

    A label or band the template lacks is added below its rows; :data:`OMIT` leaves the
    template's value cell blank (a template row cannot be removed without shifting its
    validations).
    """
    wb = load_workbook(template_path)
    for name in spec.drop_sheets:
        if name in wb.sheetnames:
            del wb[name]
    for name, values in ((BIDDER, spec.bidder), (COMPLIANCE, spec.compliance)):
        if name in wb.sheetnames:
            _fill_fields(wb[name], values)
    if PRICING in wb.sheetnames:
        _fill_pricing(wb[PRICING], spec)
    for name, rows in ((SERVICES, spec.services), (PA_COVERAGE, spec.pa_coverage)):
        if name in wb.sheetnames:
            _fill_table(wb[name], rows)
    wb.save(out)


def _rows_by_label(ws: Worksheet, column: int = 1) -> dict[str, int]:
    index: dict[str, int] = {}
    for row in range(2, ws.max_row + 1):
        label = ws.cell(row, column).value
        if label is not None and str(label).strip():
            index.setdefault(normalise_label(label), row)
    return index


def _fill_fields(ws: Worksheet, values: Mapping[str, Any]) -> None:
    index = _rows_by_label(ws)
    for label, value in values.items():
        row = index.get(normalise_label(label))
        if row is None:
            if value is OMIT:
                continue
            row = ws.max_row + 1
            ws.cell(row, 1, label)
            index[normalise_label(label)] = row
        _put(ws.cell(row, 2), value)


def _header_columns(ws: Worksheet) -> dict[str, int]:
    return {
        normalise_label(cell.value): cell.column
        for cell in ws[1]
        if cell.value is not None and isinstance(cell.column, int)
    }


def _fill_pricing(ws: Worksheet, spec: BidSpec) -> None:
    columns = _header_columns(ws)
    band_col = columns.get("band", 1)
    unit_col = columns.get("unit", 2)
    price_col = columns.get(normalise_label("Price (£)"), 3)
    index = _rows_by_label(ws, band_col)
    for band, price in spec.prices.items():
        row = index.get(normalise_label(band))
        if row is None:
            if price is OMIT:
                continue
            row = ws.max_row + 1
            ws.cell(row, band_col, band)
            ws.cell(row, unit_col, spec.units.get(band))
        _put(ws.cell(row, price_col), price)


def _fill_table(ws: Worksheet, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = _header_columns(ws)
    for number, row in enumerate(rows, start=2):
        for header, value in row.items():
            col = columns.get(normalise_label(header))
            if col is None:
                col = max(columns.values(), default=0) + 1
                ws.cell(1, col, header)
                columns[normalise_label(header)] = col
            _put(ws.cell(number, col), value)
