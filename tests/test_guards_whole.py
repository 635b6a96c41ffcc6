"""The byte guards read each zip member whole, once (clc_tender.read.guards): members unpacked
as zipfile unpacks them, the same verdicts wherever a tag falls, and the officers' workbooks
guarded without the bid reader's hints.

Every file is built here, in memory.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from clc_tender.read import guards
from clc_tender.read.guards import inspect_bytes
from clc_tender.tender import Limits, load_tender

from .test_guards import SMALL_WORKBOOK, _key_value_rows, handmade_xlsx, only, openpyxl_bytes
from .test_guards import sheet_xml as sheet


@pytest.fixture(scope="module")
def limits() -> Limits:
    return load_tender().limits


def _mixed_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stored.xml", b"<a>" + b"x" * 5000 + b"</a>", zipfile.ZIP_STORED)
        archive.writestr("deflated.xml", b"<a>" + b"y" * 90_000 + b"</a>", zipfile.ZIP_DEFLATED)
        archive.writestr("empty.xml", b"", zipfile.ZIP_DEFLATED)
        archive.writestr("caf\u00e9.xml", b"<b/>", zipfile.ZIP_DEFLATED)  # a UTF-8 name
    return buffer.getvalue()


def test_members_are_unpacked_as_zipfile_reads_them() -> None:
    data = _mixed_zip()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert guards._unpack(data, info) == archive.read(info), info.filename


def _patch_central(data: bytes, member: str, offset: int, value: int) -> bytes:
    """One field of a member's central-directory record rewritten."""
    patched = bytearray(data)
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name:
            struct.pack_into("<I", patched, at + offset, value)
        at += 4
    return bytes(patched)


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_member_whose_crc_fails_is_damaged(limits: Limits, member: str) -> None:
    data = _patch_central(openpyxl_bytes(SMALL_WORKBOOK), member, 16, 0x12345678)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(data)).read(member)
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert only(inspection) == "unreadable-file"
    assert f"its part {member} cannot be unpacked" in inspection.findings[0].message


def test_a_local_header_naming_another_part_is_damaged(limits: Limits) -> None:
    data = openpyxl_bytes(SMALL_WORKBOOK)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    at = info.header_offset + 30 + len("xl/worksheets/sheet")
    damaged = data[:at] + b"9" + data[at + 1 :]  # the local header says sheet9.xml
    inspection = inspect_bytes(damaged, "bid.xlsx", limits)
    assert only(inspection) == "unreadable-file"
    assert "cannot be unpacked" in inspection.findings[0].message


@pytest.mark.parametrize("shift", [0, 1_000, 30_000, 60_000, 65_000])
def test_a_cell_tag_longer_than_64_kib_is_malformed_wherever_it_falls(
    limits: Limits, shift: int
) -> None:
    # Before, such a tag was refused only when it crossed a 64 KiB read boundary.
    padding = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{"p" * shift}</t></is></c></row>'
    tag = '<row r="2"><c r="B2" x="' + "y" * 70_000 + '"><v>1</v></c></row>'
    data = handmade_xlsx({"Bidder": sheet(padding + tag + _key_value_rows(20))})
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert only(inspection) == "unreadable-file"
    assert "malformed cell" in inspection.findings[0].message


def test_a_large_part_is_scanned_window_by_window(limits: Limits) -> None:
    body = _key_value_rows(30_000)  # about 2 MB: some 30 windows
    data = handmade_xlsx({"Bidder": sheet(body + '<row r="30001"><c r="AB30001"/></row>')})
    (part,) = inspect_bytes(data, "bid.xlsx", limits).sheets
    assert (part.max_row, part.max_col, part.cells) == (30_000, 2, 60_000)
    # a malformed cell far down is placed after the row reached at a window's end
    bad = handmade_xlsx({"Bidder": sheet(body + '<row r="30001"><c r="A0"><v>1</v></c></row>')})
    message = inspect_bytes(bad, "bid.xlsx", limits).findings[0].message
    assert "malformed cell after row 29," in message


def test_officers_workbooks_are_guarded_without_the_hints(limits: Limits) -> None:
    data = openpyxl_bytes(SMALL_WORKBOOK)
    with_hints = inspect_bytes(data, "bid.xlsx", limits)
    without = inspect_bytes(data, "scores.xlsx", limits, hints=False)
    assert [(p.name, p.max_row, p.max_col, p.cells) for p in without.sheets] == [
        (p.name, p.max_row, p.max_col, p.cells) for p in with_hints.sheets
    ]
    assert not any(p.formulas or p.odd_numbers or p.hides for p in with_hints.sheets)
    assert all(p.formulas and p.odd_numbers and p.hides for p in without.sheets)
    # the checks themselves stay
    bomb = handmade_xlsx({"Bidder": b'<?xml version="1.0"?><!DOCTYPE x><worksheet/>'})
    assert only(inspect_bytes(bomb, "scores.xlsx", limits, hints=False), "scores.xlsx") == (
        "unreadable-file"
    )
