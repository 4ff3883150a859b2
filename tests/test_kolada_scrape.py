"""Kolada's status strings and the shared 2024 scrape (issue 17 §4), on real data only.

The scrape (data/raw/kolada_scrape/2024-12-12_KOLADA_data_raw.parquet, pgmj/DIDreport, CC BY 4.0) holds real Kolada
values to 2024 and Kolada's real status strings ("Missing", "Privacy", "Not applicable", each with a null value).
The stand-in server (tests/test_kolada_api.FakeKolada, ``replay = "scrape"``) serves exactly those records.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from fgte_research import build as build_mod
from fgte_research import cli
from fgte_research.sources import kolada as kolada_dump
from fgte_research.sources import kolada_scrape
from fgte_research.sources import kolada_api as ka
from fgte_research.sources import kolada_update as ku
from test_kolada_api import REAL_RAW, SCRAPE, kolada, raw_dir  # noqa: F401 (fixtures)

SCRAPE_REL = f"{kolada_scrape.SUBDIR}/{SCRAPE.name}"
SERIES = ["N15428", "N17461"]
KEY = ["series", "municipality_id", "year", "gender"]


def scrape() -> pd.DataFrame:
    return pd.read_parquet(SCRAPE)


@pytest.fixture
def raw_without_scrape(raw_copy):
    """A copy of data/raw as it was before the scrape was added (folder and manifest rows removed)."""
    raw, processed = raw_copy
    shutil.rmtree(raw / kolada_scrape.SUBDIR)
    manifest = raw / "MANIFEST.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(ln for ln in lines if not ln.startswith(f"{kolada_scrape.SUBDIR}/")),
                        encoding="utf-8")
    return raw, processed


def panel_of(processed: Path) -> pd.DataFrame:
    frame = pd.read_parquet(processed / build_mod.PANEL_FILE)
    return frame.astype({c: str for c in ["series", "municipality_id", "gender", "status", "source"]})


# --------------------------------------------------------------------------- status strings


def test_the_scrape_reader_maps_every_real_status_string():
    tidy = kolada_scrape.read_scrape(SCRAPE)
    raw = scrape()
    assert len(tidy) == len(raw) == 138_910
    joined = tidy.merge(raw.rename(columns={"kpi": "series"}), on=KEY, suffixes=("", "_kolada"))
    counts = joined.groupby(["status_kolada", "status"]).size().to_dict()
    assert counts == {("", "ok"): 134_700, ("Missing", "missing"): 2_188, ("Privacy", "suppressed"): 1_090,
                      ("Not applicable", "missing"): 932}
    reason = joined.set_index("status_kolada")["source"]
    assert reason.loc["Not applicable"].str.endswith("ej tillämpligt (Not applicable)").all()
    assert reason.loc["Privacy"].str.contains("Privacy").all()
    assert (joined.loc[joined.status == "ok", "value"] == joined.loc[joined.status == "ok", "value_kolada"]).all()


def test_fetched_status_strings_map_to_the_tidy_status(kolada, raw_dir):
    """`fgte data fetch` of N17813 for 2014 (all three strings occur for it then in the scrape) via the stand-in."""
    kolada.replay = "scrape"
    real = scrape().query("kpi == 'N17813' and year == 2014")
    munis = sorted(real["municipality_id"].unique())
    path = ka.fetch(["N17813"], munis, [2014], raw_dir=raw_dir, base_url=kolada.base_url, sleep=lambda s: None)
    tidy = ka.read_fetched(path)
    joined = tidy.merge(real.rename(columns={"kpi": "series"}), on=KEY, suffixes=("", "_kolada"))
    assert len(joined) == len(real)
    mapping = joined.groupby(["status_kolada", "status"]).size()
    assert set(mapping.index) <= {("", "ok"), ("Missing", "missing"), ("Privacy", "suppressed"),
                                  ("Not applicable", "missing")}
    assert {s for s, _ in mapping.index} == {"", "Missing", "Privacy", "Not applicable"}
    na = joined[joined.status_kolada == "Not applicable"]
    assert na["source"].str.contains("ej tillämpligt").all() and na["value"].isna().all()


def test_an_update_brings_privacy_into_the_panel_as_suppressed(kolada, raw_without_scrape, monkeypatch):
    """The update replays the scrape's real N15428 answers for 2023–2024; Kolada's "Privacy" for Östersund (2403)
    2024, girls and boys, becomes status "suppressed" with its reason, the total stays a number."""
    raw, processed = raw_without_scrape
    kolada.replay = "scrape"
    monkeypatch.setattr(ku, "update_kpis", lambda: ["N15428"])
    monkeypatch.setattr(ku, "area_ids", lambda raw: ["1380", "2403"])
    code = cli.main(["data", "update", "--since", "2023", "--until", "2024", "--base-url", kolada.base_url, "-q"])
    assert code == 0
    panel = panel_of(processed)
    cells = panel[(panel.series == "N15428") & (panel.municipality_id == "2403") & (panel.year == 2024)]
    by_gender = cells.set_index("gender")
    assert by_gender.loc["K", "status"] == by_gender.loc["M", "status"] == "suppressed"
    assert "Privacy" in by_gender.loc["K", "source"] and by_gender.loc["T", "status"] == "ok"
    real = scrape().query("kpi == 'N15428' and municipality_id == '2403' and year == 2024 and gender == 'T'")
    assert by_gender.loc["T", "value"] == real["value"].item()


# --------------------------------------------------------------------------- the scrape through `fgte data add`


def test_data_add_accepts_the_scrape_and_its_2023_2024_values_enter_the_panel(raw_without_scrape, tmp_path,
                                                                                capsys):
    raw, processed = raw_without_scrape
    build_mod.build(raw, processed)
    before = panel_of(processed)
    outside = tmp_path / SCRAPE.name
    shutil.copyfile(SCRAPE, outside)
    assert cli.main(["data", "add", str(outside), "--source", "pgmj/DIDreport"]) == 0, capsys.readouterr().err
    assert (raw / SCRAPE_REL).read_bytes() == SCRAPE.read_bytes()
    row = [ln for ln in (raw / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()
           if ln.startswith(SCRAPE_REL + ",")]
    assert len(row) == 1 and ",pgmj/DIDreport," in row[0]
    first = build_mod.build(raw, processed)
    after = panel_of(processed)
    real = scrape()
    for sid in SERIES:
        mine = after[after.series == sid]
        for year in (2023, 2024):
            got = mine[(mine.year == year) & (mine.gender == "T") & ~mine.municipality_id.str.startswith("00")]
            want = real[(real.kpi == sid) & (real.year == year) & (real.gender == "T")]
            assert got.municipality_id.nunique() == 290 == len(want)
            assert (got.status == "ok").all()
            merged = got.merge(want, on=["municipality_id", "year", "gender"])
            assert len(merged) == 290 and (merged["value_x"] == merged["value_y"]).all()
        # older years: unchanged wherever the dump has a number
        dump = kolada_dump.read_kpi(raw, sid).dropna(subset=["value"])
        old = before[before.series == sid].merge(dump[KEY], on=KEY)
        new = after[after.series == sid].merge(dump[KEY], on=KEY)
        assert len(old) == len(new) == len(dump)
        assert (old.sort_values(KEY)["value"].to_numpy() == new.sort_values(KEY)["value"].to_numpy()).all()
    # the plan of the next update starts after the scrape's last year
    assert ku.plan(raw, until=2026)["N15428"] == (2025, 2026)
    # deterministic: the same inputs give the same content
    again = build_mod.build(raw, processed)
    assert again["content_hash"] == first["content_hash"]


def test_the_shipped_scrape_is_in_the_real_panel(built_panel):
    panel = panel_of(built_panel)
    for sid in SERIES:
        got = panel[(panel.series == sid) & (panel.year == 2024) & (panel.gender == "T") & (panel.status == "ok")]
        assert got.municipality_id.str.fullmatch(r"\d{4}").sum() == 290


def test_a_scrape_with_an_absurd_value_is_refused_and_nothing_is_copied(raw_without_scrape, tmp_path, capsys):
    """HAND-MADE from the real file: one N15428 share set to 12345 (the issue's probe)."""
    raw, _ = raw_without_scrape
    frame = scrape()
    frame.loc[(frame.kpi == "N15428") & (frame.municipality_id == "1380") & (frame.year == 2024)
              & (frame.gender == "T"), "value"] = 12345.0
    bad = tmp_path / "2024-12-12_absurd.parquet"
    frame.to_parquet(bad, index=False)
    manifest = (raw / "MANIFEST.csv").read_bytes()
    assert cli.main(["data", "add", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "N15428 (kommun 1380, år 2024) = 12345.0" in err
    assert (raw / "MANIFEST.csv").read_bytes() == manifest and not (raw / kolada_scrape.SUBDIR).exists()


@pytest.mark.parametrize("damage, what", [("truncate", "kan inte läsas som parquet"),
                                          ("name", "filnamnet ska börja med skrapningens datum")])
def test_a_damaged_or_undated_scrape_is_one_line_and_exit_2(raw_without_scrape, tmp_path, capsys, damage, what):
    raw, _ = raw_without_scrape
    data = SCRAPE.read_bytes()
    target = tmp_path / ("KOLADA_data_raw.parquet" if damage == "name" else SCRAPE.name)
    target.write_bytes(data[: len(data) // 2] if damage == "truncate" else data)
    assert cli.main(["data", "add", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and what in err and "Traceback" not in err
