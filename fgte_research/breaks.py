"""Registry of known series breaks and the spliced series built around them.

A break between year ``before`` and ``after`` means values on either side are not comparable:
no trend or change may be computed across it (fgte_research.progression and the intervention
designs ask this registry). ``verified`` says whether the break is demonstrated in this project's
data (tests/test_breaks.py shows it) or inferred from documentation and the same KPI family.

Whether a comparative design (calibrated against the country in the same years) may nonetheless cross the åk 9 break
2016→2017 is decided from the data, per series, by fgte_research.break_shift.common_shift (data layer: it reads the
panel); this registry stays the default, break-free answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Break:
    series: tuple[str, ...]
    before: int
    after: int
    kind: str  # "definition", "not_held", "suppression_rule"
    verified: bool
    text_sv: str

    def crossed_by(self, first_year: int, last_year: int) -> bool:
        """True when a window [first_year, last_year] contains both sides of the break."""
        return first_year <= self.before and last_year >= self.after


_KOLADA_AK9 = ("Kolada ändrade definitionen av åk 9-nyckeltalen mellan 2016 och 2017: 2015–2016 är de "
               "ursprungligen publicerade värdena enligt en äldre populationsdefinition, i genomsnitt 4–6 "
               "enheter högre än Skolverkets omräknade 2015/16-värden. Värden före och efter är inte jämförbara.")

BREAKS: tuple[Break, ...] = (
    Break(("N15419", "N15436", "N15505"), 2016, 2017, "definition", True,
          _KOLADA_AK9 + " (Verifierat: 2017–2022 identiska med Skolverket för alla 290 kommuner, 2016 avviker.)"),
    Break(("N15508", "N15428", "N15507", "N15567", "N15561", "N15564",
           "N15433", "N15434", "N15435", "N15425", "N15426", "N15427"), 2016, 2017, "definition", False,
          _KOLADA_AK9 + " (Antaget för denna variant av samma nyckeltalsfamilj; kan inte kontrolleras i "
          "projektets data eftersom Skolverket inte publicerar en omräknad serie för den.)"),
    Break(("N15452", "N15454", "N15472", "N15473"), 2019, 2022, "not_held", True,
          "De nationella proven i åk 3 genomfördes inte 2020 och 2021 (pandemin); åren saknas och "
          "förändringar över glappet ska tolkas med försiktighet."),
    Break(("skv.ak9.*", "skv.ak6.*", "splice.ak9.*", "skv.gr.*", "skv.ak9b.*"), 2023, 2024, "suppression_rule",
          True,
          "Från läsåret 2023/24 prickar Skolverket uppgifter som bygger på färre än 5 elever på kommunnivå "
          "(tidigare färre än 10): fler värden visas för små kommuner från 2024, men själva värdena är "
          "jämförbara."),
)


def _matches(pattern: str, series_id: str) -> bool:
    return series_id == pattern or (pattern.endswith("*") and series_id.startswith(pattern[:-1]))


def breaks_for(series_id: str, kinds: tuple[str, ...] = ("definition", "not_held", "suppression_rule")
               ) -> list[Break]:
    return [b for b in BREAKS if b.kind in kinds and any(_matches(p, series_id) for p in b.series)]


def comparability_breaks(series_id: str) -> list[Break]:
    """Breaks across which values must not be compared (definition changes).

    A suppression-rule change alters which values are shown, not what they mean, and the åk 3 gap
    is missing years rather than a redefinition; both are reported as caveats instead.
    """
    return breaks_for(series_id, kinds=("definition",))


def break_years(series_id: str) -> list[int]:
    """Years y such that values before y and from y on are not comparable (for the designs)."""
    return sorted({b.after for b in comparability_breaks(series_id)})


@dataclass(frozen=True)
class Splice:
    id: str
    primary: str  # Skolverket series with one definition over the whole span
    fill_from: str  # Kolada KPI with the same definition in fill_years
    fill_years: tuple[int, int]
    text_sv: str


SPLICES: tuple[Splice, ...] = tuple(
    Splice(f"splice.ak9.{measure}.kommunal", f"skv.ak9.{measure}.kommunal", kpi, (2017, 2022),
           f"Skolverkets 'Jämförelse av betygsresultat över tid' (en definition 2015/16–) för kommunala skolor; "
           f"där Skolverket prickat ett värde 2017–2022 används Koladas {kpi}, som de åren har samma definition "
           f"(kontrollerat vid varje bygge). Koladas värden före 2017 används inte.")
    for measure, kpi in (("pass_all", "N15419"), ("merit17", "N15505"), ("eligible_voc", "N15436"))
)
