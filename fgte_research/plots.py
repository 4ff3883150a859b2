"""Presentation figures drawn from analysis results: one indicator's small figure, and showing a figure compactly.

Each analysis result draws itself (``result.plot()`` returns a Figure); this module only arranges results it is
given and never computes one. The shared look lives in :mod:`fgte_research.style` (re-exported here).
"""

from __future__ import annotations

import contextlib

from .style import (  # noqa: F401  (re-exported: notebooks call plots.apply_style())
    OWN_STYLE,
    PALETTE,
    REFERENCE_STYLE,
    apply_style,
    caption,
    decimal_comma,
    mark_breaks,
    plt,
    with_gaps,
)


def _draw_lines(ax, result, references) -> None:
    """The municipality (solid black) and the chosen references of a result's first series, with breaks marked."""
    part = result.parts[0]
    shown = part.references[part.references["reference"].isin(references)]
    for (key, label), grp in shown.groupby(["reference", "label"], sort=False):
        x, y = with_gaps(grp["year"], grp["value"])
        ax.plot(x, y, label=label, linewidth=1.2, markersize=3.5, **REFERENCE_STYLE.get(key, {}))
    x, y = with_gaps(part.own["year"], part.own["value"])
    ax.plot(x, y, label=result.municipality_name, **{**OWN_STYLE, "markersize": 4, "linewidth": 2.0})
    mark_breaks(ax, part.series_id, [int(y) for y in part.own.dropna(subset=["value"])["year"]])


def show(fig, alt: str | None = None, tight: bool = True) -> None:
    """Display a figure in a notebook as a compact PNG and close it; with ``alt`` as an <img> with that alt text.

    ``tight=False`` skips the tight bounding box (for figures whose captions lie inside), which saves a full
    extra layout pass on large figures.
    """
    from html import escape

    from IPython.display import HTML, display

    uri = figure_data_uri(fig, bbox_inches="tight" if tight else None)
    text = alt or "Diagram (beskrivningen står i texten ovanför)."
    display(HTML(f'<img class="fgte-fig-wide" src="{uri}" alt="{escape(text)}">'))


def indicator_figure(result, references=("riket", "lan"), figsize=(4.2, 2.5)):
    """One small figure for one indicator (its first headline series): the municipality against riket and the
    county, legend on top, the unit on the y axis, Swedish tick labels. Draws only the result it is given."""
    apply_style()
    fig, ax = plt.subplots(figsize=figsize)
    _draw_indicator(fig, ax, result, references)
    return fig


def indicator_figure_uri(result, references=("riket", "lan"), figsize=(4.2, 2.5)) -> str:
    """:func:`indicator_figure` as a data: URI, drawn on a spare figure when one is free.

    A fresh figure's axes, spines and ticks cost about a third of a small figure's time (its first draw builds
    every tick, and a new canvas has an empty text-size cache). The annual report draws a dozen of these, so
    this path keeps one figure per size outside pyplot (an inline backend never shows it) and clears only what
    :func:`_draw_indicator` adds. The pixels are byte-identical to :func:`indicator_figure`'s
    (tests/test_plots_spare.py); a spare made under other rcParams is not reused.
    """
    import matplotlib as mpl

    apply_style()
    rc = dict(mpl.rcParams)
    spare = _SPARE.pop(figsize, None)  # popped: a figure is drawn on by one caller at a time
    if spare is not None and spare[1] == rc:
        fig, ax = spare[0], spare[0].axes[0]
        _clear_indicator(ax)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    _draw_indicator(fig, ax, result, references)
    uri = figure_data_uri(fig, close=False)
    _SPARE[figsize] = (fig, rc)
    return uri


#: figsize → (a spare indicator figure outside pyplot, the rcParams it was made under)
_SPARE: dict = {}


def _clear_indicator(ax) -> None:
    """Back to the state of fresh axes, for everything :func:`_draw_indicator` sets (it sets the rest anew)."""
    for artist in [*ax.lines, *ax.texts]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.set_prop_cycle(None)  # the colour cycle starts again, as on new axes
    ax.relim()  # also sets ignore_existing_data_limits, so the next lines set the limits anew


def _draw_indicator(fig, ax, result, references) -> None:
    part = result.parts[0]
    _draw_lines(ax, result, references)
    ax.set_ylabel(_unit_label(part.meta.unit), fontsize=8)
    ax.tick_params(labelsize=7)
    decimal_comma(ax)
    # few ticks: a small figure reads better with them, and every tick is a text to lay out and draw
    ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=5, integer=True))
    ax.yaxis.set_major_locator(plt.MaxNLocator(nbins=4))
    ax.legend(fontsize=7, frameon=False, ncol=3, loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.2)
    fig.subplots_adjust(left=0.16, right=0.98, top=0.84, bottom=0.12)


def _unit_label(unit: str) -> str:
    return {"andel (%)": "procent (%)", "meritvärde (poäng)": "poäng", "betygspoäng": "poäng"}.get(unit, unit)


@contextlib.contextmanager
def _without_idle_layout_engine(fig, bbox_inches):
    """Save without the extra layout draw that a finished one-off layout leaves behind.

    ``fig.tight_layout()`` (as the results' ``plot()`` methods end) leaves a placeholder layout engine, which
    lays out nothing; yet savefig runs a whole non-rendering draw first for any engine (only a tight box needs
    that draw). Detached while saving and put back afterwards: the same pixels in about a third less time
    (tests/test_plots_spare.py compares them).
    """
    import matplotlib as mpl
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    idle = (bbox_inches is None and isinstance(engine, PlaceHolderLayoutEngine)
            and not mpl.rcParams["figure.autolayout"] and not mpl.rcParams["figure.constrained_layout.use"])
    if idle:
        fig.set_layout_engine(None)  # with both rcParams off this sets no engine at all
    try:
        yield
    finally:
        if idle:
            fig.set_layout_engine(engine)


def figure_data_uri(fig, fmt: str = "png", dpi: int = 110, bbox_inches=None, close: bool = True) -> str:
    """The figure as a compact data: URI (closes the figure unless ``close=False``)."""
    import base64
    import io

    buf = io.BytesIO()
    # a PNG is re-encoded with a palette below, so without a tight box the pixels are taken raw: the same
    # image without an RGBA PNG written and read back (~10 ms of a figure's ~90 ms)
    raw = fmt == "png" and bbox_inches is None
    with _without_idle_layout_engine(fig, bbox_inches):
        fig.savefig(buf, format="raw" if raw else fmt, dpi=dpi, bbox_inches=bbox_inches)
    width, height = int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi)  # as Agg sizes its canvas
    if raw and len(buf.getvalue()) != width * height * 4:  # not the expected canvas: the ordinary PNG path
        raw, buf = False, io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches=bbox_inches)
    if close:
        plt.close(fig)
    data = buf.getvalue()
    if fmt == "png":  # a line chart needs few colours: a palette PNG is a third of the size (reports ≤ 600 KB)
        from PIL import Image

        image = (Image.frombuffer("RGBA", (width, height), data, "raw", "RGBA", 0, 1) if raw
                 else Image.open(io.BytesIO(data)))
        small = io.BytesIO()
        # the fast octree palette: a fifth of the median-cut time for the same size on these charts
        image.convert("RGB").quantize(colors=48, method=Image.Quantize.FASTOCTREE).save(small, format="PNG")
        data = small.getvalue()
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
