"""The letter model: each ``Outcomes`` row of the shortlist as the bidder reads it.

Built from the shortlist workbook (outcomes, the sentences of ``Letter reasons`` and
``Letter conditions``, scores and comments from ``Quality``, ranges from ``Prices``, contact
details from ``Bidders``, authority, title and definition SHA-256 from ``Summary``) and from
the tender definition for what the shortlist does not hold: question titles, the scale, the
minimum and pass mark, the council's contact and signatory, and where the criteria were
published (``outputs.md``, "Letters that are assessment summaries").

Choices:

* A question's explanation is the panel's moderated comment; without one, the evaluators'
  agreed comments without their initials (``JM: Good; AK: Good`` -> ``Good``), and the set
  counts those questions so that ``letters`` can warn.
* ``highest admitted`` is the highest final score of that question among the *admitted*
  (bid, lot) rows of the same lot, shown beside a bid's own final score.
* A letter names no other bidder: the sentences come from ``wording.py``, which never quotes
  another bid's file or reference.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .. import contract as c
from .. import formats, wording
from ..contract import SheetSpec, band_key
from ..errors import InputError
from ..findings import CODE_OUTCOME, CONDITION_CODES, Outcome
from ..read.ours import Shortlist
from ..rules.standstill import standstill_end
from ..tender import Contact, Tender
from .values import number, text

_PENNY = Decimal("0.01")
_RULE_CODES = frozenset(CODE_OUTCOME) | CONDITION_CODES
_CODE_PREFIX = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*):\s*")
_PADDED_DAY = re.compile(r"\b0([1-9]) (" + "|".join(formats.MONTHS) + r") (\d{4})\b")
_INITIALS = r"[A-Z]{1,4}"
_OUTCOME_VALUES = frozenset(o.value for o in Outcome)
SHA_ITEM = "Tender definition SHA-256"


def format_date(day: dt.date, weekday: bool = False) -> str:
    """``1 May 2026`` (``Friday 1 May 2026`` with ``weekday``), English in any locale."""
    return formats.date(day, weekday=weekday)


def panel_explanation(comment: str, evaluators: Iterable[str] = ()) -> str:
    """The panel's words of a ``Quality`` ``Comment`` without the evaluators' names:
    ``JM: Good; AK: Good`` -> ``Good``; ``JM: Clear; AK: Thin on outcomes`` -> ``Clear Thin
    on outcomes``.

    The comment is split at each ``; `` that begins another evaluator's entry (initials of one
    to four capitals, or a name in ``evaluators``, then ``: ``), so an evaluator's own ``;``
    stays; each entry loses its ``name: `` prefix, repeats are dropped and the rest joined with
    a space.
    """
    names = sorted({e.strip() for e in evaluators if e and e.strip()}, key=len, reverse=True)
    who = "|".join([*(re.escape(n) for n in names), _INITIALS])
    prefix = re.compile(rf"^(?:{who}):\s+")
    entries = re.split(rf";\s+(?=(?:{who}):\s)", comment.strip())
    seen: dict[str, None] = {}
    for entry in entries:
        words = prefix.sub("", entry.strip(), count=1).strip()
        if words:
            seen.setdefault(words)
    return " ".join(seen)


def _evaluators(scores: str) -> list[str]:
    """The evaluators of a ``Quality`` ``Scores`` cell (``AB 4; CD 3`` -> AB, CD)."""
    names = []
    for part in scores.split(";"):
        name, _, score = part.strip().rpartition(" ")
        if name and score:
            names.append(name)
    return names


def _plain_lines(value: Any) -> tuple[str, ...]:
    """One sentence per line; a stray ``rule-code:`` prefix is dropped (never shown)."""
    lines = []
    for raw in text(value).splitlines():
        line = raw.strip()
        match = _CODE_PREFIX.match(line)
        while match and match.group(1) in _RULE_CODES:
            line = line[match.end():].strip()
            match = _CODE_PREFIX.match(line)
        if line:
            line = _PADDED_DAY.sub(r"\1 \2 \3", line)  # 09 June 2026 -> 9 June 2026
            lines.append(line[:1].upper() + line[1:])
    return tuple(lines)


def _sentences(row: Row, part: str) -> tuple[str, ...]:
    """A row's reasons or conditions as the bidder reads them: worded now from the figures the
    evaluation kept (``Letter figures``), so that a change of wording needs no new evaluation;
    else the sentences written then (``Letter reasons``, ``Letter conditions``)."""
    written = _plain_lines(row.get(f"letter_{part}"))
    figures = text(row.get("letter_figures"))
    worded = wording.sentences_from_json(figures, part) if figures else None
    if worded is None or len(worded) != len(written):
        return written
    return _plain_lines("\n".join(worded))


def _score_text(value: Decimal | None) -> str:
    return "" if value is None else formats.number(value)


@dataclass(frozen=True)
class QuestionInfo:
    """A quality question as the letters name it."""

    id: str
    title: str
    weight: str  # "25" (a percentage)

    @property
    def heading(self) -> str:
        """``Q1 Person-centred support that delivers each person's outcomes (25%)``."""
        name = f"{self.id} {self.title}".strip()
        return f"{name} ({self.weight}%)" if self.weight else name


@dataclass(frozen=True)
class ScoreLine:
    question: str
    weight: str
    score: str
    explanation: str
    highest_admitted: str
    title: str = ""


@dataclass(frozen=True)
class PriceLine:
    band: str
    price: Decimal
    floor: Decimal | None
    ceiling: Decimal | None

    @property
    def text(self) -> str:
        """``Band 1: £48.75 (range £48.12 – £49.42)``."""
        if self.floor is None or self.ceiling is None:
            return f"{self.band}: {formats.money(self.price)}"
        return f"{self.band}: {formats.money(self.price)} (range {self.range_text})"

    @property
    def verdict(self) -> str:
        """Whether the price is inside its band's range (both limits inclusive)."""
        if self.floor is not None and self.price < self.floor:
            return "No: below the floor"
        if self.ceiling is not None and self.price > self.ceiling:
            return "No: above the ceiling"
        return "Yes" if self.floor is not None and self.ceiling is not None else ""

    @property
    def range_text(self) -> str:
        if self.floor is None or self.ceiling is None:
            return ""
        return f"{formats.money(self.floor)} – {formats.money(self.ceiling)}"


@dataclass(frozen=True)
class Letter:
    """One ``Outcomes`` row as the bidder reads it."""

    bid_reference: str
    organisation: str
    contact_name: str
    contact_email: str
    address: str
    postcode: str
    lot: str
    outcome: str
    decision: str
    reasons: tuple[str, ...]
    conditions: tuple[str, ...]
    quality_pct: str
    scores: tuple[ScoreLine, ...]
    prices: tuple[PriceLine, ...]
    file: str

    @property
    def pending(self) -> bool:
        return self.outcome == Outcome.REFERRED.value


@dataclass(frozen=True)
class Assessment:
    """What the tender definition says of the quality assessment, for every letter."""

    questions: tuple[QuestionInfo, ...]
    max_score: int
    scale: tuple[str, ...]
    min_score: int
    pass_mark: Decimal
    criteria_published_in: str

    @property
    def scale_text(self) -> str:
        """``Each question is scored from 0 to 5: 0 = no answer or unacceptable, 1 = poor, …``."""
        meanings = ", ".join(f"{i} = {m[:1].lower()}{m[1:]}" for i, m in enumerate(self.scale))
        head = f"Each question is scored from 0 to {self.max_score}"
        return f"{head}: {meanings}." if meanings else f"{head}."

    @property
    def rules_text(self) -> str:
        """The minimum per question and the pass mark, in words."""
        return (f"Every question must score at least {self.min_score} out of {self.max_score}, "
                f"and the weighted quality score must be at least "
                f"{formats.percent(self.pass_mark)} (the pass mark).")

    @property
    def criteria_text(self) -> str:
        where = self.criteria_published_in
        return f"The evaluation criteria were published in {where}." if where else ""


@dataclass(frozen=True)
class LetterSet:
    authority: str
    tender_reference: str
    tender_title: str
    letter_date: dt.date
    standstill_from: dt.date | None
    standstill_ends: dt.date | None
    questions: tuple[str, ...]
    letters: tuple[Letter, ...]
    assessment: Assessment | None = None
    contact: Contact = Contact()
    unmoderated: int = 0  # questions explained by the evaluators' comments, not the panel's
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pending(self) -> tuple[Letter, ...]:
        """Letters of (bid, lot) still referred to an officer or the panel."""
        return tuple(letter for letter in self.letters if letter.pending)

    def standstill_for(self, letter: Letter) -> dt.date | None:
        """The end of the standstill a letter announces: none while its bid is pending."""
        return None if letter.pending else self.standstill_ends

    def rows(self) -> list[dict[str, str]]:
        from .mailmerge import letter_table

        return letter_table(self)


def decision_sentence(outcome: str, lot: str, has_conditions: bool = False) -> str:
    """The one-sentence decision a bidder reads for a (bid, lot)."""
    if not lot:
        return "Your response could not be evaluated."
    bid = f"Your bid for the {lot} lot"
    sentences = {
        Outcome.ADMITTED.value: (
            f"{bid} has been successful and you will be admitted to the framework"
            + (", subject to the conditions set out in this letter." if has_conditions else ".")
        ),
        Outcome.REFERRED.value: (
            f"{bid} is still being considered; we will write to you again when a decision "
            "has been made."
        ),
        Outcome.ALREADY_ADMITTED.value: (
            f"You are already a member of the framework for the {lot} lot, so your bid for "
            "that lot was not evaluated again and your existing membership continues."
        ),
        Outcome.LATE.value: f"{bid} has not been successful because it was received after the deadline.",
        Outcome.NON_COMPLIANT.value: (
            f"{bid} has not been successful because it did not meet the requirements of the "
            "tender response workbook."
        ),
        Outcome.DISQUALIFIED_PRICE.value: (
            f"{bid} has not been successful because a price is outside its published range."
        ),
        Outcome.FAILED_GATE.value: (
            f"{bid} has not been successful because it did not pass every pass/fail "
            "requirement of the evaluation."
        ),
    }
    return sentences[outcome]


def _assessment(tender: Tender, weights: dict[str, str], order: tuple[str, ...]) -> Assessment:
    quality = tender.quality
    ids = [q.id for q in quality.questions] + [q for q in order if quality.question(q) is None]
    questions = []
    for qid in ids:
        known = quality.question(qid)
        weight = str(known.weight) if known else weights.get(qid, "")
        questions.append(QuestionInfo(qid, known.text if known else "", weight))
    return Assessment(
        questions=tuple(questions), max_score=quality.max_score, scale=quality.scale,
        min_score=quality.min_score, pass_mark=quality.pass_mark_pct,
        criteria_published_in=tender.criteria_published_in,
    )


def read_letters(
    shortlist: Path, letter_date: dt.date, standstill_from: dt.date | None = None,
    tender: Tender | None = None,
) -> LetterSet:
    """Read the shortlist workbook (through ``read/ours.py``) and build every letter, one per
    ``Outcomes`` row.

    ``tender`` is the definition the letters quote (by default the bundled one). A missing
    sheet, column or ``Summary`` item, an unknown outcome or a price that is not a number is
    an :class:`InputError` naming it.
    """
    from ..read.ours import read_shortlist

    if tender is None:
        from ..tender import load_tender

        tender = load_tender()
    book = read_shortlist(Path(shortlist), tender, sheets=(c.OUTCOMES, c.QUALITY, c.PRICES, c.BIDDERS))
    for item in (c.Item.AUTHORITY, c.Item.TITLE):
        if item not in book.items:
            raise InputError(book.file, c.SUMMARY.name, f"the item '{item}' is missing")
    quality = _quality(book)
    records, admitted = _outcome_rows(book)
    assessment = _assessment(tender, quality.weights, quality.order)
    context = _Context(book, _bands(book), quality, _bidders(book),
                       {q.id: q.title for q in assessment.questions},
                       _highest_admitted(quality, admitted))
    letters = [_letter(row, context) for row in records]
    unmoderated = sum((letter.bid_reference, letter.lot, score.question) in quality.unmoderated
                      for letter in letters for score in letter.scores)
    return LetterSet(
        authority=text(book.items[c.Item.AUTHORITY]),
        tender_reference=text(book.items.get(c.Item.REFERENCE)),
        tender_title=text(book.items[c.Item.TITLE]),
        letter_date=letter_date,
        standstill_from=standstill_from,
        standstill_ends=standstill_end(standstill_from) if standstill_from else None,
        questions=tuple(q.id for q in assessment.questions),
        letters=tuple(letters),
        assessment=assessment,
        contact=tender.contact,
        unmoderated=unmoderated,
        warnings=_definition_warnings(book, tender),
    )


@dataclass(frozen=True)
class _Context:
    """What every letter of a shortlist draws on besides its own ``Outcomes`` row."""

    book: Shortlist
    bands: dict[str, tuple[Decimal | None, Decimal | None]]
    quality: _QualityTable
    bidders: dict[tuple[str, str], dict[str, str]]
    titles: dict[str, str]
    highest: dict[tuple[str, str], Decimal]  # (lot, question) -> highest admitted final


def _highest_admitted(quality: _QualityTable,
                      admitted: set[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
    """(lot, question) -> the highest final score among the admitted (bid, lot) rows."""
    highest: dict[tuple[str, str], Decimal] = {}
    for (ref, lot), finals in quality.table.items():
        if (ref, lot) not in admitted:
            continue
        for question, (_, final, _) in finals.items():
            if final is not None and ((lot, question) not in highest or final > highest[(lot, question)]):
                highest[(lot, question)] = final
    return highest


def _letter(row: Row, ctx: _Context) -> Letter:
    """One ``Outcomes`` row as the bidder reads it."""
    ref, lot, outcome, file = (text(row.get(k)) for k in ("bid_reference", "lot", "outcome", "file"))
    contact = ctx.bidders.get((ref, file)) or ctx.bidders.get((ref, "")) or {}
    reasons = () if outcome == Outcome.ADMITTED.value else _sentences(row, "reasons")
    conditions = _sentences(row, "conditions")
    pct = _number(ctx.book, c.OUTCOMES, row, "quality_pct", "a number")
    scores = []
    if lot:
        for question, (weight, final, explanation) in ctx.quality.table.get((ref, lot), {}).items():
            best = ctx.highest.get((lot, question)) if final is not None else None
            scores.append(ScoreLine(question, weight, _score_text(final), explanation,
                                    _score_text(best), ctx.titles.get(question, "")))
    prices = []
    for band, (floor, ceiling) in ctx.bands.items():
        price = _number(ctx.book, c.OUTCOMES, row, band_key(band), "a price")
        if price is not None:
            prices.append(PriceLine(band, price.quantize(_PENNY, ROUND_HALF_UP), floor, ceiling))
    return Letter(
        bid_reference=ref,
        organisation=text(row.get("organisation")) or contact.get("organisation", ""),
        contact_name=contact.get("contact_name", ""),
        contact_email=contact.get("contact_email", ""),
        address=contact.get("registered_address", ""),
        postcode=contact.get("postcode", ""),
        lot=lot,
        outcome=outcome,
        decision=decision_sentence(outcome, lot, bool(conditions)),
        reasons=reasons,
        conditions=conditions,
        quality_pct="" if pct is None else formats.number(pct.quantize(_PENNY, ROUND_HALF_UP)),
        scores=tuple(scores),
        prices=tuple(prices),
        file=file,
    )


def _definition_warnings(book: Shortlist, tender: Tender) -> tuple[str, ...]:
    """A warning when the letters quote another definition than the shortlist was made with."""
    recorded = text(book.items.get(c.Item.DEFINITION_SHA))
    if not recorded or recorded.casefold() == tender.sha256.casefold():
        return ()
    return (f"the tender definition {tender.source} (SHA-256 {tender.sha256[:12]}…) is not the "
            f"one the shortlist was evaluated with ({recorded[:12]}…); the letters quote its "
            "questions, scale, minimum, pass mark and contact",)


def letter_rows(
    shortlist: Path, letter_date: dt.date, standstill_from: dt.date | None = None,
    tender: Tender | None = None,
) -> list[dict[str, str]]:
    """One mail-merge row per ``Outcomes`` row of the shortlist (columns of ``outputs.md``)."""
    return read_letters(shortlist, letter_date, standstill_from, tender).rows()


Row = dict[str, Any]


def _number(book: Shortlist, spec: SheetSpec, row: Row, key: str, what: str) -> Decimal | None:
    try:
        return number(row.get(key))
    except ValueError as exc:
        raise InputError(book.file, book.place(spec, key, int(row["row"])), f"not {what}: {exc}") from None


def _outcome_rows(book: Shortlist) -> tuple[list[Row], set[tuple[str, str]]]:
    """The ``Outcomes`` rows (an unknown outcome stops), and the admitted (bid, lot) pairs."""
    records: list[Row] = []
    admitted: set[tuple[str, str]] = set()
    for row in book.rows(c.OUTCOMES):
        outcome = text(row.get("outcome"))
        if outcome not in _OUTCOME_VALUES:
            raise InputError(book.file, book.place(c.OUTCOMES, "outcome", int(row["row"])),
                             f"unknown outcome '{outcome}' (expected one of {', '.join(sorted(_OUTCOME_VALUES))})")
        records.append(row)
        if outcome == Outcome.ADMITTED.value:
            admitted.add((text(row.get("bid_reference")), text(row.get("lot"))))
    return records, admitted


def _bands(book: Shortlist) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    result: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for row in book.rows(c.PRICES):
        name = text(row.get("band"))
        if name:
            result[name] = (_number(book, c.PRICES, row, "floor", "a price"),
                            _number(book, c.PRICES, row, "ceiling", "a price"))
    return result


@dataclass(frozen=True)
class _QualityTable:
    table: dict[tuple[str, str], dict[str, tuple[str, Decimal | None, str]]]
    order: tuple[str, ...]  # question ids in the order they first appear
    weights: dict[str, str]
    unmoderated: frozenset[tuple[str, str, str]]  # (bid, lot, question) with a final score


def _quality(book: Shortlist) -> _QualityTable:
    """(bid reference, lot) -> question -> (weight, final, explanation)."""
    table: dict[tuple[str, str], dict[str, tuple[str, Decimal | None, str]]] = {}
    order: dict[str, None] = {}
    weights: dict[str, str] = {}
    unmoderated: set[tuple[str, str, str]] = set()
    for row in book.rows(c.QUALITY):
        qid = text(row.get("question"))
        if not qid:
            continue
        order.setdefault(qid)
        score = _number(book, c.QUALITY, row, "final", "a score")
        key = (text(row.get("bid_reference")), text(row.get("lot")))
        explanation = text(row.get("comment"))
        moderated = text(row.get("status")).casefold() == "moderated"
        if not moderated:
            explanation = panel_explanation(explanation, _evaluators(text(row.get("scores"))))
        if score is not None and not (moderated and explanation):
            unmoderated.add((*key, qid))
        weight = text(row.get("weight"))
        weights.setdefault(qid, weight)
        table.setdefault(key, {})[qid] = (weight, score, explanation)
    return _QualityTable(table, tuple(order), weights, frozenset(unmoderated))


_BIDDER_FIELDS = ("organisation", "contact_name", "contact_email", "registered_address", "postcode")


def _bidders(book: Shortlist) -> dict[tuple[str, str], dict[str, str]]:
    """(bid reference, file) -> contact details; also (bid reference, "") for the first."""
    result: dict[tuple[str, str], dict[str, str]] = {}
    for row in book.rows(c.BIDDERS):
        key = text(row.get("bid_reference"))
        if not key:
            continue
        details = {name: text(row.get(name)) for name in _BIDDER_FIELDS}
        result.setdefault((key, text(row.get("file"))), details)
        result.setdefault((key, ""), details)
    return result
