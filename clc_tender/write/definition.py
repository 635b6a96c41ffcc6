"""The uplifted tender definition: the same TOML with every floor and ceiling changed.

Edited with ``tomlkit``, which keeps comments, order and layout, so the file the next
re-opening publishes differs from the one before it only in the figures the uplift changed.
The written file is loaded and checked before it replaces anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import tomlkit
import tomlkit.exceptions

from ..tender import TenderError, bundled_path, load_tender
from .atomic import atomic_output


def uplifted_text(source: str, limits: Mapping[str, tuple[Decimal, Decimal]], name: str) -> str:
    """``source`` (a tender definition) with each band's ``floor`` and ``ceiling`` replaced by
    ``limits[band name]``; every other byte as it was. Amounts are written as text ("50.05")."""
    try:
        doc = tomlkit.parse(source)
    except tomlkit.exceptions.TOMLKitError as exc:
        raise TenderError(name, "(file)", f"is not valid TOML: {exc}") from None
    bands = doc.get("bands")
    if not isinstance(bands, list):
        raise TenderError(name, "bands", "must be a non-empty list of tables")
    seen: set[str] = set()
    for index, band in enumerate(bands):
        band_name = str(band.get("name", "")).strip()
        if band_name not in limits:
            raise TenderError(name, f"bands[{index}].name", f"no uplifted range for {band_name!r}")
        floor, ceiling = limits[band_name]
        band["floor"] = f"{floor:.2f}"
        band["ceiling"] = f"{ceiling:.2f}"
        seen.add(band_name)
    missing = sorted(set(limits) - seen)
    if missing:
        raise TenderError(name, "bands", f"no band named {', '.join(missing)}")
    return tomlkit.dumps(doc)


def write_definition(
    source: Path | None,
    limits: Mapping[str, tuple[Decimal, Decimal]],
    out: Path,
    *,
    force: bool = False,
) -> None:
    """Write the uplifted copy of ``source`` (the bundled definition when None) to ``out``,
    whole or not at all; it must load and pass the definition's checks."""
    path = source if source is not None else bundled_path()
    text = uplifted_text(path.read_text(encoding="utf-8"), limits, str(path))
    with atomic_output(out, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
        check_written(tmp, out, limits)


def check_written(tmp: Path, out: Path, limits: Mapping[str, tuple[Decimal, Decimal]]) -> None:
    """The definition written to ``tmp`` (for ``out``) loads, passes its checks and holds the
    uplifted ranges; a problem names ``out``, never the temporary file."""
    try:
        written = load_tender(tmp)
    except TenderError as exc:
        message = str(exc)[len(f"{exc.file}: {exc.key}: ") :]
        raise TenderError(str(out), exc.key, message) from None
    for band in written.bands:
        if (band.floor, band.ceiling) != limits[band.name]:
            raise TenderError(str(out), band.name, "the uplifted range did not survive writing")
