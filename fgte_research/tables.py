"""Tables for readers: the estimates of several results in one Swedish table (in the spirit of pyfixest's etable)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import municipalities as mun
from .contract import tidy_frame
from .text_sv import fmt_ci, fmt_num, fmt_p

_ETABLE_HEADERS = {"analysis": "Analys", "municipality": "Kommun", "series": "Serie", "term": "Mått",
                   "estimate": "Skattning", "interval": "95 % KI", "p_value": "p-värde", "verdict": "Bedömning",
                   "years": "År", "n": "n", "method": "Metod"}
_TERMS_SV = {"trend_ols_per_year": "trend per år (OLS)", "trend_theilsen_per_year": "trend per år (Theil–Sen)",
             "change_vs_baseline": "förändring mot basår", "average_effect": "genomsnittlig effekt",
             "residual": "avvikelse från modellberäknat värde", "change_vs_first_year": "förändring mot första året",
             "trend_per_year": "trend per år", "level_change": "nivåförändring", "slope_change": "lutningsförändring"}
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
