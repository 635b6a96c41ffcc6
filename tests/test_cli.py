"""The command line: exit codes, one stderr line without traceback, --json, output safety."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.evaluate import RoundContext, evaluate, to_json
from clc_tender.read.frames import read_folder
from clc_tender.read.panel import read_scores
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import Text, valid_bid, write_bid
from clc_tender.testing.officers import write_scores
from clc_tender.workbook_format import Format

from .conftest import agreed_scores

runner = CliRunner()
DS, PA = "Day Services", "Personal Assistants"


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def bids(tmp_path: Path, tender: Tender) -> tuple[Path, Path]:
    folder = tmp_path / "bids"
    folder.mkdir()
    good = valid_bid(tender, "CLC26-001", seed=1)
    good.bidder["Organisation name"] = Text('=HYPERLINK("http://example.com","Click")')
    write_bid(good, folder / "good.xlsx")
    bad = valid_bid(tender, "CLC26-002", lots=[DS], seed=2)
    bad.prices["Band 1"] = 49.43
    write_bid(bad, folder / "bad.xlsx")
    (folder / "broken.xlsx").write_bytes(b"this is not a workbook")
    (folder / "README.txt").write_text("notes")
    scores = tmp_path / "scores.xlsx"
    write_scores(
        agreed_scores([("CLC26-001", DS), ("CLC26-001", PA), ("CLC26-002", DS)], tender), scores
    )
    return folder, scores


def _one_line_error(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and "Traceback" not in result.stdout  # type: ignore[attr-defined]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("evaluate", "reopen", "letters", "template", "check"):
        assert command in result.stdout


def test_evaluate_writes_shortlist_and_exits_0_on_failing_bids(
    bids: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, scores = bids
    before = _digest(tmp_path)
    out = tmp_path / "shortlist.xlsx"
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Shortlist written to" in result.stdout
    assert _digest(tmp_path) == {**before, "shortlist.xlsx": _digest(tmp_path)["shortlist.xlsx"]}
    wb = openpyxl.load_workbook(out)
    rows = list(wb["Outcomes"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("CLC26-001", DS, "admitted"),
        ("CLC26-001", PA, "admitted"),
        ("CLC26-002", DS, "disqualified-price"),
        ("", None, "non-compliant"),
    ] or [(r[0] or "", r[2] or "", r[3]) for r in rows] == [
        ("CLC26-001", DS, "admitted"),
        ("CLC26-001", PA, "admitted"),
        ("CLC26-002", DS, "disqualified-price"),
        ("", "", "non-compliant"),
    ]
    # what the bidder typed stays inert text
    cell = wb["Outcomes"]["B2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    bidders = wb["Bidders"]
    assert all(c.data_type != "f" for row in bidders.iter_rows() for c in row)
    # skipped files appear only in Inputs
    inputs = {r[0]: r[3] for r in wb["Inputs"].iter_rows(min_row=2, values_only=True)}
    assert inputs["README.txt"] == "skipped" and inputs[str(scores)] == "scores"
    assert all("README.txt" not in str(r) for r in rows)


def test_same_inputs_same_cells(bids: tuple[Path, Path], tmp_path: Path) -> None:
    folder, scores = bids
    values = []
    for name in ("a.xlsx", "b.xlsx"):
        out = tmp_path / name
        assert (
            runner.invoke(
                app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(out)]
            ).exit_code
            == 0
        )
        wb = openpyxl.load_workbook(out)
        values.append(
            {
                ws.title: [row for row in ws.iter_rows(values_only=True) if row[0] != "Run at"]
                for ws in wb.worksheets
            }
        )
    assert values[0] == values[1]


def test_json_equals_library_result(
    bids: tuple[Path, Path], tmp_path: Path, tender: Tender, fmt: Format
) -> None:
    folder, scores = bids
    out = tmp_path / "s.xlsx"
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    ev = evaluate(
        read_folder(folder, tender, fmt),
        tender,
        fmt,
        RoundContext(scores=read_scores(scores, tender).frame, scores_file=scores.name),
    )
    assert printed == to_json(ev, str(out))
    assert printed["outcomes"][2]["prices"]["Band 1"] == "49.43"
    assert printed["outcomes"][2]["reasons"][0]["code"] == "price-above-ceiling"


def test_missing_folder_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such folder" in _one_line_error(result)


def test_existing_output_needs_force(bids: tuple[Path, Path], tmp_path: Path) -> None:
    folder, scores = bids
    out = tmp_path / "shortlist.xlsx"
    out.write_bytes(b"precious")
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "--force" in _one_line_error(result)
    assert out.read_bytes() == b"precious"
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(out), "--force"]
    )
    assert result.exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_malformed_scores_exit_2_naming_cell(
    bids: tuple[Path, Path], tmp_path: Path, tender: Tender
) -> None:
    folder, _ = bids
    scores = tmp_path / "bad-scores.xlsx"
    write_scores(
        [("CLC26-001", DS, "Q1", "JM", 4, ""), ("CLC26-001", DS, "Q2", "JM", 7, "")], scores
    )
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "Scores!E3" in line and "bad-scores.xlsx" in line
    assert not (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize(
    ("rows", "cell"),
    [
        ([("CLC26-001", "Lot 9", "Q1", "JM", 4, "")], "Scores!B2"),
        ([("CLC26-001", DS, "Q1", "JM", 4, ""), ("clc26-001", DS, "Q1", "JM", 3, "")], "Scores!A3"),
        ([("CLC26-001", DS, "Q1", "JM", 2.5, "")], "Scores!E2"),
    ],
)
def test_scores_errors_name_the_cell(
    bids: tuple[Path, Path], tmp_path: Path, rows: list, cell: str
) -> None:
    folder, _ = bids
    scores = tmp_path / "bad.xlsx"
    write_scores(rows, scores)
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(scores), "--out", str(tmp_path / "o.xlsx")]
    )
    assert result.exit_code == 2
    assert cell in _one_line_error(result)


def test_scores_missing_sheet_or_column(bids: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _ = bids
    wb = openpyxl.Workbook()
    wb.active.title = "Scores"
    wb.active.append(["Bid reference", "Lot", "Question", "Evaluator", "Comment"])
    wb.save(tmp_path / "nocol.xlsx")
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(folder),
            "--scores",
            str(tmp_path / "nocol.xlsx"),
            "--out",
            str(tmp_path / "o.xlsx"),
        ],
    )
    assert result.exit_code == 2 and "'Score'" in _one_line_error(result)
    wb.active.title = "Other"
    wb.save(tmp_path / "nosheet.xlsx")
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(folder),
            "--scores",
            str(tmp_path / "nosheet.xlsx"),
            "--out",
            str(tmp_path / "o.xlsx"),
        ],
    )
    assert result.exit_code == 2 and "Scores" in _one_line_error(result)


def test_broken_tender_definition_exit_2_names_key(tmp_path: Path) -> None:
    from clc_tender.tender import bundled_path

    text = bundled_path().read_text()
    broken = tmp_path / "t.toml"
    broken.write_text(text.replace('floor = "48.12"', 'floor = "50.12"'))
    result = runner.invoke(
        app, ["template", "--tender", str(broken), "--out", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "bands[0].floor" in line and "t.toml" in line
    broken.write_text(text.replace("weight = 25", "weight = 24"))
    result = runner.invoke(app, ["evaluate", str(tmp_path), "--tender", str(broken)])
    assert result.exit_code == 2 and "quality.questions" in _one_line_error(result)
    broken.write_text(text.replace('lot = "Personal Assistants"', 'lot = "Home Care"'))
    result = runner.invoke(app, ["check", str(tmp_path), "--tender", str(broken)])
    assert result.exit_code == 2 and "unknown lot" in _one_line_error(result)
    broken.write_text(text.replace("session_hours = 6\n", ""))
    result = runner.invoke(app, ["check", str(tmp_path), "--tender", str(broken)])
    assert result.exit_code == 2 and "tender.session_hours" in _one_line_error(result)


def test_check_exit_codes(bids: tuple[Path, Path], tmp_path: Path, tender: Tender) -> None:
    folder, _ = bids
    good = tmp_path / "one.xlsx"
    write_bid(valid_bid(tender, "CLC26-050"), good)
    result = runner.invoke(app, ["check", str(good)])
    assert result.exit_code == 0, result.output
    assert "OK: no errors" in result.stdout
    result = runner.invoke(app, ["check", str(folder)])
    assert result.exit_code == 1
    assert "price-above-ceiling" in result.stdout and "not-xlsx" in result.stdout
    result = runner.invoke(app, ["check", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 2


def test_usage_errors_are_one_line_from_the_installed_entry_point(tmp_path: Path) -> None:
    """A bad option value or an unknown option: one stderr line naming the command, exit 2."""
    import subprocess
    import sys

    for args, expected in (
        (["place", str(tmp_path / "s.xlsx"), "--requests", "r.xlsx", "--top", "0"], "--top"),
        (["evaluate", str(tmp_path), "--bogus"], "--bogus"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "clc_tender", *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in done.stderr


def test_letters_docx_parent_must_exist(tmp_path: Path) -> None:
    shortlist = tmp_path / "s.xlsx"
    shortlist.write_bytes(b"not read: the option is refused first")
    result = runner.invoke(
        app, ["letters", str(shortlist), "--docx", str(tmp_path / "missing" / "letters")]
    )
    assert result.exit_code == 2
    assert "does not exist" in _one_line_error(result)
    assert not (tmp_path / "missing").exists()
