"""One workbook, one reading: the bytes every reading library is given, and what is hidden.

python-calamine reads the cells and openpyxl takes a closer look at some; both must see the
same workbook. So before either sees a file:

- a Strict Open XML workbook is rewritten with the transitional namespaces (openpyxl knows
  only those and would find no sheets; the cells themselves are the same);
- a number that is not a number (NaN, an infinity) and a date serial outside Excel's range
  (before 1 January 1900, after 31 December 9999) are taken out of the sheet, and the cell is
  reported as ``invalid-value`` by the reader wherever it is used: never a blank, a date or a
  price (python-calamine reads a NaN date as 30 December 1899 and panics on ``-inf``).

Only files that need it are rewritten (the byte guards flag them); the SHA-256 recorded is
always that of the file as received.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from defusedxml.ElementTree import fromstring as _safe_fromstring

_STRICT = (
    (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/customProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/main",
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
        b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/chart",
        b"http://schemas.openxmlformats.org/drawingml/2006/chart",
    ),
)
_LAST_SERIAL = 2_958_466  # 1 January 10000: serials from here on are after 31 December 9999
# Excel's built-in number formats that show a date or a time.
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})
_PREFIX = rb"(?:[A-Za-z_][\w.\-]*:)?"
# A <row> start tag, or a whole <c> element. A cell's body never holds another <c> start or
# end, and is read possessively: a cell left unclosed costs a scan to the next cell, never a
# scan to the end of the part for every such cell (linear on any input).
_TOKEN = re.compile(
    rb"<(?P<rp>" + _PREFIX + rb")row\b(?P<ra>[^>]*)>"
    rb"|<(?P<cp>" + _PREFIX + rb")c\b(?P<ca>[^>]*?)(?:/>|>(?P<body>(?>[^<]*+"
    rb"(?:<(?!/?" + _PREFIX + rb"c[\s/>])[^<]*+)*+))</(?P=cp)c\s*>)",
)
_ATTR = re.compile(rb"(?<![\w:])(r|s|t|hidden|min|max)\s*=\s*[\"']([^\"'<]*)[\"']")
_VALUE = re.compile(rb"<" + _PREFIX + rb"v>([^<]*)</")
_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_COL_TAG = re.compile(rb"<" + _PREFIX + rb"col\b([^>]*)>")
_ROW_TAG = re.compile(rb"<" + _PREFIX + rb"row\b([^>]*)>")


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return {name: value.strip() for name, value in _ATTR.findall(text)}


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _letters(number: int) -> str:
    text = ""
    while number:
        number, rem = divmod(number - 1, 26)
        text = chr(65 + rem) + text
    return text


def transitional(data: bytes) -> bytes:
    """A Strict Open XML workbook with the transitional namespaces; the same cells."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.lower().endswith((".xml", ".rels")):
                for strict, plain in _STRICT:
                    body = body.replace(strict, plain)
            target.writestr(info.filename, body)
    return buffer.getvalue()


def _date_styles(styles: bytes | None) -> frozenset[int]:
    """The cell style indexes (``s``) whose number format shows a date or time."""
    if not styles:
        return frozenset()
    from openpyxl.styles.numbers import is_date_format

    try:
        root = _safe_fromstring(styles, forbid_dtd=True)
    except Exception:  # a damaged styles part: no date styles known (the readers decide)
        return frozenset()
    local = {id(e): str(e.tag).rpartition("}")[2] for e in root.iter()}
    codes: dict[str, str] = {}
    found: set[int] = set()
    for group in root:
        if local[id(group)] == "numFmts":
            for fmt in group:
                codes[fmt.get("numFmtId") or ""] = fmt.get("formatCode") or ""
    for group in root:
        if local[id(group)] != "cellXfs":
            continue
        for index, xf in enumerate(e for e in group if local[id(e)] == "xf"):
            number = (xf.get("numFmtId") or "0").strip()
            if number in codes:
                dated = is_date_format(codes[number])
            else:
                dated = number.isdigit() and int(number) in _DATE_FORMAT_IDS
            if dated:
                found.add(index)
    return frozenset(found)


@dataclass
class Cleaned:
    data: bytes
    bad: dict[tuple[str, str], str] = field(default_factory=dict)  # (member, "B7") -> why


def take_out_bad_numbers(data: bytes, members: list[str]) -> Cleaned:
    """Blank every NaN, infinity and out-of-range date serial of the given worksheet parts;
    say which cells they were. The file is rewritten only when there is one."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = set(source.namelist())
        styles = source.read("xl/styles.xml") if "xl/styles.xml" in names else None
        dates = _date_styles(styles)
        bad: dict[tuple[str, str], str] = {}
        changed: dict[str, bytes] = {}
        for member in members:
            if member not in names:
                continue
            body = source.read(member)
            found: dict[str, str] = {}
            new = _clean_sheet(body, dates, found)
            if found:
                changed[member] = new
                bad.update({(member, ref): why for ref, why in found.items()})
        if not changed:
            return Cleaned(data)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info.filename, changed.get(info.filename) or source.read(info))
    return Cleaned(buffer.getvalue(), bad)


def _clean_sheet(body: bytes, dates: frozenset[int], found: dict[str, str]) -> bytes:
    position = [0, 0]  # row, column of the last cell placed

    def visit(match: re.Match[bytes]) -> bytes:
        if match.group("ca") is None:  # a <row>
            given = _attrs(match.group("ra")).get(b"r", b"")
            position[0] = int(given) if given.isdigit() else position[0] + 1
            position[1] = 0
            return match.group(0)
        attributes = _attrs(match.group("ca"))
        ref = attributes.get(b"r", b"").decode("ascii", "replace")
        place = _REF.fullmatch(ref)
        if place:
            position[1] = _column_number(place.group(1))
            row = int(place.group(2))
        else:
            position[1] += 1
            row = position[0] or 1
            ref = f"{_letters(position[1])}{row}"
        body_ = match.group("body")
        if not body_ or attributes.get(b"t", b"n") != b"n":
            return match.group(0)
        value = _VALUE.search(body_)
        if value is None:
            return match.group(0)
        try:
            number = float(value.group(1).strip())
        except ValueError:
            return match.group(0)
        style = attributes.get(b"s", b"0")
        dated = style.isdigit() and int(style) in dates
        if not math.isfinite(number):
            why = "is not a number (NaN or an infinity)"
        elif dated and not 0 <= number < _LAST_SERIAL:
            why = (
                "is a date outside the range Excel can show (before 1 January 1900 or after"
                " 31 December 9999)"
            )
        else:
            return match.group(0)
        found[ref] = why
        return b"<" + match.group("cp") + b'c r="' + ref.encode() + b'"/>'

    return _TOKEN.sub(visit, body)


@dataclass(frozen=True)
class Hidden:
    """What a worksheet hides: the whole sheet, some rows, some columns."""

    sheet: bool = False
    rows: frozenset[int] = frozenset()
    columns: tuple[tuple[int, int], ...] = ()  # (first, last) column numbers

    def covers(self, row: int, column: int) -> str:
        """Why the cell is hidden ("" when it is not)."""
        if self.sheet:
            return "the sheet is hidden"
        if row in self.rows:
            return f"row {row} is hidden"
        if any(first <= column <= last for first, last in self.columns):
            return f"column {_letters(column)} is hidden"
        return ""


def hidden_parts(body: bytes, sheet_hidden: bool) -> Hidden:
    """The hidden rows and columns of one worksheet part (only looked for when it says so)."""
    if b"hidden" not in body:
        return Hidden(sheet_hidden)
    columns = []
    for text in _COL_TAG.findall(body):
        found = _attrs(text)
        if found.get(b"hidden", b"0") in (b"1", b"true"):
            low, high = found.get(b"min", b""), found.get(b"max", b"")
            if low.isdigit() and high.isdigit():
                columns.append((int(low), int(high)))
    rows = set()
    current = 0
    for text in _ROW_TAG.findall(body):
        found = _attrs(text)
        number = found.get(b"r", b"")
        current = int(number) if number.isdigit() else current + 1
        if found.get(b"hidden", b"0") in (b"1", b"true"):
            rows.add(current)
    return Hidden(sheet_hidden, frozenset(rows), tuple(columns))


def sheet_bodies(data: bytes, members: list[str]) -> dict[str, bytes]:
    """The XML of some worksheet parts (already checked by the guards: bounded)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = set(source.namelist())
        return {m: source.read(m) for m in members if m in names}


def cell_place(ref: str) -> tuple[int, int]:
    """ "C7" -> (7, 3)."""
    match = _REF.fullmatch(ref)
    if not match:
        return 0, 0
    return int(match.group(2)), _column_number(match.group(1))


__all__: list[Any] = [
    "Cleaned",
    "Hidden",
    "cell_place",
    "hidden_parts",
    "sheet_bodies",
    "take_out_bad_numbers",
    "transitional",
]
