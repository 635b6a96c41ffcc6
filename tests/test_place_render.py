"""place's terminal view: the options table drawn line by line is the table rich draws, and a
table too wide for the terminal is left to rich (which folds the provider column)."""

from __future__ import annotations

import io
import random
from decimal import Decimal

import pytest
from rich.console import Console

from clc_tender.postcodes import POSTCODE, Location
from clc_tender.render import drawn_table, option_columns, option_rows, options_table
from clc_tender.rules.placement import BandLine, Option, Package, Placement

NAMES = [
    "Acme Day Services Ltd",
    "Bosworth Lifeskills CIC",
    "Ünïcödé Care",
    "日本 Care",  # two cells a character
    "A [bracketed] name",
    "Two\nlines",
    "  padded  ",
    "x" * 70,  # wider than a terminal of 80 columns can hold with the others
]


def _placement(seed: int, lot: str) -> Placement:
    rng = random.Random(seed)

    def name() -> str:
        return rng.choice(NAMES[:-1]) if rng.random() < 0.9 else NAMES[-1]

    options = tuple(
        Option(
            rank=rank,
            provider_id=f"{rank:08d}",
            organisation=name(),
            service=name() if lot == "Day Services" else "",
            postcode="LE11 3AB",
            district="Charnwood",
            distance_km=rng.choice([None, Decimal("1.3"), Decimal("120.5")]),
            location=rng.choice(["postcode", "sector", "outward code", "unknown", ""]),
            hourly=(("Band 1", Decimal("8.02")),),
            weekly=Decimal(rng.choice(["96.28", "1234.50", "0.00"])),
            annual=Decimal("5006.56"),
            above_cheapest=Decimal("0.00"),
            quality_pct=Decimal("80"),
            conditions=rng.choice(
                ["", "insurance-renewal: expires", "parent-company-guarantee: a\nx: y"]
            ),
        )
        for rank in range(1, rng.randint(1, 7))
    )
    package = Package(
        "R1", lot, "LE11 3AB", ("Older adults",), (), (BandLine("Band 1", Decimal(6)),)
    )
    return Placement(package, Location(1, 2, "E07000130", POSTCODE), "Charnwood", options, ())


def _shown(renderable: object, width: int, drawn: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    if drawn:
        console.print(renderable, soft_wrap=True, end="")
    else:
        console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


@pytest.mark.parametrize("lot", ["Day Services", "Personal Assistants"])
@pytest.mark.parametrize("width", [50, 80, 160])
def test_the_drawn_table_is_the_table_rich_draws(lot: str, width: int) -> None:
    drawn_at_all = 0
    for seed in range(100):
        p = _placement(seed, lot)
        if not p.options:
            continue
        drawn = drawn_table(option_columns(p), option_rows(p, 5), width)
        if drawn is None:  # too wide as it is: rich narrows it
            continue
        drawn_at_all += 1
        assert _shown(drawn, width, drawn=True) == _shown(options_table(p, 5), width)
    assert drawn_at_all > 10 or width == 50


def test_a_table_too_wide_is_left_to_rich() -> None:
    p = _placement(1, "Day Services")
    wide = [(o, "x" * 70) for o in p.options]
    rows = option_rows(p, 5)
    rows[0][1] = [(wide[0][1], "")]
    assert drawn_table(option_columns(p), rows, 80) is None
    assert drawn_table(option_columns(p), [[[("a\tb", "")]] * 5], 200) is None
