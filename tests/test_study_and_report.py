"""Intervention studies wired to the panel, and the report building blocks, on real data."""

import pytest

from fgte_research import report
from fgte_research.intervention_study import nearest_on_pre_period, registered_municipalities, study


def test_haparanda_study_runs_every_design_with_stacking_tidy_table():
    st = study("samverkan-haparanda", "ak9_merit", n_boot=499)
    designs = {r.design for r in st.results}
    assert designs == {"country", "before_after", "its", "synth", "did", "event_study"}
    tidy = st.tidy()
    assert set(tidy["series"]) == {"splice.ak9.merit17.kommunal"}
    assert tidy.groupby("analysis")["estimate"].count().min() >= 1
    # few pre-period points (2016–2021 = 6) are fine; the small donor pool of DiD is warned about
    assert any("placebotilldelningar" in w or "jämförelse" in w.lower() for w in st.warnings)


def test_fgte_study_on_a_series_with_a_break_stays_on_one_side_or_warns():
    st = study("fgte", series="N15419", designs=("its",))
    assert st.window == (2017, 2022) and "2017–2022" in st.summary_sv()  # the default window avoids the break
    with pytest.raises(ValueError, match="korsar seriebrottet 2016→2017"):
        study("fgte", series="N15419", designs=("its",), window=(2010, 2022))
    st = study("fgte", series="N15419", designs=("its",), window=(2010, 2022), force_across_break=True)
    assert st.results and all(any("seriebrott" in w.lower() for w in r.warnings) for r in st.results)


def test_hylte_without_start_year_is_saknas_not_invented():
    st = study("fgte-hylte", "ak9_merit")
    assert st.results == [] and "startår saknas" in st.summary_sv()


def test_comparison_group_is_chosen_on_the_pre_period_and_excludes_every_registered_municipality():
    from fgte_research.panel import series_values

    frame = series_values("N15419", include_aggregates=False)[["municipality_id", "year", "value"]]
    frame = frame[frame["year"].between(1998, 2016)]
    comp = nearest_on_pre_period(frame, ["1381"], 2010, registered_municipalities(), k=10)
    assert len(comp) == 10 and not (set(comp) & registered_municipalities())
    # chosen with the years before the start only: changing every later value changes nothing
    later = frame.copy()
    later.loc[later["year"] >= 2010, "value"] = 0.0
    assert nearest_on_pre_period(later, ["1381"], 2010, registered_municipalities(), k=10) == comp


def test_study_bad_input():
    with pytest.raises(ValueError):
        study("finns-inte", "ak9_merit")
    with pytest.raises(ValueError, match="saknas"):
        study("fgte", "gy_gbp_hf")
    with pytest.raises(ValueError, match="okänd design"):
        study("fgte", "ak9_merit", designs=("rdd",))


def test_summary_and_overview_for_a_halland_municipality():
    text = report.summary_md("1381", 2025)
    assert text.startswith("**Laholm 2025.**") and "Saknas" in text and "rangordning" in text
    table = report.overview_table("1381", 2025)
    assert list(table["nr"].drop_duplicates()) == list(range(1, 14))
    assert not any("rank" in c for c in table.columns)
    assert table.loc[table["nr"] == 9, "kommentar"].str.startswith("saknas").all()


def test_data_notes_and_provenance():
    notes = report.data_notes_md()
    assert "2016→2017" in notes and "saknas" in notes
    footer = report.provenance_md({"municipality": "1380", "year": 2025})
    assert "MANIFEST.csv" in footer and "innehållshash" in footer and "municipality = '1380'" in footer


def test_comparison_group_parameter_selects_the_similar_municipality_group():
    from fgte_research import municipalities as mun

    default = report.annual_results("1381", 2025, comparison_group="grundskola")
    socio = report.annual_results("1381", 2025, comparison_group="socioekonomi")

    def members_label(res):
        refs = res.parts[0].references
        return refs.loc[refs["reference"] == "liknande", "label"].iloc[0]

    assert members_label(default["ak9_merit"]) == "Liknande kommuner (grundskola)"
    assert members_label(default["gy_examen"]) == "Liknande kommuner (gymnasieskola)"
    assert members_label(socio["ak9_merit"]) == "Liknande kommuner (socioekonomi)"
    assert mun.similar_group("1381", "socioekonomi") != mun.similar_group("1381", "grundskola")
    with pytest.raises(ValueError, match="jämförelsegrupp"):
        report.annual_results("1381", 2025, comparison_group="grannar")


@pytest.mark.parametrize("code", ["1380", "1381", "1383"])
def test_fgte_2025_reports_no_longer_claim_what_the_data_cannot_show(code):
    """The cases seen in the 2025 reports: ITS through two pre-years (Halmstad +44,1 'säkerställd'), åk 3 ITS in
    Laholm and Varberg (−9,6 / −9,7 'säkerställd'). Now: too few pre-years is 'kan inte bedömas'; every other
    verdict comes from the calibrated test."""
    merit = study("fgte", "ak9_merit", 2025, municipalities=[code], designs=("country", "its", "synth"))
    its = next(r for r in merit.results if r.design == "its")
    assert its.status.code == "kan inte bedömas" and "kan inte bedömas" in its.summary_sv()
    assert "statistiskt säkerställd" not in its.summary_sv() and "p =" not in its.summary_sv()
    ak3 = study("fgte", "ak3_np", 2025, municipalities=[code], designs=("its",))
    text = ak3.summary_sv()
    assert "skillnaden är statistiskt säkerställd" not in text
    assert all(r.headline.calibrated for r in ak3.results if r.status.ok)


def test_landskrona_primary_is_measured_against_the_country_among_municipalities_of_its_size():
    st = study("landskrona-attraktiv-skolkommun", "ak3_np", 2025, designs=("country",))
    (res,) = st.results
    assert res.headline.term == "effect_vs_country" and res.test.n_pool == 99
    assert "än i riket" in res.summary_sv() and "liknande storlek" in res.summary_sv()
    word, sentence = st.headline_verdict("1282")
    assert word == res.verdict and word == "kan vara slump"  # was "+5,4 pp, p 0,041, säkerställd" vs its own past
    assert "minsta upptäckbara effekt" in sentence


def test_landskrona_studies_ak9_on_the_kolada_series_before_the_break():
    st = study("landskrona-attraktiv-skolkommun", "ak9_alla", 2025, n_boot=199)
    assert st.series_id == "N15419" and st.window == (1998, 2016)
    assert "N15419" in st.summary_sv() and "1998–2016" in st.summary_sv()


def test_sensitivity_designs_never_veto_the_primary_verdict():
    st = study("samverkan-haparanda", "ak9_merit", 2025, n_boot=199)
    word, sentence = st.headline_verdict("2583")
    assert word == st.primary("2583").verdict  # whatever the other designs say
    rows = st.sensitivity("2583")
    assert {r["design"] for r in rows} == {"its", "did", "synth", "before_after"}
    assert all(r["direction"] in ("samma riktning", "motsatt riktning") or r["direction"].startswith("kan inte")
               for r in rows)
    assert "metoderna pekar åt olika håll" not in st.summary_sv()
    assert f"Haparanda: {sentence}" in st.summary_sv()
