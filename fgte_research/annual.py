"""The annual report a process group reads: Kommunsammanfattning, Fördjupning and Metod- och databilaga as HTML.

Presentation only: it arranges results the analysis layer computes and writes them for non-programmers in plain
Swedish. The HTML is rendered through the templates in fgte_research/templates (autoescape): everything that can
come from a file a user edits (intervention names and descriptions, soft-value titles) is escaped there; only HTML
this module builds itself is passed in as Markup (``html()``, ``Markup.format``, which escapes its arguments).
Names, never ids, where a reader looks; ids only in the bilaga.
"""

from __future__ import annotations

import math
import re

import pandas as pd
from markupsafe import Markup

from . import catalogue, plots
from .templates import html, render
from . import municipalities as mun
from .contract import DataMissing
from .annual_results import (  # noqa: F401  (re-exported: the notebooks call annual.results_for …)
    GapModels, baseline_for, gap_models, intervention_studies, interventions_for, results_for,
)
from .report import KOLADA_DUMP_LAST_YEAR
from .text_sv import change_ci_sv, difference_unit, few_years_sv, fmt_ci, fmt_num, short_unit, years_sv
from .verdicts import ABOVE, BELOW, CANNOT, DECREASE, INCREASE, UNCERTAIN, gap_verdict, verdict

#: The first spring term FGTE could affect (kick-off August 2017).
FGTE_FIRST_YEAR = 2018

ARROWS = {INCREASE: "↑", DECREASE: "↓", UNCERTAIN: "→"}


# ---------------------------------------------------------------- small pieces
def _count_sv(n: int) -> str:
    return ["ingen", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv",
            "tretton"][n] if 0 <= n <= 13 else str(n)


def _plain_reason(reason: str) -> str:
    """A missing-data reason for a reader: the first sentence, without KPI codes."""
    first = reason.split(". ")[0].rstrip(".")
    return re.sub(r"\s*\((?:Kolada )?[NU]\d{5}[^)]*\)", "", first) + "."


def _riket_value(part, year: int) -> float | None:
    ref = part.references
    hit = ref[(ref["reference"] == "riket") & (ref["year"] == year)]
    return float(hit["value"].iloc[0]) if len(hit) and not pd.isna(hit["value"].iloc[0]) else None


def _table(caption: str, header: list[str], rows: list[list[str]], cls: str = "") -> str:
    """A table; caption, header and plain-str cells are escaped by the template, Markup cells kept as built."""
    return render("table.html.j2", caption=caption, header=header, rows=rows, cls=cls)


# ---------------------------------------------------------------- page 1–2: Kommunsammanfattning
def summary_rows(results: dict, municipality_id: str, year: int) -> list[dict]:
    """One row per indicator (its first headline series): latest value, change with verdict, riket, trend."""
    rows = []
    for ind in catalogue.INDICATORS:
        res = results.get(ind.id)
        row = {"nr": ind.number, "indikator": ind.title_sv, "unit": ind.unit}
        if not ind.available:
            rows.append({**row, "missing": ind.missing_reason or "ingen kommunal serie i datan"})
            continue
        if res is None or not res.parts or res.parts[0].own["value"].isna().all():
            rows.append({**row, "missing": f"inga värden till och med {year}"})
            continue
        part = res.parts[0]
        ok = part.own.dropna(subset=["value"])
        last = ok.iloc[-1]
        row.update(latest=float(last["value"]), latest_year=int(last["year"]),
                   riket=_riket_value(part, int(last["year"])))
        if part.change:
            c = part.change
            row.update(change=c["estimate"], change_low=c["ci_low"], change_high=c["ci_high"],
                       change_from=c["first"], change_to=c["last"], change_word=verdict(c["ci_low"], c["ci_high"]),
                       change_widened_by_few_years=c["trend_years_widen"])
        if part.trend:
            row.update(trend_word=verdict(*part.trend.ols_ci), trend_years=years_sv(part.trend.first_year,
                                                                                     part.trend.last_year),
                       trend_n=part.trend.n)
        rows.append(row)
    return rows


def summary_table_html(rows: list[dict], year: int, since_words: str) -> str:
    out = []
    for r in rows:
        name = f"{r['nr']}. {r['indikator']}"
        if "missing" in r:
            out.append([name, "saknas", f"saknas: {_plain_reason(r['missing'])}", "", ""])
            continue
        unit = short_unit(r["unit"])
        latest = f"{fmt_num(r['latest'])} {unit} ({r['latest_year']})"
        if r["latest_year"] < year:
            latest = Markup('{} <span class="fgte-note">äldre data</span>').format(latest)
        if "change" in r:
            change = Markup('{} {} {}–{}<br><span class="fgte-note">{}</span><br><strong>{}</strong>').format(
                fmt_num(r['change'], signed=True), difference_unit(r['unit']), r['change_from'], r['change_to'],
                change_ci_sv(r['change_low'], r['change_high']), r['change_word'] or CANNOT)
        else:
            change = "kan inte bedömas (för få jämförbara år)"
        # The few-years note explains an interval widened by t with n − 2 degrees of freedom: the trend's always,
        # the change's only when its uncertainty came from the series' noise (pupil counts need no such widening).
        # It stands once per row, beside the change where it explains both, else beside the trend.
        few = few_years_sv(r.get("trend_n"))
        note = Markup('<br><span class="fgte-note">{}</span>').format(few) if few else ""
        if "change" in r and r["change_widened_by_few_years"]:
            change, note = change + note, ""
        riket = f"{fmt_num(r['riket'])} {unit}" if r.get("riket") is not None else "saknas"
        word = r.get("trend_word", "")
        trend = (Markup('<span aria-hidden="true">{}</span> {} (hela perioden {}){}').format(
                     ARROWS.get(word, ''), word, r['trend_years'], note)
                 if word else "saknas (färre än tre jämförbara år)")
        out.append([name, latest, change, riket, trend])
    return _table(f"De {len(catalogue.INDICATORS)} indikatorerna: senaste värde, förändring sedan {since_words} och trend",
                  ["Indikator", "Senaste värde", f"Förändring sedan {since_words}", "Riket samma år",
                   "Trend (alla jämförbara år)"], out, "fgte-summary")


def _gap_words(r) -> str:
    """'Gapet var −4,9 poäng … mätningen är säker på ±3,9 poäng (−8,8 till −0,9), så …' for one row of a gap."""
    if math.isnan(r["gap_low"]):
        return f"Gapet var {fmt_num(r['residual'], signed=True)} poäng (mätningens osäkerhet kan inte beräknas)."
    side = "under" if r["residual"] < 0 else "över"
    sure = gap_verdict(r["gap_low"], r["gap_high"])
    tail = (f"så resultaten låg säkert {side} det förväntade" if sure in (ABOVE, BELOW) else
            "så mätningen kan inte avgöra om resultaten låg över eller under det förväntade")
    return (f"Gapet var {fmt_num(r['residual'], signed=True)} poäng. Mätningen av gapet är säker på ungefär "
            f"±{fmt_num(r['gap_half_width'])} poäng (95 %-intervall {fmt_num(r['gap_low'], signed=True)} till "
            f"{fmt_num(r['gap_high'], signed=True)}), {tail}.")


def gap_sentence_html(models: GapModels) -> str:
    """The FGTE question in one plain paragraph: the gap between expected and actual results, how sure its
    measurement is, and whether it is closing (``models``: :func:`annual_results.gap_models`)."""
    municipality_id, year, res = models.municipality_id, models.year, models.merit
    name = mun.name_of(municipality_id)
    if isinstance(res, DataMissing):
        return str(Markup("<p><strong>Gapet:</strong> kan inte beräknas för {} ({}).</p>").format(name, str(res)))
    table = res.data()
    ok = table[table["status"] == "ok"]
    last = ok.iloc[-1]
    text = (f"{int(last['year'])} "
            f"var meritvärdet i åk 9 i {name}s kommunala skolor {fmt_num(last['actual'])} poäng; elevernas "
            f"bakgrund förutsäger {fmt_num(last['expected'])} poäng. " + _gap_words(last))
    if not math.isnan(last["official_deviation"]):
        text += (f" Koladas officiella beräkning (SKR:s modell, som också tar hänsyn till behov av ekonomiskt "
                 f"bistånd) ger {fmt_num(last['official_deviation'], signed=True)} poäng samma år")
        outside = not last["gap_low"] <= last["official_comparable"] <= last["gap_high"]
        text += ("; på samma nollpunkt ligger den utanför intervallet, så modellerna är oeniga det året." if outside
                 else ".")
    since = ok[ok["year"] >= FGTE_FIRST_YEAR]
    trend = res.tidy().set_index("term")
    if len(since) >= 3 and "trend_residual_centred_per_year" in trend.index:
        t, t0 = trend.loc["trend_residual_centred_per_year"], trend.loc["trend_residual_centred_per_year_rho0"]
        below = last["residual"] < 0
        word = {INCREASE: "minskat: resultaten har närmat sig det förväntade" if below else
                "vuxit: resultaten har ökat mer än bakgrunden förutsäger",
                DECREASE: "ökat: resultaten har fjärmat sig från det förväntade" if below else
                "krympt: resultaten har ökat mindre än bakgrunden förutsäger"}.get(
            t["verdict"], "inte säkert förändrats")
        text += (f" Räknat mot hur alla kommuners gap rörde sig samma år har gapet {t['years']} {word} "
                 f"({fmt_num(t['estimate'], 1, signed=True)} poäng per år, {fmt_ci(t['ci_low'], t['ci_high'], 1)}; "
                 f"plus = närmare eller förbi det förväntade)"
                 + ("; samma bedömning om åren inte samvarierar." if t0["verdict"] == t["verdict"] else
                    f". Om åren inte samvarierar blir intervallet {fmt_ci(t0['ci_low'], t0['ci_high'], 1)} och "
                    f"bedömningen en annan ({t0['verdict']}): se den som osäker."))
    if models.simpler:
        text += (f" Modellens bakgrundsuppgifter slutar {models.main_model_last_year}; åren därefter beräknas med en "
                 "enklare modell (detaljer i bilagan)." + _simpler_model_sentence(models))
    # plain text so far (names included); the template-free wrapper escapes it
    return str(Markup("<p><strong>Minskar gapet mellan elevernas förutsättningar och resultat?</strong> {}</p>")
               .format(text))


def _simpler_model_sentence(models: GapModels) -> str:
    """The report year's gap from the Skolverket-only model, with that model's accuracy and its own (wider)
    interval: the first page answers for the report year too, not only for the last year of the main model."""
    outcome = "splice.ak9.merit17.kommunal"
    res = models.simpler.get(outcome)
    if res is None or isinstance(res, DataMissing):
        return ""
    ok = res.data()
    ok = ok[ok["status"] == "ok"]
    if ok.empty:
        return ""
    r = ok.iloc[-1]
    median, _ = models.simpler_accuracy[outcome]
    words = _gap_words(r)
    return (f" Den enklare modellen (korrelation {fmt_num(median, 2)} med Koladas avvikelser, därför osäkrare) ger "
            f"för {int(r['year'])}: " + words[0].lower() + words[1:])


def reading_box_html(n_verdicts: int, what: str = "rapporten") -> str:
    """'Så läser du …' with the family of verdicts counted: how many false "säker" to expect among them by chance.

    The report's verdicts are controlled as a family by saying so (not by a stricter rule per verdict, which would
    blind the single ones): each verdict's test errs in about 5 of 100 cases where nothing happened, so among n
    verdicts about n/20 can be expected to say "säker" by chance alone."""
    expected = fmt_num(0.05 * n_verdicts, 1)
    family = (f"Den här sammanfattningen har {n_verdicts} omdömen. Om ingenting alls hade förändrats skulle ändå "
              f"i genomsnitt ungefär {expected} av dem visa säker ökning eller minskning av en slump, så ett "
              "enstaka säkert omdöme ska läsas tillsammans med de andra och med siffrorna."
              if n_verdicts else "")
    return render("reading_box.html.j2", what=what, family=family)


def _verdict_count(rows: list[dict]) -> int:
    words = (INCREASE, DECREASE, UNCERTAIN)
    return sum(r.get("change_word") in words for r in rows) + sum(r.get("trend_word") in words for r in rows)


def _trend_sentence_sv(n: int, titles: list[str], direction: str) -> str:
    """'uppåt för två (a; b)' / 'nedåt för ingen'."""
    if n == 0:
        return f"ingen {direction}"
    which = f" ({'; '.join(t[:1].lower() + t[1:] for t in titles)})" if titles else ""
    return f"{direction} för {_count_sv(n)}{which}"


def kommunsammanfattning_html(municipality_id: str, year: int, results: dict, models: GapModels | None = None
                              ) -> str:
    """Page 1: the gap sentence, the indicators' trends in words, the summary table and the reading box.
    ``models``: the report's gap models (computed here when not given)."""
    models = models if models is not None else gap_models(municipality_id, year)
    base, since_words = baseline_for(municipality_id)
    rows = summary_rows(results, municipality_id, year)
    name = mun.name_of(municipality_id)
    n_up = sum(r.get("trend_word") == INCREASE for r in rows)
    n_down = sum(r.get("trend_word") == DECREASE for r in rows)
    n_missing = sum("missing" in r for r in rows)
    stale = sum("latest_year" in r and r["latest_year"] < year for r in rows)
    ups = [r["indikator"] for r in rows if r.get("trend_word") == INCREASE]
    downs = [r["indikator"] for r in rows if r.get("trend_word") == DECREASE]
    ends = sorted({r["latest_year"] for r in rows if "latest_year" in r and r["latest_year"] < year})
    intro = (f"{name} följer {len(catalogue.INDICATORS)} indikatorer från åk 3 till gymnasiet. Säker trend över alla jämförbara år: "
             + _trend_sentence_sv(n_up, ups, "uppåt") + "; " + _trend_sentence_sv(n_down, downs, "nedåt")
             + ". För övriga ryms förändringarna i årskullarnas slumpvariation. Trenden omfattar även åren före "
             f"insatsen; förändringen sedan starten står i en egen kolumn. "
             f"{_count_sv(n_missing).capitalize()} indikatorer saknas helt – skälet står i tabellen."
             + (f" För {_count_sv(stale)} indikatorer slutar projektets data "
                + (str(ends[0]) if len(ends) == 1 else f"före {year} ({', '.join(map(str, ends))})")
                + "; nyare värden kan hämtas när data uppdateras." if stale else ""))
    return ('<section class="fgte-summary-page"><h2>Kommunsammanfattning</h2>'
            + gap_sentence_html(models) + str(Markup("<p>{}</p>").format(intro))
            + summary_table_html(rows, year, since_words) + reading_box_html(_verdict_count(rows))
            + "</section>")


# ---------------------------------------------------------------- Fördjupning: one figure per indicator
def _alt(ind, res, year: int) -> str:
    part = res.parts[0]
    ok = part.own.dropna(subset=["value"])
    last = ok.iloc[-1]
    riket = _riket_value(part, int(last["year"]))
    return (f"Linjediagram: {ind.title_sv} i {res.municipality_name} {int(ok['year'].min())}–{int(last['year'])}, "
            f"med riket och länet. Senaste värde {fmt_num(last['value'])} {short_unit(part.meta.unit)} "
            f"({int(last['year'])})" + (f", riket {fmt_num(riket)}." if riket is not None else "."))


def _data_table(res) -> str:
    part = res.parts[0]
    own = part.own.set_index("year")["value"]
    refs = {lab: g.set_index("year")["value"] for (key, lab), g in part.references.groupby(["reference", "label"])
            if key in ("riket", "lan")}
    years = sorted(set(own.index) | {y for s in refs.values() for y in s.index})
    header = ["År", res.municipality_name] + list(refs)
    rows = [[str(y), fmt_num(own.get(y))] + [fmt_num(s.get(y)) for s in refs.values()] for y in years]
    return ("<details><summary>Siffrorna i diagrammet</summary>"
            + _table(f"{part.meta.title_sv} per år", header, rows, "fgte-data") + "</details>")


def indicator_block_html(ind, res, year: int) -> str:
    block = dict(number=ind.number, title=ind.title_sv, missing=None)
    if not ind.available:
        return render("indicator_block.html.j2", **{**block, "missing": ind.missing_reason or ""})
    if res is None or not res.parts or res.parts[0].own["value"].isna().all():
        return render("indicator_block.html.j2", **{**block, "missing": f"inga värden till och med {year}."})
    part = res.parts[0]
    ok = part.own.dropna(subset=["value"])
    last = ok.iloc[-1]
    lines = [f"Senast {fmt_num(last['value'])} {short_unit(part.meta.unit)} ({int(last['year'])})."]
    lines += [html(note)] if (note := series_end_note_html(part.series_id, int(last["year"]), year)) else []
    if part.trend:
        t = part.trend
        lines.append(Markup("Trend {}: {} {} per år ({}): <strong>{}</strong>.").format(
            years_sv(t.first_year, t.last_year), fmt_num(t.ols_slope, 2, signed=True),
            difference_unit(part.meta.unit), fmt_ci(*t.ols_ci, decimals=2), verdict(*t.ols_ci)))
    if part.change:
        c = part.change
        lines.append(Markup("Förändring {}–{}: {} {} ({}): <strong>{}</strong>.").format(
            c['first'], c['last'], fmt_num(c['estimate'], signed=True), difference_unit(part.meta.unit),
            change_ci_sv(c['ci_low'], c['ci_high']), verdict(c['ci_low'], c['ci_high']) or CANNOT))
    caveats = [w for w in res.warnings if not w.startswith(("Förändringen i ", "Från läsåret 2023/24"))][:1]
    lines += [Markup('<span class="fgte-note">{} (Mer i bilagan.)</span>').format(_first_sentence(w))
              for w in caveats]
    if len(ind.headline) > 1:
        lines.append(Markup('<span class="fgte-note">Diagrammet visar {}; övriga serier står i bilagan.</span>')
                     .format(part.meta.title_sv.lower()))
    return render("indicator_block.html.j2", **block, lines=lines, caption=part.meta.caption,
                  src=plots.indicator_figure_uri(res), alt=_alt(ind, res, year),
                  data_table=html(_data_table(res)))


def series_end_note_html(series_id: str, last_year: int, year: int) -> str:
    """Where a series ends before the report year: the latest year with data and the command that fills it.

    Kolada series that end where the shipped data end have newer values at Kolada (`fgte data update`); one that
    ends later has been updated already, so newer values wait for Kolada's next publication. Skolverket series
    come with a downloaded export (`fgte data add`). Empty when the series reaches the report year.
    """
    if last_year >= year:
        return ""
    text = f"Senaste år med data: {last_year}."
    cmd = Markup("<code>{}</code>").format(catalogue.UPDATE_COMMAND)
    if catalogue.series(series_id).source != "kolada":
        more = ("Nyare värden kommer från Skolverket: ladda ned exporten och registrera den med "
                "<code>fgte data add FIL</code>.")
    elif last_year <= KOLADA_DUMP_LAST_YEAR:
        more = f"Nyare värden finns hos Kolada; kör {cmd} för att hämta dem."
    else:
        more = f"Kolada hade inga nyare värden vid den senaste hämtningen; kör {cmd} igen när nästa år publicerats."
    return str(Markup('<span class="fgte-note">{} {}</span>').format(text, html(more)))


_ABBREVIATIONS = ("exkl.", "inkl.", "t.ex.", "bl.a.", "d.v.s.", "dvs.", "ca.", "s.k.", "resp.")


def _first_sentence(text: str) -> str:
    """The text's first sentence (a full stop after an abbreviation such as 'exkl.' does not end it)."""
    start = 0
    while True:
        i = text.find(". ", start)
        if i < 0:
            return text
        if not any(text[: i + 1].endswith(a) for a in _ABBREVIATIONS):
            return text[: i + 1]
        start = i + 2


def fordjupning_indicators_html(results: dict, year: int) -> str:
    blocks = [indicator_block_html(ind, results.get(ind.id), year) for ind in catalogue.INDICATORS]
    return f'<section><h2>Fördjupning: de {len(blocks)} indikatorerna</h2>' + "".join(blocks) + "</section>"


def _sensitivity_cell(st, municipality_id: str) -> str:
    rows = st.sensitivity(municipality_id)
    return "; ".join(f"{r['name']}: {r['direction']}" for r in rows) or "inga"


def interventions_html(municipality_id: str, year: int) -> str:
    """Registered interventions: the primary design's verdict per indicator in words, with the minimum
    detectable effect, the sensitivity designs' direction beside it and the event-study figure; numbers of
    every design go to the bilaga."""
    name = mun.name_of(municipality_id)
    studies = intervention_studies(municipality_id, year)
    out = ['<section><h2>Insatser</h2>']
    if not studies:
        out.append(Markup("<p>Inga insatser är registrerade för {}.</p></section>").format(name))
        return "".join(out)
    by_entry: dict = {}
    for entry, ind_id, st, whole in studies:
        by_entry.setdefault(entry.id, (entry, []))[1].append((ind_id, st, whole))
    for entry, items in by_entry.values():
        intervention = dict(name=entry.name, description=entry.description)
        if entry.first_treated_year is None:
            out.append(render("intervention.html.j2", **intervention, no_start=True, note=entry.note or ""))
            continue
        rows, figure = [], None
        for ind_id, st, whole in items:
            ind = catalogue.indicator(ind_id)
            if isinstance(st, DataMissing):
                rows.append([ind.title_sv, "saknas", str(st), ""])
                continue
            window = f"{st.window[0]}–{st.window[1]}" if st.window else ""
            sentence = st.headline_verdict(municipality_id)[1]
            if whole is not None and whole.primary() is not None:
                sentence += f" Hela {entry.name}: {whole.headline_verdict()[1]}"
            rows.append([ind.title_sv, window, sentence, _sensitivity_cell(st, municipality_id)])
            es = st.event_study(municipality_id)
            if figure is None and es is not None and es.status.ok:
                figure = (ind, es)
        table = _table(f"Före och efter {entry.first_treated_year}, jämfört med riket",
                       ["Indikator", "År som används", "Huvudresultat", "Känslighetsanalyser"], rows)
        img = ""
        if figure is not None:
            ind, es = figure
            img = render("figure.html.j2", src=plots.figure_data_uri(es.plot()),
                         alt=(f"Diagram: effekten per år sedan starten {entry.first_treated_year} för "
                              f"{mun.name_of(municipality_id)}, {ind.title_sv.lower()}, jämfört med riket, med 95 % "
                              "intervall."),
                         caption="Effekt per år jämfört med kommuner av liknande storlek i hela landet. Åren före "
                                 "starten ska ligga nära noll. Strecken visar 95 % intervall.")
        out.append(render("intervention.html.j2", **intervention, no_start=False, table=html(table),
                          figure=html(img)))
    out.append("</section>")
    return "".join(out)


def gap_block_html(municipality_id: str, year: int, models: GapModels | None = None) -> str:
    """Fördjupning: the merit-value gap over the years as a figure with its sentence; every year in the bilaga.
    ``models``: the report's gap models (computed here when not given)."""
    models = models if models is not None else gap_models(municipality_id, year)
    out = ['<section><h2>Gapet mellan förutsättningar och resultat</h2>']
    res = None if isinstance(models.merit, DataMissing) else models.merit
    out.append(gap_sentence_html(models))
    if res is not None:
        table = res.data()
        ok = table[table["status"] == "ok"]
        spread = (ok["pi_high"].iloc[-1] - ok["pi_low"].iloc[-1]) / 2
        out.append(f"<p>Kommuner med liknande elever brukar ligga upp till ±{fmt_num(spread, 0)} poäng från det "
                   "förväntade: så olika är kommunerna, inte så osäker är mätningen av gapet (grått band i "
                   "diagrammet).</p>")
        alt = (f"Diagram: avvikelsen från modellberäknat meritvärde i {mun.name_of(municipality_id)} "
               f"{int(ok['year'].min())}–{int(ok['year'].max())} med 95 % intervall för gapet; senast "
               f"{fmt_num(ok['residual'].iloc[-1], signed=True)} poäng ({int(ok['year'].iloc[-1])}).")
        out.append(render("figure.html.j2", src=plots.figure_data_uri(res.plot()), alt=alt,
                          caption="Avvikelse = faktiskt minus modellberäknat värde. Noll betyder samma resultat som "
                                  "kommuner med liknande elever fick samma år. Ingen rangordning."))
        rows = [[str(int(r.year)), fmt_num(r.actual), fmt_num(r.expected), fmt_num(r.residual, signed=True),
                 f"{fmt_num(r.gap_low, signed=True)} till {fmt_num(r.gap_high, signed=True)}",
                 f"{fmt_num(r.residual_low, signed=True)} till {fmt_num(r.residual_high, signed=True)}",
                 fmt_num(r.official_deviation, signed=True)] for r in ok.itertuples()]
        out.append("<details><summary>Siffrorna i diagrammet</summary>" + _table(
            "Meritvärde åk 9: faktiskt, modellberäknat och avvikelse per år",
            ["År", "Faktiskt", "Modellberäknat", "Gapet", "95 % intervall för gapet",
             "Här brukar kommuner med liknande elever ligga (95 %)", "Koladas avvikelse"],
            rows, "fgte-data") + "</details>")
    out.append("<p class=\"fgte-note\">Modellen, varje år, alla kommunala skolformers mått och andra gapmått "
               "(flickor och pojkar, nyanlända, spridning mellan skolor) står i bilagan.</p></section>")
    return "".join(out)


def soft_values_html(municipality_id: str, year: int) -> str:
    """Soft values: the municipality's own files if any (escaped), else a pointer; never compared."""
    from . import soft_values

    values = dict(name=mun.name_of(municipality_id), error=None, lines=None)
    if soft_values.local_files(municipality_id):
        try:
            res = soft_values.soft_progression(municipality_id, year=year)
        except soft_values.SoftValueFileError as exc:  # a broken local file affects this section only
            return render("soft_values.html.j2", **{**values, "error": str(exc)})
        return render("soft_values.html.j2", **{**values, "lines": res.summary_sv().split("\n")})
    return render("soft_values.html.j2", **values)


# ---------------------------------------------------------------- the regional overview's first page
def regional_summary_html(regs: dict, municipality_ids: list[str], year: int) -> str:
    """One table: per indicator the group's latest value and each member's trend word, members in code order."""
    ids = sorted(municipality_ids)
    header = ["Indikator", "Gruppen"] + [mun.name_of(m) for m in ids]
    rows = []
    n_words = 0
    for ind in catalogue.INDICATORS:
        reg = regs.get(ind.id)
        name = f"{ind.number}. {ind.title_sv}"
        if reg is None:
            rows.append([name, "saknas"] + [""] * len(ids))
            continue
        agg = reg.aggregate.dropna(subset=["value"])
        group = (f"{fmt_num(agg['value'].iloc[-1])} {short_unit(ind.unit)} ({int(agg['year'].iloc[-1])})"
                 if len(agg) else "saknas")
        cells = []
        by_id = {r.municipality_id: r for r in reg.results}
        for m in ids:
            r = by_id.get(m)
            trend = next((p.trend for p in r.parts if p.trend), None) if r else None
            word = verdict(*trend.ols_ci) if trend else ""
            n_words += bool(word)
            cells.append(Markup('<span aria-hidden="true">{}</span> {}').format(ARROWS.get(word, ''), word)
                         if word else "saknas")
        rows.append([name, group] + cells)
    return ('<section><h2>Sammanfattning</h2><p>Varje kommuns egen trend i indikatorn, med samma prövade omdömen '
            "som i årsrapporterna: <strong>säker ökning</strong> eller <strong>säker minskning</strong> bara där "
            "testet larmar falskt högst omkring 5 gånger av 100, annars <strong>kan vara slump</strong>. Kommunerna "
            "står i kodordning; tabellen är ingen rangordning.</p>"
            + _table(f"Trend per kommun och indikator, data till och med {year}", header, rows, "fgte-summary")
            + reading_box_html(n_words, "översikten") + "</section>")


def set_studies_html(municipality_ids, year: int) -> str:
    """The regional overview's headline: each registered intervention of several municipalities in the group,
    tested as a set against the country (the collaboration's own unit), with the set's event-study figure."""
    from .intervention_study import set_studies

    items = set_studies(municipality_ids, year)
    if not items:
        return ""
    out, figure = ['<section><h2>Insatsen som helhet</h2>'], None
    rows = []
    for entry, ind_id, st in items:
        ind = catalogue.indicator(ind_id)
        if isinstance(st, DataMissing):
            rows.append([entry.name, ind.title_sv, "", str(st)])
            continue
        window = f"{st.window[0]}–{st.window[1]}" if st.window else ""
        rows.append([entry.name, ind.title_sv, window, st.headline_verdict()[1]])
        es = st.event_study()
        if figure is None and es is not None and es.status.ok:
            figure = (entry, ind, es)
    out.append("<p>Kommunerna i insatsen tillsammans, jämförda med riket och prövade mot grupper av kommuner med "
               "samma storlek (en jämförbar kommun per medlem). Det är samarbetets eget huvudresultat.</p>")
    out.append(_table(f"Insatsen som helhet, data till och med {year}", ["Insats", "Indikator", "År som används",
                                                                         "Huvudresultat"], rows))
    if figure is not None:
        entry, ind, es = figure
        alt = (f"Diagram: effekten per år sedan starten {entry.first_treated_year} för {entry.name} som helhet och "
               f"för varje medlem, {ind.title_sv.lower()}, jämfört med riket, med 95 % intervall.")
        out.append(render("figure.html.j2", src=plots.figure_data_uri(es.plot()), alt=alt,
                          caption="Svart: gruppen som helhet; grått: varje medlem. Åren före starten ska ligga nära "
                                  "noll."))
    return "".join(out) + "</section>"


def study_summary_html(studies: list, intervention_name: str) -> str:
    """The intervention study's first page: the set's primary verdict per indicator (the collaboration's own
    unit), then each member's, with the sensitivity designs' direction beside it."""
    rows = []
    for st in studies:
        what = st.indicator.title_sv if st.indicator else st.series_id
        window = f"{st.window[0]}–{st.window[1]}" if st.window else ""
        members = list(st.treated)
        if not members:
            rows.append([what, window, "", "; ".join(st.skipped) or st.status.sv(), ""])
            continue
        if len(members) > 1:
            rows.append([what, window, Markup("<strong>Hela {}</strong>").format(intervention_name),
                         st.headline_verdict()[1], _sensitivity_cell(st, None)])
        for m in members:
            rows.append([what, window, mun.name_of(m), st.headline_verdict(m)[1], _sensitivity_cell(st, m)])
    return ('<section><h2>Sammanfattning</h2><p>Före och efter insatsens start, jämfört med hur kommuner av '
            "liknande storlek i hela landet rörde sig samma år. Huvudresultatet är det enda omdömet; övriga metoder "
            "är känslighetsanalyser som visar om de pekar åt samma håll.</p>"
            + _table(f"Huvudresultat: {intervention_name}", ["Indikator", "År som används", "Kommun",
                                                                    "Huvudresultat", "Känslighetsanalyser"], rows)
            + "</section>")
