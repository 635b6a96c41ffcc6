"""What each rule code says: the officer's message and the bidder's sentence, as templates.

Rules return figures (``facts``); this module alone turns them into words. To change how a
finding reads — in the shortlist, on the terminal or in a letter — edit its template here.

A template is ``str.format`` text whose fields name facts, with a format spec saying how a
figure is written (``formats.py``): ``money``, ``percent``, ``number``, ``date``, ``time``,
``datetime``, ``or`` / ``and`` (a list joined in words), ``list`` (joined with ``, ``),
``plural:concern`` (``1 concern``, ``2 concerns``), ``quoted`` (text as typed, in quotes) and
``upper`` / ``lower``; and for composite facts ``officer-tests`` / ``bidder-tests`` (the finance
tests a guarantee settles), ``scores`` (question and score pairs) and ``for-questions``. The
bidder's sentences are plain English: no rule codes, no other
bidder's name, file or bid reference, and the bidder's own values exactly as typed.

A code with no template here (reading problems found before any rule ran) keeps the reader's
own message; its bidder sentence is that message with its place.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import formats


@dataclass(frozen=True)
class Wording:
    officer: str  # the shortlist's Reasons / Findings message
    bidder: str  # the letter's sentence


def _joined(items: Any, word: str) -> str:
    values = [str(v) for v in items]
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} {word} {values[-1]}"


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        spec, _, arg = format_spec.partition(":")
        if spec == "officer-tests":  # the finance tests a parent company guarantee settles
            return "; ".join(_format(FINANCE_TESTS[code].officer, dict(f)) for code, f in value)
        if spec == "bidder-tests":
            return "; and ".join(_format(FINANCE_TESTS[code].bidder, dict(f)) for code, f in value)
        if spec == "scores":  # ((question, score), ...)
            return ", ".join(f"{question} scored {score}" for question, score in value)
        if spec == "for-questions":  # some questions only
            return f" for {', '.join(value)}" if value else ""
        if spec == "money":
            return formats.money(value)
        if spec == "percent":
            return formats.percent(value)
        if spec == "number":
            return formats.number(value)
        if spec == "date":
            return formats.date(value.date() if isinstance(value, dt.datetime) else value)
        if spec == "time":
            return f"{value:%H:%M:%S}"
        if spec == "datetime":
            return formats.date_time(value)
        if spec in ("or", "and"):
            return _joined(value, spec)
        if spec == "list":
            return ", ".join(str(v) for v in value)
        if spec == "plural":
            return f"{value} {arg}{'' if value == 1 else 's'}"
        if spec == "quoted":
            return f'"{value}"'
        if spec == "upper":
            return str(value).upper()
        if spec == "lower":
            return str(value).lower()
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()

# finance tests: the officer's phrase and the bidder's, shared by the referral (no guarantee)
# and by the parent-company-guarantee condition that settles them
FINANCE_TESTS: dict[str, Wording] = {
    "finance-turnover": Wording(
        "annual turnover {turnover:money} is below the minimum {minimum:money}",
        "your annual turnover of {turnover:money} is below the minimum of {minimum:money}",
    ),
    "finance-net-assets": Wording(
        "net assets {net_assets:money} are below {minimum:money}",
        "your net assets of {net_assets:money} are below the minimum of {minimum:money}",
    ),
    "finance-current-ratio": Wording(
        "current ratio {ratio:number} ({assets:money} ÷ {liabilities:money}) is below "
        "{minimum:number}",
        "your current ratio of {ratio:number} (current assets {assets:money} ÷ current "
        "liabilities {liabilities:money}) is below the minimum of {minimum:number}",
    ),
    "finance-accounts-age": Wording(
        "the latest accounts end {year_end:date}, more than {months} months before the deadline "
        "(must end on or after {oldest:date})",
        "your latest accounts end on {year_end:date}, more than {months} months before the "
        "deadline; they must end on or after {oldest:date}",
    ),
}

_INSURANCE_NAMES = {
    "insurance-employers-liability": "employer's liability",
    "insurance-public-liability": "public liability",
    "insurance-professional-indemnity": "professional indemnity",
}

WORDING: dict[str, Wording] = {
    "late": Wording(
        "submitted {submitted:datetime}, after the deadline {deadline:datetime}",
        "Your bid was submitted at {submitted:time} on {submitted:date}, after the deadline of "
        "{deadline:time} on {deadline:date}.",
    ),
    "mandatory-exclusion": Wording(
        "the bidder declares that a mandatory exclusion ground applies (Procurement Act 2023)",
        "You declared that a mandatory exclusion ground under the Procurement Act 2023 applies "
        "to your organisation.",
    ),
    "debarred": Wording(
        "the bidder is on the debarment list",
        "Your organisation is on the central debarment list.",
    ),
    "discretionary-exclusion": Wording(
        "the bidder declares that a discretionary exclusion ground applies; an officer must hear "
        "the supplier and decide (s.58)",
        "You declared that a discretionary exclusion ground applies; the council must consider "
        "this before deciding.",
    ),
    **{
        code: Wording(
            test.officer + "; no parent company guarantee offered",
            test.bidder[:1].upper() + test.bidder[1:] + ". No parent company guarantee was offered.",
        )
        for code, test in FINANCE_TESTS.items()
    },
    "parent-company-guarantee": Wording(
        "a parent company guarantee is offered and must be in place before the first placement: "
        "{tests:officer-tests}",
        "The parent company guarantee you offered must be in place before your first placement, "
        "because {tests:bidder-tests}.",
    ),
    **{
        code: Wording(
            name + " cover {cover:money} is below the required {minimum:money}",
            "Your " + name + " cover of {cover:money} is below the required {minimum:money}.",
        )
        for code, name in _INSURANCE_NAMES.items()
    },
    "insurance-renewal": Wording(
        "{insurance} insurance expires {expiry:date}, before {valid_on:date}: a renewed "
        "certificate is needed before the first placement",
        "Your {insurance} insurance expires on {expiry:date}; you must send a renewed "
        "certificate before your first placement.",
    ),
    "policy-missing": Wording(
        "no {policy:lower} policy is held",
        "You do not hold a {policy:lower} policy, which is required.",
    ),
    "policy-out-of-date": Wording(
        "the {policy:lower} policy was last reviewed {reviewed:date}, more than {months} months "
        "before the deadline (must be on or after {oldest:date})",
        "Your {policy:lower} policy was last reviewed on {reviewed:date}; policies must have "
        "been reviewed within {months} months before the deadline (on or after {oldest:date}).",
    ),
    "safeguarding-lead": Wording(
        "no named safeguarding lead is given",
        "You did not name a safeguarding lead.",
    ),
    "safeguarding-dbs": Wording(
        "enhanced DBS checks with the adults' barred list are not in place for all staff",
        "Enhanced DBS checks with the adults' barred list are not in place for all of your "
        "staff.",
    ),
    "safeguarding-training": Wording(
        "safeguarding training completed by {pct:percent} of staff; at least {minimum:percent} "
        "required",
        "Safeguarding training has been completed by {pct:percent} of your staff; at least "
        "{minimum:percent} is required.",
    ),
    "cqc-inadequate": Wording(
        "the provider's CQC overall rating is {rating}",
        "Your CQC overall rating is {rating}; a provider rated {rating} cannot join the "
        "framework.",
    ),
    "cqc-not-registered": Wording(
        "CQC registration is required for {required_for:list}",
        "CQC registration is required for the {required_for:and} lot and you are not registered.",
    ),
    "safeguarding-concerns": Wording(
        "{concerns:plural:substantiated safeguarding concern} in the last 12 months; an officer "
        "must review",
        "You reported {concerns:plural:substantiated safeguarding concern} in the last 12 "
        "months, which the council must review.",
    ),
    "services-missing": Wording(
        "the '{sheet_name}' sheet lists no rows; a {lot} bid must list at least one",
        "Your '{sheet_name}' sheet lists no services; a bid for the {lot} lot must list at least one.",
    ),
    "pa-coverage-missing": Wording(
        "the '{sheet_name}' sheet lists no rows; a {lot} bid must list at least one",
        "Your '{sheet_name}' sheet lists no districts; a bid for the {lot} lot must list at least "
        "one.",
    ),
    "price-below-floor": Wording(
        "price {price:money} for {band} is below the floor {floor:money} (range {floor:money} – "
        "{ceiling:money} per {unit})",
        "Your price for {band} of {price:money} per {unit} is below the published floor of "
        "{floor:money} (range {floor:money} – {ceiling:money}).",
    ),
    "price-above-ceiling": Wording(
        "price {price:money} for {band} is above the ceiling {ceiling:money} (range {floor:money} "
        "– {ceiling:money} per {unit})",
        "Your price for {band} of {price:money} per {unit} is above the published ceiling of "
        "{ceiling:money} (range {floor:money} – {ceiling:money}).",
    ),
    "price-missing": Wording(
        "a {lot} bid must price {bands:or}",
        "A bid for the {lot} lot must include a price for {bands:or}; your bid did not.",
    ),
    "band5-without-band3-or-4": Wording(
        "{band} may be priced only together with {companions:or}",
        "You priced {band}, which may only be offered together with {companions:or}.",
    ),
    "ignored-price": Wording(
        "{band} is priced but the bid is not for {lot}; the price is ignored",
        "You priced {band} but did not bid for the {lot} lot; that price was not considered.",
    ),
    "quality-question-below-minimum": Wording(
        "{below:scores}; every question must score at least {minimum:number}",
        "Your quality answers scored below the minimum of {minimum:number} out of "
        "{maximum:number} ({below:scores}).",
    ),
    "quality-not-scored": Wording(
        "quality is not scored{questions:for-questions}",
        "The evaluation of your quality answers is not yet complete.",
    ),
    "quality-needs-moderation": Wording(
        "the evaluators disagree on {questions:list} and there is no moderated score",
        "The evaluation of your quality answers is not yet complete.",
    ),
    "quality-below-pass-mark": Wording(
        "quality {pct:percent} is below the pass mark {pass_mark:percent}",
        "Your quality score of {pct:percent} is below the pass mark of {pass_mark:percent}.",
    ),
    "already-admitted": Wording(
        "the provider {provider} is already on the framework for {lot} (round {round}, bid "
        "{member_bid}); not evaluated again",
        "Your organisation is already on the framework for the {lot} lot (admitted in round "
        "{round}), so this bid for it was not evaluated again.",
    ),
    "duplicate-bid-reference": Wording(
        "the bid reference {reference} is also used by {others:list}; each bid needs its own "
        "reference",
        "Another submission uses the same bid reference ({reference}); each bid needs its own "
        "reference, so this one could not be evaluated.",
    ),
    "duplicate-provider": Wording(
        "the provider {provider} also bids for {lot} as {others:list}; a provider holds one "
        "place per lot",
        "Another submission for the {lot} lot comes from the same organisation; the council "
        "must decide which one to consider.",
    ),
    # officers' warnings about their own workbooks (a variant names which case)
    "score-unused/pair": Wording(
        "{count:plural:score} for {bid} / {lot} (rows {rows}): not a bid and lot of this round; "
        "not used",
        "Scores were given for a bid and lot that is not part of this round.",
    ),
    "score-unused/question": Wording(
        "question '{question}' (rows {rows}) is not a question of this tender; not used",
        "Scores were given for a question that is not part of this tender.",
    ),
    "decision-unused/quality": Wording(
        "{decision} of {decided_code} for {bid} / {lot} is not applied: quality is settled by the "
        "panel's scores (a MODERATED score in the scores workbook), not by a decision",
        "A decision on the quality evaluation was not applied.",
    ),
    "decision-unused/gate": Wording(
        "{decision} of {decided_code} for {bid} / {lot} is not applied: a failed gate cannot be "
        "overturned by a decision",
        "A decision on a failed requirement was not applied.",
    ),
    "decision-unused/none": Wording(
        "{decision} of {decided_code} for {bid} / {lot} is not applied: it matches no referral "
        "of that bid and lot",
        "A decision that matches nothing still to be settled was not applied.",
    ),
    "contact-details": Wording(
        "{label}: {value:quoted} {problem}",
        "Please confirm your {label:lower}: you entered {value:quoted}.",
    ),
}

# a referral an officer rejected: what is added to the referral's own wording
REJECTED = Wording(
    "; rejected by {decided_by} on {decided_on}: {decision_reason}",
    " The council considered this and decided: {decision_reason}.",
)


def _format(template: str, facts: Mapping[str, Any]) -> str:
    return _FORMATTER.vformat(template, (), facts)


def _wording(code: str, facts: Mapping[str, Any]) -> Wording:
    """The wording of ``code``; a ``variant`` fact picks one of a code's cases."""
    variant = facts.get("variant")
    return WORDING[f"{code}/{variant}" if variant else code]


def needs_facts(code: str) -> bool:
    """Whether the wording of ``code`` is filled from facts (a fixed sentence is not)."""
    wording = WORDING.get(code)
    if wording is None:
        return True  # a code worded by its reader, or by variants
    return any(name for _, name, _, _ in string.Formatter().parse(wording.officer + wording.bidder))


def rejected_officer(facts: Mapping[str, Any]) -> str:
    """What an officer's rejection adds to a referral's message."""
    return _format(REJECTED.officer, facts)


def rejected_bidder(facts: Mapping[str, Any]) -> str:
    """What an officer's rejection adds to a referral's sentence in a letter."""
    return _format(REJECTED.bidder, {**facts, "decision_reason":
                                      str(facts["decision_reason"]).rstrip(".")})


def officer_message(code: str, facts: Mapping[str, Any]) -> str:
    """The officer's message of a finding with ``code`` and ``facts``."""
    text = _format(_wording(code, facts).officer, facts)
    return text + rejected_officer(facts) if "decision_reason" in facts else text


def bidder_sentence(code: str, facts: Mapping[str, Any]) -> str:
    """The sentence the bidder reads in its letter."""
    text = _format(_wording(code, facts).bidder, facts)
    return text + rejected_bidder(facts) if "decision_reason" in facts else text


def fallback_sentence(message: str, sheet: str, cell: str) -> str:
    """The bidder's sentence of a finding worded by the reader: its message with its place."""
    where = f" ({sheet} sheet, cell {cell})" if sheet and cell else ""
    text = message[:1].upper() + message[1:]
    return f"{text.rstrip('.')}{where}."


# --- figures kept with the shortlist, so that letters word them with today's templates -------


def _encode(value: Any) -> Any:
    """A fact as JSON: exact numbers and dates tagged, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, int):
        return int(value)
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        (tag, text), = value.items()
        if tag == "$decimal":
            return Decimal(text)
        if tag == "$datetime":
            return dt.datetime.fromisoformat(text)
        if tag == "$date":
            return dt.date.fromisoformat(text)
        raise ValueError(f"unknown tag {tag!r}")
    return value


Entry = tuple[str, Sequence[tuple[str, Any]], str]  # (code, facts, sentence as written)


def figures_json(parts: Mapping[str, Sequence[Entry]]) -> str:
    """``{part: [(code, facts, sentence), …]}`` as JSON: the facts of a worded finding, else
    the sentence its reader wrote."""
    return json.dumps({
        part: [{"code": code, "facts": {k: _encode(v) for k, v in facts}} if facts
               else {"code": code, "text": sentence} for code, facts, sentence in entries]
        for part, entries in parts.items()
    }, ensure_ascii=False, separators=(",", ":"))


def sentences_from_json(text: str, part: str) -> tuple[str, ...] | None:
    """The bidder's sentences of one part of ``figures_json`` output, worded with the current
    templates; None when the text is not such output (the letters then use the sentences as
    written at evaluation)."""
    try:
        sentences = []
        for entry in json.loads(text)[part]:
            if "facts" in entry:
                facts = {k: _decode(v) for k, v in entry["facts"].items()}
                sentences.append(bidder_sentence(entry["code"], facts))
            else:
                sentences.append(str(entry["text"]))
        return tuple(sentences)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
