"""Reader of the municipality metadata in data/raw.

Files: ``kolada_meta/kolada_municipalities.csv`` (id, title, type), ``kolada_meta/kolada_municipality_groups_long.csv``
(group_id, group_title, member_id, member_title) and the open-numbers entities ``kolada/ddf--entities--geo--kommun.csv``
and ``kolada/ddf--entities--geo--region.csv`` (county of each municipality, county names).

Only the build reads these files (:func:`read_municipality_tables`); everyone else reads the processed tables
through :mod:`fgte_research.municipalities`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .csvfile import read_csv_checked
from ..errors import InputError

#: Kolada's similar-municipality groups the project uses ("Liknande kommuner <kind>, <name>, 2024").
SIMILAR_KINDS: tuple[str, ...] = ("grundskola", "gymnasieskola", "socioekonomi")
#: SKR kommungrupp 2017 (nine groups, Kolada ids G92786–G92794).
SKR_GROUP_IDS = [f"G9278{i}" for i in range(6, 10)] + [f"G9279{i}" for i in range(0, 5)]
_SIMILAR = re.compile(rf"^Liknande kommuner ({'|'.join(SIMILAR_KINDS)}), (.+), 2024$")

MUNICIPALITY_COLUMNS = ["municipality_id", "name", "county_id", "county_name", "kommungrupp_2017"]
SIMILAR_COLUMNS = ["group_id", "member_id", "kind", "owner_name", "owner_id"]


def meta_dir(raw: Path) -> Path:
    return Path(raw) / "kolada_meta"


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    return read_csv_checked(path, columns, exact=False, dtype=str)


def read_municipality_tables(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(municipalities, similar_groups) read from data/raw.

    municipalities: one row per municipality (Kolada type "K"), sorted by code, columns :data:`MUNICIPALITY_COLUMNS`.
    similar_groups: one row per (group, member) of the :data:`SIMILAR_KINDS` groups, columns :data:`SIMILAR_COLUMNS`;
    ``owner_id`` is the municipality the group was made for (found by name). Raises FileNotFoundError or ValueError
    naming the file and the problem.
    """
    raw = Path(raw)
    meta = meta_dir(raw)
    munis = _read(meta / "kolada_municipalities.csv", ["id", "title", "type"])
    groups = _read(meta / "kolada_municipality_groups_long.csv",
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
        raise InputError(f"{meta}: okända kommunnamn i likhetsgrupperna: {list(bad)}")
    table = k[MUNICIPALITY_COLUMNS].sort_values("municipality_id").reset_index(drop=True)
    return table, similar[SIMILAR_COLUMNS].reset_index(drop=True)
