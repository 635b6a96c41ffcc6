"""``place``: rank the framework's providers for each person's package (``call-off.md``).

One call, :func:`run_place`, reads the register (the latest shortlist workbook), the requests
and the officers' exclusions, locates every postcode once, and applies the pure rules of
:mod:`clc_tender.rules.placement` to each request. Nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .postcodes import PostcodeIndex, areas_of, load_bundled, load_csv
from .read.files import InputFile, sha256_of
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

SERVICES_SHEET, COVERAGE_SHEET = "Services", "PA coverage"
SERVICE_HEADERS = {
    "provider_id": "Provider ID", "organisation": "Organisation", "round": "Round",
    "service_name": "Service name", "address": "Address", "postcode": "Postcode",
    "district": "District", "support_needs": "Support needs", "days_open": "Days open",
}
COVERAGE_HEADERS = {
    "provider_id": "Provider ID", "organisation": "Organisation", "round": "Round",
    "district": "District", "support_needs": "Support needs",
}


@dataclass(frozen=True)
class PlaceRequest:
    """What the officer asked ``place`` for."""

    register: Path
    requests: Path
    tender: Tender
    exclusions: Path | None = None
    postcodes: Path | None = None
    run_at: dt.datetime | None = None


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
    from .read.panel import read_table
    from .read.register import read_register

    register = read_register(path, tender)
    providers = tuple(
        Provider(m.provider_id, m.organisation, m.lot, m.round, m.quality_pct, m.conditions, m.prices)
        for m in register.members
    )
    sheets = _sheet_names(path)
    warnings: list[str] = []
    services: list[Service] = []
    covers: list[Cover] = []
    for sheet, lot in ((SERVICES_SHEET, DAY_SERVICES), (COVERAGE_SHEET, PERSONAL_ASSISTANTS)):
        count = sum(1 for p in providers if p.lot == lot)
        if sheet.casefold() not in sheets:
            if count:
                warnings.append(
                    f"{register.file} has no '{sheet}' sheet (written before place existed): "
                    f"place has no {'services' if lot == DAY_SERVICES else 'districts'} for its "
                    f"{count} {lot} member{'s' if count != 1 else ''}; re-run evaluate or reopen "
                    "to add them")
            continue
        headers = SERVICE_HEADERS if sheet == SERVICES_SHEET else COVERAGE_HEADERS
        table = read_table(path, tender, sheet, headers)
        for rec in table.frame.to_dict("records"):
            if rec["provider_id"] is None:
                raise InputError(table.file, f"{sheet}!{table.letters['provider_id']}{rec['row']}",
                                 "a required value is blank")
            pid = str(rec["provider_id"]).strip()
            if sheet == SERVICES_SHEET:
                services.append(Service(
                    pid, _text(rec["service_name"]), _text(rec["postcode"]), _text(rec["district"]),
                    split_list(rec["support_needs"]), split_list(rec["days_open"])))
            else:
                covers.append(Cover(pid, _text(rec["district"]), split_list(rec["support_needs"])))
    return MarketRegister(register.file, register.round, providers, tuple(services),
                          tuple(covers), tuple(warnings))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _sheet_names(path: Path) -> set[str]:
    from python_calamine import CalamineWorkbook

    return {name.strip().casefold() for name in CalamineWorkbook.from_path(str(path)).sheet_names}


def load_postcodes(postcodes: Path | None, wanted: Sequence[str]) -> PostcodeIndex:
    """The postcode data for the areas of ``wanted`` only: bundled, or ``--postcodes FILE``."""
    areas = areas_of(wanted)
    return load_csv(postcodes, areas) if postcodes is not None else load_bundled(areas)


def run_place(request: PlaceRequest) -> Placements:
    """Read everything, locate every postcode once, place every request."""
    from .read.requests import read_exclusions, read_requests

    tender = request.tender
    market_register = read_market(request.register, tender)
    packages = read_requests(request.requests, tender)
    officers: dict[str, tuple[OfficerExclusion, ...]] = (
        read_exclusions(request.exclusions, tender) if request.exclusions else {})
    index = load_postcodes(request.postcodes, [p.home_postcode for p in packages]
                           + [s.postcode for s in market_register.services])
    return placements_of(market_register, packages, officers, index, tender, request)


def placements_of(
    market_register: MarketRegister, packages: Sequence[Package],
    officers: dict[str, tuple[OfficerExclusion, ...]], index: PostcodeIndex, tender: Tender,
    request: PlaceRequest,
) -> Placements:
    """Every package placed against the market; the run's inputs and notes."""
    market: Market = build_market(market_register.providers, market_register.services,
                                  market_register.covers, index.locate)
    placements = tuple(place(p, index.locate(p.home_postcode), market, officers, tender)
                       for p in packages)
    warnings = list(market_register.warnings)
    unlocated = sorted({s.postcode or "(blank)" for s in market_register.services
                        if not s.postcode or index.locate(s.postcode) is None})
    if unlocated:
        warnings.append(f"{len(unlocated)} service postcode(s) cannot be located, so their distance "
                        f"is unknown: {', '.join(unlocated[:10])}{' …' if len(unlocated) > 10 else ''}")
    unknown_ids = sorted(set(officers) - {p.provider_id for p in market_register.providers})
    if unknown_ids:
        warnings.append(f"the exclusions name provider(s) not on the framework: {', '.join(unknown_ids)}")
    inputs = [_input(request.register, "register", f"round {market_register.round}"),
              _input(request.requests, "requests", f"{len(packages)} request(s)")]
    if request.exclusions is not None:
        inputs.append(_input(request.exclusions, "exclusions",
                             f"{sum(map(len, officers.values()))} exclusion(s)"))
    if request.postcodes is not None:
        inputs.append(_input(request.postcodes, "postcodes", index.name))
    else:
        inputs += [InputFile(f.name, f.path, f.size, f.sha256, "postcodes", index.name)
                   for f in index.files]
    return Placements(
        tender=tender, register=str(request.register), register_round=market_register.round,
        run_at=request.run_at or dt.datetime.now(tender.tz).replace(microsecond=0),
        dataset=index.name, placements=placements, inputs=tuple(inputs), warnings=tuple(warnings),
    )


def _input(path: Path, status: str, note: str) -> InputFile:
    return InputFile(str(path), path, path.stat().st_size, sha256_of(path), status, note)


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
