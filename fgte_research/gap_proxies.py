"""Gap proxies beside the SALSA-like model: girls–boys gap, with vs without newly arrived, spread of merit
value between the municipality's schools, and Kolada's official SALSA deviation.

Each returns a result with ``.tidy()``, ``.summary_sv()`` (with its definition text) and ``.plot()``.
They are also available as ``fgte_research.gaps.<name>``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import breaks, catalogue, paths
from . import municipalities as mun
from .gaps import (
    OUTCOMES,
    NOT_A_RANKING,
    PUPILS,
    _hash,
    _resid_unit,
    _series_frame,
    _year_axes,
    caption,
)
from .schema import parse_swedish_number
from .text_sv import fmt_ci, fmt_num, significance_sv


@dataclass
class ProxyResult:
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

    def tidy(self) -> pd.DataFrame:
        return self.table.assign(kind=self.kind, municipality_id=self.municipality_id)

    def summary_sv(self) -> str:
        lines = [f"{self.title_sv}, {self.municipality_name}. {self.definition_sv}"]
        for r in self.table.itertuples():
            if r.status != "ok":
                lines.append(f"{r.year}: saknas.")
                continue
            s = f"{r.year}: {fmt_num(r.estimate, signed=True)} {self.unit}"
            s += f" ({fmt_ci(r.ci_low, r.ci_high)}; {significance_sv(r.ci_low, r.ci_high)})" \
                if not math.isnan(r.ci_low) else " (beskrivande, inget osäkerhetsintervall)"
            lines.append(s + ".")
        return "\n".join(lines + [f"Obs: {w}" for w in self.warnings])

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        from .plots import OWN_STYLE, apply_style

        apply_style()
        fig, ax = plt.subplots(figsize=(6.5, 3.4)) if ax is None else (ax.figure, ax)
        t = self.table
        ok = t[t["status"] == "ok"]
        ax.axhline(0, color="#555555", linewidth=1)
        ci = ok.dropna(subset=["ci_low"])
        if not ci.empty:
            ax.errorbar(ci["year"], ci["estimate"], fmt="none", ecolor="black", capsize=3, linewidth=1,
                        yerr=[ci["estimate"] - ci["ci_low"], ci["ci_high"] - ci["estimate"]], label="95\u00a0% KI")
        ax.plot(ok["year"], ok["estimate"], label=self.municipality_name, **OWN_STYLE)
        _year_axes(ax, t, t.loc[t["status"] != "ok", "year"], self.title_sv, self.unit)
        caption(fig, f"{self.caption_sv}. {self.definition_sv.split('. ')[0]}.")
        fig.tight_layout()
        return fig


def _own(series_id: str, mid: str, gender: str = "T") -> pd.Series:
    frame = _series_frame(_hash(), series_id, gender)
    try:
        return frame.loc[mid, "value"]
    except KeyError:
        return pd.Series(dtype=float, name="value")


def _years_filter(series: pd.Series, years) -> pd.Series:
    if years is None:
        return series
    lo, hi = (years if isinstance(years, tuple) else (min(years), max(years)))
    out = series[(series.index >= lo) & (series.index <= hi)]
    if out.empty:
        raise ValueError(f"åren {lo}–{hi} ligger utanför datan ({series.index.min()}–{series.index.max()})")
    return out


def gender_gap(municipality, outcome: str = "N15505", years=None) -> ProxyResult:
    """Girls minus boys (Kolada K/M rows). A binomial 95 % interval is given for the shares N15419/N15436 in years
    with Skolverket pupil counts (pupils × share boys, kommunala skolor, 2016–); otherwise descriptive."""
    mid = mun.resolve(municipality)
    meta = catalogue.series(outcome)
    if not meta.has_gender or meta.source != "kolada" or outcome.startswith("U"):
        raise ValueError(f"{outcome} har ingen uppdelning på flickor och pojkar i datan; välj t.ex. N15505, N15419, "
                         f"N15436")
    k, m = _own(outcome, mid, "K"), _own(outcome, mid, "M")
    total = _years_filter(_own(outcome, mid, "T"), years)
    counts = outcome in ("N15419", "N15436")
    pupils, boys = _own(PUPILS, mid), _own("skv.ak9.share_boys.kommunal", mid)
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
        raise ValueError(f"{mun.name_of(mid)} har inga värden för flickor och pojkar i {outcome}")
    ok_years = table.loc[table["status"] == "ok", "year"]
    warnings = [f"Seriebrott {b.before}→{b.after}: {b.text_sv}" for b in breaks.comparability_breaks(outcome)
                if b.crossed_by(int(ok_years.min()), int(ok_years.max()))]
    if counts:
        warnings.append("Intervallet behandlar årskullen som ett urval (samma konvention som för förändringar); "
                        "elevantalen per kön är uppskattade och avser alla elever i åk 9, inte bara de med betyg.")
    else:
        warnings.append("Inga elevantal per kön eller spridningsmått finns för detta mått: skillnaden är "
                        "beskrivande och kan för små kommuner bero på slump.")
    return ProxyResult("gender_gap", mid, mun.name_of(mid), f"Skillnad flickor − pojkar: {meta.title_sv}",
                       f"Flickornas värde minus pojkarnas värde ({outcome}, Kolada). Positivt värde: flickorna "
                       f"har högre värde.", _resid_unit(outcome), table, meta.caption, warnings)


def newly_arrived_gap(municipality, years=None) -> ProxyResult:
    """Merit value of all pupils minus merit value excluding newly arrived and unknown background (N15505 − N15567)."""
    mid = mun.resolve(municipality)
    total = _years_filter(_own("N15505", mid), years)
    excl, share = _own("N15567", mid), _own("N15823", mid)
    rows = [{"year": int(y), "estimate": total[y] - excl.get(y, np.nan), "ci_low": np.nan, "ci_high": np.nan,
             "merit_all": total[y], "merit_excl_newly_arrived": excl.get(y, np.nan),
             "share_newly_arrived": share.get(y, np.nan), "method": "beskrivande"} for y in total.index]
    table = pd.DataFrame(rows)
    table["status"] = np.where(table["estimate"].notna(), "ok", "saknas")
    if (table["status"] != "ok").all():
        raise ValueError(f"{mun.name_of(mid)} har inga värden för N15505 och N15567")
    return ProxyResult(
        "newly_arrived_gap", mid, mun.name_of(mid), "Meritvärde med minus utan nyinvandrade elever",
        "Genomsnittligt meritvärde för alla elever (N15505) minus meritvärdet för elever exklusive nyinvandrade "
        "(kortare än 4 år i Sverige) och elever med okänd bakgrund (N15567), kommunala skolor. Negativt värde: "
        "de nyinvandrade elevernas resultat drar ned kommunens genomsnitt.", "meritvärdespoäng", table,
        catalogue.KOLADA_CAPTION,
        ["Beskrivande: inga elevantal eller spridningsmått per grupp finns, så inget osäkerhetsintervall ges.",
         "Storleken beror på hur många nyinvandrade eleverna är (kolumnen share_newly_arrived, N15823).",
         "N15505 2015–2016 följer en äldre definition (2016 exkluderades elever med okänd bakgrund): jämför inte "
         "över 2016→2017."])


def official_deviation(municipality, outcome_or_kpi: str = "U15459", years=None) -> ProxyResult:
    """Kolada's official SALSA deviation (actual − SKR's model value) for the municipality, as published."""
    mid = mun.resolve(municipality)
    kpi = outcome_or_kpi if outcome_or_kpi in catalogue.SALSA_DEVIATIONS else \
        OUTCOMES[outcome_or_kpi].deviation if outcome_or_kpi in OUTCOMES else None
    if kpi is None:
        raise ValueError(f"okänt avvikelsenyckeltal {outcome_or_kpi!r}; "
                         f"giltiga: {', '.join(catalogue.SALSA_DEVIATIONS)}")
    values = _years_filter(_own(kpi, mid), years)
    table = pd.DataFrame({"year": values.index.astype(int), "estimate": values.to_numpy(), "ci_low": np.nan,
                          "ci_high": np.nan, "method": "publicerat av Kolada (SKR/SCB)"})
    table["status"] = np.where(table["estimate"].notna(), "ok", "saknas")
    if (table["status"] != "ok").all():
        raise ValueError(f"{mun.name_of(mid)} har inga värden för {kpi} (saknas eller prickat)")
    meta = catalogue.series(kpi)
    return ProxyResult(
        "official_deviation", mid, mun.name_of(mid), meta.title_sv,
        f"Koladas avvikelse från modellberäknat värde ({kpi}): faktiskt värde för {catalogue.SALSA_DEVIATIONS[kpi]} "
        f"minus SKR:s modellberäknade värde, som tar hänsyn till föräldrarnas utbildning, kön, nyinvandrade elever "
        f"och behov av ekonomiskt bistånd.", meta.unit, table, meta.caption,
        ["Kolada publicerar ingen osäkerhet för avvikelsen; modellvärdena själva finns inte i datan.", NOT_A_RANKING])


# ---------------------------------------------------------------- spread between schools
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


@dataclass
class SchoolSpreadResult:
    """Spread of merit value between the municipality's schools. No school is ranked; values are shown unlabelled."""

    municipality_id: str
    municipality_name: str
    huvudman: str
    table: pd.DataFrame
    schools: pd.DataFrame
    definition_sv: str
    warnings: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()

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
        import matplotlib.pyplot as plt

        from .plots import apply_style

        apply_style()
        fig, ax = plt.subplots(figsize=(6.5, 3.6)) if ax is None else (ax.figure, ax)
        s = self.schools.dropna(subset=["merit"])
        ax.scatter(s["year"], s["merit"], s=14, color="#777777", edgecolor="black", linewidth=0.3, label="En skola")
        ax.plot(self.table["year"], self.table["median"], color="black", marker="_", markersize=14, linestyle="none",
                label="Median")
        t = self.table
        missing = set(range(int(t["year"].min()), int(t["year"].max()) + 1)) - set(t.loc[t["n_with_value"] > 0, "year"])
        _year_axes(ax, t, sorted(missing), f"Meritvärde per skola, {self.municipality_name}", "meritvärde (poäng)")
        caption(fig, "Källa: Skolverket, egen bearbetning (skolvisa meritvärden 2014–2022 via "
                     "DrBaumgardt/skolresultat, 2025 Skolverkets export). 2014–2022 ovägt. Skolorna visas utan "
                     "namn och rangordnas inte.")
        fig.tight_layout()
        return fig


def school_spread(municipality, years=None, huvudman: str = "samtliga") -> SchoolSpreadResult:
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
            raise ValueError(f"åren {lo}–{hi} ligger utanför de skolvisa data (2014–2022, 2025)")
        s = s[s["year"].between(lo, hi)]
    if s.empty or s["merit"].notna().sum() == 0:
        raise ValueError(f"inga skolvisa meritvärden för {mun.name_of(mid)} ({huvudman}) i valda år")
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
