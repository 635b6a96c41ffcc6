"""The spend forecast of the award report: what the placements of today's people would cost
under the new framework's prices, year by year, against the outgoing framework's rates and the
targets the framework was approved on (Cabinet report paras 10-12).

Pure and exact: every amount is a ``Decimal``; a (year, band, scenario) amount is
``people x hours per week x 52 x hourly rate``, with growth (people) and uplift (rates)
compounding from the second year, rounded half up to the penny; totals add the rounded
amounts. A session band's hourly rate is its session price / session hours, half up to the
penny (as on the shortlist's ``Rate card``, para 45: "hourly rates will be pro-rata of the day
rate").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .tender import Targets, Tender

PENNY = Decimal("0.01")
WEEKS = 52
HUNDRED = Decimal(100)

CEILING, MEDIAN, LOWEST, PREVIOUS = "ceiling", "median", "lowest", "previous"
SCENARIOS = (CEILING, MEDIAN, LOWEST)
SCENARIO_TITLES = {
    CEILING: "Every placement at the ceiling",
    MEDIAN: "At the median admitted price",
    LOWEST: "At the lowest admitted price",
    PREVIOUS: "At the previous framework's rates",
}


@dataclass(frozen=True)
class UtilisationLine:
    band: str
    people: int
    hours: Decimal  # per person per week
    previous_rate: Decimal  # £ per hour paid under the outgoing framework


@dataclass(frozen=True)
class Assumptions:
    first_year: int  # the financial year starting in April of this year (2026: 2026/27)
    years: int
    growth_pct: Decimal
    uplift_pct: Decimal
    notes: tuple[str, ...] = ()  # the workbook's Note / Source items, shown in the report


@dataclass(frozen=True)
class Utilisation:
    file: str
    lines: tuple[UtilisationLine, ...]
    assumptions: Assumptions


@dataclass(frozen=True)
class Rates:
    """Hourly rates of one band under each scenario, and where a scenario fell back."""

    band: str
    hourly: Mapping[str, Decimal]  # scenario (and "previous") -> £ per hour
    note: str = ""


@dataclass(frozen=True)
class Forecast:
    assumptions: Assumptions
    rates: tuple[Rates, ...]
    years: tuple[str, ...]  # "2026/27", ...
    # (scenario, year index, band) -> £, scenario including "previous"
    amounts: Mapping[tuple[str, int, str], Decimal]
    targets: Targets | None
    lines: tuple[UtilisationLine, ...] = ()

    def total(self, scenario: str, year: int | None = None) -> Decimal:
        """One year's total of a scenario, or every year's when ``year`` is None."""
        return sum(
            (
                v
                for (s, y, _), v in self.amounts.items()
                if s == scenario and (year is None or y == year)
            ),
            Decimal(0),
        )

    def band_amount(self, scenario: str, year: int, band: str) -> Decimal:
        return self.amounts.get((scenario, year, band), Decimal(0))

    def saving(self, scenario: str) -> Decimal:
        """The cumulative difference against the previous rates (positive: a saving)."""
        return self.total(PREVIOUS) - self.total(scenario)

    def meeting_target(self) -> tuple[str, ...]:
        if self.targets is None:
            return ()
        return tuple(s for s in SCENARIOS if self.saving(s) >= self.targets.savings_five_years)

    @property
    def bands(self) -> tuple[str, ...]:
        return tuple(r.band for r in self.rates)


def financial_year(day: dt.date) -> int:
    """The financial year (April to March) ``day`` falls in, by its first calendar year."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(first: int) -> str:
    return f"{first}/{(first + 1) % 100:02d}"


def default_years(tender: Tender) -> int:
    """The initial term in whole years plus the optional extension (3 + 2 = 5)."""
    days = (tender.framework_end - tender.framework_start).days + 1
    return max(round(days / 365.25), 1) + tender.extension_years


def hourly(price: Decimal, unit: str, session_hours: int) -> Decimal:
    if unit == "session":
        return (price / Decimal(session_hours)).quantize(PENNY, ROUND_HALF_UP)
    return price


def median(values: Sequence[Decimal]) -> Decimal | None:
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def band_rates(tender: Tender, line: UtilisationLine, admitted: Sequence[Decimal]) -> Rates:
    """The hourly rate of each scenario for one band; ``admitted`` are the members' prices."""
    band = tender.band(line.band)
    middle, low = median(admitted), min(admitted, default=None)
    note = ""
    if middle is not None:  # a price is in whole pence: the median of two is rounded half up
        middle = middle.quantize(PENNY, ROUND_HALF_UP)
    if middle is None or low is None:
        note = f"no admitted price for {band.name}: its median and lowest scenarios use the ceiling"
        middle = low = band.ceiling
    return Rates(
        band.name,
        {
            CEILING: hourly(band.ceiling, band.unit, tender.session_hours),
            MEDIAN: hourly(middle, band.unit, tender.session_hours),
            LOWEST: hourly(low, band.unit, tender.session_hours),
            PREVIOUS: line.previous_rate,
        },
        note,
    )


def forecast(
    tender: Tender, utilisation: Utilisation, admitted: Mapping[str, Sequence[Decimal]]
) -> Forecast:
    """``admitted``: band -> the prices of the framework's members for that band."""
    a = utilisation.assumptions
    growth = 1 + a.growth_pct / HUNDRED
    uplift = 1 + a.uplift_pct / HUNDRED
    rates = tuple(
        band_rates(tender, line, admitted.get(line.band, ())) for line in utilisation.lines
    )
    amounts: dict[tuple[str, int, str], Decimal] = {}
    for year in range(a.years):
        people_factor, rate_factor = growth**year, uplift**year
        for line, rate in zip(utilisation.lines, rates, strict=True):
            hours = line.people * line.hours * WEEKS * people_factor
            for scenario in (*SCENARIOS, PREVIOUS):
                amount = hours * rate.hourly[scenario] * rate_factor
                amounts[(scenario, year, line.band)] = amount.quantize(PENNY, ROUND_HALF_UP)
    years = tuple(year_label(a.first_year + y) for y in range(a.years))
    return Forecast(a, rates, years, amounts, tender.targets, utilisation.lines)


def money(amount: Decimal) -> str:
    """£1,234.56, always with pence."""
    return f"{'-' if amount < 0 else ''}£{abs(amount):,.2f}"


def target_sentence(fc: Forecast) -> str:
    """One sentence: which scenarios meet the savings target."""
    if fc.targets is None:
        return "The tender definition sets no savings target ([targets] section)."
    target = money(fc.targets.savings_five_years)
    span = f"over {fc.assumptions.years} years" if fc.assumptions.years != 5 else "over five years"
    meeting = [SCENARIO_TITLES[s].lower() for s in fc.meeting_target()]
    if not meeting:
        best = max(SCENARIOS, key=fc.saving)
        return (
            f"No scenario meets the savings target of {target} {span}: the largest saving, "
            f"{_signed(fc.saving(best))}, is {SCENARIO_TITLES[best].lower()}."
        )
    if len(meeting) == len(SCENARIOS):
        return (
            f"Every scenario meets the savings target of {target} {span}, even with every "
            f"placement at the ceiling ({_signed(fc.saving(CEILING))})."
        )
    return (
        f"The savings target of {target} {span} is met {_join(meeting)}, not "
        f"{_join([SCENARIO_TITLES[s].lower() for s in SCENARIOS if s not in fc.meeting_target()])}."
    )


def _signed(amount: Decimal) -> str:
    return f"a saving of {money(amount)}" if amount >= 0 else f"a cost of {money(-amount)} more"


def _join(items: Sequence[str]) -> str:
    items = [
        i.replace("every placement at the ceiling", "with every placement at the ceiling")
        for i in items
    ]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
