"""The FGTE indicator catalogue: the 13 indicators, covariates, SALSA deviations and soft values.

Every indicator names the real series it is measured by, or says why none exists ("saknas").
Series ids: Kolada KPI ids as Kolada writes them ("N15505"); Skolverket exports as
"skv.<stage>.<measure>.<huvudman>"; spliced series as "splice.<stage>.<measure>.<huvudman>"
(one consistent definition across sources, see ``fgte_research.breaks``).

Choice of population: the FGTE collaboration works through the municipality's own schools, so the
grundskola indicators use "kommunala skolor" where the data allow; where a KPI exists only for
pupils resident in the municipality ("hemkommun") that is used and stated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from . import paths
from .errors import FgteError, InputError

KOLADA_CAPTION = "Bearbetning av data från Kolada"
SKOLVERKET_CAPTION = "Källa: Skolverket, egen bearbetning"


class UnknownIndicator(FgteError, ValueError):
    """An indicator number or id the catalogue does not have; the message lists the valid ones."""


@dataclass(frozen=True)
class Series:
    id: str
    title_sv: str
    source: str  # "kolada", "skolverket" or "splice"
    population: str  # "kommunala skolor", "hemkommun", "samtliga", "fristående skolor", "kommunen"
    unit: str
    has_gender: bool = False
    #: False for a Kolada KPI that is not in the shipped dump: its values come only with `fgte data update`.
    shipped: bool = True

    @property
    def caption(self) -> str:
        return SKOLVERKET_CAPTION if self.source in ("skolverket", "splice") else KOLADA_CAPTION


@dataclass(frozen=True)
class Indicator:
    id: str
    number: int
    title_sv: str  # verbatim from the FGTE plan
    stage: str
    unit: str
    headline: tuple[str, ...]  # series that measure the indicator (two for åk 3: svenska and matematik)
    alternatives: tuple[str, ...] = ()
    higher_is_better: bool = True
    caveats: tuple[str, ...] = ()
    missing_reason: str | None = None  # set when no municipal series exists ("saknas")

    @property
    def available(self) -> bool:
        """True when the indicator has a series with values in the project's data.

        An indicator measured by a series that is not shipped (``Series.shipped`` False) is available only once
        `fgte data update` has fetched values for it and the build has used them; until then it is "saknas" with
        ``missing_reason``.
        """
        if not self.headline:
            return False
        pending = [sid for sid in self.headline if not SERIES[sid].shipped]
        return not pending or set(pending) <= fetched_series_present()


def _k(id_, title, population, unit="andel (%)", gender=True, shipped=True):
    return Series(id_, title, "kolada", population, unit, gender, shipped)


def _s(id_, title, population, unit="andel (%)"):
    return Series(id_, title, "skolverket", population, unit, False)


def _splice(id_, title, population, unit="andel (%)"):
    return Series(id_, title, "splice", population, unit, False)


MERIT = "meritvärde (poäng)"
GBP = "betygspoäng"

SERIES: dict[str, Series] = {s.id: s for s in [
    # Åk 3 national tests
    _k("N15452", "Åk 3 klarat alla delprov i svenska/sva, kommunala skolor", "kommunala skolor"),
    _k("N15454", "Åk 3 klarat alla delprov i matematik, kommunala skolor", "kommunala skolor"),
    _k("N15472", "Åk 3 klarat alla delprov i svenska/sva, hemkommun", "hemkommun"),
    _k("N15473", "Åk 3 klarat alla delprov i matematik, hemkommun", "hemkommun"),
    # Åk 6 (Skolverket only)
    _s("skv.ak6.pass_all.samtliga", "Åk 6 godkänt betyg i alla ämnen, samtliga skolor", "samtliga"),
    _s("skv.ak6.pass_all.kommunal", "Åk 6 godkänt betyg i alla ämnen, kommunala skolor", "kommunala skolor"),
    _s("skv.ak6.pupils.kommunal", "Antal elever åk 6, kommunala skolor", "kommunala skolor", "antal"),
    _s("skv.ak6.pupils.samtliga", "Antal elever åk 6, samtliga skolor", "samtliga", "antal"),
    # Åk 9 — Kolada
    _k("N15419", "Åk 9 uppnått kunskapskraven i alla ämnen, kommunala skolor", "kommunala skolor"),
    _k("N15508", "Åk 9 uppnått kunskapskraven i alla ämnen, hemkommun", "hemkommun"),
    _k("N15505", "Åk 9 meritvärde (17 ämnen), kommunala skolor", "kommunala skolor", MERIT),
    _k("N15507", "Åk 9 meritvärde (17 ämnen), hemkommun", "hemkommun", MERIT),
    _k("N15567", "Åk 9 meritvärde exkl. nyinvandrade och okänd bakgrund, kommunala skolor",
       "kommunala skolor", MERIT),
    _k("N15561", "Åk 9 alla ämnen exkl. nyinvandrade och okänd bakgrund, kommunala skolor", "kommunala skolor"),
    _k("N15564", "Åk 9 behöriga yrkesprogram exkl. nyinvandrade och okänd bakgrund, kommunala skolor",
       "kommunala skolor"),
    _k("N15436", "Åk 9 behöriga till yrkesprogram, kommunala skolor", "kommunala skolor"),
    _k("N15428", "Åk 9 behöriga till yrkesprogram, hemkommun", "hemkommun"),
    _k("N15433", "Åk 9 behöriga till natur/teknik, kommunala skolor", "kommunala skolor"),
    _k("N15434", "Åk 9 behöriga till ekonomi/humanistiska/samhällsvetenskap, kommunala skolor",
       "kommunala skolor"),
    _k("N15435", "Åk 9 behöriga till estetiska programmet, kommunala skolor", "kommunala skolor"),
    _k("N15425", "Åk 9 behöriga till natur/teknik, hemkommun", "hemkommun"),
    _k("N15426", "Åk 9 behöriga till ekonomi/humanistiska/samhällsvetenskap, hemkommun", "hemkommun"),
    _k("N15427", "Åk 9 behöriga till estetiska programmet, hemkommun", "hemkommun"),
    # Åk 9 — Skolverket "Jämförelse av betygsresultat över tid" (one definition 2015/16–)
    *[_s(f"skv.ak9.{m}.{h}", f"{t}, {p}", p, u)
      for h, p in (("kommunal", "kommunala skolor"), ("samtliga", "samtliga"))
      for m, t, u in (("pass_all", "Åk 9 godkänt betyg i alla ämnen", "andel (%)"),
                      ("merit17", "Åk 9 meritvärde (17 ämnen)", MERIT),
                      ("merit16", "Åk 9 meritvärde (16 ämnen)", MERIT),
                      ("eligible_voc", "Åk 9 behöriga till yrkesprogram", "andel (%)"),
                      ("pupils", "Antal elever åk 9", "antal"),
                      ("share_girls", "Åk 9 andel flickor", "andel (%)"),
                      ("share_boys", "Åk 9 andel pojkar", "andel (%)"),
                      ("foreign_bg", "Åk 9 andel med utländsk bakgrund", "andel (%)"),
                      ("parents_posthigh", "Åk 9 andel med föräldrar med eftergymnasial utbildning",
                       "andel (%)"))],
    # Spliced åk 9 series (see breaks.SPLICES)
    _splice("splice.ak9.pass_all.kommunal", "Åk 9 godkänt i alla ämnen, kommunala skolor (enhetlig serie)",
            "kommunala skolor"),
    _splice("splice.ak9.merit17.kommunal", "Åk 9 meritvärde (17 ämnen), kommunala skolor (enhetlig serie)",
            "kommunala skolor", MERIT),
    _splice("splice.ak9.eligible_voc.kommunal",
            "Åk 9 behöriga till yrkesprogram, kommunala skolor (enhetlig serie)", "kommunala skolor"),
    # Gymnasium
    _k("N17691", "Genomsnittlig betygspoäng, gymnasieelever med examen, kommunala skolor", "kommunala skolor",
       GBP),
    _k("N17690", "Genomsnittlig betygspoäng, gymnasieelever med examen, fristående skolor", "fristående skolor",
       GBP),
    _k("N17445", "Gymnasieelever med examen inom 3 år, hemkommun", "hemkommun"),
    _k("N17451", "Gymnasieelever med examen inom 3 år, kommunala skolor", "kommunala skolor"),
    _k("N17452", "Examen inom 3 år, högskoleförberedande program, kommunala skolor", "kommunala skolor"),
    _k("N17453", "Examen inom 3 år, yrkesprogram, kommunala skolor", "kommunala skolor"),
    _k("N17461", "Gymnasieelever med examen inom 4 år, hemkommun", "hemkommun"),
    # Not in the shipped dump (it ends 2022 and lacks them); they come with `fgte data update`. Every id checked
    # against data/raw/kolada_meta/kolada_kpi_catalogue.csv (tests/test_kolada_update.py checks it again).
    _k("N17694", "Genomsnittlig betygspoäng, gymnasieelever med examen, högskoleförberedande program, "
       "kommunala skolor", "kommunala skolor", GBP, shipped=False),
    _k("N17697", "Genomsnittlig betygspoäng, gymnasieelever med examen, yrkesprogram, kommunala skolor",
       "kommunala skolor", GBP, shipped=False),
    _k("N17699", "Genomsnittlig betygspoäng, gymnasieelever med examen, högskoleförberedande program, hemkommun",
       "hemkommun", GBP, shipped=False),
    _k("N17700", "Genomsnittlig betygspoäng, gymnasieelever med examen, yrkesprogram, hemkommun", "hemkommun",
       GBP, shipped=False),
    _k("N17446", "Examen inom 3 år, högskoleförberedande program, hemkommun", "hemkommun", shipped=False),
    _k("N17447", "Examen inom 3 år, yrkesprogram, hemkommun", "hemkommun", shipped=False),
    _k("N15540", "Åk 6 uppnått betygskriterierna i alla ämnen, kommunala skolor", "kommunala skolor",
       shipped=False),
    _k("N17467", "Gymnasieelever med examen inom 4 år, kommunala skolor", "kommunala skolor"),
    # Covariates
    _k("N15820", "Elever med föräldrar med eftergymnasial utbildning, åk 1–9, kommunala skolor",
       "kommunala skolor", gender=False),
    _k("N15822", "Elever med utländsk bakgrund, åk 1–9, kommunala skolor", "kommunala skolor", gender=False),
    _k("N15823", "Nyinvandrade och okänd bakgrund, åk 9, kommunala skolor", "kommunala skolor", gender=False),
    _k("N15902", "Nyinvandrade och okänd bakgrund, åk 1–9, kommunala skolor", "kommunala skolor", gender=False),
    _k("N15901", "Nyinvandrade elever, åk 1–9, hemkommun", "hemkommun", gender=False),
    _k("N17831", "Elever med föräldrar med eftergymnasial utbildning, kommunal gymnasieskola",
       "kommunala skolor", gender=False),
    _k("N17832", "Kvinnor bland elever i kommunal gymnasieskola", "kommunala skolor", gender=False),
    _k("N17902", "Nyinvandrade och okänd bakgrund, kommunal gymnasieskola", "kommunala skolor", gender=False),
    _k("N00905", "Mediannettoinkomst, kr/invånare 20+ år", "kommunen", "kr", gender=True),
    _k("N01951", "Invånare totalt, antal", "kommunen", "antal", gender=True),
    _k("N01982", "Invånare 25–64 år med eftergymnasial utbildning", "kommunen", gender=True),
    _k("N02901", "Invånare 0–19 år med föräldrar med högst grundskoleutbildning", "kommunen", gender=False),
    _k("N01984", "Invånare 25–64 år med förgymnasial utbildning", "kommunen", gender=False),
    _k("N00954", "Tätortsgrad (andel som bor i tätort)", "kommunen", gender=False),
    # Socio-economic background as SKR's gap models use it ("behov av ekonomiskt bistånd", parents' income):
    # social assistance, low economic standard, income, labour market (Kolada, from the same dump, to 2021/2022)
    *[_k(k, t, "kommunen", u, gender=False) for k, t, u in (
        ("N31807", "Invånare som någon gång under året erhållit ekonomiskt bistånd", "andel (%)"),
        ("U31803", "Barn i familjer med ekonomiskt bistånd", "andel (%)"),
        ("U31804", "Unga vuxna 18–24 år med ekonomiskt bistånd", "andel (%)"),
        ("N31814", "Långvarigt ekonomiskt bistånd, andel av vuxna biståndsmottagare", "andel (%)"),
        ("N31816", "Vuxna med långvarigt ekonomiskt bistånd, andel av befolkningen", "andel (%)"),
        ("U31801", "Mycket långvarigt ekonomiskt bistånd, andel av vuxna biståndsmottagare", "andel (%)"),
        ("N31870", "Biståndsmottagare 0–17 år, andel av biståndsmottagarna", "andel (%)"),
        ("N31004", "Utbetalt ekonomiskt bistånd (exkl. flyktinghushåll), kr/invånare", "kr"),
        ("N31008", "Nettokostnad ekonomiskt bistånd, kr/invånare", "kr"),
        ("N01454", "Invånare 25+ med varaktigt låg ekonomisk standard (relativ)", "andel (%)"),
        ("N01455", "Invånare 25+ med varaktigt låg inkomststandard (absolut)", "andel (%)"),
        ("N66077", "Invånare 0–19 år med låg ekonomisk standard", "andel (%)"),
        ("N66078", "Invånare 20–64 år med låg ekonomisk standard", "andel (%)"),
        ("U01803", "Invånare 18–64 år med låg inkomst", "andel (%)"),
        ("N00906", "Sammanräknad förvärvsinkomst 20–64 år (median)", "kr"),
        ("N00708", "Arbetslöshet någon gång under året, inrikes födda 20–64 år", "andel (%)"),
        ("N03920", "Arbetslöshet 18–65 år, årsmedelvärde", "andel (%)"),
        ("N03921", "Arbetslöshet 16–24 år, årsmedelvärde", "andel (%)"),
        ("N03926", "Långtidsarbetslöshet 25–65 år, årsmedelvärde", "andel (%)"),
        ("N07907", "Trångboddhet i flerbostadshus (norm 2)", "andel (%)"),
        ("N02942", "Ensamstående hushåll", "andel (%)"),
        ("N02903", "Invånare 0–19 år med minst en förälder med sjuk- eller aktivitetsersättning", "andel (%)"),
    )],
    # The pupils of the municipality's own gymnasium (composition and programme mix)
    _k("N17833", "Utländsk bakgrund bland elever i kommunal gymnasieskola", "kommunala skolor", gender=False),
    _k("N17837", "Elever på högskoleförberedande program i kommunal gymnasieskola", "kommunala skolor",
       gender=False),
    _k("N17839", "Elever på yrkesprogram i kommunal gymnasieskola", "kommunala skolor", gender=False),
    _k("N17841", "Elever på introduktionsprogram i kommunal gymnasieskola", "kommunala skolor", gender=False),
    # Kolada SALSA deviations (actual − model value)
    _k("U15457", "Åk 9 alla ämnen, avvikelse från modellberäknat värde, kommunala skolor", "kommunala skolor",
       "procentenheter", gender=False),
    _k("U15459", "Åk 9 meritvärde, avvikelse från modellberäknat värde, kommunala skolor", "kommunala skolor",
       "meritvärdespoäng", gender=False),
    _k("U15461", "Åk 9 behöriga yrkesprogram, avvikelse från modellberäknat värde, kommunala skolor",
       "kommunala skolor", "procentenheter", gender=False),
    _k("U17446", "Gymnasiet betygspoäng, avvikelse från modellberäknat värde, kommunala skolor",
       "kommunala skolor", "betygspoäng", gender=False),
    _k("U17448", "Examen inom 3 år, avvikelse från modellberäknat värde, kommunala skolor", "kommunala skolor",
       "procentenheter", gender=False),
    _k("U17449", "Examen inom 4 år, avvikelse från modellberäknat värde, kommunala skolor", "kommunala skolor",
       "procentenheter", gender=False),
    # Skolenkäten (soft values) as present in the Kolada dump: trygghet, arbetsro, nöjdhet, inflytande
    *[_k(k, t, "samtliga") for k, t in (
        ("N15613", "Åk 5: känner sig trygg i skolan"),
        ("N15643", "Åk 8: känner sig trygg i skolan"),
        ("N17673", "Gymnasiet år 2: känner sig trygg i skolan"),
        ("N15603", "Åk 5: arbetsro på lektionerna (alltid/ofta)"),
        ("N15633", "Åk 8: arbetsro på lektionerna (alltid/ofta)"),
        ("N17663", "Gymnasiet år 2: arbetsro på lektionerna (alltid/ofta)"),
        ("N15629", "Åk 5: nöjd med sin skola"),
        ("N15659", "Åk 8: nöjd med sin skola"),
        ("N17689", "Gymnasiet år 2: nöjd med sin skola"),
        ("N15618", "Åk 5: får vara med och påverka hur man arbetar på lektionerna"),
        ("N15648", "Åk 8: får vara med och påverka hur man arbetar på lektionerna"),
        ("N17678", "Gymnasiet år 2: får vara med och påverka hur man arbetar på lektionerna"),
    )],
]}

_SMALL = ("Värden för små kommuner varierar kraftigt mellan åren; en enskild årsförändring kan vara slump.")
#: The command that fetches the newest Kolada values (and the series the shipped dump lacks).
UPDATE_COMMAND = "fgte data update"
_NO_GBP_SPLIT = ("Det finns ännu ingen kommunal serie för betygspoäng per programtyp i projektets data. Kolada "
                 "publicerar måttet (N17694 och N17697, kommunala skolor), men det ingår inte i det levererade "
                 f"datauttaget. Kör `{UPDATE_COMMAND}` på en dator med internet för att hämta det.")

#: Caveats say what a series measures and how to read it. Which years a series covers is not written here: it
#: follows the data (`fgte data update` brings newer years), and reports state each series' latest year.
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "ak3_np", 1, "Andel av samtliga elever som uppnått kravnivån i nationella delprov i åk 3", "åk 3",
        "andel (%)", headline=("N15472", "N15473"), alternatives=("N15452", "N15454"),
        caveats=("Kolada har inget samlat mått för svenska och matematik; de två ämnena visas var för sig.",
                 "Populationen är elever folkbokförda i kommunen (hemkommun), alla huvudmän.",
                 "Nationella proven i åk 3 genomfördes inte 2020 och 2021 (pandemin): de åren saknas.", _SMALL)),
    Indicator(
        "ak6_alla", 2, "Andel elever som når godkänt betyg i alla ämnen i åk 6", "åk 6", "andel (%)",
        headline=("skv.ak6.pass_all.kommunal",), alternatives=("skv.ak6.pass_all.samtliga",),
        caveats=("Serien finns bara från läsåret 2019/20 (Skolverkets export); 2013–2019 saknas "
                 "(Kolada N15539–N15543 ingår inte i datauttaget).",
                 "Från läsåret 2023/24 ändrade Skolverket gränsen för prickning (..).")),
    Indicator(
        "ak9_alla", 3, "Andel elever som når godkänt i alla betyg i åk 9", "åk 9", "andel (%)",
        headline=("splice.ak9.pass_all.kommunal",),
        alternatives=("N15419", "N15508", "skv.ak9.pass_all.samtliga", "N15561"),
        caveats=("Enhetlig serie 2016–2025 från Skolverkets jämförelse över tid. Koladas N15419 före 2017 "
                 "bygger på en äldre definition (seriebrott 2016→2017) och skarvas inte på.",)),
    Indicator(
        "ak9_merit_utan_nyanlanda", 4, "Genomsnittligt meritvärde utan nyanlända (åk 9)", "åk 9", MERIT,
        headline=("N15567",),
        caveats=("Avser elever exklusive nyinvandrade och elever med okänd bakgrund, kommunala skolor.",
                 "Sannolikt seriebrott 2016→2017 som i övriga åk 9-nyckeltal; kan inte kontrolleras här.")),
    Indicator(
        "ak9_merit", 5, "Genomsnittligt meritvärde med nyanlända (åk 9)", "åk 9", MERIT,
        headline=("splice.ak9.merit17.kommunal",),
        alternatives=("N15505", "N15507", "skv.ak9.merit17.samtliga"),
        caveats=("Enhetlig serie 2016–2025 (17 ämnen). Koladas N15505 2015–2016 har en äldre definition "
                 "och skarvas inte på.",)),
    Indicator(
        "ak9_behorig_hf", 6, "Andel behöriga till högskoleförberedande program (åk 9)", "åk 9", "andel (%)",
        headline=("N15435",), alternatives=("N15434", "N15433", "N15427", "N15426", "N15425"),
        caveats=("Kolada har inget samlat mått. Behörighet till estetiska programmet (det högskoleförberedande "
                 "program som har lägst krav) används som mått på behörighet till minst ett "
                 "högskoleförberedande program; övriga programinriktningar visas som alternativ.",
                 "Sannolikt seriebrott 2016→2017 som i övriga åk 9-nyckeltal.")),
    Indicator(
        "ak9_behorig_yp", 7, "Andel behöriga till yrkesprogram (åk 9)", "åk 9", "andel (%)",
        headline=("splice.ak9.eligible_voc.kommunal",),
        alternatives=("N15436", "N15428", "skv.ak9.eligible_voc.samtliga", "N15564"),
        caveats=("Enhetlig serie 2016–2025. Koladas N15436 före 2017 har en äldre definition.",)),
    Indicator(
        "gy_gbp", 8, "Genomsnittlig betygspoäng gymnasiet (åk 3)", "gymnasiet", GBP,
        headline=("N17691",), alternatives=("N17690",),
        caveats=("Avser kommunala gymnasieskolor i kommunen; kommuner utan elever med examen i en egen "
                 "gymnasieskola saknar värde. Hyltes egen gymnasieskola hade 2017–2019 bara introduktionsprogram "
                 "och 2020–2022 82–89 % av eleverna där (N17841), så Hylte saknar värde efter 2017; Hyltes "
                 "gymnasieelever följs med hemkommunsserierna (indikator 11).", _SMALL)),
    Indicator(
        "gy_gbp_hf", 9, "Genomsnittlig betygspoäng högskoleförberedande program (åk 3)", "gymnasiet", GBP,
        headline=("N17694",),
        caveats=("Avser kommunala gymnasieskolor i kommunen, som indikator 8; kommuner utan egen gymnasieskola "
                 "saknar värde. Hemkommunsvarianten (N17699) hämtas också men visas inte.",
                 "Serien hämtas från Kolada med `fgte data update`; den ingår inte i det levererade datauttaget.",
                 _SMALL),
        missing_reason=_NO_GBP_SPLIT),
    Indicator(
        "gy_gbp_yp", 10, "Genomsnittlig betygspoäng yrkesprogram (åk 3)", "gymnasiet", GBP,
        headline=("N17697",),
        caveats=("Avser kommunala gymnasieskolor i kommunen, som indikator 8; kommuner utan egen gymnasieskola "
                 "saknar värde. Hemkommunsvarianten (N17700) hämtas också men visas inte.",
                 "Serien hämtas från Kolada med `fgte data update`; den ingår inte i det levererade datauttaget.",
                 _SMALL),
        missing_reason=_NO_GBP_SPLIT),
    Indicator(
        "gy_examen", 11, "Andel elever som tar gymnasieexamen efter 3 år", "gymnasiet", "andel (%)",
        headline=("N17445",), alternatives=("N17451", "N17461"),
        caveats=("Avser elever folkbokförda i kommunen (hemkommun); året är examensåret.", _SMALL)),
    Indicator(
        "gy_examen_hf", 12, "Andel elever som tar en högskoleförberedande examen efter 3 år", "gymnasiet",
        "andel (%)", headline=("N17452",),
        caveats=("Avser kommunala skolor, så kommuner utan egen gymnasieskola med nationella program saknar "
                 "värde (t.ex. Hylte, vars egen gymnasieskola till största delen har introduktionsprogram); "
                 "hemkommunsvarianten (N17446) ingår inte i det levererade datauttaget och visas inte här.",
                 _SMALL)),
    Indicator(
        "gy_examen_yp", 13, "Andel elever som tar en yrkesexamen efter 3 år", "gymnasiet", "andel (%)",
        headline=("N17453",),
        caveats=("Avser kommunala skolor, så kommuner utan egen gymnasieskola saknar värde; "
                 "hemkommunsvarianten (N17447) ingår inte i det levererade datauttaget och visas inte här.",
                 _SMALL)),
)


@dataclass(frozen=True)
class Covariate:
    id: str
    title_sv: str
    series: tuple[str, ...]  # preferred first


COVARIATES: tuple[Covariate, ...] = (
    Covariate("parents_posthigh", "Andel elever med föräldrar med eftergymnasial utbildning",
              ("skv.ak9.parents_posthigh.kommunal", "N15820", "N17831")),
    Covariate("newly_arrived", "Andel nyinvandrade och elever med okänd bakgrund",
              ("N15823", "N15902", "N15901", "N17902")),
    Covariate("share_boys", "Andel pojkar", ("skv.ak9.share_boys.kommunal",)),
    Covariate("foreign_bg", "Andel elever med utländsk bakgrund", ("skv.ak9.foreign_bg.kommunal", "N15822")),
    Covariate("median_income", "Mediannettoinkomst (kr)", ("N00905",)),
    Covariate("population", "Antal invånare", ("N01951",)),
    Covariate("adult_posthigh", "Vuxna 25–64 år med eftergymnasial utbildning", ("N01982",)),
    Covariate("low_educated_parents", "Barn 0–19 år vars föräldrar har högst grundskoleutbildning", ("N02901",)),
    Covariate("gy_share_women", "Andel kvinnor i kommunal gymnasieskola", ("N17832",)),
)

SALSA_DEVIATIONS: dict[str, str] = {
    # official deviation KPI -> the outcome series it belongs to
    "U15457": "N15419",
    "U15459": "N15505",
    "U15461": "N15436",
    "U17446": "N17691",
    "U17448": "N17451",
    "U17449": "N17467",
}

SOFT_VALUE_KPIS: tuple[str, ...] = ("N15613", "N15643", "N17673", "N15603", "N15633", "N17663",
                                    "N15629", "N15659", "N17689", "N15618", "N15648", "N17678")


def indicator(key: str | int) -> Indicator:
    """Look up an indicator by id ("ak9_merit") or number (5)."""
    for ind in INDICATORS:
        if key == ind.id or key == ind.number or (isinstance(key, str) and key.isdigit() and int(key) == ind.number):
            return ind
    valid = ", ".join(f"{i.number}={i.id}" for i in INDICATORS)
    raise UnknownIndicator(f"okänd indikator {key!r}; giltiga: {valid}")


def series(series_id: str) -> Series:
    try:
        return SERIES[series_id]
    except KeyError:
        raise InputError(f"okänd serie {series_id!r}; se fgte_research.catalogue.SERIES") from None


def all_kolada_kpis() -> set[str]:
    """Every Kolada KPI the workbench reads: the shipped ones and those only `fgte data update` fetches."""
    return {s.id for s in SERIES.values() if s.source == "kolada"}


def shipped_kolada_kpis() -> set[str]:
    """The Kolada KPIs whose raw files are shipped in data/raw/kolada (the open-numbers dump)."""
    return {s.id for s in SERIES.values() if s.source == "kolada" and s.shipped}


#: Key of the build manifest (data/processed/build_manifest.json) listing the not-shipped series with values.
FETCHED_SERIES_KEY = "fetched_only_series"
_PRESENT_CACHE: dict[tuple, frozenset] = {}


def fetched_series_present() -> frozenset[str]:
    """Not-shipped series that the last build found values for (read from the build manifest; empty if none).

    The catalogue is below the data layer, so it reads the one plain JSON file the build writes last, keyed on
    its path and modification time; `fgte data update` rebuilds, so the file is current after an update.
    """
    path = paths.processed_dir() / "build_manifest.json"
    try:
        st = path.stat()
    except OSError:
        return frozenset()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _PRESENT_CACHE:
        try:
            found = json.loads(path.read_text(encoding="utf-8")).get(FETCHED_SERIES_KEY, [])
        except (OSError, ValueError, AttributeError):
            found = []
        _PRESENT_CACHE.clear()
        _PRESENT_CACHE[key] = frozenset(str(x) for x in found)
    return _PRESENT_CACHE[key]


def indicators_frame() -> pd.DataFrame:
    """The catalogue as a table (one row per indicator), for `fgte indicators` and notebooks."""
    rows = []
    for ind in INDICATORS:
        first = SERIES[ind.headline[0]] if ind.available else None
        rows.append({
            "nr": ind.number, "id": ind.id, "indikator": ind.title_sv, "skolstadium": ind.stage,
            "enhet": ind.unit, "serier": ", ".join(ind.headline) if ind.available else "saknas",
            "population": first.population if first else "–",
            "alternativa_serier": ", ".join(ind.alternatives),
            "högre_är_bättre": ind.higher_is_better,
            "kommentar": " ".join(ind.caveats) if ind.available else (ind.missing_reason or ""),
        })
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ZeroRule:
    """When a published 0 means "no such pupils" rather than a result: the data must show it.

    A 0 in ``series`` becomes missing only where none of the ``companions`` (series describing the same pupils)
    has a positive value in the year ``lag`` years before (the cohort's start year for examen within 3/4 years; the
    same year otherwise). Elsewhere the 0 stays a value, flagged in its source with the evidence.
    """

    series: str
    companions: tuple[str, ...]
    lag: int
    no_pupils_sv: str  # why the 0 is missing (followed by the companions and the year)
    real_sv: str  # why the 0 is a value (followed by the evidence)


#: The pupils of the municipality's own (kommunala) gymnasium schools: any positive share says they existed.
OWN_GYMNASIUM = ("N17832", "N17841", "N17837", "N17839", "N17902", "N17831", "N17833")
_GY_MISSING = "0 i källan och kommunens egen gymnasieskola hade inga elever"
_GY_REAL = "0 är ett verkligt värde: kommunens egen gymnasieskola hade elever"
_AK3_MISSING = "0 % i källan och inget resultat i det andra ämnet samma år: inga elever skrev proven"
_AK3_REAL = "0 % är ett verkligt värde: eleverna skrev proven"
_SMALL_ZERO = "Ett resultat på 0 förekommer bara i små elevgrupper: tolka med försiktighet."

ZERO_RULES: dict[str, ZeroRule] = {r.series: r for r in [
    *[ZeroRule(sid, OWN_GYMNASIUM, 3, _GY_MISSING, _GY_REAL) for sid in ("N17451", "N17452", "N17453")],
    ZeroRule("N17467", OWN_GYMNASIUM, 4, _GY_MISSING, _GY_REAL),
    *[ZeroRule(sid, OWN_GYMNASIUM, 0, _GY_MISSING, _GY_REAL) for sid in ("N17691", "N17694", "N17697")],
    *[ZeroRule(sid, tuple(c for c in OWN_GYMNASIUM if c != sid), 0, _GY_MISSING, _GY_REAL)
      for sid in ("N17831", "N17832", "N17902")],
    ZeroRule("N15452", ("N15454",), 0, _AK3_MISSING, _AK3_REAL),
    ZeroRule("N15454", ("N15452",), 0, _AK3_MISSING, _AK3_REAL),
    ZeroRule("N15472", ("N15473",), 0, _AK3_MISSING, _AK3_REAL),
    ZeroRule("N15473", ("N15472",), 0, _AK3_MISSING, _AK3_REAL),
]}
SMALL_ZERO_SV = _SMALL_ZERO
#: How the evidence for a kept 0 reads (companion series → what its share counts).
EVIDENCE_SV = {"N17841": "på introduktionsprogram", "N17837": "på högskoleförberedande program",
               "N17839": "på yrkesprogram", "N17832": "kvinnor", "N17902": "nyinvandrade eller okänd bakgrund",
               "N17831": "med föräldrar med eftergymnasial utbildning", "N17833": "med utländsk bakgrund",
               "N15452": "klarade svenska", "N15454": "klarade matematik", "N15472": "klarade svenska",
               "N15473": "klarade matematik"}
