"""Municipalities: codes, names, county, SKR kommungrupp 2017, Kolada similar-municipality groups.

All 290 municipalities are first-class: nothing here is Halland-only. The FGTE set is a named
set like any other.

Reads the processed tables ``municipalities.parquet`` and ``similar_groups.parquet`` (written by
:mod:`fgte_research.build` from data/raw/kolada_meta), never data/raw; builds data/processed first
(once per process) when it is missing or stale. Answers are memoised on the processed data's content hash.
"""

from __future__ import annotations

import re

import pandas as pd

from . import paths
from .build import MUNICIPALITIES_FILE, SIMILAR_GROUPS_FILE
from .memo import memoised
from .sources.kolada_meta import SIMILAR_KINDS
from .errors import InputError

FGTE_SET = ("1384", "1383", "1380", "1381", "1315")  # Kungsbacka, Varberg, Halmstad, Laholm, Hylte
#: Halland's municipality outside the collaboration, a natural county neighbour for comparisons.
HALLAND_NON_PARTICIPANT = "1382"  # Falkenberg

NAMED_SETS: dict[str, tuple[str, ...]] = {
    "fgte": FGTE_SET,
    "halland": ("1315", "1380", "1381", "1382", "1383", "1384"),
}
#: Words that select all 290 municipalities (English and Swedish).
ALL_WORDS = ("all", "alla")


@memoised(maxsize=4)
def _table() -> pd.DataFrame:
    table = pd.read_parquet(paths.processed_dir() / MUNICIPALITIES_FILE)
    table["in_fgte"] = table["municipality_id"].isin(FGTE_SET)
    return table


@memoised(maxsize=4)
def _similar() -> pd.DataFrame:
    return pd.read_parquet(paths.processed_dir() / SIMILAR_GROUPS_FILE)


def load_municipalities() -> pd.DataFrame:
    """All 290 municipalities: municipality_id, name, county_id, county_name, kommungrupp_2017, in_fgte."""
    return _table().copy()


@memoised(maxsize=4)
def _name_by_code() -> dict[str, str]:
    table = _table()
    return dict(zip(table["municipality_id"].astype(str), table["name"].astype(str)))


def name_of(municipality_id: str) -> str:
    # a dict lookup: a report's study names every synthetic-control donor (thousands of calls per pass)
    name = _name_by_code().get(municipality_id)
    if name is None:
        raise InputError(f"okänd kommunkod {municipality_id!r} (koden ska vara fyra siffror, t.ex. '1380')")
    return name


def resolve(ref: str | int) -> str:
    """A municipality code from a code ('1380', 1380) or a name ('Halmstad', case-insensitive)."""
    table = _table()
    text = str(ref).strip()
    if text.isdigit():
        code = text.zfill(4)
        if code in _name_by_code():
            return code
    else:
        hit = table[table["name"].str.lower() == text.lower()]
        if len(hit) == 1:
            return str(hit["municipality_id"].iloc[0])
    raise InputError(f"okänd kommun {ref!r}; ange en kommunkod med fyra siffror (t.ex. 1380) eller ett "
                     f"kommunnamn (t.ex. Halmstad). {len(table)} kommuner finns.")


def resolve_set(spec) -> list[str]:
    """A list of codes/names, a named set ('fgte', 'halland') or 'all'."""
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in ALL_WORDS:
            return list(_table()["municipality_id"])
        if key in NAMED_SETS:
            return list(NAMED_SETS[key])
        return [resolve(spec)]
    return [resolve(x) for x in spec]


def similar_group(municipality_id: str, kind: str = "grundskola") -> list[str]:
    """Kolada's 'Liknande kommuner <kind>, <name>, 2024' group (the 7 municipalities, not the owner)."""
    if kind not in SIMILAR_KINDS:
        raise InputError(f"okänd grupptyp {kind!r}; giltiga: {', '.join(SIMILAR_KINDS)}")
    similar = _similar()
    hit = similar[(similar["owner_id"] == municipality_id) & (similar["kind"] == kind)]
    return sorted(hit["member_id"].unique())


def stage_similar_kind(indicator) -> str:
    """The similar-municipality group kind matched to an indicator's stage, as Kolada defines its groups:
    "gymnasieskola" for a gymnasium indicator (``stage == "gymnasiet"``), "grundskola" for åk 3–9 and for no
    indicator (None). The one place this rule is written (progression, intervention studies, the annual report)."""
    return "gymnasieskola" if indicator is not None and indicator.stage == "gymnasiet" else "grundskola"


def county_members(county_id: str) -> list[str]:
    table = _table()
    return list(table.loc[table["county_id"] == county_id, "municipality_id"])


def county_of(municipality_id: str) -> str:
    table = _table()
    return str(table.loc[table["municipality_id"] == resolve(municipality_id), "county_id"].iloc[0])


def slug(municipality_id: str) -> str:
    """File-name-safe name: 'Upplands Väsby' -> 'upplands-vasby'."""
    name = name_of(municipality_id).lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e"), ("ü", "u")):
        name = name.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")
