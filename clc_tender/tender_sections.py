"""The sections of the tender definition: their frozen objects and the readers that check them.

Each ``read_*`` function reads one section of the TOML through :class:`Reader`, which names the
file and the missing or wrong key in a :class:`TenderError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


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
    staff_share: Decimal | None = None  # the uplift's weight of the NLW; None: [uplift]'s


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
class Targets:
    """The spend and savings the framework was approved on (Cabinet report paras 10-12)."""

    annual_spend: Decimal
    five_year_value: Decimal
    savings_five_years: Decimal


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_xml_bytes: int
    max_zip_entries: int
    max_compression_ratio: int
    max_dense_cells: int
    max_sheet_rows: int


class Reader:
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

    def strings(
        self, table: Mapping[str, Any], key: str, path: str, allow_empty: bool = False
    ) -> tuple[str, ...]:
        value = self.get(table, key, path)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(_join(path, key), "must be a list of text")
        if not value and not allow_empty:
            raise self.fail(_join(path, key), "must not be empty")
        return tuple(v.strip() for v in value)

    def items(self, table: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = self.get(table, key, path)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, Mapping) for v in value)
        ):
            raise self.fail(_join(path, key), "must be a non-empty list of tables")
        return value

    def date(self, table: Mapping[str, Any], key: str, path: str) -> dt.date:
        value = self.get(table, key, path)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(_join(path, key), "must be a date, e.g. 2026-08-31")
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def read_lots(r: Reader, raw: Mapping[str, Any]) -> tuple[Lot, ...]:
    """``[[lots]]``: each lot's name, coverage sheet and required bands; names unique."""
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
    return tuple(lots)


def _band(r: Reader, item: Mapping[str, Any], path: str, lot_names: list[str]) -> Band:
    """One ``[[bands]]`` entry: a known lot, a floor above zero and below the ceiling, in pence."""
    band = Band(
        name=r.text(item, "name", path),
        lot=r.text(item, "lot", path),
        ratio=r.text(item, "ratio", path),
        unit=r.text(item, "unit", path),
        floor=r.decimal(item, "floor", path),
        ceiling=r.decimal(item, "ceiling", path),
        only_with_any_of=(
            r.strings(item, "only_with_any_of", path) if "only_with_any_of" in item else ()
        ),
        staff_share=read_share(r, item, path) if "staff_share" in item else None,
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
    return band


def read_bands(r: Reader, raw: Mapping[str, Any], lots: tuple[Lot, ...]) -> tuple[Band, ...]:
    """``[[bands]]``: names unique; the bands each band and each lot refer to exist."""
    lot_names = [lot.name for lot in lots]
    items = r.items(raw, "bands", "")
    bands = [_band(r, item, f"bands[{i}]", lot_names) for i, item in enumerate(items)]
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
    return tuple(bands)


def read_finance(r: Reader, raw: Mapping[str, Any]) -> Finance:
    f = r.table(raw, "finance")
    return Finance(
        min_turnover=r.decimal(f, "min_turnover", "finance"),
        min_net_assets=r.decimal(f, "min_net_assets", "finance"),
        min_current_ratio=r.decimal(f, "min_current_ratio", "finance"),
        max_accounts_age_months=r.integer(f, "max_accounts_age_months", "finance", 1),
    )


def read_insurance(r: Reader, raw: Mapping[str, Any]) -> Insurance:
    ins = r.table(raw, "insurance")
    return Insurance(
        employers_liability=r.decimal(ins, "employers_liability", "insurance"),
        public_liability=r.decimal(ins, "public_liability", "insurance"),
        professional_indemnity=r.decimal(ins, "professional_indemnity", "insurance"),
    )


def read_policies(r: Reader, pol: Mapping[str, Any], lots: tuple[Lot, ...]) -> tuple[Policy, ...]:
    """``[policies] required``: each policy names known lots."""
    lot_names = [lot.name for lot in lots]
    policies = []
    for i, item in enumerate(r.items(pol, "required", "policies")):
        path = f"policies.required[{i}]"
        policy = Policy(name=r.text(item, "name", path), lots=r.strings(item, "lots", path))
        for lot_name in policy.lots:
            if lot_name not in lot_names:
                raise r.fail(
                    f"{path}.lots", f"unknown lot {lot_name!r} (lots: {', '.join(lot_names)})"
                )
        policies.append(policy)
    return tuple(policies)


def read_safeguarding(r: Reader, raw: Mapping[str, Any]) -> Safeguarding:
    """``[safeguarding]``: the failing CQC ratings are among the known ratings."""
    sg = r.table(raw, "safeguarding")
    cqc_ratings = r.strings(sg, "cqc_ratings", "safeguarding")
    failing = r.strings(sg, "failing_cqc_ratings", "safeguarding", allow_empty=True)
    for rating in failing:
        if rating not in cqc_ratings:
            raise r.fail("safeguarding.failing_cqc_ratings", f"unknown rating {rating!r}")
    return Safeguarding(
        min_training_pct=r.decimal(sg, "min_training_pct", "safeguarding"),
        failing_cqc_ratings=failing,
        cqc_ratings=cqc_ratings,
    )


def _questions(r: Reader, q: Mapping[str, Any]) -> tuple[Question, ...]:
    """``[[quality.questions]]``: ids unique, weights totalling 100."""
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
    return tuple(questions)


def read_quality(r: Reader, raw: Mapping[str, Any]) -> Quality:
    """``[quality]``: the scores, the pass mark and one meaning per score."""
    q = r.table(raw, "quality")
    max_score = r.integer(q, "max_score", "quality", 1)
    questions = _questions(r, q)
    min_score = r.integer(q, "min_score", "quality", 0)
    if min_score > max_score:
        raise r.fail("quality.min_score", f"{min_score} is above max_score {max_score}")
    pass_mark = r.decimal(q, "pass_mark_pct", "quality")
    if not 0 <= pass_mark <= 100:
        raise r.fail("quality.pass_mark_pct", "must be between 0 and 100")
    scale = r.strings(q, "scale", "quality")
    if len(scale) != max_score + 1:
        raise r.fail(
            "quality.scale",
            f"gives {len(scale)} meanings; scores 0 to {max_score} need {max_score + 1}",
        )
    return Quality(
        max_score=max_score,
        min_score=min_score,
        pass_mark_pct=pass_mark,
        moderated_evaluator=r.text(q, "moderated_evaluator", "quality"),
        questions=questions,
        scale=scale,
    )


_CONTACT_KEYS = ("name", "role", "email", "telephone", "signatory", "signatory_role")


def read_contact(r: Reader, raw: Mapping[str, Any]) -> Contact:
    c = r.table(raw, "contact")
    return Contact(**{key: r.text(c, key, "contact") for key in _CONTACT_KEYS})


def read_limits(r: Reader, raw: Mapping[str, Any]) -> Limits:
    """``[reading]``: the limits that guard the reading of untrusted workbooks."""
    lim = r.table(raw, "reading")
    return Limits(
        max_file_bytes=r.integer(lim, "max_file_bytes", "reading", 1),
        max_xml_bytes=r.integer(lim, "max_xml_bytes", "reading", 1),
        max_zip_entries=r.integer(lim, "max_zip_entries", "reading", 1),
        max_compression_ratio=r.integer(lim, "max_compression_ratio", "reading", 1),
        max_dense_cells=r.integer(lim, "max_dense_cells", "reading", 1),
        max_sheet_rows=r.integer(lim, "max_sheet_rows", "reading", 10),
    )


def read_targets(r: Reader, raw: Mapping[str, Any]) -> Targets | None:
    """The optional ``[targets]`` section: amounts in pounds, written as text, none negative."""
    if "targets" not in raw:
        return None
    t = r.table(raw, "targets")
    amounts = {}
    for key in ("annual_spend", "five_year_value", "savings_five_years"):
        amount = r.decimal(t, key, "targets")
        if amount < 0:
            raise r.fail(f"targets.{key}", "must not be negative")
        amounts[key] = amount
    return Targets(**amounts)


def read_share(r: Reader, table: Mapping[str, Any], path: str) -> Decimal:
    """A staff share: a fraction from 0 to 1 written as text ("0.70")."""
    share = r.decimal(table, "staff_share", path)
    if not 0 <= share <= 1:
        raise r.fail(_join(path, "staff_share"), f"{share} is not a share between 0 and 1")
    return share


_ONS_DISTRICT = re.compile(r"^[EWSN][0-9]{8}$")


def read_district_codes(
    r: Reader, county: Mapping[str, Any], districts: tuple[str, ...]
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
