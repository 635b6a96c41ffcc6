"""The outputs on the sample bids, read back, equal the recorded ones (tests/golden/).

A restructuring must not change what an officer or a bidder reads: the shortlist, the
``--json`` outcomes, and the letters as xlsx, csv and Word are compared cell by cell and
paragraph by paragraph (never byte by byte). A deliberate change of an output is recorded by
running ``python -m tests.test_outputs_unchanged`` and reviewing the diff of the golden file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from clc_tender.cli import app
from tests.readback import sample_outputs

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "sample-outputs.json"
SCORES = "sample_bids/scores/panel-scores.xlsx"


def produce(folder: Path) -> dict[str, Any]:
    """Run evaluate, evaluate --json and letters (xlsx, csv, Word) on the sample bids."""
    runner = CliRunner()
    shortlist = folder / "shortlist.xlsx"
    steps = [
        ["evaluate", "sample_bids", "--scores", SCORES, "--out", str(shortlist)],
        ["letters", str(shortlist), "--out", str(folder / "letters.xlsx"), "--letter-date",
         "2026-05-01", "--standstill-from", "2026-05-01", "--docx", str(folder / "docx"),
         "--allow-pending"],
        ["letters", str(shortlist), "--out", str(folder / "letters.csv"), "--letter-date",
         "2026-05-01", "--allow-pending"],
    ]
    for args in steps:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    printed = runner.invoke(app, ["evaluate", "sample_bids", "--scores", SCORES, "--out",
                                  str(folder / "again.xlsx"), "--json"])
    assert printed.exit_code == 0, printed.output
    return sample_outputs(folder, shortlist, json.loads(printed.stdout))


def test_sample_outputs_read_back_equal(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(ROOT)
    got = produce(tmp_path)
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got.keys() == want.keys()
    for part in want:
        if isinstance(want[part], dict):
            assert got[part].keys() == want[part].keys(), part
            for key in want[part]:
                assert got[part][key] == want[part][key], f"{part} / {key}"
        else:
            assert got[part] == want[part], part


if __name__ == "__main__":  # record the current outputs as the expected ones
    import os
    import tempfile

    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as where:
        recorded = produce(Path(where))
    GOLDEN.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    sys.stdout.write(f"recorded {GOLDEN}\n")
