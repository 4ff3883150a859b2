"""The primary design (DiD against the country, calibrated among size neighbours) on the real data: size per
population tercile, a mis-calibrated statistic that the same check flags, power, the set test, the minimum
detectable effect, the sensitivity designs, exclusions and the bug/cannot-assess line."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fgte_research.intervention_study import excluded_from_placebos, population_before, study
from fgte_research.interventions.country import (_log_spread_slope, calibrated_test, difference_statistics,
                                                 size_neighbours)
from fgte_research.interventions.placebo import placebo_matrix
from fgte_research.panel import series_values


def _matrix(series, window):
    frame = series_values(series, include_aggregates=False)[["municipality_id", "year", "value"]]
    frame = frame[frame["year"].between(*window)]
    return placebo_matrix(frame, range(window[0], window[1] + 1), excluded_from_placebos())


def _terciles(ids, t0):
    size = pd.Series(population_before(t0)).reindex(ids)
    cuts = np.quantile(np.log(size), [1 / 3, 2 / 3])
    return pd.Series(np.digitize(np.log(size), cuts), index=ids)


@pytest.fixture(scope="module")
def gymnasium_null():
    """Every eligible municipality treated in turn at three fake starts on N17445 (examen inom 3 år, hemkommun)."""
    W = _matrix("N17445", (2014, 2022))
    ids = list(W.index)
    out = []
    for t0 in (2017, 2018, 2019):
        size, terc = population_before(t0), _terciles(ids, t0)
        years = np.asarray(W.columns)
        est, se = difference_statistics(W.to_numpy(float), years, t0, np.arange(len(W)))
        naive_p = 2 * stats.t.sf(np.abs(est / se), len(years) - 2)
        for i, u in enumerate(ids):
            p = calibrated_test(W, [u], t0, size, [c for c in ids if c != u]).p_value
            out.append({"unit": u, "start": t0, "tercile": terc[u], "primary": p < 0.05, "naive": naive_p[i] < 0.05})
    return pd.DataFrame(out)


def test_primary_verdict_holds_its_size_in_every_population_tercile(gymnasium_null):
    rates = gymnasium_null.groupby("tercile")["primary"].mean()
    assert len(rates) == 3 and (gymnasium_null.groupby("tercile").size() > 250).all()
    # ≈ 280 cases per tercile: the 6 % target plus 1.5 standard errors of sampling noise
    assert rates.max() <= 0.08, rates.to_dict()


def test_the_same_check_flags_a_mis_calibrated_statistic(gymnasium_null):
    """The textbook t against the country, read off Student's t (autocorrelation and unequal noise ignored)."""
    rates = gymnasium_null.groupby("tercile")["naive"].mean()
    assert rates.max() > 0.10, rates.to_dict()


def test_difference_statistics_is_the_textbook_two_sample_t_on_the_difference_from_the_country():
    W = _matrix("N17445", (2014, 2022))
    years = np.asarray(W.columns)
    est, se = difference_statistics(W.to_numpy(float), years, 2018, np.arange(len(W)))
    g = (W - W.mean(axis=0)).loc["1382"]  # Falkenberg (Halland, not in a registered intervention)
    ref = stats.ttest_ind(g[years >= 2018], g[years < 2018], equal_var=True)
    i = list(W.index).index("1382")
    assert est[i] / se[i] == pytest.approx(ref.statistic, rel=1e-10)


def test_a_large_step_is_detected_and_the_mde_says_what_could_not_be_seen():
    W = _matrix("N17445", (2014, 2022))
    ids = list(W.index)
    size = population_before(2018)
    base = calibrated_test(W, ["1382"], 2018, size, [c for c in ids if c != "1382"])
    assert np.isfinite(base.mde) and base.mde > 0 and base.n_pool == 99
    shifted = W.copy()
    shifted.loc["1382", [y for y in W.columns if y >= 2018]] += 2 * base.mde
    hit = calibrated_test(shifted, ["1382"], 2018, size, [c for c in ids if c != "1382"])
    assert hit.p_value < 0.05 and hit.estimate > base.estimate
    assert hit.estimate - base.estimate == pytest.approx(2 * base.mde, rel=1e-9)


def test_size_neighbours_use_population_before_the_start_and_exclude_the_unit():
    size = population_before(2018)
    pool = size_neighbours("1380", [c for c in size if c != "1380"], size)
    assert len(pool) == 99 and "1380" not in pool
    # Halmstad (~100 000 inhabitants) is compared with municipalities of its size class only, never the smallest
    assert min(size[c] for c in pool) > 15_000 and max(size[c] for c in pool) < 1_000_000
    logs = np.log([size[c] for c in pool])
    assert abs(np.median(logs) - np.log(size["1380"])) < 1.0


def test_fgte_study_headline_is_the_set_with_members_sensitivity_and_event_study():
    st = study("fgte", "ak9_merit", 2025, designs=("country", "its", "synth", "event_study"))
    whole = st.primary()
    assert whole is not None and whole.treated == ("1384", "1383", "1380", "1381") and whole.status.ok
    word, sentence = st.headline_verdict()
    assert word in ("säker ökning", "säker minskning", "kan vara slump")
    if word == "kan vara slump":
        assert "minsta upptäckbara effekt" in sentence
    assert st.event_study() is not None and set(st.event_study().members) == set(whole.treated)
    eff = st.event_study().data()
    assert {"event_time", "estimate", "ci_low", "ci_high"} <= set(eff.columns)
    assert (eff["ci_low"] <= eff["estimate"]).all() and (eff["estimate"] <= eff["ci_high"]).all()
    for m in whole.treated:
        assert st.primary(m).status.ok and st.sensitivity(m)
    assert "Hela gruppen" in st.summary_sv()
    tidy = st.tidy()
    assert "minimum_detectable_effect" in set(tidy["term"])


def test_synthetic_control_with_local_donors_can_reach_a_verdict():
    """Each unit built from its own nearest donors (as many as pre-years): no exact fits, so p can reach 1/101
    among the size neighbours (before: Landskrona 2005–2012 had 138 of 288 exact fits, p ≥ 0.48)."""
    st = study("landskrona-attraktiv-skolkommun", "ak9_alla", 2025, designs=("synth",))
    (res,) = st.results
    assert res.status.ok and res.smallest_p <= 0.05
    assert np.isinf(res.placebos["rmspe_ratio"]).sum() == 0
    assert "minsta p-värde" in res.summary_sv()
    fgte = study("fgte", "ak9_merit", 2025, municipalities=["1380"], designs=("synth",))
    assert all(not r.status.ok for r in fgte.results)  # two pre-years: kan inte bedömas, with the reason
    assert "kan inte bedömas" in fgte.summary_sv()


def test_pre_trend_window_and_regression_to_the_mean_checks():
    land = study("landskrona-attraktiv-skolkommun", "ak9_alla", 2025, designs=("country",)).primary("1282")
    assert land.pretrend_checks and all(c.first_treated_year < 2013 for c in land.pretrend_checks)
    assert land.window_checks and land.window_checks[0].window[0] == 2011
    assert "Förtest med låtsade startår" in land.summary_sv()
    hap = study("samverkan-haparanda", "ak9_merit", 2025, designs=("country",)).primary("2583")
    assert hap.rtm_check is not None and hap.rtm_check.ok
    assert "regression mot medelvärdet" in hap.summary_sv()


def test_exclusion_list_keeps_a_municipality_out_of_every_placebo_pool(tmp_path, monkeypatch):
    import shutil

    params = tmp_path / "params"
    shutil.copytree("params", params)
    (params / "placebo_exclusions.yaml").write_text(
        'exclusions:\n  - municipality: "1382"\n    reason: "test"\n    source: "testfall (handgjort)"\n',
        encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    monkeypatch.setenv("FGTE_RESULTS_STORE", "0")
    assert "1382" in excluded_from_placebos()
    res = study("fgte", "ak9_merit", 2025, municipalities=["1381"], designs=("country",)).primary("1381")
    assert all("1382" not in pool for pool in res.pool.values())


def test_a_bug_in_a_design_fails_visibly_instead_of_becoming_a_sentence(monkeypatch):
    import importlib

    its_module = importlib.import_module("fgte_research.interventions.its")

    monkeypatch.setenv("FGTE_RESULTS_STORE", "0")

    def broken(*args, **kwargs):
        raise KeyError("a pandas bug")

    monkeypatch.setattr(its_module, "its", broken)
    with pytest.raises(KeyError):
        study("samverkan-haparanda", "ak9_merit", 2025, designs=("its",))


def test_an_empty_or_repeated_treated_list_is_a_named_error():
    """Before: an empty list reached the set test and failed inside numpy (column_stack of nothing), a bug's
    traceback; now it is the family's InputError, which the CLI prints as one line."""
    from fgte_research.errors import InputError
    from fgte_research.interventions.country import country

    W = _matrix("N17445", (2014, 2022))
    ids, size = list(W.index), population_before(2018)
    with pytest.raises(InputError, match="minst en behandlad"):
        calibrated_test(W, [], 2018, size, ids)
    with pytest.raises(InputError, match="en gång"):
        calibrated_test(W, ["1382", "1382"], 2018, size, [c for c in ids if c != "1382"])
    long = series_values("N17445", include_aggregates=False)[["municipality_id", "year", "value"]]
    with pytest.raises(InputError, match="tom"):
        country(long, [], 2018, size=size)


def test_the_spread_slope_by_maximum_likelihood_is_unbiased_and_less_noisy_than_log_abs_least_squares():
    """Simulation (not data): residuals whose SD is exp(b·x) over a pool of 99; the ML slope (Harvey 1976) has
    about 1/√2.5 of the SD of least squares on log |e|, and degenerate residuals fall back to the start value."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=99)
    X = np.column_stack([np.ones(99), x])
    for b in (0.0, 0.4):
        ls, ml = [], []
        for _ in range(300):
            e = rng.normal(size=99) * np.exp(b * x)
            start = np.linalg.lstsq(X, np.log(np.abs(e) + 1e-9), rcond=None)[0][1]
            ls.append(start)
            ml.append(_log_spread_slope(X, e, start))
        assert abs(np.mean(ml) - b) < 0.02
        assert np.std(ml) < 0.8 * np.std(ls)
    assert _log_spread_slope(X, np.zeros(99), 0.123) == 0.123
