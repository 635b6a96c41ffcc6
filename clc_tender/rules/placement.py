"""Placing a person's package: candidates, exclusions, costs and ranking (``call-off.md``).

Pure functions: the register's members and services, the person's package, where postcodes
are (already looked up) and the officers' exclusions in; options and excluded candidates
out, every exclusion with all its reasons and a stable code. No I/O, no exit. A lot's
candidates are compared with a request all at once by :mod:`.placement_lot`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ..postcodes import Location
from ..tender import Tender

if TYPE_CHECKING:
    from .placement_lot import Lot

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
    # "code: message", as the workbook shows it: made once, as a reason is given to many rows
    text: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", f"{self.code}: {self.message}")

    def line(self) -> str:
        return self.text


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
            if len(item.reasons) == 1:  # most candidates: one reason
                counts[item.reasons[0].code] += 1
                continue
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
class Candidate:
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

    by_lot: Mapping[str, tuple[Candidate, ...]]
    # each lot's candidates prepared for comparing with every request (placement_lot.py)
    lots: Mapping[str, Lot] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        from .placement_lot import Lot

        if not self.lots:
            lots = {lot: Lot(candidates) for lot, candidates in self.by_lot.items()}
            object.__setattr__(self, "lots", lots)


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
    by_lot: dict[str, list[Candidate]] = {}
    for p in providers:
        if p.lot == PERSONAL_ASSISTANTS:
            by_lot.setdefault(p.lot, []).append(
                Candidate(p, None, None, frozenset(), frozenset(), covers_of.get(p.provider_id, {}))
            )
            continue
        for s in services_of.get(p.provider_id, []):
            by_lot.setdefault(p.lot, []).append(
                Candidate(
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


def place(
    package: Package,
    home: Location | None,
    market: Market,
    excluded_by_officers: Mapping[str, Sequence[OfficerExclusion]],
    tender: Tender,
) -> Placement:
    """Judge every candidate of the package's lot: excluded with every reason that applies,
    or an option; the options ranked by weekly cost, distance, quality, organisation."""
    from .placement_lot import judge

    district, shown = person_district(home, tender)
    lot = market.lots.get(package.lot)
    if lot is None or not lot.candidates:
        return Placement(package, home, district or shown, (), ())
    options, excluded = judge(lot, package, home, (district, shown), excluded_by_officers, tender)
    return Placement(package, home, district or shown, options, excluded)
