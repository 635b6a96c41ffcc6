"""A non-editable `pip install .` into a new virtualenv works from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_pip_install_then_help_and_template_from_another_folder(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # the dependencies come from this test environment (no network needed): a .pth file
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = tmp_path / "src"  # a copy, so that building never writes into the work tree
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, source / name)
    for folder in ("clc_tender", "schemas"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    result = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PIP_NO_CACHE_DIR": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert not Path(site, "__editable__").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exe = env_dir / "bin" / "clc-tender"
    help_run = subprocess.run([exe, "--help"], capture_output=True, text=True, cwd=elsewhere)
    assert help_run.returncode == 0 and "evaluate" in help_run.stdout
    run = subprocess.run(
        [exe, "template", "--out", "t.xlsx"], capture_output=True, text=True, cwd=elsewhere
    )
    assert run.returncode == 0, run.stderr
    wb = openpyxl.load_workbook(elsewhere / "t.xlsx")
    assert {"Bidder", "Pricing", "Compliance"} <= set(wb.sheetnames)
    # the installed copy, not the source tree, is what ran
    where = subprocess.run(
        [python, "-c", "import clc_tender, sys; print(clc_tender.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    ).stdout
    assert str(ROOT) not in where and sys.prefix not in where
