"""Placing a person's package: candidates, exclusions, costs and ranking (``call-off.md``).

Pure functions: the register's members and services, the person's package, where postcodes
are (already looked up) and the officers' exclusions in; options and excluded candidates
out, every exclusion with all its reasons and a stable code. No I/O, no exit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..postcodes import Location, distance_km
from ..tender import Tender

PENNY = Decimal("0.01")
WEEKS_PER_YEAR = 52
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_SERVICES, PERSONAL_ASSISTANTS = "Day Services", "Personal Assistants"

# the exclusion codes, in the order they are listed (stable: tests and filters use them)
BAND_NOT_PRICED = "band-not-priced"
NEED_NOT_MET = "need-not-met"
DAY_NOT_OPEN = "day-not-open"
TOO_FAR = "too-far"
DISTRICT_NOT_COVERED = "district-not-covered"
POSTCODE_UNKNOWN = "postcode-unknown"
EXCLUDED_BY_OFFICER = "excluded-by-officer"
EXCLUSION_CODES = (
    BAND_NOT_PRICED,
    NEED_NOT_MET,
    DAY_NOT_OPEN,
    TOO_FAR,
    DISTRICT_NOT_COVERED,
    POSTCODE_UNKNOWN,
    EXCLUDED_BY_OFFICER,
)


@dataclass(frozen=True)
class BandLine:
    band: str
    hours: Decimal  # per week


@dataclass(frozen=True)
class Package:
    """One request of the requests workbook: a person's package (its rows agree)."""

    request: str
    lot: str
    home_postcode: str
    support_needs: tuple[str, ...]
    days: tuple[str, ...]
    lines: tuple[BandLine, ...]
    max_distance_km: Decimal | None = None


@dataclass(frozen=True)
class Provider:
    """A member of the framework for one lot, as the register lists it."""

    provider_id: str
    organisation: str
    lot: str
    round: int
    quality_pct: Decimal | None
    conditions: str
    prices: Mapping[str, Decimal]


@dataclass(frozen=True)
class Service:
    """A Day Services service of a member (register sheet ``Services``)."""

    provider_id: str
    name: str
    postcode: str
    district: str
    support_needs: tuple[str, ...]
    days_open: tuple[str, ...]


@dataclass(frozen=True)
class Cover:
    """A district covered by a Personal Assistants member (register sheet ``PA coverage``)."""

    provider_id: str
    district: str
    support_needs: tuple[str, ...]


@dataclass(frozen=True)
class OfficerExclusion:
    """A row of the exclusions workbook: the provider is not to be offered."""

    provider_id: str
    reason: str
    officer: str
    date: dt.date


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def line(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Option:
    rank: int
    provider_id: str
    organisation: str
    service: str  # "" for Personal Assistants
    postcode: str
    district: str
    distance_km: Decimal | None
    location: str  # how the service was located: postcode, sector, outward code, unknown
    hourly: tuple[tuple[str, Decimal], ...]  # (band, £ per hour) for each band of the package
    weekly: Decimal
    annual: Decimal
    above_cheapest: Decimal
    quality_pct: Decimal | None
    conditions: str  # "code: message", one a line


@dataclass(frozen=True)
class Excluded:
    provider_id: str
    organisation: str
    service: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Placement:
    """The options of one request, ranked, and every candidate excluded with its reasons."""

    package: Package
    home: Location | None
    district: str  # the person's district: a county district, "outside the county (E06…)", ""
    options: tuple[Option, ...]
    excluded: tuple[Excluded, ...]

    @property
    def cheapest_weekly(self) -> Decimal | None:
        return self.options[0].weekly if self.options else None

    def excluded_by_code(self) -> dict[str, int]:
        """How many candidates each exclusion code applies to (a market gap shows here)."""
        counts = dict.fromkeys(EXCLUSION_CODES, 0)
        for item in self.excluded:
            for code in {r.code for r in item.reasons}:
                counts[code] += 1
        return {code: n for code, n in counts.items() if n}


# --- money ----------------------------------------------------------------------------------


def line_cost(price: Decimal, unit: str, hours: Decimal, session_hours: int) -> Decimal:
    """The weekly cost of a band line, exact to the penny (half up).

    A session band is pro rata of the session by the hour (¶45): price × hours ÷ session
    hours; an hourly band is price × hours."""
    if unit == "session":
        return (price * hours / Decimal(session_hours)).quantize(PENNY, ROUND_HALF_UP)
    return (price * hours).quantize(PENNY, ROUND_HALF_UP)


def hourly_price(price: Decimal, unit: str, session_hours: int) -> Decimal:
    """The £ per hour of a band's price, as on the rate card: a session ÷ its hours, half up."""
    if unit == "session":
        return (price / Decimal(session_hours)).quantize(PENNY, ROUND_HALF_UP)
    return price


def hours_text(hours: Decimal) -> str:
    """``12``, ``2.5``: hours (or km) as an officer writes them, never ``12.0`` or ``1E+1``."""
    return format(hours.normalize(), "f")


# --- the market: every candidate, prepared once per run ----------------------------------


@dataclass(frozen=True)
class _Candidate:
    provider: Provider
    service: Service | None  # Day Services
    location: Location | None  # of the service
    needs: frozenset[str]  # folded
    days: frozenset[str]
    covers: Mapping[str, frozenset[str]]  # Personal Assistants: district -> folded needs


@dataclass(frozen=True)
class Market:
    """The candidates of each lot, with their services located: built once, used for every
    request."""

    by_lot: Mapping[str, tuple[_Candidate, ...]]


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def build_market(
    providers: Iterable[Provider],
    services: Iterable[Service],
    covers: Iterable[Cover],
    locate: Callable[[str], Location | None],
) -> Market:
    """Day Services: one candidate per service of a member admitted to that lot; Personal
    Assistants: one per member, with the districts it covers."""
    services_of: dict[str, list[Service]] = {}
    for s in services:
        services_of.setdefault(s.provider_id, []).append(s)
    covers_of: dict[str, dict[str, frozenset[str]]] = {}
    for c in covers:
        covers_of.setdefault(c.provider_id, {})[fold(c.district)] = frozenset(
            map(fold, c.support_needs)
        )
    by_lot: dict[str, list[_Candidate]] = {}
    for p in providers:
        if p.lot == PERSONAL_ASSISTANTS:
            by_lot.setdefault(p.lot, []).append(
                _Candidate(
                    p, None, None, frozenset(), frozenset(), covers_of.get(p.provider_id, {})
                )
            )
            continue
        for s in services_of.get(p.provider_id, []):
            by_lot.setdefault(p.lot, []).append(
                _Candidate(
                    p,
                    s,
                    locate(s.postcode) if s.postcode else None,
                    frozenset(map(fold, s.support_needs)),
                    frozenset(map(fold, s.days_open)),
                    {},
                )
            )
    return Market({lot: tuple(c) for lot, c in by_lot.items()})


# --- one request --------------------------------------------------------------------------


def person_district(home: Location | None, tender: Tender) -> tuple[str | None, str]:
    """(the county district of the home, or None; what to show for it)."""
    if home is None:
        return None, ""
    name = tender.district_named(home.district)
    if name is not None:
        return name, name
    return None, f"outside the county ({home.district or 'no district'})"


@dataclass(frozen=True)
class _Wanted:
    """A package as the rules compare it: folded needs and days (shown as typed)."""

    package: Package
    home: Location | None
    district: str | None  # the county district of the home
    district_shown: str
    needs: Mapping[str, str]
    days: Mapping[str, str]


def place(
    package: Package,
    home: Location | None,
    market: Market,
    excluded_by_officers: Mapping[str, Sequence[OfficerExclusion]],
    tender: Tender,
) -> Placement:
    """Judge every candidate of the package's lot: excluded with every reason that applies,
    or an option; the options ranked by weekly cost, distance, quality, organisation."""
    district, shown = person_district(home, tender)
    wanted = _Wanted(
        package,
        home,
        district,
        shown,
        {fold(n): n for n in package.support_needs},
        {fold(d): d for d in package.days},
    )
    ranked: list[tuple[tuple[object, ...], Option]] = []
    excluded: list[Excluded] = []
    for cand in market.by_lot.get(package.lot, ()):
        p, s = cand.provider, cand.service
        missing = [line.band for line in package.lines if p.prices.get(line.band) is None]
        reasons = [Reason(BAND_NOT_PRICED, f"no price for {', '.join(missing)}")] if missing else []
        distance: Decimal | None = None
        if s is not None:
            found, distance = _service_reasons(wanted, cand, s)
            reasons += found
        else:
            reasons += _coverage_reasons(package, home, district, shown, cand, wanted.needs)
        reasons += [
            Reason(
                EXCLUDED_BY_OFFICER,
                f'excluded by {row.officer} on {row.date:%Y-%m-%d}: "{row.reason}"',
            )
            for row in excluded_by_officers.get(p.provider_id, ())
        ]
        if reasons:
            excluded.append(
                Excluded(p.provider_id, p.organisation, s.name if s else "", tuple(reasons))
            )
            continue
        option = _option(wanted, cand, distance, tender)
        key = (
            option.weekly,
            distance is None,
            distance or Decimal(0),
            p.quality_pct is None,
            -(p.quality_pct or Decimal(0)),
            p.organisation.casefold(),
            option.service.casefold(),
            p.provider_id,
        )
        ranked.append((key, option))
    ranked.sort(key=lambda pair: pair[0])
    excluded.sort(key=lambda e: (e.organisation.casefold(), e.service.casefold(), e.provider_id))
    return Placement(
        package, home, district or shown, tuple(_ranked([o for _, o in ranked])), tuple(excluded)
    )


def _service_reasons(
    wanted: _Wanted, cand: _Candidate, s: Service
) -> tuple[list[Reason], Decimal | None]:
    """Day Services: the service's needs, days and straight-line distance from the home."""
    reasons: list[Reason] = []
    missing = [shown for key, shown in wanted.needs.items() if key not in cand.needs]
    if missing:
        reasons.append(
            Reason(NEED_NOT_MET, f"{s.name} does not list {_and(missing)} among its support needs")
        )
    closed = [shown for key, shown in wanted.days.items() if key not in cand.days]
    if closed:
        open_days = ", ".join(s.days_open) or "no day listed"
        reasons.append(
            Reason(DAY_NOT_OPEN, f"{s.name} is not open on {_and(closed)} (open {open_days})")
        )
    limit = wanted.package.max_distance_km
    if wanted.home is None or cand.location is None:
        if limit is not None:
            whose = (
                f"the home postcode {wanted.package.home_postcode}"
                if wanted.home is None
                else f"the service's postcode {s.postcode or '(none)'}"
            )
            reasons.append(
                Reason(
                    POSTCODE_UNKNOWN,
                    f"{whose} cannot be located, so the {hours_text(limit)} km limit "
                    "cannot be checked",
                )
            )
        return reasons, None
    distance = distance_km(wanted.home, cand.location)
    if limit is not None and distance > limit:
        reasons.append(
            Reason(
                TOO_FAR,
                f"{distance} km in a straight line, above the {hours_text(limit)} km limit",
            )
        )
    return reasons, distance


def _option(wanted: _Wanted, cand: _Candidate, distance: Decimal | None, tender: Tender) -> Option:
    """An option not excluded: its costs, pro rata by the hour, and what the team sees."""
    p, s, lines = cand.provider, cand.service, wanted.package.lines
    units = {b.name: b.unit for b in tender.bands}
    hours = tender.session_hours
    weekly = sum(
        (line_cost(p.prices[line.band], units[line.band], line.hours, hours) for line in lines),
        Decimal("0.00"),
    )
    return Option(
        rank=0,
        provider_id=p.provider_id,
        organisation=p.organisation,
        service=s.name if s else "",
        postcode=s.postcode if s else "",
        district=s.district if s else (wanted.district or wanted.district_shown),
        distance_km=distance,
        location=(cand.location.precision if cand.location else "unknown") if s else "",
        hourly=tuple(
            (line.band, hourly_price(p.prices[line.band], units[line.band], hours))
            for line in lines
        ),
        weekly=weekly,
        annual=weekly * WEEKS_PER_YEAR,
        above_cheapest=Decimal("0.00"),
        quality_pct=p.quality_pct,
        conditions=p.conditions,
    )


def _coverage_reasons(
    package: Package,
    home: Location | None,
    district: str | None,
    shown: str,
    cand: _Candidate,
    wanted_needs: Mapping[str, str],
) -> list[Reason]:
    """Personal Assistants: the person's district must be covered, with their needs."""
    if home is None:
        return [
            Reason(
                DISTRICT_NOT_COVERED,
                f"the home postcode {package.home_postcode} cannot be located, "
                "so its district is unknown",
            )
        ]
    if district is None:
        return [
            Reason(
                DISTRICT_NOT_COVERED,
                f"the home postcode {package.home_postcode} is {shown}: no county district",
            )
        ]
    needs = cand.covers.get(fold(district))
    if needs is None:
        return [Reason(DISTRICT_NOT_COVERED, f"does not cover {district}")]
    missing = [shown_need for key, shown_need in wanted_needs.items() if key not in needs]
    if missing:
        return [
            Reason(
                NEED_NOT_MET, f"does not list {_and(missing)} among its support needs in {district}"
            )
        ]
    return []


def _ranked(options: list[Option]) -> list[Option]:
    """Ranks 1, 1, 3: equal weekly cost and distance share a rank; the saving each option
    gives up against the cheapest."""
    result: list[Option] = []
    rank, previous = 0, None
    cheapest = options[0].weekly if options else Decimal("0.00")
    for index, option in enumerate(options, start=1):
        if (option.weekly, option.distance_km) != previous:
            rank, previous = index, (option.weekly, option.distance_km)
        result.append(
            dataclasses.replace(option, rank=rank, above_cheapest=option.weekly - cheapest)
        )
    return result


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
