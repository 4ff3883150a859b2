"""Progression: a municipality against its own past and against references (never a rank).

``progression(municipality, indicator)`` returns a ProgressionResult with, for each headline series:
the municipality's values (with status), reference lines, the distance to each reference per year
(a difference), change against a baseline year with a 95 % interval, the trend per year (OLS with a
95 % t-interval, and Theil–Sen with its interval), girls/boys where the source splits by gender, and
warnings (series break, small population, missing years).

Break-aware: trends and changes use only years on one side of a registered definition break (the
latest segment); the result says which years and which series it used.

Uncertainty of a change between two years: annual municipal values move with each new cohort. The
interval uses the larger of (a) the series' own year-to-year noise, estimated as the residual SD around
its linear trend (a difference of two years has variance 2σ²), and (b) binomial sampling noise of a
share when pupil counts exist. Both are approximations and are labelled as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import breaks, catalogue
from . import municipalities as mun
from .references import reference_table, weight_series_for
from .text_sv import fmt_ci, fmt_num, years_sv

SMALL_PUPILS = 50  # fewer pupils than this in a year: single-year changes are mostly noise
SMALL_POPULATION = 15_000  # inhabitants; åk 3 and gymnasium values of smaller municipalities swing strongly


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
    mask = ~np.isnan(values)
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


@dataclass
class SeriesProgression:
    series_id: str
    own: pd.DataFrame  # year, value, status, source
    references: pd.DataFrame  # reference, label, year, value, method, ...
    trend: Trend | None
    trend_years: list[int]
    baseline_year: int | None
    change: dict | None  # estimate, ci_low, ci_high, first, last, method
    gender: pd.DataFrame | None  # year, K, M, diff
    pupils: pd.Series | None
    warnings: list[str] = field(default_factory=list)

    @property
    def meta(self) -> catalogue.Series:
        return catalogue.series(self.series_id)

    def distance(self) -> pd.DataFrame:
        """Municipality minus each reference, per year (a difference, never a rank)."""
        own = self.own.set_index("year")["value"]
        rows = []
        for (key, label), grp in self.references.groupby(["reference", "label"], sort=False):
            ref = grp.set_index("year")["value"]
            diff = own.reindex(ref.index) - ref
            rows.append(pd.DataFrame({"reference": key, "label": label, "year": ref.index,
                                      "difference": diff.to_numpy()}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
            columns=["reference", "label", "year", "difference"])


@dataclass
class ProgressionResult:
    municipality_id: str
    municipality_name: str
    indicator: catalogue.Indicator | None
    parts: list[SeriesProgression]

    @property
    def warnings(self) -> list[str]:
        out: list[str] = []
        for p in self.parts:
            out += [w for w in p.warnings if w not in out]
        return out

    def tidy(self) -> pd.DataFrame:
        """One row per estimate: trend (OLS, Theil–Sen), change vs baseline, latest distance to each reference."""
        rows = []
        for p in self.parts:
            base = {"municipality_id": self.municipality_id, "series": p.series_id,
                    "indicator": self.indicator.id if self.indicator else ""}
            if p.trend:
                t = p.trend
                yrs = years_sv(t.first_year, t.last_year)
                rows.append({**base, "term": "trend_ols_per_year", "estimate": t.ols_slope, "ci_low": t.ols_ci[0],
                             "ci_high": t.ols_ci[1], "years": yrs, "n": t.n, "method": "OLS, t-intervall"})
                rows.append({**base, "term": "trend_theilsen_per_year", "estimate": t.theilsen_slope,
                             "ci_low": t.theilsen_ci[0], "ci_high": t.theilsen_ci[1], "years": yrs, "n": t.n,
                             "method": "Theil–Sen"})
            if p.change:
                c = p.change
                rows.append({**base, "term": "change_vs_baseline", "estimate": c["estimate"], "ci_low": c["ci_low"],
                             "ci_high": c["ci_high"], "years": f"{c['first']}→{c['last']}", "n": 2,
                             "method": c["method"]})
            dist = p.distance().dropna(subset=["difference"])
            for key, grp in dist.groupby("reference", sort=False):
                last = grp.sort_values("year").iloc[-1]
                rows.append({**base, "term": f"distance_to_{key}", "estimate": last["difference"],
                             "ci_low": np.nan, "ci_high": np.nan, "years": str(int(last["year"])), "n": 1,
                             "method": "skillnad mot referens (beskrivande)"})
        return pd.DataFrame(rows, columns=["municipality_id", "indicator", "series", "term", "estimate", "ci_low",
                                           "ci_high", "years", "n", "method"])

    def summary_sv(self) -> str:
        name = self.municipality_name
        if self.indicator is not None and not self.indicator.available:
            return f"{self.indicator.title_sv}: saknas. {self.indicator.missing_reason}"
        sentences = []
        for p in self.parts:
            meta, unit = p.meta, p.meta.unit
            ok = p.own.dropna(subset=["value"])
            if ok.empty:
                sentences.append(f"{meta.title_sv}: saknas för {name} (inga publicerade värden i datan).")
                continue
            last = ok.iloc[-1]
            s = f"{meta.title_sv}: {fmt_num(last['value'])} ({unit}) i {name} {int(last['year'])}."
            if p.change:
                c = p.change
                s += (f" Förändring {c['first']}–{c['last']}: {fmt_num(c['estimate'], signed=True)} "
                      f"({fmt_ci(c['ci_low'], c['ci_high'])}).")
            if p.trend:
                t = p.trend
                s += (f" Trend {years_sv(t.first_year, t.last_year)}: {fmt_num(t.ols_slope, 2, signed=True)} per år "
                      f"({fmt_ci(*t.ols_ci, decimals=2)}; Theil–Sen {fmt_num(t.theilsen_slope, 2, signed=True)}).")
            else:
                s += " Trend: saknas (färre än tre jämförbara år)."
            dist = p.distance().dropna(subset=["difference"])
            if not dist.empty:
                latest = dist[dist["year"] == dist["year"].max()]
                parts = [f"{fmt_num(r.difference, signed=True)} mot "
                         f"{r.label if r.reference in ('lan', 'fgte') else r.label[0].lower() + r.label[1:]}"
                         for r in latest.itertuples()]
                s += f" Skillnad {int(latest['year'].iloc[0])}: " + ", ".join(parts) + "."
            sentences.append(s)
        sentences += [f"Obs: {w}" for w in self.warnings]
        return "\n".join(sentences)

    def plot(self, ax=None, **kwargs):
        from .plots import plot_progression

        return plot_progression(self, ax=ax, **kwargs)


def _own_values(panel: pd.DataFrame, series_id: str, municipality_id: str, gender: str = "T") -> pd.DataFrame:
    sub = panel[(panel["series"] == series_id) & (panel["municipality_id"] == municipality_id)
                & (panel["gender"] == gender)]
    return sub[["year", "value", "status", "source"]].sort_values("year").reset_index(drop=True)


def _population(panel: pd.DataFrame, municipality_id: str) -> float | None:
    pop = panel[(panel["series"] == "N01951") & (panel["municipality_id"] == municipality_id)
                & (panel["gender"] == "T") & (panel["status"] == "ok")]
    return float(pop.sort_values("year")["value"].iloc[-1]) if not pop.empty else None


def _series_progression(panel, series_id, municipality_id, baseline_year, years, ref_kinds, gender,
                        similar_kind) -> SeriesProgression:
    meta = catalogue.series(series_id)
    own = _own_values(panel, series_id, municipality_id, gender)
    if years is not None:
        own = own[own["year"].between(*years)]
    refs = reference_table(panel, series_id, municipality_id, ref_kinds, gender, similar_kind)
    if years is not None:
        refs = refs[refs["year"].between(*years)]
    warnings: list[str] = []
    ok = own.dropna(subset=["value"])
    all_years = [int(y) for y in ok["year"]]
    trend_years, crossed = comparable_years(series_id, all_years)
    for b in crossed:
        warnings.append(f"Seriebrott {b.before}→{b.after} i {series_id}: trend och förändring beräknas bara på "
                        f"{years_sv(min(trend_years), max(trend_years)) if trend_years else 'inga'} år. {b.text_sv}")
    for b in breaks.breaks_for(series_id, kinds=("not_held", "suppression_rule")):
        if all_years and b.crossed_by(min(all_years), max(all_years)):
            warnings.append(b.text_sv)
    absent = own[own["status"] != "ok"]
    if not absent.empty and not ok.empty:
        inside = absent[absent["year"].between(ok["year"].min(), ok["year"].max())]
        if not inside.empty:
            labels = {"missing": "saknas", "suppressed": "prickat (för få elever)", "rounded": "avrundat (~100)"}
            listed = ", ".join(f"{int(r.year)} ({labels.get(str(r.status), r.status)})" for r in inside.itertuples())
            warnings.append(f"År utan värde i {series_id} för {mun.name_of(municipality_id)}: {listed}.")
    seg = ok[ok["year"].isin(trend_years)]
    trend = fit_trend(seg["year"].to_numpy(), seg["value"].to_numpy())

    # pupil counts (where the population has them) for noise and small-population flags
    pupils = None
    wid = weight_series_for(series_id)
    if wid:
        pw = _own_values(panel, wid, municipality_id)
        pupils = pw.set_index("year")["value"]

    change = None
    if len(seg) >= 2:
        first = baseline_year if baseline_year is not None else int(seg["year"].min())
        if first not in set(seg["year"]):
            warnings.append(f"Basåret {first} saknar jämförbart värde för {series_id}; närmaste tidigare år används "
                            f"inte. Förändringen räknas från {int(seg['year'].min())}.")
            first = int(seg["year"].min())
        last = int(seg["year"].max())
        v0 = float(seg.loc[seg["year"] == first, "value"].iloc[0])
        v1 = float(seg.loc[seg["year"] == last, "value"].iloc[0])
        se_noise = math.sqrt(2) * trend.resid_sd if trend else math.nan
        se_binom = math.nan
        method = "osäkerhet från seriens variation kring trenden"
        if meta.unit.startswith("andel") and pupils is not None:
            n0, n1 = pupils.get(first, np.nan), pupils.get(last, np.nan)
            if not (np.isnan(n0) or np.isnan(n1)):
                se_binom = math.sqrt(v0 * (100 - v0) / n0 + v1 * (100 - v1) / n1)
        se = np.nanmax([se_noise, se_binom]) if not (np.isnan(se_noise) and np.isnan(se_binom)) else math.nan
        if not np.isnan(se_binom) and se == se_binom:
            method = "binomial urvalsosäkerhet (elevantal)"
        z = stats.t.ppf(0.975, trend.n - 2) if (trend and se == se_noise) else 1.96
        change = {"estimate": v1 - v0, "ci_low": v1 - v0 - z * se, "ci_high": v1 - v0 + z * se,
                  "first": first, "last": last, "method": method + " (approximation)"}

    if pupils is not None and (pupils.dropna() < SMALL_PUPILS).any():
        warnings.append(f"Små elevtal (under {SMALL_PUPILS} elever vissa år): enskilda årsförändringar kan vara slump.")
    if pupils is None and meta.population != "kommunen":
        population = _population(panel, municipality_id)
        if population is not None and population < SMALL_POPULATION and catalogue.SERIES[series_id].source == "kolada":
            warnings.append(f"Liten kommun ({fmt_num(population, 0)} invånare) och inga elevtal i källan: värdena "
                            f"kan svänga kraftigt mellan åren utan att något förändrats i skolan.")
    if change and change["ci_low"] <= 0 <= change["ci_high"]:
        warnings.append(f"Förändringen i {series_id} {change['first']}–{change['last']} ryms inom osäkerheten "
                        f"och kan vara slump.")

    gender_frame = None
    if meta.has_gender:
        k = _own_values(panel, series_id, municipality_id, "K").set_index("year")["value"]
        m = _own_values(panel, series_id, municipality_id, "M").set_index("year")["value"]
        if not k.empty and not m.empty:
            gender_frame = pd.DataFrame({"flickor": k, "pojkar": m}).dropna(how="all")
            gender_frame["skillnad_flickor_minus_pojkar"] = gender_frame["flickor"] - gender_frame["pojkar"]
            gender_frame = gender_frame.reset_index()
    return SeriesProgression(series_id, own, refs, trend, trend_years, baseline_year, change, gender_frame,
                             pupils, warnings)


def progression(municipality, indicator=None, *, series=None, baseline_year: int | None = None,
                years: tuple[int, int] | None = None, references=("riket", "lan", "fgte", "liknande"),
                gender: str = "T", similar_kind: str | None = None, panel: pd.DataFrame | None = None
                ) -> ProgressionResult:
    """Progression of one municipality on one indicator (its headline series) or on given series."""
    from .panel import load_panel

    municipality_id = mun.resolve(municipality)
    ind = catalogue.indicator(indicator) if indicator is not None else None
    if series is None and ind is None:
        raise ValueError("ange en indikator (t.ex. 'ak9_merit' eller 5) eller serie(r)")
    series_ids = [series] if isinstance(series, str) else list(series) if series is not None else list(ind.headline)
    for sid in series_ids:
        catalogue.series(sid)
    if years is not None and (len(years) != 2 or years[0] > years[1]):
        raise ValueError(f"years ska vara (första, sista), fick {years!r}")
    if similar_kind is None:
        similar_kind = "gymnasieskola" if (ind and ind.stage == "gymnasiet") else "grundskola"
    name = mun.name_of(municipality_id)
    if not series_ids:  # indicator without a municipal series: an explicit "saknas"
        return ProgressionResult(municipality_id, name, ind, [])
    needed = series_ids + [w for s in series_ids if (w := weight_series_for(s))] + ["N01951"]
    panel = load_panel(series=needed) if panel is None else panel[panel["series"].isin(needed)]
    panel = panel.astype({"series": str, "municipality_id": str, "gender": str, "status": str})
    if years is not None:
        have = panel.loc[panel["series"].isin(series_ids) & (panel["status"] == "ok"), "year"]
        if have.empty or years[1] < have.min() or years[0] > have.max():
            raise ValueError(f"åren {years[0]}–{years[1]} ligger utanför datan för {', '.join(series_ids)} "
                             f"({have.min()}–{have.max()})")
    parts = [_series_progression(panel, sid, municipality_id, baseline_year, years, references, gender,
                                 similar_kind) for sid in series_ids]
    if all(p.own["value"].isna().all() for p in parts):
        for p in parts:
            p.warnings.append(f"{name} har inga publicerade värden för {p.series_id} i datan (saknas).")
    return ProgressionResult(municipality_id, name, ind, parts)


@dataclass
class RegionalResult:
    indicator: catalogue.Indicator
    results: list[ProgressionResult]
    aggregate: pd.DataFrame  # year, value, method, n_with_value, n_members (the set)
    national: pd.DataFrame

    def tidy(self) -> pd.DataFrame:
        """Trends of every municipality in the set, ordered by municipality code — never by value."""
        frame = pd.concat([r.tidy() for r in self.results], ignore_index=True)
        return frame.sort_values(["municipality_id", "series", "term"]).reset_index(drop=True)

    def summary_sv(self) -> str:
        lines = []
        agg = self.aggregate.dropna(subset=["value"])
        if not agg.empty:
            t = fit_trend(agg["year"].to_numpy(), agg["value"].to_numpy())
            method = agg["method"].iloc[-1]
            lines.append(f"Kommungruppen som helhet ({method}): {fmt_num(agg['value'].iloc[-1])} "
                         f"{int(agg['year'].iloc[-1])}" + (f", trend {fmt_num(t.ols_slope, 2, signed=True)} per år "
                                                           f"({fmt_ci(*t.ols_ci, decimals=2)})." if t else "."))
        for r in self.results:
            trend = next((p.trend for p in r.parts if p.trend), None)
            if trend:
                direction = ("uppåt" if trend.ols_ci[0] > 0 else "nedåt" if trend.ols_ci[1] < 0
                             else "utan säker riktning")
                lines.append(f"{r.municipality_name}: trend {direction} ({fmt_num(trend.ols_slope, 2, signed=True)} "
                             f"per år, {fmt_ci(*trend.ols_ci, decimals=2)}).")
            else:
                lines.append(f"{r.municipality_name}: trend saknas (för få jämförbara år).")
        return "\n".join(lines)

    def plot(self, **kwargs):
        from .plots import plot_regional

        return plot_regional(self, **kwargs)


def regional(indicator, municipalities="fgte", *, years=None, panel=None) -> RegionalResult:
    """Trends for a set of municipalities (default the FGTE set), the set's aggregate and riket."""
    from .panel import load_panel
    from .references import aggregate, reference_table

    ind = catalogue.indicator(indicator)
    if not ind.available:
        raise ValueError(f"{ind.title_sv}: saknas. {ind.missing_reason}")
    ids = mun.resolve_set(municipalities)
    sid = ind.headline[0]
    needed = list(ind.headline) + [w for s in ind.headline if (w := weight_series_for(s))] + ["N01951"]
    panel = load_panel(series=needed) if panel is None else panel[panel["series"].isin(needed)]
    panel = panel.astype({"series": str, "municipality_id": str, "gender": str, "status": str})
    results = [progression(m, ind.id, years=years, panel=panel, references=("riket",)) for m in sorted(ids)]
    agg = aggregate(panel, sid, ids)
    national = reference_table(panel, sid, ids[0], kinds=("riket",))
    if years is not None:
        agg = agg[agg["year"].between(*years)]
        national = national[national["year"].between(*years)]
    return RegionalResult(ind, results, agg, national)
