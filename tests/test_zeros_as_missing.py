"""A published 0 is missing only where the data show there were no such pupils; elsewhere it is a value, flagged.

catalogue.ZERO_RULES: a 0 becomes missing when no companion series (the same pupils: the other åk 3 subject, the
own gymnasium's pupil composition and programme mix in the cohort's start year) has a positive value.
"""

from __future__ import annotations

import numpy as np
import pytest

from fgte_research import catalogue
from fgte_research import municipalities as mun
from fgte_research.panel import series_values
from fgte_research.references import aggregate


def _cell(sid: str, municipality: str, year: int):
    return series_values(sid, municipality, include_aggregates=False).set_index("year").loc[year]


@pytest.mark.parametrize("municipality, year, svenska", [("0428", 2015, "55 %"), ("1446", 2015, "84 %"),
                                                         ("2513", 2011, "70 %"), ("2513", 2012, "42 %")])
def test_ak3_maths_zeros_where_pupils_took_the_tests_are_values(municipality, year, svenska):
    """Vingåker 2015, Karlsborg 2015, Överkalix 2011–2012: svenska in the same schools 42–84 %, so 0 is a result."""
    c = _cell("N15454", municipality, year)
    assert c["status"] == "ok" and c["value"] == 0
    assert "verkligt värde" in c["source"] and f"{svenska} klarade svenska (N15452)" in c["source"]
    assert "små elevgrupper" in c["source"]  # flagged


@pytest.mark.parametrize("year, start", [(2019, 2016), (2020, 2017), (2022, 2019)])
def test_hylte_examen_zeros_are_values_of_an_introductory_programme_school(year, start):
    """Hylte's own gymnasium had pupils when these cohorts began, 87–100 % on introductory programmes (N17841)."""
    c = _cell("N17451", "1315", year)
    assert c["status"] == "ok" and c["value"] == 0
    assert f"hade elever {start} (året årskullen började)" in c["source"]
    assert "på introduktionsprogram (N17841)" in c["source"]


def test_a_zero_without_pupils_is_missing_with_the_data_reason():
    f = series_values("N17902", include_aggregates=False)
    gone = f[f["source"].str.startswith("0 i källan")]
    assert len(gone) == 83 and (gone["status"] == "missing").all() and gone["value"].isna().all()
    assert gone["source"].str.contains("hade inga elever 20").all()
    assert gone["source"].str.contains("enligt N17832, N17841").all()


def test_no_zero_is_removed_where_a_companion_shows_pupils():
    for sid, rule in catalogue.ZERO_RULES.items():
        comp = series_values(list(rule.companions), include_aggregates=False)
        positive = set(zip(comp.loc[comp["value"] > 0, "municipality_id"], comp.loc[comp["value"] > 0, "year"]))
        f = series_values(sid, include_aggregates=False)
        removed = f[f["source"].str.startswith("0 ")]
        assert not {(m, y - rule.lag) for m, y in zip(removed["municipality_id"], removed["year"])} & positive, sid


def test_halland_county_mean_counts_hyltes_real_zero():
    halland = mun.county_members(mun.county_of("1380"))
    f = series_values("N17451", halland, include_aggregates=False, last_year=2022)
    agg = aggregate(None, "N17451", halland).set_index("year")
    ok = f[(f["year"] == 2022) & (f["status"] == "ok")]
    assert agg.loc[2022, "value"] == pytest.approx(ok["value"].mean())
    assert agg.loc[2022, "n_with_value"] == len(halland)
    assert np.isclose(ok.set_index("municipality_id").loc["1315", "value"], 0)


def test_hylte_gymnasium_is_described_by_the_data():
    text = " ".join(catalogue.indicator("gy_gbp").caveats)
    assert "bara introduktionsprogram" in text and "N17841" in text and "indikator 11" in text
    assert catalogue.indicator("gy_examen").headline == ("N17445",)  # hemkommun: Hylte's pupils wherever they study
    assert series_values("N17445", "1315", include_aggregates=False)["value"].notna().sum() >= 9
