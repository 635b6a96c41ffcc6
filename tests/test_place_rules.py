"""place's rules: candidates, every exclusion code, pro-rata costs, ranking and ties.

Pure functions on made-up grid points (no postcode data), so each test states its figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clc_tender.postcodes import POSTCODE, Location
from clc_tender.rules.placement import (
    EXCLUSION_CODES,
    BandLine,
    Cover,
    Market,
    OfficerExclusion,
    Package,
    Placement,
    Provider,
    Service,
    build_market,
    line_cost,
    place,
)
from clc_tender.tender import Tender

DS, PA = "Day Services", "Personal Assistants"
CHARNWOOD, MELTON, CITY = "E07000130", "E07000133", "E06000016"
LD = "Learning disabilities and/or autism"
OLD = "Older adults"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")

# grid points in metres: HOME, and services 3 km, 5 km and 12 km east of it
POINTS = {
    "HOME": Location(450000, 320000, CHARNWOOD, POSTCODE),
    "CITY": Location(458600, 304000, CITY, POSTCODE),
    "S3": Location(453000, 320000, CHARNWOOD, POSTCODE),
    "S5": Location(450000, 325000, CHARNWOOD, POSTCODE),
    "S12": Location(462000, 320000, MELTON, "sector"),
}


def provider(
    pid: str,
    org: str,
    lot: str = DS,
    quality: str | None = "80",
    conditions: str = "",
    **band_prices: str,
) -> Provider:
    table = {k.replace("_", " "): Decimal(v) for k, v in band_prices.items()}
    return Provider(
        pid, org, lot, 1, None if quality is None else Decimal(quality), conditions, table
    )


def service(
    pid: str,
    name: str,
    postcode: str,
    needs: tuple[str, ...] = (LD, OLD),
    days: tuple[str, ...] = WEEKDAYS,
) -> Service:
    return Service(pid, name, postcode, "Charnwood", needs, days)


def market(
    providers: list[Provider],
    services: list[Service] | None = None,
    covers: list[Cover] | None = None,
) -> Market:
    return build_market(providers, services or [], covers or [], POINTS.get)


def package(
    lines: tuple[tuple[str, str], ...] = (("Band 3", "12"),),
    *,
    lot: str = DS,
    needs: tuple[str, ...] = (LD,),
    days: tuple[str, ...] = ("Mon", "Wed", "Fri"),
    limit: str | None = None,
    home: str = "HOME",
) -> Package:
    return Package(
        "R1",
        lot,
        home,
        needs,
        days if lot == DS else (),
        tuple(BandLine(b, Decimal(h)) for b, h in lines),
        None if limit is None else Decimal(limit),
    )


def run(pkg: Package, m: Market, tender: Tender, officers: dict | None = None) -> Placement:
    return place(pkg, POINTS.get(pkg.home_postcode), m, officers or {}, tender)


def codes_of(result: Placement) -> dict[str, set[str]]:
    return {f"{e.provider_id}/{e.service}": {r.code for r in e.reasons} for e in result.excluded}


# --- cost ---------------------------------------------------------------------------------


def test_four_hours_of_a_session_are_pro_rata_rounded_half_up() -> None:
    # ¶45: hourly rates are pro rata of the day rate: 73.88 × 4 ÷ 6 = 49.2533… → £49.25
    assert line_cost(Decimal("73.88"), "session", Decimal("4"), 6) == Decimal("49.25")
    # half up, not to even: 48.15 ÷ 6 = 8.025 → £8.03
    assert line_cost(Decimal("48.15"), "session", Decimal("1"), 6) == Decimal("8.03")
    # an hourly band: price × hours (half an hour at £17.15 = £8.575 → £8.58)
    assert line_cost(Decimal("17.15"), "hour", Decimal("0.5"), 6) == Decimal("8.58")
    assert line_cost(Decimal("19.18"), "hour", Decimal("8"), 6) == Decimal("153.44")


def test_a_band_3_and_band_5_package_sums_its_lines(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha Day Ltd", Band_3="73.88", Band_5="17.00")],
        [service("01", "Alpha Hub", "S3")],
    )
    result = run(package((("Band 3", "12"), ("Band 5", "2"))), m, tender)
    [option] = result.options
    # Band 3: 73.88 × 12 ÷ 6 = 147.76; Band 5: 17.00 × 2 = 34.00
    assert option.weekly == Decimal("181.76")
    assert option.annual == Decimal("9451.52")  # × 52
    assert dict(option.hourly) == {"Band 3": Decimal("12.31"), "Band 5": Decimal("17.00")}
    assert option.distance_km == Decimal("3.0")
    assert result.cheapest_weekly == Decimal("181.76")


# --- exclusions ---------------------------------------------------------------------------


def test_band_not_priced(tender: Tender) -> None:
    m = market([provider("01", "Alpha", Band_3="73.88")], [service("01", "Hub", "S3")])
    result = run(package((("Band 3", "12"), ("Band 5", "2"))), m, tender)
    assert codes_of(result) == {"01/Hub": {"band-not-priced"}}
    assert "Band 5" in result.excluded[0].reasons[0].message


def test_need_not_met(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88")], [service("01", "Hub", "S3", needs=(OLD,))]
    )
    result = run(package(needs=(LD, OLD)), m, tender)
    assert codes_of(result) == {"01/Hub": {"need-not-met"}}
    assert LD in result.excluded[0].reasons[0].message


def test_day_not_open(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88")], [service("01", "Hub", "S3", days=("Mon", "Tue"))]
    )
    result = run(package(days=("Mon", "Sat")), m, tender)
    assert codes_of(result) == {"01/Hub": {"day-not-open"}}
    assert "Sat" in result.excluded[0].reasons[0].message


def test_too_far_is_judged_on_the_straight_line(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88")],
        [service("01", "Near", "S5"), service("01", "Far", "S12")],
    )
    result = run(package(limit="5"), m, tender)  # 5.0 km is within a 5 km limit
    assert [o.service for o in result.options] == ["Near"]
    assert codes_of(result) == {"01/Far": {"too-far"}}
    assert result.excluded[0].reasons[0].message == (
        "12.0 km in a straight line, above the 5 km limit")


def test_district_not_covered_and_pa_needs_by_district(tender: Tender) -> None:
    m = market(
        [
            provider("P1", "Covers Charnwood", PA, PA_Band="19.50"),
            provider("P2", "Covers Melton", PA, PA_Band="19.00"),
            provider("P3", "Charnwood without the need", PA, PA_Band="19.10"),
        ],
        covers=[
            Cover("P1", "Charnwood", (OLD,)),
            Cover("P2", "Melton", (OLD,)),
            Cover("P3", "Charnwood", (LD,)),
        ],
    )
    result = run(package((("PA Band", "8"),), lot=PA, needs=(OLD,)), m, tender)
    assert [o.provider_id for o in result.options] == ["P1"]
    assert result.options[0].weekly == Decimal("156.00")
    assert result.options[0].district == "Charnwood"  # the person's district
    assert result.options[0].distance_km is None
    assert codes_of(result) == {"P2/": {"district-not-covered"}, "P3/": {"need-not-met"}}
    assert result.district == "Charnwood"


def test_postcode_unknown_only_matters_with_a_distance_limit(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88"), provider("02", "Beta", Band_3="71.15")],
        [service("01", "Known", "S3"), service("02", "Lost", "NOWHERE")],
    )
    without = run(package(), m, tender)
    # Beta is cheaper but cannot be judged on distance: with no limit it is still an option
    assert [(o.service, o.location, o.distance_km) for o in without.options] == [
        ("Lost", "unknown", None),
        ("Known", "postcode", Decimal("3.0")),
    ]
    limited = run(package(limit="10"), m, tender)
    assert [o.service for o in limited.options] == ["Known"]
    assert codes_of(limited) == {"02/Lost": {"postcode-unknown"}}
    assert "the service's postcode NOWHERE" in limited.excluded[0].reasons[0].message


def test_an_unknown_home_is_ranked_last_by_distance_or_excluded_by_a_limit(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88"), provider("02", "Beta", Band_3="73.88")],
        [service("01", "A", "S3"), service("02", "B", "S5")],
    )
    free = run(package(home="ZZ99 9ZZ"), m, tender)
    assert [(o.rank, o.distance_km) for o in free.options] == [(1, None), (1, None)]
    assert free.district == ""
    limited = run(package(home="ZZ99 9ZZ", limit="10"), m, tender)
    assert not limited.options
    assert {c for codes in codes_of(limited).values() for c in codes} == {"postcode-unknown"}
    assert "the home postcode ZZ99 9ZZ" in limited.excluded[0].reasons[0].message


def test_excluded_by_officer_quotes_the_reason(tender: Tender) -> None:
    m = market([provider("01", "Alpha", Band_3="73.88")], [service("01", "Hub", "S3")])
    officers = {
        "01": (
            OfficerExclusion("01", "At capacity until January", "R. Patel", dt.date(2026, 9, 14)),
        )
    }
    result = run(package(), m, tender, officers)
    [reason] = result.excluded[0].reasons
    assert reason.code == "excluded-by-officer"
    assert '"At capacity until January"' in reason.message and "R. Patel" in reason.message


def test_every_reason_that_applies_is_listed(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_1="48.12")],
        [service("01", "Hub", "S12", needs=(OLD,), days=("Mon",))],
    )
    officers = {"01": (OfficerExclusion("01", "conflict", "JM", dt.date(2026, 9, 1)),)}
    result = run(package(limit="2", days=("Tue",)), m, tender, officers)
    assert codes_of(result) == {
        "01/Hub": {
            "band-not-priced",
            "need-not-met",
            "day-not-open",
            "too-far",
            "excluded-by-officer",
        }
    }
    assert set(EXCLUSION_CODES) >= codes_of(result)["01/Hub"]


def test_a_home_outside_the_county(tender: Tender) -> None:
    m = market(
        [
            provider("01", "Alpha", Band_3="73.88"),
            provider("P1", "PA Charnwood", PA, PA_Band="19.50"),
        ],
        [service("01", "Hub", "S3")],
        [Cover("P1", "Charnwood", (LD,))],
    )
    day = run(package(home="CITY"), m, tender)  # allowed: placed near the border
    assert [o.service for o in day.options] == ["Hub"]
    assert day.district == f"outside the county ({CITY})"
    pa = run(package((("PA Band", "4"),), lot=PA, home="CITY"), m, tender)
    assert not pa.options
    assert codes_of(pa) == {"P1/": {"district-not-covered"}}


def test_a_request_with_no_option_counts_candidates_by_reason(tender: Tender) -> None:
    m = market(
        [provider("01", "Alpha", Band_3="73.88"), provider("02", "Beta", Band_3="72.00")],
        [
            service("01", "A", "S3", days=("Mon",)),
            service("02", "B", "S12"),
            service("02", "C", "S5", needs=(OLD,), days=("Tue",)),
        ],
    )
    result = run(package(limit="6", days=("Wed",)), m, tender)
    assert result.options == ()
    assert result.cheapest_weekly is None
    assert result.excluded_by_code() == {"need-not-met": 1, "day-not-open": 2, "too-far": 1}


# --- ranking ------------------------------------------------------------------------------


def test_ranked_by_cost_then_distance_and_ties_share_a_rank(tender: Tender) -> None:
    m = market(
        [
            provider("01", "Delta", Band_3="72.00", quality="70"),
            provider("02", "Alpha", Band_3="72.00", quality="70"),
            provider("03", "Gamma", Band_3="72.00", quality="90"),
            provider("04", "Beta", Band_3="71.40"),
            provider("05", "Epsilon", Band_3="72.00", conditions="insurance-renewal: expires"),
        ],
        [
            service("01", "D", "S3"),
            service("02", "A", "S3"),
            service("03", "G", "S3"),
            service("04", "B", "S12"),
            service("05", "E", "S5"),
        ],
    )
    result = run(package(), m, tender)
    got = [
        (o.rank, o.organisation, o.weekly, o.distance_km, o.above_cheapest) for o in result.options
    ]
    assert got == [
        (1, "Beta", Decimal("142.80"), Decimal("12.0"), Decimal("0.00")),  # cheapest, furthest
        # equal cost and distance share rank 2: then quality (highest first), then organisation
        (2, "Gamma", Decimal("144.00"), Decimal("3.0"), Decimal("1.20")),
        (2, "Alpha", Decimal("144.00"), Decimal("3.0"), Decimal("1.20")),
        (2, "Delta", Decimal("144.00"), Decimal("3.0"), Decimal("1.20")),
        (5, "Epsilon", Decimal("144.00"), Decimal("5.0"), Decimal("1.20")),  # further
    ]
    assert result.options[-1].conditions == "insurance-renewal: expires"


@pytest.mark.parametrize("quality", [None, "50"])
def test_no_quality_comes_after_any_quality(tender: Tender, quality: str | None) -> None:
    m = market(
        [
            provider("01", "Alpha", Band_3="72.00", quality=quality),
            provider("02", "Zulu", Band_3="72.00", quality="60"),
        ],
        [service("01", "A", "S3"), service("02", "Z", "S3")],
    )
    names = [o.organisation for o in run(package(), m, tender).options]
    assert names == ["Zulu", "Alpha"]
