"""(b) Interrupted time series: segmented regression on one municipality's annual series.

    y_t = b0 + b1·τ + b2·post + b3·τ·post + e_t,   τ = year − first_treated_year, post = 1{τ >= 0}

b2 is the level change at the first affected year, b3 the change in slope per year. The headline
is the *average post-period effect*: the mean over post years of observed − extrapolated pre-trend,
which equals b2 + b3·mean(τ_post) exactly (OLS residuals sum to zero in the post segment).

Inference: OLS with t(n − k) intervals by default — exact under independent normal errors and
the honest choice with 5–15 points. ``cov="hac"`` gives Newey–West standard errors with the lag
stated in the method column (default lag floor(4·(n/100)^(2/9)), i.e. 2 for 5–25 points) and still
t(n − k) reference quantiles; HAC needs far more points than annual series have, so a warning is
always attached. With a single post year b3 is not identified and is dropped.
"""

from __future__ import annotations

import math

import numpy as np

from ..contract import CannotAssess
import pandas as pd
import statsmodels.api as sm

from ..text_sv import fmt_ci, fmt_num
from . import checks
from .inference import t_interval
from .results import InterventionResult, Labels, Term, series_frame
from ..errors import InputError


class ITSResult(InterventionResult):
    min_pre = checks.MIN_PRE_POINTS  # a trend through fewer pre-years is extrapolation, not a counterfactual
    comparison_sv = "den framskrivna trenden från förperioden"
    counterfactual_label_sv = "Framskriven trend före insatsen"
    model = None  # statsmodels results, set by its()

    def _details_sv(self) -> list[str]:
        out = []
        unit = self._unit_sv()
        words = {"level_change": "Nivåförändring vid starten: {}" + unit,
                 "slope_change": "Trendförändring: {}" + unit + " per år"}
        for t in self.terms:
            if t.term in words:
                what = words[t.term].format(fmt_num(t.estimate, signed=True))
                out.append(f"{what} ({fmt_ci(t.ci_low, t.ci_high)}, okalibrerat).")
        out.append("Tolkningen förutsätter att trenden före insatsen hade fortsatt utan den och att inget annat "
                   "hände samtidigt.")
        return out


def hac_default_lag(n: int) -> int:
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def design_matrix(years, t0: int, with_slope_change: bool = True) -> pd.DataFrame:
    tau = np.asarray(years, dtype=float) - t0
    post = (tau >= 0).astype(float)
    cols = {"const": np.ones_like(tau), "trend": tau, "post": post}
    if with_slope_change:
        cols["trend_post"] = tau * post
    return pd.DataFrame(cols, index=np.asarray(years, dtype=int))


def its(data: pd.DataFrame, treated: str, first_treated_year: int, *,
        last_year: int | None = None, series_id: str = "",
        start_year: int | None = None, end_year: int | None = None, break_years=None,
        cov: str = "ols", hac_lags: int | None = None,
        municipality_name: str | None = None, indicator_name: str | None = None,
        unit: str | None = None, alpha: float = 0.05) -> ITSResult:
    """Segmented regression; returns level change, slope change and average post-period effect."""
    if cov not in ("ols", "hac"):
        raise InputError(f"Okänd kovariansskattning {cov!r}: använd 'ols' eller 'hac'.")
    frame = checks.clean_frame(data, last_year)
    (treated,) = checks.require_units(frame, [treated])
    window = checks.make_window(frame, [treated], first_treated_year, start_year, end_year)
    breaks = checks.parse_break_years(break_years)
    obs = checks.wide(frame, window, [treated]).iloc[0].dropna()
    years = [int(y) for y in obs.index]
    pre = [y for y in years if y < window.t0]
    post = [y for y in years if y >= window.t0]
    with_slope = len(post) >= 2
    X = design_matrix(years, window.t0, with_slope)
    if len(pre) < 2:
        raise CannotAssess(f"ITS kräver minst två observerade år före insatsen för att skatta en trend; "
                         f"förperioden har {len(pre)}.")
    if len(years) <= X.shape[1]:
        raise CannotAssess(f"För få observationer för ITS: {len(years)} år men modellen har {X.shape[1]} "
                         f"parametrar; minst {X.shape[1] + 1} år behövs.")
    y = obs.to_numpy(dtype=float)
    model = sm.OLS(y, X)
    if cov == "ols":
        fit = model.fit()
        method = "ols_t"
    else:
        lags = hac_default_lag(len(years)) if hac_lags is None else int(hac_lags)
        fit = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)
        method = f"hac_newey_west_lag{lags}_t"
    df = float(fit.df_resid)
    params, V = fit.params.to_numpy(), np.asarray(fit.cov_params())

    tau_post = np.array(post, dtype=float) - window.t0
    c = np.zeros(X.shape[1])
    c[2] = 1.0
    if with_slope:
        c[3] = tau_post.mean()
    avg = float(c @ params)
    avg_se = float(np.sqrt(c @ V @ c))
    terms = [Term("average_effect", avg, *t_interval(avg, avg_se, df, alpha), method)]
    for name, idx in (("level_change", 2), ("slope_change", 3)):
        if idx < X.shape[1]:
            est, se = float(params[idx]), float(np.sqrt(V[idx, idx]))
            terms.append(Term(name, est, *t_interval(est, se, df, alpha), method))

    warnings = checks.compact([
        checks.warn_short_pre(len(pre)),
        checks.warn_single_post(post),
        checks.warn_missing_years(municipality_name or treated, window, years),
        checks.warn_breaks(window, breaks),
    ])
    if not with_slope:
        warnings.append("Trendförändringen kan inte skattas med ett enda år efter starten; bara nivåförändringen "
                        "skattas.")
    if cov == "hac":
        warnings.append(f"HAC-standardfel (Newey–West, lag {lags}) bygger på stora urval; med {len(years)} "
                        "årsvärden är de osäkra och kan ge för smala intervall.")

    all_years = np.asarray(window.years)
    counter = params[0] + params[1] * (all_years - window.t0)
    observed = checks.wide(frame, window, [treated]).iloc[0].to_numpy(dtype=float)
    res = ITSResult(
        design="its", treated=(treated,), first_treated_year=window.t0, terms=terms,
        series=series_frame(all_years, observed, counter), pre_years=pre, post_years=post,
        warnings=warnings, labels=Labels(municipality_name, indicator_name, unit),
        series_id=series_id, break_years=breaks,
    )
    res.model = fit
    return res
