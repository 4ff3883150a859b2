"""A published 0 that means "no such school / nothing reported" is missing with its reason, never a value."""

from __future__ import annotations

import numpy as np
import pytest

from fgte_research import catalogue
from fgte_research import municipalities as mun
from fgte_research.panel import series_values
from fgte_research.progression import progression
from fgte_research.references import aggregate


def test_hylte_gymnasium_zeros_are_missing_with_reason():
    f = series_values("N17451", "1315", include_aggregates=False).set_index("year")
    for year in (2019, 2020, 2022):
        assert f.loc[year, "status"] == "missing" and np.isnan(f.loc[year, "value"])
        assert "ingen egen gymnasieskola" in f.loc[year, "source"]


def test_no_zero_left_in_the_rule_series():
    for sid in catalogue.ZERO_MEANS_MISSING:
        f = series_values(sid, include_aggregates=False)
        assert not ((f["value"] == 0) & (f["status"] == "ok")).any(), sid


def test_halland_county_mean_uses_only_municipalities_with_a_gymnasium():
    halland = mun.county_members(mun.county_of("1380"))
    f = series_values("N17451", halland, include_aggregates=False, last_year=2022)
    agg = aggregate(None, "N17451", halland).set_index("year")
    for year in (2019, 2020, 2022):
        ok = f[(f["year"] == year) & (f["status"] == "ok")]
        assert (ok["value"] > 0).all()
        assert agg.loc[year, "value"] == pytest.approx(ok["value"].mean())
        assert agg.loc[year, "n_with_value"] == len(ok) < len(halland)  # Hylte is left out, not counted as 0


def test_progression_never_reports_a_zero_as_hylte_value():
    res = progression("1315", series="N17451", year=2022)
    own = res.parts[0].own
    assert not (own["value"] == 0).any()
    assert "0,0" not in res.summary_sv().split("Obs:")[0]
