"""Letters as assessment summaries (Procurement Regulations 2024 reg 31): read back from the
xlsx, the csv and the Word text of a real run (bidgen bids -> evaluate -> letters)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from clc_tender.cli import app
from clc_tender.tender import bundled_path, load_tender
from clc_tender.testing.bidgen import valid_bid, write_bid
from clc_tender.testing.officers import write_scores

DS = "Day Services"
QUESTIONS = ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6")
GATES = "G-001"
RIVAL = "Rival Care Ltd"
MODERATED_WORDS = "The panel agreed: strong, specific examples."
runner = CliRunner()


def _scores(ref: str, score: int) -> list[tuple]:
    return [
        (ref, DS, q, who, score, f"{q} answer of {ref}") for q in QUESTIONS for who in ("AB", "CD")
    ]


@pytest.fixture(scope="module")
def tender():
    return load_tender()


@pytest.fixture(scope="module")
def run(tender, tmp_path_factory) -> dict[str, Path]:
    """G-001 fails several gates and a price; G-002 (Rival Care Ltd) is admitted; two files share
    the bid reference G-003 (Alpha Dup Ltd in dup-a.xlsx, Beta Dup Ltd in dup-b.xlsx)."""
    root = tmp_path_factory.mktemp("summary")
    bids = root / "bids"
    bids.mkdir()
    gates = valid_bid(tender, GATES, organisation="Gates Fail Ltd", lots=[DS], seed=11)
    gates.bidder["Postcode"] = "LE11"  # incomplete: a contact-details warning, quoted as typed
    gates.compliance["Mandatory exclusion grounds apply"] = "Yes"
    gates.compliance["Employer's liability cover (£)"] = Decimal("4999999")
    gates.compliance["Complaints policy held"] = "No"
    gates.compliance["Complaints policy last reviewed"] = None
    gates.compliance["Safeguarding training completion (%)"] = 70
    gates.compliance["CQC registered"] = "Yes"
    gates.compliance["CQC location ID"] = "1-123456789"
    gates.compliance["CQC overall rating"] = "inadequate"  # quoted as typed
    gates.prices["Band 1"] = Decimal("49.43")
    write_bid(gates, bids / "gates.xlsx")
    write_bid(
        valid_bid(tender, "G-002", organisation=RIVAL, lots=[DS], seed=12), bids / "rival.xlsx"
    )
    write_bid(
        valid_bid(tender, "G-003", organisation="Alpha Dup Ltd", lots=[DS], seed=13),
        bids / "dup-a.xlsx",
    )
    write_bid(
        valid_bid(tender, "G-003", organisation="Beta Dup Ltd", lots=[DS], seed=14),
        bids / "dup-b.xlsx",
    )
    scores = root / "scores.xlsx"
    write_scores(
        [
            *_scores(GATES, 4),
            *_scores("G-002", 4),
            ("G-002", DS, "Q1", "MODERATED", 4, MODERATED_WORDS),
        ],
        scores,
    )
    shortlist = root / "shortlist.xlsx"
    result = runner.invoke(
        app, ["evaluate", str(bids), "--scores", str(scores), "--out", str(shortlist)]
    )
    assert result.exit_code == 0, result.output
    out = {
        "shortlist": shortlist,
        "xlsx": root / "letters.xlsx",
        "csv": root / "letters.csv",
        "word": root / "word",
    }
    for key in ("xlsx", "csv"):
        extra = ["--docx", str(out["word"])] if key == "xlsx" else []
        result = runner.invoke(
            app,
            [
                "letters",
                str(shortlist),
                "--out",
                str(out[key]),
                "--letter-date",
                "2026-05-01",
                "--standstill-from",
                "2026-05-01",
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
    return out


def _xlsx_rows(path: Path) -> list[dict[str, str]]:
    ws = openpyxl.load_workbook(path)["Letters"]
    rows = list(ws.iter_rows(values_only=True))
    return [
        {str(h): "" if v is None else str(v) for h, v in zip(rows[0], r, strict=True)}
        for r in rows[1:]
    ]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _word(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture(scope="module")
def every(run) -> dict[str, list[dict[str, str]]]:
    return {"xlsx": _xlsx_rows(run["xlsx"]), "csv": _csv_rows(run["csv"])}


def _one(rows: list[dict[str, str]], ref: str, org: str = "") -> dict[str, str]:
    [row] = [r for r in rows if r["Bid reference"] == ref and (not org or r["Organisation"] == org)]
    return row


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_every_question_by_title_and_weight_with_the_scale(every, tender, kind):
    for row in every[kind]:
        for q in tender.quality.questions:
            assert row[f"{q.id} question"] == f"{q.id} {q.text} ({q.weight}%)"
        assert row["Scale"].startswith(
            "Each question is scored from 0 to 5: 0 = no answer or unacceptable"
        )
        assert "5 = excellent" in row["Scale"]
        assert "at least 2 out of 5" in row["Minimum and pass mark"]
        assert "at least 60% (the pass mark)" in row["Minimum and pass mark"]
        assert tender.criteria_published_in in row["Criteria published in"]
        assert (
            row["Council contact"]
            == "Natalie Smith, Interim Head of Service (Commissioning and Quality)"
        )
        assert row["Council contact email"] == "natalie.smith@leics.gov.uk"
        assert row["Signatory"] == "Jon Wilson"


def test_word_letters_name_questions_scale_contact_and_signatory(run, tender):
    text = _word(run["word"] / "G-002.docx")
    for q in tender.quality.questions:
        assert f"{q.id} {q.text} ({q.weight}%)" in text
    assert "Each question is scored from 0 to 5: 0 = no answer or unacceptable, 1 = poor" in text
    assert "0116\u00a0305\u00a02848" in text  # the telephone number never split
    assert "at least 60% (the pass mark)" in text
    assert f"published in {tender.criteria_published_in}" in text
    assert "Natalie Smith" in text and "natalie.smith@leics.gov.uk" in text
    assert "Jon Wilson\nDirector of Adults and Communities" in text
    assert "Your quality score: 80%" in text


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_numbers_as_people_write_them(every, kind):
    gates = _one(every[kind], GATES)
    assert "completed by 70% of your staff; at least 90% is required" in gates["Reasons"]
    assert _one(every[kind], "G-002")["Quality %"] == "80"
    for row in every[kind]:
        for value in row.values():
            assert not re.search(r"\d[eE][+-]?\d", value), value


def test_no_exponent_in_any_word_letter(run):
    for path in run["word"].iterdir():
        assert not re.search(r"\d[eE][+-]?\d", _word(path)), path.name


def test_reasons_decisive_first_then_in_gate_order(every):
    reasons = _one(every["xlsx"], GATES)["Reasons"].splitlines()
    expected = [
        "Your price for Band 1 of £49.43",  # disqualified-price decides the outcome
        "You declared that a mandatory exclusion ground",  # eligibility
        "Your employer's liability cover of £4,999,999",  # insurance
        "You do not hold a complaints policy",  # policies
        "Safeguarding training has been completed by 70%",  # safeguarding
        "Your CQC overall rating is inadequate",
    ]
    assert len(reasons) == len(expected), reasons
    for number, (line, start) in enumerate(zip(reasons, expected, strict=True), start=1):
        assert line.startswith(f"{number}. {start}"), (line, start)
    assert _one(every["xlsx"], GATES)["Outcome"] == "disqualified-price"
    assert _one(every["csv"], GATES)["Reasons"] == _one(every["xlsx"], GATES)["Reasons"]


def test_word_letter_gives_the_reasons_in_the_same_order(run, every):
    text = _word(run["word"] / f"{GATES}.docx")
    reasons = [
        line.split(". ", 1)[1] for line in _one(every["xlsx"], GATES)["Reasons"].splitlines()
    ]
    where = [text.index(reason) for reason in reasons]
    assert where == sorted(where)
    assert "LE11" in text and "L E11" not in text  # the postcode as typed, in the address


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_values_quoted_as_typed(every, kind):
    gates = _one(every[kind], GATES)
    assert gates["Postcode"] == "LE11"  # never "L E11"; a warning, not a reason
    assert "inadequate" in gates["Reasons"] and "postcode" not in gates["Reasons"].lower()


def test_no_other_bidder_named(run, every):
    bidders = {
        "Gates Fail Ltd": "gates",
        RIVAL: "rival",
        "Alpha Dup Ltd": "dup-a",
        "Beta Dup Ltd": "dup-b",
    }
    for row in every["xlsx"]:
        letter = "\n".join(row.values())
        for org, stem in bidders.items():
            if org != row["Organisation"]:
                assert org not in letter and f"{stem}.xlsx" not in letter, (
                    row["Organisation"],
                    org,
                )
    alpha = _one(every["xlsx"], "G-003", "Alpha Dup Ltd")
    assert "Another submission uses the same bid reference" in alpha["Reasons"]
    for path in run["word"].iterdir():
        text = _word(path)
        named = [org for org in bidders if org in text]
        assert len(named) == 1, (path.name, named)
        assert not [
            stem for org, stem in bidders.items() if org not in text and f"{stem}.xlsx" in text
        ]


def test_explanation_is_the_moderated_comment(every):
    rival = _one(every["xlsx"], "G-002")
    assert rival["Q1 explanation"] == MODERATED_WORDS
    assert rival["Q2 explanation"] == "Q2 answer of G-002"  # agreed, without initials


def test_letters_with_another_definition_warn_of_the_sha256(run, tmp_path):
    text = bundled_path().read_text(encoding="utf-8")
    other = tmp_path / "clc-2026-contact.toml"
    other.write_text(text.replace('name = "Natalie Smith"', 'name = "Sam Jones"'))
    out = tmp_path / "l.csv"
    result = runner.invoke(
        app, ["letters", str(run["shortlist"]), "--out", str(out), "--tender", str(other)]
    )
    assert result.exit_code == 0, result.output
    [warning] = [line for line in result.stderr.splitlines() if "SHA-256" in line]
    assert "not the one the shortlist was evaluated with" in warning
    assert {r["Council contact"].split(",")[0] for r in _csv_rows(out)} == {"Sam Jones"}
    same = runner.invoke(app, ["letters", str(run["shortlist"]), "--out", str(out), "--force"])
    assert same.exit_code == 0 and "SHA-256" not in same.stderr


def test_letter_date_defaults_to_today(run, tmp_path):
    out = tmp_path / "l.csv"
    assert runner.invoke(app, ["letters", str(run["shortlist"]), "--out", str(out)]).exit_code == 0
    dates = {r["Letter date"] for r in _csv_rows(out)}
    assert len(dates) == 1 and str(dt.date.today().year) in dates.pop()


def test_letters_word_the_kept_figures_with_todays_wording(run, monkeypatch):
    from clc_tender import wording
    from clc_tender.letters import letter_rows

    before = _one(letter_rows(run["shortlist"], dt.date(2026, 5, 1)), GATES)["Reasons"]
    assert "completed by 70% of your staff" in before
    changed = wording.Wording(
        wording.WORDING["safeguarding-training"].officer,
        "Only {pct:percent} of your staff completed safeguarding training "
        "(the minimum is {minimum:percent}).",
    )
    monkeypatch.setitem(wording.WORDING, "safeguarding-training", changed)
    after = _one(letter_rows(run["shortlist"], dt.date(2026, 5, 1)), GATES)["Reasons"]
    # no new evaluation: the shortlist keeps the figures, the letter words them now
    assert "Only 70% of your staff completed safeguarding training (the minimum is 90%)." in after
    assert after.count("\n") == before.count("\n")  # the same reasons, in the same order


def test_every_word_letter_says_how_bids_were_evaluated(run, tender):
    """Whatever the outcome (a late bid, a referred one, a broken file), each letter states the
    award criteria, the scale, the minimum and the pass mark."""
    letters = sorted(run["word"].iterdir())
    assert len(letters) > 3
    for path in letters:
        text = _word(path)
        assert "How bids were evaluated" in text, path.name
        assert "at least 60% (the pass mark)" in text, path.name
        assert "Each question is scored from 0 to 5" in text, path.name
        for q in tender.quality.questions:
            assert f"{q.id} {q.text} ({q.weight}%)" in text, path.name
