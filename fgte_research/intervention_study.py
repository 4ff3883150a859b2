"""Run the intervention designs on the panel for a registered intervention (glue between registry, panel, designs).

``study("fgte", "ak3_np")`` takes the indicator's first headline series (or ``series=``), the series-break
years from the registry in ``fgte_research.breaks``, and comparison units chosen with information from before
the start only:

- the primary design (``country``, see :mod:`fgte_research.interventions.designs` for the rule): the country's
  mean, calibrated among the 99 municipalities nearest in population the year before the start;
- DiD comparison group: the 10 municipalities whose pre-period series lie nearest the treated one's;
- synthetic-control donors: the 40 nearest on the pre-period (Abadie 2021: a donor pool of similar units);
- never a placebo, donor or comparison: a municipality of any registered intervention or on the exclusion list
  ``params/placebo_exclusions.yaml``.
Comparison groups and donors can be overridden. Results stack: ``StudyResult.tidy()`` is one frame over designs
and municipalities. ``headline_verdict()`` is the primary design's; ``sensitivity()`` the others' direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import breaks, catalogue, style
from . import interventions as iv
from .interventions import placebo
from .interventions.country import size_neighbours
from . import municipalities as mun
from . import store
from .contract import (
    CANNOT_ASSESS,
    CannotAssess,
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
from .interventions.designs import ANNUAL_DESIGNS, DESIGN_IDS, PRIMARY, design as design_of, name_sv
from .interventions.exclusions import load_exclusions
from .verdicts import CANNOT, UNCERTAIN
from .errors import InputError

#: The designs, defined once in the design registry (the run specifications and the notebooks use this tuple).
DESIGNS = DESIGN_IDS


def _direction_sv(primary: float, other: float) -> str:
    if not (np.isfinite(primary) and np.isfinite(other)) or primary == 0 or other == 0:
        return "ingen riktning"
    return "samma riktning" if np.sign(primary) == np.sign(other) else "motsatt riktning"


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

    def primary(self, municipality_id: str | None = None):
        """The primary design's result for one treated municipality, or for the whole set (None)."""
        want = (municipality_id,) if municipality_id else None
        for r in self.results:
            if r.design != PRIMARY:
                continue
            if (want and r.treated == want) or (not want and len(r.treated) == len(self.treated)):
                return r
        if municipality_id is None and len(self.treated) == 1:
            return self.primary(self.treated[0])
        return None

    @property
    def treated(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u for r in self.results for u in r.treated))

    def headline_verdict(self, municipality_id: str | None = None) -> tuple[str, str]:
        """(word, sentence) of the primary design for one municipality (or the set): the report's headline.

        The verdict word is the primary design's alone; other designs never veto it. "Kan vara slump" comes with
        the minimum detectable effect for that municipality, indicator and window.
        """
        r = self.primary(municipality_id)
        if r is None:
            return "", ("Jämförelsen med riket kunde inte göras: " + ("; ".join(self.skipped) or "inga värden") + ".")
        if not r.status.ok:
            return CANNOT, f"{name_sv(PRIMARY)}: kan inte bedömas ({r.status.reason})."
        sentence = r._headline_sv()
        if r.verdict == UNCERTAIN and r.mde_sentence_sv():
            sentence += " " + r.mde_sentence_sv()
        return r.verdict, sentence

    #: the name earlier versions used (the verdict is now the primary design's)
    combined_verdict = headline_verdict

    def sensitivity(self, municipality_id: str | None = None) -> list[dict]:
        """The other designs beside the primary: name, estimate, interval, and "samma riktning"/"motsatt riktning"
        (or "kan inte bedömas" with the reason). Never a verdict word, never a veto."""
        r0 = self.primary(municipality_id)
        est0 = r0.estimate if r0 is not None and r0.status.ok else float("nan")
        want = (municipality_id,) if municipality_id else self.treated
        rows = []
        for r in self.results:
            d = design_of(r.design)
            if d.role != "sensitivity" or tuple(r.treated) != tuple(want):
                continue
            if not r.status.ok:
                rows.append({"design": r.design, "name": d.name_sv, "estimate": float("nan"), "ci_low": float("nan"),
                             "ci_high": float("nan"), "direction": f"kan inte bedömas ({r.status.reason})"})
                continue
            rows.append({"design": r.design, "name": d.name_sv, "estimate": r.estimate, "ci_low": r.ci_low,
                         "ci_high": r.ci_high, "direction": _direction_sv(est0, r.estimate)})
        return rows

    def event_study(self, municipality_id: str | None = None):
        want = (municipality_id,) if municipality_id else self.treated
        return next((r for r in self.results if r.design == "event_study" and tuple(r.treated) == tuple(want)),
                    None)

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
        if len(self.treated) > 1 and self.primary() is not None:
            lines.append(f"Hela gruppen ({self.intervention.name}): {self.headline_verdict()[1]}")
        for m in self.treated:
            lines.append(f"{mun.name_of(m)}: {self.headline_verdict(m)[1]}")
            for row in self.sensitivity(m):
                lines.append(f"  Känslighetsanalys, {row['name']}: {row['direction']}"
                             + (f" ({fmt_num(row['estimate'], signed=True)})" if np.isfinite(row["estimate"]) else ""))
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
        raise InputError(f"ogiltigt fönster {first}–{last}: första året ligger efter det sista")
    crossed = [b for b in breaks.comparability_breaks(series_id) if b.crossed_by(first, last)]
    if crossed and not force:
        b = crossed[0]
        raise InputError(f"fönstret {first}–{last} korsar seriebrottet {b.before}→{b.after} i {series_id}: "
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
            raise InputError("ange en indikator eller en serie")
        if not ind.available:
            raise DataMissing(f"{ind.title_sv}: saknas. {ind.missing_reason}")
        series = series_for(ind, first_treated_year or entry.first_treated_year,
                            [mun.resolve(m) for m in (municipalities or entry.municipalities)], year)
    meta = catalogue.series(series)
    unknown = [d for d in designs if d not in DESIGNS]
    if unknown:
        raise InputError(f"okänd design {unknown}; giltiga: {', '.join(DESIGNS)}")
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
    excluded = excluded_from_placebos() | set(treated)
    size = population_before(start, year)
    comparison = list(comparison) if comparison is not None else None
    low = entry.selected_on_low_results
    names = {m: mun.name_of(m) for m in treated}
    present = []
    for m in treated:
        if frame.loc[frame["municipality_id"] == m, "value"].isna().all():
            result.skipped.append(f"{names[m]}: inga värden för {series} (saknas).")
        else:
            present.append(m)
    for design_id in DESIGN_IDS:
        if design_id not in designs:
            continue
        d = design_of(design_id)
        # a multi-unit design runs on the set; the primary and the event study also on each member
        whole = [present] if d.multi_unit and len(present) > 1 else []
        members = [[m] for m in present] if not whole or design_id in ("country", "event_study") else []
        for units in whole + members:
            who = ", ".join(names[m] for m in units) if len(units) < len(treated) or len(units) == 1 \
                else entry.name
            try:
                res = _run_design(design_id, frame, units, start, who, common, size=size, excluded=excluded,
                                  donors=donors, comparison=comparison, low=low, n_boot=n_boot, names=names)
            except CannotAssess as exc:
                result.skipped.append(f"{who}, {name_sv(design_id)}: {exc}")
                continue
            res.warnings.extend(forced)
            result.results.append(res)
    return result


def _run_design(design_id: str, frame: pd.DataFrame, units: list[str], start: int, who: str, common: dict, *,
                size, excluded, donors, comparison, low: bool, n_boot: int, names: dict):
    """One design on one municipality or a set, dispatched through the design registry."""
    d = design_of(design_id)
    kwargs = dict(common, municipality_name=who)
    # CannotAssess (data too thin for the design) propagates to the caller's sentence; anything else is a bug.
    if design_id == "country":
        res = d.run(frame, units, start, size=size, exclude=excluded, low_results_selected=low, **kwargs)
        _across_break(res, common["series_id"], units, start, size, excluded, int(frame["year"].max()))
        return res
    if design_id == "event_study":
        return d.run(frame, units, start, size=size, exclude=excluded, names=names, **kwargs)
    if design_id == "did":
        comp = comparison or nearest_on_pre_period(frame, units, start, excluded, k=10)
        sub = frame[frame["municipality_id"].isin(set(units) | set(comp))]
        return d.run(sub, units, start, comp, n_boot=n_boot, **kwargs)
    (m,) = units
    if design_id == "synth":
        # every unit built from its own nearest donors on the pre-period, as many as there are pre-years (no exact
        # fits, so a verdict is attainable); every eligible municipality is a placebo
        pool = donors if donors is not None else sorted(set(frame["municipality_id"]) - set(excluded) - {m})
        sub = frame[frame["municipality_id"].isin(set(pool) | {m})]
        n_pre = int(frame.loc[(frame["municipality_id"] == m) & (frame["year"] < start), "value"].notna().sum())
        return d.run(sub, m, start, names={c: mun.name_of(c) for c in sub["municipality_id"].unique()},
                     local_donors=max(2, n_pre), rank_among=size_neighbours(m, pool, size), **kwargs)
    res = d.run(frame[frame["municipality_id"] == m], m, start, **kwargs)
    if design_id == "its":
        # calibrated among the unit's size neighbours, as the primary design (size holds in every tercile)
        pool = size_neighbours(m, [c for c in frame["municipality_id"].unique() if c not in excluded], size)
        placebo.calibrate_result(res, frame[frame["municipality_id"].isin(set(pool) | {m})], exclude=excluded)
    return res


def _across_break(res, series_id: str, units, start: int, size, excluded, last_year: int) -> None:
    """The longest window: across the åk 9 definition break 2016→2017 where the data show the break moves every
    municipality alike (:mod:`fgte_research.break_shift`), for the comparison with the country only (it cancels a
    common shift; ITS and trends never cross a break). Added to the window sensitivity with the reason."""
    from .break_shift import verdict_for
    from .interventions.country import calibrated_test

    verdict = verdict_for(series_id)
    if verdict is None or not verdict.common or not res.status.ok:
        return
    ext = verdict.extended()
    ext = ext[ext["year"] <= last_year]
    wide = placebo.placebo_matrix(ext[["municipality_id", "year", "value"]],
                                  range(int(ext["year"].min()), last_year + 1), [])
    wide = wide.loc[:, wide.notna().all(axis=0)]
    if any(u not in wide.index for u in units) or wide.columns.min() >= res.test.window[0]:
        return
    eligible = [c for c in wide.index if c not in set(excluded) | set(units)]
    test = calibrated_test(wide, list(units), start, size, eligible)
    if test.ok:
        res.window_checks.append(test)
        res.warnings.append(verdict.reason_sv)


def excluded_from_placebos() -> set[str]:
    """Every municipality that must not be a placebo: the registry's and the exclusion list's."""
    return registered_municipalities() | set(load_exclusions())


def population_before(start: int, year: int | None = None) -> dict[str, float]:
    """Population per municipality the year before the start (information from before the start only); the
    nearest earlier year with a value where that year is missing."""
    pop = series_values("N01951", gender="T", include_aggregates=False, last_year=year)
    pop = pop[pop["year"] <= start - 1].dropna(subset=["value"])
    if pop.empty:
        pop = series_values("N01951", gender="T", include_aggregates=False).dropna(subset=["value"])
        pop = pop[pop["year"] == pop["year"].min()]
    last = pop.sort_values("year").groupby("municipality_id", observed=True)["value"].last()
    return {str(k): float(v) for k, v in last.items()}


def nearest_on_pre_period(frame: pd.DataFrame, treated, start: int, excluded, k: int = 40) -> list[str]:
    """The ``k`` untreated municipalities whose pre-period series lie nearest the treated (mean) series
    (root mean square distance over the pre-years all have): a comparison chosen with information from before
    the start only (Abadie 2021's advice for synthetic-control donor pools)."""
    wide = frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")
    pre = [y for y in wide.columns if y < start]
    target = wide.loc[[t for t in treated if t in wide.index], pre].mean(axis=0)
    pre = [y for y in pre if np.isfinite(target.get(y, np.nan))]
    if not pre:
        return sorted(set(wide.index) - set(excluded) - set(treated))
    cand = wide.loc[~wide.index.isin(set(excluded) | set(treated)) & ~wide.index.astype(str).str.startswith("00"),
                    pre].dropna()
    dist = np.sqrt(((cand - target[pre]) ** 2).mean(axis=1))
    return sorted(dist.sort_values(kind="stable").index[:k].tolist())


# ---------------------------------------------------------------- what an annual report computes
#: The indicators the annual report studies for every registered intervention of the municipality.
ANNUAL_INDICATORS = ("ak9_merit", "ak3_np", "gy_examen")


def interventions_for(municipality) -> list:
    """Registered interventions that include the municipality."""
    municipality_id = mun.resolve(municipality)
    return [e for e in iv.load_registry().values() if municipality_id in e.municipalities]


def annual_studies(municipality_id: str, year: int) -> list[tuple]:
    """Every intervention study an annual report shows, in order: (entry, indicator id, the municipality's
    StudyResult or the DataMissing that says why it is missing, the whole set's primary StudyResult or None).

    One loop for the notebook, the HTML and the compute-once pass, so the store keys can never differ between
    them. An intervention of several municipalities (the FGTE set) also gets its set's primary estimate: the
    collaboration's own unit. Entries without a start year give (entry, None, None, None)."""
    out = []
    for entry in interventions_for(municipality_id):
        if entry.first_treated_year is None:
            out.append((entry, None, None, None))
            continue
        for ind_id in ANNUAL_INDICATORS:
            try:
                st = study(entry.id, ind_id, year, municipalities=[municipality_id], designs=ANNUAL_DESIGNS)
            except DataMissing as exc:
                st = exc
            whole = None
            if len(entry.municipalities) > 1 and not isinstance(st, DataMissing):
                whole = study(entry.id, ind_id, year, designs=(PRIMARY,))
            out.append((entry, ind_id, st, whole))
    return out


def set_studies(municipality_ids, year: int) -> list[tuple]:
    """The primary estimate of every registered intervention of several municipalities that all lie in
    ``municipality_ids`` (the FGTE set in its regional overview), with its event study: (entry, indicator id,
    StudyResult or DataMissing)."""
    ids = set(municipality_ids)
    out = []
    for entry in iv.load_registry().values():
        if len(entry.municipalities) < 2 or entry.first_treated_year is None or not set(entry.municipalities) <= ids:
            continue
        for ind_id in ANNUAL_INDICATORS:
            try:
                out.append((entry, ind_id, study(entry.id, ind_id, year, designs=(PRIMARY, "event_study"))))
            except DataMissing as exc:
                out.append((entry, ind_id, exc))
    return out
