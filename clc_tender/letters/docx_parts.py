"""The Word letters' building blocks. python-docx makes the letters' package once (A4, Arial,
the styles, the footer) and each kind of paragraph and table once; their XML is kept as text
around the places where a letter's words go. A letter is then its document, footer and
properties as text, added to a copy of the package's other parts (styles, theme, settings…),
which are compressed once for all the letters."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SLOT = "\ue000"  # a private-use character: where a run's words go while the XML is made
_SLOT_T = f"<w:t>{_SLOT}</w:t>"
_BREAKS = re.compile("([\t\r\n])")
_TBL_END = "</w:tbl>"
TITLE_LIMIT = 255  # characters of a document property (python-docx refuses more)


def clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def escape(text: str) -> str:
    """Text as lxml writes it inside an element."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def run_content(text: str) -> str:
    """What python-docx writes inside a run for ``run.text = text``: ``w:t`` for the words
    (their spaces preserved when they begin or end with one), ``w:tab`` for a tab, ``w:br``
    for a line break."""
    if "\t" in text or "\n" in text or "\r" in text:
        return "".join(
            "<w:tab/>" if piece == "\t" else "<w:br/>" if piece in ("\r", "\n") else _words(piece)
            for piece in _BREAKS.split(text)
            if piece
        )
    return _words(text) if text else ""


def _words(text: str) -> str:
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


class _Slots:
    """XML text with a place for the words of each of its runs (a ``w:t`` of the slot)."""

    def __init__(self, xml: str) -> None:
        self.pieces = xml.split(_SLOT_T)

    def fill(self, *texts: str) -> str:
        out = [self.pieces[0]]
        for text, after in zip(texts, self.pieces[1:], strict=True):
            content = run_content(text)
            if not content and out[-1].endswith("<w:r>") and after.startswith("</w:r>"):
                out[-1] = out[-1][: -len("<w:r>")]  # a run with nothing in it: <w:r/>
                out.append("<w:r/>" + after[len("</w:r>") :])
            else:
                out += (content, after)
        return "".join(out)


def blank_document() -> Any:
    """The letters' document with its page and styles set and nothing in it."""
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
    body = doc.element.body
    for child in list(body):
        if child is not body.sectPr:
            body.remove(child)
    return doc


class Parts:
    """The letters' Word package and its recurring paragraphs and tables, for the letters of
    one author and date. A letter: :meth:`begin`, its paragraphs and tables in order, then
    :meth:`save`.

    Each kind of paragraph or table is built once with python-docx, in the otherwise empty
    document, and its XML kept (python-docx's per-element calls, and serialising and
    compressing the styles of every letter, were most of a letter's cost)."""

    def __init__(self, author: str, created: dt.datetime) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        self.doc = doc = blank_document()
        section = doc.sections[0]
        props = doc.core_properties
        props.author = author
        props.last_modified_by = author
        props.title = _SLOT
        props.comments = ""
        props.created = props.modified = created
        props.revision = 1
        _footer(section, _SLOT)
        document = doc.part
        footer = section.footer.part
        core = document.package.part_related_by(RT.CORE_PROPERTIES)
        xml = document.blob.decode("utf-8")
        split = xml.index("<w:body>") + len("<w:body>")
        self._head, self._tail = xml[:split], xml[split:]  # the body: its section only
        self._footer = _Slots(footer.blob.decode("utf-8"))
        self._core = core.blob.decode("utf-8").split(_SLOT)
        self._names = (
            core.partname.membername,
            document.partname.membername,
            footer.partname.membername,
        )
        whole = io.BytesIO()
        doc.save(whole)
        self._fixed = _without(whole.getvalue(), self._names)
        self._protos: dict[tuple[Any, ...], _Slots] = {}
        self._tables: dict[tuple[Any, ...], tuple[dict[bool, str], dict[bool, _Slots]]] = {}
        self._title = self._footer_text = ""
        self._body: list[str] = []

    # -- a letter ----------------------------------------------------------------------------

    def begin(self, title: str, footer: str) -> None:
        """A new letter: its document's title (a property) and the words of its footer."""
        self._title = clean(title)[:TITLE_LIMIT]
        self._footer_text = clean(footer.lstrip(" ·"))
        self._body = []

    def save(self, path: Path) -> None:
        """The letter as a ``.docx``: the package's fixed parts, then its properties, document
        and footer."""
        before, after = self._core
        texts = (
            before + escape(self._title) + after,
            self._head + "".join(self._body) + self._tail,
            self._footer.fill(self._footer_text),
        )
        package = io.BytesIO(self._fixed)
        with zipfile.ZipFile(package, "a", zipfile.ZIP_DEFLATED) as z:
            for name, text in zip(self._names, texts, strict=True):
                z.writestr(name, text.encode("utf-8"))
        Path(path).write_bytes(package.getvalue())

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        align: Any = None,
        after: float | None = None,
        keep: bool = False,
        hanging: bool = False,
        size: float | None = None,
        color: tuple[int, int, int] | None = None,
    ) -> None:
        """A paragraph of one run (none when ``text`` is empty) in ``size`` points and
        ``color``; ``keep``: with the next paragraph; ``hanging``: a numbered item
        (``1.<tab>text``) indented 0.75 cm."""
        key = ("p", bool(text), bold, align, after, keep, hanging, size, color)
        slots = self._protos.get(key)
        if slots is None:
            slots = self._protos[key] = _Slots(self._xml_of(self._paragraph(*key[1:])))
        self._body.append(slots.fill(clean(text)) if text else slots.fill())

    def _paragraph(
        self,
        words: bool,
        bold: bool,
        align: Any,
        after: float | None,
        keep: bool,
        hanging: bool,
        size: float | None,
        color: tuple[int, int, int] | None,
    ) -> Any:
        from docx.shared import Cm, Pt, RGBColor

        p = self.doc.add_paragraph()
        if words:
            run = p.add_run(_SLOT)
            run.bold = bold
            if size is not None:
                run.font.size = Pt(size)
            if color is not None:
                run.font.color.rgb = RGBColor(*color)
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

    def heading(self, text: str, level: int = 2) -> None:
        key = ("h", level)
        slots = self._protos.get(key)
        if slots is None:
            slots = self._protos[key] = _Slots(
                self._xml_of(self.doc.add_heading(_SLOT, level=level)._p)
            )
        self._body.append(slots.fill(clean(text)))

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[Any],
        centred: Sequence[int] = (),
    ) -> None:
        """A bordered table: a shaded header row repeated on each page, then ``rows``, each
        of one formatted row with its text filled in; a short table kept on one page."""
        key = (tuple(headers), tuple(widths), tuple(centred))
        if key not in self._tables:
            self._tables[key] = self._table_parts(headers, widths, centred)
        heads, lines = self._tables[key]
        short = len(rows) + 1 <= 12
        out = [heads[bool(rows) and short]]
        for index, values in enumerate(rows, start=1):
            # every row but the last keeps with the next
            out.append(lines[index < len(rows) and short].fill(*map(clean, values)))
        out.append(_TBL_END)
        self._body.append("".join(out))

    def _table_parts(
        self, headers: Sequence[str], widths: Sequence[Any], centred: Sequence[int]
    ) -> tuple[dict[bool, str], dict[bool, _Slots]]:
        """A table's XML without its end, its header row kept with the next row or not; and
        its data row's, kept with the next or not."""
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        proto, row = new_table(self.doc, headers, widths, centred)
        proto.getparent().remove(proto)
        heads: dict[bool, str] = {}
        lines: dict[bool, _Slots] = {}
        for keep in (False, True):
            tbl = deepcopy(proto)
            table = Table(tbl, self.doc._body)
            for tc in tbl.tr_lst[0].tc_lst:
                Paragraph(tc.p_lst[0], table).paragraph_format.keep_with_next = keep
            self._place(tbl)
            bare = self._xml_of(tbl)
            tr = deepcopy(row)
            tbl.append(tr)
            for tc in tr.tc_lst:
                p = Paragraph(tc.p_lst[0], table)
                p.add_run(_SLOT)
                p.paragraph_format.keep_with_next = keep
            self._place(tbl)
            full = self._xml_of(tbl)
            start = len(bare) - len(_TBL_END)
            if not (bare.endswith(_TBL_END) and full.startswith(bare[:start])):
                raise AssertionError("a table's row is not where it was expected")
            heads[keep] = bare[:start]
            lines[keep] = _Slots(full[start : -len(_TBL_END)])
        return heads, lines

    def _place(self, element: Any) -> None:
        """``element`` appended to the body (before its section properties)."""
        self.doc.element.body.sectPr.addprevious(element)

    def _xml_of(self, element: Any) -> str:
        """The XML of ``element``, the body's only content, which is then taken out."""
        xml = self.doc.part.blob.decode("utf-8")
        element.getparent().remove(element)
        if not (xml.startswith(self._head) and xml.endswith(self._tail)):
            raise AssertionError("the letters' document changed outside its body")
        return xml[len(self._head) : len(xml) - len(self._tail)]


def _without(package: bytes, names: Sequence[str]) -> bytes:
    """A ``.docx`` package's bytes without the parts ``names``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in names:
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


def _footer(section: Any, text: str) -> None:
    """A small grey footer: ``text`` then the page number (a PAGE field)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    p = section.footer.paragraphs[0]
    label, number = p.add_run(text), p.add_run("1")
    for run in (label, number):
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._r.addprevious(field)
    field.append(number._r)  # the run shows the page number the field computes


def unbroken(text: str) -> str:
    """``0116 305 2848`` never split across two lines (no-break spaces)."""
    return text.replace(" ", "\u00a0")


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
