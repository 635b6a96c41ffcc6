"""The XML-level checks of a bid file's parts (``guards.inspect_bytes``), on bytes streamed
chunk by chunk: declared counts, the text encoding, DOCTYPE/ENTITY declarations and the extent
of a worksheet's content cells; then, once every scan has passed, the sheet map parsed from
``xl/workbook.xml`` and its relationships, and clc-tender's own producer property.
"""

from __future__ import annotations

import codecs
import posixpath
import re
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring

from clc_tender.tender import Limits

from ..contract import PRODUCER_PROPERTY
from .guards_common import _CHUNK, _RESEND, _TAG_MAX, _WORKBOOK, _WORKBOOK_RELS, _Reject

# A declared count (count="…", uniqueCount="…"): readers size their tables by it before reading.
_COUNT = re.compile(rb"\b(count|uniqueCount)\s*=\s*[\"']\s*([0-9]{1,40})")


def _check_counts(name: str, chunk: bytes, part_size: int, limits: Limits) -> None:
    """Refuse a declared count no workbook within the limits could need: a shared-strings table
    declaring more strings than its part has bytes, or any count above the XML limit (a reader
    trusting ``uniqueCount="4294967296"`` asks for ~100 GB and the process aborts)."""
    for attribute, digits in _COUNT.findall(chunk):
        declared = int(digits)
        bound = limits.max_xml_bytes
        if attribute == b"uniqueCount":
            bound = min(bound, part_size)
        if declared > bound:
            raise _Reject(
                "unreadable-file",
                f"part {name} declares {attribute.decode()}={declared:,}, more than a workbook"
                f" within the limits could hold, so the file is damaged or built to exhaust"
                f" memory; {_RESEND}",
            )


# Byte-order marks of UTF-16 and UTF-32, and their first characters without one (XML text never
# starts with a NUL byte, nor has one second).
_UTF16_OR_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00")
_DECLARED_ENCODING = re.compile(rb"\A\s*<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._:\-]{1,40})")
_PROBE = '<!DOCTYPE <!ENTITY <c r="A1"> <row>'


def _check_encoding(name: str, first: bytes) -> None:
    """Reject parts the byte scans below could not see through: UTF-16/32, EBCDIC, UTF-7."""
    body = first[3:] if first.startswith(b"\xef\xbb\xbf") else first
    if body.startswith(_UTF16_OR_32) or body[1:2] == b"\x00":
        raise _Reject(
            "unreadable-file",
            f"part {name} is not encoded as UTF-8 (it looks like UTF-16), which Excel never"
            f" writes; {_RESEND}",
        )
    found = _DECLARED_ENCODING.match(body[:512])
    if found is None:
        return
    label = found.group(1).decode("ascii")
    try:
        ascii_compatible = _PROBE.encode(codecs.lookup(label).name) == _PROBE.encode("ascii")
    except (LookupError, ValueError, UnicodeError):
        return  # unknown to Python: no reader will decode it into anything but an error
    if not ascii_compatible:
        raise _Reject(
            "unreadable-file",
            f"part {name} declares the text encoding {label!r}, which Excel never writes;"
            f" {_RESEND}",
        )


# ---------------------------------------------------------------------------------------------
# Byte scans, chunk by chunk

_DTD = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)
_DTD_OVERLAP = len(b"<!doctype") - 1


class _DtdScan:
    """Finds ``<!DOCTYPE`` or ``<!ENTITY`` in any letter case, across chunk boundaries."""

    __slots__ = ("tail",)

    def __init__(self) -> None:
        self.tail = b""

    def feed(self, chunk: bytes) -> bool:
        found = (b"<!" in chunk and _DTD.search(chunk) is not None) or (
            bool(self.tail) and _DTD.search(self.tail + chunk[:_DTD_OVERLAP]) is not None
        )
        joined = chunk if len(chunk) >= _DTD_OVERLAP else self.tail + chunk
        self.tail = joined[-_DTD_OVERLAP:]
        return found


# One attribute, name="value" or name='value'. Values may hold '>' but never '<' (XML forbids it).
_ATTR = rb"[^\s=<>/\"']+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*')"
# The tag patterns below read attributes inside atomic groups repeated possessively ((?>...)*+),
# so a failing tag is given up in time linear in its length, never by trying every way to split
# it (a tag of thousands of r="A1" attributes would otherwise take hours).

# A <c> or <row> start tag, with an optional namespace prefix (<x:c ...>), its attributes in any
# order, its r attribute (a plain reference, or any other value: then "odd" holds it, quotes and
# all), whether it closes itself, and whether the next markup closes the cell (<c ...></c>: no
# content; any other markup next counts as content, as a reader reading on to </c> would find
# it). Groups: tag, quote, column letters, row digits, odd, '/' of a self-closing tag, the
# closing </c> when the cell is empty. The lookahead needs a character after the next '<', which
# the chunked scan relies on (see _CellScan).
_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?(c|row)"
    rb"(?>\s+(?:r\s*=\s*(?:([\"'])\s*([A-Za-z]{0,7})([0-9]{1,10})\s*\2|(\"[^\"<]*\"|'[^'<]*'))"
    rb"|" + _ATTR + rb"))*+"
    rb"\s*(/?)>"
    rb"(?=[^<]*<(?:(/(?:[A-Za-z_][\w.\-]*:)?c\s*>)|.))",
    re.DOTALL,
)
# The start of a <c> or <row> tag: every one must be matched by _TAG, or the part is malformed
# in a way another parser might still accept (and place a cell where this scan did not look).
_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:c|row)[\s/>]")
# The common case, much faster (its search starts from the literal "<c"): unprefixed <c> tags
# that all carry a plain r (then rows do not matter). Groups: quote, column letters, row digits
# (both empty when the tag has no plain r), '/' of a self-closing tag, the closing </c> when the
# cell is empty. A <c> tag this does not match, or one without a plain r, sends the part to the
# full scan.
_CELL = re.compile(
    rb"<c(?>\s+(?:r\s*=\s*([\"'])\s*([A-Za-z]{1,7})([1-9][0-9]{0,9})\s*\1|" + _ATTR + rb"))*+"
    rb"\s*(/?)>"
    rb"(?=[^<]*<(?:(/(?:[A-Za-z_][\w.\-]*:)?c\s*>)|.))",
    re.DOTALL,
)
_CELL_START = re.compile(rb"<c[\s/>]")
_ODD_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v>\s*(?:-|[+]?[0-9.]*[^0-9.<\s])")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]|\st\s*=\s*[\"']e[\"']")
_PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
_TAG_WHOLE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:c|row)(?>\s+" + _ATTR + rb")*+\s*/?>")
# A tag whose name is still being read (a prefixed <x:c is at most a few dozen bytes).
_NAME_OPEN = re.compile(rb"<[^\s/>]{0,64}\Z")


class _CellScan:
    """Extent of the content cells of one worksheet, from its bytes, chunk by chunk.

    A cell has content when its element holds a child (``<v>``, ``<f>``, ``<is>``); a
    self-closing ``<c r="B2" s="1"/>`` or an empty ``<c r="B2"></c>`` is formatting only. A cell
    without ``r`` follows the previous cell of its row, a row without ``r`` follows the previous
    row, as spreadsheet readers place them. ``<dimension>`` is ignored: it is a claim, not data.

    The fast scan reads only unprefixed ``<c>`` tags that carry ``r``; when it meets anything
    else (a cell without ``r``, a prefixed ``<x:c>``, a tag it cannot match) it sets
    ``needs_full`` and stops, and the part is streamed again through the full scan, which also
    follows ``<row>`` and rejects a malformed ``<c>``/``<row>`` tag.

    Only the bytes from the second-to-last ``<`` of the data seen so far are kept between
    chunks: every tag before that point is complete and the character after its next ``<`` is
    known. Text without any ``<`` is dropped unless a ``<c``/``<row`` tag is still open.
    """

    __slots__ = (
        "member",
        "full",
        "needs_full",
        "tail",
        "row",
        "col",
        "max_row",
        "max_col",
        "cells",
        "_columns",
        "formulas",
        "_edge",
        "odd",
        "_num_edge",
        "hides",
    )

    def __init__(self, member: str, *, full: bool = False) -> None:
        self.member = member
        self.full = full
        self.needs_full = False
        self.tail = b""
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self._columns: dict[bytes, int] = {}
        self.formulas = False
        self._edge = b""
        self.odd = False
        self._num_edge = b""
        self.hides = False

    def note_numbers(self, chunk: bytes) -> None:
        """Whether a ``<v>`` may hold NaN, an infinity, an exponent or a negative number: only
        then are the sheet's numbers looked at closely (a date serial out of range, NaN)."""
        window = self._num_edge + chunk
        if not self.odd:
            self.odd = _ODD_NUMBER.search(window) is not None
        self.hides = self.hides or b"hidden" in window
        self._num_edge = chunk[-40:]

    def note_formulas(self, chunk: bytes) -> None:
        """Whether the sheet holds a formula (``<f>``) or a saved error (``t="e"``): only then
        does a blank cell need a closer look (a formula with no saved value is not blank)."""
        if not self.formulas:
            window = self._edge + chunk
            maybe = (
                b"f" in window
                and (b"<f" in window or b":f" in window)
                or b"e" in window
                and (b'"e"' in window or b"'e'" in window)
            )
            self.formulas = maybe and _FORMULA.search(window) is not None
            self._edge = chunk[-24:]

    def feed(self, chunk: bytes) -> None:
        if self.needs_full:
            return
        if b"<" not in chunk:
            if self._open_tag_pending():
                self.tail += chunk
                too_long = len(self.tail) - self.tail.rfind(b"<") > _TAG_MAX
                if too_long and self._open_tag_pending():  # still open: not "<t" + long text
                    raise self._malformed()
            return
        buf = self.tail + chunk if self.tail else chunk
        if len(buf) < _CHUNK:  # a small part is scanned once, by close()
            self.tail = buf
            return
        last = buf.rfind(b"<")
        cut = buf.rfind(b"<", 0, last)
        if cut < 0:
            self.tail = buf[last:]
            return
        self._scan(buf, last + 1, cut)
        self.tail = buf[cut:]
        if len(buf) - last > _TAG_MAX and self._open_tag_pending():
            raise self._malformed()

    def close(self) -> None:
        if self.tail and not self.needs_full:
            self._scan(self.tail + b"<>", len(self.tail) + 2, len(self.tail))
        self.tail = b""

    def _open_tag_pending(self) -> bool:
        """True when the data kept ends inside a <c>/<row> start tag (or a tag name)."""
        last = self.tail.rfind(b"<")
        if last < 0:
            return False
        if _NAME_OPEN.match(self.tail, last):
            return True
        return bool(_START.match(self.tail, last)) and not _TAG_WHOLE.match(self.tail, last)

    def _malformed(self) -> _Reject:
        near = f" after row {self.row:,}" if self.row else ""
        return _Reject(
            "unreadable-file",
            f"worksheet part {self.member} holds a malformed cell{near}, so the file is"
            f" damaged; {_RESEND}",
        )

    def _scan(self, buf: bytes, end: int, cut: int) -> None:
        if self.full:
            self._scan_full(buf, end, cut)
        else:
            self._scan_fast(buf, end, cut)

    def _scan_fast(self, buf: bytes, end: int, cut: int) -> None:
        tags: list[Any] = _CELL.findall(buf, 0, end)
        if len(tags) != len(_CELL_START.findall(buf, 0, cut)) or _PREFIXED.search(buf, 0, cut):
            self.needs_full = True  # a cell without r, or a tag this pattern cannot read
            return
        content = [
            (letters, digits)
            for _quote, letters, digits, closed, empty in tags
            if not (closed or empty)
        ]
        if any(not tag[1] for tag in tags):
            self.needs_full = True  # a cell without a plain r
            return
        if not content:
            return
        letters, digits = zip(*content, strict=True)
        columns = self._columns
        self.cells += len(content)
        self.max_row = max(self.max_row, *map(int, digits))
        self.max_col = max(self.max_col, *(columns.get(x) or self._column(x) for x in set(letters)))

    def _scan_full(self, buf: bytes, end: int, cut: int) -> None:
        tags: list[Any] = _TAG.findall(buf, 0, end)
        if len(tags) != len(_START.findall(buf, 0, cut)):
            raise self._malformed()
        columns = self._columns
        row, col = self.row, self.col
        max_row, max_col, cells = self.max_row, self.max_col, self.cells
        for tag, _quote, letters, digits, odd, closed, empty in tags:
            # An r that is not a plain reference, or row 0, is never written by a spreadsheet
            # program, and a reader may place such a cell anywhere (even wrap it around).
            if odd or (digits and int(digits) == 0):
                raise self._malformed()
            if tag == b"row":
                row = int(digits) if digits else row + 1
                col = 0
                continue
            cell_row = row or 1
            if digits:
                if not letters:
                    raise self._malformed()
                col = columns.get(letters) or self._column(letters)
                cell_row = int(digits)
            else:
                col += 1
            if closed or empty:
                continue  # formatting only
            cells += 1
            if cell_row > max_row:
                max_row = cell_row
            if col > max_col:
                max_col = col
        self.row, self.col = row, col
        self.max_row, self.max_col, self.cells = max_row, max_col, cells

    def _column(self, letters: bytes) -> int:
        number = 0
        for byte in letters.upper():
            number = number * 26 + byte - 64
        self._columns[letters] = number
        return number


# ---------------------------------------------------------------------------------------------
# The sheet map: xl/workbook.xml and its relationships, parsed only after every scan passed


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse(name: str, body: bytes) -> Any:
    try:
        return _safe_fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError) as exc:
        detail = str(exc).split("\n", 1)[0]
        raise _Reject(
            "unreadable-file",
            f"the workbook's part {name} is damaged ({detail}); {_RESEND}",
        ) from None


def _sheet_map(workbook: bytes, rels: bytes | None, names: set[str]) -> list[tuple[str, str, bool]]:
    """(sheet name, worksheet member, hidden) in workbook order; chartsheets and dangling ones
    left out."""
    root = _parse(_WORKBOOK, workbook)
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in _parse(_WORKBOOK_RELS, rels):
            if _local(rel.tag) != "Relationship":
                continue
            if (rel.get("TargetMode") or "").lower() == "external":
                continue
            if not (rel.get("Type") or "").endswith("/worksheet"):
                continue
            rel_id, member = rel.get("Id"), _resolve(rel.get("Target") or "", names)
            if rel_id and member:
                targets[rel_id] = member
    found: list[tuple[str, str, bool]] = []
    for group in root:
        if _local(group.tag) != "sheets":
            continue
        for sheet in group:
            if _local(sheet.tag) != "sheet":
                continue
            name = sheet.get("name")
            rel_id = next(
                (value for key, value in sheet.attrib.items() if key.endswith("}id")), None
            )
            member = targets.get(rel_id or "")
            if name is not None and member is not None:
                hidden = (sheet.get("state") or "visible").strip() in ("hidden", "veryHidden")
                found.append((name, member, hidden))
    return found


def _producer(custom: bytes) -> str:
    """The kind of output clc-tender wrote the file as (its custom document property), or ""."""
    try:
        root = _safe_fromstring(custom, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, UnicodeError):
        return ""
    for prop in root:
        if _local(prop.tag) == "property" and prop.get("name") == PRODUCER_PROPERTY:
            return next(("".join(value.itertext()).strip()[:40] for value in prop), "")
    return ""


def _resolve(target: str, names: set[str]) -> str | None:
    """The zip member a relationship target of xl/workbook.xml points at, if it is there."""
    path = unquote(target.strip()).replace("\\", "/")
    if not path:
        return None
    if path.startswith("/"):
        resolved = posixpath.normpath(path).lstrip("/")
    else:
        resolved = posixpath.normpath(posixpath.join("xl", path))
    if resolved in names:
        return resolved
    # Some producers write "xl/worksheets/sheet1.xml" where "worksheets/sheet1.xml" is meant;
    # spreadsheet readers accept it, so do the same.
    if path.startswith("xl/") and path in names:
        return path
    return None
