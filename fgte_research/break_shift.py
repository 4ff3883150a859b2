"""How the åk 9 definition break 2016→2017 moves each municipality, and whether a comparative design may cross it.

Kolada's N15419/N15505/N15436 use an older population definition up to 2016 and equal Skolverket's one-definition
series ("Jämförelse av betygsresultat över tid", `skv.ak9.*`) from 2017. A comparative design (before/after or DiD
calibrated against the country's municipalities in the same years) cancels whatever the break does to every
municipality alike; it is unaffected by the break only when the break's *municipality-specific* part is small
against the ordinary year-to-year noise of a municipality relative to the country.

Two measurements, both per municipality:

- the overlap: both sources publish 2016 (läsår 2015/16), so shift = Kolada 2016 − Skolverket 2016. There is no
  other overlap year (Skolverket's series starts 2016). On the real data most of this shift is *not* a lasting
  level difference: a municipality's Skolverket change 2016→2017 rises by ≈ 0.8 × its shift (``rebound_slope``), i.e.
  Skolverket's recomputed 2016 value dips where the shift is large and the dip is gone in 2017. Chain-linking at 2016
  (Kolada before 2016 moved by the municipality's own shift) would carry that one-year dip into every earlier year.
- the junction: the series a comparative design would use, Kolada up to 2016 joined to the splice from 2017 (the
  values as published, ``extended_series(..., "join")``). The break's municipality-specific part adds variance to
  the one-year change 2016→2017 only; its SD is estimated as √(Var(change 2016→17) − Var(neighbouring changes)),
  every change taken relative to that year's national median, with a bootstrap-over-municipalities upper 95 % bound.

Rule (:func:`common_shift`): the break is common when that upper bound ≤ ``TOLERANCE`` × the SD of the neighbouring
ordinary changes; then the window may cross it (from Kolada's first year) with the Swedish reason printed, else it
stays break-free (from 2016). Measured on the real data (benchmarks/bench_break_window.py, README): common for
the pass rate (point estimate 0, upper bound 0.37 of an ordinary change); not common for merit (0.64) and
behörighet (0.70), whose windows stay break-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import breaks
from .catalogue import series as series_meta
from .panel import memoised, series_values
from .text_sv import difference_unit, fmt_num
from .errors import InputError

OVERLAP_YEAR = 2016  # the one school year (2015/16) both definitions publish
JUNCTION_YEAR = 2017  # the first year of the new definition in Kolada's series
#: the break's municipality-specific SD allowed (upper 95 % bound), as a share of the SD of an ordinary one-year
#: change relative to the country. 0.5 means the break adds at most 25 % to the variance of the one change it falls
#: in. It is about the finest the data can confirm: with 250–290 municipalities the upper bound for a break that is
#: exactly common is 0.26–0.52 of that SD (hand-made frames, tests/test_breaks.py), because a variance difference is
#: itself noisy.
TOLERANCE = 0.5


@dataclass(frozen=True)
class Junction:
    """The break as it acts on a joined series: SD of the municipality-specific part (point, upper 95 % bound)."""
    break_sd: float
    break_sd_upper: float
    ordinary_sd: float  # SD of the neighbouring one-year changes, relative to each year's national median
    junction_sd: float  # SD of the change across the break, relative to the national median
    neighbours: tuple[int, ...]  # the years (y, change y−1→y) used as ordinary changes


def junction_spread(wide: pd.DataFrame, junction_year: int = JUNCTION_YEAR, neighbours: int = 2,
                    draws: int = 1000, seed: int = 0) -> Junction:
    """Municipality-specific SD of a break between ``junction_year − 1`` and ``junction_year`` in a
    municipalities × years frame (see the module docstring)."""
    changes = wide.sort_index(axis=1).diff(axis=1)
    changes = changes.sub(changes.median(axis=0), axis=1)
    years = [y for y in changes.columns if y != junction_year and abs(y - junction_year) <= neighbours
             and (y < junction_year and y - 1 in wide.columns or y > junction_year)
             and changes[y].notna().sum() >= 20]
    if junction_year not in changes.columns or not years:
        raise InputError(f"för få år kring seriebrottet {junction_year - 1}→{junction_year} för att mäta det")
    J, N = changes[junction_year].to_numpy(), changes[years].to_numpy()

    def estimate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """rows: draws × municipalities (indices); vectorised over the draws."""
        vj = np.nanvar(J[rows], axis=-1, ddof=1)
        vn = np.nanvar(N[rows], axis=-2, ddof=1).mean(axis=-1)
        return np.sqrt(np.maximum(0.0, vj - vn)), np.sqrt(vn), np.sqrt(vj)

    b, s, j = (float(x[0]) for x in estimate(np.arange(len(J))[None, :]))
    boot = estimate(np.random.default_rng(seed).integers(0, len(J), (draws, len(J))))[0]
    return Junction(b, float(np.quantile(boot, 0.95)), s, j, tuple(int(y) for y in years))


@dataclass(frozen=True)
class ShiftFacts:
    splice_id: str
    kolada_id: str
    skolverket_id: str
    unit: str
    shift: pd.Series  # per municipality_id: Kolada − Skolverket in OVERLAP_YEAR
    junction: Junction
    rebound_slope: float  # slope of Skolverket's change OVERLAP_YEAR→JUNCTION_YEAR on the shift (0: lasting)
    size_correlation: float  # Spearman ρ of the shift with the municipality's population (N01951, OVERLAP_YEAR)
    kolada_first_year: int  # the first year of the Kolada KPI: where an extended window could start

    @property
    def mean(self) -> float:
        return float(self.shift.mean())

    @property
    def sd(self) -> float:
        return float(self.shift.std(ddof=1))

    @property
    def ratio(self) -> float:
        """The rule's statistic: upper bound of the break's municipality-specific SD / ordinary change SD."""
        return self.junction.break_sd_upper / self.junction.ordinary_sd

    def quantiles(self, q=(0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)) -> pd.Series:
        return self.shift.quantile(list(q))


@dataclass(frozen=True)
class ShiftVerdict:
    """The answer for comparative designs: before/after and DiD calibrated against the country, and synthetic
    control (weights sum to one), where a shift common to all municipalities cancels. A single-series design (ITS,
    trend) sees the shift itself and must stay break-free whatever this says."""

    common: bool  # True: a comparative design may use a window across the break (extended series)
    reason_sv: str  # the sentence to print beside the window
    facts: ShiftFacts
    tolerance: float
    break_free_first_year: int  # the first year a window may start at when it must stay break-free

    @property
    def first_year(self) -> int:
        """The first year a comparative design's window may start at under this verdict."""
        return self.facts.kolada_first_year if self.common else self.break_free_first_year

    def extended(self, municipalities=None) -> pd.DataFrame:
        """The joined series the verdict judged (Kolada up to 2016, the splice from 2017); use it only if common."""
        return extended_series(self.facts.splice_id, "join", municipalities)


def verdict_for(series_id: str, tolerance: float = TOLERANCE) -> ShiftVerdict | None:
    """The verdict for an åk 9 splice or either of its source series; None for a series this break does not concern."""
    if not any(series_id in (s.id, s.fill_from, s.primary) for s in breaks.SPLICES):
        return None
    return common_shift(series_id, tolerance)


def _splice(splice_id: str) -> breaks.Splice:
    for s in breaks.SPLICES:
        if splice_id in (s.id, s.fill_from, s.primary):
            return s
    known = ", ".join(s.id for s in breaks.SPLICES)
    raise InputError(f"ingen skarvad åk 9-serie för {splice_id!r} (kända: {known})")


def _wide(series_id: str, municipalities=None) -> pd.DataFrame:
    frame = series_values(series_id, municipalities, include_aggregates=False)
    return frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")


def measure_shift(splice_id: str, municipalities=None) -> ShiftFacts:
    """The break per municipality for one åk 9 splice (its id, or its Kolada or Skolverket series id).

    Memoised on the panel's content hash (the bootstrap takes about a second); the facts are shared, do not change
    their ``shift`` series.
    """
    sp = _splice(splice_id)
    codes = None if municipalities is None else tuple(sorted({str(m) for m in (
        [municipalities] if isinstance(municipalities, str) else municipalities)}))
    return _measure(sp.id, codes)


@memoised(maxsize=64)
def _measure(splice_id: str, municipalities: tuple[str, ...] | None) -> ShiftFacts:
    from scipy.stats import spearmanr

    sp = _splice(splice_id)
    municipalities = list(municipalities) if municipalities is not None else None
    kolada, skolverket = _wide(sp.fill_from, municipalities), _wide(sp.primary, municipalities)
    shift = (kolada.get(OVERLAP_YEAR) - skolverket.get(OVERLAP_YEAR)).dropna().rename("shift")
    joined = long_to_wide(extended_series(sp.id, "join", municipalities))
    rebound = (skolverket.get(JUNCTION_YEAR) - skolverket.get(OVERLAP_YEAR)).reindex(shift.index)
    ok = rebound.notna()
    slope = float(np.polyfit(shift[ok], rebound[ok], 1)[0]) if ok.sum() >= 3 else float("nan")
    population = _wide("N01951").get(OVERLAP_YEAR, pd.Series(dtype=float)).reindex(shift.index)
    ok = population.notna()
    rho = float(spearmanr(shift[ok], population[ok])[0]) if ok.sum() >= 3 else float("nan")
    return ShiftFacts(sp.id, sp.fill_from, sp.primary, series_meta(sp.primary).unit, shift,
                      junction_spread(joined), slope, rho, int(kolada.columns.min()))


def common_shift(splice_id: str, tolerance: float = TOLERANCE, municipalities=None,
                 facts: ShiftFacts | None = None) -> ShiftVerdict:
    """Whether a comparative design may cross the 2016→2017 break (rule in the module docstring).

    ``municipalities`` restricts the measurement (e.g. a size group); ``facts`` passes precomputed facts.
    """
    facts = facts or measure_shift(splice_id, municipalities)
    unit = difference_unit(facts.unit)
    spread, normal = fmt_num(facts.junction.break_sd_upper), fmt_num(facts.junction.ordinary_sd)
    common = bool(np.isfinite(facts.ratio) and facts.ratio <= tolerance)
    if common:
        reason = (f"Fönstret korsar seriebrottet 2016→2017; brottet flyttar alla kommuner ungefär lika mycket "
                  f"(spridning högst {spread} {unit} mot en normal årsförändring på {normal}), så jämförelser mot "
                  f"riket påverkas inte.")
    else:
        reason = (f"Fönstret hålls på ena sidan av seriebrottet 2016→2017: brottet kan flytta kommunerna olika "
                  f"mycket (spridning upp till {spread} {unit} mot en normal årsförändring på {normal}), så även "
                  f"en jämförelse mot riket skulle kunna blanda in definitionsbytet.")
    return ShiftVerdict(common, reason, facts, tolerance, OVERLAP_YEAR)


def long_to_wide(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")


def extended_series(splice_id: str, method: str = "join", municipalities=None) -> pd.DataFrame:
    """The splice joined to Kolada's older values: long frame municipality_id, year, value, definition ("äldre"
    for values from Kolada's old definition, "ny" for the splice), adjusted, source.

    method "join": Kolada's values as published up to OVERLAP_YEAR, the splice from JUNCTION_YEAR (what the rule
    judges); "chain": the splice from OVERLAP_YEAR and Kolada before it minus the municipality's own 2016 shift
    (missing where the shift cannot be measured; carries Skolverket's 2016 dip backwards, kept for comparison).
    """
    if method not in ("join", "chain"):
        raise InputError(f"okänd skarvmetod {method!r} (använd 'join' eller 'chain')")
    sp = _splice(splice_id)
    cut = JUNCTION_YEAR if method == "join" else OVERLAP_YEAR
    new = series_values(sp.id, municipalities, include_aggregates=False)
    new = new[new["year"] >= cut][["municipality_id", "year", "value"]].assign(adjusted=False, source=sp.id)
    old = series_values(sp.fill_from, municipalities, include_aggregates=False)
    old = old[old["year"] < cut][["municipality_id", "year", "value"]].assign(adjusted=False, source=sp.fill_from)
    if method == "chain":
        shift = measure_shift(sp.id).shift
        old = old.assign(value=old["value"] - old["municipality_id"].map(shift), adjusted=True,
                         source=f"{sp.fill_from}−skift")
    out = pd.concat([old.dropna(subset=["value"]), new.dropna(subset=["value"])], ignore_index=True)
    out["definition"] = np.where(out["year"] < cut, "äldre", "ny")
    return out.sort_values(["municipality_id", "year"], kind="mergesort").reset_index(drop=True)
