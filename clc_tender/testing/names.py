"""Realistic names, places and people for generated bids: deterministic for a seed."""

from __future__ import annotations

import random
import re

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
SERVICE_KINDS = (
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


def a_postcode(rng: random.Random, outward: str) -> str:
    return f"{outward} {rng.randint(1, 9)}{rng.choice(_INWARD)}{rng.choice(_INWARD)}"


def places_in(district: str) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    return _PLACES.get(district, _ANY_PLACE)


def an_address(rng: random.Random, district: str) -> tuple[str, str, str]:
    """(street address with town, postcode, town) in the district."""
    town, outwards, streets = rng.choice(places_in(district))
    return (
        f"{rng.randint(1, 180)} {rng.choice(streets)}, {town}",
        a_postcode(rng, rng.choice(outwards)),
        town,
    )


def a_domain(organisation: str) -> str:
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", organisation.lower())
        if w not in {"ltd", "limited", "cic", "the", "and", "care"}
    ]
    slug = "-".join(words)[:40].strip("-") or "provider"
    return f"{slug}.{'org.uk' if 'cic' in organisation.lower().split() else 'co.uk'}"


def a_person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(_FIRST), rng.choice(_LAST)


# --- dates ---------------------------------------------------------------------------------
