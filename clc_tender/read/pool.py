"""Reading bid files in worker processes: started at once, collected in order, isolated.

A reading library may fail on one file in ways Python cannot catch: python-calamine raises a
native panic (a ``BaseException``), and a native allocation that fails aborts the whole
process. So every bid is read in a worker process; a worker that dies costs only the file it
was reading (``unreadable-file``), and a fresh worker carries on with the rest.

Free of pandas: the workers start before pandas and pandera are imported, so the imports and
the officers' workbooks (scores, decisions) are read while the bids are.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any

from ..findings import Finding
from ..tender import Tender
from ..workbook_format import Format
from .files import sha256_of
from .guards import classify
from .stacking import Columns
from .workbook import BidRead, BidReader

PARALLEL_FROM = 64  # files; below this, one worker reads them all
READ_SECONDS = 600.0  # one file read longer than this hangs its reader: that file is unreadable
START_AHEAD = 24  # files sent to each worker at once: it reads on while pandas is imported
AHEAD = 3  # then files kept queued per worker: the last files spread evenly over the workers
_RESEND = "ask for the file to be saved again from Excel and sent again"


def _read_one(reader: BidReader, path: Path) -> BidRead:
    if classify(path) == "wrong-format":
        read = BidRead(path.name, path, path.stat().st_size, sha256_of(path))
        read.findings.append(
            Finding.make(
                path.name,
                "",
                "",
                "not-xlsx",
                f"a {path.suffix} file is not an .xlsx workbook; save the response as Excel"
                " Workbook (.xlsx)",
            )
        )
        return read
    return reader.read(path)


def read_safely(reader: BidReader, path: Path) -> BidRead:
    """One file's reading; any failure at all (a native panic too) is its ``unreadable-file``."""
    try:
        return _read_one(reader, path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a panic of a native reader is a BaseException
        return failed_read(path, f"the reading library failed on it ({type(exc).__name__})")


def failed_read(path: Path, why: str) -> BidRead:
    try:
        size, digest = path.stat().st_size, sha256_of(path) if path.is_file() else ""
    except OSError:
        size, digest = 0, ""
    read = BidRead(path.name, path, size, digest)
    read.findings.append(
        Finding.make(
            path.name, "", "", "unreadable-file", f"the workbook cannot be read: {why}; {_RESEND}"
        )
    )
    return read


def _serve(conn: Connection, tender: Tender, fmt: Format) -> None:
    """A worker: read each (index, path) sent, send back (index, read); stop on None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers itself
    reader = BidReader(tender, fmt)
    columns = Columns(tender, fmt)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, path = item
        read = read_safely(reader, path)
        if not read.producer:
            try:  # its rows made here, on this core; sent lean
                columns.pack(read)
            except Exception:  # noqa: BLE001 - packed by the main process instead, which says why
                read.packed = None
        try:
            conn.send((index, read))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a value that cannot be sent back
            conn.send(
                (
                    index,
                    failed_read(path, f"its contents cannot be passed on ({type(exc).__name__})"),
                )
            )


@dataclass
class _Worker:
    process: Any
    conn: Connection
    queued: deque[int] = field(default_factory=deque)  # indexes sent, in order, not yet returned
    since: float = field(default_factory=time.monotonic)  # when its current file was begun


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _ended(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"the process reading it was stopped by {signal.Signals(-code).name}"
        except ValueError:
            return f"the process reading it was stopped by signal {-code}"
    return f"the process reading it ended unexpectedly (exit status {code})"


class ReaderDied(Exception):
    """A reading library failed in an isolated process: raised, died, or panicked."""


def run_isolated(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a forked process, its result returned: a native panic or an abort
    of that process is :class:`ReaderDied` here, never the end of this process. Without fork
    (not on Linux or macOS), run in this process, panics caught."""
    if "fork" not in multiprocessing.get_all_start_methods():
        try:
            return func(*args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a native panic too
            raise ReaderDied(type(exc).__name__) from None
    context: Any = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_isolated, args=(child, func, args), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(READ_SECONDS):  # a reader that hangs is stopped
            process.kill()
            process.join()
            raise ReaderDied(f"reading it took more than {_duration(READ_SECONDS)}")
        kind, value = parent.recv()
    except (EOFError, OSError):
        process.join()
        raise ReaderDied(_ended(process)) from None
    finally:
        parent.close()
    process.join()
    if kind == "error":
        raise ReaderDied(value)
    return value


def _isolated(conn: Connection, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result: tuple[str, Any] = ("ok", func(*args))
    except BaseException as exc:  # noqa: BLE001 - a native panic too: said, never raised here
        result = ("error", type(exc).__name__)
    try:
        conn.send(result)
    except BaseException as exc:  # noqa: BLE001 - a value that cannot be sent back
        conn.send(("error", type(exc).__name__))
    conn.close()


class BidReading:
    """The bids of a round being read, each in a worker process (one workbook's bytes in
    memory per process), collected in order. The workers start when this is made; iterate to
    collect the reads; close (or leave the ``with`` block) to stop them.

    A thread of this process receives the reads as the workers finish them, so that the
    workers never wait on a full pipe while this process imports its libraries and reads the
    officers' workbooks: all of it overlaps with the reading."""

    def __init__(self, paths: list[Path], tender: Tender, fmt: Format) -> None:
        self.paths = paths
        self._tender, self._fmt = tender, fmt
        methods = multiprocessing.get_all_start_methods()
        self._context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        count = min(os.cpu_count() or 1, 4) if len(paths) >= PARALLEL_FROM else 1
        self._pending: deque[int] = deque(range(len(paths)))
        self._results: dict[int, BidRead] = {}
        self._taken = 0  # reads handed out by __iter__
        self._workers: list[_Worker] = []
        self._arrived = threading.Condition()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._receiver: threading.Thread | None = None
        if paths:
            for _ in range(min(count, len(paths))):
                self._workers.append(self._start())
            for worker in self._workers:
                self._top_up(worker, START_AHEAD)
            self._receiver = threading.Thread(target=self._receive, name="bid-reading", daemon=True)
            self._receiver.start()

    def _receive(self) -> None:
        """The receiving thread: collect until every file is read or the reading is closed."""
        try:
            while not self._stop.is_set() and len(self._results) + self._taken < len(self.paths):
                self._collect(timeout=0.2)
        except BaseException as exc:  # noqa: BLE001 - handed to the iterating thread
            self._failure = exc
        finally:
            with self._arrived:
                self._arrived.notify_all()

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child, self._tender, self._fmt), daemon=True
        )
        process.start()
        child.close()
        return _Worker(process, parent)

    def _top_up(self, worker: _Worker, ahead: int = AHEAD) -> None:
        if not worker.queued:
            worker.since = time.monotonic()
        while self._pending and len(worker.queued) < ahead:
            index = self._pending.popleft()
            worker.queued.append(index)
            worker.conn.send((index, self.paths[index]))

    def _collect(self, timeout: float | None = None) -> None:
        """Wait for at least one result or one dead worker, and deal with it."""
        by_handle: dict[Any, _Worker] = {}
        for worker in self._workers:
            by_handle[worker.conn] = worker
            by_handle[worker.process.sentinel] = worker
        busy = [w.since + READ_SECONDS for w in self._workers if w.queued]
        until = max(min(busy) - time.monotonic(), 0.0) + 0.05 if busy else None
        if timeout is not None:  # the receiving thread looks up now and then
            until = timeout if until is None else min(until, timeout)
        ready = wait(list(by_handle), until)
        for worker in list(self._workers):  # a file that hangs its reader costs only itself
            if worker.queued and time.monotonic() - worker.since > READ_SECONDS:
                worker.process.kill()
                self._replace(worker, f"reading it took more than {_duration(READ_SECONDS)}")
        for handle in ready:
            worker = by_handle[handle]
            if worker not in self._workers:
                continue  # already replaced in this round
            if handle is worker.conn or worker.conn.poll():
                try:
                    while worker.conn.poll():
                        index, read = worker.conn.recv()
                        worker.queued.remove(index)
                        worker.since = time.monotonic()
                        with self._arrived:
                            self._results[index] = read
                            self._arrived.notify_all()
                    self._top_up(worker)
                    continue
                except (EOFError, OSError):
                    pass
            if worker.process.is_alive():
                continue
            self._replace(worker)

    def _replace(self, worker: _Worker, why: str = "") -> None:
        """A worker died: the file it was reading is unreadable; the others are read again."""
        worker.process.join()
        worker.conn.close()
        if worker.queued:
            index = worker.queued.popleft()
            failed = failed_read(self.paths[index], why or _ended(worker.process))
            with self._arrived:
                self._results[index] = failed
                self._arrived.notify_all()
            self._pending.extendleft(reversed(worker.queued))
        self._workers.remove(worker)
        if self._pending or any(w.queued for w in self._workers):
            fresh = self._start()
            self._workers.append(fresh)
            self._top_up(fresh)

    def __iter__(self) -> Iterator[BidRead]:
        for index in range(len(self.paths)):
            with self._arrived:
                while index not in self._results:
                    if self._failure is not None:
                        raise self._failure
                    if self._receiver is None or not self._receiver.is_alive():
                        break
                    self._arrived.wait()
            if index not in self._results:  # the thread has stopped: collect here
                if self._failure is not None:
                    raise self._failure
                while index not in self._results:
                    self._collect()
            with self._arrived:
                read = self._results.pop(index)
                self._taken += 1
            yield read

    def close(self) -> None:
        self._stop.set()
        if self._receiver is not None and self._receiver is not threading.current_thread():
            self._receiver.join()
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []

    def __enter__(self) -> BidReading:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
