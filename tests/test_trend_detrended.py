"""The vectorised detrending behind pooled ρ equals a row-by-row ``np.polyfit`` on the real panel."""

import numpy as np
import pytest

from fgte_research.panel import series_values
from fgte_research.trend import detrended


def _row_by_row(Y, years):
    x = np.asarray(years, float)
    out = np.full_like(Y, np.nan, dtype=float)
    for i, y in enumerate(Y):
        m = ~np.isnan(y)
        if m.sum() >= 4:
            b = np.polyfit(x[m], y[m], 1)
            out[i, m] = y[m] - np.polyval(b, x[m])
    return out


@pytest.mark.parametrize("series_id", ["N15419", "N15436", "N17451", "splice.ak9.merit17.kommunal"])
def test_detrended_matches_polyfit_on_real_series(series_id):
    frame = series_values(series_id, include_aggregates=False)
    wide = frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")
    Y = wide.to_numpy(dtype=float)
    assert len(wide) > 200  # (nearly) every municipality, as pooled ρ uses them
    fast, slow = detrended(Y, wide.columns.to_numpy()), _row_by_row(Y, wide.columns.to_numpy())
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.nanmax(np.abs(fast - slow)) < 1e-8


def test_rows_with_fewer_than_four_values_stay_missing():
    # hand-made arithmetic check: an exact line leaves zero residuals; three points are too few
    Y = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, np.nan, 3.0, np.nan, 5.0]])
    out = detrended(Y, [2020, 2021, 2022, 2023, 2024])
    assert np.allclose(out[0], 0.0) and np.isnan(out[1]).all()
