"""fgte_research — the analysis library of the FGTE follow-up workbench.

Three lines reproduce any figure, e.g.::

    from fgte_research.progression import progression
    res = progression("1380", "ak9_merit")   # Halmstad, merit value åk 9
    res.plot()

Modules: progression, references, gaps (+ gap_proxies), interventions, intervention_study, soft_values,
plots, report; data: load_panel (panel), build, catalogue, municipalities, breaks, sources.
"""

from ._version import __version__
from .catalogue import INDICATORS, indicator, indicators_frame
from .panel import load_panel

__all__ = ["INDICATORS", "indicator", "indicators_frame", "load_panel", "__version__"]
