# ---
# jupyter:
#   fgte:
#     title: "F\xF6re och efter en insats"
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
# # Före och efter en insats
#
# *Lektionsmaterial, cirka 40 minuter.* Blev resultaten bättre *på grund av* insatsen? Med 5–15
# årsvärden per kommun är det svårt att veta. Vi jämför fyra upplägg på samma data: enkel före/efter,
# avbruten tidsserie (ITS), jämförelsegrupp (difference-in-differences, DiD) och syntetisk kontroll,
# och avslutar med placebotest.
#
# **Lärandemål.** Efter lektionen kan du
# - förklara vilket antagande var och en av de fyra metoderna vilar på,
# - förklara varför resultaten jämförs med hur landets kommuner rörde sig samma år,
# - använda ett placebotest för att bedöma om en skillnad efter en insats kan vara slump.

# %% tags=["parameters"]
insats = "fgte"          # id i params/interventions.yaml
indikator = "ak3_np"     # åk 3 svenska (första huvudserien): 2010–2022, utan 2020–2021
kommun = "1381"          # en av insatsens kommuner (Laholm)
n_boot = 499             # bootstrap-dragningar i DiD (fler = stabilare p-värde, långsammare)
placebo_serie = "N15419"  # lång Kolada-serie (åk 9 alla ämnen, kommunala skolor) för placebotestet i tid
placebo_ar = 2012         # påhittat startår för placebotestet
placebo_slut = 2016       # sista år: före både insatsen och seriebrottet 2016→2017

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import breaks, catalogue, interventions as iv, municipalities as mun, teaching
from fgte_research.intervention_study import study

panel = fr.load_panel()  # hela panelen i långt format: en rad per serie, kommun, år och kön

# %%
post = iv.get_intervention(insats)
display(Markdown(f"**{post.name}**. Kommuner: {', '.join(mun.name_of(m) for m in post.municipalities)}. "
                 f"Första påverkade år: {post.first_treated_year}."))
for a in post.assumptions:
    print("Antagande:", a.text)

# %%
st = study(insats, indikator, n_boot=n_boot)
# huvudskattningen för varje upplägg och kommun, med bedömning och antal år före och efter starten
huvud = teaching.headline_rows(st)
display(teaching.table(huvud, ["design", "treated", "term", "estimate", "ci_low", "ci_high", "p_value", "verdict",
                               "n_pre", "n_post"], signed=["estimate"]))
for s in st.skipped:
    print("Saknas:", s)


# %% [markdown]
# ## 1. Naiv före/efter
#
# Medelvärdet efter minus medelvärdet före. Allt som hänt under tiden (nya kurser, ändrade prov,
# pandemin, en ny elevsammansättning) tillskrivs insatsen.

# %%
def valj(design, m=kommun):
    """Resultatet för ett upplägg i en av insatsens kommuner (förvalt: parametern kommun)."""
    return next(r for r in st.results if r.design == design and mun.resolve(m) in r.treated)

ba = valj("before_after")
ba.plot(); plt.show()
print(ba.summary_sv())

# %% [markdown]
# ## 2. Avbruten tidsserie (ITS)
#
# En linje anpassas till åren före och förlängs; effekten är avståndet mellan förlängningen och det som
# hände. Med få år före blir förlängningen mycket osäker, vilket syns i intervallet.

# %%
its_res = valj("its")
its_res.plot(); plt.show()
print(its_res.summary_sv())

# %% [markdown]
# ## 3. Jämförelsegrupp (DiD)
#
# Jämför förändringen i insatsens kommuner med förändringen i liknande kommuner utan insatsen. Det
# tar bort sådant som hänt alla kommuner samtidigt, men bygger på antagandet att utvecklingen annars
# skulle ha varit parallell.

# %%
did_res = next(r for r in st.results if r.design == "did")
did_res.plot(); plt.show()
print(did_res.summary_sv())

# %% [markdown]
# ## 4. Syntetisk kontroll och placebotest i rummet
#
# En viktad blandning av kommuner utan insatsen som följer kommunen så nära som möjligt före starten.
# Placebotestet gör samma sak för varje jämförelsekommun, som om den hade fått insatsen: om kommunens
# gap inte sticker ut bland placebogapen är effekten inte säkerställd. Med nästan 300 möjliga
# jämförelsekommuner och bara några år före starten kan blandningen ofta återskapa åren före *exakt*.
# Då går det inte att avgöra om gapet efter starten är ovanligt, och resultatet blir "kan inte bedömas".

# %%
syn = valj("synth")
syn.plot(); plt.show()
syn.plot_placebos(); plt.show()
print(syn.summary_sv())

# %% [markdown]
# ## 5. Placebotest i tiden
#
# Låtsas att insatsen startade tidigare (`placebo_ar`) och använd bara år före den verkliga starten.
# Då borde ingen "effekt" finnas; hittar metoden ändå en, säger det något om hur mycket som kan uppstå av
# slump och trender. Testet görs på en lång serie från Kolada (`placebo_serie`) och bara på år före
# seriebrottet, där definitionen är densamma: då finns tillräckligt många år före den låtsade starten.

# %%
data = teaching.municipal_values(placebo_serie, panel=panel)[["municipality_id", "year", "value"]]
data = data[data["municipality_id"] == mun.resolve(kommun)]
plac = iv.its(data, mun.resolve(kommun), placebo_ar, end_year=placebo_slut,
              break_years=breaks.break_years(placebo_serie),
              municipality_name=mun.name_of(kommun), indicator_name=catalogue.series(placebo_serie).title_sv,
              unit=catalogue.series(placebo_serie).unit)
plac.plot(); plt.show()
print(plac.summary_sv())

# %% [markdown]
# ## 6. Vilka slutsatser kan man dra av 5–15 årsvärden?
#
# Jämför bredden på intervallen mellan uppläggen. Ett brett intervall som innehåller både stora
# förbättringar och stora försämringar betyder att data inte räcker för att avgöra frågan, inte att
# insatsen saknar effekt.

# %%
display(teaching.table(huvud, ["design", "treated", "estimate", "ci_low", "ci_high", "bredd", "n_pre", "n_post"],
                       signed=["estimate"]))
for w in st.warnings[:8]:
    print("Att tänka på:", w)

# %% [markdown]
# **Övning 4.1.** Kör om med `insats = "samverkan-haparanda"`, `kommun = "2583"`. Hur många år efter
# starten finns? Vad säger varningarna?

# %% tags=["solution"]
print("LÖSNING 4.1, beräkning:")
h = study("samverkan-haparanda", indikator, n_boot=n_boot)
display(teaching.table(teaching.headline_rows(h), ["design", "estimate", "ci_low", "ci_high", "verdict", "n_pre",
                                                   "n_post"], signed=["estimate"]))
for w in h.warnings[:6]:
    print("Att tänka på:", w)

# %% [markdown] tags=["solution"]
# **LÖSNING 4.1:** Med ett enda år efter starten och en enda kommun blir intervallen breda och varningarna många.
# Slutsatsen blir att data inte kan avgöra om insatsen haft effekt; det är ett ärligt och användbart svar.

# %% [markdown]
# **Övning 4.2.** Byt `indikator` till `ak9_alla`. Den enhetliga åk 9-serien börjar 2016. Hur många år
# före starten finns då, och vad händer med intervallen för ITS?

# %% tags=["solution"]
print("LÖSNING 4.2, beräkning:")
a9 = study(insats, "ak9_alla", designs=("before_after", "its"), n_boot=n_boot)
display(teaching.table(teaching.headline_rows(a9), ["design", "treated", "estimate", "ci_low", "ci_high", "bredd",
                                                    "verdict", "n_pre", "n_post"], signed=["estimate"]))

# %% [markdown] tags=["solution"]
# **LÖSNING 4.2:** Med bara två år före starten går det inte att skatta en trend före insatsen på ett meningsfullt sätt:
# ITS och syntetisk kontroll svarar därför "kan inte bedömas" (de kräver minst fyra jämförbara år före starten), och
# före/efter-jämförelsen vilar på två år. En längre serie före starten är värd mer än en mer avancerad metod.

# %% [markdown]
# **Övning 4.3.** Varför ger de fyra uppläggen olika svar på samma fråga? Vilket antagande gör varje
# upplägg om vad som *skulle* ha hänt utan insatsen?

# %% [markdown] tags=["solution"]
# **LÖSNING 4.3:** Före/efter antar att inget annat ändrats; ITS att trenden före hade fortsatt; DiD att kommunen hade
# utvecklats parallellt med jämförelsegruppen; syntetisk kontroll att en viktad blandning som följde
# kommunen före starten hade fortsatt följa den. Olika antaganden ger olika kontrafaktiska linjer och
# därmed olika skattningar. När uppläggen pekar åt olika håll och intervallen är breda är den rimliga
# slutsatsen försiktig.
