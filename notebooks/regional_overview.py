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
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import municipalities as mun, plots, report
from fgte_research.contract import DataMissing
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
ids = mun.resolve_set(municipalities)
display(Markdown(f"# Regional översikt {year}\n\n*{len(ids)} kommuner: {', '.join(mun.name_of(m) for m in ids)}. Kommunerna visas i kodordning; ingen rangordning.*"))

# %% [markdown]
# Översikten visar gruppens samlade utveckling (elevviktat där elevtal finns, annars ovägt medel) och varje kommuns egen trend med osäkerhet, jämfört med riket.

# %%
for ind in fr.INDICATORS:
    if not ind.available:
        display(Markdown(f'### {ind.number}. {ind.title_sv}\n\nSaknas: {ind.missing_reason}'))
        continue
    try:
        reg = regional(ind.id, ids, year)
    except DataMissing as exc:
        display(Markdown(f'### {ind.number}. {ind.title_sv}\n\nSaknas: {exc}.'))
        continue
    display(Markdown(f'### {ind.number}. {ind.title_sv}\n\n' + reg.summary_sv().replace('\n', '\n\n')))
    plots.show(reg.plot(), alt=f"Linjediagram: {ind.title_sv} {year} och tidigare för varje kommun i gruppen, "
                               "gruppens samlade värde och riket. Siffrorna står i texten ovanför.")

# %% [markdown]
# ## Datanoter

# %%
display(Markdown(report.data_notes_md()))

# %%
display(Markdown(report.provenance_md({'municipalities': municipalities, 'year': year})))
