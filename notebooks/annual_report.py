# ---
# jupyter:
#   fgte:
#     precompute: annual
#     title_template: "\xC5rsrapport {year} \u2013 {name}"
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
# Parametrar (papermill ersätter dem)
municipality = "1380"  # kommunkod
year = 2025  # rapportår (vårtermin)
comparison_group = "grundskola"  # Koladas liknande kommuner: grundskola (gymnasiegrupper för gymnasiets indikatorer), gymnasieskola eller socioekonomi

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

import fgte_research as fr
from fgte_research import annual, municipalities as mun, plots, report
from fgte_research.contract import DataMissing, escape_markdown_text
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
municipality_id = mun.resolve(municipality)
name = mun.name_of(municipality_id)
display(Markdown(f"# Årsrapport {year} – {name}\n\n*From Great to Excellent: uppföljning av kommunens egen "
                 f"utveckling. Rapportår {year}: inget värde efter {year} används, och varje värde står med sitt "
                 "år (flera källor slutar tidigare).*"))

# %%
# every indicator up to the report year, computed once; change counted from the intervention start where registered
results = annual.results_for(municipality_id, year, comparison_group)
display(HTML(annual.kommunsammanfattning_html(municipality_id, year, results)))

# %%
display(HTML(annual.fordjupning_indicators_html(results, year)))

# %%
display(HTML(annual.gap_block_html(municipality_id, year)))

# %%
display(HTML(annual.soft_values_html(municipality_id, year)))

# %%
display(HTML(annual.interventions_html(municipality_id, year)))

# %% [markdown]
# <div class="fgte-bilaga"></div>
#
# ## Metod- och databilaga
#
# Här står det som stödjer rapporten: modellerna och deras specifikation, varje år för sig, seriebrott, källor och
# de tekniska beteckningarna (serie-id).

# %% [markdown]
# ### Gapet år för år

# %%
display(Markdown(report.gap_section_md(municipality_id, year)))

# %% [markdown]
# ### Insatserna metod för metod

# %%
for entry, ind_id, st, whole in annual.intervention_studies(municipality_id, year):
    if st is None:
        continue
    if isinstance(st, DataMissing):
        display(Markdown(f'{escape_markdown_text(str(st))}'))
        continue
    display(Markdown(f'#### {escape_markdown_text(entry.name)}: {fr.indicator(ind_id).title_sv}\n\n'
                     + escape_markdown_text(st.summary_sv()).replace('\n', '\n\n')))

# %% [markdown]
# ### Mjuka värden i Kolada

# %%
display(Markdown(report.soft_values_md(municipality_id, year)))

# %% [markdown]
# ### Datanoter

# %%
display(Markdown(report.data_notes_md()))

# %%
display(Markdown(report.provenance_md({'municipality': municipality, 'year': year, 'comparison_group': comparison_group})))
