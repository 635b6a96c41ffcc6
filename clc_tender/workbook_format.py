"""The response-workbook format, declared once in ``schemas/response-format.toml``.

The reader, the pandera schemas and the template are all built from the :class:`Format`
returned by :func:`load_format`; per-lot and per-policy fields are expanded from the tender.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from .tender import Tender

FORMAT_NAME = "response-format.toml"


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    required: bool | str  # True, False, "when_policy_held", "when_cqc_registered"
    help: str = ""
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    lots: tuple[str, ...] | None = None  # the lots this field matters for (None: every lot)
    subject: str = ""  # the lot or policy name a repeated field is about

    @property
    def norm(self) -> str:
        return normalise_label(self.label)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    type: str

    @property
    def norm(self) -> str:
        return normalise_label(self.header)


@dataclass(frozen=True)
class SheetSpec:
    name: str
    kind: str  # "fields" or "table"
    instructions: str
    fields: tuple[FieldSpec, ...] = ()
    columns: tuple[ColumnSpec, ...] = ()
    lot: str | None = None  # a table sheet belonging to one lot only

    @property
    def norm(self) -> str:
        return normalise_label(self.name)

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def column_letter(self, key: str) -> str:
        for i, col in enumerate(self.columns):
            if col.key == key:
                return chr(ord("A") + i)
        raise KeyError(key)


@dataclass(frozen=True)
class TypeSpec:
    """What a value of one type must be: a pattern (reader) and an Excel validation (template)."""

    name: str
    pattern: str = ""
    code: str = ""
    problem: str = ""
    excel: tuple[tuple[str, str], ...] = ()  # DataValidation keyword arguments
    error: str = ""
    error_style: str = ""
    prompt: str = ""


@dataclass(frozen=True)
class Format:
    version: int
    sheets: tuple[SheetSpec, ...]
    types: dict[str, TypeSpec] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetSpec:
        for spec in self.sheets:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @functools.cached_property
    def sheet_of(self) -> dict[str, str]:
        """Field key -> the sheet it is on."""
        return {f.key: spec.name for spec in self.sheets for f in spec.fields}


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SPACES = re.compile(r"\s+")


def normalise_label(text: object) -> str:
    """Labels match after trimming, collapsing white space, straightening quotes, any case."""
    return _normalise(text if isinstance(text, str) else str(text))


@functools.lru_cache(maxsize=8192)
def _normalise(text: str) -> str:  # labels repeat across thousands of bids
    value = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACES.sub(" ", value).strip().casefold()


def _expand(item: dict[str, Any], tender: Tender) -> list[FieldSpec]:
    choices: tuple[str, ...] = ()
    if item.get("choices") == "cqc_ratings":
        choices = tender.safeguarding.cqc_ratings
    base = {
        "type": item["type"],
        "required": item.get("required", True),
        "help": item.get("help", ""),
        "max_length": item.get("max_length"),
        "choices": choices,
    }
    repeat = item.get("repeat")
    if repeat is None:
        return [FieldSpec(key=item["key"], label=item["label"], **base)]
    if repeat == "lots":
        return [
            FieldSpec(
                key=item["key"].format(name=lot.name),
                label=item["label"].format(name=lot.name),
                subject=lot.name,
                **base,
            )
            for lot in tender.lots
        ]
    if repeat == "policies":
        return [
            FieldSpec(
                key=item["key"].format(name=policy.name),
                label=item["label"].format(name=policy.name),
                lots=policy.lots,
                subject=policy.name,
                **base,
            )
            for policy in tender.policies
        ]
    raise ValueError(f"unknown repeat {repeat!r} in {FORMAT_NAME}")


def load_format(tender: Tender) -> Format:
    raw = tomllib.loads(
        resources.files("clc_tender.schemas").joinpath(FORMAT_NAME).read_text("utf-8")
    )
    sheets = []
    for sheet in raw["sheets"]:
        if sheet["kind"] == "fields":
            fields = tuple(spec for item in sheet["fields"] for spec in _expand(item, tender))
            sheets.append(
                SheetSpec(
                    name=sheet["name"],
                    kind="fields",
                    instructions=sheet["instructions"],
                    fields=fields,
                )
            )
        else:
            lot = sheet.get("lot")
            # a lot's coverage sheet may be renamed by the tender definition
            columns = tuple(ColumnSpec(c["key"], c["header"], c["type"]) for c in sheet["columns"])
            sheets.append(
                SheetSpec(
                    name=sheet["name"],
                    kind="table",
                    instructions=sheet["instructions"],
                    columns=columns,
                    lot=lot,
                )
            )
    types = {
        name: TypeSpec(
            name=name,
            pattern=spec.get("pattern", ""),
            code=spec.get("code", ""),
            problem=spec.get("problem", ""),
            excel=tuple(sorted(spec.get("excel", {}).items())),
            error=spec.get("error", ""),
            error_style=spec.get("error_style", ""),
            prompt=spec.get("prompt", ""),
        )
        for name, spec in raw.get("types", {}).items()
    }
    return Format(version=int(raw["version"]), sheets=tuple(sheets), types=types)
