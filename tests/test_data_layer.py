"""The data layer: loaders read data/processed only, and the processed school and group tables equal the raw files.

(That the data modules import downward only and without circles is checked for the whole package in test_house.py.)
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from fgte_research import memo, panel
from fgte_research import municipalities as mun

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def _clear_caches():
    for fn in (mun._table, mun._similar, panel._all_schools):
        fn.cache_clear()


@pytest.fixture()
def without_raw(tmp_path, monkeypatch):
    """data/raw replaced by an empty folder after data/processed is current (checked once per process)."""
    memo.current_hash()
    empty = tmp_path / "raw"
    empty.mkdir()
    monkeypatch.setenv("FGTE_RAW_DIR", str(empty))
    _clear_caches()
    yield empty
    _clear_caches()


def test_municipalities_and_schools_are_read_from_processed(without_raw):
    table = mun.load_municipalities()
    assert len(table) == 290 and table["county_id"].notna().all()
    assert set(table.loc[table["in_fgte"], "municipality_id"]) == set(mun.FGTE_SET)
    assert mun.resolve("Halmstad") == "1380" and mun.name_of("1315") == "Hylte"
    assert mun.county_of("1380") == "13" and len(mun.county_members("13")) == 6
    assert len(mun.similar_group("1380", "socioekonomi")) == 7
    assert len(panel.load_schools("1380")) > 0
    assert not any(without_raw.iterdir())


def _raw_similar_group(owner: str, kind: str) -> list[str]:
    groups = pd.read_csv(RAW / "kolada_meta" / "kolada_municipality_groups_long.csv", dtype=str)
    hit = groups[groups["group_title"] == f"Liknande kommuner {kind}, {owner}, 2024"]
    return sorted(hit["member_id"])


@pytest.mark.parametrize("kind", mun.SIMILAR_KINDS)
def test_similar_groups_round_trip(kind):
    got = mun.similar_group("1380", kind)
    assert got == _raw_similar_group("Halmstad", kind)
    assert len(got) == 7 and "1380" not in got


def test_similar_group_kind_is_checked():
    with pytest.raises(ValueError, match="giltiga: grundskola, gymnasieskola, socioekonomi"):
        mun.similar_group("1380", "förskola")


def _raw_halmstad_schools() -> tuple[dict[int, int], pd.DataFrame]:
    """Independent reading of the two raw files: schools with a merit value per year (JSON) and the 2025 rows."""
    records = json.loads((RAW / "school_level" / "drbaumgardt_m17_xx.json").read_text(encoding="utf-8"))
    halmstad = [r for r in records if r["kom"] == "Halmstad"]
    with_merit = {2000 + y: sum(r.get(f"m17_{y}") is not None for r in halmstad) for y in range(14, 23)}
    export = pd.read_csv(RAW / "school_level" / "skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv", sep=";",
                         skiprows=5, dtype=str, encoding="utf-8-sig")
    export = export[export["Kommun-kod"] == "1380"]
    merit = pd.to_numeric(export["Genomsnittligt meritvärde (17 ämnen)"].str.replace(",", "."), errors="coerce")
    with_merit[2025] = int(merit.notna().sum())
    return with_merit, export


def test_load_schools_halmstad_equals_the_raw_files():
    with_merit, export = _raw_halmstad_schools()
    schools = panel.load_schools("1380")
    assert list(schools.columns) == ["municipality_id", "school_code", "school", "year", "merit", "pupils",
                                     "huvudman", "status"]
    assert (schools["municipality_id"] == "1380").all()
    got = schools.dropna(subset=["merit"]).groupby("year").size().to_dict()
    assert got == with_merit
    assert got[2022] > 0 and got[2025] > 0
    y2025 = schools[schools["year"] == 2025]
    assert sorted(y2025["school_code"]) == sorted(export["Skol-enhetskod"])
    pupils = pd.to_numeric(export["Antal elever"], errors="coerce")
    assert y2025["pupils"].sum() == pupils.sum()
    assert set(y2025.loc[y2025["merit"].isna(), "status"]) <= {"suppressed", "missing"}
    assert schools.loc[schools["year"] < 2025, "pupils"].isna().all()
    # by name, and nothing after last_year; the returned frame is the caller's own copy
    early = panel.load_schools("Halmstad", last_year=2022)
    assert early["year"].max() == 2022 and len(early) == (schools["year"] <= 2022).sum()
    early["merit"] = 0.0
    assert panel.load_schools("1380")["merit"].equals(schools["merit"])


def test_load_schools_all_and_unknown_municipality():
    everything = panel.load_schools()
    assert everything["municipality_id"].nunique() > 250
    assert set(everything["year"]) == set(range(2014, 2023)) | {2025}
    with pytest.raises(ValueError, match="okänd kommun"):
        panel.load_schools("9999")
