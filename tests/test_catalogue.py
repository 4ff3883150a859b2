"""The indicator catalogue resolves to real data or to an explicit 'saknas'."""

import pandas as pd
import pytest

from fgte_research import catalogue, load_panel

VERBATIM_TITLES = [
    "Andel av samtliga elever som uppnått kravnivån i nationella delprov i åk 3",
    "Andel elever som når godkänt betyg i alla ämnen i åk 6",
    "Andel elever som når godkänt i alla betyg i åk 9",
    # the PM writes "Genomsnittligt meritvärden" (a slip); readers get the correct form
    "Genomsnittligt meritvärde utan nyanlända (åk 9)",
    "Genomsnittligt meritvärde med nyanlända (åk 9)",
    "Andel behöriga till högskoleförberedande program (åk 9)",
    "Andel behöriga till yrkesprogram (åk 9)",
    "Genomsnittlig betygspoäng gymnasiet (åk 3)",
    "Genomsnittlig betygspoäng högskoleförberedande program (åk 3)",
    "Genomsnittlig betygspoäng yrkesprogram (åk 3)",
    "Andel elever som tar gymnasieexamen efter 3 år",
    "Andel elever som tar en högskoleförberedande examen efter 3 år",
    "Andel elever som tar en yrkesexamen efter 3 år",
]


def test_thirteen_indicators_with_verbatim_titles():
    assert [i.title_sv for i in catalogue.INDICATORS] == VERBATIM_TITLES
    assert [i.number for i in catalogue.INDICATORS] == list(range(1, len(VERBATIM_TITLES) + 1))


def test_every_indicator_resolves_to_data_or_saknas():
    panel = load_panel()
    present = set(panel.loc[panel["status"] == "ok", "series"].astype(str))
    for ind in catalogue.INDICATORS:
        if ind.available:
            for sid in ind.headline + ind.alternatives:
                assert sid in present, f"{ind.id}: {sid} has no values"
        else:
            assert ind.missing_reason and "ingen kommunal serie" in ind.missing_reason.lower()
    assert {i.number for i in catalogue.INDICATORS if not i.available} == {9, 10}


def test_declared_year_ranges_match_the_data():
    panel = load_panel(include_aggregates=False)
    ok = panel[panel["status"] == "ok"]
    span = ok.groupby("series", observed=True)["year"].agg(["min", "max"])
    assert tuple(span.loc["splice.ak9.merit17.kommunal"]) == (2016, 2025)
    assert tuple(span.loc["skv.ak6.pass_all.kommunal"]) == (2020, 2025)
    assert tuple(span.loc["N15567"]) == (2015, 2022)
    assert tuple(span.loc["N17691"]) == (2014, 2022)
    ak3 = ok[ok["series"] == "N15472"]
    assert not ak3["year"].isin([2020, 2021]).any()  # tests not held


def test_covariates_salsa_and_soft_values_are_catalogued_and_present():
    panel = load_panel(include_aggregates=False)
    present = set(panel.loc[panel["status"] == "ok", "series"].astype(str))
    for cov in catalogue.COVARIATES:
        assert all(s in present for s in cov.series), cov.id
    assert set(catalogue.SALSA_DEVIATIONS) <= present
    assert set(catalogue.SOFT_VALUE_KPIS) <= present


def test_indicator_lookup_errors_name_the_valid_choices():
    assert catalogue.indicator(5).id == "ak9_merit"
    assert catalogue.indicator("5").id == "ak9_merit"
    with pytest.raises(ValueError, match="okänd indikator 'ak9_meritt'.*5=ak9_merit"):
        catalogue.indicator("ak9_meritt")


def test_indicators_frame_has_no_rank_column():
    frame = catalogue.indicators_frame()
    assert len(frame) == len(catalogue.INDICATORS)
    assert not any("rank" in c.lower() or "placering" in c.lower() for c in frame.columns)
    assert isinstance(frame, pd.DataFrame)
