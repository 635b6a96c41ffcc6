"""An officers' workbook's columns, coded in the reading process (clc_tender.read.columns): one
value per distinct type and value, blanks apart, conversions once per value."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd

from clc_tender.read.columns import _coded, decoded, each_coded, sheet_columns


def test_values_of_different_types_stay_apart_and_blanks_are_minus_one() -> None:
    cells = [1, 1.0, True, "1", None, "", "  ", 1, "1", dt.date(2026, 3, 1), -0.0, 0.0]
    codes, found = _coded([[value] for value in cells], 0)
    assert found == [1, 1.0, True, "1", dt.date(2026, 3, 1), -0.0]  # 0.0 is -0.0, as before
    assert [type(value) for value in found] == [int, float, bool, str, dt.date, float]
    assert codes.tolist() == [0, 1, 2, 3, -1, -1, -1, 0, 3, 4, 5, 5]
    column = decoded((codes, found)).tolist()
    assert column[:4] == [1, 1.0, True, "1"] and [type(v) for v in column[:3]] == [int, float, bool]
    assert column[4:7] == [None, None, None]


def test_short_rows_are_blank() -> None:
    codes, found = _coded([["a", "x"], ["b"], ["c", "x"]], 1)
    assert (codes.tolist(), found) == ([0, -1, 0], ["x"])


def test_each_coded_converts_once_per_value() -> None:
    seen: list[object] = []

    def convert(value: object) -> str:
        seen.append(value)
        return str(value).strip().upper()

    coded = _coded([[v] for v in ["q1", " q1", "q1", None, "q2", "q1"]], 0)
    index = pd.Index([2, 3, 4, 5, 6, 7])
    result = each_coded(coded, convert, index)
    assert seen == ["q1", " q1", "q2"]
    assert result.tolist() == ["Q1", "Q1", "Q1", None, "Q2", "Q1"]
    assert result.dtype == object and result.index.equals(index)


def test_only_the_columns_asked_for_cross_back() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scores"
    ws.append(["Bid reference", "Notes", " score ", "Score"])
    ws.append(["A-1", "n", 4, 5])
    ws.append([None, None, None, None])
    ws.append(["A-2", "m", 3.0, 2])
    buffer = io.BytesIO()
    wb.save(buffer)
    titles = frozenset({"score", "bid reference"})
    header, columns = sheet_columns(buffer.getvalue(), "Scores", titles)
    assert header == ["Bid reference", "Notes", " score ", "Score"]
    assert sorted(columns) == [0, 2]  # the first column under each title
    assert columns[2][0].tolist() == [0, -1, 1] and columns[2][1] == [4, 3.0]
