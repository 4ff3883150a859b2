"""Tables for readers.

- ``etable(results)``: the estimates of several results in one Swedish table (in the spirit of pyfixest's etable).
- ``for_readers(frame, columns)``: any frame made ready for display, with Swedish headers and numbers as Swedish
  text (decimal comma, no e-notation, "saknas" for missing, p-values as "< 0,001" / "0,034"). The frame the
  analysis returned stays numeric; only the displayed copy is text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import UnknownName

from . import municipalities as mun
from .contract import tidy_frame
from .text_sv import fmt_ci, fmt_num, fmt_p, fmt_p_value

_ETABLE_HEADERS = {"analysis": "Analys", "municipality": "Kommun", "series": "Serie", "term": "Mått",
                   "estimate": "Skattning", "interval": "95 % KI", "p_value": "p-värde", "verdict": "Bedömning",
                   "years": "År", "n": "n", "method": "Metod"}
_TERMS_SV = {"trend_ols_per_year": "trend per år (OLS)", "trend_theilsen_per_year": "trend per år (Theil–Sen)",
             "change_vs_baseline": "förändring mot basår", "average_effect": "genomsnittlig effekt",
             "residual": "avvikelse från modellberäknat värde", "change_vs_first_year": "förändring mot första året",
             "trend_per_year": "trend per år", "level_change": "nivåförändring", "slope_change": "lutningsförändring",
             "effect_vs_country": "effekt räknat mot landets kommuner",
             "effect_vs_synthetic": "skillnad mot syntetisk kontroll", "post_minus_pre": "efter − före",
             "average_gap": "genomsnittlig skillnad mot syntetisk kontroll"}
_ANALYSES_SV = {"progression": "Progression", "regional": "Kommungrupp", "salsa_gap": "Gap (SALSA-liknande)",
                "gender_gap": "Flickor − pojkar", "newly_arrived_gap": "Med − utan nyinvandrade",
                "official_deviation": "Koladas avvikelse", "school_spread": "Spridning mellan skolor",
                "before_after": "Före/efter", "its": "Avbruten tidsserie", "did": "Skillnad-i-skillnader",
                "synth": "Syntetisk kontroll", "study": "Insatsstudie", "soft_values": "Mjuka värden",
                "kolada_soft_values": "Skolenkäten (Kolada)"}


def term_sv(term: str) -> str:
    if term.startswith("distance_to_"):
        return "skillnad mot " + {"riket": "riket", "lan": "länet", "fgte": "FGTE-kommunerna",
                                  "liknande": "liknande kommuner"}.get(term[12:], term[12:])
    return _TERMS_SV.get(term, term.replace("_", " "))


def etable(results, decimals: int = 1) -> pd.DataFrame:
    """Stack the tidy() of several results into one table with Swedish headers and Swedish number formatting.

    In the spirit of pyfixest's ``etable``: one row per estimate, municipalities by name, intervals as text.
    """
    frames = [r.tidy() for r in results]
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else tidy_frame([])

    def name(ids: str) -> str:
        try:
            return ", ".join(mun.name_of(i) for i in ids.split(",") if i)
        except ValueError:
            return ids

    out = pd.DataFrame({
        _ETABLE_HEADERS["analysis"]: frame["analysis"].map(lambda a: _ANALYSES_SV.get(a, a)),
        _ETABLE_HEADERS["municipality"]: frame["municipality_id"].map(name),
        _ETABLE_HEADERS["series"]: frame["series"],
        _ETABLE_HEADERS["term"]: frame["term"].map(term_sv),
        _ETABLE_HEADERS["estimate"]: [fmt_num(x, decimals, signed=True) for x in frame["estimate"]],
        _ETABLE_HEADERS["interval"]: [fmt_ci(lo, hi, decimals).replace("95\u00a0% KI ", "")
                                      if not (np.isnan(lo) or np.isnan(hi)) else "–"
                                      for lo, hi in zip(frame["ci_low"], frame["ci_high"])],
        _ETABLE_HEADERS["p_value"]: [fmt_p(p) if not np.isnan(p) else "–" for p in frame["p_value"]],
        _ETABLE_HEADERS["verdict"]: frame["verdict"].replace("", "beskrivande"),
        _ETABLE_HEADERS["years"]: frame["years"],
        _ETABLE_HEADERS["n"]: frame["n"].astype(object).where(frame["n"].notna(), "–"),
    })
    return out


# ------------------------------------------------------------------------------------------------
# any frame, for display
# ------------------------------------------------------------------------------------------------
#: Swedish headers for the column names the library's frames use. ``for_readers`` falls back to these.
COLUMNS_SV = {
    "year": "År", "years": "År", "municipality_id": "Kommun", "municipality": "Kommun", "treated": "Kommun",
    "value": "Värde", "status": "Status", "series": "Serie", "term": "Mått", "analysis": "Analys",
    "design": "Upplägg", "method": "Metod", "verdict": "Bedömning", "label": "Variabel",
    "estimate": "Skattning", "ci_low": "95 % KI, nedre", "ci_high": "95 % KI, övre", "p_value": "p-värde",
    "n": "Antal", "r2": "R²", "mean": "Medelvärde",
    "actual": "Faktiskt värde", "expected": "Modellberäknat värde", "pi_low": "95 % PI, nedre",
    "pi_high": "95 % PI, övre", "residual": "Residual", "residual_low": "Residual, PI nedre",
    "residual_high": "Residual, PI övre", "residual_centred": "Återcentrerad residual",
    "residual_std": "Standardiserad residual", "official_deviation": "Koladas avvikelse",
    "deviation": "Koladas avvikelsemått", "correlation": "Korrelation", "mean_abs_difference": "Medelabsolut skillnad",
    "note": "Anmärkning", "n_pre": "År före", "n_post": "År efter", "first_treated_year": "Första påverkade år",
    "unit": "Enhet", "indicator": "Nyckeltal",
}
#: Swedish words for the values of a status column (the panel's statuses).
STATUS_SV = {"ok": "värde finns", "suppressed": "prickat", "rounded": "avrundat", "missing": "saknas"}
#: Columns whose values are translated by default: a mapping or a function of the value.
VALUES_SV = {"status": STATUS_SV, "design": _ANALYSES_SV, "analysis": _ANALYSES_SV, "term": term_sv,
             "verdict": lambda v: v or "beskrivande"}
#: Columns shown as a plain year (2016, never "2 016").
YEAR_COLUMNS = {"year", "år", "first_treated_year"}
#: Columns of municipality codes, shown as names ("1384,1380" -> "Kungsbacka, Halmstad").
CODE_COLUMNS = {"municipality_id", "treated"}
#: Columns of p-values.
P_COLUMNS = {"p_value", "p-värde"}


def _names(codes) -> str:
    try:
        return ", ".join(mun.name_of(c) for c in str(codes).split(",") if c)
    except ValueError:
        return str(codes)


def _missing(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _cell_formatter(col, series: pd.Series, decimals: int, signed: bool, values):
    if values is not None:
        lookup = values if callable(values) else (lambda v: values.get(v, v))
        return lambda v: "saknas" if _missing(v) else str(lookup(v))
    if col in P_COLUMNS:
        return lambda v: "saknas" if _missing(v) else fmt_p_value(float(v))
    if col in YEAR_COLUMNS:
        return lambda v: "saknas" if _missing(v) else (str(int(v)) if isinstance(v, (int, float, np.number)) else str(v))
    if col in CODE_COLUMNS:
        return lambda v: "saknas" if _missing(v) else _names(v)
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "saknas" if _missing(v) else ("ja" if v else "nej")
    if pd.api.types.is_integer_dtype(series):
        return lambda v: "saknas" if _missing(v) else fmt_num(int(v), 0, signed=signed)
    if pd.api.types.is_numeric_dtype(series):
        return lambda v: "saknas" if _missing(v) else fmt_num(float(v), decimals, signed=signed)

    def text(v):
        if _missing(v):
            return "saknas"
        if isinstance(v, (bool, np.bool_)):
            return "ja" if v else "nej"
        if isinstance(v, (float, np.floating)):
            return fmt_num(float(v), decimals, signed=signed)
        return str(v)
    return text


class ReaderTable(pd.DataFrame):
    """A frame of display text that shows without its index (HTML in notebooks, plain text elsewhere)."""

    @property
    def _constructor(self):
        return ReaderTable

    def _repr_html_(self) -> str:
        return self.to_html(index=False, escape=True, classes="fgte-reader-table")

    def __repr__(self) -> str:
        return self.to_string(index=False)


def for_readers(frame: pd.DataFrame, columns=None, *, decimals: int | dict = 1, signed=(), values=None,
                labels=None) -> ReaderTable:
    """A copy of ``frame`` for display: Swedish headers, every cell Swedish text, shown without index numbers.

    ``columns`` chooses and orders the columns: a list of names, or a dict {name: Swedish header}. Headers
    not given come from ``labels`` and then ``COLUMNS_SV``; a name without any label is shown with a capital
    first letter and spaces for underscores. ``decimals`` is one number or {name: decimals} (default 1;
    integer columns 0). ``signed`` names columns shown with "+" on positive numbers. ``values`` translates
    the values of a column ({name: mapping or function}), on top of ``VALUES_SV`` (status, design, term).
    Years stay plain (2016), municipality codes become names, p-values read "< 0,001" / "0,034", booleans
    "ja"/"nej" and every missing value "saknas". Use it for display only; compute on ``frame``.
    """
    if columns is None:
        chosen, given = list(frame.columns), {}
    elif isinstance(columns, dict):
        chosen, given = list(columns), dict(columns)
    else:
        chosen, given = list(columns), {}
    unknown = [c for c in chosen if c not in frame.columns]
    if unknown:
        raise UnknownName(f"kolumnerna finns inte i tabellen: {', '.join(map(str, unknown))}")
    headers = {**COLUMNS_SV, **(labels or {}), **given}
    translate = {**VALUES_SV, **(values or {})}
    signed = set([signed] if isinstance(signed, str) else signed)
    out = {}
    for col in chosen:
        dec = decimals.get(col, 1) if isinstance(decimals, dict) else decimals
        fmt = _cell_formatter(col, frame[col], dec, col in signed, translate.get(col))
        header = headers.get(col)
        if header is None:
            header = str(col).replace("_", " ")
            header = header[:1].upper() + header[1:]
        out[header] = [fmt(v) for v in frame[col]]
    return ReaderTable(out)
