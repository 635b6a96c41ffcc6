"""The table workbook writer (``write/table_book.py``): read back with openpyxl, as Excel would
show it: values and their types, number formats, widths, heights, the frozen header, the
autofilter, the print set-up and the document's properties."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from clc_tender.write.table_book import Properties, TableBook, column_letter, column_width

COLUMNS = [
    ("Name", "text", 20),
    ("Count", "int", 8),
    ("Price", "money", 12),
    ("Also price", "money", 12),
    ("Share", "pct", 9),
    ("Km", "km", 9),
    ("Notes", "wrap", 30),
]
PROPERTIES = Properties(
    title="T placements",
    subject="A subject & more",
    company="Leicestershire County Council",
    comments="Written by a test",
    created=dt.datetime(2026, 9, 1, 8, 30),
    custom=(("clc-tender", "placements"),),
)


def _write(path: Path, rows: list[list[object]]) -> openpyxl.Workbook:
    book = TableBook(path, PROPERTIES)
    book.table("First", COLUMNS, rows)  # type: ignore[arg-type]
    book.table("Second sheet", [("Item", "text", 10)], [])
    book.close()
    return openpyxl.load_workbook(path)


def test_values_types_and_formats(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Acme", 3, Decimal("96.28"), None, Decimal("80.50"), Decimal("1.3"), ""],
        ['=HYPERLINK("http://x","y")', 0, Decimal("0.00"), Decimal("5006.56"), None, None, "a"],
    ]
    wb = _write(tmp_path / "t.xlsx", rows)
    ws = wb["First"]
    assert [c.value for c in ws[1]] == [h for h, _, _ in COLUMNS]
    assert all(c.font.b for c in ws[1])
    first = ws[2]
    assert [c.value for c in first] == ["Acme", 3, 96.28, None, 80.5, 1.3, None]
    assert first[2].number_format == "£#,##0.00" and isinstance(first[2].value, float)
    assert first[4].number_format == "0.00" and first[5].number_format == "0.0"
    formula = ws["A3"]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    assert ws["C3"].value == 0 and ws["D3"].value == 5006.56
    assert wb.sheetnames == ["First", "Second sheet"]
    assert [c.value for c in wb["Second sheet"][1]] == ["Item"]


def test_text_is_stored_as_xlsxwriter_stores_it(tmp_path: Path) -> None:
    """Excel shows ``_xHHHH_`` as the control character it escapes (openpyxl leaves it)."""
    odd = [
        "  leading and trailing  ",
        "control \x01 and \x1f characters",
        "a literal _x0041_ escape",
        "<b>markup</b> & ampersands",
        "Line one\nline two",
        "emoji 😀 and accents é",
    ]
    wb = _write(tmp_path / "t.xlsx", [[text, None, None, None, None, None, None] for text in odd])
    reference = tmp_path / "reference.xlsx"
    with xlsxwriter.Workbook(str(reference)) as xw:
        ws = xw.add_worksheet()
        for row, text in enumerate(odd, start=1):
            ws.write_string(row, 0, text)
    expected = [c.value for c in openpyxl.load_workbook(reference).active["A"][1:]]
    assert [c.value for c in wb["First"]["A"][1:]] == expected
    assert expected[0] == odd[0] and expected[3:] == odd[3:]


def test_a_string_longer_than_a_cell_is_cut_at_excels_limit(tmp_path: Path) -> None:
    wb = _write(tmp_path / "t.xlsx", [["x" * 40000, None, None, None, None, None, None]])
    assert wb["First"]["A2"].value == "x" * 32767


def test_layout_and_print_setup(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["one line", 1, None, None, None, None, "short"],
        ["wrapped", 2, None, None, None, None, "first line\nsecond line\nthird line"],
    ]
    wb = _write(tmp_path / "t.xlsx", rows)
    ws = wb["First"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert "Page &P of &N" in ws.oddFooter.right.text
    assert ws.row_dimensions[2].height is None
    assert ws.row_dimensions[3].height == 45
    assert ws.column_dimensions["A"].width == pytest.approx(20.7109375)
    # neighbouring columns of one width and kind share one <col> element
    assert (ws.column_dimensions["C"].min, ws.column_dimensions["C"].max) == (3, 4)
    assert ws["G3"].alignment.wrap_text and ws["A2"].alignment.vertical == "top"
    assert wb["Second sheet"].auto_filter.ref == "A1:A2"


def test_document_properties(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = _write(path, [])
    assert wb.properties.title == "T placements"
    assert wb.properties.subject == "A subject & more"
    assert wb.properties.created == dt.datetime(2026, 9, 1, 8, 30)
    assert wb.custom_doc_props["clc-tender"].value == "placements"
    with zipfile.ZipFile(path) as z:
        assert "Leicestershire County Council" in z.read("docProps/app.xml").decode()
        assert "xl/theme/theme1.xml" in z.namelist()


def test_widths_and_letters_as_excel_stores_them() -> None:
    assert column_width(14) == "14.7109375"
    assert column_width(80) == "80.7109375"
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
