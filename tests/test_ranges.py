"""Range rules by unit (fgte_research.ranges): every unit has a rule, the shipped real data pass them, and a value
out of range in any source stops the build naming series (or school), municipality and year.

The damaged files below are HAND-MADE from real ones: one real value replaced by an absurd probe (the issue's
12345 %, a merit value of 999), with MANIFEST.csv updated so that only the range rule can refuse them.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import pytest

from fgte_research import build as build_mod
from fgte_research import catalogue, ranges
from fgte_research.manifest import read_manifest, sha256_of, write_manifest


def test_every_unit_in_the_catalogue_has_a_rule():
    units = {s.unit for s in catalogue.SERIES.values()}
    assert units <= set(ranges.UNIT_RANGES), sorted(units - set(ranges.UNIT_RANGES))
    for sid in catalogue.SERIES:
        lo, hi, _ = ranges.bounds(sid)
        assert lo > -math.inf or hi < math.inf, sid  # more than "finite" for every catalogued series


def test_the_rules():
    assert ranges.bounds("N15419")[:2] == (0, 100)  # andel (%)
    assert ranges.bounds("N15505")[:2] == (0, 340)  # meritvärde
    assert ranges.bounds("N17691")[:2] == (0, 20)  # betygspoäng
    assert ranges.bounds("N01951")[:2] == (0, math.inf)  # antal
    assert ranges.bounds("U17446")[:2] == (-20, 20)  # a deviation of N17691, labelled betygspoäng
    assert ranges.bounds("U15459")[:2] == (-340, 340)
    assert ranges.bounds("N99999")[:2] == (-math.inf, math.inf)  # not catalogued: finite only
    frame = pd.DataFrame({"series": ["N15419", "N15419", "N15505", "N99999", "N15419"],
                          "value": [0.0, 100.0, float("nan"), float("inf"), 100.1]})  # HAND-MADE
    assert ranges.out_of_range(frame).tolist() == [False, False, False, True, True]


def test_the_shipped_real_data_pass_every_rule(built_panel):
    panel = pd.read_parquet(built_panel / build_mod.PANEL_FILE)
    assert not ranges.out_of_range(panel).any()
    ranges.check_schools(pd.read_parquet(built_panel / build_mod.SCHOOLS_FILE), "schools")
    # the real extremes the rules were checked against (README, "Uppdatera datan")
    ok = panel[panel.status == "ok"].astype({"series": str})
    assert ok.loc[ok.series == "U17446", "value"].min() < 0  # why deviations get a symmetric range
    assert ok.loc[ok.series == "N15428", "value"].min() == 0  # real 0 % is a value


def _relist(raw, rel: str) -> None:
    """Give the damaged file its new checksum in MANIFEST.csv, so that only the range rule can refuse it."""
    path = raw / rel
    rows = [dataclasses.replace(r, sha256=sha256_of(path), bytes=path.stat().st_size) if r.path == rel else r
            for r in read_manifest(raw / "MANIFEST.csv")]
    write_manifest(raw / "MANIFEST.csv", rows)


def test_an_absurd_value_in_the_kolada_dump_stops_the_build(raw_copy):
    raw, processed = raw_copy
    # N15428 is in no splice, so no other check of the build can catch the value (N15419's splice would)
    rel = "kolada/datapoints--by--geo--year/ddf--datapoints--n15428--by--geo--year.csv"
    text = (raw / rel).read_text(encoding="utf-8")
    assert text.count("\n1380,2021,84.65473146\n") == 1
    (raw / rel).write_text(text.replace("\n1380,2021,84.65473146\n", "\n1380,2021,12345\n"), encoding="utf-8")
    _relist(raw, rel)
    with pytest.raises(build_mod.BuildError) as err:
        build_mod.build(raw, processed)
    assert "N15428 (kommun 1380, år 2021) = 12345.0 (andel (%), tillåtet 0–100)" in str(err.value)
    assert "ddf--datapoints--n15428--by--geo--year.csv" in str(err.value)
    assert not (processed / build_mod.PANEL_FILE).exists()


def test_an_absurd_merit_value_at_school_level_stops_the_build(raw_copy):
    raw, processed = raw_copy
    rel = "school_level/drbaumgardt_m17_xx.json"
    schools = json.loads((raw / rel).read_text(encoding="utf-8"))
    first = next(s for s in schools if s.get("m17_21") is not None)
    first["m17_21"] = 999.0
    (raw / rel).write_text(json.dumps(schools, ensure_ascii=False), encoding="utf-8")
    _relist(raw, rel)
    with pytest.raises(build_mod.BuildError) as err:
        build_mod.build(raw, processed)
    assert f"skola {first['kod']}" in str(err.value) and "meritvärde 999.0" in str(err.value)
    assert not (processed / build_mod.PANEL_FILE).exists()
