"""`clc-tender report`: the award report's sections, images, coverage gaps and forecast, read
back with python-docx; refusals before any work."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import Tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_decisions, write_scores

from .conftest import agreed_scores

DS, PA = "Day Services", "Personal Assistants"
D = Decimal
runner = CliRunner()
SECTIONS = [
    "Summary",
    "How bids were evaluated",
    "Outcomes",
    "Prices",
    "Market coverage",
    "The evaluation panel",
    "Spend forecast",
    "Record",
]


def add_sheet(path: Path, name: str, header: list[str], rows: list[list]) -> None:
    wb = openpyxl.load_workbook(path)
    index = None
    if name in wb.sheetnames:  # replaced by the designed rows, in its place
        index = wb.sheetnames.index(name)
        del wb[name]
    ws = wb.create_sheet(name, index)
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


@pytest.fixture(scope="module")
def shortlist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A round of four bids (one disqualified on price), evaluated through the command line."""
    from clc_tender.tender import load_tender

    tender = load_tender()
    root = tmp_path_factory.mktemp("round")
    bids = root / "bids"
    bids.mkdir()
    specs = {
        "a.xlsx": valid_bid(tender, "R-A", seed=1, companies_house="11111111"),
        "b.xlsx": valid_bid(tender, "R-B", lots=[DS], seed=2, companies_house="22222222"),
        "c.xlsx": valid_bid(tender, "R-C", lots=[PA], seed=3, companies_house="33333333"),
        "d.xlsx": valid_bid(tender, "R-D", lots=[DS], seed=4, companies_house="44444444"),
        "e.xlsx": valid_bid(tender, "R-E", lots=[DS], seed=5, companies_house="55555555"),
    }
    specs["d.xlsx"].prices["Band 1"] = D("49.43")  # above the ceiling: disqualified
    specs["e.xlsx"].compliance["Discretionary exclusion grounds apply"] = (
        "Yes"  # an officer decides
    )
    for name, spec in specs.items():
        write_bid(spec, bids / name)
    scores = root / "scores.xlsx"
    pairs = [("R-A", DS), ("R-A", PA), ("R-B", DS), ("R-C", PA), ("R-D", DS), ("R-E", DS)]
    write_scores(
        [*agreed_scores(pairs, tender), ("R-B", DS, "Q1", "RS", 1, "conflicted")],
        scores,
        panel=[
            ("JM", "Jo Mills", "Chair", "None", None, None, "2026-03-23"),
            ("AK", "Al Khan", "Officer", "None", None, None, "2026-03-23"),
            ("RS", "Ro Shah", "Officer", "Actual", "R-B", None, "2026-03-24"),
        ],
    )
    decisions = root / "decisions.xlsx"
    write_decisions(
        [
            (
                "R-E",
                DS,
                "discretionary-exclusion",
                "accept",
                "Self-cleaning evidence seen",
                "J Smith",
                dt.date(2026, 4, 1),
            )
        ],
        decisions,
    )
    out = root / "shortlist.xlsx"
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(bids),
            "--scores",
            str(scores),
            "--decisions",
            str(decisions),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def with_coverage(shortlist: Path, tmp_path: Path, tender: Tender) -> Path:
    """The shortlist with Services and PA coverage sheets (call-off.md) and designed gaps:
    no Day Services service in Melton supports Dementia; only one Personal Assistants provider
    covers Harborough for Mental health."""
    path = tmp_path / "shortlist.xlsx"
    path.write_bytes(shortlist.read_bytes())
    needs = list(tender.support_needs)
    services = []
    for district in tender.districts:
        for k in range(2):
            mine = [n for n in needs if not (district == "Melton" and n == "Dementia")]
            services.append(
                [
                    f"1111111{k}",
                    f"Org {k}",
                    1,
                    f"{district} centre {k}",
                    "1 High St",
                    "LE1 1AA",
                    district,
                    "; ".join(mine),
                    "Mon; Tue",
                ]
            )
    coverage = []
    for provider in ("11111111", "33333333"):
        for district in tender.districts:
            mine = [
                n
                for n in needs
                if not (
                    district == "Harborough" and n == "Mental health" and provider == "33333333"
                )
            ]
            coverage.append([provider, f"Org {provider}", 1, district, "; ".join(mine)])
    add_sheet(
        path,
        "Services",
        [
            "Provider ID",
            "Organisation",
            "Round",
            "Service name",
            "Address",
            "Postcode",
            "District",
            "Support needs",
            "Days open",
        ],
        services,
    )
    add_sheet(
        path,
        "PA coverage",
        ["Provider ID", "Organisation", "Round", "District", "Support needs"],
        coverage,
    )
    return path


UTILISATION = [
    ("Band 1", 44, 15, 8.74),
    ("Band 4", 168, 15, 26.23),
    ("Band 5", 138, 5, 17.14),
    ("PA Band", 96, 8, 21.47),
]


def utilisation(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Utilisation"
    ws.append(["Band", "People", "Hours per person per week", "Previous hourly rate (£)"])
    for row in UTILISATION:
        ws.append(list(row))
    notes = wb.create_sheet("Assumptions")
    notes.append(["Item", "Value"])
    for row in (
        ("Years", 3),
        ("Growth % per year", 2),
        ("Uplift % per year", 3),
        ("Note", "ILLUSTRATIVE figures"),
    ):
        notes.append(list(row))
    wb.save(path)
    return path


def headings(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


def table_titled(document: docx.document.Document, words: str) -> list[list[str]]:
    """The cells of the table whose caption (the paragraph before it) contains ``words``."""
    body = document.element.body
    previous = ""
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            previous = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
        elif child.tag.endswith("}tbl") and words in previous:
            table = docx.table.Table(child, document)
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table titled {words!r}")


def run_report(args: list[str]) -> None:
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 0, result.output


def test_report_sections_images_and_coverage_gaps(with_coverage: Path, tmp_path: Path) -> None:
    out = tmp_path / "award-report.docx"
    before = hashlib.sha256(with_coverage.read_bytes()).hexdigest()
    run_report(
        [
            str(with_coverage),
            "--utilisation",
            str(utilisation(tmp_path / "u.xlsx")),
            "--author",
            "Sam Officer",
            "--out",
            str(out),
        ]
    )
    assert hashlib.sha256(with_coverage.read_bytes()).hexdigest() == before  # input untouched
    document = docx.Document(str(out))
    assert headings(document) == [f"{i}. {name}" for i, name in enumerate(SECTIONS, start=1)]
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Draft — for approval" in cells and "Sam Officer" in cells
    assert document.core_properties.author == "Sam Officer"
    # charts: reasons, one price chart and one heat map per lot, the forecast
    assert len(document.inline_shapes) == 6
    assert all(
        len(rel.target_part.blob) > 5_000
        for rel in document.part.rels.values()
        if "image" in rel.reltype
    )
    assert "No admitted Day Services service in Melton supports Dementia." in text
    assert "Only one Personal Assistants provider covers Harborough for Mental health." in text
    assert "covers Blaby" not in text  # no gap where two providers cover every need
    heat = table_titled(document, "Day Services: admitted services, by district")
    melton = next(r for r in heat if r[0] == "Melton")
    assert melton[-1] == "0" and melton[1] == "2"
    # the panel and the score excluded under a conflict
    panel = table_titled(document, "The evaluation panel and its declarations")
    assert [r[0] for r in panel[1:]] == ["JM", "AK", "RS"] and panel[3][3] == "Actual"
    excluded = table_titled(document, "Scores excluded")
    assert excluded[1][:4] == ["R-B", "Day Services", "RS (Ro Shah)", "1"]
    decided = table_titled(document, "Officers' decisions")
    assert decided[1] == [
        "R-E",
        "Day Services",
        "Discretionary exclusion grounds",
        "accepted",
        "J Smith",
        "1 April 2026",
        "Self-cleaning evidence seen",
    ]
    reasons = table_titled(document, "reasons that decided")
    assert any(r[1] == "price-above-ceiling" for r in reasons)
    # the footer numbers the pages; the A4 page
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert "PAGE" in section.footer._element.xml
    # every table fits the page width and repeats its header row
    for table in document.tables:
        grid = table._tbl.tblGrid
        assert (
            sum(col.w for col in grid.gridCol_lst)
            <= section.page_width - section.left_margin - section.right_margin
        )
    numbered = [t for t in document.tables if "tblHeader" in t._tbl.xml]
    assert len(numbered) >= 10


def test_forecast_equals_an_independent_computation(
    with_coverage: Path, tmp_path: Path, tender: Tender
) -> None:
    out = tmp_path / "r.docx"
    run_report(
        [
            str(with_coverage),
            "--utilisation",
            str(utilisation(tmp_path / "u.xlsx")),
            "--out",
            str(out),
        ]
    )
    document = docx.Document(str(out))
    # the admitted prices, from the shortlist's Framework sheet
    ws = openpyxl.load_workbook(with_coverage)["Framework"]
    head = [c.value for c in ws[1]]
    prices: dict[str, list[D]] = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        record = dict(zip(head, row, strict=False))
        for band in ("Band 1", "Band 4", "Band 5", "PA Band"):
            if record.get(band) is not None and record["Lot"] == tender.band(band).lot:
                prices.setdefault(band, []).append(D(str(record[band])))
    penny = D("0.01")

    def hourly(band: str, price: D) -> D:
        return (
            (price / 6).quantize(penny, ROUND_HALF_UP)
            if tender.band(band).unit == "session"
            else price
        )

    def median(values: list[D]) -> D:
        s = sorted(values)
        n = len(s)
        return (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2).quantize(
            penny, ROUND_HALF_UP
        )

    expected = {"Previous rates": D(0), "Ceiling": D(0), "Median": D(0), "Lowest": D(0)}
    for band, people, hours, previous in UTILISATION:
        rates = {
            "Previous rates": D(str(previous)),
            "Ceiling": hourly(band, tender.band(band).ceiling),
            "Median": hourly(band, median(prices[band])),
            "Lowest": hourly(band, min(prices[band])),
        }
        for year in range(3):
            for scenario, rate in rates.items():
                amount = D(people) * D(hours) * 52 * D("1.02") ** year * rate * D("1.03") ** year
                expected[scenario] += amount.quantize(penny, ROUND_HALF_UP)
    table = table_titled(document, "Spend per financial year")
    assert table[0] == ["Year", "Previous rates", "Ceiling", "Median", "Lowest"]
    assert [r[0] for r in table[1:]] == ["2026/27", "2027/28", "2028/29", "Total"]
    total = dict(zip(table[0][1:], table[-1][1:], strict=True))
    assert total == {k: f"£{v:,.2f}" for k, v in expected.items()}
    saving = expected["Previous rates"] - expected["Lowest"]
    approved = table_titled(document, "approved on")
    assert approved[3][4] == f"£{saving:,.2f}" and approved[3][1] == "£750,000.00"
    assert "ILLUSTRATIVE figures" in "\n".join(p.text for p in document.paragraphs)


def test_without_utilisation_no_forecast(shortlist: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    run_report([str(shortlist), "--out", str(out)])
    document = docx.Document(str(out))
    names = [n for n in SECTIONS if n != "Spend forecast"]
    assert headings(document) == [f"{i}. {name}" for i, name in enumerate(names, start=1)]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Spend forecast" not in text and "Coverage data is not" not in text
    assert len(document.inline_shapes) == 5  # reasons, a price chart and a heat map per lot


def test_shortlist_without_coverage_sheets_says_so(shortlist: Path, tmp_path: Path) -> None:
    """A shortlist written before evaluate wrote Services and PA coverage."""
    older = tmp_path / "older.xlsx"
    wb = openpyxl.load_workbook(shortlist)
    for name in ("Services", "PA coverage"):
        del wb[name]
    wb.save(older)
    out = tmp_path / "r.docx"
    run_report([str(older), "--out", str(out)])
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Coverage data is not in this shortlist" in text
    assert len(document.inline_shapes) == 3  # reasons and two price charts; no heat map


@pytest.mark.parametrize("case", ["exists", "input", "link", "extension", "folder"])
def test_refusals_before_any_work(shortlist: Path, tmp_path: Path, case: str) -> None:
    out = {
        "exists": tmp_path / "old.docx",
        "input": shortlist,
        "link": tmp_path / "link.docx",
        "extension": tmp_path / "r.pdf",
        "folder": tmp_path / "missing" / "r.docx",
    }[case]
    if case == "exists":
        out.write_bytes(b"keep")
    if case == "link":
        out.symlink_to(shortlist)
    args = ["report", str(shortlist), "--out", str(out)] + (
        ["--force"] if case in ("input", "link") else []
    )
    before = shortlist.read_bytes()
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and str(out) in result.stderr
    assert shortlist.read_bytes() == before
    if case == "exists":
        assert out.read_bytes() == b"keep"


def test_malformed_utilisation_exit_2_naming_the_cell(shortlist: Path, tmp_path: Path) -> None:
    path = tmp_path / "u.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Utilisation"
    ws.append(["Band", "People", "Hours per person per week", "Previous hourly rate (£)"])
    ws.append(["Band 1", "lots", 15, 8.74])
    wb.save(path)
    out = tmp_path / "r.docx"
    result = runner.invoke(
        app, ["report", str(shortlist), "--utilisation", str(path), "--out", str(out)]
    )
    assert result.exit_code == 2 and "Utilisation!B2" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and not out.exists()


def test_not_a_shortlist_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(path)
    result = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "r.docx")])
    assert result.exit_code == 2 and "is missing" in result.stderr


def test_bidder_text_stays_text(shortlist: Path, tmp_path: Path) -> None:
    """An organisation name that looks like a link, a formula or a field is written as text."""
    path = tmp_path / "shortlist.xlsx"
    path.write_bytes(shortlist.read_bytes())
    wb = openpyxl.load_workbook(path)
    ws = wb["Outcomes"]
    head = [c.value for c in ws[1]]
    row = 2
    evil = '=HYPERLINK("https://evil.example") { PAGE } https://evil.example'
    name = ws.cell(row, head.index("Organisation") + 1)
    name.value = evil
    name.data_type = "s"  # text, as clc-tender writes it (never a formula)
    ws.cell(row, head.index("Outcome") + 1).value = "referred"
    ws.cell(row, head.index("Reasons") + 1).value = "quality-not-scored: quality is not scored"
    wb.save(path)
    out = tmp_path / "r.docx"
    run_report([str(path), "--out", str(out)])
    document = docx.Document(str(out))
    body = document.element.body.xml
    assert "w:hyperlink" not in body and "fldSimple" not in body and "instrText" not in body
    pending = table_titled(document, "Referred bids")
    assert evil in [r[1] for r in pending]


def test_reasons_parsed_without_the_cell_and_decisive_codes() -> None:
    from clc_tender.report_model import decisive, entry_codes

    entries = entry_codes(
        "price-above-ceiling: Pricing!C2: price £49.43 is above\n"
        "quality-not-scored: quality is not scored\n"
        "finance-turnover: Compliance!B9: turnover £40,000; rejected by J Smith"
    )
    assert entries[0] == ("price-above-ceiling", "price £49.43 is above")
    assert entries[2][1].startswith("turnover £40,000")
    assert decisive("disqualified-price", entries) == ["price-above-ceiling"]
    assert decisive("failed-gate", entries) == ["finance-turnover"]  # a rejected referral
    assert decisive("referred", entries) == ["quality-not-scored", "finance-turnover"]
