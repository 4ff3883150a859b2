"""Interactive explorer for JupyterLab (notebooks/explore.ipynb).

``Explorer`` builds the ipywidgets (municipality, indicator, reference, years, start year of a
quick before/after) and redraws on every change. The callbacks are plain methods, so tests drive
them without a browser::

    from fgte_research.explorer import Explorer
    ex = Explorer()
    ex.widgets["municipality"].value = "Laholm"   # triggers ex.update()
    ex.state["summary"]                            # the Swedish summary that was shown

Everything one choice shows (texts and figures as PNG bytes) comes from one function, :func:`compute_view`.
On the shipped data it is memoised on the processed data's content hash (``memo.memoised``), and the costly
parts beneath it are memoised per series or model (the pooled noise ρ of ``progression.noise_rho``, the
SALSA fits and their residual ρ in ``gaps``), so a change costs a few tenths of a second; a later results
store can answer inside ``compute_view`` without the widget noticing. While it works, the widget shows
"räknar…"; figures and texts live in the widget itself (Image and HTML widgets), so no separate cell goes stale.

The gap view calls ``fgte_research.gaps.salsa_gap`` (the SALSA-like model; its summary includes the model
specification and Kolada's official deviation per year). The model itself and the gap proxies
(``gaps.fit_salsa``, ``gaps.validate_against_kolada``, ``gaps.official_deviation`` …) live in
``fgte_research.gaps``/``gap_proxies``; nothing here re-implements them.

The helpers of the teaching notebooks live in ``fgte_research.teaching``.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field, replace

import pandas as pd

from . import catalogue
from . import municipalities as mun
from . import store
from .contract import DataMissing
from .memo import memoised
from .text_sv import fmt_num, years_sv
from .errors import InputError, UnknownName

REFERENCE_CHOICES = (
    ("Riket", ("riket",)),
    ("Länet", ("lan",)),
    ("FGTE-kommunerna", ("fgte",)),
    ("Liknande kommuner", ("liknande",)),
    ("Alla referenser", ("riket", "lan", "fgte", "liknande")),
)
FIRST_YEAR, LAST_YEAR = 1998, 2025
#: Shown while a change is computed (cleared afterwards).
BUSY_SV = "räknar…"
#: Resolution of the figures in the widget: the figure's own (100 dpi), so the text layout matplotlib worked out
#: for tight_layout is reused when saving (PNG, no tight bounding box: the figures lay themselves out).
FIGURE_DPI = "figure"
_WARM_LOCK = threading.Lock()
_WARMED: dict[str, threading.Event] = {}
#: Set while no change is being computed: the warm-up waits for it between indicators, so a reader's change
#: never shares the processor with more than one indicator's warm-up.
_IDLE = threading.Event()
_IDLE.set()


# ------------------------------------------------------------------------------------------------
# data access
# ------------------------------------------------------------------------------------------------
def _panel(panel: pd.DataFrame | None) -> pd.DataFrame:
    if panel is not None:
        return panel
    from .panel import load_panel

    return load_panel()


def _one_municipality(panel: pd.DataFrame | None, series_id: str, municipality_id: str) -> pd.DataFrame:
    """municipality_id (str), year, value of one series (both genders together) for one municipality."""
    if panel is None:  # the memoised per-series accessor: no scan of the whole panel per change
        from .panel import series_values

        sub = series_values(series_id, municipality_id, gender="T", include_aggregates=False)
    else:
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
# one choice → texts and figures (the one expensive step)
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
    #: The figures as PNG bytes: progression first, then the gap's residual figure (when there is a model).
    images: tuple[bytes, ...] = ()

    def __getitem__(self, key):  # ex.state["summary"]
        return getattr(self, key)


def _png(fig) -> bytes:
    """A figure as PNG bytes (closes it)."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    finally:
        plt.close(fig)
    return buf.getvalue()


def compute_view(municipality_id: str, indicator: str, reference: str, years: tuple[int, int], start_year: int,
                 figures: bool = True, panel: pd.DataFrame | None = None) -> ExplorerState:
    """Everything the explorer shows for one choice: Swedish texts and (with ``figures``) the PNG figures.

    Without ``panel`` (the shipped data) the answer is memoised on the processed data's content hash: going
    back to an earlier choice is free. Raises ``ValueError``/``KeyError`` with a Swedish message for a choice
    that cannot be shown.
    """
    args = (str(municipality_id), str(indicator), str(reference), (int(years[0]), int(years[1])), int(start_year),
            bool(figures))
    if panel is None:
        state = _view_memoised(*args)
        return replace(state, warnings=list(state.warnings))  # the caller may append; the cache stays as it was
    return _compute_view(*args, panel=panel)


@memoised(maxsize=256)
def _view_memoised(municipality_id, indicator, reference, years, start_year, figures) -> ExplorerState:
    # in this process's memory, and in the results store for every later session (and kernel)
    return store.cached("explorer_view", (municipality_id, indicator, reference, years, start_year, figures),
                        lambda: _compute_view(municipality_id, indicator, reference, years, start_year, figures,
                                              panel=None))


def _compute_view(mid: str, indicator: str, reference: str, years: tuple[int, int], start: int, figures: bool,
                  panel: pd.DataFrame | None) -> ExplorerState:
    from . import breaks
    from . import interventions as iv
    from .progression import progression

    ind = catalogue.indicator(indicator)
    name = mun.name_of(mid)
    refs = dict(REFERENCE_CHOICES)[reference]
    first, last = years
    if last - first < 2:
        raise InputError(f"välj minst tre år (nu {first}–{last}); en trend kräver minst tre värden")
    state = ExplorerState(municipality_id=mid, indicator=ind.id)
    if not ind.available:
        state.summary = f"{ind.title_sv}: saknas. {ind.missing_reason}"
        state.gap = "Inget gapmått: nyckeltalet saknas."
        state.before_after = "Ingen jämförelse: nyckeltalet saknas."
        return state
    images = []
    res = progression(mid, ind.id, years=(first, last), references=refs, panel=panel)
    state.summary = res.summary_sv()
    state.warnings = list(res.warnings)
    if figures:
        images.append(_png(res.plot()))

    # gap: the municipality against what its pupils' background predicts (fgte_research.gaps)
    outcome = gap_outcome_for(ind.id)
    if outcome is None:
        state.gap = (f"Ingen modell för förutsättningar och resultat finns för {ind.title_sv.lower()} "
                     "(gaps.salsa_gap täcker åk 9 och gymnasiets examen/betygspoäng); inget gapmått visas.")
    else:
        state.gap, gap_fig = _gap_text(mid, outcome, first, last, figures)
        if gap_fig is not None:
            images.append(_png(gap_fig))
    # quick before/after on the first headline series
    sid = ind.headline[0]
    frame = _one_municipality(panel, sid, mid)
    frame = frame[frame["year"].between(first, last)]
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
    state.images = tuple(images)
    state.figures = len(images)
    return state


def _gap_text(mid: str, outcome: str, first: int, last: int, figures: bool):
    """``gaps.salsa_gap`` for the chosen years (its summary includes the model specification and Kolada's
    official deviation per year), plus the official deviation for chosen years the model cannot reach.
    Returns (text, residual figure or None)."""
    from . import gaps

    fig = None
    try:
        full = gaps.salsa_gap(mid, outcome)  # the years where the outcome and the covariates have data
        years = [int(y) for y in full.table["year"] if first <= y <= last]
        if years:
            res = full if len(years) == len(full.table) else gaps.salsa_gap(mid, outcome, years=years)
            lines = [res.summary_sv()]
            years = [int(y) for y in res.table.loc[res.table["status"] == "ok", "year"]]
            if figures:
                fig = res.plot(which="residual")
        else:
            lo, hi = int(full.table["year"].min()), int(full.table["year"].max())
            lines = [f"Modellen för {outcome} finns bara för {years_sv(lo, hi)}, utanför valda år "
                     f"{years_sv(first, last)}; ingen egen avvikelse visas."]
    except DataMissing as exc:
        years, lines = [], [f"Ingen egen avvikelse för {mun.name_of(mid)}: {exc}"]
    dev = gaps.OUTCOMES[outcome].deviation
    if dev:
        lines.insert(0, f"Jämförs med Koladas officiella avvikelse {dev} ({catalogue.series(dev).title_sv}; "
                        f"SKR:s modell), som står per år i texten.")
        try:
            official = gaps.official_deviation(mid, dev, years=(first, last)).data()
            outside = official[(official["status"] == "ok") & ~official["year"].isin(years)]
        except DataMissing:
            outside = pd.DataFrame()
        if not outside.empty:
            lines.append(f"Koladas officiella avvikelse {dev} år utan egen avvikelse: " + "; ".join(
                f"{int(r.year)}: {fmt_num(r.estimate, signed=True)}" for r in outside.itertuples()) + ".")
    return "\n".join(lines), fig


def _text_html(text: str) -> str:
    """Plain Swedish text as escaped HTML that keeps its line breaks and wraps at any width."""
    return (f"<div style='white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.4;max-width:100%'>"
            f"{html.escape(text)}</div>")


# ------------------------------------------------------------------------------------------------
# the interactive explorer
# ------------------------------------------------------------------------------------------------
class Explorer:
    """Widgets + callbacks: progression, the gap against the pupils' background (``gaps.salsa_gap``, with
    Kolada's official deviation) and a quick before/after for one choice."""

    def __init__(self, municipality: str = "1380", indicator: str = "ak9_merit", reference: str = "Alla referenser",
                 years: tuple[int, int] = (2010, 2025), start_year: int = 2018, panel: pd.DataFrame | None = None,
                 show_figures: bool = True, static: bool | None = None):
        import os

        import ipywidgets as w

        # Without a panel the shipped data are read through the memoised accessors (fast, cached per choice);
        # a panel of one's own is filtered on every change.
        self.panel = panel
        self.show_figures = show_figures
        # Static mode (FGTE_EXPLORER_STATIC=1, set by the notebook tests): results are printed directly, as
        # text and images, for a headless run where no widget view exists; the widgets are still built and
        # their callbacks are what tests/test_explorer.py drives.
        self.static = os.environ.get("FGTE_EXPLORER_STATIC") == "1" if static is None else static
        table = mun.load_municipalities().sort_values("name")
        self._names = {str(r.municipality_id): str(r.name) for r in table.itertuples()}
        ind_options = [(f"{i.number}. {i.title_sv}", i.id) for i in catalogue.INDICATORS]
        style = {"description_width": "5.5em"}
        # Every control grows and wraps: readable from a phone-wide notebook to a wide screen (800 px checked).
        control = dict(flex="1 1 18em", min_width="14em", max_width="28em", width="auto")
        self.widgets = {
            "municipality": w.Combobox(value=self._names.get(municipality, municipality),
                                       options=list(self._names.values()), ensure_option=False,
                                       continuous_update=False, description="Kommun", style=style,
                                       placeholder="namn eller kod, t.ex. Halmstad eller 1380",
                                       layout=w.Layout(**control)),
            "indicator": w.Dropdown(options=ind_options, value=indicator, description="Nyckeltal", style=style,
                                    layout=w.Layout(flex="1 1 100%", width="auto", min_width="0", max_width="48em")),
            "reference": w.Dropdown(options=[label for label, _ in REFERENCE_CHOICES], value=reference,
                                    description="Referens", style=style, layout=w.Layout(**control)),
            # The slider's own readout is cut at narrow widths ("2010 – 202"): the years stand in a label beside it.
            "years": w.IntRangeSlider(value=years, min=FIRST_YEAR, max=LAST_YEAR, step=1, description="År",
                                      continuous_update=False, readout=False, style=style,
                                      layout=w.Layout(flex="1 1 18em", min_width="14em", max_width="28em",
                                                      width="auto")),
            "start_year": w.BoundedIntText(value=start_year, min=FIRST_YEAR, max=LAST_YEAR, description="Insatsår",
                                           style=style, layout=w.Layout(flex="0 1 12em", width="auto",
                                                                        min_width="10em")),
        }
        for key, widget in self.widgets.items():  # stable names for the browser test and for CSS
            widget.add_class(f"fgte-{key.replace('_', '-')}")
        self.years_label = w.HTML(layout=w.Layout(flex="0 0 auto", width="auto", margin="0 1em 0 0.3em"))
        self.years_label.add_class("fgte-years-label")
        self.status = w.HTML(value="", layout=w.Layout(width="auto", min_height="1.6em"))
        self.status.add_class("fgte-status")
        self.message = w.HTML()
        # natural size (about 560 px wide), never wider than the notebook
        image = dict(width="auto", max_width="100%", height="auto", align_self="flex-start", margin="2px 0")
        self.figure = w.Image(format="png", layout=w.Layout(**image))
        self.figure.add_class("fgte-figure")
        self.gap_figure = w.Image(format="png", layout=w.Layout(**image))
        self.gap_figure.add_class("fgte-gap-figure")
        self.texts = {key: w.HTML(layout=w.Layout(width="auto")) for key in ("summary", "gap", "before_after")}
        for key, widget in self.texts.items():
            widget.add_class(f"fgte-{key.replace('_', '-')}")
        heading = "<h4 style='margin:0.8em 0 0.2em'>{}</h4>".format
        self.state = ExplorerState()
        self.widgets["years"].observe(self._show_years, names="value")
        self._show_years()
        for widget in self.widgets.values():
            widget.observe(self._on_change, names="value")
        wrap = dict(flex_flow="row wrap", align_items="center", width="auto")
        self.box = w.VBox([
            w.HBox([self.widgets["municipality"], self.widgets["reference"]], layout=w.Layout(**wrap)),
            w.HBox([self.widgets["indicator"]], layout=w.Layout(**wrap)),
            w.HBox([self.widgets["years"], self.years_label, self.widgets["start_year"]], layout=w.Layout(**wrap)),
            self.status, self.message,
            self.figure, self.texts["summary"],
            w.HTML(heading("Gap mellan förutsättningar och resultat (SALSA-liknande modell, fgte_research.gaps)")),
            self.gap_figure, self.texts["gap"],
            w.HTML(heading("Snabb före/efter-jämförelse")), self.texts["before_after"],
        ], layout=w.Layout(width="100%", max_width="60em", overflow="hidden"))
        self.box.add_class("fgte-explorer")
        self.warmed: threading.Event | None = None
        self.update()

    # -- callbacks ----------------------------------------------------------------------------
    def _on_change(self, change) -> None:
        self.update()

    def _show_years(self, change=None) -> None:
        first, last = self.widgets["years"].value
        self.years_label.value = f"<b>{years_sv(int(first), int(last))}</b>"

    def set(self, **values) -> ExplorerState:
        """Set several widgets at once and update once (keys as in ``.widgets``)."""
        unknown = set(values) - set(self.widgets)
        if unknown:
            raise UnknownName(f"okända reglage: {sorted(unknown)}; giltiga: {sorted(self.widgets)}")
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
        """Recompute for the current widget values and show the result (figures and texts in the widget)."""
        self.status.value = f"<i>{BUSY_SV}</i>"  # sent to the browser at once, before the work starts
        _IDLE.clear()
        try:
            v = {k: wd.value for k, wd in self.widgets.items()}
            try:
                mid = self._resolve_municipality(v["municipality"])
                state = compute_view(mid, v["indicator"], v["reference"], tuple(v["years"]), int(v["start_year"]),
                                     figures=self.show_figures, panel=self.panel)
                self.message.value = ""
            except (ValueError, KeyError) as exc:
                state = ExplorerState(error=f"Det gick inte att visa valet: {str(exc).strip(chr(39))}")
                self.message.value = f"<b style='color:#a00'>{html.escape(state.error)}</b>"
            self.state = state
            self._show(state)
        finally:
            _IDLE.set()
            self.status.value = ""
        return state

    def _show(self, state: ExplorerState) -> None:
        """Put the state into the widget (and, in static mode, print it)."""
        images = state.images if self.show_figures else ()
        for widget, png in zip((self.figure, self.gap_figure), (*images, b"", b"")):
            widget.value = png
            widget.layout.display = "" if png else "none"
        if state.error:  # nothing stale: the previous choice's texts go too
            self.texts["summary"].value = _text_html(state.error)
            self.texts["gap"].value = self.texts["before_after"].value = ""
        else:
            for key, widget in self.texts.items():
                widget.value = _text_html(getattr(state, key))
        if self.static:
            self._print(state, images)

    @staticmethod
    def _print(state: ExplorerState, images) -> None:
        from IPython.display import Image, display

        if state.error:
            print(state.error)
            return
        if images:
            display(Image(data=images[0], format="png"))
        print(state.summary)
        print("\nGap mellan förutsättningar och resultat (SALSA-liknande modell, fgte_research.gaps):")
        if len(images) > 1:
            display(Image(data=images[1], format="png"))
        print(state.gap)
        print("\nSnabb före/efter-jämförelse:")
        print(state.before_after)

    def warm_up(self) -> threading.Event:
        """Precompute, in a background thread, what every other indicator needs whatever the municipality (the
        series, their pooled noise ρ, the gap models and their residual ρ), so that the first change to a new
        indicator is as quick as any other. Once per process and data version; ``.is_set()`` when done.
        Started when the widget is shown in JupyterLab (never in tests or in static mode)."""
        from .memo import current_hash

        key = current_hash()
        with _WARM_LOCK:
            if key in _WARMED:
                return _WARMED[key]
            done = _WARMED[key] = threading.Event()
        v = {k: wd.value for k, wd in self.widgets.items()}
        try:
            mid = self._resolve_municipality(v["municipality"])
        except (ValueError, KeyError):
            mid = "1380"
        todo = [i.id for i in catalogue.INDICATORS if i.available and i.id != v["indicator"]]

        def work():
            try:
                for ind in todo:
                    _IDLE.wait()
                    try:  # no figures: matplotlib stays in the main thread
                        _compute_view(mid, ind, v["reference"], tuple(v["years"]), int(v["start_year"]),
                                      False, panel=None)
                    except (ValueError, KeyError):
                        pass
            finally:
                done.set()

        threading.Thread(target=work, name="fgte-explorer-warm-up", daemon=True).start()
        return done

    def _ipython_display_(self):
        from IPython.display import display

        if self.static:  # the results were printed by update(); no widget views in a headless run
            print("(Statisk visning: i JupyterLab visas reglagen här.)")
            return
        display(self.box)
        if self.panel is None:
            self.warmed = self.warm_up()
