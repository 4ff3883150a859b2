"""Linear trend of an annual series: OLS with a small-sample t-interval, and Theil–Sen beside it.

Shared by progression, the gap measures and the soft values, so that a trend means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import breaks


@dataclass
class Trend:
    first_year: int
    last_year: int
    n: int
    ols_slope: float
    ols_ci: tuple[float, float]
    theilsen_slope: float
    theilsen_ci: tuple[float, float]
    resid_sd: float


def fit_trend(years: np.ndarray, values: np.ndarray) -> Trend | None:
    """OLS slope with a small-sample t interval and Theil–Sen slope with its interval; None if n < 3."""
    mask = ~np.isnan(np.asarray(values, float))
    x, y = np.asarray(years, float)[mask], np.asarray(values, float)[mask]
    n = len(x)
    if n < 3:
        return None
    ols = stats.linregress(x, y)
    tcrit = stats.t.ppf(0.975, n - 2)
    resid = y - (ols.intercept + ols.slope * x)
    resid_sd = float(np.sqrt(np.sum(resid ** 2) / (n - 2)))
    ts = stats.theilslopes(y, x, alpha=0.95)
    return Trend(int(x.min()), int(x.max()), n, float(ols.slope),
                 (float(ols.slope - tcrit * ols.stderr), float(ols.slope + tcrit * ols.stderr)),
                 float(ts.slope), (float(ts.low_slope), float(ts.high_slope)), resid_sd)


def comparable_years(series_id: str, years: list[int]) -> tuple[list[int], list[breaks.Break]]:
    """The latest run of ``years`` not crossing a definition break, and the breaks that were avoided."""
    crossed = [b for b in breaks.comparability_breaks(series_id) if b.crossed_by(min(years), max(years))] \
        if years else []
    keep = list(years)
    for b in crossed:
        keep = [y for y in keep if y >= b.after]
    return keep, crossed
