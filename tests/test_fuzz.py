"""The fuzz target (tests/fuzzing.py) in batches: a few hundred mutants here, many thousands
under ``make fuzz`` (``CLC_FUZZ_MUTANTS``, ``CLC_FUZZ_SEED``)."""

from __future__ import annotations

import os
from pathlib import Path

from clc_tender.tender import Tender
from clc_tender.workbook_format import Format

from .fuzzing import controls, mutants, run_batch, write_control_scores

MUTANTS = int(os.environ.get("CLC_FUZZ_MUTANTS", "300"))
SEED = int(os.environ.get("CLC_FUZZ_SEED", "2026"))
BATCH = 100


def test_mutants_never_stop_the_run_and_the_control_bids_are_admitted(
    tmp_path: Path, tender: Tender, fmt: Format
) -> None:
    folder = tmp_path / "bids"
    folder.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    scores = write_control_scores(tender, tmp_path / "scores.xlsx", controls(tender, folder))
    batch = []
    for mutant in mutants(tender, SEED, MUTANTS, scratch):
        batch.append(mutant)
        if len(batch) == BATCH:
            run_batch(tender, fmt, folder, batch, scores)
            batch = []
    if batch:
        run_batch(tender, fmt, folder, batch, scores)
