"""Property: no workbook, however broken, crashes the reader or slips through.

Hypothesis builds response workbooks with random values in every field (text, numbers,
dates, booleans, blanks, formulas without saved values, huge strings), random sheets and
rows left out, and random damage to the written bytes (truncation, flipped bytes, a mangled
XML part inside a sound zip). For every folder of such files:

- nothing raises out of ``read_files``, ``assess`` or ``evaluate``;
- every file gets at least one ``Outcomes`` row; a row with an error finding that applies to
  its lot is not admitted, and a row that is not admitted gives its reasons;
- the input files are byte-for-byte unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clc_tender.evaluate import RoundContext, assess, evaluate, relevant
from clc_tender.findings import CODE_OUTCOME, CONDITION_CODES, Outcome, Severity
from clc_tender.read.frames import read_files
from clc_tender.read.panel import read_scores
from clc_tender.tender import Tender, load_tender
from clc_tender.testing.bidgen import OMIT, BidSpec, Text, valid_bid, write_bid
from clc_tender.testing.officers import write_scores
from clc_tender.workbook_format import load_format

TENDER: Tender = load_tender()
FMT = load_format(TENDER)
DS, PA = "Day Services", "Personal Assistants"
SHEETS = ("Bidder", "Pricing", "Compliance", "Services", "PA Coverage")
REFS = tuple(f"CLC26-P{i}" for i in range(3))

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)

VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.just(OMIT),
    _text,
    st.sampled_from(
        [
            "Yes",
            "No",
            "y",
            "N",
            "TRUE",
            "false",
            "Maybe",
            "",
            "   ",
            "2026-03-19",
            "2026-03-19T11:30:00",
            "2026-03-19T11:30:00+05:00",
            "2026-02-30",
            "next year",
            "£49.42",
            "49.425",
            "£1,234.50",
            "-0",
            "0",
            "1e308",
            "abc",
            "#N/A",
            "01234567",
            "SC123456",
            "1-123456789",
            "Good",
            "Inadequate",
            "LE1 1AA",
            "a@b.co",
            "95%",
        ]
    ),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(
        min_value=-(10**7), max_value=10**7, places=4, allow_nan=False, allow_infinity=False
    ),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.sampled_from(["=1/0", "=A1", "=SUM(B1:B3)", "=NA()", '=""', "=TODAY()"]),
    _text.map(lambda t: Text("=" + t)),
    st.integers(min_value=1_000, max_value=40_000).map(lambda n: "x" * n),
)

# (section, index of the row to change, or None for a new row with a random label, value)
MUTATION = st.tuples(
    st.sampled_from(["bidder", "compliance", "prices", "services", "pa_coverage"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    _text,
    VALUES,
)

DAMAGE = st.one_of(
    st.none(),
    st.tuples(st.just("truncate"), st.floats(min_value=0, max_value=1)),
    st.tuples(
        st.just("flip"),
        st.lists(
            st.tuples(st.floats(min_value=0, max_value=1), st.integers(min_value=1, max_value=255)),
            min_size=1,
            max_size=8,
        ),
    ),
    st.tuples(
        st.just("mangle"),
        st.integers(min_value=0, max_value=20),
        st.floats(min_value=0, max_value=1),
        st.integers(min_value=1, max_value=400),
        st.binary(max_size=40),
    ),
)

BID = st.fixed_dictionaries(
    {
        "seed": st.integers(min_value=0, max_value=10_000),
        "lots": st.sampled_from([(DS,), (PA,), (DS, PA)]),
        "mutations": st.lists(MUTATION, max_size=10),
        "drop": st.sets(st.sampled_from(SHEETS), max_size=2),
        "damage": DAMAGE,
    }
)


def build(number: int, bid: dict[str, Any]) -> BidSpec:
    spec = valid_bid(TENDER, REFS[number], lots=bid["lots"], seed=bid["seed"])
    spec.drop_sheets = set(bid["drop"])
    for section, index, label, value in bid["mutations"]:
        if section in ("services", "pa_coverage"):
            rows: list[dict[str, Any]] = getattr(spec, section)
            if not rows or index is None:
                rows.append({label or "Extra": value})
            else:
                row = rows[index % len(rows)]
                keys = list(row)
                row[keys[index % len(keys)]] = value
            continue
        values: dict[str, Any] = getattr(spec, section)
        if index is None:
            values[label] = value
        else:
            keys = list(values)
            values[keys[index % len(keys)]] = value
    return spec


def damage(data: bytes, how: tuple[Any, ...] | None) -> bytes:
    if how is None:
        return data
    if how[0] == "truncate":
        return data[: int(len(data) * how[1])]
    if how[0] == "flip":
        out = bytearray(data)
        for where, mask in how[1]:
            position = min(int(len(out) * where), len(out) - 1)
            out[position] ^= mask
        return bytes(out)
    # mangle: cut a slice out of one XML part (or put bytes in its place), in a sound zip
    _, member_index, where, length, insert = how
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    xml = sorted(name for name in parts if name.endswith(".xml"))
    name = xml[member_index % len(xml)]
    body = parts[name]
    start = int(len(body) * where)
    parts[name] = body[:start] + insert + body[start + length :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member, content in parts.items():
            target.writestr(member, content)
    return buffer.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(bids=st.lists(BID, min_size=1, max_size=3))
def test_no_workbook_crashes_the_reader_or_slips_through(bids: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = []
        for number, bid in enumerate(bids):
            path = root / f"bid{number}.xlsx"
            write_bid(build(number, bid), path)
            path.write_bytes(damage(path.read_bytes(), bid["damage"]))
            paths.append(path)
        score_path = root / "scores.xlsx"
        write_scores(
            [
                (ref, lot, q.id, evaluator, 4, "")
                for ref in REFS
                for lot in (DS, PA)
                for q in TENDER.quality.questions
                for evaluator in ("JM", "AK")
            ],
            score_path,
        )
        before = {path: sha256(path) for path in [*paths, score_path]}

        frames = read_files(paths, TENDER, FMT)
        found = assess(frames, TENDER, FMT, TENDER.deadline)
        ev = evaluate(
            frames,
            TENDER,
            FMT,
            RoundContext(scores=read_scores(score_path, TENDER).frame, scores_file=score_path.name),
        )

        assert {path: sha256(path) for path in before} == before
        names = {path.name for path in paths}
        assert [read.file for read in frames.reads] == [path.name for path in paths]
        for finding in ev.findings:
            assert finding.code in CODE_OUTCOME or finding.code in CONDITION_CODES
            assert finding.file in names | {score_path.name}
            assert finding.message
        for read in frames.reads:
            mine = [f for f in ev.findings if f.file == read.file]
            assert {(f.code, f.place, f.message) for f in found if f.file == read.file} <= {
                (f.code, f.place, f.message) for f in mine
            }
            if not read.opened:  # a file that could not be opened says why
                assert any(f.severity is Severity.ERROR and f.sheet == "" for f in mine), mine
            rows = [o for o in ev.outcomes if o.file == read.file]
            assert rows, f"{read.file} has no Outcomes row"
            event("opened" if read.opened else "not opened")
            for row in rows:
                event(f"outcome: {row.outcome.value}")
            for row in rows:
                applicable = relevant(mine, (row.lot,) if row.lot else ())
                errors = [f for f in applicable if f.severity is Severity.ERROR]
                if errors:
                    assert row.outcome is not Outcome.ADMITTED, (row, errors)
                if row.outcome is Outcome.ADMITTED:
                    assert row.reasons == ()
                else:
                    assert row.reasons, row
                if row.lot:
                    assert all(isinstance(p, Decimal) and p > 0 for p in row.prices.values())
