"""Reader of the Kolada values shipped in data/raw/kolada (the open-numbers DDF dump).

File layout (byte-identical to the dump): ``datapoints--by--geo--year/ddf--datapoints--<kpi>--by--geo--year.csv``
with columns ``geo,year,<kpi>`` (both sexes) and ``datapoints--by--geo--gender--year/...`` with
``geo,gender,year,<kpi>`` (gender k/m). geo "0" is the whole country, two digits a region, four a municipality.
Output geo codes: municipalities as 4-character codes, riket as "0000", regions as "00XX" (Kolada's own style).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import ranges
from ..schema import coerce_tidy
from .csvfile import read_csv_checked
from ..errors import InputError

SOURCE = "Kolada (open-numbers ddf--kolada--dump, hämtad hösten 2024)"


def kpi_files(raw_dir: Path, kpi: str) -> tuple[Path, Path]:
    k = kpi.lower()
    base = raw_dir / "kolada"
    return (base / "datapoints--by--geo--year" / f"ddf--datapoints--{k}--by--geo--year.csv",
            base / "datapoints--by--geo--gender--year" / f"ddf--datapoints--{k}--by--geo--gender--year.csv")


def _geo_to_id(geo: pd.Series) -> pd.Series:
    geo = geo.astype(str)
    return geo.where(geo.str.len() == 4, geo.str.zfill(4))


def _read_one(path: Path, kpi: str, with_gender: bool) -> pd.DataFrame:
    value_col = kpi.lower()
    expected = ["geo", "gender", "year", value_col] if with_gender else ["geo", "year", value_col]
    frame = read_csv_checked(path, expected, dtype={"geo": str, "gender": str})
    if frame.empty:
        raise InputError(f"{path}: filen innehåller inga rader")
    if frame[value_col].isna().any():
        i = int(frame[value_col].isna().idxmax())
        raise InputError(f"{path}: rad {i + 2} saknar värde (filen trunkerad?); dumpen har inga tomma värden")
    values = pd.to_numeric(frame[value_col], errors="coerce")
    bad = frame[value_col].notna() & values.isna()
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(f"{path}: rad {i + 2}: värdet {frame.loc[i, value_col]!r} är inget tal")
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        i = int(years.isna().idxmax()) if years.isna().any() else 0
        raise InputError(f"{path}: rad {i + 2}: ogiltigt år {frame.loc[i, 'year']!r}")
    gender = frame["gender"].str.upper().map({"K": "K", "M": "M"}) if with_gender else "T"
    if with_gender and gender.isna().any():
        raise InputError(f"{path}: okända värden i kolumnen gender: {sorted(frame['gender'][gender.isna()].unique())}")
    out = pd.DataFrame({
        "series": kpi.upper(), "municipality_id": _geo_to_id(frame["geo"]), "year": years.astype(int),
        "gender": gender, "value": values, "status": values.notna().map({True: "ok", False: "missing"}),
        "source": SOURCE, "population": "",
    })
    ranges.check_tidy(out, str(path))
    return out


def read_kpi(raw_dir: Path, kpi: str) -> pd.DataFrame:
    """Tidy rows (T, K, M) for one KPI. The total file must exist; the gender file is optional."""
    total, by_gender = kpi_files(raw_dir, kpi)
    if not total.is_file():
        raise FileNotFoundError(f"{total}: filen saknas (nyckeltalet {kpi} finns i katalogen men inte i data/raw)")
    parts = [_read_one(total, kpi, False)]
    if by_gender.is_file():
        parts.append(_read_one(by_gender, kpi, True))
    frame = pd.concat(parts, ignore_index=True)
    dup = frame.duplicated(["municipality_id", "year", "gender"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(f"{total.parent.parent}: {kpi} har dubbletter, t.ex. {row.municipality_id} {row.year}")
    return coerce_tidy(frame)


def read_kpis(raw_dir: Path, kpis) -> pd.DataFrame:
    return pd.concat([read_kpi(raw_dir, k) for k in sorted(kpis)], ignore_index=True)
