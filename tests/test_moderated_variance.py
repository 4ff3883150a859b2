"""The moderated standard error of the primary design (interventions.country.moderated_standard_errors):
its prior and d0 recovered in simulations where they are known, and what it does on the real data."""

import math

import numpy as np
import pandas as pd
from scipy.special import polygamma

from fgte_research.intervention_study import excluded_from_placebos, population_before
from fgte_research.interventions.country import (_inverse_trigamma, difference_statistics,
                                                 moderated_standard_errors)
from fgte_research.interventions.placebo import placebo_matrix
from fgte_research.panel import series_values

N_PRE, N_POST = 3, 7
D = N_PRE + N_POST - 2
FACTOR = math.sqrt(1 / N_PRE + 1 / N_POST)


def _simulated(extra_sd: float, n: int = 3000, seed: int = 1):
    """Simulation (not data): true variances on a line in log size, times lognormal scatter of ``extra_sd``;
    each unit's estimate has D degrees of freedom."""
    rng = np.random.default_rng(seed)
    log_size = rng.uniform(7.5, 13.5, n)
    true_var = np.exp(4.0 - 0.6 * (log_size - 10) + extra_sd * rng.standard_normal(n))
    s2 = true_var * rng.chisquare(D, n) / D
    return np.sqrt(s2) * FACTOR, log_size, true_var


def test_inverse_trigamma_inverts():
    for x in (0.3, 1.0, 4.5, 30.0):
        assert abs(_inverse_trigamma(float(polygamma(1, x))) - x) < 1e-6 * max(1, x)


def test_no_extra_scatter_gives_a_large_d0_and_the_prior_line():
    se, log_size, true_var = _simulated(0.0)
    shrunk, d0 = moderated_standard_errors(se, N_PRE, N_POST, log_size)
    assert d0 > 100
    # nearly the prior itself: within 5 % of the true standard error for almost every unit
    ratio = shrunk / (np.sqrt(true_var) * FACTOR)
    assert np.mean(np.abs(ratio - 1) < 0.05) > 0.9


def test_d0_is_recovered_and_shrinkage_reduces_the_error():
    # log-variance scatter 0.5 → trigamma(d0/2) = 0.25 → d0 = 2·trigamma⁻¹(0.25) ≈ 9.0
    se, log_size, true_var = _simulated(0.5)
    shrunk, d0 = moderated_standard_errors(se, N_PRE, N_POST, log_size)
    expected = 2 * _inverse_trigamma(0.25)
    assert 0.7 * expected < d0 < 1.4 * expected
    truth = np.sqrt(true_var) * FACTOR
    assert np.mean(np.log(shrunk / truth) ** 2) < 0.8 * np.mean(np.log(se / truth) ** 2)


def test_on_real_merit_series_the_shrinkage_is_partial_and_follows_size():
    """Åk 9 merit (spliced, 2016–2025), start 2018 as FGTE: two pre-years, so the own variance is noisy."""
    frame = series_values("splice.ak9.merit17.kommunal", include_aggregates=False)
    frame = frame[frame["year"].between(2016, 2025)][["municipality_id", "year", "value"]]
    W = placebo_matrix(frame, range(2016, 2026), excluded_from_placebos())
    years = np.asarray(W.columns)
    est, se = difference_statistics(W.to_numpy(float), years, 2018, np.arange(len(W)))
    size = population_before(2018)
    log_size = np.log([size[c] for c in W.index])
    shrunk, d0 = moderated_standard_errors(se, 2, 8, log_size)
    assert 2 < d0 < 200  # the real variances scatter beyond chance, but far less than unit to unit in size
    # shrunk towards the size line: a unit noisier than its size predicts is moved down, a quieter one up
    X = np.column_stack([np.ones_like(log_size), log_size])
    resid = np.log(se) - X @ np.linalg.lstsq(X, np.log(se), rcond=None)[0]
    clear = np.abs(resid) > 0.3
    assert np.mean(np.sign(shrunk - se)[clear] == -np.sign(resid)[clear]) > 0.95
    assert np.all(np.abs(np.log(shrunk / se)) <= np.abs(resid) + 0.3)  # partial, not all the way
    # the noise falls with size more clearly after moderation
    rho_own = pd.Series(se).corr(pd.Series(log_size), method="spearman")
    rho_mod = pd.Series(shrunk).corr(pd.Series(log_size), method="spearman")
    assert rho_own < -0.3 and rho_mod < rho_own
