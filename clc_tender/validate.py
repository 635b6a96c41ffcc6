"""pandera schemas built from the response format, run once over all bids stacked together.

Every failure case becomes a :class:`Finding` naming file, sheet and cell. The schemas check
what a value must be (present, a known band, a UK postcode, ...); the coercers in
``read/values.py`` have already turned cells into exact values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from .findings import Finding
from .read.frames import BidFrames
from .tender import Tender
from .workbook_format import FieldSpec, Format, TypeSpec


@dataclass(frozen=True)
class Rule:
    """What a failed pandera check means: the code, the field whose cell is named, the text."""

    code: str
    key: str
    message: Callable[[Any], str]


def _fixed(text: str) -> Callable[[Any], str]:
    """A message that does not depend on the failing value."""
    return lambda _value: text


def _field_rules(spec: FieldSpec, fmt_version: int, types: dict[str, TypeSpec]) -> list[tuple[pa.Check, Rule]]:
    rules: list[tuple[pa.Check, Rule]] = []
    key, label = spec.key, spec.label

    def check(name: str, fn: Callable[[pd.Series], pd.Series], code: str, message: Callable[[Any], str]) -> None:
        rules.append((pa.Check(fn, name=f"{name}|{key}"), Rule(code, key, message)))

    if spec.max_length:
        limit = spec.max_length
        check("length", lambda s: s.map(lambda v: 1 <= len(str(v)) <= limit), "invalid-value",
              lambda v: f"{label}: {len(str(v))} characters; at most {limit}")
    kind = types.get(spec.type)
    if kind is not None and kind.pattern:
        compiled = re.compile(kind.pattern)
        check(spec.type, lambda s: s.map(lambda v: bool(compiled.match(str(v)))), kind.code,
              lambda v: f"{label}: \"{v}\" {kind.problem}")
    if spec.choices:
        choices = {c.casefold(): c for c in spec.choices}
        check("choice", lambda s: s.map(lambda v: str(v).casefold() in choices), "invalid-value",
              lambda v: f"{label}: \"{v}\" is not one of {', '.join(spec.choices)}")
    if key == "format_version":
        check("version", lambda s: s == fmt_version, "format-version",
              lambda v: f"format version {v}; this tender reads format {fmt_version}, the format of the issued template")
    if key == "declaration_accepted":
        check("declaration", lambda s: s.map(lambda v: v is True), "invalid-value",
              lambda v: "the declaration must be accepted (Yes)")
    return rules


def _frame_rules(tender: Tender, fmt: Format) -> list[tuple[pa.Check, Rule]]:
    """Rules across fields of one bid: one check per rule, failing rows named."""
    rules: list[tuple[pa.Check, Rule]] = []
    lot_keys = [f"bidding_for:{lot.name}" for lot in tender.lots]

    def no_lot(df: pd.DataFrame) -> pd.Series:
        known = df[lot_keys].notna().all(axis=1)
        any_yes = df[lot_keys].apply(lambda col: col.map(lambda v: v is True)).any(axis=1)
        return ~known | any_yes

    rules.append((pa.Check(no_lot, name="one-lot"), Rule(
        "invalid-value", lot_keys[-1], lambda v: "the bid is for no lot: Yes was required for at least one lot")))

    def identity(df: pd.DataFrame) -> pd.Series:
        return df["companies_house_number"].notna() | df["charity_number"].notna() | df["_failed_identity"]

    rules.append((pa.Check(identity, name="identity"), Rule(
        "missing-field", "companies_house_number",
        lambda v: "a Companies House number or a charity number was required")))
    for policy in tender.policies:
        held, reviewed = f"policy_held:{policy.name}", f"policy_reviewed:{policy.name}"

        def review(df: pd.DataFrame, held: str = held, reviewed: str = reviewed) -> pd.Series:
            return df[held].map(lambda v: v is not True) | df[reviewed].notna() | df["_failed"].map(lambda f, r=reviewed: r in f)

        rules.append((pa.Check(review, name=f"review|{reviewed}"), Rule(
            "missing-field", reviewed, _fixed(f"{policy.name} policy last reviewed: required when the policy is held"))))
    for key, label in (("cqc_location_id", "CQC location ID"), ("cqc_rating", "CQC overall rating")):
        def registered(df: pd.DataFrame, key: str = key) -> pd.Series:
            return df["cqc_registered"].map(lambda v: v is not True) | df[key].notna() | df["_failed"].map(lambda f, k=key: k in f)

        rules.append((pa.Check(registered, name=f"cqc|{key}"), Rule(
            "missing-field", key, _fixed(f"{label}: required when CQC registered"))))

    def unique_reference(df: pd.DataFrame) -> pd.Series:
        refs = df["bid_reference"].map(lambda v: str(v).casefold() if v is not None else None)
        return refs.isna() | ~refs.duplicated(keep=False)

    rules.append((pa.Check(unique_reference, name="duplicate-reference"), Rule(
        "duplicate-bid-reference", "bid_reference",
        lambda v: "the bid reference is used by another file in this folder")))
    return rules


def validate(frames: BidFrames, tender: Tender, fmt: Format) -> list[Finding]:
    """Validate the stacked frames once each; return findings in file order."""
    findings: list[Finding] = []
    findings += _validate_bids(frames, tender, fmt)
    findings += _validate_prices(frames, tender)
    for sheet in {lot.coverage_sheet for lot in tender.lots}:
        findings += _validate_coverage(frames, tender, sheet)
    return findings


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[cases["index"].notna()]
    return pd.DataFrame(columns=["column", "check", "failure_case", "index"])


def _validate_bids(frames: BidFrames, tender: Tender, fmt: Format) -> list[Finding]:
    specs = {f.key: f for sheet in fmt.sheets for f in sheet.fields}
    bids = frames.bids
    columns: dict[str, pa.Column] = {}
    rules: dict[str, Rule] = {}
    for key, spec in specs.items():
        checks = []
        for check, rule in _field_rules(spec, fmt.version, fmt.types):
            checks.append(check)
            rules[str(check.name)] = rule
        columns[key] = pa.Column(None, nullable=spec.required is not True, checks=checks, required=True)
    frame_checks = []
    for check, rule in _frame_rules(tender, fmt):
        frame_checks.append(check)
        rules[str(check.name)] = rule
    schema = pa.DataFrameSchema(columns, checks=frame_checks, coerce=False, strict=False)
    opened = bids[bids["_opened"]]
    cases = _failures(schema, opened)
    findings = []
    seen: set[tuple[str, int]] = set()
    for case in cases.itertuples(index=False):
        index = int(case.index)
        read = frames.reads[index]
        if case.check == "not_nullable":
            key = str(case.column)
            if key in read.failed:
                continue  # already reported: the value could not be read
            spec = specs[key]
            if spec.lots is not None and key not in read.present:
                bid_lots = {lot.name for lot in tender.lots if bids.at[index, f"bidding_for:{lot.name}"] is True}
                if bid_lots and not bid_lots & set(spec.lots):
                    continue  # a row of another lot's field may be absent (Lone working, DS only)
            if key == "safeguarding_lead" and key in read.present:
                continue  # a blank lead is the safeguarding gate's finding
            cell = read.cell(key)
            where = "is blank" if key in read.present else "is missing"
            findings.append(Finding.make(
                read.file, fmt.sheet_of.get(key, ""), cell, "missing-field",
                f"'{spec.label}' {where}; it is required", lots=spec.lots))
            continue
        matched = rules.get(str(case.check))
        if matched is None or (str(case.check), index) in seen:
            continue
        seen.add((str(case.check), index))
        spec = specs[matched.key]
        value = bids.at[index, matched.key]
        sheet, cell = fmt.sheet_of.get(matched.key, ""), read.cell(matched.key)
        if matched.code == "duplicate-bid-reference":
            same = bids["bid_reference"].map(lambda v, ref=str(value).casefold(): v is not None and str(v).casefold() == ref)
            others = tuple(f for f in bids.loc[same, "file"] if f != read.file)
            findings.append(Finding.of(read.file, sheet, cell, matched.code, lots=spec.lots,
                                       reference=value, others=others))
        elif matched.code == "contact-details":
            kind = fmt.types[spec.type]
            findings.append(Finding.of(read.file, sheet, cell, matched.code, lots=spec.lots,
                                       label=spec.label, value=value, problem=kind.problem))
        else:
            findings.append(Finding.make(read.file, sheet, cell, matched.code, matched.message(value),
                                         lots=spec.lots))
    return findings


def _validate_prices(frames: BidFrames, tender: Tender) -> list[Finding]:
    prices = frames.prices

    def known_band(df: pd.DataFrame) -> pd.Series:
        return df["band"].notna() | df["price"].isna()

    def unique_band(df: pd.DataFrame) -> pd.Series:
        return df["band"].isna() | ~df.duplicated(["bid", "band"], keep="first")

    schema = pa.DataFrameSchema(
        {"band": pa.Column(None, nullable=True), "price": pa.Column(None, nullable=True)},
        checks=[pa.Check(known_band, name="unknown-band"), pa.Check(unique_band, name="duplicate-band")],
        coerce=False,
    )
    cases = _failures(schema, prices)
    findings = []
    for check, index in cases[["check", "index"]].drop_duplicates().itertuples(index=False):
        row = prices.loc[int(index)]
        if check == "unknown-band":
            name = row["band_text"]
            what = f"the band '{name}'" if name else "a price with no band name"
            findings.append(Finding.make(
                row["file"], "Pricing", row["band_cell"], "unknown-band",
                f"{what} is not a band of this tender ({', '.join(tender.band_names)})"))
        else:
            findings.append(Finding.make(
                row["file"], "Pricing", row["band_cell"], "duplicate-field",
                f"{row['band']} is listed twice; give one price per band",
                lots=(tender.band(row["band"]).lot,)))
    return findings


def _validate_coverage(frames: BidFrames, tender: Tender, sheet: str) -> list[Finding]:
    frame = frames.coverage.get(sheet)
    if frame is None or frame.empty:
        return []
    lot = next(lot.name for lot in tender.lots if lot.coverage_sheet == sheet)
    districts = set(tender.districts)
    needs = set(tender.support_needs)

    def needs_known(s: pd.Series) -> pd.Series:
        return s.map(lambda v: all(p.strip() in needs for p in str(v).split(";") if p.strip()))

    schema = pa.DataFrameSchema(
        {
            "district": pa.Column(None, nullable=True, checks=pa.Check.isin(sorted(districts), name="district")),
            "support_needs": pa.Column(None, nullable=True, checks=pa.Check(needs_known, name="needs")),
        },
        coerce=False,
    )
    cases = _failures(schema, frame)
    findings = []
    for case in cases.itertuples(index=False):
        row = frame.loc[int(case.index)]
        if case.check == "needs":
            unknown = [p.strip() for p in str(case.failure_case).split(";") if p.strip() and p.strip() not in needs]
            findings.append(Finding.make(
                row["file"], sheet, row["support_needs_cell"], "unknown-support-need",
                f"unknown support need {', '.join(repr(u) for u in unknown)} (known: {'; '.join(tender.support_needs)})",
                lots=(lot,)))
        else:
            findings.append(Finding.make(
                row["file"], sheet, row["district_cell"], "unknown-district",
                f"'{case.failure_case}' is not a district of the county ({', '.join(tender.districts)})",
                lots=(lot,)))
    return findings
