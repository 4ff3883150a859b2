"""Soft values (mjuka värden): trivsel, trygghet, inflytande — followed only within one municipality.

The FGTE plan lets each municipality choose its own soft-value measures, so they are not comparable between
municipalities. This module therefore never sets two municipalities side by side: every function takes exactly
one municipality, and files of different municipalities are refused.

Local files: ``params/local/<kommunkod>_<namn>.csv`` (format in params/local/README.md): columns year, group, n and
either ``value`` or answer counts ``svar_<alternativ>`` (then a ``# positiva:`` line names the answers that count
as positive, and the value is the positive share in %). Files are validated on load (ValueError naming file, line
and column) and groups with fewer than ``MIN_N`` respondents are suppressed — value and answer counts removed,
status "suppressed" — before anything else sees the data, so no figure or table can show them.

``soft_progression`` gives, per indicator and group, the change against the first year (95 % interval: binomial
for shares with n, otherwise from the series' variation around its trend) and a linear trend with a t-interval.
``kolada_soft_values`` shows the Kolada skolenkät KPIs (catalogue.SOFT_VALUE_KPIS) for one municipality; the
project's data hold only 2022, so earlier years are "saknas" and no progression can be shown.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from . import catalogue, paths, style
from . import municipalities as mun
from .contract import MISSING, AnalysisResult, DataMissing, Status, tidy_frame
from .errors import FgteError, InputError
from .panel import series_values
from .text_sv import fmt_ci, fmt_num, years_sv
from .trend import fit_trend

MIN_N = 10
FILE_NAME = re.compile(r"^(\d{4})_([A-Za-z0-9åäöÅÄÖ][A-Za-z0-9åäöÅÄÖ_-]*)\.csv$")
REQUIRED = ("year", "group", "n")
OPTIONAL = ("value", "kommunkod", "kommentar")
MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))]
NOT_COMPARABLE = ("Mjuka värden väljs lokalt och mäts på olika sätt i olika kommuner: de följs bara inom kommunen "
                  "och jämförs aldrig med andra kommuner.")


@dataclass
class LocalIndicator:
    """One validated local soft-value indicator. ``data`` is already suppressed (n < MIN_N)."""

    municipality_id: str
    name: str
    source: str  # file path, or a label for a hand-made frame
    meta: dict
    data: pd.DataFrame  # year, group, n, value, status (+ svar_* columns)
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.meta.get("titel", self.name)

    @property
    def unit(self) -> str:
        return self.meta.get("enhet", "värde")

    @property
    def is_share(self) -> bool:
        return self.unit.startswith("andel")


# ---------------------------------------------------------------- reading and validation
class SoftValueFileError(FgteError, ValueError):
    """A local soft-value file breaks the format; the message names the file, line and column (Swedish)."""


def _fail(source: str, line: int | None, column: str | None, problem: str):
    where = source + (f", rad {line}" if line else "") + (f", kolumn '{column}'" if column else "")
    raise SoftValueFileError(f"{where}: {problem}")


def _number(text: str, decimal_comma: bool) -> float:
    """A finite number from a cell; "inf", "nan" and the like are refused (ValueError) like any other non-number."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        t = t.replace(",", ".")
    value = float(t)
    if not math.isfinite(value):
        raise InputError(f"{text!r} är inget ändligt tal")
    return value


NAME_RULE = "filnamnet ska vara <kommunkod>_<namn>.csv, t.ex. 1380_trygghet_ak8.csv"


def shown_name(path: Path) -> str:
    """How a local file is named in messages and reports: ``params/local/<name>`` or its name, never the
    machine's absolute path (reports are published)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path(paths.params_dir()).resolve().parent).as_posix()
    except (ValueError, OSError):
        return path.name


def read_local(path) -> LocalIndicator:
    """Read and validate one local file ``<kommunkod>_<namn>.csv``."""
    path = Path(path)
    shown = shown_name(path)
    m = FILE_NAME.match(path.name)
    if not m:
        _fail(shown, None, None, NAME_RULE)
    code, name = m.group(1), m.group(2)
    try:
        mun.name_of(code)
    except ValueError:
        _fail(shown, None, None, f"okänd kommunkod {code!r} i filnamnet")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _fail(shown, None, None, "filen finns inte")
    except UnicodeDecodeError:
        _fail(shown, None, None, "filen är inte sparad som UTF-8")
    lines = text.splitlines()
    meta: dict[str, str] = {}
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        body = lines[first].lstrip("#").strip()
        if ":" in body:
            key, value = body.split(":", 1)
            meta[key.strip().lower()] = value.strip()
        first += 1
    if first >= len(lines):
        _fail(str(path), None, None, "filen saknar rubrikrad och data")
    sep = ";" if lines[first].count(";") > lines[first].count(",") else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=sep))
    header = [h.strip() for h in rows[0]]
    records, line_numbers = [], []
    for offset, row in enumerate(rows[1:], start=first + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            _fail(str(path), offset, None, f"{len(row)} fält men rubrikraden har {len(header)}")
        records.append([c.strip() for c in row])
        line_numbers.append(offset)
    frame = pd.DataFrame(records, columns=header, dtype=str)
    return parse_local(frame, code, name, meta=meta, source=shown, line_numbers=line_numbers,
                       decimal_comma=(sep == ";"))


def parse_local(frame: pd.DataFrame, municipality, name: str, meta: dict | None = None, source: str = "<tabell>",
                line_numbers: list[int] | None = None, decimal_comma: bool = False) -> LocalIndicator:
    """Validate a frame in the local format (text or numbers) and suppress groups with n < MIN_N.

    Used by ``read_local``; also the way to analyse a frame built in a notebook. Line numbers in messages are
    file lines when given, otherwise 1-based row numbers of the frame.
    """
    mid = mun.resolve(municipality)
    meta = {k.lower(): str(v) for k, v in (meta or {}).items()}
    lines = line_numbers or list(range(1, len(frame) + 1))
    cols = [str(c).strip() for c in frame.columns]
    frame = frame.copy()
    frame.columns = cols
    answers = [c for c in cols if c.startswith("svar_")]
    for c in REQUIRED:
        if c not in cols:
            _fail(source, None, c, f"kolumnen saknas (obligatoriska: {', '.join(REQUIRED)})")
    unknown = [c for c in cols if c not in REQUIRED + OPTIONAL and c not in answers]
    if unknown:
        _fail(source, None, unknown[0], "okänd kolumn (tillåtna: year, group, n, value eller svar_<alternativ>, "
                                        "kommunkod, kommentar)")
    if ("value" in cols) == bool(answers):
        _fail(source, None, "value", "ange antingen kolumnen value eller svarskolumner svar_<alternativ> (inte båda, "
                                     "inte ingen)")
    if answers and len(answers) < 2:
        _fail(source, None, answers[0], "minst två svarsalternativ (svar_<alternativ>) behövs")
    if "kommunkod" in cols:
        codes = sorted({str(c).strip().zfill(4) for c in frame["kommunkod"]})
        if len(codes) > 1:
            _fail(source, None, "kommunkod", f"filen innehåller flera kommuner ({', '.join(codes)}); mjuka värden "
                                             f"analyseras bara inom en kommun — lägg varje kommun i en egen fil")
        if codes and codes[0] != mid:
            _fail(source, None, "kommunkod", f"kommunkoden {codes[0]} stämmer inte med filens kommun {mid}")
    positive: list[str] = []
    if answers:
        if "positiva" not in meta:
            _fail(source, None, None, "med svarskolumner krävs en rad '# positiva: svar_…, svar_…' som anger vilka "
                                      "svar som räknas som positiva")
        positive = [p.strip() for p in meta["positiva"].split(",") if p.strip()]
        bad = [p for p in positive if p not in answers]
        if bad or not positive:
            _fail(source, None, bad[0] if bad else None, "'# positiva:' måste nämna befintliga svarskolumner")
        meta.setdefault("enhet", "andel (%)")

    out = []
    seen: dict[tuple, int] = {}
    for (_, row), line in zip(frame.iterrows(), lines):
        rec: dict = {}
        try:
            y = float(_number(str(row["year"]), False))
        except ValueError:
            y = math.nan
        if math.isnan(y) or y != int(y) or not 1990 <= y <= 2100:
            _fail(source, line, "year", f"{row['year']!r} är inget årtal (heltal, t.ex. 2024)")
        rec["year"] = int(y)
        group = str(row["group"]).strip()
        if not group or group.lower() == "nan":
            _fail(source, line, "group", "gruppen saknas")
        rec["group"] = group
        try:
            n = _number(str(row["n"]), False)
        except ValueError:
            _fail(source, line, "n", f"{row['n']!r} är inget heltal")
        if n != int(n) or n < 0:
            _fail(source, line, "n", f"antalet svarande måste vara ett heltal ≥ 0, fick {row['n']!r}")
        rec["n"] = int(n)
        key = (rec["year"], group)
        if key in seen:
            _fail(source, line, "group", f"år {key[0]} och grupp {group!r} finns redan på rad {seen[key]}")
        seen[key] = line
        if answers:
            counts = {}
            for c in answers:
                try:
                    v = _number(str(row[c]), False)
                except ValueError:
                    _fail(source, line, c, f"{row[c]!r} är inget heltal")
                if v != int(v) or v < 0:
                    _fail(source, line, c, f"antal svar måste vara ett heltal ≥ 0, fick {row[c]!r}")
                counts[c] = int(v)
            if sum(counts.values()) != rec["n"]:
                _fail(source, line, "n", f"svaren summerar till {sum(counts.values())} men n = {rec['n']}")
            rec.update(counts)
            rec["value"] = 100 * sum(counts[p] for p in positive) / rec["n"] if rec["n"] else math.nan
        else:
            raw = str(row["value"]).strip()
            if raw in ("", "nan", "."):
                rec["value"] = math.nan
            else:
                try:
                    rec["value"] = _number(raw, decimal_comma)
                except ValueError:
                    _fail(source, line, "value", f"{raw!r} är inget tal")
                if meta.get("enhet", "").startswith("andel") and not 0 <= rec["value"] <= 100:
                    _fail(source, line, "value", f"en andel ska ligga mellan 0 och 100, fick {raw!r}")
        out.append(rec)
    if not out:
        _fail(source, None, None, "filen innehåller inga datarader")
    data = pd.DataFrame(out)
    data["status"] = np.where(data["value"].notna(), "ok", "missing")
    small = data["n"] < MIN_N
    data.loc[small, ["value", *answers]] = np.nan  # suppression happens here, before any output exists
    data.loc[small, "status"] = "suppressed"
    warnings = []
    if small.any():
        warnings.append(f"{int(small.sum())} grupp(er) med färre än {MIN_N} svarande har prickats (värdet visas inte).")
        years = data.loc[small, "year"].unique()
        if (data[data["year"].isin(years)].groupby("year").size() > 1).any():
            warnings.append("Om en summagrupp (t.ex. 'alla') och övriga grupper finns samma år kan ett prickat "
                            "värde ibland räknas fram ur de andra; publicera då inte summagruppen det året.")
    data = data.sort_values(["group", "year"]).reset_index(drop=True)
    return LocalIndicator(mid, name, source, meta, data, warnings)


def local_files(municipality, params_dir=None) -> list[Path]:
    """The municipality's files in params/local (only its own: <kommunkod>_*.csv)."""
    mid = mun.resolve(municipality)
    folder = Path(params_dir or paths.params_dir()) / "local"
    return sorted(folder.glob(f"{mid}_*.csv")) if folder.is_dir() else []


# ---------------------------------------------------------------- progression within the municipality
@dataclass(repr=False)
class SoftValueResult(AnalysisResult):
    municipality_id: str
    municipality_name: str
    indicators: list[LocalIndicator]
    estimates: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    analysis = "soft_values"
    title_sv = "Mjuka värden"

    def values(self) -> pd.DataFrame:
        """The (suppressed) values: indicator, group, year, n, value, status."""
        return pd.concat([i.data.assign(indicator=i.name)[["indicator", "group", "year", "n", "value", "status"]]
                          for i in self.indicators], ignore_index=True)

    data = values

    def tidy(self) -> pd.DataFrame:
        """Change against the first year and trend per indicator and group (series = indicator/group).

        No verdict word: a municipality's own survey has no cross-section of comparable municipalities to check
        the test's false-positive rate against, so the interval is shown and the reader judges it.
        """
        rows = [{"series": f"{r.indicator}/{r.group}", "term": r.term, "estimate": r.estimate, "ci_low": r.ci_low,
                 "ci_high": r.ci_high, "years": r.years, "n": r.n_years, "method": r.method}
                for r in self.estimates.itertuples()]
        return tidy_frame(rows, analysis=self.analysis, municipality_id=self.municipality_id)

    def summary_sv(self) -> str:
        lines = [f"Mjuka värden för {self.municipality_name}. {NOT_COMPARABLE}"]
        for ind in self.indicators:
            lines.append(f"{ind.title} ({ind.unit}; källa: {ind.meta.get('källa', 'kommunens egen uppgift')}):")
            est = self.estimates[self.estimates["indicator"] == ind.name]
            for group, g in ind.data.groupby("group", sort=False):
                ok = g[g["status"] == "ok"]
                if ok.empty:
                    lines.append(f"  {group}: saknas (inga publicerbara värden; grupper med färre än {MIN_N} svar "
                                 f"prickas).")
                    continue
                last = ok.iloc[-1]
                s = f"  {group}: {fmt_num(last['value'])} {int(last['year'])} (n = {int(last['n'])})."
                for r in est[est["group"] == group].itertuples():
                    what = "Förändring" if r.term == "change_vs_first_year" else "Trend per år"
                    d = 1 if r.term == "change_vs_first_year" else 2
                    s += (f" {what} {r.years}: {fmt_num(r.estimate, d, signed=True)}"
                          + (f" ({fmt_ci(r.ci_low, r.ci_high, d)}; "
                             + ("intervallet rymmer noll" if r.ci_low <= 0 <= r.ci_high
                                else "intervallet rymmer inte noll") + ")."
                             if not math.isnan(r.ci_low) else " (osäkerheten kan inte beräknas)."))
                if est[est["group"] == group].empty:
                    s += " Förändring: saknas (bara ett år med värde)."
                lines.append(s)
        return "\n".join(lines + [f"Obs: {w}" for w in self.warnings])

    def plot(self, ax=None):
        style.apply_style()
        k = len(self.indicators)
        if ax is None:
            fig, axes = style.plt.subplots(1, k, figsize=(5.8 * k, 3.6), squeeze=False)
            axes = list(axes[0])
        else:
            fig, axes = ax.figure, [ax] * k
        for a, ind in zip(axes, self.indicators):
            for i, (group, g) in enumerate(ind.data.groupby("group", sort=False)):
                a.plot(g["year"], g["value"], label=group, color="black" if i == 0 else f"C{i}",
                       marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)])
                for r in g[g["status"] == "suppressed"].itertuples():
                    a.text(r.year, 0.02, "prickat", rotation=90, transform=a.get_xaxis_transform(), fontsize=7,
                           ha="center", va="bottom", color="#555555")
            a.set_title(ind.title, fontsize=9)
            a.set_xlabel("År")
            a.set_ylabel(ind.unit)
            style.decimal_comma(a)
            a.legend(fontsize=7, frameon=False)
        sources = sorted({i.meta.get("källa", f"{self.municipality_name}s egen enkät") for i in self.indicators})
        style.caption(fig, f"Källa: {'; '.join(sources)}, egen bearbetning. Endast {self.municipality_name}; "
                           f"jämförs inte med andra kommuner. Grupper med färre än {MIN_N} svar prickas.", 100)
        fig.tight_layout()
        return fig


def _estimates(ind: LocalIndicator, baseline_year: int | None) -> list[dict]:
    rows = []
    for group, g in ind.data.groupby("group", sort=False):
        ok = g[g["status"] == "ok"].sort_values("year")
        if len(ok) < 2:
            continue
        first = baseline_year if baseline_year in set(ok["year"]) else int(ok["year"].iloc[0])
        r0, r1 = ok[ok["year"] == first].iloc[0], ok.iloc[-1]
        est = r1["value"] - r0["value"]
        trend = fit_trend(ok["year"].to_numpy(), ok["value"].to_numpy())
        if ind.is_share:
            se = math.sqrt(r0["value"] * (100 - r0["value"]) / r0["n"] + r1["value"] * (100 - r1["value"]) / r1["n"])
            lo, hi, method = est - 1.96 * se, est + 1.96 * se, "binomial (svarande som urval)"
        elif trend is not None:
            se = math.sqrt(2) * trend.resid_sd
            t = stats.t.ppf(0.975, trend.n - 2)
            lo, hi, method = est - t * se, est + t * se, "seriens variation kring trenden (approximation)"
        else:
            lo = hi = math.nan
            method = "beskrivande (för få år för osäkerhet)"
        base = {"municipality_id": ind.municipality_id, "indicator": ind.name, "group": group}
        rows.append({**base, "term": "change_vs_first_year", "estimate": est, "ci_low": lo, "ci_high": hi,
                     "years": f"{first}–{int(r1['year'])}", "n_years": 2, "method": method})
        if trend is not None:
            rows.append({**base, "term": "trend_per_year", "estimate": trend.ols_slope, "ci_low": trend.ols_ci[0],
                         "ci_high": trend.ols_ci[1], "years": years_sv(trend.first_year, trend.last_year),
                         "n_years": trend.n, "method": "OLS, t-intervall"})
    return rows


def soft_progression(municipality, sources=None, year: int | None = None, *, baseline_year: int | None = None
                     ) -> SoftValueResult:
    """Progression of one municipality's own soft-value indicators (never compared with other municipalities).

    sources: None (every params/local/<kommunkod>_*.csv of the municipality), or paths / LocalIndicator objects —
    all must belong to ``municipality``; a source of another municipality raises ValueError. ``year`` is the last
    year to use. Raises DataMissing when the municipality has no files.
    """
    mid = mun.resolve(municipality)
    skipped = []
    if sources is None:
        found = local_files(mid)
        sources = [p for p in found if FILE_NAME.match(p.name)]
        # a stray copy ("1380_trygghet - Kopia.csv") is named and left out; the valid files still count
        skipped = [f"{shown_name(p)}: {NAME_RULE}; filen används inte." for p in found if p not in sources]
        if not sources:
            raise DataMissing(f"inga lokala filer för {mun.name_of(mid)} i params/local ({mid}_<namn>.csv)"
                              + (f" ({' '.join(skipped)})" if skipped else ""))
    elif isinstance(sources, (str, Path, LocalIndicator)):
        sources = [sources]
    indicators = [s if isinstance(s, LocalIndicator) else read_local(s) for s in sources]
    if year is not None:
        indicators = [replace(i, data=i.data[i.data["year"] <= year].reset_index(drop=True)) for i in indicators]
    others = sorted({i.municipality_id for i in indicators} - {mid})
    if others:
        raise InputError(f"mjuka värden jämförs inte mellan kommuner: underlaget gäller {', '.join(others)} men "
                         f"analysen avser {mid} ({mun.name_of(mid)}); analysera varje kommun för sig")
    rows = [r for ind in indicators for r in _estimates(ind, baseline_year)]
    cols = ["municipality_id", "indicator", "group", "term", "estimate", "ci_low", "ci_high", "years", "n_years",
            "method"]
    warnings = skipped + [w for ind in indicators for w in ind.warnings]
    warnings.append("Om enkätfrågan, svarsalternativen eller urvalet ändrats mellan åren är åren inte jämförbara.")
    return SoftValueResult(mid, mun.name_of(mid), indicators, pd.DataFrame(rows, columns=cols), warnings)


# ---------------------------------------------------------------- the shipped example: Kolada's skolenkät KPIs
_AREAS = {"N15613": "trygghet", "N15643": "trygghet", "N17673": "trygghet", "N15603": "arbetsro",
          "N15633": "arbetsro", "N17663": "arbetsro", "N15629": "nöjdhet", "N15659": "nöjdhet", "N17689": "nöjdhet",
          "N15618": "inflytande", "N15648": "inflytande", "N17678": "inflytande"}


@dataclass(repr=False)
class KoladaSoftValuesResult(AnalysisResult):
    municipality_id: str
    municipality_name: str
    table: pd.DataFrame  # series, title, area, year, gender, value, status, reason
    warnings: list[str] = field(default_factory=list)

    analysis = "kolada_soft_values"
    title_sv = "Skolenkäten i Kolada"

    @property
    def status(self) -> Status:
        if (self.table["status"] != "ok").all():
            reasons = self.table["reason"].dropna()
            return Status(MISSING, reasons.iloc[0] if len(reasons) else "inga värden")
        return Status()

    def data(self) -> pd.DataFrame:
        """Per KPI, year and gender: value, status and the reason where it is missing."""
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """The latest published share per KPI (descriptive: Kolada gives no respondent counts)."""
        t = self.table[(self.table["gender"] == "T") & (self.table["status"] == "ok")]
        rows = [{"series": r.series, "term": "share_agreeing", "estimate": r.value, "years": str(int(r.year)),
                 "method": "publicerat av Kolada (beskrivande)"} for r in t.itertuples()]
        return tidy_frame(rows, analysis=self.analysis, municipality_id=self.municipality_id)

    def summary_sv(self) -> str:
        t = self.table[self.table["gender"] == "T"]
        have = t[t["status"] == "ok"]
        lines = [f"Skolenkäten i Kolada för {self.municipality_name} (andel elever som instämmer)."]
        for r in have.itertuples():
            lines.append(f"{r.title}: {fmt_num(r.value)}\u00a0% ({r.year}).")
        missing_latest = t[(t["year"] == t["year"].max()) & (t["status"] != "ok")]
        for r in missing_latest.itertuples():
            lines.append(f"{r.title}: saknas {r.year} ({r.reason}).")
        earlier = self.table[(self.table["year"] < self.table["year"].max()) & (self.table["status"] != "ok")]
        if not earlier.empty:
            lines.append(f"{years_sv(int(earlier['year'].min()), int(earlier['year'].max()))}: saknas — "
                         f"{earlier['reason'].iloc[0]}.")
        return "\n".join([s for s in lines if s] + [f"Obs: {w}" for w in self.warnings])

    def plot(self, ax=None):
        t = self.table[(self.table["year"] == 2022)]
        wide = t.pivot_table(index="title", columns="gender", values="value", observed=True, dropna=False)
        wide = wide.reindex([catalogue.series(k).title_sv for k in catalogue.SOFT_VALUE_KPIS])
        fig, ax = style.new_figure(ax, figsize=(7, 4.6))
        y = np.arange(len(wide))
        styles = {"T": dict(marker="o", color="black", label="Alla"), "K": dict(marker="^", color="#0072B2",
                  label="Flickor"), "M": dict(marker="s", color="#D55E00", label="Pojkar", markerfacecolor="white")}
        for g, st in styles.items():
            if g in wide:
                ax.plot(wide[g], y, linestyle="none", markersize=6, **st)
        for i, v in enumerate(wide.get("T", pd.Series(index=wide.index, dtype=float))):
            if np.isnan(v):
                ax.text(1, i, "saknas", va="center", fontsize=7, color="#555555")
        ax.set_yticks(y, wide.index, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("andel (%) som instämmer, 2022")
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        ax.set_title(f"Skolenkäten 2022, {self.municipality_name} (tidigare år saknas i datan)", fontsize=9)
        style.caption(fig, "Bearbetning av data från Kolada (Skolinspektionens skolenkät). Ett år: ingen "
                           "utveckling kan visas.", 100)
        fig.tight_layout()
        return fig


def kolada_soft_values(municipality, year: int | None = None, *, years: tuple[int, int] = (2018, 2022),
                       panel: pd.DataFrame | None = None) -> KoladaSoftValuesResult:
    """The skolenkät KPIs for one municipality up to ``year``; years without data are rows with status "saknas"."""
    mid = mun.resolve(municipality)
    if year is not None:
        years = (min(years[0], year), min(years[1], year))
    if panel is None:
        panel = pd.concat([series_values(list(catalogue.SOFT_VALUE_KPIS), mid, gender=g, include_aggregates=False)
                           for g in ("T", "K", "M")], ignore_index=True)
    p = panel.astype({"series": str, "municipality_id": str, "gender": str, "status": str})
    p = p[(p["municipality_id"] == mid) & p["series"].isin(catalogue.SOFT_VALUE_KPIS)]
    all_years = sorted(set(p.loc[p["value"].notna(), "year"]))
    p = p[p["year"] <= years[1]]
    data_years = sorted(set(p["year"]))
    # the first row per (kpi, year, gender), looked up in a dict: 150 boolean filters took 0.38 s per report
    first = {}
    for key, value in zip(zip(p["series"], p["year"].astype(int), p["gender"]), p["value"]):
        first.setdefault(key, value)
    rows = []
    for kpi in catalogue.SOFT_VALUE_KPIS:
        for year in range(years[0], years[1] + 1):
            for gender in ("T", "K", "M"):
                value = float(first.get((kpi, year, gender), math.nan))
                if not math.isnan(value):
                    status, reason = "ok", ""
                elif year not in data_years:
                    status, reason = "saknas", (f"projektets Kolada-uttag innehåller skolenkätens nyckeltal bara för "
                                                f"{', '.join(map(str, all_years)) or 'inget år'}, så ingen utveckling "
                                                f"över tid kan visas")
                else:
                    status, reason = "saknas", "inget värde för kommunen (ej med i enkäten det året eller för få svar)"
                rows.append({"series": kpi, "title": catalogue.series(kpi).title_sv, "area": _AREAS.get(kpi, ""),
                             "year": year, "gender": gender, "value": value, "status": status, "reason": reason})
    table = pd.DataFrame(rows)
    warnings = ["Skolenkäten visas bara för den egna kommunen; kommunernas mjuka värden följs inom kommunen och "
                "jämförs inte med andra kommuner.",
                "Kolada anger inte antalet svarande, så ingen osäkerhet kan beräknas och små grupper kan inte prickas "
                "här; Skolinspektionen publicerar bara värden med tillräckligt många svar.",
                "Avser elever i alla skolor i kommunen (kommunala och fristående)."]
    return KoladaSoftValuesResult(mid, mun.name_of(mid), table, warnings)
