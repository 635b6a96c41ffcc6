"""Outputs written whole or not at all: a temporary file beside the output, then a rename.

Every writer (shortlist, letters, template) goes through :func:`atomic_output`, so an
existing output is never overwritten without ``--force`` and a failure never leaves a
half-written file or a stray temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


class OutputExists(Exception):
    """The output file exists and ``--force`` was not given."""

    def __init__(self, out: Path) -> None:
        super().__init__(f"{out} already exists; use --force to overwrite it")
        self.out = out


def check_output(out: Path, force: bool) -> None:
    """Raise :class:`OutputExists` when ``out`` exists and ``force`` is not set."""
    if not force and (out.exists() or out.is_symlink()):
        raise OutputExists(out)


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
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=f".tmp{out.suffix}")
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
