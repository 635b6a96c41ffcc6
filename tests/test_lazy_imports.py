"""`--help` and `template` stay fast: they never import pandas, pandera or matplotlib."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from typer.testing import CliRunner
from clc_tender.cli import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
heavy = sorted(m for m in ("pandas", "pandera", "xlsxwriter", "matplotlib") if m in sys.modules)
print(",".join(heavy))
"""


def _heavy_modules(args: list[str], cwd: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, cwd=cwd
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    assert _heavy_modules(["--help"], tmp_path) == ""
    assert _heavy_modules(["evaluate", "--help"], tmp_path) == ""


def test_template_imports_no_pandas(tmp_path: Path) -> None:
    assert _heavy_modules(["template", "--out", str(tmp_path / "t.xlsx")], tmp_path) == ""


def test_report_help_imports_no_matplotlib(tmp_path: Path) -> None:
    assert _heavy_modules(["report", "--help"], tmp_path) == ""
