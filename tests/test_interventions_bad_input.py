"""Bad input to the designs: ValueError with a Swedish message naming the problem.

Uses a SMALL HAND-MADE FRAME (three municipalities, 2010–2020), not real data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fgte_research import interventions as iv

YEARS = list(range(2010, 2021))


def frame(**overrides) -> pd.DataFrame:
    rows = []
    for i, code in enumerate(["1381", "1382", "1383", "1384", "1385", "1386"]):
        for y in YEARS:
            rows.append({"municipality_id": code, "year": y, "value": 60.0 + i + 0.3 * (y - 2010) + (y % 3)})
    out = pd.DataFrame(rows)
    for code, values in overrides.items():
        out.loc[out["municipality_id"] == code.removeprefix("m"), "value"] = values
    return out


DESIGNS = {
    "before_after": lambda d, **kw: iv.before_after(d, **kw),
    "its": lambda d, **kw: iv.its(d, **kw),
    "did": lambda d, **kw: iv.did(d, comparison=["1382", "1383", "1384"], n_boot=99, **kw),
    "synth": lambda d, **kw: iv.synth(d, **kw),
}


@pytest.mark.parametrize("design", DESIGNS)
def test_unknown_treated_unit(design):
    with pytest.raises(ValueError, match="9999.*finns inte i indata"):
        DESIGNS[design](frame(), treated="9999", first_treated_year=2016)


@pytest.mark.parametrize("design", DESIGNS)
def test_years_outside_data(design):
    with pytest.raises(ValueError, match="År utanför data: första påverkade år 2030"):
        DESIGNS[design](frame(), treated="1381", first_treated_year=2030)
    with pytest.raises(ValueError, match="År utanför data: startår 1990"):
        DESIGNS[design](frame(), treated="1381", first_treated_year=2016, start_year=1990)


@pytest.mark.parametrize("design", DESIGNS)
def test_all_missing_series(design):
    with pytest.raises(ValueError, match="saknar värden: alla värden saknas"):
        DESIGNS[design](frame(m1381=np.nan), treated="1381", first_treated_year=2016)


@pytest.mark.parametrize("design", DESIGNS)
def test_no_post_period(design):
    d = frame()
    d.loc[(d["municipality_id"] == "1381") & (d["year"] >= 2016), "value"] = np.nan
    with pytest.raises(ValueError, match="Ingen efterperiod"):
        DESIGNS[design](d, treated="1381", first_treated_year=2016, end_year=2020)


@pytest.mark.parametrize("design", DESIGNS)
def test_no_pre_period(design):
    with pytest.raises(ValueError, match="Ingen förperiod"):
        DESIGNS[design](frame(), treated="1381", first_treated_year=2010)


def test_first_treated_year_must_be_int():
    with pytest.raises(ValueError, match="first_treated_year måste vara ett heltal"):
        iv.its(frame(), "1381", 2016.0)
    with pytest.raises(ValueError, match="first_treated_year måste vara ett heltal"):
        iv.its(frame(), "1381", "2016")


def test_missing_column_and_duplicates():
    with pytest.raises(ValueError, match="saknar kolumnerna value"):
        iv.its(frame().drop(columns="value"), "1381", 2016)
    d = frame()
    with pytest.raises(ValueError, match="flera rader för samma kommun och år"):
        iv.its(pd.concat([d, d.head(1)]), "1381", 2016)
    d["value"] = d["value"].astype(str)
    d.loc[0, "value"] = "n/a"
    with pytest.raises(ValueError, match="value måste vara numerisk"):
        iv.its(d, "1381", 2016)


def test_did_comparison_problems():
    d = frame()
    with pytest.raises(ValueError, match="Jämförelsegruppen är tom"):
        iv.did(d, "1381", 2016, comparison=[])
    with pytest.raises(ValueError, match="1381 står både som behandlade och i jämförelsegruppen"):
        iv.did(d, "1381", 2016, comparison=["1381", "1382"])
    with pytest.raises(ValueError, match="Jämförelsekommunen '0000' finns inte"):
        iv.did(d, "1381", 2016, comparison=["0000", "1382"])
    with pytest.raises(ValueError, match="Okänd inferensmetod"):
        iv.did(d, "1381", 2016, comparison=["1382"], inference="cluster")


def test_synth_donor_problems():
    with pytest.raises(ValueError, match="Donatorn '0000' finns inte"):
        iv.synth(frame(), "1381", 2016, donors=["0000"])
    with pytest.raises(ValueError, match="Donatorpoolen är tom"):
        iv.synth(frame(), "1381", 2016, donors=["1381"])
    with pytest.raises(ValueError, match="Ingen donator har fullständiga värden"):
        d = frame(m1382=np.nan)
        iv.synth(d, "1381", 2016, donors=["1382"])


def test_incomplete_donors_are_dropped_with_a_warning():
    d = frame()
    d.loc[(d["municipality_id"] == "1382") & (d["year"] == 2012), "value"] = np.nan
    res = iv.synth(d, "1381", 2016)
    assert "1382" not in res.weights.index
    assert any(w.startswith("1 av 5 tänkbara donatorer togs bort") for w in res.warnings)
    assert any("färre än 5" in w for w in res.warnings)  # 4 donors left


def test_missing_years_and_its_too_short():
    d = frame()
    d.loc[(d["municipality_id"] == "1381") & (d["year"].isin([2012, 2018])), "value"] = np.nan
    res = iv.its(d, "1381", 2016)
    assert any("Värden saknas för 1381 år 2012, 2018" in w for w in res.warnings)
    with pytest.raises(ValueError, match="minst två observerade år före insatsen"):
        iv.its(frame(), "1381", 2011)
