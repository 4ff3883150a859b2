"""The shortcuts that make the explorer answer at once give the same numbers as the plain computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fgte_research import catalogue, gaps, panel, paths, trend
from fgte_research.build import PANEL_FILE
from fgte_research.gaps import salsa


@pytest.mark.parametrize("series_id", ["splice.ak9.merit17.kommunal", "N15419", "N17691", "N15472"])
def test_vectorised_detrending_equals_a_line_per_municipality(series_id):
    f = panel.series_values(series_id, include_aggregates=False)
    wide = f[f["status"] == "ok"].pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")
    Y, years = wide.to_numpy(float), wide.columns.to_numpy()
    fast = trend.detrended(Y, years)
    slow = np.full_like(Y, np.nan)
    for i, y in enumerate(Y):  # the former per-row np.polyfit
        m = ~np.isnan(y)
        if m.sum() >= 4:
            slow[i, m] = y[m] - np.polyval(np.polyfit(years[m].astype(float), y[m], 1), years[m])
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.nanmax(np.abs(fast - slow)) < 1e-9
    assert (np.isnan(fast).all(axis=1) == ((~np.isnan(Y)).sum(axis=1) < 4)).all()  # < 4 values: no residuals


def test_series_from_the_whole_panel_equal_a_filtered_read():
    for sid in ["N15505", "splice.ak9.merit17.kommunal", "N01951", "skv.ak9.foreign_bg.kommunal"]:
        for gender in ("T", "K"):
            read = pd.read_parquet(paths.processed_dir() / PANEL_FILE,
                                   filters=[("series", "==", sid), ("gender", "==", gender)],
                                   columns=["municipality_id", "year", "value", "status", "source"])
            read = read.astype({"municipality_id": str, "status": str, "source": str})
            read["year"] = read["year"].astype(int)
            read = read.sort_values(["municipality_id", "year"], kind="mergesort").reset_index(drop=True)
            pd.testing.assert_frame_equal(panel._one_series(sid, gender), read)
    assert catalogue.series("N15505").has_gender and len(panel._one_series("N15505", "K")) > 0


def test_memoised_residual_rho_equals_the_direct_one():
    for mid, outcome in [("1380", "splice.ak9.merit17.kommunal"), ("1381", "N17691"), ("2583", "N17451")]:
        res = gaps.salsa_gap(mid, outcome)
        tercile = panel.size_classes(res.last_year)[mid]
        assert res.residual_rho() == salsa._pooled_residual_rho(res.fits, tercile, res.last_year)
    # a result whose fits are not the memoised ones is computed directly, never answered from the cache
    res = gaps.salsa_gap("1380", "N17691")
    fits = dict(res.fits)
    fits[min(fits)] = salsa._fit_year.__wrapped__(res.spec, min(fits))
    other = salsa.GapResult(res.municipality_id, res.municipality_name, res.spec, res.table, fits, [], None)
    tercile = panel.size_classes(None)["1380"]
    assert other.residual_rho() == pytest.approx(salsa._pooled_residual_rho(fits, tercile, None), abs=0)
