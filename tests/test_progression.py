"""Progression and references on the real data (Halland, Haparanda, Landskrona)."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from fgte_research import load_panel
from fgte_research.progression import comparable_years, fit_trend, progression, regional
from fgte_research.references import aggregate, reference_table


@pytest.fixture(scope="module")
def panel():
    return load_panel().astype({"series": str, "municipality_id": str, "gender": str, "status": str})


def test_trend_matches_statsmodels_ols_on_real_series(panel):
    res = progression("1380", "ak9_merit", panel=panel)
    own = res.parts[0].own.dropna(subset=["value"])
    fit = sm.OLS(own["value"], sm.add_constant(own["year"].astype(float))).fit()
    lo, hi = fit.conf_int().loc["year"]
    t = res.parts[0].trend
    assert t.ols_slope == pytest.approx(fit.params["year"])
    # with independent years the interval is exactly statsmodels' t-interval ...
    plain = fit_trend(own["year"].to_numpy(), own["value"].to_numpy())
    assert plain.ols_ci == pytest.approx((lo, hi))
    # ... and the reported one is widened by the AR(1) factor of the series' pooled autocorrelation
    from fgte_research.trend import ar1_variance_factor

    assert 0 < t.rho < 0.9
    half = (hi - lo) / 2 * np.sqrt(ar1_variance_factor(own["year"].to_numpy(), t.rho))
    assert t.ols_ci == pytest.approx((t.ols_slope - half, t.ols_slope + half))
    assert t.first_year == 2016 and t.last_year == 2025 and t.n == 10


def test_no_trend_across_the_2016_2017_break(panel):
    res = progression("1381", series="N15419", panel=panel)
    part = res.parts[0]
    assert min(part.trend_years) == 2017 and part.trend.first_year == 2017
    assert part.change["first"] == 2017
    assert any("Seriebrott 2016→2017" in w for w in res.warnings)
    years, crossed = comparable_years("splice.ak9.merit17.kommunal", list(range(2016, 2026)))
    assert years == list(range(2016, 2026)) and crossed == []


def test_distance_is_a_difference_to_each_reference(panel):
    res = progression("1383", "ak9_merit", panel=panel)
    dist = res.parts[0].distance()
    own = res.parts[0].own.set_index("year")["value"]
    refs = res.parts[0].references
    riket = refs[refs["reference"] == "riket"].set_index("year")["value"]
    got = dist[dist["reference"] == "riket"].set_index("year")["difference"]
    assert np.allclose(got, own.reindex(got.index) - riket.reindex(got.index), equal_nan=True)
    assert set(refs["reference"]) == {"riket", "lan", "fgte", "liknande"}
    tidy = res.tidy()
    assert not any("rank" in c for c in tidy.columns) and "placering" not in " ".join(tidy["term"])


def test_pupil_weighted_reference_is_labelled_and_correct(panel):
    halland = ["1315", "1380", "1381", "1382", "1383", "1384"]
    agg = aggregate(panel, "splice.ak9.merit17.kommunal", halland).set_index("year")
    sub = panel[(panel["series"] == "splice.ak9.merit17.kommunal") & panel["municipality_id"].isin(halland)]
    w = panel[(panel["series"] == "skv.ak9.pupils.kommunal") & panel["municipality_id"].isin(halland)]
    y = sub[sub["year"] == 2022].set_index("municipality_id")["value"]
    n = w[w["year"] == 2022].set_index("municipality_id")["value"]
    assert agg.loc[2022, "value"] == pytest.approx(np.average(y, weights=n.reindex(y.index)))
    assert agg.loc[2022, "method"] == "elevviktat medel av kommunernas värden"
    kolada = reference_table(panel, "N17445", "1380", kinds=("riket", "fgte"))
    assert kolada.loc[kolada["reference"] == "riket", "method"].str.startswith("Koladas värde").all()
    assert (kolada.loc[kolada["reference"] == "fgte", "method"] == "ovägt medel av kommunernas värden").all()


def test_girls_and_boys_where_kolada_splits(panel):
    res = progression("1380", series="N15505", panel=panel)
    g = res.parts[0].gender
    assert set(g.columns) >= {"year", "flickor", "pojkar", "skillnad_flickor_minus_pojkar"}
    row = g[g["year"] == 2022].iloc[0]
    assert row["skillnad_flickor_minus_pojkar"] == pytest.approx(row["flickor"] - row["pojkar"])


def test_small_population_and_missing_years_are_flagged(panel):
    hylte = progression("1315", "ak3_np", panel=panel)
    text = " ".join(hylte.warnings)
    assert "Liten kommun" in text and "2020 (saknas)" in text
    gy = progression("1315", "gy_examen_hf", panel=panel)
    assert gy.parts[0].own["value"].isna().all()
    assert "saknas" in gy.summary_sv()


def test_indicator_without_data_says_saknas():
    res = progression("2583", "gy_gbp_yp")
    assert res.parts == [] and "saknas" in res.summary_sv() and "programtyp" in res.summary_sv()


@pytest.mark.parametrize("code", ["2583", "1282", "1384"])
def test_haparanda_landskrona_kungsbacka_summaries(panel, code):
    res = progression(code, "ak9_behorig_yp", panel=panel)
    summary = res.summary_sv()
    assert res.municipality_name in summary and "95\u00a0% KI" in summary
    assert res.tidy()["estimate"].notna().all()


def test_change_interval_covers_estimate_and_uses_comma(panel):
    res = progression("1380", "ak9_alla", panel=panel, baseline_year=2018)
    c = res.parts[0].change
    assert c["first"] == 2018 and c["ci_low"] < c["estimate"] < c["ci_high"]
    assert "," in res.summary_sv()


def test_regional_view_is_in_code_order_not_value_order(panel):
    reg = regional("ak9_merit", "fgte", panel=panel)
    assert [r.municipality_id for r in reg.results] == sorted(["1384", "1383", "1380", "1381", "1315"])
    assert reg.aggregate["method"].iloc[-1].startswith("elevviktat")
    assert "Kommungruppen" in reg.summary_sv()


def test_bad_input_messages():
    with pytest.raises(ValueError, match="okänd kommun"):
        progression("0000", "ak9_merit")
    with pytest.raises(ValueError, match="okänd indikator"):
        progression("1380", "ak99")
    with pytest.raises(ValueError, match="utanför datan"):
        progression("1380", "ak9_merit", years=(1990, 1995))


def test_fit_trend_known_answer():
    # hand-made frame for arithmetic only: an exact line has slope 2 and a zero-width interval
    t = fit_trend(np.arange(2015, 2020), 2.0 * np.arange(5) + 10)
    assert t.ols_slope == pytest.approx(2.0) and t.ols_ci == pytest.approx((2.0, 2.0))
    assert t.theilsen_slope == pytest.approx(2.0)
    assert fit_trend(np.array([2020, 2021]), np.array([1.0, 2.0])) is None


def test_memoised_aggregate_follows_the_data(panel):
    members = ["1380", "1381", "1383"]
    # N17445 (gymnasium, hemkommun) has no pupil counts, so its aggregate is the unweighted mean
    first = aggregate(panel, "N17445", members).set_index("year")["value"]
    again = aggregate(panel, "N17445", members).set_index("year")["value"]
    assert first.equals(again)
    changed = panel.copy()
    hit = (changed["series"] == "N17445") & (changed["municipality_id"] == "1380") & (changed["gender"] == "T") \
        & (changed["year"] == 2020)
    changed.loc[hit, "value"] += 30.0
    moved = aggregate(changed, "N17445", members).set_index("year")["value"]
    assert moved[2020] == pytest.approx(first[2020] + 10.0)  # unweighted mean of three: +30 / 3
    assert moved.drop(2020).equals(first.drop(2020))


def test_a_trend_of_three_years_says_why_its_interval_is_so_wide():
    """Hylte's yrkesexamen (N17453, kommunala skolor) has three comparable years, 2014–2016: t with one degree
    of freedom gives an interval of about ±110 procentenheter. Page 1's table and the indicator text say that it
    is the few years, not the municipality, that makes it wide; a long series carries no such note."""
    from fgte_research import annual
    from fgte_research.text_sv import FEW_YEARS

    results = annual.results_for("1315", 2025)
    rows = {r["nr"]: r for r in annual.summary_rows(results, "1315", 2025)}
    assert rows[13]["trend_n"] == 3 < FEW_YEARS and rows[1]["trend_n"] >= FEW_YEARS
    table = annual.summary_table_html(list(rows.values()), 2025, "2018")
    few = [r for r in rows.values() if r.get("trend_n", FEW_YEARS) < FEW_YEARS and "change" in r]
    assert table.count("bara 3 jämförbara år") == 1
    assert table.count("med så få år blir intervallet brett") == len(few) == 2  # 13 (3 years) and 8 (4 years)
    assert "Bara 3 jämförbara år: med så få år blir intervallet brett." in results["gy_examen_yp"].summary_sv()
    assert "jämförbara år: med så få år" not in results["ak3_np"].summary_sv()


def test_a_change_takes_the_wider_of_its_two_intervals_not_the_larger_se():
    """Hand-made numbers, arithmetic only. Three years: the noise SE (estimated from the series, t with one degree
    of freedom, 12,71) is 1,0 and the binomial SE (pupil counts, 1,96) is 2,0. The larger SE is the binomial one,
    but the noise interval is the wider: ±12,7 against ±3,9. The rule before 2026-12-07 took ±3,9."""
    from fgte_research.progression import change_half_width

    half, source = change_half_width(1.0, 2.0, 3)
    assert source == "noise" and half == pytest.approx(12.706, abs=1e-3)
    half, source = change_half_width(0.05, 2.0, 3)  # t × 0.05 = 0.64 < 1.96 × 2 = 3.92
    assert source == "binomial" and half == pytest.approx(3.92)
    assert change_half_width(1.0, float("nan"), 10) == (pytest.approx(2.306, abs=1e-3), "noise")
    # below three comparable years (no trend, so no noise estimate) there is no interval, pupil counts or not
    half, source = change_half_width(float("nan"), 2.0, None)
    assert math.isnan(half) and source == "too few"


def test_a_change_over_two_comparable_years_has_no_interval_and_says_so():
    """Ydre 2022, indicator 2 (åk 6, godkänt i alla ämnen): only 2020 and 2021 are comparable. Pupil counts
    alone gave it ±1,96 binomial SE before 2026-12-07, an interval that leaves out the cohorts' own variation
    (false 'säker' 9–16 % per tercile at two years on the real shares). Upplands Väsby 2025, indicator 13: two
    years without pupil counts, whose row read "95 % KI saknas till saknas" above an empty verdict. Both now say
    why there is no interval and give no verdict word; the change itself is still shown."""
    from fgte_research import annual
    from fgte_research.text_sv import NO_CHANGE_INTERVAL_SV

    for mid, year, nr in (("0512", 2022, 2), ("0114", 2025, 13)):
        results = annual.results_for(mid, year)
        rows = [r for r in annual.summary_rows(results, mid, year) if r["nr"] == nr]
        assert "trend_n" not in rows[0] and math.isnan(rows[0]["change_low"]) and rows[0]["change_word"] == ""
        table = annual.summary_table_html(rows, year, "2018")
        assert NO_CHANGE_INTERVAL_SV in table and "<strong>kan inte bedömas</strong>" in table
        assert "saknas till saknas" not in table and "<strong></strong>" not in table
        assert f"{rows[0]['change_from']}–{rows[0]['change_to']}" in table


def test_the_few_years_note_stands_beside_the_interval_it_explains():
    """Halmstad 2022, indicator 2 (åk 6, godkänt i alla ämnen): three comparable years, 2020–2022, and a change
    whose interval comes from the pupil counts (binomial; t × the noise SE is narrower), so the few years do not
    widen it: the note goes beside the trend, whose interval they do widen. Kungsbacka 2022, the same
    indicator: the change's interval comes from the noise, so the note stays beside the change. Once per row."""
    from fgte_research import annual

    def row_cells(mid):
        results = annual.results_for(mid, 2022)
        rows = [r for r in annual.summary_rows(results, mid, 2022) if r["nr"] == 2]
        table = annual.summary_table_html(rows, 2022, "2018")
        cells = table.split("<tbody>")[1].split("<td")
        return rows[0], cells

    row, cells = row_cells("1380")
    assert row["trend_n"] == 3 and row["change_widened_by_few_years"] is False
    change_cell, trend_cell = cells[3], cells[5]
    assert "KI −11,8 till −3,6" in change_cell and "jämförbara år" not in change_cell
    assert "bara 3 jämförbara år" in trend_cell
    row, cells = row_cells("1384")
    assert row["trend_n"] == 3 and row["change_widened_by_few_years"] is True
    assert "bara 3 jämförbara år" in cells[3] and "jämförbara år" not in cells[5]
