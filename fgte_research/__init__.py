"""fgte_research — the analysis library of the FGTE follow-up workbench.

Three lines reproduce any figure, e.g.::

    from fgte_research.progression import progression
    res = progression("1380", "ak9_merit")   # Halmstad, merit value åk 9
    res.plot()

Modules: progression, references, gaps (+ gap_proxies), interventions, intervention_study, soft_values,
plots, report; data: load_panel, catalogue, municipalities, breaks.
"""

__version__ = "0.1.0"

from .catalogue import INDICATORS, indicator, indicators_frame  # noqa: E402
from .panel import load_panel  # noqa: E402

__all__ = ["INDICATORS", "indicator", "indicators_frame", "load_panel", "__version__"]
