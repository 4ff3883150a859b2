"""Input validation and the shared warnings of the intervention designs.

Validation problems that make an estimate meaningless (unknown municipality, years outside the data,
an all-missing series, no pre- or post-period) raise ``ValueError`` with a Swedish message naming the
problem. Problems that leave an estimate computable but fragile become Swedish warning sentences,
returned as strings and carried by the results object.

Rule for "poor pre-period fit" (synthetic control): the fit is flagged when

    pre-RMSPE / SD_pre > 0.5,

where SD_pre is the standard deviation (ddof=0) of the treated series around its own pre-period mean.
A ratio of 1 means the synthetic comparison tracks the treated unit no better than a flat line at
its own pre-period mean; 0.5 means it explains less than 1 - 0.5**2 = 75 % of the pre-period
variation. Below that, the post-period gap is as much a fitting error as a possible effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..contract import CannotAssess
from ..text_sv import fmt_num, years_sv
from ..errors import InputError

REQUIRED_COLUMNS = ("municipality_id", "year", "value")
MIN_PRE_POINTS = 4
MIN_DONORS = 5
MAX_DONOR_WEIGHT = 0.6
POOR_FIT_RATIO = 0.5


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------

def clean_frame(data: pd.DataFrame, last_year: int | None = None) -> pd.DataFrame:
    """Validate the long frame and return a copy with str ids, int years and float values, up to ``last_year``."""
    if not isinstance(data, pd.DataFrame):
        raise InputError("Indata måste vara en pandas DataFrame med kolumnerna municipality_id, year och value.")
    lacking = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if lacking:
        raise InputError(f"Indata saknar kolumnerna {', '.join(lacking)}; "
                         f"förväntade kolumner är {', '.join(REQUIRED_COLUMNS)}.")
    frame = data.loc[:, list(REQUIRED_COLUMNS)].copy()
    if frame.empty:
        raise InputError("Indata är tomt: inga rader att analysera.")
    ids = frame["municipality_id"]
    if pd.api.types.is_numeric_dtype(ids):
        ids = ids.astype("int64").astype(str).str.zfill(4)
    frame["municipality_id"] = ids.astype(str)
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any() or (years != np.floor(years)).any():
        raise InputError("Kolumnen year måste innehålla heltal (årtal); icke-heltal eller tomma värden hittades.")
    frame["year"] = years.astype("int64")
    try:
        frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype(float)
    except (ValueError, TypeError):
        raise InputError("Kolumnen value måste vara numerisk (NaN för saknade värden).") from None
    dup = frame.duplicated(["municipality_id", "year"])
    if dup.any():
        first = frame.loc[dup].iloc[0]
        raise InputError(f"Indata har flera rader för samma kommun och år (t.ex. {first['municipality_id']} "
                         f"{first['year']}); en rad per kommun och år krävs.")
    if last_year is not None:
        frame = frame[frame["year"] <= int(last_year)]
        if frame.empty:
            raise InputError(f"Inga rader till och med {last_year}.")
    return frame


def require_units(frame: pd.DataFrame, units: Iterable[str], role: str = "Kommunen") -> list[str]:
    units = [str(u) for u in units]
    known = set(frame["municipality_id"])
    unknown = [u for u in units if u not in known]
    if unknown:
        raise InputError(f"{role} {', '.join(repr(u) for u in unknown)} finns inte i indata.")
    return units


@dataclass(frozen=True)
class Window:
    """The analysis window [start, end] split at first_treated_year (t0)."""

    start: int
    end: int
    t0: int

    @property
    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    @property
    def pre(self) -> list[int]:
        return list(range(self.start, self.t0))

    @property
    def post(self) -> list[int]:
        return list(range(self.t0, self.end + 1))


def make_window(frame: pd.DataFrame, treated: Sequence[str], first_treated_year,
                start_year: int | None = None, end_year: int | None = None) -> Window:
    """Validate years and return the window; raises ValueError naming the problem."""
    for name, val in (("first_treated_year", first_treated_year), ("start_year", start_year),
                      ("end_year", end_year)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, np.integer))):
            raise InputError(f"{name} måste vara ett heltal (årtal), fick {val!r}.")
    if first_treated_year is None:
        raise InputError("first_treated_year saknas: ange första år som påverkas av insatsen.")
    lo, hi = int(frame["year"].min()), int(frame["year"].max())
    sub = frame[frame["municipality_id"].isin(treated)]
    obs = sub.loc[sub["value"].notna(), "year"]
    who = ", ".join(treated)
    if obs.empty:
        raise CannotAssess(f"Serien för {who} saknar värden: alla värden saknas, så inget kan skattas.")
    start = int(obs.min()) if start_year is None else int(start_year)
    end = int(obs.max()) if end_year is None else int(end_year)
    for label, y in (("startår", start), ("slutår", end), ("första påverkade år", int(first_treated_year))):
        if y < lo or y > hi:
            raise CannotAssess(f"År utanför data: {label} {y} ligger utanför de år som finns i indata "
                             f"({years_sv(lo, hi)}).")
    if start > end:
        raise InputError(f"Ogiltigt fönster: startår {start} ligger efter slutår {end}.")
    t0 = int(first_treated_year)
    inside = obs[(obs >= start) & (obs <= end)]
    if inside.empty:
        raise CannotAssess(f"Serien för {who} saknar värden i fönstret {years_sv(start, end)}.")
    if not (inside < t0).any():
        raise CannotAssess(f"Ingen förperiod: {who} har inga observerade värden före första påverkade år {t0} "
                         f"i fönstret {years_sv(start, end)}.")
    if not (inside >= t0).any():
        raise CannotAssess(f"Ingen efterperiod: {who} har inga observerade värden från och med första påverkade "
                         f"år {t0} i fönstret {years_sv(start, end)}.")
    return Window(start, end, t0)


def wide(frame: pd.DataFrame, window: Window, units: Sequence[str] | None = None) -> pd.DataFrame:
    """Units x years matrix over the window (NaN where a value or a row is missing)."""
    sub = frame if units is None else frame[frame["municipality_id"].isin(units)]
    out = sub.pivot(index="municipality_id", columns="year", values="value").reindex(columns=window.years)
    if units is not None:
        out = out.reindex(index=list(units))
    return out


def parse_break_years(break_years) -> list[int]:
    if break_years is None:
        return []
    years = [break_years] if isinstance(break_years, (int, np.integer)) else list(break_years)
    for y in years:
        if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
            raise InputError(f"break_years måste vara heltal (år y = brott mellan y−1 och y), fick {y!r}.")
    return sorted(int(y) for y in years)


# ---------------------------------------------------------------------------------------------
# Warnings (each a Swedish sentence, or None when there is nothing to say)
# ---------------------------------------------------------------------------------------------

def warn_short_pre(n_pre: int) -> str | None:
    if n_pre < MIN_PRE_POINTS:
        return (f"Förperioden har bara {n_pre} observerade år (färre än {MIN_PRE_POINTS}); jämförelsen vilar på "
                "mycket lite data och ska tolkas med stor försiktighet.")
    return None


def warn_single_post(post_years: Sequence[int]) -> str | None:
    if len(post_years) == 1:
        return (f"Efterperioden har bara ett observerat år ({post_years[0]}); ett enskilt år kan avvika av "
                "slumpskäl och säger lite om en varaktig effekt.")
    return None


def warn_breaks(window: Window, break_years: Sequence[int]) -> list[str]:
    out = []
    for y in break_years:
        if window.start <= y - 1 and window.end >= y:
            text = (f"Fönstret {years_sv(window.start, window.end)} korsar ett registrerat seriebrott mellan "
                    f"{y - 1} och {y}: värdena före och efter är inte fullt jämförbara, och en del av skillnaden "
                    "kan bero på ändrad statistik snarare än på insatsen.")
            if y == window.t0:
                text += " Brottet sammanfaller med insatsens start, så effekt och seriebrott kan inte skiljas åt."
            out.append(text)
    return out


def warn_missing_years(who: str, window: Window, observed_years: Iterable[int]) -> str | None:
    missing = sorted(set(window.years) - {int(y) for y in observed_years})
    if missing:
        return (f"Värden saknas för {who} år {', '.join(map(str, missing))} inom fönstret "
                f"{years_sv(window.start, window.end)}; de åren ingår inte i beräkningen.")
    return None


def warn_few_donors(n: int, what: str = "Donatorpoolen") -> str | None:
    if n < MIN_DONORS:
        return (f"{what} har bara {n} kommuner (färre än {MIN_DONORS}); resultatet blir känsligt för enskilda "
                "kommuner och placebotesterna får mycket låg upplösning.")
    return None


def warn_dropped_donors(n_dropped: int, n_total: int, window: Window, what: str = "donatorer") -> str | None:
    if n_dropped:
        return (f"{n_dropped} av {n_total} tänkbara {what} togs bort eftersom de saknar värden under fönstret "
                f"{years_sv(window.start, window.end)}.")
    return None


def warn_dominant_weight(weights: pd.Series) -> str | None:
    if len(weights) and weights.max() > MAX_DONOR_WEIGHT:
        who = weights.idxmax()
        return (f"En enda kommun ({who}) har vikten {fmt_num(float(weights.max()), 2)} (över "
                f"{fmt_num(MAX_DONOR_WEIGHT, 1)}) i den syntetiska jämförelsen; jämförelsen liknar då mest en "
                "jämförelse med just den kommunen.")
    return None


def fit_ratio(pre_rmspe: float, pre_values: np.ndarray) -> float:
    sd = float(np.std(pre_values))
    return float("inf") if sd == 0 else pre_rmspe / sd


def warn_poor_fit(pre_rmspe: float, pre_values: np.ndarray, who: str) -> str | None:
    ratio = fit_ratio(pre_rmspe, pre_values)
    if ratio > POOR_FIT_RATIO:
        return (f"Den syntetiska jämförelsen följer {who} dåligt före insatsen: förperiodens RMSPE "
                f"({fmt_num(pre_rmspe, 2)}) är {fmt_num(ratio, 2)} gånger seriens standardavvikelse under "
                f"förperioden (gräns {fmt_num(POOR_FIT_RATIO, 1)}); skillnaden efteråt kan lika gärna vara "
                "ett anpassningsfel som en effekt.")
    return None


def warn_resolution(n_assignments: int, alpha: float = 0.05) -> str | None:
    if n_assignments * alpha < 1:
        return (f"Med bara {n_assignments} möjliga placebotilldelningar kan p-värdet inte bli lägre än "
                f"{fmt_num(1 / n_assignments, 3)}; skillnaden kan därför aldrig bli statistiskt säkerställd "
                "med detta test och ett 95 %-intervall kan inte avgränsas.")
    return None


def compact(items: Iterable[str | None | list[str]]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out
