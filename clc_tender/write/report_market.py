"""The award report's sections on the market: prices, coverage and the spend forecast."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..forecast import CEILING, LOWEST, MEDIAN, PREVIOUS, SCENARIO_TITLES, SCENARIOS, Forecast
from ..forecast import target_sentence as forecast_sentence
from ..report_model import Report
from .report_text import pct, pounds, short_need
from .word import TableSpec, WordDocument


def prices_section(doc: WordDocument, report: Report, charts: Any) -> None:
    doc.heading("Prices")
    doc.para(
        "The framework's admitted prices (members of every round) for each band, between the "
        "band's floor and ceiling. The gap is how far the median admitted price lies below the "
        "ceiling: the room the price bands give the council when placing people (paragraph 12).",
        keep=True,
    )
    for lot in report.lots:
        bands = [b for b in report.prices if b.lot == lot]
        if not bands:
            continue
        doc.subheading(lot)
        rows = [
            [
                b.band,
                pounds(b.floor),
                pounds(b.ceiling),
                str(len(b.prices)),
                pounds(b.low),
                pounds(b.median),
                pounds(b.high),
                pounds(b.gap),
                "" if b.gap_pct is None else f"{b.gap_pct}%",
            ]
            for b in bands
        ]
        priced = [b for b in bands if b.prices]
        number = doc.tables + 1
        if priced:
            doc.figure(
                charts.price_chart(lot, priced),
                f"{lot}: each admitted price placed between its band's floor and ceiling; "
                "the diamond is the median.",
                number,
            )
        else:
            doc.para(f"No {lot} member has a price yet.")
        doc.table(
            TableSpec(
                f"{lot}: admitted prices per band",
                [
                    "Band",
                    "Floor",
                    "Ceiling",
                    "Priced",
                    "Lowest",
                    "Median",
                    "Highest",
                    "Gap to ceiling",
                    "Gap %",
                ],
                rows,
                [1.7, 1.8, 1.8, 1.5, 1.8, 1.8, 1.8, 2.2, 1.5],
                right=range(1, 9),
            )
        )


def coverage_section(doc: WordDocument, report: Report, charts: Any) -> None:
    cov = report.coverage
    doc.heading("Market coverage")
    doc.para(
        "Where admitted providers can serve people, by district and support need: the number "
        "of admitted Day Services services, and of Personal Assistants providers covering the "
        "district. The Cabinet report notes shortages of Personal Assistants in Market "
        "Harborough and Melton Mowbray (paragraphs 72–75), and the Scrutiny Committee asked "
        "about rural availability (paragraph 84). A district and need with none or only one is "
        "a gap."
    )
    if not cov.present:
        doc.para(
            "Coverage data is not in this shortlist: it has no Services or PA coverage "
            "sheet (written by a version of clc-tender before they existed). Re-run the "
            "evaluation with the current version to see the coverage.",
            bold=True,
        )
        return
    shorts = [short_need(n) for n in cov.needs]
    widths = [3.4, *([13.2 / len(cov.needs)] * len(cov.needs))]
    for lot, counts, what, unit in (
        ("Day Services", cov.services, "Day Services: admitted services", "admitted services"),
        (
            "Personal Assistants",
            cov.pa_providers,
            "Personal Assistants: providers covering the district",
            "providers",
        ),
    ):
        doc.subheading(lot)
        rows = [[d, *(str(counts.get((d, n), 0)) for n in cov.needs)] for d in cov.districts]
        doc.figure(
            charts.coverage_heatmap(cov, shorts, lot),
            f"{lot}: {unit} by district and support need; red: none, amber: only one.",
            doc.tables + 1,
            width_cm=15.0,
        )
        doc.table(
            TableSpec(
                f"{what}, by district and support need",
                ["District", *shorts],
                rows,
                widths,
                right=range(1, len(cov.needs) + 1),
                size=8,
            )
        )
    gaps = cov.gaps()
    doc.subheading("Gaps")
    if gaps:
        doc.para(
            "Where people have no choice, or only one (a gap), by lot and district:", keep=True
        )
        doc.bullets(gaps)
    else:
        doc.para(
            "Every district has at least two admitted providers for every support need in both "
            "lots."
        )


def forecast_section(doc: WordDocument, fc: Forecast, notes: Sequence[str], charts: Any) -> None:
    a = fc.assumptions
    doc.heading("Spend forecast")
    for note in a.notes:
        doc.para(note, bold="ILLUSTRATIVE" in note.upper())
    doc.para(
        f"Today's placements (the utilisation workbook) priced for {a.years} financial years from "
        f"{fc.years[0]}: people × hours per week × 52 × the hourly rate, with people growing "
        f"{pct(a.growth_pct)} and rates uplifted {pct(a.uplift_pct)} a year from the second "
        "year. Three scenarios: every placement at the band's ceiling, at the median admitted "
        "price, and at the lowest admitted price; beside them, the same placements at the "
        "previous framework's rates. A session band's hourly rate is its session price ÷ 6."
    )
    for note in (*notes, *(r.note for r in fc.rates if r.note)):
        doc.para(note[:1].upper() + note[1:] + ".", italic=True)
    _rates_table(doc, fc)
    _spend_tables(doc, fc, charts)
    _against_targets(doc, fc)


def _rates_table(doc: WordDocument, fc: Forecast) -> None:
    rows = []
    for rate in fc.rates:
        line = next(u for u in fc.lines if u.band == rate.band)
        rows.append(
            [
                rate.band,
                str(line.people),
                f"{line.hours.normalize():f}",
                *(pounds(rate.hourly[s]) for s in (PREVIOUS, CEILING, MEDIAN, LOWEST)),
            ]
        )
    doc.table(
        TableSpec(
            "Placements and hourly rates per band",
            [
                "Band",
                "People",
                "Hours a week",
                "Previous £/h",
                "Ceiling £/h",
                "Median £/h",
                "Lowest £/h",
            ],
            rows,
            [2.0, 1.6, 2.2, 2.7, 2.7, 2.7, 2.7],
            right=range(1, 7),
        )
    )


def _spend_tables(doc: WordDocument, fc: Forecast, charts: Any) -> None:
    scenarios = (PREVIOUS, CEILING, MEDIAN, LOWEST)
    rows = [[year, *(pounds(fc.total(s, y)) for s in scenarios)] for y, year in enumerate(fc.years)]
    rows.append(["Total", *(pounds(fc.total(s)) for s in scenarios)])
    number = doc.tables + 1
    doc.figure(
        charts.forecast_chart(fc),
        "Spend a year: the median scenario by band (bars), the ceiling and lowest scenarios "
        "and the previous rates (lines).",
        number,
        tables=2,
    )
    doc.table(
        TableSpec(
            "Spend per financial year under each scenario",
            ["Year", "Previous rates", "Ceiling", "Median", "Lowest"],
            rows,
            [2.4, 3.55, 3.55, 3.55, 3.55],
            right=range(1, 5),
            bold_last=True,
        )
    )
    bands = [b for b in fc.bands if any(fc.band_amount(MEDIAN, y, b) for y in range(len(fc.years)))]
    rows = [
        [year, *(pounds(fc.band_amount(MEDIAN, y, b)) for b in bands)]
        for y, year in enumerate(fc.years)
    ]
    doc.table(
        TableSpec(
            "The median scenario by band (the bars of the figure)",
            ["Year", *bands],
            rows,
            [1.9, *([14.6 / max(len(bands), 1)] * len(bands))],
            right=range(1, len(bands) + 1),
            size=8,
        )
    )


def _against_targets(doc: WordDocument, fc: Forecast) -> None:
    a = fc.assumptions
    doc.subheading("Against the approved figures")
    rows = []
    if fc.targets is not None:
        tg = fc.targets
        rows.append(
            [
                "Annual spend, first year",
                pounds(tg.annual_spend),
                *(pounds(fc.total(s, 0)) for s in SCENARIOS),
            ]
        )
        rows.append(
            [
                f"Spend over {a.years} years",
                pounds(tg.five_year_value),
                *(pounds(fc.total(s)) for s in SCENARIOS),
            ]
        )
        rows.append(
            [
                f"Saving against the previous rates over {a.years} years",
                pounds(tg.savings_five_years),
                *(pounds(fc.saving(s)) for s in SCENARIOS),
            ]
        )
        doc.table(
            TableSpec(
                "The forecast beside the figures the framework was approved on (paragraphs 10–12)",
                [
                    "",
                    "Approved",
                    *(
                        SCENARIO_TITLES[s].replace("Every placement at the", "At the")
                        for s in SCENARIOS
                    ),
                ],
                rows,
                [4.6, 3.0, 3.0, 3.0, 3.0],
                right=range(1, 5),
            )
        )
    doc.para(forecast_sentence(fc), bold=True)
