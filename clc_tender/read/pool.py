"""Reading bid files one by one, on every core: started at once, collected in order.

Free of pandas: the reading processes start before pandas and pandera are imported, so the
imports and the officers' workbooks (scores, decisions) are read while the bids are.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from types import TracebackType

from ..findings import Finding
from ..tender import Tender
from ..workbook_format import Format
from .files import sha256_of
from .guards import classify
from .workbook import BidRead, BidReader

PARALLEL_FROM = 64  # files; below this, starting worker processes costs more than it saves
_worker: BidReader | None = None


def _read_one(reader: BidReader, path: Path) -> BidRead:
    if classify(path) == "wrong-format":
        read = BidRead(path.name, path, path.stat().st_size, sha256_of(path))
        read.findings.append(Finding.make(
            path.name, "", "", "not-xlsx",
            f"a {path.suffix} file is not an .xlsx workbook; save the response as Excel Workbook (.xlsx)"))
        return read
    return reader.read(path)


def _start_worker(tender: Tender, fmt: Format) -> None:
    global _worker
    _worker = BidReader(tender, fmt)


def _read_in_worker(path: Path) -> BidRead:
    assert _worker is not None
    return _read_one(_worker, path)


class BidReading:
    """The bids of a round being read: each file on its own (one workbook's bytes in memory per
    process), in order. On more than one core the reading processes start at once, when this
    is made; iterate to collect the reads; close (or leave the ``with`` block) to stop."""

    def __init__(self, paths: list[Path], tender: Tender, fmt: Format) -> None:
        self.paths = paths
        self._reader = BidReader(tender, fmt)
        self._pool: ProcessPoolExecutor | None = None
        self._results: Iterator[BidRead] | None = None
        workers = min(os.cpu_count() or 1, 4)
        if len(paths) >= PARALLEL_FROM and workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker, initargs=(tender, fmt),
            )
            self._results = self._pool.map(_read_in_worker, paths, chunksize=16)

    def __iter__(self) -> Iterator[BidRead]:
        if self._results is not None:
            yield from self._results
        else:
            yield from (_read_one(self._reader, path) for path in self.paths)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> BidReading:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


