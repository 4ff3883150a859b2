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

import numpy as np
import pandas as pd

from . import breaks, catalogue, style
from . import interventions as iv
from .interventions import placebo
from . import municipalities as mun
from . import store
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
from .text_sv import fmt_num
from .verdicts import DECREASE, DIVERGENT, INCREASE, UNCERTAIN

def _design_word(r) -> str:
    return f"{r.design}: {r.verdict} ({fmt_num(r.estimate, signed=True)})"


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
    window: tuple[int, int] | None = None  # the years used (no registered series break inside, unless forced)

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

    def combined_verdict(self, municipality_id: str) -> tuple[str, str]:
        """(word, sentence) for one treated municipality over the designs that can assess it.

        A verdict word only when every assessable design with a calibrated test agrees: all "säker" in the same
        direction. When one says "säker" and another does not, or the estimates point in different directions,
        the words are "metoderna pekar åt olika håll" and no verdict is given.
        """
        own = [r for r in self.results if municipality_id in r.treated and r.status.ok and r.headline.calibrated]
        if not own:
            return "", "Ingen design kan bedöma insatsen med ett kalibrerat test."
        words = {r.verdict for r in own}
        signs = {int(np.sign(r.estimate)) for r in own if r.estimate != 0}
        if not words & {INCREASE, DECREASE}:
            who = ("Den enda metod som kan bedöma insatsen" if len(own) == 1
                   else f"Ingen av de {_NUMBERS_SV.get(len(own), len(own))} metoderna som kan bedöma insatsen")
            verb = "visar ingen" if len(own) == 1 else "visar någon"
            return UNCERTAIN, f"{who} {verb} säker skillnad mot jämförelsen: {UNCERTAIN}."
        if len(signs) > 1 or len(words) > 1:
            return DIVERGENT, (f"Metoderna pekar åt olika håll ({', '.join(_design_word(r) for r in own)}): "
                               "inget samlat omdöme ges.")
        word = words.pop()
        return word, f"Samstämmigt över {len(own)} metoder: {word}."

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
        lines = []
        if self.window is not None:
            meta = catalogue.series(self.series_id)
            lines.append(f"Underlag: {meta.title_sv} ({self.series_id}), åren {self.window[0]}–{self.window[1]}"
                         " (inget registrerat seriebrott inom fönstret).")
        for m in dict.fromkeys(u for r in self.results for u in r.treated):
            lines.append(f"Samlat för {mun.name_of(m)}: {self.combined_verdict(m)[1]}")
        lines += [r.summary_sv() for r in self.results]
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


def default_window(series_id: str, years, start: int) -> tuple[int, int]:
    """The longest run of ``years`` with no registered definition break inside it that holds ``start``."""
    years = sorted(int(y) for y in years)
    lo, hi = years[0], years[-1]
    cuts = sorted({b.after for b in breaks.comparability_breaks(series_id) if lo < b.after <= hi})
    firsts, lasts = [lo, *cuts], [c - 1 for c in cuts] + [hi]
    for first, last in zip(firsts, lasts):
        if first <= start <= last:
            return first, last
    return firsts[-1], lasts[-1]


def check_window(series_id: str, window: tuple[int, int], force: bool = False) -> list[str]:
    """Refuse a window across a registered definition break (unless forced: then the warnings say so)."""
    first, last = (int(window[0]), int(window[1]))
    if first > last:
        raise ValueError(f"ogiltigt fönster {first}–{last}: första året ligger efter det sista")
    crossed = [b for b in breaks.comparability_breaks(series_id) if b.crossed_by(first, last)]
    if crossed and not force:
        b = crossed[0]
        raise ValueError(f"fönstret {first}–{last} korsar seriebrottet {b.before}→{b.after} i {series_id}: "
                         f"{b.text_sv} Välj år på ena sidan om brottet, eller ange force_across_break=True.")
    return [f"Fönstret {first}–{last} korsar medvetet seriebrottet {b.before}→{b.after} "
            f"(force_across_break=True): {b.text_sv}" for b in crossed]


def candidate_series(ind: catalogue.Indicator) -> list[str]:
    """The indicator's series in order of preference: headline, alternatives, then the Kolada KPI a spliced
    headline agrees with (it reaches further back, on the older side of the 2016→2017 break)."""
    out = [*ind.headline, *ind.alternatives]
    out += [sp.fill_from for sp in breaks.SPLICES if sp.id in ind.headline]
    return list(dict.fromkeys(out))


def series_for(ind: catalogue.Indicator, start: int | None, treated: list[str], year: int | None) -> str:
    """The first series of the indicator whose break-free window around ``start`` has years before and after it
    for every treated municipality (the headline series when none has)."""
    candidates = candidate_series(ind)
    if start is None:
        return candidates[0]
    for sid in candidates:
        frame = _series_frame(sid, year).dropna(subset=["value"])
        if frame.empty:
            continue
        first, last = default_window(sid, frame["year"].unique(), start)
        mine = frame[frame["municipality_id"].isin(treated) & frame["year"].between(first, last)]
        if all(((mine["municipality_id"] == m) & (mine["year"] < start)).any()
               and ((mine["municipality_id"] == m) & (mine["year"] >= start)).any() for m in treated):
            return sid
    return candidates[0]


_NUMBERS_SV = {2: "två", 3: "tre", 4: "fyra", 5: "fem"}


def _plain(value):
    """Arguments as a store key: strings, numbers and tuples of them; None for anything else (not stored)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        return tuple(value)
    raise TypeError


def study(intervention_id: str, indicator=None, year: int | None = None, *, series: str | None = None,
          designs=DESIGNS, first_treated_year: int | None = None, comparison=None, donors=None, municipalities=None,
          window: tuple[int, int] | None = None, force_across_break: bool = False,
          n_boot: int = 1999) -> StudyResult:
    """All requested designs for one intervention and one indicator (or series), side by side.

    ``year`` is the last year to use (a report's year): nothing after it is read. ``window`` (first, last year)
    limits the years used; by default the longest run of years with no registered series break inside it that
    holds the start year. A window across a break is refused unless ``force_across_break=True``.

    The result is read from the results store when it is there (the same call in a report or in JupyterLab).
    """
    args = dict(series=series, designs=designs, first_treated_year=first_treated_year, comparison=comparison,
                donors=donors, municipalities=municipalities, window=window, force_across_break=force_across_break,
                n_boot=n_boot)

    def compute():
        return _study(intervention_id, indicator, year, **args)

    try:
        ind_key = catalogue.indicator(indicator).id if indicator is not None else None
        key = (str(intervention_id), ind_key, year, *(_plain(v) for v in args.values()))
    except (TypeError, KeyError, ValueError):
        return compute()  # e.g. a hand-made comparison frame: computed, not stored
    return store.cached("study", key, compute)


def _study(intervention_id: str, indicator=None, year: int | None = None, *, series: str | None = None,
           designs=DESIGNS, first_treated_year: int | None = None, comparison=None, donors=None,
           municipalities=None, window: tuple[int, int] | None = None, force_across_break: bool = False,
           n_boot: int = 1999) -> StudyResult:
    entry = iv.get_intervention(intervention_id)
    ind = catalogue.indicator(indicator) if indicator is not None else None
    if series is None:
        if ind is None:
            raise ValueError("ange en indikator eller en serie")
        if not ind.available:
            raise DataMissing(f"{ind.title_sv}: saknas. {ind.missing_reason}")
        series = series_for(ind, first_treated_year or entry.first_treated_year,
                            [mun.resolve(m) for m in (municipalities or entry.municipalities)], year)
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
    if have.empty:
        raise DataMissing(f"{meta.title_sv}: inga värden till och med {year}")
    forced = check_window(series, window, force_across_break) if window is not None else []
    window = tuple(window) if window is not None else default_window(series, have["year"].unique(), start)
    if year is not None:
        window = (window[0], min(window[1], int(year)))
    result.window = window
    frame = frame[frame["year"].between(*window)]
    have = frame.dropna(subset=["value"])
    if have.empty or not (have["year"].min() < start <= have["year"].max()):
        span = f"{have['year'].min()}–{have['year'].max()}" if not have.empty else "inga år"
        result.skipped.append(f"{meta.title_sv}: fönstret {window[0]}–{window[1]} (utan seriebrott) har värden "
                              f"{span} och inga år både före och efter {start}.")
        return result
    break_years = breaks.break_years(series)
    common = dict(break_years=break_years, indicator_name=meta.title_sv, unit=meta.unit, series_id=series)
    stage = mun.stage_similar_kind(ind)
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
                    names = {c: mun.name_of(c) for c in sub["municipality_id"].unique()}
                    res = iv.synth(sub, m, start, municipality_name=name, names=names, **common)
                else:
                    res = getattr(iv, design)(frame[frame["municipality_id"] == m], m, start,
                                              municipality_name=name, **common)
            except ValueError as exc:
                result.skipped.append(f"{name}, {design}: {exc}")
                continue
            if design in ("before_after", "its"):
                placebo.calibrate_result(res, frame, exclude=registered_municipalities() | set(treated))
            res.warnings.extend(forced)
            result.results.append(res)
    if "did" in designs:
        try:
            sub = frame[frame["municipality_id"].isin(set(treated) | set(comparison))]
            names = ", ".join(mun.name_of(m) for m in treated)
            res = iv.did(sub, treated, start, comparison, municipality_name=names, n_boot=n_boot, **common)
            placebo.calibrate_result(res, frame, exclude=registered_municipalities() | set(treated),
                                     comparison=comparison)
            res.warnings.extend(forced)
            result.results.append(res)
        except ValueError as exc:
            result.skipped.append(f"DiD: {exc}")
    return result
