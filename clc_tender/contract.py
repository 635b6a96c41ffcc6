"""The workbooks clc-tender writes and the officers' workbooks it reads, declared once.

Each sheet is a :class:`SheetSpec`: its name and its columns in order, each column a stable
key (what the code uses), the header a person reads (what the file holds) and how its cells
are written. The shortlist writer writes these sheets from rows keyed by column key; the one
reader of our own workbooks (``read/ours.py``) and the reader of the officers' workbooks
(``read/panel.py``) find the same headers. ``shared/spec/outputs.md`` is the contract: add
sheets or columns after these, never rename, reorder or drop them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BANDS = "*bands*"  # stands for one money column per band of the tender definition


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, wrap, int, money, pct, date
    width: float | None = None  # None: from the content
    required: bool = True  # officers' workbooks: may the column be absent?


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]

    def expand(self, bands: Sequence[str]) -> tuple[Column, ...]:
        """The columns, the band placeholder replaced by one money column per band."""
        out: list[Column] = []
        for column in self.columns:
            if column.key == BANDS:
                out += [Column(band_key(b), b, "money") for b in bands]
            else:
                out.append(column)
        return tuple(out)

    def headers(self, *, required: bool = True) -> dict[str, str]:
        """``{key: header}`` of the required (or the optional) columns, bands excluded."""
        return {
            c.key: c.header for c in self.columns if c.key != BANDS and c.required is required
        }

    def header(self, key: str) -> str:
        return next(c.header for c in self.columns if c.key == key)


def band_key(band: str) -> str:
    """The row key of a band's column (``band:Band 1``)."""
    return f"band:{band}"


def _c(key: str, header: str, kind: str = "text", width: float | None = None) -> Column:
    return Column(key, header, kind, width)


def _opt(key: str, header: str, kind: str = "text") -> Column:
    return Column(key, header, kind, required=False)


# --- the shortlist workbook (evaluate and reopen; the register reopen reads) -----------------

SUMMARY = SheetSpec("Summary", (_c("item", "Item", width=38), _c("value", "Value", width=72)))
FRAMEWORK = SheetSpec("Framework", (
    _c("provider_id", "Provider ID"), _c("organisation", "Organisation"), _c("lot", "Lot"),
    _c("round", "Round", "int"), _c("bid_reference", "Bid reference"),
    _c("quality_pct", "Quality %", "pct"), _c("conditions", "Conditions", "wrap", 50),
    _c(BANDS, ""),
))
OUTCOMES = SheetSpec("Outcomes", (
    _c("bid_reference", "Bid reference"), _c("organisation", "Organisation"), _c("lot", "Lot"),
    _c("outcome", "Outcome"), _c("reasons", "Reasons", "wrap", 60),
    _c("conditions", "Conditions", "wrap", 40), _c("decisions", "Decisions", "wrap", 40),
    _c("quality_pct", "Quality %", "pct"), _c(BANDS, ""), _c("file", "File"),
    # added after the contract's columns
    _c("provider_id", "Provider ID"), _c("letter_reasons", "Letter reasons", "wrap", 60),
    _c("letter_conditions", "Letter conditions", "wrap", 40),
    # the figures of those sentences (JSON), so that letters word them with today's wording
    _opt("letter_figures", "Letter figures", "text"),
))
RATE_CARD = SheetSpec("Rate card", (
    _c("band", "Band"), _c("rank", "Rank", "int"), _c("organisation", "Organisation"),
    _c("provider_id", "Provider ID"), _c("price", "Price (£)", "money"),
    _c("hourly", "Hourly (£)", "money"),
    # added after the contract's columns (optional: a shortlist written before has none)
    Column("conditions", "Conditions", "wrap", 50, required=False),
))
QUALITY = SheetSpec("Quality", (
    _c("bid_reference", "Bid reference"), _c("lot", "Lot"), _c("question", "Question"),
    _c("weight", "Weight %", "int"), _c("scores", "Scores"), _c("moderated", "Moderated", "int"),
    _c("final", "Final", "int"), _c("status", "Status"), _c("comment", "Comment", "wrap", 60),
))
PRICES = SheetSpec("Prices", (
    _c("band", "Band"), _c("floor", "Floor (£)", "money"), _c("ceiling", "Ceiling (£)", "money"),
    _c("bids", "Bids", "int"), _c("min", "Min", "money"), _c("median", "Median", "money"),
    _c("max", "Max", "money"), _c("outside", "Outside range", "int"),
))
FINDINGS = SheetSpec("Findings", (
    _c("file", "File"), _c("sheet", "Sheet"), _c("cell", "Cell"), _c("severity", "Severity"),
    _c("code", "Code"), _c("message", "Message", "wrap", 80),
    _c("bid_reference", "Bid reference"), _c("lot", "Lot"),
))
INPUTS = SheetSpec("Inputs", (
    _c("file", "File"), _c("bytes", "Bytes", "int"), _c("sha256", "SHA-256", width=66),
    _c("status", "Status"), _c("note", "Note", "wrap", 60),
))
BIDDERS = SheetSpec("Bidders", (
    _c("bid_reference", "Bid reference"), _c("organisation", "Organisation"),
    _c("provider_id", "Provider ID"), _c("contact_name", "Contact name"),
    _c("contact_email", "Contact email"), _c("contact_telephone", "Contact telephone"),
    _c("registered_address", "Registered address", "wrap", 40), _c("postcode", "Postcode"),
    _c("file", "File"),
))

# every admitted member's services and districts, all rounds (call-off.md): what place reads
SERVICES = SheetSpec("Services", (
    _c("provider_id", "Provider ID"), _c("organisation", "Organisation"),
    _c("round", "Round", "int"), _c("service_name", "Service name"),
    _c("address", "Address", "wrap", 40), _c("postcode", "Postcode"), _c("district", "District"),
    _c("support_needs", "Support needs", "wrap", 50), _c("days_open", "Days open"),
))
PA_COVERAGE = SheetSpec("PA coverage", (
    _c("provider_id", "Provider ID"), _c("organisation", "Organisation"),
    _c("round", "Round", "int"), _c("district", "District"),
    _c("support_needs", "Support needs", "wrap", 50),
))

SHORTLIST: tuple[SheetSpec, ...] = (
    SUMMARY, FRAMEWORK, OUTCOMES, RATE_CARD, QUALITY, PRICES, FINDINGS, INPUTS, BIDDERS,
    SERVICES, PA_COVERAGE,
)


class Item:
    """``Summary`` items (the ``Item`` column, exact text) read back by other commands."""

    AUTHORITY = "Contracting authority"
    REFERENCE = "Tender reference"
    TITLE = "Tender title"
    ROUND = "Round"
    DEADLINE = "Deadline"
    FIRST_DEADLINE = "First round deadline"
    RUN_AT = "Run at"
    VERSION = "clc-tender version"
    DEFINITION_SHA = "Tender definition SHA-256"
    FILES_READ = "Files read"
    FILES_SKIPPED = "Files skipped"
    MEMBERS = "Framework members"
    FIRST_AWARD = "First award"
    LATENESS = "Lateness judged on"
    NOTE = "Note"


def outcome_item(lot: str, outcome: str) -> str:
    """The ``Summary`` item counting a lot's outcome: ``Day Services: admitted``."""
    return f"{lot}: {outcome}"


# --- the officers' workbooks (read strictly: a problem stops the run naming the cell) ---------

SCORES = SheetSpec("Scores", (
    _c("bid_reference", "Bid reference"), _c("lot", "Lot"), _c("question", "Question"),
    _c("evaluator", "Evaluator"), _c("score", "Score"), _c("comment", "Comment"),
))
RECEIPTS = SheetSpec("Receipts", (  # the e-tendering portal's export (or the same as .csv)
    _c("bid_reference", "Bid reference"), _c("received_at", "Received at"),
    Column("submission_id", "Submission ID", required=False),
))
DECISIONS = SheetSpec("Decisions", (
    _c("bid_reference", "Bid reference"), _c("lot", "Lot"), _c("code", "Code"),
    _c("decision", "Decision"), _c("reason", "Reason"), _c("officer", "Officer"),
    _c("date", "Date"),
))
