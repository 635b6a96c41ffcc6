"""The cheap pre-check on a bid file's bytes, run before any spreadsheet library sees it.

``classify`` decides from a path whether a file is a bid at all. ``check_size`` rejects a file
that is too large from ``os.stat`` alone. ``inspect_bytes`` reads the container: it tells an
empty file, text, a legacy or encrypted Office file, a damaged zip and a zip that is not a
workbook apart (the rule codes of ``shared/spec/bid-workbook.md``); it enforces the tender
definition's limits before any XML is parsed; it rejects any XML part with a DOCTYPE or ENTITY
declaration; and it maps the workbook's sheets to their worksheet parts, with the extent of the
cells that hold content, so that the reader never asks a library for a dense grid it cannot
allocate (a single value at XFD1048576 would be 17 billion cells).

Everything here is bounded: each XML member is read whole, once, only after its declared size
has passed the limits (and never unpacked past that size); it is checked with ``bytes``
searches and compiled patterns over the whole member, then dropped (except the small parts that
name the sheets). No input makes these functions raise.

The XML-level scans and the sheet map are in ``guards_xml``, and what both share
(``SheetPart``, ``Inspection``, the part names and limits) in ``guards_common``.
"""

from __future__ import annotations

import collections
import io
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Literal

import olefile

from clc_tender.findings import Finding
from clc_tender.tender import Limits

from .guards_common import (
    _CUSTOM,
    _EXPECTED,
    _MAX_COL,
    _MAX_ROW,
    _RATIO_FLOOR,
    _RESEND,
    _SHEET_PREFIX,
    _STRICT_MAIN,
    _WORKBOOK,
    _WORKBOOK_RELS,
    Inspection,
    SheetPart,
    _Reject,
    _size,
)
from .guards_xml import (
    _CellScan,
    _check_counts,
    _check_encoding,
    _has_dtd,
    _producer,
    _sheet_map,
)

__all__ = ["Inspection", "SheetPart", "check_size", "classify", "inspect_bytes"]

Kind = Literal["bid", "wrong-format", "skip"]


_BID_SUFFIXES = frozenset({".xlsx"})
_WRONG_FORMAT_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".ods"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CENTRAL_RECORD = b"PK\x01\x02"


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


def inspect_bytes(data: bytes, file: str, limits: Limits, *, hints: bool = True) -> Inspection:
    """Check a file's bytes; ``findings`` is empty when the workbook can be read further.

    ``hints``: whether to find which sheets hold formulas, numbers that may not be numbers and
    the word "hidden" (what a bid's reader needs); without, every sheet may hold all three."""
    try:
        return _inspect(data, limits, hints)
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


def _inspect(data: bytes, limits: Limits, hints: bool) -> Inspection:
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
    return _inspect_zip(data, limits, hints)


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


def _inspect_zip(data: bytes, limits: Limits, hints: bool) -> Inspection:
    archive = _open_archive(data, limits)
    with archive:
        infos = archive.infolist()
        names = _member_names(infos, limits)
        if _WORKBOOK not in names:
            raise _Reject("not-xlsx", _describe_zip(names))
        xml_parts = [info for info in infos if _is_xml(info.filename)]
        _check_declared_sizes(infos, xml_parts, limits)
        kept, extents, total = _read_parts(data, xml_parts, limits, hints)
        sheets = _sheet_map(kept[_WORKBOOK], kept.get(_WORKBOOK_RELS), names)
        strict = _STRICT_MAIN in kept[_WORKBOOK][:4096]
        parts = _sheet_parts(data, archive, sheets, extents, limits, total, hints)
        producer = _producer(kept[_CUSTOM]) if _CUSTOM in kept else ""
        return Inspection((), tuple(parts), producer, strict)


def _open_archive(data: bytes, limits: Limits) -> zipfile.ZipFile:
    # Every central-directory record carries this signature, so its count bounds the number of
    # entries zipfile would index; counting first keeps a million-entry archive from being
    # indexed at all.
    records = data.count(_CENTRAL_RECORD)
    if records > limits.max_zip_entries:
        raise _too_many_parts(records, limits)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise _damaged("it is a zip archive that cannot be opened") from None


def _member_names(infos: list[zipfile.ZipInfo], limits: Limits) -> set[str]:
    """The members' names: within the limit of parts, and each name once."""
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
    return names


def _read_parts(
    data: bytes, xml_parts: list[zipfile.ZipInfo], limits: Limits, hints: bool
) -> tuple[dict[str, bytes], dict[str, _CellScan], int]:
    """The kept parts' bodies, the cell scans of the worksheet folder's parts, and the running
    total of XML bytes."""
    # Read every XML part once, whole, and check it before the next: DOCTYPE/ENTITY, declared
    # counts, actual sizes, and the cell extents of the parts in the conventional worksheet
    # folder. Only the parts that name the sheets are kept; nothing is parsed until all are done.
    kept: dict[str, bytes] = {}
    extents: dict[str, _CellScan] = {}
    total = 0
    for info in xml_parts:
        name = info.filename
        total, body = _read_part(data, info, limits, total)
        if name.startswith(_SHEET_PREFIX):
            extents[name] = _extent(name, body, hints)
        if name in (_WORKBOOK, _WORKBOOK_RELS, _CUSTOM):
            kept[name] = body
    return kept, extents, total


def _sheet_parts(
    data: bytes,
    archive: zipfile.ZipFile,
    sheets: list[tuple[str, str, bool]],
    extents: dict[str, _CellScan],
    limits: Limits,
    total: int,
    hints: bool,
) -> list[SheetPart]:
    """Each sheet's part with the extent of its content cells (a worksheet outside the
    conventional folder is read and scanned now)."""
    parts = []
    for sheet_name, member, hidden in sheets:
        scan = extents.get(member)
        if scan is None:  # a worksheet outside xl/worksheets/: one more (bounded) read
            # A part not named .xml was neither checked nor counted in the first pass.
            seen_before = _is_xml(member)
            running, body = _read_part(
                data, archive.getinfo(member), limits, 0 if seen_before else total
            )
            total = total if seen_before else running
            scan = extents[member] = _extent(member, body, hints)
        if scan.max_row > _MAX_ROW or scan.max_col > _MAX_COL:
            raise _Reject(
                "unreadable-file",
                f"worksheet part {member} places a cell beyond the last row or column a"
                f" spreadsheet can have, so the file is damaged; {_RESEND}",
            )
        parts.append(
            SheetPart(
                sheet_name,
                member,
                scan.max_row,
                scan.max_col,
                scan.cells,
                scan.formulas,
                hidden,
                scan.odd,
                scan.hides,
            )
        )
    return parts


def _extent(member: str, body: bytes, hints: bool) -> _CellScan:
    """The fast scan of a worksheet part, or the full scan when the fast one could not finish."""
    scan = _CellScan(member, hints=hints)
    scan.scan(body)
    if not scan.needs_full:
        return scan
    full = _CellScan(member, full=True, hints=hints)
    full.scan(body)
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


def _read_part(data: bytes, info: zipfile.ZipInfo, limits: Limits, total: int) -> tuple[int, bytes]:
    """Read one XML part whole and check its bytes; returns the running total and the body."""
    name = info.filename
    try:
        body = _unpack(data, info)
    except _ZIP_ERRORS:
        raise _damaged(f"its part {name} cannot be unpacked") from None
    if body:
        _check_encoding(name, body)
    total += len(body)
    if total > limits.max_xml_bytes:
        raise _Reject(
            "file-too-large",
            f"the workbook's contents unpack to more than {_size(limits.max_xml_bytes)} of XML;"
            f" at most {_size(limits.max_xml_bytes)} is allowed",
        )
    if _has_dtd(body):
        raise _Reject(
            "unreadable-file",
            f"part {name} contains a DOCTYPE or ENTITY declaration, which Excel never writes;"
            " the file cannot be read safely",
        )
    if b"ount" in body:
        _check_counts(name, body, info.file_size, limits)
    return total, body


_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")  # zipfile's structFileHeader
_MIN_READ = 4096  # what zipfile unpacks at least when it reads a member


def _unpack(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes, as ``zipfile`` would read them, in one call: its local header
    checked, never more than the size it declares unpacked (it is never trusted further: a part
    that unpacks to more fails its CRC), and the CRC compared. Raises what zipfile raises."""
    at = info.header_offset
    header = data[at : at + _LOCAL_HEADER.size] if at >= 0 else b""
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("Truncated file header")
    signature, _, flags, *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("Bad magic number for file header")
    if info.flag_bits & 0x61:  # patched data, strong encryption, a password: refused before
        raise NotImplementedError(f"flag bits {info.flag_bits:#x}")
    start = at + _LOCAL_HEADER.size
    raw_name = data[start : start + name_length]
    encoding = "utf-8" if flags & 0x800 else "ascii" if raw_name.isascii() else "cp437"
    stored_name = raw_name.decode(encoding)
    if stored_name != info.orig_filename:
        raise zipfile.BadZipFile("File name in directory and header differ")
    start += name_length + extra_length
    packed = memoryview(data)[start : start + info.compress_size]
    size = info.file_size
    short = len(packed) < info.compress_size  # the archive ends inside the member
    if info.compress_type == zipfile.ZIP_STORED:
        body = bytes(packed[:size])
        if len(body) < size and short:
            raise EOFError
    else:  # deflated: any other method was refused before any member was read
        inflate = zlib.decompressobj(-15)
        body = inflate.decompress(packed, size) if size else b""
        if not size:
            inflate.decompress(packed[:_MIN_READ], _MIN_READ)  # what zipfile unpacks anyway
        elif len(body) < size and not inflate.eof:
            if short:
                raise EOFError
            body = (body + inflate.flush())[:size]
    if zlib.crc32(body) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return body
