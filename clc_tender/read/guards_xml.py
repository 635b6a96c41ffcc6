"""The XML-level checks of a bid file's parts (``guards.inspect_bytes``), on each part's bytes
read whole: declared counts, the text encoding, DOCTYPE/ENTITY declarations and the extent of a
worksheet's content cells, each found with ``bytes`` searches and compiled patterns over the
whole part; then, once every scan has passed, the sheet map parsed from ``xl/workbook.xml`` and
its relationships, and clc-tender's own producer property.
"""

from __future__ import annotations

import codecs
import itertools
import operator
import posixpath
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError
from xml.etree.ElementTree import fromstring as _c_fromstring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring

from clc_tender.tender import Limits

from ..contract import PRODUCER_PROPERTY
from .guards_common import _RESEND, _TAG_MAX, _WORKBOOK, _WORKBOOK_RELS, _Reject

# A declared count (count="…", uniqueCount="…"): readers size their tables by it before reading.
# Found from its literal "ount" (much faster than from a word boundary); _declared_counts checks
# the word before it.
_COUNT = re.compile(rb"ount\s*=\s*[\"']\s*([0-9]{1,40})")
_WORD = re.compile(rb"\w")


def _declared_counts(body: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Each ``count`` or ``uniqueCount`` attribute (a whole word) with the digits of its value."""
    for found in _COUNT.finditer(body):
        at = found.start()
        for attribute in (b"count", b"uniqueCount"):
            begin = at - len(attribute) + 4
            if begin >= 0 and body.startswith(attribute, begin):
                if begin == 0 or not _WORD.match(body, begin - 1):
                    yield attribute, found.group(1)
                break


def _check_counts(name: str, body: bytes, part_size: int, limits: Limits) -> None:
    """Refuse a declared count no workbook within the limits could need: a shared-strings table
    declaring more strings than its part has bytes, or any count above the XML limit (a reader
    trusting ``uniqueCount="4294967296"`` asks for ~100 GB and the process aborts)."""
    for attribute, digits in _declared_counts(body):
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
    """Reject parts the byte scans below could not see through: UTF-16/32, EBCDIC, UTF-7.
    ``first``: the part's first bytes (its first 515 are enough)."""
    body = first[3:515] if first.startswith(b"\xef\xbb\xbf") else first[:512]
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
# Byte scans over a whole part

_DTD = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


def _has_dtd(body: bytes) -> bool:
    """A ``<!DOCTYPE`` or ``<!ENTITY`` declaration anywhere in the part, in any letter case
    (looked for only where there is a '!' at all, which is found fastest)."""
    return b"!" in body and _DTD.search(body) is not None


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
# the windows of the scan provide (see _CellScan).
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
# The cell tags nearly every file has, read faster still: r first and plain, the other
# attributes written name="value" (none of them r) after single spaces, and markup right after
# the tag. Wherever it matches, _CELL matches with the same groups (column letters, row digits,
# '/', </c>); a window with a <c> tag it does not match is read again with _CELL.
_CELL_PLAIN = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"'
    rb'(?: (?:[A-Za-qs-z_:]|r[\w:.\-])[\w:.\-]*+="[^"<]*+")*+(/?)>'
    rb"(?=<(?:(/(?:[A-Za-z_][\w.\-]*:)?c\s*>)|.))",
    re.DOTALL,
)
_CELL_START = re.compile(rb"<c[\s/>]")
# Column letters, row digits, '/' and </c> in the groups of _CELL_PLAIN and of _CELL.
_PLAIN_GROUPS = tuple(operator.itemgetter(group) for group in range(4))
_CELL_GROUPS = tuple(operator.itemgetter(group) for group in range(1, 5))
_ODD_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?v>\s*(?:-|[+]?[0-9.]*[^0-9.<\s])")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]|\st\s*=\s*[\"']e[\"']")
# The same without a namespace prefix, found much faster (their search starts from a literal).
_ODD_PLAIN = re.compile(rb"<v>\s*(?:-|[+]?[0-9.]*[^0-9.<\s])")
_FORMULA_PLAIN = re.compile(rb"<f[\s/>]")
# What follows the ':' of a prefixed tag this scan looks for: a cell or row (<x:c>: the full scan
# reads it), a formula (<x:f>) or a value (<x:v>).
_PREFIXED = re.compile(rb":(c[\s/>]|row[\s/>]|f[\s/>]|v>)")
_TAG_WHOLE = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?(?:c|row)(?>\s+" + _ATTR + rb")*+\s*/?>")
# A part is scanned in windows of about this size (see _CellScan).
_WINDOW = 64 * 1024


class _CellScan:
    """Extent of the content cells of one worksheet, from its bytes.

    A cell has content when its element holds a child (``<v>``, ``<f>``, ``<is>``); a
    self-closing ``<c r="B2" s="1"/>`` or an empty ``<c r="B2"></c>`` is formatting only. A cell
    without ``r`` follows the previous cell of its row, a row without ``r`` follows the previous
    row, as spreadsheet readers place them. ``<dimension>`` is ignored: it is a claim, not data.

    The fast scan reads only unprefixed ``<c>`` tags that carry ``r``; when it meets anything
    else (a cell without ``r``, a prefixed ``<x:c>``, a tag it cannot match) it sets
    ``needs_full`` and stops, and the part is scanned again by the full scan, which also
    follows ``<row>`` and rejects a malformed ``<c>``/``<row>`` tag. A ``<c>`` or ``<row>``
    start tag longer than ``_TAG_MAX`` is malformed too.

    ``scan`` reads a whole part window by window (so that the lists of tags stay small and a
    malformed cell can be placed after the row reached): the window before each multiple of
    ``_WINDOW`` ends at its second-to-last ``<``, and is matched with the bytes up to the last
    one and the character after it, so that every tag starting in it is complete and the markup
    after it known; what is left is followed by ``<>``. ``feed`` and ``close`` take the same
    bytes in pieces (a start tag left open for more than ``_TAG_MAX`` bytes is refused as soon
    as it is seen).
    """

    __slots__ = (
        "member",
        "full",
        "hints",
        "needs_full",
        "row",
        "col",
        "max_row",
        "max_col",
        "cells",
        "_columns",
        "formulas",
        "odd",
        "hides",
        "_held",
        "_open",
    )

    def __init__(self, member: str, *, full: bool = False, hints: bool = True) -> None:
        self.member = member
        self.full = full
        self.hints = hints  # else formulas, odd and hides are all True (not looked for)
        self.needs_full = False
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self._columns: dict[bytes, int] = {}
        self.formulas = False  # a formula (<f>) or a saved Excel error (t="e")
        self.odd = False  # a <v> that may be NaN, an infinity, an exponent or negative
        self.hides = False  # the part mentions "hidden"
        self._held = bytearray()  # the pieces fed so far
        self._open = -1  # where the last '<' fed is

    def feed(self, chunk: bytes) -> None:
        """The next piece of the part, scanned by :meth:`close`."""
        held = self._held
        if b"<" in chunk:
            self._open = len(held) + chunk.rfind(b"<")
        held += chunk
        if len(held) - self._open > _TAG_MAX and _open_tag(held, self._open, len(held)):
            raise self._malformed()

    def close(self) -> None:
        body = bytes(self._held)
        self._held, self._open = bytearray(), -1
        self.scan(body)

    def scan(self, body: bytes) -> None:
        """Scan a whole part: its extent (unless ``needs_full`` is set) and what it mentions."""
        self._note(body)
        self._refuse_long_tags(body)
        if self.needs_full:
            return
        start = 0  # where the window being read begins: a '<' (or the part's start)
        for end in self._window_ends(len(body)):
            if end == len(body) and end - start < _WINDOW:
                break  # a short last window is read with what is left
            if body.find(b"<", (end - 1) // _WINDOW * _WINDOW, end) < 0:
                continue  # no markup in the stretch that ends here
            last = body.rfind(b"<", start, end)
            cut = body.rfind(b"<", start, last)
            if cut < 0:
                start = last
                continue
            self._scan(body, start, last + 1, cut)  # every tag before cut, completely
            start = cut
            if self.needs_full:
                return
        tail = body[start:] + b"<>"
        self._scan(tail, 0, len(tail), len(tail) - 2)

    @staticmethod
    def _window_ends(size: int) -> list[int]:
        """Every multiple of ``_WINDOW`` within the part, and its end."""
        ends = list(range(_WINDOW, size + 1, _WINDOW))
        return ends if size % _WINDOW == 0 else [*ends, size]

    def _note(self, body: bytes) -> None:
        """Whether the sheet holds a formula or a saved error: only then does a blank cell need
        a closer look (a formula with no saved value is not blank). Whether a ``<v>`` may hold
        NaN, an infinity, an exponent or a negative number: only then are the sheet's numbers
        looked at closely (a date serial out of range, NaN). Whether it mentions "hidden" (rows
        or columns may be hidden). A prefixed tag sends the fast scan to the full one."""
        prefixed = {found[:1] for found in _PREFIXED.findall(body)} if b":" in body else set()
        if not self.full and (b"c" in prefixed or b"r" in prefixed):
            self.needs_full = True
        if not self.hints:
            self.formulas = self.odd = self.hides = True
            return
        self.formulas = _FORMULA_PLAIN.search(body) is not None or (
            (b"f" in prefixed or b'"e"' in body or (b"'" in body and b"'e'" in body))
            and _FORMULA.search(body) is not None
        )
        self.odd = _ODD_PLAIN.search(body) is not None or (
            b"v" in prefixed and _ODD_NUMBER.search(body) is not None
        )
        self.hides = b"hidden" in body

    def _refuse_long_tags(self, body: bytes) -> None:
        """A ``<c>`` or ``<row>`` start tag not complete within ``_TAG_MAX`` bytes is
        malformed. Its '<' starts a stretch of more than ``_TAG_MAX`` bytes without another,
        which holds one of the blocks of half that size probed here."""
        step = _TAG_MAX // 2
        at = 0
        while at < len(body):
            if body.find(b"<", at, at + step) >= 0:
                at += step
                continue
            begin = body.rfind(b"<", 0, at)
            after = body.find(b"<", at)
            after = len(body) if after < 0 else after
            if after - begin > _TAG_MAX and _open_tag(body, begin, begin + _TAG_MAX):
                raise self._malformed()
            at = after

    def _malformed(self) -> _Reject:
        near = f" after row {self.row:,}" if self.row else ""
        return _Reject(
            "unreadable-file",
            f"worksheet part {self.member} holds a malformed cell{near}, so the file is"
            f" damaged; {_RESEND}",
        )

    def _scan(self, buf: bytes, start: int, end: int, cut: int) -> None:
        if self.full:
            self._scan_full(buf, start, end, cut)
        else:
            self._scan_fast(buf, start, end, cut)

    def _scan_fast(self, buf: bytes, start: int, end: int, cut: int) -> None:
        tags: list[Any] = _CELL_PLAIN.findall(buf, start, end)
        groups = _PLAIN_GROUPS
        # Every <c> tag is read when there are as many as "<c" in the window (no <cols> there)
        # or as many as the starts of a <c> tag.
        if len(tags) != buf.count(b"<c", start, cut):
            starts = len(_CELL_START.findall(buf, start, cut))
            if len(tags) != starts:
                tags, groups = _CELL.findall(buf, start, end), _CELL_GROUPS
                if len(tags) != starts:
                    self.needs_full = True  # a tag this pattern cannot read
                    return
                if b"" in map(groups[0], tags):
                    self.needs_full = True  # a cell without a plain r
                    return
        letters_of, digits_of, closed_of, empty_of = groups
        if any(map(closed_of, tags)) or any(map(empty_of, tags)):
            # content: neither '/' of a self-closing tag nor </c> right after it
            content = list(
                map(operator.not_, map(operator.add, map(closed_of, tags), map(empty_of, tags)))
            )
            count = content.count(True)
            rows = set(itertools.compress(map(digits_of, tags), content))
            columns = set(itertools.compress(map(letters_of, tags), content))
        else:
            count = len(tags)
            rows, columns = set(map(digits_of, tags)), set(map(letters_of, tags))
        if not count:
            return
        self.cells += count
        self.max_row = max(self.max_row, max(map(int, rows)))
        self.max_col = max(self.max_col, max(map(self._column, columns)))

    def _scan_full(self, buf: bytes, start: int, end: int, cut: int) -> None:
        tags: list[Any] = _TAG.findall(buf, start, end)
        if len(tags) != len(_START.findall(buf, start, cut)):
            raise self._malformed()
        column_of = self._column
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
                col = column_of(letters)
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
        number = self._columns.get(letters)
        if number is None:
            number = 0
            for byte in letters.upper():
                number = number * 26 + byte - 64
            self._columns[letters] = number
        return number


def _open_tag(data: bytes | bytearray, at: int, end: int) -> bool:
    """True when a ``<c>``/``<row>`` start tag begins at ``at`` and is not complete before
    ``end``."""
    return (
        at >= 0 and _START.match(data, at) is not None and _TAG_WHOLE.match(data, at, end) is None
    )


# ---------------------------------------------------------------------------------------------
# The sheet map: xl/workbook.xml and its relationships, parsed only after every scan passed


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _fromstring(body: bytes) -> Any:
    """A part parsed. The scans have refused every part with a DOCTYPE (so no entity can be
    declared, nor expanded): the C parser reads it as defusedxml does, several times faster.
    Should one hold a DOCTYPE after all, defusedxml refuses it."""
    if _has_dtd(body):
        return _safe_fromstring(body, forbid_dtd=True)
    return _c_fromstring(body)


def _parse(name: str, body: bytes) -> Any:
    try:
        return _fromstring(body)
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
        root = _fromstring(custom)
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
