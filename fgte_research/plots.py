"""Figures: one style, Swedish labels and decimal comma, colour-blind-safe, readable in grey print.

The municipality is always a solid black line with filled circles; references differ by line style AND
marker, not only by colour, so a grey printout still separates them. Captions follow the sources' terms.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg") if matplotlib.get_backend().lower() in ("", "agg") else None
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import seaborn as sns  # noqa: E402

from . import breaks, catalogue  # noqa: E402
from .text_sv import fmt_num  # noqa: E402

PALETTE = sns.color_palette("colorblind")
REFERENCE_STYLE = {
    "riket": dict(color=PALETTE[0], linestyle="--", marker="s"),
    "lan": dict(color=PALETTE[1], linestyle="-.", marker="^"),
    "fgte": dict(color=PALETTE[2], linestyle=":", marker="D"),
    "liknande": dict(color=PALETTE[4], linestyle=(0, (5, 1, 1, 1, 1, 1)), marker="v"),
}
OWN_STYLE = dict(color="black", linestyle="-", marker="o", linewidth=2.2, markersize=5, zorder=5)
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]


def apply_style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE,
                  rc={"figure.dpi": 100, "savefig.dpi": 150, "axes.spines.top": False, "axes.spines.right": False,
                      "figure.facecolor": "white", "axes.facecolor": "white", "font.size": 10})


def decimal_comma(ax, decimals: int | None = None) -> None:
    def fmt(x, _pos):
        d = decimals if decimals is not None else (0 if abs(x) >= 100 or float(x).is_integer() else 1)
        return fmt_num(x, d)

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(fmt))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))


def caption(fig, text: str) -> None:
    fig.text(0.01, -0.02, text, ha="left", va="top", fontsize=8, color="#333333")


def _mark_breaks(ax, series_id: str, years: list[int]) -> None:
    for b in breaks.comparability_breaks(series_id):
        if years and b.crossed_by(min(years), max(years)):
            x = (b.before + b.after) / 2
            ax.axvline(x, color="#555555", linestyle=(0, (1, 2)), linewidth=1)
            ax.text(x, 0.98, " seriebrott", transform=ax.get_xaxis_transform(), fontsize=7, va="top",
                    color="#333333")


def plot_progression(result, ax=None, show_references: bool = True):
    """One panel per headline series: the municipality, its references, breaks and 'saknas' years."""
    apply_style()
    parts = result.parts
    if not parts:
        fig, ax = plt.subplots(figsize=(6, 1.4)) if ax is None else (ax.figure, ax)
        ax.axis("off")
        ax.text(0, 0.5, f"{result.indicator.title_sv}: saknas.\n{result.indicator.missing_reason}", fontsize=9,
                va="center", wrap=True)
        return fig
    if ax is None:
        fig, axes = plt.subplots(1, len(parts), figsize=(6.2 * len(parts), 3.6), squeeze=False)
        axes = list(axes[0])
    else:
        fig, axes = ax.figure, [ax] * len(parts)
    for a, part in zip(axes, parts):
        meta = part.meta
        own = part.own
        if show_references:
            for (key, label), grp in part.references.groupby(["reference", "label"], sort=False):
                a.plot(grp["year"], grp["value"], label=label, linewidth=1.3, markersize=4,
                       **REFERENCE_STYLE.get(key, {}))
        a.plot(own["year"], own["value"], label=result.municipality_name, **OWN_STYLE)
        missing = own[own["value"].isna()]
        for year in missing["year"]:
            a.text(year, 0.02, "saknas", rotation=90, transform=a.get_xaxis_transform(), fontsize=7,
                   ha="center", va="bottom", color="#555555")
        _mark_breaks(a, part.series_id, [int(y) for y in own.dropna(subset=["value"])["year"]])
        a.set_title(meta.title_sv, fontsize=10)
        a.set_xlabel("År (vårtermin)")
        a.set_ylabel(meta.unit)
        decimal_comma(a)
        a.legend(fontsize=7, frameon=False, loc="best")
    captions = sorted({p.meta.caption for p in parts})
    caption(fig, " · ".join(captions) + ". Referenser är sammanhang, inte rangordning.")
    fig.tight_layout()
    return fig


def plot_regional(result, ax=None):
    """Every municipality of the set (distinct line style and marker), the set's aggregate and riket."""
    apply_style()
    fig, ax = plt.subplots(figsize=(7.5, 4)) if ax is None else (ax.figure, ax)
    for i, r in enumerate(result.results):
        own = r.parts[0].own if r.parts else None
        if own is None:
            continue
        ax.plot(own["year"], own["value"], label=r.municipality_name, marker=_MARKERS[i % len(_MARKERS)],
                linestyle=_LINESTYLES[i % len(_LINESTYLES)], color=PALETTE[i % len(PALETTE)], linewidth=1.3,
                markersize=4)
    agg = result.aggregate
    ax.plot(agg["year"], agg["value"], color="black", linewidth=2.6, label="Kommungruppen (aggregat)")
    nat = result.national
    ax.plot(nat["year"], nat["value"], color="#555555", linestyle="--", linewidth=1.6, label="Riket")
    ax.set_title(result.indicator.title_sv, fontsize=10)
    ax.set_xlabel("År (vårtermin)")
    ax.set_ylabel(result.indicator.unit)
    decimal_comma(ax)
    ax.legend(fontsize=7, frameon=False, ncol=2)
    sid = result.indicator.headline[0]
    caption(fig, f"{catalogue.series(sid).caption}. Aggregat: {agg['method'].dropna().iloc[-1] if len(agg) else ''}."
            " Ingen rangordning: kommunerna visas i kodordning.")
    fig.tight_layout()
    return fig


def indicator_grid(municipality, indicators=None, ncols: int = 3, panel=None, references=("riket", "lan"),
                   results: dict | None = None):
    """Small multiples of the indicators' first headline series for one municipality.

    ``results`` (indicator id → ProgressionResult, e.g. from report.annual_results) avoids recomputing.
    """
    from .progression import progression

    apply_style()
    inds = [catalogue.indicator(i) for i in indicators] if indicators else list(catalogue.INDICATORS)
    nrows = -(-len(inds) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.9 * nrows), squeeze=False)
    for a, ind in zip(axes.flat, inds):
        if not ind.available:
            a.axis("off")
            a.text(0.0, 0.5, f"{ind.number}. {ind.title_sv}\nsaknas: ingen kommunal serie i datan", fontsize=8,
                   va="center", wrap=True)
            continue
        res = (results[ind.id] if results and ind.id in results
               else progression(municipality, ind.id, series=ind.headline[0], references=references, panel=panel))
        part = res.parts[0]
        shown = part.references[part.references["reference"].isin(references)]
        for (key, label), grp in shown.groupby(["reference", "label"], sort=False):
            a.plot(grp["year"], grp["value"], label=label, linewidth=1.1, markersize=3, **REFERENCE_STYLE.get(key, {}))
        a.plot(part.own["year"], part.own["value"], label=res.municipality_name,
               **{**OWN_STYLE, "markersize": 3.5, "linewidth": 1.8})
        _mark_breaks(a, part.series_id, [int(y) for y in part.own.dropna(subset=["value"])["year"]])
        if part.own["value"].isna().all():
            a.text(0.5, 0.5, "saknas", transform=a.transAxes, ha="center", fontsize=9, color="#555555")
        title = f"{ind.number}. {ind.title_sv}"
        if len(ind.headline) > 1:  # e.g. åk 3: only the first subject fits the panel; say which one it is
            title += f"\n({part.meta.title_sv})"
        a.set_title(title, fontsize=8, wrap=True)
        a.tick_params(labelsize=7)
        decimal_comma(a)
    for a in axes.flat[len(inds):]:
        a.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels() if inds and inds[0].available else ([], [])
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False,
                   bbox_to_anchor=(0.5, 0.018))
    # Caption and legend inside the figure and a fixed layout: the grid needs neither tight_layout nor a
    # tight bounding box when saved (together ~2 s per report for 15 panels), see show().
    fig.text(0.01, 0.004, "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning. Åk 9-serierna: "
             "kommunala skolor; se datanoterna för populationer och seriebrott.", ha="left", va="bottom",
             fontsize=8, color="#333333")
    fig.subplots_adjust(left=0.05, right=0.98, top=0.96, bottom=0.075, wspace=0.22, hspace=0.62)
    return fig


def show(fig, tight: bool = True) -> None:
    """Display a figure in a notebook as PNG and close it.

    ``tight=False`` skips the tight bounding box (for figures whose captions lie inside, like
    indicator_grid), which saves a full extra layout pass on large figures.
    """
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight" if tight else None)
    plt.close(fig)
    display(Image(buf.getvalue()))
