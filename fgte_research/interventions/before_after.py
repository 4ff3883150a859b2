"""(a) Before/after: difference in means, post − pre, with a Welch t interval.

The simplest design and the weakest: it attributes every change between the periods — trends,
national shifts, cohort differences, series breaks — to the intervention. Use it as a description,
next to ITS/DiD/synthetic control, not instead of them.

Inference: Welch's t with Welch–Satterthwaite degrees of freedom (unequal variances, small samples).
The years are treated as independent draws around each period's mean; positively autocorrelated
annual series make the interval too narrow. With a single year on one side the Welch variance is
undefined; the other side's variance is then used for both (equal-variance assumption, df = n − 1),
and a warning says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import checks
from .inference import NAN, t_interval
from .results import InterventionResult, Labels, Term, series_frame


class BeforeAfterResult(InterventionResult):
    comparison_sv = "genomsnittet före insatsen"
    counterfactual_label_sv = "Genomsnitt före insatsen"

    def _details_sv(self) -> list[str]:
        return ["Den enkla jämförelsen före/efter tar inte hänsyn till trender eller till annat som hände samtidigt; "
                "utan en jämförelse med andra kommuner tillskrivs hela förändringen insatsen."]


def welch(pre: np.ndarray, post: np.ndarray, alpha: float = 0.05) -> tuple[float, float, float, float, float, str]:
    """(diff, ci_low, ci_high, p, df, method) for mean(post) − mean(pre)."""
    n0, n1 = len(pre), len(post)
    diff = float(post.mean() - pre.mean())
    if n0 >= 2 and n1 >= 2:
        v0, v1 = pre.var(ddof=1) / n0, post.var(ddof=1) / n1
        se = float(np.sqrt(v0 + v1))
        denom = (v0 ** 2 / (n0 - 1) if v0 else 0.0) + (v1 ** 2 / (n1 - 1) if v1 else 0.0)
        df = (v0 + v1) ** 2 / denom if denom > 0 else float(n0 + n1 - 2)
        method = "welch_t"
    elif n0 >= 2 or n1 >= 2:
        s2 = (pre if n0 >= 2 else post).var(ddof=1)
        se = float(np.sqrt(s2 * (1 / n0 + 1 / n1)))
        df = float(max(n0, n1) - 1)
        method = "t_equal_variance_one_sided_sample"
    else:
        return diff, NAN, NAN, NAN, NAN, "none"
    lo, hi, p = t_interval(diff, se, df, alpha)
    return diff, lo, hi, p, df, method


def before_after(data: pd.DataFrame, treated: str, first_treated_year: int, *,
                 last_year: int | None = None, series_id: str = "",
                 start_year: int | None = None, end_year: int | None = None, break_years=None,
                 municipality_name: str | None = None, indicator_name: str | None = None,
                 unit: str | None = None, alpha: float = 0.05) -> BeforeAfterResult:
    """Mean of the post-period minus mean of the pre-period for one municipality's annual series."""
    frame = checks.clean_frame(data, last_year)
    (treated,) = checks.require_units(frame, [treated])
    window = checks.make_window(frame, [treated], first_treated_year, start_year, end_year)
    breaks = checks.parse_break_years(break_years)
    row = checks.wide(frame, window, [treated]).iloc[0]
    obs = row.dropna()
    pre = obs[obs.index < window.t0]
    post = obs[obs.index >= window.t0]
    diff, lo, hi, p, df, method = welch(pre.to_numpy(), post.to_numpy(), alpha)

    warnings = checks.compact([
        checks.warn_short_pre(len(pre)),
        checks.warn_single_post(list(post.index)),
        checks.warn_missing_years(municipality_name or treated, window, obs.index),
        checks.warn_breaks(window, breaks),
    ])
    if method.startswith("t_equal"):
        warnings.append("Welch-intervallet kräver minst två år i varje period; variansen från den andra perioden "
                        "har använts för båda (antagande om lika varians).")
    elif method == "none":
        warnings.append("Med ett enda år före och ett enda år efter kan osäkerheten inte beräknas.")

    years = list(obs.index)
    return BeforeAfterResult(
        design="before_after", treated=(treated,), first_treated_year=window.t0,
        terms=[Term("post_minus_pre", diff, lo, hi, p, method if method != "welch_t" else f"welch_t_df{df:.1f}")],
        series=series_frame(years, obs.to_numpy(), np.full(len(years), pre.mean())),
        pre_years=[int(y) for y in pre.index], post_years=[int(y) for y in post.index],
        warnings=warnings, labels=Labels(municipality_name, indicator_name, unit),
        series_id=series_id, break_years=breaks,
    )
