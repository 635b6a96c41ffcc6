"""Quality: final scores by moderation, the minimum per question and the pass mark."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pandas as pd

from ..findings import Finding
from ..results import QuestionScore
from ..tender import Quality, Tender

if TYPE_CHECKING:
    from ..read.panel import Panel
    from ..results import Declaration


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
    declared_panel: Panel | None = None,
) -> QualityResult:
    """``pairs`` maps (bid index, lot) of this round to (bid reference, file).

    With a ``declared_panel`` (the scores workbook's declarations), a score given by an
    evaluator who declared an actual conflict for that bid is not used (``evaluator-conflict``
    names its cell), and an evaluator on ``Scores`` not on the panel is ``evaluator-undeclared``.
    """
    q = tender.quality
    sheet = _Sheet.of(scores, scores_file, declared_panel)
    findings: list[Finding] = []
    if scores is not None and declared_panel is not None and declared_panel.present:
        findings += _undeclared(scores, scores_file, declared_panel, q.moderated_evaluator)
    findings += _unused_scores(sheet, pairs, tender)
    rows: list[QuestionScore] = []
    conflicts: list[Finding] = []
    percent: dict[tuple[int, str], Decimal] = {}
    by_pair: dict[tuple[int, str], list[Finding]] = {}
    where = scores_file or "(no scores workbook)"
    for (bid, lot), (ref, _file) in pairs.items():
        scored = _score_pair(sheet, ref, lot, q)
        rows += scored.rows
        conflicts += scored.conflicts
        mine, pct = _pair_findings(where, ref, lot, q, scored)
        if pct is not None:
            percent[(bid, lot)] = pct
        findings += mine
        if mine:
            by_pair[(bid, lot)] = mine
    return QualityResult(findings + conflicts, rows, percent, by_pair)


Entry = tuple[int, str, str, int | None, str]  # Scores row, question, evaluator, score, comment


@dataclass(frozen=True)
class _Sheet:
    """The Scores sheet: entries by (bid reference casefolded, lot), each row's Score cell,
    and the panel's declarations by evaluator (casefolded)."""

    file: str
    by_key: dict[tuple[str, str], list[Entry]]
    cells: dict[int, str]
    declared: dict[str, Declaration]

    @classmethod
    def of(cls, scores: pd.DataFrame | None, file: str, panel: Panel | None) -> _Sheet:
        by_key: dict[tuple[str, str], list[Entry]] = {}
        cells: dict[int, str] = {}
        if scores is not None:
            score_cells = (
                scores["score_cell"].tolist()
                if "score_cell" in scores.columns
                else [f"E{int(row)}" for row in scores["row"].tolist()]
            )
            for ref, lot, row, question, evaluator, score, comment, cell in zip(
                scores["bid_reference"].tolist(),
                scores["lot"].tolist(),
                scores["row"].tolist(),
                scores["question"].tolist(),
                scores["evaluator"].tolist(),
                scores["score"].tolist(),
                scores["comment"].tolist(),
                score_cells,
                strict=True,
            ):  # columns zipped: no tuple made per row of a 186,000-row sheet
                by_key.setdefault((str(ref).casefold(), lot), []).append(
                    (int(row), question, evaluator, score, "" if comment is None else str(comment))
                )
                cells[int(row)] = str(cell)
        declared = {d.evaluator.casefold(): d for d in panel.declarations} if panel else {}
        return cls(file, by_key, cells, declared)


def _unused_scores(
    sheet: _Sheet, pairs: dict[tuple[int, str], tuple[str, str]], tender: Tender
) -> list[Finding]:
    """``score-unused``: scores for a (bid, lot) not in this round, or for an unknown question."""
    findings: list[Finding] = []
    known_pairs = {(ref.casefold(), lot) for (_, lot), (ref, _) in pairs.items()}
    question_ids = {qq.id for qq in tender.quality.questions}
    for (ref, lot), entries in sheet.by_key.items():
        if (ref, lot) not in known_pairs:
            rows_of = [e[0] for e in entries]
            findings.append(
                Finding.of(
                    sheet.file,
                    "Scores",
                    f"A{rows_of[0]}",
                    "score-unused",
                    variant="pair",
                    count=len(rows_of),
                    bid=ref.upper(),
                    lot=lot,
                    rows=_rows(rows_of),
                )
            )
            continue
        unknown: dict[str, list[int]] = {}
        for row, question_id, _evaluator, _score, _comment in entries:
            if question_id not in question_ids:
                unknown.setdefault(str(question_id), []).append(row)
        findings += [
            Finding.of(
                sheet.file,
                "Scores",
                f"C{rows_of[0]}",
                "score-unused",
                variant="question",
                question=question_id,
                rows=_rows(rows_of),
            )
            for question_id, rows_of in unknown.items()
        ]
    return findings


@dataclass(frozen=True)
class _PairScores:
    """One (bid, lot)'s questions: their rows, and what its findings are made of."""

    rows: list[QuestionScore] = field(default_factory=list)
    conflicts: list[Finding] = field(default_factory=list)  # evaluator-conflict, one per score
    finals: dict[str, int] = field(default_factory=dict)  # question -> final score
    unscored: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # questions needing moderation
    below: list[tuple[str, int]] = field(default_factory=list)  # (question, final) below minimum


def _score_pair(sheet: _Sheet, ref: str, lot: str, q: Quality) -> _PairScores:
    """Each question's final score for one (bid, lot), conflicted evaluators' scores set aside."""
    scored = _PairScores()
    by_question, excluded = _admissible(sheet, ref, lot, scored.conflicts)
    for question in q.questions:
        shown, moderated, final, status, comment = _final(
            by_question.get(question.id, []), q.moderated_evaluator
        )
        if status == "needs moderation":
            scored.pending.append(question.id)
        elif status == "not scored":
            scored.unscored.append(question.id)
        scored.rows.append(
            QuestionScore(
                ref,
                lot,
                question.id,
                question.weight,
                shown,
                moderated,
                final,
                status,
                comment,
                "; ".join(excluded.get(question.id, [])),
            )
        )
        if final is not None:
            scored.finals[question.id] = final
            if final < q.min_score:
                scored.below.append((question.id, final))
    return scored


def _admissible(
    sheet: _Sheet, ref: str, lot: str, conflicts: list[Finding]
) -> tuple[dict[str, list[Entry]], dict[str, list[str]]]:
    """The (bid, lot)'s entries by question, but for scores of an evaluator who declared an
    actual conflict for the bid: those are listed by question and reported in ``conflicts``."""
    by_question: dict[str, list[Entry]] = {}
    excluded: dict[str, list[str]] = {}
    for entry in sheet.by_key.get((ref.casefold(), lot), []):
        who = sheet.declared.get(str(entry[2]).casefold())
        if who is not None and entry[3] is not None and who.conflicted(ref):
            excluded.setdefault(entry[1], []).append(
                f"{entry[2]} {entry[3]} (actual conflict declared)"
            )
            conflicts.append(
                Finding.of(
                    sheet.file,
                    "Scores",
                    sheet.cells.get(entry[0], ""),
                    "evaluator-conflict",
                    bid_reference=ref,
                    lots=(lot,),
                    evaluator=entry[2],
                    score=entry[3],
                    bid=ref,
                    lot=lot,
                    question=entry[1],
                    name=who.name or entry[2],
                    panel_row=who.row,
                )
            )
            continue
        by_question.setdefault(entry[1], []).append(entry)
    return by_question, excluded


def _final(
    mine: list[Entry], moderated_evaluator: str
) -> tuple[str, int | None, int | None, str, str]:
    """(panel's scores shown, moderated score, final score, status, comment) of one question:
    the moderated score if any, else the panel's when they agree."""
    name = moderated_evaluator.casefold()
    moderated = [e for e in mine if str(e[2]).casefold() == name and e[3] is not None]
    panel = [e for e in mine if str(e[2]).casefold() != name and e[3] is not None]
    shown = "; ".join(f"{e[2]} {e[3]}" for e in panel)
    remarks = "; ".join(f"{e[2]}: {e[4]}" for e in panel if e[4])
    if moderated:
        return shown, moderated[0][3], moderated[0][3], "moderated", moderated[0][4]
    if panel and len({e[3] for e in panel}) == 1:
        return shown, None, panel[0][3], "agreed", remarks
    if panel:
        return shown, None, None, "needs moderation", remarks
    return shown, None, None, "not scored", ""


def _pair_findings(
    where: str, ref: str, lot: str, q: Quality, scored: _PairScores
) -> tuple[list[Finding], Decimal | None]:
    """The (bid, lot)'s quality findings, and its Quality % when every question has a final."""
    lots = (lot,)
    found = _question_findings(where, ref, lots, q, scored)
    if len(scored.finals) != len(q.questions):
        return found, None
    total = sum(
        (Decimal(scored.finals[qq.id]) / q.max_score * qq.weight for qq in q.questions), Decimal(0)
    )
    pct = total.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if total < q.pass_mark_pct:
        found.append(
            Finding.of(
                where,
                "Scores",
                "",
                "quality-below-pass-mark",
                bid_reference=ref,
                lots=lots,
                pct=pct,
                pass_mark=q.pass_mark_pct,
            )
        )
    return found, pct


def _question_findings(
    where: str, ref: str, lots: tuple[str, ...], q: Quality, scored: _PairScores
) -> list[Finding]:
    """Questions scored below the minimum, not scored, or still needing moderation."""
    found: list[Finding] = []
    if scored.below:
        found.append(
            Finding.of(
                where,
                "Scores",
                "",
                "quality-question-below-minimum",
                bid_reference=ref,
                lots=lots,
                below=tuple(scored.below),
                minimum=q.min_score,
                maximum=q.max_score,
            )
        )
    if scored.unscored:
        some = () if len(scored.unscored) == len(q.questions) else tuple(scored.unscored)
        found.append(
            Finding.of(
                where,
                "Scores",
                "",
                "quality-not-scored",
                bid_reference=ref,
                lots=lots,
                questions=some,
            )
        )
    if scored.pending:
        found.append(
            Finding.of(
                where,
                "Scores",
                "",
                "quality-needs-moderation",
                bid_reference=ref,
                lots=lots,
                questions=tuple(scored.pending),
            )
        )
    return found


def _undeclared(
    scores: pd.DataFrame, scores_file: str, panel: Panel, moderated: str
) -> list[Finding]:
    """One ``evaluator-undeclared`` per evaluator on Scores who is not on the Panel sheet."""
    known = {d.evaluator.casefold() for d in panel.declarations} | {moderated.casefold()}
    first: dict[str, tuple[str, list[int]]] = {}
    for rec in scores.itertuples(index=False):
        name = str(rec.evaluator)
        if name.casefold() in known:
            continue
        cell = str(getattr(rec, "evaluator_cell", f"D{int(rec.row)}"))
        first.setdefault(name.casefold(), (cell, []))[1].append(int(rec.row))
    names = {
        str(rec.evaluator).casefold(): str(rec.evaluator) for rec in scores.itertuples(index=False)
    }
    return [
        Finding.of(
            scores_file,
            "Scores",
            cell,
            "evaluator-undeclared",
            evaluator=names[key],
            rows=_rows(rows_of),
        )
        for key, (cell, rows_of) in first.items()
    ]


def _rows(rows: list[int]) -> str:
    return f"{rows[0]}" if len(rows) == 1 else f"{min(rows)}–{max(rows)}"
