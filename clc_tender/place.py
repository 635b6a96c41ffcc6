"""``place``: rank the framework's providers for each person's package (``call-off.md``).

One call, :func:`run_place`, reads the register (the latest shortlist workbook), the requests
and the officers' exclusions, locates every postcode once, and applies the pure rules of
:mod:`clc_tender.rules.placement` to each request. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import Refusal
from .postcodes import PostcodeIndex, heads_of, load_bundled, load_csv
from .read.files import input_file
from .results import InputFile
from .rules.placement import (
    DAY_SERVICES,
    PERSONAL_ASSISTANTS,
    Cover,
    Market,
    OfficerExclusion,
    Package,
    Placement,
    Provider,
    Service,
    build_market,
    place,
)
from .tender import Tender


@dataclass(frozen=True)
class PlaceRequest:
    """What the officer asked ``place`` for (``out`` None: nothing is written)."""

    register: Path
    requests: Path
    tender: Tender
    exclusions: Path | None = None
    postcodes: Path | None = None
    out: Path | None = None
    force: bool = False
    run_at: dt.datetime | None = None

    @property
    def inputs(self) -> tuple[Path, ...]:
        return tuple(
            p
            for p in (self.register, self.requests, self.exclusions, self.postcodes)
            if p is not None
        )


@dataclass(frozen=True)
class MarketRegister:
    """What ``place`` needs of the register: members, their services and coverage."""

    file: str
    round: int
    providers: tuple[Provider, ...]
    services: tuple[Service, ...]
    covers: tuple[Cover, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placements:
    tender: Tender
    register: str
    register_round: int
    run_at: dt.datetime
    dataset: str  # the postcode data's name and version
    placements: tuple[Placement, ...]
    inputs: tuple[InputFile, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)
    version: str = __version__

    @property
    def without_option(self) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if not p.options)


def split_list(text: Any) -> tuple[str, ...]:
    """``a; b;c`` -> ``("a", "b", "c")``: the ``;``-separated lists of the bid."""
    if text is None:
        return ()
    return tuple(part.strip() for part in str(text).replace("\n", ";").split(";") if part.strip())


def read_market(path: Path, tender: Tender) -> MarketRegister:
    """The register's members with their services (Day Services) and districts (Personal
    Assistants). A register written before ``place`` existed has neither sheet: it is read,
    with a warning that those members have no services to offer."""
    from .read.ours import missing_services, read_shortlist

    register = read_shortlist(path, tender)
    providers = tuple(
        Provider(
            m.provider_id, m.organisation, m.lot, m.round, m.quality_pct, m.conditions, m.prices
        )
        for m in register.members
    )
    services = tuple(
        Service(
            m.provider_id,
            s.name,
            s.postcode,
            s.district,
            split_list(s.support_needs),
            split_list(s.days_open),
        )
        for m in register.members
        if m.lot == DAY_SERVICES
        for s in m.services
    )
    covers = tuple(
        Cover(m.provider_id, d.district, split_list(d.support_needs))
        for m in register.members
        if m.lot == PERSONAL_ASSISTANTS
        for d in m.coverage
    )
    return MarketRegister(
        register.file, register.round, providers, services, covers, missing_services(register)
    )


def load_postcodes(postcodes: Path | None, wanted: Sequence[str]) -> PostcodeIndex:
    """The postcode data a lookup of ``wanted`` can use, only: bundled, or ``--postcodes FILE``."""
    areas = heads_of(wanted)
    return load_csv(postcodes, areas) if postcodes is not None else load_bundled(areas)


def check(request: PlaceRequest) -> None:
    """Refuse before any work: an output that is not ``.xlsx``, in a missing folder, that is
    (or resolves to) an input of the run (even with ``force``), or that exists without
    ``force``; a missing input; a tender definition without its districts' ONS codes."""
    from .write.atomic import check_output

    out = request.out
    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise Refusal(f"--out {out}: the placements workbook must end in .xlsx")
        folder = out.parent if str(out.parent) else Path(".")
        if not folder.is_dir():
            raise Refusal(f"--out {out}: the folder {folder} does not exist")
        for path in request.inputs:
            if path.resolve() == out.resolve():
                raise Refusal(f"--out {out} is an input of this run ({path}); choose another file")
        check_output(out, request.force)
    for path in request.inputs:
        if not path.is_file():
            raise Refusal(f"{path}: no such file")
    if not request.tender.district_codes:
        raise Refusal(
            f"{request.tender.source}: the tender definition has no "
            "[county.district_codes]; place needs each district's ONS code"
        )


def run_place(request: PlaceRequest) -> Placements:
    """Check the request, read everything, locate every postcode once, place every request,
    and write the placements workbook (when ``out`` is given)."""
    from .read.requests import read_exclusions, read_requests

    check(request)
    tender = request.tender
    with without_cycle_collection():
        market_register = read_market(request.register, tender)
        packages = read_requests(request.requests, tender)
        officers: dict[str, tuple[OfficerExclusion, ...]] = (
            read_exclusions(request.exclusions, tender) if request.exclusions else {}
        )
        index = load_postcodes(
            request.postcodes,
            [p.home_postcode for p in packages] + [s.postcode for s in market_register.services],
        )
        result = placements_of(market_register, packages, officers, index, tender, request)
        if request.out is not None:
            from .write.placements import write_placements

            write_placements(result, request.out, force=request.force)
    return result


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a run builds its results: 700 requests make some
    half a million small objects (options, excluded candidates, their reasons, the workbook's
    rows) that hold no reference cycles, and the collector's repeated passes over all of them
    cost as much as the placing itself. Resumed (if it was on) when the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def placements_of(
    market_register: MarketRegister,
    packages: Sequence[Package],
    officers: dict[str, tuple[OfficerExclusion, ...]],
    index: PostcodeIndex,
    tender: Tender,
    request: PlaceRequest,
) -> Placements:
    """Every package placed against the market; the run's inputs and notes."""
    market: Market = build_market(
        market_register.providers, market_register.services, market_register.covers, index.locate
    )
    with without_cycle_collection():
        placements = tuple(
            place(p, index.locate(p.home_postcode), market, officers, tender) for p in packages
        )
    warnings = list(market_register.warnings)
    unlocated = sorted(
        {
            s.postcode or "(blank)"
            for s in market_register.services
            if not s.postcode or index.locate(s.postcode) is None
        }
    )
    if unlocated:
        warnings.append(
            f"{len(unlocated)} service postcode(s) cannot be located, so their distance "
            f"is unknown: {', '.join(unlocated[:10])}{' …' if len(unlocated) > 10 else ''}"
        )
    unknown_ids = sorted(set(officers) - {p.provider_id for p in market_register.providers})
    if unknown_ids:
        warnings.append(
            f"the exclusions name provider(s) not on the framework: {', '.join(unknown_ids)}"
        )
    inputs = [
        input_file(request.register, "register", f"round {market_register.round}"),
        input_file(request.requests, "requests", f"{len(packages)} request(s)"),
    ]
    if request.exclusions is not None:
        inputs.append(
            input_file(
                request.exclusions, "exclusions", f"{sum(map(len, officers.values()))} exclusion(s)"
            )
        )
    if request.postcodes is not None:
        inputs.append(input_file(request.postcodes, "postcodes", index.name))
    else:
        inputs += [
            InputFile(f.name, f.path, f.size, f.sha256, "postcodes", index.name)
            for f in index.files
        ]
    return Placements(
        tender=tender,
        register=str(request.register),
        register_round=market_register.round,
        run_at=request.run_at or dt.datetime.now(tender.tz).replace(microsecond=0),
        dataset=index.name,
        placements=placements,
        inputs=tuple(inputs),
        warnings=tuple(warnings),
    )


def to_json(result: Placements) -> dict[str, Any]:
    """The placements as JSON: money as exact strings, distances in km (straight line)."""
    return {
        "requests": [
            {
                "request": p.package.request,
                "district": p.district,
                "options": [
                    {
                        "rank": o.rank,
                        "provider_id": o.provider_id,
                        "organisation": o.organisation,
                        "service": o.service,
                        "distance_km": None if o.distance_km is None else str(o.distance_km),
                        "weekly_cost": str(o.weekly),
                        "annual_cost": str(o.annual),
                    }
                    for o in p.options
                ],
                "excluded": [
                    {
                        "provider_id": e.provider_id,
                        "service": e.service,
                        "reasons": [{"code": r.code, "message": r.message} for r in e.reasons],
                    }
                    for e in p.excluded
                ],
            }
            for p in result.placements
        ]
    }
