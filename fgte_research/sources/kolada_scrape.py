"""Kolada values that came after the shipped dump: fetched files and scrapes, oldest first, read to tidy rows.

Two kinds of dated Kolada file enter the build beside the dump (``data/raw/kolada``), each with its manifest row:

* ``kolada_api/kolada_v3_<YYYY-MM-DD>_<hash>.csv``, written by `fgte data fetch` / `fgte data update`
  (:func:`fgte_research.sources.kolada_api.read_fetched`);
* ``kolada_scrape/<YYYY-MM-DD>_<name>.parquet``, a scrape of Kolada's values API in rKolada's flattened shape
  (``kpi, municipality_id, year, gender, status, value``; ``count, municipality, municipality_type`` may follow),
  registered with `fgte data add FILE.parquet`. The date in the name is the day the scrape was made, from its
  provenance (the shipped one, from pgmj/DIDreport, 2024-12-12): it orders the file among the fetches.

The build combines them with the dump by ``build.merge_newest`` (the newest number wins; a null never erases a
number). Kolada's status strings map to the tidy status as for fetched files (``kolada_api.tidy_status``), and
every value is range-checked (:mod:`fgte_research.ranges`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import ranges
from ..schema import GENDERS, coerce_tidy
from . import kolada_api
from ..errors import InputError

SUBDIR = "kolada_scrape"
COLUMNS = ["kpi", "municipality_id", "year", "gender", "status", "value"]
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})_[^/]+\.parquet$")
_DAY = re.compile(r"^(?:kolada_v3_)?(\d{4}-\d{2}-\d{2})_")
_KPI = re.compile(r"^[A-Z]\d{5}$")
_MUNI = re.compile(r"^\d{4}$")


def file_day(path: Path) -> str:
    """The date a dated Kolada file's values were taken, from its name ("" if the name carries none)."""
    m = _DAY.match(Path(path).name)
    return m.group(1) if m else ""


def dated_files(raw: Path) -> list[Path]:
    """Every fetched file and scrape in data/raw, oldest first (by the date in the name, then the name)."""
    raw = Path(raw)
    found = [*sorted((raw / kolada_api.SUBDIR).glob("*.csv")), *sorted((raw / SUBDIR).glob("*.parquet"))]
    return sorted(found, key=lambda f: (file_day(f), f.name))


def read_dated(path: Path) -> pd.DataFrame:
    """Tidy rows of one dated Kolada file, whichever kind it is."""
    path = Path(path)
    return read_scrape(path) if path.suffix == ".parquet" else kolada_api.read_fetched(path)


def _bad(path: Path, frame: pd.DataFrame, mask: pd.Series, what: str) -> ValueError:
    i = int(mask.to_numpy().nonzero()[0][0])
    row = frame.iloc[i]
    return ValueError(f"{path}: rad {i + 1} ({row['kpi']} {row['municipality_id']} {row['year']}): {what}")


def read_scrape(path: Path) -> pd.DataFrame:
    """Read a Kolada scrape (parquet, rKolada's columns) into tidy rows; ValueError naming the file if it is bad."""
    path = Path(path)
    m = _NAME.match(path.name)
    if not m:
        raise InputError(f"{path}: filnamnet ska börja med skrapningens datum, ÅÅÅÅ-MM-DD_….parquet")
    day = m.group(1)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises its own types (ArrowInvalid …) for a damaged file
        raise InputError(f"{path}: kan inte läsas som parquet ({type(exc).__name__})") from None
    lacking = [c for c in COLUMNS if c not in frame.columns]
    if lacking:
        raise InputError(f"{path}: kolumnerna {', '.join(lacking)} saknas (väntade Koladas värden i rKoladas form: "
                         f"{', '.join(COLUMNS)})")
    frame = frame[COLUMNS].reset_index(drop=True)
    for col in ("kpi", "municipality_id", "gender"):
        frame[col] = frame[col].astype("string").fillna("")
    checks = [(~frame["kpi"].str.fullmatch(_KPI.pattern), "ogiltigt nyckeltals-id"),
              (~frame["municipality_id"].str.fullmatch(_MUNI.pattern), "ogiltig kommunkod"),
              (~frame["gender"].isin(GENDERS), "okänt kön")]
    years = pd.to_numeric(frame["year"], errors="coerce")
    checks.append((years.isna() | (years % 1 != 0) | ~years.between(1990, 2100), "ogiltigt år"))
    values = pd.to_numeric(frame["value"], errors="coerce")
    checks.append((frame["value"].notna() & values.isna(), "värdet är inget tal"))
    for mask, what in checks:
        if mask.any():
            raise _bad(path, frame, mask, what)
    frame["year"] = years.astype("int64")
    dup = frame.duplicated(["kpi", "municipality_id", "year", "gender"], keep=False)
    if dup.any():
        raise _bad(path, frame, dup, "förekommer två gånger")
    status, source = kolada_api.tidy_status(values, frame["status"], f"Kolada (skrapning {day})")
    out = coerce_tidy(pd.DataFrame({
        "series": frame["kpi"], "municipality_id": frame["municipality_id"], "year": frame["year"],
        "gender": frame["gender"], "value": values, "status": status, "source": source, "population": "",
    }))
    ranges.check_tidy(out, str(path))
    return out
