"""The issued template, filled with valid values, passes `check` with no error."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import fill_template, valid_bid

runner = CliRunner()


def test_filled_template_passes_check(tmp_path: Path, tender: Tender) -> None:
    template = tmp_path / "tender-response.xlsx"
    result = runner.invoke(app, ["template", "--out", str(template)])
    assert result.exit_code == 0, result.output
    for i, lots in enumerate((None, ["Day Services"], ["Personal Assistants"])):
        filled = tmp_path / f"filled-{i}.xlsx"
        fill_template(template, valid_bid(tender, f"CLC26-90{i}", lots=lots, seed=i), filled)
        result = runner.invoke(app, ["check", str(filled)])
        assert result.exit_code == 0, result.stdout
        assert "OK: no errors" in result.stdout and "error" not in result.stdout.replace(
            "no errors", ""
        )


def test_template_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    out.write_text("keep")
    result = runner.invoke(app, ["template", "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_text() == "keep"
