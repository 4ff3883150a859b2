"""The intervention registry's address inside the package (``fgte_research.interventions.registry``).

The registry lives in :mod:`fgte_research.intervention_registry`, outside this package, so that the publishing
layer can read params/interventions.yaml without importing every design; this module keeps the old import path.
"""

from ..intervention_registry import *  # noqa: F401,F403
from ..intervention_registry import __all__  # noqa: F401
