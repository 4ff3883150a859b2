"""How the åk 9 definition break 2016→2017 moves each municipality, and what a comparative design may do about it.

Kolada's N15419/N15505/N15436 use an older population definition up to 2016 and Skolverket's one-definition series
("Jämförelse av betygsresultat över tid", `skv.ak9.*`) from 2017; both publish the school year 2015/16 (year 2016),
so the break is measured directly, per municipality: shift = Kolada 2016 − Skolverket 2016 (the same pupils under
the two definitions). There is no other overlap year in the data (Skolverket's series starts 2016; Kolada's 2015
value has the old definition only).

A comparative design (before/after or DiD calibrated against the country's municipalities in the same years)
cancels whatever the break does to every municipality alike. It is unaffected by the break only when the shift is
*common*: its spread between municipalities is small against the ordinary year-to-year noise of a municipality's
series relative to the country (:func:`common_shift`, tolerance stated). Where the shift is not common, the window
stays break-free (the verdict says so), and :func:`extended_series` still offers the chain-linked series for
sensitivity analyses: Kolada's values before 2016 moved by the municipality's own measured shift, i.e. Skolverket's
2016 value plus Kolada's change from 2016 (the usual additive chain-link at the overlap year). The chain-link removes
each municipality's own shift exactly in 2016; what it cannot check is whether that shift was the same in earlier
years (one overlap year only).

Measured (benchmarks/bench_break_window.py, README "Honest verdicts"): the shift is not common on any of the three
series; it is larger where more pupils are newly arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import breaks
from .catalogue import series as series_meta
from .panel import series_values
from .text_sv import difference_unit, fmt_num

OVERLAP_YEAR = 2016  # the one school year (2015/16) both definitions publish
#: spread of the shift (SD over municipalities) allowed, as a share of the SD of ordinary one-year changes relative
#: to the country: at 0.25 the break adds at most 1 + 0.25² ≈ 6 % to the variance of the year it falls in, which is
#: within the uncertainty of the SD estimates themselves
TOLERANCE = 0.25


@dataclass(frozen=True)
class ShiftFacts:
    splice_id: str
    kolada_id: str
    skolverket_id: str
    unit: str
    shift: pd.Series  # per municipality_id: Kolada − Skolverket in OVERLAP_YEAR
    ordinary_change_sd: float  # SD of one-year changes minus the year's national median change (new definition)
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
        return self.sd / self.ordinary_change_sd

    def quantiles(self, q=(0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)) -> pd.Series:
        return self.shift.quantile(list(q))


@dataclass(frozen=True)
class ShiftVerdict:
    common: bool  # True: a comparative design may use a window across the break (extended series)
    reason_sv: str  # the sentence to print beside the window
    facts: ShiftFacts
    tolerance: float
    break_free_first_year: int  # the first year a window may start at when it must stay break-free

    @property
    def first_year(self) -> int:
        """The first year a comparative design's window may start at under this verdict."""
        return self.facts.kolada_first_year if self.common else self.break_free_first_year

    def extended(self, method: str = "chain", municipalities=None) -> pd.DataFrame:
        return extended_series(self.facts.splice_id, method, municipalities)


def _splice(splice_id: str) -> breaks.Splice:
    for s in breaks.SPLICES:
        if splice_id in (s.id, s.fill_from, s.primary):
            return s
    known = ", ".join(s.id for s in breaks.SPLICES)
    raise ValueError(f"ingen skarvad åk 9-serie för {splice_id!r} (kända: {known})")


def _wide(series_id: str, municipalities=None) -> pd.DataFrame:
    frame = series_values(series_id, municipalities, include_aggregates=False)
    return frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")


def ordinary_change_sd(wide: pd.DataFrame) -> float:
    """SD over municipality-years of a one-year change minus that year's national median change."""
    changes = wide.diff(axis=1).iloc[:, 1:]
    deviations = changes.sub(changes.median(axis=0), axis=1).to_numpy().ravel()
    return float(np.nanstd(deviations, ddof=1))


def measure_shift(splice_id: str, municipalities=None) -> ShiftFacts:
    """The break's shift per municipality for one åk 9 splice (its id, or its Kolada or Skolverket series id)."""
    from scipy.stats import spearmanr


    sp = _splice(splice_id)
    kolada, skolverket = _wide(sp.fill_from, municipalities), _wide(sp.primary, municipalities)
    shift = (kolada.get(OVERLAP_YEAR) - skolverket.get(OVERLAP_YEAR)).dropna().rename("shift")
    new_definition = skolverket.loc[:, [y for y in skolverket.columns if y >= OVERLAP_YEAR]]
    population = _wide("N01951").get(OVERLAP_YEAR, pd.Series(dtype=float)).reindex(shift.index)
    ok = population.notna()
    rho = float(spearmanr(shift[ok], population[ok])[0]) if ok.sum() >= 3 else float("nan")
    return ShiftFacts(sp.id, sp.fill_from, sp.primary, series_meta(sp.primary).unit, shift,
                      ordinary_change_sd(new_definition), rho, int(kolada.columns.min()))


def common_shift(splice_id: str, tolerance: float = TOLERANCE, municipalities=None,
                 facts: ShiftFacts | None = None) -> ShiftVerdict:
    """Whether a comparative design may cross the 2016→2017 break: common when SD(shift) ≤ tolerance × the SD of an
    ordinary one-year change relative to the country. ``municipalities`` restricts the comparison (e.g. a size
    group); ``facts`` passes a precomputed or hand-made :class:`ShiftFacts`."""
    facts = facts or measure_shift(splice_id, municipalities)
    unit = difference_unit(facts.unit)
    spread, normal = fmt_num(facts.sd), fmt_num(facts.ordinary_change_sd)
    common = bool(np.isfinite(facts.ratio) and facts.ratio <= tolerance)
    if common:
        reason = (f"Fönstret korsar seriebrottet 2016→2017; brottet flyttar alla kommuner ungefär lika mycket "
                  f"(spridning {spread} {unit} mot en normal årsförändring på {normal}), så jämförelser mot "
                  f"riket påverkas inte.")
    else:
        reason = (f"Fönstret hålls på ena sidan av seriebrottet 2016→2017: brottet flyttar kommunerna olika "
                  f"mycket (spridning {spread} {unit} mot en normal årsförändring på {normal}; medel "
                  f"{fmt_num(facts.mean)}), så även en jämförelse mot riket skulle blanda in definitionsbytet.")
    return ShiftVerdict(common, reason, facts, tolerance, OVERLAP_YEAR)


def extended_series(splice_id: str, method: str = "chain", municipalities=None) -> pd.DataFrame:
    """The splice from OVERLAP_YEAR on, joined to Kolada's older values (long frame: municipality_id, year, value,
    adjusted, source).

    method "chain": Kolada before OVERLAP_YEAR minus the municipality's own shift (missing where the shift cannot be
    measured); "common": Kolada up to OVERLAP_YEAR − 1 minus the median shift. ``adjusted`` marks the moved values.
    """
    if method not in ("chain", "common"):
        raise ValueError(f"okänd skarvmetod {method!r} (använd 'chain' eller 'common')")
    sp = _splice(splice_id)
    shift = measure_shift(sp.id).shift
    new = series_values(sp.id, municipalities, include_aggregates=False)
    new = new[new["year"] >= OVERLAP_YEAR][["municipality_id", "year", "value"]].assign(adjusted=False,
                                                                                         source=sp.id)
    old = series_values(sp.fill_from, municipalities, include_aggregates=False)
    old = old[old["year"] < OVERLAP_YEAR][["municipality_id", "year", "value"]].copy()
    move = old["municipality_id"].map(shift) if method == "chain" else float(shift.median())
    old = old.assign(value=old["value"] - move, adjusted=True, source=f"{sp.fill_from}−skift({method})")
    out = pd.concat([old.dropna(subset=["value"]), new.dropna(subset=["value"])], ignore_index=True)
    return out.sort_values(["municipality_id", "year"], kind="mergesort").reset_index(drop=True)
