"""The project's own fuzz target: mutants of valid response workbooks, evaluated in batches.

A mutant is a valid bid changed in one to three ways, at every level a hostile or broken
producer could change it:

- bytes: flipped, cut, inserted, the file truncated;
- zip members: dropped, duplicated, renamed, emptied, stored instead of deflated, junk added;
- sheet XML attributes of a cell: ``r`` (any letters and digits, huge), ``t`` (any type),
  ``s`` (any style index);
- declared counts (``count``, ``uniqueCount`` of shared strings and styles) and ``dimension``;
- numbers in ``<v>``: NaN, infinities, ``1e309``, date serials out of range, garbage.

Each batch is a folder of mutants plus valid control bids, evaluated by the real round
(``run_round``: worker processes, byte guards, validation, rules, the shortlist written).
The batch passes when nothing escapes, every mutant gets an ``Outcomes`` row, the control
bids are admitted, and no input changed. ``make test`` runs a few hundred mutants;
``make fuzz`` many thousands (``CLC_FUZZ_MUTANTS``, ``CLC_FUZZ_SEED``).
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from clc_tender.bidgen import valid_bid, write_bid, write_scores
from clc_tender.tender import Tender

DS, PA = "Day Services", "Personal Assistants"
CONTROL_REFS = ("CLC26-C01", "CLC26-C02")

_NUMBERS = [
    b"NaN",
    b"nan",
    b"-NaN",
    b"inf",
    b"-inf",
    b"Infinity",
    b"1e309",
    b"-1e309",
    b"1e20",
    b"-1e20",
    b"2958465",
    b"2958466",
    b"2958465.99999999",
    b"-1",
    b"-0",
    b"0",
    b"1E-320",
    b"4294967296",
    b"18446744073709551616",
    b"9" * 400,
    b"1.7976931348623157e308",
    b"",
    b" ",
    b"abc",
    b"0x10",
    b"1_000",
    b"--1",
    b"1e",
    b".",
    b"+5",
    b"49.420000000000002",
]
_TYPES = [b"n", b"s", b"str", b"inlineStr", b"e", b"b", b"d", b"", b"x", b"N", b"S"]
_REFS = [
    b"A0",
    b"A1048576",
    b"A1048577",
    b"XFD1",
    b"XFE1",
    b"ZZZZZZZ1",
    b"A4294967296",
    b"B99999999999",
    b"",
    b"1A",
    b"AA",
    b"A-1",
    b"$A$1",
    b"a1",
    b"A01",
    b"R1C1",
]
_COUNTS = [b"0", b"1", b"4294967295", b"4294967296", b"99999999999999999999", b"-1", b"x", b"1e9"]
_DIMENSIONS = [b"A1:XFD1048576", b"A1:A4294967296", b"ZZZZZZ1:A1", b"", b"A1:B", b":"]

_CELL = re.compile(rb"<c\b[^>]*>")
_VALUE = re.compile(rb"<v>[^<]*</v>")
_COUNT = re.compile(rb'\b(count|uniqueCount)="[^"]*"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"')


@dataclass
class Mutant:
    name: str
    data: bytes
    how: str  # what was done, for the failure message


def _parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return [(info, source.read(info)) for info in source.infolist()]


def _zip(parts: list[tuple[str, bytes, int]]) -> bytes:
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buffer, "w") as target:
            for name, body, method in parts:
                target.writestr(zipfile.ZipInfo(name), body, compress_type=method)
    return buffer.getvalue()


def _repack(data: bytes, change: Callable[[list[tuple[str, bytes, int]]], None]) -> bytes:
    parts = [(info.filename, body, zipfile.ZIP_DEFLATED) for info, body in _parts(data)]
    change(parts)
    return _zip(parts)


def _edit_xml(
    rng: random.Random, data: bytes, edit: Callable[[bytes], bytes], prefix: str
) -> bytes:
    def change(parts: list[tuple[str, bytes, int]]) -> None:
        chosen = [i for i, (name, _, _) in enumerate(parts) if name.startswith(prefix)]
        if chosen:
            i = rng.choice(chosen)
            name, body, method = parts[i]
            parts[i] = (name, edit(body), method)

    return _repack(data, change)


def _one_mutation(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    kind = rng.choice(
        [
            "flip",
            "cut",
            "insert",
            "truncate",
            "drop",
            "duplicate",
            "rename",
            "empty",
            "stored",
            "junk",
            "attr-r",
            "attr-t",
            "attr-s",
            "number",
            "count",
            "dimension",
            "number",
            "attr-t",
        ]
    )
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] ^= rng.randint(1, 255)
        return bytes(out), kind
    if kind == "cut":
        start = rng.randrange(len(data))
        return data[:start] + data[start + rng.randint(1, 400) :], kind
    if kind == "insert":
        at = rng.randrange(len(data))
        return data[:at] + rng.randbytes(rng.randint(1, 40)) + data[at:], kind
    if kind == "truncate":
        return data[: rng.randrange(len(data))], kind
    if kind in ("drop", "duplicate", "rename", "empty", "stored", "junk"):

        def change(parts: list[tuple[str, bytes, int]]) -> None:
            i = rng.randrange(len(parts))
            name, body, method = parts[i]
            if kind == "drop":
                del parts[i]
            elif kind == "duplicate":
                parts.append((name, body[: rng.randrange(len(body) + 1)], method))
            elif kind == "rename":
                parts[i] = (name.upper() if rng.random() < 0.5 else name + "x", body, method)
            elif kind == "empty":
                parts[i] = (name, b"", method)
            elif kind == "stored":
                parts[i] = (name, body, zipfile.ZIP_STORED)
            else:
                parts.append(
                    (
                        rng.choice(["xl/worksheets/sheet99.xml", "junk.bin", "xl/x.xml"]),
                        rng.randbytes(rng.randint(0, 200)),
                        method,
                    )
                )

        return _repack(data, change), kind
    if kind.startswith("attr-"):
        attribute = kind[-1].encode()
        values = {
            b"r": _REFS,
            b"t": _TYPES,
            b"s": [b"0", b"1", b"2", b"999", b"4294967296", b"-1", b"x"],
        }

        def edit(body: bytes) -> bytes:
            cells = list(_CELL.finditer(body))
            if not cells:
                return body
            cell = rng.choice(cells)
            tag = cell.group(0)
            value = rng.choice(values[attribute])
            new, count = re.subn(
                rb"\b" + attribute + rb'="[^"]*"', attribute + b'="' + value + b'"', tag
            )
            if not count:
                new = tag[:2] + b" " + attribute + b'="' + value + b'"' + tag[2:]
            return body[: cell.start()] + new + body[cell.end() :]

        return _edit_xml(rng, data, edit, "xl/worksheets/"), kind
    if kind == "number":

        def edit(body: bytes) -> bytes:
            found = list(_VALUE.finditer(body))
            if not found:
                return body
            spot = rng.choice(found)
            return (
                body[: spot.start()] + b"<v>" + rng.choice(_NUMBERS) + b"</v>" + body[spot.end() :]
            )

        return _edit_xml(rng, data, edit, "xl/worksheets/"), kind
    if kind == "count":

        def edit(body: bytes) -> bytes:
            return _COUNT.sub(
                lambda m: m.group(1) + b'="' + rng.choice(_COUNTS) + b'"', body, count=1
            )

        return _edit_xml(
            rng, data, edit, rng.choice(["xl/styles.xml", "xl/sharedStrings.xml"])
        ), kind

    def edit(body: bytes) -> bytes:
        return _DIMENSION.sub(b'<dimension ref="' + rng.choice(_DIMENSIONS) + b'"', body, count=1)

    return _edit_xml(rng, data, edit, "xl/worksheets/"), "dimension"


def mutants(tender: Tender, seed: int, count: int, scratch: Path) -> Iterator[Mutant]:
    """``count`` mutants, deterministic for ``seed``, of a few valid bids (some with shared
    strings, the form Excel writes, so that their counts can be changed)."""
    rng = random.Random(seed)
    bases: list[bytes] = []
    for number, lots in enumerate([(DS,), (PA,), (DS, PA)]):
        path = scratch / f"base{number}.xlsx"
        write_bid(valid_bid(tender, f"CLC26-F{number}", lots=lots, seed=900 + number), path)
        bases.append(path.read_bytes())
        bases.append(_with_shared_strings(path.read_bytes()))
    for index in range(count):
        base = rng.randrange(len(bases))
        data = _own_reference(
            bases[base],
            f"CLC26-F{base // 2}".encode(),
            f"CLC26-M{seed % 1000:03d}{index:05d}".encode(),
        )
        done = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            try:
                data, how = _one_mutation(rng, data)
            except Exception:  # noqa: BLE001 - the generator's own zip reading of damaged bytes
                how = "(a zip mutation on bytes that are no longer a zip)"
            done.append(how)
        yield Mutant(f"mutant-{seed}-{index:05d}.xlsx", data, "+".join(done))


def _own_reference(data: bytes, old: bytes, new: bytes) -> bytes:
    """The same workbook under its own bid reference."""

    def change(parts: list[tuple[str, bytes, int]]) -> None:
        parts[:] = [(name, body.replace(old, new), method) for name, body, method in parts]

    return _repack(data, change)


def _with_shared_strings(data: bytes) -> bytes:
    """The same workbook with its inline strings moved to a shared-strings table."""
    strings: list[bytes] = []
    index: dict[bytes, int] = {}
    inline = re.compile(
        rb'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"([^>]*)><is><t[^>]*>([^<]*)</t></is></c>'
    )

    def shared(match: re.Match[bytes]) -> bytes:
        text = match.group(4)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return (
            b'<c r="'
            + match.group(1)
            + b'"'
            + match.group(2)
            + b' t="s"'
            + match.group(3)
            + b"><v>"
            + str(index[text]).encode()
            + b"</v></c>"
        )

    parts = []
    for info, body in _parts(data):
        if info.filename.startswith("xl/worksheets/"):
            body = inline.sub(shared, body)
        parts.append([info.filename, body, zipfile.ZIP_DEFLATED])
    sst = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" count="'
        + str(len(strings)).encode()
        + b'" uniqueCount="'
        + str(len(strings)).encode()
        + b'">'
        + b"".join(b"<si><t>" + s + b"</t></si>" for s in strings)
        + b"</sst>"
    )
    parts.append(["xl/sharedStrings.xml", sst, zipfile.ZIP_DEFLATED])
    for part in parts:
        if part[0] == "[Content_Types].xml":
            part[1] = part[1].replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                b'sharedStrings+xml"/></Types>',
            )
        if part[0] == "xl/_rels/workbook.xml.rels":
            part[1] = part[1].replace(
                b"</Relationships>",
                b'<Relationship Id="rIdSst" Type="http://'
                b"schemas.openxmlformats.org/officeDocument/2006/relationships/"
                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
    return _zip([(name, body, method) for name, body, method in parts])


def controls(tender: Tender, folder: Path) -> list[tuple[str, str]]:
    """Two valid bids that every batch must still admit; their (reference, lot) pairs."""
    pairs = []
    for number, (ref, lots) in enumerate(zip(CONTROL_REFS, [(DS,), (DS, PA)], strict=True)):
        spec = valid_bid(
            tender, ref, lots=lots, seed=800 + number, companies_house=f"9999990{number}"
        )
        write_bid(spec, folder / f"control-{number}.xlsx")
        pairs += [(ref, lot) for lot in lots]
    return pairs


def run_batch(tender: Tender, fmt: object, folder: Path, batch: list[Mutant], scores: Path) -> None:
    """Evaluate one folder of mutants and controls; assert the batch's properties."""
    from clc_tender.findings import Outcome
    from clc_tender.round import RoundRequest, run_round

    for mutant in batch:
        (folder / mutant.name).write_bytes(mutant.data)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    result = run_round(
        RoundRequest(
            bids_dir=folder,
            tender=tender,
            fmt=fmt,  # type: ignore[arg-type]
            out=folder.parent / "shortlist.xlsx",
            force=True,
            scores=scores,
        )
    )
    ev = result.evaluation
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert after == before, "an input changed"
    files = {o.file for o in ev.outcomes}
    for mutant in batch:
        assert mutant.name in files, f"{mutant.name} ({mutant.how}) has no Outcomes row"
    for o in ev.outcomes:
        if o.bid_reference in CONTROL_REFS:
            assert o.outcome is Outcome.ADMITTED, (
                o.bid_reference,
                o.lot,
                [r.code for r in o.reasons],
            )
        if o.outcome is not Outcome.ADMITTED:
            assert o.reasons, (o.file, o.outcome)
    assert sum(o.bid_reference in CONTROL_REFS for o in ev.outcomes) == 3
    for mutant in batch:
        (folder / mutant.name).unlink()


def write_control_scores(tender: Tender, path: Path, pairs: list[tuple[str, str]]) -> Path:
    from .conftest import agreed_scores

    write_scores(agreed_scores(pairs, tender), path)
    return path
