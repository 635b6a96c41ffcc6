"""The Word letters' building blocks: one blank document made once and emptied per letter,
paragraphs and table rows copied from prepared ones, footers and address lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def blank_document() -> Any:
    """The letters' document with its page and styles set and nothing in it: made once per
    run (parsing Word's default template is most of a letter's cost), emptied per letter."""
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    for style_name, size in (("Heading 1", 13), ("Heading 2", 12)):
        style = doc.styles[style_name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(4)
    return doc


def empty(doc: Any) -> None:
    """Take out the previous letter: the body's content (its section properties stay) and the
    footer's runs (its paragraph properties stay)."""
    from docx.oxml.ns import qn

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    section = doc.sections[0]
    if not section.footer.is_linked_to_previous:  # a footer part of an earlier letter
        for p in section.footer.paragraphs:
            for child in list(p._p):
                if child.tag != qn("w:pPr"):
                    p._p.remove(child)


class Parts:
    """The letters' document and its recurring paragraphs and tables: each kind is built once
    with python-docx, then its XML is copied (python-docx's per-element calls, style lookups
    above all, are most of a letter's cost)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._protos: dict[tuple[Any, ...], Any] = {}

    def _place(self, element: Any) -> None:
        """``element`` appended to the body (before its section properties)."""
        from docx.oxml.ns import qn

        self.doc.element.body.find(qn("w:sectPr")).addprevious(element)

    def _proto(self, key: tuple[Any, ...], build: Any) -> Any:
        proto = self._protos.get(key)
        if proto is None:
            proto = build()
            proto.getparent().remove(proto)
            self._protos[key] = proto
        return proto

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        align: Any = None,
        after: float | None = None,
        keep: bool = False,
        hanging: bool = False,
    ) -> Any:
        """A paragraph of one run (none when ``text`` is empty); ``keep``: with the next
        paragraph; ``hanging``: a numbered item (``1.<tab>text``) indented 0.75 cm."""
        from copy import deepcopy

        from docx.shared import Cm, Pt
        from docx.text.paragraph import Paragraph

        def build() -> Any:
            p = self.doc.add_paragraph()
            if text:
                run = p.add_run("-")
                run.bold = bold
            if align is not None:
                p.alignment = align
            if after is not None:
                p.paragraph_format.space_after = Pt(after)
            if keep:
                p.paragraph_format.keep_with_next = True
            if hanging:
                p.paragraph_format.left_indent = Cm(0.75)
                p.paragraph_format.first_line_indent = Cm(-0.75)
                p.paragraph_format.tab_stops.add_tab_stop(Cm(0.75))
            return p._p

        element = deepcopy(self._proto(("p", bool(text), bold, align, after, keep, hanging), build))
        self._place(element)
        if text:
            element.r_lst[0].text = clean(text)
        return Paragraph(element, self.doc._body)

    def heading(self, text: str, level: int = 2) -> None:
        from copy import deepcopy

        element = deepcopy(
            self._proto(("h", level), lambda: self.doc.add_heading("-", level=level)._p)
        )
        self._place(element)
        element.r_lst[0].text = clean(text)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[Any],
        centred: Sequence[int] = (),
    ) -> None:
        """A bordered table: a shaded header row repeated on each page, then ``rows``, each a
        copy of one formatted row with its text filled in."""
        from copy import deepcopy

        from docx.table import Table
        from docx.text.paragraph import Paragraph

        key = ("t", tuple(headers), tuple(widths), tuple(centred))
        if key not in self._protos:
            table_proto, row_proto = new_table(self.doc, headers, widths, centred)
            table_proto.getparent().remove(table_proto)
            self._protos[key] = (table_proto, row_proto)
        table_proto, row_proto = self._protos[key]
        tbl = deepcopy(table_proto)
        self._place(tbl)
        table = Table(tbl, self.doc._body)
        short = len(rows) + 1 <= 12  # keep a short table on one page
        header = tbl.tr_lst[0]
        for tc in header.tc_lst:
            Paragraph(tc.p_lst[0], table).paragraph_format.keep_with_next = bool(rows) and short
        for index, values in enumerate(rows, start=1):
            tr = deepcopy(row_proto)
            tbl.append(tr)
            for tc, value in zip(tr.tc_lst, values, strict=True):
                p = Paragraph(tc.p_lst[0], table)
                p.add_run(clean(value))
                # every row but the last keeps with the next
                p.paragraph_format.keep_with_next = index < len(rows) and short


def unbroken(text: str) -> str:
    """``0116 305 2848`` never split across two lines (no-break spaces)."""
    return text.replace(" ", "\u00a0")


def footer(section: Any, text: str) -> None:
    """A small grey footer: ``text`` then the page number (a PAGE field)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    p = section.footer.paragraphs[0]
    label, number = p.add_run(clean(text.lstrip(" ·"))), p.add_run("1")
    for run in (label, number):
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._r.addprevious(field)
    field.append(number._r)  # the run shows the page number the field computes


def address_lines(address: str) -> list[str]:
    parts = re.split(r"\s*(?:\r?\n|,)\s*", address)
    return [p for p in (x.strip() for x in parts) if p]


def new_table(
    doc: Any, headers: Sequence[str], widths: Sequence[Any], centred: Sequence[int] = ()
) -> tuple[Any, Any]:
    """The prototype of a table, added to the body: its element (a shaded header row,
    repeated on each page) and its formatted data row (outside the table)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    header_row = table.rows[0]
    tr_pr = header_row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, title in zip(header_row.cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "D9E1F2")
        cell._tc.get_or_add_tcPr().append(shading)
    format_row(header_row._tr, table, widths, False)
    row = table.add_row()._tr
    for i, tc in enumerate(row.tc_lst):
        if i in centred:
            Paragraph(tc.p_lst[0], table).alignment = WD_ALIGN_PARAGRAPH.CENTER
    format_row(row, table, widths, False)
    row.getparent().remove(row)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    return table._tbl, row


def format_row(tr: Any, table: Any, widths: Sequence[Any], keep_with_next: bool) -> None:
    """A row that never splits across pages: its cells' widths and paragraph spacing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from docx.table import _Cell

    no_split = OxmlElement("w:cantSplit")
    no_split.set(qn("w:val"), "true")
    tr.get_or_add_trPr().append(no_split)
    for tc, width in zip(tr.tc_lst, widths, strict=True):
        cell = _Cell(tc, table)
        cell.width = width
        for p in cell.paragraphs:
            p.paragraph_format.space_after = Pt(2)
            p.paragraph_format.space_before = Pt(2)
            p.paragraph_format.keep_with_next = keep_with_next
