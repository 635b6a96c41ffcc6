"""Framework-level figures computed from the members: the rate card, hourly rates, medians.

Pure functions over :class:`~clc_tender.results.Member` and the tender definition, shared by
the shortlist writer, ``place``, ``uplift`` and ``report``; no workbook is touched here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .results import Member
from .tender import Band, Tender

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class RateRow:
    """A row of the ``Rate card``: a member's price for a band and its rank in the band."""

    band: str
    rank: int
    organisation: str
    provider_id: str
    price: Decimal
    hourly: Decimal
    conditions: str = ""


def hourly_rate(price: Decimal, band: Band, session_hours: int) -> Decimal:
    """The hourly rate of a band's price: a session price ÷ session hours, half up to the penny."""
    if band.unit == "session":
        return (price / Decimal(session_hours)).quantize(PENNY, ROUND_HALF_UP)
    return price


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median, exact: the lower and upper medians averaged when the count is even."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    if n % 2:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def competition_ranks(keys: Sequence[object]) -> list[int]:
    """Ranks of already-sorted keys where equal keys share a rank (1, 1, 3)."""
    ranks: list[int] = []
    rank, previous = 0, object()
    for index, key in enumerate(keys, start=1):
        if key != previous:
            rank, previous = index, key
        ranks.append(rank)
    return ranks


def rate_card(members: Iterable[Member], tender: Tender) -> list[RateRow]:
    """Per band (tender order), the members of the band's lot that priced it, cheapest first.

    Ties share a rank (competition ranking 1, 1, 3) and are ordered by organisation.
    """
    members = list(members)
    rows: list[RateRow] = []
    for band in tender.bands:
        priced = [
            (m.prices[band.name], m)
            for m in members
            if m.lot == band.lot and m.prices.get(band.name) is not None
        ]
        priced.sort(
            key=lambda pm: (
                pm[0],
                pm[1].organisation.casefold(),
                pm[1].organisation,
                pm[1].provider_id,
            )
        )
        ranks = competition_ranks([price for price, _ in priced])
        rows += [
            RateRow(
                band.name,
                rank,
                member.organisation,
                member.provider_id,
                price,
                hourly_rate(price, band, tender.session_hours),
                member.conditions,
            )
            for rank, (price, member) in zip(ranks, priced, strict=True)
        ]
    return rows


def extra_bands(prices: Iterable[dict[str, Decimal]], known: Sequence[str]) -> list[str]:
    """Bands priced by a member but not in this tender (an earlier round's definition)."""
    seen = set(known)
    extra: list[str] = []
    for p in prices:
        for name in p:
            if name not in seen:
                seen.add(name)
                extra.append(name)
    return extra


@dataclass(frozen=True)
class BandPrices:
    """A row of the ``Prices`` sheet: the valid prices bid for a band this round."""

    band: Band
    count: int
    low: Decimal | None
    median: Decimal | None
    high: Decimal | None
    outside: int
    values: tuple[Decimal, ...]


def band_prices(prices: Iterable[tuple[str, Decimal]], tender: Tender) -> list[BandPrices]:
    """Per band of the tender, the statistics of ``(band, price)`` pairs."""
    by_band: dict[str, list[Decimal]] = {}
    for name, price in prices:
        by_band.setdefault(name, []).append(price)
    rows = []
    for band in tender.bands:
        values = by_band.get(band.name, [])
        outside = sum(1 for v in values if v < band.floor or v > band.ceiling)
        rows.append(
            BandPrices(
                band,
                len(values),
                min(values, default=None),
                median(values),
                max(values, default=None),
                outside,
                tuple(values),
            )
        )
    return rows
