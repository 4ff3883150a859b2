"""Municipalities: codes, names, county, SKR kommungrupp 2017, Kolada similar-municipality groups.

All 290 municipalities are first-class: nothing here is Halland-only. The FGTE set is a named
set like any other.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .sources.csvfile import read_csv_checked

FGTE_SET = ("1384", "1383", "1380", "1381", "1315")  # Kungsbacka, Varberg, Halmstad, Laholm, Hylte
#: Halland's municipality outside the collaboration, a natural county neighbour for comparisons.
HALLAND_NON_PARTICIPANT = "1382"  # Falkenberg

NAMED_SETS: dict[str, tuple[str, ...]] = {
    "fgte": FGTE_SET,
    "halland": ("1315", "1380", "1381", "1382", "1383", "1384"),
}

SKR_GROUP_IDS = [f"G9278{i}" for i in range(6, 10)] + [f"G9279{i}" for i in range(0, 5)]
_SIMILAR = re.compile(r"^Liknande kommuner (grundskola|gymnasieskola|socioekonomi), (.+), 2024$")


def _meta(raw: Path | None = None) -> Path:
    return (raw or paths.raw_dir()) / "kolada_meta"


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    return read_csv_checked(path, columns, exact=False, dtype=str)


@lru_cache(maxsize=4)
def _load(raw_key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = Path(raw_key)
    munis = _read(_meta(raw) / "kolada_municipalities.csv", ["id", "title", "type"])
    groups = _read(_meta(raw) / "kolada_municipality_groups_long.csv",
                   ["group_id", "group_title", "member_id", "member_title"])
    kommun = _read(raw / "kolada" / "ddf--entities--geo--kommun.csv", ["kommun", "name", "region"])
    regions = _read(raw / "kolada" / "ddf--entities--geo--region.csv", ["region", "name"])

    k = munis[munis["type"] == "K"].rename(columns={"id": "municipality_id", "title": "name"})[
        ["municipality_id", "name"]]
    k = k.merge(kommun[["kommun", "region"]].rename(columns={"kommun": "municipality_id", "region": "county_id"}),
                on="municipality_id", how="left")
    county_names = dict(zip(regions["region"], regions["name"].str.replace("^Region ", "", regex=True)))
    k["county_name"] = k["county_id"].map(county_names)

    skr = groups[groups["group_id"].isin(SKR_GROUP_IDS)]
    k = k.merge(skr[["member_id", "group_title"]].rename(
        columns={"member_id": "municipality_id", "group_title": "kommungrupp_2017"}), on="municipality_id",
        how="left")
    k["kommungrupp_2017"] = k["kommungrupp_2017"].str.replace(r"\s*\(ovägt medel\)$", "", regex=True)

    sim = groups["group_title"].str.extract(_SIMILAR)
    sim.columns = ["kind", "owner_name"]
    similar = pd.concat([groups[["group_id", "member_id"]], sim], axis=1).dropna(subset=["kind"])
    name_to_id = dict(zip(k["name"], k["municipality_id"]))
    similar["owner_id"] = similar["owner_name"].map(name_to_id)
    if similar["owner_id"].isna().any():
        bad = similar.loc[similar["owner_id"].isna(), "owner_name"].unique()[:5]
        raise ValueError(f"{_meta(raw)}: okända kommunnamn i likhetsgrupperna: {list(bad)}")
    k["in_fgte"] = k["municipality_id"].isin(FGTE_SET)
    return k.sort_values("municipality_id").reset_index(drop=True), similar.reset_index(drop=True)


def load_municipalities(raw: Path | None = None) -> pd.DataFrame:
    """All 290 municipalities: municipality_id, name, county_id, county_name, kommungrupp_2017, in_fgte."""
    return _load(str(raw or paths.raw_dir()))[0].copy()


def name_of(municipality_id: str) -> str:
    table = load_municipalities()
    hit = table.loc[table["municipality_id"] == municipality_id, "name"]
    if hit.empty:
        raise ValueError(f"okänd kommunkod {municipality_id!r} (koden ska vara fyra siffror, t.ex. '1380')")
    return str(hit.iloc[0])


def resolve(ref: str | int) -> str:
    """A municipality code from a code ('1380', 1380) or a name ('Halmstad', case-insensitive)."""
    table = load_municipalities()
    text = str(ref).strip()
    if text.isdigit():
        code = text.zfill(4)
        if code in set(table["municipality_id"]):
            return code
    else:
        hit = table[table["name"].str.lower() == text.lower()]
        if len(hit) == 1:
            return str(hit["municipality_id"].iloc[0])
    raise ValueError(f"okänd kommun {ref!r}; ange en kommunkod med fyra siffror (t.ex. 1380) eller ett "
                     f"kommunnamn (t.ex. Halmstad). {len(table)} kommuner finns.")


def resolve_set(spec) -> list[str]:
    """A list of codes/names, a named set ('fgte', 'halland') or 'all'."""
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in ("all", "alla"):
            return list(load_municipalities()["municipality_id"])
        if key in NAMED_SETS:
            return list(NAMED_SETS[key])
        return [resolve(spec)]
    return [resolve(x) for x in spec]


def similar_group(municipality_id: str, kind: str = "grundskola") -> list[str]:
    """Kolada's 'Liknande kommuner <kind>, <name>, 2024' group (the 7 municipalities, not the owner)."""
    if kind not in ("grundskola", "gymnasieskola", "socioekonomi"):
        raise ValueError(f"okänd grupptyp {kind!r}; giltiga: grundskola, gymnasieskola, socioekonomi")
    similar = _load(str(paths.raw_dir()))[1]
    hit = similar[(similar["owner_id"] == municipality_id) & (similar["kind"] == kind)]
    return sorted(hit["member_id"].unique())


def county_members(county_id: str) -> list[str]:
    table = load_municipalities()
    return list(table.loc[table["county_id"] == county_id, "municipality_id"])


def county_of(municipality_id: str) -> str:
    table = load_municipalities()
    return str(table.loc[table["municipality_id"] == resolve(municipality_id), "county_id"].iloc[0])


def slug(municipality_id: str) -> str:
    """File-name-safe name: 'Upplands Väsby' -> 'upplands-vasby'."""
    name = name_of(municipality_id).lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e"), ("ü", "u")):
        name = name.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")
