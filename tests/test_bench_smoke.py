"""The benchmark harness still runs: generate 3 bids and read them the naive way (no timing)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_generate_and_read_naively(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate = _load("generate", monkeypatch)
    naive = _load("naive", monkeypatch)
    case = tmp_path / "3"
    assert generate.generate(case, 3, workers=1) is True
    bids = sorted(p.name for p in (case / "bids").glob("*.xlsx"))
    assert len(bids) == 3 and all(name.startswith("BENCH-0000") for name in bids)
    assert (case / "scores.xlsx").is_file()
    assert json.loads((case / "params.json").read_text())["parameters"]["n"] == 3
    assert generate.generate(case, 3, workers=1) is False  # cached
    files, sheets = naive.read_all(case / "bids")
    assert files == 3 and sheets >= 3 * 4


def test_profile_phases_of_main_and_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = _load("spy", monkeypatch)
    main = 'process 7:"clc-tender evaluate b";<module> (clc-tender:8)'
    worker = (
        'process 7:"clc-tender evaluate b";process 9:"clc-tender evaluate b";'
        "<module> (clc-tender:8);_serve (clc_tender/read/pool.py:70)"
    )
    raw = "\n".join(
        [
            f"{main};_find_and_load (<frozen importlib._bootstrap>:1176);<module> "
            f"(pandas/__init__.py:1) 30",
            f"{main};write_shortlist (clc_tender/write/shortlist.py:61);_Writer.table "
            "(clc_tender/write/shortlist.py:176) 20",
            f"{worker};BidReader.read (clc_tender/read/workbook.py:153);inspect_bytes "
            "(clc_tender/read/guards.py:90);_stream (clc_tender/read/guards.py:300) 40",
            f"{worker};Connection.send (multiprocessing/connection.py:206) 10",
        ]
    )
    profile = spy.parse(raw, 100)
    assert profile.worker_pids == {"9"}
    assert profile.main == {"imports": 30, "writing the shortlist": 20}
    assert profile.workers == {
        "guards (zip and XML checks)": 40,
        "sending reads to the main process (pickling; waits on a full pipe)": 10,
    }
    assert profile.seconds(40) == 0.4
