"""A Word document laid out as a council report (python-docx): A4, Arial, numbered headings,
numbered tables whose header rows repeat across pages and whose rows never split, figures with
captions, a footer with page numbers. Text is always text: nothing becomes a field or a link
(the footer's page numbers are the only fields)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__

BLUE = (0x1F, 0x3A, 0x5F)
TEXT_WIDTH_CM = 16.6
USABLE_CM = 16.5
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text as Word can hold it: characters XML forbids are dropped."""
    return _XML_INVALID.sub("", "" if text is None else str(text))


class WordDocument:
    """A python-docx document with the report's styles and numbering."""

    def __init__(self, title: str, footer: str) -> None:
        from docx import Document
        from docx.shared import Cm, Pt, RGBColor

        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.2)
        section.top_margin, section.bottom_margin = Cm(2), Cm(2)
        normal = self.doc.styles["Normal"]
        normal.font.name = "Arial"
        normal.font.size = Pt(10)
        normal.paragraph_format.space_after = Pt(6)
        for name, size in (("Title", 20), ("Heading 1", 14), ("Heading 2", 11.5)):
            style = self.doc.styles[name]
            style.font.name = "Arial"
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.color.rgb = RGBColor(*BLUE)
            style.paragraph_format.space_before = Pt(14 if name != "Title" else 0)
            style.paragraph_format.space_after = Pt(6)
            style.paragraph_format.keep_with_next = True
            fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
            if fonts is not None:
                for attribute in list(fonts.attrib):
                    if attribute.endswith("Theme"):
                        del fonts.attrib[attribute]
        self.doc.core_properties.title = clean(title)
        self.doc.core_properties.comments = f"Written by clc-tender {__version__}"
        self.section_number = 0
        self.sub_number = 0
        self.tables = 0
        self.figures = 0
        self._footer(footer)

    # -- text ------------------------------------------------------------------------------

    def para(
        self,
        text: str = "",
        *,
        bold: bool = False,
        italic: bool = False,
        size: float | None = None,
        after: float | None = None,
        style: str | None = None,
        keep: bool = False,
    ) -> Any:
        from docx.shared import Pt

        p = self.doc.add_paragraph(style=style)
        if text:
            run = p.add_run(clean(text))
            run.bold = bold
            run.italic = italic
            if size is not None:
                run.font.size = Pt(size)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        if keep:
            p.paragraph_format.keep_with_next = True
        return p

    def bullets(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.para(line, style="List Bullet", after=2)

    def heading(self, text: str) -> None:
        self.section_number += 1
        self.sub_number = 0
        self.doc.add_heading(clean(f"{self.section_number}. {text}"), level=1)

    def subheading(self, text: str) -> None:
        self.sub_number += 1
        self.doc.add_heading(clean(f"{self.section_number}.{self.sub_number} {text}"), level=2)

    def caption(self, text: str) -> None:
        from docx.shared import Pt, RGBColor

        p = self.doc.add_paragraph()
        run = p.add_run(clean(text))
        run.italic = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x40, 0x40, 0x40)
        p.paragraph_format.space_after = Pt(10)

    # -- tables and figures ----------------------------------------------------------------

    def table(self, spec: TableSpec) -> int:
        """A numbered table: its caption above, the header row repeated on every page, rows
        never split across pages, widths in cm (adding up to at most the text width)."""
        from docx.shared import Cm, Pt

        assert sum(spec.widths) <= TEXT_WIDTH_CM + 0.01, (spec.title, sum(spec.widths))
        # Word stores widths in twentieths of a point: keep clear of the margin after rounding
        widths = [w * min(1.0, USABLE_CM / sum(spec.widths)) for w in spec.widths]
        self.tables += 1
        caption = self.para(
            f"Table {self.tables}: {spec.title}", bold=True, size=9, after=3, keep=True
        )
        caption.paragraph_format.space_before = Pt(8)
        style = self._cell_style(spec.size).style_id  # set as XML: python-docx's setter looks it up
        table = self.doc.add_table(rows=1, cols=len(spec.headers))
        table.style = self.doc.styles["Table Grid"]
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)  # before the rows: each new row's cells take these widths
        _header_row(table.rows[0], spec, widths, style)
        _body_rows(table, spec, style)
        self.para(after=4)
        return self.tables

    def _cell_style(self, size: float) -> Any:
        """The paragraph style of table cells of a font size (created once)."""
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import Pt

        name = f"Table text {size:g}"
        if name not in [s.name for s in self.doc.styles]:
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.font.size = Pt(size)
            style.paragraph_format.space_before = Pt(1)
            style.paragraph_format.space_after = Pt(1)
        return self.doc.styles[name]

    def figure(
        self, png: bytes, caption: str, table_number: int, width_cm: float = 16.0, tables: int = 1
    ) -> None:
        import io

        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        self.figures += 1
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
        where = (
            f"Table {table_number}"
            if tables == 1
            else f"Tables {table_number} and {table_number + 1}"
        )
        self.caption(f"Figure {self.figures}: {caption} The figures are in {where}.")

    # -- page furniture --------------------------------------------------------------------

    def _footer(self, text: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        p = self.doc.sections[0].footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER

        def run(value: str) -> Any:
            r = p.add_run(value)
            r.font.size = Pt(8)
            r.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
            return r

        run(clean(text) + " · Page ")
        for instruction, after in (("PAGE", " of "), ("NUMPAGES", "")):
            number = run("1")
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), instruction)
            number._r.addprevious(field)
            field.append(number._r)
            if after:
                run(after)

    def facts(
        self,
        rows: Sequence[tuple[str, str]],
        widths: tuple[float, float],
        *,
        size: float = 10,
        grid: bool = False,
        highlight: str = "",
    ) -> None:
        """A two-column table of labels and values (the title block, the record's facts)."""
        from docx.shared import Cm, Pt, RGBColor

        table = self.doc.add_table(rows=0, cols=2)
        if grid:
            table.style = self.doc.styles["Table Grid"]
        table.autofit = False
        style = self._cell_style(size).style_id
        for label, value in rows:
            cells = table.add_row().cells
            for cell, text, bold in ((cells[0], label, True), (cells[1], value, False)):
                cell.paragraphs[0]._p.style = style
                if not grid:  # the title block: a little air between its lines
                    cell.paragraphs[0].paragraph_format.space_after = Pt(4)
                run = cell.paragraphs[0].add_run(clean(text))
                run.bold = bold or label == highlight
                run.font.size = Pt(size)
                if label == highlight and not bold:
                    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
            for cell in column.cells:
                cell.width = Cm(width)

    def save(self, path: Path) -> None:
        self.doc.save(str(path))


@dataclass(frozen=True)
class TableSpec:
    """A table of text: its caption title, header row, rows, column widths in cm; the columns
    aligned right or set in a monospaced font, a bold last row, the font size."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]
    right: Sequence[int] = ()
    bold_last: bool = False
    size: float = 9
    mono: Sequence[int] = ()


def _mark_row(row: Any, *tags: str) -> None:
    """Set the row properties ``tags`` (``w:tblHeader``, ``w:cantSplit``) on a table row."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for tag in tags:
        mark = OxmlElement(tag)
        mark.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(mark)


def _header_row(head: Any, spec: TableSpec, widths: Sequence[float], style: Any) -> None:
    """The bold, shaded header row, repeated on every page and kept with the next row."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    _mark_row(head, "w:tblHeader", "w:cantSplit")
    for i, (cell, text, width) in enumerate(zip(head.cells, spec.headers, widths, strict=True)):
        cell.width = Cm(width)
        paragraph = cell.paragraphs[0]
        paragraph._p.style = style
        paragraph.paragraph_format.keep_with_next = True
        paragraph.add_run(clean(text)).bold = True
        if i in spec.right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:color"), "auto")
        shading.set(qn("w:fill"), "D9E1F2")
        cell._tc.get_or_add_tcPr().append(shading)


def _body_rows(table: Any, spec: TableSpec, style: Any) -> None:
    """The rows, never split across pages; a short table (under 15 rows) kept on one page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    short = len(spec.rows) < 15
    last = len(spec.rows)
    for r, values in enumerate(spec.rows, start=1):
        row = table.add_row()
        _mark_row(row, "w:cantSplit")
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph._p.style = style
            if short and r < last:
                paragraph.paragraph_format.keep_with_next = True
            lines = clean(text).split("\n")
            for k, line in enumerate(lines):
                run = paragraph.add_run(line)
                if spec.bold_last and r == last:
                    run.bold = True
                if i in spec.mono:
                    run.font.name = "Courier New"
                if k < len(lines) - 1:
                    run.add_break()
            if i in spec.right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
