# ---
# jupyter:
#   fgte:
#     title: Utforska
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

# %% [markdown]
# # Utforska: progression, gap och före/efter
#
# Välj kommun (namn eller kod), nyckeltal, referens och år. Figurerna och texten under reglagen räknas om
# direkt; medan det pågår står det "räknar…". Allt hör till reglaget, så inget annat i anteckningsboken blir
# inaktuellt när du ändrar ett val.
# Under visas gapet mellan förutsättningar och resultat (projektets SALSA-liknande modell,
# `fgte_research.gaps.salsa_gap`, med modellens specifikation och Koladas officiella avvikelse år för år)
# och en snabb före/efter-jämförelse med dess varningar. Inga rangordningar: allt gäller en kommun i taget.

# %% tags=["parameters"]
kommun = "1380"
indikator = "ak9_merit"
referens = "Alla referenser"   # Riket, Länet, FGTE-kommunerna, Liknande kommuner, Alla referenser
ar = (2010, 2025)
insatsar = 2018

# %%
# %matplotlib inline
from fgte_research.explorer import Explorer

utforskare = Explorer(municipality=kommun, indicator=indikator, reference=referens, years=tuple(ar),
                      start_year=insatsar)
utforskare

# %% [markdown]
# ## Så använder du biblioteket
#
# Varje figur ovan kan återskapas med tre rader:

# %%
from fgte_research.progression import progression
res = progression("1380", "ak9_merit")
res.plot();

# %% [markdown]
# Samma resultat som tabell och text: `res.tidy()` och `print(res.summary_sv())`. Gapet:
# `from fgte_research import gaps; g = gaps.salsa_gap("1380", "N15505"); g.data()`. För en insats:
# `from fgte_research.intervention_study import study; st = study("fgte", "ak9_alla"); st.tidy()`.
