"""The processed panel on the real data: facts from the sources' provenance, verified."""


import pandas as pd
import pytest

from fgte_research import build as build_mod, load_panel
from fgte_research.municipalities import FGTE_SET, load_municipalities

HALLAND = ["1315", "1380", "1381", "1382", "1383", "1384"]


def _wide(frame, series):
    sub = frame[(frame["series"] == series) & (frame["gender"] == "T")]
    return sub.set_index(["municipality_id", "year"])["value"]


@pytest.fixture(scope="module")
def panel():
    return load_panel(include_aggregates=False).astype({"series": str, "municipality_id": str})


def test_290_municipalities_and_the_fgte_set(panel):
    assert panel["municipality_id"].nunique() == 290
    table = load_municipalities()
    assert len(table) == 290 and table["county_id"].notna().all() and table["kommungrupp_2017"].notna().all()
    assert set(table.loc[table["in_fgte"], "municipality_id"]) == set(FGTE_SET)


def test_halland_kolada_merit_equals_skolverket_kommunal_2017_2022(panel):
    kol, skv = _wide(panel, "N15505"), _wide(panel, "skv.ak9.merit17.kommunal")
    for m in HALLAND:
        for y in range(2017, 2023):
            assert kol[(m, y)] == pytest.approx(skv[(m, y)], abs=0.05), (m, y)


@pytest.mark.parametrize("kpi,measure", [("N15419", "pass_all"), ("N15436", "eligible_voc"),
                                         ("N15505", "merit17")])
def test_kolada_break_2016_2017_is_real(panel, kpi, measure):
    kol, skv = _wide(panel, kpi), _wide(panel, f"skv.ak9.{measure}.kommunal")
    both = pd.concat({"kolada": kol, "skv": skv}, axis=1).dropna()
    later = both[both.index.get_level_values("year").isin(range(2017, 2023))]
    # identical 2017–2022 for all 290 municipalities (where both sources publish a value)
    assert later.index.get_level_values("municipality_id").nunique() == 290
    assert (later["kolada"] - later["skv"]).abs().max() <= 0.05
    y2016 = both[both.index.get_level_values("year") == 2016]
    diff = y2016["kolada"] - y2016["skv"]
    assert 4.0 <= diff.mean() <= 6.0, diff.mean()  # Kolada 2016 ≈ 4–6 units above Skolverket's 2015/16
    assert (diff.abs() <= 0.05).mean() < 0.25  # only a minority identical


def test_splice_uses_skolverket_and_kolada_only_where_definitions_match(panel):
    spliced = panel[panel["series"] == "splice.ak9.merit17.kommunal"]
    ok = spliced[spliced["status"] == "ok"]
    assert ok["year"].min() == 2016 and ok["year"].max() == 2025
    from_kolada = ok[ok["source"].astype(str).str.startswith("Kolada")]
    assert from_kolada["year"].between(2017, 2022).all()
    manifest = build_mod.read_build_manifest()
    for rep in manifest["splices"].values():
        assert rep["max_abs_difference"] <= 0.1 and rep["pairs_compared"] > 1500


def test_suppressed_rounded_and_missing_never_carry_numbers(panel):
    counts = panel["status"].value_counts()
    assert counts["suppressed"] > 0 and counts["rounded"] > 0 and counts["missing"] > 0
    assert panel.loc[panel["status"] != "ok", "value"].isna().all()
    assert panel.loc[panel["status"] == "ok", "value"].notna().all()


def test_hylte_has_no_own_gymnasium_after_2017(panel):
    gbp = panel[(panel["series"] == "N17691") & (panel["municipality_id"] == "1315") & (panel["gender"] == "T")]
    assert set(gbp.loc[gbp["status"] == "ok", "year"]) == {2014, 2015, 2016, 2017}
    assert set(gbp.loc[gbp["status"] == "missing", "year"]) == set(range(2018, 2023))


def test_load_panel_filters():
    sub = load_panel(municipalities="1380", indicators="ak9_merit", years=(2018, 2020), include_aggregates=False)
    assert set(sub["municipality_id"].astype(str)) == {"1380"}
    assert set(sub["series"].astype(str)) == {"splice.ak9.merit17.kommunal"}
    assert sorted(sub["year"]) == [2018, 2019, 2020]
    with pytest.raises(ValueError, match="okänd kommun"):
        load_panel(municipalities="9999")
    with pytest.raises(ValueError, match="okänd serie"):
        load_panel(series="N00000")


def test_riket_rows_come_from_kolada_and_the_dump_has_no_county_rows():
    sub = load_panel(series="N15505", municipalities="1380", gender="T")
    ids = set(sub["municipality_id"].astype(str))
    assert ids == {"0000", "1380"}  # county references are computed (fgte_research.references)


def test_build_is_deterministic_and_rebuilds_when_raw_changes(raw_copy):
    raw, processed = raw_copy
    files = [*build_mod.OUTPUT_FILES, build_mod.BUILD_MANIFEST]
    first = build_mod.build(raw, processed)
    bytes_first = {name: (processed / name).read_bytes() for name in files}
    second = build_mod.build(raw, processed)
    assert first["content_hash"] == second["content_hash"]
    assert {name: (processed / name).read_bytes() for name in files} == bytes_first
    assert sorted(p.name for p in processed.iterdir()) == sorted(files)  # no temporary files left behind
    assert set(first["tables"]) == set(build_mod.OUTPUT_FILES)
    assert build_mod.is_current(raw, processed)
    # data/processed lacking one of the build's files (e.g. from an older build) is stale and rebuilt
    (processed / build_mod.SIMILAR_GROUPS_FILE).unlink()
    assert not build_mod.is_current(raw, processed)
    assert build_mod.ensure_built(raw, processed)
    assert (processed / build_mod.SIMILAR_GROUPS_FILE).read_bytes() == bytes_first[build_mod.SIMILAR_GROUPS_FILE]
    # a new raw file (as `fgte data fetch` or a dropped export would add) makes the panel stale
    (raw / "skolverket" / "extra.txt").write_text("x")
    assert not build_mod.is_current(raw, processed)
