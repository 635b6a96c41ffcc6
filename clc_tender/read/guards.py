"""The cheap pre-check on a bid file's bytes, run before any spreadsheet library sees it.

``classify`` decides from a path whether a file is a bid at all. ``check_size`` rejects a file
that is too large from ``os.stat`` alone. ``inspect_bytes`` reads the container: it tells an
empty file, text, a legacy or encrypted Office file, a damaged zip and a zip that is not a
workbook apart (the rule codes of ``shared/spec/bid-workbook.md``); it enforces the tender
definition's limits before any XML is parsed; it rejects any XML part with a DOCTYPE or ENTITY
declaration; and it maps the workbook's sheets to their worksheet parts, with the extent of the
cells that hold content, so that the reader never asks a library for a dense grid it cannot
allocate (a single value at XFD1048576 would be 17 billion cells).

Everything here is bounded: members are streamed in chunks, never held whole (except the two
small parts that name the sheets), and no input makes these functions raise.
"""

from __future__ import annotations

import codecs
import collections
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

import olefile
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring

from clc_tender.findings import Finding
from clc_tender.tender import Limits
from clc_tender.write.atomic import PRODUCER_PROPERTY

__all__ = ["Inspection", "SheetPart", "check_size", "classify", "inspect_bytes"]

Kind = Literal["bid", "wrong-format", "skip"]

_BID_SUFFIXES = frozenset({".xlsx"})
_WRONG_FORMAT_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".ods"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CENTRAL_RECORD = b"PK\x01\x02"

_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_CUSTOM = "docProps/custom.xml"
_STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
# The largest sheet a spreadsheet can have (Excel's 1,048,576 rows by 16,384 columns, XFD).
_MAX_ROW = 1_048_576
_MAX_COL = 16_384
_SHEET_PREFIX = "xl/worksheets/"

_CHUNK = 64 * 1024
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


# ---------------------------------------------------------------------------------------------
# Which files are bids


def classify(path: Path) -> Kind:
    """``bid`` for ``*.xlsx`` (any case), ``wrong-format`` for other spreadsheet formats.

    Excel's ``~$`` lock files, hidden files (``.DS_Store``, macOS ``._name.xlsx`` copies),
    directories and anything that is not a regular file are skipped, as is every other
    extension. A path that does not exist is classified by its name alone.
    """
    name = path.name
    if not name or name.startswith(("~$", ".")):
        return "skip"
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        return "skip"  # a folder, a pipe, a device: never opened
    suffix = Path(name).suffix.lower()
    if suffix in _BID_SUFFIXES:
        return "bid"
    if suffix in _WRONG_FORMAT_SUFFIXES:
        return "wrong-format"
    return "skip"


def check_size(path: Path, limits: Limits, file: str) -> Finding | None:
    """``file-too-large`` when the file on disk is over the limit, decided before reading it."""
    try:
        size = os.stat(path).st_size
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "it could not be found"
        return Finding.make(
            file, "", "", "unreadable-file", f"the file cannot be opened ({reason}); {_EXPECTED}"
        )
    if size > limits.max_file_bytes:
        return _too_big_on_disk(file, size, limits)
    return None


# ---------------------------------------------------------------------------------------------
# The inspection


class _Reject(Exception):
    """Stops the inspection with one file-level finding."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def inspect_bytes(data: bytes, file: str, limits: Limits) -> Inspection:
    """Check a file's bytes; ``findings`` is empty when the workbook can be read further."""
    try:
        return _inspect(data, limits)
    except _Reject as stop:
        finding = Finding.make(file, "", "", stop.code, stop.message)
    except MemoryError:
        finding = Finding.make(
            file, "", "", "file-too-large", "the file needs too much memory to be checked"
        )
    except Exception:  # the guard must never crash: anything unforeseen is an unreadable file
        finding = Finding.make(
            file, "", "", "unreadable-file", f"the file is damaged and cannot be read; {_RESEND}"
        )
    return Inspection((finding,), ())


def _inspect(data: bytes, limits: Limits) -> Inspection:
    if not data:
        raise _Reject("unreadable-file", f"the file is empty (0 bytes); {_EXPECTED}")
    if len(data) > limits.max_file_bytes:
        raise _Reject(
            "file-too-large",
            f"the file is {_size(len(data))}; at most {_size(limits.max_file_bytes)} is allowed",
        )
    if data.startswith(_OLE_MAGIC):
        raise _ole_verdict(data)
    if not data.startswith(_ZIP_MAGIC):
        raise _Reject("not-xlsx", _describe_other(data))
    return _inspect_zip(data, limits)


def _too_big_on_disk(file: str, size: int, limits: Limits) -> Finding:
    return Finding.make(
        file,
        "",
        "",
        "file-too-large",
        f"the file is {_size(size)}; at most {_size(limits.max_file_bytes)} is allowed",
    )


def _describe_other(data: bytes) -> str:
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return f"the file is a PDF document, not an Excel workbook; {_EXPECTED}"
    if head.startswith(b"{\\rtf"):
        return f"the file is a Rich Text document, not an Excel workbook; {_EXPECTED}"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:5].lower() in (b"<?xml", b"<html", b"<!doc"):
        return (
            "the file is an XML or web page file (perhaps an old 'XML Spreadsheet' saved with an"
            f" .xlsx name), not an Excel workbook; {_EXPECTED}"
        )
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at 4 KiB is still text
            is_text = exc.start >= len(head) - 4
        else:
            is_text = True
        if is_text:
            return (
                "the file holds plain text (perhaps a CSV or text file renamed to .xlsx), not an"
                f" Excel workbook; {_EXPECTED}"
            )
    return f"the file is not an Excel workbook (nor any other Office file); {_EXPECTED}"


# ---------------------------------------------------------------------------------------------
# OLE (compound file) containers: legacy .xls, and password-protected workbooks of any version


def _ole_verdict(data: bytes) -> _Reject:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            encrypted = bool(ole.exists("EncryptedPackage"))
            streams = {"/".join(entry).lower() for entry in ole.listdir()}
        finally:
            ole.close()
    except Exception:  # olefile raises many kinds on a malformed container; none may escape
        return _Reject(
            "not-xlsx",
            f"the file looks like an older Microsoft Office file but it is damaged; {_EXPECTED}",
        )
    if encrypted:
        return _Reject(
            "encrypted-file",
            "the workbook is password-protected; save it without a password and send it again",
        )
    if streams & {"workbook", "book"}:
        return _Reject(
            "not-xlsx",
            "the file is an Excel 97-2003 workbook (.xls); save it as an Excel Workbook (.xlsx)",
        )
    if "worddocument" in streams:
        return _Reject("not-xlsx", f"the file is a Word document (.doc); {_EXPECTED}")
    return _Reject(
        "not-xlsx",
        f"the file is an older Microsoft Office file, not an Excel workbook; {_EXPECTED}",
    )


# ---------------------------------------------------------------------------------------------
# Zip containers

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    NotImplementedError,
    RuntimeError,  # zipfile: "File is encrypted, password required"
    zlib.error,
    struct.error,
)


def _damaged(detail: str = "") -> _Reject:
    where = f": {detail}" if detail else ""
    return _Reject("unreadable-file", f"the file is damaged or incomplete{where}; {_RESEND}")


def _inspect_zip(data: bytes, limits: Limits) -> Inspection:
    # Every central-directory record carries this signature, so its count bounds the number of
    # entries zipfile would index; counting first keeps a million-entry archive from being
    # indexed at all.
    records = data.count(_CENTRAL_RECORD)
    if records > limits.max_zip_entries:
        raise _too_many_parts(records, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise _damaged("it is a zip archive that cannot be opened") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise _too_many_parts(len(infos), limits)
        names = {info.filename for info in infos}
        if len(names) != len(infos):  # two readers may take different copies: never guess
            counted = collections.Counter(info.filename for info in infos)
            twice = next(name for name, times in counted.items() if times > 1)
            raise _Reject(
                "unreadable-file",
                f"the workbook holds two copies of its part {twice}, so programs may read"
                f" different contents; {_RESEND}",
            )
        if _WORKBOOK not in names:
            raise _Reject("not-xlsx", _describe_zip(names))
        xml_parts = [info for info in infos if _is_xml(info.filename)]
        _check_declared_sizes(infos, xml_parts, limits)

        # Stream every XML part once: DOCTYPE/ENTITY scan, actual sizes, and the cell extents of
        # the parts in the conventional worksheet folder. Nothing is parsed until all are done.
        kept: dict[str, bytes] = {}
        extents: dict[str, _CellScan] = {}
        total = 0
        for info in xml_parts:
            name = info.filename
            cells = _CellScan(name) if name.startswith(_SHEET_PREFIX) else None
            keep = name in (_WORKBOOK, _WORKBOOK_RELS, _CUSTOM)
            total, body = _stream(archive, info, limits, total, cells=cells, keep=keep)
            if cells is not None:
                extents[name] = _settle(archive, info, limits, cells)
            if body is not None:
                kept[name] = body

        sheets = _sheet_map(kept[_WORKBOOK], kept.get(_WORKBOOK_RELS), names)
        strict = _STRICT_MAIN in kept[_WORKBOOK][:4096]
        parts = []
        for sheet_name, member, hidden in sheets:
            scan = extents.get(member)
            if scan is None:  # a worksheet outside xl/worksheets/: one more (bounded) pass
                # A part not named .xml was neither scanned nor counted in the first pass.
                scan = _CellScan(member)
                seen_before = _is_xml(member)
                running, _ = _stream(
                    archive,
                    archive.getinfo(member),
                    limits,
                    0 if seen_before else total,
                    cells=scan,
                    keep=False,
                )
                total = total if seen_before else running
                scan = extents[member] = _settle(archive, archive.getinfo(member), limits, scan)
            if scan.max_row > _MAX_ROW or scan.max_col > _MAX_COL:
                raise _Reject(
                    "unreadable-file",
                    f"worksheet part {member} places a cell beyond the last row or column a"
                    f" spreadsheet can have, so the file is damaged; {_RESEND}",
                )
            parts.append(
                SheetPart(sheet_name, member, scan.max_row, scan.max_col, scan.cells,
                          scan.formulas, hidden, scan.odd, scan.hides)
            )
        producer = _producer(kept[_CUSTOM]) if _CUSTOM in kept else ""
        return Inspection((), tuple(parts), producer, strict)


def _settle(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, scan: _CellScan
) -> _CellScan:
    """The scan itself, or a full scan of the part when the fast one could not finish."""
    if not scan.needs_full:
        return scan
    full = _CellScan(info.filename, full=True)
    _stream(archive, info, limits, 0, cells=full, keep=False)
    return full


def _too_many_parts(count: int, limits: Limits) -> _Reject:
    return _Reject(
        "file-too-large",
        f"the workbook holds {count:,} parts; at most {limits.max_zip_entries:,} are allowed",
    )


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels")) and not name.endswith("/")


def _describe_zip(names: set[str]) -> str:
    if "xl/workbook.bin" in names:
        return (
            "the file is an Excel Binary Workbook (.xlsb) renamed to .xlsx; save it as an Excel"
            " Workbook (.xlsx)"
        )
    if "word/document.xml" in names:
        return f"the file is a Word document (.docx), not an Excel workbook; {_EXPECTED}"
    if "ppt/presentation.xml" in names:
        return f"the file is a PowerPoint presentation, not an Excel workbook; {_EXPECTED}"
    if "content.xml" in names and "mimetype" in names:
        return (
            "the file is an OpenDocument file (for example a LibreOffice .ods); save it as an"
            " Excel Workbook (.xlsx)"
        )
    return f"the file is a zip archive that holds no Excel workbook; {_EXPECTED}"


def _check_declared_sizes(
    infos: list[zipfile.ZipInfo], xml_parts: list[zipfile.ZipInfo], limits: Limits
) -> None:
    declared = sum(info.file_size for info in xml_parts)
    if declared > limits.max_xml_bytes:
        raise _Reject(
            "file-too-large",
            f"the workbook's contents unpack to {_size(declared)} of XML; at most"
            f" {_size(limits.max_xml_bytes)} is allowed",
        )
    for info in infos:
        size, packed = info.file_size, info.compress_size
        if size > _RATIO_FLOOR and size > limits.max_compression_ratio * max(packed, 1):
            ratio = size // max(packed, 1)
            raise _Reject(
                "file-too-large",
                f"part {info.filename} unpacks from {_size(packed)} to {_size(size)}"
                f" ({ratio:,} times); at most {limits.max_compression_ratio:,} times is allowed",
            )
        if info.flag_bits & 0x1:
            raise _Reject(
                "unreadable-file",
                f"part {info.filename} is locked with a zip password; {_RESEND}",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Reject(
                "unreadable-file",
                f"part {info.filename} uses a compression method Excel does not use"
                f" (method {info.compress_type}); {_RESEND}",
            )


def _stream(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    total: int,
    *,
    cells: _CellScan | None,
    keep: bool,
) -> tuple[int, bytes | None]:
    """Read one XML member in chunks; returns the running total and the body when kept."""
    name = info.filename
    dtd = _DtdScan()
    pieces: list[bytes] = []
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                if read == 0:
                    _check_encoding(name, chunk)
                read += len(chunk)
                total += len(chunk)
                if read > info.file_size:  # zipfile stops at the declared size; never trust it
                    raise _Reject(
                        "file-too-large",
                        f"part {name} unpacks to more than the {_size(info.file_size)} it"
                        " declares; the file is damaged or built to exhaust memory",
                    )
                if total > limits.max_xml_bytes:
                    raise _Reject(
                        "file-too-large",
                        f"the workbook's contents unpack to more than"
                        f" {_size(limits.max_xml_bytes)} of XML; at most"
                        f" {_size(limits.max_xml_bytes)} is allowed",
                    )
                if dtd.feed(chunk):
                    raise _Reject(
                        "unreadable-file",
                        f"part {name} contains a DOCTYPE or ENTITY declaration, which Excel"
                        " never writes; the file cannot be read safely",
                    )
                if b"ount" in chunk:
                    _check_counts(name, chunk, info.file_size, limits)
                if cells is not None:
                    cells.note_formulas(chunk)
                    cells.note_numbers(chunk)
                    cells.feed(chunk)
                if keep:
                    pieces.append(chunk)
    except _Reject:
        raise
    except _ZIP_ERRORS:
        raise _damaged(f"its part {name} cannot be unpacked") from None
    if cells is not None:
        cells.close()
    return total, (b"".join(pieces) if keep else None)


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
_PROBE = "<!DOCTYPE <!ENTITY <c r=\"A1\"> <row>"


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
        "member", "full", "needs_full", "tail", "row", "col", "max_row", "max_col", "cells",
        "_columns", "formulas", "_edge", "odd", "_num_edge", "hides",
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
            maybe = b"f" in window and (b"<f" in window or b":f" in window) or b"e" in window and (
                b'"e"' in window or b"'e'" in window
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


def _sheet_map(
    workbook: bytes, rels: bytes | None, names: set[str]
) -> list[tuple[str, str, bool]]:
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


def _size(count: int) -> str:
    """A size as Windows Explorer shows it (binary units), e.g. ``60.2 MB``."""
    if count < 1024:
        return f"{count:,} bytes"
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            value = f"{count / scale:,.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return f"{count:,} bytes"  # pragma: no cover
