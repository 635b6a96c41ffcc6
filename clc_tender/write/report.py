"""The award report as a Word document (``report.md``): A4, a title block, numbered sections,
tables whose header rows repeat across pages, charts with captions whose figures are also in a
table, page numbers. Everything is text: nothing a bidder typed becomes a field or a link.

Built from a :class:`~clc_tender.report_model.Report` (and an optional spend
:class:`~clc_tender.forecast.Forecast`); the layout is :mod:`clc_tender.write.word`'s, the
charts :mod:`clc_tender.write.charts`'.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import __version__
from ..contract import INPUTS
from ..findings import Outcome, long_date
from ..forecast import CEILING, LOWEST, MEDIAN, PREVIOUS, SCENARIO_TITLES, SCENARIOS, Forecast
from ..forecast import target_sentence as forecast_sentence
from ..report_model import Report, words
from .atomic import atomic_output
from .word import BLUE, WordDocument, clean

OUTCOME_WORDS = {
    Outcome.ADMITTED.value: "Admitted",
    Outcome.REFERRED.value: "Referred (decision pending)",
    Outcome.FAILED_GATE.value: "Failed a gate",
    Outcome.DISQUALIFIED_PRICE.value: "Disqualified on price",
    Outcome.NON_COMPLIANT.value: "Non-compliant",
    Outcome.LATE.value: "Late",
    Outcome.ALREADY_ADMITTED.value: "Already on the framework",
}


@dataclass(frozen=True)
class InputRecord:
    """A file the report read, for the Record section."""

    file: str
    status: str
    sha256: str


def pounds(amount: Decimal | None) -> str:
    """£1,234.56 (always with pence); "-£12.00" below zero; empty for None."""
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


def day_text(value: object) -> str:
    """ "20 March 2026" from a date, a datetime or ISO text; other text as it is."""
    if isinstance(value, dt.datetime):
        return long_date(value.date())
    if isinstance(value, dt.date):
        return long_date(value)
    text = clean(value).strip()
    try:
        return long_date(dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


def moment_text(value: object) -> str:
    """ "20 March 2026 at 12:00" from ISO date-time text."""
    text = clean(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return day_text(text)
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def short_need(name: str) -> str:
    """A support need short enough for a table header: the abbreviation in brackets if any."""
    match = re.search(r"\(([^)]+)\)", name)
    if match:
        return match.group(1)
    return name.replace(
        "Learning disabilities and/or autism", "Learning disability/ autism"
    ).replace("Physical and sensory disabilities", "Physical/ sensory")


# --- the report --------------------------------------------------------------------------------


Progress = Callable[[str], None]


def write_report(
    report: Report,
    out: Path,
    *,
    author: str,
    today: dt.date,
    run_at: dt.datetime,
    inputs: Sequence[InputRecord],
    forecast: Forecast | None = None,
    forecast_notes: Sequence[str] = (),
    force: bool = False,
    progress: Progress | None = None,
) -> None:
    """Write the report to ``out`` whole or not at all (``OutputExists`` without ``force``)."""
    step = progress or (lambda _name: None)
    step("Drawing the charts")
    from . import charts

    summary = report.shortlist.summary
    reference = summary.get("Tender reference", report.tender.reference)
    doc = WordDocument(
        f"{reference} award report, round {report.round}",
        f"{reference} award report, round {report.round} · Draft for approval",
    )
    props = doc.doc.core_properties
    props.author = props.last_modified_by = clean(author)
    props.created = props.modified = run_at.astimezone(dt.UTC).replace(tzinfo=None)
    props.revision = 1
    step("Writing the document")
    _title_block(doc, report, author, today)
    _summary(doc, report, author, today)
    _method(doc, report)
    _outcomes(doc, report, charts)
    _prices(doc, report, charts)
    _coverage(doc, report, charts)
    _panel(doc, report)
    if forecast is not None:
        _forecast(doc, forecast, forecast_notes, charts)
    _record(doc, report, inputs, run_at)
    step("Saving")
    with atomic_output(out, force) as tmp:
        doc.save(tmp)


def _title_block(doc: WordDocument, report: Report, author: str, today: dt.date) -> None:
    from docx.shared import RGBColor

    summary = report.shortlist.summary
    authority = summary.get("Contracting authority", report.tender.contracting_authority)
    p = doc.para(authority, bold=True, size=12, after=2)
    p.runs[0].font.color.rgb = RGBColor(*BLUE)
    doc.para("Adults and Communities Department", size=10, after=18)
    doc.para("Award report", style="Title", after=2)
    doc.para(summary.get("Tender title", report.tender.title), bold=True, size=13, after=4)
    doc.para(
        f"Evaluation round {report.round}: outcomes, prices, market coverage and the "
        "evaluation record",
        size=11,
        after=14,
    )
    rows = [
        (
            "For",
            "The Director of Adults and Communities (award decision); the Adults and "
            "Communities Overview and Scrutiny Committee (for information after the award)",
        ),
        ("Status", "Draft — for approval"),
        ("Author", author),
        ("Date", long_date(today)),
        ("Tender reference", summary.get("Tender reference", "")),
        (
            "Source",
            f"{report.shortlist.path.name} (the evaluation shortlist of round {report.round})",
        ),
    ]
    doc.facts(rows, (3.6, 12.6), highlight="Status")
    doc.para(after=10)


def _count(report: Report, lot: str, outcome: str) -> int:
    return report.by_outcome.get((lot, outcome), 0)


def _summary(doc: WordDocument, report: Report, author: str, today: dt.date) -> None:
    summary = report.shortlist.summary
    doc.heading("Summary")
    lots = report.lots
    total = sum(report.received.get(lot, 0) for lot in lots)
    admitted = sum(_count(report, lot, "admitted") for lot in lots)
    pending = len(report.pending)
    per_lot = "; ".join(f"{lot}: {report.received.get(lot, 0)}" for lot in lots)
    doc.para(
        f"Bids for round {report.round} closed at {moment_text(summary.get('Deadline'))}. "
        f"{total} lot bids were evaluated ({per_lot}); "
        f"{admitted} were admitted to the framework. After this round the framework has "
        f"{' and '.join(f'{report.members.get(lot, 0)} {lot} members' for lot in lots)}."
    )
    rows = [
        [label, *(str(value(lot)) for lot in lots)]
        for label, value in (
            ("Lot bids received", lambda lot: report.received.get(lot, 0)),
            ("Admitted", lambda lot: _count(report, lot, "admitted")),
            ("Referred: decision pending", lambda lot: _count(report, lot, "referred")),
            (
                "Not admitted",
                lambda lot: sum(
                    _count(report, lot, o.value)
                    for o in (
                        Outcome.LATE,
                        Outcome.NON_COMPLIANT,
                        Outcome.DISQUALIFIED_PRICE,
                        Outcome.FAILED_GATE,
                    )
                ),
            ),
            ("Already on the framework", lambda lot: _count(report, lot, "already-admitted")),
            ("Framework members after this round", lambda lot: report.members.get(lot, 0)),
        )
        if label != "Already on the framework"
        or any(_count(report, lot, "already-admitted") for lot in lots)
    ]
    doc.table(
        f"Round {report.round} at a glance, per lot",
        ["", *lots],
        rows,
        [7.0, *([9.6 / len(lots)] * len(lots))],
        right=range(1, len(lots) + 1),
    )
    if pending:
        doc.para(
            f"{pending} decision{'s are' if pending != 1 else ' is'} still pending: the "
            f"referred bids of section 3.3 wait for an officer's decision or the panel's "
            "scores, and are neither admitted nor rejected yet.",
            bold=True,
        )
    else:
        doc.para("No decision is pending: every bid of this round has its outcome.")
    doc.para(f"Draft — for approval. Prepared on {long_date(today)} by {author}.", italic=True)


def _method(doc: WordDocument, report: Report) -> None:
    t = report.tender
    doc.heading("How bids were evaluated")
    if report.definition_differs:
        doc.para(
            "Note: the tender definition used for this section is not the one the shortlist "
            "was evaluated with (their SHA-256 differ; see the Record). Check the figures "
            "below against the published tender.",
            bold=True,
        )
    doc.para(
        "Every bid was judged against every gate below; an outcome lists all its reasons. "
        "A bid is admitted only when it passes all of them (paragraph 37 of the Cabinet "
        "report: bidders must pass every element)."
    )
    f, ins, sg, q = t.finance, t.insurance, t.safeguarding, t.quality
    policies = ", ".join(
        p.name + (f" ({', '.join(p.lots)} only)" if len(p.lots) < len(t.lots) else "")
        for p in t.policies
    )
    doc.bullets(
        [
            f"Deadline: {long_date(t.deadline.date())} at {t.deadline:%H:%M} (a bid received "
            "later is late).",
            "Prices: each price must lie between its band's floor and ceiling, both included "
            "(paragraph 44); a price outside disqualifies the lot bid.",
            "Eligibility: mandatory exclusion grounds or the debarment list fail the bid; "
            "discretionary exclusion grounds are referred to an officer.",
            f"Finance: turnover of at least {pounds(f.min_turnover)}, net assets of at least "
            f"{pounds(f.min_net_assets)}, a current ratio of at least {f.min_current_ratio}, "
            f"accounts ending no more than {f.max_accounts_age_months} months before the "
            "deadline; a failed test is referred to an officer, or settled by a parent company "
            "guarantee.",
            f"Insurance: employer's liability {pounds(ins.employers_liability)}, public liability "
            f"{pounds(ins.public_liability)}, professional indemnity "
            f"{pounds(ins.professional_indemnity)}.",
            f"Policies held and reviewed within {t.policy_max_age_months} months: {policies}.",
            "Safeguarding: a named lead, enhanced DBS checks for all staff, training completed "
            f"by at least {sg.min_training_pct}% of staff, a CQC rating other than "
            f"{', '.join(sg.failing_cqc_ratings) or 'none'}; substantiated concerns are referred "
            "to an officer.",
            f"Quality: each answer scored 0–{q.max_score} by the panel; every answer must score "
            f"at least {q.min_score} and the weighted total must reach the pass mark of "
            f"{q.pass_mark_pct}%.",
        ]
    )
    rows = [
        [
            b.name,
            b.lot,
            b.ratio,
            "per session" if b.unit == "session" else "per hour",
            pounds(b.floor),
            pounds(b.ceiling),
        ]
        for b in t.bands
    ]
    doc.table(
        "The bands, with their floor and ceiling rates (2025/26 price points)",
        ["Band", "Lot", "Staff ratio", "Unit", "Floor", "Ceiling"],
        rows,
        [2.0, 3.6, 3.8, 2.6, 2.3, 2.3],
        right=(4, 5),
    )
    rows = [[qq.id, qq.text, f"{qq.weight}%"] for qq in q.questions]
    doc.table(
        f"The quality questions (minimum {q.min_score} of {q.max_score} per question, "
        f"pass mark {q.pass_mark_pct}%)",
        ["Question", "What it asks", "Weight"],
        rows,
        [2.0, 12.4, 2.0],
        right=(2,),
    )


def _outcomes(doc: WordDocument, report: Report, charts: Any) -> None:
    lots = report.lots
    doc.heading("Outcomes")
    doc.subheading("Outcomes per lot")
    order = [
        o.value
        for o in (
            Outcome.ADMITTED,
            Outcome.REFERRED,
            Outcome.FAILED_GATE,
            Outcome.DISQUALIFIED_PRICE,
            Outcome.NON_COMPLIANT,
            Outcome.LATE,
            Outcome.ALREADY_ADMITTED,
        )
    ]
    rows = [
        [OUTCOME_WORDS[o], o, *(str(_count(report, lot, o)) for lot in lots)]
        for o in order
        if o != "already-admitted" or any(_count(report, lot, o) for lot in lots)
    ]
    rows.append(["Total", "", *(str(report.received.get(lot, 0)) for lot in lots)])
    doc.table(
        "Outcomes of this round's lot bids",
        ["Outcome", "Code", *lots],
        rows,
        [5.2, 3.8, *([7.6 / len(lots)] * len(lots))],
        right=range(2, 2 + len(lots)),
        bold_last=True,
    )
    doc.subheading("Why bids were not admitted")
    codes = sorted(
        {code for (_lot, code) in report.reasons},
        key=lambda c: (-sum(report.reasons.get((lot, c), 0) for lot in lots), words(c)),
    )
    if codes:
        counts = [[report.reasons.get((lot, c), 0) for lot in lots] for c in codes]
        rows = [
            [words(c), c, *(str(n) for n in row), str(sum(row))]
            for c, row in zip(codes, counts, strict=True)
        ]
        doc.para(
            "Each non-admitted outcome (including referrals still pending) counted by the "
            "reasons that decided it; a bid with several decisive reasons counts under each.",
            keep=True,
        )
        number = doc.tables + 1
        doc.figure(
            charts.reasons_chart([words(c) for c in codes], lots, counts),
            "The reasons that decided the outcomes not admitted, per lot.",
            number,
        )
        doc.table(
            "The reasons that decided each non-admitted outcome",
            ["Reason", "Rule code", *lots, "Total"],
            rows,
            [5.6, 4.6, *([4.4 / len(lots)] * len(lots)), 2.0],
            right=range(2, 3 + len(lots)),
        )
    else:
        doc.para("Every bid of this round was admitted.")
    doc.subheading("Referred bids: decisions pending")
    if report.pending:
        rows = [
            [p.bid_reference, p.organisation, p.lot, p.waiting_for, "\n".join(p.reasons)]
            for p in report.pending
        ]
        doc.table(
            "Referred bids and what each is waiting for",
            ["Bid", "Organisation", "Lot", "Waiting for", "Why"],
            rows,
            [2.2, 3.3, 2.4, 3.1, 5.6],
            size=8,
        )
    else:
        doc.para("No bid is waiting for a decision.")
    doc.subheading("Officers' decisions applied (Procurement Act 2023 s.98)")
    if report.decisions:
        rows = [
            [
                d.bid_reference,
                d.lot,
                words(d.code),
                d.decision,
                d.officer,
                day_text(d.date),
                d.reason,
            ]
            for d in report.decisions
        ]
        doc.table(
            "Officers' decisions on referrals, with officer, date and reason",
            ["Bid", "Lot", "Referral", "Decision", "Officer", "Date", "Reason"],
            rows,
            [1.9, 2.2, 2.6, 1.7, 2.2, 2.0, 4.0],
            size=8,
        )
    else:
        doc.para("No officer's decision was applied in this round.")


def _prices(doc: WordDocument, report: Report, charts: Any) -> None:
    doc.heading("Prices")
    doc.para(
        "The framework's admitted prices (members of every round) for each band, between the "
        "band's floor and ceiling. The gap is how far the median admitted price lies below the "
        "ceiling: the room the price bands give the council when placing people (paragraph 12).",
        keep=True,
    )
    for lot in report.lots:
        bands = [b for b in report.prices if b.lot == lot]
        if not bands:
            continue
        doc.subheading(lot)
        rows = [
            [
                b.band,
                pounds(b.floor),
                pounds(b.ceiling),
                str(len(b.prices)),
                pounds(b.low),
                pounds(b.median),
                pounds(b.high),
                pounds(b.gap),
                "" if b.gap_pct is None else f"{b.gap_pct}%",
            ]
            for b in bands
        ]
        priced = [b for b in bands if b.prices]
        number = doc.tables + 1
        if priced:
            doc.figure(
                charts.price_chart(lot, priced),
                f"{lot}: each admitted price placed between its band's floor and ceiling; "
                "the diamond is the median.",
                number,
            )
        else:
            doc.para(f"No {lot} member has a price yet.")
        doc.table(
            f"{lot}: admitted prices per band",
            [
                "Band",
                "Floor",
                "Ceiling",
                "Priced",
                "Lowest",
                "Median",
                "Highest",
                "Gap to ceiling",
                "Gap %",
            ],
            rows,
            [1.7, 1.8, 1.8, 1.5, 1.8, 1.8, 1.8, 2.2, 1.5],
            right=range(1, 9),
        )


def _coverage(doc: WordDocument, report: Report, charts: Any) -> None:
    cov = report.coverage
    doc.heading("Market coverage")
    doc.para(
        "Where admitted providers can serve people, by district and support need: the number "
        "of admitted Day Services services, and of Personal Assistants providers covering the "
        "district. The Cabinet report notes shortages of Personal Assistants in Market "
        "Harborough and Melton Mowbray (paragraphs 72–75), and the Scrutiny Committee asked "
        "about rural availability (paragraph 84). A district and need with none or only one is "
        "a gap."
    )
    if not cov.present:
        doc.para(
            "Coverage data is not in this shortlist: it has no Services or PA coverage "
            "sheet (written by a version of clc-tender before they existed). Re-run the "
            "evaluation with the current version to see the coverage.",
            bold=True,
        )
        return
    shorts = [short_need(n) for n in cov.needs]
    widths = [3.4, *([13.2 / len(cov.needs)] * len(cov.needs))]
    for lot, counts, what, unit in (
        ("Day Services", cov.services, "Day Services: admitted services", "admitted services"),
        (
            "Personal Assistants",
            cov.pa_providers,
            "Personal Assistants: providers covering the district",
            "providers",
        ),
    ):
        doc.subheading(lot)
        rows = [[d, *(str(counts.get((d, n), 0)) for n in cov.needs)] for d in cov.districts]
        doc.figure(
            charts.coverage_heatmap(cov, shorts, lot),
            f"{lot}: {unit} by district and support need; red: none, amber: only one.",
            doc.tables + 1,
            width_cm=15.0,
        )
        doc.table(
            f"{what}, by district and support need",
            ["District", *shorts],
            rows,
            widths,
            right=range(1, len(cov.needs) + 1),
            size=8,
        )
    gaps = cov.gaps()
    doc.subheading("Gaps")
    if gaps:
        doc.para(
            "Where people have no choice, or only one (a gap), by lot and district:", keep=True
        )
        doc.bullets(gaps)
    else:
        doc.para(
            "Every district has at least two admitted providers for every support need in both "
            "lots."
        )


def _panel(doc: WordDocument, report: Report) -> None:
    doc.heading("The evaluation panel")
    doc.para(
        "The panel's declarations of interests (Procurement Act 2023 s.81–83), from the Panel "
        "sheet of the scores workbook. A score given by an evaluator with an actual conflict "
        "for that bid is not used."
    )
    if report.panel:
        several = len({d.round for d in report.panel}) > 1
        rows = []
        for d in report.panel:
            row = [
                d.evaluator,
                d.name,
                d.role,
                d.conflict,
                "; ".join(d.bid_references),
                d.mitigation,
                long_date(d.declared_on),
            ]
            if several:
                row.append(str(d.round))
            rows.append(row)
        headers = ["Initials", "Name", "Role", "Conflict", "Bids", "Mitigation", "Declared on"]
        widths = [1.5, 2.5, 3.2, 1.7, 1.9, 3.6, 2.2]
        if several:
            headers.append("Round")
            widths = [1.4, 2.3, 3.0, 1.6, 1.8, 3.4, 2.0, 1.1]
        doc.table("The evaluation panel and its declarations", headers, rows, widths, size=8)
    else:
        doc.para(
            "The shortlist records no panel: the scores workbook had no Panel sheet. The "
            "conflicts assessment must be recorded elsewhere.",
            bold=True,
        )
    doc.subheading("Scores not used because of a conflict")
    if report.excluded_scores:
        groups: dict[tuple[str, str, str], list[str]] = {}
        for f in report.excluded_scores:
            message = f.get("message", "")
            who = message.split("'s score", 1)[0] if "'s score" in message else ""
            key = (f.get("bid_reference", ""), f.get("lot", ""), who)
            groups.setdefault(key, []).append(f"{f.get('sheet', '')}!{f.get('cell', '')}")
        names = {d.evaluator: d.name for d in report.panel}
        rows = [
            [
                bid,
                lot,
                f"{who} ({names[who]})" if names.get(who) else who,
                str(len(cells)),
                ", ".join(cells),
            ]
            for (bid, lot, who), cells in groups.items()
        ]
        doc.table(
            "Scores excluded because of an actual conflict (evaluator-conflict)",
            ["Bid", "Lot", "Evaluator", "Scores", "Cells of the scores workbook"],
            rows,
            [2.0, 2.6, 3.4, 1.4, 7.2],
            right=(3,),
            size=8,
        )
    else:
        doc.para("No score was excluded.")
    if report.undeclared:
        doc.para(
            "Evaluators who scored without a declaration on the Panel sheet "
            "(evaluator-undeclared):",
            keep=True,
        )
        doc.bullets([f.get("message", "") for f in report.undeclared])


def _pct(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return f"{text}%"


def _forecast(doc: WordDocument, fc: Forecast, notes: Sequence[str], charts: Any) -> None:
    a = fc.assumptions
    doc.heading("Spend forecast")
    for note in a.notes:
        doc.para(note, bold="ILLUSTRATIVE" in note.upper())
    doc.para(
        f"Today's placements (the utilisation workbook) priced for {a.years} financial years from "
        f"{fc.years[0]}: people × hours per week × 52 × the hourly rate, with people growing "
        f"{_pct(a.growth_pct)} and rates uplifted {_pct(a.uplift_pct)} a year from the second "
        "year. Three scenarios: every placement at the band's ceiling, at the median admitted "
        "price, and at the lowest admitted price; beside them, the same placements at the "
        "previous framework's rates. A session band's hourly rate is its session price ÷ 6."
    )
    for note in (*notes, *(r.note for r in fc.rates if r.note)):
        doc.para(note[:1].upper() + note[1:] + ".", italic=True)
    rows = []
    for rate in fc.rates:
        line = next(u for u in fc.lines if u.band == rate.band)
        rows.append(
            [
                rate.band,
                str(line.people),
                f"{line.hours.normalize():f}",
                *(pounds(rate.hourly[s]) for s in (PREVIOUS, CEILING, MEDIAN, LOWEST)),
            ]
        )
    doc.table(
        "Placements and hourly rates per band",
        [
            "Band",
            "People",
            "Hours a week",
            "Previous £/h",
            "Ceiling £/h",
            "Median £/h",
            "Lowest £/h",
        ],
        rows,
        [2.0, 1.6, 2.2, 2.7, 2.7, 2.7, 2.7],
        right=range(1, 7),
    )
    scenarios = (PREVIOUS, CEILING, MEDIAN, LOWEST)
    rows = [[year, *(pounds(fc.total(s, y)) for s in scenarios)] for y, year in enumerate(fc.years)]
    rows.append(["Total", *(pounds(fc.total(s)) for s in scenarios)])
    number = doc.tables + 1
    doc.figure(
        charts.forecast_chart(fc),
        "Spend a year: the median scenario by band (bars), the ceiling and lowest scenarios "
        "and the previous rates (lines).",
        number,
        tables=2,
    )
    doc.table(
        "Spend per financial year under each scenario",
        ["Year", "Previous rates", "Ceiling", "Median", "Lowest"],
        rows,
        [2.4, 3.55, 3.55, 3.55, 3.55],
        right=range(1, 5),
        bold_last=True,
    )
    bands = [b for b in fc.bands if any(fc.band_amount(MEDIAN, y, b) for y in range(len(fc.years)))]
    rows = [
        [year, *(pounds(fc.band_amount(MEDIAN, y, b)) for b in bands)]
        for y, year in enumerate(fc.years)
    ]
    doc.table(
        "The median scenario by band (the bars of the figure)",
        ["Year", *bands],
        rows,
        [1.9, *([14.6 / max(len(bands), 1)] * len(bands))],
        right=range(1, len(bands) + 1),
        size=8,
    )
    doc.subheading("Against the approved figures")
    rows = []
    if fc.targets is not None:
        tg = fc.targets
        rows.append(
            [
                "Annual spend, first year",
                pounds(tg.annual_spend),
                *(pounds(fc.total(s, 0)) for s in SCENARIOS),
            ]
        )
        rows.append(
            [
                f"Spend over {a.years} years",
                pounds(tg.five_year_value),
                *(pounds(fc.total(s)) for s in SCENARIOS),
            ]
        )
        rows.append(
            [
                f"Saving against the previous rates over {a.years} years",
                pounds(tg.savings_five_years),
                *(pounds(fc.saving(s)) for s in SCENARIOS),
            ]
        )
        doc.table(
            "The forecast beside the figures the framework was approved on (paragraphs 10–12)",
            [
                "",
                "Approved",
                *(
                    SCENARIO_TITLES[s].replace("Every placement at the", "At the")
                    for s in SCENARIOS
                ),
            ],
            rows,
            [4.6, 3.0, 3.0, 3.0, 3.0],
            right=range(1, 5),
        )
    doc.para(forecast_sentence(fc), bold=True)


def _record(
    doc: WordDocument, report: Report, inputs: Sequence[InputRecord], run_at: dt.datetime
) -> None:
    summary = report.shortlist.summary
    doc.heading("Record")
    doc.para(
        "Every file behind the figures of this report, with its SHA-256 fingerprint, so that "
        "they can be traced (Procurement Act 2023 s.98). The report reads only the shortlist "
        "and the files listed under it, and can be regenerated at any time."
    )
    rows = [[i.file, i.status, i.sha256] for i in inputs]
    rows += [
        [clean(r.get("file") or ""), clean(r.get("status") or ""), clean(r.get("sha256") or "")]
        for r in report.shortlist.rows(INPUTS)
        if clean(r.get("status") or "") != "skipped"
    ]
    doc.table(
        "Input files and their SHA-256",
        ["File", "Read as", "SHA-256"],
        rows,
        [4.4, 2.0, 10.2],
        size=7,
        mono=(2,),
    )
    facts = [
        ("Report written by", f"clc-tender {__version__}"),
        ("Report written at", f"{long_date(run_at.date())} at {run_at:%H:%M:%S}"),
        ("Shortlist written by", f"clc-tender {summary.get('clc-tender version', '')}"),
        ("Shortlist run at", moment_text(summary.get("Run at", ""))),
        ("Tender definition SHA-256 (evaluation)", summary.get("Tender definition SHA-256", "")),
        ("Tender definition SHA-256 (this report)", report.tender.sha256),
    ]
    doc.facts(facts, (5.5, 11.0), size=8, grid=True)
