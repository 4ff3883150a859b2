"""What every gap measure shares: outcomes with an official deviation, covariates, units, and panel access.

Data come from the panel only, through the memoised accessor :func:`fgte_research.panel.series_values`; every
read can be cut at the last year an analysis may use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import breaks, catalogue
from ..panel import memoised, series_values

GY_BOYS = "gy.share_boys"  # derived: 100 − N17832 (share women in kommunal gymnasieskola)
PUPILS = "skv.ak9.pupils.kommunal"
MIN_MUNICIPALITIES = 30
NOT_A_RANKING = ("En avvikelse är ingen rangordning: den blandar skolans arbete med allt modellen inte mäter "
                 "(elevsammansättning utöver bakgrundsvariablerna, betygssättning, slump).")


@dataclass(frozen=True)
class Outcome:
    series_id: str
    stage: str  # "grundskola" or "gymnasiet"
    deviation: str | None  # Kolada's official SALSA deviation for the same population
    note: str = ""


def _outcomes() -> dict[str, Outcome]:
    """Outcomes with an official Kolada deviation, derived from the catalogue (one source of truth).

    Kolada numbers its SALSA deviations U15xxx for grundskola and U17xxx for gymnasium. The spliced åk 9
    series share the deviation of the Kolada KPI they agree with (breaks.SPLICES).
    """
    out = {}
    for deviation, kpi in catalogue.SALSA_DEVIATIONS.items():
        out[kpi] = Outcome(kpi, "gymnasiet" if deviation.startswith("U17") else "grundskola", deviation)
    for splice in breaks.SPLICES:
        out[splice.id] = Outcome(splice.id, out[splice.fill_from].stage, out[splice.fill_from].deviation)
    return out


OUTCOMES: dict[str, Outcome] = _outcomes()

COVARIATE_SERIES: dict[str, dict[str, str]] = {
    "grundskola": {"parents_posthigh": "skv.ak9.parents_posthigh.kommunal", "share_boys": "skv.ak9.share_boys.kommunal",
                   "newly_arrived": "N15823", "foreign_bg": "skv.ak9.foreign_bg.kommunal"},
    "gymnasiet": {"parents_posthigh": "N17831", "share_boys": GY_BOYS, "newly_arrived": "N17902"},
}
COVARIATE_LABELS = {"parents_posthigh": "andel med föräldrar med eftergymnasial utbildning",
                    "share_boys": "andel pojkar", "newly_arrived": "andel nyinvandrade och okänd bakgrund",
                    "foreign_bg": "andel med utländsk bakgrund"}
DEFAULT_COVARIATES = ("parents_posthigh", "share_boys", "newly_arrived")


def resid_unit(series_id: str) -> str:
    unit = catalogue.series(series_id).unit
    if unit.startswith("andel"):
        return "procentenheter"
    return "meritvärdespoäng" if unit.startswith("meritvärde") else unit



def caption_for(series_ids) -> str:
    caps = sorted({catalogue.series(lagged(s)[0]).caption for s in series_ids if lagged(s)[0] in catalogue.SERIES})
    return " · ".join(caps)


# ---------------------------------------------------------------- panel access
LAG_SEP = ".lag"  # "N07907.lag4": the series' value four years before (a cohort-matched covariate)


def lagged(series_id: str) -> tuple[str, int]:
    """("N07907", 4) for "N07907.lag4"; (series_id, 0) otherwise."""
    base, sep, k = series_id.rpartition(LAG_SEP)
    return (base, int(k)) if sep and base and k.isdigit() else (series_id, 0)


def lag_label_sv(lag: int) -> str:
    """How a lag reads for the gymnasium outcomes (year = graduation year, so lag 4 ≈ the cohort's åk 9)."""
    return {3: "3 år före examensåret (när årskullen började gymnasiet)",
            4: "4 år före examensåret (när årskullen gick i åk 9)"}.get(lag, f"{lag} år tidigare")


@memoised(maxsize=512)
def _indexed(series_id: str, gender: str) -> pd.DataFrame:
    """One series for all municipalities, indexed by (municipality_id, year): value, status."""
    base, lag = lagged(series_id)
    if lag:  # the value of ``lag`` years before, indexed by the outcome's year
        frame = _indexed(base, gender).reset_index()
        frame["year"] = frame["year"] + lag
        return frame.set_index(["municipality_id", "year"]).sort_index()
    if series_id == GY_BOYS:
        base = _indexed("N17832", gender).copy()
        base["value"] = 100 - base["value"]
        return base
    frame = series_values(series_id, gender=gender, include_aggregates=False)
    return frame.set_index(["municipality_id", "year"])[["value", "status"]].sort_index()


def series_frame(series_id: str, gender: str = "T", last_year: int | None = None) -> pd.DataFrame:
    frame = _indexed(series_id, gender)
    if last_year is not None:
        frame = frame[frame.index.get_level_values("year") <= last_year]
    return frame


def values(series_ids, gender: str = "T") -> pd.DataFrame:
    """Wide frame (municipality_id, year) × series of values."""
    return pd.DataFrame({s: value_series(s, gender) for s in series_ids})


def value_series(series_id: str, gender: str = "T") -> pd.Series:
    """One series' values indexed by (municipality_id, year): a column of :func:`values` without building the
    frame (the cached series itself: do not modify it)."""
    return _indexed(series_id, gender)["value"]


def status_of(series_id: str, municipality_id: str, year: int) -> str:
    frame = _indexed(series_id, "T")
    try:
        return str(frame.loc[(municipality_id, year), "status"])
    except KeyError:
        return "missing"


@memoised(maxsize=512)
def span(series_id: str) -> tuple[int, int]:
    """First and last year with a value (asked for every model year of every report: memoised)."""
    ok = _indexed(series_id, "T")["value"].dropna()
    years = ok.index.get_level_values("year")
    return int(years.min()), int(years.max())


def own(series_id: str, municipality_id: str, gender: str = "T", last_year: int | None = None) -> pd.Series:
    """One municipality's values by year (up to ``last_year``)."""
    frame = series_frame(series_id, gender, last_year)
    try:
        return frame.loc[municipality_id, "value"]
    except KeyError:
        return pd.Series(dtype=float, name="value")


def years_filter(series: pd.Series, years, last_year: int | None = None) -> pd.Series:
    """Cut a by-year series to ``years`` ((first, last) or a list) and to ``last_year``."""
    from ..contract import DataMissing

    if last_year is not None:
        series = series[series.index <= last_year]
    if years is None:
        if series.empty:
            raise DataMissing(f"inga värden till och med {last_year}")
        return series
    lo, hi = (years if isinstance(years, tuple) else (min(years), max(years)))
    out = series[(series.index >= lo) & (series.index <= hi)]
    if out.empty:
        have = f"{series.index.min()}–{series.index.max()}" if len(series) else "inga år"
        raise DataMissing(f"åren {lo}–{hi} ligger utanför datan ({have})")
    return out


def break_warnings(series_id: str, years) -> list[str]:
    years = [int(y) for y in years]
    if not years:
        return []
    return [f"Seriebrott {b.before}→{b.after}: {b.text_sv}" for b in breaks.comparability_breaks(series_id)
            if b.crossed_by(min(years), max(years))]


__all__ = ["LAG_SEP", "lagged", "lag_label_sv", "GY_BOYS", "PUPILS", "MIN_MUNICIPALITIES", "NOT_A_RANKING", "Outcome", "OUTCOMES", "COVARIATE_SERIES",
           "COVARIATE_LABELS", "DEFAULT_COVARIATES", "resid_unit", "caption_for", "series_frame", "values",
           "status_of", "span", "own", "value_series", "years_filter", "break_warnings", "np"]
