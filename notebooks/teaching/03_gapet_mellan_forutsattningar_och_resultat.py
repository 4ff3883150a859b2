# ---
# jupyter:
#   fgte:
#     title: "Gapet mellan f\xF6ruts\xE4ttningar och resultat"
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
# # Gapet mellan förutsättningar och resultat
#
# *Lektionsmaterial, cirka 35 minuter.* SKR:s SALSA-liknande modell och Koladas "avvikelse från
# modellberäknat värde" bygger på en enkel idé: skatta vilket resultat man kan *förvänta* sig utifrån
# elevernas bakgrund (föräldrarnas utbildning, andel pojkar, andel nyinvandrade) och jämföra med det
# faktiska resultatet. Skillnaden kallas residual eller avvikelse. Vi anpassar en sådan modell på alla
# kommuner, läser residualerna med deras prediktionsintervall, diskuterar varför en residual inte är en
# placering och jämför med Koladas officiella avvikelse.
#
# **Lärandemål.** Efter lektionen kan du
# - förklara hur ett modellberäknat värde tas fram utifrån elevernas bakgrund,
# - läsa en avvikelse med dess prediktionsintervall och förklara varför den inte är en rangordning,
# - jämföra modellens avvikelser med Koladas officiella och förklara varför de skiljer sig åt.
#
# *Teknisk not:* modellen är projektets `fgte_research.gaps`: `gaps.fit_salsa` (ett år, alla kommuner),
# `gaps.salsa_gap` (en kommun år för år) och `gaps.validate_against_kolada` (jämförelse med Kolada).
# Varje resultat har `.tidy()` (skattningarna), `.data()` (värdena per år eller kommun), `.summary_sv()`
# (text) och `.plot()`.

# %% tags=["parameters"]
kommun = "1380"                    # Halmstad
utfall = "N15505"                  # åk 9 meritvärde, kommunala skolor (Kolada)
ar = 2022                          # år för tvärsnittsmodellen
ar_serie = (2017, 2022)            # år för kommunens serie och jämförelsen med Kolada (efter seriebrottet 2016→2017)
variabler = ("parents_posthigh", "share_boys", "newly_arrived")  # bakgrundsvariabler i modellen

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from fgte_research import gaps, municipalities as mun, teaching
from fgte_research.text_sv import fmt_num

officiell = gaps.OUTCOMES[utfall].deviation  # Koladas avvikelsenyckeltal för samma utfall (U15459 för N15505)
kod = mun.resolve(kommun)
namn = mun.name_of(kod)

# %% [markdown]
# ## 1. Modellen
#
# En regression över alla kommuner med fullständiga uppgifter ett år. Koefficienterna säger hur mycket
# utfallet i genomsnitt skiljer sig mellan kommuner när en bakgrundsvariabel är en procentenhet högre,
# med 95 % konfidensintervall (KI). R² säger hur stor del av skillnaderna mellan kommuner modellen fångar.
# Specifikationen skrivs ut av biblioteket, så texten följer alltid modellen som faktiskt skattats.

# %%
modell = gaps.fit_salsa(utfall, ar, covariates=variabler)
print(modell.summary_sv())
display(teaching.table(modell.coefficients(), ["label", "estimate", "ci_low", "ci_high", "p_value", "n", "r2"],
                       decimals=2))

# %% [markdown]
# ## 2. Residual och prediktionsintervall
#
# `modell.data()` har en rad per kommun: faktiskt värde (`actual`), modellberäknat värde (`expected`),
# 95 % prediktionsintervall (PI; `pi_low`, `pi_high`) och residualen (`residual` = faktiskt − modellberäknat).
# Tabellerna visar svenska rubriker; inom parentes står kolumnernas namn i koden.
# Prediktionsintervallet säger inom vilket spann en kommun med samma bakgrund kan hamna bara av den
# variation som finns mellan kommuner. Ligger det faktiska värdet inom intervallet säger modellen inte
# att kommunen avviker.

# %%
tab = modell.data()
egen = modell.row(kod)
if egen is None:
    print(f"{namn} saknar värden för utfallet eller bakgrundsvariablerna {ar}.")
else:
    display(teaching.table(tab[tab["municipality_id"] == kod],
                           ["year", "actual", "expected", "pi_low", "pi_high", "residual", "residual_low",
                            "residual_high"], signed=["residual", "residual_low", "residual_high"]))
    inom = egen["pi_low"] <= egen["actual"] <= egen["pi_high"]
    display(Markdown(
        f"{namn} {ar}: faktiskt {fmt_num(egen['actual'])}, modellberäknat {fmt_num(egen['expected'])}, residual "
        f"**{fmt_num(egen['residual'], signed=True)}** (95 % prediktionsintervall för det faktiska värdet "
        f"{fmt_num(egen['pi_low'])} till {fmt_num(egen['pi_high'])}: "
        + ("inom" if inom else "utanför") + " intervallet)."))
modell.plot(municipality=kod); plt.show()
utanfor = (tab["actual"] < tab["pi_low"]) | (tab["actual"] > tab["pi_high"])
display(Markdown(f"Prediktionsintervallen är i genomsnitt **{fmt_num((tab['pi_high'] - tab['pi_low']).mean())}** "
                 f"poäng breda. {fmt_num(100 * utanfor.mean())} % av de {len(tab)} kommunerna ligger utanför sitt "
                 f"intervall (med 95 %-intervall väntar man sig runt 5 % av ren slump)."))

# %% [markdown]
# ## 3. Kommunen år för år
#
# `gaps.salsa_gap` skattar modellen separat för varje år och plockar ut kommunens rad. Varje år jämförs
# kommunen med *det årets* kommuner. Tabellen har därför också en återcentrerad residual
# (`residual_centred`, minus årets elevviktade medelresidual) och en standardiserad (`residual_std`, i
# standardavvikelser) för jämförelser mellan år, och Koladas officiella avvikelse (`official_deviation`).

# %%
gap = gaps.salsa_gap(kommun, utfall, years=ar_serie, covariates=variabler)
display(teaching.table(gap.data(), ["year", "actual", "expected", "pi_low", "pi_high", "residual", "residual_centred",
                                    "residual_std", "official_deviation", "status"],
                       decimals={"residual_std": 2},
                       signed=["residual", "residual_centred", "residual_std", "official_deviation"]))
gap.plot(which="residual"); plt.show()
print(gap.summary_sv())

# %% [markdown]
# ## 4. En residual är inte en placering
#
# Man kan sortera kommunerna efter residual, men listan säger mindre än den ser ut att göra:
#
# * **Residualen blandar allt modellen inte mäter.** Skolans arbete ingår, men också elevsammansättning
#   utöver de tre variablerna, betygssättning och slump. Modellen vet inte vilken del som är vilken.
# * **Intervallen överlappar.** Prediktionsintervallen är breda jämfört med skillnaderna mellan
#   kommunernas residualer, så de flesta kommuner går inte att skilja åt.
# * **Residualen rör sig mellan åren.** En kommun som ligger högt ett år ligger ofta närmare mitten
#   nästa år (regression mot medelvärdet, lektion 2).
# * **Residualen beror på modellen.** Med andra variabler blir den en annan (övning 3.1).
#
# Beräkningen nedan visar de två mittersta punkterna på riktiga data.

# %%
if egen is not None:
    lika = tab["residual"].between(egen["residual_low"], egen["residual_high"])
    display(Markdown(f"{int(lika.sum())} av {len(tab)} kommuner har en residual inom {namn}s 95 % "
                     f"prediktionsintervall för avvikelsen ({fmt_num(egen['residual_low'], signed=True)} till "
                     f"{fmt_num(egen['residual_high'], signed=True)}) år {ar}."))
fore = gaps.fit_salsa(utfall, ar - 1, covariates=variabler).data()
par = fore.merge(tab, on="municipality_id", suffixes=("_fore", "_efter"))
r = np.corrcoef(par["residual_fore"], par["residual_efter"])[0, 1]
topp = par["residual_fore"] >= par["residual_fore"].quantile(0.75)
kvar = (par.loc[topp, "residual_efter"] >= par["residual_efter"].quantile(0.75)).mean()
display(Markdown(f"Korrelationen mellan kommunernas residualer {ar - 1} och {ar} är {fmt_num(r, 2)} "
                 f"({len(par)} kommuner). Av kommunerna i översta fjärdedelen {ar - 1} låg "
                 f"{fmt_num(100 * kvar, 0)} % kvar i översta fjärdedelen {ar}."))
fig, ax = plt.subplots(figsize=(5, 4))
ax.axhline(0, color="0.7", linewidth=0.8); ax.axvline(0, color="0.7", linewidth=0.8)
ax.scatter(par["residual_fore"], par["residual_efter"], s=8, color="0.4")
ax.set_xlabel(f"Residual {ar - 1}"); ax.set_ylabel(f"Residual {ar}")
fig.text(0.01, 0.005, "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning. "
         "Punkterna är kommuner, ingen rangordning.", fontsize=7)
plt.show()
print(gaps.NOT_A_RANKING)

# %% [markdown]
# ## 5. Jämförelse med Koladas officiella avvikelse
#
# Koladas modell (SKR) använder delvis andra variabler, bland annat behov av ekonomiskt bistånd, som
# saknas i projektets data. Hur väl stämmer våra residualer med den officiella avvikelsen samma år?
# `gaps.validate_against_kolada` räknar korrelationen år för år över alla kommuner som har båda.

# %%
jmf = gaps.validate_against_kolada(utfall, years=range(ar_serie[0], ar_serie[1] + 1), covariates=variabler)
display(teaching.table(jmf, ["year", "deviation", "n", "correlation", "r2", "mean_abs_difference", "note"],
                       decimals={"correlation": 2, "r2": 2}))
for r in jmf.itertuples():
    if np.isnan(r.correlation):
        print(f"{r.year}: saknas ({r.note})")
        continue
    print(f"Korrelation mellan egen residual och {r.deviation} {r.year}: {fmt_num(r.correlation, 2)} "
          f"({int(r.n)} kommuner; medelabsolut skillnad {fmt_num(r.mean_abs_difference)} poäng)")
ok = jmf.dropna(subset=["correlation"])
display(Markdown(f"Korrelationen ligger mellan **{fmt_num(ok['correlation'].min(), 2)}** och "
                 f"**{fmt_num(ok['correlation'].max(), 2)}** för {ok['year'].min()}–{ok['year'].max()}."))
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(tab["official_deviation"], tab["residual"], s=8, color="0.4")
ax.set_xlabel(f"Koladas avvikelse ({officiell}), {ar}"); ax.set_ylabel(f"Egen residual, {ar}")
fig.text(0.01, 0.005, "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning", fontsize=7)
plt.show()

# %% [markdown]
# **Övning 3.1.** Ta bort en bakgrundsvariabel, till exempel andelen nyinvandrade:
# `gaps.fit_salsa(utfall, ar, covariates=("parents_posthigh", "share_boys"))`. Hur ändras kommunens
# residual, modellens R² och korrelationen med Koladas avvikelse? Vad säger det om hur mycket "gapet"
# beror på modellvalet?

# %% [markdown] tags=["solution"]
# **LÖSNING 3.1:** Residualen är inte en egenskap hos kommunen utan hos kommunen *och* modellen. När en variabel tas bort
# ändras både modellvärdet och intervallet, och överensstämmelsen med Koladas avvikelse ändras. Ett gap
# som byter tecken när modellen ändras något ska inte tolkas som ett resultat av skolans arbete.

# %% tags=["solution"]
print("LÖSNING 3.1, beräkning:")
for namn_modell, cov in (("alla tre variablerna", variabler), ("utan nyinvandrade", ("parents_posthigh", "share_boys"))):
    m = gaps.fit_salsa(utfall, ar, covariates=cov)
    rad = m.row(kod)
    v = gaps.validate_against_kolada(utfall, years=[ar], covariates=cov).iloc[0]
    print(f"{namn_modell}: R² = {fmt_num(m.r2, 2)}, residual för {namn} "
          f"{'saknas' if rad is None else fmt_num(rad['residual'], signed=True)}, "
          f"korrelation med {officiell} {fmt_num(v['correlation'], 2)}")

# %% [markdown]
# **Övning 3.2.** Ligger kommunens faktiska värde inom prediktionsintervallet alla år i `ar_serie`?
# Rita den standardiserade avvikelsen med `gap.plot(which="standardised")`. Varför är den lättare att
# jämföra mellan år än den råa?

# %% tags=["solution"]
print("LÖSNING 3.2, beräkning:")
t = gap.data()
t = t[t["status"] == "ok"]
for r in t.itertuples():
    inom = r.pi_low <= r.actual <= r.pi_high
    print(f"{r.year}: residual {fmt_num(r.residual, signed=True)}, standardiserad {fmt_num(r.residual_std, 2, signed=True)}, "
          + ("inom" if inom else "utanför") + " prediktionsintervallet")
gap.plot(which="standardised"); plt.show()

# %% [markdown] tags=["solution"]
# **LÖSNING 3.2:** Residualen rör sig mellan åren; det mesta av rörelsen ryms i prediktionsintervallet. Den råa residualen
# mäts mot varje års kommuner, och spridningen mellan kommuner varierar mellan åren. Den standardiserade
# avvikelsen delar med årets standardavvikelse för residualerna och blir därför mer jämförbar mellan år.
# Att följa residualen över flera år och läsa den tillsammans med intervallet säger mer än ett enskilt år.

# %% [markdown]
# **Övning 3.3.** Skatta modellen med elevviktning, `weights="pupils"` (stora kommuner väger tyngre).
# Blir korrelationen med Koladas avvikelse högre eller lägre för meritvärdet?

# %% tags=["solution"]
print("LÖSNING 3.3, beräkning:")
vagd = gaps.validate_against_kolada(utfall, years=range(ar_serie[0], ar_serie[1] + 1), covariates=variabler,
                                    weights="pupils")
bada = jmf[["year", "correlation"]].merge(vagd[["year", "correlation"]], on="year", suffixes=("_ovagd", "_vagd"))
display(teaching.table(bada, {"year": "År", "correlation_ovagd": "Korrelation, alla kommuner väger lika",
                              "correlation_vagd": "Korrelation, elevviktad"}, decimals=3))

# %% [markdown] tags=["solution"]
# **LÖSNING 3.3:** Jämför kolumnerna år för år i tabellen ovan. Vilken viktning som ligger närmast Koladas avvikelse är
# en empirisk fråga som kan skilja mellan utfall; projektets standardmodell är den som i jämförelsen
# ligger närmast Koladas officiella avvikelser. Viktningen ändrar också vad "modellberäknat värde" betyder:
# med elevvikter styrs modellen mest av de stora kommunerna.

# %% [markdown]
# ## Sammanfattning
#
# Modellen ger ett förväntat värde utifrån elevernas bakgrund och ett prediktionsintervall. Residualen är
# ett sammanhang för kommunens egen utveckling, inte en placering: den rör sig mellan åren, beror på
# modellen och ryms oftast inom intervallet. Nästa lektion: före och efter en insats.
