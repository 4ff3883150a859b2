"""Interactive explorer for JupyterLab (notebooks/explore.ipynb).

``Explorer`` builds the ipywidgets (municipality, indicator, reference, years, start year of a
quick before/after) and redraws on every change. The callbacks are plain methods, so tests drive
them without a browser::

    from fgte_research.explorer import Explorer
    ex = Explorer()
    ex.widgets["municipality"].value = "Laholm"   # triggers ex.update()
    ex.state["summary"]                            # the Swedish summary that was shown

The gap view calls ``fgte_research.gaps.salsa_gap`` (the SALSA-like model; its summary includes the
model specification and Kolada's official deviation per year). The model itself and the gap proxies
(``gaps.fit_salsa``, ``gaps.validate_against_kolada``, ``gaps.official_deviation`` …) live in
``fgte_research.gaps``/``gap_proxies``; nothing here re-implements them.

The helpers of the teaching notebooks live in ``fgte_research.teaching``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import catalogue
from . import municipalities as mun
from .text_sv import fmt_num, years_sv

REFERENCE_CHOICES = (
    ("Riket", ("riket",)),
    ("Länet", ("lan",)),
    ("FGTE-kommunerna", ("fgte",)),
    ("Liknande kommuner", ("liknande",)),
    ("Alla referenser", ("riket", "lan", "fgte", "liknande")),
)


# ------------------------------------------------------------------------------------------------
# data access
# ------------------------------------------------------------------------------------------------
def _panel(panel: pd.DataFrame | None) -> pd.DataFrame:
    if panel is not None:
        return panel
    from .panel import load_panel

    return load_panel()


def _one_municipality(panel: pd.DataFrame, series_id: str, municipality_id: str) -> pd.DataFrame:
    """municipality_id (str), year, value of one series (both genders together) for one municipality."""
    sub = panel[(panel["series"] == series_id) & (panel["gender"] == "T")]
    sub = sub[sub["municipality_id"].astype(str) == municipality_id][["municipality_id", "year", "value"]].copy()
    sub["municipality_id"] = sub["municipality_id"].astype(str)
    return sub.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# gap view: the SALSA-like model lives in fgte_research.gaps; this only picks its outcome
# ------------------------------------------------------------------------------------------------
def gap_outcome_for(indicator) -> str | None:
    """The outcome series of ``gaps.salsa_gap`` belonging to an indicator (headline first, then alternatives)."""
    from . import gaps

    ind = catalogue.indicator(indicator)
    return next((s for s in (*ind.headline, *ind.alternatives) if s in gaps.OUTCOMES), None)


# ------------------------------------------------------------------------------------------------
# the interactive explorer
# ------------------------------------------------------------------------------------------------
@dataclass
class ExplorerState:
    """What the last update produced (for tests and for re-use in a notebook)."""

    municipality_id: str | None = None
    indicator: str | None = None
    summary: str = ""
    gap: str = ""
    before_after: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    figures: int = 0

    def __getitem__(self, key):  # ex.state["summary"]
        return getattr(self, key)


class Explorer:
    """Widgets + callbacks: progression, the gap against the pupils' background (``gaps.salsa_gap``, with
    Kolada's official deviation) and a quick before/after for one choice."""

    def __init__(self, municipality: str = "1380", indicator: str = "ak9_merit", reference: str = "Alla referenser",
                 years: tuple[int, int] = (2010, 2025), start_year: int = 2018, panel: pd.DataFrame | None = None,
                 show_figures: bool = True, static: bool | None = None):
        import os

        import ipywidgets as w

        self.panel = _panel(panel)
        self.show_figures = show_figures
        # Static mode (FGTE_EXPLORER_STATIC=1, set by the notebook tests): results are printed directly instead
        # of through the Output widget. Headless execution with nbclient/papermill can deadlock on Output-widget
        # capture (nbconvert#2029, papermill#723); the widgets themselves are still built and their callbacks
        # are what tests/test_explorer.py drives.
        self.static = os.environ.get("FGTE_EXPLORER_STATIC") == "1" if static is None else static
        table = mun.load_municipalities().sort_values("name")
        self._names = {str(r.municipality_id): str(r.name) for r in table.itertuples()}
        ind_options = [(f"{i.number}. {i.title_sv}", i.id) for i in catalogue.INDICATORS]
        self.widgets = {
            "municipality": w.Combobox(value=self._names.get(municipality, municipality),
                                       options=list(self._names.values()), ensure_option=False,
                                       continuous_update=False, description="Kommun",
                                       placeholder="namn eller kod, t.ex. Halmstad eller 1380"),
            "indicator": w.Dropdown(options=ind_options, value=indicator, description="Nyckeltal",
                                    layout=w.Layout(width="60%")),
            "reference": w.Dropdown(options=[label for label, _ in REFERENCE_CHOICES], value=reference,
                                    description="Referens"),
            "years": w.IntRangeSlider(value=years, min=1998, max=2025, step=1, description="År",
                                      continuous_update=False),
            "start_year": w.BoundedIntText(value=start_year, min=1998, max=2025, description="Insatsår"),
        }
        self.output = w.Output()
        self.message = w.HTML()
        self.state = ExplorerState()
        for widget in self.widgets.values():
            widget.observe(self._on_change, names="value")
        self.box = w.VBox([w.HBox([self.widgets["municipality"], self.widgets["reference"]]),
                           self.widgets["indicator"], w.HBox([self.widgets["years"], self.widgets["start_year"]]),
                           self.message, self.output])
        self.update()

    # -- callbacks ----------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        self.update()

    def set(self, **values) -> ExplorerState:
        """Set several widgets at once and update once (keys as in ``.widgets``)."""
        unknown = set(values) - set(self.widgets)
        if unknown:
            raise KeyError(f"okända reglage: {sorted(unknown)}; giltiga: {sorted(self.widgets)}")
        for key, widget in self.widgets.items():
            if key in values:
                widget.unobserve(self._on_change, names="value")
        try:
            for key, value in values.items():
                self.widgets[key].value = value
        finally:
            for key in values:
                self.widgets[key].observe(self._on_change, names="value")
        return self.update()

    def _resolve_municipality(self, text: str) -> str:
        text = str(text).strip()
        for code, name in self._names.items():
            if text.lower() == name.lower() or text == code:
                return code
        if text.endswith(")") and "(" in text:  # "Halmstad (1380)"
            return self._resolve_municipality(text[text.rfind("(") + 1:-1])
        return mun.resolve(text)  # raises a Swedish ValueError

    def update(self) -> ExplorerState:
        """Recompute everything for the current widget values and redraw the output."""
        from IPython.display import display

        state = ExplorerState()
        if not self.static:
            self.output.clear_output(wait=True)
        self._figures = []
        try:
            state = self._compute()
            state.figures = len(self._figures)
            self.message.value = ""
        except (ValueError, KeyError) as exc:
            state.error = f"Det gick inte att visa valet: {str(exc).strip(chr(39))}"
            self.message.value = f"<b style='color:#a00'>{state.error}</b>"
        self.state = state
        from contextlib import nullcontext

        with nullcontext() if self.static else self.output:
            if state.error:
                print(state.error)
            else:
                if self.show_figures and self._figures:
                    display(self._figures[0])
                print(state.summary)
                print("\nGap mellan förutsättningar och resultat (SALSA-liknande modell, fgte_research.gaps):")
                if self.show_figures and len(self._figures) > 1:
                    display(self._figures[1])
                print(state.gap)
                print("\nSnabb före/efter-jämförelse:")
                print(state.before_after)
        if self._figures:
            import matplotlib.pyplot as plt

            for fig in self._figures:
                plt.close(fig)
            self._figures = []
        return state

    def _compute(self) -> ExplorerState:
        from . import breaks
        from . import interventions as iv
        from .progression import progression

        v = {k: wd.value for k, wd in self.widgets.items()}
        mid = self._resolve_municipality(v["municipality"])
        ind = catalogue.indicator(v["indicator"])
        name = mun.name_of(mid)
        refs = dict(REFERENCE_CHOICES)[v["reference"]]
        first, last = v["years"]
        if last - first < 2:
            raise ValueError(f"välj minst tre år (nu {first}–{last}); en trend kräver minst tre värden")
        state = ExplorerState(municipality_id=mid, indicator=ind.id)
        if not ind.available:
            state.summary = f"{ind.title_sv}: saknas. {ind.missing_reason}"
            state.gap = "Inget gapmått: nyckeltalet saknas."
            state.before_after = "Ingen jämförelse: nyckeltalet saknas."
            return state
        res = progression(mid, ind.id, years=(first, last), references=refs, panel=self.panel)
        state.summary = res.summary_sv()
        state.warnings = list(res.warnings)
        if self.show_figures:
            self._figures.append(res.plot())

        # gap: the municipality against what its pupils' background predicts (fgte_research.gaps)
        outcome = gap_outcome_for(ind.id)
        if outcome is None:
            state.gap = (f"Ingen modell för förutsättningar och resultat finns för {ind.title_sv.lower()} "
                         "(gaps.salsa_gap täcker åk 9 och gymnasiets examen/betygspoäng); inget gapmått visas.")
        else:
            state.gap = self._gap_text(mid, outcome, first, last)
        # quick before/after on the first headline series
        sid = ind.headline[0]
        frame = _one_municipality(self.panel, sid, mid)
        frame = frame[frame["year"].between(first, last)]
        start = int(v["start_year"])
        have = frame.dropna(subset=["value"])
        if have.empty:
            state.before_after = f"Inga värden för {name} i {sid} {first}–{last}."
        elif not (have["year"].min() < start <= have["year"].max()):
            state.before_after = (f"Insatsåret {start} måste ligga efter första och senast i sista året med värden "
                                  f"({int(have['year'].min())}–{int(have['year'].max())}); ändra insatsår eller år.")
        else:
            ba = iv.before_after(frame[["municipality_id", "year", "value"]], mid, start,
                                 break_years=breaks.break_years(sid), municipality_name=name,
                                 indicator_name=catalogue.series(sid).title_sv, unit=catalogue.series(sid).unit)
            state.before_after = ba.summary_sv()
            state.warnings += [w_ for w_ in ba.warnings if w_ not in state.warnings]
        return state

    def _gap_text(self, mid: str, outcome: str, first: int, last: int) -> str:
        """``gaps.salsa_gap`` for the chosen years (its summary includes the model specification and Kolada's
        official deviation per year), plus the official deviation for chosen years the model cannot reach.
        Adds the residual figure."""
        from . import gaps

        try:
            full = gaps.salsa_gap(mid, outcome)  # the years where the outcome and the covariates have data
            years = [int(y) for y in full.table["year"] if first <= y <= last]
            if years:
                res = full if len(years) == len(full.table) else gaps.salsa_gap(mid, outcome, years=years)
                lines = [res.summary_sv()]
                years = [int(y) for y in res.table.loc[res.table["status"] == "ok", "year"]]
                if self.show_figures:
                    self._figures.append(res.plot(which="residual"))
            else:
                lo, hi = int(full.table["year"].min()), int(full.table["year"].max())
                lines = [f"Modellen för {outcome} finns bara för {years_sv(lo, hi)}, utanför valda år "
                         f"{years_sv(first, last)}; ingen egen avvikelse visas."]
        except ValueError as exc:
            years, lines = [], [f"Ingen egen avvikelse för {mun.name_of(mid)}: {exc}"]
        dev = gaps.OUTCOMES[outcome].deviation
        if dev:
            lines.insert(0, f"Jämförs med Koladas officiella avvikelse {dev} ({catalogue.series(dev).title_sv}; "
                            f"SKR:s modell), som står per år i texten.")
            try:
                official = gaps.official_deviation(mid, dev, years=(first, last)).data()
                outside = official[(official["status"] == "ok") & ~official["year"].isin(years)]
            except ValueError:
                outside = pd.DataFrame()
            if not outside.empty:
                lines.append(f"Koladas officiella avvikelse {dev} år utan egen avvikelse: " + "; ".join(
                    f"{int(r.year)}: {fmt_num(r.estimate, signed=True)}" for r in outside.itertuples()) + ".")
        return "\n".join(lines)

    def _ipython_display_(self):
        from IPython.display import display

        if self.static:  # the results were printed by update(); no widget views in a headless run
            print("(Statisk visning: i JupyterLab visas reglagen här.)")
            return
        display(self.box)
