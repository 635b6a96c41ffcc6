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
APART_FROM = 20_000  # cells: a sheet smaller than this is written here (a fork costs more)


@dataclass
class _Child:
    sheet: Worksheet
    pid: int
    reader: int  # the pipe its bookkeeping comes back on
    rows: Callable[[], None]


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
    """The sheets whose rows are being written by forked processes."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._children: list[_Child] = []
        self._indexed = False

    def write(self, ws: Worksheet, rows: Callable[[], None], cells: int) -> None:
        """Write ``ws``'s rows with ``rows()``: in a forked process when the sheet is big."""
        self._index_formats()  # whether forked or not: the same file either way
        if cells < APART_FROM or not can_fork(self.wb, ws):
            rows()
            return
        ws.row_data_fh.flush()  # nothing of this process's left in its buffer: never twice
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write the rows, send the bookkeeping, and leave at once
            os.close(reader)
            code = 1
            try:
                rows()
                ws._write_single_row(ws.previous_row + 1)  # the last row, to the file too
                ws.row_data_fh.flush()
                kept = bookkeeping(ws)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(kept)
                code = 0
            finally:
                os._exit(code)  # never this process's exit handlers or buffered output
        os.close(writer)
        self._children.append(_Child(ws, pid, reader, rows))

    def finish(self) -> None:
        """Wait for every child and take over its sheet's bookkeeping (or write it here)."""
        children, self._children = self._children, []
        for child in children:
            with os.fdopen(child.reader, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(child.pid, 0)
            kept: dict[str, Any] | None = None
            if os.waitstatus_to_exitcode(status) == 0 and data:
                kept = pickle.loads(data)  # noqa: S301 - our own child's bookkeeping
            ws = child.sheet
            if kept is None:  # the child failed: its rows are written here instead
                ws.row_data_fh.seek(0)
                ws.row_data_fh.truncate()
                child.rows()
                continue
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
