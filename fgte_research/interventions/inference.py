"""Shared inference helpers: test inversion, randomization inference and the wild cluster bootstrap.

Conventions
-----------
* p-values of rank tests count ties as extreme and include the observed assignment:
  ``p = #{a : |s_a| >= |s_obs|} / #assignments``, so the smallest attainable p is 1/#assignments.
* A value ``tau`` belongs to a confidence set when the test of ``H0: effect = tau`` has ``p > alpha``.
  Intervals are found by stepping out from the point estimate until the test rejects and then
  bisecting; an interval that never closes is reported as NaN (with a warning from the caller).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..contract import CannotAssess
from ..errors import InputError

NAN = float("nan")


# ---------------------------------------------------------------------------------------------
# Generic test inversion
# ---------------------------------------------------------------------------------------------

def invert_test(pfun: Callable[[float], float], estimate: float, scale: float, alpha: float = 0.05,
                max_doublings: int = 40, tol: float = 1e-9) -> tuple[float, float]:
    """Confidence interval {tau : pfun(tau) > alpha} around ``estimate`` (NaN side if it never closes)."""
    scale = abs(scale) if scale and np.isfinite(scale) and scale > 0 else max(1.0, abs(estimate))
    if pfun(estimate) <= alpha:
        return NAN, NAN

    def bound(direction: int) -> float:
        inner = estimate
        for k in range(-3, max_doublings):
            outer = estimate + direction * scale * 2.0 ** k
            if pfun(outer) <= alpha:
                break
            inner = outer
        else:
            return NAN
        lo, hi = inner, outer  # p(inner) > alpha, p(outer) <= alpha
        for _ in range(200):
            if abs(hi - lo) <= tol * max(1.0, scale):
                break
            mid = 0.5 * (lo + hi)
            if pfun(mid) > alpha:
                lo = mid
            else:
                hi = mid
        return lo

    return bound(-1), bound(+1)


# ---------------------------------------------------------------------------------------------
# Rank (randomization / placebo) tests with statistics linear in the hypothesised effect
# ---------------------------------------------------------------------------------------------

@dataclass
class LinearRankTest:
    """Rank test where, under ``H0: effect = tau``, assignment a has statistic ``a_a - tau * b_a``.

    ``a`` and ``b`` hold all assignments (the observed one included, at index ``observed``).
    Used for randomization inference in DiD (b from applying each placebo assignment's estimator to
    the true treatment indicator) and for the synthetic-control gap CI (b = 1 for the treated unit,
    0 for the placebos).
    """

    a: np.ndarray
    b: np.ndarray
    observed: int

    def p_value(self, tau: float = 0.0) -> float:
        stats = np.abs(self.a - tau * self.b)
        obs = stats[self.observed]
        tol = 1e-10 * max(1.0, float(np.max(stats)))
        return float(np.mean(stats >= obs - tol))

    @property
    def n(self) -> int:
        return len(self.a)

    def conf_int(self, estimate: float, scale: float, alpha: float = 0.05) -> tuple[float, float]:
        if self.n * alpha < 1:  # p can never be <= alpha: the set is the whole line
            return NAN, NAN
        return invert_test(self.p_value, estimate, scale, alpha)


def placebo_assignments(n_units: int, treated_idx: list[int], max_assignments: int = 10_000,
                        rng: np.random.Generator | None = None) -> tuple[np.ndarray, bool]:
    """Boolean matrix (assignments x units) of pseudo-treated sets of the same size as the real one.

    Row 0 is the observed assignment. All C(n, k) sets are enumerated when there are at most
    ``max_assignments``; otherwise a seeded random sample is drawn (the second return value says
    whether the enumeration was exact).
    """
    k = len(treated_idx)
    total = math.comb(n_units, k)
    obs = np.zeros(n_units, dtype=bool)
    obs[treated_idx] = True
    if total <= max_assignments:
        combos = np.array(list(itertools.combinations(range(n_units), k)), dtype=int).reshape(total, k)
        A = np.zeros((total, n_units), dtype=bool)
        A[np.repeat(np.arange(total), k), combos.ravel()] = True
        A = A[~(A == obs).all(axis=1)]
        return np.vstack([obs, A]), True
    rng = rng or np.random.default_rng(0)
    picks = np.argsort(rng.random((max_assignments - 1, n_units)), axis=1)[:, :k]
    A = np.zeros((max_assignments - 1, n_units), dtype=bool)
    A[np.repeat(np.arange(max_assignments - 1), k), picks.ravel()] = True
    return np.vstack([obs, A]), False


# ---------------------------------------------------------------------------------------------
# Wild cluster bootstrap for a two-way fixed-effects regression on a balanced panel
# ---------------------------------------------------------------------------------------------

def two_way_demean(x: np.ndarray) -> np.ndarray:
    """Annihilate unit and year effects in a balanced units x years matrix."""
    return x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean()


def bootstrap_weights(kind: str, n_clusters: int, n_boot: int, rng: np.random.Generator
                      ) -> tuple[np.ndarray, bool]:
    """(n_boot x n_clusters) auxiliary weights; Rademacher is fully enumerated when 2**G <= n_boot."""
    if kind == "rademacher":
        if 2 ** n_clusters <= n_boot:
            grid = np.array(list(itertools.product((-1.0, 1.0), repeat=n_clusters)))
            return grid, True
        return rng.choice(np.array([-1.0, 1.0]), size=(n_boot, n_clusters)), False
    if kind == "webb":
        vals = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
        if 6 ** n_clusters <= n_boot:
            return np.array(list(itertools.product(vals, repeat=n_clusters))), True
        return rng.choice(vals, size=(n_boot, n_clusters)), False
    raise InputError(f"Okänd viktfördelning för wild bootstrap: {kind!r} (använd 'webb' eller 'rademacher').")


@dataclass
class WildClusterBootstrap:
    """Restricted (null-imposed) wild cluster bootstrap-t for beta in y_it = a_i + g_t + beta*D_it + u_it.

    Balanced panel, one cluster per unit (municipality). By Frisch–Waugh–Lovell everything is
    computed on two-way demeaned data; for each hypothesised beta0 the bootstrap t statistics are

        t*_b(beta0) = (v_b . h(beta0)) / sqrt(c * sum_i s_bi(beta0)^2),

    with h_i = sum_t D''_it u~_it, u~ = Y'' - beta0 D'' the restricted residuals, and cluster scores
    s_bi = v_bi h_i - (G v_b)_i / N - (v_b . h / S) sum_t D''_it^2 (the year-mean term comes from
    re-demeaning the bootstrap residuals). Every piece is linear in beta0, so p(beta0) costs
    O(B·N) after one O(B·N²) precomputation, which makes CI-by-test-inversion cheap.
    c = G/(G-1) * (n-1)/(n-k) is the usual CR1 small-sample factor (it cancels in the p-value).
    """

    y: np.ndarray  # units x years
    d: np.ndarray  # units x years, treatment indicator
    weights: str = "webb"
    n_boot: int = 9999
    seed: int = 0

    def __post_init__(self):
        y, d = np.asarray(self.y, float), np.asarray(self.d, float)
        n_units, n_years = y.shape
        self.G = n_units
        yd, dd = two_way_demean(y), two_way_demean(d)
        self.S = float(np.sum(dd * dd))
        if self.S <= 0:
            raise CannotAssess("Behandlingsindikatorn varierar inte efter fixa effekter; DiD kan inte skattas.")
        self.beta = float(np.sum(dd * yd) / self.S)
        n, k = n_units * n_years, n_units + n_years
        self.c = (self.G / (self.G - 1)) * ((n - 1) / max(n - k, 1))
        resid = yd - self.beta * dd
        scores = np.sum(dd * resid, axis=1)
        self.se = float(np.sqrt(self.c * np.sum(scores ** 2)) / self.S)
        rng = np.random.default_rng(self.seed)
        v, self.exact = bootstrap_weights(self.weights, self.G, self.n_boot, rng)
        self.B = v.shape[0]
        hY, hD = np.sum(dd * yd, axis=1), np.sum(dd * dd, axis=1)
        GY, GD = dd @ yd.T, dd @ dd.T
        nY, nD = v @ hY, v @ hD
        P = v * hY - (v @ GY.T) / n_units - np.outer(nY / self.S, hD)
        Q = v * hD - (v @ GD.T) / n_units - np.outer(nD / self.S, hD)
        self._nY, self._nD = nY, nD
        self._PP, self._PQ, self._QQ = np.sum(P * P, 1), np.sum(P * Q, 1), np.sum(Q * Q, 1)

    def t_stat(self, beta0: float = 0.0) -> float:
        return (self.beta - beta0) / self.se if self.se > 0 else math.copysign(math.inf, self.beta - beta0)

    def p_value(self, beta0: float = 0.0) -> float:
        num = self._nY - beta0 * self._nD
        ss = np.maximum(self._PP - 2 * beta0 * self._PQ + beta0 ** 2 * self._QQ, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            tb = num / np.sqrt(self.c * ss)
        tb = np.where(np.isfinite(tb), tb, 0.0)
        t_obs = abs(self.t_stat(beta0))
        return float(np.mean(np.abs(tb) >= t_obs - 1e-12 * max(1.0, t_obs)))

    def conf_int(self, alpha: float = 0.05) -> tuple[float, float]:
        return invert_test(self.p_value, self.beta, self.se if self.se > 0 else 1.0, alpha)


def t_interval(estimate: float, se: float, df: float, alpha: float = 0.05) -> tuple[float, float, float]:
    """(ci_low, ci_high, two-sided p) from a t distribution."""
    from scipy import stats

    if not np.isfinite(se) or df <= 0:
        return NAN, NAN, NAN
    if se == 0:
        return estimate, estimate, NAN
    q = stats.t.ppf(1 - alpha / 2, df)
    p = 2 * stats.t.sf(abs(estimate / se), df)
    return estimate - q * se, estimate + q * se, float(p)
