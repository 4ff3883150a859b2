# ---
# jupyter:
#   fgte:
#     title_template: "Insatsstudie \u2013 {intervention}"
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
intervention = "samverkan-haparanda"  # id i params/interventions.yaml
indicators = ["ak9_merit", "ak9_alla", "ak3_np"]
designs = ["country", "event_study", "its", "did", "synth"]
year = 2025

# %%
import warnings

import matplotlib.pyplot as plt
from IPython.display import HTML, display

import fgte_research as fr
from fgte_research import annual, municipalities as mun, plots, sections
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
from fgte_research import interventions as iv
from fgte_research.intervention_study import study
entry = iv.get_intervention(intervention)
# every string from params/interventions.yaml is escaped by the template: the registry is a file users edit
display(HTML(sections.to_html(sections.intervention_title(entry))))

# %% [markdown]
# Huvudresultatet är jämförelsen med riket (kommuner av liknande storlek); övriga designer är känslighetsanalyser och visas sida vid sida med sina varningar. Med 5–15 årliga värden är osäkerheten stor; en skillnad som inte är statistiskt säkerställd betyder inte att insatsen saknat effekt, bara att datan inte kan visa den.

# %%
# every indicator first, so that the summary opens the report
studies = [study(intervention, ind_id, year, designs=tuple(designs)) for ind_id in indicators]
display(HTML(annual.study_summary_html(studies, entry.name)))

# %% [markdown]
# <div class="fgte-bilaga"></div>
#
# ## Bilaga: metod för metod
#
# Varje indikator med alla metoder, deras siffror och varningar. Sammanfattningen ovan bygger på dessa.

# %%
for st in studies:
    display(HTML(sections.to_html(sections.study(st.title_sv, st.summary_sv(), level=3))))
    for res in st.results:
        if res.design in ('country', 'event_study', 'synth', 'its') and res.status.ok:  # none for what cannot be assessed
            plots.show(res.plot(), alt=f"Diagram: {res.title_sv}, observerat mot jämförelsen för "
                                       f"{res.municipality_name}. Siffrorna står i texten ovanför.")

# %% [markdown]
# ### Samlad tabell
#
# En rad per skattning: design, storhet, skattning och 95 % intervall. Bara rader med ett kalibrerat test har ett
# omdöme; övriga är beskrivande.

# %%
from fgte_research.tables import etable
display(etable(studies).style.hide(axis="index").set_caption("Alla skattningar, metod för metod"))

# %%
display(HTML(sections.to_html(sections.provenance({'intervention': intervention, 'indicators': indicators, 'designs': designs}))))
