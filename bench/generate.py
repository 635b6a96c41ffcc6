"""Benchmark inputs: N valid response workbooks and the panel's scores, cached on disk.

Built with the project's own generator (:mod:`clc_tender.testing.bidgen`), deterministic for a given
N. Layout of a case folder (``bench/cache/N/``)::

    bids/BENCH-00001-<organisation>.xlsx ...   N response workbooks
    scores.xlsx                                the panel's scores (outside the bids folder)
    scores.json                                the scores' parameters, written after them
    params.json                                the generator's parameters, written last

A case is reused when ``params.json`` matches :func:`parameters` and ``bids/`` holds N files;
otherwise the folder is wiped and written again (an interrupted run leaves no marker).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
PREFIX = "BENCH-"
# share of bids for both lots; the rest bid for one lot (Day Services a little more often)
BOTH_LOTS = 0.55
DS_ONLY = 0.25
# share of charities (no Companies House number)
CHARITIES = 0.05
# the panel's score per question: weights of 5, 4, 3, 2, 1
SCORE_WEIGHTS = (25, 42, 28, 4, 1)
# two evaluators score every question (and agree): about 18.6 rows per bid, 186,000 at 10,000
EVALUATORS = ("Evaluator A", "Evaluator B")
SCORES_VERSION = 2

Progress = Callable[[int, int], None]


def parameters(n: int) -> dict[str, Any]:
    """What the cached inputs depend on: a change to any of it regenerates them."""
    from clc_tender.tender import load_tender

    return {
        "n": n,
        "generator_version": GENERATOR_VERSION,
        "tender_sha256": load_tender().sha256,
        "both_lots": BOTH_LOTS,
        "ds_only": DS_ONLY,
        "charities": CHARITIES,
    }


def score_parameters(n: int) -> dict[str, Any]:
    """What the scores workbook depends on (kept apart: new scores need no new bids)."""
    return {
        "n": n,
        "scores_version": SCORES_VERSION,
        "score_weights": list(SCORE_WEIGHTS),
        "evaluators": list(EVALUATORS),
    }


def bidgen_sha256() -> str:
    """The SHA-256 of testing/bidgen.py as it is now (recorded, not compared: the inputs are
    not regenerated every time someone edits the generator)."""
    import clc_tender.testing.bidgen as bidgen

    return hashlib.sha256(Path(bidgen.__file__).read_bytes()).hexdigest()


def marker(case: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((case / "params.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def bid_lots(i: int, lot_names: tuple[str, ...]) -> tuple[str, ...]:
    """Both lots, or one, for bid ``i`` (deterministic)."""
    draw = random.Random(f"lots-{i}").random()
    if draw < BOTH_LOTS or len(lot_names) < 2:
        return lot_names
    return (lot_names[0],) if draw < BOTH_LOTS + DS_ONLY else (lot_names[1],)


def is_charity(i: int) -> bool:
    return random.Random(f"charity-{i}").random() < CHARITIES


def reference(i: int) -> str:
    return f"{PREFIX}{i:05d}"


def file_name(i: int, organisation: str) -> str:
    words = [
        w
        for w in re.findall(r"[a-z0-9]+", organisation.lower())
        if w not in {"ltd", "limited", "cic"}
    ]
    return f"{reference(i)}-{'-'.join(words)}.xlsx"


def _write_range(args: tuple[str, int, int]) -> int:
    """Worker: write bids ``start`` to ``stop - 1`` into ``folder``; returns how many."""
    folder, start, stop = args
    from clc_tender.tender import load_tender
    from clc_tender.testing.bidgen import AUTO, organisation_name, valid_bid, write_bid

    tender = load_tender()
    for i in range(start, stop):
        charity = is_charity(i)
        spec = valid_bid(
            tender,
            reference(i),
            lots=bid_lots(i, tender.lot_names),
            seed=i,
            companies_house=None if charity else AUTO,
            charity=f"11{i:05d}" if charity else None,
        )
        write_bid(spec, Path(folder) / file_name(i, organisation_name(i)))
    return stop - start


def score_rows(n: int) -> Iterator[tuple[str, str, str, str, int, str]]:
    """Each evaluator's score per (bid, lot, question); the evaluators agree, so no
    moderated row is needed."""
    from clc_tender.tender import load_tender

    tender = load_tender()
    for i in range(1, n + 1):
        rng = random.Random(f"scores-{i}")
        for lot in bid_lots(i, tender.lot_names):
            for question in tender.quality.questions:
                score = rng.choices((5, 4, 3, 2, 1), weights=SCORE_WEIGHTS)[0]
                for evaluator in EVALUATORS:
                    yield (
                        reference(i),
                        lot,
                        question.id,
                        evaluator,
                        score,
                        f"{evaluator}: evidence for {question.id} weighed",
                    )


def write_scores(rows: Iterator[tuple[str, str, str, str, int, str]], path: Path) -> None:
    """The scores workbook written row by row with XlsxWriter in constant memory (openpyxl,
    which bidgen uses for a handful of rows, takes minutes over 186,000 rows)."""
    from xlsxwriter import Workbook

    from clc_tender.testing.officers import SCORES_HEADER

    tmp = path.with_suffix(".tmp.xlsx")
    wb = Workbook(str(tmp), {"constant_memory": True})
    ws = wb.add_worksheet("Scores")
    ws.write_row(0, 0, SCORES_HEADER)
    for number, row in enumerate(rows, start=1):
        ws.write_row(number, 0, row)
    wb.close()
    tmp.replace(path)


def scores_cached(case: Path, n: int) -> bool:
    try:
        data = json.loads((case / "scores.json").read_text())
    except (OSError, ValueError):
        return False
    return data == score_parameters(n) and (case / "scores.xlsx").is_file()


def make_scores(case: Path, n: int) -> bool:
    """Write ``case``/scores.xlsx unless it matches :func:`score_parameters`."""
    if scores_cached(case, n):
        return False
    (case / "scores.json").unlink(missing_ok=True)
    write_scores(score_rows(n), case / "scores.xlsx")
    (case / "scores.json").write_text(json.dumps(score_parameters(n), indent=2) + "\n")
    return True


def is_cached(case: Path, n: int) -> bool:
    data = marker(case)
    bids = case / "bids"
    if data is None or data.get("parameters") != parameters(n):
        return False
    if not bids.is_dir():
        return False
    return sum(1 for _ in bids.glob("*.xlsx")) == n


def generate(case: Path, n: int, *, workers: int = 2, progress: Progress | None = None) -> bool:
    """Make ``case`` hold the inputs for ``n`` bids; False when the cache was reused."""
    if is_cached(case, n):
        return make_scores(case, n)
    made_with = bidgen_sha256()  # before the workers fork, which reuse this process's bidgen
    if case.exists():
        shutil.rmtree(case)
    bids = case / "bids"
    bids.mkdir(parents=True)
    chunk = max(1, min(250, n // (workers * 4) or 1))
    tasks = [(str(bids), start, min(n + 1, start + chunk)) for start in range(1, n + 1, chunk)]
    done = 0
    if workers > 1 and len(tasks) > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for count in pool.imap_unordered(_write_range, tasks):
                done += count
                if progress:
                    progress(done, n)
    else:
        for task in tasks:
            done += _write_range(task)
            if progress:
                progress(done, n)
    make_scores(case, n)
    record = {
        "parameters": parameters(n),
        "bidgen_sha256": made_with,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (case / "params.json").write_text(json.dumps(record, indent=2) + "\n")
    return True


def main() -> None:
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    case = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "cache" / str(n)
    started = time.perf_counter()
    made = generate(case, n, progress=lambda done, total: print(f"  {done}/{total}", flush=True))
    print(f"{case}: {'written' if made else 'cached'} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
