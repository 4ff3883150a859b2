"""The design registry: every intervention design declared once (id, Swedish name, terms, how it is run).

Dispatch in :mod:`fgte_research.intervention_study`, the run specifications' check of ``designs:``, the tables'
names and the annual report's choice of designs all read this table. A new design is its module, one line here
and its tests.

The pre-specified primary design (the rule, also in the README):

- the headline verdict of every (intervention, indicator) is ``country`` — DiD against the country, calibrated
  among municipalities of similar size — for a single municipality and for a set (the FGTE set is tested as a
  set). It needs one comparable year before and one after the start, holds its size in every population tercile
  (``benchmarks/bench_placebo_size.py``) and loses no power to vetoes (``benchmarks/bench_power.py``);
- every other design is a sensitivity analysis shown beside it as "samma riktning" / "motsatt riktning", never a
  veto and never with a verdict word of its own: ITS (needs ≥ 4 pre-years; extrapolates a trend), DiD against a
  comparison group chosen on the pre-period, synthetic control (donors restricted to the nearest municipalities
  on the pre-period; shown only where its smallest attainable p is ≤ 0.05), plain before/after (no comparison);
- the event study is a figure (effect per year since the start), not a test.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from ..errors import InputError


@dataclass(frozen=True)
class Design:
    id: str
    name_sv: str
    #: the term of tidy() that carries the design's headline quantity
    headline_term: str
    #: True: one call covers several treated units (a set); False: one call per treated municipality
    multi_unit: bool
    #: True: needs the placebo pool's population sizes and exclusions (the size-matched country comparison)
    needs_size: bool
    #: shown in the annual report (primary or sensitivity)
    in_annual_report: bool
    role: str  # "primary" | "sensitivity" | "figure"
    #: the design's module in this package; its function has the design's id as name (imported when run, so
    #: this table imports nothing and every module may read it)
    module: str

    def run(self, *args, **kwargs):
        return getattr(importlib.import_module(f"{__package__}.{self.module}"), self.module)(*args, **kwargs)


def _registry() -> dict[str, Design]:
    rows = [
        Design("country", "Jämfört med riket (DiD, kommuner av liknande storlek)", "effect_vs_country",
               True, True, True, "primary", "country"),
        Design("its", "Avbruten tidsserie (ITS)", "effect_vs_country", False, False, True, "sensitivity", "its"),
        Design("did", "Skillnad-i-skillnader mot en jämförelsegrupp (DiD)", "att", True, False, False,
               "sensitivity", "did"),
        Design("synth", "Syntetisk kontroll", "effect_vs_synthetic", False, False, True, "sensitivity", "synth"),
        Design("before_after", "Före/efter (utan jämförelse)", "post_minus_pre", False, False, False,
               "sensitivity", "before_after"),
        Design("event_study", "Händelsestudie (effekt per år)", "average_post_effect", True, True, True, "figure",
               "event_study"),
    ]
    return {d.id: d for d in rows}


_CACHE: dict[str, dict[str, Design]] = {}


def designs() -> dict[str, Design]:
    if "d" not in _CACHE:
        _CACHE["d"] = _registry()
    return _CACHE["d"]


#: The design ids, in the order the study runs and shows them (the primary first).
DESIGN_IDS = ("country", "its", "did", "synth", "before_after", "event_study")
PRIMARY = "country"
#: What the annual report runs for each registered intervention and indicator.
ANNUAL_DESIGNS = ("country", "its", "synth", "event_study")


def name_sv(design_id: str) -> str:
    d = designs().get(design_id)
    return d.name_sv if d else design_id


def design(design_id: str) -> Design:
    try:
        return designs()[design_id]
    except KeyError:
        raise InputError(f"okänd design {design_id!r}; giltiga: {', '.join(DESIGN_IDS)}") from None
