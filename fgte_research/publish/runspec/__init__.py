"""Run specifications (``params/runs/*.yaml``): typed schema, validation and expansion into jobs.

A run specification says which notebooks to render for which municipalities, years and
interventions. Everything is checked here, before any kernel starts; every problem is collected
and reported at once (:class:`RunSpecError`, a Swedish message listing the valid choices).

Schema (YAML)::

    run: fgte_annual              # output folder reports/<run>/ (default: the file name)
    title: Årsrapporter FGTE      # heading of reports/<run>/index.html (optional)
    executor: local               # where jobs run: local (default: worker processes here) | dask
                                  # (dask.distributed; `fgte report --scheduler ADDRESS` for a cluster)
    kernel: warm                  # warm (default: one reused kernel per worker) | papermill (new kernel
                                  # per report); the old form `executor: warm|papermill` still means this
    timeout: 1200                 # seconds per cell (optional)
    reports:                      # one entry per notebook (or glob of notebooks)
      - notebook: annual_report   # notebooks/annual_report.ipynb; "teaching/*" globs; a path ending
                                  # in .ipynb is taken relative to this file (test fixtures)
        municipalities: fgte      # list of codes/names | named set (fgte, halland) | all; codes are
                                  # quoted text (["1380", "0162"]): an unquoted 0162 is octal 114 in YAML
                                  # and is refused, as is any code written as a number
        per_municipality: true    # true: one report per municipality (parameter `municipality`);
                                  # false: one report for the whole set (parameter `municipalities`)
        years: latest             # latest | 2024 | [2023, 2024]  → parameter `year`; only years with data
                                  # for the indicators (see MIN_HEADLINE_INDICATORS)
        interventions: [fgte]     # registry ids → one report each, parameter `intervention`
        parameters: {indicators: [ak9_merit]}   # extra parameters, passed to every report as-is; not
                                                # municipality/municipalities/year/intervention (SPEC_SET_PARAMS)
        variants: [student, teacher]            # teaching: student drops cells tagged `solution`
        show_code: false          # true keeps code cells in the HTML (teaching notebooks)
        name: "{year}/{kommunkod}-{slug}"        # output name template (optional; see DEFAULT_NAMES)

Parameters the notebooks receive (the contract with the notebooks' ``parameters`` cell):
``municipality`` (str code), ``municipalities`` (list of codes), ``year`` (int),
``intervention`` (str id), plus everything under ``parameters``. Each injected name must exist in
the notebook's ``parameters`` cell. Validated parameter values: ``indicator``/``indicators``/
``indikator`` (catalogue ids or numbers), ``designs`` (intervention designs), ``interventions``/
``insats`` (registry ids), ``kommun`` (municipality),
``comparison_group`` (grundskola | gymnasieskola | socioekonomi), ``comparison_municipalities``
(municipality codes/sets). A named set is passed to ``municipalities`` by name ("fgte"), a list as codes.

The work is done in three steps, one module each: :mod:`.schema` reads the file (through
:mod:`fgte_research.safe_yaml`: no anchors/aliases, at most 256 KB, at most 20 levels deep) and checks its types;
:mod:`.checks` checks it against the notebooks, municipalities, catalogue, registry and data; :mod:`.planning`
expands it into jobs. Which years are usable and which is the latest is decided in the data layer
(:func:`fgte_research.panel.usable_years`, :func:`fgte_research.panel.latest_year`).
"""

from ...panel import MIN_HEADLINE_INDICATORS
from ...panel import usable_years as usable_report_years
from ...safe_yaml import numeric_code_message
from ...text_sv import year_ranges
from .checks import DataInfo, available_notebooks, notebook_parameters
from .planning import Job, Plan, plan
from .schema import (DEFAULT_NAMES, EXECUTORS, INDICATOR_PARAMS, INTERVENTION_PARAMS, KERNEL_MODES, MAX_SPEC_BYTES,
                     MUNICIPALITY_PARAMS, NAME_FIELDS, RESERVED_NAMES, SPEC_SET_PARAMS, VARIANT_NAMES, ReportSpec,
                     RunSpec, RunSpecError, load_runspec, resolve_executor)

__all__ = [
    "DEFAULT_NAMES", "EXECUTORS", "INDICATOR_PARAMS", "INTERVENTION_PARAMS", "KERNEL_MODES", "MAX_SPEC_BYTES",
    "MIN_HEADLINE_INDICATORS", "MUNICIPALITY_PARAMS", "NAME_FIELDS", "RESERVED_NAMES", "SPEC_SET_PARAMS",
    "VARIANT_NAMES", "DataInfo", "Job", "Plan", "ReportSpec", "RunSpec", "RunSpecError", "available_notebooks",
    "load_runspec", "notebook_parameters", "numeric_code_message", "plan", "resolve_executor",
    "usable_report_years", "year_ranges",
]
