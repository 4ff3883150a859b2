"""The common results object of the intervention designs.

Every design returns a subclass of :class:`InterventionResult`. The headline quantity
(``estimate``, ``ci_low``, ``ci_high``, ``p_value``) is always an *average effect over the
post-period* in the unit of the series, so that designs can be compared side by side;
further quantities (level and slope change, leave-one-out estimates, ...) are extra rows of
:meth:`InterventionResult.tidy`, whose columns are identical for all designs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..contract import CANNOT_ASSESS, AnalysisResult, Status, tidy_frame
from ..text_sv import difference_unit, fmt_ci, fmt_num, fmt_p, years_sv
from ..verdicts import CANNOT, SENTENCES, verdict_p
from .designs import name_sv

def design_name_sv(design: str) -> str:
    """The design's Swedish name from the design registry (one table for every name)."""
    return name_sv(design)


#: Columns of :meth:`InterventionResult.details` (the design's own view); ``tidy()`` has the contract's columns.
DETAIL_COLUMNS = ["design", "term", "estimate", "ci_low", "ci_high", "p_value", "method", "n_pre", "n_post",
                  "pre_years", "post_years", "warnings", "treated", "first_treated_year", "indicator", "unit"]

NAN = float("nan")


@dataclass
class Term:
    """One estimated quantity: a row of tidy()."""

    term: str
    estimate: float
    ci_low: float = NAN
    ci_high: float = NAN
    p_value: float = NAN
    method: str = ""
    #: True when the interval and p-value come from a test whose size was checked on the real data (placebo
    #: calibration); only such a term may carry a verdict word.
    calibrated: bool = False


@dataclass
class Labels:
    """Words for the prose: municipality name, indicator name (definite form) and unit."""

    municipality: str | None = None
    indicator: str | None = None
    unit: str | None = None


def _span(years) -> str:
    years = list(years)
    return years_sv(min(years), max(years)) if years else ""


@dataclass(kw_only=True, repr=False)
class InterventionResult(AnalysisResult):
    design: str
    treated: tuple[str, ...]
    first_treated_year: int
    terms: list[Term]
    series: pd.DataFrame  # year, observed, counterfactual (treated mean for several treated units)
    pre_years: list[int]
    post_years: list[int]
    warnings: list[str] = field(default_factory=list)
    labels: Labels = field(default_factory=Labels)
    break_years: list[int] = field(default_factory=list)
    series_id: str = ""
    calibration: object = None  # placebo.Calibration once calibrated against the country

    #: phrase for what the treated series is compared with, e.g. "den syntetiska jämförelsen"
    comparison_sv = "jämförelsen"
    #: fewer observed pre-period years than this: the design cannot assess the intervention (status, no numbers)
    min_pre = 0
    #: legend text for the counterfactual line
    counterfactual_label_sv = "Jämförelse"

    # -- headline ---------------------------------------------------------------------------
    @property
    def headline(self) -> Term:
        return self.terms[0]

    @property
    def estimate(self) -> float:
        return self.headline.estimate

    @property
    def ci_low(self) -> float:
        return self.headline.ci_low

    @property
    def ci_high(self) -> float:
        return self.headline.ci_high

    @property
    def p_value(self) -> float:
        return self.headline.p_value

    @property
    def method(self) -> str:
        return self.headline.method

    @property
    def n_pre(self) -> int:
        return len(self.pre_years)

    @property
    def n_post(self) -> int:
        return len(self.post_years)

    # -- the contract ---------------------------------------------------------------------------
    @property
    def analysis(self) -> str:  # type: ignore[override]
        return self.design

    @property
    def municipality_id(self) -> str:
        return ",".join(self.treated)

    @property
    def municipality_name(self) -> str:
        return self._who_sv()

    @property
    def title_sv(self) -> str:
        ind = self.labels.indicator or self.series_id or "värdet"
        return f"{design_name_sv(self.design)}: {ind}"

    @property
    def status(self) -> Status:
        if self.n_pre < self.min_pre:
            return Status(CANNOT_ASSESS, f"bara {self.n_pre} jämförbara år före starten; metoden kräver minst "
                                         f"{self.min_pre}")
        return Status()

    @property
    def verdict(self) -> str:
        """The verdict word of the headline, from the one vocabulary: only for a calibrated test."""
        if not self.status.ok:
            return CANNOT
        h = self.headline
        return verdict_p(h.estimate, h.p_value) if h.calibrated else ""

    def tidy(self) -> pd.DataFrame:
        """One row per estimated quantity, with the contract's columns (see :mod:`fgte_research.contract`)."""
        assessable = self.status.ok
        rows = [{"term": t.term, "estimate": t.estimate, "ci_low": t.ci_low, "ci_high": t.ci_high,
                 "p_value": t.p_value, "method": t.method,
                 "verdict": (verdict_p(t.estimate, t.p_value) if t.calibrated else "") if assessable else CANNOT,
                 "n": self.n_pre + self.n_post,
                 "years": f"{_span(self.pre_years)} | {_span(self.post_years)} (start {self.first_treated_year})"}
                for t in self.terms]
        return tidy_frame(rows, analysis=self.design, municipality_id=self.municipality_id, series=self.series_id)

    def data(self) -> pd.DataFrame:
        """Per year: observed, counterfactual and their gap, with event time (year − first treated year)."""
        return self.event_time()

    # -- tables -----------------------------------------------------------------------------
    def details(self) -> pd.DataFrame:
        """One row per estimated quantity with the design's own columns (DETAIL_COLUMNS): periods, warnings."""
        rows = []
        for t in self.terms:
            rows.append({
                "design": self.design, "term": t.term, "estimate": float(t.estimate),
                "ci_low": float(t.ci_low), "ci_high": float(t.ci_high), "p_value": float(t.p_value),
                "method": t.method, "n_pre": self.n_pre, "n_post": self.n_post,
                "pre_years": _span(self.pre_years), "post_years": _span(self.post_years),
                "warnings": " ".join(self.warnings), "treated": ",".join(self.treated),
                "first_treated_year": int(self.first_treated_year),
                "indicator": self.labels.indicator or "", "unit": self.labels.unit or "",
            })
        return pd.DataFrame(rows, columns=DETAIL_COLUMNS)

    def event_time(self) -> pd.DataFrame:
        """event_time (year − first_treated_year), year, observed, counterfactual, gap."""
        s = self.series.sort_values("year").reset_index(drop=True)
        out = pd.DataFrame({
            "event_time": s["year"].astype(int) - int(self.first_treated_year),
            "year": s["year"].astype(int),
            "observed": s["observed"].astype(float),
            "counterfactual": s["counterfactual"].astype(float),
        })
        out["gap"] = out["observed"] - out["counterfactual"]
        return out

    # -- prose ------------------------------------------------------------------------------
    def _who_sv(self) -> str:
        if self.labels.municipality:
            return self.labels.municipality
        if len(self.treated) == 1:
            return f"kommun {self.treated[0]}"
        return "de behandlade kommunerna (" + ", ".join(self.treated) + ")"

    def _unit_sv(self) -> str:
        """The unit of the differences the prose states ("procentenheter" for a share)."""
        return f" {difference_unit(self.labels.unit)}" if self.labels.unit else ""

    def _headline_sv(self) -> str:
        ind = self.labels.indicator or "Värdet"
        ind = ind[:1].upper() + ind[1:]
        est = self.estimate
        if est > 0:
            direction = f"{fmt_num(abs(est))}{self._unit_sv()} över"
        elif est < 0:
            direction = f"{fmt_num(abs(est))}{self._unit_sv()} under"
        else:
            direction = "lika med"
        head = (f"{ind} i {self._who_sv()} låg {_span(self.post_years)} i genomsnitt {direction} "
                f"{self.comparison_sv}")
        if self.headline.calibrated:
            head += (f", räknat mot hur landets kommuner rörde sig samma år (medianen av "
                     f"{self.calibration.n_placebos} jämförbara kommuner)" if self.calibration else "")
        if self.headline.calibrated and (math.isnan(self.ci_low) or math.isnan(self.ci_high)):
            return f"{head}; {SENTENCES[self.verdict]} (placebotest, {fmt_p(self.p_value)})."
        if math.isnan(self.ci_low) or math.isnan(self.ci_high):
            return (f"{head}; inget 95\u00a0%-intervall kan avgränsas, så det går inte att säga om skillnaden "
                    "är statistiskt säkerställd.")
        if not self.headline.calibrated:
            return (f"{head} ({fmt_ci(self.ci_low, self.ci_high)}, okalibrerat). Intervallet är inte prövat mot "
                    "landets kommuner, så inget omdöme om säkerhet ges.")
        return f"{head} ({fmt_ci(self.ci_low, self.ci_high)}); {SENTENCES[self.verdict]}."

    def _details_sv(self) -> list[str]:
        """Design-specific sentences after the headline (override)."""
        return []

    def summary_sv(self) -> str:
        """Plain Swedish prose: the number, its 95 % KI, significance, then caveats and warnings.

        A design that cannot assess the intervention (too few comparable years) says so in words, with no effect
        size and no p-value.
        """
        if not self.status.ok:
            name = design_name_sv(self.design)
            return f"{name} för {self._who_sv()}: kan inte bedömas ({self.status.reason})."
        parts = [self._headline_sv()]
        if not math.isnan(self.p_value) and fmt_p(self.p_value) not in parts[0]:
            parts.append(f"Testet av ingen effekt ger {fmt_p(self.p_value)}.")
        parts.extend(self._details_sv())
        if self.warnings:
            parts.append("Att tänka på: " + " ".join(self.warnings))
        return "\n".join(parts)

    def __repr__(self) -> str:  # compact, like statsmodels' results
        return (f"<{type(self).__name__} {self.design} {self.municipality_id}: estimate={self.estimate:.3g} "
                f"[{self.ci_low:.3g}, {self.ci_high:.3g}], p={self.p_value:.3g}, warnings={len(self.warnings)}>")

    # -- plot -------------------------------------------------------------------------------
    def plot(self, ax=None):
        """Observed (solid, filled markers) vs counterfactual (dashed grey, open markers).

        A dotted vertical line marks the start (between the last pre year and the first affected
        year); registered series breaks inside the window get a thin dash-dot line.
        """
        from .. import style

        fig, ax = style.new_figure(ax, figsize=(7, 4))
        et = self.event_time()
        ax.plot(et["year"], et["observed"], color="black", linestyle="-", marker="o", linewidth=1.8,
                label=f"Observerat, {self._who_sv()}")
        ax.plot(et["year"], et["counterfactual"], color="0.45", linestyle="--", marker="s",
                markerfacecolor="white", linewidth=1.6, label=self.counterfactual_label_sv)
        start = self.first_treated_year - 0.5
        ax.axvline(start, color="0.2", linestyle=":", linewidth=1.2)
        ax.annotate(f"Start ({self.first_treated_year})", xy=(start, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8)
        years = et["year"]
        for y in self.break_years:
            if years.min() < y <= years.max():
                ax.axvline(y - 0.5, color="0.6", linestyle="-.", linewidth=0.8)
                ax.annotate("Seriebrott", xy=(y - 0.5, 0.02), xycoords=("data", "axes fraction"),
                            xytext=(3, 0), textcoords="offset points", fontsize=7, color="0.4")
        ax.set_xlabel("År (vårtermin)")
        ylabel = self.labels.indicator or "Värde"
        if self.labels.unit:
            ylabel += f" ({self.labels.unit})"
        ax.set_ylabel(ylabel[:1].upper() + ylabel[1:])
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, fontsize=8)
        return fig


def series_frame(years, observed, counterfactual) -> pd.DataFrame:
    return pd.DataFrame({"year": np.asarray(years, dtype=int), "observed": np.asarray(observed, dtype=float),
                         "counterfactual": np.asarray(counterfactual, dtype=float)})
