"""Progression: a municipality against its own past and against references (never a rank).

``progression(municipality, indicator, year)`` returns a ProgressionResult (the analysis contract, see
:mod:`fgte_research.contract`) with, for each headline series: the municipality's values (with status) up to
``year``, reference lines, the distance to each reference per year (a difference), change against a baseline year
with a 95 % interval, the trend per year (OLS with a 95 % t-interval, and Theil–Sen with its interval), girls/boys
where the source splits by gender, and warnings (series break, small population, missing years).

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

from . import breaks, catalogue, style
from . import municipalities as mun
from .contract import (
    CANNOT_ASSESS,
    MISSING,
    AnalysisResult,
    DataMissing,
    Status,
    figure_of,
    merged_warnings,
    tidy_frame,
)
from .panel import series_values
from .references import aggregate, reference_table, weight_series_for
from .text_sv import (NO_CHANGE_INTERVAL_SV, change_ci_sv, difference_unit, few_years_sv, fmt_ci, fmt_num,
                      short_unit, years_sv)
from .panel import memoised, size_classes, tercile_members  # noqa: F401  (size_classes: re-exported)
from .trend import Trend, comparable_years, fit_trend, pooled_rho, residual_variance_bias  # noqa: F401
from .verdicts import direction_sv, verdict
from .errors import InputError

SMALL_PUPILS = 50  # fewer pupils than this in a year: single-year changes are mostly noise
SMALL_POPULATION = 15_000  # inhabitants; åk 3 and gymnasium values of smaller municipalities swing strongly


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

    def latest_distances(self) -> list[tuple[str, int, float]]:
        """(reference, year, municipality minus reference) in the latest year both have a value, per reference:
        the last row of ``distance()`` per reference, without building it (every tidy() asks for this)."""
        own = dict(zip(self.own["year"].to_numpy(dtype=int), self.own["value"].to_numpy(dtype=float)))
        refs = self.references
        out = {}
        for key, year, value in zip(refs["reference"], refs["year"].to_numpy(dtype=int),
                                    refs["value"].to_numpy(dtype=float)):
            difference = own.get(year, np.nan) - value
            if not np.isnan(difference) and (key not in out or year >= out[key][0]):
                out[key] = (int(year), difference)
        return [(key, year, difference) for key, (year, difference) in out.items()]


@dataclass(repr=False)
class ProgressionResult(AnalysisResult):
    municipality_id: str
    municipality_name: str
    indicator: catalogue.Indicator | None
    parts: list[SeriesProgression]
    last_year: int | None = None

    analysis = "progression"

    @property
    def title_sv(self) -> str:
        if self.indicator is not None:
            return f"{self.indicator.number}. {self.indicator.title_sv}"
        return ", ".join(p.meta.title_sv for p in self.parts)

    @property
    def warnings(self) -> list[str]:
        return merged_warnings(self.parts)

    @property
    def status(self) -> Status:
        if self.indicator is not None and not self.indicator.available:
            return Status(MISSING, self.indicator.missing_reason or "ingen kommunal serie i datan")
        if not self.parts or all(p.own["value"].isna().all() for p in self.parts):
            return Status(MISSING, f"inga publicerade värden för {self.municipality_name}"
                          + (f" till och med {self.last_year}" if self.last_year else ""))
        if all(p.trend is None and p.change is None for p in self.parts):
            return Status(CANNOT_ASSESS, "färre än två jämförbara år: varken förändring eller trend kan beräknas")
        return Status()

    def tidy(self) -> pd.DataFrame:
        """One row per estimate: trend (OLS, Theil–Sen), change vs baseline, latest distance to each reference."""
        rows = []
        for p in self.parts:
            base = {"series": p.series_id}
            if p.trend:
                t = p.trend
                yrs = years_sv(t.first_year, t.last_year)
                rows.append({**base, "term": "trend_ols_per_year", "estimate": t.ols_slope, "ci_low": t.ols_ci[0],
                             "ci_high": t.ols_ci[1], "years": yrs, "n": t.n,
                             "method": "OLS, t-intervall vidgat för årens samvariation "
                                       f"(AR(1), ρ = {fmt_num(t.rho, 2)})",
                             "verdict": verdict(*t.ols_ci)})
                # Theil–Sen's interval assumes independent years: shown as a robustness check, without a verdict
                rows.append({**base, "term": "trend_theilsen_per_year", "estimate": t.theilsen_slope,
                             "ci_low": t.theilsen_ci[0], "ci_high": t.theilsen_ci[1], "years": yrs, "n": t.n,
                             "method": "Theil–Sen (robusthetskontroll, okalibrerad)"})
            if p.change:
                c = p.change
                rows.append({**base, "term": "change_vs_baseline", "estimate": c["estimate"], "ci_low": c["ci_low"],
                             "ci_high": c["ci_high"], "years": f"{c['first']}→{c['last']}", "n": 2,
                             "method": c["method"], "verdict": verdict(c["ci_low"], c["ci_high"])})
            for key, year, difference in p.latest_distances():
                rows.append({**base, "term": f"distance_to_{key}", "estimate": difference,
                             "years": str(year), "n": 1, "method": "skillnad mot referens (beskrivande)"})
        return tidy_frame(rows, analysis=self.analysis, municipality_id=self.municipality_id)

    def data(self) -> pd.DataFrame:
        """Per-year values used: the municipality ("kommun") and each reference, per series."""
        frames = []
        for p in self.parts:
            own = p.own.assign(series=p.series_id, reference="kommun", label=self.municipality_name)
            refs = p.references.assign(series=p.series_id, status="ok")
            frames += [own, refs]
        cols = ["series", "reference", "label", "year", "value", "status"]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat([f.reindex(columns=cols) for f in frames], ignore_index=True)

    def summary_sv(self) -> str:
        name = self.municipality_name
        if self.indicator is not None and not self.indicator.available:
            return f"{self.indicator.title_sv}: saknas. {self.indicator.missing_reason}"
        sentences = []
        for p in self.parts:
            meta, unit = p.meta, p.meta.unit
            ok = p.own.dropna(subset=["value"])
            if ok.empty:
                upto = f" till och med {self.last_year}" if self.last_year else ""
                sentences.append(f"{meta.title_sv}: saknas för {name} (inga publicerade värden i datan{upto}).")
                continue
            last = ok.iloc[-1]
            diff = difference_unit(unit)  # changes, trends and distances are in procentenheter/poäng
            s = f"{meta.title_sv}: {fmt_num(last['value'])} {short_unit(unit)} i {name} {int(last['year'])}."
            if p.change:
                c = p.change
                s += (f" Förändring {c['first']}–{c['last']}: {fmt_num(c['estimate'], signed=True)} {diff} "
                      f"({change_ci_sv(c['ci_low'], c['ci_high'])}).")
            if p.trend:
                t = p.trend
                s += (f" Trend {years_sv(t.first_year, t.last_year)}: {fmt_num(t.ols_slope, 2, signed=True)} {diff} "
                      f"per år ({fmt_ci(*t.ols_ci, decimals=2)}; Theil–Sen "
                      f"{fmt_num(t.theilsen_slope, 2, signed=True)}).")
                if few_years_sv(t.n):
                    s += " " + few_years_sv(t.n).capitalize() + "."
            else:
                s += " Trend: saknas (färre än tre jämförbara år)."
            dist = p.distance().dropna(subset=["difference"])
            if not dist.empty:
                latest = dist[dist["year"] == dist["year"].max()]
                parts = [f"{fmt_num(r.difference, signed=True)} mot "
                         f"{r.label if r.reference in ('lan', 'fgte') else r.label[0].lower() + r.label[1:]}"
                         for r in latest.itertuples()]
                s += f" Skillnad {int(latest['year'].iloc[0])} ({diff}): " + ", ".join(parts) + "."
            sentences.append(s)
        sentences += [f"Obs: {w}" for w in self.warnings]
        return "\n".join(sentences)

    def plot(self, ax=None, show_references: bool = True):
        """One panel per headline series: the municipality, its references, breaks and 'saknas' years."""
        style.apply_style()
        parts = self.parts
        if not parts:
            fig, ax = style.new_figure(ax, figsize=(6, 1.4))
            ax.axis("off")
            ax.text(0, 0.5, f"{self.title_sv}: saknas.\n{self.status.reason}", fontsize=9, va="center", wrap=True)
            return fig
        if ax is None:
            fig, axes = style.plt.subplots(1, len(parts), figsize=(6.2 * len(parts), 3.6), squeeze=False)
            axes = list(axes[0])
        else:
            fig, axes = ax.figure, [ax] * len(parts)
        for a, part in zip(axes, parts):
            own = part.own
            if show_references:
                for (key, label), grp in part.references.groupby(["reference", "label"], sort=False):
                    a.plot(*style.with_gaps(grp["year"], grp["value"]), label=label, linewidth=1.3, markersize=4,
                           **style.REFERENCE_STYLE.get(key, {}))
            a.plot(*style.with_gaps(own["year"], own["value"]), label=self.municipality_name, **style.OWN_STYLE)
            style.mark_missing(a, own.loc[own["value"].isna(), "year"])
            style.mark_breaks(a, part.series_id, [int(y) for y in own.dropna(subset=["value"])["year"]])
            a.set_title(part.meta.title_sv, fontsize=10)
            a.set_xlabel("År (vårtermin)")
            a.set_ylabel(part.meta.unit)
            style.decimal_comma(a)
            a.legend(fontsize=7, frameon=False, loc="best")
        captions = sorted({p.meta.caption for p in parts})
        style.caption(fig, " · ".join(captions) + ". Referenserna visas som jämförelse, inte för att rangordna.")
        if ax is None:
            fig.tight_layout()
        return figure_of(fig)


def _rho_from(frame: pd.DataFrame, series_id: str, gender: str, members=None) -> float:
    sub = frame[(frame["series"] == series_id) & (frame["gender"] == gender) & (frame["status"] == "ok")
                & ~frame["municipality_id"].astype(str).str.startswith("00")]
    if members is not None:
        sub = sub[sub["municipality_id"].astype(str).isin(members)]
    if sub.empty:
        return 0.0
    last_break = max((b.after for b in breaks.comparability_breaks(series_id)
                      if b.crossed_by(int(sub["year"].min()), int(sub["year"].max()))), default=None)
    if last_break is not None:
        sub = sub[sub["year"] >= last_break]
    wide = sub.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")
    if wide.shape[1] < 4:
        return 0.0
    return pooled_rho(wide.to_numpy(dtype=float), wide.columns.to_numpy())


@memoised(maxsize=512)
def _panel_rho(series_id: str, last_year: int | None, gender: str, size_class: int | None = None) -> float:
    members = None
    if size_class is not None:
        members = tercile_members(size_class, last_year)
    return _rho_from(series_values(series_id, gender=gender, last_year=last_year, include_aggregates=False),
                     series_id, gender, members)


def noise_rho(series_id: str, last_year: int | None = None, gender: str = "T", panel=None,
              municipality_id: str | None = None) -> float:
    """The series' year-to-year autocorrelation (AR(1) ρ), pooled over the municipalities of the same population
    tercile as ``municipality_id`` (all municipalities when None) up to ``last_year``, on the latest side of any
    definition break; the trend and change intervals allow for it."""
    size_class = size_classes(last_year).get(str(municipality_id)) if municipality_id is not None else None
    if panel is None:
        return _panel_rho(series_id, last_year, gender, size_class)
    frame = panel if last_year is None else panel[panel["year"] <= last_year]
    members = None if size_class is None else tercile_members(size_class, last_year)
    return _rho_from(frame, series_id, gender, members)


def _what(meta) -> str:
    """A series as a reader knows it: its title (ids belong in the data notes)."""
    return meta.title_sv[:1].lower() + meta.title_sv[1:]


class _Rows:
    """A long frame's row positions per (series, municipality, gender), found once per progression: each part
    reads its own, weight, girls', boys' and population rows from the same frame (five boolean filters over
    text columns, ~5 ms each, otherwise)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.positions = frame.groupby(["series", "municipality_id", "gender"], observed=True, sort=False).indices

    def of(self, series_id: str, municipality_id: str, gender: str) -> pd.DataFrame:
        return self.frame.take(self.positions.get((series_id, municipality_id, gender), np.array([], dtype=np.intp)))


def _own_values(rows: _Rows, series_id: str, municipality_id: str, gender: str = "T") -> pd.DataFrame:
    sub = rows.of(series_id, municipality_id, gender)
    return sub[["year", "value", "status", "source"]].sort_values("year").reset_index(drop=True)


def _population(rows: _Rows, municipality_id: str) -> float | None:
    pop = rows.of("N01951", municipality_id, "T")
    pop = pop[pop["status"] == "ok"]
    return float(pop.sort_values("year")["value"].iloc[-1]) if not pop.empty else None


def change_noise_se(years, rho: float, resid_sd: float, span: int) -> float:
    """SE of last − first under AR(1) noise: Var(v1 − v0) = 2 γ0 (1 − ρ^span), γ0 from the residual SD of the
    trend fitted over ``years``, corrected for its own bias."""
    return math.sqrt(2 * (1 - rho ** span) / residual_variance_bias(years, rho)) * resid_sd


def binomial_change_se(v0: float, v1: float, n0: float, n1: float) -> float:
    """SE of a change between two shares (in %) from pupil counts; NaN without counts (NaN or 0)."""
    if n0 > 0 and n1 > 0:  # False for NaN too
        return math.sqrt(v0 * (100 - v0) / n0 + v1 * (100 - v1) / n1)
    return math.nan


def change_half_width(se_noise: float, se_binom: float, n_years: int | None) -> tuple[float, str]:
    """Half-width of a change's 95 % interval, and which uncertainty set it ('noise' or 'binomial').

    The noise SE is estimated from the series' own n years, so it takes t with n − 2 degrees of freedom
    (12,7 at 3 years); the binomial SE from pupil counts is known, so it takes 1,96. The wider of the two
    *intervals* is used. (Comparing the SEs instead picked the binomial interval whenever its SE was the
    larger, even where t × the noise SE made the noise interval the wider one: an interval too narrow for
    few years.) Below three comparable years (``n_years`` None or < 3) there is no interval: NaN and 'too few'
    (the binomial SE alone leaves out the cohorts' own variation: false 'säker' 9–16 % per tercile at two years
    on the real shares). NaN and 'noise' when neither SE is known.
    """
    if n_years is None or n_years < 3:
        return math.nan, "too few"
    noise = stats.t.ppf(0.975, n_years - 2) * se_noise  # NaN stays NaN
    binom = 1.96 * se_binom
    if math.isnan(binom) or (not math.isnan(noise) and noise >= binom):
        return noise, "noise"
    return binom, "binomial"


def _series_progression(rows: _Rows, series_id, municipality_id, baseline_year, years, ref_kinds, gender,
                        similar_kind, from_store: bool = False) -> SeriesProgression:
    meta = catalogue.series(series_id)
    panel = rows.frame
    own = _own_values(rows, series_id, municipality_id, gender)
    if years is not None:
        own = own[own["year"].between(*years)]
    refs = reference_table(None if from_store else panel, series_id, municipality_id, ref_kinds, gender,
                           similar_kind, last_year=years[1] if years else None)
    if years is not None:
        refs = refs[refs["year"].between(*years)]
    warnings: list[str] = []
    ok = own.dropna(subset=["value"])
    all_years = [int(y) for y in ok["year"]]
    trend_years, crossed = comparable_years(series_id, all_years)
    for b in crossed:
        warnings.append(f"Seriebrott {b.before}→{b.after} i {_what(meta)}: trend och förändring beräknas bara på "
                        + (f"åren {years_sv(min(trend_years), max(trend_years))}" if trend_years else "inga år")
                        + f". {b.text_sv}")
    for b in breaks.breaks_for(series_id, kinds=("not_held", "suppression_rule")):
        if all_years and b.crossed_by(min(all_years), max(all_years)):
            warnings.append(b.text_sv)
    absent = own[own["status"] != "ok"]
    if not absent.empty and not ok.empty:
        inside = absent[absent["year"].between(ok["year"].min(), ok["year"].max())]
        if not inside.empty:
            labels = {"missing": "saknas", "suppressed": "prickat (för få elever)", "rounded": "avrundat (~100)"}
            listed = ", ".join(f"{int(r.year)} ({labels.get(str(r.status), r.status)})" for r in inside.itertuples())
            warnings.append(f"År utan värde för {mun.name_of(municipality_id)} ({_what(meta)}): {listed}.")
    seg = ok[ok["year"].isin(trend_years)]
    rho = noise_rho(series_id, years[1] if years else None, gender, None if from_store else panel, municipality_id)
    trend = fit_trend(seg["year"].to_numpy(), seg["value"].to_numpy(), rho=rho)

    # pupil counts (where the population has them) for noise and small-population flags
    pupils = None
    wid = weight_series_for(series_id)
    if wid:
        pw = _own_values(rows, wid, municipality_id)
        pupils = pw.set_index("year")["value"]

    change = None
    if len(seg) >= 2:
        first = baseline_year if baseline_year is not None else int(seg["year"].min())
        if first not in set(seg["year"]):
            warnings.append(f"Förändringen räknas från {int(seg['year'].min())}: basåret {first} saknar jämförbart "
                            f"värde för {_what(meta)}.")
            first = int(seg["year"].min())
        last = int(seg["year"].max())
        v0 = float(seg.loc[seg["year"] == first, "value"].iloc[0])
        v1 = float(seg.loc[seg["year"] == last, "value"].iloc[0])
        se_noise = change_noise_se(seg["year"], rho, trend.resid_sd, last - first) if trend else math.nan
        se_binom = (binomial_change_se(v0, v1, pupils.get(first, np.nan), pupils.get(last, np.nan))
                    if meta.unit.startswith("andel") and pupils is not None else math.nan)
        half, source = change_half_width(se_noise, se_binom, trend.n if trend else None)
        method = {"noise": f"osäkerhet från seriens variation kring trenden och årens samvariation "
                           f"(ρ = {fmt_num(rho, 2)}) (approximation)",
                  "binomial": "binomial urvalsosäkerhet (elevantal) (approximation)"}.get(source, NO_CHANGE_INTERVAL_SV)
        change = {"estimate": v1 - v0, "ci_low": v1 - v0 - half, "ci_high": v1 - v0 + half,
                  "first": first, "last": last, "method": method,
                  "trend_years_widen": source == "noise"}

    if pupils is not None and (pupils.dropna() < SMALL_PUPILS).any():
        warnings.append(f"Små elevtal (under {SMALL_PUPILS} elever vissa år): enskilda årsförändringar kan vara slump.")
    if pupils is None and meta.population != "kommunen":
        population = _population(rows, municipality_id)
        if population is not None and population < SMALL_POPULATION and catalogue.SERIES[series_id].source == "kolada":
            warnings.append(f"Liten kommun ({fmt_num(population, 0)} invånare) och inga elevtal i källan: värdena "
                            f"kan svänga kraftigt mellan åren utan att något förändrats i skolan.")
    if change and change["ci_low"] <= 0 <= change["ci_high"]:
        warnings.append(f"Förändringen i {_what(meta)} {change['first']}–{change['last']} ryms inom osäkerheten "
                        f"och kan vara slump.")

    gender_frame = None
    if meta.has_gender:
        k = _own_values(rows, series_id, municipality_id, "K").set_index("year")["value"]
        m = _own_values(rows, series_id, municipality_id, "M").set_index("year")["value"]
        if not k.empty and not m.empty:
            gender_frame = pd.DataFrame({"flickor": k, "pojkar": m}).dropna(how="all")
            gender_frame["skillnad_flickor_minus_pojkar"] = gender_frame["flickor"] - gender_frame["pojkar"]
            gender_frame = gender_frame.reset_index()
    return SeriesProgression(series_id, own, refs, trend, trend_years, baseline_year, change, gender_frame,
                             pupils, warnings)


@memoised(maxsize=1024)
def _years_with_values(series_ids: tuple, gender: str, last_year: int | None) -> tuple[int, ...]:
    """Every year up to ``last_year`` in which some municipality (or aggregate) has a value of the series."""
    frame = series_values(list(series_ids), gender=gender, last_year=last_year)
    return tuple(sorted(int(y) for y in frame.loc[frame["status"] == "ok", "year"].unique()))


def _frame(panel, series_ids, genders, last_year, municipality_id: str | None = None):
    """The long frame an analysis reads: from the memoised accessor (one municipality and the aggregates when
    ``municipality_id`` is given), or from a panel the caller passed in."""
    if panel is None:
        frame = pd.concat([series_values(series_ids, None if municipality_id is None else [municipality_id],
                                         gender=g, last_year=last_year) for g in genders], ignore_index=True)
    else:
        frame = panel[panel["series"].isin(series_ids) & panel["gender"].isin(genders)]
        frame = frame.astype({"series": str, "municipality_id": str, "gender": str, "status": str})
        if last_year is not None:
            frame = frame[frame["year"] <= last_year]
    return frame


def _window(year, years) -> tuple[int, int] | None:
    """(first, last) years to use from the report year (the last year to use) and an optional window."""
    if years is not None and (len(years) != 2 or years[0] > years[1]):
        raise InputError(f"years ska vara (första, sista), fick {years!r}")
    if year is None:
        return tuple(years) if years is not None else None
    first, last = (years if years is not None else (0, int(year)))
    return int(first), min(int(last), int(year))


def progression(municipality, indicator=None, year: int | None = None, *, series=None,
                baseline_year: int | None = None, years: tuple[int, int] | None = None,
                references=("riket", "lan", "fgte", "liknande"), gender: str = "T", similar_kind: str | None = None,
                panel: pd.DataFrame | None = None) -> ProgressionResult:
    """Progression of one municipality on one indicator (its headline series) or on given series.

    ``year`` is the last year to use (a report's year): nothing after it is read. ``years`` narrows the window
    further. Raises DataMissing when the window holds no value of the series at all.
    """
    municipality_id = mun.resolve(municipality)
    ind = catalogue.indicator(indicator) if indicator is not None else None
    if series is None and ind is None:
        raise InputError("ange en indikator (t.ex. 'ak9_merit' eller 5) eller serie(r)")
    series_ids = [series] if isinstance(series, str) else list(series) if series is not None else (
        list(ind.headline) if ind.available else [])  # not available: its series is not in the data (yet)
    for sid in series_ids:
        catalogue.series(sid)
    window = _window(year, years)
    if similar_kind is None:
        similar_kind = mun.stage_similar_kind(ind)
    name = mun.name_of(municipality_id)
    if not series_ids:  # indicator without a municipal series: an explicit "saknas"
        return ProgressionResult(municipality_id, name, ind, [], year)
    needed = series_ids + [w for s in series_ids if (w := weight_series_for(s))] + ["N01951"]
    genders = ("T", "K", "M") if any(catalogue.series(s).has_gender for s in series_ids) or gender != "T" else ("T",)
    last = window[1] if window else None
    # from the project's data only this municipality's rows (and the aggregates) are read: references, ρ and
    # the years with data come from memoised whole-panel computations shared by every municipality
    frame = _frame(panel, needed, genders, last, municipality_id if panel is None else None)
    if window is not None:
        if panel is None:
            have = pd.Series(_years_with_values(tuple(series_ids), gender, last), dtype=int)
        else:
            have = frame.loc[frame["series"].isin(series_ids) & (frame["status"] == "ok")
                             & (frame["gender"] == gender), "year"]
        inside = have[have.between(*window)]
        if inside.empty:
            span = f"{have.min()}–{have.max()}" if not have.empty else "inga år"
            asked = f"till och med {window[1]}" if window[0] <= 0 else f"{window[0]}–{window[1]}"
            raise DataMissing(f"inga värden {asked} för {', '.join(series_ids)}: åren ligger utanför datan ({span})")
    rows = _Rows(frame)
    parts = [_series_progression(rows, sid, municipality_id, baseline_year, window, references, gender,
                                 similar_kind, from_store=panel is None) for sid in series_ids]
    if all(p.own["value"].isna().all() for p in parts):
        for p in parts:
            p.warnings.append(f"{name} har inga publicerade värden för {_what(p.meta)} i datan (saknas).")
    return ProgressionResult(municipality_id, name, ind, parts, year)


@dataclass(repr=False)
class RegionalResult(AnalysisResult):
    indicator: catalogue.Indicator
    results: list[ProgressionResult]
    aggregate: pd.DataFrame  # year, value, method, n_with_value, n_members (the set)
    national: pd.DataFrame
    last_year: int | None = None

    analysis = "regional"

    @property
    def municipality_id(self) -> str:
        return ",".join(r.municipality_id for r in self.results)

    @property
    def municipality_name(self) -> str:
        return ", ".join(r.municipality_name for r in self.results)

    @property
    def title_sv(self) -> str:
        return f"{self.indicator.number}. {self.indicator.title_sv}"

    @property
    def warnings(self) -> list[str]:
        return merged_warnings(self.results)

    @property
    def status(self) -> Status:
        if all(not r.status.ok for r in self.results):
            return Status(MISSING, "ingen kommun i gruppen har jämförbara värden")
        return Status()

    def tidy(self) -> pd.DataFrame:
        """Trends of every municipality in the set, ordered by municipality code — never by value."""
        frame = pd.concat([r.tidy() for r in self.results], ignore_index=True)
        frame["analysis"] = self.analysis
        return frame.sort_values(["municipality_id", "series", "term"], kind="mergesort").reset_index(drop=True)

    def data(self) -> pd.DataFrame:
        """Per-year values: every member ("kommun"), the set's aggregate and riket."""
        sid = self.indicator.headline[0]
        own = [r.parts[0].own.assign(reference="kommun", label=r.municipality_name, municipality_id=r.municipality_id)
               for r in self.results if r.parts]
        agg = self.aggregate.assign(reference="aggregat", label="Kommungruppen", municipality_id="", status="ok")
        nat = self.national.assign(reference="riket", municipality_id="", status="ok")
        cols = ["series", "reference", "label", "municipality_id", "year", "value", "status"]
        return pd.concat([f.assign(series=sid).reindex(columns=cols) for f in [*own, agg, nat]], ignore_index=True)

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
                lines.append(f"{r.municipality_name}: trend {direction_sv(*trend.ols_ci)} "
                             f"({fmt_num(trend.ols_slope, 2, signed=True)} per år, "
                             f"{fmt_ci(*trend.ols_ci, decimals=2)}).")
            else:
                lines.append(f"{r.municipality_name}: trend saknas (för få jämförbara år).")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Every municipality of the set (distinct line style and marker), the set's aggregate and riket."""
        fig, ax = style.new_figure(ax, figsize=(7.5, 4))
        for i, r in enumerate(self.results):
            if not r.parts:
                continue
            own = r.parts[0].own
            ax.plot(*style.with_gaps(own["year"], own["value"]), label=r.municipality_name, marker=style.MARKERS[i % len(style.MARKERS)],
                    linestyle=style.LINESTYLES[i % len(style.LINESTYLES)], color=style.PALETTE[i % len(style.PALETTE)],
                    linewidth=1.3, markersize=4)
        agg = self.aggregate
        ax.plot(*style.with_gaps(agg["year"], agg["value"]), color="black", linewidth=2.6, label="Kommungruppen (aggregat)")
        nat = self.national
        ax.plot(*style.with_gaps(nat["year"], nat["value"]), color="#555555", linestyle="--", linewidth=1.6, label="Riket")
        ax.set_title(self.indicator.title_sv, fontsize=10)
        ax.set_xlabel("År (vårtermin)")
        ax.set_ylabel(self.indicator.unit)
        style.decimal_comma(ax)
        ax.legend(fontsize=7, frameon=False, ncol=2)
        sid = self.indicator.headline[0]
        method = agg["method"].dropna().iloc[-1] if len(agg) else ""
        style.caption(fig, f"{catalogue.series(sid).caption}. Aggregat: {method}. Ingen rangordning: kommunerna "
                           "visas i kodordning.")
        fig.tight_layout()
        return fig


def regional(indicator, municipalities="fgte", year: int | None = None, *, years=None, panel=None) -> RegionalResult:
    """Trends for a set of municipalities (default the FGTE set), the set's aggregate and riket, up to ``year``."""
    ind = catalogue.indicator(indicator)
    if not ind.available:
        raise DataMissing(f"{ind.title_sv}: saknas. {ind.missing_reason}")
    ids = mun.resolve_set(municipalities)
    sid = ind.headline[0]
    window = _window(year, years)
    needed = list(ind.headline) + [w for s in ind.headline if (w := weight_series_for(s))] + ["N01951"]
    frame = _frame(panel, needed, ("T", "K", "M"), window[1] if window else None)
    results = [progression(m, ind.id, year, years=years, panel=frame, references=("riket",)) for m in sorted(ids)]
    source = None if panel is None else frame
    last = window[1] if window else None
    agg = aggregate(source, sid, ids, last_year=last)
    national = reference_table(source, sid, ids[0], kinds=("riket",), last_year=last)
    if window is not None:
        agg = agg[agg["year"].between(*window)]
        national = national[national["year"].between(*window)]
    return RegionalResult(ind, results, agg, national, year)
