"""Procurement Act 2023 s.49 counted from awards: 3 years from the first award, then 5-year
periods from the second award, and nothing awarded after 8 years from the first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clc_tender.rules.reopening import (
    RoundDates,
    default_award,
    parse_rounds,
    reopening_limits,
    rounds_text,
)

UK = ZoneInfo("Europe/London")
ROUND1 = RoundDates(1, dt.datetime(2026, 3, 20, 12, 0, tzinfo=UK), dt.date(2026, 5, 29))


def deadline(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 12, 0, tzinfo=UK)


@pytest.mark.parametrize(
    ("award", "warns"),
    [(dt.date(2029, 5, 28), False), (dt.date(2029, 5, 29), True)],
    ids=["28-may-2029-inside", "29-may-2029-outside"],
)
def test_first_reopening_awarded_inside_or_outside_3_years(award: dt.date, warns: bool) -> None:
    # the deadline is inside the 3 years either way: only the award counts
    limits = reopening_limits(deadline(2029, 3, 16), award, [ROUND1])
    assert limits.refusal is None
    assert len(limits.warnings) == warns
    if warns:
        assert "3 years" in limits.warnings[0] and "29 May 2026 – 28 May 2029" in limits.warnings[0]
        assert "s.49" in limits.warnings[0]


def test_a_deadline_inside_3_years_does_not_save_a_late_award() -> None:
    assert reopening_limits(deadline(2029, 5, 1), dt.date(2029, 6, 15), [ROUND1]).warnings


def test_no_3_year_warning_once_an_earlier_reopening_was_awarded_within_them() -> None:
    round2 = RoundDates(2, deadline(2027, 9, 17), dt.date(2027, 11, 26))
    limits = reopening_limits(deadline(2030, 3, 15), dt.date(2030, 5, 24), [ROUND1, round2])
    assert limits.warnings == () and limits.refusal is None


SECOND = RoundDates(2, deadline(2027, 9, 17), dt.date(2027, 11, 26))


@pytest.mark.parametrize(
    ("award", "warns"),
    [(dt.date(2032, 11, 25), False), (dt.date(2032, 11, 26), True)],
    ids=["inside-5-years", "outside-5-years"],
)
def test_later_reopening_inside_or_outside_5_years_from_the_second_award(
    award: dt.date, warns: bool
) -> None:
    limits = reopening_limits(deadline(2032, 9, 17), award, [ROUND1, SECOND])
    assert limits.refusal is None
    assert len(limits.warnings) == warns
    if warns:
        assert "5 years" in limits.warnings[0] and "the second award" in limits.warnings[0]
        assert "26 November 2027 – 25 November 2032" in limits.warnings[0]


def test_the_5_years_run_from_the_latest_award() -> None:
    third = RoundDates(3, deadline(2029, 3, 16), dt.date(2029, 5, 25))
    # 5 years after the second award but within 5 years of round 3's: no warning
    assert (
        reopening_limits(
            deadline(2033, 3, 1), dt.date(2033, 5, 1), [ROUND1, SECOND, third]
        ).warnings
        == ()
    )
    late = reopening_limits(deadline(2034, 3, 1), dt.date(2034, 5, 25), [ROUND1, SECOND, third])
    assert len(late.warnings) == 1 and "round 3's award" in late.warnings[0]


@pytest.mark.parametrize(
    ("award", "refused"),
    [(dt.date(2034, 5, 28), False), (dt.date(2034, 5, 29), True)],
    ids=["last-day-of-8-years", "after-8-years"],
)
def test_an_award_after_the_8_year_end_is_refused(award: dt.date, refused: bool) -> None:
    third = RoundDates(3, deadline(2031, 3, 14), dt.date(2031, 5, 23))
    limits = reopening_limits(deadline(2034, 3, 17), award, [ROUND1, SECOND, third])
    assert (limits.refusal is not None) == refused
    if refused:
        assert limits.refusal and "8 years" in limits.refusal and "28 May 2034" in limits.refusal


def test_impossible_dates_are_refused() -> None:
    before_deadline = reopening_limits(deadline(2027, 9, 17), dt.date(2027, 9, 16), [ROUND1])
    assert before_deadline.refusal and "before this round's deadline" in before_deadline.refusal
    same = reopening_limits(deadline(2027, 10, 1), dt.date(2027, 11, 26), [ROUND1, SECOND])
    assert same.refusal and "not after round 2's award" in same.refusal
    early = reopening_limits(deadline(2026, 3, 1), dt.date(2026, 6, 1), [ROUND1])
    assert early.refusal and "previous round" in early.refusal
    ended = reopening_limits(
        deadline(2031, 8, 1), dt.date(2031, 10, 10), [ROUND1], dt.date(2031, 8, 30)
    )
    assert ended.refusal and "30 August 2031" in ended.refusal


def test_the_default_award_keeps_round_1s_interval() -> None:
    # round 1: deadline 20 March, award 29 May = 70 days
    assert default_award(deadline(2027, 9, 17), ROUND1) == dt.date(2027, 11, 26)


def test_rounds_text_reads_back() -> None:
    rounds = (ROUND1, SECOND)
    text = rounds_text(rounds)
    assert text.splitlines()[0] == "Round 1: deadline 2026-03-20T12:00:00+00:00, award 2026-05-29"
    assert parse_rounds(text) == rounds
    assert parse_rounds("") == ()
    assert parse_rounds("Round one: sometime") is None


# --- through the command line: `reopen --award-date`, and Summary's `Award date` and `Rounds` ---


def _summary(path):  # type: ignore[no-untyped-def]
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)["Summary"]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}


@pytest.fixture
def empty_round1(tmp_path):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from clc_tender.cli import app

    (tmp_path / "bids").mkdir()
    register = tmp_path / "shortlist.xlsx"
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "bids"), "--out", str(register)])
    assert result.exit_code == 0, result.output
    return register


def _reopen(register, out, deadline_, *extra):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from clc_tender.cli import app

    return CliRunner().invoke(
        app,
        [
            "reopen",
            str(register.parent / "bids"),
            "--register",
            str(register),
            "--deadline",
            deadline_,
            "--out",
            str(out),
            *extra,
        ],
    )


def test_round_1_records_its_award(empty_round1) -> None:  # type: ignore[no-untyped-def]
    s = _summary(empty_round1)
    assert s["Award date"] == s["First award"] == dt.datetime(2026, 5, 29)  # dates, as dates
    assert s["Rounds"] is None  # no earlier round


@pytest.mark.parametrize(("award", "warns"), [("2029-05-28", False), ("2029-05-29", True)])
def test_reopen_award_date_inside_and_outside_3_years(
    empty_round1, award: str, warns: bool
) -> None:  # type: ignore[no-untyped-def]
    out = empty_round1.parent / "r2.xlsx"
    result = _reopen(empty_round1, out, "2029-03-16T12:00", "--award-date", award)
    assert result.exit_code == 0, result.output
    assert ("s.49" in result.stderr) == warns and ("3 years" in result.stderr) == warns
    s = _summary(out)
    assert s["Award date"] == dt.datetime.fromisoformat(award)
    assert s["Rounds"] == "Round 1: deadline 2026-03-20T12:00:00+00:00, award 2026-05-29"
    import openpyxl

    ws = openpyxl.load_workbook(out, read_only=True)["Summary"]
    notes = [row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[0] == "Note"]
    assert any("s.49" in str(n) for n in notes) == warns


def _longer(tmp_path):  # type: ignore[no-untyped-def]
    """The bundled definition with a framework running to 2036 (past the s.49 8 years)."""
    from clc_tender.tender import bundled_path

    longer = tmp_path / "long.toml"
    longer.write_text(
        bundled_path()
        .read_text()
        .replace("framework_end = 2029-08-30", "framework_end = 2036-08-30")
    )
    return longer


def test_reopen_default_award_and_rounds_carried(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from clc_tender.cli import app

    longer = str(_longer(tmp_path))
    (tmp_path / "bids").mkdir()
    register = tmp_path / "shortlist.xlsx"
    assert (
        CliRunner()
        .invoke(
            app, ["evaluate", str(tmp_path / "bids"), "--out", str(register), "--tender", longer]
        )
        .exit_code
        == 0
    )
    r2 = tmp_path / "r2.xlsx"
    assert _reopen(register, r2, "2027-09-17T12:00", "--tender", longer).exit_code == 0
    # 17 September + 70 days (round 1's interval from deadline to award)
    assert _summary(r2)["Award date"] == dt.datetime(2027, 11, 26)
    r3 = tmp_path / "r3.xlsx"
    # 5 years from the second award (26 November 2027) end on 25 November 2032
    result = _reopen(r2, r3, "2032-09-17T12:00", "--award-date", "2032-11-26", "--tender", longer)
    assert result.exit_code == 0, result.output
    assert "5 years" in result.stderr and "3 years" not in result.stderr
    assert _summary(r3)["Rounds"].splitlines() == [
        "Round 1: deadline 2026-03-20T12:00:00+00:00, award 2026-05-29",
        "Round 2: deadline 2027-09-17T12:00:00+01:00, award 2027-11-26",
    ]
    ok = _reopen(
        r2,
        tmp_path / "r3b.xlsx",
        "2032-09-17T12:00",
        "--award-date",
        "2032-11-25",
        "--tender",
        longer,
    )
    assert ok.exit_code == 0 and "s.49" not in ok.stderr


def test_reopen_award_after_the_8_year_end_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from clc_tender.cli import app

    longer = _longer(tmp_path)
    (tmp_path / "bids").mkdir()
    register = tmp_path / "shortlist.xlsx"
    runner = CliRunner()
    assert (
        runner.invoke(
            app,
            ["evaluate", str(tmp_path / "bids"), "--out", str(register), "--tender", str(longer)],
        ).exit_code
        == 0
    )
    r2 = tmp_path / "r2.xlsx"
    assert _reopen(register, r2, "2028-03-17T12:00", "--tender", str(longer)).exit_code == 0
    # the deadline is inside the 8 years; the award on 29 May 2034 is not
    result = _reopen(
        r2,
        tmp_path / "r3.xlsx",
        "2034-03-17T12:00",
        "--award-date",
        "2034-05-29",
        "--tender",
        str(longer),
    )
    assert result.exit_code == 2 and "8 years" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "r3.xlsx").exists()
    ok = _reopen(
        r2,
        tmp_path / "r3.xlsx",
        "2034-03-17T12:00",
        "--award-date",
        "2034-05-28",
        "--tender",
        str(longer),
    )
    assert ok.exit_code == 0, ok.output


def test_reopen_award_date_not_a_date(empty_round1) -> None:  # type: ignore[no-untyped-def]
    result = _reopen(
        empty_round1,
        empty_round1.parent / "x.xlsx",
        "2027-09-17T12:00",
        "--award-date",
        "26/11/2027",
    )
    assert result.exit_code == 2 and "--award-date" in result.stderr
