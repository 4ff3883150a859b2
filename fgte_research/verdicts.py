"""The one verdict vocabulary: the words a summary or a table may use about an estimate.

Every summary, table and report takes its verdict word from here, so page 1 and the detail can never disagree.
A word that claims certainty ("säker ökning", "statistiskt säkerställd") is given only for an interval that
excludes zero; ``descriptive`` rows (no honest interval) get no verdict word at all.
"""

from __future__ import annotations

import math

INCREASE = "säker ökning"
DECREASE = "säker minskning"
UNCERTAIN = "kan vara slump"
NO_INTERVAL = ""  # descriptive: no interval, so no verdict
DIVERGENT = "metoderna pekar åt olika håll"  # designs disagree: no verdict
CANNOT = "kan inte bedömas"  # too few comparable years: no effect size, no p-value, no verdict

#: Sentences for prose, keyed by the verdict word.
SENTENCES = {
    INCREASE: "skillnaden är statistiskt säkerställd på 5-procentsnivån",
    DECREASE: "skillnaden är statistiskt säkerställd på 5-procentsnivån",
    UNCERTAIN: "skillnaden är inte statistiskt säkerställd",
    NO_INTERVAL: "osäkerheten kan inte beräknas",
}


def verdict(ci_low: float, ci_high: float) -> str:
    """The verdict word for a 95 % interval: säker ökning / säker minskning / kan vara slump / '' (none)."""
    if ci_low is None or ci_high is None or math.isnan(ci_low) or math.isnan(ci_high):
        return NO_INTERVAL
    if ci_low > 0:
        return INCREASE
    if ci_high < 0:
        return DECREASE
    return UNCERTAIN


def direction_sv(ci_low: float, ci_high: float) -> str:
    """Trend direction in words for a summary line: uppåt / nedåt / utan säker riktning."""
    word = verdict(ci_low, ci_high)
    return {INCREASE: "uppåt", DECREASE: "nedåt", UNCERTAIN: "utan säker riktning"}.get(word, "osäker")


def significance_sv(ci_low: float, ci_high: float) -> str:
    """Plain words for whether an interval excludes zero (the sentence behind the verdict word)."""
    return SENTENCES[verdict(ci_low, ci_high)]


ABOVE = "över det förväntade"
BELOW = "under det förväntade"
WITHIN = "inom det vanliga"


def level_verdict(ci_low: float, ci_high: float) -> str:
    """For a deviation from a model value (not a change): över / under det förväntade, or inom det vanliga."""
    word = verdict(ci_low, ci_high)
    return {INCREASE: ABOVE, DECREASE: BELOW, UNCERTAIN: WITHIN}.get(word, NO_INTERVAL)


def verdict_p(estimate: float, p_value: float, alpha: float = 0.05) -> str:
    """The verdict word from a calibrated test's p-value and the estimate's sign."""
    if estimate is None or p_value is None or math.isnan(estimate) or math.isnan(p_value):
        return NO_INTERVAL
    if p_value < alpha:
        return INCREASE if estimate > 0 else DECREASE
    return UNCERTAIN


#: A gap (actual − expected) whose own interval includes zero: the measurement cannot tell above from below.
#: Never "slump" or "inom det vanliga": a gap is a municipality's lasting distance from what its pupils'
#: background predicts, and the interval says how sure its measurement is.
GAP_UNSURE = "inte säkert skilt från det förväntade"


def gap_verdict(ci_low: float, ci_high: float) -> str:
    """For a gap with its own calibrated interval: över / under det förväntade, or not surely different."""
    word = verdict(ci_low, ci_high)
    return {INCREASE: ABOVE, DECREASE: BELOW, UNCERTAIN: GAP_UNSURE}.get(word, NO_INTERVAL)
