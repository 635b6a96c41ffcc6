"""The naive peer: what reading the bids with pandas alone costs, nothing else.

    python bench/naive.py FOLDER

Calls ``pandas.read_excel(path, sheet_name=None, engine="openpyxl")`` on every ``.xlsx`` file
of FOLDER (sorted by name); no validation, no rules, no output. Prints the number of files and
sheets read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas


def read_all(folder: Path) -> tuple[int, int]:
    """(files, sheets) read."""
    files = sheets = 0
    for path in sorted(folder.glob("*.xlsx")):
        frames = pandas.read_excel(path, sheet_name=None, engine="openpyxl")
        files += 1
        sheets += len(frames)
    return files, sheets


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: naive.py FOLDER")
    files, sheets = read_all(Path(sys.argv[1]))
    print(f"{files} files, {sheets} sheets")


if __name__ == "__main__":
    main()
