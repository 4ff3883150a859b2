"""Spread of merit value between the schools located in a municipality (never a ranking of schools)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import style
from .. import municipalities as mun
from ..contract import AnalysisResult, DataMissing, tidy_frame
from ..panel import load_schools
from ..text_sv import fmt_num
from ..errors import InputError

@dataclass(repr=False)
class SchoolSpreadResult(AnalysisResult):
    """Spread of merit value between the municipality's schools. No school is ranked; values are shown unlabelled."""

    municipality_id: str
    municipality_name: str
    huvudman: str
    table: pd.DataFrame
    schools: pd.DataFrame
    definition_sv: str
    warnings: list[str] = field(default_factory=list)

    analysis = "school_spread"
    title_sv = "Spridning i meritvärde mellan skolor"

    def data(self) -> pd.DataFrame:
        """Per year: number of schools, min, quartiles, max, SD (unweighted; 2025 also pupil-weighted)."""
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        rows = []
        for r in self.table[self.table["n_with_value"] >= 2].itertuples():
            rows.append({"term": "sd_unweighted", "estimate": r.sd_unweighted, "years": str(int(r.year)),
                         "n": int(r.n_with_value), "method": "standardavvikelse mellan skolor, ovägd (beskrivande)"})
            rows.append({"term": "range", "estimate": r.range, "years": str(int(r.year)), "n": int(r.n_with_value),
                         "method": "högsta minus lägsta skolvärde (beskrivande)"})
        return tidy_frame(rows, analysis=self.analysis, municipality_id=self.municipality_id,
                          series="skolenhet.merit17")

    def summary_sv(self) -> str:
        lines = [f"Spridning i meritvärde mellan skolorna i {self.municipality_name}. {self.definition_sv}"]
        for r in self.table.itertuples():
            if r.n_with_value < 2:
                lines.append(f"{r.year}: saknas (färre än två skolor med värde).")
                continue
            s = (f"{r.year}: {r.n_with_value} skolor, från {fmt_num(r.min)} till {fmt_num(r.max)} "
                 f"(skillnad {fmt_num(r.range)}), standardavvikelse {fmt_num(r.sd_unweighted)} ovägt")
            if not math.isnan(r.sd_weighted):
                s += f", {fmt_num(r.sd_weighted)} elevviktat"
            lines.append(s + ".")
        lines.append("2023 och 2024 saknas: skolvisa meritvärden finns inte i projektets data för de åren.")
        return "\n".join(lines + [f"Obs: {w}" for w in self.warnings])

    def plot(self, ax=None):
        fig, ax = style.new_figure(ax, figsize=(6.5, 3.6))
        s = self.schools.dropna(subset=["merit"])
        ax.scatter(s["year"], s["merit"], s=14, color="#777777", edgecolor="black", linewidth=0.3, label="En skola")
        ax.plot(self.table["year"], self.table["median"], color="black", marker="_", markersize=14, linestyle="none",
                label="Median")
        t = self.table
        missing = set(range(int(t["year"].min()), int(t["year"].max()) + 1)) - set(t.loc[t["n_with_value"] > 0, "year"])
        style.year_axes(ax, int(t["year"].min()), int(t["year"].max()), sorted(missing),
                        f"Meritvärde per skola, {self.municipality_name}", "meritvärde (poäng)")
        style.caption(fig, "Källa: Skolverket, egen bearbetning (skolvisa meritvärden 2014–2022 via "
                     "DrBaumgardt/skolresultat, 2025 Skolverkets export). 2014–2022 ovägt. Skolorna visas utan "
                     "namn och rangordnas inte.")
        fig.tight_layout()
        return fig


def school_spread(municipality, year: int | None = None, *, years=None, huvudman: str = "samtliga"
                  ) -> SchoolSpreadResult:
    """Merit value spread between the schools located in the municipality (2014–2022 unweighted, 2025 also
    pupil-weighted). huvudman: "samtliga" or "kommunal" (the 2014–2022 file has no huvudman, so only 2025)."""
    mid = mun.resolve(municipality)
    if huvudman not in ("samtliga", "kommunal"):
        raise InputError(f"huvudman ska vara 'samtliga' eller 'kommunal', fick {huvudman!r}")
    s = load_schools(mid, last_year=year)
    if huvudman == "kommunal":
        s = s[s["huvudman"] == "Kommunal"]
    if years is not None:
        lo, hi = years if isinstance(years, tuple) else (min(years), max(years))
        if hi < 2014 or lo > 2025:
            raise DataMissing(f"åren {lo}–{hi} ligger utanför de skolvisa data (2014–2022, 2025)")
        s = s[s["year"].between(lo, hi)]
    if s.empty or s["merit"].notna().sum() == 0:
        raise DataMissing(f"inga skolvisa meritvärden för {mun.name_of(mid)} ({huvudman}) i valda år")
    rows = []
    for year, g in s.groupby("year"):
        v = g["merit"].dropna()
        w = g.loc[v.index, "pupils"]
        weighted = w.notna().all() and len(v) > 0 and year == 2025
        wm = float(np.average(v, weights=w)) if weighted else np.nan
        wsd = float(np.sqrt(np.average((v - wm) ** 2, weights=w))) if weighted and len(v) > 1 else np.nan
        p25, p75 = v.quantile(0.25), v.quantile(0.75)  # each used twice below
        rows.append({"year": int(year), "n_schools_listed": len(g), "n_with_value": len(v),
                     "n_suppressed": int((g["status"] == "suppressed").sum()),
                     "pupils": float(w.sum()) if weighted else np.nan, "mean_unweighted": v.mean(),
                     "mean_weighted": wm, "sd_unweighted": v.std(ddof=1) if len(v) > 1 else np.nan, "sd_weighted": wsd,
                     "min": v.min(), "p25": p25, "median": v.median(), "p75": p75,
                     "max": v.max(), "range": v.max() - v.min(), "iqr": p75 - p25,
                     "weighting": "elevviktad och ovägd" if weighted else "ovägd (elevantal saknas)"})
    table = pd.DataFrame(rows)
    warnings = ["2014–2022: filen saknar elevantal, så spridningen är ovägd — en liten skola väger lika mycket som "
                "en stor. Skolor med få elever svänger mycket mellan åren.",
                "Alla huvudmän ingår 2014–2022 (filen anger inte huvudman); 2025 enligt valet "
                f"'{huvudman}'." if huvudman == "samtliga" else
                "Huvudman finns bara i 2025 års fil; 2014–2022 ingår därför inte.",
                "2025 är Skolverkets värden; skolor med '..' (för få elever) saknar värde."]
    if (table["n_with_value"] < 3).any():
        warnings.append("Vissa år har färre än tre skolor med värde: spridningsmåtten är då knappt meningsfulla.")
    definition = ("Skillnaden mellan skolornas genomsnittliga meritvärden (17 ämnen) i årskurs 9 för skolor belägna i "
                  "kommunen: lägsta, högsta, kvartiler och standardavvikelse.")
    schools = s[["year", "school_code", "school", "merit", "pupils", "huvudman", "status"]].sort_values(
        ["year", "school"]).reset_index(drop=True)
    return SchoolSpreadResult(mid, mun.name_of(mid), huvudman, table, schools, definition, warnings)
