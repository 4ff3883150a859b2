"""Gap measures: a municipality's results against what its pupils' background predicts, and other gap proxies.

- :mod:`.salsa` — the SALSA-like model (``fit_salsa`` for one year over all municipalities, ``salsa_gap`` for one
  municipality over the years, ``validate_against_kolada``);
- :mod:`.proxies` — girls − boys (``gender_gap``), with − without newly arrived (``newly_arrived_gap``), Kolada's
  official deviation (``official_deviation``);
- :mod:`.school_spread` — spread of merit value between the municipality's schools.

Every entry point takes (municipality, outcome, year = the last year to use) and returns a result of the analysis
contract (:mod:`fgte_research.contract`). None of them ranks municipalities or schools.
"""

from ._common import COVARIATE_SERIES, DEFAULT_COVARIATES, GY_BOYS, NOT_A_RANKING, OUTCOMES, PUPILS, Outcome
from .proxies import ProxyResult, gender_gap, newly_arrived_gap, official_deviation
from .salsa import (
    DEFAULT_SPECS,
    SKOLVERKET_ONLY,
    GapResult,
    SalsaResult,
    Spec,
    fit_salsa,
    model_years,
    salsa_gap,
    skolverket_only_accuracy,
    validate_against_kolada,
)
from .school_spread import SchoolSpreadResult, school_spread

__all__ = ["salsa_gap", "fit_salsa", "model_years", "validate_against_kolada", "skolverket_only_accuracy", "DEFAULT_SPECS",
           "SKOLVERKET_ONLY", "gender_gap", "newly_arrived_gap",
           "official_deviation", "school_spread", "GapResult", "SalsaResult", "ProxyResult", "SchoolSpreadResult",
           "Spec", "Outcome", "OUTCOMES", "COVARIATE_SERIES", "DEFAULT_COVARIATES", "GY_BOYS", "PUPILS",
           "NOT_A_RANKING"]
