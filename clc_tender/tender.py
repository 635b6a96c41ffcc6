"""The tender definition: loaded from TOML in ``schemas/`` into frozen objects, and checked.

A broken definition raises :class:`TenderError` naming the file and the key; the CLI turns it
into one line on stderr and exit 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BUNDLED_NAME = "clc-2026.toml"


class TenderError(Exception):
    """The tender definition cannot be used; names the file and the key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        super().__init__(f"{file}: {key}: {message}")
        self.file = file
        self.key = key


@dataclass(frozen=True)
class Lot:
    name: str
    coverage_sheet: str
    cqc_registration_required: bool
    required_any_of: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    name: str
    lot: str
    ratio: str
    unit: str
    floor: Decimal
    ceiling: Decimal
    only_with_any_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    name: str
    lots: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    weight: int


@dataclass(frozen=True)
class Finance:
    min_turnover: Decimal
    min_net_assets: Decimal
    min_current_ratio: Decimal
    max_accounts_age_months: int


@dataclass(frozen=True)
class Insurance:
    employers_liability: Decimal
    public_liability: Decimal
    professional_indemnity: Decimal


@dataclass(frozen=True)
class Safeguarding:
    min_training_pct: Decimal
    failing_cqc_ratings: tuple[str, ...]
    cqc_ratings: tuple[str, ...]


@dataclass(frozen=True)
class Quality:
    max_score: int
    min_score: int
    pass_mark_pct: Decimal
    moderated_evaluator: str
    questions: tuple[Question, ...]
    scale: tuple[str, ...] = ()  # what each score 0 … max_score means

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Contact:
    """Who bidders contact with questions about the evaluation, and who signs the letters."""

    name: str = ""
    role: str = ""
    email: str = ""
    telephone: str = ""
    signatory: str = ""
    signatory_role: str = ""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_xml_bytes: int
    max_zip_entries: int
    max_compression_ratio: int
    max_dense_cells: int
    max_sheet_rows: int


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


class _Reader:
    """Typed access to the TOML tables that names the missing or wrong key."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, message: str) -> TenderError:
        return TenderError(self.file, key, message)

    def get(self, table: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in table:
            raise self.fail(f"{path}.{key}" if path else key, "missing")
        return table[key]

    def table(self, table: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any]:
        value = self.get(table, key, path)
        if not isinstance(value, Mapping):
            raise self.fail(_join(path, key), "must be a table")
        return value

    def text(self, table: Mapping[str, Any], key: str, path: str) -> str:
        value = self.get(table, key, path)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(path, key), "must be non-empty text")
        return value.strip()

    def integer(self, table: Mapping[str, Any], key: str, path: str, minimum: int = 0) -> int:
        value = self.get(table, key, path)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(_join(path, key), f"must be a whole number of at least {minimum}")
        return value

    def boolean(self, table: Mapping[str, Any], key: str, path: str) -> bool:
        value = self.get(table, key, path)
        if not isinstance(value, bool):
            raise self.fail(_join(path, key), "must be true or false")
        return value

    def decimal(self, table: Mapping[str, Any], key: str, path: str) -> Decimal:
        value = self.get(table, key, path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(_join(path, key), 'must be an amount written as text, e.g. "48.12"')
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(_join(path, key), f"{value!r} is not an amount") from None
        if not result.is_finite():
            raise self.fail(_join(path, key), f"{value!r} is not an amount")
        return result

    def strings(self, table: Mapping[str, Any], key: str, path: str, allow_empty: bool = False) -> tuple[str, ...]:
        value = self.get(table, key, path)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(_join(path, key), "must be a list of text")
        if not value and not allow_empty:
            raise self.fail(_join(path, key), "must not be empty")
        return tuple(v.strip() for v in value)

    def items(self, table: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = self.get(table, key, path)
        if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(_join(path, key), "must be a non-empty list of tables")
        return value

    def date(self, table: Mapping[str, Any], key: str, path: str) -> dt.date:
        value = self.get(table, key, path)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(_join(path, key), "must be a date, e.g. 2026-08-31")
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


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


def _build(raw: Mapping[str, Any], file: str, sha256: str) -> Tender:
    r = _Reader(file)
    t = r.table(raw, "tender")
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

    lots = []
    for i, item in enumerate(r.items(raw, "lots", "")):
        path = f"lots[{i}]"
        lots.append(
            Lot(
                name=r.text(item, "name", path),
                coverage_sheet=r.text(item, "coverage_sheet", path),
                cqc_registration_required=r.boolean(item, "cqc_registration_required", path),
                required_any_of=r.strings(item, "required_any_of", path),
            )
        )
    lot_names = [lot.name for lot in lots]
    if len(set(lot_names)) != len(lot_names):
        raise r.fail("lots", "lot names must be unique")

    bands = []
    for i, item in enumerate(r.items(raw, "bands", "")):
        path = f"bands[{i}]"
        band = Band(
            name=r.text(item, "name", path),
            lot=r.text(item, "lot", path),
            ratio=r.text(item, "ratio", path),
            unit=r.text(item, "unit", path),
            floor=r.decimal(item, "floor", path),
            ceiling=r.decimal(item, "ceiling", path),
            only_with_any_of=r.strings(item, "only_with_any_of", path) if "only_with_any_of" in item else (),
        )
        if band.lot not in lot_names:
            raise r.fail(f"{path}.lot", f"unknown lot {band.lot!r} (lots: {', '.join(lot_names)})")
        if band.floor <= 0:
            raise r.fail(f"{path}.floor", "must be above zero")
        if band.floor > band.ceiling:
            raise r.fail(f"{path}.floor", f"floor {band.floor} is above the ceiling {band.ceiling}")
        for limit in ("floor", "ceiling"):
            if getattr(band, limit) != getattr(band, limit).quantize(Decimal("0.01")):
                raise r.fail(f"{path}.{limit}", "must be in whole pence")
        bands.append(band)
    band_names = [band.name for band in bands]
    if len(set(band_names)) != len(band_names):
        raise r.fail("bands", "band names must be unique")
    for i, band in enumerate(bands):
        for other in band.only_with_any_of:
            if other not in band_names:
                raise r.fail(f"bands[{i}].only_with_any_of", f"unknown band {other!r}")
    for i, lot in enumerate(lots):
        for name in lot.required_any_of:
            if name not in band_names or next(b for b in bands if b.name == name).lot != lot.name:
                raise r.fail(f"lots[{i}].required_any_of", f"{name!r} is not a band of {lot.name}")

    f = r.table(raw, "finance")
    finance = Finance(
        min_turnover=r.decimal(f, "min_turnover", "finance"),
        min_net_assets=r.decimal(f, "min_net_assets", "finance"),
        min_current_ratio=r.decimal(f, "min_current_ratio", "finance"),
        max_accounts_age_months=r.integer(f, "max_accounts_age_months", "finance", 1),
    )
    ins = r.table(raw, "insurance")
    insurance = Insurance(
        employers_liability=r.decimal(ins, "employers_liability", "insurance"),
        public_liability=r.decimal(ins, "public_liability", "insurance"),
        professional_indemnity=r.decimal(ins, "professional_indemnity", "insurance"),
    )
    pol = r.table(raw, "policies")
    policies = []
    for i, item in enumerate(r.items(pol, "required", "policies")):
        path = f"policies.required[{i}]"
        policy = Policy(name=r.text(item, "name", path), lots=r.strings(item, "lots", path))
        for lot_name in policy.lots:
            if lot_name not in lot_names:
                raise r.fail(f"{path}.lots", f"unknown lot {lot_name!r} (lots: {', '.join(lot_names)})")
        policies.append(policy)

    sg = r.table(raw, "safeguarding")
    cqc_ratings = r.strings(sg, "cqc_ratings", "safeguarding")
    failing = r.strings(sg, "failing_cqc_ratings", "safeguarding", allow_empty=True)
    for rating in failing:
        if rating not in cqc_ratings:
            raise r.fail("safeguarding.failing_cqc_ratings", f"unknown rating {rating!r}")
    safeguarding = Safeguarding(
        min_training_pct=r.decimal(sg, "min_training_pct", "safeguarding"),
        failing_cqc_ratings=failing,
        cqc_ratings=cqc_ratings,
    )

    q = r.table(raw, "quality")
    max_score = r.integer(q, "max_score", "quality", 1)
    questions = []
    for i, item in enumerate(r.items(q, "questions", "quality")):
        path = f"quality.questions[{i}]"
        questions.append(
            Question(
                id=r.text(item, "id", path),
                text=r.text(item, "text", path),
                weight=r.integer(item, "weight", path, 1),
            )
        )
    if len({qq.id for qq in questions}) != len(questions):
        raise r.fail("quality.questions", "question ids must be unique")
    total = sum(qq.weight for qq in questions)
    if total != 100:
        raise r.fail("quality.questions", f"weights total {total}, not 100")
    min_score = r.integer(q, "min_score", "quality", 0)
    if min_score > max_score:
        raise r.fail("quality.min_score", f"{min_score} is above max_score {max_score}")
    pass_mark = r.decimal(q, "pass_mark_pct", "quality")
    if not 0 <= pass_mark <= 100:
        raise r.fail("quality.pass_mark_pct", "must be between 0 and 100")
    scale = r.strings(q, "scale", "quality")
    if len(scale) != max_score + 1:
        raise r.fail("quality.scale", f"gives {len(scale)} meanings; scores 0 to {max_score} need {max_score + 1}")
    quality = Quality(
        max_score=max_score,
        min_score=min_score,
        pass_mark_pct=pass_mark,
        moderated_evaluator=r.text(q, "moderated_evaluator", "quality"),
        questions=tuple(questions),
        scale=scale,
    )
    c = r.table(raw, "contact")
    contact = Contact(**{key: r.text(c, key, "contact") for key in (
        "name", "role", "email", "telephone", "signatory", "signatory_role")})

    county = r.table(raw, "county")
    districts = r.strings(county, "districts", "county")
    lim = r.table(raw, "reading")
    limits = Limits(
        max_file_bytes=r.integer(lim, "max_file_bytes", "reading", 1),
        max_xml_bytes=r.integer(lim, "max_xml_bytes", "reading", 1),
        max_zip_entries=r.integer(lim, "max_zip_entries", "reading", 1),
        max_compression_ratio=r.integer(lim, "max_compression_ratio", "reading", 1),
        max_dense_cells=r.integer(lim, "max_dense_cells", "reading", 1),
        max_sheet_rows=r.integer(lim, "max_sheet_rows", "reading", 10),
    )
    return Tender(
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
        lots=tuple(lots),
        bands=tuple(bands),
        finance=finance,
        insurance=insurance,
        policy_max_age_months=r.integer(pol, "max_age_months", "policies", 1),
        policies=tuple(policies),
        safeguarding=safeguarding,
        quality=quality,
        districts=districts,
        support_needs=r.strings(county, "support_needs", "county"),
        limits=limits,
        district_codes=_district_codes(r, county, districts),
        contact=contact,
        criteria_published_in=r.text(t, "criteria_published_in", "tender"),
    )


_ONS_DISTRICT = re.compile(r"^[EWSN][0-9]{8}$")


def _district_codes(
    r: _Reader, county: Mapping[str, Any], districts: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """``[county] district_codes``: every district's ONS code (optional; ``place`` needs it)."""
    if "district_codes" not in county:
        return ()
    codes = r.table(county, "district_codes", "county")
    for name, code in codes.items():
        key = f'county.district_codes."{name}"'
        if name not in districts:
            raise r.fail(key, f"{name!r} is not one of county.districts")
        if not isinstance(code, str) or not _ONS_DISTRICT.match(code.strip()):
            raise r.fail(key, f"{code!r} is not an ONS district code such as E07000130")
    missing = [d for d in districts if d not in codes]
    if missing:
        raise r.fail("county.district_codes", f"no code for {', '.join(missing)}")
    pairs = tuple((d, str(codes[d]).strip()) for d in districts)
    if len({code for _, code in pairs}) != len(pairs):
        raise r.fail("county.district_codes", "two districts share a code")
    return pairs
