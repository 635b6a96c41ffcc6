"""Placing a person's package: candidates, exclusions, costs and ranking (``call-off.md``).

Pure functions: the register's members and services, the person's package, where postcodes
are (already looked up) and the officers' exclusions in; options and excluded candidates
out, every exclusion with all its reasons and a stable code. No I/O, no exit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np

from ..postcodes import Grid, Location
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
    lots: Mapping[str, _Lot] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.lots:
            lots = {lot: _Lot(candidates) for lot, candidates in self.by_lot.items()}
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


class _Lot:
    """A lot's candidates as every request compares them, prepared once per run.

    Held in the order excluded candidates are listed (organisation, service, provider ID),
    with each one's place in the order that breaks a tie of cost and distance (quality,
    organisation, service, provider ID), its member, its needs and days as bits and its grid
    point, as arrays that a request compares all at once. What a request works out that
    another may ask again (a reason's wording, a member's cost for a package's lines) is kept.
    """

    def __init__(self, candidates: tuple[_Candidate, ...]) -> None:
        def listed(c: _Candidate) -> tuple[str, str, str]:
            service = c.service.name if c.service else ""
            return (c.provider.organisation.casefold(), service.casefold(), c.provider.provider_id)

        self.candidates = sorted(candidates, key=listed)
        cands = self.candidates
        self.services = any(c.service is not None for c in cands)

        def preferred(i: int) -> tuple[object, ...]:
            quality = cands[i].provider.quality_pct
            return (quality is None, -(quality or Decimal(0)), *listed(cands[i]))

        self.tie = np.empty(len(cands), dtype=np.int64)
        self.tie[sorted(range(len(cands)), key=preferred)] = np.arange(len(cands))
        members: dict[int, int] = {}
        self.providers: list[Provider] = []
        for c in cands:
            if id(c.provider) not in members:
                members[id(c.provider)] = len(self.providers)
                self.providers.append(c.provider)
        self.member = np.array([members[id(c.provider)] for c in cands], dtype=np.intp)
        self.bits: dict[str, int] = {}
        self.needs = self._masks([c.needs for c in cands])
        self.days = self._masks([c.days for c in cands])
        self.grid = Grid(
            [c.location.easting if c.location else math.nan for c in cands],
            [c.location.northing if c.location else math.nan for c in cands],
        )
        self.reasons: dict[tuple[object, ...], Reason] = {}
        self.unpriced: dict[tuple[str, ...], Reason] = {}
        self.unmet: dict[tuple[int, tuple[str, ...]], Reason] = {}
        self.shut: dict[tuple[int, tuple[str, ...]], Reason] = {}
        self.far: dict[tuple[int, str], Reason] = {}
        self.offers: dict[tuple[object, ...], _Offers] = {}

    def _masks(self, keys: list[frozenset[str]]) -> np.ndarray:
        masks = []
        for each in keys:
            mask = 0
            for key in sorted(each):
                mask |= 1 << self.bits.setdefault(key, len(self.bits))
            masks.append(mask)
        # Python's integers where the bits outgrow a machine word (a register of odd lists)
        return np.array(masks, dtype=np.int64 if len(self.bits) < 63 else object)

    def wanted(self, shown_by_key: Mapping[str, str]) -> _Wanted:
        """A request's needs (or days) as bits, with each bit's name as typed; what no
        candidate lists gets a bit of its own, never met."""
        spare = len(self.bits)
        named: list[tuple[int, str]] = []
        known = unknown = 0
        for key, shown in shown_by_key.items():
            bit = self.bits.get(key)
            if bit is None:
                unknown |= 1 << spare
                named.append((1 << spare, shown))
                spare += 1
            else:
                known |= 1 << bit
                named.append((1 << bit, shown))
        return _Wanted(known, unknown, named, {})

    def reason(self, key: tuple[object, ...], code: str, message: Callable[[], str]) -> Reason:
        found = self.reasons.get(key)
        if found is None:
            found = self.reasons[key] = Reason(code, message())
        return found

    def offers_for(self, lines: tuple[BandLine, ...], tender: Tender) -> _Offers:
        """Each member's offer for the package's lines (kept: many packages share lines)."""
        units = tuple((b.name, b.unit) for b in tender.bands)
        key = (lines, units, tender.session_hours)
        found = self.offers.get(key)
        if found is None:
            offers = [_offer(p, lines, dict(units), tender.session_hours) for p in self.providers]
            unpriced = np.array([bool(o.missing) for o in offers], dtype=bool)
            found = self.offers[key] = _Offers(offers, unpriced[self.member])
        return found


@dataclass(frozen=True)
class _Wanted:
    """A request's needs or days as bits: those some candidate lists (``known``), those none
    does (``unknown``), each bit's name as typed, and the names of each set of bits unmet."""

    known: int
    unknown: int
    named: list[tuple[int, str]]
    names_of: dict[int, tuple[str, ...]]

    def missing(self, unmet: int) -> tuple[str, ...]:
        found = self.names_of.get(unmet)
        if found is None:
            found = self.names_of[unmet] = tuple(name for bit, name in self.named if bit & unmet)
        return found


@dataclass(frozen=True)
class _Offer:
    """A member's price for a package: ``missing`` the bands it has not priced (then no cost)."""

    missing: tuple[str, ...]
    weekly: Decimal
    annual: Decimal
    hourly: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class _Offers:
    """Every member's offer for a package's lines, and which candidates have a band unpriced."""

    by_member: list[_Offer]
    unpriced: np.ndarray


def _offer(
    p: Provider, lines: tuple[BandLine, ...], units: Mapping[str, str], hours: int
) -> _Offer:
    missing = tuple(line.band for line in lines if p.prices.get(line.band) is None)
    if missing:
        return _Offer(missing, Decimal("0.00"), Decimal("0.00"), ())
    weekly = sum(
        (line_cost(p.prices[line.band], units[line.band], line.hours, hours) for line in lines),
        Decimal("0.00"),
    )
    hourly = tuple(
        (line.band, hourly_price(p.prices[line.band], units[line.band], hours)) for line in lines
    )
    return _Offer((), weekly, weekly * WEEKS_PER_YEAR, hourly)


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
class _Request:
    """A package as the rules compare it with one lot's candidates."""

    package: Package
    home: Location | None
    district: str | None  # the county district of the home
    district_shown: str
    offers: _Offers
    officers: Mapping[int, tuple[Reason, ...]]  # by member


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
    lot = market.lots.get(package.lot)
    if lot is None or not lot.candidates:
        return Placement(package, home, district or shown, (), ())
    request = _Request(
        package,
        home,
        district,
        shown,
        lot.offers_for(package.lines, tender),
        _officer_reasons(lot, excluded_by_officers),
    )
    if lot.services:
        excluded, options, tenths = _judge_services(lot, request)
    else:
        excluded, options = _judge_covers(lot, request)
        tenths = np.full(len(lot.candidates), -1, dtype=np.int64)
    ranked = _ranked(lot, request, options, tenths)
    return Placement(package, home, district or shown, ranked, tuple(excluded))


def _officer_reasons(
    lot: _Lot, excluded_by_officers: Mapping[str, Sequence[OfficerExclusion]]
) -> dict[int, tuple[Reason, ...]]:
    """The officers' exclusions of the lot's members, quoted, by member."""
    found: dict[int, tuple[Reason, ...]] = {}
    if not excluded_by_officers:
        return found
    for m, p in enumerate(lot.providers):
        rows = excluded_by_officers.get(p.provider_id, ())
        if rows:
            found[m] = tuple(
                Reason(
                    EXCLUDED_BY_OFFICER,
                    f'excluded by {row.officer} on {row.date:%Y-%m-%d}: "{row.reason}"',
                )
                for row in rows
            )
    return found


def _judge_services(lot: _Lot, request: _Request) -> tuple[list[Excluded], np.ndarray, np.ndarray]:
    """Day Services: every service's bands, needs, days and distance at once; the reasons of
    each one excluded, in the order they are listed. Returns (excluded, the options' indices,
    every candidate's distance in tenths of a km, -1 where unknown)."""
    package, home = request.package, request.home
    needs = lot.wanted({fold(n): n for n in package.support_needs})
    days = lot.wanted({fold(d): d for d in package.days})
    unmet = needs.known & ~lot.needs
    shut = days.known & ~lot.days
    if home is not None:
        tenths = lot.grid.tenths_from(home)
    else:
        tenths = np.full(len(lot.candidates), -1, dtype=np.int64)
    limit = package.max_distance_km
    bad = request.offers.unpriced | (unmet != 0) | (shut != 0)
    if needs.unknown or days.unknown:
        bad |= True
    furthest = 0  # the furthest distance allowed, in whole tenths of a km
    limit_km = ""  # as the reasons show it
    if limit is not None:
        limit_km = hours_text(limit)
        furthest = int((limit * 10).to_integral_value(ROUND_FLOOR))
        bad |= (tenths > furthest) | (tenths < 0)
    if request.officers:
        bad |= np.isin(lot.member, list(request.officers))
    unmet_l, shut_l, tenths_l = unmet.tolist(), shut.tolist(), tenths.tolist()
    member_l = lot.member.tolist()
    offers = request.offers.by_member
    excluded = []
    for i in np.flatnonzero(bad).tolist():
        c = lot.candidates[i]
        s = c.service
        assert s is not None
        m = member_l[i]
        reasons: list[Reason] = []
        offer = offers[m]
        if offer.missing:
            reasons.append(_unpriced(lot, offer.missing))
        if unmet_l[i] or needs.unknown:
            reasons.append(_unmet(lot, i, s, needs.missing(unmet_l[i] | needs.unknown)))
        if shut_l[i] or days.unknown:
            reasons.append(_shut(lot, i, s, days.missing(shut_l[i] | days.unknown)))
        if limit is not None:
            if tenths_l[i] < 0:
                reasons.append(_unlocated(lot, package, home, s.postcode, limit_km))
            elif tenths_l[i] > furthest:
                reasons.append(_too_far(lot, tenths_l[i], limit_km))
        reasons += request.officers.get(m, ())
        excluded.append(
            Excluded(c.provider.provider_id, c.provider.organisation, s.name, tuple(reasons))
        )
    return excluded, np.flatnonzero(~bad), tenths


def _unpriced(lot: _Lot, missing: tuple[str, ...]) -> Reason:
    found = lot.unpriced.get(missing)
    if found is None:
        found = lot.unpriced[missing] = Reason(
            BAND_NOT_PRICED, f"no price for {', '.join(missing)}"
        )
    return found


def _unmet(lot: _Lot, i: int, s: Service, missing: tuple[str, ...]) -> Reason:
    key = (i, missing)
    found = lot.unmet.get(key)
    if found is None:
        found = lot.unmet[key] = Reason(
            NEED_NOT_MET, f"{s.name} does not list {_and(missing)} among its support needs"
        )
    return found


def _shut(lot: _Lot, i: int, s: Service, closed: tuple[str, ...]) -> Reason:
    key = (i, closed)
    found = lot.shut.get(key)
    if found is None:
        open_days = ", ".join(s.days_open) or "no day listed"
        found = lot.shut[key] = Reason(
            DAY_NOT_OPEN, f"{s.name} is not open on {_and(closed)} (open {open_days})"
        )
    return found


def _too_far(lot: _Lot, tenths: int, limit: str) -> Reason:
    key = (tenths, limit)
    found = lot.far.get(key)
    if found is None:
        found = lot.far[key] = Reason(
            TOO_FAR, f"{km(tenths)} km in a straight line, above the {limit} km limit"
        )
    return found


def _unlocated(
    lot: _Lot, package: Package, home: Location | None, postcode: str, limit: str
) -> Reason:
    whose = (
        f"the home postcode {package.home_postcode}"
        if home is None
        else f"the service's postcode {postcode or '(none)'}"
    )
    return lot.reason(
        (POSTCODE_UNKNOWN, whose, limit),
        POSTCODE_UNKNOWN,
        lambda: f"{whose} cannot be located, so the {limit} km limit cannot be checked",
    )


def _judge_covers(lot: _Lot, request: _Request) -> tuple[list[Excluded], np.ndarray]:
    """Personal Assistants: each member's bands and its cover of the person's district."""
    excluded = []
    options = []
    wanted = list({fold(n): n for n in request.package.support_needs}.items())
    member_l = lot.member.tolist()
    for i, c in enumerate(lot.candidates):
        m = member_l[i]
        offer = request.offers.by_member[m]
        reasons = [_unpriced(lot, offer.missing)] if offer.missing else []
        reasons += _coverage_reasons(lot, request, c, wanted)
        reasons += request.officers.get(m, ())
        if reasons:
            p = c.provider
            excluded.append(Excluded(p.provider_id, p.organisation, "", tuple(reasons)))
        else:
            options.append(i)
    return excluded, np.array(options, dtype=np.intp)


def _coverage_reasons(
    lot: _Lot, request: _Request, cand: _Candidate, wanted: list[tuple[str, str]]
) -> list[Reason]:
    """Personal Assistants: the person's district must be covered, with their needs."""
    package, district = request.package, request.district
    if request.home is None:
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
                f"the home postcode {package.home_postcode} is {request.district_shown}: "
                "no county district",
            )
        ]
    needs = cand.covers.get(fold(district))
    if needs is None:
        return [
            lot.reason(
                (DISTRICT_NOT_COVERED, district),
                DISTRICT_NOT_COVERED,
                lambda: f"does not cover {district}",
            )
        ]
    missing = tuple(shown for key, shown in wanted if key not in needs)
    if missing:
        return [
            lot.reason(
                (NEED_NOT_MET, district, missing),
                NEED_NOT_MET,
                lambda: f"does not list {_and(missing)} among its support needs in {district}",
            )
        ]
    return []


_KM: dict[int, Decimal] = {}


def km(tenths: int) -> Decimal:
    """A distance in tenths of a km as the Decimal km it is (``31`` -> ``3.1``)."""
    found = _KM.get(tenths)
    if found is None:
        found = _KM[tenths] = Decimal(tenths).scaleb(-1)
    return found


def _ranked(
    lot: _Lot, request: _Request, options: np.ndarray, tenths: np.ndarray
) -> tuple[Option, ...]:
    """The options ranked by weekly cost, distance (unknown last), then quality, organisation,
    service and provider ID; ranks 1, 1, 3: equal weekly cost and distance share a rank; the
    saving each option gives up against the cheapest."""
    if not len(options):
        return ()
    offers = request.offers.by_member
    member = lot.member[options].tolist()
    weekly = [offers[m].weekly for m in member]
    pence = np.array([int(w * 100) for w in weekly], dtype=np.int64)
    distance = tenths[options]
    unknown = distance < 0
    order = np.lexsort((lot.tie[options], np.maximum(distance, 0), unknown, pence)).tolist()
    index, distance_l, unknown_l = options.tolist(), distance.tolist(), unknown.tolist()
    ranked: list[Option] = []
    rank, previous = 0, None
    cheapest = weekly[order[0]]
    district = request.district or request.district_shown
    for position, k in enumerate(order, start=1):
        if (weekly[k], distance_l[k]) != previous:
            rank, previous = position, (weekly[k], distance_l[k])
        c = lot.candidates[index[k]]
        p, s = c.provider, c.service
        offer = offers[member[k]]
        ranked.append(
            Option(
                rank=rank,
                provider_id=p.provider_id,
                organisation=p.organisation,
                service=s.name if s else "",
                postcode=s.postcode if s else "",
                district=s.district if s else district,
                distance_km=None if unknown_l[k] else km(distance_l[k]),
                location=(c.location.precision if c.location else "unknown") if s else "",
                hourly=offer.hourly,
                weekly=weekly[k],
                annual=offer.annual,
                above_cheapest=weekly[k] - cheapest,
                quality_pct=p.quality_pct,
                conditions=p.conditions,
            )
        )
    return tuple(ranked)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
