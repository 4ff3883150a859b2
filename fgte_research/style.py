"""Figure style shared by every result's plot(): one look, Swedish labels and decimal comma, readable in grey print.

The municipality is always a solid black line with filled circles; references differ by line style AND marker,
not only by colour, so a grey printout still separates them. This module only styles axes it is given; it knows
no analysis (analysis results draw themselves with it; presentation composes their figures).
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import matplotlib.pyplot as plt  # noqa: E402,F401  (re-exported for the results' plot methods)
import matplotlib.ticker as mticker  # noqa: E402
import seaborn as sns  # noqa: E402

from . import breaks  # noqa: E402
from .text_sv import fmt_num  # noqa: E402

PALETTE = sns.color_palette("colorblind")
REFERENCE_STYLE = {
    "riket": dict(color=PALETTE[0], linestyle="--", marker="s"),
    "lan": dict(color=PALETTE[1], linestyle="-.", marker="^"),
    "fgte": dict(color=PALETTE[2], linestyle=":", marker="D"),
    "liknande": dict(color=PALETTE[4], linestyle=(0, (5, 1, 1, 1, 1, 1)), marker="v"),
}
OWN_STYLE = dict(color="black", linestyle="-", marker="o", linewidth=2.2, markersize=5, zorder=5)
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]


def apply_style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE,
                  rc={"figure.dpi": 100, "savefig.dpi": 150, "axes.spines.top": False, "axes.spines.right": False,
                      "figure.facecolor": "white", "axes.facecolor": "white", "font.size": 10})


def new_figure(ax=None, figsize=(6.5, 3.6)):
    """(fig, ax): a new styled figure, or the figure of the given Axes."""
    apply_style()
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


class SwedishTicks(mticker.Formatter):
    """Decimal comma with as many decimals as the tick spacing needs: 222,5 stays 222,5 (never "222")."""

    def __init__(self, decimals: int | None = None):
        self.decimals = decimals

    def __call__(self, x, pos=None):
        return fmt_num(x, self.decimals if self.decimals is not None else self._needed())

    def format_ticks(self, values):
        """All tick labels of one draw with one decimals count (worked out once, not once per label)."""
        self.set_locs(values)
        decimals = self.decimals if self.decimals is not None else self._needed(values)
        return [fmt_num(v, decimals) for v in values]

    def _needed(self, ticks=None) -> int:
        if ticks is None:
            ticks = self.axis.get_majorticklocs() if self.axis is not None else []
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (-1e12, 1e12)
        locs = [v for v in ticks if min(lo, hi) - 1e-9 <= v <= max(lo, hi) + 1e-9]
        steps = [abs(b - a) for a, b in zip(locs, locs[1:]) if b != a]
        if not steps:
            return 0 if all(float(v).is_integer() for v in locs) else 1
        step = min(steps)
        for d in range(0, 4):
            if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in locs) and step * 10 ** d >= 0.999:
                return d
        return 3


def decimal_comma(ax, decimals: int | None = None) -> None:
    ax.yaxis.set_major_formatter(SwedishTicks(decimals))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))


def caption(fig, text: str, width: int | None = None) -> None:
    """Source caption under the figure (wrapped to ``width`` characters when given)."""
    if width:
        text = "\n".join(textwrap.wrap(text, width))
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="#333333")


def mark_breaks(ax, series_id: str, years: list[int]) -> None:
    """A dotted vertical line at every registered definition break inside the years shown."""
    for b in breaks.comparability_breaks(series_id):
        if years and b.crossed_by(min(years), max(years)):
            x = (b.before + b.after) / 2
            ax.axvline(x, color="#555555", linestyle=(0, (1, 2)), linewidth=1)
            ax.text(x, 0.98, " seriebrott", transform=ax.get_xaxis_transform(), fontsize=7, va="top",
                    color="#333333")


def mark_missing(ax, years, word: str = "saknas") -> None:
    for year in years:
        ax.text(year, 0.02, word, rotation=90, transform=ax.get_xaxis_transform(), fontsize=7,
                ha="center", va="bottom", color="#555555")


def year_axes(ax, first_year: int, last_year: int, missing_years, title: str, ylabel: str) -> None:
    """Common layout of the per-year figures: 'saknas' at years without a value, Swedish labels, decimal comma."""
    mark_missing(ax, missing_years)
    ax.set_xlim(first_year - 0.6, last_year + 0.6)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("År (vårtermin)")
    ax.set_ylabel(ylabel)
    decimal_comma(ax)
    ax.legend(fontsize=7, frameon=False, loc="best")


def with_gaps(years, values):
    """Every year from the first to the last, missing ones as NaN: a line breaks where a year has no value
    (e.g. no national tests 2020–2021) instead of drawing a straight line that looks like data."""
    import pandas as pd

    series = pd.Series(list(values), index=[int(y) for y in years], dtype=float)
    series = series[~series.index.duplicated()].sort_index()
    if series.empty:
        return [], []
    full = series.reindex(range(int(series.index.min()), int(series.index.max()) + 1))
    return list(full.index), list(full.to_numpy())
