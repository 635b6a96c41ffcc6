"""The annual uplift: the formula, exact rounding, refusals, and the uplifted definition."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from clc_tender.results import Member
from clc_tender.tender import Tender, TenderError, bundled_path, load_tender
from clc_tender.uplift import (
    Figures,
    UpliftRefused,
    check_effective,
    check_figures,
    parse_nlw,
    plan,
    uplifted,
    weighted_percent,
)
from clc_tender.write.definition import uplifted_text, write_definition

D = Decimal
APRIL = dt.date(2027, 4, 1)
EXAMPLE = Figures(nlw_old=D("12.21"), nlw_new=D("12.71"), cpi=D("3.8"))


def member(pid: str, prices: dict[str, str], lot: str = "Day Services") -> Member:
    return Member(
        pid,
        f"Org {pid}",
        lot,
        1,
        f"R-{pid}",
        D("80.00"),
        "",
        {band: D(p) for band, p in prices.items()},
    )


def with_share(tmp_path: Path, band: str, share: str) -> Tender:
    """The bundled definition with ``staff_share`` on one band."""
    text = bundled_path().read_text()
    marker = f'name = "{band}"\n'
    assert marker in text
    path = tmp_path / "shares.toml"
    path.write_text(text.replace(marker, f'{marker}staff_share = "{share}"\n', 1))
    return load_tender(path)


def test_the_specs_worked_example(tender: Tender) -> None:
    assert EXAMPLE.nlw_change is not None
    assert EXAMPLE.nlw_change.quantize(D("0.0001")) == D("4.0950")
    result = plan(tender, [], EXAMPLE, APRIL)
    band1, band4 = result.band("Band 1"), result.band("Band 4")
    assert band1.percent == D("4.01") and band1.staff_share == D("0.70")
    assert (band1.old_floor, band1.old_ceiling) == (D("48.12"), D("49.42"))
    assert (band1.new_floor, band1.new_ceiling) == (D("50.05"), D("51.40"))
    assert band4.new_ceiling == D("154.17")
    assert {b.percent for b in result.bands} == {D("4.01")}


def test_the_nlw_change_enters_unrounded(tender: Tender) -> None:
    # NLW 12.21 -> 12.75 is +4.4226044%: 0.70 × 4.4226044 + 0.30 × 3 = 3.9958231 -> 4.00;
    # rounding the change first (4.42) would give 3.994 -> 3.99
    figures = Figures(D("12.21"), D("12.75"), D("3"))
    assert {b.percent for b in plan(tender, [], figures, APRIL).bands} == {D("4.00")}
    assert weighted_percent(D("0.70"), D("4.42"), D("3")) == D("3.99")


def test_a_band_with_its_own_staff_share(tmp_path: Path) -> None:
    definition = with_share(tmp_path, "Band 4", "0.85")
    assert definition.band("Band 4").staff_share == D("0.85")
    assert definition.band("Band 1").staff_share is None and definition.staff_share == D("0.70")
    result = plan(
        definition, [member("1", {"Band 1": "48.75", "Band 4": "146.00"})], EXAMPLE, APRIL
    )
    # 0.85 × 4.0950041 + 0.15 × 3.8 = 4.0507535 -> 4.05
    assert result.band("Band 4").percent == D("4.05")
    assert result.band("Band 4").new_ceiling == D("154.23")  # 148.23 × 1.0405 = 154.233315
    assert result.band("Band 1").percent == D("4.01")
    prices = result.members[0].prices
    assert prices == {"Band 1": D("50.70"), "Band 4": D("151.91")}  # 146 × 1.0405 = 151.913


def test_a_share_outside_0_to_1_is_refused_by_the_definition(tmp_path: Path) -> None:
    with pytest.raises(TenderError, match=r"bands\[3\]\.staff_share"):
        with_share(tmp_path, "Band 4", "1.5")


def test_the_councils_decided_uplift_for_every_band(tender: Tender) -> None:
    result = plan(tender, [member("1", {"Band 1": "48.75"})], Figures(decided=D("2.5")), APRIL)
    assert {b.percent for b in result.bands} == {D("2.5")}
    assert all(b.staff_share is None for b in result.bands)
    assert result.band("Band 1").new_floor == D("49.32")  # 48.12 × 1.025 = 49.323
    assert result.members[0].prices["Band 1"] == D("49.97")  # 48.75 × 1.025 = 49.96875
    # the NLW may fall when the council decides the percentage
    falling = Figures(nlw_old=D("12.71"), nlw_new=D("12.50"), cpi=D("1.0"), decided=D("1.5"))
    assert plan(tender, [], falling, APRIL).band("Band 1").percent == D("1.5")


def test_the_cap(tender: Tender) -> None:
    capped = plan(tender, [], Figures(D("12.21"), D("12.71"), D("3.8"), cap=D("3.90")), APRIL)
    assert {b.percent for b in capped.bands} == {D("3.90")}
    assert capped.band("Band 1").new_ceiling == D("51.35")  # 49.42 × 1.039 = 51.34738
    loose = plan(tender, [], Figures(D("12.21"), D("12.71"), D("3.8"), cap=D("5")), APRIL)
    assert {b.percent for b in loose.bands} == {D("4.01")}


def test_half_up_at_the_half_penny(tender: Tender) -> None:
    # 48.15 × 1.10 = 52.965 exactly: half up gives 52.97, where banker's rounding gives 52.96
    assert uplifted(D("48.15"), D("10")) == D("52.97")
    assert (D("48.15") * D("1.10")).quantize(D("0.01"), ROUND_HALF_EVEN) == D("52.96")
    result = plan(tender, [member("1", {"Band 1": "48.15"})], Figures(decided=D("10")), APRIL)
    assert result.members[0].prices["Band 1"] == D("52.97")
    # the percentage too: 0.5 × 4.1 + 0.5 × 3.99 = 4.045 -> 4.05 (banker's: 4.04)
    assert weighted_percent(D("0.5"), D("4.1"), D("3.99")) == D("4.05")


def test_members_prices_and_the_total_change(tender: Tender) -> None:
    members = [
        member("1", {"Band 1": "48.75", "Band 6": "19.00"}),
        member("2", {"PA Band": "20.00"}, lot="Personal Assistants"),
    ]
    result = plan(tender, members, EXAMPLE, APRIL)
    assert [(c.provider_id, c.band, c.old, c.new) for c in result.changes] == [
        ("1", "Band 1", D("48.75"), D("50.70")),  # 48.75 × 1.0401 = 50.704875
        ("1", "Band 6", D("19.00"), D("19.76")),  # 19.7619
        ("2", "PA Band", D("20.00"), D("20.80")),  # 20.802
    ]
    assert result.total_change == D("1.95") + D("0.76") + D("0.80")
    assert result.changes[0].change_pct == D("4.00")  # 1.95 ÷ 48.75 = 4.0000%
    assert members[0].prices["Band 1"] == D("48.75")  # the input is not changed


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        (Figures(nlw_old=D("12.21"), nlw_new=D("12.71")), "--cpi"),
        (Figures(cpi=D("3.8")), "--nlw"),
        (Figures(D("12.21"), D("12.71"), D("31")), "--cpi 31"),
        (Figures(D("12.21"), D("12.71"), D("-10.5")), "--cpi -10.5"),
        (Figures(D("12.71"), D("12.21"), D("3.8")), "below the old"),
        (Figures(D("0"), D("12.71"), D("3.8")), "--nlw 0"),
        (Figures(D("-12.21"), D("12.71"), D("3.8")), "--nlw -12.21"),
        (Figures(D("12.21"), D("127.1"), D("3.8")), "not plausible"),
        (Figures(D("12.215"), D("12.71"), D("3.8")), "whole pence"),
        (Figures(decided=D("-1")), "--uplift -1"),
        (Figures(decided=D("45")), "--uplift 45"),
        (Figures(decided=D("3.125")), "two decimal places"),
        (Figures(decided=D("3"), cap=D("2")), "--cap"),
        (Figures(D("12.21"), D("12.71"), D("3.8"), cap=D("-1")), "--cap -1"),
    ],
)
def test_absurd_figures_are_refused(figures: Figures, expected: str) -> None:
    with pytest.raises(UpliftRefused, match=expected.replace(".", r"\.").replace("-", r"\-")):
        check_figures(figures)


def test_cpi_at_the_edges_is_accepted() -> None:
    check_figures(Figures(D("12.21"), D("12.71"), D("30")))
    check_figures(Figures(D("12.21"), D("12.71"), D("-10")))


def test_parse_nlw() -> None:
    assert parse_nlw("12.21:12.71") == (D("12.21"), D("12.71"))
    assert parse_nlw("£12.21:£12.71") == (D("12.21"), D("12.71"))
    with pytest.raises(UpliftRefused, match="OLD:NEW"):
        parse_nlw("12.71")
    with pytest.raises(UpliftRefused, match="not a number"):
        parse_nlw("12.21:twelve")


def test_effective_dates_must_move_on() -> None:
    check_effective(APRIL, [], "shortlist.xlsx")
    check_effective(APRIL, [dt.date(2026, 4, 1)], "shortlist.xlsx")
    with pytest.raises(UpliftRefused, match="already uplifted with effective date 1 April 2027"):
        check_effective(APRIL, [dt.date(2026, 4, 1), APRIL], "r.xlsx")
    with pytest.raises(UpliftRefused, match="not after the last uplift"):
        check_effective(dt.date(2027, 3, 31), [APRIL], "r.xlsx")


# --- the uplifted tender definition -------------------------------------------------------------


def _limits(tender: Tender) -> dict[str, tuple[Decimal, Decimal]]:
    return {b.band: (b.new_floor, b.new_ceiling) for b in plan(tender, [], EXAMPLE, APRIL).bands}


def _without_limits(data: dict) -> dict:
    return {
        **data,
        "bands": [
            {k: v for k, v in b.items() if k not in ("floor", "ceiling")} for b in data["bands"]
        ],
    }


def test_the_written_definition_differs_only_in_floors_and_ceilings(
    tmp_path: Path, tender: Tender
) -> None:
    out = tmp_path / "clc-2026-2027-04-01.toml"
    original = bundled_path().read_bytes()
    write_definition(None, _limits(tender), out)
    assert bundled_path().read_bytes() == original
    before = tomllib.loads(original.decode())
    after = tomllib.loads(out.read_text())
    assert _without_limits(after) == _without_limits(before)
    assert after != before
    changed = {(b["name"], b["floor"], b["ceiling"]) for b in after["bands"]}
    assert ("Band 1", "50.05", "51.40") in changed and ("Band 4", "149.78", "154.17") in changed
    text = out.read_text()
    assert "# Band 5 may be priced only together with one of these" in text
    assert "# 12:00:00 is on time, 12:00:01 is late (UK local time)." in text
    assert len(text.splitlines()) == len(original.decode().splitlines())
    loaded = load_tender(out)  # passes the definition's checks
    assert loaded.band("Band 1").floor == D("50.05") and loaded.band("Band 4").ceiling == D(
        "154.17"
    )
    assert loaded.staff_share == D("0.70")


def test_a_definition_with_inline_band_tables_and_per_band_shares(
    tmp_path: Path, tender: Tender
) -> None:
    source = with_share(tmp_path, "Band 4", "0.85")
    text = uplifted_text(Path(source.source).read_text(), _limits(tender), source.source)
    assert 'staff_share = "0.85"' in text
    inline = 'bands = [{ name = "X", floor = "1.00", ceiling = "2.00" }] # keep me\n'
    assert (
        uplifted_text(inline, {"X": (D("1.05"), D("2.10"))}, "x.toml")
        == 'bands = [{ name = "X", floor = "1.05", ceiling = "2.10" }] # keep me\n'
    )


def test_the_written_definition_must_load(tmp_path: Path, tender: Tender) -> None:
    limits = _limits(tender)
    limits["Band 1"] = (D("60.00"), D("50.00"))  # floor above ceiling: the check refuses it
    out = tmp_path / "bad.toml"
    with pytest.raises(TenderError) as caught:
        write_definition(None, limits, out)
    assert str(out) in str(caught.value) and ".tmp" not in str(caught.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []
