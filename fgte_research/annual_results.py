"""What an annual report computes, in one room of the analysis layer: the progression of every indicator, the
intervention studies and the gap models, for one municipality and year.

The notebook, the HTML blocks (``annual``, ``report``) and the compute-once pass (``precompute``) all call these,
so the results store's keys cannot differ between them and the pass never renders anything to warm the store.
Nothing here writes text for a reader.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import catalogue, store
from . import municipalities as mun
from .contract import DataMissing
from .intervention_study import annual_studies, interventions_for
from .panel import memoised
from .progression import progression
from .errors import InputError

COMPARISON_GROUPS = mun.SIMILAR_KINDS  # the one list of Kolada's similar-municipality group kinds

#: The results store's kind for :func:`annual_results`.
ANNUAL_RESULTS = "annual_results"

#: Outcomes of the report's gap section: the three grundskola measures Kolada's SALSA covers, then gymnasium.
GAP_OUTCOMES = ("N15505", "N15419", "N15436", "N17691", "N17451")

#: The Skolverket-only models of the years after Kolada's covariates end (merit, alla ämnen, behörighet).
SKOLVERKET_ONLY_OUTCOMES = ("splice.ak9.merit17.kommunal", "splice.ak9.pass_all.kommunal",
                            "splice.ak9.eligible_voc.kommunal")

#: One loop over every intervention study of an annual report (see ``intervention_study.annual_studies``).
intervention_studies = annual_studies


def similar_kind_for(ind: catalogue.Indicator, comparison_group: str) -> str:
    """Which Kolada similar-municipality group an indicator is set against.

    "grundskola" (the default) means the stage-matched groups Kolada itself defines: grundskola groups for
    åk 3–9, gymnasieskola groups for gymnasium indicators. "gymnasieskola" or "socioekonomi" use that
    group for every indicator.
    """
    if comparison_group not in COMPARISON_GROUPS:
        raise InputError(f"okänd jämförelsegrupp {comparison_group!r}; giltiga: {', '.join(COMPARISON_GROUPS)}")
    if comparison_group == "grundskola":
        return mun.stage_similar_kind(ind)
    return comparison_group


def baseline_for(municipality_id: str) -> tuple[int | None, str]:
    """(year, words): the registered start of an intervention that includes the municipality, else none."""
    from .interventions import load_registry

    starts = sorted({e.first_treated_year for e in load_registry().values()
                     if municipality_id in e.municipalities and e.first_treated_year})
    if starts:
        return starts[0], f"{starts[0]} (insatsens första vårtermin)"
    return None, "första jämförbara år"


def annual_results(municipality, year: int, panel: pd.DataFrame | None = None,
                   comparison_group: str = "grundskola", baseline_year: int | None = None) -> dict:
    """Progression of every available indicator for one municipality up to ``year``, computed once per report.

    The summary, the indicator grid and the per-indicator text all read these results. An indicator whose series
    has no value up to ``year`` is left out (the summary lists it as "saknas").
    """
    municipality_id = mun.resolve(municipality)
    if panel is None:  # the project's data: computed once, in the results store
        return store.cached(ANNUAL_RESULTS, annual_results_key(municipality_id, year, comparison_group, baseline_year),
                            lambda: _annual_results(municipality_id, year, None, comparison_group, baseline_year),
                            check=lambda found: is_annual_results_of(found, municipality_id))
    return _annual_results(municipality_id, year, panel, comparison_group, baseline_year)


def results_for(municipality_id: str, year: int, comparison_group: str = "grundskola") -> dict:
    """Progression of every indicator with data, change counted from the intervention start where there is one."""
    return annual_results(municipality_id, year, comparison_group=comparison_group,
                          baseline_year=baseline_for(municipality_id)[0])


def annual_results_key(municipality_id: str, year: int, comparison_group: str, baseline_year: int | None) -> tuple:
    """The store key of one municipality's annual results (the compute-once pass checks the store with it)."""
    return (municipality_id, int(year), comparison_group, baseline_year)


def is_annual_results_of(found, municipality_id: str) -> bool:
    """A stored entry's content check: every result is the key's municipality's (never another's numbers)."""
    return isinstance(found, dict) and all(getattr(r, "municipality_id", None) == municipality_id
                                           for r in found.values())


def _annual_results(municipality_id: str, year: int, panel, comparison_group: str, baseline_year) -> dict:
    out = {}
    for ind in catalogue.INDICATORS:
        if not ind.available:
            continue
        try:
            out[ind.id] = progression(municipality_id, ind.id, year, panel=panel, baseline_year=baseline_year,
                                      similar_kind=similar_kind_for(ind, comparison_group))
        except DataMissing:
            continue
    return out


@memoised(maxsize=4)
def main_model_last_year() -> int:
    """The last year the main gap model (merit value N15505 and its covariates) has data for: 2022 with the
    shipped data, later once `fgte data update` has brought newer Kolada values."""
    from . import gaps  # statsmodels: imported when a gap is asked for, not by every caller of this module

    return max(gaps.model_years("N15505"))


def merit_gap(municipality_id: str, year: int):
    """The merit-value gap (the main SALSA-like model) up to ``year``, capped at the model's last year."""
    from . import gaps

    return gaps.salsa_gap(municipality_id, "N15505", min(year, main_model_last_year()))


def simpler_model_gap(municipality_id: str, outcome: str, year: int):
    """The Skolverket-only model's gap for the years after the main model's covariates end, up to ``year``."""
    from . import gaps

    last = main_model_last_year()
    return gaps.salsa_gap(municipality_id, outcome, year, covariates=gaps.SKOLVERKET_ONLY, years=(last + 1, year))


@dataclass(frozen=True)
class GapModels:
    """Every gap result one annual report shows, each a result or the DataMissing that says why not.

    ``merit``: the main model's merit gap (page 1, the figure); ``salsa``: the appendix's SALSA-like models per
    outcome; ``simpler``/``simpler_accuracy``: the Skolverket-only model per outcome for the years after the main
    model's covariates end, with its (median, lowest) correlation with Kolada (empty when the report year is
    covered); ``others``: the gender, newly-arrived and school-spread gaps (keys of
    ``sections.OTHER_GAP_HEADINGS``). The renderers read these; none of them fits a model of its own."""

    municipality_id: str
    year: int
    main_model_last_year: int
    merit: object
    salsa: dict
    simpler: dict
    simpler_accuracy: dict
    others: dict


def _result_or_missing(call):
    try:
        return call()
    except DataMissing as exc:
        return exc


def gap_models(municipality_id: str, year: int) -> GapModels:
    """The gap models of one annual report, fitting the pooled models they need: the compute-once pass calls
    this for one municipality per year, so the models every report of that year uses are fitted once, and the
    notebook calls it once and hands the result to every block that shows a gap."""
    from . import gaps

    municipality_id = mun.resolve(municipality_id)
    last = main_model_last_year()
    later = year > last
    return GapModels(
        municipality_id=municipality_id, year=int(year), main_model_last_year=last,
        merit=_result_or_missing(lambda: merit_gap(municipality_id, year)),
        salsa={o: _result_or_missing(lambda o=o: gaps.salsa_gap(municipality_id, o, year)) for o in GAP_OUTCOMES},
        simpler={o: _result_or_missing(lambda o=o: simpler_model_gap(municipality_id, o, year))
                 for o in SKOLVERKET_ONLY_OUTCOMES} if later else {},
        simpler_accuracy={o: gaps.skolverket_only_accuracy(o) for o in SKOLVERKET_ONLY_OUTCOMES} if later else {},
        others={"gender": _result_or_missing(lambda: gaps.gender_gap(municipality_id, "N15419", year)),
                "newly_arrived": _result_or_missing(lambda: gaps.newly_arrived_gap(municipality_id, year)),
                "school_spread": _result_or_missing(lambda: gaps.school_spread(municipality_id, year))},
    )


__all__ = ["ANNUAL_RESULTS", "COMPARISON_GROUPS", "GAP_OUTCOMES", "GapModels", "SKOLVERKET_ONLY_OUTCOMES", "annual_results",
           "annual_results_key", "baseline_for", "gap_models", "intervention_studies", "interventions_for",
           "is_annual_results_of", "main_model_last_year", "merit_gap", "results_for", "similar_kind_for",
           "simpler_model_gap"]
