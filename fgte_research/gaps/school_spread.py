"""Spread of merit value between the schools located in a municipality (never a ranking of schools)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths, style
from .. import municipalities as mun
from ..contract import AnalysisResult, DataMissing, tidy_frame
from ..schema import parse_swedish_number
from ..text_sv import fmt_num

SCHOOL_JSON = "drbaumgardt_m17_xx.json"
SCHOOL_CSV_2025 = "skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv"


@lru_cache(maxsize=2)
def _school_values(raw_key: str) -> pd.DataFrame:
    """School merit values: one row per (school code, year); pupils only for 2025."""
    folder = Path(raw_key) / "school_level"
    path = folder / SCHOOL_JSON
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: kan inte läsas ({exc})") from None
    names = mun.load_municipalities().set_index("name")["municipality_id"]
    rows = []
    for r in records:
        mid = names.get(r["kom"])
        if mid is None:
            raise ValueError(f"{path}: okänt kommunnamn {r['kom']!r} (skola {r['kod']})")
        for y in range(14, 23):
            v = r.get(f"m17_{y}")
            rows.append((mid, str(r["kod"]), r["skola"], 2000 + y, np.nan if v is None else float(v), np.nan, "",
                         "ok" if v is not None else "missing"))
    path = folder / SCHOOL_CSV_2025
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Skola;")), None)
    if start is None:
        raise ValueError(f"{path}: rubrikraden (Skola;…) saknas")
    header = lines[start].split(";")
    need = ["Skol-enhetskod", "Kommun-kod", "Typ av huvudman", "Antal elever", "Genomsnittligt meritvärde (17 ämnen)"]
    if any(c not in header for c in need):
        raise ValueError(f"{path}: kolumnerna {[c for c in need if c not in header]} saknas")
    idx = {c: header.index(c) for c in need + ["Skola"]}
    for line_no, line in enumerate(lines[start + 1:], start + 2):
        cells = line.split(";")
        if len(cells) < len(header) or not cells[idx["Skol-enhetskod"]].strip():
            continue  # blank lines and the footnotes at the end
        try:
            pupils, _ = parse_swedish_number(cells[idx["Antal elever"]])
            merit, status = parse_swedish_number(cells[idx["Genomsnittligt meritvärde (17 ämnen)"]])
        except ValueError as exc:
            raise ValueError(f"{path}: rad {line_no}: {exc}") from None
        rows.append((cells[idx["Kommun-kod"]].strip().zfill(4), cells[idx["Skol-enhetskod"]].strip(),
                     cells[idx["Skola"]], 2025, merit, pupils, cells[idx["Typ av huvudman"]].strip(), status))
    return pd.DataFrame(rows, columns=["municipality_id", "school_code", "school", "year", "merit", "pupils",
                                       "huvudman", "status"])


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
        raise ValueError(f"huvudman ska vara 'samtliga' eller 'kommunal', fick {huvudman!r}")
    data = _school_values(str(paths.raw_dir()))
    s = data[data["municipality_id"] == mid]
    if huvudman == "kommunal":
        s = s[s["huvudman"] == "Kommunal"]
    if years is not None:
        lo, hi = years if isinstance(years, tuple) else (min(years), max(years))
        if hi < 2014 or lo > 2025:
            raise DataMissing(f"åren {lo}–{hi} ligger utanför de skolvisa data (2014–2022, 2025)")
        s = s[s["year"].between(lo, hi)]
    if year is not None:
        s = s[s["year"] <= year]
    if s.empty or s["merit"].notna().sum() == 0:
        raise DataMissing(f"inga skolvisa meritvärden för {mun.name_of(mid)} ({huvudman}) i valda år")
    rows = []
    for year, g in s.groupby("year"):
        v = g["merit"].dropna()
        w = g.loc[v.index, "pupils"]
        weighted = w.notna().all() and len(v) > 0 and year == 2025
        wm = float(np.average(v, weights=w)) if weighted else np.nan
        wsd = float(np.sqrt(np.average((v - wm) ** 2, weights=w))) if weighted and len(v) > 1 else np.nan
        rows.append({"year": int(year), "n_schools_listed": len(g), "n_with_value": len(v),
                     "n_suppressed": int((g["status"] == "suppressed").sum()),
                     "pupils": float(w.sum()) if weighted else np.nan, "mean_unweighted": v.mean(),
                     "mean_weighted": wm, "sd_unweighted": v.std(ddof=1) if len(v) > 1 else np.nan, "sd_weighted": wsd,
                     "min": v.min(), "p25": v.quantile(0.25), "median": v.median(), "p75": v.quantile(0.75),
                     "max": v.max(), "range": v.max() - v.min(), "iqr": v.quantile(0.75) - v.quantile(0.25),
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
