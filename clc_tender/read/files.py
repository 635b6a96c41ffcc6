"""The files of a bids folder: which are bids, which are skipped and why, and their hashes.

Free of pandas, so that reading can start before the heavy libraries are imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ..results import InputFile
from .guards import classify

__all__ = ["InputFile", "input_file", "list_folder", "sha256_of"]


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_file(path: Path, status: str, note: str = "") -> InputFile:
    """An officer's input (scores, decisions, register, receipts) for the ``Inputs`` sheet."""
    return InputFile(str(path), path, path.stat().st_size, sha256_of(path), status, note)


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
