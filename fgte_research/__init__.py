"""fgte_research — the analysis library of the FGTE follow-up workbench."""

__version__ = "0.1.0"
