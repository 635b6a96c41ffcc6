"""Outputs written whole or not at all: a temporary file beside the output, then a rename.

Every writer (shortlist, letters, template) goes through :func:`atomic_output`, so an
existing output is never overwritten without ``--force`` and a failure never leaves a
half-written file or a stray temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


class OutputProblem(Exception):
    """An output that cannot or must not be written: one line naming the path given, exit 2."""


class OutputExists(Exception):
    """The output file exists and ``--force`` was not given."""

    def __init__(self, out: Path) -> None:
        super().__init__(f"{out} already exists; use --force to overwrite it")
        self.out = out


def check_output(
    out: Path,
    force: bool,
    inputs: Iterable[Path] = (),
    suffixes: Iterable[str] = (),
    what: str = "the output",
    *,
    folder_exists: bool = True,
) -> None:
    """Check an output before any work: its extension, its folder, that it is none of the
    run's ``inputs`` (never replaced, even with ``force``), and that it does not exist unless
    ``force``. Raises :class:`OutputProblem` or :class:`OutputExists`, naming ``out`` as given."""
    allowed = [s.lower() for s in suffixes]
    if allowed and out.suffix.lower() not in allowed:
        listed = " or ".join(allowed)
        raise OutputProblem(f"{out}: {what} must end in {listed}, not '{out.suffix or '(none)'}'")
    folder = out.parent if str(out.parent) else Path(".")
    if folder_exists and not folder.is_dir():
        raise OutputProblem(f"{out}: the folder {folder} does not exist")
    if out.is_dir():
        raise OutputProblem(f"{out}: a folder, not a file")
    same = same_files(out, inputs)
    if same:
        raise OutputProblem(
            f"{out} is an input of this run ({same[0]}); inputs are never overwritten, even"
            " with --force: choose another output"
        )
    if not force and (out.exists() or out.is_symlink()):
        raise OutputExists(out)


def same_files(one: Path, others: Iterable[Path]) -> list[Path]:
    """Those of ``others`` that are, or resolve (through links, hard links too) to, the same
    file as ``one``. ``one`` is looked at once; each of the others is one ``stat`` when both
    exist (same device and inode), else their resolved paths are compared."""
    mine = _identity(one)
    resolved: Path | None = None
    found = []
    for other in others:
        theirs = _identity(other)
        if mine is not None and theirs is not None:
            if mine == theirs:
                found.append(other)
            continue
        try:
            if resolved is None:
                resolved = one.resolve()
            if resolved == other.resolve():
                found.append(other)
        except (OSError, RuntimeError):
            continue
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return status.st_dev, status.st_ino


@contextlib.contextmanager
def atomic_output(out: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path in ``out``'s folder; on success it replaces ``out``.

    Raises :class:`OutputExists` before anything is created when ``out`` exists and not
    ``force``. On any failure inside the block the temporary file is removed and ``out``
    is left as it was.
    """
    out = Path(out)
    check_output(out, force)
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=f".tmp{out.suffix}")
    except OSError as exc:  # name the output the officer gave, never the temporary file
        raise OutputProblem(f"{out}: cannot be written ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates the file private (0600); give the output the usual permissions
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
