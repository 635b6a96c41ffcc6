"""The annual uplift (uplift.md): the NLW and CPI weighted by each band's staff share.

Pure and exact: every figure is a :class:`~decimal.Decimal`; the NLW change enters the formula
unrounded, the weighted percentage is rounded half up to two decimal places, and each new
price, floor and ceiling is the old one × (1 + uplift % ÷ 100), rounded half up to the penny.
A figure that cannot be right raises :class:`UpliftRefused` (one line; the CLI exits 2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import Refusal
from .findings import long_date
from .results import Member
from .tender import Band, Tender

PENNY = Decimal("0.01")
HUNDREDTH = Decimal("0.01")  # of a percent
HUNDRED = Decimal(100)
CPI_RANGE = (Decimal(-10), Decimal(30))  # % a year: outside it the figure is a typing error
PERCENT_RANGE = (Decimal(0), Decimal(30))  # a decided or capped uplift, and the NLW change


class UpliftRefused(Refusal):
    """The uplift cannot be applied as asked: one line, exit 2."""


@dataclass(frozen=True)
class Figures:
    """What the officer gave: the NLW (old and new, £ an hour) and CPI %, or the decided %."""

    nlw_old: Decimal | None = None
    nlw_new: Decimal | None = None
    cpi: Decimal | None = None
    decided: Decimal | None = None  # --uplift: the council's decided percentage (para 40)
    cap: Decimal | None = None  # --cap: the most the computed percentage may be

    @property
    def nlw_change(self) -> Decimal | None:
        """(new − old) ÷ old × 100, unrounded."""
        if self.nlw_old is None or self.nlw_new is None:
            return None
        return (self.nlw_new - self.nlw_old) / self.nlw_old * HUNDRED


@dataclass(frozen=True)
class BandUplift:
    band: str
    lot: str
    unit: str
    staff_share: Decimal | None  # None when the percentage was decided (--uplift)
    percent: Decimal
    old_floor: Decimal
    new_floor: Decimal
    old_ceiling: Decimal
    new_ceiling: Decimal


@dataclass(frozen=True)
class PriceChange:
    provider_id: str
    organisation: str
    lot: str
    band: str
    old: Decimal
    new: Decimal

    @property
    def change(self) -> Decimal:
        return self.new - self.old

    @property
    def change_pct(self) -> Decimal:
        return (self.change / self.old * HUNDRED).quantize(HUNDREDTH, ROUND_HALF_UP)


@dataclass(frozen=True)
class Uplift:
    effective: dt.date
    figures: Figures
    bands: tuple[BandUplift, ...]  # the tender's bands, in its order
    percent_of: dict[str, Decimal]  # every band priced or defined -> its uplift %
    changes: tuple[PriceChange, ...]  # (member, band priced), in the register's order
    members: tuple[Member, ...]  # the members with their uplifted prices

    @property
    def total_change(self) -> Decimal:
        return sum((c.change for c in self.changes), Decimal(0))

    def band(self, name: str) -> BandUplift:
        return next(b for b in self.bands if b.band == name)


# --- parsing the officer's figures --------------------------------------------------------------


def amount(option: str, text: str) -> Decimal:
    """A number as typed on the command line (``4.01``, ``3.8%``), exactly."""
    cleaned = text.strip().removesuffix("%").removeprefix("£").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UpliftRefused(f"{option} {text}: not a number") from None
    if not value.is_finite():
        raise UpliftRefused(f"{option} {text}: not a number")
    return value


def parse_nlw(text: str) -> tuple[Decimal, Decimal]:
    """``12.21:12.71``: the old and new National Living Wage, £ an hour."""
    old, sep, new = text.partition(":")
    if not sep:
        raise UpliftRefused(f"--nlw {text}: give the old and new rate as OLD:NEW, e.g. 12.21:12.71")
    return amount("--nlw", old), amount("--nlw", new)


def check_figures(figures: Figures) -> None:
    """Refuse a figure that is negative, absurd or missing (uplift.md, "Refusals")."""
    f = figures
    has_nlw = f.nlw_old is not None and f.nlw_new is not None
    if f.decided is None and not (has_nlw and f.cpi is not None):
        raise UpliftRefused(
            "give --nlw OLD:NEW and --cpi PCT, or the council's decided --uplift PCT"
        )
    if f.decided is not None and f.cap is not None:
        raise UpliftRefused(
            "--cap caps the computed uplift; it cannot be used with a decided --uplift"
        )
    if has_nlw:
        assert f.nlw_old is not None and f.nlw_new is not None
        for rate in (f.nlw_old, f.nlw_new):
            if rate <= 0 or rate != rate.quantize(PENNY):
                raise UpliftRefused(f"--nlw {rate}: a rate in pounds and whole pence above zero")
        change = f.nlw_change
        assert change is not None
        if f.nlw_new < f.nlw_old and f.decided is None:
            raise UpliftRefused(
                f"--nlw {f.nlw_old}:{f.nlw_new}: the new National Living Wage is below the old "
                "one; "
                "give the council's decided --uplift PCT if that is right"
            )
        if change > PERCENT_RANGE[1]:
            raise UpliftRefused(
                f"--nlw {f.nlw_old}:{f.nlw_new}: a rise of {_pct(change)}% is not plausible; "
                "check the rates"
            )
    if f.cpi is not None and not CPI_RANGE[0] <= f.cpi <= CPI_RANGE[1]:
        raise UpliftRefused(f"--cpi {f.cpi}: CPI must be between -10% and +30%")
    for option, value in (("--uplift", f.decided), ("--cap", f.cap)):
        if value is None:
            continue
        if not PERCENT_RANGE[0] <= value <= PERCENT_RANGE[1]:
            raise UpliftRefused(f"{option} {value}: an uplift must be between 0% and 30%")
        if value != value.quantize(HUNDREDTH):
            raise UpliftRefused(
                f"{option} {value}: give the percentage to at most two decimal places"
            )


def check_effective(effective: dt.date, earlier: Sequence[dt.date], register: str) -> None:
    """Refuse an uplift that was applied already, or that comes before the last one."""
    if effective in earlier:
        raise UpliftRefused(
            f"{register} is already uplifted with effective date {long_date(effective)}; "
            "give the register from before that uplift, or a later effective date"
        )
    if earlier and effective <= max(earlier):
        raise UpliftRefused(
            f"--effective {effective.isoformat()} is not after the last uplift of {register} "
            f"(effective {long_date(max(earlier))})"
        )


# --- the arithmetic -----------------------------------------------------------------------------


def weighted_percent(share: Decimal, nlw_change: Decimal, cpi: Decimal) -> Decimal:
    """w × NLW change % + (1 − w) × CPI %, rounded half up to two decimal places."""
    return (share * nlw_change + (1 - share) * cpi).quantize(HUNDREDTH, ROUND_HALF_UP)


def percent_for(figures: Figures, share: Decimal | None, band: str, source: str) -> Decimal:
    """The uplift % of one band: the decided one, else the weighted one (capped)."""
    if figures.decided is not None:
        return figures.decided
    if share is None:
        raise UpliftRefused(
            f"{source}: the tender definition has no staff share for {band} "
            "([uplift] staff_share); "
            "add one, or give the council's decided --uplift PCT"
        )
    assert figures.nlw_change is not None and figures.cpi is not None
    result = weighted_percent(share, figures.nlw_change, figures.cpi)
    if figures.cap is not None and result > figures.cap:
        return figures.cap
    return result


def uplifted(price: Decimal, percent: Decimal) -> Decimal:
    """price × (1 + percent ÷ 100), rounded half up to the penny."""
    return (price * (1 + percent / HUNDRED)).quantize(PENNY, ROUND_HALF_UP)


def plan(tender: Tender, members: Iterable[Member], figures: Figures, effective: dt.date) -> Uplift:
    """The uplift of every band's range and every member's prices."""
    check_figures(figures)
    members = tuple(members)
    bands: list[BandUplift] = []
    percent_of: dict[str, Decimal] = {}
    for band in tender.bands:
        share = None if figures.decided is not None else tender.staff_share_of(band)
        pct = percent_for(figures, share, band.name, tender.source)
        percent_of[band.name] = pct
        bands.append(_band(band, share, pct))
    changes: list[PriceChange] = []
    new_members: list[Member] = []
    for m in members:
        prices: dict[str, Decimal] = {}
        for name, old in m.prices.items():
            if name not in percent_of:  # priced in a band that this definition no longer has
                percent_of[name] = percent_for(figures, tender.staff_share, name, tender.source)
            prices[name] = uplifted(old, percent_of[name])
            changes.append(
                PriceChange(m.provider_id, m.organisation, m.lot, name, old, prices[name])
            )
        new_members.append(replace(m, prices=prices))
    return Uplift(effective, figures, tuple(bands), percent_of, tuple(changes), tuple(new_members))


def _band(band: Band, share: Decimal | None, pct: Decimal) -> BandUplift:
    return BandUplift(
        band.name,
        band.lot,
        band.unit,
        share,
        pct,
        band.floor,
        uplifted(band.floor, pct),
        band.ceiling,
        uplifted(band.ceiling, pct),
    )


def _pct(value: Decimal) -> str:
    return f"{value.quantize(HUNDREDTH, ROUND_HALF_UP)}"


def formula_text(figures: Figures) -> str:
    """How the percentages were reached, for the record's Summary."""
    if figures.decided is not None:
        return f"decided by the council (para 40): {figures.decided}% for every band"
    assert figures.nlw_change is not None
    text = (
        f"uplift % = w × NLW change % + (1 − w) × CPI % = w × {figures.nlw_change:.4f} + "
        f"(1 − w) × {figures.cpi}, rounded half up to 2 decimal places; w is each band's "
        "staff share (Bands sheet)"
    )
    if figures.cap is not None:
        text += f"; capped at {figures.cap}%"
    return text
