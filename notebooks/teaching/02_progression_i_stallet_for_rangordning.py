# ---
# jupyter:
#   fgte:
#     title: "Progression i st\xE4llet f\xF6r rangordning"
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
# # Progression i stället för rangordning
#
# *Lektionsmaterial, cirka 30 minuter.* FGTE-planen följer varje kommuns **egen utveckling** och sätter
# den i sammanhang med referenser (riket, länet, FGTE-kommunerna, liknande kommuner). Den gör inga
# topplistor. I den här lektionen ser vi varför: placeringar i en lista rör sig mycket av slump, och
# kommuner som låg extremt ett år tenderar att ligga närmare mitten nästa år (*regression mot
# medelvärdet*).
#
# **Lärandemål.** Efter lektionen kan du
# - beskriva en kommuns utveckling med trend, förändring och osäkerhet i stället för med en placering,
# - förklara regression mot medelvärdet och varför den gör topplistor missvisande,
# - avgöra när en förändring är säker och när den ryms i slumpen.

# %% tags=["parameters"]
kommun = "1381"          # Laholm
indikator = "ak9_merit"
basar = None             # basår för förändringen; None = första jämförbara år
ar = (2016, 2025)        # år att visa (första, sista)
referenser = ("riket", "lan", "fgte", "liknande")
rtm_serie = "splice.ak9.merit17.kommunal"
rtm_ar0, rtm_ar1 = 2018, 2019

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import catalogue, municipalities as mun, teaching
from fgte_research.progression import progression
from fgte_research.text_sv import fmt_ci, fmt_num

panel = fr.load_panel()  # hela panelen i långt format: en rad per serie, kommun, år och kön

# %% [markdown]
# ## 1. Kommunen mot sig själv och mot referenser
#
# Figuren visar kommunens värden och referenslinjerna. Texten under figuren räknas fram ur data: förändring
# mot basåret och trend per år, båda med 95-procentigt konfidensintervall (KI), samt skillnaden mot
# varje referens.

# %%
res = progression(kommun, indikator, baseline_year=basar, years=ar, references=referenser, panel=panel)
res.plot(); plt.show()
print(res.summary_sv())

# %%
# tidy() är numerisk; teaching.table visar den med svenska rubriker och decimalkomma
teaching.table(res.tidy(), ["series", "term", "estimate", "ci_low", "ci_high", "years", "method"], decimals=2,
               signed=["estimate"])

# %% [markdown]
# Tabellen ovan är *en kommuns* skattningar med osäkerhet, inte en lista över kommuner. Avstånd till
# referenser är beskrivande skillnader. Två trendmått visas: vanlig regression (OLS) och Theil–Sen, som
# är okänslig för enstaka avvikande år.
#
# **Övning 2.1.** Byt `kommun` till 1380 (Halmstad) och `indikator` till `ak9_alla`. Är trenden
# statistiskt säkerställd? Innehåller intervallet noll? Vad skulle det betyda om det gjorde det, och vad
# betyder det att det inte gör det?

# %% [markdown] tags=["solution"]
# **LÖSNING 2.1:** Om konfidensintervallet för trenden innehåller noll kan vi inte skilja trenden från ingen förändring
# med de år vi har. Det betyder inte att kommunen står still, bara att data inte räcker för att säga
# åt vilket håll den rör sig. Innehåller intervallet inte noll är trenden statistiskt säkerställd.
# Beräkningen nedan skriver ut trenden med intervall.

# %% tags=["solution"]
print("LÖSNING 2.1, beräkning:")
r = progression("1380", "ak9_alla", panel=panel, references=("riket",))
t = r.parts[0].trend
print(f"Trend {t.first_year}–{t.last_year}: {fmt_num(t.ols_slope, 2, signed=True)} per år ({fmt_ci(*t.ols_ci, decimals=2)})")
print("Intervallet innehåller noll:", "ja" if t.ols_ci[0] <= 0 <= t.ols_ci[1] else "nej")

# %% [markdown]
# ## 2. Regression mot medelvärdet, på riktiga data
#
# För alla kommuner: hur långt från kommunsnittet låg kommunen år 0, och hur mycket ändrades värdet
# till år 1? Om värdena bara vore stabil "kvalitet" skulle punkterna ligga kring en vågrät linje. En
# negativ lutning betyder att höga värden i genomsnitt sjunker och låga stiger, vilket är vad slumpen
# (en årskulls sammansättning, provdagens form) ger. Den som toppar en lista ett år faller alltså ofta
# nästa år utan att något försämrats.

# %%
rtm = teaching.regression_to_mean(rtm_serie, rtm_ar0, rtm_ar1, panel=panel)
rtm.plot(highlight=mun.resolve_set("fgte")); plt.show()
print(rtm.summary_sv())
kvar = (1 + rtm.slope, 1 + rtm.ci[1], 1 + rtm.ci[0])
display(Markdown(f"Av en avvikelse från snittet år {rtm_ar0} återstår i genomsnitt **{fmt_num(100 * kvar[0], 0)} %** "
                 f"året efter ({fmt_ci(100 * kvar[2], 100 * kvar[1], decimals=0)})."))

# %% [markdown]
# **Övning 2.2.** Gör samma sak för åk 3 (`rtm_serie = "N15472"`, åren 2018→2019). Blir lutningen mer
# eller mindre negativ än för åk 9? Varför?

# %% [markdown] tags=["solution"]
# **LÖSNING 2.2:** Åk 3-andelarna bygger på färre elever per kommun och mäts med ett enskilt prov, så en större del av
# skillnaderna mellan kommuner är brus. Därför blir lutningen mer negativ: en större del av ett års
# avvikelse försvinner året efter. Jämför lutningarna och deras intervall nedan.

# %% tags=["solution"]
print("LÖSNING 2.2, beräkning:")
for sid, a0, a1 in ((rtm_serie, rtm_ar0, rtm_ar1), ("N15472", 2018, 2019)):
    r = teaching.regression_to_mean(sid, a0, a1, panel=panel)
    print(f"{sid} {a0}→{a1}: lutning {fmt_num(r.slope, 2, signed=True)} ({fmt_ci(*r.ci, decimals=2)}), {r.n} kommuner")

# %% [markdown]
# **Övning 2.3.** Varför undviker FGTE-planen topplistor? Formulera två skäl med stöd i det du sett.

# %% [markdown] tags=["solution"]
# **LÖSNING 2.3:** (1) En placering säger inget om osäkerheten: kommuner med överlappande intervall byter plats av slump.
# (2) Regression mot medelvärdet gör att förra årets toppar och bottnar rör sig mot mitten även utan
# förändring, så listor belönar och straffar slump. (3) En lista jämför kommuner med olika
# förutsättningar; den egna utvecklingen över tid är det kommunen själv kan påverka och följa.

# %% [markdown]
# ## Sammanfattning
#
# Följ kommunens egen progression med osäkerhet, och använd referenser som sammanhang. Nästa lektion:
# hur förutsättningar (föräldrarnas utbildning, andel nyinvandrade) kan tas med i jämförelsen.
