"""Range rules: which values a series can take, derived from its unit in :data:`catalogue.SERIES`.

Every source the build reads (the Kolada dump, fetched Kolada files, the 2024 scrape, Skolverket exports, the
school-level merit values) and every Kolada answer before it is written pass :func:`check_tidy`; one value
outside its range refuses the whole file or update, naming series, municipality and year. The rules:

* ``andel (%)`` 0–100, ``meritvärde (poäng)`` 0–340 (17 subjects × 20), ``betygspoäng`` 0–20, ``antal`` and
  ``kr`` ≥ 0; every value finite.
* An official deviation (:data:`catalogue.SALSA_DEVIATIONS`: actual minus the value the model expects) lies within
  ± the width of its outcome's range, whatever unit label it carries: U17446 is labelled "betygspoäng" but is a
  deviation of N17691 and is negative in 48 % of its 1,702 municipality-years in the shipped data (−1.69 to +2.92).
* ``procentenheter`` ±100 and ``meritvärdespoäng`` ±340 (differences of shares and of merit values).
* A series that is not in the catalogue (``fgte data fetch --kpi`` of any KPI), or whose unit has no rule, is
  checked for finiteness only; ``tests/test_ranges.py`` requires a rule for every unit the catalogue uses.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import catalogue
from .errors import FgteError

INF = math.inf
MERIT_MAX = 340.0  # 17 subjects × 20 points (A)
GRADE_POINTS_MAX = 20.0

#: unit (as catalogue.Series.unit writes it) -> (lowest, highest) allowed value
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "andel (%)": (0.0, 100.0),
    "meritvärde (poäng)": (0.0, MERIT_MAX),
    "betygspoäng": (0.0, GRADE_POINTS_MAX),
    "antal": (0.0, INF),
    "kr": (0.0, INF),
    "procentenheter": (-100.0, 100.0),
    "meritvärdespoäng": (-MERIT_MAX, MERIT_MAX),
}
#: Series whose real values leave their unit's range, with the widened range and why (the range is wrong there,
#: not the data): Kolada's N17837 divides the pupils on högskoleförberedande programmes by the pupils of the
#: municipality's gymnasium, counted in different registers; Orust (0834) has 121.9 % in 2013 and 117.7 % in 2014.
SERIES_RANGES: dict[str, tuple[float, float]] = {"N17837": (0.0, 150.0)}
#: Range of the school-level merit values (schools.parquet: merit, pupils).
SCHOOL_MERIT = UNIT_RANGES["meritvärde (poäng)"]
#: How many offending values a message names before "och N till".
SHOWN = 3


class RangeError(FgteError, ValueError):
    """Values outside their series' range; the message (Swedish) names series, municipality and year."""


def bounds(series_id: str) -> tuple[float, float, str]:
    """(lowest, highest, unit label) for a series; (−inf, inf, "") when only finiteness can be checked."""
    outcome = catalogue.SALSA_DEVIATIONS.get(series_id)
    if outcome is not None:
        lo, hi, unit = bounds(outcome)
        width = hi - lo
        return -width, width, f"avvikelse i {unit}"
    s = catalogue.SERIES.get(series_id)
    if series_id in SERIES_RANGES and s is not None:
        return (*SERIES_RANGES[series_id], s.unit)
    if s is None or s.unit not in UNIT_RANGES:
        return -INF, INF, s.unit if s is not None else ""
    lo, hi = UNIT_RANGES[s.unit]
    return lo, hi, s.unit


def _fmt(x: float) -> str:
    return "∞" if x == INF else "−∞" if x == -INF else f"{x:g}"


def describe(series_id: str) -> str:
    lo, hi, unit = bounds(series_id)
    if lo == -INF and hi == INF:
        return "ändligt tal"
    span = f"minst {_fmt(lo)}" if hi == INF else f"{_fmt(lo)}–{_fmt(hi)}"
    return f"{unit}, tillåtet {span}"


def out_of_range(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of rows (tidy columns series, value) whose value is non-finite or outside its range.

    Rows without a value (NaN) are never out of range: a missing value is the source's statement, not a number.
    """
    series = frame["series"].astype(str)
    ids = series.unique()
    table = {sid: bounds(sid)[:2] for sid in ids}
    lo = series.map({k: v[0] for k, v in table.items()}).to_numpy(dtype=float)
    hi = series.map({k: v[1] for k, v in table.items()}).to_numpy(dtype=float)
    value = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
    has = ~np.isnan(value)
    bad = has & (~np.isfinite(value) | (value < lo) | (value > hi))
    return pd.Series(bad, index=frame.index)


def check_tidy(frame: pd.DataFrame, origin: str, *, with_source: bool = False) -> None:
    """Raise :class:`RangeError` naming ``origin`` (a file or "Koladas svar") if any value is out of range.

    ``with_source``: name each offending row's ``source`` too (a folder of many files, e.g. the Skolverket exports).
    """
    if frame.empty:
        return
    bad = out_of_range(frame)
    if not bad.any():
        return
    rows = frame[bad.to_numpy()]
    parts = []
    for r in rows.head(SHOWN).itertuples(index=False):
        gender = getattr(r, "gender", "T")
        who = f"kommun {r.municipality_id}, år {r.year}" + ("" if gender == "T" else f", kön {gender}")
        where = f", källa {r.source}" if with_source else ""
        parts.append(f"{r.series} ({who}{where}) = {float(r.value)!r} ({describe(str(r.series))})")
    more = f" och {len(rows) - SHOWN} till" if len(rows) > SHOWN else ""
    raise RangeError(f"{origin}: orimliga värden utanför seriens intervall: {'; '.join(parts)}{more}")


def check_schools(frame: pd.DataFrame, origin: str) -> None:
    """The school table: merit within 0–340, pupils ≥ 0, both finite where present."""
    merit = pd.to_numeric(frame["merit"], errors="coerce").to_numpy(dtype=float)
    pupils = pd.to_numeric(frame["pupils"], errors="coerce").to_numpy(dtype=float)
    lo, hi = SCHOOL_MERIT
    bad = (~np.isnan(merit) & (~np.isfinite(merit) | (merit < lo) | (merit > hi))) \
        | (~np.isnan(pupils) & (~np.isfinite(pupils) | (pupils < 0)))
    if bad.any():
        i = int(bad.nonzero()[0][0])
        r = frame.iloc[i]
        merit, n = float(merit[i]), float(pupils[i])
        what = [f"meritvärde {merit!r} (tillåtet {_fmt(lo)}–{_fmt(hi)})" if not math.isnan(merit) else "",
                f"elever {n!r} (minst 0)" if not math.isnan(n) else ""]
        raise RangeError(f"{origin}: orimligt värde för skola {r['school_code']} (kommun {r['municipality_id']}, år "
                         f"{r['year']}): {', '.join(w for w in what if w)}; {int(bad.sum())} rader utanför "
                         "intervallet")
