"""Helpers of the trust tests: a round of control bids, hostile workbooks built in the test,
running the real command line and reading its shortlist back."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from clc_tender.bidgen import BidSpec, valid_bid, write_bid, write_scores
from clc_tender.cli import app
from clc_tender.read.repair import _STRICT
from clc_tender.tender import Tender

from .conftest import agreed_scores

DS, PA = "Day Services", "Personal Assistants"
CONTROLS = {"control-1.xlsx": ("CLC26-101", (DS,)), "control-2.xlsx": ("CLC26-102", (DS, PA))}
runner = CliRunner()


def controls(tender: Tender, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number, (name, (ref, lots)) in enumerate(CONTROLS.items(), start=101):
        write_bid(valid_bid(tender, ref, lots=lots, seed=number), folder / name)


def scores_for(tender: Tender, path: Path, pairs: Iterable[tuple[str, str]] = ()) -> Path:
    every = [(ref, lot) for ref, lots in CONTROLS.values() for lot in lots] + list(pairs)
    write_scores(agreed_scores(every, tender), path)
    return path


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@dataclass
class Run:
    result: Any
    outcomes: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    summary: dict[str, Any]
    framework: list[dict[str, Any]]

    def of(self, file: str) -> list[dict[str, Any]]:
        return [o for o in self.outcomes if o["File"] == file]

    def codes(self, file: str) -> set[str]:
        return {f["Code"] for f in self.findings if f["File"] == file}

    def finding(self, file: str, code: str) -> dict[str, Any]:
        found = [f for f in self.findings if f["File"] == file and f["Code"] == code]
        assert found, (file, code, [(f["File"], f["Code"]) for f in self.findings])
        return found[0]

    def controls_admitted(self) -> None:
        for name, (_ref, lots) in CONTROLS.items():
            assert {(o["Lot"], o["Outcome"]) for o in self.of(name)} == {
                (lot, "admitted") for lot in lots
            }, (name, self.of(name))


def _rows(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def evaluate(folder: Path, out: Path, *options: str, code: int = 0) -> Run:
    result = runner.invoke(app, ["evaluate", str(folder), "--out", str(out), *options])
    assert result.exit_code == code, (result.stdout, result.stderr)
    if code:
        return Run(result, [], [], [], {}, [])
    wb = openpyxl.load_workbook(out)
    summary = {row["Item"]: row["Value"] for row in _rows(wb["Summary"])}
    return Run(
        result,
        _rows(wb["Outcomes"]),
        _rows(wb["Findings"]),
        _rows(wb["Inputs"]),
        summary,
        _rows(wb["Framework"]),
    )


def one_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr + result.stdout, result.stderr
    return lines[0]


# --- editing the XML of a written workbook -------------------------------------------------------


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as source:
        return {info.filename: source.read(info) for info in source.infolist()}


def write_parts(path: Path, parts: dict[str, bytes] | list[tuple[str, bytes]]) -> None:
    import warnings

    items = parts.items() if isinstance(parts, dict) else parts
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for name, body in items:
                target.writestr(name, body)
    path.write_bytes(buffer.getvalue())


def member_of(path: Path, sheet: str) -> str:
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def set_cell_xml(path: Path, sheet: str, ref: str, xml: str) -> None:
    """Replace cell ``ref`` of ``sheet`` with raw XML."""
    member = member_of(path, sheet)
    parts = parts_of(path)
    body = parts[member].decode("utf-8")
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.DOTALL)
    assert pattern.search(body), f"{sheet}!{ref} not in {member}"
    parts[member] = pattern.sub(xml, body, count=1).encode("utf-8")
    write_parts(path, parts)


def edit(path: Path, change: Callable[[Any], None]) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def to_strict(path: Path) -> None:
    """A Strict Open XML workbook: the transitional namespaces rewritten to the strict ones."""
    parts = parts_of(path)
    for name, body in parts.items():
        if name.endswith((".xml", ".rels")):
            for strict, plain in _STRICT:
                body = body.replace(plain, strict)
            if name == "xl/workbook.xml":
                body = body.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            parts[name] = body
    write_parts(path, parts)


def row_of(values: dict[str, Any], label: str) -> int:
    return list(values).index(label) + 2


def bid(
    tender: Tender, ref: str, lots: tuple[str, ...] = (DS,), seed: int = 7, **kw: Any
) -> BidSpec:
    return valid_bid(tender, ref, lots=lots, seed=seed, **kw)
