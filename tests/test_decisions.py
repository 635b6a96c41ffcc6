"""Officer decisions on referrals (--decisions)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_decisions, write_scores

from .conftest import agreed_scores

runner = CliRunner()
DS, PA = "Day Services", "Personal Assistants"
DAY = dt.date(2026, 4, 2)


@pytest.fixture
def round1(tmp_path: Path, tender: Tender) -> tuple[Path, Path]:
    folder = tmp_path / "bids"
    folder.mkdir()
    concerns = valid_bid(tender, "D-1", lots=[DS], seed=1)
    concerns.compliance["Substantiated safeguarding concerns in last 12 months"] = 1
    both = valid_bid(tender, "D-2", lots=[PA], seed=2)
    both.compliance["Discretionary exclusion grounds apply"] = "Yes"
    both.compliance["Annual turnover (£)"] = 20_000
    failed = valid_bid(tender, "D-3", lots=[DS], seed=3)
    failed.compliance["Employer's liability cover (£)"] = 1_000_000
    for name, spec in (("d1.xlsx", concerns), ("d2.xlsx", both), ("d3.xlsx", failed)):
        write_bid(spec, folder / name)
    scores = tmp_path / "scores.xlsx"
    write_scores(agreed_scores([("D-1", DS), ("D-2", PA), ("D-3", DS)], tender), scores)
    return folder, scores


def evaluate(
    tmp_path: Path, folder: Path, scores: Path, decisions: list[tuple]
) -> tuple[object, Path]:
    path = tmp_path / "decisions.xlsx"
    write_decisions(decisions, path)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(folder),
            "--scores",
            str(scores),
            "--decisions",
            str(path),
            "--out",
            str(out),
            "--force",
        ],
    )
    return result, out


def outcomes(out: Path) -> dict[str, dict]:
    ws = openpyxl.load_workbook(out)["Outcomes"]
    data = list(ws.iter_rows(values_only=True))
    return {r[0]: dict(zip(data[0], r, strict=False)) for r in data[1:]}


def test_accept_clears_referral_reject_fails_with_reason(
    tmp_path: Path, round1: tuple[Path, Path]
) -> None:
    folder, scores = round1
    result, out = evaluate(
        tmp_path,
        folder,
        scores,
        [
            (
                "D-1",
                DS,
                "safeguarding-concerns",
                "accept",
                "Concern was a single incident, fully investigated",
                "A. Patel",
                DAY,
            ),
            (
                "D-2",
                PA,
                "discretionary-exclusion",
                "accept",
                "Supplier heard on 1 April; self-cleaning shown",
                "A. Patel",
                DAY,
            ),
            (
                "D-2",
                PA,
                "finance-turnover",
                "reject",
                "No evidence of financial standing after clarification",
                "B. Jones",
                DAY,
            ),
        ],
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    rows = outcomes(out)
    assert rows["D-1"]["Outcome"] == "admitted" and not rows["D-1"]["Reasons"]
    assert (
        "safeguarding-concerns: accepted by A. Patel on 2026-04-02: Concern was a single incident"
        in rows["D-1"]["Decisions"]
    )
    assert rows["D-2"]["Outcome"] == "failed-gate"
    assert rows["D-2"]["Reasons"].startswith("finance-turnover:")
    assert "No evidence of financial standing after clarification" in rows["D-2"]["Reasons"]
    assert "discretionary-exclusion" not in rows["D-2"]["Reasons"]
    assert len(rows["D-2"]["Decisions"].splitlines()) == 2
    assert "still being considered" not in (rows["D-2"]["Letter reasons"] or "")
    assert "No evidence of financial standing" in rows["D-2"]["Letter reasons"]


def test_accept_one_of_two_referrals_stays_referred(
    tmp_path: Path, round1: tuple[Path, Path]
) -> None:
    folder, scores = round1
    result, out = evaluate(
        tmp_path,
        folder,
        scores,
        [
            ("D-2", PA, "discretionary-exclusion", "accept", "Supplier heard", "A. Patel", DAY),
        ],
    )
    assert result.exit_code == 0  # type: ignore[attr-defined]
    row = outcomes(out)["D-2"]
    assert row["Outcome"] == "referred" and row["Reasons"].startswith("finance-turnover")


def test_unused_decision_is_warned_and_cannot_overturn_a_failed_gate(
    tmp_path: Path, round1: tuple[Path, Path]
) -> None:
    folder, scores = round1
    result, out = evaluate(
        tmp_path,
        folder,
        scores,
        [
            (
                "D-3",
                DS,
                "insurance-employers-liability",
                "accept",
                "Broker letter",
                "A. Patel",
                DAY,
            ),
            (
                "D-1",
                DS,
                "finance-turnover",
                "accept",
                "Not a referral of this bid",
                "A. Patel",
                DAY,
            ),
        ],
    )
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert outcomes(out)["D-3"]["Outcome"] == "failed-gate"
    wb = openpyxl.load_workbook(out)
    unused = [
        r
        for r in wb["Findings"].iter_rows(min_row=2, values_only=True)
        if r[4] == "decision-unused"
    ]
    assert [(r[0], r[1], r[2], r[3]) for r in unused] == [
        ("decisions.xlsx", "Decisions", "C2", "warning"),
        ("decisions.xlsx", "Decisions", "C3", "warning"),
    ]
    inputs = {r[0]: r for r in wb["Inputs"].iter_rows(min_row=2, values_only=True)}
    digest = hashlib.sha256((tmp_path / "decisions.xlsx").read_bytes()).hexdigest()
    entry = inputs[str(tmp_path / "decisions.xlsx")]
    assert entry[2] == digest and entry[3] == "decisions"


@pytest.mark.parametrize(
    ("row", "cell"),
    [
        (("D-1", DS, "safeguarding-concerns", "accept", "", "A. Patel", DAY), "Decisions!E2"),
        (("D-1", DS, "safeguarding-concerns", "approve", "ok", "A. Patel", DAY), "Decisions!D2"),
        (("D-9", DS, "safeguarding-concerns", "accept", "ok", "A. Patel", DAY), "Decisions!A2"),
        (
            ("D-1", "Home care", "safeguarding-concerns", "accept", "ok", "A. Patel", DAY),
            "Decisions!B2",
        ),
        (("D-1", DS, None, "accept", "ok", "A. Patel", DAY), "Decisions!C2"),
    ],
    ids=["empty-reason", "unknown-word", "unknown-bid", "unknown-lot", "blank-code"],
)
def test_malformed_decisions_exit_2_naming_the_cell(
    tmp_path: Path, round1: tuple[Path, Path], row: tuple, cell: str
) -> None:
    folder, scores = round1
    result, out = evaluate(tmp_path, folder, scores, [row])
    assert result.exit_code == 2  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert cell in stderr and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_two_decisions_on_one_referral_exit_2(tmp_path: Path, round1: tuple[Path, Path]) -> None:
    folder, scores = round1
    row = ("D-1", DS, "safeguarding-concerns", "accept", "ok", "A. Patel", DAY)
    result, _ = evaluate(tmp_path, folder, scores, [row, row])
    assert result.exit_code == 2 and "Decisions!A3" in result.stderr  # type: ignore[attr-defined]


def test_quality_referrals_are_settled_by_scores_not_decisions(
    tmp_path: Path, round1: tuple[Path, Path], tender: Tender
) -> None:
    folder, _ = round1
    scores = tmp_path / "partial.xlsx"
    write_scores(agreed_scores([("D-1", DS), ("D-3", DS)], tender), scores)  # D-2 not scored
    result, out = evaluate(
        tmp_path,
        folder,
        scores,
        [
            ("D-2", PA, "quality-not-scored", "accept", "Panel ran out of time", "A. Patel", DAY),
            (
                "D-2",
                PA,
                "Discretionary-Exclusion",
                "accept",
                "Supplier heard",
                "A. Patel",
                DAY,
            ),  # any case
        ],
    )
    assert result.exit_code == 0  # type: ignore[attr-defined]
    row = outcomes(out)["D-2"]
    assert row["Outcome"] == "referred"
    assert (
        "quality-not-scored" in row["Reasons"] and "discretionary-exclusion" not in row["Reasons"]
    )
    assert "discretionary-exclusion: accepted by A. Patel" in row["Decisions"]
    wb = openpyxl.load_workbook(out)
    unused = [
        r
        for r in wb["Findings"].iter_rows(min_row=2, values_only=True)
        if r[4] == "decision-unused"
    ]
    assert len(unused) == 1 and "scores" in unused[0][5] and unused[0][6] == "D-2"
