"""A workbook of plain tables written straight to its parts (SpreadsheetML, ECMA-376).

For a workbook too large to write cell by cell through XlsxWriter in the time a command has:
``place`` writes some 200,000 rows (1.5 million cells) and XlsxWriter spends microseconds of
Python on each cell. Here a row is one string built from its values, the sheets are streamed
into the zip as they are made, and only the shared strings are held until the end.

What it writes is what XlsxWriter writes for the same workbook, part for part: the same
styles and theme, column widths, frozen header row, autofilter, print set-up (A4 landscape,
one page wide, the header row on every page, a footer with the sheet name and page number),
row heights, shared strings and document properties. Text is always text (never a formula or
a link); control characters are escaped as Excel does (``_xHHHH_``); a string longer than a
cell holds is cut at Excel's limit, as XlsxWriter cuts it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from xlsxwriter.theme import THEME_XML_2007

from .layout import LINE_POINTS, MAX_ROW_POINTS, wrapped_lines

Cell = str | int | float | Decimal | None
Column = tuple[str, str, float]  # header, kind (text, wrap, int, money, pct, km), width

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAX_STRING = 32767  # UTF-16 units in a cell, as Excel allows
ROWS_PER_CHUNK = 2000
COMPRESSION = 1  # zlib level: the sheets are repetitive XML, and level 1 is ~3 times faster

# the cell styles (indexes into cellXfs below) of each column kind, and of the header row
STYLE = {"text": 1, "int": 1, "wrap": 2, "km": 4, "money": 5, "pct": 6}
HEADER_STYLE = 3
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="3"><numFmt numFmtId="164" formatCode="0.0"/>'
    '<numFmt numFmtId="165" formatCode="£#,##0.00"/><numFmt numFmtId="166" formatCode="0.00"/>'
    '</numFmts><fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/>'
    '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
    '<fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
    '<left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
    '<diagonal/></border></borders><cellStyleXfs count="1">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top"/></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'applyAlignment="1"><alignment vertical="top"/></xf></cellXfs><cellStyles count="1">'
    '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
    'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
)
SHEET_TAIL = (
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/><headerFooter>'
    "<oddFooter>&amp;L&amp;A&amp;RPage &amp;P of &amp;N</oddFooter></headerFooter></worksheet>"
)

_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_MARKUP = re.compile("[&<>]")
_CONTROL_OR_NONCHARACTER = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Properties:
    """The document's properties (File > Info) and its custom properties."""

    title: str
    subject: str
    company: str
    comments: str
    created: dt.datetime  # UTC
    custom: tuple[tuple[str, str], ...] = ()


def column_letter(index: int) -> str:
    """``0`` -> ``A``, ``26`` -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """Text as the data of an XML element (``&``, ``<``, ``>``)."""
    if _MARKUP.search(text) is None:
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;").replace("\n", "&#xA;")


def shared_string(text: str) -> str:
    """A shared string's ``<si>``: control characters as ``_xHHHH_`` (a literal ``_xHHHH_``
    escaped in turn), leading or trailing space kept."""
    if "_x" in text or _CONTROL_OR_NONCHARACTER.search(text):
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<si><t{space}>{escape(text)}</t></si>"


def cut(text: str) -> str:
    """A string cut to the 32,767 UTF-16 units a cell holds."""
    if len(text) <= MAX_STRING // 2 or len(text.encode("utf-16-le")) <= 2 * MAX_STRING:
        return text
    return text.encode("utf-16-le")[: 2 * MAX_STRING].decode("utf-16-le", errors="ignore")


def column_width(width: float) -> str:
    """A width in characters as Excel stores it (whole pixels of a 7-pixel digit, plus 5)."""
    pixels = int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5
    return f"{pixels * 256 // 7 / 256.0:.16g}"


def quoted(sheet: str) -> str:
    """A sheet's name as a formula names it."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


class _Cells:
    """The cells of one column as the sheet's XML writes them: ``<c r="`` and the column's
    letter, then the row number, then the rest, kept for each value met."""

    def __init__(self, letter: str, style: int) -> None:
        self.opening = f'<c r="{letter}'
        self.style = style
        self.texts: dict[str, str] = {}
        self.numbers: dict[object, str] = {}

    def text(self, index: int) -> str:
        return f'" s="{self.style}" t="s"><v>{index}</v></c>'

    def number(self, value: object) -> str:
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            raise ValueError(f"{number} cannot be written to a workbook cell")
        return f'" s="{self.style}"><v>{number:.16G}</v></c>'


class TableBook:
    """A workbook of tables, written as :meth:`table` is called; :meth:`close` finishes it.

    Each table is a sheet: a header row, then one row per item, each column of one kind."""

    def __init__(self, path: Path, properties: Properties) -> None:
        self.path = path
        self.properties = properties
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION)
        self.strings: dict[str, int] = {}
        self.string_cells = 0
        self.sheets: list[tuple[str, str]] = []  # (name, the range of its table)

    def _part(self, name: str, text: str) -> None:
        self.zip.writestr(name, text.encode("utf-8"))

    def table(self, name: str, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> None:
        """Write one sheet: ``columns`` (header, kind, width) and ``rows`` of values (None or
        "" leave a cell empty; text is written as text, anything else as a number)."""
        last = column_letter(len(columns) - 1)
        self.sheets.append((name, f"$A$1:${last}${max(len(rows), 1) + 1}"))
        number = len(self.sheets)
        with self.zip.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
            for chunk in self._sheet(columns, rows, selected=number == 1):
                part.write(chunk.encode("utf-8"))

    def _sheet(
        self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, selected: bool
    ) -> Iterator[str]:
        letters = [column_letter(c) for c in range(len(columns))]
        styles = [STYLE[kind] for _, kind, _ in columns]
        cols = _cols([(column_width(width), styles[c]) for c, (_, _, width) in enumerate(columns)])
        view = ' tabSelected="1"' if selected else ""
        header = [_Cells(letter, HEADER_STYLE) for letter in letters]
        yield (
            f'{XML_HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetPr>'
            f'<pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{letters[-1]}'
            f'{len(rows) + 1}"/><sheetViews><sheetView{view} workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
            + "".join(self._rows([[h for h, _, _ in columns]], 1, header, []))
        )
        cells = [_Cells(letter, style) for letter, style in zip(letters, styles, strict=True)]
        wraps = [(c, width) for c, (_, kind, width) in enumerate(columns) if kind == "wrap"]
        yield from self._rows(rows, 2, cells, wraps)
        filtered = f"A1:{letters[-1]}{max(len(rows), 1) + 1}"
        yield f'</sheetData><autoFilter ref="{filtered}"/>' + SHEET_TAIL

    def _rows(
        self,
        rows: Sequence[Sequence[Cell]],
        first: int,
        cells: list[_Cells],
        wraps: list[tuple[int, float]],
    ) -> Iterator[str]:
        """The ``<row>`` elements, numbered from ``first``, a chunk of rows at a time: text as
        shared strings, anything else as a number, each row as tall as its wrapped text. What
        follows a cell's reference is worked out once for each value of a column; the loop is
        written out flat, as it runs for every one of a million cells."""
        openings = [c.opening for c in cells]
        texts = [c.texts for c in cells]
        numbers = [c.numbers for c in cells]
        heights: list[dict[str, float | None]] = [{} for _ in cells]
        lines: dict[tuple[str, float], int] = {}  # how many lines each line of text wraps to
        index = self._index
        chunk: list[str] = []
        counted = 0
        for number, row in enumerate(rows, start=first):
            height = None
            for c, width in wraps:
                text = row[c]
                # only a cell with a line break or longer than its column can take more lines
                if isinstance(text, str) and ("\n" in text or len(text) >= width - 1):
                    if text in heights[c]:
                        tall = heights[c][text]
                    else:
                        tall = heights[c][text] = _height(text, width, lines)
                    if tall is not None and (height is None or tall > height):
                        height = tall
            r = str(number)
            parts = [
                f'<row r="{r}" ht="{height:.16g}" customHeight="1">' if height else f'<row r="{r}">'
            ]
            c = -1
            for value in row:
                c += 1
                if value is None:
                    continue
                if isinstance(value, str):
                    if not value:
                        continue
                    rest = texts[c].get(value)
                    if rest is None:
                        rest = texts[c][value] = cells[c].text(index(value))
                    counted += 1
                else:
                    rest = numbers[c].get(value)
                    if rest is None:
                        rest = numbers[c][value] = cells[c].number(value)
                parts.append(f"{openings[c]}{r}{rest}")
            parts.append("</row>")
            chunk.append("".join(parts))
            if len(chunk) == ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        self.string_cells += counted
        yield "".join(chunk)

    def _index(self, text: str) -> int:
        """The index of ``text`` in the shared strings, added when new."""
        text = cut(text)
        found = self.strings.get(text)
        if found is None:
            found = self.strings[text] = len(self.strings)
        return found

    def close(self) -> None:
        """Write the shared strings, the workbook, its styles, theme and properties."""
        try:
            self._finish()
        finally:
            self.zip.close()

    def _finish(self) -> None:
        n = len(self.sheets)
        sheet_types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            f'ContentType="{OFFICE}.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        self._part(
            "[Content_Types].xml",
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{OFFICE}.extended-properties'
            '+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.'
            'openxmlformats-package.core-properties+xml"/><Override PartName="/xl/styles.xml" '
            f'ContentType="{OFFICE}.spreadsheetml.styles+xml"/><Override PartName="/xl/theme/'
            f'theme1.xml" ContentType="{OFFICE}.theme+xml"/><Override PartName="/xl/workbook.'
            f'xml" ContentType="{OFFICE}.spreadsheetml.sheet.main+xml"/>{sheet_types}'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{OFFICE}.spreadsheetml.sharedStrings+xml"/>'
            + (
                f'<Override PartName="/docProps/custom.xml" ContentType="{OFFICE}.'
                'custom-properties+xml"/>'
                if self.properties.custom
                else ""
            )
            + "</Types>",
        )
        self._part("_rels/.rels", self._package_rels())
        self._part("xl/_rels/workbook.xml.rels", self._workbook_rels())
        self._part("xl/workbook.xml", self._workbook())
        self._part("xl/styles.xml", XML_HEAD + STYLES)
        self._part("xl/theme/theme1.xml", THEME_XML_2007)
        self._part("docProps/core.xml", self._core())
        self._part("docProps/app.xml", self._app())
        if self.properties.custom:
            self._part("docProps/custom.xml", self._custom())
        strings = "".join(map(shared_string, self.strings))
        self._part(
            "xl/sharedStrings.xml",
            f'{XML_HEAD}<sst xmlns="{MAIN}" count="{self.string_cells}" '
            f'uniqueCount="{len(self.strings)}">{strings}</sst>',
        )

    def _package_rels(self) -> str:
        office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        targets = [
            (f"{office}/officeDocument", "xl/workbook.xml"),
            (f"{PACKAGE_RELS}/metadata/core-properties", "docProps/core.xml"),
            (f"{office}/extended-properties", "docProps/app.xml"),
        ]
        if self.properties.custom:
            targets.append((f"{office}/custom-properties", "docProps/custom.xml"))
        return _relationships(targets)

    def _workbook_rels(self) -> str:
        targets = [(f"{RELS}/worksheet", f"worksheets/sheet{i}.xml") for i in self._numbers()]
        targets += [
            (f"{RELS}/theme", "theme/theme1.xml"),
            (f"{RELS}/styles", "styles.xml"),
            (f"{RELS}/sharedStrings", "sharedStrings.xml"),
        ]
        return _relationships(targets)

    def _numbers(self) -> range:
        return range(1, len(self.sheets) + 1)

    def _by_name(self) -> list[tuple[int, str, str]]:
        """(index, name, range) of each sheet, in the order Excel lists defined names."""
        return sorted(
            ((i, name, ref) for i, (name, ref) in enumerate(self.sheets)), key=lambda s: s[1]
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape_attribute(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in zip(self._numbers(), self.sheets, strict=True)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(quoted(name))}!{ref}</definedName>"
            for i, name, ref in self._by_name()
        ) + "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f"{escape(quoted(name))}!$1:$1</definedName>"
            for i, name, _ in self._by_name()
        )
        return (
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><fileVersion appName="xl" '
            'lastEdited="4" lowestEdited="4" rupBuild="4505"/><workbookPr '
            'defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" yWindow="15" '
            f'windowWidth="16095" windowHeight="9660"/></bookViews><sheets>{sheets}</sheets>'
            f'<definedNames>{names}</definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/>'
            "</workbook>"
        )

    def _core(self) -> str:
        p = self.properties
        stamp = p.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f'{XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
            'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(p.title)}</dc:title><dc:subject>{escape(p.subject)}</dc:subject>"
            f"<dc:creator></dc:creator><dc:description>{escape(p.comments)}</dc:description>"
            '<cp:lastModifiedBy></cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">'
            f'{stamp}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}'
            "</dcterms:modified></cp:coreProperties>"
        )

    def _app(self) -> str:
        names = [name for name, _ in self.sheets]
        titles = names + [f"{quoted(name)}!Print_Titles" for _, name, _ in self._by_name()]
        parts = "".join(f"<vt:lpstr>{escape(t)}</vt:lpstr>" for t in titles)
        return (
            f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            '2006/docPropsVTypes"><Application>Microsoft Excel</Application><DocSecurity>0'
            "</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs>"
            '<vt:vector size="4" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>'
            f"</vt:variant><vt:variant><vt:i4>{len(names)}</vt:i4></vt:variant><vt:variant>"
            "<vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant>"
            f"<vt:i4>{len(names)}</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            f'<TitlesOfParts><vt:vector size="{len(titles)}" baseType="lpstr">{parts}'
            f"</vt:vector></TitlesOfParts><Company>{escape(self.properties.company)}</Company>"
            "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
            "</Properties>"
        )

    def _custom(self) -> str:
        properties = "".join(
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
            f'pid="{pid}" name="{escape_attribute(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr>'
            "</property>"
            for pid, (name, value) in enumerate(self.properties.custom, start=2)
        )
        return (
            f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'docPropsVTypes">{properties}</Properties>'
        )


def _height(text: str, width: float, lines: dict[tuple[str, float], int]) -> float | None:
    """:func:`~.layout.row_height` of one cell, line by line: a line of text that repeats (a
    reason given for many candidates) is wrapped once."""
    total = 0
    for line in text.split("\n"):
        count = lines.get((line, width))
        if count is None:
            count = lines[(line, width)] = wrapped_lines(line, width)
        total += count
    return None if total <= 1 else float(min(total * LINE_POINTS, MAX_ROW_POINTS))


def _cols(widths: list[tuple[str, int]]) -> str:
    """The ``<col>`` elements: one per run of neighbouring columns of one width and style."""
    spans: list[list[object]] = []
    for c, (width, style) in enumerate(widths, start=1):
        if spans and spans[-1][2:] == [width, style] and spans[-1][1] == c - 1:
            spans[-1][1] = c
        else:
            spans.append([c, c, width, style])
    return "".join(
        f'<col min="{first}" max="{last}" width="{width}" style="{style}" customWidth="1"/>'
        for first, last, width, style in spans
    )


def _relationships(targets: list[tuple[str, str]]) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELS}">{rels}</Relationships>'
