"""What the bid-file guards share: the inspection's result (``SheetPart``, ``Inspection``), the
rejection that stops it (``_Reject``), the workbook's fixed part names and the scan limits, and
sizes as people read them. See ``guards.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from clc_tender.findings import Finding

_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_CUSTOM = "docProps/custom.xml"
_STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
# The largest sheet a spreadsheet can have (Excel's 1,048,576 rows by 16,384 columns, XFD).
_MAX_ROW = 1_048_576
_MAX_COL = 16_384
_SHEET_PREFIX = "xl/worksheets/"

# The compression-ratio rule applies only above this declared size: small parts such as a
# styles.xml full of repeated elements compress extremely well and are harmless.
_RATIO_FLOOR = 1024 * 1024
# A <c> or <row> start tag longer than this is not something any spreadsheet program writes.
_TAG_MAX = 64 * 1024
_EXPECTED = "expected an Excel .xlsx workbook"
_RESEND = "ask for the file to be saved again from Excel and sent again"


@dataclass(frozen=True)
class SheetPart:
    """One worksheet: its name, its zip member, and where its content cells lie."""

    name: str  # sheet name as in xl/workbook.xml
    member: str  # zip member path, e.g. "xl/worksheets/sheet1.xml"
    max_row: int  # highest row number (1-based) of any cell with content, 0 if none
    max_col: int  # highest column number (1-based) of any cell with content, 0 if none
    cells: int  # number of cells with content
    formulas: bool = True  # a formula or a saved Excel error is somewhere on the sheet
    hidden: bool = False  # the sheet is hidden (state="hidden" or "veryHidden")
    odd_numbers: bool = False  # a <v> that may be NaN, an infinity, exponent or negative
    hides: bool = False  # the part mentions "hidden" (rows or columns may be hidden)


@dataclass(frozen=True)
class Inspection:
    findings: tuple[Finding, ...]  # non-empty => the file cannot be read further
    sheets: tuple[SheetPart, ...]  # in workbook order; empty when findings is non-empty
    producer: str = ""  # the kind clc-tender wrote it as ("shortlist"...), "" for any other file
    strict: bool = False  # a Strict Open XML workbook (read through its transitional form)

    @property
    def ok(self) -> bool:
        return not self.findings


class _Reject(Exception):
    """Stops the inspection with one file-level finding."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _size(count: int) -> str:
    """A size as Windows Explorer shows it (binary units), e.g. ``60.2 MB``."""
    if count < 1024:
        return f"{count:,} bytes"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            value = f"{count / scale:,.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{count:,} bytes"  # pragma: no cover
