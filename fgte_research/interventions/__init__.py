"""Before/after comparisons of interventions on annual municipal series (5–25 points).

One design per module, one function per design, one results object per fit::

    from fgte_research import interventions as iv
    res = iv.synth(frame, treated="1381", first_treated_year=2018, break_years=[2017],
                   municipality_name="Laholm", indicator_name="andelen som nått kunskapskraven", unit="procentenheter")
    res.tidy(); print(res.summary_sv()); res.plot()

``frame`` is long: municipality_id (4-char str), year (int), value (float, NaN = missing).
All designs return an :class:`~fgte_research.interventions.results.InterventionResult` whose tidy()
frames stack with ``pd.concat`` across designs and indicators.
"""

from .before_after import BeforeAfterResult, before_after
# every design's result class is imported with the package: the results store decodes only classes already
# imported (it imports nothing named by a file), so a lazily imported design was never read back
from .country import CountryResult
from .did import DiDResult, did
from .event_study import EventStudyResult
from .its import ITSResult, its
from .registry import Assumption, Intervention, get_intervention, load_registry
from .results import DETAIL_COLUMNS, InterventionResult
from .synth import SynthResult, synth

__all__ = [
    "before_after", "its", "did", "synth", "load_registry", "get_intervention",
    "InterventionResult", "BeforeAfterResult", "ITSResult", "DiDResult", "SynthResult", "CountryResult",
    "EventStudyResult",
    "Intervention", "Assumption", "DETAIL_COLUMNS",
]
