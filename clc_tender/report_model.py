"""The award report's content (``report.md``), computed from the shortlist alone: counts,
reasons, referrals, decisions, price positions, market coverage and the panel. Pure: no Word,
no charts; :mod:`clc_tender.write.report` lays it out.

The shortlist is read through the one reader of our own workbooks (``read/ours.py``), every
sheet's rows as dicts keyed by column key; a missing sheet or column stops the run naming it
(exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from . import contract as c
from .contract import PA_COVERAGE, SERVICES, SheetSpec
from .findings import CODE_OUTCOME, Outcome
from .results import Declaration, Member
from .tender import Tender
from .workbook_format import normalise_label

Row = dict[str, Any]
PENNY = Decimal("0.01")
GAP_AT_MOST = 1  # a district and need with none or one is a gap
NOT_ADMITTED = (
    Outcome.LATE,
    Outcome.NON_COMPLIANT,
    Outcome.DISQUALIFIED_PRICE,
    Outcome.FAILED_GATE,
    Outcome.REFERRED,
)

# Rule codes in plain words, for the Director (the codes stay in the tables, for the record).
REASON_WORDS: dict[str, str] = {
    "late": "Submitted after the deadline",
    "unreadable-file": "Workbook could not be read",
    "encrypted-file": "Workbook password-protected",
    "not-xlsx": "Not an Excel workbook (.xlsx)",
    "file-too-large": "Workbook too large",
    "missing-sheet": "A sheet of the response missing",
    "missing-field": "A required answer missing",
    "duplicate-field": "An answer given twice",
    "invalid-value": "An answer of the wrong kind",
    "unknown-band": "A price for an unknown band",
    "format-version": "Wrong version of the response workbook",
    "duplicate-bid-reference": "Bid reference used by two submissions",
    "duplicate-sheet": "A sheet present twice",
    "price-not-whole-pence": "Price not in whole pence",
    "price-missing": "A required price missing",
    "band5-without-band3-or-4": "Band 5 priced without Band 3 or 4",
    "services-missing": "No day services listed",
    "pa-coverage-missing": "No districts covered listed",
    "price-below-floor": "Price below the band's floor",
    "price-above-ceiling": "Price above the band's ceiling",
    "mandatory-exclusion": "Mandatory exclusion grounds",
    "debarred": "On the debarment list",
    "insurance-employers-liability": "Employer's liability cover too low",
    "insurance-public-liability": "Public liability cover too low",
    "insurance-professional-indemnity": "Professional indemnity cover too low",
    "policy-missing": "A required policy not held",
    "policy-out-of-date": "A policy not reviewed in time",
    "safeguarding-lead": "No named safeguarding lead",
    "safeguarding-dbs": "Enhanced DBS checks not in place",
    "safeguarding-training": "Safeguarding training below 90%",
    "cqc-not-registered": "Not registered with the CQC",
    "cqc-inadequate": "CQC rating Inadequate",
    "quality-question-below-minimum": "A quality answer below the minimum score",
    "quality-below-pass-mark": "Quality below the pass mark",
    "discretionary-exclusion": "Discretionary exclusion grounds",
    "finance-turnover": "Turnover below the minimum",
    "finance-net-assets": "Net assets negative",
    "finance-current-ratio": "Current ratio below 1.0",
    "finance-accounts-age": "Accounts too old",
    "safeguarding-concerns": "Substantiated safeguarding concerns",
    "quality-not-scored": "Quality not yet scored",
    "quality-needs-moderation": "Quality scores need moderation",
    "duplicate-provider": "The same provider bid twice",
    "receipt-missing": "No portal receipt",
    "already-admitted": "Already on the framework",
}

# What a referred bid is waiting for, by its referral code.
WAITING_FOR: dict[str, str] = {
    "quality-not-scored": "the panel's scores",
    "quality-needs-moderation": "the panel's moderated score",
    "discretionary-exclusion": "an officer's decision on the exclusion grounds",
    "finance-turnover": "an officer's decision on the finance test",
    "finance-net-assets": "an officer's decision on the finance test",
    "finance-current-ratio": "an officer's decision on the finance test",
    "finance-accounts-age": "an officer's decision on the finance test",
    "safeguarding-concerns": "an officer's decision on the safeguarding concerns",
    "duplicate-provider": "an officer's decision on which bid the provider keeps",
    "receipt-missing": "an officer's check of how the bid arrived",
}

_CODE = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*):\s*(.*)$")
_PLACE = re.compile(r"^[^!:\n]{1,40}![A-Z]{1,3}[0-9]{1,7}:\s*")
_DECISION = re.compile(
    r"^(?P<code>[a-z0-9-]+): (?P<verb>accepted|rejected) by (?P<officer>.+?) on "
    r"(?P<date>\d{4}-\d{2}-\d{2}): (?P<reason>.*)$",
    re.S,
)


def words(code: str) -> str:
    return REASON_WORDS.get(code, code.replace("-", " ").capitalize())


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The shortlist as the report uses it: Summary items as text, the sheets' rows by key."""

    path: Path
    summary: dict[str, str]
    members: tuple[Member, ...]
    sheets: dict[str, list[Row]]  # sheet name -> rows keyed by column key
    panel: tuple[Declaration, ...]

    def rows(self, spec: SheetSpec) -> list[Row]:
        return self.sheets.get(spec.name, [])

    def has(self, spec: SheetSpec) -> bool:
        return spec.name in self.sheets


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_source(path: Path, tender: Tender) -> Source:
    """Read the shortlist through the one reader of our own workbooks (``read/ours.py``)."""
    from .read.ours import read_declarations, read_shortlist

    book = read_shortlist(
        path,
        tender,
        sheets=(c.OUTCOMES, c.PRICES, c.FINDINGS, c.INPUTS),
        optional=(c.PANEL, SERVICES, PA_COVERAGE),
    )
    sheets = {
        spec.name: book.rows(spec)
        for spec in (c.OUTCOMES, c.PRICES, c.FINDINGS, c.INPUTS, SERVICES, PA_COVERAGE)
        if book.has(spec)
    }
    summary = {item: _text(value) for item, value in book.items.items()}
    return Source(path, summary, book.members, sheets, read_declarations(book, tender))


# --- the sections' content -------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    bid_reference: str
    organisation: str
    lot: str
    waiting_for: str
    reasons: tuple[str, ...]  # plain words


@dataclass(frozen=True)
class DecisionLine:
    bid_reference: str
    organisation: str
    lot: str
    code: str
    decision: str  # accepted / rejected
    officer: str
    date: str
    reason: str


@dataclass(frozen=True)
class BandPrices:
    band: str
    lot: str
    floor: Decimal
    ceiling: Decimal
    prices: tuple[Decimal, ...]  # the framework members' prices

    @property
    def low(self) -> Decimal | None:
        return min(self.prices, default=None)

    @property
    def high(self) -> Decimal | None:
        return max(self.prices, default=None)

    @property
    def median(self) -> Decimal | None:
        ordered = sorted(self.prices)
        n = len(ordered)
        if not n:
            return None
        value = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
        return value.quantize(PENNY, ROUND_HALF_UP)

    @property
    def gap(self) -> Decimal | None:
        """Ceiling less the median admitted price."""
        return None if self.median is None else self.ceiling - self.median

    @property
    def gap_pct(self) -> Decimal | None:
        gap = self.gap
        return (
            None
            if gap is None
            else (gap / self.ceiling * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        )


@dataclass(frozen=True)
class Coverage:
    """Districts x support needs: admitted Day Services services, Personal Assistants providers."""

    present: bool
    districts: tuple[str, ...]
    needs: tuple[str, ...]
    services: dict[tuple[str, str], int] = field(default_factory=dict)
    pa_providers: dict[tuple[str, str], int] = field(default_factory=dict)

    def gaps(self) -> list[str]:
        """The gaps (none or one) in sentences, one per lot, district and count."""
        sentences = []
        for counts, none, one in (
            (
                self.services,
                "No admitted Day Services service in {d} supports {n}.",
                "Only one admitted Day Services service in {d} supports {n}.",
            ),
            (
                self.pa_providers,
                "No Personal Assistants provider covers {d} for {n}.",
                "Only one Personal Assistants provider covers {d} for {n}.",
            ),
        ):
            for district in self.districts:
                for count, template in ((0, none), (1, one)):
                    needs = [n for n in self.needs if counts.get((district, n), 0) == count]
                    if len(needs) == len(self.needs) and len(needs) > 1:
                        every = "any support need" if count == 0 else "every support need"
                        sentences.append(template.format(d=district, n=every))
                    elif needs:
                        sentences.append(template.format(d=district, n=_or(needs, count)))
        return sentences


def _or(items: Sequence[str], count: int) -> str:
    joiner = " or " if count == 0 else " and "
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + joiner + items[-1]


@dataclass(frozen=True)
class Report:
    shortlist: Source
    tender: Tender
    lots: tuple[str, ...]
    received: dict[str, int]  # lot -> bids (rows of this round)
    by_outcome: dict[tuple[str, str], int]  # (lot, outcome) -> count
    members: dict[str, int]  # lot -> members of the framework after this round
    reasons: dict[tuple[str, str], int]  # (lot, code) -> non-admitted outcomes it decided
    pending: tuple[Pending, ...]
    decisions: tuple[DecisionLine, ...]
    prices: tuple[BandPrices, ...]
    coverage: Coverage
    panel: tuple[Declaration, ...]
    excluded_scores: tuple[Row, ...]  # evaluator-conflict findings
    undeclared: tuple[Row, ...]  # evaluator-undeclared findings
    definition_differs: bool

    @property
    def round(self) -> str:
        return self.shortlist.summary.get("Round", "")


def entry_codes(text: Any) -> list[tuple[str, str]]:
    """``code: message`` lines of a Reasons cell -> (code, message), the message without the
    cell it names (``Compliance!B3: ``): the report is read by the Director, not an officer
    checking a workbook."""
    result = []
    for line in _text(text).splitlines():
        match = _CODE.match(line)
        if match:
            result.append((match.group(1), _PLACE.sub("", match.group(2), count=1)))
    return result


def decisive(outcome: str, entries: list[tuple[str, str]]) -> list[str]:
    """The codes that decided a non-admitted outcome (a rejected referral fails the gate)."""
    codes = []
    for code, message in entries:
        leads = CODE_OUTCOME.get(code)
        if leads is not None and leads.value == outcome:
            codes.append(code)
        elif (
            outcome == Outcome.FAILED_GATE.value
            and leads is Outcome.REFERRED
            and "rejected by" in message
        ):
            codes.append(code)
    return list(dict.fromkeys(codes))


def build(shortlist: Source, tender: Tender) -> Report:
    lots = tender.lot_names
    received: dict[str, int] = dict.fromkeys(lots, 0)
    by_outcome: dict[tuple[str, str], int] = {}
    reasons: dict[tuple[str, str], int] = {}
    pending: list[Pending] = []
    decisions: list[DecisionLine] = []
    for row in shortlist.rows(c.OUTCOMES):
        lot, outcome = _text(row.get("lot")), _text(row.get("outcome"))
        ref, org = _text(row.get("bid_reference")), _text(row.get("organisation"))
        received[lot] = received.get(lot, 0) + 1
        by_outcome[(lot, outcome)] = by_outcome.get((lot, outcome), 0) + 1
        entries = entry_codes(row.get("reasons"))
        if outcome in {o.value for o in NOT_ADMITTED}:
            for code in decisive(outcome, entries) or ["(no reason recorded)"]:
                reasons[(lot, code)] = reasons.get((lot, code), 0) + 1
        if outcome == Outcome.REFERRED.value:
            pending.append(_pending(ref, org, lot, entries))
        decisions.extend(_decision_lines(_text(row.get("decisions")), ref, org, lot))
    members: dict[str, int] = dict.fromkeys(lots, 0)
    for member in shortlist.members:
        members[member.lot] = members.get(member.lot, 0) + 1
    findings = [{k: _text(v) for k, v in f.items()} for f in shortlist.rows(c.FINDINGS)]
    sha = shortlist.summary.get(c.Item.DEFINITION_SHA, "")
    return Report(
        shortlist=shortlist,
        tender=tender,
        lots=lots,
        received=received,
        by_outcome=by_outcome,
        members=members,
        reasons=reasons,
        pending=tuple(pending),
        decisions=tuple(decisions),
        prices=tuple(_prices(shortlist, tender)),
        coverage=_coverage(shortlist, tender),
        panel=shortlist.panel,
        excluded_scores=tuple(f for f in findings if f.get("code") == "evaluator-conflict"),
        undeclared=tuple(f for f in findings if f.get("code") == "evaluator-undeclared"),
        definition_differs=bool(sha) and sha != tender.sha256,
    )


def _pending(ref: str, org: str, lot: str, entries: list[tuple[str, str]]) -> Pending:
    """A referred bid, with what it waits for and why."""
    codes = [code for code, _ in entries]
    waiting = list(dict.fromkeys(WAITING_FOR.get(code, "an officer's review") for code in codes))
    return Pending(
        ref,
        org,
        lot,
        "; ".join(waiting) or "an officer's review",
        tuple(f"{words(code)}: {m}" for code, m in entries),
    )


def _decision_lines(text: str, ref: str, org: str, lot: str) -> list[DecisionLine]:
    """The officers' decisions recorded in a bid's ``decisions`` cell, one per line."""
    decisions = []
    for line in text.splitlines():
        match = _DECISION.match(line.strip())
        if match:
            decisions.append(
                DecisionLine(
                    ref,
                    org,
                    lot,
                    match["code"],
                    match["verb"],
                    match["officer"],
                    match["date"],
                    match["reason"],
                )
            )
    return decisions


def _prices(shortlist: Source, tender: Tender) -> list[BandPrices]:
    """Per band, the floor and ceiling of the ``Prices`` sheet and the members' prices."""
    limits = {}
    for row in shortlist.rows(c.PRICES):
        name = _text(row.get("band"))
        floor, ceiling = _pounds(row.get("floor")), _pounds(row.get("ceiling"))
        if name and floor is not None and ceiling is not None:
            limits[name] = (floor, ceiling)
    result = []
    for band in tender.bands:
        if band.name not in limits:
            continue
        prices = sorted(
            m.prices[band.name]
            for m in shortlist.members
            if m.lot == band.lot and m.prices.get(band.name) is not None
        )
        floor, ceiling = limits[band.name]
        result.append(BandPrices(band.name, band.lot, floor, ceiling, tuple(prices)))
    return result


def _pounds(value: Any) -> Decimal | None:
    """A stored amount back to exact pence (the file holds the binary float of the pence)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(repr(float(value))).quantize(PENNY, ROUND_HALF_UP)


def _split(value: Any) -> list[str]:
    return [p.strip() for p in _text(value).replace("\n", ";").split(";") if p.strip()]


def _coverage(shortlist: Source, tender: Tender) -> Coverage:
    districts, needs = tender.districts, tender.support_needs
    if not (shortlist.has(SERVICES) or shortlist.has(PA_COVERAGE)):
        return Coverage(False, districts, needs)
    known_d = {normalise_label(d): d for d in districts}
    known_n = {normalise_label(n): n for n in needs}
    services: dict[tuple[str, str], int] = {}
    for row in shortlist.rows(SERVICES):
        district = known_d.get(normalise_label(_text(row.get("district"))))
        if district is None:
            continue
        for need in {known_n.get(normalise_label(n)) for n in _split(row.get("support_needs"))}:
            if need is not None:
                services[(district, need)] = services.get((district, need), 0) + 1
    providers: dict[tuple[str, str], set[str]] = {}
    for row in shortlist.rows(PA_COVERAGE):
        district = known_d.get(normalise_label(_text(row.get("district"))))
        if district is None:
            continue
        who = _text(row.get("provider_id")) or _text(row.get("organisation"))
        for need in {known_n.get(normalise_label(n)) for n in _split(row.get("support_needs"))}:
            if need is not None:
                providers.setdefault((district, need), set()).add(who)
    return Coverage(True, districts, needs, services, {k: len(v) for k, v in providers.items()})
