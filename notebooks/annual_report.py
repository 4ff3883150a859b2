# ---
# jupyter:
#   fgte:
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
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import municipalities as mun, plots, report
from fgte_research.contract import DataMissing, escape_markdown_text
from fgte_research.progression import progression, regional

warnings.filterwarnings("ignore", category=FutureWarning)
plots.apply_style()
# %matplotlib inline

# %%
municipality_id = mun.resolve(municipality)
name = mun.name_of(municipality_id)
display(Markdown(f"# Årsrapport {year} – {name}\n\n*From Great to Excellent: uppföljning av kommunens egen utveckling. Kommunkod {municipality_id}.*"))

# %% [markdown]
# ## Sammanfattning

# %%
# every indicator up to the report year, computed once; comparison_group picks Kolada's similar-municipality group
results = report.annual_results(municipality_id, year, comparison_group=comparison_group)
display(Markdown(report.summary_md(municipality_id, year, results=results)))

# %% [markdown]
# ## De 13 indikatorerna
#
# Varje diagram visar kommunen (svart heldragen linje) mot riket och länet. Linjetyp och markör skiljer serierna åt även i gråskala. Ett glapp i linjen betyder att värdet saknas det året; en prickad lodrät linje markerar ett seriebrott.

# %%
plots.show(plots.indicator_grid(results), tight=False)

# %% [markdown]
# ### Utveckling per indikator
#
# Trend per år med 95 % konfidensintervall (OLS och Theil–Sen), förändring mot första jämförbara år och skillnaden mot referenserna det senaste året. En skillnad mot en referens är ett sammanhang, inte en placering.

# %%
for ind in fr.INDICATORS:
    res = results.get(ind.id)
    text = res.summary_sv() if res is not None else f"Saknas: inga värden till och med {year}."
    display(Markdown(f"**{ind.number}. {ind.title_sv}**\n\n" + text.replace("\n", "\n\n")))

# %% [markdown]
# ### Flickor och pojkar
#
# Där källan redovisar kön (Kolada) visas flickors och pojkars värden och skillnaden. Beskrivande: elevtal per kön saknas, så ingen osäkerhet kan beräknas.

# %%
for sid in ['N15505', 'N15419', 'N15436']:
    try:
        res = progression(municipality_id, series=sid, year=year)
    except DataMissing as exc:
        display(Markdown(f'{sid}: saknas ({exc}).'))
        continue
    g = res.parts[0].gender
    if g is None or g.empty:
        display(Markdown(f'{sid}: uppdelning på kön saknas.'))
    else:
        display(Markdown(f'**{res.parts[0].meta.title_sv}** (flickor, pojkar, skillnad)'))
        display(g.tail(6).round(1).set_index('year'))

# %% [markdown]
# ## Gapet mellan förutsättningar och resultat

# %%
display(Markdown(report.gap_section_md(municipality_id, year)))
fig = report.gap_figure(municipality_id, year)
if fig is not None:
    plt.show()

# %% [markdown]
# ## Mjuka värden

# %%
display(Markdown(report.soft_values_md(municipality_id, year)))

# %% [markdown]
# ## Insatser

# %%
from fgte_research.intervention_study import study
entries = report.interventions_for(municipality_id)
if not entries:
    display(Markdown(f'Inga insatser är registrerade för {name} i params/interventions.yaml.'))
for entry in entries:
    display(Markdown(f'### {escape_markdown_text(entry.name)}\n\n{escape_markdown_text(entry.description)}'))
    if entry.first_treated_year is None:
        display(Markdown(f'Startår saknas i registret ({escape_markdown_text(entry.note)}); ingen jämförelse '
                         'före/efter kan göras.'))
        continue
    for ind_id in ['ak9_merit', 'ak3_np', 'gy_examen']:
        st = study(entry.id, ind_id, year, municipalities=[municipality_id], designs=('before_after', 'its', 'synth'))
        display(Markdown(st.summary_sv()))
        synth_res = [r for r in st.results if r.design == 'synth']
        if synth_res:
            synth_res[0].plot()
            plt.show()

# %% [markdown]
# ## Datanoter

# %%
display(Markdown(report.data_notes_md()))

# %%
display(Markdown(report.provenance_md({'municipality': municipality, 'year': year, 'comparison_group': comparison_group})))
