"""What a round produces, shared by every room: outcomes, members, the inputs ledger.

The ground floor of the package: it imports only the findings and the tender definition, so
the readers (``read/``), the rules, the evaluation and the writers can all use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding, Outcome
from .tender import Tender

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class InputFile:
    """A file seen in the bids folder, or a scores/decisions/register/receipts file."""

    file: str
    path: Path
    size: int
    sha256: str
    status: str  # bid, skipped, scores, decisions, register, receipts
    note: str = ""


@dataclass(frozen=True)
class QuestionScore:
    """One row of the ``Quality`` sheet: a (bid, lot, question) and how it was scored."""

    bid_reference: str
    lot: str
    question: str
    weight: int
    scores: str  # "AB 4; CD 3"
    moderated: int | None
    final: int | None
    status: str  # moderated, agreed, needs moderation, not scored
    comment: str


@dataclass(frozen=True)
class LotOutcome:
    bid: int  # index into the round's bids
    bid_reference: str
    organisation: str
    provider_id: str
    lot: str  # "" when the file's lots cannot be read
    outcome: Outcome
    reasons: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    decisions: tuple[str, ...]
    quality_pct: Decimal | None
    prices: dict[str, Decimal]
    file: str


@dataclass(frozen=True)
class ServiceRow:
    """A Day Services service of a member, as its bid listed it (``Services`` sheet)."""

    name: str
    address: str
    postcode: str
    district: str
    support_needs: str  # ";"-separated, as in the bid
    days_open: str


@dataclass(frozen=True)
class CoverageRow:
    """A district a Personal Assistants member covers, as its bid listed it."""

    district: str
    support_needs: str


@dataclass(frozen=True)
class Member:
    """An admitted (provider, lot) of the framework, in any round."""

    provider_id: str
    organisation: str
    lot: str
    round: int
    bid_reference: str
    quality_pct: Decimal | None
    conditions: str
    prices: dict[str, Decimal]
    services: tuple[ServiceRow, ...] = ()  # Day Services
    coverage: tuple[CoverageRow, ...] = ()  # Personal Assistants


@dataclass(frozen=True)
class Evaluation:
    """A round's result: what the shortlist workbook, ``--json`` and the terminal show."""

    tender: Tender
    round: int
    deadline: dt.datetime
    first_deadline: dt.datetime
    run_at: dt.datetime
    outcomes: tuple[LotOutcome, ...]
    findings: tuple[Finding, ...]
    quality_rows: tuple[QuestionScore, ...]
    inputs: tuple[InputFile, ...]
    bidders: tuple[dict[str, str], ...]
    prices: pd.DataFrame  # valid prices of this round for lots bid for (for the Prices sheet)
    members: tuple[Member, ...]  # the whole framework after this round
    first_award: dt.date | None = None
    carried: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)  # run-level notes (s.49)
    lateness_basis: str = "Submitted at (declared by the bidder)"  # or the portal's receipts


def provider_id(companies_house: object, charity: object) -> str:
    """The provider's identity: the Companies House number, else ``charity-`` and the number."""
    if companies_house:
        return str(companies_house)
    if charity:
        return f"charity-{charity}"
    return ""
