"""The pre-check on a bid file's bytes (clc_tender.read.guards): one test per guard.

Every file is built here, in tmp_path or in memory; nothing is downloaded or shared.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from clc_tender.read import guards
from clc_tender.read.guards import Inspection, SheetPart, check_size, classify, inspect_bytes
from clc_tender.tender import Limits, load_tender

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"


@pytest.fixture(scope="module")
def limits() -> Limits:
    return load_tender().limits


# --- builders ----------------------------------------------------------------------------------


def openpyxl_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sheet_xml(body: str, *, head: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{head}'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def handmade_xlsx(
    sheets: dict[str, bytes],
    *,
    extra: dict[str, bytes] | None = None,
    target_prefix: str = "worksheets/",
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal workbook written part by part: sheet name -> worksheet XML."""
    sheet_entries = []
    rels = []
    members: dict[str, bytes] = {}
    for index, (name, xml) in enumerate(sheets.items(), start=1):
        sheet_entries.append(f'<sheet name="{name}" sheetId="{index}" r:id="rId{index}"/>')
        rels.append(
            f'<Relationship Id="rId{index}" Type="{WORKSHEET_TYPE}"'
            f' Target="{target_prefix}sheet{index}.xml"/>'
        )
        members[f"xl/worksheets/sheet{index}.xml"] = xml
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{''.join(sheet_entries)}</sheets></workbook>"
    ).encode()
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG_REL_NS}">'
        f"{''.join(rels)}</Relationships>"
    ).encode()
    root_rels = (
        f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1"'
        f' Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for name, data in {**members, **(extra or {})}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def rewrite(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same zip with some members replaced (or added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info.filename, source.read(info))
        for name, body in replace.items():
            target.writestr(name, body)
    return out.getvalue()


def only(inspection: Inspection, file: str = "bid.xlsx") -> str:
    """The code of the single file-level finding, checking its shape on the way."""
    assert len(inspection.findings) == 1, inspection
    finding = inspection.findings[0]
    assert finding.is_error
    assert (finding.file, finding.sheet, finding.cell) == (file, "", "")
    assert finding.message and not finding.message.endswith(".")
    assert inspection.sheets == ()
    return finding.code


def inspect_file(path: Path, limits: Limits) -> Inspection:
    return inspect_bytes(path.read_bytes(), path.name, limits)


SMALL_WORKBOOK: dict[str, list[list[object]]] = {
    "Bidder": [["Field", "Value"], ["Format version", 1], ["Bid reference", "CLC26-014"]],
    "Pricing": [["Band", "Unit", "Price (£)"], ["Band 1", "session", 48.75]],
}


# --- which files are bids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("acme.xlsx", "bid"),
        ("BID.XLSX", "bid"),
        ("Mixed.XlSx", "bid"),
        ("~$lock.xlsx", "skip"),
        ("~$LOCK.XLSX", "skip"),
        ("a.xls", "wrong-format"),
        ("b.XLSM", "wrong-format"),
        ("c.xlsb", "wrong-format"),
        ("d.ods", "wrong-format"),
        (".DS_Store", "skip"),
        ("._acme.xlsx", "skip"),
        ("README.txt", "skip"),
        ("prices.csv", "skip"),
        ("letter.pdf", "skip"),
        ("noextension", "skip"),
    ],
)
def test_classify_by_name(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    assert classify(path) == kind
    assert classify(Path(name)) == kind  # a name alone (nothing on disk) gives the same answer


def test_classify_skips_directories(tmp_path: Path) -> None:
    folder = tmp_path / "archive.xlsx"
    folder.mkdir()
    assert classify(folder) == "skip"
    assert classify(tmp_path) == "skip"


# --- what the bytes are -----------------------------------------------------------------------


def test_empty_file_is_unreadable(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    path.write_bytes(b"")
    inspection = inspect_file(path, limits)
    assert only(inspection) == "unreadable-file"
    assert "empty (0 bytes)" in inspection.findings[0].message


def test_text_named_xlsx_is_not_xlsx(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    path.write_text("Dear council,\nplease find our bid attached.\n", encoding="utf-8")
    inspection = inspect_file(path, limits)
    assert only(inspection) == "not-xlsx"
    assert "plain text" in inspection.findings[0].message


def test_csv_named_xlsx_is_not_xlsx(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    path.write_text("Field,Value\nBid reference,CLC26-014\nOrganisation name,Acme £ Ltd\n")
    assert only(inspect_file(path, limits)) == "not-xlsx"


def test_legacy_xls_is_not_xlsx(tmp_path: Path, limits: Limits) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    book.add_sheet("Bidder").write(0, 0, "Field")
    path = tmp_path / "bid.xlsx"
    book.save(str(path))
    assert path.read_bytes().startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    inspection = inspect_file(path, limits)
    assert only(inspection) == "not-xlsx"
    assert ".xls" in inspection.findings[0].message


def test_encrypted_workbook_is_encrypted_file(tmp_path: Path, limits: Limits) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = io.BytesIO(openpyxl_bytes(SMALL_WORKBOOK))
    path = tmp_path / "bid.xlsx"
    with path.open("wb") as out:
        ooxml.OOXMLFile(plain).encrypt("s3cret", out)
    inspection = inspect_file(path, limits)
    assert only(inspection) == "encrypted-file"
    assert "password" in inspection.findings[0].message


def test_malformed_ole_container_is_not_xlsx(limits: Limits) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20
    assert only(inspect_bytes(data, "bid.xlsx", limits)) == "not-xlsx"


def test_truncated_zip_is_unreadable(tmp_path: Path, limits: Limits) -> None:
    data = openpyxl_bytes(SMALL_WORKBOOK)
    path = tmp_path / "bid.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    assert only(inspect_file(path, limits)) == "unreadable-file"


def test_corrupt_zip_is_unreadable(tmp_path: Path, limits: Limits) -> None:
    data = bytearray(openpyxl_bytes(SMALL_WORKBOOK))
    middle = len(data) // 2
    for offset in range(middle, middle + 32):
        data[offset] ^= 0xFF
    path = tmp_path / "bid.xlsx"
    path.write_bytes(bytes(data))
    assert only(inspect_file(path, limits)) == "unreadable-file"


def test_zip_without_a_workbook_is_not_xlsx(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    with zipfile.ZipFile(path, "w") as archive:  # a Word document renamed
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
    inspection = inspect_file(path, limits)
    assert only(inspection) == "not-xlsx"
    assert "Word document" in inspection.findings[0].message


def test_empty_zip_is_not_xlsx(limits: Limits) -> None:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    assert buffer.getvalue().startswith(b"PK\x05\x06")
    assert only(inspect_bytes(buffer.getvalue(), "bid.xlsx", limits)) == "not-xlsx"


# --- DOCTYPE and ENTITY -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


def test_billion_laughs_in_shared_strings_is_unreadable(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    path.write_bytes(
        rewrite(openpyxl_bytes(SMALL_WORKBOOK), {"xl/sharedStrings.xml": BILLION_LAUGHS})
    )
    inspection = inspect_file(path, limits)
    assert only(inspection) == "unreadable-file"
    assert "xl/sharedStrings.xml" in inspection.findings[0].message


def test_doctype_in_a_sheet_is_unreadable(tmp_path: Path, limits: Limits) -> None:
    xml = (
        b'<?xml version="1.0"?>\n<!doctype worksheet SYSTEM "http://example.com/x.dtd">'
        + (sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').split(b"\n", 1)[1])
    )
    path = tmp_path / "bid.xlsx"
    path.write_bytes(handmade_xlsx({"Bidder": xml}))
    assert only(inspect_file(path, limits)) == "unreadable-file"


@pytest.mark.parametrize("split", range(1, 9))
def test_entity_declaration_across_a_chunk_boundary_is_found(limits: Limits, split: int) -> None:
    # The declaration straddles the 64 KiB read boundary at every possible split point.
    chunk = 64 * 1024
    prefix = b'<?xml version="1.0"?><worksheet><!-- '
    padding = b"x" * (chunk - len(prefix) - split)
    xml = prefix + padding + b"<!ENTITY e 'x'> --><sheetData/></worksheet>"
    data = handmade_xlsx({"Bidder": sheet_xml("")}, extra={"xl/styles.xml": xml})
    assert only(inspect_bytes(data, "bid.xlsx", limits)) == "unreadable-file"


def test_utf16_part_is_unreadable(limits: Limits) -> None:
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').decode()
    utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    data = handmade_xlsx({"Bidder": utf16})
    assert only(inspect_bytes(data, "bid.xlsx", limits)) == "unreadable-file"


def test_malformed_workbook_xml_is_unreadable(limits: Limits) -> None:
    data = rewrite(openpyxl_bytes(SMALL_WORKBOOK), {"xl/workbook.xml": b"<workbook><sheets>"})
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert only(inspection) == "unreadable-file"
    assert "xl/workbook.xml" in inspection.findings[0].message


# --- limits -----------------------------------------------------------------------------------


def _zip_of_zeros(path: Path, member: str, megabytes: int) -> None:
    """A valid workbook plus one member of zeros, written in 1 MiB pieces (memory stays small)."""
    path.write_bytes(openpyxl_bytes(SMALL_WORKBOOK))
    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        for _ in range(megabytes):
            out.write(block)


def test_zip_bomb_is_too_large(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    _zip_of_zeros(path, "xl/worksheets/sheet9.xml", 200)
    assert path.stat().st_size < limits.max_file_bytes  # small on disk: only the contents are big
    tracemalloc.start()
    try:
        inspection = inspect_file(path, limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert only(inspection) == "file-too-large"
    assert peak < 8 * 1024 * 1024


def test_highly_compressed_member_is_too_large(tmp_path: Path, limits: Limits) -> None:
    # Not XML, so not counted in the XML total: the compression ratio alone catches it.
    path = tmp_path / "bid.xlsx"
    _zip_of_zeros(path, "xl/media/image1.png", 8)
    inspection = inspect_file(path, limits)
    assert only(inspection) == "file-too-large"
    assert "times" in inspection.findings[0].message


def _set_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size of one member in its local and central headers."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name:
            struct.pack_into("<I", patched, at + 24, size)
        at += 4
    return bytes(patched)


def test_member_lying_about_its_size_is_rejected_without_unpacking_it(limits: Limits) -> None:
    padding = "<!-- " + "z" * 9_000_000 + " -->"  # 9 MB unpacked, a few KB packed
    inner = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + padding)
    honest = handmade_xlsx({"Bidder": inner})
    lying = _set_declared_size(honest, "xl/worksheets/sheet1.xml", 4096)
    tracemalloc.start()
    try:
        inspection = inspect_bytes(lying, "bid.xlsx", limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert only(inspection) in {"unreadable-file", "file-too-large"}
    assert peak < 4 * 1024 * 1024


def test_too_many_entries_is_too_large(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    path.write_bytes(openpyxl_bytes(SMALL_WORKBOOK))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as archive:
        existing = len(archive.infolist())
        for index in range(limits.max_zip_entries + 1 - existing):
            archive.writestr(f"xl/media/p{index}.bin", b"")
    inspection = inspect_file(path, limits)
    assert only(inspection) == "file-too-large"
    assert "10,001 parts; at most 10,000" in inspection.findings[0].message


def test_entry_limit_from_the_tender_definition(limits: Limits) -> None:
    tight = dataclasses.replace(limits, max_zip_entries=5)
    data = openpyxl_bytes(SMALL_WORKBOOK)
    assert only(inspect_bytes(data, "bid.xlsx", tight)) == "file-too-large"
    assert inspect_bytes(data, "bid.xlsx", limits).ok


def test_xml_total_limit_from_the_tender_definition(limits: Limits) -> None:
    tight = dataclasses.replace(limits, max_xml_bytes=2_000)
    data = openpyxl_bytes(SMALL_WORKBOOK)
    assert only(inspect_bytes(data, "bid.xlsx", tight)) == "file-too-large"


def test_file_over_the_size_limit_is_too_large_from_stat(tmp_path: Path, limits: Limits) -> None:
    path = tmp_path / "bid.xlsx"
    with path.open("wb") as handle:  # sparse: no disk space, no reading
        os.truncate(handle.fileno(), limits.max_file_bytes + 1)
    finding = check_size(path, limits, "bid.xlsx")
    assert finding is not None
    assert (finding.code, finding.file, finding.sheet, finding.cell) == (
        "file-too-large",
        "bid.xlsx",
        "",
        "",
    )
    assert "at most 50 MB" in finding.message
    with path.open("r+b") as handle:
        os.truncate(handle.fileno(), limits.max_file_bytes)
    assert check_size(path, limits, "bid.xlsx") is None


def test_check_size_of_a_missing_file_does_not_raise(tmp_path: Path, limits: Limits) -> None:
    finding = check_size(tmp_path / "gone.xlsx", limits, "gone.xlsx")
    assert finding is not None and finding.code == "unreadable-file"


def test_bytes_over_the_size_limit_are_too_large(limits: Limits) -> None:
    tight = dataclasses.replace(limits, max_file_bytes=1_000)
    data = openpyxl_bytes(SMALL_WORKBOOK)
    assert only(inspect_bytes(data, "bid.xlsx", tight)) == "file-too-large"


# --- sheets and cell extents ------------------------------------------------------------------


def test_normal_workbook_passes_with_sheet_names_and_extents(limits: Limits) -> None:
    wb = openpyxl.Workbook()
    bidder = wb.active
    bidder.title = "Bidder"
    for row in [["Field", "Value"], ["Format version", 1], ["Bid reference", "CLC26-014"]]:
        bidder.append(row)
    bidder["H40"].font = Font(bold=True)  # formatting only: not content
    pricing = wb.create_sheet("Pricing")
    pricing.append(["Band", "Unit", "Price (£)"])
    pricing.append(["Band 1", "session", 48.75])
    pricing["B9"] = "=SUM(C2:C3)"  # a formula is content
    wb.create_chartsheet("Chart")  # not a worksheet: left out
    wb.create_sheet("PA Coverage")  # no cells at all
    buffer = io.BytesIO()
    wb.save(buffer)

    inspection = inspect_bytes(buffer.getvalue(), "acme.xlsx", limits)
    assert inspection.findings == ()
    assert inspection.ok
    assert inspection.sheets == (
        SheetPart("Bidder", "xl/worksheets/sheet1.xml", 3, 2, 6, False),
        SheetPart("Pricing", "xl/worksheets/sheet2.xml", 9, 3, 7, True),
        SheetPart("PA Coverage", "xl/worksheets/sheet3.xml", 0, 0, 0, False),
    )


def test_one_value_at_the_last_cell_gives_full_extents(limits: Limits) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Bidder"
    wb.active.cell(row=1_048_576, column=16_384, value="far away")
    buffer = io.BytesIO()
    wb.save(buffer)
    inspection = inspect_bytes(buffer.getvalue(), "bid.xlsx", limits)
    assert inspection.findings == ()
    (sheet,) = inspection.sheets
    assert (sheet.max_row, sheet.max_col, sheet.cells) == (1_048_576, 16_384, 1)


@pytest.mark.parametrize(
    "body",
    [
        # attribute order, single quotes, spaces around '='
        '<row r="1048576"><c s="1" t="n" r="XFD1048576"><v>1</v></c></row>',
        "<row r='1048576'><c t = 'n' r = 'XFD1048576' ><v>1</v></c></row>",
        # a '>' inside another attribute's value
        '<row r="1048576"><c cm="a>b" r="XFD1048576"><v>1</v></c></row>',
        # no r on the cell: it follows the previous cell of its row
        '<row r="1048576"><c r="XFC1048576" s="1"/><c><v>1</v></c></row>',
        # no r on the row either: it follows the previous row
        '<row r="1048575"/><row><c r="XFC1048576"/><c><v>1</v></c></row>',
        # a stray end tag before the value: a reader reads on to </c> and finds the value
        '<row r="1048576"><c r="XFD1048576"></row><v>1</v></c>',
    ],
)
def test_far_cell_found_in_every_spelling(limits: Limits, body: str) -> None:
    data = handmade_xlsx({"Bidder": sheet_xml(body)})
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert inspection.findings == ()
    (sheet,) = inspection.sheets
    assert (sheet.max_row, sheet.max_col, sheet.cells) == (1_048_576, 16_384, 1)


def test_prefixed_cells_are_read(limits: Limits) -> None:
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="3"><x:c r="B3" t="s"><x:v>0</x:v></x:c><x:c r="XFD3" s="2"/></x:row>'
        '<x:row r="1048576"><x:c r="XFD1048576"><x:v>7</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    inspection = inspect_bytes(handmade_xlsx({"Bidder": xml}), "bid.xlsx", limits)
    assert inspection.findings == ()
    (sheet,) = inspection.sheets
    assert (sheet.max_row, sheet.max_col, sheet.cells) == (1_048_576, 16_384, 2)


def test_declared_dimension_does_not_count(limits: Limits) -> None:
    body = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="B2"><v>2</v></c><c r="Z2" s="3"></c></row>'
        '<row r="3"><c r="C3"><f>A1</f></c><c r="XFD3" s="1"/></row>'
        '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    )
    xml = sheet_xml(body, head='<dimension ref="A1:XFD1048576"/>')
    inspection = inspect_bytes(handmade_xlsx({"Bidder": xml}), "bid.xlsx", limits)
    assert inspection.findings == ()
    assert inspection.sheets == (SheetPart("Bidder", "xl/worksheets/sheet1.xml", 3, 3, 3),)


def _key_value_rows(count: int) -> str:
    return "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>{n % 40}</v></c><c r="B{n}"><v>{n}.5</v></c></row>'
        for n in range(1, count + 1)
    )


def test_hundred_thousand_rows_are_counted(limits: Limits) -> None:
    data = handmade_xlsx({"Bidder": sheet_xml(_key_value_rows(100_000))})
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert inspection.findings == ()
    assert inspection.sheets == (
        SheetPart("Bidder", "xl/worksheets/sheet1.xml", 100_000, 2, 200_000, False),
    )


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("step", [1_000, 4_099, 65_536, 65_537, 65_553, 70_001, 300_000])
def test_cell_scan_does_not_depend_on_chunk_boundaries(full: bool, step: int) -> None:
    body = (
        _key_value_rows(3_000)
        + (
            '<row r="3001"><c r="A3001" t="inlineStr"><is><t>'
            + "long text " * 20_000  # 200 KB of text without a '<'
            + '</t></is></c><c r="C3001" s="1"/></row>'
            '<row r="3002"><c r="D3002"></c><c r="AB3002"><v>1</v></c></row>'
        )
    )
    xml = sheet_xml(body)
    scan = guards._CellScan("xl/worksheets/sheet1.xml", full=full)
    for start in range(0, len(xml), step):
        scan.feed(xml[start : start + step])
    scan.close()
    assert not scan.needs_full
    assert (scan.max_row, scan.max_col, scan.cells) == (3_002, 28, 6_002)


@pytest.mark.parametrize(
    "body",
    [
        # '<' inside an attribute value is not XML; a lenient parser might still place the cell
        '<row r="1"><c x="<" r="XFD1048576"><v>1</v></c></row>',
        # references no spreadsheet program writes, which a reader might wrap around
        '<row r="1"><c r="A99999999999"><v>1</v></c></row>',
        '<row r="1"><c r="A0"><v>1</v></c></row>',
        '<row r="1"><c r="&#88;FD1"><v>1</v></c></row>',
        '<row r="1"><c r="5"><v>1</v></c></row>',
        '<row r="0"><c><v>1</v></c></row>',
        '<row r="1"><c r="A1" foo=bar><v>1</v></c></row>',
    ],
)
def test_malformed_cell_tag_is_unreadable(limits: Limits, body: str) -> None:
    data = handmade_xlsx({"Bidder": sheet_xml(body)})
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert only(inspection) == "unreadable-file"
    assert "malformed cell" in inspection.findings[0].message


@pytest.mark.parametrize(
    "tag",
    [
        '<c r="A1"' + ' r="A1"' * 8_000,  # thousands of attributes, never closed
        "<c" + ' a="b"' * 8_000 + ' r="A1"',
        "<c" + ' r="&#1;"' * 8_000,
        "<x:c" + ' r="A1"' * 8_000,
        "<c" + " " * 50_000 + "x",
    ],
)
def test_pathological_tags_are_rejected_promptly(limits: Limits, tag: str) -> None:
    # Each would take hours with a backtracking pattern; here each is a few milliseconds.
    body = f'<row r="1">{tag}<v>1</v></c></row>'
    data = handmade_xlsx({"Bidder": sheet_xml(body)})
    assert only(inspect_bytes(data, "bid.xlsx", limits)) == "unreadable-file"


def test_pathological_row_tag_is_harmless(limits: Limits) -> None:
    body = "<row" + ' r="1"' * 8_000 + "<v>1</v></row>"  # no cell anywhere
    inspection = inspect_bytes(handmade_xlsx({"Bidder": sheet_xml(body)}), "bid.xlsx", limits)
    assert inspection.findings == ()
    assert inspection.sheets[0].cells == 0


@pytest.mark.parametrize("full", [False, True])
def test_long_text_after_a_split_tag_name_is_not_malformed(full: bool) -> None:
    scan = guards._CellScan("xl/worksheets/sheet1.xml", full=full)
    scan.feed(b'<sheetData><row r="2"><c r="C2" t="inlineStr"><is><t')  # the chunk ends in "<t"
    scan.feed(b">" + "\u4e2d".encode() * 40_000)  # 120 KB of text, no '<'
    scan.feed(b'</t></is></c><c r="D2"/></row></sheetData>' + b" " * 70_000)
    scan.close()
    assert (scan.max_row, scan.max_col, scan.cells) == (2, 3, 1)


def test_overlong_cell_tag_is_unreadable() -> None:
    scan = guards._CellScan("xl/worksheets/sheet1.xml")
    scan.feed(b'<sheetData><row r="1"><c r="XFD1048576" x="')
    with pytest.raises(guards._Reject):
        for _ in range(4):
            scan.feed(b"y" * 64 * 1024)


@pytest.mark.parametrize("prefix", ["worksheets/", "/xl/worksheets/", "xl/worksheets/"])
def test_sheet_targets_relative_absolute_and_missing(limits: Limits, prefix: str) -> None:
    cell = sheet_xml('<row r="2"><c r="B2"><v>1</v></c></row>')
    data = handmade_xlsx({"Bidder": cell, "Pricing": cell}, target_prefix=prefix)
    inspection = inspect_bytes(data, "bid.xlsx", limits)
    assert [(s.name, s.member, s.max_row, s.max_col) for s in inspection.sheets] == [
        ("Bidder", "xl/worksheets/sheet1.xml", 2, 2),
        ("Pricing", "xl/worksheets/sheet2.xml", 2, 2),
    ]
    # A sheet whose part is missing from the zip is left out (the reader reports it missing).
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        kept = {
            name: archive.read(name)
            for name in archive.namelist()
            if name != "xl/worksheets/sheet2.xml"
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in kept.items():
            archive.writestr(name, body)
    inspection = inspect_bytes(buffer.getvalue(), "bid.xlsx", limits)
    assert inspection.findings == ()
    assert [s.name for s in inspection.sheets] == ["Bidder"]


# --- never crash ------------------------------------------------------------------------------


def test_damaged_bytes_never_raise(limits: Limits) -> None:
    data = openpyxl_bytes(SMALL_WORKBOOK)
    rng = random.Random(20260320)
    for _ in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        result = inspect_bytes(bytes(damaged), "bid.xlsx", limits)
        assert isinstance(result, Inspection)
        assert not (result.findings and result.sheets)
    for length in range(0, len(data), max(1, len(data) // 60)):
        result = inspect_bytes(data[:length], "bid.xlsx", limits)
        assert result.findings, length


def test_formulas_flag_marks_sheets_that_need_a_closer_look(tmp_path: Path) -> None:
    import openpyxl

    from clc_tender.tender import load_tender

    wb = openpyxl.Workbook()
    wb.active.title = "Plain"
    wb.active["A1"] = "filter"
    wb.active.auto_filter.ref = "A1:A2"
    formula = wb.create_sheet("Sums")
    formula["A1"] = "=1+1"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    parts = {
        p.name: p for p in inspect_bytes(path.read_bytes(), "f.xlsx", load_tender().limits).sheets
    }
    assert parts["Plain"].formulas is False
    assert parts["Sums"].formulas is True
