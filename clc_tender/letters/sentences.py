"""The sentences of a letter: dates, the panel's explanation without the evaluators' names,
the reasons and conditions as the bidder reads them, scores as text, and the decision.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .. import formats, wording
from ..findings import CODE_OUTCOME, CONDITION_CODES, Outcome
from .values import text

_RULE_CODES = frozenset(CODE_OUTCOME) | CONDITION_CODES
_CODE_PREFIX = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*):\s*")
_PADDED_DAY = re.compile(r"\b0([1-9]) (" + "|".join(formats.MONTHS) + r") (\d{4})\b")
_INITIALS = r"[A-Z]{1,4}"


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


def evaluators_of(scores: str) -> list[str]:
    """The evaluators of a ``Quality`` ``Scores`` cell (``AB 4; CD 3`` -> AB, CD)."""
    names = []
    for part in scores.split(";"):
        name, _, score = part.strip().rpartition(" ")
        if name and score:
            names.append(name)
    return names


def plain_lines(value: Any) -> tuple[str, ...]:
    """One sentence per line; a stray ``rule-code:`` prefix is dropped (never shown)."""
    lines = []
    for raw in text(value).splitlines():
        line = raw.strip()
        match = _CODE_PREFIX.match(line)
        while match and match.group(1) in _RULE_CODES:
            line = line[match.end() :].strip()
            match = _CODE_PREFIX.match(line)
        if line:
            line = _PADDED_DAY.sub(r"\1 \2 \3", line)  # 09 June 2026 -> 9 June 2026
            lines.append(line[:1].upper() + line[1:])
    return tuple(lines)


def row_sentences(row: dict[str, Any], part: str) -> tuple[str, ...]:
    """A row's reasons or conditions as the bidder reads them: worded now from the figures the
    evaluation kept (``Letter figures``), so that a change of wording needs no new evaluation;
    else the sentences written then (``Letter reasons``, ``Letter conditions``)."""
    written = plain_lines(row.get(f"letter_{part}"))
    figures = text(row.get("letter_figures"))
    worded = wording.sentences_from_json(figures, part) if figures else None
    if worded is None or len(worded) != len(written):
        return written
    return plain_lines("\n".join(worded))


def score_text(value: Decimal | None) -> str:
    return "" if value is None else formats.number(value)


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
        Outcome.LATE.value: f"{bid} has not been successful because it was received after the "
        f"deadline.",
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
