"""The spend forecast (report.md): exact figures, the utilisation workbook's reading, [targets]."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from clc_tender.errors import InputError
from clc_tender.forecast import (
    CEILING,
    LOWEST,
    MEDIAN,
    PREVIOUS,
    Assumptions,
    Utilisation,
    UtilisationLine,
    default_years,
    forecast,
    target_sentence,
)
from clc_tender.read.utilisation import read_utilisation
from clc_tender.tender import Tender, TenderError, bundled_path, load_tender

D = Decimal


def write_utilisation(
    path: Path, rows: list[tuple], assumptions: list[tuple] | None = None
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Utilisation"
    ws.append(["Band", "People", "Hours per person per week", "Previous hourly rate (£)"])
    for row in rows:
        ws.append(list(row))
    if assumptions is not None:
        sheet = wb.create_sheet("Assumptions")
        sheet.append(["Item", "Value"])
        for row in assumptions:
            sheet.append(list(row))
    wb.save(path)
    return path


def test_forecast_equals_an_independent_computation(tender: Tender) -> None:
    lines = (
        UtilisationLine("Band 1", 44, D("15"), D("8.74")),
        UtilisationLine("Band 5", 138, D("5"), D("17.14")),
        UtilisationLine("PA Band", 10, D("7.5"), D("21.47")),
    )
    assumptions = Assumptions(2026, 3, D("2"), D("3.5"))
    admitted = {"Band 1": [D("48.50"), D("49.00"), D("48.20"), D("49.42")], "Band 5": [D("16.70")]}
    fc = forecast(tender, Utilisation("u.xlsx", lines, assumptions), admitted)
    # by hand: Band 1 is a session band (6 hours): ceiling 49.42/6 = 8.2366.. -> 8.24;
    # median (48.50 + 49.00) / 2 = 48.75 / 6 = 8.125 -> 8.13; lowest 48.20 / 6 = 8.0333 -> 8.03
    hourly = {
        "Band 1": {CEILING: D("8.24"), MEDIAN: D("8.13"), LOWEST: D("8.03"), PREVIOUS: D("8.74")},
        "Band 5": {
            CEILING: D("17.14"),
            MEDIAN: D("16.70"),
            LOWEST: D("16.70"),
            PREVIOUS: D("17.14"),
        },
        # no admitted PA price: the ceiling stands in for median and lowest
        "PA Band": {
            CEILING: D("20.37"),
            MEDIAN: D("20.37"),
            LOWEST: D("20.37"),
            PREVIOUS: D("21.47"),
        },
    }
    people_hours = {"Band 1": D(44 * 15), "Band 5": D(138 * 5), "PA Band": D("75")}
    totals: dict[str, D] = {}
    for scenario in (CEILING, MEDIAN, LOWEST, PREVIOUS):
        total = D(0)
        for year in range(3):
            for band, hours in people_hours.items():
                amount = (
                    hours * 52 * D("1.02") ** year * hourly[band][scenario] * D("1.035") ** year
                )
                expected = amount.quantize(D("0.01"), ROUND_HALF_UP)
                assert fc.band_amount(scenario, year, band) == expected, (scenario, year, band)
                total += expected
        totals[scenario] = total
        assert fc.total(scenario) == total
    assert fc.years == ("2026/27", "2027/28", "2028/29")
    assert fc.total(PREVIOUS, 0) == D(660 * 52) * D("8.74") + D(690 * 52) * D("17.14") + D(
        75 * 52
    ) * D("21.47")
    assert fc.saving(LOWEST) == totals[PREVIOUS] - totals[LOWEST]
    assert "no admitted price for PA Band" in fc.rates[2].note


def test_target_sentence_names_the_scenarios_that_meet_it(tender: Tender) -> None:
    lines = (UtilisationLine("Band 4", 168, D("15"), D("26.23")),)
    admitted = {"Band 4": [D("144.01"), D("148.23")]}
    fc = forecast(tender, Utilisation("u", lines, Assumptions(2026, 5, D(0), D(0))), admitted)
    # 168 x 15 x 52 = 131,040 hours a year; previous 26.23, ceiling 24.71, lowest 24.00
    assert fc.saving(CEILING) == D(131040) * (D("26.23") - D("24.71")) * 5
    assert fc.meeting_target() == (CEILING, MEDIAN, LOWEST)
    assert target_sentence(fc).startswith("Every scenario meets the savings target of £750,000")
    small = forecast(
        tender,
        Utilisation(
            "u",
            (UtilisationLine("Band 4", 2, D("15"), D("26.23")),),
            Assumptions(2026, 5, D(0), D(0)),
        ),
        admitted,
    )
    assert small.meeting_target() == ()
    assert target_sentence(small).startswith("No scenario meets the savings target of £750,000")


def test_default_years_and_first_year_from_the_definition(tmp_path: Path, tender: Tender) -> None:
    assert default_years(tender) == 5
    path = write_utilisation(tmp_path / "u.xlsx", [("Band 1", 3, 12, 8.74)])
    u = read_utilisation(path, tender)
    assert u.assumptions == Assumptions(2026, 5, D(0), D(0))  # start 31 August 2026: 2026/27
    assert u.lines == (UtilisationLine("Band 1", 3, D(12), D("8.74")),)


def test_utilisation_with_assumptions(tmp_path: Path, tender: Tender) -> None:
    path = write_utilisation(
        tmp_path / "u.xlsx",
        [("PA Band", 96, 7.5, "£21.47"), ("band 1", 44, 15, 8.74)],
        [
            ("First year", "2027/28"),
            ("Years", 3),
            ("Growth % per year", 1.5),
            ("Uplift % per year", "2%"),
            ("Note", "Illustrative figures"),
        ],
    )
    u = read_utilisation(path, tender)
    assert [line.band for line in u.lines] == ["Band 1", "PA Band"]  # the definition's order
    assert u.lines[1].hours == D("7.5") and u.lines[1].previous_rate == D("21.47")
    assert u.assumptions == Assumptions(2027, 3, D("1.5"), D("2"), ("Illustrative figures",))


@pytest.mark.parametrize(
    ("rows", "assumptions", "place", "words"),
    [
        ([("Band 9", 1, 1, 8.74)], None, "Utilisation!A2", "must be one of"),
        ([("Band 1", 1.5, 1, 8.74)], None, "Utilisation!B2", "whole number"),
        ([("Band 1", 1, -2, 8.74)], None, "Utilisation!C2", "0 to 168"),
        ([("Band 1", 1, 1, 8.745)], None, "Utilisation!D2", "whole pence"),
        ([("Band 1", 1, 1, None)], None, "Utilisation!D2", "blank"),
        ([("Band 1", 1, 1, 8.74), ("Band 1", 2, 1, 8.74)], None, "Utilisation!A3", "twice"),
        ([("Band 1", 1, 1, 8.74)], [("Years", 0)], "Assumptions!B2", "Years"),
        ([("Band 1", 1, 1, 8.74)], [("First year", "2026/28")], "Assumptions!B2", "financial year"),
        ([("Band 1", 1, 1, 8.74)], [("Inflation", 2)], "Assumptions!A2", "unknown item"),
    ],
)
def test_malformed_utilisation_names_the_cell(
    tmp_path: Path, tender: Tender, rows: list, assumptions: list | None, place: str, words: str
) -> None:
    path = write_utilisation(tmp_path / "u.xlsx", rows, assumptions)
    with pytest.raises(InputError) as caught:
        read_utilisation(path, tender)
    assert caught.value.place == place and words in str(caught.value)


def test_every_failing_cell_is_named(tmp_path: Path, tender: Tender) -> None:
    path = write_utilisation(
        tmp_path / "u.xlsx", [("Band 1", "many", 1, 8.74), ("Band 2", 1, 1, "free")]
    )
    with pytest.raises(InputError) as caught:
        read_utilisation(path, tender)
    assert caught.value.place == "Utilisation!B2" and "Utilisation!D3" in str(caught.value)


def test_targets_section_loaded_and_checked(tmp_path: Path, tender: Tender) -> None:
    assert tender.targets is not None
    assert (
        tender.targets.annual_spend,
        tender.targets.five_year_value,
        tender.targets.savings_five_years,
    ) == (D("9800000"), D("60000000"), D("750000"))
    text = bundled_path().read_text()
    broken = tmp_path / "t.toml"
    broken.write_text(text.replace('savings_five_years = "750000"', 'savings_five_years = "-1"'))
    with pytest.raises(TenderError, match="targets.savings_five_years"):
        load_tender(broken)
    without = tmp_path / "none.toml"
    start = text.index("[targets]")
    without.write_text(text[:start] + text[text.index("[finance]") :])
    assert load_tender(without).targets is None


def test_sample_utilisation_is_marked_illustrative(tender: Tender) -> None:
    path = Path(__file__).parent.parent / "sample_bids" / "commissioners" / "utilisation.xlsx"
    u = read_utilisation(path, tender)
    assert any("ILLUSTRATIVE" in note for note in u.assumptions.notes)
    assert sum(line.people for line in u.lines) == 1 + 43 + 326 + 168 + 138 + 192  # para 27
    assert dt.date(2026, 8, 31) == tender.framework_start
