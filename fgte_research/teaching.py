"""Helpers for the teaching notebooks (notebooks/teaching/01–04).

Population comparison, status counts, year-to-year swings, the 2016 series-break difference and regression
to the mean are lesson-specific, not analyses the reports use; they return tidy frames or small result
objects so the notebooks stay glue: parameters, calls, figures and prose. The interactive explorer widget is
in ``fgte_research.explorer``.

    from fgte_research import teaching
    teaching.population_pair("1380", "N15505", "N15507")

Every frame here stays numeric, for computing on. A student sees it through ``teaching.table(frame)``
(``fgte_research.tables.for_readers`` with the lesson columns' Swedish headers): Swedish headers, decimal comma,
no e-notation, "saknas" for missing values and p-values as "< 0,001".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import catalogue
from . import municipalities as mun
from .progression import SMALL_POPULATION
from .tables import for_readers
from .text_sv import fmt_ci, fmt_num
from .errors import InputError

__all__ = ["municipal_values", "inhabitants", "mean_ci", "population_pair", "status_counts", "year_to_year_swings",
           "break_difference", "RegressionToMean", "regression_to_mean", "table", "LABELS_SV",
           "indicators", "headline_rows"]

#: Swedish headers of the lesson helpers' own columns (added to ``fgte_research.tables.COLUMNS_SV``).
LABELS_SV = {
    "år": "År", "skillnad": "Skillnad", "storlek": "Kommunstorlek", "serie": "Serie",
    "ok": "Med värde", "suppressed": "Prickade", "rounded": "Avrundade", "missing": "Saknas",
    "andel_utan_värde_%": "Andel utan exakt värde (%)", "kommun": "Kommun", "kod": "Kod", "invånare": "Invånare",
    "antal_årspar": "Antal årspar", "sd_årsförändring": "SD för årsförändring",
    "största_årsförändring": "Största årsförändring", "gammal": "Gammal serie", "ny": "Ny serie",
    "mean": "Medelskillnad", "andel_exakt_lika_%": "Exakt lika (% av kommunerna)", "bredd": "Intervallets bredd",
}
#: Decimals of the lesson helpers' whole-number columns.
_DECIMALS = {"invånare": 0, "antal_årspar": 0, "n": 0}


def table(frame: pd.DataFrame, columns=None, *, decimals: int | dict = 1, **kwargs) -> pd.DataFrame:
    """``frame`` for display in a lesson: Swedish headers and numbers (see ``tables.for_readers``).

    The lesson columns' headers (``LABELS_SV``) come on top of the library's; ``columns`` (a list, or a dict
    {name: header}) chooses, orders and relabels. ``decimals`` is one number or {name: decimals}.
    """
    dec = {c: _DECIMALS.get(c, decimals if isinstance(decimals, int) else 1) for c in frame.columns}
    if isinstance(decimals, dict):
        dec.update(decimals)
    return for_readers(frame, columns, decimals=dec, labels={**LABELS_SV, **kwargs.pop("labels", {})}, **kwargs)


def indicators() -> pd.DataFrame:
    """The thirteen indicators (``fgte_research.indicators_frame``)."""
    return catalogue.indicators_frame()


# ------------------------------------------------------------------------------------------------
# small shared helpers
# ------------------------------------------------------------------------------------------------
def _municipal(frame: pd.DataFrame) -> pd.DataFrame:
    ids = frame["municipality_id"].astype(str)
    return frame[~ids.str.startswith("00")]


def municipal_values(series_id: str, panel: pd.DataFrame | None = None, gender: str = "T",
                     statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """municipality_id (str), year, value, status for one series, municipalities only (no riket/län rows).

    From ``panel`` when a notebook already holds the tidy panel, otherwise through the memoised
    ``fgte_research.panel.series_values`` (which reads only this series).
    """
    catalogue.series(series_id)
    if panel is None:
        from .panel import series_values

        sub = series_values(series_id, gender=gender, include_aggregates=False)
    else:
        sub = _municipal(panel[(panel["series"] == series_id) & (panel["gender"] == gender)])
    sub = sub[["municipality_id", "year", "value", "status"]].copy()
    sub["municipality_id"] = sub["municipality_id"].astype(str)
    sub["status"] = sub["status"].astype(str)
    if statuses is not None:
        sub = sub[sub["status"].isin(statuses)]
    return sub.reset_index(drop=True)


def inhabitants(panel: pd.DataFrame | None = None, year: int | None = None) -> pd.Series:
    """Inhabitants per municipality (Kolada N01951), latest year or ``year``."""
    v = municipal_values("N01951", panel, statuses=("ok",))
    if year is not None:
        v = v[v["year"] == year]
    v = v.sort_values("year").groupby("municipality_id")["value"].last()
    return v


def mean_ci(values, level: float = 0.95) -> dict:
    """Mean with a t interval (for a handful to hundreds of values)."""
    x = np.asarray(pd.Series(values).dropna(), float)
    n = len(x)
    if n < 2:
        return {"mean": float(x.mean()) if n else math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    se = x.std(ddof=1) / math.sqrt(n)
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    m = float(x.mean())
    return {"mean": m, "ci_low": m - t * se, "ci_high": m + t * se, "n": n}


# ------------------------------------------------------------------------------------------------
# teaching helpers: reading an indicator
# ------------------------------------------------------------------------------------------------
def population_pair(municipality, series_a: str, series_b: str, panel: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """The same measure in two populations side by side: year, <series_a>, <series_b>, difference."""
    mid = mun.resolve(municipality)
    cols = {}
    for sid in (series_a, series_b):
        v = municipal_values(sid, panel)
        cols[sid] = v[v["municipality_id"] == mid].set_index("year")["value"]
    out = pd.DataFrame(cols).sort_index()
    out["skillnad"] = out[series_a] - out[series_b]
    out.index.name = "år"
    return out.reset_index()


def status_counts(series_ids, panel: pd.DataFrame | None = None, small_below: int = SMALL_POPULATION
                  ) -> pd.DataFrame:
    """Number of municipality-years per status, split into small and larger municipalities (inhabitants)."""
    size = inhabitants(panel)
    rows = []
    for sid in ([series_ids] if isinstance(series_ids, str) else series_ids):
        v = municipal_values(sid, panel)
        v["storlek"] = np.where(v["municipality_id"].map(size) < small_below,
                                f"under {fmt_num(small_below, 0)} invånare", f"minst {fmt_num(small_below, 0)} invånare")
        counts = v.groupby(["storlek", "status"]).size().unstack(fill_value=0)
        for col in ("ok", "suppressed", "rounded", "missing"):
            if col not in counts:
                counts[col] = 0
        counts = counts[["ok", "suppressed", "rounded", "missing"]]
        counts["andel_utan_värde_%"] = 100 * (1 - counts["ok"] / counts.sum(axis=1))
        counts.insert(0, "serie", sid)
        rows.append(counts.reset_index())
    return pd.concat(rows, ignore_index=True)


def year_to_year_swings(series_id: str, municipalities, panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per municipality: number of consecutive-year pairs, SD and largest absolute year-to-year change."""
    v = municipal_values(series_id, panel, statuses=("ok",))
    size = inhabitants(panel)
    rows = []
    for m in mun.resolve_set(municipalities):
        s = v[v["municipality_id"] == m].set_index("year")["value"].sort_index()
        d = s.diff()[s.index.to_series().diff() == 1].dropna()
        rows.append({"kommun": mun.name_of(m), "kod": m, "invånare": size.get(m, math.nan), "antal_årspar": len(d),
                     "sd_årsförändring": float(d.std(ddof=1)) if len(d) > 1 else math.nan,
                     "största_årsförändring": float(d.abs().max()) if len(d) else math.nan})
    return pd.DataFrame(rows)


def break_difference(old: str = "N15505", new: str = "skv.ak9.merit17.kommunal", years=(2016, 2017),
                     panel: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """old − new per municipality for the given years, and a summary row per year with the mean and 95 % KI.

    Returns (per_municipality, summary) as a tuple of frames.
    """
    a = municipal_values(old, panel, statuses=("ok",)).set_index(["municipality_id", "year"])["value"]
    b = municipal_values(new, panel, statuses=("ok",)).set_index(["municipality_id", "year"])["value"]
    both = pd.DataFrame({"gammal": a, "ny": b}).dropna().reset_index()
    both = both[both["year"].isin(years)]
    both["skillnad"] = both["gammal"] - both["ny"]
    summary = []
    for y in years:
        d = both.loc[both["year"] == y, "skillnad"]
        summary.append({"år": y, **mean_ci(d), "andel_exakt_lika_%": 100 * float((d.abs() < 0.05).mean())
                        if len(d) else math.nan})
    return both, pd.DataFrame(summary)


def headline_rows(st) -> pd.DataFrame:
    """One row per design and treated unit of an intervention study: its headline term (``st.details()``'s
    first row) with the verdict from ``st.tidy()`` and the interval's width (``bredd``)."""
    details = st.details()
    head = details.groupby(["design", "treated"], sort=False).head(1)
    verdicts = (st.tidy().groupby(["analysis", "municipality_id"], sort=False).head(1)
                .rename(columns={"analysis": "design", "municipality_id": "treated"})[["design", "treated", "verdict"]])
    out = head.merge(verdicts, on=["design", "treated"], how="left")
    out["bredd"] = out["ci_high"] - out["ci_low"]
    return out


# ------------------------------------------------------------------------------------------------
# teaching helper: regression to the mean
# ------------------------------------------------------------------------------------------------
@dataclass
class RegressionToMean:
    series_id: str
    year0: int
    year1: int
    data: pd.DataFrame  # municipality_id, dev0, change
    slope: float
    ci: tuple[float, float]
    intercept: float
    n: int

    def summary_sv(self) -> str:
        return (f"{self.n} kommuner. Lutning (förändring {self.year0}→{self.year1} mot avvikelse från "
                f"kommunsnittet {self.year0}): {fmt_num(self.slope, 2, signed=True)} "
                f"({fmt_ci(*self.ci, decimals=2)}). En negativ lutning betyder att kommuner som låg högt "
                f"i genomsnitt gick tillbaka och kommuner som låg lågt i genomsnitt gick framåt.")

    def plot(self, ax=None, highlight=()):
        import matplotlib.pyplot as plt

        from .plots import apply_style, caption, decimal_comma

        apply_style()
        fig, ax = plt.subplots(figsize=(6.5, 4.2)) if ax is None else (ax.figure, ax)
        ax.scatter(self.data["dev0"], self.data["change"], s=12, color="0.45", alpha=0.7,
                   label="Kommuner (alla med värden båda åren)")
        xs = np.linspace(self.data["dev0"].min(), self.data["dev0"].max(), 50)
        ax.plot(xs, self.intercept + self.slope * xs, color="black", linewidth=2,
                label=f"Anpassad linje, lutning {fmt_num(self.slope, 2)} ({fmt_ci(*self.ci, decimals=2)})")
        for m in highlight:
            row = self.data[self.data["municipality_id"] == mun.resolve(m)]
            if not row.empty:
                ax.scatter(row["dev0"], row["change"], s=40, color="#c0392b", zorder=3)
                ax.annotate(mun.name_of(mun.resolve(m)), (row["dev0"].iloc[0], row["change"].iloc[0]),
                            fontsize=8, xytext=(4, 4), textcoords="offset points")
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.set_xlabel(f"Avvikelse från kommunsnittet {self.year0}")
        ax.set_ylabel(f"Förändring {self.year0}→{self.year1}")
        ax.set_title(catalogue.series(self.series_id).title_sv, fontsize=10)
        decimal_comma(ax)
        ax.legend(fontsize=7, frameon=False)
        caption(fig, catalogue.series(self.series_id).caption + ". Ingen rangordning: punkterna är kommuner.")
        fig.tight_layout()
        return fig


def regression_to_mean(series_id: str, year0: int, year1: int, panel: pd.DataFrame | None = None
                       ) -> RegressionToMean:
    """OLS of change (year1 − year0) on the deviation from the unweighted municipal mean in year0."""
    v = municipal_values(series_id, panel, statuses=("ok",))
    w = v.pivot_table(index="municipality_id", columns="year", values="value")
    if year0 not in w or year1 not in w:
        have = sorted(int(y) for y in w.columns)
        raise InputError(f"{series_id} har inte värden för både {year0} och {year1} (år med värden: "
                         f"{have[0]}–{have[-1]}, utom eventuella glapp)")
    d = w[[year0, year1]].dropna()
    data = pd.DataFrame({"municipality_id": d.index, "dev0": (d[year0] - d[year0].mean()).to_numpy(),
                         "change": (d[year1] - d[year0]).to_numpy()})
    fit = stats.linregress(data["dev0"], data["change"])
    t = stats.t.ppf(0.975, len(data) - 2)
    return RegressionToMean(series_id, year0, year1, data, float(fit.slope),
                            (float(fit.slope - t * fit.stderr), float(fit.slope + t * fit.stderr)),
                            float(fit.intercept), len(data))
