"""Build data/processed from data/raw: the only module that turns raw files into processed tables.

``build()`` reads every catalogued Kolada KPI, every Skolverket export, every file fetched from the Kolada API,
the municipality metadata and the school-level merit values; splices the åk 9 series where the data prove one
definition, makes absent years explicit (status "missing") and writes, atomically (every file written aside and
renamed into place, the build manifest last):

- ``panel.parquet``: series, indicator, municipality_id, year, gender, value, status, source, population
- ``municipalities.parquet``: municipality_id, name, county_id, county_name, kommungrupp_2017
- ``similar_groups.parquet``: group_id, member_id, kind, owner_name, owner_id (Kolada's similar-municipality groups)
- ``schools.parquet``: municipality_id, school_code, school, year, merit, pupils, huvudman, status
- ``build_manifest.json``: input fingerprint and checksums, package version, content hash, row counts

``ensure_built()`` rebuilds when the raw inputs changed since the last build. Loading is elsewhere:
:mod:`fgte_research.panel` (panel, schools) and :mod:`fgte_research.municipalities`.
This module imports only the sources and the small data-layer helpers below it, never a module that loads.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import breaks, catalogue, paths, ranges
from ._version import __version__
from .atomic import atomic_path, write_text_atomic
from .errors import FgteError
from .manifest import MANIFEST_NAME, check_raw, read_manifest
from .schema import TIDY_COLUMNS, coerce_tidy
from .sources import kolada, kolada_meta, school_level

PANEL_FILE = "panel.parquet"
MUNICIPALITIES_FILE = "municipalities.parquet"
SIMILAR_GROUPS_FILE = "similar_groups.parquet"
SCHOOLS_FILE = "schools.parquet"
BUILD_MANIFEST = "build_manifest.json"
#: Every data file a build writes (the build manifest is written after them).
OUTPUT_FILES = (PANEL_FILE, MUNICIPALITIES_FILE, SIMILAR_GROUPS_FILE, SCHOOLS_FILE)
#: Version of what a build writes: a change makes every existing data/processed stale.
BUILD_FORMAT = 2
PANEL_COLUMNS = ["series", "indicator", *TIDY_COLUMNS[1:]]
#: Panel columns stored as categories in panel.parquet.
CATEGORICAL_COLUMNS = ["series", "indicator", "municipality_id", "gender", "status", "source", "population"]


class BuildError(FgteError, RuntimeError):
    """The raw data cannot be turned into processed data; the message names the file and the problem."""

    def one_line(self) -> str:
        """The message on one line (a multi-line list of files joined with '; ')."""
        parts = [ln.strip() for ln in str(self).splitlines() if ln.strip()]
        if len(parts) > 1 and parts[0].endswith(":"):
            return f"{parts[0]} " + "; ".join(parts[1:])
        return " ".join(parts)


@dataclass(frozen=True)
class Tables:
    """Everything one build writes, in memory."""

    panel: pd.DataFrame
    municipalities: pd.DataFrame
    similar_groups: pd.DataFrame
    schools: pd.DataFrame

    def by_file(self) -> dict[str, pd.DataFrame]:
        return {PANEL_FILE: self.panel, MUNICIPALITIES_FILE: self.municipalities,
                SIMILAR_GROUPS_FILE: self.similar_groups, SCHOOLS_FILE: self.schools}


# ---------------------------------------------------------------- fingerprint of the inputs, hash of the outputs
def input_fingerprint(raw: Path) -> str:
    """Cheap fingerprint of data/raw (every file's path, size and modification time) and of the build's format."""
    h = hashlib.sha256(f"{__version__}\0{BUILD_FORMAT}".encode())
    for p in sorted(raw.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            h.update(f"{p.relative_to(raw)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def table_hash(frame: pd.DataFrame) -> str:
    """Hash of a table's content (independent of parquet encoding details and of categorical dtypes)."""
    plain = frame.astype({c: str for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])})
    row_hashes = pd.util.hash_pandas_object(plain, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


def content_hash(tables: Tables) -> str:
    """Hash of everything a build writes: the panel and the municipality, similar-group and school tables.

    Memoised answers and cached reports are keyed on it, so a change in any processed table changes it.
    """
    h = hashlib.sha256()
    for name, frame in tables.by_file().items():
        columns = PANEL_COLUMNS if name == PANEL_FILE else list(frame.columns)
        h.update(f"{name}\0{table_hash(frame[columns])}\n".encode())
    return h.hexdigest()


# ---------------------------------------------------------------- reading the sources
def merge_newest(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Combine tidy Kolada frames given oldest first into one row per (series, municipality, year, gender).

    The rule, for every cell: the newest frame that has a number for it wins; a null (Kolada's "Missing") never
    replaces an older number, and fills the cell only where no frame has a number. A fetch asks for whole year
    ranges, and Kolada answers null where it has published nothing (yet); that is absence, not a correction.
    """
    key = ["series", "municipality_id", "year", "gender"]
    parts = [f.assign(_order=i) for i, f in enumerate(frames) if len(f)]
    if not parts:
        return frames[0].iloc[0:0] if frames else pd.DataFrame(columns=TIDY_COLUMNS)
    both = pd.concat(parts, ignore_index=True)
    both["_has"] = both["value"].notna()
    both = both.sort_values(["_has", "_order"], kind="mergesort")
    out = both.drop_duplicates(key, keep="last").drop(columns=["_order", "_has"])
    return out.sort_values(key, kind="mergesort").reset_index(drop=True)


def fetched_files(raw: Path) -> list[Path]:
    """The Kolada files added after the shipped dump, oldest first by the date in their names: those
    `fgte data fetch`/`update` wrote (kolada_api/) and scrapes added with `fgte data add` (kolada_scrape/).

    (MANIFEST.csv is kept sorted by path, so it records no order of its own.) Files of the same day have no
    order between them; :func:`_read_fetched` refuses them if they disagree on a value.
    """
    from .sources import kolada_scrape

    return kolada_scrape.dated_files(raw)


def _read_fetched(raw: Path) -> pd.DataFrame | None:
    from .sources import kolada_scrape

    files = fetched_files(raw)
    if not files:
        return None
    frames = [kolada_scrape.read_dated(f) for f in files]
    key = ["series", "municipality_id", "year", "gender"]
    days = [kolada_scrape.file_day(f) for f in files]
    for day in sorted({d for d in days if days.count(d) > 1}):
        same = [(f, fr) for f, fr, d in zip(files, frames, days) if d == day]
        both = pd.concat([fr.dropna(subset=["value"]).assign(_file=f.name) for f, fr in same], ignore_index=True)
        clash = both.groupby(key, observed=True)["value"].nunique()
        if (clash > 1).any():
            s_, m_, y_, g_ = clash[clash > 1].index[0]
            names = sorted(both.loc[(both.series == s_) & (both.municipality_id == m_) & (both.year == y_)
                                    & (both.gender == g_), "_file"])
            raise BuildError(f"data/raw: Kolada-filerna {', '.join(names)} är från samma dag men ger olika "
                             f"värden för {s_} {m_} {y_} {g_}; vilken som är nyast går inte att avgöra. "
                             "Ta bort den fil som inte ska gälla och dess rad i MANIFEST.csv.")
    # Later files supersede earlier ones cell by cell (merge_newest).
    return merge_newest(frames)


def _read_skolverket(raw: Path) -> pd.DataFrame:
    from .sources import skolverket

    frame = skolverket.read_all(raw / "skolverket")
    ranges.check_tidy(frame, str(raw / "skolverket"), with_source=True)  # RangeError is a ValueError
    return frame


def _splice(frame: pd.DataFrame, spec: breaks.Splice) -> tuple[pd.DataFrame, dict]:
    """Skolverket's one-definition series, filled from Kolada only in years where both agree.

    Agreement is checked on every build: if Kolada and Skolverket differ by more than 0.1 in a
    fill year, the splice is not trusted and the build fails naming the series.
    """
    key = ["municipality_id", "year"]
    skv = frame[(frame["series"] == spec.primary) & (frame["gender"] == "T")].set_index(key)
    kol = frame[(frame["series"] == spec.fill_from) & (frame["gender"] == "T")
                & frame["municipality_id"].str.match(r"^\d{4}$") & ~frame["municipality_id"].str.startswith("00")]
    lo, hi = spec.fill_years
    kol = kol[kol["year"].between(lo, hi)].set_index(key)
    both = skv.join(kol[["value"]].rename(columns={"value": "value_kolada"}), how="inner")
    both = both.dropna(subset=["value", "value_kolada"])
    diff = (both["value"] - both["value_kolada"]).abs()
    if len(both) == 0 or (diff > 0.1 + 1e-9).any():
        worst = diff.idxmax() if len(both) else None
        raise BuildError(f"skarvningen {spec.id}: Kolada {spec.fill_from} och Skolverket {spec.primary} stämmer "
                         f"inte överens {lo}–{hi} (största skillnad {diff.max() if len(both) else 'inga par'} "
                         f"vid {worst}); serien kan inte skarvas")
    out = skv.reset_index().copy()
    fill = (out["status"] != "ok") & out["year"].between(lo, hi)
    kol_values = kol["value"]
    idx = pd.MultiIndex.from_frame(out.loc[fill, key])
    filled = kol_values.reindex(idx).to_numpy()
    has = ~np.isnan(filled)
    rows = out.index[fill][has]
    out.loc[rows, "value"] = filled[has]
    out.loc[rows, "status"] = "ok"
    out.loc[rows, "source"] = f"Kolada {spec.fill_from} (samma definition som Skolverket {lo}–{hi})"
    out["series"] = spec.id
    report = {"pairs_compared": int(len(both)), "max_abs_difference": float(diff.max()),
              "filled_from_kolada": int(has.sum())}
    return out, report


def _missing_grid(frame: pd.DataFrame, municipality_ids: list[str]) -> pd.DataFrame:
    """Rows with status 'missing' for every (series, municipality, year) absent in the series' year span.

    Only the gender total is completed: a missing girls/boys split is reported by the analysis.
    """
    totals = frame[frame["gender"] == "T"]
    spans = totals.groupby("series", observed=True)["year"].agg(["min", "max"])
    parts = []
    for sid, (lo, hi) in spans.iterrows():
        grid = pd.MultiIndex.from_product([municipality_ids, range(int(lo), int(hi) + 1)],
                                          names=["municipality_id", "year"])
        have = pd.MultiIndex.from_frame(totals.loc[totals["series"] == sid, ["municipality_id", "year"]])
        absent = grid.difference(have)
        if len(absent):
            part = absent.to_frame(index=False)
            part["series"] = sid
            parts.append(part)
    if not parts:
        return frame.iloc[0:0]
    grid = pd.concat(parts, ignore_index=True)
    grid["gender"] = "T"
    grid["value"] = np.nan
    grid["status"] = "missing"
    grid["source"] = "inget värde i källan"
    grid["population"] = ""
    return grid[TIDY_COLUMNS]


def _assemble_panel(raw: Path, municipality_ids: list[str]) -> tuple[pd.DataFrame, dict]:
    try:
        kol = kolada.read_kpis(raw, catalogue.shipped_kolada_kpis())
        fetched = _read_fetched(raw)
        if fetched is not None:
            known = set(catalogue.all_kolada_kpis())
            fetched = fetched[fetched["series"].isin(known)]
            kol = merge_newest([kol, fetched])  # a fetched number wins over the shipped dump's
        skv = _read_skolverket(raw)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        raise BuildError(str(exc)) from exc
    frame = pd.concat([kol, skv], ignore_index=True)
    report: dict = {"splices": {}}
    for spec in breaks.SPLICES:
        spliced, rep = _splice(frame, spec)
        frame = pd.concat([frame, spliced], ignore_index=True)
        report["splices"][spec.id] = rep

    present = set(frame["series"].unique())
    catalogued = [s for s in catalogue.SERIES if s in present]
    not_shipped = {sid for sid, s in catalogue.SERIES.items() if not s.shipped}
    unknown = sorted(set(catalogue.SERIES) - present - not_shipped)
    if unknown:
        raise BuildError(f"serier i katalogen saknas helt i data/raw: {unknown}")
    frame = frame[frame["series"].isin(catalogued)]
    frame, report["zeros_as_missing"] = _zeros_as_missing(frame)
    in_scope = frame["municipality_id"].isin(municipality_ids) | frame["municipality_id"].str.startswith("00")
    frame = pd.concat([frame[in_scope], _missing_grid(frame[in_scope], municipality_ids)], ignore_index=True)

    pop = {sid: s.population for sid, s in catalogue.SERIES.items()}
    frame["population"] = frame["series"].map(pop)
    headline = {sid: ind.id for ind in catalogue.INDICATORS for sid in ind.headline}
    indicator = frame["series"].map(headline).fillna("").to_numpy()
    frame = coerce_tidy(frame)  # keeps row order, so the indicator array still lines up
    frame["indicator"] = indicator
    frame = frame[PANEL_COLUMNS].sort_values(["series", "municipality_id", "year", "gender"], kind="mergesort")
    frame = frame.reset_index(drop=True)
    has_value = set(frame.loc[frame["status"] == "ok", "series"].astype(str))
    report[catalogue.FETCHED_SERIES_KEY] = sorted(not_shipped & has_value)
    report["rows"] = int(len(frame))
    report["series"] = int(frame["series"].nunique())
    report["municipalities"] = int(frame.loc[~frame["municipality_id"].str.startswith("00"),
                                             "municipality_id"].nunique())
    return frame, report


def _zeros_as_missing(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """A published 0 becomes missing only where the data show there were no such pupils (catalogue.ZERO_RULES:
    no companion series positive in the cohort's start year); elsewhere it stays a value and its source says why.
    Returns the frame and, per series, the count of zeros (totals, gender T) removed and kept."""
    frame = frame.copy()
    municipal = ~frame["municipality_id"].str.startswith("00")
    totals = frame[municipal & (frame["gender"] == "T") & (frame["status"] == "ok")]
    report = {}
    for sid, rule in catalogue.ZERO_RULES.items():
        zero = (frame["series"] == sid) & (frame["value"] == 0) & (frame["status"] == "ok") & municipal
        if not zero.any():
            continue
        comp = totals[totals["series"].isin(rule.companions) & (totals["value"] > 0)]
        text = (comp["value"].round().astype(int).astype(str) + " % " + comp["series"].map(catalogue.EVIDENCE_SV)
                .fillna("") + " (" + comp["series"].astype(str) + ")")
        evidence = text.groupby([comp["municipality_id"], comp["year"]]).agg(", ".join)
        keys = pd.MultiIndex.from_arrays([frame.loc[zero, "municipality_id"], frame.loc[zero, "year"] - rule.lag])
        found = pd.Series(evidence.reindex(keys).to_numpy(), index=frame.index[zero])
        when = (frame.loc[zero, "year"] - rule.lag).astype(str) + (" (året årskullen började)" if rule.lag else "")
        gone = found.index[found.isna()]
        kept = found.index[found.notna()]
        frame.loc[gone, "value"] = np.nan
        frame.loc[gone, "status"] = "missing"
        frame.loc[gone, "source"] = rule.no_pupils_sv + " " + when[gone] + " enligt " + ", ".join(rule.companions)
        frame.loc[kept, "source"] = (frame.loc[kept, "source"] + "; " + rule.real_sv + " " + when[kept] + " ("
                                     + found[kept] + "). " + catalogue.SMALL_ZERO_SV)
        total = frame.loc[found.index, "gender"] == "T"
        report[sid] = {"removed": int(total[gone].sum()), "kept": int(total[kept].sum())}
    return frame, report


def assemble(raw: Path) -> tuple[Tables, dict]:
    """Read and combine all sources into the processed tables (no writing). Raises BuildError."""
    raw = Path(raw)
    try:
        municipalities, similar = kolada_meta.read_municipality_tables(raw)
    except (ValueError, FileNotFoundError) as exc:
        raise BuildError(str(exc)) from exc
    panel, report = _assemble_panel(raw, list(municipalities["municipality_id"]))
    try:
        schools = school_level.read_schools(raw, dict(zip(municipalities["name"], municipalities["municipality_id"])))
        ranges.check_schools(schools, str(raw / school_level.SUBDIR))
    except (ValueError, FileNotFoundError) as exc:
        raise BuildError(str(exc)) from exc
    report["schools"] = {"rows": int(len(schools)), "schools": int(schools["school_code"].nunique()),
                         "years": sorted(int(y) for y in schools["year"].unique())}
    return Tables(panel, municipalities, similar, schools), report


# ---------------------------------------------------------------- build
def build(raw: Path | None = None, processed: Path | None = None, *, verbose: bool = False,
          announce: str | None = None) -> dict:
    """raw → processed. Fails (BuildError) without touching processed/ if any input is bad.

    ``announce``: printed to stderr once data/raw has passed its manifest check (so that a refused build
    prints only its error)."""
    raw = Path(raw or paths.raw_dir())
    processed = Path(processed or paths.processed_dir())
    started = time.perf_counter()
    try:
        rows = read_manifest(raw / MANIFEST_NAME)
        check = check_raw(raw)
    except (FileNotFoundError, ValueError) as exc:
        raise BuildError(str(exc)) from exc
    if check.missing or check.changed:
        raise BuildError("data/raw stämmer inte med MANIFEST.csv (rådata får inte ändras):\n  "
                         + "\n  ".join(check.lines_sv()))
    if check.unlisted:
        # a file without a manifest row has no recorded source, licence or checksum: it does not enter a build
        raise BuildError("filer i data/raw saknas i MANIFEST.csv och används inte; en Skolverket-export förs in "
                         "med `fgte data add FIL`, Kolada-data hämtas med `fgte data fetch`:\n  "
                         + "\n  ".join(f"finns inte i MANIFEST.csv: {p}" for p in check.unlisted))
    if announce:
        print(announce, file=sys.stderr)
    fingerprint = input_fingerprint(raw)
    tables, report = assemble(raw)

    manifest = {
        # No timestamp: the same inputs must give the same manifest.
        "package_version": __version__,
        "build_format": BUILD_FORMAT,
        "input_fingerprint": fingerprint,
        "manifest_sha256": hashlib.sha256((raw / MANIFEST_NAME).read_bytes()).hexdigest(),
        "inputs": {r.path: r.sha256 for r in rows},
        "unlisted_inputs": [],  # always empty: unlisted files are refused (kept for the manifest's format)
        "content_hash": content_hash(tables),
        "tables": {name: {"rows": int(len(frame)), "content_hash": table_hash(frame)}
                   for name, frame in tables.by_file().items()},
        **report,
    }
    processed.mkdir(parents=True, exist_ok=True)
    _write_tables(tables, processed)
    # Only when every data file is in place: a reader never pairs new tables with an old manifest hash.
    write_text_atomic(processed / BUILD_MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest


def _write_tables(tables: Tables, processed: Path) -> None:
    """Write every table to a temporary file first; only when all are complete are they renamed into place."""
    frames = tables.by_file()
    frames[PANEL_FILE] = tables.panel.astype({c: "category" for c in CATEGORICAL_COLUMNS})
    options = {PANEL_FILE: {"compression": "zstd"}}
    with ExitStack() as stack:
        for name, frame in frames.items():
            tmp = stack.enter_context(atomic_path(processed / name))
            frame.to_parquet(tmp, index=False, **options.get(name, {}))


# ---------------------------------------------------------------- state of data/processed
def read_build_manifest(processed: Path | None = None) -> dict | None:
    path = Path(processed or paths.processed_dir()) / BUILD_MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def is_current(raw: Path | None = None, processed: Path | None = None) -> bool:
    """True if data/processed holds every file of a build from the current data/raw (and build format)."""
    raw = Path(raw or paths.raw_dir())
    processed = Path(processed or paths.processed_dir())
    manifest = read_build_manifest(processed)
    return (manifest is not None and all((processed / name).is_file() for name in OUTPUT_FILES)
            and manifest.get("input_fingerprint") == input_fingerprint(raw))


def ensure_built(raw: Path | None = None, processed: Path | None = None, *, verbose: bool = False) -> bool:
    """Build if the processed data are missing or older than the raw inputs. Returns True if it built."""
    if is_current(raw, processed):
        return False
    build(raw, processed, verbose=verbose, announce="Bygger data/processed från data/raw …" if verbose else None)
    return True


def panel_hash(processed: Path | None = None) -> str:
    """Content hash of data/processed (all tables of the last build)."""
    manifest = read_build_manifest(processed)
    if manifest is None:
        raise FileNotFoundError("data/processed saknas: kör `fgte data build`")
    return manifest["content_hash"]
