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
from ..workbook_format import Format, normalise_label
from . import values
from .files import InputFile, list_folder
from .pool import BidReading
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
    """Gather a reading already under way into the stacked frames."""
    reads: list[BidRead] = []
    ours: list[InputFile] = []
    total = len(reading.paths)
    for number, read in enumerate(reading, start=1):
        if read.producer:  # a workbook clc-tender wrote (a shortlist left in the folder)
            note = f"written by clc-tender ({read.producer}), not a bid"
            ours.append(InputFile(read.file, read.path, read.size, read.sha256, "skipped", note))
        else:
            reads.append(read)
        if progress:
            progress(number, total, read.file)
    frames = stack(reads, tender, fmt)
    frames.inputs = [InputFile(r.file, r.path, r.size, r.sha256, "bid") for r in reads]
    frames.inputs += ours + (skipped or [])
    frames.inputs.sort(key=lambda f: f.file)
    return frames


def stack(reads: list[BidRead], tender: Tender, fmt: Format) -> BidFrames:
    bids = _bid_frame(reads, fmt)
    prices = _price_frame(reads, tender)
    coverage = _coverage_frames(reads, tender, fmt)
    for read in reads:  # the frames hold them now: not twice in memory
        read.fields = {}
        read.tables = {}
    return BidFrames(reads=reads, bids=bids, prices=prices, coverage=coverage)


def _bid_frame(reads: list[BidRead], fmt: Format) -> pd.DataFrame:
    """One row a bid: each field's value and its cell."""
    keys = [f.key for sheet in fmt.sheets for f in sheet.fields]
    cells = [f"{key}_cell" for key in keys]
    records: list[dict[str, Any]] = []
    for read in reads:
        record: dict[str, Any] = dict.fromkeys(keys)
        record.update(read.fields)
        for key, column in zip(keys, cells, strict=True):  # each value's place travels with it
            record[column] = f"{fmt.sheet_of[key]}!{read.cell(key)}"
        record["file"] = read.file
        record["_opened"] = read.opened and "Bidder" in read.sheets
        record["_failed"] = frozenset(read.failed)
        record["_sheets"] = frozenset(read.sheets)
        record["_failed_identity"] = bool(
            {"companies_house_number", "charity_number"} & read.failed
        )
        records.append(record)
    bids = _object_frame(
        records, ["file", "_opened", "_failed", "_sheets", "_failed_identity", *keys, *cells]
    )
    bids["_opened"] = bids["_opened"].astype(bool)
    return bids


def _price_frame(reads: list[BidRead], tender: Tender) -> pd.DataFrame:
    """One row a Pricing row of a bid."""
    band_names = {normalise_label(b.name): b.name for b in tender.bands}
    price_rows: list[dict[str, Any]] = []
    for index, read in enumerate(reads):
        for row in read.tables.get("Pricing", []):
            text = row.values.get("band")
            price = row.values.get("price")
            price_rows.append(
                {
                    "bid": index,
                    "file": read.file,
                    "row": row.row,
                    "band_text": text or "",
                    "band": band_names.get(normalise_label(text)) if text else None,
                    "price": None if price is values.INVALID else price,
                    "invalid": price is values.INVALID,
                    "band_cell": row.cells.get("band", f"A{row.row}"),
                    "cell": row.cells.get("price", f"C{row.row}"),
                }
            )
    prices = _object_frame(
        price_rows,
        ["bid", "file", "row", "band_text", "band", "price", "invalid", "band_cell", "cell"],
    )
    prices["invalid"] = prices["invalid"].astype(bool)
    return prices


def _coverage_frames(reads: list[BidRead], tender: Tender, fmt: Format) -> dict[str, pd.DataFrame]:
    """Coverage sheet -> one row a coverage row of a bid."""
    coverage_rows: dict[str, list[dict[str, Any]]] = {lot.coverage_sheet: [] for lot in tender.lots}
    for index, read in enumerate(reads):
        for sheet, rows in coverage_rows.items():
            for row in read.tables.get(sheet, []):
                record: dict[str, Any] = {"bid": index, "file": read.file, "row": row.row}
                for key, value in row.values.items():
                    record[key] = value
                    record[f"{key}_cell"] = row.cells[key]
                rows.append(record)
    coverage = {}
    for sheet, rows in coverage_rows.items():
        spec = fmt.sheet(sheet)
        columns = ["bid", "file", "row"] + [
            c for col in spec.columns for c in (col.key, f"{col.key}_cell")
        ]
        coverage[sheet] = _object_frame(rows, columns)
    return coverage


def _object_frame(records: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A frame of Python objects: a missing value stays None (never NaN or NaT)."""
    return pd.DataFrame(
        {column: pd.Series([r.get(column) for r in records], dtype=object) for column in columns},
        columns=columns,
    )
