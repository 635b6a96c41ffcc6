"""Award letters: the mail-merge rows, the standstill, CSV/xlsx safety and the Word letters.

The shortlist is built by the real pipeline (``evaluate``) from bids written with bidgen, then
``letters`` is run through the CLI, as an officer would.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender import contract
from clc_tender.cli import app
from clc_tender.findings import CODE_OUTCOME, CONDITION_CODES
from clc_tender.letters import (
    ASSESSMENT_COLUMNS,
    HEAD_COLUMNS,
    TAIL_COLUMNS,
    format_date,
    letter_rows,
    neutralise,
    panel_explanation,
    read_letters,
    safe_file_stem,
    write_letters,
    write_word_letters,
)
from clc_tender.read.panel import InputError
from clc_tender.rules.standstill import is_working_day, standstill_end, uk_bank_holidays
from clc_tender.tender import load_tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_scores

DS = "Day Services"
PA = "Personal Assistants"
QUESTIONS = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6")
CAFE = "Café Étoile Day Services Ltd"
EVIL_ORG = '=HYPERLINK("x")'
EVIL_CONTACT = "+44 Jo Bloggs"
EVIL_ADDRESS = "-1 High Street, Leicester"
EVIL_EMAIL = "@x"
LETTER_DATE = "2026-05-01"

runner = CliRunner()


# --- building a real shortlist ----------------------------------------------------------------


def _set_text(path: Path, sheet: str, values: dict[str, str]) -> None:
    """Overwrite Field/Value cells with *text* (bidgen writes a leading '=' as a formula)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in range(2, ws.max_row + 1):
        label = ws.cell(row, 1).value
        if label in values:
            cell = ws.cell(row, 2)
            cell.value = values[label]
            cell.data_type = "s"
    wb.save(path)


def _scores(ref: str, lot: str, first: int, rest: int, comment: str = "") -> list[tuple]:
    rows = []
    for q in QUESTIONS:
        score = first if q == "Q1" else rest
        text = comment or f"{q}: a clear answer for {lot}"
        rows += [(ref, lot, q, "AB", score, text), (ref, lot, q, "CD", score, text)]
    return rows


@pytest.fixture(scope="module")
def tender():
    return load_tender()


@pytest.fixture(scope="module")
def shortlist(tender, tmp_path_factory) -> Path:
    """Bids (first Q1 score per lot in brackets):
    CLC26-001 both lots, admitted (DS 3, PA 5), public liability expiring before the framework
      start (condition), organisation with an é;
    CLC26-002 DS, Band 1 £49.43 > ceiling £49.42: disqualified-price (Q1 5, not admitted);
    CLC26-003 DS, employer's liability £4,999,999: failed-gate (Q1 5, not admitted);
    CLC26-004 PA, not scored: referred;
    CLC26-005 DS, admitted (Q1 4), formula-like text typed by the bidder (=, +, -, @);
    broken.xlsx: not a workbook: one Outcomes row with no lot.
    So the highest admitted Q1 is 4 in Day Services and 5 in Personal Assistants.
    """
    root = tmp_path_factory.mktemp("letters")
    bids = root / "bids"
    bids.mkdir()

    first = valid_bid(tender, "CLC26-001", organisation=CAFE, seed=1)
    first.compliance["Public liability expiry"] = tender.framework_start - dt.timedelta(days=30)
    write_bid(first, bids / "clc26-001.xlsx")

    price = valid_bid(tender, "CLC26-002", lots=[DS], seed=2)
    price.prices["Band 1"] = Decimal("49.43")
    write_bid(price, bids / "clc26-002.xlsx")

    liability = valid_bid(tender, "CLC26-003", lots=[DS], seed=3)
    liability.compliance["Employer's liability cover (£)"] = Decimal("4999999")
    write_bid(liability, bids / "clc26-003.xlsx")

    write_bid(valid_bid(tender, "CLC26-004", lots=[PA], seed=4), bids / "clc26-004.xlsx")

    write_bid(valid_bid(tender, "CLC26-005", lots=[DS], seed=5), bids / "clc26-005.xlsx")
    _set_text(
        bids / "clc26-005.xlsx",
        "Bidder",
        {
            "Organisation name": EVIL_ORG,
            "Contact name": EVIL_CONTACT,
            "Registered address": EVIL_ADDRESS,
            "Contact email": EVIL_EMAIL,
        },
    )

    (bids / "broken.xlsx").write_bytes(b"this is not a workbook")

    scores = root / "scores.xlsx"
    write_scores(
        [
            *_scores("CLC26-001", DS, 3, 4, "Good detail on outcomes; é accents survive"),
            *_scores("CLC26-001", PA, 5, 4),
            *_scores("CLC26-002", DS, 5, 5),
            *_scores("CLC26-003", DS, 5, 5),
            *_scores("CLC26-005", DS, 4, 3),
        ],
        scores,
    )

    out = root / "shortlist.xlsx"
    result = runner.invoke(app, ["evaluate", str(bids), "--scores", str(scores), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _outcomes(path: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Outcomes"].iter_rows(values_only=True))
    wb.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


@pytest.fixture(scope="module")
def rows(shortlist) -> list[dict[str, str]]:
    return letter_rows(shortlist, dt.date(2026, 5, 1), dt.date(2026, 5, 1))


def _row(rows: list[dict[str, str]], ref: str, lot: str) -> dict[str, str]:
    [row] = [r for r in rows if r["Bid reference"] == ref and r["Lot"] == lot]
    return row


# --- the rows ---------------------------------------------------------------------------------


def test_one_row_per_outcomes_row_with_the_contract_columns(shortlist, rows):
    outcomes = _outcomes(shortlist)
    assert len(rows) == len(outcomes) == 7
    assert [(r["Bid reference"], r["Lot"], r["Outcome"]) for r in rows] == [
        (str(o["Bid reference"] or ""), str(o["Lot"] or ""), o["Outcome"]) for o in outcomes
    ]
    questions = [
        f"{q} {s}" for q in QUESTIONS for s in ("score", "explanation", "highest admitted")
    ]
    for row in rows:
        titles = [f"{q} question" for q in QUESTIONS]
        assert list(row) == [*HEAD_COLUMNS, *questions, *TAIL_COLUMNS, *titles, *ASSESSMENT_COLUMNS]
        assert all(isinstance(v, str) for v in row.values())


def test_admitted_row(rows):
    row = _row(rows, "CLC26-001", DS)
    assert row["Outcome"] == "admitted"
    assert row["Reasons"] == ""
    assert row["Decision"].startswith(
        "Your bid for the Day Services lot has been successful and you will be admitted to the "
        "framework"
    )
    assert row["Organisation"] == CAFE
    assert row["Conditions"].startswith("1. ")
    assert "public liability" in row["Conditions"].lower()
    assert row["Quality %"] == "75"  # Q1 3/5 x 25 + Q2-Q6 4/5 x 75; as a person writes it
    assert row["Q1 score"] == "3"
    # the Comment "AB: ...; CD: ..." of two agreeing evaluators: their words once, no initials
    assert row["Q1 explanation"] == "Good detail on outcomes; é accents survive"
    assert row["Letter date"] == "1 May 2026"


def test_explanations_have_no_evaluator_initials(rows):
    for row in rows:
        for q in QUESTIONS:
            text = row[f"{q} explanation"]
            assert not re.search(r"(^|; )(AB|CD): ", text), (row["Bid reference"], q, text)
    assert (
        _row(rows, "CLC26-001", PA)["Q1 explanation"]
        == "Q1: a clear answer for Personal Assistants"
    )


@pytest.mark.parametrize(
    ("comment", "evaluators", "expected"),
    [
        ("JM: Good; AK: Good", (), "Good"),
        ("JM: Good; clear examples.; AK: Good; clear examples.", (), "Good; clear examples."),
        ("JM: Clear.; AK: Thin on outcomes.", (), "Clear. Thin on outcomes."),
        ("JM: Good; AK: Good; RB: Weak", (), "Good Weak"),
        ("Jo Smith: Sound; Al Khan: Sound", ("Jo Smith", "Al Khan"), "Sound"),
        ("A plain comment; with a semicolon", (), "A plain comment; with a semicolon"),
        ("", (), ""),
    ],
)
def test_panel_explanation(comment, evaluators, expected):
    assert panel_explanation(comment, evaluators) == expected


def test_price_above_ceiling_reason(rows):
    row = _row(rows, "CLC26-002", DS)
    assert row["Outcome"] == "disqualified-price"
    assert row["Decision"].startswith("Your bid for the Day Services lot has not been successful")
    assert row["Reasons"].startswith("1. ")
    assert "£49.43" in row["Reasons"] and "£49.42" in row["Reasons"]
    assert "Band 1: £49.43 (range £48.12 – £49.42)" in row["Prices"].splitlines()


def test_employers_liability_reason(rows):
    row = _row(rows, "CLC26-003", DS)
    assert row["Outcome"] == "failed-gate"
    assert "£4,999,999" in row["Reasons"] and "£5,000,000" in row["Reasons"]
    assert "has not been successful" in row["Decision"]


def test_referred_row(rows):
    row = _row(rows, "CLC26-004", PA)
    assert row["Outcome"] == "referred"
    assert "still being considered" in row["Decision"]
    assert row["Reasons"]  # the referral reason: quality not yet scored
    assert row["Q1 score"] == "" and row["Q1 highest admitted"] == ""


def test_unreadable_file_row(rows):
    [row] = [r for r in rows if r["Lot"] == ""]
    assert row["Outcome"] == "non-compliant"
    assert row["Decision"] == "Your response could not be evaluated."
    assert row["Reasons"].startswith("1. ")


def test_no_rule_code_reaches_the_bidder(rows):
    codes = set(CODE_OUTCOME) | set(CONDITION_CODES)
    for row in rows:
        for column in ("Decision", "Reasons", "Conditions"):
            text = row[column]
            for code in codes:
                # hyphenated codes never appear; one-word codes (late, debarred) not as "code:"
                needle = code if "-" in code else f"{code}:"
                assert needle not in text, (code, column, text)


def test_highest_admitted_is_per_lot_and_admitted_only(rows):
    # DS admitted Q1: 3 (001), 4 (005); 002 and 003 scored 5 but were not admitted
    for ref in ("CLC26-001", "CLC26-002", "CLC26-003", "CLC26-005"):
        assert _row(rows, ref, DS)["Q1 highest admitted"] == "4", ref
    assert _row(rows, "CLC26-001", PA)["Q1 highest admitted"] == "5"
    assert _row(rows, "CLC26-001", DS)["Q2 highest admitted"] == "4"


def test_prices_use_the_ranges_of_the_prices_sheet(rows):
    row = _row(rows, "CLC26-001", PA)
    lines = row["Prices"].splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"PA Band: £\d+\.\d\d \(range £18\.93 – £20\.37\)", lines[0])
    assert len(_row(rows, "CLC26-001", DS)["Prices"].splitlines()) == 6


def _decided(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if r["Outcome"] != "referred"]


def test_standstill_column(shortlist, rows):
    assert {r["Standstill ends"] for r in _decided(rows)} == {"13 May 2026"}
    late = letter_rows(shortlist, dt.date(2026, 6, 1), dt.date(2026, 5, 29))
    assert {r["Standstill ends"] for r in _decided(late)} == {"9 June 2026"}  # never 09 June
    assert {r["Letter date"] for r in late} == {"1 June 2026"}
    without = letter_rows(shortlist, dt.date(2026, 5, 1), None)
    assert {r["Standstill ends"] for r in without} == {""}


# --- the standstill -----------------------------------------------------------------------------


def test_standstill_over_the_early_may_bank_holiday():
    # Fri 1 May (day 1); Mon 4 May bank holiday; Tue 5 - Fri 8 (days 2-5); Mon 11 - Wed 13 (6-8)
    assert standstill_end(dt.date(2026, 5, 1)) == dt.date(2026, 5, 13)


def test_standstill_counts_scotlands_2_january():
    # Published Tue 29 Dec 2026: Tue 29 (1), Wed 30 (2), Thu 31 (3); Fri 1 Jan 2027 bank holiday
    # everywhere; Sat 2 / Sun 3 weekend; Mon 4 Jan is Scotland's substitute day for 2 January
    # (a Saturday), a bank holiday in Scotland only, so not a working day; Tue 5 (4), Wed 6 (5),
    # Thu 7 (6), Fri 8 (7), Mon 11 Jan (8). England alone would end on Fri 8 January.
    assert dt.date(2027, 1, 4) in uk_bank_holidays(2027)
    assert standstill_end(dt.date(2026, 12, 29)) == dt.date(2027, 1, 11)
    # Published Tue 30 Dec 2025: Tue 30 (1), Wed 31 (2); Thu 1 Jan and Fri 2 Jan 2026 (Scotland)
    # are bank holidays; Mon 5 - Fri 9 (3-7), Mon 12 Jan (8). England alone: Fri 9 January.
    assert not is_working_day(dt.date(2026, 1, 2))
    assert standstill_end(dt.date(2025, 12, 30)) == dt.date(2026, 1, 12)


def test_standstill_counts_northern_irelands_st_patricks_day():
    # Fri 13 Mar 2026 (1), Mon 16 (2), Tue 17 St Patrick's Day (NI), Wed 18 - Fri 20 (3-5),
    # Mon 23 - Wed 25 (6-8)
    assert standstill_end(dt.date(2026, 3, 13)) == dt.date(2026, 3, 25)


def test_standstill_published_on_a_weekend_starts_on_the_next_working_day():
    # Sat 2 May: day 1 is Tue 5 May (Mon 4 bank holiday); day 8 is Thu 14 May
    assert standstill_end(dt.date(2026, 5, 2)) == dt.date(2026, 5, 14)


# --- the files ------------------------------------------------------------------------------


def _letters(shortlist: Path, out: Path, *extra: str) -> None:
    result = runner.invoke(
        app,
        [
            "letters",
            str(shortlist),
            "--out",
            str(out),
            "--letter-date",
            LETTER_DATE,
            "--standstill-from",
            LETTER_DATE,
            "--allow-pending",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.output


def test_csv_is_utf8_with_bom_and_neutralised(shortlist, tmp_path):
    out = tmp_path / "letters.csv"
    _letters(shortlist, out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == len(_outcomes(shortlist))
    cafe = next(r for r in read if r["Bid reference"] == "CLC26-001" and r["Lot"] == DS)
    assert cafe["Organisation"] == CAFE
    assert "£" in cafe["Prices"] and "–" in cafe["Prices"]
    evil = next(r for r in read if r["Bid reference"] == "CLC26-005")
    assert evil["Organisation"] == "'" + EVIL_ORG
    assert evil["Contact name"] == "'" + EVIL_CONTACT
    assert evil["Registered address"] == "'" + EVIL_ADDRESS
    assert evil["Contact email"] == "'" + EVIL_EMAIL
    assert evil["Standstill ends"] == "13 May 2026"


def test_xlsx_cells_are_text(shortlist, tmp_path):
    out = tmp_path / "letters.xlsx"
    _letters(shortlist, out)
    ws = openpyxl.load_workbook(out)["Letters"]
    header = [c.value for c in ws[1]]
    assert header[: len(HEAD_COLUMNS)] == list(HEAD_COLUMNS)
    org = header.index("Organisation") + 1
    cells = [ws.cell(r, org) for r in range(2, ws.max_row + 1)]
    [evil] = [c for c in cells if c.value and "HYPERLINK" in str(c.value)]
    assert evil.data_type == "s"
    assert evil.value == "'" + EVIL_ORG
    assert ws.max_row - 1 == len(_outcomes(shortlist))
    # rows as tall as their wrapped cells (six price lines), printable landscape pages
    prices = header.index("Prices") + 1
    for r in range(2, ws.max_row + 1):
        lines = len(str(ws.cell(r, prices).value or "").splitlines())
        if lines > 1:
            assert ws.row_dimensions[r].height >= 15 * lines
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"


def test_word_letters(shortlist, tmp_path):
    out, folder = tmp_path / "letters.xlsx", tmp_path / "word"
    _letters(shortlist, out, "--docx", str(folder))
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "CLC26-001.docx",
        "CLC26-002.docx",
        "CLC26-003.docx",
        "CLC26-004.docx",
        "CLC26-005.docx",
        "unreadable-broken.docx",
    ]
    rows = letter_rows(shortlist, dt.date(2026, 5, 1), dt.date(2026, 5, 1))
    with zipfile.ZipFile(folder / "CLC26-005.docx") as z:  # the formula-like organisation
        body = z.read("word/document.xml").decode()
    assert "HYPERLINK" in body  # the bidder's text is there, as text
    assert "<w:hyperlink" not in body and "<w:fldSimple" not in body and "<w:instrText" not in body
    for path in folder.iterdir():
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
        mine = [r for r in rows if f"{r['Bid reference']}.docx" == path.name]
        if not mine:
            assert "Your response could not be evaluated." in text
            continue
        first = mine[0]
        assert first["Contact name"] in text and first["Organisation"] in text
        assert first["Postcode"] in text
        assert "\n1 May 2026\n" in text
        pending = all(r["Outcome"] == "referred" for r in mine)
        assert ("Wednesday 13 May 2026" in text) is not pending
        assert "01 May 2026" not in text
        assert not re.search(r"\b(AB|CD): ", tables)  # the panel's words, not its initials
        for row in mine:
            assert row["Decision"] in text
            for reason in row["Reasons"].splitlines():
                assert reason.split(". ", 1)[1] in text
            if row["Q1 score"]:
                assert any(t.rows[0].cells[0].text == "Question (weight)" for t in document.tables)
                assert row["Q1 explanation"] in tables
    cafe = docx.Document(str(folder / "CLC26-001.docx"))
    headings = [p.text for p in cafe.paragraphs if p.style.name.startswith("Heading")]
    assert "Day Services lot" in headings and "Personal Assistants lot" in headings


def _warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_warning_for_a_letter_dated_after_the_award_notice(shortlist, tmp_path):
    out = tmp_path / "letters.csv"
    result = runner.invoke(
        app,
        [
            "letters",
            str(shortlist),
            "--out",
            str(out),
            "--letter-date",
            "2026-05-02",
            "--standstill-from",
            LETTER_DATE,
            "--allow-pending",
        ],
    )
    assert result.exit_code == 0, result.output
    late = [line for line in _warnings(result) if "award notice" in line]
    assert len(late) == 1 and "Warning" in late[0]
    assert "2 May 2026" in late[0] and "1 May 2026" in late[0]
    assert out.exists()
    on_the_day = runner.invoke(
        app,
        [
            "letters",
            str(shortlist),
            "--out",
            str(out),
            "--force",
            "--letter-date",
            LETTER_DATE,
            "--standstill-from",
            LETTER_DATE,
            "--allow-pending",
        ],
    )
    assert on_the_day.exit_code == 0
    assert not [line for line in _warnings(on_the_day) if "award notice" in line]


def test_warning_counts_questions_without_a_moderated_comment(shortlist, tmp_path):
    # the fixture's scores are agreed by two evaluators, never moderated: 6 questions for each
    # scored (bid, lot): 001 DS and PA, 002, 003, 005
    result = runner.invoke(
        app, ["letters", str(shortlist), "--out", str(tmp_path / "l.csv"), "--allow-pending"]
    )
    assert result.exit_code == 0, result.output
    [line] = [line for line in _warnings(result) if "moderated" in line]
    assert "30 question scores have no moderated comment" in line


def test_refused_while_a_bid_is_referred(shortlist, tmp_path):
    out = tmp_path / "letters.xlsx"
    result = runner.invoke(app, ["letters", str(shortlist), "--out", str(out)])
    assert result.exit_code == 2
    [line] = _warnings(result)
    assert "still referred" in line and "CLC26-004" in line and "--allow-pending" in line
    assert not out.exists()


def test_pending_rows_carry_no_standstill_date(shortlist, rows):
    assert _row(rows, "CLC26-004", PA)["Standstill ends"] == ""
    assert _row(rows, "CLC26-001", DS)["Standstill ends"] == "13 May 2026"


def test_existing_outputs_are_not_overwritten(shortlist, tmp_path):
    out, folder = tmp_path / "letters.csv", tmp_path / "word"
    folder.mkdir()
    (folder / "CLC26-003.docx").write_text("keep me")
    result = runner.invoke(
        app,
        ["letters", str(shortlist), "--out", str(out), "--docx", str(folder), "--allow-pending"],
    )
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (folder / "CLC26-003.docx").read_text() == "keep me"
    assert not out.exists() and list(folder.iterdir()) == [folder / "CLC26-003.docx"]
    _letters(shortlist, out, "--docx", str(folder), "--force")
    assert (folder / "CLC26-003.docx").read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "letters.txt"], ".xlsx or .csv"),
        (["--letter-date", "1/5/2026"], "--letter-date"),
        (["--standstill-from", "tomorrow"], "--standstill-from"),
    ],
)
def test_usage_errors(shortlist, tmp_path, args, message):
    args = [a if not a.endswith(".txt") else str(tmp_path / a) for a in args]
    result = runner.invoke(app, ["letters", str(shortlist), *args])
    assert result.exit_code == 2
    assert message in result.output


# --- reading and writing without the pipeline ----------------------------------------------------


def _mini_shortlist(
    path: Path, *, drop_column: str = "", drop_sheet: str = "", more_outcomes: tuple[list, ...] = ()
) -> Path:
    """A shortlist written by hand with every sheet and column of the contract (``contract.py``);
    the rows give the columns the letters use, the others stay blank."""
    outcome_header = [
        "Bid reference",
        "Organisation",
        "Lot",
        "Outcome",
        "Reasons",
        "Conditions",
        "Decisions",
        "Quality %",
        "Band 1",
        "File",
        "Letter reasons",
        "Letter conditions",
    ]
    given = {
        "Summary": [
            ["Item", "Value"],
            ["Contracting authority", "Test Council"],
            ["Tender reference", "T-1"],
            ["Tender title", "Test tender"],
            ["Deadline", "2026-03-20T12:00:00+00:00"],
            ["First round deadline", "2026-03-20T12:00:00+00:00"],
        ],
        "Outcomes": [
            outcome_header,
            [
                "B-1",
                "One Ltd",
                "Day Services",
                "late",
                "late: submitted late",
                None,
                None,
                None,
                48.5,
                "b1.xlsx",
                "late: Your bid arrived on 09 June 2026, after the deadline.",
                None,
            ],
            [
                "B-2",
                "Two Ltd",
                "Day Services",
                "already-admitted",
                "",
                None,
                None,
                None,
                None,
                "b2.xlsx",
                None,
                None,
            ],
            *more_outcomes,
        ],
        "Prices": [["Band", "Floor (£)", "Ceiling (£)"], ["Band 1", 48.12, 49.42]],
        "Bidders": [
            [
                "Bid reference",
                "Organisation",
                "Provider ID",
                "Contact name",
                "Contact email",
                "Contact telephone",
                "Registered address",
                "Postcode",
                "File",
            ],
            ["B-1", "One Ltd", "1", "Ann", "a@x.org", "", "1 Road", "LE1 1AA", "b1.xlsx"],
            ["B-1", "Copy Ltd", "9", "Cy", "c@x.org", "", "9 Lane", "LE9 9ZZ", "b1 copy.xlsx"],
        ],
    }
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in contract.SHORTLIST:
        if spec.name == drop_sheet:
            continue
        data = given.get(spec.name, [[]])
        header = [col.header for col in spec.expand(["Band 1"])]
        header += [h for h in data[0] if h not in header]
        header = [h for h in header if h != drop_column]
        ws = wb.create_sheet(spec.name)
        ws.append(header)
        for line in data[1:]:
            values = dict(zip(data[0], line, strict=True))
            ws.append([values.get(h) for h in header])
    wb.save(path)
    return path


def test_decisions_for_late_and_already_admitted(tmp_path):
    rows = letter_rows(_mini_shortlist(tmp_path / "s.xlsx"), dt.date(2026, 5, 1), None)
    late, member = rows
    # stray code dropped; the day of the month unpadded
    assert late["Reasons"] == "1. Your bid arrived on 9 June 2026, after the deadline."
    assert "received after the deadline" in late["Decision"]
    assert late["Prices"] == "Band 1: £48.50 (range £48.12 – £49.42)"
    assert late["Contact name"] == "Ann"
    assert "already a member of the framework for the Day Services lot" in member["Decision"]
    tail = list(late).index("Prices")
    assert list(late)[tail : tail + 3] == list(TAIL_COLUMNS)


def test_same_bid_reference_in_two_files_gets_two_word_letters(tmp_path):
    copy = [
        "B-1",
        "Copy Ltd",
        "Personal Assistants",
        "non-compliant",
        "duplicate-bid-reference: used by b1.xlsx too",
        None,
        None,
        None,
        None,
        "b1 copy.xlsx",
        "The bid reference B-1 was used by another bid too.",
        None,
    ]
    copy_ds = [*copy[:2], "Day Services", *copy[3:]]
    path = _mini_shortlist(tmp_path / "s.xlsx", more_outcomes=(copy, copy_ds))
    letters = read_letters(path, dt.date(2026, 5, 1), None)
    written = write_word_letters(letters, tmp_path / "word")
    assert [p.name for p in written] == ["B-1.docx", "B-2.docx", "B-1-b1-copy.docx"]
    first = "\n".join(p.text for p in docx.Document(str(written[0])).paragraphs)
    second = "\n".join(p.text for p in docx.Document(str(written[2])).paragraphs)
    assert "Ann" in first and "Cy" not in first
    assert "Cy" in second and "Ann" not in second

    def headings(path: Path) -> list[str]:
        return [
            p.text
            for p in docx.Document(str(path)).paragraphs
            if p.style.name.startswith("Heading")
        ]

    assert headings(written[0]) == [  # one section per lot, not three
        "How bids were evaluated",
        "Day Services lot",
        "Next steps",
    ]
    assert headings(written[2]) == [
        "How bids were evaluated",
        "Personal Assistants lot",
        "Day Services lot",
        "Next steps",
    ]


def test_a_long_bid_reference_still_gets_its_word_letter(tmp_path):
    letters = read_letters(_mini_shortlist(tmp_path / "s.xlsx"), dt.date(2026, 5, 1), None)
    reference = "B-" + "9" * 300  # the document's title property holds 255 characters
    first = dataclasses.replace(letters.letters[0], bid_reference=reference)
    written = write_word_letters(dataclasses.replace(letters, letters=(first,)), tmp_path / "w")
    document = docx.Document(str(written[0]))
    assert len(document.core_properties.title) == 255
    assert f"Your bid reference: {reference}" in [p.text for p in document.paragraphs]


@pytest.mark.parametrize(
    "text",
    ["", " ", "a", " lead", "trail ", "1.\tTab", "two\nlines", "\r\n", "x\u00a0", "&<>\"' é 😀"],
)
def test_word_runs_are_written_as_python_docx_writes_them(text):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import nsdecls
    from lxml import etree

    from clc_tender.letters.docx_parts import run_content

    run = OxmlElement("w:r")
    run.text = text
    children = (etree.tostring(child, encoding="unicode") for child in run)
    assert run_content(text) == "".join(children).replace(f" {nsdecls('w')}", "")


@pytest.mark.parametrize(
    ("drop_column", "drop_sheet", "named"),
    [
        ("Letter reasons", "", "Letter reasons"),
        ("Outcome", "", "Outcome"),
        ("", "Prices", "Prices"),
        ("", "Quality", "Quality"),
    ],
)
def test_missing_sheet_or_column_is_an_input_error(tmp_path, drop_column, drop_sheet, named):
    path = _mini_shortlist(tmp_path / "s.xlsx", drop_column=drop_column, drop_sheet=drop_sheet)
    with pytest.raises(InputError, match=re.escape(named)):
        letter_rows(path, dt.date(2026, 5, 1), None)
    result = runner.invoke(app, ["letters", str(path), "--out", str(tmp_path / "l.xlsx")])
    assert result.exit_code == 2 and named in result.output


def test_write_letters_refuses_other_extensions(tmp_path):
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        write_letters([], tmp_path / "letters.ods")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+44 116", "'+44 116"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain", "Plain"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_helpers():
    assert format_date(dt.date(2026, 5, 1)) == "1 May 2026"
    assert format_date(dt.date(2026, 6, 9), weekday=True) == "Tuesday 9 June 2026"
    assert format_date(dt.date(2026, 5, 13), weekday=True) == "Wednesday 13 May 2026"
    assert safe_file_stem("CLC/26 001") == "CLC-26-001"
    assert safe_file_stem("../..") == "bid"
    assert safe_file_stem("CON") == "bid-CON"
