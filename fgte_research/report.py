"""Building blocks the report notebooks display: the plain-language summary, data notes, provenance footer.

They return Markdown strings (Swedish) so a notebook cell is one call: ``display(Markdown(...))``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import __version__, breaks, catalogue
from . import municipalities as mun
from . import store
from .contract import DataMissing, escape_markdown_text
from .annual_results import (  # noqa: F401  (re-exported: notebooks and researchers call report.annual_results …)
    ANNUAL_RESULTS, COMPARISON_GROUPS, GAP_OUTCOMES, SKOLVERKET_ONLY_OUTCOMES, annual_results, annual_results_key,
    interventions_for, is_annual_results_of, main_model_last_year, similar_kind_for, simpler_model_gap,
)
from .text_sv import fmt_num
from .verdicts import DECREASE, INCREASE, verdict


def overview_table(municipality, year: int, panel: pd.DataFrame | None = None, results: dict | None = None
                   ) -> pd.DataFrame:
    """One row per indicator's headline series: latest value up to ``year``, trend and its interval.

    Ordered by indicator number; there is no rank column.
    """
    municipality_id = mun.resolve(municipality)
    if results is None:
        results = annual_results(municipality_id, year, panel)
    rows = []
    for ind in catalogue.INDICATORS:
        if not ind.available or ind.id not in results:
            reason = ind.missing_reason if not ind.available else f"inga värden till och med {year}"
            rows.append({"nr": ind.number, "indikator": ind.title_sv, "serie": "–", "senaste_år": None,
                         "värde": None, "trend_per_år": None, "ki_låg": None, "ki_hög": None,
                         "kommentar": "saknas: " + (reason or "")})
            continue
        for part in results[ind.id].parts:
            own = part.own[(part.own["year"] <= year)].dropna(subset=["value"])
            t = part.trend
            rows.append({
                "nr": ind.number, "indikator": ind.title_sv, "serie": part.series_id,
                "senaste_år": int(own["year"].iloc[-1]) if not own.empty else None,
                "värde": float(own["value"].iloc[-1]) if not own.empty else None,
                "trend_per_år": t.ols_slope if t else None, "ki_låg": t.ols_ci[0] if t else None,
                "ki_hög": t.ols_ci[1] if t else None,
                "kommentar": "" if not own.empty else "saknas: inga publicerade värden",
            })
    return pd.DataFrame(rows)


def summary_md(municipality, year: int, panel: pd.DataFrame | None = None, results: dict | None = None) -> str:
    """The plain-language summary at the top of the annual report."""
    municipality_id = mun.resolve(municipality)
    name = mun.name_of(municipality_id)
    table = overview_table(municipality_id, year, panel, results)
    words = [verdict(lo, hi) if lo is not None and hi is not None else "" for lo, hi in
             zip(table["ki_låg"], table["ki_hög"])]
    up = table[[w == INCREASE for w in words]]
    down = table[[w == DECREASE for w in words]]
    missing = table[table["värde"].isna()]
    stale = table[table["senaste_år"].notna() & (table["senaste_år"] < year)]
    lines = [f"**{name} {year}.** Rapporten följer kommunens egen utveckling i FGTE:s {len(catalogue.INDICATORS)} indikatorer, "
             f"jämfört med kommunens tidigare år och med riket, länet, FGTE-kommunerna och liknande kommuner. "
             f"Jämförelserna är sammanhang, inte rangordning."]
    if len(up):
        lines.append("- **Säker uppåtgående trend:** " + "; ".join(
            f"{r.indikator.lower()} ({fmt_num(r.trend_per_år, 2, signed=True)} per år)" for r in up.itertuples()) + ".")
    if len(down):
        lines.append("- **Säker nedåtgående trend:** " + "; ".join(
            f"{r.indikator.lower()} ({fmt_num(r.trend_per_år, 2, signed=True)} per år)" for r in down.itertuples())
            + ".")
    flat = len(table) - len(up) - len(down) - len(missing)
    lines.append(f"- **Utan säker riktning:** {flat} serier, där förändringarna ryms inom den osäkerhet som "
                 f"årskullarnas variation ger.")
    if len(missing):
        lines.append("- **Saknas:** " + "; ".join(f"{r.nr}. {r.indikator}" for r in missing.itertuples())
                     + " (se datanoterna).")
    if len(stale):
        years = sorted({int(y) for y in stale["senaste_år"]})
        lines.append(f"- **Äldre data:** {len(stale)} serier har inga värden för {year}; senaste år är "
                     f"{', '.join(map(str, years))}" + (" (Kolada-uttaget slutar 2022)." if year > 2022 else "."))
    lines.append("\nEn trend räknas som säker när hela 95-procentsintervallet ligger på samma sida om noll. "
                 "Intervallet "
                 "tar hänsyn till att ett års resultat ofta liknar föregående års; prövat på alla landets kommuner "
                 "ger det ett falskt \"säker\" i omkring 5 av 100 fall där inget hänt. Små kommuner och "
                 "gymnasievärden svänger mycket mellan åren.")
    return "\n".join(lines)


def data_notes_md(indicators=None) -> str:
    """Series used, populations, breaks and what is missing, for the data-notes section."""
    inds = [catalogue.indicator(i) for i in indicators] if indicators else list(catalogue.INDICATORS)
    lines = []
    for ind in inds:
        if not ind.available:
            lines.append(f"- **{ind.number}. {ind.title_sv}** — saknas. {ind.missing_reason}")
            continue
        used = ", ".join(f"{sid} ({catalogue.series(sid).population})" for sid in ind.headline)
        lines.append(f"- **{ind.number}. {ind.title_sv}** — serie: {used}. " + " ".join(ind.caveats))
    lines.append("\n**Registrerade seriebrott**")
    for b in breaks.BREAKS:
        ids = escape_markdown_text(", ".join(b.series[:6]))  # "skv.ak9.*" is a pattern, not emphasis
        lines.append(f"- {b.before}→{b.after} ({ids}{' …' if len(b.series) > 6 else ''}): {b.text_sv}")
    lines.append("\nPrickade värden (..), saknade värden (.) och avrundade värden (~100) visas som 'saknas' och "
                 "blir aldrig siffror. Åren är vårterminer (2018 = läsåret 2017/18).")
    return "\n".join(lines)


def provenance_md(parameters: dict) -> str:
    """Footer: data manifest hash, panel content hash, package version, parameters, render date."""
    from .build import read_build_manifest

    manifest = read_build_manifest() or {}
    raw_hash = manifest.get("manifest_sha256", "saknas")[:16]
    registry_hash = (store.registry_digest() or "saknas")[:16]
    params = escape_markdown_text(", ".join(f"{k} = {v!r}" for k, v in parameters.items()))
    return ("---\n**Proveniens.** "
            f"Rådatamanifest (data/raw/MANIFEST.csv) sha256 {raw_hash}: manifestet står för varje indatafil, "
            "eftersom det listar varje fils kontrollsumma och bygget vägrar filer som saknas i det; "
            f"insatsregistret (params/interventions.yaml) sha256 {registry_hash}; "
            f"panelens innehållshash {manifest.get('content_hash', 'saknas')[:16]}; "
            f"fgte-research {__version__}; parametrar: {params}; renderad {date.today().isoformat()}. "
            "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning.")






def _paragraphs(text: str) -> str:
    return text.replace("\n", "\n\n")


def gap_section_md(municipality, year: int) -> str:
    """The gap section: SALSA-like residuals with their specification, then the other gap proxies."""
    from . import gaps

    municipality_id = mun.resolve(municipality)
    out = [f"Avser år till och med {year}. "
           "Gapet mellan förutsättningar och resultat uppskattas med en SALSA-liknande modell: varje år förklaras "
           "kommunernas resultat med elevernas bakgrund, och avvikelsen är faktiskt minus modellberäknat värde. "
           "En avvikelse är ingen rangordning: den blandar skolans arbete med allt modellen inte mäter."]
    for outcome in GAP_OUTCOMES:
        title = catalogue.series(outcome).title_sv
        try:
            res = gaps.salsa_gap(municipality_id, outcome, year)
        except DataMissing as exc:
            out.append(f"#### {title}\n\nSaknas: {exc}")
            continue
        out.append(f"#### {title}\n\n{_paragraphs(res.summary_sv())}")  # the summary ends with the model
    if year > main_model_last_year():
        out.append(_skolverket_only_md(municipality_id, year))
    for label, call in (("Flickor och pojkar", lambda: gaps.gender_gap(municipality_id, "N15419", year)),
                        ("Med och utan nyanlända", lambda: gaps.newly_arrived_gap(municipality_id, year)),
                        ("Spridning mellan skolor", lambda: gaps.school_spread(municipality_id, year))):
        try:
            out.append(f"#### {label}\n\n{_paragraphs(call().summary_sv())}")
        except DataMissing as exc:
            out.append(f"#### {label}\n\nSaknas: {exc}")
    return "\n\n".join(out)


#: The shipped Kolada dump (data/raw/kolada, the open-numbers scrape) ends here; newer Kolada values come with
#: `fgte data update`. A fact about the shipped files, not about the data in use.
KOLADA_DUMP_LAST_YEAR = 2022


def _skolverket_only_md(municipality_id: str, year: int) -> str:
    """Years after Kolada's covariates end: the Skolverket-only model, with its own accuracy stated."""
    from . import gaps

    last = main_model_last_year()
    out = [f"#### {last + 1}–{year}: modell med bara Skolverkets uppgifter",
           f"Koladas bakgrundsuppgifter i projektets data slutar {last}. För senare år används en enklare modell med "
           "bara Skolverkets uppgifter om eleverna i åk 9 (föräldrarnas utbildning, andel pojkar, andel med utländsk "
           "bakgrund). Den är mindre träffsäker än huvudmodellen; hur träffsäker står vid varje mått."]
    for outcome in SKOLVERKET_ONLY_OUTCOMES:
        title = catalogue.series(outcome).title_sv
        median, lowest = gaps.skolverket_only_accuracy(outcome)
        accuracy = (f"Träffsäkerhet: modellens avvikelser 2017–2022 följer Koladas officiella med korrelationen "
                    f"{fmt_num(median, 2)} (lägst {fmt_num(lowest, 2)}; 1 vore exakt samma).")
        try:
            res = simpler_model_gap(municipality_id, outcome, year)
        except DataMissing as exc:
            out.append(f"**{title}.** Saknas: {exc} {accuracy}")
            continue
        out.append(f"**{title}.** {accuracy}\n\n{_paragraphs(res.summary_sv())}")
    return "\n\n".join(out)


def gap_figure(municipality, year: int):
    """Figure of the merit-value residual over the years (None when the model cannot be fitted)."""
    from . import gaps

    try:
        return gaps.salsa_gap(mun.resolve(municipality), "N15505", year).plot()
    except DataMissing:
        return None


def soft_values_md(municipality, year: int) -> str:
    """The municipality's own soft-value files (up to ``year``) and the Kolada skolenkät values."""
    from . import soft_values

    municipality_id = mun.resolve(municipality)
    out = ["Mjuka värden (trivsel, trygghet, inflytande) väljs lokalt och jämförs inte mellan kommuner; här visas "
           "bara kommunens egen utveckling."]
    if soft_values.local_files(municipality_id):
        try:
            out.append(_paragraphs(escape_markdown_text(soft_values.soft_progression(municipality_id, year=year)
                                                        .summary_sv())))
        except soft_values.SoftValueFileError as exc:  # a broken local file affects this section only
            out.append(f"Kommunens egna uppgifter kunde inte läsas: {escape_markdown_text(str(exc))}.")
    else:
        out.append(f"{mun.name_of(municipality_id)} har inte lämnat egna filer i params/local "
                   f"(`{municipality_id}_<namn>.csv`; formatet beskrivs i `params/local/README.md`).")
    out.append(_paragraphs(soft_values.kolada_soft_values(municipality_id, year).summary_sv()))
    return "\n\n".join(out)
