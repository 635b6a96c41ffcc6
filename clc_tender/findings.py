"""Findings: every problem found in an input, with its place and a stable rule code.

Codes are the contract of ``shared/spec/outputs.md``; messages may change, codes may not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import formats, wording


class Severity(StrEnum):
    ERROR = "error"
    REFERRAL = "referral"
    WARNING = "warning"


class Outcome(StrEnum):
    """Outcomes of a (bid, lot), most severe first (the precedence of domain.md)."""

    ALREADY_ADMITTED = "already-admitted"
    LATE = "late"
    NON_COMPLIANT = "non-compliant"
    DISQUALIFIED_PRICE = "disqualified-price"
    FAILED_GATE = "failed-gate"
    REFERRED = "referred"
    ADMITTED = "admitted"


OUTCOME_ORDER: tuple[Outcome, ...] = tuple(Outcome)

# code -> the outcome a finding with that code leads to (None: a warning; conditions apart).
CODE_OUTCOME: dict[str, Outcome | None] = {
    # reading
    **dict.fromkeys(
        [
            "unreadable-file", "encrypted-file", "not-xlsx", "file-too-large", "missing-sheet",
            "missing-field", "duplicate-field", "invalid-value", "unknown-band", "format-version",
            "duplicate-bid-reference", "duplicate-sheet",
            # price format, services
            "price-not-whole-pence", "price-missing", "band5-without-band3-or-4",
            "services-missing", "pa-coverage-missing",
        ],
        Outcome.NON_COMPLIANT,
    ),
    "late": Outcome.LATE,
    "price-below-floor": Outcome.DISQUALIFIED_PRICE,
    "price-above-ceiling": Outcome.DISQUALIFIED_PRICE,
    **dict.fromkeys(
        [
            "mandatory-exclusion", "debarred",
            "insurance-employers-liability", "insurance-public-liability",
            "insurance-professional-indemnity",
            "policy-missing", "policy-out-of-date",
            "safeguarding-lead", "safeguarding-dbs", "safeguarding-training",
            "cqc-not-registered", "cqc-inadequate",
            "quality-question-below-minimum", "quality-below-pass-mark",
        ],
        Outcome.FAILED_GATE,
    ),
    **dict.fromkeys(
        [
            "discretionary-exclusion", "duplicate-provider", "receipt-missing",
            "finance-turnover", "finance-net-assets", "finance-current-ratio",
            "finance-accounts-age",
            "safeguarding-concerns", "quality-not-scored", "quality-needs-moderation",
        ],
        Outcome.REFERRED,
    ),
    "already-admitted": Outcome.ALREADY_ADMITTED,
    **dict.fromkeys(
        [
            "text-number", "ignored-price", "unknown-field", "companies-house-padded",
            "contact-details", "unknown-district", "unknown-support-need", "score-unused",
            "decision-unused", "text-date", "hidden-content", "submitted-at-differs",
            "receipt-unused",
        ],
        None,
    ),
}

CONDITION_CODES = frozenset({"parent-company-guarantee", "insurance-renewal"})
FINANCE_CODES = frozenset(
    {"finance-turnover", "finance-net-assets", "finance-current-ratio", "finance-accounts-age"}
)
# Referrals an officer settles with a decision. Quality referrals are not among them: a bid is
# scored by the panel (a moderated score in the scores workbook), never admitted by a decision.
DECIDABLE_CODES = FINANCE_CODES | {
    "discretionary-exclusion", "safeguarding-concerns", "duplicate-provider", "receipt-missing",
}
QUALITY_REFERRALS = frozenset({"quality-not-scored", "quality-needs-moderation"})


# The order of the gates (domain.md): within one outcome a letter gives its reasons in this
# order, then by place. Reading problems come first; a code of no gate last.
GATE_CODES: tuple[frozenset[str], ...] = (
    frozenset({
        "unreadable-file", "encrypted-file", "not-xlsx", "file-too-large", "missing-sheet",
        "duplicate-sheet", "missing-field", "duplicate-field", "invalid-value", "unknown-band",
        "format-version", "duplicate-bid-reference", "late",
    }),
    frozenset({"mandatory-exclusion", "debarred", "discretionary-exclusion", "duplicate-provider",
               "receipt-missing"}),
    frozenset({"price-not-whole-pence", "price-missing", "band5-without-band3-or-4",
               "price-below-floor", "price-above-ceiling"}),
    FINANCE_CODES,
    frozenset({"insurance-employers-liability", "insurance-public-liability",
               "insurance-professional-indemnity"}),
    frozenset({"policy-missing", "policy-out-of-date"}),
    frozenset({"safeguarding-lead", "safeguarding-dbs", "safeguarding-training",
               "cqc-not-registered", "cqc-inadequate", "safeguarding-concerns"}),
    frozenset({"services-missing", "pa-coverage-missing"}),
    frozenset({"quality-question-below-minimum", "quality-below-pass-mark", "quality-not-scored",
               "quality-needs-moderation"}),
)


def gate_rank(code: str) -> int:
    """Where ``code`` stands in the order of the gates (reading first, quality last)."""
    return next((i for i, codes in enumerate(GATE_CODES) if code in codes), len(GATE_CODES))


def severity_of(code: str) -> Severity:
    outcome = CODE_OUTCOME.get(code)
    if outcome is None:
        return Severity.WARNING
    if outcome is Outcome.REFERRED:
        return Severity.REFERRAL
    return Severity.ERROR


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, where it is, and what it means.

    ``lot`` is None when the finding applies to every lot the bid is for; ``lots`` narrows it
    to some lots (a policy required by one lot only).
    """

    file: str
    sheet: str
    cell: str
    code: str
    message: str
    severity: Severity
    bid_reference: str = ""
    lots: tuple[str, ...] | None = None
    plain: str = ""  # the sentence a bidder reads in its letter (no rule codes)
    facts: tuple[tuple[str, Any], ...] = ()  # the figures the wording is filled from

    @classmethod
    def of(
        cls,
        file: str,
        sheet: str,
        cell: str,
        code: str,
        *,
        bid_reference: str = "",
        lots: tuple[str, ...] | None = None,
        severity: Severity | None = None,
        **facts: Any,
    ) -> Finding:
        """A finding worded by ``wording.py`` from its ``facts`` (the figures a rule found)."""
        return cls.make(
            file, sheet, cell, code, wording.officer_message(code, facts),
            bid_reference=bid_reference, lots=lots, severity=severity,
            plain=wording.bidder_sentence(code, facts), facts=tuple(facts.items()),
        )

    def with_facts(self, **more: Any) -> Finding:
        """The same finding with more facts (an officer's decision), worded again."""
        facts = {**dict(self.facts), **more}
        if self.facts or not wording.needs_facts(self.code):
            message = wording.officer_message(self.code, facts)
            plain = wording.bidder_sentence(self.code, facts)
        else:  # worded by its reader: the decision's wording follows the reader's message
            message = self.message + wording.rejected_officer(facts)
            plain = self.letter_text + wording.rejected_bidder(facts)
        return dataclasses.replace(self, facts=tuple(facts.items()), message=message, plain=plain)

    @classmethod
    def make(
        cls,
        file: str,
        sheet: str,
        cell: str,
        code: str,
        message: str,
        *,
        bid_reference: str = "",
        lots: tuple[str, ...] | None = None,
        severity: Severity | None = None,
        plain: str = "",
        facts: tuple[tuple[str, Any], ...] = (),
    ) -> Finding:
        if code not in CODE_OUTCOME and code not in CONDITION_CODES:
            raise ValueError(f"unknown rule code {code!r}")
        return cls(
            file, sheet, cell, code, message, severity or severity_of(code), bid_reference, lots,
            plain, facts,
        )

    @property
    def letter_text(self) -> str:
        """What the bidder reads: the plain sentence, else the message as a sentence."""
        if self.plain:
            return self.plain
        return wording.fallback_sentence(self.message, self.sheet, self.cell)

    @property
    def place(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


# kept for the modules that import them from here; the formatters live in formats.py
long_date = formats.long_date
money = formats.money
