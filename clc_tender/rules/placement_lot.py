"""The candidates of one lot, prepared once per run and compared with each request all at once
(``call-off.md``, "Which options, in which order"); the rules of :mod:`.placement` as arrays.

A lot's candidates are held in the order excluded candidates are listed, with their needs and
days as bits, their grid points and their members; a request's exclusions are worked out for
every candidate in a few array operations, and only the candidates excluded are looked at one
by one, for the wording of their reasons (kept, as many requests give the same reasons).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np

from ..postcodes import Grid, Location
from ..tender import Tender
from .placement import (
    BAND_NOT_PRICED,
    DAY_NOT_OPEN,
    DISTRICT_NOT_COVERED,
    EXCLUDED_BY_OFFICER,
    NEED_NOT_MET,
    POSTCODE_UNKNOWN,
    TOO_FAR,
    WEEKS_PER_YEAR,
    BandLine,
    Candidate,
    Excluded,
    OfficerExclusion,
    Option,
    Package,
    Provider,
    Reason,
    Service,
    fold,
    hourly_price,
    hours_text,
    line_cost,
)


class Lot:
    """A lot's candidates as every request compares them, prepared once per run.

    Held in the order excluded candidates are listed (organisation, service, provider ID),
    with each one's place in the order that breaks a tie of cost and distance (quality,
    organisation, service, provider ID), its member, its needs and days as bits and its grid
    point, as arrays that a request compares all at once. What a request works out that
    another may ask again (a reason's wording, a member's cost for a package's lines) is kept.
    """

    def __init__(self, candidates: tuple[Candidate, ...]) -> None:
        def listed(c: Candidate) -> tuple[str, str, str]:
            service = c.service.name if c.service else ""
            return (c.provider.organisation.casefold(), service.casefold(), c.provider.provider_id)

        self.candidates = sorted(candidates, key=listed)
        cands = self.candidates

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
        self.member_list: list[int] = self.member.tolist()
        # Day Services: each candidate's service (a lot's candidates all have one, or none has)
        services = [c.service for c in cands if c.service is not None]
        self.service_list = services if len(services) == len(cands) else []
        self.services = bool(self.service_list)
        # what an option or an excluded row shows of each candidate
        self.shown = [
            (
                c.provider.provider_id,
                c.provider.organisation,
                c.service.name if c.service else "",
                c.service.postcode if c.service else "",
                c.service.district if c.service else None,  # None: the person's district
                (c.location.precision if c.location else "unknown") if c.service else "",
            )
            for c in cands
        ]
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
        self.offers: dict[tuple[object, ...], Offers] = {}

    def _masks(self, keys: list[frozenset[str]]) -> np.ndarray:
        masks = []
        for each in keys:
            mask = 0
            for key in sorted(each):
                mask |= 1 << self.bits.setdefault(key, len(self.bits))
            masks.append(mask)
        # Python's integers where the bits outgrow a machine word (a register of odd lists)
        return np.array(masks, dtype=np.int64 if len(self.bits) < 63 else object)

    def wanted(self, shown_by_key: Mapping[str, str]) -> Wanted:
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
        return Wanted(known, unknown, named, {})

    def reason(self, key: tuple[object, ...], code: str, message: Callable[[], str]) -> Reason:
        found = self.reasons.get(key)
        if found is None:
            found = self.reasons[key] = Reason(code, message())
        return found

    def offers_for(self, lines: tuple[BandLine, ...], tender: Tender) -> Offers:
        """Each member's offer for the package's lines (kept: many packages share lines)."""
        units = tuple((b.name, b.unit) for b in tender.bands)
        key = (lines, units, tender.session_hours)
        found = self.offers.get(key)
        if found is None:
            offers = [offer(p, lines, dict(units), tender.session_hours) for p in self.providers]
            unpriced = np.array([bool(o.missing) for o in offers], dtype=bool)
            found = self.offers[key] = Offers(offers, unpriced[self.member])
        return found


@dataclass(frozen=True)
class Wanted:
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
class Offer:
    """A member's price for a package: ``missing`` the bands it has not priced (then no cost)."""

    missing: tuple[str, ...]
    weekly: Decimal
    annual: Decimal
    hourly: tuple[tuple[str, Decimal], ...]
    pence: int = 0  # the weekly cost in pence, to sort by


@dataclass(frozen=True)
class Offers:
    """Every member's offer for a package's lines, and which candidates have a band unpriced."""

    by_member: list[Offer]
    unpriced: np.ndarray


def offer(p: Provider, lines: tuple[BandLine, ...], units: Mapping[str, str], hours: int) -> Offer:
    missing = tuple(line.band for line in lines if p.prices.get(line.band) is None)
    if missing:
        return Offer(missing, Decimal("0.00"), Decimal("0.00"), ())
    weekly = sum(
        (line_cost(p.prices[line.band], units[line.band], line.hours, hours) for line in lines),
        Decimal("0.00"),
    )
    hourly = tuple(
        (line.band, hourly_price(p.prices[line.band], units[line.band], hours)) for line in lines
    )
    return Offer((), weekly, weekly * WEEKS_PER_YEAR, hourly, int(weekly * 100))


@dataclass(frozen=True)
class Request:
    """A package as the rules compare it with one lot's candidates."""

    package: Package
    home: Location | None
    district: str | None  # the county district of the home
    district_shown: str
    offers: Offers
    officers: Mapping[int, tuple[Reason, ...]]  # by member


def judge(
    lot: Lot,
    package: Package,
    home: Location | None,
    district: tuple[str | None, str],
    excluded_by_officers: Mapping[str, Sequence[OfficerExclusion]],
    tender: Tender,
) -> tuple[tuple[Option, ...], tuple[Excluded, ...]]:
    """The package's options, ranked, and its excluded candidates with their reasons.
    ``district``: the county district of the home (or None) and what to show for it."""
    request = Request(
        package,
        home,
        district[0],
        district[1],
        lot.offers_for(package.lines, tender),
        _officer_reasons(lot, excluded_by_officers),
    )
    if lot.services:
        excluded, options, tenths = _judge_services(lot, request)
    else:
        excluded, options = _judge_covers(lot, request)
        tenths = np.full(len(lot.candidates), -1, dtype=np.int64)
    return _ranked(lot, request, options, tenths), tuple(excluded)


def _officer_reasons(
    lot: Lot, excluded_by_officers: Mapping[str, Sequence[OfficerExclusion]]
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


def _judge_services(lot: Lot, request: Request) -> tuple[list[Excluded], np.ndarray, np.ndarray]:
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
    member_l = lot.member_list
    unpriced = [_unpriced(lot, o.missing) if o.missing else None for o in request.offers.by_member]
    officers = request.officers
    needs_unknown, days_unknown = needs.unknown, days.unknown
    excluded = []
    for i in np.flatnonzero(bad).tolist():
        s = lot.service_list[i]
        m = member_l[i]
        reasons: list[Reason] = []
        band = unpriced[m]
        if band is not None:
            reasons.append(band)
        if unmet_l[i] or needs_unknown:
            reasons.append(_unmet(lot, i, s, needs.missing(unmet_l[i] | needs_unknown)))
        if shut_l[i] or days_unknown:
            reasons.append(_shut(lot, i, s, days.missing(shut_l[i] | days_unknown)))
        if limit is not None:
            if tenths_l[i] < 0:
                reasons.append(_unlocated(lot, package, home, s.postcode, limit_km))
            elif tenths_l[i] > furthest:
                reasons.append(_too_far(lot, tenths_l[i], limit_km))
        if officers:
            reasons += officers.get(m, ())
        shown = lot.shown[i]
        excluded.append(Excluded(shown[0], shown[1], shown[2], tuple(reasons)))
    return excluded, np.flatnonzero(~bad), tenths


def _unpriced(lot: Lot, missing: tuple[str, ...]) -> Reason:
    found = lot.unpriced.get(missing)
    if found is None:
        found = lot.unpriced[missing] = Reason(
            BAND_NOT_PRICED, f"no price for {', '.join(missing)}"
        )
    return found


def _unmet(lot: Lot, i: int, s: Service, missing: tuple[str, ...]) -> Reason:
    key = (i, missing)
    found = lot.unmet.get(key)
    if found is None:
        found = lot.unmet[key] = Reason(
            NEED_NOT_MET, f"{s.name} does not list {_and(missing)} among its support needs"
        )
    return found


def _shut(lot: Lot, i: int, s: Service, closed: tuple[str, ...]) -> Reason:
    key = (i, closed)
    found = lot.shut.get(key)
    if found is None:
        open_days = ", ".join(s.days_open) or "no day listed"
        found = lot.shut[key] = Reason(
            DAY_NOT_OPEN, f"{s.name} is not open on {_and(closed)} (open {open_days})"
        )
    return found


def _too_far(lot: Lot, tenths: int, limit: str) -> Reason:
    key = (tenths, limit)
    found = lot.far.get(key)
    if found is None:
        found = lot.far[key] = Reason(
            TOO_FAR, f"{km(tenths)} km in a straight line, above the {limit} km limit"
        )
    return found


def _unlocated(
    lot: Lot, package: Package, home: Location | None, postcode: str, limit: str
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


def _judge_covers(lot: Lot, request: Request) -> tuple[list[Excluded], np.ndarray]:
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
    lot: Lot, request: Request, cand: Candidate, wanted: list[tuple[str, str]]
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
    lot: Lot, request: Request, options: np.ndarray, tenths: np.ndarray
) -> tuple[Option, ...]:
    """The options ranked by weekly cost, distance (unknown last), then quality, organisation,
    service and provider ID; ranks 1, 1, 3: equal weekly cost and distance share a rank; the
    saving each option gives up against the cheapest."""
    if not len(options):
        return ()
    offers = request.offers.by_member
    member = lot.member[options].tolist()
    chosen = [offers[m] for m in member]
    pence = np.array([offer.pence for offer in chosen], dtype=np.int64)
    distance = tenths[options]
    unknown = distance < 0
    order = np.lexsort((lot.tie[options], np.maximum(distance, 0), unknown, pence)).tolist()
    index, distance_l, unknown_l = options.tolist(), distance.tolist(), unknown.tolist()
    ranked: list[Option] = []
    rank, previous = 0, None
    cheapest = chosen[order[0]].weekly
    district = request.district or request.district_shown
    for position, k in enumerate(order, start=1):
        offer = chosen[k]
        if (offer.pence, distance_l[k]) != previous:
            rank, previous = position, (offer.pence, distance_l[k])
        i = index[k]
        p = lot.candidates[i].provider
        pid, organisation, service, postcode, service_district, location = lot.shown[i]
        ranked.append(
            Option(
                rank,
                pid,
                organisation,
                service,
                postcode,
                district if service_district is None else service_district,
                None if unknown_l[k] else km(distance_l[k]),
                location,
                offer.hourly,
                offer.weekly,
                offer.annual,
                offer.weekly - cheapest,
                p.quality_pct,
                p.conditions,
            )
        )
    return tuple(ranked)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
