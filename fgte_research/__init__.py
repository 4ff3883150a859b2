"""fgte_research — the analysis library of the FGTE follow-up workbench.

Three lines reproduce any figure, e.g.::

    import fgte_research as fr
    res = fr.progression("1380", "ak9_merit")
    res.plot()
"""

__version__ = "0.1.0"

from .catalogue import INDICATORS, indicator, indicators_frame  # noqa: E402
from .panel import load_panel  # noqa: E402

__all__ = ["INDICATORS", "indicator", "indicators_frame", "load_panel", "__version__"]
