"""Every guard on a folder: each bad file gets its finding and outcome, the others are still
evaluated, and nothing crashes, hangs or allocates the grid of a sparse sheet."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_scores

from .conftest import agreed_scores

runner = CliRunner()
DS = "Day Services"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>'
)


def _rewrite(path: Path, member: str, body: bytes) -> None:
    """Replace (or add) one part of a workbook."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != member:
                out.writestr(info.filename, source.read(info.filename))
        out.writestr(member, body)


@pytest.fixture
def folder(tmp_path: Path, tender: Tender) -> Path:
    bids = tmp_path / "bids"
    bids.mkdir()
    refs = []
    for i, name in enumerate(["good", "far", "billion", "rows", "truncated", "bomb", "encrypted"]):
        spec = valid_bid(tender, f"F-{name}", lots=[DS], seed=i)
        write_bid(spec, bids / f"{name}.xlsx")
        refs.append((f"F-{name}", DS))
    # a stray value far away: read sparsely, never as a 16,384 x 1,048,576 grid
    wb = openpyxl.load_workbook(bids / "far.xlsx")
    wb["Compliance"]["XFD1048576"] = "stray"
    wb.save(bids / "far.xlsx")
    # entity expansion in the shared strings
    _rewrite(bids / "billion.xlsx", "xl/sharedStrings.xml", LAUGHS)
    # a key-value sheet of 100,000 rows
    wb = openpyxl.load_workbook(bids / "rows.xlsx")
    for n in range(100_000):
        wb["Bidder"].append([f"Note {n}", "x"])
    wb.save(bids / "rows.xlsx")
    # truncated zip
    data = (bids / "truncated.xlsx").read_bytes()
    (bids / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    # zip bomb: 120 MB of zeros in one part
    with (
        zipfile.ZipFile(bids / "bomb.xlsx", "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(120):
            member.write(bytes(1024 * 1024))
    # encrypted with a password
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = io.BytesIO((bids / "encrypted.xlsx").read_bytes())
    with (bids / "encrypted.xlsx").open("wb") as out:
        ooxml.OOXMLFile(plain).encrypt("s3cret", out)
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    book.add_sheet("Bidder").write(0, 0, "Field")
    book.save(str(bids / "legacy.xls"))
    (bids / "empty.xlsx").write_bytes(b"")
    (bids / "text.xlsx").write_text("Organisation name,Acme\n")
    (bids / "~$good.xlsx").write_bytes(b"lock")
    (bids / ".DS_Store").write_bytes(b"\x00\x01")
    (bids / "README.txt").write_text("bids received")
    write_scores(agreed_scores(refs, tender), tmp_path / "scores.xlsx")
    return bids


def test_each_bad_file_is_reported_and_the_others_evaluated(folder: Path, tmp_path: Path) -> None:
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    out = tmp_path / "shortlist.xlsx"
    result = runner.invoke(
        app, ["evaluate", str(folder), "--scores", str(tmp_path / "scores.xlsx"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
    wb = openpyxl.load_workbook(out)
    outcomes = {
        r[15]: (r[2], r[3], r[4]) for r in wb["Outcomes"].iter_rows(min_row=2, values_only=True)
    }
    assert outcomes["good.xlsx"][1] == "admitted"
    assert outcomes["far.xlsx"][1] == "admitted"  # the stray far cell is not an error
    expected = {
        "billion.xlsx": "unreadable-file",
        "truncated.xlsx": "unreadable-file",
        "bomb.xlsx": "file-too-large",
        "encrypted.xlsx": "encrypted-file",
        "legacy.xls": "not-xlsx",
        "empty.xlsx": "unreadable-file",
        "text.xlsx": "not-xlsx",
    }
    for name, code in expected.items():
        lot, outcome, reasons = outcomes[name]
        assert (lot, outcome) == (None, "non-compliant"), name  # one row, lots unreadable
        assert reasons.startswith(f"{code}:"), (name, reasons)
    lot, outcome, reasons = outcomes["rows.xlsx"]
    assert outcome == "non-compliant" and "file-too-large: Bidder!A5001" in reasons
    inputs = {r[0]: r[3] for r in wb["Inputs"].iter_rows(min_row=2, values_only=True)}
    for skipped in ("~$good.xlsx", ".DS_Store", "README.txt"):
        assert inputs[skipped] == "skipped"
        assert skipped not in outcomes
