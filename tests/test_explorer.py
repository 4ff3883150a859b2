"""The explorer's callbacks, driven programmatically (no browser)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import html  # noqa: E402

import pytest  # noqa: E402

from fgte_research import explorer, gaps  # noqa: E402
from fgte_research.explorer import Explorer  # noqa: E402
from fgte_research.text_sv import fmt_num  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    from fgte_research import load_panel

    return load_panel()


@pytest.fixture()
def ex(panel):
    return Explorer(panel=panel, show_figures=False)


def test_initial_view(panel):
    e = Explorer(panel=panel)  # with the figure
    assert e.state.error is None
    assert e.state.municipality_id == "1380"
    assert "Halmstad" in e.state.summary and "95\u00a0% KI" in e.state.summary
    assert e.state.figures == 2  # progression and the gap's residual figure
    assert e.state.before_after
    gap = e.state.gap
    # the gap view is gaps.salsa_gap: municipality, model specification, prediction intervals, official deviation
    assert "Halmstad" in gap and "avvikelse från modellberäknat värde" in gap
    assert "Modell:" in gap and "splice.ak9.merit17.kommunal" in gap and "N15823" in gap and "R² =" in gap
    assert "intervall för gapet" in gap and "brukar ligga" in gap  # the gap's own interval, the spread named as such
    assert "U15459" in gap and "Koladas officiella avvikelse" in gap


def test_gap_view_is_the_library_model(ex):
    state = ex.set(municipality="Laholm", indicator="ak9_merit", years=(2015, 2022))
    assert state.error is None
    lib = gaps.salsa_gap("1381", "splice.ak9.merit17.kommunal", years=(2016, 2022))
    assert lib.summary_sv() in state.gap  # the same text, not a re-implementation
    # Kolada's official deviation stays visible: per model year in the summary, and 2015 (no own model) listed
    official = gaps.official_deviation("1381", "U15459", years=(2015, 2022)).data().set_index("year")["estimate"]
    ok = lib.data()[lib.data()["status"] == "ok"]
    for r in ok.itertuples():
        assert f"Koladas officiella avvikelse {fmt_num(official[r.year], signed=True)}" in state.gap
    assert f"2015: {fmt_num(official[2015], signed=True)}" in state.gap.splitlines()[-1]


def test_gap_view_without_model(ex):
    state = ex.set(indicator="ak3_np", years=(2012, 2019))
    assert state.error is None and "Ingen modell" in state.gap
    state = ex.set(indicator="ak9_merit", years=(2023, 2025))  # after N15823 ends: no own residual
    assert state.error is None and "finns bara för 2016–2022" in state.gap
    state = ex.set(indicator="gy_gbp", years=(2014, 2022))  # gymnasium model (N17691, U17446)
    assert state.error is None and "N17691" in state.gap and "U17446" in state.gap


def test_duplicated_model_code_is_gone():
    for name in ("gap_model", "compare_with_official", "GapFit", "GAP_COVARIATES", "official_deviation",
                 "deviation_kpi_for"):
        assert not hasattr(explorer, name), name
    assert explorer.gap_outcome_for("ak9_merit") == "splice.ak9.merit17.kommunal"
    assert explorer.gap_outcome_for("ak3_np") is None


def test_municipality_change_by_name_and_code(ex):
    ex.widgets["municipality"].value = "Laholm"
    assert ex.state.municipality_id == "1381" and "Laholm" in ex.state.summary
    ex.widgets["municipality"].value = "1315"
    assert ex.state.municipality_id == "1315" and "Hylte" in ex.state.summary


def test_indicator_years_and_reference(ex):
    ex.widgets["indicator"].value = "ak3_np"
    assert ex.state.indicator == "ak3_np" and "Åk 3" in ex.state.summary
    assert "2020" in " ".join(ex.state.warnings)  # the pandemic gap is reported
    ex.widgets["years"].value = (2012, 2019)
    assert "2019" in ex.state.summary.splitlines()[0] and "2022" not in ex.state.summary.splitlines()[0]
    ex.widgets["reference"].value = "Riket"
    first = ex.state.summary.splitlines()[0]
    assert "mot riket" in first and "Hallands län" not in first


def test_set_updates_once_with_several_values(ex):
    state = ex.set(municipality="Haparanda", indicator="ak9_alla", start_year=2022)
    assert state.municipality_id == "2583" and "Haparanda" in state.before_after


@pytest.mark.parametrize("changes, words", [
    ({"municipality": "Atlantis"}, "okänd kommun"),
    ({"years": (2015, 2016)}, "minst tre år"),
])
def test_bad_choices_give_swedish_message(ex, changes, words):
    state = ex.set(**changes)
    assert state.error and words in state.error and state.error.startswith("Det gick inte")
    assert "Traceback" not in state.error
    assert words in ex.message.value
    ex.set(municipality="Halmstad", years=(2010, 2025))  # recovers
    assert ex.state.error is None and ex.message.value == ""


def test_missing_indicator_and_impossible_start_year(ex):
    ex.widgets["indicator"].value = "gy_gbp_hf"
    assert "saknas" in ex.state.summary and ex.state.error is None
    ex.set(indicator="ak9_merit", start_year=1999)
    assert "Insatsåret 1999" in ex.state.before_after


def test_unknown_widget_name(ex):
    with pytest.raises(KeyError):
        ex.set(kommun="1380")


def test_static_mode_prints_the_same_results_without_the_output_widget(capsys):
    from fgte_research.explorer import Explorer

    ex = Explorer(municipality="1381", indicator="ak9_merit", static=True, show_figures=False)
    printed = capsys.readouterr().out
    assert "Laholm" in printed and ex.state.summary in printed
    assert html.escape(ex.state.summary) in ex.texts["summary"].value  # the widget holds the same text
    ex.set(municipality="Haparanda")
    assert "Haparanda" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ the widget itself
def test_figures_and_texts_live_in_the_widget_and_change_together():
    ex = Explorer()
    first = (bytes(ex.figure.value), bytes(ex.gap_figure.value), ex.texts["summary"].value, ex.texts["gap"].value)
    assert first[0].startswith(b"\x89PNG") and first[1].startswith(b"\x89PNG")
    assert "Halmstad" in first[2] and "Koladas officiella avvikelse" in first[3]
    assert "före insatsen" in ex.texts["before_after"].value
    ex.widgets["municipality"].value = "Laholm"
    second = (bytes(ex.figure.value), bytes(ex.gap_figure.value), ex.texts["summary"].value, ex.texts["gap"].value)
    assert all(a != b for a, b in zip(first, second)), "every part must follow the new choice"
    assert "Laholm" in second[2] and "Halmstad" not in second[2]
    ex.widgets["indicator"].value = "ak3_np"  # no gap model: its figure is hidden, not left from Laholm's åk 9
    assert ex.state.figures == 1 and bytes(ex.gap_figure.value) == b"" and ex.gap_figure.layout.display == "none"
    assert "Ingen modell" in ex.texts["gap"].value
    ex.widgets["municipality"].value = "Atlantis"  # an error replaces the old texts: nothing stale
    assert "okänd kommun" in ex.texts["summary"].value and ex.texts["gap"].value == ""
    assert bytes(ex.figure.value) == b"" and ex.figure.layout.display == "none"


def test_busy_label_is_shown_while_computing_and_cleared_after(monkeypatch):
    ex = Explorer(show_figures=False)
    seen, during = [], []
    ex.status.observe(lambda change: seen.append(change["new"]), names="value")
    real = explorer.compute_view

    def spy(*args, **kwargs):
        during.append(ex.status.value)
        return real(*args, **kwargs)

    monkeypatch.setattr(explorer, "compute_view", spy)
    ex.widgets["indicator"].value = "ak9_alla"
    assert during == [f"<i>{explorer.BUSY_SV}</i>"] and explorer.BUSY_SV == "räknar…"
    assert seen == [f"<i>{explorer.BUSY_SV}</i>", ""] and ex.status.value == ""
    ex.widgets["years"].value = (2015, 2016)  # a refused choice clears the label too
    assert ex.state.error and ex.status.value == ""


def test_year_range_is_shown_in_full_beside_the_slider():
    ex = Explorer(show_figures=False)
    slider = ex.widgets["years"]
    assert slider.readout is False  # the slider's own readout was cut to "2010 – 202"
    assert "2010\u20132025" in ex.years_label.value
    slider.value = (2012, 2019)
    assert "2012\u20132019" in ex.years_label.value


def test_layout_wraps_and_uses_no_fixed_pixel_widths():
    ex = Explorer(show_figures=False)
    rows = [c for c in ex.box.children if c.__class__.__name__ == "HBox"]
    assert rows and all(r.layout.flex_flow == "row wrap" for r in rows)
    for widget in [*ex.widgets.values(), ex.figure, ex.gap_figure, *ex.texts.values(), ex.box]:
        for key in ("width", "max_width", "min_width"):
            value = getattr(widget.layout, key) or ""
            assert not value.endswith("px"), (widget.description if hasattr(widget, "description") else widget, key)


def test_user_text_is_escaped():
    shown = explorer._text_html("<script>alert(1)</script> & <b>")
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "&amp;" in shown


def test_memoised_view_equals_the_view_from_a_panel(panel):
    """The fast path (memoised, per-series accessors) gives exactly what the whole panel gives."""
    for args in [("1381", "ak9_merit", "Alla referenser", (2010, 2025), 2018),
                 ("2583", "gy_examen", "Länet", (2012, 2022), 2019),
                 ("1315", "ak3_np", "Riket", (2012, 2019), 2016)]:
        fast = explorer.compute_view(*args, figures=False)
        slow = explorer.compute_view(*args, figures=False, panel=panel)
        assert (fast.summary, fast.gap, fast.before_after, fast.warnings) == \
            (slow.summary, slow.gap, slow.before_after, slow.warnings), args
        again = explorer.compute_view(*args, figures=False)
        assert again.summary == fast.summary
        again.warnings.append("x")  # a caller changing its copy never changes the cached answer
        assert "x" not in explorer.compute_view(*args, figures=False).warnings
