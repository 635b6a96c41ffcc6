"""Wording by rule code (``wording.py``) and the formatters (``formats.py``)."""

from __future__ import annotations

import datetime as dt
import re
import string
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clc_tender import formats
from clc_tender.findings import CODE_OUTCOME, CONDITION_CODES, Finding
from clc_tender.wording import WORDING, bidder_sentence, officer_message

D = Decimal
LONDON = ZoneInfo("Europe/London")
# one sample figure for every fact a template names
SAMPLE = {
    "submitted": dt.datetime(2026, 3, 20, 12, 0, 1, tzinfo=LONDON),
    "deadline": dt.datetime(2026, 3, 20, 12, 0, tzinfo=LONDON),
    "turnover": D("40000"), "minimum": D("7E+1"), "net_assets": D("-12400"),
    "ratio": D("0.82"), "assets": D("149609"), "liabilities": D("182450"),
    "year_end": dt.date(2024, 3, 31), "months": 18, "oldest": dt.date(2024, 9, 20),
    "tests": (("finance-turnover", (("turnover", D("40000")), ("minimum", D("50000")))),),
    "cover": D("4999999"), "insurance": "public liability", "expiry": dt.date(2026, 7, 31),
    "valid_on": dt.date(2026, 8, 31), "policy": "Complaints", "reviewed": dt.date(2023, 3, 14),
    "pct": D("7E+1"), "rating": "inadequate", "required_for": ("Day Services",), "concerns": 2,
    "sheet_name": "Services", "lot": "Day Services", "price": D("49.43"), "band": "Band 1",
    "floor": D("48.12"), "ceiling": D("49.42"), "unit": "session",
    "bands": ("Band 1", "Band 2", "Band 3", "Band 4"), "companions": ("Band 3", "Band 4"),
    "below": (("Q1", 1),), "maximum": 5, "questions": ("Q2", "Q6"), "pass_mark": D("60"),
    "provider": "01234567", "round": 1, "member_bid": "CLC26-001", "reference": "CLC26-003",
    "others": ("other-bidder.xlsx",), "label": "Postcode", "value": "LE11",
    "problem": "is not a UK postcode", "count": 3, "bid": "CLC26-099", "rows": "4–6",
    "question": "Q9", "decision": "accept", "decided_code": "late",
}
RULE_CODES = sorted(set(CODE_OUTCOME) | CONDITION_CODES)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_names_known_facts_and_codes():
    for key, wording in WORDING.items():
        code = key.partition("/")[0]  # score-unused/pair: a variant of score-unused
        # duplicate-provider: worded here ahead of its rule (the reading work adds the code)
        assert code in CODE_OUTCOME or code in CONDITION_CODES or code == "duplicate-provider"
        assert _fields(wording.officer) | _fields(wording.bidder) <= set(SAMPLE), code


@pytest.mark.parametrize("key", sorted(WORDING))
def test_bidder_sentences_are_plain_english(key):
    code, _, variant = key.partition("/")
    text = bidder_sentence(code, {**SAMPLE, "variant": variant})
    assert text[:1].isupper() and text.endswith("."), text
    assert not any(c in text for c in RULE_CODES if "-" in c), text  # no rule code
    assert not re.search(r"\d[eE][+-]?\d", text), text  # never exponent notation
    assert "other-bidder.xlsx" not in text  # never another bidder's file
    assert officer_message(code, {**SAMPLE, "variant": variant})


def test_numbers_in_messages():
    assert "70%" in bidder_sentence("safeguarding-training", SAMPLE)
    assert "£4,999,999" in officer_message("insurance-employers-liability", SAMPLE)
    assert "0.82" in officer_message("finance-current-ratio", SAMPLE)
    late = bidder_sentence("late", SAMPLE)
    assert late == ("Your bid was submitted at 12:00:01 on 20 March 2026, after the deadline of "
                    "12:00:00 on 20 March 2026.")
    assert bidder_sentence("price-missing", SAMPLE).endswith(
        "Band 1, Band 2, Band 3 or Band 4; your bid did not.")
    assert officer_message("safeguarding-concerns", SAMPLE).startswith(
        "2 substantiated safeguarding concerns")


def test_a_rejected_referral_adds_the_officers_reason():
    finding = Finding.of("a.xlsx", "Compliance", "B5", "finance-turnover",
                         turnover=D("40000"), minimum=D("50000"))
    rejected = finding.with_facts(decided_by="J Smith", decided_on="2026-04-01",
                                  decision_reason="No guarantee was offered.")
    assert rejected.message.endswith("; rejected by J Smith on 2026-04-01: No guarantee was offered.")
    assert rejected.letter_text.endswith("The council considered this and decided: No guarantee "
                                         "was offered.")
    assert rejected.letter_text.startswith("Your annual turnover of £40,000")


def test_a_finding_worded_by_its_reader_keeps_its_message():
    finding = Finding.make("a.xlsx", "Compliance", "B6", "invalid-value", "Accounts year end: bad")
    assert finding.letter_text == "Accounts year end: bad (Compliance sheet, cell B6)."


@pytest.mark.parametrize(("value", "money", "percent", "number"), [
    (D("7E+1"), "£70.00", "70%", "70"),
    (D("80.00"), "£80.00", "80%", "80"),
    (D("92.5"), "£92.50", "92.5%", "92.5"),
    (D("5000000"), "£5,000,000", "5000000%", "5,000,000"),
    (D("0.82"), "£0.82", "0.82%", "0.82"),
    (D("-12400"), "-£12,400", "-12400%", "-12,400"),
    (D("1E+3"), "£1,000", "1000%", "1,000"),
])
def test_formats(value, money, percent, number):
    assert formats.money(value) == money
    assert formats.percent(value) == percent
    assert formats.number(value) == number


def test_dates():
    assert formats.date(dt.date(2026, 5, 1)) == "1 May 2026"
    assert formats.date(dt.date(2026, 5, 1), weekday=True) == "Friday 1 May 2026"
    moment = dt.datetime(2026, 3, 20, 12, 0, 1)
    assert formats.date_time(moment) == "20 March 2026 12:00:01"
    assert formats.date_time(moment, seconds=False) == "20 March 2026 12:00"
