"""(d) Synthetic control: a weighted average of donor municipalities that tracks the treated one before.

Weights w >= 0, sum(w) = 1 minimise the pre-period mean squared error between the treated series and
the donor combination (outcome levels only, no covariates). Solver: ``scipy.optimize.nnls`` on the
augmented system [X'; λ·1'] w ≈ [y; λ] (the heavily weighted last row enforces the sum), followed by
an exact equality-constrained least-squares polish on the support; ``solver="slsqp"`` is an
independent check (tests compare them) and is far slower with hundreds of donors.

Inference (placebo in space): every donor in turn is treated as if it had had the intervention and
gets its own synthetic control from the *other* donors (the treated unit is never a donor).

* ``rmspe_ratio`` row: the classic test of Abadie, Diamond & Hainmueller (2010) —
  p = (1 + #{donors with post/pre RMSPE ratio >= the treated's}) / (J + 1).
* ``effect_vs_synthetic`` row (the headline): the average post-period gap with the p-value of the RMSPE-ratio
  placebo test below (studentized by each unit's own pre-period fit); only it carries a verdict word.
* ``average_gap`` row: p and 95 % CI from the placebo distribution of average
  post-period gaps. Under "constant effect tau", the treated unit's average gap minus tau is
  exchangeable with the donors' placebo average gaps; tau is in the CI when that rank test has
  p > 0.05. With J donors the smallest p is 1/(J + 1), so J >= 19 donors are needed for any 95 %
  interval (NaN plus a warning otherwise). This CI is symmetric around the estimate.

Leave-one-out: the largest donors (weight > 0.05, at most ``loo``) are removed one at a time and the
average gap re-estimated; these are ``loo_without_<id>`` rows of tidy().
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from ..text_sv import fmt_num, fmt_p
from ..contract import CannotAssess
from . import checks
from .inference import LinearRankTest
from .results import InterventionResult, Labels, Term, series_frame
from ..errors import InputError

LOO_MIN_WEIGHT = 0.05


# ---------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------

def _loss(w: np.ndarray, y: np.ndarray, X: np.ndarray) -> float:
    r = y - w @ X
    return float(r @ r)


def _polish(w: np.ndarray, y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Exact min ||y - w X||² s.t. sum(w) = 1 on the support of w (KKT system); keep it if still >= 0."""
    s = np.flatnonzero(w > 1e-12)
    if len(s) == 0:
        return w
    Xs = X[s]
    K = np.zeros((len(s) + 1, len(s) + 1))
    K[:-1, :-1] = 2 * Xs @ Xs.T
    K[:-1, -1] = 1.0
    K[-1, :-1] = 1.0
    rhs = np.r_[2 * Xs @ y, 1.0]
    sol = np.linalg.lstsq(K, rhs, rcond=None)[0][:-1]
    if np.all(sol >= 0):
        out = np.zeros_like(w)
        out[s] = sol
        if _loss(out, y, X) <= _loss(w, y, X) + 1e-12 * max(1.0, _loss(w, y, X)):
            return out
    return w


def weights_nnls(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Simplex-constrained least squares via NNLS on an augmented system. X: donors x years."""
    scale = float(np.max(np.abs(X))) or 1.0
    lam = 1e4 * scale
    A = np.vstack([X.T, np.full((1, X.shape[0]), lam)])
    b = np.r_[y, lam]
    w, _ = nnls(A, b, maxiter=50 * A.shape[1])
    w = np.maximum(w, 0.0)
    w = w / w.sum() if w.sum() > 0 else np.full(X.shape[0], 1 / X.shape[0])
    return _polish(w, y, X)


def weights_slsqp(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Same problem with SLSQP from uniform weights (independent check; slow for many donors)."""
    J = X.shape[0]
    norm = float(y @ y) or 1.0

    def f(w):
        return _loss(w, y, X) / norm

    def grad(w):
        return -2 * X @ (y - w @ X) / norm

    res = minimize(f, np.full(J, 1 / J), jac=grad, method="SLSQP", bounds=[(0, 1)] * J,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(J)}],
                   options={"maxiter": 2000, "ftol": 1e-15})
    w = np.maximum(res.x, 0)
    return w / w.sum()


SOLVERS = {"nnls": weights_nnls, "slsqp": weights_slsqp}


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------

class SynthResult(InterventionResult):
    min_pre = checks.MIN_PRE_POINTS  # with fewer pre-years ~290 donors reproduce any pre-period exactly
    comparison_sv = "den syntetiska jämförelsen"
    counterfactual_label_sv = "Syntetisk jämförelse"

    @property
    def status(self):
        base = super().status
        head = self.headline
        if base.ok and head.term == "effect_vs_synthetic" and not head.calibrated:
            from ..contract import CANNOT_ASSESS, Status

            return Status(CANNOT_ASSESS, f"donatorerna återskapar förperioden ({self.n_pre} år) exakt, så "
                                         "placebotestet är odefinierat")
        if base.ok and self.smallest_p > 0.05:
            from ..contract import CANNOT_ASSESS, Status

            n_exact = int(np.isinf(self.placebos["rmspe_ratio"]).sum()) if self.placebos is not None else 0
            return Status(CANNOT_ASSESS, f"{n_exact} av {len(self.placebos)} placebokommuner återskapar "
                                         f"förperioden exakt, så p kan inte bli lägre än "
                                         f"{fmt_num(self.smallest_p, 2)} och testet kan aldrig visa en säker "
                                         "skillnad")
        return base

    #: the smallest p-value the RMSPE-ratio test can reach with this pool: (1 + exact-fit placebos) / (J + 1)
    smallest_p: float = 0.0
    weights: pd.Series = None  # donor id -> weight, largest first
    placebos: pd.DataFrame = None  # one row per donor as pseudo-treated
    placebo_gaps: pd.DataFrame = None  # donors x years, observed − synthetic for each placebo
    names: Mapping[str, str] = {}

    def _name(self, code: str) -> str:
        return self.names.get(code, code)

    def _details_sv(self) -> list[str]:
        out = ["Intervallet och p-värdet bygger på placebofördelningen av genomsnittliga gap, där varje "
               "donatorkommun i tur och ordning behandlas som om den hade haft insatsen.",
               f"Det minsta p-värde testet kan nå med denna donatorpool är {fmt_num(self.smallest_p, 3)}."]
        ratio = next((t for t in self.terms if t.term == "rmspe_ratio"), None)
        if ratio is not None and not np.isnan(ratio.p_value):
            out.append(f"Placebotestet med kvoten mellan efter- och förperiodens RMSPE ger {fmt_p(ratio.p_value)}.")
        top = self.weights[self.weights > 0.005].head(5)
        if len(top):
            parts = ", ".join(f"{self._name(c)} ({fmt_num(float(w), 2)})" for c, w in top.items())
            out.append(f"Den syntetiska jämförelsen består främst av {parts}.")
        pre = next(t for t in self.terms if t.term == "pre_rmspe")
        out.append(f"Förperiodens RMSPE är {fmt_num(pre.estimate, 2)}{self._unit_sv()}.")
        for t in self.terms:
            if t.term.startswith("loo_without_"):
                code = t.term.removeprefix("loo_without_")
                out.append(f"Utan {self._name(code)} blir skillnaden {fmt_num(t.estimate, signed=True)}"
                           f"{self._unit_sv()}.")
        return out

    def plot_placebos(self, ax=None):
        """Gap (observed − synthetic) for the treated unit and every placebo; Swedish labels."""
        from .. import style

        fig, ax = style.new_figure(ax, figsize=(7, 4))
        for gaps in self.placebo_gaps.itertuples(index=False):
            ax.plot(self.placebo_gaps.columns, gaps, color="0.8", linewidth=0.6)
        et = self.event_time()
        ax.plot(et["year"], et["gap"], color="black", linewidth=2, label=f"{self._who_sv()}")
        ax.plot([], [], color="0.8", label="Placebo (donatorer)")
        ax.axvline(self.first_treated_year - 0.5, color="0.2", linestyle=":")
        ax.axhline(0, color="0.5", linewidth=0.6)
        ax.set_xlabel("År (vårtermin)")
        ax.set_ylabel("Skillnad mot syntetisk jämförelse")
        ax.legend(frameon=False, fontsize=8)
        return fig


# ---------------------------------------------------------------------------------------------
# Design
# ---------------------------------------------------------------------------------------------

def _fit_one(y: np.ndarray, X: np.ndarray, pre: np.ndarray, solver) -> tuple[np.ndarray, np.ndarray]:
    w = solver(y[pre], X[:, pre])
    return w, y - w @ X


def _rmspe(g: np.ndarray) -> float:
    return float(np.sqrt(np.mean(g ** 2)))


def synth(data: pd.DataFrame, treated: str, first_treated_year: int, *,
          last_year: int | None = None, series_id: str = "",
          donors: Sequence[str] | None = None, exclude: Sequence[str] = (),
          start_year: int | None = None, end_year: int | None = None, break_years=None,
          placebo: bool = True, loo: int = 3, solver: str = "nnls", names: Mapping[str, str] | None = None,
          local_donors: int | None = None, rank_among: Sequence[str] | None = None,
          municipality_name: str | None = None, indicator_name: str | None = None,
          unit: str | None = None, alpha: float = 0.05) -> SynthResult:
    """Synthetic control with placebo-in-space inference and leave-one-out checks.

    ``local_donors=k``: every unit, the treated one and each placebo, is built from its own ``k`` nearest donors
    on the pre-period (root mean square distance) instead of all of them (Abadie 2021: a donor pool of similar
    units, no interpolation across far ones). With ``k`` no larger than the number of pre-years the donors can
    generically not reproduce a pre-period exactly, so the RMSPE-ratio test is defined for almost every placebo
    and its smallest attainable p is 1/(J + 1) instead of (1 + exact fits)/(J + 1).

    ``rank_among``: the placebos whose ratios the treated one is ranked among (e.g. its size neighbours: the ratio
    test ranked among all municipalities gave the largest third 6.4–8.6 % false verdicts); default all."""
    if solver not in SOLVERS:
        raise InputError(f"Okänd lösare {solver!r}: använd 'nnls' eller 'slsqp'.")
    solve = SOLVERS[solver]
    frame = checks.clean_frame(data, last_year)
    (treated,) = checks.require_units(frame, [treated])
    window = checks.make_window(frame, [treated], first_treated_year, start_year, end_year)
    breaks = checks.parse_break_years(break_years)
    excluded = {str(e) for e in exclude} | {treated}
    if donors is None:
        candidates = sorted(set(frame["municipality_id"]) - excluded)
    else:
        candidates = [d for d in checks.require_units(frame, dict.fromkeys(donors), "Donatorn") if d not in excluded]
    if not candidates:
        raise CannotAssess("Donatorpoolen är tom: inga andra kommuner att bygga en syntetisk jämförelse av.")
    who = municipality_name or treated

    W = checks.wide(frame, window, [treated] + candidates)
    y_full = W.loc[treated].to_numpy(dtype=float)
    keep = ~np.isnan(y_full)
    years = np.array(window.years)[keep]
    pre = years < window.t0
    post = ~pre
    ok = W.loc[candidates, years].notna().all(axis=1)
    donor_ids = [c for c in candidates if ok[c]]
    if not donor_ids:
        raise CannotAssess(f"Ingen donator har fullständiga värden under fönstret {window.start}–{window.end}; "
                         "syntetisk kontroll kan inte skattas.")
    y = y_full[keep]
    X = W.loc[donor_ids, years].to_numpy(dtype=float)

    def nearest(target: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The rows of X (indices) to build ``target`` from: all, or its local_donors nearest on the pre-period."""
        if not local_donors or len(rows) <= local_donors:
            return rows
        dist = np.sqrt(((X[rows][:, pre] - target[pre]) ** 2).mean(axis=1))
        return rows[np.argsort(dist, kind="stable")[:local_donors]]

    own = nearest(y, np.arange(len(donor_ids)))
    w_own, gap = _fit_one(y, X[own], pre, solve)
    w = np.zeros(len(donor_ids))
    w[own] = w_own
    pre_rmspe, post_rmspe = _rmspe(gap[pre]), _rmspe(gap[post])
    # With very few pre-period years the donors can reproduce them exactly; a post/pre ratio over a
    # pre-RMSPE of (numerically) zero is meaningless, so the ratio and its test are left undefined.
    exact_tol = 1e-6 * max(1.0, float(np.nanmean(np.abs(y_full))))

    def _ratio(post_value: float, pre_value: float) -> float:
        # Abadie et al. count a placebo whose pre-period is reproduced exactly (and whose post-period is not) as
        # an infinitely large ratio: it is kept in the count, never dropped.
        if pre_value > exact_tol:
            return post_value / pre_value
        return np.inf if post_value > exact_tol else np.nan

    ratio = _ratio(post_rmspe, pre_rmspe)
    if not np.isfinite(ratio):
        ratio = np.nan  # the treated unit's own exact fit: its ratio and test are undefined (said below)
    avg_gap = float(gap[post].mean())
    weights = pd.Series(w, index=donor_ids, name="weight").sort_values(ascending=False)

    # Placebo in space: each donor against the other donors
    J = len(donor_ids)
    rows, placebo_gaps = [], {}
    if placebo and J >= 2:
        for j, code in enumerate(donor_ids):
            others = nearest(X[j], np.r_[0:j, j + 1:J])
            _, g = _fit_one(X[j], X[others], pre, solve)
            pr = _rmspe(g[pre])
            rows.append({"municipality_id": code, "pre_rmspe": pr, "post_rmspe": _rmspe(g[post]),
                         "rmspe_ratio": _ratio(_rmspe(g[post]), pr), "average_gap": float(g[post].mean())})
            placebo_gaps[code] = g
    placebos = pd.DataFrame(rows, columns=["municipality_id", "pre_rmspe", "post_rmspe", "rmspe_ratio",
                                           "average_gap"])
    if len(placebos):
        n_assign = len(placebos) + 1
        ranked = placebos if rank_among is None else placebos[placebos["municipality_id"].isin(set(rank_among))]
        counted = ranked["rmspe_ratio"].dropna().to_numpy()  # exact-fit placebos (inf) included
        p_ratio = (np.nan if np.isnan(ratio) or len(counted) == 0
                   else (1 + int(np.sum(counted >= ratio * (1 - 1e-12)))) / (len(counted) + 1))
        n_exact = int(np.isinf(counted).sum())
        smallest_p = (1 + n_exact) / (len(counted) + 1) if len(counted) else 1.0
        test = LinearRankTest(np.r_[avg_gap, placebos["average_gap"].to_numpy()],
                              np.r_[1.0, np.zeros(len(placebos))], observed=0)
        p_gap = test.p_value(0.0)
        lo, hi = test.conf_int(avg_gap, float(np.std(placebos["average_gap"])) or 1.0, alpha)
    else:
        n_assign, p_ratio, p_gap, lo, hi, n_exact, smallest_p = 1, np.nan, np.nan, np.nan, np.nan, 0, 1.0

    # The headline verdict comes from the RMSPE-ratio test (studentized by each unit's own pre-period fit), with
    # the direction of the average gap; the gap's own rank interval is kept as a description.
    terms = [Term("effect_vs_synthetic", avg_gap, lo, hi, p_ratio, calibrated=not np.isnan(p_ratio),
                  method=f"placebo_in_space_rmspe_ratio_{n_assign}_exact_fit_{n_exact}"),
             Term("average_gap", avg_gap, lo, hi, p_gap, f"placebo_in_space_gap_inversion_{n_assign}"),
             Term("rmspe_ratio", ratio, p_value=p_ratio, method=f"placebo_in_space_rmspe_ratio_{n_assign}"),
             Term("pre_rmspe", pre_rmspe, method=f"fit_{solver}")]
    loo_terms = []
    for code, wt in weights.head(loo).items():
        if wt <= LOO_MIN_WEIGHT or J < 2:
            break
        idx = nearest(y, np.array([i for i, c in enumerate(donor_ids) if c != code]))
        _, g = _fit_one(y, X[idx], pre, solve)
        loo_terms.append(Term(f"loo_without_{code}", float(g[post].mean()), method="leave_one_out"))
    terms += loo_terms

    warnings = checks.compact([
        ("Förperioden återskapas exakt av donatorerna (RMSPE ≈ 0) eftersom den har för få år; kvoten mellan "
         "efter- och förperiodens RMSPE och dess placebotest är därför odefinierade.") if np.isnan(ratio) else None,
        checks.warn_short_pre(int(pre.sum())),
        checks.warn_single_post(list(years[post])),
        checks.warn_missing_years(who, window, years),
        checks.warn_breaks(window, breaks),
        checks.warn_dropped_donors(len(candidates) - J, len(candidates), window),
        checks.warn_few_donors(J),
        checks.warn_dominant_weight(weights),
        checks.warn_poor_fit(pre_rmspe, y[pre], who),
        checks.warn_resolution(n_assign, alpha) if placebo else None,
        (f"{n_exact} av {len(placebos)} placebokommuner återskapar förperioden exakt; de räknas med i "
         "placebotestet (som en oändligt stor kvot), så testet blir försiktigare.") if n_exact else None,
    ])
    flips = [t for t in loo_terms if np.sign(t.estimate) != np.sign(avg_gap)]
    if flips:
        warnings.append("Resultatet är känsligt för enskilda donatorer: utan " +
                        ", ".join(t.term.removeprefix("loo_without_") for t in flips) +
                        " byter skillnaden tecken.")

    synthetic = weights.reindex(donor_ids).to_numpy() @ W.loc[donor_ids, window.years].to_numpy(dtype=float)
    res = SynthResult(
        design="synth", treated=(treated,), first_treated_year=window.t0, terms=terms,
        series=series_frame(window.years, y_full, synthetic),
        pre_years=[int(v) for v in years[pre]], post_years=[int(v) for v in years[post]],
        warnings=warnings, labels=Labels(municipality_name, indicator_name, unit),
        series_id=series_id, break_years=breaks,
    )
    res.weights = weights
    res.smallest_p = float(smallest_p)
    res.placebos = placebos
    res.placebo_gaps = pd.DataFrame(placebo_gaps, index=years).T
    res.names = dict(names or {})
    return res
