"""Build data/processed from data/raw (loading is in :mod:`fgte_research.panel`).

``build()`` reads every catalogued Kolada KPI, every Skolverket export and every file fetched from
the Kolada API, splices the åk 9 series where the data prove one definition, makes absent years
explicit (status "missing") and writes, atomically:

- ``panel.parquet``: series, indicator, municipality_id, year, gender, value, status, source, population
- ``municipalities.parquet``: the municipality table
- ``build_manifest.json``: input fingerprint and checksums, package version, content hash, row counts

``ensure_built()`` rebuilds when the raw inputs changed since the last build; ``load_panel()`` calls it.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import breaks, catalogue, paths
from ._version import __version__
from .atomic import atomic_path, write_text_atomic
from .manifest import MANIFEST_NAME, check_raw, read_manifest
from .municipalities import load_municipalities
from .schema import TIDY_COLUMNS, coerce_tidy
from .sources import kolada

PANEL_FILE = "panel.parquet"
MUNICIPALITIES_FILE = "municipalities.parquet"
BUILD_MANIFEST = "build_manifest.json"
PANEL_COLUMNS = ["series", "indicator", *TIDY_COLUMNS[1:]]
CATEGORICAL_COLUMNS = ["series", "indicator", "municipality_id", "gender", "status", "source", "population"]


class BuildError(RuntimeError):
    """The raw data cannot be turned into a panel; the message names the file and the problem."""


# ---------------------------------------------------------------- fingerprint of the inputs
def input_fingerprint(raw: Path) -> str:
    """Cheap fingerprint of data/raw: every file's path, size and modification time."""
    h = hashlib.sha256(__version__.encode())
    for p in sorted(raw.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            h.update(f"{p.relative_to(raw)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def content_hash(panel: pd.DataFrame) -> str:
    """Hash of the panel's content (independent of parquet encoding details)."""
    frame = panel[PANEL_COLUMNS].astype({c: str for c in CATEGORICAL_COLUMNS})
    row_hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(row_hashes.tobytes()).hexdigest()


# ---------------------------------------------------------------- reading the sources
def _read_fetched(raw: Path) -> pd.DataFrame | None:
    folder = raw / "kolada_api"
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return None
    from .sources import kolada_api

    # Later fetches supersede earlier ones (file names start with the fetch date).
    frames = [kolada_api.read_fetched(f) for f in files]
    return pd.concat(frames, ignore_index=True).drop_duplicates(
        ["series", "municipality_id", "year", "gender"], keep="last")


def _read_skolverket(raw: Path) -> pd.DataFrame:
    from .sources import skolverket

    return skolverket.read_all(raw / "skolverket")


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


def assemble(raw: Path) -> tuple[pd.DataFrame, dict]:
    """Read and combine all sources into the panel (no writing)."""
    try:
        kol = kolada.read_kpis(raw, catalogue.all_kolada_kpis())
        fetched = _read_fetched(raw)
        if fetched is not None:
            known = set(catalogue.all_kolada_kpis())
            fetched = fetched[fetched["series"].isin(known)]
            kol = pd.concat([kol, fetched], ignore_index=True).drop_duplicates(
                ["series", "municipality_id", "year", "gender"], keep="last")
        skv = _read_skolverket(raw)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        raise BuildError(str(exc)) from exc
    frame = pd.concat([kol, skv], ignore_index=True)
    report: dict = {"splices": {}}
    for spec in breaks.SPLICES:
        spliced, rep = _splice(frame, spec)
        frame = pd.concat([frame, spliced], ignore_index=True)
        report["splices"][spec.id] = rep

    try:
        municipality_ids = list(load_municipalities(raw)["municipality_id"])
    except (ValueError, FileNotFoundError) as exc:
        raise BuildError(str(exc)) from exc
    present = set(frame["series"].unique())
    catalogued = [s for s in catalogue.SERIES if s in present]
    unknown = sorted(set(catalogue.SERIES) - present)
    if unknown:
        raise BuildError(f"serier i katalogen saknas helt i data/raw: {unknown}")
    frame = frame[frame["series"].isin(catalogued)]
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
    report["rows"] = int(len(frame))
    report["series"] = int(frame["series"].nunique())
    report["municipalities"] = int(frame.loc[~frame["municipality_id"].str.startswith("00"),
                                             "municipality_id"].nunique())
    return frame, report


# ---------------------------------------------------------------- build
def build(raw: Path | None = None, processed: Path | None = None, *, verbose: bool = False) -> dict:
    """raw → processed. Fails (BuildError) without touching processed/ if any input is bad."""
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
    fingerprint = input_fingerprint(raw)
    panel, report = assemble(raw)
    munis = load_municipalities(raw)  # already read (and checked) by assemble()

    panel_out = panel.astype({c: "category" for c in CATEGORICAL_COLUMNS})
    manifest = {
        # No timestamp: the same inputs must give the same manifest.
        "package_version": __version__,
        "input_fingerprint": fingerprint,
        "manifest_sha256": hashlib.sha256((raw / MANIFEST_NAME).read_bytes()).hexdigest(),
        "inputs": {r.path: r.sha256 for r in rows},
        "unlisted_inputs": check.unlisted,
        "content_hash": content_hash(panel),
        **report,
    }
    processed.mkdir(parents=True, exist_ok=True)
    # Write everything to temporary files first; only when all are complete are they renamed into place,
    # the build manifest last, so that a reader never pairs a new panel with an old manifest hash.
    with atomic_path(processed / PANEL_FILE) as tmp_panel, atomic_path(processed / MUNICIPALITIES_FILE) as tmp_m:
        panel_out.to_parquet(tmp_panel, index=False, compression="zstd")
        munis.to_parquet(tmp_m, index=False)
    write_text_atomic(processed / BUILD_MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    if verbose and check.unlisted:
        print("Varning: filer i data/raw som saknas i MANIFEST.csv (ingen proveniens registrerad):\n  "
              + "\n  ".join(check.unlisted), file=sys.stderr)
    return manifest


def read_build_manifest(processed: Path | None = None) -> dict | None:
    path = Path(processed or paths.processed_dir()) / BUILD_MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def is_current(raw: Path | None = None, processed: Path | None = None) -> bool:
    raw = Path(raw or paths.raw_dir())
    processed = Path(processed or paths.processed_dir())
    manifest = read_build_manifest(processed)
    return (manifest is not None and (processed / PANEL_FILE).is_file()
            and manifest.get("input_fingerprint") == input_fingerprint(raw))


def ensure_built(raw: Path | None = None, processed: Path | None = None, *, verbose: bool = False) -> bool:
    """Build if the processed data are missing or older than the raw inputs. Returns True if it built."""
    if is_current(raw, processed):
        return False
    if verbose:
        print("Bygger data/processed från data/raw …", file=sys.stderr)
    build(raw, processed, verbose=verbose)
    return True


def panel_hash(processed: Path | None = None) -> str:
    manifest = read_build_manifest(processed)
    if manifest is None:
        raise FileNotFoundError("data/processed saknas: kör `fgte data build`")
    return manifest["content_hash"]
