"""An interval for the gap itself: how sure the measurement of one municipality's gap is.

The prediction band of the SALSA-like model (``pi_low``/``pi_high``) says how far municipalities with similar pupils
usually lie from the model value — the spread of the gaps themselves, about ±20 merit points. That is not the
uncertainty of one municipality's gap: a gap that is systematically there is what FGTE wants to close, not chance.

What measures the gap is how far our residual can be from what it estimates, Kolada's own deviation (SKR's
pupil-level model) after the known offset between the two (their means differ each year: Kolada's deviations are
pupil-level, ours are relative to the unweighted municipal mean). Per municipality-year::

    e = (Kolada's deviation − our residual) − offset of the year (the mean of that difference over municipalities)

e is larger the smaller the cohort: SKR's model weighs each pupil's background, ours the cohort's shares, and in a
small cohort the shares are noisy (this cohort's sampling noise in the background). So its variance is modelled as
``a + b / pupils`` (least squares of e² on 1 / pupils; for gymnasium, without pupil counts in the data, the
inhabitants stand in for the size),
and the 95 % half-width is ``1.96 · κ · sqrt(a + b / pupils)`` with κ chosen so that 95 % of |e| on the selection
years 2017, 2019 and 2021 lie inside. Coverage is then scored on every year 2017–2022 (the held-out years too),
overall and by population tercile (N01951 inhabitants). The cohort's sampling noise in the *result* (another year's
pupils in the same schools would score differently) is shared by Kolada's deviation, so no comparison with Kolada
can calibrate it; it is given separately (``cohort_noise``, from year-to-year changes of the residual against
1 / pupils) for the reader who asks whether a single year's gap says much about the schools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..contract import DataMissing

Z95 = 1.959963984540054
SELECTION_YEARS = (2017, 2019, 2021)
SCORED_YEARS = tuple(range(2017, 2023))


@dataclass(frozen=True)
class GapError:
    """The calibrated error of one model's gap against Kolada's deviation."""

    a: float  # constant part of the error variance
    b: float  # part that grows as 1 / size (size = pupils in åk 9, or inhabitants where no pupil counts exist)
    kappa: float  # calibration factor: 95 % of |e| within 1.96 κ sd on the selection years
    median_pupils: float  # median size, used where a municipality-year lacks one
    size: str  # "pupils" (elever i åk 9), "inhabitants" (N01951, gymnasium has no pupil counts) or "constant"
    offsets: tuple[tuple[int, float], ...]  # (year, mean of Kolada's deviation − our residual)
    coverage: float  # share of scored municipality-years inside the 95 % interval
    coverage_by_tercile: tuple[tuple[str, float], ...]
    n_scored: int
    years_fitted: tuple[int, ...]
    years_scored: tuple[int, ...]
    cohort_noise_per_pupil: float  # variance of one pupil's result (from year-to-year changes); nan if unknown

    def half_width(self, size) -> np.ndarray:
        """95 % half-width of the gap for municipalities of ``size`` (pupils or inhabitants, see ``size``; nan →
        the median)."""
        n = np.asarray(size, dtype=float)
        n = np.where(np.isnan(n) | (n <= 0), self.median_pupils, n)
        inv = 1.0 / n if self.b else np.zeros_like(n)  # "constant": b = 0
        return Z95 * self.kappa * np.sqrt(np.maximum(self.a + self.b * inv, 1e-12))

    def cohort_noise(self, pupils) -> np.ndarray:
        """95 % half-width of one cohort's sampling noise in the result (nan without pupil counts)."""
        n = np.asarray(pupils, dtype=float)
        return Z95 * np.sqrt(self.cohort_noise_per_pupil / n)

    @property
    def offset_by_year(self) -> dict[int, float]:
        return dict(self.offsets)

    def sd_typical(self) -> float:
        """The error SD for the median cohort (κ included)."""
        return float(self.half_width([self.median_pupils])[0] / Z95)


def calibrate(frame: pd.DataFrame) -> GapError:
    """``frame``: one row per municipality-year with year, municipality_id, residual, official_deviation,
    n_pupils (may be all nan) and population (for the terciles). Raises DataMissing when too few rows."""
    f = frame.dropna(subset=["residual", "official_deviation"]).copy()
    f = f[f["year"].isin(SCORED_YEARS)]
    if len(f) < 100:
        raise DataMissing(f"för få kommunår med Koladas avvikelse ({len(f)}) för att kalibrera gapets intervall")
    f["diff"] = f["official_deviation"] - f["residual"]
    offsets = f.groupby("year")["diff"].mean()
    f["e"] = f["diff"] - f["year"].map(offsets)
    fitted = tuple(y for y in SELECTION_YEARS if y in set(f["year"])) or tuple(sorted(set(f["year"])))
    sel = f[f["year"].isin(fitted)]
    has_n = f["n_pupils"].notna().mean() >= 0.8
    f["size"] = f["n_pupils"] if has_n else f["population"]
    f["tercile"] = pd.qcut(f["population"], 3, labels=["minsta", "mellersta", "största"]) \
        if f["population"].notna().any() else "alla"
    sel = f[f["year"].isin(fitted)]
    # Without pupil counts, inhabitants are only a proxy for the cohort's size: the size term is kept only where it
    # balances the coverage across population terciles on the selection years better than a constant error.
    options = [_fit_variance(f, sel, "pupils" if has_n else "inhabitants")]
    if not has_n:
        options.append(_fit_variance(f, sel, "constant"))
    err = min(options, key=lambda e: _imbalance(e, sel))
    inside = np.abs(f["e"].to_numpy(float)) <= err.half_width(f["size"].to_numpy(float))
    terciles = tuple((str(k), float(v)) for k, v in pd.Series(inside, index=f.index).groupby(
        f["tercile"], observed=True).mean().items())
    return replace(err, offsets=tuple((int(y), float(v)) for y, v in offsets.items()), coverage=float(inside.mean()),
                   coverage_by_tercile=terciles, n_scored=int(len(f)),
                   years_scored=tuple(sorted(int(y) for y in set(f["year"]))),
                   cohort_noise_per_pupil=_cohort_noise(frame) if has_n else math.nan)


def _fit_variance(f: pd.DataFrame, sel: pd.DataFrame, size: str) -> GapError:
    """Variance a + b / size by least squares of e² on the selection years (b = 0 for "constant"), then κ."""
    e2 = sel["e"].to_numpy(float) ** 2
    inv = 1.0 / sel["size"].to_numpy(float)
    if size == "constant":
        a, b = float(np.mean(e2)), 0.0
    else:
        a, b = np.linalg.lstsq(np.column_stack([np.ones(len(sel)), inv]), e2, rcond=None)[0]
        if a < 0 or b < 0:  # keep the variance model positive: refit with the other term alone
            a, b = (0.0, float(np.mean(e2 / inv))) if a < 0 else (float(np.mean(e2)), 0.0)
    err = GapError(float(a), float(b), 1.0, float(f["size"].median()), size, (), math.nan, (), 0,
                   tuple(sorted(set(int(y) for y in sel["year"]))), (), math.nan)
    ratio = np.abs(sel["e"].to_numpy(float)) / err.half_width(sel["size"].to_numpy(float))
    return replace(err, kappa=float(np.quantile(ratio, 0.95)))


def _imbalance(err: GapError, sel: pd.DataFrame) -> float:
    inside = np.abs(sel["e"].to_numpy(float)) <= err.half_width(sel["size"].to_numpy(float))
    by = pd.Series(inside, index=sel.index).groupby(sel["tercile"], observed=True).mean()
    return float((by - 0.95).abs().max())


def _cohort_noise(frame: pd.DataFrame) -> float:
    """Variance of one pupil's result: slope of (change in residual)² on (1/n this year + 1/n last year)."""
    wide = frame.pivot_table(index="municipality_id", columns="year", values="residual")
    n = frame.pivot_table(index="municipality_id", columns="year", values="n_pupils")
    parts = []
    for y in wide.columns:
        if y - 1 in wide.columns and y in n.columns and y - 1 in n.columns:
            parts.append(pd.DataFrame({"d2": (wide[y] - wide[y - 1]) ** 2, "inv": 1 / n[y] + 1 / n[y - 1]}))
    if not parts:
        return math.nan
    r = pd.concat(parts).dropna()
    if len(r) < 100:
        return math.nan
    A = np.column_stack([np.ones(len(r)), r["inv"].to_numpy(float)])
    slope = float(np.linalg.lstsq(A, r["d2"].to_numpy(float), rcond=None)[0][1])
    return slope if slope > 0 else math.nan
