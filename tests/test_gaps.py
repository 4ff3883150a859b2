"""Gap measures on the real data: SALSA-like model against Kolada's official deviations, and the other proxies."""

from __future__ import annotations

import numpy as np
import pytest

from fgte_research import gaps
from fgte_research.panel import load_panel

HALLAND = ["1315", "1380", "1381", "1382", "1383", "1384"]
OTHERS = ["2583", "1282"]  # Haparanda, Landskrona


@pytest.mark.parametrize("deviation, median, lowest", [("U15459", 0.93, 0.90), ("U15457", 0.95, 0.93),
                                                       ("U15461", 0.95, 0.93)])
def test_salsa_matches_kolada_deviations_grundskola(deviation, median, lowest):
    """The issue's targets, per year 2017–2022 (the specification was chosen on 2017/2019/2021 only)."""
    table = gaps.validate_against_kolada(deviation, years=range(2017, 2023))
    assert list(table["year"]) == list(range(2017, 2023))
    assert (table["n"] >= 270).all()
    assert round(table["correlation"].median(), 3) >= median and table["correlation"].min() >= lowest, table
    held_out = table[table["year"].isin([2018, 2020, 2022])]["correlation"]
    assert held_out.min() >= lowest  # the years the specification was not chosen on


@pytest.mark.parametrize("outcome, floor", [("splice.ak9.merit17.kommunal", 0.80), ("splice.ak9.pass_all.kommunal", 0.80),
                                            ("splice.ak9.eligible_voc.kommunal", 0.75)])
def test_skolverket_only_model_for_2023_onwards_states_its_accuracy(outcome, floor):
    median, lowest = gaps.skolverket_only_accuracy(outcome)
    assert median >= floor and lowest > 0.6
    res = gaps.salsa_gap("1380", outcome, 2025, covariates=gaps.SKOLVERKET_ONLY, years=(2023, 2025))
    assert list(res.data()["year"]) == [2023, 2024, 2025] and (res.data()["status"] == "ok").all()


@pytest.mark.parametrize("deviation, median, lowest", [("U17446", 0.785, 0.73), ("U17448", 0.595, 0.565),
                                                       ("U17449", 0.575, 0.50)])
def test_salsa_gymnasium_reaches_what_it_honestly_can(deviation, median, lowest):
    """The figures the README table states (2017–2022). The issue's targets (0.80/0.75 and 0.75/0.70) are missed:
    SKR's gymnasium model uses each pupil's parents' income and social assistance; the municipal social-assistance
    and income KPIs were tried (benchmarks/bench_salsa_specs.py) and only betygspoäng gained."""
    table = gaps.validate_against_kolada(deviation, years=range(2017, 2023))
    assert (table["n"] >= 170).all()
    assert round(table["correlation"].median(), 3) >= median and table["correlation"].min() >= lowest, table


def test_gymnasium_models_use_the_cohort_matched_background():
    spec = gaps.salsa_gap("1380", "N17691").spec
    assert [c[1] for c in spec.covariates][3:] == ["N07907.lag4", "N17839"] and spec.pooled
    assert "när årskullen gick i åk 9" in gaps.salsa_gap("1380", "N17691").specification_sv()
    assert [c[1] for c in gaps.salsa_gap("1380", "N17467").spec.covariates][3:] == ["N31008.lag3", "N03926.lag4"]
    # the lag is a real shift of the data: N07907 for 2018 is the 2022 value of the covariate N07907.lag4
    from fgte_research.gaps._common import values
    v = values(["N07907", "N07907.lag4"])
    assert v.loc[("1380", 2022), "N07907.lag4"] == v.loc[("1380", 2018), "N07907"]


@pytest.mark.parametrize("outcome, covariates, low, high", [
    ("N15505", "default", 0.93, 0.97), ("N15419", "default", 0.93, 0.97), ("N15436", "default", 0.93, 0.97),
    ("splice.ak9.merit17.kommunal", gaps.SKOLVERKET_ONLY, 0.93, 0.97)])
def test_gap_interval_covers_koladas_deviation(outcome, covariates, low, high):
    """The gap's 95 % interval covers Kolada's deviation (after the year's offset) in 93–97 % of municipality-years
    2017–2022, and in at least 90 % of each population tercile (README, "An interval for the gap itself")."""
    from fgte_research.gaps.salsa import _spec, gap_error

    err = gap_error(_spec(outcome, covariates), 2022 if covariates == "default" else None)
    assert low <= err.coverage <= high and err.n_scored > 1500
    assert all(v >= 0.90 for _, v in err.coverage_by_tercile) and len(err.coverage_by_tercile) == 3
    # the between-municipality prediction band is far wider than the gap's own interval
    res = gaps.salsa_gap("1380", outcome, 2022 if covariates == "default" else 2025, covariates=covariates,
                         **({} if covariates == "default" else {"years": (2017, 2025)}))
    ok = res.data()[res.data()["status"] == "ok"]
    assert ((ok["gap_high"] - ok["gap_low"]) < 0.6 * (ok["residual_high"] - ok["residual_low"])).all()
    assert np.allclose(ok["gap_high"] + ok["gap_low"], 2 * ok["residual"])


def test_gap_interval_by_hand_on_a_made_up_frame():
    """Arithmetic of the calibration on a hand-made frame (labelled: not data): e = ±1 around an offset of 2."""
    import pandas as pd

    from fgte_research.gaps.gap_interval import calibrate

    rng = np.random.default_rng(0)
    rows = [{"municipality_id": f"{i:04d}", "year": y, "residual": 0.0,
             "official_deviation": 2.0 + rng.normal(0, 1.0), "n_pupils": np.nan, "population": 1000.0 + i}
            for i in range(200) for y in range(2017, 2023)]
    err = calibrate(pd.DataFrame(rows))
    assert dict(err.offsets)[2018] == pytest.approx(2.0, abs=0.2)
    assert err.half_width([np.nan])[0] == pytest.approx(1.96, rel=0.1)
    assert 0.93 <= err.coverage <= 0.97


@pytest.mark.parametrize("municipality", HALLAND + OTHERS)
@pytest.mark.parametrize("outcome", ["N15505", "N15419", "N15436", "N17691", "N17451"])
def test_gap_results_finite_or_explicitly_missing(municipality, outcome):
    res = gaps.salsa_gap(municipality, outcome)
    t = res.data()
    ok = t[t["status"] == "ok"]
    assert not ok.empty
    cols = ["actual", "expected", "pi_low", "pi_high", "residual", "residual_low", "residual_high",
            "residual_centred", "residual_std"]
    assert np.isfinite(ok[cols].to_numpy(dtype=float)).all()
    assert (ok["pi_low"] < ok["expected"]).all() and (ok["expected"] < ok["pi_high"]).all()
    np.testing.assert_allclose(ok["residual"], ok["actual"] - ok["expected"])
    missing = t[t["status"] != "ok"]
    assert (missing["status"] == "saknas").all() and (missing["reason"].str.len() > 10).all()
    assert missing[cols].isna().all().all()
    assert not any("rank" in c.lower() for c in t.columns)


def test_hylte_gymnasium_missing_after_2017():
    t = gaps.salsa_gap("1315", "N17691").data().set_index("year")
    assert (t.loc[2014:2017, "status"] == "ok").all()
    assert (t.loc[2018:2022, "status"] == "saknas").all()
    assert "Hylte" in t.loc[2019, "reason"] and "N17691" in t.loc[2019, "reason"]
    summary = gaps.salsa_gap("1315", "N17691").summary_sv()
    assert "2018: saknas" in summary


def test_default_years_where_model_cannot_be_fitted_say_why():
    t = gaps.salsa_gap("1380", "N15505").data().set_index("year")
    assert t.loc[2016, "status"] == "saknas" and "N15823" in t.loc[2016, "reason"]


def test_residual_versions_and_specification():
    fit = gaps.fit_salsa("N15505", 2022)
    t = fit.data()
    assert fit.n == len(t) >= 280 and 0.4 < fit.r2 < 0.8
    has = t["n_pupils"].notna()
    assert abs(np.average(t.loc[has, "residual_centred"], weights=t.loc[has, "n_pupils"])) < 1e-9
    np.testing.assert_allclose(t["residual_std"].std(ddof=len(fit.spec.covariates) + 1), 1.0, rtol=1e-9)
    assert list(t["municipality_id"]) == sorted(t["municipality_id"])  # ordered by code, never by value
    coefs = fit.coefficients()
    covariates = {"const", "skv.ak9.parents_posthigh.kommunal", "skv.ak9.share_boys.kommunal", "N15823", "N02901",
                  "N15901", "N01984"}
    assert covariates == {t for t in coefs["term"] if not t.startswith("år_")}
    assert {t for t in coefs["term"] if t.startswith("år_")} == {f"år_{y}" for y in range(2018, 2023)}  # pooled
    assert (coefs["ci_low"] < coefs["estimate"]).all() and (coefs["estimate"] < coefs["ci_high"]).all()
    text = gaps.salsa_gap("1282", "N15505").summary_sv()
    for needle in ("R²", "n = ", "95\u00a0% KI", "95\u00a0% intervall för gapet", "kommuner med liknande elever brukar",
                   "ingen rangordning", "rå avvikelse", "med ρ = 0",
                   "ekonomiskt bistånd"):
        assert needle in text, needle


def test_weighted_and_alternative_covariates():
    wls = gaps.fit_salsa("N15419", 2020, weights="pupils")
    assert "WLS" in wls.specification_sv()
    alt = gaps.salsa_gap("1380", "splice.ak9.merit17.kommunal",
                         covariates=("parents_posthigh", "share_boys", "foreign_bg"))
    t = alt.data().set_index("year")
    assert (t.loc[2023:2025, "status"] == "ok").all()  # without N15823 the model reaches 2025


def test_official_deviation_in_gap_table_is_kolada_value():
    t = gaps.salsa_gap("1384", "N15505").data().set_index("year")
    off = gaps.official_deviation("1384", "U15459").data().set_index("year")
    assert t.loc[2022, "official_deviation"] == pytest.approx(off.loc[2022, "estimate"])
    assert off.loc[2022, "estimate"] == pytest.approx(-4.74, abs=0.01)


def test_newly_arrived_gap_equals_difference_of_kpis():
    res = gaps.newly_arrived_gap("1282")
    row = res.data().set_index("year").loc[2022]
    # Landskrona 2022: N15505 = 217.0, N15567 = 223.6 (Kolada)
    panel = load_panel(series=["N15505", "N15567"], municipalities=["1282"], years=[2022], gender="T",
                       include_aggregates=False).astype({"series": str}).set_index("series")["value"]
    assert panel["N15505"] == pytest.approx(217.0) and panel["N15567"] == pytest.approx(223.6)
    assert row["estimate"] == pytest.approx(panel["N15505"] - panel["N15567"])
    assert np.isnan(row["ci_low"])  # descriptive
    assert "N15567" in res.summary_sv()


def test_gender_gap_ci_only_where_honest():
    share = gaps.gender_gap("1282", "N15419").data().set_index("year")
    assert np.isfinite(share.loc[2017:2022, ["ci_low", "ci_high"]].to_numpy()).all()
    assert share.loc[2010:2015, "ci_low"].isna().all()
    np.testing.assert_allclose(share["estimate"], share["girls"] - share["boys"])
    merit = gaps.gender_gap("1380", "N15505")
    assert merit.data()["ci_low"].isna().all()
    assert "beskrivande" in merit.summary_sv()


def test_school_spread_halmstad():
    res = gaps.school_spread("1380")
    t = res.data().set_index("year")
    assert (t.loc[2014:2022, "n_schools_listed"] == 27).all()
    assert (t.loc[2014:2022, "n_with_value"] <= 27).all() and t.loc[2022, "n_with_value"] >= 10
    assert t.loc[2014:2022, "sd_weighted"].isna().all()
    assert np.isfinite(t.loc[2025, ["sd_weighted", "mean_weighted", "pupils"]].to_numpy(dtype=float)).all()
    assert "ovägd" in res.summary_sv() and "saknar elevantal" in res.summary_sv()
    assert gaps.school_spread("1380", huvudman="kommunal").data()["year"].tolist() == [2025]


def test_plots_have_swedish_captions():
    fig = gaps.salsa_gap("1282", "N15505").plot(which="centred")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Bearbetning av data från Kolada" in texts and "återcentrerad" in texts
    fig2 = gaps.school_spread("1380").plot()
    assert "Källa: Skolverket" in " ".join(t.get_text() for t in fig2.texts)


@pytest.mark.parametrize("call, message", [
    (lambda: gaps.salsa_gap("9999", "N15505"), "okänd kommun"),
    (lambda: gaps.salsa_gap("Atlantis", "N15505"), "okänd kommun"),
    (lambda: gaps.salsa_gap("1380", "N99999"), "okänt utfall"),
    (lambda: gaps.fit_salsa("N15505", 2030), "utanför datan"),
    (lambda: gaps.salsa_gap("1380", "N15505", years=(2010, 2022)), "utanför datan"),
    (lambda: gaps.salsa_gap("1315", "N17691", years=(2019, 2022)), "inga avvikelser"),
    (lambda: gaps.fit_salsa("N15505", 2016), "N15823 saknas"),
    (lambda: gaps.fit_salsa("N15505", 2022, covariates=("income",)), "okänd bakgrundsvariabel"),
    (lambda: gaps.fit_salsa("N17691", 2022, weights="pupils"), "gymnasiet saknar elevantal"),
    (lambda: gaps.gender_gap("1380", "N15820"), "ingen uppdelning"),
    (lambda: gaps.school_spread("1380", years=(2000, 2010)), "utanför"),
    (lambda: gaps.official_deviation("1380", "U99999"), "okänt avvikelsenyckeltal"),
])
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
