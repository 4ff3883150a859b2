"""fgte_research — the analysis library of the FGTE follow-up workbench.

Three lines reproduce any figure, e.g.::

    from fgte_research.progression import progression
    res = progression("1380", "ak9_merit", 2025)   # Halmstad, merit value åk 9, data up to 2025
    res.plot()

Every analysis returns a result of one contract (``fgte_research.contract``): tidy(), data(), summary_sv(),
plot() → Figure, warnings, status. Layers import downward only: base (catalogue, breaks, contract, verdicts, style,
trend, publisher) → data (sources, build, municipalities, panel) → analysis (progression, references, gaps, interventions,
intervention_study, soft_values) → presentation (plots, tables, report, explorer, teaching) → publishing (publish).
"""

from ._version import __version__
from .catalogue import INDICATORS, indicator, indicators_frame
from .panel import load_panel

__all__ = ["INDICATORS", "indicator", "indicators_frame", "load_panel", "__version__"]
