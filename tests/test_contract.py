"""One shared contract test for every analysis entry point, on the real data.

Each case is (name, call); every result must have tidy() with exactly the contract's columns, data(), a Swedish
summary and Markdown rendering, plot() returning a matplotlib Figure (also with ax=), warnings, a status and a
short repr.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fgte_research import gaps, interventions as iv, soft_values  # noqa: E402
from fgte_research.contract import TIDY_COLUMNS, AnalysisResult, DataMissing, Status  # noqa: E402
from fgte_research.tables import etable  # noqa: E402
from fgte_research.intervention_study import study  # noqa: E402
from fgte_research.panel import series_values  # noqa: E402
from fgte_research.progression import progression, regional  # noqa: E402


def _frame(series="N15419", last_year=2019):
    return series_values(series, include_aggregates=False, last_year=last_year)[["municipality_id", "year", "value"]]


def _comparison():
    return ["1382", "1282", "1280", "1281", "1283", "1260"]


def _soft_values_hand_made():
    """HAND-MADE TEST DATA (invented answer counts, labelled as such in the file): only the arithmetic is tested."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "1380_trygghet_test.csv"
    path.write_text("# titel: Trygghet (handgjord testdata)\n# källa: handgjord testdata, inga verkliga svar\n"
                    "# positiva: svar_ja\nyear;group;n;svar_ja;svar_nej\n"
                    "2020;alla;120;90;30\n2021;alla;130;100;30\n2022;alla;125;100;25\n2023;alla;110;95;15\n",
                    encoding="utf-8")
    return soft_values.soft_progression("1380", path, year=2022)


CASES = {
    "progression": lambda: progression("1380", "ak9_merit", 2022),
    "progression_outside_halland": lambda: progression("0114", "ak3_np", 2019),
    "regional": lambda: regional("ak9_alla", "fgte", 2022),
    "salsa_gap": lambda: gaps.salsa_gap("1381", "N15505", 2022),
    "salsa_model": lambda: gaps.fit_salsa("N15505", 2022),
    "gender_gap": lambda: gaps.gender_gap("1282", "N15419", 2022),
    "newly_arrived_gap": lambda: gaps.newly_arrived_gap("1380", 2022),
    "official_deviation": lambda: gaps.official_deviation("1384", "U15459", 2022),
    "school_spread": lambda: gaps.school_spread("1380", 2022),
    "before_after": lambda: iv.before_after(_frame(), "1381", 2015, series_id="N15419"),
    "its": lambda: iv.its(_frame(), "1381", 2015, series_id="N15419"),
    "did": lambda: iv.did(_frame(), "1381", 2015, _comparison(), n_boot=199, series_id="N15419"),
    "synth": lambda: iv.synth(_frame(), "1381", 2015, series_id="N15419", loo=0),
    "study": lambda: study("samverkan-haparanda", "ak9_merit", 2025, n_boot=199),
    "kolada_soft_values": lambda: soft_values.kolada_soft_values("1380", 2022),
    "soft_values": _soft_values_hand_made,
}


@pytest.fixture(scope="module")
def results():
    return {name: make() for name, make in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_every_analysis_keeps_the_contract(results, name):
    res = results[name]
    assert isinstance(res, AnalysisResult)
    tidy = res.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert len(tidy) > 0 and tidy["analysis"].ne("").all()
    assert tidy["estimate"].dtype == float and tidy["p_value"].dtype == float
    data = res.data()
    assert isinstance(data, pd.DataFrame) and len(data) > 0
    summary = res.summary_sv()
    assert isinstance(summary, str) and len(summary) > 20
    md = res._repr_markdown_()
    assert md.startswith("**") and len(md) > len(summary) // 2
    assert isinstance(res.warnings, list) and all(isinstance(w, str) for w in res.warnings)
    assert isinstance(res.status, Status) and res.status.code in ("ok", "saknas", "kan inte bedömas")
    assert len(repr(res)) < 200 and "\n" not in repr(res)
    fig = res.plot()
    assert isinstance(fig, Figure)
    plt.close(fig)
    if name not in ("study", "salsa_model"):  # several panels / a scatter of its own: ax= draws into the given Axes
        fig2, ax = plt.subplots()
        assert res.plot(ax=ax) is fig2
        plt.close(fig2)


def test_soft_values_stop_at_the_year(results):
    assert results["soft_values"].data()["year"].max() == 2022


def test_tidy_frames_stack_and_etable_is_swedish(results):
    stacked = pd.concat([r.tidy() for r in results.values()], ignore_index=True)
    assert list(stacked.columns) == TIDY_COLUMNS
    table = etable([results["progression"], results["its"], results["salsa_gap"]])
    assert list(table.columns)[:5] == ["Analys", "Kommun", "Serie", "Mått", "Skattning"]
    assert "Halmstad" in set(table["Kommun"]) and "Laholm" in set(table["Kommun"])
    text = table.to_string()
    assert not re.search(r"\bnan\b", text, re.IGNORECASE) and "e-0" not in text
    assert any("," in v for v in table["Skattning"])  # decimal comma


def test_missing_data_is_a_named_exception_with_its_reason():
    with pytest.raises(DataMissing, match="inga värden till och med 1994"):
        progression("1380", "ak9_merit", 1994)
    with pytest.raises(DataMissing):
        gaps.salsa_gap("1380", "N15505", 2010)
    # a wrong argument is not "missing data": it must not be shown as "saknas"
    with pytest.raises(ValueError) as err:
        progression("1380", "finns-inte", 2022)
    assert not isinstance(err.value, DataMissing)


def test_status_says_saknas_with_reason_for_an_indicator_without_series():
    res = progression("1380", "gy_gbp_hf", 2022)
    assert res.status.code == "saknas" and res.status.reason
    assert res.tidy().empty or list(res.tidy().columns) == TIDY_COLUMNS


def test_markdown_repr_escapes_user_text():
    res = progression("1380", "ak9_merit", 2022)
    res.parts[0].warnings.append("<script>alert(1)</script> *fet*")
    md = res._repr_markdown_()
    assert "<script>" not in md and "&lt;script&gt;" in md and "\\*fet\\*" in md
