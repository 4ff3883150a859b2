"""The SALSA-like model: a municipality's results against what its pupils' background predicts.

SALSA-like model (``fit_salsa``, ``salsa_gap``)
    Per year, a cross-sectional OLS over all municipalities of an outcome (kommunala skolor) on the pupils'
    background. The fitted value is the "modellberäknat värde"; the residual (actual − fitted) is the
    "avvikelse", shown with a 95 % prediction interval (statsmodels ``get_prediction(...).summary_frame``,
    ``obs_ci_*``): the range within which a municipality with the same background would be expected to land.

    Chosen specification (the one closest to Kolada's official deviations in ``validate_against_kolada``):
    grundskola: outcome ~ parents' post-secondary education (Skolverket, åk 9, kommunal) + share of boys
    (Skolverket, åk 9, kommunal) + share newly arrived and unknown background (Kolada N15823, åk 9),
    unweighted OLS. Correlation of our residual with Kolada's deviation 2017–2022: 0.88–0.94 (merit, U15459),
    0.92–0.96 (alla ämnen, U15457), 0.91–0.95 (behörighet, U15461). N15820 (åk 1–9) for parents gives 0.84–0.94;
    adding foreign background does not help; pupil-weighted WLS helps alla ämnen and behörighet a little but
    lowers merit (0.81–0.92). Replacing newly arrived (N15823 ends 2022) by foreign background lets the model
    reach 2023–2025 with the Skolverket-based outcomes, at 0.70–0.95. Gymnasium: outcome ~ N17831 +
    (100 − N17832) + N17902 reaches 0.69–0.83 (betygspoäng, U17446) and 0.57–0.73 (examen inom 3 år, U17448),
    2014–2022: SKR's gymnasium model uses pupil-level parents' income and social assistance, which the project
    lacks. U17449 (examen inom 4 år, kommunala skolor N17467): 0.52–0.70, 2015–2022.
    SKR's grundskola model also uses "behov av ekonomiskt bistånd", absent here.

    A residual is relative to that year's national cross-section: it says how far the municipality is from
    municipalities with similar pupils *that year*, so a constant residual in a rising country is progress
    in step with the others. Two re-centred versions are given for comparisons across years:
    ``residual_centred`` (minus that year's pupil-weighted mean residual; unweighted where no pupil counts
    exist) and ``residual_std`` (divided by that year's residual SD). Every output says which one it shows.
    A residual is not a ranking: it mixes school quality with everything the model does not measure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .. import breaks, catalogue, style
from .. import municipalities as mun
from ..contract import AnalysisResult, DataMissing, tidy_frame
from .. import store
from ..panel import memoised, size_classes, tercile_members
from ..text_sv import fmt_ci, fmt_num, years_sv
from ..trend import fit_trend, pooled_rho
from ..verdicts import gap_verdict, significance_sv, verdict
from .gap_interval import GapError, calibrate
from ._common import (
    COVARIATE_LABELS,
    COVARIATE_SERIES,
    DEFAULT_COVARIATES,
    GY_BOYS,
    LAG_SEP,
    MIN_MUNICIPALITIES,
    NOT_A_RANKING,
    OUTCOMES,
    PUPILS,
    Outcome,  # noqa: F401
    caption_for,
    lag_label_sv,
    lagged,
    resid_unit,
    span,
    status_of,
    value_series,
    values,
)
from ..errors import InputError


@dataclass(frozen=True)
class Spec:
    outcome: Outcome
    covariates: tuple[tuple[str, str, str], ...]  # (key, series id, Swedish label)
    weights: str | None  # series id of the weights, or None (OLS)
    pooled: bool = False  # one model over all years with a mean per year (year effects), not one per year

    @property
    def series_ids(self) -> list[str]:
        return [self.outcome.series_id] + [c[1] for c in self.covariates] + ([self.weights] if self.weights else [])


#: The default specification per outcome, chosen on 2017, 2019 and 2021 and scored on 2018, 2020 and 2022 against
#: Kolada's official deviations (README, "How close the SALSA-like model comes"). The spliced åk 9 series take the
#: specification of the Kolada KPI they agree with. Gymnasium outcomes keep the per-year three-covariate model: no
#: tried extension (year effects, lagged åk 9 covariates, adult education, income, urbanisation) came closer.
DEFAULT_SPECS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    "N15505": (("parents_posthigh", "share_boys", "newly_arrived", "N02901", "N15901", "N01984"), None, True),
    "N15419": (("parents_posthigh", "share_boys", "newly_arrived", "N02901", "N15902"), None, True),
    "N15436": (("parents_posthigh", "share_boys", "newly_arrived", "N15820"), "pupils", True),
    # Gymnasium (benchmarks/bench_salsa_specs.py): the programme mix of the own schools and the cohort's
    # background in the years before it started (cohort-matched, ".lag3"/".lag4").
    "N17691": (("parents_posthigh", "share_boys", "newly_arrived", "N07907.lag4", "N17839"), None, True),
    "N17467": (("parents_posthigh", "share_boys", "newly_arrived", "N31008.lag3", "N03926.lag4"), None, False),
}
for _splice in breaks.SPLICES:
    DEFAULT_SPECS[_splice.id] = DEFAULT_SPECS[_splice.fill_from]
#: The Skolverket-only specification that reaches past 2022, when Kolada's covariates end.
SKOLVERKET_ONLY = ("parents_posthigh", "share_boys", "foreign_bg")


def _spec(outcome, covariates="default", weights="default", pooled="default") -> Spec:
    if outcome not in OUTCOMES:
        if outcome in catalogue.SALSA_DEVIATIONS:
            outcome = catalogue.SALSA_DEVIATIONS[outcome]
        else:
            raise InputError(f"okänt utfall {outcome!r}; giltiga: {', '.join(OUTCOMES)} "
                             f"(eller avvikelsenyckeltalen {', '.join(catalogue.SALSA_DEVIATIONS)})")
    out = OUTCOMES[outcome]
    named = COVARIATE_SERIES[out.stage]
    default = DEFAULT_SPECS.get(out.series_id, (DEFAULT_COVARIATES, None, False))
    explicit = not (isinstance(covariates, str) and covariates == "default")
    covariates = covariates if explicit else default[0]
    weights = (default[1] if not explicit else None) if isinstance(weights, str) and weights == "default" else weights
    pooled = (default[2] if not explicit else False) if isinstance(pooled, str) and pooled == "default" else pooled
    if isinstance(covariates, str):
        covariates = (covariates,)
    if not covariates:
        raise InputError("ange minst en bakgrundsvariabel (covariates)")
    covs = []
    for c in covariates:
        if c in named:
            covs.append((c, named[c], COVARIATE_LABELS[c]))
        elif lagged(c)[0] in catalogue.SERIES and lagged(c)[0] not in OUTCOMES \
                and lagged(c)[0] not in catalogue.SALSA_DEVIATIONS:
            base, lag = lagged(c)
            title = catalogue.SERIES[base].title_sv
            covs.append((c, c, title[0].lower() + title[1:] + (f", {lag_label_sv(lag)}" if lag else "")))
        else:
            raise InputError(f"okänd bakgrundsvariabel {c!r} för {out.stage}; giltiga namn: {', '.join(named)} "
                             f"eller ett serie-id ur katalogen (t.ex. 'N15820', eller 'N07907{LAG_SEP}4' för "
                             f"värdet fyra år tidigare)")
    if weights not in (None, "pupils", PUPILS):
        raise InputError(f"okända vikter {weights!r}; giltiga: None (OLS) eller 'pupils' (elevantal åk 9)")
    if weights and out.stage != "grundskola":
        raise InputError("vikter (elevantal) finns bara för grundskolans åk 9; gymnasiet saknar elevantal i datan")
    return Spec(out, tuple(covs), PUPILS if weights else None, bool(pooled))


def model_years(outcome: str = "N15505") -> list[int]:
    """The years in which the outcome and every covariate of its default model have data (what the model can fit
    on today's data; with newer Kolada values from `fgte data update` it reaches further)."""
    return _check_years(_spec(outcome, "default", "default", "default"), None)


def _check_years(spec: Spec, years) -> list[int]:
    lo, hi = span(spec.outcome.series_id)
    if years is None:  # default: the years where the outcome and every covariate have data
        spans = [span("N17832" if s == GY_BOYS else s) for s in spec.series_ids]
        first, last = max(a for a, _ in spans), min(b for _, b in spans)
        if first > last:
            raise DataMissing(f"{spec.outcome.series_id} och bakgrundsvariablerna har inga gemensamma år")
        return list(range(first, last + 1))
    if isinstance(years, (int, np.integer)):
        years = [int(years)]
    elif isinstance(years, tuple) and len(years) == 2:
        years = list(range(int(years[0]), int(years[1]) + 1))
    years = [int(y) for y in years]
    outside = [y for y in years if not lo <= y <= hi]
    if not years or outside:
        raise DataMissing(f"år {outside or years} ligger utanför datan för {spec.outcome.series_id} ({lo}–{hi})")
    return years


# ---------------------------------------------------------------- one year's model
@dataclass(repr=False)
class SalsaResult(AnalysisResult):
    """The model for one outcome and year over all municipalities (like a statsmodels results object).

    ``tidy()`` holds the coefficients (the contract's columns); ``data()`` one row per municipality, ordered by
    code (never by value).
    """

    spec: Spec
    year: int
    fit: object  # statsmodels RegressionResults
    table: pd.DataFrame
    centre: float
    centre_method_sv: str
    resid_sd: float
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Municipalities with a model value this year (a pooled model's fit spans all its years)."""
        return int(len(self.table))

    @property
    def r2(self) -> float:
        return float(self.fit.rsquared)

    analysis = "salsa_model"
    municipality_id = ""

    @property
    def title_sv(self) -> str:
        return f"SALSA-liknande modell: {catalogue.series(self.spec.outcome.series_id).title_sv}, {self.year}"

    def data(self) -> pd.DataFrame:
        """One row per municipality: actual, model value, residual with its prediction interval."""
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """The model's coefficients with 95 % intervals and p-values."""
        c = self.coefficients()
        rows = [{"term": r.term, "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                 "p_value": r.p_value, "n": self.n, "years": str(self.year),
                 "method": "WLS (elevantal)" if self.spec.weights else "OLS över kommunerna",
                 "verdict": verdict(r.ci_low, r.ci_high)} for r in c.itertuples()]
        return tidy_frame(rows, analysis=self.analysis, series=self.spec.outcome.series_id)

    def coefficients(self) -> pd.DataFrame:
        ci = self.fit.conf_int()
        labels = {"const": "konstant", **{c[1]: c[2] for c in self.spec.covariates},
                  **{t: f"årseffekt {t[3:]}" for t in self.fit.params.index if str(t).startswith("år_")}}
        return pd.DataFrame({
            "year": self.year, "outcome": self.spec.outcome.series_id, "term": list(self.fit.params.index),
            "label": [labels.get(t, t) for t in self.fit.params.index], "estimate": self.fit.params.to_numpy(),
            "ci_low": ci[0].to_numpy(), "ci_high": ci[1].to_numpy(), "p_value": self.fit.pvalues.to_numpy(),
            "n": self.n, "r2": self.r2})

    def row(self, municipality_id: str) -> pd.Series | None:
        # by position: a boolean frame filter costs a millisecond, and a report asks for about 50 rows
        at = np.flatnonzero(self.table["municipality_id"].to_numpy() == municipality_id)
        return None if not len(at) else self.table.iloc[int(at[0])]

    def specification_sv(self) -> str:
        return _specification_sv(self.spec, {self.year: self})

    def summary_sv(self) -> str:
        meta = catalogue.series(self.spec.outcome.series_id)
        return (f"{meta.title_sv}, {self.year}: modellen förklarar {fmt_num(100 * self.r2, 0)} % av skillnaderna "
                f"mellan {self.n} kommuner (R²). Residualernas standardavvikelse är {fmt_num(self.resid_sd)} "
                f"{resid_unit(meta.id)}. {NOT_A_RANKING}\n" + self.specification_sv()
                + "".join(f"\nObs: {w}" for w in self.warnings))

    def plot(self, ax=None, municipality=None):
        """Actual against model value for all municipalities (grey), one municipality highlighted."""
        fig, ax = style.new_figure(ax, figsize=(5.5, 4.5))
        t = self.table
        ax.scatter(t["expected"], t["actual"], s=12, color="#999999", edgecolor="none", label="Kommuner")
        lims = [min(t["expected"].min(), t["actual"].min()), max(t["expected"].max(), t["actual"].max())]
        ax.plot(lims, lims, color="#333333", linestyle="--", linewidth=1, label="Faktiskt = modellberäknat")
        if municipality is not None:
            mid = mun.resolve(municipality)
            r = self.row(mid)
            if r is not None:
                ax.errorbar(r["expected"], r["actual"], fmt="none", ecolor="black", capsize=3,
                            yerr=[[r["actual"] - r["pi_low"]], [r["pi_high"] - r["actual"]]])
                ax.plot(r["expected"], r["actual"], label=mun.name_of(mid), **{**style.OWN_STYLE, "linestyle": "none"})
        meta = catalogue.series(self.spec.outcome.series_id)
        ax.set_xlabel(f"Modellberäknat värde, {meta.unit}")
        ax.set_ylabel(f"Faktiskt värde, {meta.unit}")
        ax.set_title(f"{meta.title_sv}, {self.year}", fontsize=9)
        style.decimal_comma(ax)
        ax.xaxis.set_major_formatter(ax.yaxis.get_major_formatter())
        ax.legend(fontsize=7, frameon=False)
        style.caption(fig, f"{caption_for(self.spec.series_ids)}. Avvikelse = faktiskt − modellberäknat värde. "
                     "Ingen rangordning.", width=80)
        fig.tight_layout()
        return fig


def _year_data(spec: Spec, wide: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(all values of the year, the complete model rows, warnings) for one year; DataMissing when it cannot fit."""
    sid = spec.outcome.series_id
    d = wide.xs(year, level="year") if year in wide.index.get_level_values("year") else wide.iloc[0:0]
    warnings = []
    if spec.outcome.stage == "gymnasiet":
        zero = d[sid] == 0
        if zero.any():
            warnings.append(f"{int(zero.sum())} kommuner med värdet 0 för {sid} {year} ingår inte i modellen: deras "
                            f"egna gymnasieskolor hade när årskullen började nästan bara introduktionsprogram "
                            f"(N17841), så de jämförs inte med skolor med nationella program.")
            d = d.assign(**{sid: d[sid].mask(zero)})
    for s in spec.series_ids:
        if s not in d or d[s].notna().sum() == 0:
            raise DataMissing(f"modellen kan inte skattas {year}: {s} saknas för alla kommuner det året")
    # Every municipality with the outcome and the covariates gets a model value; a missing weight (pupil count)
    # only keeps it out of the fit, and its prediction interval uses the year's median weight (said in warnings).
    model_data = d[[s for s in spec.series_ids if s != spec.weights]].dropna()
    if spec.weights:
        w = d[spec.weights].reindex(model_data.index)
        if w.isna().any():
            warnings.append(f"{int(w.isna().sum())} kommuner saknar elevantal {year}: de ingår inte när modellen "
                            f"skattas men får ett modellberäknat värde (prediktionsintervall med årets medianelevtal).")
        model_data = model_data.assign(**{spec.weights: w})
    if model_data[spec.weights].notna().sum() < max(MIN_MUNICIPALITIES, len(spec.covariates) + 10) if spec.weights \
            else len(model_data) < max(MIN_MUNICIPALITIES, len(spec.covariates) + 10):
        raise DataMissing(f"modellen kan inte skattas {year}: för få kommuner med fullständiga uppgifter "
                          f"({len(model_data)}) för {sid}")
    return d, model_data, warnings


def _wide(spec: Spec) -> pd.DataFrame:
    return values(spec.series_ids + ([PUPILS] if spec.outcome.stage == "grundskola" else [])
                  + ([spec.outcome.deviation] if spec.outcome.deviation else []))


def _result(spec: Spec, year: int, fit, d: pd.DataFrame, model_data: pd.DataFrame, pred: pd.DataFrame,
            warnings: list[str]) -> SalsaResult:
    """The per-municipality table of one year from a fitted model and its prediction rows for that year."""
    sid = spec.outcome.series_id
    y = model_data[sid]
    table = pd.DataFrame({"municipality_id": model_data.index.astype(str), "year": year, "outcome": sid,
                          "actual": y.to_numpy(), "expected": pred["mean"].to_numpy(),
                          "pi_low": pred["obs_ci_lower"].to_numpy(), "pi_high": pred["obs_ci_upper"].to_numpy()})
    table["residual"] = table["actual"] - table["expected"]
    table["residual_low"] = table["actual"] - table["pi_high"]
    table["residual_high"] = table["actual"] - table["pi_low"]
    pupils = d[PUPILS].reindex(model_data.index).to_numpy() if PUPILS in d else np.full(len(table), np.nan)
    has = ~np.isnan(pupils)
    if has.sum() >= 0.9 * len(table):
        centre = float(np.average(table["residual"].to_numpy()[has], weights=pupils[has]))
        centre_sv = "minus årets elevviktade medelresidual (elever i åk 9, kommunala skolor)"
    else:
        centre = float(table["residual"].mean())
        centre_sv = ("minus årets ovägda medelresidual; elevantal saknas, och i OLS är den medelresidualen noll, så "
                     "den återcentrerade avvikelsen är lika med den råa — jämför år med den standardiserade")
    resid_sd = float(table["residual"].std(ddof=len(spec.covariates) + 1))
    table["residual_centred"] = table["residual"] - centre
    table["residual_std"] = table["residual"] / resid_sd
    dev = spec.outcome.deviation
    table["official_deviation"] = d[dev].reindex(model_data.index).to_numpy() if dev else np.nan
    table["n_pupils"] = pupils
    warnings = list(warnings)
    if spec.outcome.note:
        warnings.append(spec.outcome.note)
    if spec.weights:
        warnings.append("Vägd regression (WLS, elevantal): stora kommuner väger tyngre i modellen.")
    return SalsaResult(spec, year, fit, table.sort_values("municipality_id").reset_index(drop=True), centre,
                       centre_sv, resid_sd, warnings)


def _estimate(spec: Spec, y, X, w, groups=None):
    """Fit on the rows with a weight (all rows for OLS); predict every row (a missing weight: the group median)."""
    if w is None:
        fit = sm.OLS(y, X).fit()
        return fit, fit.get_prediction(X).summary_frame(alpha=0.05)
    has = w.notna().to_numpy()
    fit = sm.WLS(y[has], X[has], weights=w[has]).fit()
    filled = w.groupby(groups).transform("median") if groups is not None else w.fillna(w.median())
    filled = w.fillna(filled)
    return fit, fit.get_prediction(X, weights=filled.to_numpy()).summary_frame(alpha=0.05)


@memoised(maxsize=256)
def _fit_year(spec: Spec, year: int) -> SalsaResult:
    d, model_data, warnings = _year_data(spec, _wide(spec), year)
    cov_ids = [c[1] for c in spec.covariates]
    X = sm.add_constant(model_data[cov_ids])
    fit, pred = _estimate(spec, model_data[spec.outcome.series_id], X,
                          model_data[spec.weights] if spec.weights else None)
    return _result(spec, year, fit, d, model_data, pred, warnings)


@memoised(maxsize=64)
def _fit_pooled(spec: Spec, last_year: int | None) -> tuple[dict[int, SalsaResult], dict[int, str]]:
    """One model over every year up to ``last_year`` with year effects: the per-year results it gives, and why
    the other years are missing. Fitted once for all processes (results store), then memoised in each."""
    return store.cached("salsa_pooled", (repr(spec), last_year), lambda: _fit_pooled_now(spec, last_year))


def _fit_pooled_now(spec: Spec, last_year: int | None) -> tuple[dict[int, SalsaResult], dict[int, str]]:
    wide = _wide(spec)
    lo, hi = span(spec.outcome.series_id)
    parts, failures = {}, {}
    for year in range(lo, hi + 1):
        if last_year is not None and year > last_year:
            continue
        try:
            parts[year] = _year_data(spec, wide, year)
        except DataMissing as exc:
            failures[year] = str(exc)
    if not parts:
        return {}, failures
    cov_ids = [c[1] for c in spec.covariates]
    rows = pd.concat({y: md for y, (_, md, _) in parts.items()}, names=["year", "municipality_id"])
    years = rows.index.get_level_values("year")
    dummies = pd.get_dummies(years, prefix="år", drop_first=True, dtype=float).set_index(rows.index)
    X = sm.add_constant(pd.concat([rows[cov_ids], dummies], axis=1))
    fit, pred = _estimate(spec, rows[spec.outcome.series_id], X, rows[spec.weights] if spec.weights else None,
                          groups=years)
    out = {}
    for year, (d, md, warnings) in parts.items():
        mask = np.asarray(years == year)
        out[year] = _result(spec, year, fit, d, md, pred.loc[mask], warnings)
    return out, failures


def _pooled_residual_rho(fits: dict[int, SalsaResult], size_class: int | None = None,
                         last_year: int | None = None) -> float:
    """AR(1) ρ of the re-centred residuals, pooled over the municipalities of one population tercile
    (``panel.size_classes``; all municipalities when ``size_class`` is None). Why the tercile: the largest third's
    gaps are more persistent (ρ 0.28 against 0.15 pooled over all, merit 2017–2022), so one ρ for all made its
    trend verdicts too sure (7.4 % false 'säker'; 5.7 % pooled in the tercile; bench_gap_trend_size.py)."""
    wide = pd.concat({y: f.table.set_index("municipality_id")["residual_centred"] for y, f in fits.items()},
                     axis=1).sort_index(axis=1)
    if size_class is not None:
        wide = wide[wide.index.astype(str).isin(tercile_members(size_class, last_year))]
    return pooled_rho(wide.to_numpy(dtype=float), np.asarray(wide.columns, dtype=float))


@memoised(maxsize=256)
def _residual_rho(spec: Spec, years: tuple[int, ...], last_year: int | None, size_class: int | None) -> float:
    """``GapResult.residual_rho`` for memoised fits: the same for every municipality of one tercile with those
    model years."""
    return _pooled_residual_rho({y: _fit_cached(spec, y, last_year) for y in years}, size_class, last_year)


def _fit_cached(spec: Spec, year: int, last_year: int | None = None) -> SalsaResult:
    """The model for one year: per year, or from the pooled model over the years up to ``last_year``."""
    if not spec.pooled:
        return _fit_year(spec, year)
    fits, failures = _fit_pooled(spec, last_year if last_year is not None else None)
    if year not in fits:
        raise DataMissing(failures.get(year, f"modellen kan inte skattas {year}: inga uppgifter det året"))
    return fits[year]


def fit_salsa(outcome: str = "N15505", year: int = 2022, covariates="default", weights="default",
              pooled="default") -> SalsaResult:
    """Fit the SALSA-like model for one outcome and year over all municipalities with complete data.

    covariates: "default" (the outcome's chosen specification, DEFAULT_SPECS), or names ("parents_posthigh",
    "share_boys", "newly_arrived", "foreign_bg") resolved per stage, or catalogue series ids. weights: None (OLS) or
    "pupils" (WLS by pupils in åk 9, grundskola only). pooled: one model over the years up to ``year`` with year
    effects. Explicit covariates mean a per-year OLS unless weights/pooled are given too.
    """
    spec = _spec(outcome, covariates, weights, pooled)
    (year,) = _check_years(spec, year)
    return _fit_cached(spec, year, year)


# ---------------------------------------------------------------- one municipality over years
@dataclass(repr=False)
class GapResult(AnalysisResult):
    """A municipality's deviation from the model value, year by year. Missing years have status "saknas"."""

    municipality_id: str
    municipality_name: str
    spec: Spec
    table: pd.DataFrame
    fits: dict[int, SalsaResult]
    warnings: list[str] = field(default_factory=list)
    last_year: int | None = None

    analysis = "salsa_gap"

    @property
    def title_sv(self) -> str:
        return f"Avvikelse från modellberäknat värde: {catalogue.series(self.spec.outcome.series_id).title_sv}"

    def data(self) -> pd.DataFrame:
        """Per year: actual, model value, residual with its prediction interval, official deviation, status."""
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """Per year the gap (residual) with its own calibrated 95 % interval, the between-municipality spread
        (prediction band, no verdict), and the trend of the re-centred residual with pooled ρ and with ρ = 0."""
        sid = self.spec.outcome.series_id
        ok = self.table[self.table["status"] == "ok"]
        rows = []
        for r in ok.itertuples():
            rows.append({"term": "residual", "estimate": r.residual, "ci_low": r.gap_low, "ci_high": r.gap_high,
                         "years": str(int(r.year)), "n": int(r.n_municipalities),
                         "method": "SALSA-liknande modell; 95 % intervall för gapet: modellens fel mot Koladas "
                                   "avvikelse, kalibrerat (README)", "verdict": gap_verdict(r.gap_low, r.gap_high)})
            rows.append({"term": "spread_similar_municipalities", "estimate": r.residual, "ci_low": r.residual_low,
                         "ci_high": r.residual_high, "years": str(int(r.year)), "n": int(r.n_municipalities),
                         "method": "95 % prediktionsintervall: hur långt kommuner med liknande elever brukar ligga "
                                   "från det förväntade (inget mått på gapets osäkerhet)", "verdict": ""})
        for t, term, how in self._trends():
            rows.append({"term": term, "estimate": t.ols_slope, "ci_low": t.ols_ci[0], "ci_high": t.ols_ci[1],
                         "years": years_sv(t.first_year, t.last_year), "n": t.n,
                         "method": f"OLS, återcentrerad avvikelse, {how} (ρ = {fmt_num(t.rho, 2)})",
                         "verdict": verdict(*t.ols_ci)})
        return tidy_frame(rows, analysis=self.analysis, municipality_id=self.municipality_id, series=sid)

    def _trends(self) -> list[tuple]:
        """(trend, tidy term, method words) with the pooled ρ (the verdict) and with ρ = 0 (its sensitivity)."""
        ok = self.table[self.table["status"] == "ok"]
        if len(ok) < 3:
            return []
        x, y = ok["year"].to_numpy(), ok["residual_centred"].to_numpy()
        return [(fit_trend(x, y, rho=self.residual_rho()), "trend_residual_centred_per_year",
                 "t-intervall vidgat för årens samvariation, ρ poolat över kommuner av liknande storlek "
                 "(samma tredjedel efter invånare)"),
                (fit_trend(x, y, rho=0.0), "trend_residual_centred_per_year_rho0",
                 "känslighet: utan samvariation mellan åren")]

    def coefficients(self) -> pd.DataFrame:
        return pd.concat([f.coefficients() for f in self.fits.values()], ignore_index=True) if self.fits else \
            pd.DataFrame()

    def specification_sv(self) -> str:
        years = self._memoised_years()  # the same text for every municipality of one model and years
        return _model_text(self.spec, years, self.last_year) if years is not None else \
            _specification_sv(self.spec, self.fits)

    def summary_sv(self) -> str:
        meta = catalogue.series(self.spec.outcome.series_id)
        unit = resid_unit(meta.id)
        name = self.municipality_name
        lines = [f"{meta.title_sv}, {name}: avvikelse från modellberäknat värde (faktiskt − modellberäknat, "
                 f"{unit}). Visat mått: rå avvikelse, relativ till respektive års kommuner."]
        for r in self.table.itertuples():
            if r.status != "ok":
                lines.append(f"{r.year}: saknas ({r.reason}).")
                continue
            s = (f"{r.year}: faktiskt {fmt_num(r.actual)}, modellberäknat {fmt_num(r.expected)}, gapet "
                 f"{fmt_num(r.residual, signed=True)}")
            if not math.isnan(r.gap_low):
                s += (f" (95\u00a0% intervall för gapet {fmt_num(r.gap_low, signed=True)} till "
                      f"{fmt_num(r.gap_high, signed=True)}: {gap_verdict(r.gap_low, r.gap_high)})")
            s += (f"; kommuner med liknande elever brukar ligga {fmt_num(r.residual_low - r.residual, signed=True)} "
                  f"till {fmt_num(r.residual_high - r.residual, signed=True)} från det förväntade")
            if not math.isnan(r.official_deviation):
                s += f"; Koladas officiella avvikelse {fmt_num(r.official_deviation, signed=True)}"
            lines.append(s + ".")
        trends = self._trends()
        if trends:
            (t, _, _), (t0, _, _) = trends
            lines.append(f"Utveckling av den återcentrerade avvikelsen ({self._centre_sv()}) "
                         f"{years_sv(t.first_year, t.last_year)}: {fmt_num(t.ols_slope, 2, signed=True)} {unit} "
                         f"per år ({fmt_ci(*t.ols_ci, decimals=2)} med ρ = {fmt_num(t.rho, 2)}; "
                         f"{fmt_ci(*t0.ols_ci, decimals=2)} med ρ = 0); {significance_sv(*t.ols_ci)}.")
        accuracy = gap_accuracy_sv(self.spec, self.last_year)
        if accuracy:
            lines.append(accuracy)
        lines.append("En oförändrad avvikelse betyder att kommunen följer med kommuner med liknande elever, inte "
                     "att resultaten står still. " + NOT_A_RANKING)
        lines.append(self.specification_sv())
        lines += [f"Obs: {w}" for w in self.warnings]
        return "\n".join(lines)

    def residual_rho(self) -> float:
        """AR(1) autocorrelation of the re-centred residuals, pooled over the municipalities of this one's population
        tercile in the fitted years.

        The same for every municipality of one model and tercile: computed once per (model, years, tercile) and
        process."""
        if len(self.fits) < 4:
            return 0.0
        size_class = size_classes(self.last_year).get(str(self.municipality_id))
        years = self._memoised_years()
        return _residual_rho(self.spec, years, self.last_year, size_class) if years is not None else \
            _pooled_residual_rho(self.fits, size_class, self.last_year)

    def _memoised_years(self) -> tuple[int, ...] | None:
        """The model years, when this result's fits are the memoised ones (those of salsa_gap): then what depends
        only on the model (ρ, the model text) is computed once per model and years, not per municipality."""
        years = tuple(sorted(self.fits))
        try:
            return years if all(_fit_cached(self.spec, y, self.last_year) is self.fits[y] for y in years) else None
        except DataMissing:
            return None

    def _centre_sv(self) -> str:
        return next(iter(self.fits.values())).centre_method_sv if self.fits else ""

    def plot(self, ax=None, which: str = "residual"):
        """which: "residual" (raw), "centred" (minus the year's mean residual) or "standardised"."""

        cols = {"residual": ("residual", "rå avvikelse"), "centred": ("residual_centred", "återcentrerad avvikelse"),
                "standardised": ("residual_std", "avvikelse i standardavvikelser")}
        if which not in cols:
            raise InputError(f"which ska vara ett av {list(cols)}, fick {which!r}")
        col, label = cols[which]
        fig, ax = style.new_figure(ax, figsize=(6.5, 3.6))
        t = self.table
        ok = t[t["status"] == "ok"]
        scale = (ok[col] / ok["residual"]).where(ok["residual"] != 0, 1.0) if which == "standardised" else 1.0
        shift = (ok["residual"] - ok[col]) if which == "centred" else 0.0
        band_lo, band_hi = (ok["residual_low"] - shift) * scale, (ok["residual_high"] - shift) * scale
        ax.fill_between(ok["year"], band_lo, band_hi, color="#dddddd", linewidth=0,
                        label="Här brukar kommuner med liknande elever ligga (95\u00a0%)")
        ax.axhline(0, color="#555555", linewidth=1)
        has_gap = ok["gap_low"].notna()
        lo, hi = (ok["gap_low"] - shift) * scale, (ok["gap_high"] - shift) * scale
        ax.errorbar(ok["year"][has_gap], ok[col][has_gap], yerr=[(ok[col] - lo)[has_gap], (hi - ok[col])[has_gap]],
                    fmt="none", ecolor="black", capsize=3, linewidth=1)
        ax.plot(ok["year"], ok[col], label=f"{self.municipality_name} ({label}, 95\u00a0% intervall för gapet)",
                **style.OWN_STYLE)
        if which == "residual" and ok["official_deviation"].notna().any():
            ax.plot(ok["year"] + 0.15, ok["official_deviation"], linestyle="none", marker="s", markerfacecolor="white",
                    markeredgecolor="#0072B2", label="Koladas officiella avvikelse")
        meta = catalogue.series(self.spec.outcome.series_id)
        style.year_axes(ax, int(t["year"].min()), int(t["year"].max()), t.loc[t["status"] != "ok", "year"],
                        f"Avvikelse från modellberäknat värde: {meta.title_sv}",
                   "standardavvikelser" if which == "standardised" else resid_unit(meta.id))
        style.caption(fig, f"{caption_for(self.spec.series_ids)}. Avvikelse = faktiskt − modellberäknat värde; "
                     f"visar {label}. Ingen rangordning.")
        fig.tight_layout()
        return fig


@memoised(maxsize=256)
def _model_text(spec: Spec, years: tuple[int, ...], last_year: int | None) -> str:
    """``GapResult.specification_sv`` for memoised fits."""
    return _specification_sv(spec, {y: _fit_cached(spec, y, last_year) for y in years})


def _dec(x: float) -> int:
    return 3 if abs(x) < 0.1 else 2


def _specification_sv(spec: Spec, fits: dict[int, SalsaResult]) -> str:
    meta = catalogue.series(spec.outcome.series_id)
    covs = ", ".join(f"{label} ({lagged(sid)[0] if sid != GY_BOYS else '100 − N17832'})"
                     for _, sid, label in spec.covariates)
    method = "viktad regression med minsta kvadratmetoden (WLS, vikt = elever i åk 9)" if spec.weights else \
        "regression med minsta kvadratmetoden (OLS, alla kommuner väger lika)"
    missing = "behov av ekonomiskt bistånd" if spec.outcome.stage == "grundskola" else \
        "föräldrarnas inkomst och behov av ekonomiskt bistånd"
    how = ("skattad på alla år tillsammans, med ett eget medelvärde för varje år (årseffekter)" if spec.pooled
           else "skattad separat för varje år")
    text = (f"Modell: {meta.title_sv} ({meta.id}) förklaras med {covs}; {method}, {how} över alla kommuner med "
            f"fullständiga uppgifter. SKR:s modell använder även {missing} för varje elev; projektets data har "
            f"bara kommunens värden (t.ex. invånare med ekonomiskt bistånd, N31807), och med dem kommer modellen "
            f"inte närmare Koladas avvikelser än korrelationen som anges i README.")
    if fits:
        text += " Anpassning: " + "; ".join(f"{y}: n = {f.n}, R² = {fmt_num(f.r2, 2)}" for y, f in sorted(fits.items()))
        last = fits[max(fits)]
        coefs = last.coefficients()
        coefs = coefs[(coefs["term"] != "const") & ~coefs["term"].astype(str).str.startswith("år_")]
        text += (f". Koefficienter {last.year} (förändring i utfallet när bakgrundsvariabeln ökar en enhet, för "
                 f"andelar en procentenhet): ") + "; ".join(
            f"{r.label} {fmt_num(r.estimate, _dec(r.estimate), signed=True)} "
            f"({fmt_ci(r.ci_low, r.ci_high, _dec(r.estimate))})" for r in coefs.itertuples()) + "."
    return text


@memoised(maxsize=16)
def skolverket_only_accuracy(outcome: str) -> tuple[float, float]:
    """(median, lowest) yearly correlation 2017–2022 of the Skolverket-only model with Kolada's deviation."""
    table = validate_against_kolada(outcome, covariates=SKOLVERKET_ONLY)
    return float(table["correlation"].median()), float(table["correlation"].min())


@memoised(maxsize=64)
def gap_error(spec: Spec, last_year: int | None = None) -> GapError:
    """The model's calibrated error against Kolada's deviation (``gap_interval``), from its fits of 2017–2022 up
    to ``last_year``: the same for every municipality of one model. Raises DataMissing without Kolada's deviation."""
    if not spec.outcome.deviation:
        raise DataMissing(f"{spec.outcome.series_id} har ingen officiell avvikelse att kalibrera gapets intervall mot")
    frames = []
    for y in range(2017, 2023):
        if last_year is not None and y > last_year:
            continue
        try:
            frames.append(_fit_cached(spec, y, last_year).table)
        except DataMissing:
            continue
    if not frames:
        raise DataMissing("inga modellår 2017–2022 att kalibrera gapets intervall mot")
    frame = pd.concat(frames, ignore_index=True)[["municipality_id", "year", "residual", "official_deviation",
                                                  "n_pupils"]]
    pop = value_series("N01951")
    frame["population"] = pop.reindex(pd.MultiIndex.from_arrays([frame["municipality_id"], frame["year"]])).to_numpy()
    return calibrate(frame)  # DataMissing when too few municipality-years


def _add_gap_interval(table: pd.DataFrame, spec: Spec, last_year: int | None, warnings: list[str]) -> pd.DataFrame:
    """The gap's own 95 % interval (``gap_low``/``gap_high``) and the cohort's sampling noise, per row."""
    try:
        err = gap_error(spec, last_year)
    except DataMissing as exc:
        warnings.append(f"Gapets intervall kan inte kalibreras: {exc}")
        return table.assign(gap_low=np.nan, gap_high=np.nan, gap_half_width=np.nan, cohort_noise=np.nan,
                            official_comparable=np.nan)
    if err.size != "inhabitants":
        size = table["n_pupils"].to_numpy(dtype=float)
    else:
        pop = value_series("N01951")
        size = pop.reindex(pd.MultiIndex.from_arrays([table["municipality_id"], table["year"]])).to_numpy()
    h = err.half_width(size)
    # Kolada's deviation on our zero point (minus the year's mean difference): what the interval is meant to cover
    comparable = table["official_deviation"] - table["year"].map(err.offset_by_year)
    return table.assign(gap_low=table["residual"] - h, gap_high=table["residual"] + h, gap_half_width=h,
                        cohort_noise=err.cohort_noise(table["n_pupils"].to_numpy(dtype=float)),
                        official_comparable=comparable.astype(float))


def gap_accuracy_sv(spec: Spec, last_year: int | None = None) -> str:
    """How well the gap interval is calibrated, in one Swedish sentence (empty when it cannot be)."""
    try:
        err = gap_error(spec, last_year)
    except DataMissing:
        return ""
    terc = ", ".join(f"{k} {fmt_num(100 * v, 0)} %" for k, v in err.coverage_by_tercile)
    return (f"Gapets 95 %-intervall bygger på hur långt modellens avvikelse ligger från Koladas (SKR:s) avvikelse "
            f"för samma kommun och år; det rymmer Koladas avvikelse i {fmt_num(100 * err.coverage, 1)} % av "
            f"{err.n_scored} kommunår {years_sv(min(err.years_scored), max(err.years_scored))}"
            + (f" (kommuner efter folkmängd: {terc})" if terc else "") + ".")


def salsa_gap(municipality, outcome: str = "N15505", year: int | None = None, *, years=None,
              covariates="default", weights="default", pooled="default") -> GapResult:
    """The municipality's deviation from the model value in each year (default: the years where the outcome and
    every covariate have data; N15505 with the default covariates: 2016–2022, 2016 "saknas" as N15823 lacks it).

    Years where the model or the municipality's data are missing are rows with status "saknas" and a reason.
    ``year`` is the last year to use: later years are neither fitted nor shown.
    Raises DataMissing if no requested year gives an estimate.
    """
    mid = mun.resolve(municipality)
    name = mun.name_of(mid)
    spec = _spec(outcome, covariates, weights, pooled)
    rows, fits = [], {}
    last_year = year
    wanted = [y for y in _check_years(spec, years) if last_year is None or y <= last_year]
    if not wanted:
        raise DataMissing(f"inga år med modell till och med {last_year} för {spec.outcome.series_id}")
    for year in wanted:
        base = {"municipality_id": mid, "year": year, "outcome": spec.outcome.series_id}
        try:
            fit = _fit_cached(spec, year, last_year)
        except DataMissing as exc:
            rows.append({**base, "status": "saknas", "reason": str(exc)})
            continue
        r = fit.row(mid)
        if r is None:
            rows.append({**base, "status": "saknas", "reason": _why_missing(spec, mid, name, year)})
            continue
        fits[year] = fit
        rows.append({**r.to_dict(), "n_municipalities": fit.n, "r2": fit.r2, "status": "ok", "reason": ""})
    cols = ["municipality_id", "year", "outcome", "actual", "expected", "pi_low", "pi_high", "residual", "residual_low",
            "residual_high", "residual_centred", "residual_std", "official_deviation", "n_pupils", "n_municipalities",
            "r2", "status", "reason"]
    table = pd.DataFrame(rows).reindex(columns=cols)
    if not fits:
        reasons = "; ".join(f"{r.year}: {r.reason}" for r in table.itertuples())
        raise DataMissing(f"inga avvikelser kan beräknas för {name} och {spec.outcome.series_id}: {reasons}")
    warnings = list(dict.fromkeys(w for f in fits.values() for w in f.warnings))
    table = _add_gap_interval(table, spec, last_year, warnings)
    missing = table.loc[table["status"] != "ok", "year"].tolist()
    if missing:
        warnings.append(f"Avvikelse saknas för {', '.join(map(str, missing))}; skälet står per år ovan.")
    warnings.append("Avvikelser är relativa till varje års kommuner; jämför år med den återcentrerade eller "
                    "standardiserade avvikelsen.")
    ok_years = sorted(fits)
    if spec.outcome.series_id in ("N15505", "N15419", "N15436") and ok_years[0] <= 2016 < ok_years[-1]:
        warnings.append("Utfallets definition ändrades 2016→2017 (seriebrott i Kolada). Avvikelserna är relativa till "
                        "varje års kommuner och påverkas mindre, men jämför över brottet med försiktighet.")
    return GapResult(mid, name, spec, table, fits, warnings, last_year)


def _why_missing(spec: Spec, mid: str, name: str, year: int) -> str:
    lacking = []
    for sid in spec.series_ids:
        sid = "N17832" if sid == GY_BOYS else sid
        v = value_series(sid)
        if (mid, year) not in v.index or np.isnan(v.loc[(mid, year)]):
            lacking.append(f"{sid} ({_status_sv(status_of(sid, mid, year))})")
    if lacking:
        return f"{name} saknar värde {year} för {', '.join(lacking)}"
    return (f"{spec.outcome.series_id} är 0 för {name} {year}: kommunens egna gymnasieskolor hade när årskullen "
            f"började nästan bara introduktionsprogram (N17841), så kommunen ingår inte i modellen")


def _status_sv(status: str) -> str:
    return {"suppressed": "prickat", "missing": "inget värde", "rounded": "avrundat", "ok": "finns"}.get(status, status)


def validate_against_kolada(outcome: str, years=range(2017, 2023), covariates="default", weights="default",
                            pooled="default") -> pd.DataFrame:
    """Per year: correlation between our residual and Kolada's official deviation, model R² and n.

    ``outcome`` is an outcome series or a deviation KPI (e.g. "U15459"). Years where the model cannot be
    fitted give a row with NaN and a note.
    """
    spec = _spec(outcome, covariates, weights, pooled)
    dev = spec.outcome.deviation
    rows = []
    wanted = _check_years(spec, list(years))
    for year in wanted:
        try:
            f = _fit_cached(spec, year, max(wanted))
        except DataMissing as exc:
            rows.append({"year": year, "outcome": spec.outcome.series_id, "deviation": dev, "note": str(exc)})
            continue
        both = f.table.dropna(subset=["official_deviation"])
        ours, theirs = both["residual"], both["official_deviation"]
        rows.append({"year": year, "outcome": spec.outcome.series_id, "deviation": dev, "n": len(both),
                     "n_model": f.n, "correlation": float(np.corrcoef(ours, theirs)[0, 1]), "r2": f.r2,
                     "mean_abs_difference": float((ours - theirs).abs().mean()), "note": ""})
    return pd.DataFrame(rows, columns=["year", "outcome", "deviation", "n", "n_model", "correlation", "r2",
                                       "mean_abs_difference", "note"])


