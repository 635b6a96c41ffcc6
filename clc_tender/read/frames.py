"""Reading a folder of response workbooks into one DataFrame per sheet kind.

Files are read one at a time (only one workbook's bytes are held at once); what each holds
is stacked into frames that carry file, sheet, row and cell, for validation and the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..tender import Tender
from ..workbook_format import Format
from .files import InputFile, list_folder
from .pool import BidReading
from .stacking import Columns, Shared
from .workbook import BidRead


@dataclass
class BidFrames:
    reads: list[BidRead]  # by bid index
    bids: pd.DataFrame  # one row per bid: file, _opened, _failed, and every field key
    prices: pd.DataFrame  # one row per priced (or named) band row
    coverage: dict[str, pd.DataFrame]  # coverage sheet -> one row per row
    inputs: list[InputFile] = field(default_factory=list)


def read_folder(
    folder: Path,
    tender: Tender,
    fmt: Format,
    *,
    exclude: Iterable[Path] = (),
    progress: Callable[[int, int, str], None] | None = None,
) -> BidFrames:
    paths, skipped = list_folder(folder, exclude)
    return read_files(paths, tender, fmt, skipped=skipped, progress=progress)


def read_files(
    paths: list[Path],
    tender: Tender,
    fmt: Format,
    *,
    skipped: list[InputFile] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BidFrames:
    with BidReading(paths, tender, fmt) as reading:
        return collect(reading, tender, fmt, skipped=skipped, progress=progress)


def collect(
    reading: BidReading,
    tender: Tender,
    fmt: Format,
    *,
    skipped: list[InputFile] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BidFrames:
    """Gather a reading already under way into the stacked frames, each bid's rows appended as
    it arrives (its read then holds only what validation needs)."""
    stacker = Stacker(tender, fmt)
    ours: list[InputFile] = []
    total = len(reading.paths)
    for number, read in enumerate(reading, start=1):
        if read.producer:  # a workbook clc-tender wrote (a shortlist left in the folder)
            note = f"written by clc-tender ({read.producer}), not a bid"
            ours.append(InputFile(read.file, read.path, read.size, read.sha256, "skipped", note))
        else:
            stacker.add(read)
        if progress:
            progress(number, total, read.file)
    frames = stacker.frames()
    frames.inputs = [InputFile(r.file, r.path, r.size, r.sha256, "bid") for r in frames.reads]
    frames.inputs += ours + (skipped or [])
    frames.inputs.sort(key=lambda f: f.file)
    return frames


class Stacker:
    """The frames of a round, a bid at a time: each read's rows (packed where it was read, or
    here) are appended, their repeating strings shared, and the read keeps only its findings
    and what validation asks of it."""

    def __init__(self, tender: Tender, fmt: Format) -> None:
        self.columns = Columns(tender, fmt)
        self._shared = Shared(self.columns)
        self.reads: list[BidRead] = []
        self._bids: list[tuple[Any, ...]] = []
        self._prices: list[tuple[Any, ...]] = []
        self._coverage: dict[str, list[tuple[Any, ...]]] = {
            sheet: [] for sheet in self.columns.coverage
        }

    def add(self, read: BidRead) -> None:
        index = len(self.reads)
        self.columns.pack(read)
        self._shared.read(read)
        packed = read.packed
        assert packed is not None
        self._bids.append(packed.bid)
        self._prices.extend((index, *row) for row in packed.prices)
        for sheet, rows in packed.coverage.items():
            if sheet in self._coverage:
                self._coverage[sheet].extend((index, *row) for row in rows)
        read.packed = None  # the frames hold them now: not twice in memory
        self.reads.append(read)

    def frames(self) -> BidFrames:
        columns = self.columns
        bids = _object_frame(self._bids, columns.bids)
        bids["_opened"] = bids["_opened"].astype(bool)
        prices = _object_frame(self._prices, columns.prices)
        prices["invalid"] = prices["invalid"].astype(bool)
        coverage = {
            sheet: _object_frame(rows, columns.coverage[sheet])
            for sheet, rows in self._coverage.items()
        }
        self._bids, self._prices = [], []
        self._coverage = {}
        return BidFrames(reads=self.reads, bids=bids, prices=prices, coverage=coverage)


def _object_frame(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    """A frame of Python objects: a missing value stays None (never NaN or NaT)."""
    cells = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(
        {
            column: pd.Series(list(values), dtype=object)
            for column, values in zip(columns, cells, strict=True)
        },
        columns=columns,
    )
