"""Shared code of the gap-trend size benchmark and its test: the real re-centred residuals of every gap model, and
the report's trend verdict for many rows at once.

The gap trend on page 1 is ``fit_trend`` on the municipality's re-centred residual over the model's years (merit
2017–2022: six points) with an AR(1)-widened t interval. Its null cannot be read off the real series directly: six
points leave nothing outside the window to detrend against. So the null keeps what the real residuals have —
each municipality's own noise level (unequal variances) and the autocorrelation of its population tercile — and
has no trend by construction (AR(1) panels, re-centred each year as the residuals are). For the models with eight
or more years, six-point windows of the real residuals detrended over all years are counted as well (real noise,
but detrending over so few years also removes part of it: a conservative check, not the size).
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fgte_research.gaps import salsa  # noqa: E402
from fgte_research.panel import size_classes  # noqa: E402
from fgte_research.trend import ar1_variance_factor, detrended, pooled_rho  # noqa: E402

#: the gap models of the report (README's SALSA table): main models with their background covariates
MODELS = ["N15505", "N15419", "N15436", "N17691", "N17451", "N17467"]
TERCILES = {0: "minsta", 1: "mellan", 2: "största"}


def residuals(outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(residuals units × years, years, tercile per unit) of the pooled model: municipalities with every year."""
    spec = salsa._spec(outcome, "default", "default", "default")
    fits, _ = salsa._fit_pooled(spec, None)
    wide = pd.concat({y: f.table.set_index("municipality_id")["residual_centred"] for y, f in fits.items()},
                     axis=1).sort_index(axis=1).dropna()
    classes = size_classes(None)
    keep = [m for m in wide.index if str(m) in classes]
    wide = wide.loc[keep]
    return (wide.to_numpy(float), np.asarray(wide.columns, float),
            np.array([classes[str(m)] for m in wide.index]))


def trend_verdicts(Y: np.ndarray, years, rho, critical: str = "t") -> np.ndarray:
    """True where ``fit_trend(years, row, rho)`` would call the OLS trend 'säker' (its 95 % interval excludes 0),
    for every row of Y (complete rows) at once. ``rho``: one value, or one per row. ``critical="z"`` reads the
    plain normal 1.96 instead of Student's t: the deliberately mis-calibrated control."""
    x = np.asarray(years, float)
    xc = x - x.mean()
    n = len(x)
    Y = np.asarray(Y, float)
    b = (Y - Y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
    res = Y - Y.mean(axis=1, keepdims=True) - b[:, None] * xc[None, :]
    se = np.sqrt((res ** 2).sum(axis=1) / (n - 2) / (xc @ xc))
    rho = np.broadcast_to(np.asarray(rho, float), b.shape)
    factors = {r: ar1_variance_factor(x, r) for r in np.unique(rho)}
    se = se * np.sqrt(np.array([factors[r] for r in rho]))
    crit = stats.t.ppf(0.975, n - 2) if critical == "t" else 1.96
    return np.abs(b) > crit * se


def tercile_rho(Y: np.ndarray, years, terc: np.ndarray, seed: int = 0, sims: int = 400) -> np.ndarray:
    """ρ pooled within each unit's tercile (the report's rule), one value per row."""
    out = np.empty(len(Y))
    for g in TERCILES:
        m = terc == g
        out[m] = pooled_rho(Y[m], years, seed=seed, sims=sims)
    return out


def ar1_panel(sd: np.ndarray, years, rho_by_row: np.ndarray, rng) -> np.ndarray:
    """AR(1) noise with each row's own SD and ρ, no trend; re-centred each year like the residuals."""
    span = np.arange(int(years.min()), int(years.max()) + 1)
    e = rng.normal(size=(len(sd), len(span)))
    z = np.empty_like(e)
    z[:, 0] = e[:, 0] / np.sqrt(1 - rho_by_row ** 2)
    for t in range(1, len(span)):
        z[:, t] = rho_by_row * z[:, t - 1] + e[:, t]
    z = z[:, np.searchsorted(span, np.asarray(years).astype(int))] * np.sqrt(1 - rho_by_row ** 2)[:, None]
    z = z * sd[:, None]
    return z - z.mean(axis=0)


def null_rates(outcome: str, reps: int = 100, seed: int = 1) -> dict:
    """False 'säker' per tercile under the no-trend null, for the report's rule (ρ pooled in the tercile), the
    earlier rule (ρ pooled over all) and the mis-calibrated control; plus what the real residuals show."""
    Y, years, terc = residuals(outcome)
    true_rho = tercile_rho(Y, years, terc)
    sd = np.nanstd(detrended(Y, years), axis=1, ddof=2)
    rng = np.random.default_rng(seed)
    hits = {k: np.zeros(3) for k in ("report", "earlier", "control")}
    for r in range(reps):
        S = ar1_panel(sd, years, true_rho, rng)
        verdicts = {"report": trend_verdicts(S, years, tercile_rho(S, years, terc, seed=r, sims=200)),
                    "earlier": trend_verdicts(S, years, pooled_rho(S, years, seed=r, sims=200)),
                    "control": trend_verdicts(S, years, 0.0, critical="z")}
        for k, v in verdicts.items():
            hits[k] += [v[terc == g].mean() for g in TERCILES]
    out = {"outcome": outcome, "years": (int(years[0]), int(years[-1])), "units": len(Y),
           "rho": {TERCILES[g]: float(true_rho[terc == g][0]) for g in TERCILES},
           "rho_all": float(pooled_rho(Y, years))}
    out.update({k: {TERCILES[g]: float(h[g] / reps) for g in TERCILES} for k, h in hits.items()})
    real = trend_verdicts(Y, years, true_rho)
    out["real_saker"] = {TERCILES[g]: int(real[terc == g].sum()) for g in TERCILES}
    out["real_saker_earlier"] = int(trend_verdicts(Y, years, out["rho_all"]).sum())
    if len(years) >= 8:
        E = detrended(Y, years)
        k, n = np.zeros(3), np.zeros(3)
        for s in range(len(years) - 6 + 1):
            v = trend_verdicts(E[:, s:s + 6], years[s:s + 6], true_rho)
            k += [v[terc == g].sum() for g in TERCILES]
            n += [(terc == g).sum() for g in TERCILES]
        out["detrended_windows"] = {TERCILES[g]: float(k[g] / n[g]) for g in TERCILES}
    return out
