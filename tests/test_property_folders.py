"""Property: a folder of random bids mixed with every kind of hostile entry always completes.

Hypothesis builds folders of random bids (the strategies of ``test_property``) together with
the failure kinds of issue 9: a shared-strings table declaring 2^32 strings (a native reader
aborts on it), two zip entries with one name, NaN and ``-inf`` in date cells (a native panic),
a Strict Open XML workbook, a hidden second ``Pricing`` sheet, a truncated file, a named pipe,
a folder, a dangling link, and a shortlist clc-tender wrote. For every folder:

- the whole round runs (``run_round``: workers, guards, rules, the shortlist written) and no
  exception escapes;
- every bid gets an ``Outcomes`` row, each failure kind the code it must get, and the two
  control bids are admitted;
- no input changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from clc_tender.bidgen import valid_bid, write_bid
from clc_tender.findings import Outcome
from clc_tender.round import RoundRequest, run_round

from .fuzzing import CONTROL_REFS, controls, write_control_scores
from .test_property import BID, FMT, TENDER, build, damage
from .trust_helpers import parts_of, to_strict, write_parts

DS = "Day Services"
ABSURD_SST = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"'
    b' uniqueCount="4294967296"><si><t>x</t></si></sst>'
)


def _value_of(path: Path, label: str, value: bytes) -> None:
    """Put raw ``value`` in the <v> of the Bidder value cell of ``label`` (a date cell)."""
    parts = parts_of(path)
    member = "xl/worksheets/sheet1.xml"  # Bidder is the first sheet write_bid writes
    body = parts[member]
    row = next(
        m.group(1)
        for m in re.finditer(rb'<c r="A(\d+)"[^>]*><is><t>([^<]*)</t>', body)
        if m.group(2) == label.encode()
    )
    cell = re.compile(rb'<c r="B' + row + rb'"([^>]*)>.*?</c>', re.DOTALL)
    parts[member] = cell.sub(
        lambda m: (
            b'<c r="B'
            + row
            + b'"'
            + m.group(1).replace(b' t="n"', b"")
            + b"><v>"
            + value
            + b"</v></c>"
        ),
        body,
        count=1,
    )
    write_parts(path, parts)


def _hidden_pricing(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Pricing"])
    copy.title = "Pricing "  # the same sheet after trimming
    copy.sheet_state = "hidden"
    wb.save(path)


# kind -> (how to damage a valid bid written at the path, the code its outcome must give)
KINDS: dict[str, tuple[Any, str | None]] = {
    "absurd-count": (
        lambda p: write_parts(p, {**parts_of(p), "xl/sharedStrings.xml": ABSURD_SST}),
        "unreadable-file",
    ),
    "twin-entry": (
        lambda p: write_parts(
            p, [*parts_of(p).items(), ("xl/worksheets/sheet2.xml", b"<worksheet/>")]
        ),
        "unreadable-file",
    ),
    "nan-date": (lambda p: _value_of(p, "Submitted at", b"NaN"), "invalid-value"),
    "inf-date": (lambda p: _value_of(p, "Submitted at", b"-inf"), "invalid-value"),
    "strict": (to_strict, None),
    "hidden-twin-sheet": (_hidden_pricing, "duplicate-sheet"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:700]), "unreadable-file"),
}
ENTRIES = ("pipe", "folder", "dangling-link", "our-shortlist")


@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    bids=st.lists(BID, min_size=0, max_size=3),
    kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4),
    entries=st.sets(st.sampled_from(ENTRIES), max_size=3),
)
def test_folders_with_every_failure_kind_complete(
    bids: list[dict[str, Any]], kinds: list[str], entries: set[str]
) -> None:
    with tempfile.TemporaryDirectory() as where:
        root = Path(where)
        folder = root / "bids"
        folder.mkdir()
        pairs = controls(TENDER, folder)
        for number, spec_of in enumerate(bids):
            path = folder / f"random{number}.xlsx"
            write_bid(build(number, spec_of), path)
            path.write_bytes(damage(path.read_bytes(), spec_of["damage"]))
        expected: dict[str, str | None] = {}
        for number, kind in enumerate(kinds):
            path = folder / f"kind{number}-{kind}.xlsx"
            write_bid(valid_bid(TENDER, f"CLC26-K{number}", lots=(DS,), seed=600 + number), path)
            KINDS[kind][0](path)
            expected[path.name] = KINDS[kind][1]
        if "pipe" in entries:
            os.mkfifo(folder / "pipe.xlsx")
        if "folder" in entries:
            (folder / "sub.xlsx").mkdir()
        if "dangling-link" in entries:
            (folder / "gone.xlsx").symlink_to(root / "nowhere.xlsx")
        scores = write_control_scores(
            TENDER, root / "scores.xlsx", pairs + [(f"CLC26-K{n}", DS) for n in range(len(kinds))]
        )
        if "our-shortlist" in entries:
            run_round(
                RoundRequest(
                    bids_dir=folder,
                    tender=TENDER,
                    fmt=FMT,
                    out=folder / "earlier-shortlist.xlsx",
                    scores=scores,
                )
            )
        before = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir()
            if p.is_file()
        }

        ev = run_round(
            RoundRequest(
                bids_dir=folder, tender=TENDER, fmt=FMT, out=root / "shortlist.xlsx", scores=scores
            )
        ).evaluation

        after = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir()
            if p.is_file()
        }
        assert after == before
        with_rows = {o.file for o in ev.outcomes}
        bid_files = {
            p.name
            for p in folder.iterdir()
            if p.is_file() and p.suffix == ".xlsx" and not p.name.startswith("earlier")
        }
        assert bid_files <= with_rows
        for o in ev.outcomes:
            if o.bid_reference in CONTROL_REFS:
                assert o.outcome is Outcome.ADMITTED, (o, [r.code for r in o.reasons])
        for name, code in expected.items():
            mine = [o for o in ev.outcomes if o.file == name]
            codes = {f.code for f in ev.findings if f.file == name}
            if code is None:
                assert {o.outcome for o in mine} == {Outcome.ADMITTED}, (name, codes)
            else:
                assert code in codes and all(o.outcome is Outcome.NON_COMPLIANT for o in mine), (
                    name,
                    codes,
                )
        skipped = {i.file: i.note for i in ev.inputs if i.status == "skipped"}
        if "pipe" in entries:
            assert skipped["pipe.xlsx"] == "a named pipe; not read"
        if "our-shortlist" in entries:
            assert (
                skipped["earlier-shortlist.xlsx"] == "written by clc-tender (shortlist), not a bid"
            )
