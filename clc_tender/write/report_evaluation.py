"""The award report's sections on the evaluation: summary, method, outcomes and the panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..findings import Outcome, long_date
from ..report_model import Report, words
from ..tender import Tender
from .report_text import OUTCOME_WORDS, count, day_text, moment_text, pounds
from .word import TableSpec, WordDocument


def summary_section(doc: WordDocument, report: Report, author: str, today: dt.date) -> None:
    summary = report.shortlist.summary
    doc.heading("Summary")
    lots = report.lots
    total = sum(report.received.get(lot, 0) for lot in lots)
    admitted = sum(count(report, lot, "admitted") for lot in lots)
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
            ("Admitted", lambda lot: count(report, lot, "admitted")),
            ("Referred: decision pending", lambda lot: count(report, lot, "referred")),
            (
                "Not admitted",
                lambda lot: sum(
                    count(report, lot, o.value)
                    for o in (
                        Outcome.LATE,
                        Outcome.NON_COMPLIANT,
                        Outcome.DISQUALIFIED_PRICE,
                        Outcome.FAILED_GATE,
                    )
                ),
            ),
            ("Already on the framework", lambda lot: count(report, lot, "already-admitted")),
            ("Framework members after this round", lambda lot: report.members.get(lot, 0)),
        )
        if label != "Already on the framework"
        or any(count(report, lot, "already-admitted") for lot in lots)
    ]
    doc.table(
        TableSpec(
            f"Round {report.round} at a glance, per lot",
            ["", *lots],
            rows,
            [7.0, *([9.6 / len(lots)] * len(lots))],
            right=range(1, len(lots) + 1),
        )
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


def method_section(doc: WordDocument, report: Report) -> None:
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
    doc.bullets(_gate_bullets(t))
    _method_tables(doc, t)


def _gate_bullets(t: Tender) -> list[str]:
    """One line per gate, with the tender's own thresholds."""
    f, ins, sg, q = t.finance, t.insurance, t.safeguarding, t.quality
    policies = ", ".join(
        p.name + (f" ({', '.join(p.lots)} only)" if len(p.lots) < len(t.lots) else "")
        for p in t.policies
    )
    return [
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


def _method_tables(doc: WordDocument, t: Tender) -> None:
    """The bands with their floor and ceiling, then the quality questions."""
    q = t.quality
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
        TableSpec(
            "The bands, with their floor and ceiling rates (2025/26 price points)",
            ["Band", "Lot", "Staff ratio", "Unit", "Floor", "Ceiling"],
            rows,
            [2.0, 3.6, 3.8, 2.6, 2.3, 2.3],
            right=(4, 5),
        )
    )
    rows = [[qq.id, qq.text, f"{qq.weight}%"] for qq in q.questions]
    doc.table(
        TableSpec(
            f"The quality questions (minimum {q.min_score} of {q.max_score} per question, "
            f"pass mark {q.pass_mark_pct}%)",
            ["Question", "What it asks", "Weight"],
            rows,
            [2.0, 12.4, 2.0],
            right=(2,),
        )
    )


def outcomes_section(doc: WordDocument, report: Report, charts: Any) -> None:
    doc.heading("Outcomes")
    _outcome_counts(doc, report)
    _reasons(doc, report, charts)
    _pending(doc, report)
    _decisions(doc, report)


def _outcome_counts(doc: WordDocument, report: Report) -> None:
    lots = report.lots
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
        [OUTCOME_WORDS[o], o, *(str(count(report, lot, o)) for lot in lots)]
        for o in order
        if o != "already-admitted" or any(count(report, lot, o) for lot in lots)
    ]
    rows.append(["Total", "", *(str(report.received.get(lot, 0)) for lot in lots)])
    doc.table(
        TableSpec(
            "Outcomes of this round's lot bids",
            ["Outcome", "Code", *lots],
            rows,
            [5.2, 3.8, *([7.6 / len(lots)] * len(lots))],
            right=range(2, 2 + len(lots)),
            bold_last=True,
        )
    )


def _reasons(doc: WordDocument, report: Report, charts: Any) -> None:
    lots = report.lots
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
            TableSpec(
                "The reasons that decided each non-admitted outcome",
                ["Reason", "Rule code", *lots, "Total"],
                rows,
                [5.6, 4.6, *([4.4 / len(lots)] * len(lots)), 2.0],
                right=range(2, 3 + len(lots)),
            )
        )
    else:
        doc.para("Every bid of this round was admitted.")


def _pending(doc: WordDocument, report: Report) -> None:
    doc.subheading("Referred bids: decisions pending")
    if report.pending:
        rows = [
            [p.bid_reference, p.organisation, p.lot, p.waiting_for, "\n".join(p.reasons)]
            for p in report.pending
        ]
        doc.table(
            TableSpec(
                "Referred bids and what each is waiting for",
                ["Bid", "Organisation", "Lot", "Waiting for", "Why"],
                rows,
                [2.2, 3.3, 2.4, 3.1, 5.6],
                size=8,
            )
        )
    else:
        doc.para("No bid is waiting for a decision.")


def _decisions(doc: WordDocument, report: Report) -> None:
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
            TableSpec(
                "Officers' decisions on referrals, with officer, date and reason",
                ["Bid", "Lot", "Referral", "Decision", "Officer", "Date", "Reason"],
                rows,
                [1.9, 2.2, 2.6, 1.7, 2.2, 2.0, 4.0],
                size=8,
            )
        )
    else:
        doc.para("No officer's decision was applied in this round.")


def panel_section(doc: WordDocument, report: Report) -> None:
    doc.heading("The evaluation panel")
    doc.para(
        "The panel's declarations of interests (Procurement Act 2023 s.81–83), from the Panel "
        "sheet of the scores workbook. A score given by an evaluator with an actual conflict "
        "for that bid is not used."
    )
    _declarations(doc, report)
    _excluded_scores(doc, report)


def _declarations(doc: WordDocument, report: Report) -> None:
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
        doc.table(
            TableSpec("The evaluation panel and its declarations", headers, rows, widths, size=8)
        )
    else:
        doc.para(
            "The shortlist records no panel: the scores workbook had no Panel sheet. The "
            "conflicts assessment must be recorded elsewhere.",
            bold=True,
        )


def _excluded_scores(doc: WordDocument, report: Report) -> None:
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
            TableSpec(
                "Scores excluded because of an actual conflict (evaluator-conflict)",
                ["Bid", "Lot", "Evaluator", "Scores", "Cells of the scores workbook"],
                rows,
                [2.0, 2.6, 3.4, 1.4, 7.2],
                right=(3,),
                size=8,
            )
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
