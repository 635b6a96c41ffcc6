"""The shortlist workbook: sheets, headers, number formats, ranks, medians, atomic writing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

from clc_tender import __version__
from clc_tender.findings import Finding, Outcome
from clc_tender.framework import hourly_rate, median, rate_card
from clc_tender.results import Evaluation, InputFile, LotOutcome, Member, QuestionScore
from clc_tender.tender import load_tender
from clc_tender.write import shortlist as shortlist_module
from clc_tender.write.atomic import atomic_output
from clc_tender.write.shortlist import (
    OutputExists,
    row_height,
    wrapped_lines,
    write_shortlist,
)

D = Decimal
LONDON = ZoneInfo("Europe/London")
BANDS = ["Band 1", "Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "PA Band"]
EVIL = '=HYPERLINK("http://x","y")'

HEADERS = {
    "Summary": ["Item", "Value"],
    "Framework": ["Provider ID", "Organisation", "Lot", "Round", "Bid reference", "Quality %",
                  "Conditions", *BANDS],
    "Outcomes": ["Bid reference", "Organisation", "Lot", "Outcome", "Reasons", "Conditions",
                 "Decisions", "Quality %", *BANDS, "File"],
    "Rate card": ["Band", "Rank", "Organisation", "Provider ID", "Price (£)", "Hourly (£)"],
    "Quality": ["Bid reference", "Lot", "Question", "Weight %", "Scores", "Moderated", "Final",
                "Status", "Comment"],
    "Prices": ["Band", "Floor (£)", "Ceiling (£)", "Bids", "Min", "Median", "Max",
               "Outside range"],
    "Findings": ["File", "Sheet", "Cell", "Severity", "Code", "Message", "Bid reference", "Lot"],
    "Inputs": ["File", "Bytes", "SHA-256", "Status", "Note"],
    "Bidders": ["Bid reference", "Organisation", "Provider ID", "Contact name", "Contact email",
                "Contact telephone", "Registered address", "Postcode"],
    "Services": ["Provider ID", "Organisation", "Round", "Service name", "Address", "Postcode",
                 "District", "Support needs", "Days open"],
    "PA coverage": ["Provider ID", "Organisation", "Round", "District", "Support needs"],
}


def member(pid: str, org: str, prices: dict[str, Decimal], *, lot: str = "Day Services",
           rnd: int = 1, ref: str = "", conditions: str = "") -> Member:
    return Member(pid, org, lot, rnd, ref or f"REF-{pid}", D("75.00"), conditions, prices)


@pytest.fixture(scope="module")
def tender():
    return load_tender()


def make_evaluation(tender, *, round_number: int = 1) -> Evaluation:
    ceiling = Finding.make("b.xlsx", "Pricing", "C2", "price-above-ceiling",
                           "Band 1 £49.50 is above the ceiling £49.42", bid_reference="CLC-002")
    unscored = Finding.make("b.xlsx", "Scores", "", "quality-not-scored", "quality is not scored",
                            bid_reference="CLC-002")
    guarantee = Finding.make("a.xlsx", "Finance", "B4", "parent-company-guarantee",
                             "a parent company guarantee from Holdco Ltd", bid_reference="CLC-001")
    outcomes = (
        LotOutcome(0, "CLC-001", EVIL, "01234567", "Day Services", Outcome.ADMITTED, (),
                   (guarantee,), ("finance-turnover: accepted by J Smith (2026-04-01): PCG",),
                   D("72.50"), {"Band 1": D("49.42"), "Band 5": D("17.00")}, "a.xlsx"),
        LotOutcome(0, "CLC-001", EVIL, "01234567", "Personal Assistants", Outcome.REFERRED,
                   (unscored,), (), (), None, {"PA Band": D("19.50")}, "a.xlsx"),
        LotOutcome(1, "CLC-002", "Beta Care", "charity-1100001", "Day Services",
                   Outcome.DISQUALIFIED_PRICE, (ceiling,), (), (), D("80.00"),
                   {"Band 1": D("49.50")}, "b.xlsx"),
        LotOutcome(2, "", "", "", "", Outcome.NON_COMPLIANT,
                   (Finding.make("c.xlsx", "", "", "unreadable-file", "not a workbook"),), (), (),
                   None, {}, "c.xlsx"),
    )
    members = (
        member("01234567", EVIL, {"Band 1": D("49.42"), "Band 5": D("17.00")}, ref="CLC-001"),
        member("02000000", "Zeta Ltd", {"Band 1": D("48.15")}),
        member("03000000", "Alpha Ltd", {"Band 1": D("48.15"), "Band 2": D("57.00")}),
        member("04000000", "Delta Ltd", {"Band 1": D("49.00")}, rnd=1,
               conditions="insurance-renewal: public liability insurance expires 1 June 2026"),
        member("05000000", "PA People", {"PA Band": D("19.00")}, lot="Personal Assistants"),
    )
    quality_rows = (
        QuestionScore("CLC-001", "Day Services", "Q1", 25, "AB 4; CD 3", 4, 4, "moderated",
                      "=cmd|' /C calc'!A0"),
        QuestionScore("CLC-001", "Day Services", "Q2", 20, "AB 3; CD 3", None, 3, "agreed", ""),
    )
    inputs = (
        InputFile("a.xlsx", Path("a.xlsx"), 12345, "ab" * 32, "bid", "Day Services: admitted"),
        InputFile("README.txt", Path("README.txt"), 10, "cd" * 32, "skipped",
                  "not an .xlsx workbook; not a bid"),
    )
    bidders = ({
        "bid_reference": "CLC-001", "organisation": EVIL, "provider_id": "01234567",
        "contact_name": "+44 Jo", "contact_email": "jo@example.org",
        "contact_telephone": "0116 000 0000", "registered_address": "1 High St\nLeicester",
        "postcode": "LE1 1AA", "file": "a.xlsx",
    },)
    prices = pd.DataFrame({
        "bid": [0, 1, 3, 4, 0],
        "band": ["Band 1", "Band 1", "Band 1", "Band 1", "PA Band"],
        "price": [D("49.42"), D("49.50"), D("48.12"), D("48.13"), D("19.50")],
    })
    deadline = dt.datetime(2026, 3, 20, 12, 0, tzinfo=LONDON)
    return Evaluation(
        tender=tender, round=round_number, deadline=deadline, first_deadline=deadline,
        run_at=dt.datetime(2026, 3, 23, 9, 30, 5, tzinfo=LONDON), outcomes=outcomes,
        findings=(ceiling, unscored), quality_rows=quality_rows, inputs=inputs,
        bidders=bidders, prices=prices, members=members,
    )


@pytest.fixture
def written(tender, tmp_path):
    out = tmp_path / "shortlist.xlsx"
    write_shortlist(make_evaluation(tender), out)
    return openpyxl.load_workbook(out)


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def column(ws, header):
    headers = [c.value for c in ws[1]]
    return headers.index(header) + 1


def test_sheets_in_order_with_exact_headers(written):
    assert written.sheetnames == [*HEADERS, "Price chart data"]
    assert written["Price chart data"].sheet_state == "hidden"
    for name, expected in HEADERS.items():
        ws = written[name]
        headers = [c.value for c in ws[1]]
        assert headers[: len(expected)] == expected, name
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None
        assert ws.cell(1, 1).font.b


def test_summary_items(written, tender):
    items = rows_of(written["Summary"])
    keys = [k for k, _ in items]
    assert keys[:12] == [
        "Contracting authority", "Tender reference", "Tender title", "Round", "Deadline",
        "First round deadline", "Run at", "clc-tender version", "Tender definition SHA-256",
        "Files read", "Files skipped", "Framework members",
    ]
    values = dict(items)
    assert values["Tender reference"] == tender.reference
    assert values["Round"] == 1
    # Excel date-times in the tender's local time, shown "20 March 2026 12:00"
    assert values["Deadline"] == dt.datetime(2026, 3, 20, 12, 0)
    assert values["Run at"] == dt.datetime(2026, 3, 23, 9, 30, 5)
    assert values["First award"] == dt.datetime(2026, 5, 29)
    ws = written["Summary"]
    shown = {ws.cell(r, 1).value: ws.cell(r, 2).number_format for r in range(2, ws.max_row + 1)}
    assert shown["Deadline"] == shown["Run at"] == "d mmmm yyyy hh:mm"
    assert shown["First award"] == "d mmmm yyyy"
    assert values["clc-tender version"] == __version__
    assert values["Tender definition SHA-256"] == tender.sha256
    assert values["Files read"] == 1
    assert values["Files skipped"] == 1
    assert values["Framework members"] == 5
    counts = keys[12:12 + 2 * 6]
    assert counts == [f"{lot}: {o.value}" for lot in tender.lot_names
                      for o in Outcome if o is not Outcome.ALREADY_ADMITTED]
    assert values["Day Services: admitted"] == 1
    assert values["Day Services: disqualified-price"] == 1
    assert values["Day Services: late"] == 0
    assert values["Personal Assistants: referred"] == 1
    assert "Day Services: already-admitted" not in values


def test_summary_counts_already_admitted_in_a_reopening(tender, tmp_path):
    out = tmp_path / "r2.xlsx"
    write_shortlist(make_evaluation(tender, round_number=2), out)
    values = dict(rows_of(openpyxl.load_workbook(out)["Summary"]))
    assert values["Round"] == 2
    assert values["Day Services: already-admitted"] == 0
    assert values["Personal Assistants: already-admitted"] == 0


def test_outcomes_rows_reasons_and_prices(written):
    ws = written["Outcomes"]
    rows = rows_of(ws)
    assert len(rows) == 4
    refs = [(r[0], r[2], r[3]) for r in rows]
    assert refs == [
        ("CLC-001", "Day Services", "admitted"),
        ("CLC-001", "Personal Assistants", "referred"),
        ("CLC-002", "Day Services", "disqualified-price"),
        (None, None, "non-compliant"),
    ]
    admitted, referred, disqualified, broken = rows
    assert admitted[4] is None  # no reasons
    assert admitted[5] == (
        "parent-company-guarantee: Finance!B4: a parent company guarantee from Holdco Ltd")
    assert admitted[6].startswith("finance-turnover: accepted")
    assert referred[4] == "quality-not-scored: quality is not scored"
    assert disqualified[4] == (
        "price-above-ceiling: Pricing!C2: Band 1 £49.50 is above the ceiling £49.42")
    assert broken[column(ws, "File") - 1] == "c.xlsx"
    # prices and quality are numbers with formats
    band1 = ws.cell(2, column(ws, "Band 1"))
    assert band1.data_type == "n" and band1.value == pytest.approx(49.42)
    assert band1.number_format == "£#,##0.00"
    assert ws.cell(2, column(ws, "Band 2")).value is None
    quality = ws.cell(2, column(ws, "Quality %"))
    assert quality.value == pytest.approx(72.5) and quality.number_format == "0.00"
    assert ws.cell(2, column(ws, "Reasons")).alignment.wrap_text
    # the outcome cell is coloured
    assert ws.cell(2, 4).fill.fgColor.rgb != ws.cell(3, 4).fill.fgColor.rgb


def test_bidder_text_stays_text(written):
    for name, col in (("Outcomes", 2), ("Framework", 2), ("Bidders", 2), ("Rate card", 3)):
        ws = written[name]
        cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
        evil = [c for c in cells if c.value == EVIL]
        assert evil, name
        assert all(c.data_type == "s" for c in evil), name
    comment = written["Quality"].cell(2, 9)
    assert comment.value == "=cmd|' /C calc'!A0" and comment.data_type == "s"
    contact = written["Bidders"].cell(2, 4)
    assert contact.value == "+44 Jo" and contact.data_type == "s"


def test_framework_rows(written):
    ws = written["Framework"]
    rows = rows_of(ws)
    assert len(rows) == 5
    first = rows[0]
    assert first[:5] == ["01234567", EVIL, "Day Services", 1, "CLC-001"]
    b1 = ws.cell(2, column(ws, "Band 1"))
    assert b1.data_type == "n" and b1.number_format == "£#,##0.00"
    assert ws.cell(2, column(ws, "Band 2")).value is None
    assert ws.cell(6, column(ws, "PA Band")).value == pytest.approx(19.0)


def test_rate_card_ranks_ties_and_hourly(written):
    rows = rows_of(written["Rate card"])
    band1 = [r for r in rows if r[0] == "Band 1"]
    assert [(r[1], r[2]) for r in band1] == [
        (1, "Alpha Ltd"), (1, "Zeta Ltd"), (3, "Delta Ltd"), (4, EVIL),
    ]
    hourly = {r[2]: r[5] for r in band1}
    assert hourly["Alpha Ltd"] == pytest.approx(8.03)  # 48.15 / 6 = 8.025 -> 8.03 half up
    assert hourly[EVIL] == pytest.approx(8.24)  # 49.42 / 6 = 8.2366... -> 8.24
    band5 = [r for r in rows if r[0] == "Band 5"]
    assert band5 == [["Band 5", 1, EVIL, "01234567", pytest.approx(17.0), pytest.approx(17.0),
                      band5[0][6]]]
    assert [c.value for c in written["Rate card"][1]][6] == "Conditions"
    framework = written["Framework"]
    conditions_col = column(framework, "Conditions")
    of_member = {framework.cell(r, 2).value: framework.cell(r, conditions_col).value
                 for r in range(2, framework.max_row + 1)}
    assert any(of_member.values())  # some member has a condition to show
    for row in rows:
        assert row[6] == of_member[row[2]], row
    assert [r[0] for r in rows] == ["Band 1"] * 4 + ["Band 2", "Band 5", "PA Band"]
    ws = written["Rate card"]
    for col in (5, 6):
        assert ws.cell(2, col).data_type == "n" and ws.cell(2, col).number_format == "£#,##0.00"


def test_rate_card_exact_values(tender):
    rows = rate_card([member("1", "A", {"Band 1": D("48.15")}),
                      member("2", "B", {"Band 1": D("49.42")}),
                      member("3", "C", {"PA Band": D("19.00")})], tender)
    assert [(r.band, r.rank, r.hourly) for r in rows] == [
        ("Band 1", 1, D("8.03")), ("Band 1", 2, D("8.24")),
    ]  # the PA Band member is of the other lot (Day Services given): not listed
    assert hourly_rate(D("19.00"), tender.band("PA Band"), 6) == D("19.00")


def test_median_exact():
    assert median([D("48.13"), D("49.42"), D("48.12"), D("49.50")]) == D("48.775")
    assert median([D("1"), D("3"), D("2")]) == D("2")
    assert median([]) is None


def test_prices_sheet(written, tender):
    ws = written["Prices"]
    rows = rows_of(ws)
    assert [r[0] for r in rows] == list(tender.band_names)
    band1 = rows[0]
    assert band1[1] == pytest.approx(48.12) and band1[2] == pytest.approx(49.42)
    assert band1[3] == 4
    assert band1[4] == pytest.approx(48.12)
    assert band1[5] == pytest.approx(48.775)  # (48.13 + 49.42) / 2
    assert band1[6] == pytest.approx(49.50)
    assert band1[7] == 1
    band2 = rows[1]
    assert band2[3] == 0 and band2[4] is None and band2[5] is None and band2[7] == 0
    for col in range(2, 8):
        if col in (4,):
            continue
        assert ws.cell(2, col).number_format == "£#,##0.00", col
    assert ws.cell(2, 6).data_type == "n"


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))


def test_prices_chart_per_priced_band(tender, tmp_path):
    out = tmp_path / "s.xlsx"
    write_shortlist(make_evaluation(tender), out)
    charts = _charts(out)
    assert len(charts) == 2  # Band 1 and PA Band are priced; the other bands have no price
    with zipfile.ZipFile(out) as z:
        band1 = z.read(charts[0]).decode()
    # Band 1: the axis starts at £0 (never truncated); the floor and the ceiling are lines
    # across the three columns (min, median, max), their points on the hidden data sheet
    assert re.search(r'<c:min val="0"', band1)
    assert "<c:max " not in band1
    assert "Band 1" in band1 and "<c:lineChart>" in band1 and "<c:barChart>" in band1
    assert "'Price chart data'!$B$2:$D$2" in band1 and "'Price chart data'!$E$2:$G$2" in band1
    assert "Prices!$E$2:$G$2" in band1  # min, median, max of Band 1
    data = openpyxl.load_workbook(out)["Price chart data"]
    assert [c.value for c in data[2]] == ["Band 1", 48.12, 48.12, 48.12, 49.42, 49.42, 49.42]


def test_no_chart_without_prices(tender, tmp_path):
    out = tmp_path / "s.xlsx"
    ev = dataclasses.replace(make_evaluation(tender),
                             prices=pd.DataFrame({"bid": [], "band": [], "price": []}))
    write_shortlist(ev, out)
    assert _charts(out) == []


def test_wrapped_rows_get_their_height(tender, tmp_path):
    ev = make_evaluation(tender)
    reasons = tuple(
        Finding.make("b.xlsx", "Pricing", f"C{i}", "price-above-ceiling", f"price {i} too high",
                     bid_reference="CLC-002")
        for i in (2, 3, 4)
    )
    outcomes = list(ev.outcomes)
    outcomes[2] = dataclasses.replace(outcomes[2], reasons=reasons)
    out = tmp_path / "s.xlsx"
    write_shortlist(dataclasses.replace(ev, outcomes=tuple(outcomes)), out)
    ws = openpyxl.load_workbook(out)["Outcomes"]
    assert len(ws.cell(4, column(ws, "Reasons")).value.splitlines()) == 3
    assert ws.row_dimensions[4].height >= 45
    assert ws.row_dimensions[4].height <= 300


def test_row_height_estimates():
    assert wrapped_lines("one line", 60) == 1
    assert wrapped_lines("a\nb\nc", 60) == 3
    assert wrapped_lines("aaaa bbbb cccc", 10) == 2  # 9 characters a line
    assert wrapped_lines("x" * 20, 10) == 3  # a long word is broken
    assert row_height([("short", 40)]) is None
    assert row_height([("a\nb\nc", 60), ("one", 40)]) == 45
    assert row_height([("word " * 2000, 60)]) == 300  # capped


def test_print_setup_on_every_sheet(written):
    wide = {"Framework", "Outcomes", "Findings", "Quality"}  # landscape where wide
    for ws in (w for w in written.worksheets if w.sheet_state == "visible"):
        if ws.title == "Summary" or ws.title in wide:
            expected = "landscape" if ws.title in wide else "portrait"
            assert ws.page_setup.orientation == expected, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.oddFooter.left.text == "&A" and "&P" in ws.oddFooter.right.text
    outcomes = written["Outcomes"]
    file_col = column(outcomes, "File")
    assert outcomes.print_area.endswith(f"${openpyxl.utils.get_column_letter(file_col)}$5")


def test_summary_counts_conditions_apart_from_warnings(tender, tmp_path):
    ev = make_evaluation(tender)
    guarantee = ev.outcomes[0].conditions[0]
    warning = Finding.make("a.xlsx", "Bidder", "B3", "text-number", "a number typed as text")
    out = tmp_path / "s.xlsx"
    write_shortlist(dataclasses.replace(ev, findings=(*ev.findings, guarantee, warning)), out)
    summary = rows_of(openpyxl.load_workbook(out)["Summary"])
    items, values = [k for k, _ in summary], dict(summary)
    assert values["Findings: warnings"] == 1
    assert values["Findings: conditions"] == 1
    assert items.index("Findings: conditions") == items.index("Findings: warnings") + 1


def test_findings_lot_column(tender, tmp_path):
    ev = make_evaluation(tender)
    policy = Finding.make("a.xlsx", "Compliance", "B26", "policy-missing", "no policy",
                          bid_reference="CLC-001", lots=("Day Services", "Personal Assistants"))
    out = tmp_path / "s.xlsx"
    write_shortlist(dataclasses.replace(ev, findings=(*ev.findings, policy)), out)
    ws = openpyxl.load_workbook(out)["Findings"]
    header = [c.value for c in ws[1]]
    assert header == ["File", "Sheet", "Cell", "Severity", "Code", "Message", "Bid reference",
                      "Lot"]
    rows = rows_of(ws)
    assert rows[0][7] is None  # a finding of every lot of the bid
    assert rows[-1][7] == "Day Services, Personal Assistants"


def test_findings_inputs_quality_bidders(written):
    findings = rows_of(written["Findings"])
    assert findings[0] == ["b.xlsx", "Pricing", "C2", "error", "price-above-ceiling",
                           "Band 1 £49.50 is above the ceiling £49.42", "CLC-002", None]
    assert findings[1][3] == "referral"
    inputs = rows_of(written["Inputs"])
    assert inputs[0] == ["a.xlsx", 12345, "ab" * 32, "bid", "Day Services: admitted"]
    assert inputs[1][3] == "skipped"
    quality = rows_of(written["Quality"])
    assert quality[0][:8] == ["CLC-001", "Day Services", "Q1", 25, "AB 4; CD 3", 4, 4, "moderated"]
    assert quality[1][5] is None
    bidders = rows_of(written["Bidders"])
    assert bidders[0][:8] == ["CLC-001", EVIL, "01234567", "+44 Jo", "jo@example.org",
                              "0116 000 0000", "1 High St\nLeicester", "LE1 1AA"]


def test_same_evaluation_same_cells(tender, tmp_path):
    ev = make_evaluation(tender)
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_shortlist(ev, first)
    write_shortlist(ev, second)
    a, b = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    for name in a.sheetnames:
        assert [list(r) for r in a[name].values] == [list(r) for r in b[name].values]
    assert first.read_bytes() == second.read_bytes()  # created time is the run's, not the clock's


def test_existing_output_needs_force(tender, tmp_path):
    out = tmp_path / "shortlist.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(OutputExists, match="--force") as info:
        write_shortlist(make_evaluation(tender), out)
    assert "shortlist.xlsx" in str(info.value)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shortlist.xlsx"]
    write_shortlist(make_evaluation(tender), out, force=True)
    assert openpyxl.load_workbook(out).sheetnames[0] == "Summary"


def test_failure_mid_write_leaves_nothing(tender, tmp_path, monkeypatch):
    def boom(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shortlist_module._Writer, "prices", boom)
    out = tmp_path / "shortlist.xlsx"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_shortlist(make_evaluation(tender), out)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_saving_keeps_old_file(tender, tmp_path, monkeypatch):
    out = tmp_path / "shortlist.xlsx"
    out.write_bytes(b"old")
    real_close = shortlist_module.Workbook.close

    def close_then_fail(self):
        real_close(self)  # the temporary file is complete on disk...
        raise OSError("no space left on device")  # ...and then the write fails

    monkeypatch.setattr(shortlist_module.Workbook, "close", close_then_fail)
    with pytest.raises(OSError, match="no space"):
        write_shortlist(make_evaluation(tender), out, force=True)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shortlist.xlsx"]


def test_atomic_output_replaces_only_on_success(tmp_path):
    out = tmp_path / "letters.csv"
    with atomic_output(out, force=False) as tmp:
        assert tmp.parent == tmp_path and tmp != out
        tmp.write_text("a,b\n")
        assert not out.exists()
    assert out.read_text() == "a,b\n"
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's private 0600
    with pytest.raises(OutputExists):
        with atomic_output(out, force=False):
            pass
    with pytest.raises(ValueError), atomic_output(out, force=True) as tmp:
        tmp.write_text("half")
        raise ValueError("stop")
    assert out.read_text() == "a,b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["letters.csv"]
