"""The files of a bids folder: which are bids, which are skipped and why, and their hashes.

Free of pandas, so that reading can start before the heavy libraries are imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .guards import classify


@dataclass
class InputFile:
    """A file seen in the bids folder, or a scores/decisions/register file."""

    file: str
    path: Path
    size: int
    sha256: str
    status: str  # bid, skipped, scores, decisions, register
    note: str = ""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_folder(folder: Path, exclude: Iterable[Path] = ()) -> tuple[list[Path], list[InputFile]]:
    """The bid files of a folder (sorted by name) and the files skipped, with why."""
    excluded = {p.resolve() for p in exclude}
    bids: list[Path] = []
    skipped: list[InputFile] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.resolve() in excluded:
            continue
        kind = classify(path)
        if kind == "skip":
            if path.is_dir():
                skipped.append(InputFile(path.name + "/", path, 0, "", "skipped", "a folder; not read"))
                continue
            why = (
                "an Excel lock file (~$); not a bid" if path.name.startswith("~$")
                else "a hidden file; not a bid" if path.name.startswith(".")
                else "not an .xlsx workbook; not a bid"
            )
            size = path.stat().st_size if path.is_file() else 0
            skipped.append(InputFile(path.name, path, size, sha256_of(path) if path.is_file() else "", "skipped", why))
        else:
            bids.append(path)
    return bids, skipped
