"""Gap proxies beside the SALSA-like model: girls–boys gap, with vs without newly arrived, and Kolada's official
SALSA deviation. Each returns a ProxyResult (the analysis contract, :mod:`fgte_research.contract`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import catalogue, style
from .. import municipalities as mun
from ..contract import AnalysisResult, DataMissing, tidy_frame
from ..text_sv import fmt_ci, fmt_num
from ..verdicts import level_verdict
from ._common import NOT_A_RANKING, OUTCOMES, PUPILS, break_warnings, own, resid_unit, years_filter
from ..errors import InputError


def _interval_words(lo: float, hi: float) -> str:
    # A proxy's yearly interval (binomial sampling of one cohort) is not size-checked against the country, so it is
    # described, not given a verdict word.
    return "intervallet rymmer noll" if lo <= 0 <= hi else "intervallet rymmer inte noll"


@dataclass(repr=False)
class ProxyResult(AnalysisResult):
    """A descriptive gap measure per year: estimate (with ci_low/ci_high where an interval can honestly be given)."""

    kind: str
    municipality_id: str
    municipality_name: str
    title_sv: str
    definition_sv: str
    unit: str
    table: pd.DataFrame  # year, estimate, ci_low, ci_high, method, status + components
    caption_sv: str
    warnings: list[str] = field(default_factory=list)
    series: str = ""

    @property
    def analysis(self) -> str:  # type: ignore[override]
        return self.kind

    def data(self) -> pd.DataFrame:
        """Per year: estimate, interval, components and status."""
        return self.table.assign(kind=self.kind, municipality_id=self.municipality_id)

    def tidy(self) -> pd.DataFrame:
        ok = self.table[self.table["status"] == "ok"]
        rows = [{"term": "estimate", "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                 "years": str(int(r.year)), "n": 1, "method": r.method,
                 "verdict": level_verdict(r.ci_low, r.ci_high) if self.kind == "official_deviation" else ""}
                for r in ok.itertuples()]
        return tidy_frame(rows, analysis=self.kind, municipality_id=self.municipality_id, series=self.series)

    def summary_sv(self) -> str:
        lines = [f"{self.title_sv}, {self.municipality_name}. {self.definition_sv}"]
        for r in self.table.itertuples():
            if r.status != "ok":
                lines.append(f"{r.year}: saknas.")
                continue
            s = f"{r.year}: {fmt_num(r.estimate, signed=True)} {self.unit}"
            s += f" ({fmt_ci(r.ci_low, r.ci_high)}; {_interval_words(r.ci_low, r.ci_high)})" \
                if not math.isnan(r.ci_low) else " (beskrivande, inget osäkerhetsintervall)"
            lines.append(s + ".")
        return "\n".join(lines + [f"Obs: {w}" for w in self.warnings])

    def plot(self, ax=None):
        fig, ax = style.new_figure(ax, figsize=(6.5, 3.4))
        t = self.table
        ok = t[t["status"] == "ok"]
        ax.axhline(0, color="#555555", linewidth=1)
        ci = ok.dropna(subset=["ci_low"])
        if not ci.empty:
            ax.errorbar(ci["year"], ci["estimate"], fmt="none", ecolor="black", capsize=3, linewidth=1,
                        yerr=[ci["estimate"] - ci["ci_low"], ci["ci_high"] - ci["estimate"]], label="95\u00a0% KI")
        ax.plot(ok["year"], ok["estimate"], label=self.municipality_name, **style.OWN_STYLE)
        style.year_axes(ax, int(t["year"].min()), int(t["year"].max()), t.loc[t["status"] != "ok", "year"],
                        self.title_sv, self.unit)
        style.caption(fig, f"{self.caption_sv}. {self.definition_sv.split('. ')[0]}.")
        fig.tight_layout()
        return fig


def gender_gap(municipality, outcome: str = "N15505", year: int | None = None, *, years=None) -> ProxyResult:
    """Girls minus boys (Kolada K/M rows). A binomial 95 % interval is given for the shares N15419/N15436 in years
    with Skolverket pupil counts (pupils × share boys, kommunala skolor, 2016–); otherwise descriptive."""
    mid = mun.resolve(municipality)
    meta = catalogue.series(outcome)
    if not meta.has_gender or meta.source != "kolada" or outcome.startswith("U"):
        raise InputError(f"{outcome} har ingen uppdelning på flickor och pojkar i datan; välj t.ex. N15505, N15419, "
                         f"N15436")
    k, m = own(outcome, mid, "K"), own(outcome, mid, "M")
    total = years_filter(own(outcome, mid, "T"), years, year)
    counts = outcome in ("N15419", "N15436")
    pupils, boys = own(PUPILS, mid), own("skv.ak9.share_boys.kommunal", mid)
    rows = []
    for year in total.index:
        pk, pm = k.get(year, np.nan), m.get(year, np.nan)
        est = pk - pm
        lo = hi = np.nan
        method = "beskrivande (inga elevantal per kön eller spridningsmått)"
        n = pupils.get(year, np.nan)
        if counts and not np.isnan(est) and not np.isnan(n) and not np.isnan(boys.get(year, np.nan)) \
                and 0 < pk < 100 and 0 < pm < 100:
            nm = n * boys[year] / 100
            nk = n - nm
            se = math.sqrt(pk * (100 - pk) / nk + pm * (100 - pm) / nm)
            lo, hi = est - 1.96 * se, est + 1.96 * se
            method = "binomial approximation; elevantal per kön = elever åk 9 × andel pojkar (Skolverket)"
        rows.append({"year": int(year), "estimate": est, "ci_low": lo, "ci_high": hi, "girls": pk, "boys": pm,
                     "method": method, "status": "ok" if not np.isnan(est) else "saknas"})
    table = pd.DataFrame(rows)
    if table.empty or (table["status"] != "ok").all():
        raise DataMissing(f"{mun.name_of(mid)} har inga värden för flickor och pojkar i {outcome}")
    warnings = break_warnings(outcome, table.loc[table["status"] == "ok", "year"])
    if counts:
        warnings.append("Intervallet behandlar årskullen som ett urval (samma konvention som för förändringar); "
                        "elevantalen per kön är uppskattade och avser alla elever i åk 9, inte bara de med betyg.")
    else:
        warnings.append("Inga elevantal per kön eller spridningsmått finns för detta mått: skillnaden är "
                        "beskrivande och kan för små kommuner bero på slump.")
    return ProxyResult("gender_gap", mid, mun.name_of(mid), f"Skillnad flickor − pojkar: {meta.title_sv}",
                       f"Flickornas värde minus pojkarnas värde ({outcome}, Kolada). Positivt värde: flickorna "
                       f"har högre värde.", resid_unit(outcome), table, meta.caption, warnings, outcome)


def newly_arrived_gap(municipality, year: int | None = None, *, years=None) -> ProxyResult:
    """Merit value of all pupils minus merit value excluding newly arrived and unknown background (N15505 − N15567)."""
    mid = mun.resolve(municipality)
    total = years_filter(own("N15505", mid), years, year)
    excl, share = own("N15567", mid), own("N15823", mid)
    rows = [{"year": int(y), "estimate": total[y] - excl.get(y, np.nan), "ci_low": np.nan, "ci_high": np.nan,
             "merit_all": total[y], "merit_excl_newly_arrived": excl.get(y, np.nan),
             "share_newly_arrived": share.get(y, np.nan), "method": "beskrivande"} for y in total.index]
    table = pd.DataFrame(rows)
    table["status"] = np.where(table["estimate"].notna(), "ok", "saknas")
    if (table["status"] != "ok").all():
        raise DataMissing(f"{mun.name_of(mid)} har inga värden för N15505 och N15567")
    return ProxyResult(
        "newly_arrived_gap", mid, mun.name_of(mid), "Meritvärde med minus utan nyinvandrade elever",
        "Genomsnittligt meritvärde för alla elever (N15505) minus meritvärdet för elever exklusive nyinvandrade "
        "(kortare än 4 år i Sverige) och elever med okänd bakgrund (N15567), kommunala skolor. Negativt värde: "
        "de nyinvandrade elevernas resultat drar ned kommunens genomsnitt.", "meritvärdespoäng", table,
        catalogue.KOLADA_CAPTION,
        ["Beskrivande: inga elevantal eller spridningsmått per grupp finns, så inget osäkerhetsintervall ges.",
         "Storleken beror på hur stor andel av eleverna som är nyinvandrade (N15823; i tabellen kolumnen "
             "share_newly_arrived).",
         "N15505 2015–2016 följer en äldre definition (2016 exkluderades elever med okänd bakgrund): jämför inte "
         "över 2016→2017."], "N15505")


def official_deviation(municipality, outcome_or_kpi: str = "U15459", year: int | None = None, *, years=None
                       ) -> ProxyResult:
    """Kolada's official SALSA deviation (actual − SKR's model value) for the municipality, as published."""
    mid = mun.resolve(municipality)
    kpi = outcome_or_kpi if outcome_or_kpi in catalogue.SALSA_DEVIATIONS else \
        OUTCOMES[outcome_or_kpi].deviation if outcome_or_kpi in OUTCOMES else None
    if kpi is None:
        raise InputError(f"okänt avvikelsenyckeltal {outcome_or_kpi!r}; "
                         f"giltiga: {', '.join(catalogue.SALSA_DEVIATIONS)}")
    values = years_filter(own(kpi, mid), years, year)
    table = pd.DataFrame({"year": values.index.astype(int), "estimate": values.to_numpy(), "ci_low": np.nan,
                          "ci_high": np.nan, "method": "publicerat av Kolada (SKR/SCB)"})
    table["status"] = np.where(table["estimate"].notna(), "ok", "saknas")
    if (table["status"] != "ok").all():
        raise DataMissing(f"{mun.name_of(mid)} har inga värden för {kpi} (saknas eller prickat)")
    meta = catalogue.series(kpi)
    return ProxyResult(
        "official_deviation", mid, mun.name_of(mid), meta.title_sv,
        f"Koladas avvikelse från modellberäknat värde ({kpi}): faktiskt värde för {catalogue.SALSA_DEVIATIONS[kpi]} "
        f"minus SKR:s modellberäknade värde, som tar hänsyn till föräldrarnas utbildning, kön, nyinvandrade elever "
        f"och behov av ekonomiskt bistånd.", meta.unit, table, meta.caption,
        ["Kolada publicerar ingen osäkerhet för avvikelsen; modellvärdena själva finns inte i datan.", NOT_A_RANKING],
        kpi)
