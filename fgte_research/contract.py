"""The analysis contract: one result shape for every analysis.

Every analysis entry point — ``progression``, ``regional``, ``gaps.salsa_gap``, each gap proxy, each
intervention design, ``intervention_study.study``, the soft values — is a function of (municipality or
municipalities, indicator or series, the last year to use, optional panel) and returns a result with:

``tidy()``
    The estimates, one row per estimated quantity, with exactly :data:`TIDY_COLUMNS` (documented below) for every
    analysis, so that tidy frames of different analyses stack with ``pd.concat``; :func:`etable` stacks them
    into one Swedish table.
``data()``
    The per-year values the analysis used (long: one row per year, and per unit or group where there are several).
``summary_sv()`` and ``_repr_markdown_()``
    Plain Swedish prose; a notebook cell that ends in a result shows the Markdown rendering.
``plot(ax=None)``
    A matplotlib ``Figure`` (when ``ax`` is given, the figure that holds it).
``warnings``
    Swedish sentences: caveats the reader must see next to the estimate.
``status``
    A :class:`Status`: ``ok``, ``saknas`` (the data are missing; ``reason`` says why) or ``kan inte bedömas``
    (data exist but too few to answer; ``reason`` says why).
``repr()``
    One short line.

When nothing at all can be computed because the data are missing, an analysis raises :class:`DataMissing` (a
``ValueError``) with the reason; a report shows that reason as "saknas". Any other exception is a bug or a wrong
argument and must fail visibly.

Tidy columns
------------
=================  =========================================================================================
analysis           which analysis made the row (``progression``, ``salsa_gap``, ``its``, ...)
municipality_id    four-character code ("1380"); several treated units are joined with "," (DiD)
series             the series id the estimate is about (see ``fgte indicators -v``)
term               what is estimated (``trend_ols_per_year``, ``change_vs_baseline``, ``average_effect`` ...)
estimate           the number, in the unit of the series
ci_low, ci_high    95 % interval; NaN where no honest interval exists (then the row is descriptive)
p_value            NaN where the method gives none
method             how the estimate and its interval were obtained (Swedish)
verdict            the verdict word from :mod:`fgte_research.verdicts` ("" for descriptive rows)
n                  number of observations behind the estimate (years, municipalities or respondents)
years              the years used, as text ("2016–2022", "2018→2025")
=================  =========================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TIDY_COLUMNS = ["analysis", "municipality_id", "series", "term", "estimate", "ci_low", "ci_high", "p_value",
                "method", "verdict", "n", "years"]

OK = "ok"
MISSING = "saknas"
CANNOT_ASSESS = "kan inte bedömas"


class DataMissing(ValueError):
    """The data an analysis needs are missing; the message is the reason, in Swedish, fit for a report."""


class CannotAssess(ValueError):
    """Data exist but cannot answer the question (e.g. too few comparable years); the message says why."""


@dataclass(frozen=True)
class Status:
    code: str = OK  # "ok", "saknas" or "kan inte bedömas"
    reason: str = ""

    def __post_init__(self):
        if self.code not in (OK, MISSING, CANNOT_ASSESS):
            raise ValueError(f"okänd status {self.code!r}")

    @property
    def ok(self) -> bool:
        return self.code == OK

    def sv(self) -> str:
        return self.code if not self.reason else f"{self.code}: {self.reason}"


def tidy_frame(rows: list[dict], **defaults) -> pd.DataFrame:
    """Rows (dicts with any subset of TIDY_COLUMNS) → a frame with exactly TIDY_COLUMNS and stable dtypes."""
    frame = pd.DataFrame([{**defaults, **r} for r in rows], columns=TIDY_COLUMNS)
    for col in ("estimate", "ci_low", "ci_high", "p_value"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["n"] = pd.to_numeric(frame["n"], errors="coerce").astype("Int64")
    for col in ("analysis", "municipality_id", "series", "term", "method", "verdict", "years"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame


class AnalysisResult:
    """Mixin with the shared part of the contract; subclasses implement tidy(), data(), summary_sv(), plot().

    Subclasses set the class attribute ``analysis``, may override ``status`` (default: ok) and give a ``title_sv``.
    """

    analysis: str = ""

    @property
    def status(self) -> Status:
        return Status()

    def _who(self) -> str:
        return str(getattr(self, "municipality_name", "") or getattr(self, "municipality_id", ""))

    def _repr_markdown_(self) -> str:
        head = f"**{escape_markdown_text(getattr(self, 'title_sv', '') or self.analysis)}**" + (f" — {self._who()}" if self._who() else "")
        if not self.status.ok:
            head += f" ({self.status.sv()})"
        body = self.summary_sv().replace("\n", "\n\n")
        return f"{head}\n\n{escape_markdown_text(body)}"

    def __repr__(self) -> str:
        n = len(self.tidy())
        return (f"<{type(self).__name__} {self.analysis} {self._who()}: status={self.status.code}, "
                f"{n} skattningar, {len(self.warnings)} varningar>")


def escape_markdown_text(text: str) -> str:
    """Make text safe and literal inside Markdown: HTML special characters and emphasis markers are escaped."""
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in ("\\", "*", "_", "`", "[", "]"):
        out = out.replace(ch, "\\" + ch) if ch != "\\" else out.replace("\\", "\\\\")
    return out


def figure_of(obj):
    """The matplotlib Figure of an Axes or a Figure (plot() always returns a Figure)."""
    return obj if hasattr(obj, "savefig") else obj.figure


# ---------------------------------------------------------------- one table from many results
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
    from . import municipalities as mun
    from .text_sv import fmt_ci, fmt_num, fmt_p

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
