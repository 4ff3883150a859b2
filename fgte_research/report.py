"""Building blocks for a researcher's own notebook, in Markdown: the plain-language summary, the overview table,
the gap section, soft values, data notes and the provenance footer (``display(Markdown(report.gap_section_md(…)))``).

The published reports show the same sections as HTML: their words are written once, in :mod:`sections`, and
rendered by ``sections.to_html`` (reports) or ``sections.to_markdown`` (here).
"""

from __future__ import annotations

import pandas as pd

from . import catalogue, sections
from . import municipalities as mun
from .contract import DataMissing
from .annual_results import (  # noqa: F401  (re-exported: notebooks and researchers call report.annual_results …)
    ANNUAL_RESULTS, COMPARISON_GROUPS, GAP_OUTCOMES, SKOLVERKET_ONLY_OUTCOMES, annual_results, annual_results_key,
    gap_models, interventions_for, is_annual_results_of, main_model_last_year, similar_kind_for, simpler_model_gap,
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
    """Series used, populations, breaks and what is missing, for the data-notes section (Markdown of
    :func:`sections.data_notes`, the one source of its words)."""
    return sections.to_markdown(sections.data_notes(indicators))


def provenance_md(parameters: dict) -> str:
    """Footer: data manifest hash, panel content hash, package version, parameters, render date."""
    return sections.to_markdown(sections.provenance(parameters))


def gap_section_md(municipality, year: int, models=None) -> str:
    """The gap section: SALSA-like residuals with their specification, then the other gap proxies (Markdown of
    :func:`sections.gap_section`; ``models`` from :func:`annual_results.gap_models`, computed when not given)."""
    models = models if models is not None else gap_models(mun.resolve(municipality), year)
    return sections.to_markdown(sections.gap_section(models))


#: The shipped Kolada dump (data/raw/kolada, the open-numbers scrape) ends here; newer Kolada values come with
#: `fgte data update`. A fact about the shipped files, not about the data in use.
KOLADA_DUMP_LAST_YEAR = 2022


def gap_figure(municipality, year: int):
    """Figure of the merit-value residual over the years (None when the model cannot be fitted)."""
    from . import gaps

    try:
        return gaps.salsa_gap(mun.resolve(municipality), "N15505", year).plot()
    except DataMissing:
        return None


def soft_values_md(municipality, year: int) -> str:
    """The municipality's own soft-value files (up to ``year``) and the Kolada skolenkät values (Markdown of
    :func:`sections.soft_values`)."""
    return sections.to_markdown(sections.soft_values(mun.resolve(municipality), year))
