"""The annual report's indicator figures drawn on a spare figure are the fresh figure's pixels, byte for byte.

Real data: every indicator of municipalities of different sizes and data gaps (a break line, missing years, an
empty series), drawn in one sequence so any state a spare keeps from the previous figure would show.
"""

from __future__ import annotations

import matplotlib as mpl
import pytest

from fgte_research import annual, plots

CODES = ("1380", "0114", "2584", "1315", "0180")


def _results(code):
    return [r for r in annual.results_for(code, 2025, "grundskola").values() if r.parts]


def test_spare_figures_are_byte_identical_to_fresh_ones():
    plots.apply_style()
    compared = 0
    for code in CODES:
        for res in _results(code):
            fresh = plots.figure_data_uri(plots.indicator_figure(res))
            assert plots.indicator_figure_uri(res) == fresh, (code, res.title)
            compared += 1
    assert compared >= 50


def test_a_spare_is_not_reused_under_other_rcparams_and_never_reaches_pyplot():
    plots.apply_style()
    first, second = _results("1380")[:2]
    plots.indicator_figure_uri(first)  # leaves a spare made under the report's style
    spare = plots._SPARE[(4.2, 2.5)][0]
    open_before = plots.plt.get_fignums()
    with mpl.rc_context({"legend.handlelength": 4.0, "xtick.major.pad": 9.0}):  # apply_style leaves these
        fresh = plots.figure_data_uri(plots.indicator_figure(second))
        assert plots.indicator_figure_uri(second) == fresh
        assert plots._SPARE[(4.2, 2.5)][0] is not spare
    assert plots.indicator_figure_uri(second) != fresh  # the report's style again: the legend is shorter
    assert plots.plt.get_fignums() == open_before  # an inline backend would show a figure left in pyplot


@pytest.mark.parametrize("leak", ["lines", "limits"])
def test_the_comparison_can_fail(leak, monkeypatch):
    """Known-bad clearing (the lines left on the spare, or its data limits kept) must change the pixels."""
    plots.apply_style()
    first, second = _results("1380")[0], _results("0114")[1]
    fresh = plots.figure_data_uri(plots.indicator_figure(second))
    plots.indicator_figure_uri(first)

    def leaky(ax):
        if leak == "limits":
            for artist in [*ax.lines, *ax.texts]:
                artist.remove()
        ax.set_prop_cycle(None)

    monkeypatch.setattr(plots, "_clear_indicator", leaky)
    assert plots.indicator_figure_uri(second) != fresh


def _tight_laid_out_figures():
    """Real figures that end with ``tight_layout()``: the report's merit-gap figure of three municipalities
    (built anew on every call)."""
    from fgte_research import annual_results

    return [annual_results.gap_models(code, 2025).merit.plot() for code in ("1380", "0114", "2584")]


def test_saving_without_the_idle_layout_engine_keeps_the_pixels_and_skips_a_draw(monkeypatch):
    """figure_data_uri detaches the placeholder engine a finished tight_layout() leaves, saves with one draw
    instead of two, and puts the engine back; the bytes are those of saving with the engine attached."""
    import contextlib

    from matplotlib.figure import Figure
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    plots.apply_style()
    draws = []
    original_draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or original_draw(self, renderer))
    detached = plots._without_idle_layout_engine
    new_figs, old_figs = _tight_laid_out_figures(), _tight_laid_out_figures()
    assert len(new_figs) == 3
    for new, old in zip(new_figs, old_figs):
        engine = new.get_layout_engine()
        assert isinstance(engine, PlaceHolderLayoutEngine)
        draws.clear()
        uri = plots.figure_data_uri(new, close=False)
        assert len(draws) == 1 and new.get_layout_engine() is engine
        monkeypatch.setattr(plots, "_without_idle_layout_engine", lambda fig, bbox: contextlib.nullcontext())
        draws.clear()
        assert plots.figure_data_uri(old, close=False) == uri
        assert len(draws) == 2  # what the detaching saves: savefig's layout draw
        monkeypatch.setattr(plots, "_without_idle_layout_engine", detached)
        plots.plt.close(new)
        plots.plt.close(old)
