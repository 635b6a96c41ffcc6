"""A big sheet's rows written by a second process while this one writes the other sheets.

XlsxWriter writes one cell at a time on one core: at 10,000 bids the shortlist's 2 million
cells are most of the run. In constant-memory mode each worksheet streams its rows to a
temporary file of its own, so the rows of one sheet can be written by a forked copy of the
writer: the child writes the rows into that file (the same open file, shared by the fork),
and sends back the little the worksheet keeps about them (the rows' extent, each row's
height, which row is the last); this process takes that over and packs the workbook as if it
had written them itself. The file is byte for byte the one a single process writes
(``tests/test_shortlist_apart.py`` compares every part).

What the worksheet keeps is XlsxWriter's own bookkeeping (named in ``_KEPT``): a version of
XlsxWriter that keeps it otherwise is noticed before any fork, and the rows are then written
here. A child that fails for any reason costs nothing but time: its rows are written here.
Without ``fork`` (not Linux or macOS) every sheet is written here.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

# What a constant-memory worksheet keeps about the rows it has streamed to its file
_KEPT = (
    "previous_row",  # the last row begun (rows go in order)
    "dim_rowmin",  # the extent of the cells written
    "dim_rowmax",
    "dim_colmin",
    "dim_colmax",
    "row_info",  # heights set with set_row
    "row_sizes",
    "outline_row_level",
)
CHILD_SECONDS = 600.0  # a child that has not finished by then is stopped (never expected)
APART_FROM = 20_000  # cells: a sheet smaller than this is written here (a fork costs more)
# children at once, one a core (capped): the sheets are of very different sizes, and with a
# child on each core this process's own share never waits for a child to take the next one
AT_ONCE = max(1, min(3, os.cpu_count() or 1))


@dataclass
class _Job:
    sheet: Worksheet
    rows: Callable[[], None]
    cells: int


@dataclass
class _Child:
    job: _Job
    pid: int
    reader: int  # the pipe its bookkeeping comes back on


def can_fork(wb: Workbook, ws: Worksheet) -> bool:
    """Whether ``ws``'s rows can be written by a forked process."""
    return (
        hasattr(os, "fork")
        and bool(getattr(ws, "constant_memory", False))
        and getattr(ws, "row_data_fh", None) is not None
        and all(hasattr(ws, name) for name in _KEPT)
        and isinstance(getattr(ws, "table", None), dict)
        and all(hasattr(f, "_get_xf_index") for f in wb.formats)
    )


def bookkeeping(ws: Worksheet) -> bytes:
    """What ``ws`` keeps about the rows written to its file, to be taken over."""
    return pickle.dumps({name: getattr(ws, name) for name in _KEPT})


class Apart:
    """The sheets' rows, written once every sheet has been laid out: the biggest by forked
    processes (one for each other core), the rest here meanwhile, smallest first; a child that
    is done takes the biggest left. Each sheet's rows go to its own file, so the order in which
    sheets are written does not change the workbook."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._jobs: list[_Job] = []
        self._children: list[_Child] = []
        self._indexed = False

    def add(self, ws: Worksheet, rows: Callable[[], None], cells: int) -> None:
        """``ws``'s rows, to be written by ``rows()``; ``cells`` says how many."""
        self._index_formats()  # before any cell: the same style numbers however written
        self._jobs.append(_Job(ws, rows, cells))

    def finish(self) -> None:
        """Write every sheet's rows; return when all are written."""
        jobs = sorted(self._jobs, key=lambda job: job.cells, reverse=True)
        self._jobs = []
        while jobs:
            self._reap(block=False)
            big = jobs[0]
            if (
                len(self._children) < AT_ONCE
                and big.cells >= APART_FROM
                and can_fork(self.wb, big.sheet)
            ):
                self._fork(jobs.pop(0))
            else:
                jobs.pop().rows()  # the smallest, here
        self._reap(block=True)

    def _fork(self, job: _Job) -> None:
        ws = job.sheet
        ws.row_data_fh.flush()  # nothing of this process's left in its buffer: never twice
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write the rows, send the bookkeeping, and leave at once
            os.close(reader)
            code = 1
            try:
                job.rows()
                ws._write_single_row(ws.previous_row + 1)  # the last row, to the file too
                ws.row_data_fh.flush()
                kept = bookkeeping(ws)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(kept)
                code = 0
            finally:
                os._exit(code)  # never this process's exit handlers or buffered output
        os.close(writer)
        self._children.append(_Child(job, pid, reader))

    def _reap(self, *, block: bool) -> None:
        """Take over the sheets of the children that are done (of all, when ``block``)."""
        for child in list(self._children):
            if block or select.select([child.reader], [], [], 0)[0]:
                self._children.remove(child)
                self._take_over(child)

    def _take_over(self, child: _Child) -> None:
        data = b""
        if select.select([child.reader], [], [], CHILD_SECONDS)[0]:
            with os.fdopen(child.reader, "rb") as pipe:
                data = pipe.read()
        else:  # a child that never finishes is stopped: its rows are written here
            os.close(child.reader)
            os.kill(child.pid, signal.SIGKILL)
        _, status = os.waitpid(child.pid, 0)
        kept: dict[str, Any] | None = None
        if os.waitstatus_to_exitcode(status) == 0 and data:
            kept = pickle.loads(data)  # noqa: S301 - our own child's bookkeeping
        ws = child.job.sheet
        if kept is None:  # the child failed: its rows are written here instead
            ws.row_data_fh.seek(0)
            ws.row_data_fh.truncate()
            child.job.rows()
            return
        for name, value in kept.items():
            setattr(ws, name, value)
        ws.table.clear()  # the header row it held was written by the child

    def _index_formats(self) -> None:
        """Give every format its style number now, in the order they were made, so that a
        child and this process number them alike (XlsxWriter numbers a format when a cell
        first uses it, which would differ between processes)."""
        if not self._indexed:
            for fmt in self.wb.formats:
                fmt._get_xf_index()
            self._indexed = True
