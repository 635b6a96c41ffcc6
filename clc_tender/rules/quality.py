"""Quality: final scores by moderation, the minimum per question and the pass mark."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ..findings import Finding
from ..results import QuestionScore
from ..tender import Tender


@dataclass(frozen=True)
class QualityResult:
    findings: list[Finding]  # every finding (the scores workbook's warnings included)
    rows: list[QuestionScore]
    percent: dict[tuple[int, str], Decimal]  # (bid index, lot) -> Quality %
    by_pair: dict[tuple[int, str], list[Finding]]  # (bid index, lot) -> its quality findings


def quality(
    scores: pd.DataFrame | None,
    scores_file: str,
    pairs: dict[tuple[int, str], tuple[str, str]],
    tender: Tender,
) -> QualityResult:
    """``pairs`` maps (bid index, lot) of this round to (bid reference, file)."""
    q = tender.quality
    findings: list[Finding] = []
    rows: list[QuestionScore] = []
    percent: dict[tuple[int, str], Decimal] = {}
    by_key: dict[tuple[str, str], list[tuple[int, str, str, int | None, str]]] = {}
    if scores is not None:
        for rec in scores.itertuples(index=False):
            by_key.setdefault((str(rec.bid_reference).casefold(), rec.lot), []).append(
                (int(rec.row), rec.question, rec.evaluator, rec.score, "" if rec.comment is None else str(rec.comment))
            )
    known_pairs = {(ref.casefold(), lot) for (_, lot), (ref, _) in pairs.items()}
    question_ids = {qq.id for qq in tender.quality.questions}
    for (ref, lot), entries in by_key.items():
        if (ref, lot) not in known_pairs:
            rows_of = [e[0] for e in entries]
            findings.append(Finding.of(
                scores_file, "Scores", f"A{rows_of[0]}", "score-unused", variant="pair",
                count=len(rows_of), bid=ref.upper(), lot=lot, rows=_rows(rows_of)))
            continue
        unknown: dict[str, list[int]] = {}
        for row, question_id, _evaluator, _score, _comment in entries:
            if question_id not in question_ids:
                unknown.setdefault(str(question_id), []).append(row)
        findings += [
            Finding.of(scores_file, "Scores", f"C{rows_of[0]}", "score-unused", variant="question",
                       question=question_id, rows=_rows(rows_of))
            for question_id, rows_of in unknown.items()
        ]
    by_pair: dict[tuple[int, str], list[Finding]] = {}
    where = scores_file or "(no scores workbook)"
    for (bid, lot), (ref, _file) in pairs.items():
        entries = by_key.get((ref.casefold(), lot), [])
        unscored: list[str] = []
        pending: list[str] = []
        below: list[tuple[str, int]] = []
        finals: dict[str, int] = {}
        by_question: dict[str, list[tuple[int, str, str, int | None, str]]] = {}
        for entry in entries:
            by_question.setdefault(entry[1], []).append(entry)
        for question in q.questions:
            mine = by_question.get(question.id, [])
            moderated = [e for e in mine if str(e[2]).casefold() == q.moderated_evaluator.casefold() and e[3] is not None]
            panel = [e for e in mine if str(e[2]).casefold() != q.moderated_evaluator.casefold() and e[3] is not None]
            shown = "; ".join(f"{e[2]} {e[3]}" for e in panel)
            if moderated:
                final: int | None = moderated[0][3]
                status, comment = "moderated", moderated[0][4]
            elif panel and len({e[3] for e in panel}) == 1:
                final = panel[0][3]
                status = "agreed"
                comment = "; ".join(f"{e[2]}: {e[4]}" for e in panel if e[4])
            elif panel:
                final, status = None, "needs moderation"
                comment = "; ".join(f"{e[2]}: {e[4]}" for e in panel if e[4])
                pending.append(question.id)
            else:
                final, status, comment = None, "not scored", ""
                unscored.append(question.id)
            rows.append(QuestionScore(ref, lot, question.id, question.weight, shown,
                                      moderated[0][3] if moderated else None, final, status, comment))
            if final is not None:
                finals[question.id] = final
                if final < q.min_score:
                    below.append((question.id, final))
        lots = (lot,)
        mine_before = len(findings)
        if below:
            findings.append(Finding.of(where, "Scores", "", "quality-question-below-minimum", bid_reference=ref, lots=lots,
                                       below=tuple(below), minimum=q.min_score, maximum=q.max_score))
        if unscored:
            some = () if len(unscored) == len(q.questions) else tuple(unscored)
            findings.append(Finding.of(where, "Scores", "", "quality-not-scored", bid_reference=ref, lots=lots,
                                       questions=some))
        if pending:
            findings.append(Finding.of(where, "Scores", "", "quality-needs-moderation", bid_reference=ref, lots=lots,
                                       questions=tuple(pending)))
        if len(finals) == len(q.questions):
            total = sum((Decimal(finals[qq.id]) / q.max_score * qq.weight for qq in q.questions), Decimal(0))
            pct = total.quantize(Decimal("0.01"), ROUND_HALF_UP)
            percent[(bid, lot)] = pct
            if total < q.pass_mark_pct:
                findings.append(Finding.of(where, "Scores", "", "quality-below-pass-mark", bid_reference=ref, lots=lots,
                                           pct=pct, pass_mark=q.pass_mark_pct))
        if len(findings) > mine_before:
            by_pair[(bid, lot)] = findings[mine_before:]
    return QualityResult(findings, rows, percent, by_pair)


def _rows(rows: list[int]) -> str:
    return f"{rows[0]}" if len(rows) == 1 else f"{min(rows)}–{max(rows)}"
