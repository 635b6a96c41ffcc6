"""The award report's charts, drawn with matplotlib (Agg: no display needed) as PNG bytes.

Imported only by ``report``: matplotlib takes a moment to load, and no other command needs
it. Every chart is sized for the A4 text width (16.6 cm) and its figures are also given in a
table of the report, so nothing depends on the picture alone.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..forecast import Forecast
    from ..report_model import BandPrices, Coverage

WIDTH_IN = 6.4  # inches: the text width of an A4 page with 2.2 cm margins, a little less
DPI = 200
LOT_COLOURS = ("#1F4E79", "#C55A11", "#548235", "#7030A0")
BAND_COLOURS = (
    "#1F4E79",
    "#2E75B6",
    "#9DC3E6",
    "#548235",
    "#A9D18E",
    "#C55A11",
    "#F4B183",
    "#7F7F7F",
)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buffer.getvalue()


def _pounds_axis(value: float, _pos: object = None) -> str:
    if abs(value) >= 1_000_000:
        return f"£{value / 1_000_000:,.1f}m"
    if abs(value) >= 1_000:
        return f"£{value / 1_000:,.0f}k"
    return f"£{value:,.0f}"


def reasons_chart(
    labels: Sequence[str], lots: Sequence[str], counts: Sequence[Sequence[int]]
) -> bytes:
    """Horizontal stacked bars: for each reason (plain words), how many non-admitted outcomes
    it decided in each lot. ``counts[i][j]``: reason i, lot j."""
    plt = _pyplot()
    height = 0.9 + 0.32 * len(labels)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    positions = list(range(len(labels)))[::-1]
    left = [0] * len(labels)
    for j, lot in enumerate(lots):
        values = [row[j] for row in counts]
        ax.barh(
            positions,
            values,
            left=left,
            color=LOT_COLOURS[j % len(LOT_COLOURS)],
            label=lot,
            height=0.6,
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, total in zip(positions, left, strict=True):
        ax.text(total + 0.05, y, str(total), va="center", fontsize=8)
    ax.set_yticks(positions, [textwrap.fill(label, 42) for label in labels])
    ax.set_xlabel("Outcomes decided by the reason (a bid may have several reasons)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(left, default=1) * 1.12 + 0.5)
    ax.legend(loc="lower right", frameon=False)
    return _png(fig)


def price_chart(lot: str, bands: Sequence[BandPrices]) -> bytes:
    """Each admitted price as a point between its band's floor (0%) and ceiling (100%), the
    median as a diamond, the floor and ceiling in £ at the ends of each band's line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.8 + 0.55 * len(bands)))
    ys = list(range(len(bands)))[::-1]
    for y, band in zip(ys, bands, strict=True):
        span = band.ceiling - band.floor

        def position(price: Decimal, band: BandPrices = band, span: Decimal = span) -> float:
            return 50.0 if span == 0 else float((price - band.floor) / span * 100)

        ax.plot([0, 100], [y, y], color="#BFBFBF", linewidth=6, solid_capstyle="butt", zorder=1)
        seen: dict[Decimal, int] = {}
        xs, offsets = [], []
        for price in band.prices:
            n = seen.get(price, 0)
            seen[price] = n + 1
            xs.append(position(price))
            offsets.append(y + (0.12 * ((n + 1) // 2) * (1 if n % 2 else -1) if n else 0))
        ax.scatter(
            xs,
            offsets,
            s=22,
            color=LOT_COLOURS[0],
            zorder=3,
            label="Admitted price" if y == ys[0] else None,
        )
        if band.median is not None:
            ax.scatter(
                [position(band.median)],
                [y],
                marker="D",
                s=70,
                facecolors="none",
                edgecolors="#C00000",
                linewidths=1.6,
                zorder=4,
                label="Median" if y == ys[0] else None,
            )
        ax.text(-2, y, f"£{band.floor:,.2f}", ha="right", va="center", fontsize=8)
        ax.text(102, y, f"£{band.ceiling:,.2f}", ha="left", va="center", fontsize=8)
    ax.set_yticks(ys, [b.band for b in bands])
    ax.tick_params(axis="y", pad=46)
    ax.set_xlim(-2, 102)
    ax.set_ylim(-0.7, len(bands) - 0.3)
    ax.set_xticks([0, 25, 50, 75, 100], ["floor", "25%", "50%", "75%", "ceiling"])
    ax.set_xlabel(f"{lot}: position of each admitted price between the band's floor and ceiling")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return _png(fig)


def coverage_heatmap(coverage: Coverage, short_needs: Sequence[str], lot: str) -> bytes:
    """A heat map of districts x support needs for one lot (``Day Services``: admitted
    services; otherwise Personal Assistants providers); none in red, one in amber (gaps), two
    or more in greens."""
    plt = _pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap

    cmap = ListedColormap(["#F8696B", "#FFD966", "#C6E0B4", "#A9D08E", "#70AD47"])
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 4.5, 10_000], cmap.N)
    districts = coverage.districts
    counts = coverage.services if lot == "Day Services" else coverage.pa_providers
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.3 + 0.4 * len(districts)))
    grid = [[counts.get((d, n), 0) for n in coverage.needs] for d in districts]
    ax.imshow(grid, cmap=cmap, norm=norm, aspect="auto")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold" if value <= 1 else "normal",
            )
    ax.set_xticks(range(len(short_needs)), [textwrap.fill(n, 14) for n in short_needs], fontsize=8)
    ax.set_yticks(range(len(districts)), [textwrap.fill(d, 22) for d in districts], fontsize=8)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("Red: none; amber: only one (both are gaps); green: two or more.", fontsize=8)
    return _png(fig)


def forecast_chart(fc: Forecast) -> bytes:
    """Spend per year: the median scenario stacked by band, the ceiling and lowest scenarios and
    the previous rates as lines."""
    from ..forecast import CEILING, LOWEST, MEDIAN, PREVIOUS, SCENARIO_TITLES

    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.6))
    xs = list(range(len(fc.years)))
    bottom = [0.0] * len(xs)
    for k, band in enumerate(fc.bands):
        values = [float(fc.band_amount(MEDIAN, y, band)) for y in xs]
        if not any(values):
            continue
        ax.bar(
            xs,
            values,
            bottom=bottom,
            width=0.6,
            color=BAND_COLOURS[k % len(BAND_COLOURS)],
            label=f"{band} (median)",
        )
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    for scenario, style, colour in (
        (CEILING, "-", "#C00000"),
        (LOWEST, "-", "#00B050"),
        (PREVIOUS, "--", "#404040"),
    ):
        ax.plot(
            xs,
            [float(fc.total(scenario, y)) for y in xs],
            style,
            color=colour,
            marker="o",
            linewidth=1.8,
            label=SCENARIO_TITLES[scenario],
        )
    ax.set_xticks(xs, list(fc.years))
    ax.yaxis.set_major_formatter(FuncFormatter(_pounds_axis))
    ax.set_ylabel("Spend a year")
    ax.set_ylim(
        0, max([*bottom, *(float(fc.total(s, y)) for s in (CEILING, PREVIOUS) for y in xs)]) * 1.12
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=7.5, frameon=False)
    return _png(fig)
