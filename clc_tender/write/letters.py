"""Award letters: the mail-merge data of ``clc-tender letters`` and one Word letter per bid.

Everything comes from the shortlist workbook alone (``outputs.md``): the bidder's sentences
from the ``Letter reasons`` / ``Letter conditions`` columns of ``Outcomes`` (plain English,
never the officers' ``code: message`` lines), the questions, scores and explanations from
``Quality``, the price ranges from ``Prices``, the contact details from ``Bidders`` and the
authority and tender title from ``Summary``.

Choices:

* Dates are written ``d Month yyyy`` (``1 May 2026``, never ``01 May 2026``): the letter
  date, the end of the standstill and the dates in the sentences of the reasons and conditions
  (a zero-padded day there is unpadded); month names are English whatever the locale.
* A question's explanation is the panel's words: the ``Quality`` ``Comment`` of a question
  the evaluators agreed on is ``JM: Good; AK: Good``; a letter shows ``Good`` (the
  evaluators' initials dropped, a comment repeated by several evaluators shown once). A
  moderated question's comment is shown as it is.
* ``Q1 highest admitted`` is the highest final score for that question among the *admitted*
  (bid, lot) rows of the same lot; it is shown beside a bid's own final score (a bid with no
  final score for the question has nothing to compare).
* Every text field written to ``.xlsx`` or ``.csv`` that begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading ``'`` (OWASP CSV injection), and the
  ``.xlsx`` cells are written as strings, so bidder-typed text stays inert.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..findings import CODE_OUTCOME, CONDITION_CODES, Outcome, money
from ..inert import for_csv
from ..read.workbook import column_letter
from ..rules.standstill import STANDSTILL_WORKING_DAYS, standstill_end
from ..workbook_format import normalise_label
from .atomic import PRODUCER_PROPERTY, OutputExists, atomic_output, check_output

__all__ = [
    "LETTER_SUFFIXES", "Letter", "LetterSet", "OutputExists", "format_date", "letter_rows",
    "neutralise", "panel_explanation", "read_letters", "word_letter_paths", "write_letters",
    "write_word_letters",
]

LETTER_SUFFIXES = (".xlsx", ".csv")
HEAD_COLUMNS = (
    "Bid reference", "Organisation", "Contact name", "Contact email", "Registered address",
    "Postcode", "Lot", "Outcome", "Decision", "Reasons", "Conditions", "Quality %",
)
TAIL_COLUMNS = ("Prices", "Letter date", "Standstill ends")
QUESTION_SUFFIXES = ("score", "explanation", "highest admitted")

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PENNY = Decimal("0.01")
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_RULE_CODES = frozenset(CODE_OUTCOME) | CONDITION_CODES
_CODE_PREFIX = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*):\s*")
_MAX_SHORTLIST_BYTES = 200 * 1024 * 1024
_PADDED_DAY = re.compile(r"\b0([1-9]) (" + "|".join(_MONTHS) + r") (\d{4})\b")
_INITIALS = r"[A-Z]{1,4}"


# --- small helpers --------------------------------------------------------------------------


def format_date(day: dt.date, weekday: bool = False) -> str:
    """``1 May 2026`` (``Friday 1 May 2026`` with ``weekday``), English in any locale."""
    text = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet could read as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_DANGEROUS_FIRST) else text


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _plain_lines(value: Any) -> tuple[str, ...]:
    """One sentence per line; a stray ``rule-code:`` prefix is dropped (never shown)."""
    lines = []
    for raw in _text(value).splitlines():
        line = raw.strip()
        match = _CODE_PREFIX.match(line)
        while match and match.group(1) in _RULE_CODES:
            line = line[match.end():].strip()
            match = _CODE_PREFIX.match(line)
        if line:
            line = _PADDED_DAY.sub(r"\1 \2 \3", line)  # 09 June 2026 -> 9 June 2026
            lines.append(line[:1].upper() + line[1:])
    return tuple(lines)


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


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    """A cell's number as an exact Decimal (floats through their shortest repr)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(str(value).strip().lstrip("£").replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(value)) from None


def _score_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize()}"


def _pct_text(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(_PENNY, ROUND_HALF_UP))


# --- reading the shortlist ------------------------------------------------------------------


@dataclass(frozen=True)
class _Sheet:
    file: str
    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cells)
    columns: dict[str, int]  # normalised header -> index

    def col(self, title: str) -> int:
        index = self.columns.get(normalise_label(title))
        if index is None:
            raise InputError(self.file, self.name, f"the column '{title}' is missing from the header row")
        return index

    def has(self, title: str) -> bool:
        return normalise_label(title) in self.columns

    def place(self, row: int, title: str) -> str:
        return f"{self.name}!{column_letter(self.col(title) + 1)}{row}"

    def get(self, cells: list[Any], index: int | None) -> Any:
        if index is None or index >= len(cells):
            return None
        return cells[index]


def _open_sheets(path: Path, names: Sequence[str]) -> dict[str, _Sheet]:
    file = path.name
    if not path.is_file():
        raise InputError(file, "", "no such file")
    if path.stat().st_size > _MAX_SHORTLIST_BYTES:
        raise InputError(file, "", "the file is too large to be a shortlist workbook")
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise InputError(file, "", f"not a readable shortlist workbook ({type(exc).__name__})") from None
    present = {normalise_label(n): n for n in wb.sheet_names}
    sheets: dict[str, _Sheet] = {}
    for name in names:
        actual = present.get(normalise_label(name))
        if actual is None:
            raise InputError(file, "", f"the sheet '{name}' is missing (is this a shortlist workbook?)")
        try:
            grid = wb.get_sheet_by_name(actual).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(file, name, f"cannot be read ({type(exc).__name__})") from None
        header = [_text(h) for h in (grid[0] if grid else [])]
        columns: dict[str, int] = {}
        for i, title in enumerate(header):
            if title:
                columns.setdefault(normalise_label(title), i)
        rows = [
            (number, list(cells)) for number, cells in enumerate(grid[1:], start=2)
            if any(c not in (None, "") for c in cells)
        ]
        sheets[name] = _Sheet(file, name, header, rows, columns)
    return sheets


@dataclass(frozen=True)
class ScoreLine:
    question: str
    weight: str
    score: str
    explanation: str
    highest_admitted: str


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
            return f"{self.band}: {money(self.price)}"
        return f"{self.band}: {money(self.price)} (range {self.range_text})"

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
        return f"{money(self.floor)} – {money(self.ceiling)}"


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

    def rows(self) -> list[dict[str, str]]:
        """The mail-merge rows: exactly the columns of ``outputs.md``, every value text."""
        letter_date = format_date(self.letter_date)
        ends = format_date(self.standstill_ends) if self.standstill_ends else ""
        rows = []
        for letter in self.letters:
            row = dict(zip(HEAD_COLUMNS, (
                letter.bid_reference, letter.organisation, letter.contact_name,
                letter.contact_email, letter.address, letter.postcode, letter.lot,
                letter.outcome, letter.decision, _numbered(letter.reasons),
                _numbered(letter.conditions), letter.quality_pct,
            ), strict=True))
            scores = {s.question: s for s in letter.scores}
            for question in self.questions:
                line = scores.get(question)
                row[f"{question} score"] = line.score if line else ""
                row[f"{question} explanation"] = line.explanation if line else ""
                row[f"{question} highest admitted"] = line.highest_admitted if line else ""
            row["Prices"] = "\n".join(p.text for p in letter.prices)
            row["Letter date"] = letter_date
            row["Standstill ends"] = ends
            rows.append(row)
        return rows


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


_OUTCOME_VALUES = frozenset(o.value for o in Outcome)


def read_letters(
    shortlist: Path, letter_date: dt.date, standstill_from: dt.date | None = None
) -> LetterSet:
    """Read the shortlist workbook and build every letter (one per ``Outcomes`` row).

    A missing sheet, column or ``Summary`` item, an unknown outcome or a price that is not a
    number is an :class:`InputError` naming it.
    """
    sheets = _open_sheets(Path(shortlist), ("Summary", "Outcomes", "Quality", "Prices", "Bidders"))
    summary = _summary(sheets["Summary"])
    bands = _bands(sheets["Prices"])
    quality, questions = _quality(sheets["Quality"])
    bidders = _bidders(sheets["Bidders"])
    outcomes = sheets["Outcomes"]
    o = {title: outcomes.col(title) for title in (
        "Bid reference", "Organisation", "Lot", "Outcome", "Quality %", "File",
        "Letter reasons", "Letter conditions",
    )}
    band_cols = {band: outcomes.col(band) for band in bands}

    records: list[tuple[int, list[Any]]] = []
    admitted: set[tuple[str, str]] = set()
    for number, cells in outcomes.rows:
        outcome = _text(outcomes.get(cells, o["Outcome"]))
        if outcome not in _OUTCOME_VALUES:
            raise InputError(outcomes.file, outcomes.place(number, "Outcome"),
                             f"unknown outcome '{outcome}' (expected one of {', '.join(sorted(_OUTCOME_VALUES))})")
        records.append((number, cells))
        if outcome == Outcome.ADMITTED.value:
            admitted.add((_text(outcomes.get(cells, o["Bid reference"])), _text(outcomes.get(cells, o["Lot"]))))

    highest: dict[tuple[str, str], Decimal] = {}  # (lot, question) -> highest admitted final
    for (ref, lot), finals in quality.items():
        if (ref, lot) not in admitted:
            continue
        for question, line in finals.items():
            final = line[1]
            if final is not None and ((lot, question) not in highest or final > highest[(lot, question)]):
                highest[(lot, question)] = final

    letters = []
    for number, cells in records:
        ref = _text(outcomes.get(cells, o["Bid reference"]))
        lot = _text(outcomes.get(cells, o["Lot"]))
        outcome = _text(outcomes.get(cells, o["Outcome"]))
        file = _text(outcomes.get(cells, o["File"]))
        contact = bidders.get((ref, file)) or bidders.get((ref, "")) or {}
        reasons = () if outcome == Outcome.ADMITTED.value else _plain_lines(outcomes.get(cells, o["Letter reasons"]))
        conditions = _plain_lines(outcomes.get(cells, o["Letter conditions"]))
        try:
            pct = _number(outcomes.get(cells, o["Quality %"]))
        except ValueError as exc:
            raise InputError(outcomes.file, outcomes.place(number, "Quality %"), f"not a number: {exc}") from None
        scores = []
        if lot:
            for question, (weight, final, explanation) in quality.get((ref, lot), {}).items():
                best = highest.get((lot, question)) if final is not None else None
                scores.append(ScoreLine(question, weight, _score_text(final), explanation, _score_text(best)))
        prices = []
        for band, (floor, ceiling) in bands.items():
            try:
                price = _number(outcomes.get(cells, band_cols[band]))
            except ValueError as exc:
                raise InputError(outcomes.file, outcomes.place(number, band), f"not a price: {exc}") from None
            if price is not None:
                prices.append(PriceLine(band, price.quantize(_PENNY, ROUND_HALF_UP), floor, ceiling))
        letters.append(Letter(
            bid_reference=ref,
            organisation=_text(outcomes.get(cells, o["Organisation"])) or contact.get("Organisation", ""),
            contact_name=contact.get("Contact name", ""),
            contact_email=contact.get("Contact email", ""),
            address=contact.get("Registered address", ""),
            postcode=contact.get("Postcode", ""),
            lot=lot,
            outcome=outcome,
            decision=decision_sentence(outcome, lot, bool(conditions)),
            reasons=reasons,
            conditions=conditions,
            quality_pct=_pct_text(pct),
            scores=tuple(scores),
            prices=tuple(prices),
            file=file,
        ))
    return LetterSet(
        authority=summary["Contracting authority"],
        tender_reference=summary.get("Tender reference", ""),
        tender_title=summary["Tender title"],
        letter_date=letter_date,
        standstill_from=standstill_from,
        standstill_ends=standstill_end(standstill_from) if standstill_from else None,
        questions=questions,
        letters=tuple(letters),
    )


def letter_rows(
    shortlist: Path, letter_date: dt.date, standstill_from: dt.date | None = None
) -> list[dict[str, str]]:
    """One mail-merge row per ``Outcomes`` row of the shortlist (columns of ``outputs.md``)."""
    return read_letters(shortlist, letter_date, standstill_from).rows()


def _summary(sheet: _Sheet) -> dict[str, str]:
    item, value = sheet.col("Item"), sheet.col("Value")
    items: dict[str, str] = {}
    for _, cells in sheet.rows:
        key = _text(sheet.get(cells, item))
        if key and key not in items:
            items[key] = _text(sheet.get(cells, value))
    for required in ("Contracting authority", "Tender title"):
        if required not in items:
            raise InputError(sheet.file, sheet.name, f"the item '{required}' is missing")
    return items


def _bands(sheet: _Sheet) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    band, floor, ceiling = sheet.col("Band"), sheet.col("Floor (£)"), sheet.col("Ceiling (£)")
    result: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for number, cells in sheet.rows:
        name = _text(sheet.get(cells, band))
        if not name:
            continue
        limits = []
        for index, title in ((floor, "Floor (£)"), (ceiling, "Ceiling (£)")):
            try:
                limits.append(_number(sheet.get(cells, index)))
            except ValueError as exc:
                raise InputError(sheet.file, sheet.place(number, title), f"not a price: {exc}") from None
        result[name] = (limits[0], limits[1])
    return result


def _quality(
    sheet: _Sheet,
) -> tuple[dict[tuple[str, str], dict[str, tuple[str, Decimal | None, str]]], tuple[str, ...]]:
    """(bid reference, lot) -> question -> (weight, final, explanation); the question ids in
    the order they first appear (the definition's order)."""
    ref, lot, question = sheet.col("Bid reference"), sheet.col("Lot"), sheet.col("Question")
    final, comment = sheet.col("Final"), sheet.col("Comment")
    weight = sheet.columns.get(normalise_label("Weight %"))
    status = sheet.columns.get(normalise_label("Status"))
    panel = sheet.columns.get(normalise_label("Scores"))
    table: dict[tuple[str, str], dict[str, tuple[str, Decimal | None, str]]] = {}
    order: dict[str, None] = {}
    for number, cells in sheet.rows:
        qid = _text(sheet.get(cells, question))
        if not qid:
            continue
        order.setdefault(qid)
        try:
            score = _number(sheet.get(cells, final))
        except ValueError as exc:
            raise InputError(sheet.file, sheet.place(number, "Final"), f"not a score: {exc}") from None
        key = (_text(sheet.get(cells, ref)), _text(sheet.get(cells, lot)))
        explanation = _text(sheet.get(cells, comment))
        if _text(sheet.get(cells, status)).casefold() != "moderated":
            explanation = panel_explanation(explanation, _evaluators(_text(sheet.get(cells, panel))))
        table.setdefault(key, {})[qid] = (_text(sheet.get(cells, weight)), score, explanation)
    return table, tuple(order)


_BIDDER_FIELDS = ("Organisation", "Contact name", "Contact email", "Registered address", "Postcode")


def _bidders(sheet: _Sheet) -> dict[tuple[str, str], dict[str, str]]:
    """(bid reference, file) -> contact details; also (bid reference, "") for the first."""
    ref = sheet.col("Bid reference")
    cols = {title: sheet.col(title) for title in _BIDDER_FIELDS}
    file = sheet.columns.get(normalise_label("File"))
    result: dict[tuple[str, str], dict[str, str]] = {}
    for _, cells in sheet.rows:
        key = _text(sheet.get(cells, ref))
        if not key:
            continue
        details = {title: _text(sheet.get(cells, index)) for title, index in cols.items()}
        result.setdefault((key, _text(sheet.get(cells, file))), details)
        result.setdefault((key, ""), details)
    return result


# --- the mail-merge file --------------------------------------------------------------------


def _headers(rows: Sequence[dict[str, str]]) -> list[str]:
    if not rows:
        return [*HEAD_COLUMNS, *TAIL_COLUMNS]
    return list(rows[0])


def write_letters(rows: Sequence[dict[str, str]], out: Path, force: bool = False) -> None:
    """Write the rows to ``out``: ``.xlsx`` or ``.csv`` (UTF-8 with a BOM) by its extension.

    Whole or not at all; :class:`OutputExists` when ``out`` exists and not ``force``;
    ``ValueError`` for any other extension.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in LETTER_SUFFIXES:
        raise ValueError(f"{out}: the letters file must end in .xlsx or .csv, not '{out.suffix or '(none)'}'")
    headers = _headers(rows)
    with atomic_output(out, force) as tmp:
        if suffix == ".csv":
            _write_csv(tmp, headers, rows)
        else:
            _write_xlsx(tmp, headers, rows)


def _write_csv(path: Path, headers: list[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([for_csv(neutralise(row.get(h, ""))) for h in headers])


_WRAPPED = ("Registered address", "Decision", "Reasons", "Conditions", "Prices")


def _write_xlsx(path: Path, headers: list[str], rows: Sequence[dict[str, str]]) -> None:
    from xlsxwriter import Workbook

    from .shortlist import print_setup, row_height

    wb = Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    wb.set_custom_property(PRODUCER_PROPERTY, "letters")  # never read as a bid
    ws = wb.add_worksheet("Letters")
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                          "valign": "top"})
    plain = wb.add_format({"valign": "top"})
    wrapped = wb.add_format({"valign": "top", "text_wrap": True})
    wrap_cols = {i for i, h in enumerate(headers) if h in _WRAPPED or h.endswith(" explanation")}
    widths = [len(h) + 2 for h in headers]
    for col, title in enumerate(headers):
        ws.write_string(0, col, title, head)
    for r, row in enumerate(rows, start=1):
        for col, title in enumerate(headers):
            value = neutralise(row.get(title, ""))
            fmt = wrapped if col in wrap_cols else plain
            if value:
                ws.write_string(r, col, value, fmt)
                widths[col] = max(widths[col], *(len(line) + 2 for line in value.splitlines()))
            else:
                ws.write_blank(r, col, None, fmt)
    final = [min(max(width, 8), 60 if col in wrap_cols else 40) for col, width in enumerate(widths)]
    for col, width in enumerate(final):
        ws.set_column(col, col, width)
    for r, row in enumerate(rows, start=1):
        height = row_height((neutralise(row.get(headers[col], "")), final[col])
                            for col in sorted(wrap_cols))
        if height is not None:
            ws.set_row(r, height)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), max(len(headers) - 1, 0))
    print_setup(ws)
    wb.close()


# --- Word letters ---------------------------------------------------------------------------

_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_file_stem(text: str) -> str:
    """A file name stem from a bid reference: letters, digits, ``.``, ``_``, ``-`` only."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-_")[:80].strip(".-_")
    if not stem:
        return "bid"
    if stem.split(".")[0].casefold() in _RESERVED:
        stem = f"bid-{stem}"
    return stem


def _group(letters: Iterable[Letter]) -> list[list[Letter]]:
    """The letters of each bid (bid reference and file: two files with the same bid reference
    are two bids), in order of first appearance."""
    groups: dict[tuple[str, str], list[Letter]] = {}
    for letter in letters:
        groups.setdefault((letter.bid_reference, letter.file), []).append(letter)
    return list(groups.values())


def word_letter_paths(letters: LetterSet, folder: Path) -> list[tuple[Path, list[Letter]]]:
    """Where each bid's Word letter goes: ``<bid reference>.docx`` (sanitised; a file with no
    readable bid reference is named after the file), distinct even without case. A bid
    reference used by another file too: the first file's letter is ``<bid reference>.docx``,
    the others' ``<bid reference>-<file stem>.docx``."""
    taken: set[str] = set()
    plan = []
    refs: set[str] = set()
    for group in _group(letters.letters):
        first = group[0]
        if first.bid_reference and first.bid_reference in refs:
            stem = safe_file_stem(first.bid_reference)
            if first.file:
                stem = safe_file_stem(f"{stem}-{Path(first.file).stem}")
        elif first.bid_reference:
            refs.add(first.bid_reference)
            stem = safe_file_stem(first.bid_reference)
        else:
            stem = "unreadable-" + safe_file_stem(Path(first.file).stem if first.file else "response")
        name, n = stem, 1
        while name.casefold() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.casefold())
        plan.append((Path(folder) / f"{name}.docx", group))
    return plan


def write_word_letters(letters: LetterSet, folder: Path, force: bool = False) -> list[Path]:
    """One Word letter per bid in ``folder`` (created when missing); returns the paths.

    Every target is checked before any is written: without ``force`` an existing file raises
    :class:`OutputExists` and nothing is written. Each file is written atomically.
    """
    folder = Path(folder)
    plan = word_letter_paths(letters, folder)
    for path, _ in plan:
        check_output(path, force, folder_exists=False)  # the folder is made when missing
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, group in plan:
        document = _letter_document(letters, group)
        with atomic_output(path, force) as tmp:
            document.save(str(tmp))
        written.append(path)
    return written


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _letter_document(letters: LetterSet, group: list[Letter]) -> Any:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    first = group[0]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    for style_name, size in (("Heading 1", 13), ("Heading 2", 12)):
        style = doc.styles[style_name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(4)
    props = doc.core_properties
    props.author = _clean(letters.authority)
    props.last_modified_by = _clean(letters.authority)
    props.title = _clean(f"{letters.tender_title}: outcome of bid {first.bid_reference}".strip())
    props.comments = ""
    moment = dt.datetime.combine(letters.letter_date, dt.time(9, 0))
    props.created = props.modified = moment
    props.revision = 1

    def para(text: str = "", *, bold: bool = False, align: Any = None, after: float | None = None,
             style: str | None = None) -> Any:
        p = doc.add_paragraph(style=style)
        if text:
            run = p.add_run(_clean(text))
            run.bold = bold
        if align is not None:
            p.alignment = align
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        return p

    who = f"bid {first.bid_reference}" if first.bid_reference else f"file {first.file}"
    _footer(section, f"{letters.tender_reference} · {who} · page ")

    # letterhead
    head = para(letters.authority, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, after=0)
    for run in head.runs:
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    for run in para(letters.tender_title, align=WD_ALIGN_PARAGRAPH.RIGHT, after=18).runs:
        run.font.size = Pt(9)

    # addressee, then date and references
    address_lines = [first.contact_name, first.organisation,
                     *_address_lines(first.address), first.postcode]
    for line in [x for x in address_lines if x]:
        para(line, after=0)
    para(after=6)
    para(format_date(letters.letter_date), after=0)
    references = [f"Your bid reference: {first.bid_reference}" if first.bid_reference else ""]
    if letters.tender_reference:
        references.append(f"Tender reference: {letters.tender_reference}")
    for line in [x for x in references if x]:
        para(line, after=0)
    para(after=6)

    para(f"Dear {first.contact_name}," if first.contact_name else "Dear Sir or Madam,")
    para(f"{letters.tender_title}: outcome of your bid", bold=True)
    lots = [x.lot for x in group if x.lot]
    if lots:
        which = " and ".join(f"the {lot} lot" for lot in lots)
        para(f"Thank you for your bid for {which}. This letter tells you the outcome of the "
             "evaluation for each lot with any reasons, your quality scores beside the highest "
             "scores of the admitted bids, and your prices against the published ranges.")
    else:
        para(f"Thank you for your response to the tender. This letter tells you the outcome "
             f"for the file {first.file or 'you sent'}.")

    for letter in group:
        doc.add_heading(_clean(f"{letter.lot} lot" if letter.lot else "Your response"), level=2)
        para(letter.decision, bold=True).paragraph_format.keep_with_next = bool(
            letter.reasons or letter.conditions)
        for title, lines in (("Reasons", letter.reasons), ("Conditions", letter.conditions)):
            if not lines:
                continue
            para(title, bold=True, after=2).paragraph_format.keep_with_next = True
            for i, line in enumerate(lines, start=1):
                p = para(f"{i}.\t{line}", after=3)
                p.paragraph_format.left_indent = Cm(0.75)
                p.paragraph_format.first_line_indent = Cm(-0.75)
                p.paragraph_format.tab_stops.add_tab_stop(Cm(0.75))
        if letter.quality_pct:
            para(f"Your quality score: {letter.quality_pct}%", bold=True, after=4)
        if any(s.score or s.explanation for s in letter.scores):  # nothing to show unscored
            para("Quality scores", bold=True, after=2).paragraph_format.keep_with_next = True
            rows = [(s.question + (f" ({s.weight}%)" if s.weight else ""), s.score,
                     s.explanation, s.highest_admitted) for s in letter.scores]
            _table(doc, ("Question (weight)", "Your score", "The panel's explanation",
                         "Highest admitted score"),
                   rows, (Cm(2.9), Cm(1.9), Cm(8.6), Cm(3.2)), centred=(1, 3))
            para(after=2)
        if letter.prices:
            para("Your prices", bold=True, after=2).paragraph_format.keep_with_next = True
            _table(doc, ("Band", "Your price", "Published range", "Inside the range"),
                   [(p.band, money(p.price), p.range_text, p.verdict) for p in letter.prices],
                   (Cm(3.2), Cm(2.6), Cm(4.4), Cm(6.4)), centred=(1,))
            para(after=2)

    doc.add_heading("Next steps", level=2)
    if letters.standstill_ends and letters.standstill_from:
        para(f"The council will observe a standstill period of {STANDSTILL_WORKING_DAYS} working "
             f"days from the publication of the award notice on "
             f"{format_date(letters.standstill_from, weekday=True)}. The standstill period "
             f"ends at midnight at the end of {format_date(letters.standstill_ends, weekday=True)}; "
             "the council will not enter into the framework agreement before then.")
    # the closing lines stay together, never a lone signature on a page of its own
    quoting = ("your bid reference" if first.bid_reference
               else "the tender reference and the name of the file you sent")
    para("If you have any questions about this letter, please contact the procurement team, "
         f"quoting {quoting}.").paragraph_format.keep_with_next = True
    para("Yours sincerely,", after=24).paragraph_format.keep_with_next = True
    para(letters.authority, bold=True, after=0)
    table_alignment = WD_TABLE_ALIGNMENT.LEFT
    for table in doc.tables:
        table.alignment = table_alignment
    return doc


def _footer(section: Any, text: str) -> None:
    """A small grey footer: ``text`` then the page number (a PAGE field)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    p = section.footer.paragraphs[0]
    label, number = p.add_run(_clean(text.lstrip(" ·"))), p.add_run("1")
    for run in (label, number):
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._r.addprevious(field)
    field.append(number._r)  # the run shows the page number the field computes


def _address_lines(address: str) -> list[str]:
    parts = re.split(r"\s*(?:\r?\n|,)\s*", address)
    return [p for p in (x.strip() for x in parts) if p]


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[Any],
           centred: Sequence[int] = ()) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    header_row = table.rows[0]
    tr_pr = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, title in zip(header_row.cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "D9E1F2")
        cell._tc.get_or_add_tcPr().append(shading)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = _clean(value)
            if i in centred:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    last = len(table.rows) - 1
    for index, row in enumerate(table.rows):
        row_pr = row._tr.get_or_add_trPr()
        no_split = OxmlElement("w:cantSplit")
        no_split.set(qn("w:val"), "true")
        row_pr.append(no_split)
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(2)
                p.paragraph_format.space_before = Pt(2)
                # keep a short table on one page: every row but the last keeps with the next
                p.paragraph_format.keep_with_next = index < last and len(table.rows) <= 12
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
