"""Run the intervention designs on the panel for a registered intervention (glue between registry, panel, designs).

``study("fgte", "ak3_np")`` takes the indicator's first headline series (or ``series=``), the series-break
years from the registry in ``fgte_research.breaks``, and sensible default comparison units:

- DiD comparison group: untreated members of the treated municipalities' Kolada similar-municipality groups
  (grundskola or gymnasieskola by stage), topped up with the county's untreated municipalities if fewer than 5;
- synthetic-control donors: every municipality not named in any registered intervention, with complete data
  in the window.
Both can be overridden. Results stack: ``StudyResult.tidy()`` is one frame over designs and municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import breaks, catalogue, style
from . import interventions as iv
from . import municipalities as mun
from .contract import (
    CANNOT_ASSESS,
    MISSING,
    AnalysisResult,
    DataMissing,
    Status,
    figure_of,
    merged_warnings,
    tidy_frame,
)
from .panel import series_values

#: The designs, defined once (the run specifications and the notebooks use this tuple).
DESIGNS = ("before_after", "its", "did", "synth")


@dataclass(repr=False)
class StudyResult(AnalysisResult):
    intervention: iv.Intervention
    indicator: catalogue.Indicator | None
    series_id: str
    results: list = field(default_factory=list)  # InterventionResult objects
    skipped: list[str] = field(default_factory=list)  # Swedish sentences: what could not be run and why
    last_year: int | None = None

    analysis = "study"

    @property
    def municipality_id(self) -> str:
        return ",".join(self.intervention.municipalities)

    @property
    def municipality_name(self) -> str:
        return self.intervention.name

    @property
    def title_sv(self) -> str:
        what = self.indicator.title_sv if self.indicator else catalogue.series(self.series_id).title_sv
        return f"Insatsstudie: {what}"

    @property
    def status(self) -> Status:
        if self.results:
            return Status()
        reason = " ".join(self.skipped) or "ingen design kunde skattas"
        return Status(MISSING if self.intervention.first_treated_year is None else CANNOT_ASSESS, reason)

    def tidy(self) -> pd.DataFrame:
        """Every design's estimates stacked (the contract's columns; analysis = design)."""
        frames = [r.tidy() for r in self.results]
        return pd.concat(frames, ignore_index=True) if frames else tidy_frame([])

    def details(self) -> pd.DataFrame:
        """Every design's own columns (periods, warnings) stacked, with series and intervention."""
        frames = [r.details().assign(series=self.series_id, intervention=self.intervention.id) for r in self.results]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=iv.DETAIL_COLUMNS)

    def data(self) -> pd.DataFrame:
        """Per design and treated unit: observed, counterfactual and gap per year."""
        frames = [r.data().assign(analysis=r.design, municipality_id=r.municipality_id) for r in self.results]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["event_time", "year", "observed", "counterfactual", "gap", "analysis", "municipality_id"])

    def plot(self, ax=None):
        """The designs side by side: observed against each design's counterfactual (one panel per result)."""
        if not self.results:
            fig, ax = style.new_figure(ax, figsize=(6, 1.4))
            ax.axis("off")
            ax.text(0, 0.5, f"{self.title_sv}: {self.status.sv()}", fontsize=9, va="center", wrap=True)
            return fig
        if ax is not None:
            return figure_of(self.results[0].plot(ax=ax))
        k = len(self.results)
        fig, axes = style.plt.subplots(1, k, figsize=(5.2 * k, 3.6), squeeze=False)
        for a, r in zip(axes[0], self.results):
            r.plot(ax=a)
            a.set_title(f"{r.design}, {r.municipality_name}", fontsize=9)
        fig.tight_layout()
        return fig

    def summary_sv(self) -> str:
        lines = [r.summary_sv() for r in self.results]
        lines += [f"Saknas: {s}" for s in self.skipped]
        return "\n\n".join(lines)

    @property
    def warnings(self) -> list[str]:
        return merged_warnings(self.results)


def _series_frame(series_id: str, last_year: int | None) -> pd.DataFrame:
    frame = series_values(series_id, gender="T", include_aggregates=False, last_year=last_year)
    return frame[["municipality_id", "year", "value"]]


def registered_municipalities() -> set[str]:
    return {m for entry in iv.load_registry().values() for m in entry.municipalities}


def default_comparison(treated: list[str], stage: str = "grundskola", minimum: int = 5) -> list[str]:
    excluded = registered_municipalities() | set(treated)
    group: set[str] = set()
    for m in treated:
        group |= set(mun.similar_group(m, stage))
    group -= excluded
    if len(group) < minimum:
        for m in treated:
            group |= set(mun.county_members(mun.county_of(m)))
        group -= excluded
    return sorted(group)


def study(intervention_id: str, indicator=None, year: int | None = None, *, series: str | None = None,
          designs=DESIGNS, first_treated_year: int | None = None, comparison=None, donors=None, municipalities=None,
          n_boot: int = 1999) -> StudyResult:
    """All requested designs for one intervention and one indicator (or series), side by side.

    ``year`` is the last year to use (a report's year): nothing after it is read.
    """
    entry = iv.get_intervention(intervention_id)
    ind = catalogue.indicator(indicator) if indicator is not None else None
    if series is None:
        if ind is None:
            raise ValueError("ange en indikator eller en serie")
        if not ind.available:
            raise DataMissing(f"{ind.title_sv}: saknas. {ind.missing_reason}")
        series = ind.headline[0]
    meta = catalogue.series(series)
    unknown = [d for d in designs if d not in DESIGNS]
    if unknown:
        raise ValueError(f"okänd design {unknown}; giltiga: {', '.join(DESIGNS)}")
    start = first_treated_year or entry.first_treated_year
    result = StudyResult(entry, ind, series, last_year=year)
    if start is None:
        result.skipped.append(f"{entry.name}: startår saknas i registret ({entry.note or 'ange first_treated_year'});"
                              f" ingen jämförelse före/efter kan göras.")
        return result
    treated = [mun.resolve(m) for m in (municipalities or entry.municipalities)]
    frame = _series_frame(series, year)
    have = frame.dropna(subset=["value"])
    if not (have["year"].min() < start <= have["year"].max()):
        result.skipped.append(f"{meta.title_sv}: serien täcker {have['year'].min()}–{have['year'].max()} och har inga "
                              f"år både före och efter {start}.")
        return result
    break_years = breaks.break_years(series)
    common = dict(break_years=break_years, indicator_name=meta.title_sv, unit=meta.unit, series_id=series)
    stage = "gymnasieskola" if (ind and ind.stage == "gymnasiet") else "grundskola"
    comparison = list(comparison) if comparison is not None else default_comparison(treated, stage)
    if donors is None:
        excluded = registered_municipalities() | set(treated)
        donors = sorted(set(frame["municipality_id"]) - excluded)
    for m in treated:
        name = mun.name_of(m)
        if frame.loc[frame["municipality_id"] == m, "value"].isna().all():
            result.skipped.append(f"{name}: inga värden för {series} (saknas).")
            continue
        for design in ("before_after", "its", "synth"):
            if design not in designs:
                continue
            try:
                if design == "synth":
                    sub = frame[frame["municipality_id"].isin(set(donors) | {m})]
                    res = iv.synth(sub, m, start, municipality_name=name, **common)
                else:
                    res = getattr(iv, design)(frame[frame["municipality_id"] == m], m, start,
                                              municipality_name=name, **common)
            except ValueError as exc:
                result.skipped.append(f"{name}, {design}: {exc}")
                continue
            result.results.append(res)
    if "did" in designs:
        try:
            sub = frame[frame["municipality_id"].isin(set(treated) | set(comparison))]
            names = ", ".join(mun.name_of(m) for m in treated)
            result.results.append(iv.did(sub, treated, start, comparison, municipality_name=names, n_boot=n_boot,
                                         **common))
        except ValueError as exc:
            result.skipped.append(f"DiD: {exc}")
    return result
