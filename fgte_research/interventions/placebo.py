"""Calibrating a single-unit design against the country: studentized placebo-in-space.

Why: annual municipal series are autocorrelated and their noise differs between small and large municipalities,
so the designs' own t-based p-values reject far more often than 5 % when nothing happened (measured on the real
data: `benchmarks/bench_placebo_size.py`). The calibrated test instead asks whether the treated municipality's
estimate is unusual among the same estimates for every other municipality with complete data in the same window
(the placebos), which carry the same kind of noise.

Method (Ferman & Pinto's studentization of the placebo test):
- every placebo j gets the design's estimate e_j and its standard error s_j (vectorised here for ITS and before/after:
  both are linear in the data, so all municipalities share one design matrix);
- the country's common movement is the median m of the placebo estimates; the calibrated estimate is e_0 − m
  ("compared with how the country's municipalities moved in the same years");
- the studentized statistic t_j = (e_j − m) / s_j; p = (1 + #{|t_j| ≥ |t_0|}) / (J + 1), which holds its size when
  the treated unit is exchangeable with the placebos after studentization, whatever the autocorrelation;
- the 95 % interval is (e_0 − m) ± q · s_0, where q is the (1 − α)(J + 1)-th smallest |t_j|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .inference import NAN
from .its import design_matrix
from ..errors import InputError


@dataclass(frozen=True)
class Calibration:
    estimate: float  # e_0 − m
    ci_low: float
    ci_high: float
    p_value: float
    centre: float  # m: median placebo estimate (the country's common movement)
    n_placebos: int
    method: str


def unit_estimates(design: str, Y: np.ndarray, years, t0: int) -> tuple[np.ndarray, np.ndarray]:
    """(estimate, standard error) of the design's headline quantity for every row of Y (complete rows only).

    design: "its" (average post-period effect of a segmented OLS with level and slope change) or "before_after"
    (mean after − mean before, Welch standard error).
    """
    years = np.asarray(years, dtype=int)
    Y = np.asarray(Y, dtype=float)
    pre, post = years < t0, years >= t0
    if design == "before_after":
        a, b = Y[:, pre], Y[:, post]
        n0, n1 = a.shape[1], b.shape[1]
        est = b.mean(axis=1) - a.mean(axis=1)
        if n0 >= 2 and n1 >= 2:
            se = np.sqrt(a.var(axis=1, ddof=1) / n0 + b.var(axis=1, ddof=1) / n1)
        else:
            s2 = (a if n0 >= 2 else b).var(axis=1, ddof=1)
            se = np.sqrt(s2 * (1 / n0 + 1 / n1))
        return est, se
    if design == "its":
        with_slope = post.sum() >= 2
        X = design_matrix(years, t0, with_slope).to_numpy(dtype=float)
        n, k = X.shape
        if n <= k or pre.sum() < 2:
            return np.full(len(Y), NAN), np.full(len(Y), NAN)
        XtX_inv = np.linalg.inv(X.T @ X)
        B = Y @ X @ XtX_inv  # units × k
        resid = Y - B @ X.T
        s2 = (resid ** 2).sum(axis=1) / (n - k)
        c = np.zeros(k)
        c[2] = 1.0
        if with_slope:
            c[3] = (years[post] - t0).mean()
        est = B @ c
        se = np.sqrt(s2 * float(c @ XtX_inv @ c))
        return est, se
    raise InputError(f"okänd design för placebokalibrering: {design!r}")


def calibrate(e0: float, s0: float, e_placebo, s_placebo, alpha: float = 0.05, what: str = "") -> Calibration:
    """Studentized placebo-in-space calibration of one estimate (see the module docstring)."""
    e = np.asarray(e_placebo, dtype=float)
    s = np.asarray(s_placebo, dtype=float)
    ok = np.isfinite(e) & np.isfinite(s) & (s > 0)
    e, s = e[ok], s[ok]
    J = len(e)
    if J < 19 or not (np.isfinite(e0) and np.isfinite(s0) and s0 > 0):
        return Calibration(NAN, NAN, NAN, NAN, NAN, J, "placebo_in_space_studentized (för få placebokommuner)")
    m = float(np.median(e))
    t = np.abs((e - m) / s)
    t0 = abs((e0 - m) / s0)
    p = (1 + int(np.sum(t >= t0 * (1 - 1e-12)))) / (J + 1)
    rank = math.ceil((1 - alpha) * (J + 1))
    q = float(np.sort(t)[min(rank, J) - 1])
    est = e0 - m
    return Calibration(est, est - q * s0, est + q * s0, p, m, J,
                       f"placebo_in_space_studentized_{J}{('_' + what) if what else ''}")


def placebo_matrix(frame: pd.DataFrame, window_years, exclude) -> pd.DataFrame:
    """Municipalities × years of the window, complete rows only, without the excluded (treated, registered)."""
    wide = frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(window_years))
    wide = wide[~wide.index.isin(set(exclude)) & ~wide.index.astype(str).str.startswith("00")]
    return wide.dropna()


def calibrate_result(result, frame: pd.DataFrame, exclude=(), comparison=None, alpha: float = 0.05):
    """Add the country-calibrated headline to a before/after, ITS or DiD result (in place; returns it).

    ``frame`` is the long panel frame (municipality_id, year, value) of the same series and window for all
    municipalities; ``exclude`` the municipalities that must not serve as placebos (treated and every registered
    one). DiD: the placebo statistic is the before/after change of the unit's difference from the comparison
    group's mean; with several treated units, the mean of their studentized statistics against random placebo
    sets of the same size.
    """
    from .results import Term

    design = result.design
    years = sorted(set(result.pre_years) | set(result.post_years))
    t0 = int(result.first_treated_year)
    W = placebo_matrix(frame, years, [])
    base_design = "before_after" if design == "did" else design
    if design == "did":
        comp = [c for c in (comparison or []) if c in W.index]
        if not comp:
            return result
        W = W.sub(W.loc[comp].mean(axis=0), axis=1).drop(index=comp)
    treated = [u for u in result.treated if u in W.index]
    if len(treated) != len(result.treated):
        return result  # a treated unit lacks a year of the window: no complete-data calibration
    est, se = unit_estimates(base_design, W.to_numpy(), years, t0)
    est, se = pd.Series(est, index=W.index), pd.Series(se, index=W.index)
    pool = [u for u in W.index if u not in set(exclude) | set(treated)]
    if len(treated) == 1:
        cal = calibrate(float(est[treated[0]]), float(se[treated[0]]), est[pool], se[pool], alpha, design)
    else:
        cal = _calibrate_set(est[treated], se[treated], est[pool], se[pool], alpha, design)
    if np.isnan(cal.p_value):
        return result
    result.calibration = cal
    result.terms.insert(0, Term("effect_vs_country", cal.estimate, cal.ci_low, cal.ci_high, cal.p_value,
                                cal.method, calibrated=True))
    return result


def _calibrate_set(e_t, s_t, e_p, s_p, alpha: float, what: str, draws: int = 4000, seed: int = 0) -> Calibration:
    """Several treated units: the mean studentized deviation from the country against random placebo sets."""
    e_p, s_p = np.asarray(e_p, float), np.asarray(s_p, float)
    ok = np.isfinite(e_p) & np.isfinite(s_p) & (s_p > 0)
    e_p, s_p = e_p[ok], s_p[ok]
    k, J = len(e_t), len(e_p)
    if J < max(19, 2 * k):
        return Calibration(NAN, NAN, NAN, NAN, NAN, J, "placebo_in_space_studentized_set (för få placebokommuner)")
    m = float(np.median(e_p))
    t_p = (e_p - m) / s_p
    t_obs = float(np.mean((np.asarray(e_t, float) - m) / np.asarray(s_t, float)))
    rng = np.random.default_rng(seed)
    sets = np.array([rng.choice(J, size=k, replace=False) for _ in range(draws)])
    stats_p = np.abs(t_p[sets].mean(axis=1))
    p = (1 + int(np.sum(stats_p >= abs(t_obs) * (1 - 1e-12)))) / (draws + 1)
    q = float(np.quantile(stats_p, 1 - alpha))
    est = float(np.mean(e_t)) - m
    scale = float(np.mean(s_t))  # the interval in the unit of the series: mean studentized bound × mean SE
    return Calibration(est, est - q * scale, est + q * scale, p, m, J,
                       f"placebo_in_space_studentized_set_{k}_of_{J}_{what}")
