"""A sheet's columns as the reading process sends them back, coded: the index of each row's
value among the column's distinct values (-1 for a blank cell), and those values. An officers'
workbook repeats its lots, questions, evaluators and references over hundreds of thousands of
rows: what crosses back from the reading process is an array of numbers per column and a short
list, and a conversion is done once per distinct value (``each_coded``)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..workbook_format import normalise_label
from . import values

# A column of a sheet, coded: the index of each row's value among the column's distinct values
# (-1 for a blank cell), and those values.
Coded = tuple[np.ndarray, list[Any]]


def sheet_columns(
    data: bytes, sheet: str, titles: frozenset[str]
) -> tuple[list[Any], dict[int, Coded]]:
    """The sheet's header row and, for the first column under each of ``titles`` (normalised),
    its cells below the header, coded. Run in the reading process: what crosses back is the
    header, an array of numbers per column and each column's distinct values (a scores sheet
    repeats its lots, questions, evaluators and references over hundreds of thousands of
    rows)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    grid: list[list[Any]] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not grid:
        return [], {}
    labels = [normalise_label(h) for h in grid[0]]
    wanted = {labels.index(title) for title in titles if title in labels}
    body = grid[1:]
    return grid[0], {i: _coded(body, i) for i in wanted}


def _coded(rows: list[list[Any]], i: int) -> Coded:
    """Column ``i`` of ``rows``: one value per distinct type and value (1, 1.0, True and "1"
    apart), blanks -1 (and not among the values)."""
    try:
        cells = [row[i] for row in rows]
    except IndexError:
        cells = [row[i] if i < len(row) else None for row in rows]
    distinct: dict[tuple[type, Any], int] = {}
    codes = np.fromiter(
        (distinct.setdefault((type(v), v), len(distinct)) for v in cells),
        dtype=np.int32,
        count=len(cells),
    )
    found = [value for _kind, value in distinct]
    blank = [values.is_blank(value) for value in found]
    if any(blank):  # numbered again without them
        kept = [value for value, empty in zip(found, blank, strict=True) if not empty]
        number = itertools.count()
        renumber = [-1 if empty else next(number) for empty in blank]
        return np.array(renumber, dtype=np.int32)[codes], kept
    return codes, found


def decoded(coded: Coded) -> np.ndarray:
    """The column's values (None for a blank), as an array of objects."""
    codes, found = coded
    table = np.empty(len(found) + 1, dtype=object)
    table[:-1] = found
    table[-1] = None  # what -1 takes
    return table[codes]


def each_coded(coded: Coded, convert: Callable[[Any], Any], index: pd.Index) -> pd.Series:
    """``convert`` applied once per distinct value of a coded column (blanks stay None)."""
    codes, found = coded
    done = np.empty(len(found) + 1, dtype=object)
    done[:-1] = [convert(value) for value in found]
    done[-1] = None
    return pd.Series(done[codes], index=index, dtype=object)
