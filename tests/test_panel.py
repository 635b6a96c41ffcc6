"""The evaluation panel's declarations of interests (report.md): the scores workbook's Panel
sheet, scores given under an actual conflict excluded, undeclared evaluators, the shortlist's
Panel sheet kept per round by reopen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.errors import InputError
from clc_tender.evaluate import RoundContext, evaluate
from clc_tender.read.frames import read_folder
from clc_tender.read.panel import read_panel, read_scores
from clc_tender.results import Evaluation
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_scores
from clc_tender.workbook_format import load_format
from clc_tender.write.shortlist import write_shortlist

from .conftest import codes, outcome

DS, PA = "Day Services", "Personal Assistants"
DAY = dt.date(2026, 3, 23)
runner = CliRunner()


def declaration(
    evaluator: str,
    conflict: str = "None",
    bids: str = "",
    mitigation: str = "",
    declared: object = DAY,
) -> tuple:
    return (evaluator, f"Name of {evaluator}", "Evaluator", conflict, bids, mitigation, declared)


def scored(
    tender: Tender,
    ref: str,
    lot: str,
    evaluator: str,
    score: int,
    questions: list[str] | None = None,
) -> list[tuple]:
    wanted = questions or [q.id for q in tender.quality.questions]
    return [(ref, lot, q, evaluator, score, f"{evaluator} on {q}") for q in wanted]


def run_round(
    tmp_path: Path, tender: Tender, scores: list[tuple], panel: list[tuple] | None
) -> Evaluation:
    folder = tmp_path / "bids"
    folder.mkdir(exist_ok=True)
    write_bid(valid_bid(tender, "A-1", lots=[DS], seed=1), folder / "a.xlsx")
    write_bid(valid_bid(tender, "B-2", lots=[DS], seed=2), folder / "b.xlsx")
    path = tmp_path / "scores.xlsx"
    write_scores(scores, path, panel=panel)
    fmt = load_format(tender)
    context = RoundContext(
        scores=read_scores(path, tender).frame,
        scores_file=path.name,
        panel=read_panel(path, tender),
    )
    return evaluate(read_folder(folder, tender, fmt), tender, fmt, context)


def both_agree(tender: Tender) -> list[tuple]:
    return [
        *scored(tender, "A-1", DS, "JM", 4),
        *scored(tender, "A-1", DS, "AK", 4),
        *scored(tender, "B-2", DS, "JM", 4),
        *scored(tender, "B-2", DS, "AK", 4),
    ]


def test_scores_under_an_actual_conflict_are_excluded(tmp_path: Path, tender: Tender) -> None:
    scores = [*both_agree(tender), *scored(tender, "A-1", DS, "RS", 1)]
    panel = [declaration("JM"), declaration("AK"), declaration("RS", "Actual", "a-1; Z-9")]
    ev = run_round(tmp_path, tender, scores, panel)
    a = outcome(ev, "A-1", DS)
    assert a.outcome.value == "admitted" and str(a.quality_pct) == "80.00"
    conflicts = [f for f in ev.findings if f.code == "evaluator-conflict"]
    assert len(conflicts) == len(tender.quality.questions)
    # RS's rows follow the 24 agreed rows: Scores rows 26..31, the Score column E
    assert sorted(f.cell for f in conflicts) == sorted(f"E{r}" for r in range(26, 32))
    assert {f.sheet for f in conflicts} == {"Scores"} and {f.bid_reference for f in conflicts} == {
        "A-1"
    }
    rows = [q for q in ev.quality_rows if q.bid_reference == "A-1"]
    assert all(q.excluded == "RS 1 (actual conflict declared)" for q in rows)
    assert all("RS" not in q.scores and "RS" not in q.comment for q in rows)
    assert all(q.excluded == "" for q in ev.quality_rows if q.bid_reference == "B-2")


def test_without_the_declaration_the_same_scores_count(tmp_path: Path, tender: Tender) -> None:
    scores = [*both_agree(tender), *scored(tender, "A-1", DS, "RS", 1)]
    ev = run_round(
        tmp_path, tender, scores, [declaration("JM"), declaration("AK"), declaration("RS")]
    )
    assert codes(outcome(ev, "A-1", DS)) == ["quality-needs-moderation"]
    assert not [f for f in ev.findings if f.code == "evaluator-conflict"]


def test_exclusion_leaving_a_question_unscored_refers_the_bid(
    tmp_path: Path, tender: Tender
) -> None:
    others = [q.id for q in tender.quality.questions][1:]
    scores = [
        *scored(tender, "A-1", DS, "JM", 4, others),
        *scored(tender, "A-1", DS, "RS", 4, ["Q1"]),
        *scored(tender, "B-2", DS, "JM", 4),
    ]
    ev = run_round(
        tmp_path, tender, scores, [declaration("JM"), declaration("RS", "Actual", "A-1")]
    )
    a = outcome(ev, "A-1", DS)
    assert a.outcome.value == "referred" and codes(a) == ["quality-not-scored"]
    assert "Q1" in a.reasons[0].message
    q1 = next(q for q in ev.quality_rows if q.bid_reference == "A-1" and q.question == "Q1")
    assert q1.status == "not scored" and q1.excluded.startswith("RS 4")
    assert outcome(ev, "B-2", DS).outcome.value == "admitted"


def test_potential_conflict_keeps_the_scores(tmp_path: Path, tender: Tender) -> None:
    scores = both_agree(tender)
    panel = [declaration("JM"), declaration("AK", "Potential", "A-1", "Chair reviews AK's scores")]
    ev = run_round(tmp_path, tender, scores, panel)
    assert outcome(ev, "A-1", DS).outcome.value == "admitted"
    assert not [f for f in ev.findings if f.code.startswith("evaluator-")]


def test_evaluator_not_on_the_panel_is_undeclared(tmp_path: Path, tender: Tender) -> None:
    ev = run_round(tmp_path, tender, both_agree(tender), [declaration("JM")])
    undeclared = [f for f in ev.findings if f.code == "evaluator-undeclared"]
    assert len(undeclared) == 1
    assert undeclared[0].cell == "D8" and "AK" in undeclared[0].message  # AK's first row
    assert undeclared[0].severity.value == "warning"
    assert outcome(ev, "A-1", DS).outcome.value == "admitted"


def test_no_panel_sheet_no_panel_warnings(tmp_path: Path, tender: Tender) -> None:
    ev = run_round(tmp_path, tender, both_agree(tender), None)
    assert not [f for f in ev.findings if f.code.startswith("evaluator-")]
    assert ev.panel == ()


@pytest.mark.parametrize(
    ("row", "cell", "words"),
    [
        (declaration("RS", declared=None), "Panel!G3", "blank"),
        (declaration("RS", declared="next week"), "Panel!G3", "not a date"),
        (declaration("RS", "Actual"), "Panel!E3", "bid references"),
        (declaration("RS", "Potential", "A-1"), "Panel!F3", "mitigation"),
        (declaration("RS", "Maybe"), "Panel!D3", "None, Potential, Actual"),
        (declaration("JM"), "Panel!A3", "twice"),
    ],
)
def test_malformed_panel_stops_naming_the_cell(
    tmp_path: Path, tender: Tender, row: tuple, cell: str, words: str
) -> None:
    path = tmp_path / "scores.xlsx"
    write_scores(scored(tender, "A-1", DS, "JM", 4), path, panel=[declaration("JM"), row])
    with pytest.raises(InputError) as caught:
        read_panel(path, tender)
    assert caught.value.place == cell and words in str(caught.value)


def test_missing_declaration_date_exit_2_one_line(tmp_path: Path, tender: Tender) -> None:
    folder = tmp_path / "bids"
    folder.mkdir()
    write_bid(valid_bid(tender, "A-1", lots=[DS], seed=1), folder / "a.xlsx")
    path = tmp_path / "scores.xlsx"
    write_scores(scored(tender, "A-1", DS, "JM", 4), path, panel=[declaration("JM", declared=None)])
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(path), "--out", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "Panel!G2" in result.stderr
    assert not (tmp_path / "s.xlsx").exists()


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    data = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    return [dict(zip(data[0], r, strict=False)) for r in data[1:]]


def test_shortlist_panel_sheet(tmp_path: Path, tender: Tender) -> None:
    scores = [*both_agree(tender), *scored(tender, "A-1", DS, "RS", 1)]
    panel = [
        declaration("JM"),
        declaration("AK", "Potential", "B-2", "Chair reviews"),
        declaration("RS", "Actual", "A-1", ""),
    ]
    ev = run_round(tmp_path, tender, scores, panel)
    out = tmp_path / "shortlist.xlsx"
    write_shortlist(ev, out)
    wb = openpyxl.load_workbook(out)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible[-1] == "Panel" and visible.index("Panel") > visible.index("PA coverage")
    header = [c.value for c in wb["Panel"][1]]
    assert header == [
        "Evaluator",
        "Name",
        "Role",
        "Conflict",
        "Bid references",
        "Mitigation",
        "Declared on",
        "Round",
    ]
    rows = sheet_rows(out, "Panel")
    assert [(r["Evaluator"], r["Conflict"], r["Bid references"], r["Round"]) for r in rows] == [
        ("JM", "None", None, 1),
        ("AK", "Potential", "B-2", 1),
        ("RS", "Actual", "A-1", 1),
    ]
    assert rows[0]["Declared on"] == "2026-03-23" and rows[1]["Mitigation"] == "Chair reviews"
    quality = sheet_rows(out, "Quality")
    assert {r["Excluded scores"] for r in quality if r["Bid reference"] == "A-1"} == {
        "RS 1 (actual conflict declared)"
    }


def test_reopen_keeps_each_rounds_panel(tmp_path: Path, tender: Tender) -> None:
    r1 = tmp_path / "r1"
    r1.mkdir()
    write_bid(
        valid_bid(tender, "A-1", lots=[DS], seed=1, companies_house="11111111"), r1 / "a.xlsx"
    )
    s1 = tmp_path / "s1.xlsx"
    write_scores(scored(tender, "A-1", DS, "JM", 4), s1, panel=[declaration("JM")])
    out1 = tmp_path / "shortlist.xlsx"
    result = runner.invoke(app, ["evaluate", str(r1), "--scores", str(s1), "--out", str(out1)])
    assert result.exit_code == 0, result.output
    r2 = tmp_path / "r2"
    r2.mkdir()
    later = tender.deadline.replace(year=2027, month=9, day=17)
    import dataclasses

    spec = valid_bid(
        dataclasses.replace(tender, deadline=later),
        "B-2",
        lots=[PA],
        seed=2,
        companies_house="22222222",
    )
    write_bid(spec, r2 / "b.xlsx")
    s2 = tmp_path / "s2.xlsx"
    write_scores(
        scored(tender, "B-2", PA, "KL", 4),
        s2,
        panel=[declaration("KL", declared=dt.date(2027, 9, 20))],
    )
    out2 = tmp_path / "round2.xlsx"
    result = runner.invoke(
        app,
        [
            "reopen",
            str(r2),
            "--register",
            str(out1),
            "--deadline",
            "2027-09-17T12:00",
            "--scores",
            str(s2),
            "--out",
            str(out2),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = sheet_rows(out2, "Panel")
    assert [(r["Evaluator"], r["Round"], r["Declared on"]) for r in rows] == [
        ("JM", 1, "2026-03-23"),
        ("KL", 2, "2027-09-20"),
    ]
