"""The files of a bids folder: which are bids, which are skipped and why, and their hashes.

Free of pandas, so that reading can start before the heavy libraries are imported.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ..results import InputFile
from .guards import classify

__all__ = [
    "InputFile", "input_file", "list_folder", "not_regular", "read_regular", "resolved",
    "sha256_of",
]


def resolved(path: Path) -> Path:
    """The path with links followed as far as they go (a looping link: as it stands)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def not_regular(path: Path) -> str:
    """What a folder entry is when it is not a regular file (after following links), else ""."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that loops back on itself"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return "a link to something that does not exist"
        return f"cannot be examined ({exc.strerror or exc})"
    except ValueError:
        return "a name the system cannot open"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: Path) -> bytes:
    """A regular file's bytes; anything else (a pipe swapped in meanwhile) is refused at once,
    never waited on. Raises OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""  # a pipe or device is never waited on
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def input_file(path: Path, status: str, note: str = "") -> InputFile:
    """An officer's input (scores, decisions, register, receipts) for the ``Inputs`` sheet."""
    return InputFile(str(path), path, path.stat().st_size, sha256_of(path), status, note)


def list_folder(folder: Path, exclude: Iterable[Path] = ()) -> tuple[list[Path], list[InputFile]]:
    """The bid files of a folder (sorted by name) and the files skipped, with why."""
    excluded = {resolved(p) for p in exclude}
    bids: list[Path] = []
    skipped: list[InputFile] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if resolved(path) in excluded:
            continue
        what = not_regular(path)
        if what:
            shown = path.name + "/" if what == "a folder" else path.name
            skipped.append(InputFile(shown, path, 0, "", "skipped", f"{what}; not read"))
            continue
        kind = classify(path)
        if kind == "skip":
            why = (
                "an Excel lock file (~$); not a bid" if path.name.startswith("~$")
                else "a hidden file; not a bid" if path.name.startswith(".")
                else "not an .xlsx workbook; not a bid"
            )
            skipped.append(
                InputFile(path.name, path, path.stat().st_size, sha256_of(path), "skipped", why))
        else:
            bids.append(path)
    return bids, skipped
