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
from IPython.display import HTML, display

import fgte_research as fr
from fgte_research import annual, municipalities as mun, plots, sections
from fgte_research.contract import DataMissing
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
municipality_id = mun.resolve(municipality)
name = mun.name_of(municipality_id)
display(HTML(sections.to_html(sections.annual_title(municipality_id, year))))

# %%
# every indicator up to the report year, computed once; change counted from the intervention start where registered
results = annual.results_for(municipality_id, year, comparison_group)
gap_models = annual.gap_models(municipality_id, year)  # every gap the report shows, fitted once
display(HTML(annual.kommunsammanfattning_html(municipality_id, year, results, gap_models)))

# %%
display(HTML(annual.fordjupning_indicators_html(results, year)))

# %%
display(HTML(annual.gap_block_html(municipality_id, year, gap_models)))

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
display(HTML(sections.to_html(sections.gap_section(gap_models))))

# %% [markdown]
# ### Insatserna metod för metod

# %%
for entry, ind_id, st, whole in annual.intervention_studies(municipality_id, year):
    if st is None:
        continue
    if isinstance(st, DataMissing):
        display(HTML(sections.to_html([sections.para(str(st))])))
        continue
    display(HTML(sections.to_html(sections.study(f'{entry.name}: {fr.indicator(ind_id).title_sv}', st.summary_sv()))))

# %% [markdown]
# ### Mjuka värden i Kolada

# %%
display(HTML(sections.to_html(sections.soft_values(municipality_id, year))))

# %% [markdown]
# ### Datanoter

# %%
display(HTML(sections.to_html(sections.data_notes())))

# %%
display(HTML(sections.to_html(sections.provenance({'municipality': municipality, 'year': year, 'comparison_group': comparison_group}))))
