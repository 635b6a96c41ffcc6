"""Trusting the inputs (issue 9): odd and hostile workbooks, the portal's receipts, outputs
that never cost an input, bidder text inert on the terminal.

Each test builds its workbooks or folder here, runs the real command line, and asserts the
code, the cell, the exit code, that the control bids are still admitted and that every input
is byte-for-byte unchanged.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import os
import resource
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from clc_tender.bidgen import Text, write_bid, write_decisions
from clc_tender.read import guards, pool, repair, workbook
from clc_tender.read.guards import inspect_bytes
from clc_tender.tender import Tender

from .trust_helpers import (
    DS,
    PA,
    bid,
    controls,
    digest,
    edit,
    evaluate,
    member_of,
    one_line,
    parts_of,
    row_of,
    runner,
    scores_for,
    set_cell_xml,
    to_strict,
    write_parts,
)
from .trust_helpers import app as cli

ABSURD_SST = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"'
    b' uniqueCount="4294967296"><si><t>x</t></si></sst>'
)


def _add_absurd_shared_strings(path: Path) -> None:
    parts = parts_of(path)
    parts["xl/sharedStrings.xml"] = ABSURD_SST
    write_parts(path, parts)


@pytest.fixture
def folder(tmp_path: Path, tender: Tender) -> Path:
    bids = tmp_path / "bids"
    controls(tender, bids)
    return bids


# --- 1. No file can stop the run --------------------------------------------------------------


def test_absurd_declared_counts_are_refused_by_the_guards(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    write_bid(bid(tender, "CLC26-201"), folder / "absurd.xlsx")
    _add_absurd_shared_strings(folder / "absurd.xlsx")
    inspection = inspect_bytes((folder / "absurd.xlsx").read_bytes(), "absurd.xlsx", tender.limits)
    assert [f.code for f in inspection.findings] == ["unreadable-file"]
    assert "uniqueCount=4,294,967,296" in inspection.findings[0].message
    # a cell beyond the last column a sheet can have (ZZZZZZZ) aborts a native reader too
    write_bid(bid(tender, "CLC26-202", seed=8), folder / "far-column.xlsx")
    set_cell_xml(
        folder / "far-column.xlsx",
        "Bidder",
        "A2",
        '<c r="ZZZZZZZ2" t="inlineStr"><is><t>x</t></is></c>',
    )
    before = digest(folder)
    run = evaluate(
        folder, tmp_path / "out.xlsx", "--scores", str(scores_for(tender, tmp_path / "s.xlsx"))
    )
    for name in ("absurd.xlsx", "far-column.xlsx"):
        assert [(o["Lot"], o["Outcome"]) for o in run.of(name)] == [(None, "non-compliant")]
        assert run.of(name)[0]["Reasons"].startswith("unreadable-file:")
    run.controls_admitted()
    assert digest(folder) == before


def _limited_worker(serve: Any) -> Any:
    """The real worker, with an address-space limit: a native allocation of ~100 GB fails
    (and aborts the process) whatever the machine's overcommit policy."""

    def limited(*args: Any) -> None:
        faulthandler.disable()  # the abort is expected: no "Fatal Python error" in the output
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        serve(*args)

    return limited


@pytest.mark.parametrize("command", ["evaluate", "check"])
def test_a_reader_that_aborts_the_process_costs_only_its_file(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """With the count guard switched off, python-calamine really aborts (SIGABRT) on a
    uniqueCount of 2^32: the worker dies, that file is unreadable, a fresh worker reads on."""
    write_bid(bid(tender, "CLC26-201"), folder / "a-aborts.xlsx")
    _add_absurd_shared_strings(folder / "a-aborts.xlsx")
    write_bid(bid(tender, "CLC26-203", seed=9), folder / "b-after.xlsx")
    monkeypatch.setattr(guards, "_check_counts", lambda *args: None)
    monkeypatch.setattr(pool, "_serve", _limited_worker(pool._serve))
    before = digest(folder)
    if command == "check":
        result = runner.invoke(cli, ["check", str(folder)])
        assert result.exit_code == 1, result.stdout
        assert "a-aborts.xlsx: FAIL" in result.stdout and "unreadable-file" in result.stdout
        assert "SIGABRT" in result.stdout
        for name in ("b-after.xlsx", "control-1.xlsx", "control-2.xlsx"):
            assert f"{name}: OK" in result.stdout
    else:
        scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-203", DS)])
        run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
        assert [o["Outcome"] for o in run.of("a-aborts.xlsx")] == ["non-compliant"]
        assert "SIGABRT" in run.finding("a-aborts.xlsx", "unreadable-file")["Message"]
        assert [o["Outcome"] for o in run.of("b-after.xlsx")] == ["admitted"]
        run.controls_admitted()
    assert digest(folder) == before


def test_an_officers_workbook_that_aborts_the_reader_stops_the_run_with_one_line(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scores = scores_for(tender, tmp_path / "scores.xlsx")
    _add_absurd_shared_strings(scores)
    kept = scores.read_bytes()
    monkeypatch.setattr(guards, "_check_counts", lambda *args: None)
    monkeypatch.setattr(pool, "_isolated", _limited_worker(pool._isolated))
    refused = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores), code=2)
    line = one_line(refused.result)
    assert line.startswith("Error: scores.xlsx: Scores: cannot be read") and "SIGABRT" in line
    assert scores.read_bytes() == kept and not (tmp_path / "out.xlsx").exists()


def test_a_file_that_hangs_its_reader_costs_only_itself(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reader that never returns (a native loop) is stopped after the time limit (here one
    second): that file is unreadable and a fresh worker reads on."""
    write_bid(bid(tender, "CLC26-205", seed=10), folder / "a-hangs.xlsx")
    real = workbook.BidReader.read

    def hangs(self: Any, path: Path, file: str | None = None) -> Any:
        if path.name == "a-hangs.xlsx":
            time.sleep(3600)
        return real(self, path, file)

    monkeypatch.setattr(workbook.BidReader, "read", hangs)
    monkeypatch.setattr(pool, "READ_SECONDS", 1.0)
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-205", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    assert "took more than 1 second;" in run.finding("a-hangs.xlsx", "unreadable-file")["Message"]
    run.controls_admitted()
    assert digest(folder) == before


def test_a_native_panic_costs_only_its_file(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-calamine panics (a BaseException) on a date cell holding -inf; with the
    clean-up of such numbers switched off, the panic is that file's unreadable-file."""
    spec = bid(tender, "CLC26-204")
    write_bid(spec, folder / "panics.xlsx")
    row = row_of(spec.bidder, "Submitted at")
    path = folder / "panics.xlsx"
    set_cell_xml(path, "Bidder", f"B{row}", f'<c r="B{row}" s="1"><v>-inf</v></c>')
    monkeypatch.setattr(repair, "take_out_bad_numbers", lambda data, members: repair.Cleaned(data))
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-204", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    assert "PanicException" in run.finding("panics.xlsx", "unreadable-file")["Message"]
    run.controls_admitted()
    assert digest(folder) == before


def test_folder_entries_that_are_not_regular_files_are_skipped_with_a_note(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
) -> None:
    os.mkfifo(folder / "pipe.xlsx")  # opening it to read would wait for a writer for ever
    (folder / "sub").mkdir()
    (folder / "dangling.xlsx").symlink_to(folder / "nowhere.xlsx")
    (folder / "loop-a.xlsx").symlink_to(folder / "loop-b.xlsx")
    (folder / "loop-b.xlsx").symlink_to(folder / "loop-a.xlsx")
    before = digest(folder)
    run = evaluate(
        folder, tmp_path / "out.xlsx", "--scores", str(scores_for(tender, tmp_path / "s.xlsx"))
    )
    notes = {i["File"]: (i["Status"], i["Note"]) for i in run.inputs}
    assert notes["pipe.xlsx"] == ("skipped", "a named pipe; not read")
    assert notes["sub/"] == ("skipped", "a folder; not read")
    assert notes["dangling.xlsx"] == (
        "skipped",
        "a link to something that does not exist; not read",
    )
    assert notes["loop-a.xlsx"] == ("skipped", "a link that loops back on itself; not read")
    assert not run.of("pipe.xlsx") and not run.of("dangling.xlsx")
    run.controls_admitted()
    checked = runner.invoke(cli, ["check", str(folder), str(folder / "pipe.xlsx")])
    assert checked.exit_code == 0, checked.stdout
    assert "pipe.xlsx is a named pipe; skipped" in checked.stderr
    assert digest(folder) == before


# --- 2. One workbook, one reading -------------------------------------------------------------


def test_strict_open_xml_reads_like_transitional(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    """The training % formatted as a percentage (0.95) needs openpyxl's look at the format:
    in a Strict workbook it is read the same, and the bid is admitted."""
    spec = bid(tender, "CLC26-205")
    label = "Safeguarding training completion (%)"
    spec.compliance[label] = Decimal("0.95")
    formats = {("Compliance", label): "0%"}
    write_bid(spec, folder / "strict.xlsx", formats=formats)
    to_strict(folder / "strict.xlsx")
    assert b"purl.oclc.org" in parts_of(folder / "strict.xlsx")["xl/workbook.xml"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl alone finds no sheets in it
        assert openpyxl.load_workbook(folder / "strict.xlsx").sheetnames == []
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-205", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    assert [o["Outcome"] for o in run.of("strict.xlsx")] == ["admitted"], run.of("strict.xlsx")
    assert run.codes("strict.xlsx") == set()
    run.controls_admitted()
    assert digest(folder) == before


def test_two_zip_entries_with_one_name_are_unreadable(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    spec = bid(tender, "CLC26-206")
    path = folder / "twice.xlsx"
    write_bid(spec, path)
    member = member_of(path, "Pricing")
    parts = list(parts_of(path).items())
    body = dict(parts)[member].replace(b"<v>", b"<v>1", 1)
    write_parts(path, [*parts, (member, body)])
    before = digest(folder)
    run = evaluate(
        folder, tmp_path / "out.xlsx", "--scores", str(scores_for(tender, tmp_path / "s.xlsx"))
    )
    finding = run.finding("twice.xlsx", "unreadable-file")
    assert f"two copies of its part {member}" in finding["Message"]
    assert [o["Outcome"] for o in run.of("twice.xlsx")] == ["non-compliant"]
    run.controls_admitted()
    assert digest(folder) == before


def test_two_sheets_matching_one_expected_sheet_are_duplicate_sheet(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
) -> None:
    spec = bid(tender, "CLC26-207")
    path = folder / "two-pricing.xlsx"
    write_bid(spec, path)

    def hide_a_copy(wb: Any) -> None:
        copy = wb.copy_worksheet(wb["Pricing"])
        copy.title = "Pricing "
        copy.sheet_state = "hidden"
        copy["C2"] = 1.0  # a different price, out of sight

    edit(path, hide_a_copy)
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-207", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    finding = run.finding("two-pricing.xlsx", "duplicate-sheet")
    assert finding["Sheet"] == "Pricing"
    assert "'Pricing'" in finding["Message"] and "'Pricing ' (hidden)" in finding["Message"]
    assert [o["Outcome"] for o in run.of("two-pricing.xlsx")] == ["non-compliant"]
    run.controls_admitted()
    assert digest(folder) == before


def test_values_used_from_hidden_rows_and_columns_are_warned(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    spec = bid(tender, "CLC26-208")
    path = folder / "hidden.xlsx"
    write_bid(spec, path)
    turnover = row_of(spec.compliance, "Annual turnover (£)")

    def hide(wb: Any) -> None:
        wb["Compliance"].row_dimensions[turnover].hidden = True
        wb["Pricing"].column_dimensions["C"].hidden = True
        wb["Services"].sheet_state = "hidden"

    edit(path, hide)
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-208", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    hidden = {(f["Sheet"], f["Cell"]) for f in run.findings if f["Code"] == "hidden-content"}
    assert ("Compliance", f"B{turnover}") in hidden
    assert ("Pricing", f"C{row_of(spec.prices, 'Band 1')}") in hidden
    assert all(f["Severity"] == "warning" for f in run.findings if f["Code"] == "hidden-content")
    on_services = [
        f for f in run.findings if f["Code"] == "hidden-content" and f["Sheet"] == "Services"
    ]
    assert len(on_services) == 1 and "the sheet is hidden" in on_services[0]["Message"]  # said once
    assert [o["Outcome"] for o in run.of("hidden.xlsx")] == ["admitted"]
    run.controls_admitted()
    assert digest(folder) == before


# --- 3. Values as a person means them ---------------------------------------------------------


def test_text_percentages_text_dates_and_numbers_that_are_not_numbers(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
) -> None:
    training = "Safeguarding training completion (%)"
    # "0.92" typed as text is ambiguous, never 0.92%
    ambiguous = bid(tender, "CLC26-209", seed=11)
    ambiguous.compliance[training] = "0.92"
    write_bid(ambiguous, folder / "ambiguous.xlsx")
    # UK day-first text dates are read (1 April, never 4 January) with a warning
    uk = bid(tender, "CLC26-210", seed=12)
    accounts = uk.compliance["Accounts year end"]
    uk.compliance["Accounts year end"] = f"{accounts:%d/%m/%Y}"
    uk.compliance[training] = "96%"
    write_bid(uk, folder / "uk-dates.xlsx")
    # NaN in Submitted at is never on time; a date serial after 9999 is invalid
    nan = bid(tender, "CLC26-211", seed=13)
    write_bid(nan, folder / "nan.xlsx")
    submitted = row_of(nan.bidder, "Submitted at")
    set_cell_xml(
        folder / "nan.xlsx", "Bidder", f"B{submitted}", f'<c r="B{submitted}" s="1"><v>NaN</v></c>'
    )
    serial = bid(tender, "CLC26-212", seed=14)
    write_bid(serial, folder / "serial.xlsx")
    expiry = row_of(serial.compliance, "Public liability expiry")
    set_cell_xml(
        folder / "serial.xlsx",
        "Compliance",
        f"B{expiry}",
        f'<c r="B{expiry}" s="1"><v>-inf</v></c>',
    )
    turnover = row_of(serial.compliance, "Annual turnover (£)")
    set_cell_xml(
        folder / "serial.xlsx", "Compliance", f"B{turnover}", f'<c r="B{turnover}"><v>1e309</v></c>'
    )
    before = digest(folder)
    pairs = [(ref, DS) for ref in ("CLC26-209", "CLC26-210", "CLC26-211", "CLC26-212")]
    run = evaluate(
        folder,
        tmp_path / "out.xlsx",
        "--scores",
        str(scores_for(tender, tmp_path / "s.xlsx", pairs)),
    )

    found = run.finding("ambiguous.xlsx", "invalid-value")
    assert (
        found["Cell"] == f"B{row_of(ambiguous.compliance, training)}" and "92%" in found["Message"]
    )
    assert [o["Outcome"] for o in run.of("ambiguous.xlsx")] == ["non-compliant"]

    found = run.finding("uk-dates.xlsx", "text-date")
    assert found["Cell"] == f"B{row_of(uk.compliance, 'Accounts year end')}"
    assert f"{accounts.day} {accounts:%B %Y}" in found["Message"]
    assert [o["Outcome"] for o in run.of("uk-dates.xlsx")] == ["admitted"]

    found = run.finding("nan.xlsx", "invalid-value")
    assert (found["Sheet"], found["Cell"]) == ("Bidder", f"B{submitted}")
    assert [o["Outcome"] for o in run.of("nan.xlsx")] == ["non-compliant"]

    cells = {
        f["Cell"]: f["Message"]
        for f in run.findings
        if f["File"] == "serial.xlsx" and f["Code"] == "invalid-value"
    }
    assert (
        "outside the range Excel can show" in cells[f"B{expiry}"]
        or "not a number" in cells[f"B{expiry}"]
    )
    assert "not a number" in cells[f"B{turnover}"]
    assert [o["Outcome"] for o in run.of("serial.xlsx")] == ["non-compliant"]
    run.controls_admitted()
    assert digest(folder) == before


def test_date_serial_out_of_excel_range_is_invalid_value(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    spec = bid(tender, "CLC26-213", seed=15)
    path = folder / "serial.xlsx"
    write_bid(spec, path)
    row = row_of(spec.compliance, "Accounts year end")
    set_cell_xml(path, "Compliance", f"B{row}", f'<c r="B{row}" s="1"><v>-5</v></c>')
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-213", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    found = run.finding("serial.xlsx", "invalid-value")
    assert found["Cell"] == f"B{row}" and "before 1 January 1900" in found["Message"]
    run.controls_admitted()
    assert digest(folder) == before


# --- 4. One provider, one place per lot -------------------------------------------------------


def test_one_provider_in_two_bids_for_a_lot_is_referred_and_settled_by_decisions(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
) -> None:
    first = bid(tender, "CLC26-301", seed=21, companies_house="01234567")
    second = bid(tender, "CLC26-302", lots=(DS, PA), seed=22, companies_house="01234567")
    write_bid(first, folder / "first.xlsx")
    write_bid(second, folder / "second.xlsx")
    scores = scores_for(
        tender, tmp_path / "s.xlsx", [("CLC26-301", DS), ("CLC26-302", DS), ("CLC26-302", PA)]
    )
    before = digest(folder)
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    first_row = {o["Lot"]: o for o in run.of("first.xlsx")}
    second_row = {o["Lot"]: o for o in run.of("second.xlsx")}
    assert first_row[DS]["Outcome"] == second_row[DS]["Outcome"] == "referred"
    assert (
        "duplicate-provider" in first_row[DS]["Reasons"] and "CLC26-302" in first_row[DS]["Reasons"]
    )
    assert second_row[PA]["Outcome"] == "admitted"  # one bid for that lot: no question
    found = run.finding("first.xlsx", "duplicate-provider")
    assert (found["Sheet"], found["Cell"]) == (
        "Bidder",
        f"B{row_of(first.bidder, 'Companies House number')}",
    )

    decisions = tmp_path / "decisions.xlsx"
    today = dt.date(2026, 4, 1)
    write_decisions(
        [
            (
                "CLC26-301",
                DS,
                "duplicate-provider",
                "accept",
                "the later bid was sent by mistake",
                "JM",
                today,
            ),
            (
                "CLC26-302",
                DS,
                "duplicate-provider",
                "reject",
                "withdrawn by the provider",
                "JM",
                today,
            ),
        ],
        decisions,
    )
    settled = evaluate(
        folder, tmp_path / "out2.xlsx", "--scores", str(scores), "--decisions", str(decisions)
    )
    assert [o["Outcome"] for o in settled.of("first.xlsx")] == ["admitted"]
    assert {o["Lot"]: o["Outcome"] for o in settled.of("second.xlsx")} == {
        DS: "failed-gate",
        PA: "admitted",
    }
    members = [(m["Provider ID"], m["Lot"]) for m in settled.framework]
    assert len(members) == len(set(members)) and ("01234567", DS) in members

    both = tmp_path / "both.xlsx"
    write_decisions(
        [
            ("CLC26-301", DS, "duplicate-provider", "accept", "fine", "JM", today),
            ("CLC26-302", DS, "duplicate-provider", "accept", "also fine", "AK", today),
        ],
        both,
    )
    refused = evaluate(
        folder, tmp_path / "out3.xlsx", "--scores", str(scores), "--decisions", str(both), code=2
    )
    line = one_line(refused.result)
    assert "Decisions!A2 and Decisions!A3" in line and "duplicate-provider" in line
    assert not (tmp_path / "out3.xlsx").exists()
    assert digest(folder) == before


# --- 5. The scores workbook -------------------------------------------------------------------


def test_blank_score_stops_the_run_and_question_ids_ignore_case(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    from clc_tender.bidgen import write_scores

    from .conftest import agreed_scores

    rows = agreed_scores(
        [
            (ref, lot)
            for ref, lots in (("CLC26-101", (DS,)), ("CLC26-102", (DS, PA)))
            for lot in lots
        ],
        tender,
    )
    lowered = [(r[0], r[1], f" {r[2].lower()} ", *r[3:]) for r in rows]  # " q1 " is Q1
    scores = tmp_path / "lower.xlsx"
    write_scores(lowered, scores)
    before = digest(folder)
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    run.controls_admitted()
    assert not [f for f in run.findings if f["Code"] == "score-unused"]

    blank = list(lowered)
    blank[3] = (*blank[3][:4], None, blank[3][5])
    write_scores(blank, tmp_path / "blank.xlsx")
    refused = evaluate(
        folder, tmp_path / "out2.xlsx", "--scores", str(tmp_path / "blank.xlsx"), code=2
    )
    assert "Scores!E5" in one_line(refused.result) and "blank" in one_line(refused.result)
    assert digest(folder) == before


# --- 6. Receipts ------------------------------------------------------------------------------


def _receipts_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(
        "Bid reference,Received at,Submission ID\n"
        + "".join(f"{r},{t},S-{i}\n" for i, (r, t) in enumerate(rows)),
        encoding="utf-8",
    )
    return path


def test_receipts_judge_lateness_and_account_for_every_bid(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    claims = bid(tender, "CLC26-401", seed=31)
    claims.bidder["Submitted at"] = dt.datetime(2026, 3, 20, 11, 59, 0)  # on time, it says
    write_bid(claims, folder / "claims.xlsx")
    unreceipted = bid(tender, "CLC26-402", seed=32)
    write_bid(unreceipted, folder / "unreceipted.xlsx")
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-401", DS), ("CLC26-402", DS)])
    office = tmp_path / "office"
    office.mkdir()
    receipts = _receipts_csv(
        office / "receipts.csv",
        [
            ("CLC26-101", "2026-03-19T10:00:00"),
            ("clc26-102", "19/03/2026 10:05"),
            ("CLC26-401", "2026-03-20T13:10:00"),  # received after the deadline
            ("CLC26-999", "2026-03-18T09:00:00"),  # no such bid in the folder
        ],
    )
    before, kept = digest(folder), digest(office)
    run = evaluate(
        folder, tmp_path / "out.xlsx", "--scores", str(scores), "--receipts", str(receipts)
    )
    assert [o["Outcome"] for o in run.of("claims.xlsx")] == ["late"]
    assert "receipts.csv" in run.of("claims.xlsx")[0]["Reasons"]
    differs = run.finding("claims.xlsx", "submitted-at-differs")
    assert differs["Cell"] == f"B{row_of(claims.bidder, 'Submitted at')}"
    assert [o["Outcome"] for o in run.of("unreceipted.xlsx")] == ["referred"]
    assert run.of("unreceipted.xlsx")[0]["Reasons"].startswith("receipt-missing:")
    unused = run.finding("receipts.csv", "receipt-unused")
    assert unused["Cell"] == "A5" and unused["Severity"] == "warning"
    assert "receipt-unused" in run.result.stderr and "CLC26-999" in run.result.stderr
    assert {i["Status"] for i in run.inputs if i["File"].endswith("receipts.csv")} == {"receipts"}
    assert run.summary["Lateness judged on"] == "Received at (portal receipts)"
    assert "bidder's own statement" not in run.result.stderr
    run.controls_admitted()

    # the same receipts as a workbook; an officer accepts the missing receipt
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Receipts"
    sheet.append(["Bid reference", "Received at"])
    sheet.append(["CLC26-101", dt.datetime(2026, 3, 19, 10, 0)])
    sheet.append(["CLC26-102", dt.datetime(2026, 3, 19, 10, 5)])
    sheet.append(["CLC26-401", dt.datetime(2026, 3, 20, 11, 59, 30)])
    book.save(office / "receipts.xlsx")
    decisions = office / "decisions.xlsx"
    write_decisions(
        [
            (
                "CLC26-402",
                DS,
                "receipt-missing",
                "accept",
                "arrived by hand at 10:00",
                "JM",
                dt.date(2026, 3, 21),
            )
        ],
        decisions,
    )
    kept = digest(office)
    run = evaluate(
        folder,
        tmp_path / "out2.xlsx",
        "--scores",
        str(scores),
        "--receipts",
        str(office / "receipts.xlsx"),
        "--decisions",
        str(decisions),
    )
    assert [o["Outcome"] for o in run.of("claims.xlsx")] == ["admitted"]
    assert [o["Outcome"] for o in run.of("unreceipted.xlsx")] == ["admitted"]
    assert digest(folder) == before and digest(office) == kept


def test_without_receipts_the_terminal_notes_once_whose_time_was_used(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    run = evaluate(
        folder, tmp_path / "out.xlsx", "--scores", str(scores_for(tender, tmp_path / "s.xlsx"))
    )
    assert run.result.stderr.count("bidder's own statement") == 1
    assert run.summary["Lateness judged on"] == "Submitted at (declared by the bidder)"


def test_reopen_judges_lateness_on_receipts_too(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    evaluate(
        folder, tmp_path / "register.xlsx", "--scores", str(scores_for(tender, tmp_path / "s.xlsx"))
    )
    round2 = tmp_path / "round2"
    round2.mkdir()
    spec = bid(tender, "CLC26-601", seed=51)
    spec.bidder["Submitted at"] = dt.datetime(2027, 9, 17, 11, 0)
    write_bid(spec, round2 / "new.xlsx")
    receipts = _receipts_csv(tmp_path / "r.csv", [("CLC26-601", "2027-09-17T12:00:01")])
    before = digest(round2)
    result = runner.invoke(
        cli,
        [
            "reopen",
            str(round2),
            "--register",
            str(tmp_path / "register.xlsx"),
            "--deadline",
            "2027-09-17T12:00",
            "--receipts",
            str(receipts),
            "--out",
            str(tmp_path / "round2.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(tmp_path / "round2.xlsx")
    outcomes = list(wb["Outcomes"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[3]) for row in outcomes] == [("CLC26-601", "late")]
    summary = {row[0]: row[1] for row in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Lateness judged on"] == "Received at (portal receipts)"
    assert digest(round2) == before


def test_a_broken_receipts_file_stops_the_run_naming_the_cell(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    receipts = _receipts_csv(tmp_path / "receipts.csv", [("CLC26-101", "yesterday")])
    refused = evaluate(folder, tmp_path / "out.xlsx", "--receipts", str(receipts), code=2)
    assert one_line(refused.result).startswith("Error: receipts.csv: B2: Received at")


# --- 7. Outputs never cost an input -----------------------------------------------------------


def test_an_output_that_is_an_input_is_refused_even_with_force(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    scores = scores_for(tender, tmp_path / "s.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(folder / "control-1.xlsx")
    before, kept = digest(folder), scores.read_bytes()
    for out in (folder / "control-1.xlsx", scores, link):
        refused = evaluate(folder, out, "--scores", str(scores), "--force", code=2)
        line = one_line(refused.result)
        assert str(out) in line and "input" in line
    assert digest(folder) == before and scores.read_bytes() == kept
    # letters never replace the shortlist they read
    evaluate(folder, tmp_path / "short.xlsx", "--scores", str(scores))
    shortlist = (tmp_path / "short.xlsx").read_bytes()
    refused = runner.invoke(
        cli,
        ["letters", str(tmp_path / "short.xlsx"), "--out", str(tmp_path / "short.xlsx"), "--force"],
    )
    assert refused.exit_code == 2 and "input" in one_line(refused)
    assert (tmp_path / "short.xlsx").read_bytes() == shortlist


def test_the_output_folder_and_extension_are_checked_first_naming_the_path_given(
    folder: Path,
    tmp_path: Path,
    tender: Tender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_reading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a bid was read before the output was checked")

    monkeypatch.setattr(pool.BidReading, "__init__", no_reading)
    missing = tmp_path / "no-such-folder" / "shortlist.xlsx"
    refused = evaluate(folder, missing, code=2)
    line = one_line(refused.result)
    assert str(missing) in line and ".tmp" not in line
    refused = evaluate(folder, tmp_path / "shortlist.csv", code=2)
    assert "must end in .xlsx" in one_line(refused.result)


def test_our_own_outputs_in_a_bids_folder_are_skipped_with_a_note(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    scores = scores_for(tender, tmp_path / "s.xlsx")
    evaluate(folder, tmp_path / "earlier.xlsx", "--scores", str(scores))
    (folder / "earlier.xlsx").write_bytes((tmp_path / "earlier.xlsx").read_bytes())
    letters = runner.invoke(
        cli, ["letters", str(tmp_path / "earlier.xlsx"), "--out", str(folder / "letters.xlsx")]
    )
    assert letters.exit_code == 0, letters.stderr
    template = runner.invoke(cli, ["template", "--out", str(tmp_path / "template.xlsx")])
    assert template.exit_code == 0
    assert (
        inspect_bytes((tmp_path / "template.xlsx").read_bytes(), "t", tender.limits).producer == ""
    )
    before = digest(folder)
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    notes = {i["File"]: (i["Status"], i["Note"]) for i in run.inputs}
    assert notes["earlier.xlsx"] == ("skipped", "written by clc-tender (shortlist), not a bid")
    assert notes["letters.xlsx"] == ("skipped", "written by clc-tender (letters), not a bid")
    assert not run.of("earlier.xlsx") and not run.of("letters.xlsx")
    run.controls_admitted()
    checked = runner.invoke(cli, ["check", str(folder)])
    assert checked.exit_code == 0, checked.stdout
    assert "earlier.xlsx: skipped: written by clc-tender (shortlist), not a bid" in checked.stdout
    # an earlier shortlist of ours as --out is replaced (with --force), never read as a bid
    again = evaluate(folder, folder / "earlier.xlsx", "--scores", str(scores), "--force")
    assert not again.of("earlier.xlsx")
    assert digest(folder).keys() == before.keys()


# --- 8. Bidder text inert on the terminal -----------------------------------------------------


def test_bidder_text_reaches_the_terminal_and_csv_inert(
    folder: Path, tmp_path: Path, tender: Tender
) -> None:
    spec = bid(tender, "CLC26-501", seed=41)
    spec.bidder["Organisation name"] = Text("HOSTILE-NAME")
    spec.compliance["Annual turnover (£)"] = Text("HOSTILE-TURNOVER")  # quoted in a reason
    path = folder / "hostile.xlsx"
    write_bid(spec, path)
    # control characters as a workbook holds them: escaped _xHHHH_ in the XML text
    hostile = "Evil_x001B_]0;owned_x0007_ Ltd_x001B_[2J\u202eexe.txt_x000D__x0000_[bold]x[/bold]"
    parts = {
        name: body.replace(b"HOSTILE-NAME", hostile.encode()).replace(
            b"HOSTILE-TURNOVER", b"lots_x001B_[31m"
        )
        for name, body in parts_of(path).items()
    }
    write_parts(path, parts)
    before = digest(folder)
    scores = scores_for(tender, tmp_path / "s.xlsx", [("CLC26-501", DS)])
    run = evaluate(folder, tmp_path / "out.xlsx", "--scores", str(scores))
    shown = run.result.stdout + run.result.stderr
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "\\x1b[31m" in shown
    checked = runner.invoke(cli, ["check", str(folder / "hostile.xlsx")])
    assert "\x1b" not in checked.stdout and "\\x1b" in checked.stdout
    letters = runner.invoke(
        cli, ["letters", str(tmp_path / "out.xlsx"), "--out", str(tmp_path / "letters.csv")]
    )
    assert letters.exit_code == 0, letters.stderr
    text = (tmp_path / "letters.csv").read_text(encoding="utf-8-sig")
    assert not any(ch in text for ch in "\x00\x07\x1b")
    assert "Evil]0;owned Ltd[2J\u202eexe.txt" in text
    assert digest(folder) == before


def test_template_instructions_show_the_date_forms_accepted(tmp_path: Path, tender: Tender) -> None:
    result = runner.invoke(cli, ["template", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.stderr
    text = " ".join(
        str(v)
        for row in openpyxl.load_workbook(tmp_path / "t.xlsx")["Instructions"].iter_rows(
            values_only=True
        )
        for v in row
        if v
    )
    for form in ("2026-03-20", "20/03/2026", "20.03.2026", "20 March 2026", "20 Mar 2026"):
        assert form in text
    from clc_tender.read import values

    context = values.CellContext(tender.tz, lambda: "General")
    for form in ("20/03/2026", "20.03.2026", "20 March 2026", "20 Mar 2026"):  # as the reader reads
        assert values.date(form, context)[0] == dt.date(2026, 3, 20)
