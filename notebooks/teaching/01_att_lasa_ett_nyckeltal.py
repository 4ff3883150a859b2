# ---
# jupyter:
#   fgte:
#     title: "Att l\xE4sa ett nyckeltal"
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
# # Att läsa ett nyckeltal
#
# *Lektionsmaterial, cirka 30 minuter.* Innan vi säger att en kommun "gått framåt" behöver vi veta
# **vad** siffran mäter, **vilka elever** den gäller, **när den saknas** och **hur mycket den brusar**.
# All data i anteckningsboken är verklig (Kolada och Skolverket). Ändra parametrarna i cellen nedan och
# kör om hela anteckningsboken (*Run → Run All Cells*). Tabellerna visar talen med decimalkomma, och ett
# värde som saknas står som "saknas".
#
# **Lärandemål.** Efter lektionen kan du
# - förklara vilken elevgrupp ett nyckeltal gäller (kommunala skolor, hemkommun eller samtliga) och varför
#   de ger olika värden för samma kommun,
# - känna igen ett värde som saknas, är prickat eller avrundat, och förklara varför det aldrig ersätts med en
#   gissning,
# - bedöma hur mycket ett nyckeltal varierar mellan åren av slump, särskilt i små kommuner, och vad ett
#   seriebrott betyder för en jämförelse över tid.

# %% tags=["parameters"]
kommun = "1380"          # kommunkod med fyra tecken (Halmstad)
liten_kommun = "2403"    # en liten kommun (Bjurholm)
stor_kommun = "1480"     # en stor kommun (Göteborg)
indikator = "ak9_merit"  # se tabellen nedan, kolumnen Id
serie_kommunal = "N15505"   # åk 9 meritvärde, kommunala skolor (Kolada)
serie_hemkommun = "N15507"  # samma mått, elever folkbokförda i kommunen (Kolada)
brus_serie = "N15472"       # åk 3 alla delprov i svenska, hemkommun

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
# ## 1. Vad mäter nyckeltalen?
#
# FGTE-planen följer tretton nyckeltal. Tabellen visar vilken serie som mäter vart och ett och vilken
# population serien gäller. Två av nyckeltalen saknar kommunal serie i projektets data; de står kvar
# med "saknas" i stället för att tas bort.

# %%
teaching.table(teaching.indicators(), ["nr", "id", "indikator", "skolstadium", "enhet", "serier", "population"])

# %%
ind = fr.indicator(indikator)
display(Markdown(f"**{ind.number}. {ind.title_sv}.** Enhet: {ind.unit}. "
                 f"Huvudserie: `{', '.join(ind.headline) or 'saknas'}`."))
for caveat in ind.caveats:
    print("•", caveat)

# %% [markdown]
# ## 2. Samma mått, olika populationer
#
# *Kommunala skolor* är eleverna i kommunens egna skolor, oavsett var de bor. *Hemkommun* är eleverna
# som är folkbokförda i kommunen, oavsett om de går i kommunal eller fristående skola. *Samtliga* är
# alla elever i skolor i kommunen. FGTE arbetar genom kommunens egna skolor, därför används kommunala
# skolor där det går. Här är samma meritvärde i två populationer, sida vid sida.

# %%
par = teaching.population_pair(kommun, serie_kommunal, serie_hemkommun, panel=panel)
# talen i par är numeriska; teaching.table gör en kopia med svenska rubriker och decimalkomma för visning
display(teaching.table(par, {"år": "År",
                             serie_kommunal: f"{catalogue.series(serie_kommunal).population.capitalize()} ({serie_kommunal})",
                             serie_hemkommun: f"{catalogue.series(serie_hemkommun).population.capitalize()} ({serie_hemkommun})",
                             "skillnad": "Skillnad"}, signed=["skillnad"]))
skillnad = teaching.mean_ci(par["skillnad"])
display(Markdown(
    f"I {mun.name_of(kommun)} är medelskillnaden (kommunala skolor − hemkommun) "
    f"**{fmt_num(skillnad['mean'], signed=True)}** meritvärdespoäng över {skillnad['n']} år "
    f"({fmt_ci(skillnad['ci_low'], skillnad['ci_high'])}; intervallet beskriver variationen mellan åren)."))
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for sid in (serie_kommunal, serie_hemkommun):
    ax.plot(par["år"], par[sid], marker="o", label=catalogue.series(sid).title_sv)
ax.set_xlabel("År (vårtermin)"); ax.set_ylabel("Meritvärde"); ax.legend(fontsize=7, frameon=False)
ax.set_title(mun.name_of(kommun), fontsize=10)
fig.text(0.01, 0.005, "Bearbetning av data från Kolada", fontsize=7)
plt.show()

# %% [markdown]
# **Övning 1.1.** Byt `kommun` till en annan FGTE-kommun (1384 Kungsbacka, 1383 Varberg, 1381 Laholm,
# 1315 Hylte). Har skillnaden mellan populationerna samma tecken? Vad kan förklara att kommunala skolor
# och hemkommun skiljer sig åt i en kommun med många fristående skolor?

# %% [markdown] tags=["solution"]
# **LÖSNING 1.1:** Skillnaden beror på vilka elever som går i fristående skolor och vilka elever från andra kommuner som
# går i kommunens skolor. Där många elever med studievana föräldrar väljer fristående skolor blir
# *kommunala skolor* lägre än *hemkommun*. Beräkningen nedan visar medelskillnaden för alla FGTE-kommuner;
# poängen är att man alltid måste ange population innan man jämför två siffror.

# %% tags=["solution"]
print("LÖSNING 1.1, beräkning:")
for m in mun.resolve_set("fgte"):
    d = teaching.mean_ci(teaching.population_pair(m, serie_kommunal, serie_hemkommun, panel=panel)["skillnad"])
    print(f"{mun.name_of(m)}: {fmt_num(d['mean'], signed=True)} ({fmt_ci(d['ci_low'], d['ci_high'])})")

# %% [markdown]
# ## 3. Prickade och avrundade värden
#
# Skolverket visar inte värden som bygger på för få elever (*prickat*, status `suppressed`) och visar
# vissa andelar nära 100 bara ungefärligt (*avrundat*, status `rounded`). I panelen står sådana år kvar
# med sin status i stället för ett påhittat tal. Tabellen räknar kommun-år per status för små och större
# kommuner. Sista kolumnen är andelen kommun-år som är prickade, avrundade eller saknas helt.

# %%
statusar = teaching.status_counts(["skv.ak9.foreign_bg.kommunal", "splice.ak9.eligible_voc.kommunal",
                                   "skv.ak6.pass_all.kommunal"], panel=panel)
teaching.table(statusar)

# %% [markdown]
# **Övning 1.2.** Hur stor andel av kommun-åren saknar exakt värde i små respektive större kommuner
# för andelen elever med utländsk bakgrund? Vad betyder det för ett medelvärde över "alla kommuner" om man bara tar
# med de kommun-år som har ett värde?

# %% [markdown] tags=["solution"]
# **LÖSNING 1.2:** Värdena saknas nästan bara i små kommuner. Ett medelvärde över de kommun-år som har värden
# representerar därför främst större kommuner; de små kommunerna faller bort just de år då de har få
# elever. Det är ett urvalsfel, inte ett räknefel, och det syns bara om man räknar statusarna.

# %% tags=["solution"]
print("LÖSNING 1.2, beräkning:")
s = statusar[statusar["serie"] == "skv.ak9.foreign_bg.kommunal"]
for r in s.itertuples():
    print(f"{r.storlek}: {fmt_num(r[-1])} % av kommun-åren utan exakt värde")

# %% [markdown]
# ## 4. Små tal och brus
#
# I en liten kommun är en årskull kanske tjugo elever. Då kan några elevers resultat flytta andelen många
# procentenheter från ett år till nästa, utan att undervisningen förändrats. Jämför hur mycket en liten
# och en stor kommun svänger från år till år i samma nyckeltal.

# %%
svangningar = teaching.year_to_year_swings(brus_serie, [liten_kommun, stor_kommun, kommun], panel=panel)
display(teaching.table(svangningar))
v = teaching.municipal_values(brus_serie, panel=panel)
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for m in (liten_kommun, stor_kommun):
    s = v[v["municipality_id"] == m]
    ax.plot(s["year"], s["value"], marker="o", label=mun.name_of(m))
ax.set_title(catalogue.series(brus_serie).title_sv, fontsize=10)
ax.set_xlabel("År (vårtermin)"); ax.set_ylabel("andel (%)"); ax.legend(frameon=False)
fig.text(0.01, 0.005, "Bearbetning av data från Kolada. Glappet 2020–2021: proven genomfördes inte.", fontsize=7)
plt.show()

# %% [markdown]
# **Övning 1.3.** Byt `liten_kommun` till en annan kommun, till exempel den lilla 2418 Malå eller den
# mellanstora 0765 Älmhult. Hur stor är den typiska årsförändringen? Hur stor förändring skulle du
# kräva innan du säger att något har hänt i en liten kommun?

# %% [markdown] tags=["solution"]
# **LÖSNING 1.3:** Standardavvikelsen för årsförändringen är ett mått på bruset. En förändring som är mindre än ungefär
# två sådana standardavvikelser kan lätt vara slump. Diagrammet nedan visar sambandet för alla kommuner:
# ju färre invånare, desto större svängningar.

# %% tags=["solution"]
print("LÖSNING 1.3, beräkning:")
alla = teaching.year_to_year_swings(brus_serie, "alla", panel=panel).dropna()
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.scatter(alla["invånare"], alla["sd_årsförändring"], s=8, color="0.4")
ax.set_xscale("log"); ax.set_xlabel("Invånare (logaritmisk skala)"); ax.set_ylabel("SD för årsförändring")
plt.show()
print("Median-SD i kommuner under 15 000 invånare:",
      fmt_num(alla.loc[alla["invånare"] < 15000, "sd_årsförändring"].median()),
      "| minst 15 000:", fmt_num(alla.loc[alla["invånare"] >= 15000, "sd_årsförändring"].median()))

# %% [markdown]
# ## 5. Seriebrott: Koladas åk 9-nyckeltal 2016→2017
#
# Kolada bytte definition för åk 9-nyckeltalen mellan 2016 och 2017. Skolverket har räknat om 2016 med
# den nya definitionen (serien `skv.ak9.merit17.kommunal`). Genom att jämföra de två serierna samma år
# ser vi brottet direkt i data: 2016 skiljer de sig, 2017 är de lika.

# %%
per_kommun, brott = teaching.break_difference("N15505", "skv.ak9.merit17.kommunal", years=(2016, 2017), panel=panel)
display(teaching.table(brott, {"år": "År", "mean": "Kolada − Skolverket, medel", "ci_low": "95 % KI, nedre",
                               "ci_high": "95 % KI, övre", "n": "Antal kommuner",
                               "andel_exakt_lika_%": "Exakt lika (% av kommunerna)"}, signed=["mean"]))
for r in brott.itertuples():
    display(Markdown(f"**{r.år}:** Kolada − Skolverket i genomsnitt {fmt_num(r.mean, signed=True)} meritvärdespoäng "
                     f"({fmt_ci(r.ci_low, r.ci_high)}, {r.n} kommuner); exakt lika i {fmt_num(r[-1])} % av kommunerna."))
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.hist(per_kommun.loc[per_kommun["year"] == 2016, "skillnad"], bins=30, color="0.5")
ax.set_xlabel("Kolada N15505 − Skolverket, 2016 (meritvärdespoäng)"); ax.set_ylabel("antal kommuner")
fig.text(0.01, 0.005, "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning", fontsize=7)
plt.show()

# %% [markdown]
# **Övning 1.4.** Vad händer om man beräknar en trend 2015–2022 på Koladas serie N15505? Kör
# `progression(kommun, series="N15505", panel=panel)` och läs varningarna.

# %% [markdown] tags=["solution"]
# **LÖSNING 1.4:** Biblioteket räknar inte trend och förändring över brottet: det använder bara åren efter 2016 och
# säger det i en varning. Räknade man ändå över brottet skulle den gamla definitionens högre värden
# 2015–2016 se ut som en nedgång som aldrig hänt.

# %% tags=["solution"]
print("LÖSNING 1.4, beräkning:")
r = progression(kommun, series="N15505", panel=panel, references=("riket",))
print(r.summary_sv())

# %% [markdown]
# ## 6. Saknade år: åk 3 under pandemin
#
# De nationella proven i åk 3 genomfördes inte 2020 och 2021. De åren finns i panelen med status
# "saknas" (`missing` i data). Figuren skriver "saknas" vid de åren i stället för att dra en linje som
# ser ut som data.

# %%
v = teaching.municipal_values("N15472", panel=panel)
display(teaching.table(v[(v["municipality_id"] == mun.resolve(kommun)) & v["year"].between(2017, 2022)]))
res = progression(kommun, "ak3_np", panel=panel, references=("riket", "lan"))
res.plot(); plt.show()
for w in res.warnings:
    print("Obs:", w)

# %% [markdown]
# ## Sammanfattning
#
# Ett nyckeltal är en siffra **plus** population, definition, status och brus. Läs alltid serie-id,
# population och varningar innan du jämför. Nästa lektion: varför vi jämför en kommun med sig själv i
# stället för att rangordna.
