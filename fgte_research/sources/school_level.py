"""Reader of the school-level merit values in data/raw/school_level.

Files:

- ``drbaumgardt_m17_xx.json``: a list of schools ``{"skola", "kod", "kom", "m17_14" … "m17_22"}`` with the merit value
  (17 subjects) for spring 2014–2022, all huvudmän, no pupil counts; ``kom`` is the municipality's *name*;
- ``skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv``: Skolverket's export for 2024/25 (semicolon separated,
  a preamble before the ``Skola;…`` header, footnotes after the table), with pupil counts and type of huvudman.

:func:`read_schools` gives one row per (school, year): ``municipality_id, school_code, school, year, merit, pupils,
huvudman, status`` (pupils and huvudman only for 2025). Only the build reads these files; analyses use
``fgte_research.panel.load_schools``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..schema import parse_swedish_number
from ..errors import InputError

SUBDIR = "school_level"
SCHOOL_JSON = "drbaumgardt_m17_xx.json"
SCHOOL_CSV_2025 = "skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv"
SCHOOL_COLUMNS = ["municipality_id", "school_code", "school", "year", "merit", "pupils", "huvudman", "status"]
JSON_YEARS = range(2014, 2023)
CSV_YEAR = 2025
_CSV_NEEDED = ["Skol-enhetskod", "Kommun-kod", "Typ av huvudman", "Antal elever",
               "Genomsnittligt meritvärde (17 ämnen)"]


def _read_json(path: Path, name_to_id: Mapping[str, str]) -> list[tuple]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: kan inte läsas ({exc})") from None
    if not isinstance(records, list):
        raise InputError(f"{path}: väntade en lista med skolor")
    rows = []
    for i, r in enumerate(records):
        try:
            name, code, school = r["kom"], r["kod"], r["skola"]
        except (KeyError, TypeError):
            raise InputError(f"{path}: post {i + 1} saknar något av fälten skola, kod, kom") from None
        mid = name_to_id.get(name)
        if mid is None:
            raise InputError(f"{path}: okänt kommunnamn {name!r} (skola {code})")
        for year in JSON_YEARS:
            v = r.get(f"m17_{year % 100}")
            try:
                merit = np.nan if v is None else float(v)
            except (TypeError, ValueError):
                raise InputError(f"{path}: skola {code}, m17_{year % 100}: {v!r} är inget tal") from None
            rows.append((mid, str(code), school, year, merit, np.nan, "", "ok" if v is not None else "missing"))
    return rows


def _read_csv(path: Path) -> list[tuple]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: filen saknas") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: filen är inte UTF-8 (omkodad?): {exc}") from None
    start = next((i for i, line in enumerate(lines) if line.startswith("Skola;")), None)
    if start is None:
        raise InputError(f"{path}: rubrikraden (Skola;…) saknas")
    header = lines[start].split(";")
    if any(c not in header for c in _CSV_NEEDED):
        raise InputError(f"{path}: kolumnerna {[c for c in _CSV_NEEDED if c not in header]} saknas")
    idx = {c: header.index(c) for c in _CSV_NEEDED + ["Skola"]}
    rows = []
    for line_no, line in enumerate(lines[start + 1:], start + 2):
        cells = line.split(";")
        if len(cells) < len(header) or not cells[idx["Skol-enhetskod"]].strip():
            continue  # blank lines and the footnotes at the end
        try:
            pupils, _ = parse_swedish_number(cells[idx["Antal elever"]])
            merit, status = parse_swedish_number(cells[idx["Genomsnittligt meritvärde (17 ämnen)"]])
        except ValueError as exc:
            raise InputError(f"{path}: rad {line_no}: {exc}") from None
        rows.append((cells[idx["Kommun-kod"]].strip().zfill(4), cells[idx["Skol-enhetskod"]].strip(),
                     cells[idx["Skola"]], CSV_YEAR, merit, pupils, cells[idx["Typ av huvudman"]].strip(), status))
    return rows


def read_schools(raw: Path, name_to_id: Mapping[str, str]) -> pd.DataFrame:
    """School merit values: one row per (school code, year), 2014–2022 and 2025; pupils only for 2025.

    ``name_to_id`` maps municipality names to codes (the JSON file names municipalities, not codes). Raises
    ValueError (or FileNotFoundError) naming the file and the problem.
    """
    folder = Path(raw) / SUBDIR
    rows = _read_json(folder / SCHOOL_JSON, name_to_id) + _read_csv(folder / SCHOOL_CSV_2025)
    frame = pd.DataFrame(rows, columns=SCHOOL_COLUMNS)
    return frame.astype({"year": "int64", "merit": "float64", "pupils": "float64"})
