"""(f) Event study: the effect per year since the start, with placebo intervals (a figure, not a verdict).

For every year of the window, the treated municipality's difference from the country's mean, minus its own
average difference before the start, re-centred on the median of the same quantity for its size neighbours (the
placebo pool of :mod:`fgte_research.interventions.country`). The 95 % interval of each year is the treated value ±
the 95 % quantile of the pool's absolute deviations that year (a rank interval: no normality, no independence
between years assumed). Years before the start ("leads") should lie around zero; a lead far from zero is a warning
that the municipality was already moving away from the country before the start.

A set (the FGTE set) gets the mean over its members, with intervals from comparable placebo sets (one size
neighbour per member). No verdict word is given: the headline verdict is the primary design's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract import CannotAssess
from . import checks
from .country import MIN_POOL, POOL_SIZE, prepared, size_neighbours
from .results import InterventionResult, Labels, Term, series_frame

DRAWS = 2000


def _relative(W: pd.DataFrame, t0: int, country_rows: Sequence[str]) -> pd.DataFrame:
    """Each row's difference from the country's mean, minus its own mean difference before t0."""
    G = W - W.loc[list(country_rows)].mean(axis=0)
    pre = [c for c in G.columns if c < t0]
    return G.sub(G[pre].mean(axis=1), axis=0)


@dataclass(kw_only=True, repr=False)
class EventStudyResult(InterventionResult):
    effects: pd.DataFrame = None  # event_time, year, estimate, ci_low, ci_high
    members: dict = field(default_factory=dict)  # member id -> its own effects frame (for a set)
    comparison_sv = "riket"
    counterfactual_label_sv = "Kommunens nivå före starten, flyttad som riket"
    min_pre = 1

    @property
    def verdict(self) -> str:  # a figure, not a test of the intervention
        return "" if self.status.ok else super().verdict

    def _headline_sv(self) -> str:
        post = self.effects[self.effects["event_time"] >= 0]
        parts = ", ".join(f"{int(r.year)}: {r.estimate:+.1f}".replace(".", ",").replace("-", "−")
                          for r in post.itertuples())
        return (f"Effekt per år jämfört med riket (kommuner av liknande storlek), {self._who_sv()}: {parts}"
                f"{self._unit_sv()}. Åren före starten visar om kommunen redan rörde sig bort från riket.")

    def data(self) -> pd.DataFrame:
        return self.effects.copy()

    def plot(self, ax=None):
        """Effect per year since the start with 95 % placebo intervals; the set and its members side by side."""
        from .. import style

        fig, ax = style.new_figure(ax, figsize=(7, 3.6))
        frames = [(self._who_sv(), self.effects, "black", 0.0)]
        offsets = np.linspace(-0.25, 0.25, max(1, len(self.members)))
        for (code, eff), off in zip(self.members.items(), offsets):
            frames.append((self.names.get(code, code), eff, "0.55", float(off)))
        for label, eff, colour, off in frames[1:] + frames[:1]:
            x = eff["event_time"].to_numpy(float) + off
            y = eff["estimate"].to_numpy(float)
            yerr = np.vstack([y - eff["ci_low"].to_numpy(float), eff["ci_high"].to_numpy(float) - y])
            main = colour == "black"
            ax.errorbar(x, y, yerr=yerr, fmt="o" if main else "s", color=colour, markersize=5 if main else 3.5,
                        markerfacecolor=colour if main else "white", capsize=2, linewidth=1.4 if main else 0.8,
                        label=label)
        ax.axhline(0, color="0.4", linewidth=0.7)
        ax.axvline(-0.5, color="0.2", linestyle=":", linewidth=1.2)
        ax.set_xlabel(f"År sedan start (0 = {self.first_treated_year})")
        ylabel = "Effekt jämfört med riket"
        if self.labels.unit:
            ylabel += f" ({self._unit_sv().strip()})"
        ax.set_ylabel(ylabel)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, fontsize=7, ncol=3)
        return fig

    names: Mapping[str, str] = field(default_factory=dict)


def _unit_effects(R: pd.DataFrame, unit: str, pool: Sequence[str], t0: int, alpha: float) -> pd.DataFrame:
    P = R.loc[list(pool)]
    med = P.median(axis=0)
    q = (P - med).abs().quantile(1 - alpha, axis=0)
    est = R.loc[unit] - med
    years = np.asarray(R.columns, dtype=int)
    return pd.DataFrame({"event_time": years - t0, "year": years, "estimate": est.to_numpy(),
                         "ci_low": (est - q).to_numpy(), "ci_high": (est + q).to_numpy()})


def _set_effects(R: pd.DataFrame, members: Sequence[str], pools: Mapping[str, Sequence[str]], t0: int,
                 alpha: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    devs, ests = [], []
    for u in members:
        P = R.loc[list(pools[u])]
        med = P.median(axis=0)
        devs.append((P - med).to_numpy())
        ests.append((R.loc[u] - med).to_numpy())
    draws = np.mean([d[rng.integers(len(d), size=DRAWS)] for d in devs], axis=0)  # DRAWS × years
    q = np.quantile(np.abs(draws), 1 - alpha, axis=0)
    est = np.mean(ests, axis=0)
    years = np.asarray(R.columns, dtype=int)
    return pd.DataFrame({"event_time": years - t0, "year": years, "estimate": est,
                         "ci_low": est - q, "ci_high": est + q})


def event_study(data: pd.DataFrame, treated: str | Sequence[str], first_treated_year: int, *,
                size: Mapping[str, float], exclude: Sequence[str] = (), last_year: int | None = None,
                series_id: str = "", start_year: int | None = None, end_year: int | None = None,
                break_years=None, k: int = POOL_SIZE, names: Mapping[str, str] | None = None,
                municipality_name: str | None = None, indicator_name: str | None = None, unit: str | None = None,
                alpha: float = 0.05) -> EventStudyResult:
    """Effect per year since the start against the country, for one municipality or a set (see module doc)."""
    treated, window, breaks, W, eligible = prepared(data, treated, first_treated_year, last_year, start_year,
                                                    end_year, break_years, exclude)
    if len(eligible) < MIN_POOL:
        raise CannotAssess(f"för få jämförbara kommuner ({len(eligible)}; minst {MIN_POOL}) för en händelsestudie")
    t0 = window.t0
    R = _relative(W, t0, eligible)
    pools = {u: size_neighbours(u, eligible, size, k) for u in treated}
    members = {u: _unit_effects(R, u, pools[u], t0, alpha) for u in treated}
    effects = members[treated[0]] if len(treated) == 1 else _set_effects(R, treated, pools, t0, alpha)
    post = effects[effects["event_time"] >= 0]
    years = list(W.columns)
    terms = [Term("average_post_effect", float(post["estimate"].mean()), method="event_study_size_matched")]
    terms += [Term(f"effect_{int(r.year)}", float(r.estimate), float(r.ci_low), float(r.ci_high),
                   method="event_study_rank_interval") for r in effects.itertuples()]
    obs = W.loc[treated].mean(axis=0)
    return EventStudyResult(
        design="event_study", treated=tuple(treated), first_treated_year=t0, terms=terms,
        series=series_frame(years, obs.to_numpy(), (obs - effects.set_index("year")["estimate"]).to_numpy()),
        pre_years=[int(y) for y in years if y < t0], post_years=[int(y) for y in years if y >= t0],
        warnings=checks.compact([checks.warn_short_pre(sum(y < t0 for y in years)), checks.warn_breaks(window, breaks)]),
        labels=Labels(municipality_name, indicator_name, unit), series_id=series_id, break_years=breaks,
        effects=effects, members=members if len(treated) > 1 else {}, names=dict(names or {}),
    )
