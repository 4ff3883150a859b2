# ---
# jupyter:
#   fgte:
#     title_template: "Regional \xF6versikt {year}"
#   jupytext:
#     notebook_metadata_filter: fgte,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (fgte-research)
#     language: python
#     name: fgte-research
# ---

# %% tags=["parameters"]
# Parametrar
municipalities = "fgte"  # lista med kommunkoder, en namngiven mängd eller "all"
year = 2025

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import HTML, display

import fgte_research as fr
from fgte_research import annual, municipalities as mun, plots, sections
from fgte_research.contract import DataMissing
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
ids = sorted(mun.resolve_set(municipalities))
display(HTML(sections.to_html(sections.regional_title(ids, year))))

# %%
# every indicator up to the year, computed once; the summary table comes first
regs, missing = {}, {}
for ind in fr.INDICATORS:
    if not ind.available:
        missing[ind.id] = ind.missing_reason
        continue
    try:
        regs[ind.id] = regional(ind.id, ids, year)
    except DataMissing as exc:
        missing[ind.id] = str(exc)
display(HTML(annual.regional_summary_html(regs, ids, year)))
display(HTML(annual.set_studies_html(ids, year)))

# %% [markdown]
# ## Indikatorerna
#
# Gruppens samlade utveckling (elevviktat där elevtal finns, annars ovägt medel) och varje kommuns egen trend med osäkerhet, jämfört med riket.

# %%
for ind in fr.INDICATORS:
    if ind.id not in regs:
        display(HTML(sections.to_html(sections.indicator_section(ind, missing=missing[ind.id]))))
        continue
    reg = regs[ind.id]
    display(HTML(sections.to_html(sections.indicator_section(ind, reg.summary_sv()))))
    plots.show(reg.plot(), alt=f"Linjediagram: {ind.title_sv} {year} och tidigare för varje kommun i gruppen, "
                               "gruppens samlade värde och riket. Siffrorna står i texten ovanför.")

# %% [markdown]
# ## Datanoter

# %%
display(HTML(sections.to_html(sections.data_notes())))

# %%
display(HTML(sections.to_html(sections.provenance({'municipalities': municipalities, 'year': year}))))
