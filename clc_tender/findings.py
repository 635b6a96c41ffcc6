"""Findings: every problem found in an input, with its place and a stable rule code.

Codes are the contract of ``shared/spec/outputs.md``; messages may change, codes may not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    ) -> Finding:
        if code not in CODE_OUTCOME and code not in CONDITION_CODES:
            raise ValueError(f"unknown rule code {code!r}")
        return cls(
            file, sheet, cell, code, message, severity or severity_of(code), bid_reference, lots,
            plain,
        )

    @property
    def letter_text(self) -> str:
        """What the bidder reads: the plain sentence, else the message as a sentence."""
        if self.plain:
            return self.plain
        where = f" ({self.sheet} sheet, cell {self.cell})" if self.sheet and self.cell else ""
        text = self.message[:1].upper() + self.message[1:]
        return f"{text.rstrip('.')}{where}."

    @property
    def place(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def long_date(day: object) -> str:
    """20 March 2026 (a date) or 20 March 2026 12:00:01 (a date and time): no zero padding."""
    import datetime as dt

    if isinstance(day, dt.datetime):
        return f"{day.day} {day:%B %Y %H:%M:%S}"
    if isinstance(day, dt.date):
        return f"{day.day} {day:%B %Y}"
    return str(day)


def money(amount: object) -> str:
    """£1,234.50 for an exact amount (Decimal or int)."""
    from decimal import Decimal

    value = Decimal(str(amount))
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value() and (value >= 1000 or value == 0):
        return f"{sign}£{value:,.0f}"
    return f"{sign}£{value:,.2f}"
