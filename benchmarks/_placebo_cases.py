"""Shared cases of the size and power benchmarks: real series, break-free windows, fake start years.

Every municipality not in a registered intervention (nor on the exclusion list) is treated in turn at a start year
when nothing municipality-specific started; the placebos are the others, exactly as the study calibrates
(``fgte_research.interventions.country.calibrated_test``). Terciles are of population the year before the start.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fgte_research.intervention_study import excluded_from_placebos, population_before  # noqa: E402
from fgte_research.interventions.country import difference_statistics  # noqa: E402
from fgte_research.interventions.placebo import placebo_matrix  # noqa: E402
from fgte_research.panel import series_values  # noqa: E402

#: (family, series, window, fake start years, step sizes for power, unit word)
CASES = [
    ("åk 3", "N15472", (2010, 2019), (2014, 2015, 2016, 2017), (2.0, 4.0, 8.0), "pe"),
    ("åk 9", "N15419", (1998, 2016), (2004, 2008, 2012, 2013), (2.0, 4.0, 8.0), "pe"),
    ("åk 9", "splice.ak9.merit17.kommunal", (2016, 2025), (2018, 2019, 2020, 2021, 2022), (3.0, 5.0, 10.0), "poäng"),
    ("gymnasiet", "N17445", (2014, 2022), (2017, 2018, 2019, 2020), (2.0, 4.0, 8.0), "pe"),
    ("gymnasiet", "N17451", (2014, 2022), (2017, 2018, 2019, 2020), (2.0, 4.0, 8.0), "pe"),
]


def matrix(series: str, window) -> pd.DataFrame:
    frame = series_values(series, include_aggregates=False)[["municipality_id", "year", "value"]]
    frame = frame[frame["year"].between(*window)]
    return placebo_matrix(frame, range(window[0], window[1] + 1), excluded_from_placebos())


def terciles(ids, t0: int) -> pd.Series:
    size = pd.Series(population_before(t0)).reindex(ids)
    return pd.Series(np.digitize(np.log(size), np.quantile(np.log(size.dropna()), [1 / 3, 2 / 3])),
                     index=ids).map({0: "minsta", 1: "mellan", 2: "största"})


def inject(W: pd.DataFrame, unit: str, t0: int, step: float, shape: str) -> pd.DataFrame:
    """The real series with a known effect after the start: a step, or a ramp reaching ``step`` in year 3."""
    out = W.copy()
    post = [y for y in W.columns if y >= t0]
    for i, y in enumerate(post):
        out.loc[unit, y] += step if shape == "step" else step * min(1.0, (i + 1) / 3)
    return out


def textbook_t(W: pd.DataFrame, t0: int) -> pd.Series:
    """The textbook DiD t against the country (no calibration): |t| per unit."""
    est, se = difference_statistics(W.to_numpy(float), np.asarray(W.columns), t0, np.arange(len(W)))
    return pd.Series(np.abs(est / se), index=W.index)


def load_line() -> str:
    a, b, c = os.getloadavg()
    return f"Maskinens last (1/5/15 min): {a:.2f} / {b:.2f} / {c:.2f}; {os.cpu_count()} kärnor"
