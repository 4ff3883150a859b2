"""Generate the teaching notebooks and the explorer notebook (reproducible, diffable).

    .venv/bin/python tools/make_teaching_notebooks.py

Writes notebooks/teaching/01–04_*.ipynb and notebooks/explore.ipynb without outputs.

Cell conventions:
- one code cell tagged ``parameters`` (papermill injects run parameters after it);
- exercises are markdown cells starting with "Övning";
- solutions are cells tagged ``solution``. Every solution cell carries exactly one unique marker:
  markdown solutions start with "**LÖSNING n.m:**", code solutions print "LÖSNING n.m, beräkning:".
  The student version removes the ``solution`` cells (nbconvert TagRemovePreprocessor), the teacher
  version keeps them; tests/test_teaching.py checks both.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "notebooks" / "teaching"

KERNEL = {"display_name": "Python (fgte-research)", "language": "python", "name": "fgte-research"}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str, tags=()):
    cell = new_markdown_cell(_clean(text))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def code(text: str, tags=()):
    cell = new_code_cell(_clean(text))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def params(text: str):
    return code(text, tags=("parameters",))


def solution_md(marker: str, text: str):
    return md(f"**LÖSNING {marker}:** " + _clean(text), tags=("solution",))


def solution_code(marker: str, text: str):
    return code(f'print("LÖSNING {marker}, beräkning:")\n' + _clean(text), tags=("solution",))


SETUP = """
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import fgte_research as fr
from fgte_research import catalogue, explorer as ex, municipalities as mun
from fgte_research.progression import progression
from fgte_research.text_sv import fmt_ci, fmt_num

pd.set_option("display.precision", 1)
panel = fr.load_panel()  # the whole tidy panel: one row per (series, municipality, year, gender)
"""


def notebook(cells, title: str):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["fgte"] = {"title": title, "generated_by": "tools/make_teaching_notebooks.py"}
    return nb


# ---------------------------------------------------------------------------------------------------
# 01 Att läsa ett nyckeltal
# ---------------------------------------------------------------------------------------------------
def nb01():
    return notebook([
        md("""
        # Att läsa ett nyckeltal

        *Lektionsmaterial, cirka 30 minuter.* Innan vi säger att en kommun "gått framåt" behöver vi veta
        **vad** siffran mäter, **vilka elever** den gäller, **när den saknas** och **hur mycket den brusar**.
        All data i anteckningsboken är verklig (Kolada och Skolverket). Ändra parametrarna i cellen nedan och
        kör om hela boken (*Run → Run All Cells*).
        """),
        params("""
        kommun = "1380"          # kommunkod med fyra tecken (Halmstad)
        liten_kommun = "2403"    # en liten kommun (Bjurholm)
        stor_kommun = "1480"     # en stor kommun (Göteborg)
        indikator = "ak9_merit"  # se tabellen nedan, kolumnen id
        serie_kommunal = "N15505"   # åk 9 meritvärde, kommunala skolor (Kolada)
        serie_hemkommun = "N15507"  # samma mått, elever folkbokförda i kommunen (Kolada)
        brus_serie = "N15472"       # åk 3 alla delprov i svenska, hemkommun
        """),
        code(SETUP),
        md("""
        ## 1. Vad mäter nyckeltalen?

        FGTE-planen följer tretton nyckeltal. Tabellen visar vilken serie som mäter vart och ett, vilken
        population serien gäller och vad man behöver veta. Två av nyckeltalen saknar kommunal serie i
        projektets data; de står kvar med en förklaring i stället för att tas bort.
        """),
        code("""
        fr.indicators_frame()[["nr", "id", "indikator", "skolstadium", "enhet", "serier", "population"]]
        """),
        code("""
        ind = fr.indicator(indikator)
        display(Markdown(f"**{ind.number}. {ind.title_sv}** ({ind.unit}). Huvudserie: `{', '.join(ind.headline) or 'saknas'}`."))
        for caveat in ind.caveats:
            print("•", caveat)
        """),
        md("""
        ## 2. Samma mått, olika populationer

        *Kommunala skolor* är eleverna i kommunens egna skolor, oavsett var de bor. *Hemkommun* är eleverna
        som är folkbokförda i kommunen, oavsett om de går i kommunal eller fristående skola. *Samtliga* är
        alla elever i skolor i kommunen. FGTE arbetar genom kommunens egna skolor, därför används kommunala
        skolor där det går. Här är samma meritvärde i två populationer, sida vid sida.
        """),
        code("""
        par = ex.population_pair(kommun, serie_kommunal, serie_hemkommun, panel=panel)
        display(par)
        skillnad = ex.mean_ci(par["skillnad"])
        display(Markdown(
            f"I {mun.name_of(kommun)} är medelskillnaden (kommunala skolor − hemkommun) "
            f"**{fmt_num(skillnad['mean'], signed=True)}** meritvärdespoäng över {skillnad['n']} år "
            f"({fmt_ci(skillnad['ci_low'], skillnad['ci_high'])}; intervallet beskriver variationen mellan åren)."))
        fig, ax = plt.subplots(figsize=(6.5, 3.5))
        for sid in (serie_kommunal, serie_hemkommun):
            ax.plot(par["år"], par[sid], marker="o", label=catalogue.series(sid).title_sv)
        ax.set_xlabel("År (vårtermin)"); ax.set_ylabel("meritvärde"); ax.legend(fontsize=7, frameon=False)
        ax.set_title(mun.name_of(kommun), fontsize=10)
        fig.text(0.01, 0.005, "Bearbetning av data från Kolada", fontsize=7)
        plt.show()
        """),
        md("""
        **Övning 1.1.** Byt `kommun` till en annan FGTE-kommun (1384 Kungsbacka, 1383 Varberg, 1381 Laholm,
        1315 Hylte). Har skillnaden mellan populationerna samma tecken? Vad kan förklara att kommunala skolor
        och hemkommun skiljer sig åt i en kommun med många fristående skolor?
        """),
        solution_md("1.1", """
        Skillnaden beror på vilka elever som går i fristående skolor och vilka elever från andra kommuner som
        går i kommunens skolor. Där många elever med studievana föräldrar väljer fristående skolor blir
        *kommunala skolor* lägre än *hemkommun*. Beräkningen nedan visar medelskillnaden för alla FGTE-kommuner;
        poängen är att man alltid måste ange population innan man jämför två siffror.
        """),
        solution_code("1.1", """
        for m in mun.resolve_set("fgte"):
            d = ex.mean_ci(ex.population_pair(m, serie_kommunal, serie_hemkommun, panel=panel)["skillnad"])
            print(f"{mun.name_of(m)}: {fmt_num(d['mean'], signed=True)} ({fmt_ci(d['ci_low'], d['ci_high'])})")
        """),
        md("""
        ## 3. Prickade och avrundade värden

        Skolverket visar inte värden som bygger på för få elever (*prickat*, status `suppressed`) och visar
        vissa andelar nära 100 bara ungefärligt (*avrundat*, status `rounded`). I panelen står sådana år kvar
        med sin status i stället för ett påhittat tal. Tabellen räknar kommun-år per status för små och större
        kommuner.
        """),
        code("""
        statusar = ex.status_counts(["skv.ak9.foreign_bg.kommunal", "splice.ak9.eligible_voc.kommunal",
                                     "skv.ak6.pass_all.kommunal"], panel=panel)
        statusar
        """),
        md("""
        **Övning 1.2.** Hur stor andel av kommun-åren saknar värde i små respektive större kommuner för
        andelen med utländsk bakgrund? Vad betyder det för ett medelvärde över "alla kommuner" om man bara tar
        med de kommun-år som har ett värde?
        """),
        solution_md("1.2", """
        Värdena saknas nästan bara i små kommuner. Ett medelvärde över de kommun-år som har värden
        representerar därför främst större kommuner; de små kommunerna faller bort just de år då de har få
        elever. Det är ett urvalsfel, inte ett räknefel, och det syns bara om man räknar statusarna.
        """),
        solution_code("1.2", """
        s = statusar[statusar["serie"] == "skv.ak9.foreign_bg.kommunal"]
        for r in s.itertuples():
            print(f"{r.storlek}: {fmt_num(r[-1])} % av kommun-åren utan värde")
        """),
        md("""
        ## 4. Små tal och brus

        I en liten kommun är en årskull kanske tjugo elever. Då kan några elevers resultat flytta andelen många
        procentenheter från ett år till nästa, utan att undervisningen förändrats. Jämför hur mycket en liten
        och en stor kommun svänger från år till år i samma nyckeltal.
        """),
        code("""
        svangningar = ex.year_to_year_swings(brus_serie, [liten_kommun, stor_kommun, kommun], panel=panel)
        display(svangningar)
        v = ex.series_values(brus_serie, panel=panel)
        fig, ax = plt.subplots(figsize=(6.5, 3.5))
        for m in (liten_kommun, stor_kommun):
            s = v[v["municipality_id"] == m]
            ax.plot(s["year"], s["value"], marker="o", label=mun.name_of(m))
        ax.set_title(catalogue.series(brus_serie).title_sv, fontsize=10)
        ax.set_xlabel("År (vårtermin)"); ax.set_ylabel("andel (%)"); ax.legend(frameon=False)
        fig.text(0.01, 0.005, "Bearbetning av data från Kolada. Glappet 2020–2021: proven genomfördes inte.", fontsize=7)
        plt.show()
        """),
        md("""
        **Övning 1.3.** Välj en annan liten kommun som `liten_kommun` (till exempel 2418 Malå eller 0765
        Älmhult som är mellanstor). Hur stor är den typiska årsförändringen? Hur stor förändring skulle du
        kräva innan du säger att något hänt i en liten kommun?
        """),
        solution_md("1.3", """
        Standardavvikelsen för årsförändringen är ett mått på bruset. En förändring som är mindre än ungefär
        två sådana standardavvikelser kan lätt vara slump. Diagrammet nedan visar sambandet för alla kommuner:
        ju färre invånare, desto större svängningar.
        """),
        solution_code("1.3", """
        alla = ex.year_to_year_swings(brus_serie, "alla", panel=panel).dropna()
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.scatter(alla["invånare"], alla["sd_årsförändring"], s=8, color="0.4")
        ax.set_xscale("log"); ax.set_xlabel("Invånare (logaritmisk skala)"); ax.set_ylabel("SD för årsförändring")
        plt.show()
        print("Median-SD i kommuner under 15 000 invånare:",
              fmt_num(alla.loc[alla["invånare"] < 15000, "sd_årsförändring"].median()),
              "| minst 15 000:", fmt_num(alla.loc[alla["invånare"] >= 15000, "sd_årsförändring"].median()))
        """),
        md("""
        ## 5. Seriebrott: Koladas åk 9-nyckeltal 2016→2017

        Kolada bytte definition för åk 9-nyckeltalen mellan 2016 och 2017. Skolverket har räknat om 2016 med
        den nya definitionen (serien `skv.ak9.merit17.kommunal`). Genom att jämföra de två serierna samma år
        ser vi brottet direkt i data: 2016 skiljer de sig, 2017 är de lika.
        """),
        code("""
        per_kommun, brott = ex.break_difference("N15505", "skv.ak9.merit17.kommunal", years=(2016, 2017), panel=panel)
        display(brott)
        for r in brott.itertuples():
            display(Markdown(f"**{r.år}:** Kolada − Skolverket i genomsnitt {fmt_num(r.mean, signed=True)} meritvärdespoäng "
                             f"({fmt_ci(r.ci_low, r.ci_high)}, {r.n} kommuner); exakt lika i {fmt_num(r[-1])} % av kommunerna."))
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.hist(per_kommun.loc[per_kommun["year"] == 2016, "skillnad"], bins=30, color="0.5")
        ax.set_xlabel("Kolada N15505 − Skolverket, 2016 (meritvärdespoäng)"); ax.set_ylabel("antal kommuner")
        fig.text(0.01, 0.005, "Bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning", fontsize=7)
        plt.show()
        """),
        md("""
        **Övning 1.4.** Vad händer om man beräknar en trend 2015–2022 på Koladas serie N15505? Kör
        `progression(kommun, series="N15505", panel=panel)` och läs varningarna.
        """),
        solution_md("1.4", """
        Biblioteket vägrar räkna trend och förändring över brottet: det använder bara åren efter 2016 och
        säger det i en varning. Räknade man ändå över brottet skulle den gamla definitionens högre värden
        2015–2016 se ut som en nedgång som aldrig hänt.
        """),
        solution_code("1.4", """
        r = progression(kommun, series="N15505", panel=panel, references=("riket",))
        print(r.summary_sv())
        """),
        md("""
        ## 6. Saknade år: åk 3 under pandemin

        De nationella proven i åk 3 genomfördes inte 2020 och 2021. De åren finns i panelen med status
        `missing`; figuren skriver "saknas" i stället för att dra en linje som ser ut som data.
        """),
        code("""
        v = ex.series_values("N15472", panel=panel)
        display(v[(v["municipality_id"] == mun.resolve(kommun)) & v["year"].between(2017, 2022)])
        res = progression(kommun, "ak3_np", panel=panel, references=("riket", "lan"))
        res.plot(); plt.show()
        for w in res.warnings:
            print("Obs:", w)
        """),
        md("""
        ## Sammanfattning

        Ett nyckeltal är en siffra **plus** population, definition, status och brus. Läs alltid serie-id,
        population och varningar innan du jämför. Nästa lektion: varför vi jämför en kommun med sig själv i
        stället för att rangordna.
        """),
    ], "Att läsa ett nyckeltal")


# ---------------------------------------------------------------------------------------------------
# 02 Progression i stället för rangordning
# ---------------------------------------------------------------------------------------------------
def nb02():
    return notebook([
        md("""
        # Progression i stället för rangordning

        *Lektionsmaterial, cirka 30 minuter.* FGTE-planen följer varje kommuns **egen utveckling** och sätter
        den i sammanhang med referenser (riket, länet, FGTE-kommunerna, liknande kommuner). Den gör inga
        topplistor. I den här lektionen ser vi varför: placeringar i en lista rör sig mycket av slump, och
        kommuner som låg extremt ett år tenderar att ligga närmare mitten nästa år (*regression mot
        medelvärdet*).
        """),
        params("""
        kommun = "1381"          # Laholm
        indikator = "ak9_merit"
        basar = None             # basår för förändringen; None = första jämförbara år
        ar = (2016, 2025)        # år att visa (första, sista)
        referenser = ("riket", "lan", "fgte", "liknande")
        rtm_serie = "splice.ak9.merit17.kommunal"
        rtm_ar0, rtm_ar1 = 2018, 2019
        """),
        code(SETUP),
        md("""
        ## 1. Kommunen mot sig själv och mot referenser

        Figuren visar kommunens värden och referenslinjerna. Texten under räknas fram ur data: förändring
        mot basåret och trend per år, båda med 95-procentigt konfidensintervall (KI), samt skillnaden mot
        varje referens.
        """),
        code("""
        res = progression(kommun, indikator, baseline_year=basar, years=ar, references=referenser, panel=panel)
        res.plot(); plt.show()
        print(res.summary_sv())
        """),
        code("""
        res.tidy()[["series", "term", "estimate", "ci_low", "ci_high", "years", "method"]]
        """),
        md("""
        Tabellen ovan är *en kommuns* skattningar med osäkerhet, inte en lista över kommuner. Avstånd till
        referenser är beskrivande skillnader. Två trendmått visas: vanlig regression (OLS) och Theil–Sen, som
        är okänslig för enstaka avvikande år.

        **Övning 2.1.** Byt `kommun` till 1380 (Halmstad) och `indikator` till `ak9_alla`. Är trenden
        statistiskt säkerställd? Vad betyder det att intervallet innehåller noll?
        """),
        solution_md("2.1", """
        Om konfidensintervallet för trenden innehåller noll kan vi inte skilja trenden från ingen förändring
        med de år vi har. Det betyder inte att kommunen står still, bara att datan inte räcker för att säga
        åt vilket håll den rör sig. Beräkningen nedan skriver ut trenden med intervall.
        """),
        solution_code("2.1", """
        r = progression("1380", "ak9_alla", panel=panel, references=("riket",))
        t = r.parts[0].trend
        print(f"Trend {t.first_year}–{t.last_year}: {fmt_num(t.ols_slope, 2, signed=True)} per år ({fmt_ci(*t.ols_ci, decimals=2)})")
        print("Intervallet innehåller noll:", t.ols_ci[0] <= 0 <= t.ols_ci[1])
        """),
        md("""
        ## 2. Regression mot medelvärdet, på riktiga data

        För alla kommuner: hur långt från kommunsnittet låg kommunen år 0, och hur mycket ändrades värdet
        till år 1? Om värdena bara vore stabil "kvalitet" skulle punkterna ligga kring en vågrät linje. En
        negativ lutning betyder att höga värden i genomsnitt sjunker och låga stiger, vilket är vad slumpen
        (en årskulls sammansättning, provdagens form) ger. Den som toppar en lista ett år faller alltså ofta
        nästa år utan att något försämrats.
        """),
        code("""
        rtm = ex.regression_to_mean(rtm_serie, rtm_ar0, rtm_ar1, panel=panel)
        rtm.plot(highlight=mun.resolve_set("fgte")); plt.show()
        print(rtm.summary_sv())
        kvar = (1 + rtm.slope, 1 + rtm.ci[1], 1 + rtm.ci[0])
        display(Markdown(f"Av en avvikelse från snittet år {rtm_ar0} återstår i genomsnitt **{fmt_num(100 * kvar[0], 0)} %** "
                         f"året efter ({fmt_ci(100 * kvar[2], 100 * kvar[1], decimals=0)})."))
        """),
        md("""
        **Övning 2.2.** Gör samma sak för åk 3 (`rtm_serie = "N15472"`, åren 2018→2019). Blir lutningen mer
        eller mindre negativ än för åk 9? Varför?
        """),
        solution_md("2.2", """
        Åk 3-andelarna bygger på färre elever per kommun och mäts med ett enskilt prov, så en större del av
        skillnaderna mellan kommuner är brus. Därför blir lutningen mer negativ: en större del av ett års
        avvikelse försvinner året efter. Jämför lutningarna och deras intervall nedan.
        """),
        solution_code("2.2", """
        for sid, a0, a1 in ((rtm_serie, rtm_ar0, rtm_ar1), ("N15472", 2018, 2019)):
            r = ex.regression_to_mean(sid, a0, a1, panel=panel)
            print(f"{sid} {a0}→{a1}: lutning {fmt_num(r.slope, 2, signed=True)} ({fmt_ci(*r.ci, decimals=2)}), {r.n} kommuner")
        """),
        md("""
        **Övning 2.3.** Varför undviker FGTE-planen topplistor? Formulera två skäl med stöd i det du sett.
        """),
        solution_md("2.3", """
        (1) En placering säger inget om osäkerheten: kommuner med överlappande intervall byter plats av slump.
        (2) Regression mot medelvärdet gör att förra årets toppar och bottnar rör sig mot mitten även utan
        förändring, så listor belönar och straffar slump. (3) En lista jämför kommuner med olika
        förutsättningar; den egna utvecklingen över tid är det kommunen själv kan påverka och följa.
        """),
        md("""
        ## Sammanfattning

        Följ kommunens egen progression med osäkerhet, och använd referenser som sammanhang. Nästa lektion:
        hur förutsättningar (föräldrars utbildning, andel nyanlända) kan tas med i jämförelsen.
        """),
    ], "Progression i stället för rangordning")


# ---------------------------------------------------------------------------------------------------
# 03 Gapet mellan förutsättningar och resultat
# ---------------------------------------------------------------------------------------------------
def nb03():
    return notebook([
        md("""
        # Gapet mellan förutsättningar och resultat

        *Lektionsmaterial, cirka 35 minuter.* SKR:s SALSA-liknande modell och Koladas "avvikelse från
        modellberäknat värde" bygger på en enkel idé: skatta vilket resultat man kan *förvänta* sig utifrån
        elevernas bakgrund (föräldrarnas utbildning, andel pojkar, andel nyinvandrade) och jämför med det
        faktiska resultatet. Skillnaden kallas residual eller avvikelse. Vi anpassar en sådan modell på alla
        kommuner, läser residualerna med deras prediktionsintervall, diskuterar varför en residual inte är en
        placering och jämför med Koladas officiella avvikelse.

        *Teknisk not:* modellen är projektets `fgte_research.gaps`: `gaps.fit_salsa` (ett år, alla kommuner),
        `gaps.salsa_gap` (en kommun år för år) och `gaps.validate_against_kolada` (jämförelse med Kolada).
        Varje resultat har `.tidy()` (tabell), `.summary_sv()` (text) och `.plot()`.
        """),
        params("""
        kommun = "1380"                    # Halmstad
        utfall = "N15505"                  # åk 9 meritvärde, kommunala skolor (Kolada)
        ar = 2022                          # år för tvärsnittsmodellen
        ar_serie = (2017, 2022)            # år för kommunens serie och jämförelsen med Kolada (efter seriebrottet 2016→2017)
        variabler = ("parents_posthigh", "share_boys", "newly_arrived")  # bakgrundsvariabler i modellen
        """),
        code(SETUP + """
import numpy as np

from fgte_research import gaps

officiell = gaps.OUTCOMES[utfall].deviation  # Koladas avvikelsenyckeltal för samma utfall (U15459 för N15505)
kod = mun.resolve(kommun)
namn = mun.name_of(kod)
"""),
        md("""
        ## 1. Modellen

        En regression över alla kommuner med fullständiga uppgifter ett år. Koefficienterna säger hur mycket
        utfallet i genomsnitt skiljer sig mellan kommuner när en bakgrundsvariabel är en procentenhet högre,
        med 95 % konfidensintervall. R² säger hur stor del av skillnaderna mellan kommuner modellen fångar.
        Specifikationen skrivs ut av biblioteket, så texten följer alltid modellen som faktiskt skattats.
        """),
        code("""
        modell = gaps.fit_salsa(utfall, ar, covariates=variabler)
        print(modell.summary_sv())
        with pd.option_context("display.precision", 3):
            display(modell.coefficients()[["label", "estimate", "ci_low", "ci_high", "p_value", "n", "r2"]])
        """),
        md("""
        ## 2. Residual och prediktionsintervall

        `modell.tidy()` har en rad per kommun: faktiskt värde (`actual`), modellberäknat värde (`expected`),
        95 % prediktionsintervall (`pi_low`, `pi_high`) och residualen (`residual` = faktiskt − modellberäknat).
        Prediktionsintervallet säger inom vilket spann en kommun med samma bakgrund kan hamna bara av den
        variation som finns mellan kommuner. Ligger det faktiska värdet inom intervallet säger modellen inte
        att kommunen avviker.
        """),
        code("""
        tab = modell.tidy()
        egen = modell.row(kod)
        if egen is None:
            print(f"{namn} saknar värden för utfallet eller bakgrundsvariablerna {ar}.")
        else:
            display(tab[tab["municipality_id"] == kod][["year", "actual", "expected", "pi_low", "pi_high", "residual",
                                                        "residual_low", "residual_high"]])
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
        """),
        md("""
        ## 3. Kommunen år för år

        `gaps.salsa_gap` skattar modellen separat för varje år och plockar ut kommunens rad. Varje år jämförs
        kommunen med *det årets* kommuner. Tabellen har därför också en återcentrerad residual
        (`residual_centred`, minus årets elevviktade medelresidual) och en standardiserad (`residual_std`, i
        standardavvikelser) för jämförelser mellan år, och Koladas officiella avvikelse (`official_deviation`).
        """),
        code("""
        gap = gaps.salsa_gap(kommun, utfall, years=ar_serie, covariates=variabler)
        with pd.option_context("display.precision", 2):
            display(gap.tidy()[["year", "actual", "expected", "pi_low", "pi_high", "residual", "residual_centred",
                                "residual_std", "official_deviation", "status"]])
        gap.plot(which="residual"); plt.show()
        print(gap.summary_sv())
        """),
        md("""
        ## 4. En residual är inte en placering

        Man kan sortera kommunerna efter residual, men listan säger mindre än den ser ut att göra:

        * **Residualen blandar allt modellen inte mäter.** Skolans arbete ingår, men också elevsammansättning
          utöver de tre variablerna, betygssättning och slump. Modellen vet inte vilken del som är vilken.
        * **Intervallen överlappar.** Prediktionsintervallen är breda jämfört med skillnaderna mellan
          kommunernas residualer, så de flesta kommuner går inte att skilja åt.
        * **Residualen rör sig mellan åren.** En kommun som ligger högt ett år ligger ofta närmare mitten
          nästa år (regression mot medelvärdet, lektion 2).
        * **Residualen beror på modellen.** Med andra variabler blir den en annan (övning 3.1).

        Beräkningen nedan visar de två mittersta punkterna på riktiga data.
        """),
        code("""
        if egen is not None:
            lika = tab["residual"].between(egen["residual_low"], egen["residual_high"])
            display(Markdown(f"{int(lika.sum())} av {len(tab)} kommuner har en residual inom {namn}s 95 % "
                             f"prediktionsintervall för avvikelsen ({fmt_num(egen['residual_low'], signed=True)} till "
                             f"{fmt_num(egen['residual_high'], signed=True)}) år {ar}."))
        fore = gaps.fit_salsa(utfall, ar - 1, covariates=variabler).tidy()
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
        """),
        md("""
        ## 5. Jämförelse med Koladas officiella avvikelse

        Koladas modell (SKR) använder delvis andra variabler, bland annat behov av ekonomiskt bistånd, som
        saknas i projektets data. Hur väl stämmer våra residualer med den officiella avvikelsen samma år?
        `gaps.validate_against_kolada` räknar korrelationen år för år över alla kommuner som har båda.
        """),
        code("""
        jmf = gaps.validate_against_kolada(utfall, years=range(ar_serie[0], ar_serie[1] + 1), covariates=variabler)
        with pd.option_context("display.precision", 3):
            display(jmf[["year", "deviation", "n", "correlation", "r2", "mean_abs_difference", "note"]])
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
        """),
        md("""
        **Övning 3.1.** Ta bort en bakgrundsvariabel, till exempel andelen nyinvandrade:
        `gaps.fit_salsa(utfall, ar, covariates=("parents_posthigh", "share_boys"))`. Hur ändras kommunens
        residual, modellens R² och korrelationen med Koladas avvikelse? Vad säger det om hur mycket "gapet"
        beror på modellvalet?
        """),
        solution_md("3.1", """
        Residualen är inte en egenskap hos kommunen utan hos kommunen *och* modellen. När en variabel tas bort
        ändras både modellvärdet och intervallet, och överensstämmelsen med Koladas avvikelse ändras. Ett gap
        som byter tecken när modellen ändras något ska inte tolkas som ett resultat av skolans arbete.
        """),
        solution_code("3.1", """
        for namn_modell, cov in (("alla tre variablerna", variabler), ("utan nyinvandrade", ("parents_posthigh", "share_boys"))):
            m = gaps.fit_salsa(utfall, ar, covariates=cov)
            rad = m.row(kod)
            v = gaps.validate_against_kolada(utfall, years=[ar], covariates=cov).iloc[0]
            print(f"{namn_modell}: R² = {fmt_num(m.r2, 2)}, residual för {namn} "
                  f"{'saknas' if rad is None else fmt_num(rad['residual'], signed=True)}, "
                  f"korrelation med {officiell} {fmt_num(v['correlation'], 2)}")
        """),
        md("""
        **Övning 3.2.** Ligger kommunens faktiska värde inom prediktionsintervallet alla år i `ar_serie`?
        Rita den standardiserade avvikelsen med `gap.plot(which="standardised")`. Varför är den lättare att
        jämföra mellan år än den råa?
        """),
        solution_code("3.2", """
        t = gap.tidy()
        t = t[t["status"] == "ok"]
        for r in t.itertuples():
            inom = r.pi_low <= r.actual <= r.pi_high
            print(f"{r.year}: residual {fmt_num(r.residual, signed=True)}, standardiserad {fmt_num(r.residual_std, 2, signed=True)}, "
                  + ("inom" if inom else "utanför") + " prediktionsintervallet")
        gap.plot(which="standardised"); plt.show()
        """),
        solution_md("3.2", """
        Residualen rör sig mellan åren; det mesta av rörelsen ryms i prediktionsintervallet. Den råa residualen
        mäts mot varje års kommuner, och spridningen mellan kommuner varierar mellan åren. Den standardiserade
        avvikelsen delar med årets standardavvikelse för residualerna och blir därför mer jämförbar mellan år.
        Att följa residualen över flera år och läsa den tillsammans med intervallet säger mer än ett enskilt år.
        """),
        md("""
        **Övning 3.3.** Skatta modellen med elevviktning, `weights="pupils"` (stora kommuner väger tyngre).
        Blir korrelationen med Koladas avvikelse högre eller lägre för meritvärdet?
        """),
        solution_code("3.3", """
        vagd = gaps.validate_against_kolada(utfall, years=range(ar_serie[0], ar_serie[1] + 1), covariates=variabler,
                                            weights="pupils")
        bada = jmf[["year", "correlation"]].merge(vagd[["year", "correlation"]], on="year", suffixes=("_ovagd", "_vagd"))
        print(bada.to_string(index=False, float_format=lambda x: fmt_num(x, 3)))
        """),
        solution_md("3.3", """
        Jämför kolumnerna år för år i tabellen ovan. Vilken viktning som ligger närmast Koladas avvikelse är
        en empirisk fråga som kan skilja mellan utfall; projektets standardmodell är den som i jämförelsen
        ligger närmast Koladas officiella avvikelser. Viktningen ändrar också vad "modellberäknat värde" betyder:
        med elevvikter styrs modellen mest av de stora kommunerna.
        """),
        md("""
        ## Sammanfattning

        Modellen ger ett förväntat värde utifrån elevernas bakgrund och ett prediktionsintervall. Residualen är
        ett sammanhang för kommunens egen utveckling, inte en placering: den rör sig mellan åren, beror på
        modellen och ryms oftast inom intervallet. Nästa lektion: före och efter en insats.
        """),
    ], "Gapet mellan förutsättningar och resultat")


# ---------------------------------------------------------------------------------------------------
# 04 Före och efter en insats
# ---------------------------------------------------------------------------------------------------
def nb04():
    return notebook([
        md("""
        # Före och efter en insats

        *Lektionsmaterial, cirka 40 minuter.* Blev resultaten bättre *på grund av* insatsen? Med 5–15
        årsvärden per kommun är det svårt att veta. Vi jämför fyra upplägg på samma data: enkel före/efter,
        avbruten tidsserie (ITS), jämförelsegrupp (difference-in-differences, DiD) och syntetisk kontroll,
        och avslutar med placebotest.
        """),
        params("""
        insats = "fgte"          # id i params/interventions.yaml
        indikator = "ak3_np"     # åk 3 svenska (första huvudserien): 2010–2022, utan 2020–2021
        kommun = "1381"          # en av insatsens kommuner (Laholm)
        n_boot = 499             # bootstrap-dragningar i DiD (fler = stabilare p-värde, långsammare)
        placebo_serie = "N15419"  # lång Kolada-serie (åk 9 alla ämnen, kommunala skolor) för placebotestet i tid
        placebo_ar = 2012         # låtsas-startår
        placebo_slut = 2016       # sista år: före både insatsen och seriebrottet 2016→2017
        """),
        code(SETUP + """
from fgte_research import breaks, interventions as iv
from fgte_research.intervention_study import study
"""),
        code("""
        post = iv.get_intervention(insats)
        display(Markdown(f"**{post.name}**. Kommuner: {', '.join(mun.name_of(m) for m in post.municipalities)}. "
                         f"Första påverkade år: {post.first_treated_year}."))
        for a in post.assumptions:
            print("Antagande:", a.text)
        """),
        code("""
        st = study(insats, indikator, n_boot=n_boot)
        tab = st.tidy()
        huvud = tab.groupby(["design", "treated"], sort=False).head(1)  # the headline term of each design
        display(huvud[["design", "treated", "term", "estimate", "ci_low", "ci_high", "p_value", "n_pre", "n_post"]])
        for s in st.skipped:
            print("Saknas:", s)
        """),
        md("""
        ## 1. Naiv före/efter

        Medelvärdet efter minus medelvärdet före. Allt som hänt under tiden (nya kurser, ändrade prov,
        pandemin, en ny elevsammansättning) tillskrivs insatsen.
        """),
        code("""
        def valj(design, m=kommun):
            return next(r for r in st.results if r.design == design and mun.resolve(m) in r.treated)

        ba = valj("before_after")
        ba.plot(); plt.show()
        print(ba.summary_sv())
        """),
        md("""
        ## 2. Avbruten tidsserie (ITS)

        En linje anpassas till åren före och förlängs; effekten är avståndet mellan förlängningen och det som
        hände. Med få år före blir förlängningen mycket osäker, vilket syns i intervallet.
        """),
        code("""
        its_res = valj("its")
        its_res.plot(); plt.show()
        print(its_res.summary_sv())
        """),
        md("""
        ## 3. Jämförelsegrupp (DiD)

        Jämför förändringen i insatsens kommuner med förändringen i liknande kommuner utan insatsen. Det
        tar bort sådant som hänt alla kommuner samtidigt, men bygger på antagandet att utvecklingen annars
        skulle ha varit parallell.
        """),
        code("""
        did_res = next(r for r in st.results if r.design == "did")
        did_res.plot(); plt.show()
        print(did_res.summary_sv())
        """),
        md("""
        ## 4. Syntetisk kontroll och placebotest i rummet

        En viktad blandning av kommuner utan insatsen som följer kommunen så nära som möjligt före starten.
        Placebotestet gör samma sak för varje jämförelsekommun, som om den hade fått insatsen: om kommunens
        gap inte sticker ut bland placebogapen är effekten inte säkerställd.
        """),
        code("""
        syn = valj("synth")
        syn.plot(); plt.show()
        syn.plot_placebos(); plt.show()
        print(syn.summary_sv())
        """),
        md("""
        ## 5. Placebotest i tiden

        Låtsas att insatsen startade tidigare (`placebo_ar`) och använd bara år före den verkliga starten.
        Då borde ingen "effekt" finnas; hittar metoden ändå en, säger det något om hur mycket som kan uppstå av
        slump och trender. Huvudserien börjar 2016 och har för få år före starten, så testet görs på Koladas
        långa serie (`placebo_serie`) och bara på år före seriebrottet, där definitionen är densamma.
        """),
        code("""
        data = ex.series_values(placebo_serie, panel=panel)[["municipality_id", "year", "value"]]
        data = data[data["municipality_id"] == mun.resolve(kommun)]
        plac = iv.its(data, mun.resolve(kommun), placebo_ar, end_year=placebo_slut,
                      break_years=breaks.break_years(placebo_serie),
                      municipality_name=mun.name_of(kommun), indicator_name=catalogue.series(placebo_serie).title_sv,
                      unit=catalogue.series(placebo_serie).unit)
        plac.plot(); plt.show()
        print(plac.summary_sv())
        """),
        md("""
        ## 6. Vad kan man slutsatsa från 5–15 årsvärden?

        Jämför bredden på intervallen mellan uppläggen. Ett brett intervall som innehåller både stora
        förbättringar och stora försämringar betyder att datan inte räcker för att avgöra frågan, inte att
        insatsen saknar effekt.
        """),
        code("""
        huvud = huvud.assign(bredd=huvud["ci_high"] - huvud["ci_low"])
        display(huvud[["design", "treated", "estimate", "ci_low", "ci_high", "bredd", "n_pre", "n_post"]])
        for w in st.warnings[:8]:
            print("Att tänka på:", w)
        """),
        md("""
        **Övning 4.1.** Kör om med `insats = "samverkan-haparanda"`, `kommun = "2583"`. Hur många år efter
        starten finns? Vad säger varningarna?
        """),
        solution_code("4.1", """
        h = study("samverkan-haparanda", indikator, n_boot=n_boot)
        h_tab = h.tidy().groupby(["design", "treated"], sort=False).head(1)
        print(h_tab[["design", "estimate", "ci_low", "ci_high", "n_pre", "n_post"]].to_string(index=False))
        for w in h.warnings[:6]:
            print("Att tänka på:", w)
        """),
        solution_md("4.1", """
        Med få år efter starten och en enda kommun blir intervallen breda och varningarna många. Slutsatsen
        blir att datan inte kan avgöra om insatsen haft effekt; det är ett ärligt och användbart svar.
        """),
        md("""
        **Övning 4.3.** Byt `indikator` till `ak9_alla`. Den enhetliga åk 9-serien börjar 2016. Hur många år
        före starten finns då, och vad händer med intervallen för ITS?
        """),
        solution_code("4.3", """
        a9 = study(insats, "ak9_alla", designs=("before_after", "its"), n_boot=n_boot)
        a9_tab = a9.tidy().groupby(["design", "treated"], sort=False).head(1)
        a9_tab = a9_tab.assign(bredd=a9_tab["ci_high"] - a9_tab["ci_low"])
        print(a9_tab[["design", "treated", "estimate", "ci_low", "ci_high", "bredd", "n_pre", "n_post"]].to_string(index=False))
        """),
        solution_md("4.3", """
        Med bara två år före starten går det inte att skatta en trend före insatsen på ett meningsfullt sätt:
        ITS-intervallen blir mycket breda. En längre serie före starten är värd mer än en mer avancerad metod.
        """),
        md("""
        **Övning 4.2.** Varför ger de fyra uppläggen olika svar på samma fråga? Vilket antagande gör varje
        upplägg om vad som *skulle* ha hänt utan insatsen?
        """),
        solution_md("4.2", """
        Före/efter antar att inget annat ändrats; ITS att trenden före hade fortsatt; DiD att kommunen hade
        utvecklats parallellt med jämförelsegruppen; syntetisk kontroll att en viktad blandning som följde
        kommunen före starten hade fortsatt följa den. Olika antaganden ger olika kontrafaktiska linjer och
        därmed olika skattningar. När uppläggen pekar åt olika håll och intervallen är breda är den rimliga
        slutsatsen försiktig.
        """),
    ], "Före och efter en insats")


# ---------------------------------------------------------------------------------------------------
# explore.ipynb
# ---------------------------------------------------------------------------------------------------
def explore():
    return notebook([
        md("""
        # Utforska: progression, gap och före/efter

        Välj kommun (namn eller kod), nyckeltal, referens och år. Figuren och texten räknas om direkt.
        Under visas gapet mellan förutsättningar och resultat (projektets SALSA-liknande modell,
        `fgte_research.gaps.salsa_gap`, med modellens specifikation och Koladas officiella avvikelse år för år)
        och en snabb före/efter-jämförelse med dess varningar. Inga rangordningar: allt gäller en kommun i taget.
        """),
        params("""
        kommun = "1380"
        indikator = "ak9_merit"
        referens = "Alla referenser"   # Riket, Länet, FGTE-kommunerna, Liknande kommuner, Alla referenser
        ar = (2010, 2025)
        insatsar = 2018
        """),
        code("""
        %matplotlib inline
        from fgte_research.explorer import Explorer

        utforskare = Explorer(municipality=kommun, indicator=indikator, reference=referens, years=tuple(ar),
                              start_year=insatsar)
        utforskare
        """),
        code("""
        # The same result as text (also visible when the notebook is rendered without widgets)
        print(utforskare.state.summary)
        print()
        print(utforskare.state.gap)
        print()
        print(utforskare.state.before_after)
        """),
        md("""
        ## Så använder du biblioteket

        Varje figur ovan kan återskapas med tre rader:
        """),
        code("""
        from fgte_research.progression import progression
        res = progression("1380", "ak9_merit")
        res.plot();
        """),
        md("""
        Samma resultat som tabell och text: `res.tidy()` och `print(res.summary_sv())`. Gapet:
        `from fgte_research import gaps; g = gaps.salsa_gap("1380", "N15505"); g.tidy()`. För en insats:
        `from fgte_research.intervention_study import study; st = study("fgte", "ak9_alla"); st.tidy()`.
        """),
    ], "Utforska")


NOTEBOOKS = {
    TEACHING / "01_att_lasa_ett_nyckeltal.ipynb": nb01,
    TEACHING / "02_progression_i_stallet_for_rangordning.ipynb": nb02,
    TEACHING / "03_gapet_mellan_forutsattningar_och_resultat.ipynb": nb03,
    TEACHING / "04_fore_och_efter_en_insats.ipynb": nb04,
    ROOT / "notebooks" / "explore.ipynb": explore,
}


def main() -> None:
    for path, build in NOTEBOOKS.items():
        nb = build()
        for i, cell in enumerate(nb.cells):  # stable ids keep the files diffable across regenerations
            cell["id"] = f"{path.stem[:20]}-{i:02d}".replace("_", "-")
        nbformat.validate(nb)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
