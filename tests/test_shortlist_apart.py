"""The rows of big shortlist sheets written by forked processes: the very same file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from clc_tender.tender import Tender
from clc_tender.write import apart
from clc_tender.write.shortlist import write_shortlist

from .conftest import Runner, bid

pytestmark = pytest.mark.skipif(not hasattr(apart.os, "fork"), reason="needs fork")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture
def evaluation(run: Runner, tender: Tender):  # type: ignore[no-untyped-def]
    specs = {f"bid-{n:02d}.xlsx": bid(tender, f"B{n:02d}", seed=n) for n in range(12)}
    return run(specs)


def test_sheets_written_apart_make_the_same_file(
    evaluation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(apart, "APART_FROM", 10**9)
    write_shortlist(evaluation, tmp_path / "here.xlsx")
    forks: list[int] = []
    real_fork = apart.os.fork

    def counted() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(apart, "APART_FROM", 1)  # every sheet with a row: apart, all at once
    monkeypatch.setattr(apart, "AT_ONCE", 100)
    monkeypatch.setattr(apart.os, "fork", counted)
    write_shortlist(evaluation, tmp_path / "apart.xlsx")
    assert len(forks) >= 10  # Summary, Framework, Outcomes, Quality, ... each in a child
    here, there = _parts(tmp_path / "here.xlsx"), _parts(tmp_path / "apart.xlsx")
    assert list(here) == list(there)
    for name in here:
        assert here[name] == there[name], name
    monkeypatch.setattr(apart, "AT_ONCE", 1)  # one child, this process writing meanwhile
    write_shortlist(evaluation, tmp_path / "shared.xlsx")
    assert _parts(tmp_path / "shared.xlsx") == here


def test_a_child_that_fails_costs_only_time(
    evaluation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(apart, "APART_FROM", 10**9)
    write_shortlist(evaluation, tmp_path / "here.xlsx")

    def broken(ws: object) -> bytes:  # the child has written its rows, then fails
        raise RuntimeError("lost")

    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(apart, "bookkeeping", broken)
    write_shortlist(evaluation, tmp_path / "again.xlsx")
    here, again = _parts(tmp_path / "here.xlsx"), _parts(tmp_path / "again.xlsx")
    for name in here:
        assert here[name] == again[name], name


def test_a_child_that_hangs_is_stopped_and_its_rows_written_here(
    evaluation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(apart, "APART_FROM", 10**9)
    write_shortlist(evaluation, tmp_path / "here.xlsx")

    def hangs(ws: object) -> bytes:  # the child has written its rows, then never finishes
        apart.os.kill(apart.os.getpid(), apart.signal.SIGSTOP)
        return b""

    monkeypatch.setattr(apart, "APART_FROM", 1)
    monkeypatch.setattr(apart, "AT_ONCE", 1)
    monkeypatch.setattr(apart, "CHILD_SECONDS", 0.5)
    monkeypatch.setattr(apart, "bookkeeping", hangs)
    write_shortlist(evaluation, tmp_path / "again.xlsx")
    assert _parts(tmp_path / "again.xlsx") == _parts(tmp_path / "here.xlsx")
