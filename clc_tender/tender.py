"""The tender definition: loaded from TOML in ``schemas/`` into frozen objects, and checked.

A broken definition raises :class:`TenderError` naming the file and the key; the CLI turns it
into one line on stderr and exit 2. The sections' objects and readers live in
:mod:`clc_tender.tender_sections` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .tender_sections import (
    Band,
    Contact,
    Finance,
    Insurance,
    Limits,
    Lot,
    Policy,
    Quality,
    Question,
    Reader,
    Safeguarding,
    Targets,
    TenderError,
    read_bands,
    read_contact,
    read_district_codes,
    read_finance,
    read_insurance,
    read_limits,
    read_lots,
    read_policies,
    read_quality,
    read_safeguarding,
    read_share,
    read_targets,
)

__all__ = [
    "BUNDLED_NAME",
    "Band",
    "Contact",
    "Finance",
    "Insurance",
    "Limits",
    "Lot",
    "Policy",
    "Quality",
    "Question",
    "Safeguarding",
    "Targets",
    "Tender",
    "TenderError",
    "bundled_path",
    "load_tender",
]

BUNDLED_NAME = "clc-2026.toml"


@dataclass(frozen=True)
class Tender:
    source: str
    sha256: str
    reference: str
    title: str
    contracting_authority: str
    format_version: int
    timezone: str
    deadline: dt.datetime  # aware, in the tender's time zone
    award_date: dt.date
    framework_start: dt.date
    framework_end: dt.date
    extension_years: int
    session_hours: int
    lots: tuple[Lot, ...]
    bands: tuple[Band, ...]
    finance: Finance
    insurance: Insurance
    policy_max_age_months: int
    policies: tuple[Policy, ...]
    safeguarding: Safeguarding
    quality: Quality
    districts: tuple[str, ...]
    support_needs: tuple[str, ...]
    limits: Limits
    # (district, ONS local authority district code), in the order of ``districts``
    district_codes: tuple[tuple[str, str], ...] = ()
    contact: Contact = Contact()
    criteria_published_in: str = ""  # where the evaluation criteria were published
    targets: Targets | None = None  # the optional [targets] section
    staff_share: Decimal | None = None  # [uplift] staff_share: the default weight of the NLW

    def staff_share_of(self, band: Band) -> Decimal | None:
        """The share of a band's cost that is staff (the uplift's weight of the NLW change)."""
        return band.staff_share if band.staff_share is not None else self.staff_share

    @property
    def lot_names(self) -> tuple[str, ...]:
        return tuple(lot.name for lot in self.lots)

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(band.name for band in self.bands)

    def band(self, name: str) -> Band:
        for band in self.bands:
            if band.name == name:
                return band
        raise KeyError(name)

    def lot(self, name: str) -> Lot:
        for lot in self.lots:
            if lot.name == name:
                return lot
        raise KeyError(name)

    def district_named(self, code: str) -> str | None:
        """The county district whose ONS code is ``code``; None outside the county."""
        return next((name for name, known in self.district_codes if known == code), None)

    def bands_of(self, lot: str) -> tuple[Band, ...]:
        return tuple(band for band in self.bands if band.lot == lot)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def bundled_path() -> Path:
    return Path(str(resources.files("clc_tender.schemas").joinpath(BUNDLED_NAME)))


def load_tender(path: Path | None = None) -> Tender:
    """Load and check a tender definition (the bundled CLC 2026 one when ``path`` is None)."""
    if path is None:
        data = resources.files("clc_tender.schemas").joinpath(BUNDLED_NAME).read_bytes()
        name = BUNDLED_NAME
    else:
        name = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise TenderError(name, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TenderError(name, "(file)", f"is not valid TOML: {exc}") from None
    return _build(raw, name, hashlib.sha256(data).hexdigest())


def _schedule(r: Reader, t: Mapping[str, Any]) -> tuple[str, dt.datetime, dt.date, dt.date]:
    """``[tender]``'s time zone, deadline (made aware) and framework start and end."""
    timezone = r.text(t, "timezone", "tender")
    try:
        tz = ZoneInfo(timezone)
    except Exception:
        raise r.fail("tender.timezone", f"unknown time zone {timezone!r}") from None
    deadline_raw = r.get(t, "deadline", "tender")
    if not isinstance(deadline_raw, dt.datetime):
        raise r.fail("tender.deadline", "must be a date and time, e.g. 2026-03-20T12:00:00")
    deadline = deadline_raw if deadline_raw.tzinfo else deadline_raw.replace(tzinfo=tz)
    start = r.date(t, "framework_start", "tender")
    end = r.date(t, "framework_end", "tender")
    if end <= start:
        raise r.fail("tender.framework_end", "must be after framework_start")
    return timezone, deadline, start, end


def _build(raw: Mapping[str, Any], file: str, sha256: str) -> Tender:
    """Read the sections in the order their errors have always been reported."""
    r = Reader(file)
    t = r.table(raw, "tender")
    timezone, deadline, start, end = _schedule(r, t)
    lots = read_lots(r, raw)
    bands = read_bands(r, raw, lots)
    finance = read_finance(r, raw)
    insurance = read_insurance(r, raw)
    pol = r.table(raw, "policies")
    policies = read_policies(r, pol, lots)
    safeguarding = read_safeguarding(r, raw)
    quality = read_quality(r, raw)
    contact = read_contact(r, raw)
    county = r.table(raw, "county")
    districts = r.strings(county, "districts", "county")
    limits = read_limits(r, raw)
    return Tender(
        targets=read_targets(r, raw),
        source=file,
        sha256=sha256,
        reference=r.text(t, "reference", "tender"),
        title=r.text(t, "title", "tender"),
        contracting_authority=r.text(t, "contracting_authority", "tender"),
        format_version=r.integer(t, "format_version", "tender", 1),
        timezone=timezone,
        deadline=deadline,
        award_date=r.date(t, "award_date", "tender"),
        framework_start=start,
        framework_end=end,
        extension_years=r.integer(t, "extension_years", "tender", 0),
        session_hours=r.integer(t, "session_hours", "tender", 1),
        lots=lots,
        bands=bands,
        finance=finance,
        insurance=insurance,
        policy_max_age_months=r.integer(pol, "max_age_months", "policies", 1),
        policies=policies,
        safeguarding=safeguarding,
        quality=quality,
        districts=districts,
        support_needs=r.strings(county, "support_needs", "county"),
        limits=limits,
        district_codes=read_district_codes(r, county, districts),
        contact=contact,
        criteria_published_in=r.text(t, "criteria_published_in", "tender"),
        staff_share=read_share(r, r.table(raw, "uplift"), "uplift") if "uplift" in raw else None,
    )
