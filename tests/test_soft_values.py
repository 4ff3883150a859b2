"""Soft values: validation, suppression before output, one municipality only.

All local files here are HAND-MADE TEST DATA written to a temporary folder: the numbers are invented to exercise
the code and are not survey results of any municipality.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from fgte_research import soft_values as sv

HEADER = "# titel: Trygghet åk 8 (handgjord testdata)\n# källa: handgjord testdata, inga verkliga svar\n"
COUNTS = ("# positiva: svar_helt, svar_ganska\n"
          "year;group;n;svar_helt;svar_ganska;svar_lite;svar_inte\n")
GOOD_ROWS = ("2021;alla;120;40;50;20;10\n2022;alla;130;45;55;20;10\n2023;alla;125;50;50;15;10\n"
             "2021;flickor;60;20;25;10;5\n2022;flickor;8;3;3;1;1\n2023;flickor;62;25;25;7;5\n")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def good(tmp_path):
    return write(tmp_path, "1380_trygghet_test.csv", HEADER + COUNTS + GOOD_ROWS)


def test_reads_answer_counts_and_computes_positive_share(good):
    ind = sv.read_local(good)
    assert ind.municipality_id == "1380" and ind.unit == "andel (%)"
    row = ind.data.set_index(["group", "year"]).loc[("alla", 2021)]
    assert row["value"] == pytest.approx(75.0) and row["status"] == "ok"


def test_small_groups_suppressed_before_any_output(good):
    res = sv.soft_progression("1380", good)
    values = res.values().set_index(["group", "year"])
    assert values.loc[("flickor", 2022), "status"] == "suppressed"
    assert math.isnan(values.loc[("flickor", 2022), "value"])
    raw = res.indicators[0].data.set_index(["group", "year"]).loc[("flickor", 2022)]
    assert raw[["svar_helt", "svar_ganska", "svar_lite", "svar_inte"]].isna().all()  # counts removed too
    assert "prickats" in res.summary_sv()
    suppressed_value = 100 * 6 / 8  # 75.0 would be the hidden share; 2022 must not show any value for flickor
    fig = res.plot()
    for line in fig.axes[0].get_lines():
        if line.get_label() == "flickor":
            ydata = dict(zip(line.get_xdata(), line.get_ydata()))
            assert math.isnan(ydata[2022])
    assert f"{suppressed_value:.1f}".replace(".", ",") + " 2022" not in res.summary_sv()


def test_progression_change_and_trend(good):
    res = sv.soft_progression("1380", good)
    t = res.estimates.set_index(["group", "term"])
    change = t.loc[("alla", "change_vs_first_year")]
    assert change["estimate"] == pytest.approx(5.0) and change["ci_low"] < 5.0 < change["ci_high"]
    assert t.loc[("alla", "trend_per_year"), "estimate"] == pytest.approx(2.5)
    assert ("flickor", "trend_per_year") not in t.index  # only two unsuppressed years
    assert "jämförs aldrig med andra kommuner" in res.summary_sv()


def test_value_column_with_decimal_comma(tmp_path):
    path = write(tmp_path, "1380_inflytande.csv", "# enhet: andel (%)\nyear;group;n;value\n2022;alla;40;61,5\n"
                                                   "2023;alla;42;64,0\n2024;alla;5;70,0\n")
    data = sv.read_local(path).data.set_index("year")
    assert data.loc[2022, "value"] == pytest.approx(61.5)
    assert data.loc[2024, "status"] == "suppressed" and math.isnan(data.loc[2024, "value"])


@pytest.mark.parametrize("body, line, column, message", [
    ("year;group;value\n2022;alla;50\n", None, "n", "kolumnen saknas"),
    ("year;group;n;value\n2022;alla;-3;50\n", 2, "n", "heltal ≥ 0"),
    ("year;group;n;value\n2023/24;alla;30;50\n", 2, "year", "inget årtal"),
    ("year;group;n;value\n2023.5;alla;30;50\n", 2, "year", "inget årtal"),
    ("year;group;n;vaule\n2022;alla;30;50\n", None, "vaule", "okänd kolumn"),
    ("year;group;n;value\n2022;alla;30;50\n2022;alla;31;52\n", 3, "group", "finns redan på rad 2"),
    ("# enhet: andel (%)\nyear;group;n;value\n2022;alla;30;150\n", 3, "value", "mellan 0 och 100"),
    ("year;group;n;value;kommunkod\n2022;alla;30;50;1380\n2022;flickor;20;50;1381\n", None, "kommunkod",
     "flera kommuner"),
])
def test_validation_errors_name_file_line_and_column(tmp_path, body, line, column, message):
    path = write(tmp_path, "1380_test.csv", body)
    with pytest.raises(ValueError) as err:
        sv.read_local(path)
    text = str(err.value)
    assert path.name in text and message in text
    assert str(path.parent) not in text, "a published message names the file, never the machine's folders"
    if line:
        assert f"rad {line}" in text
    assert f"kolumn '{column}'" in text


def test_answer_counts_must_sum_to_n(tmp_path):
    path = write(tmp_path, "1380_test.csv", COUNTS + "2022;alla;50;10;20;10;7\n")
    with pytest.raises(ValueError, match=r"rad 3, kolumn 'n': svaren summerar till 47 men n = 50"):
        sv.read_local(path)


def test_answer_counts_need_positive_line(tmp_path):
    path = write(tmp_path, "1380_test.csv", "year;group;n;svar_ja;svar_nej\n2022;alla;30;20;10\n")
    with pytest.raises(ValueError, match="# positiva"):
        sv.read_local(path)


@pytest.mark.parametrize("name", ["trygghet.csv", "13800_trygghet.csv", "9999_trygghet.csv"])
def test_file_name_must_carry_a_known_municipality(tmp_path, name):
    path = write(tmp_path, name, "year;group;n;value\n2022;alla;30;50\n")
    with pytest.raises(ValueError, match=re.escape(name)):
        sv.read_local(path)


def test_refuses_other_municipality_and_mixtures(tmp_path, good):
    other = write(tmp_path, "1381_trygghet_test.csv", HEADER + COUNTS + GOOD_ROWS)
    with pytest.raises(ValueError, match="jämförs inte mellan kommuner"):
        sv.soft_progression("1380", other)
    with pytest.raises(ValueError, match="jämförs inte mellan kommuner"):
        sv.soft_progression("1380", [good, other])
    frame = sv.read_local(other).data
    assert sv.soft_progression("1381", other).municipality_id == "1381"
    assert len(frame) == 6


def test_local_files_only_lists_own_municipality(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    write(local, "1380_a.csv", "year;group;n;value\n2022;alla;30;50\n")
    write(local, "1381_a.csv", "year;group;n;value\n2022;alla;30;50\n")
    assert [p.name for p in sv.local_files("1380", params_dir=tmp_path)] == ["1380_a.csv"]


def test_hand_made_frame_is_validated_and_suppressed():
    import pandas as pd

    frame = pd.DataFrame({"year": [2022, 2023], "group": ["alla", "alla"], "n": [9, 30],
                          "value": [55.0, 60.0]})  # hand-made test numbers
    ind = sv.parse_local(frame, "1380", "handgjord", meta={"enhet": "andel (%)"})
    assert ind.data["status"].tolist() == ["suppressed", "ok"]
    with pytest.raises(ValueError, match="<tabell>, rad 1, kolumn 'n'"):
        sv.parse_local(frame.assign(n=[-1, 30]), "1380", "handgjord")


def test_readme_format_examples_parse(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "params" / "local" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(#.*?)```", readme, flags=re.S)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        ind = sv.read_local(write(tmp_path, f"1380_exempel{i}.csv", block))
        assert (ind.data["status"] == "suppressed").all()  # n = 0: format only, no numbers


def test_kolada_skolenkat_one_year_only():
    res = sv.kolada_soft_values("1380")
    t = res.data()
    total_2022 = t[(t["year"] == 2022) & (t["gender"] == "T")]
    assert (total_2022["status"] == "ok").all() and len(total_2022) == 12
    assert total_2022.set_index("series").loc["N15613", "value"] == pytest.approx(91.0)
    earlier = t[t["year"] < 2022]
    assert (earlier["status"] == "saknas").all() and earlier["value"].isna().all()
    assert earlier["reason"].str.contains("bara för 2022").all()
    text = res.summary_sv()
    assert "saknas" in text and "ingen utveckling" in text
    assert not any("rank" in c for c in t.columns)
    assert np.isnan(t[t["year"] == 2019]["value"]).all()


@pytest.mark.parametrize("cell, column, words", [("inf", "n", "'inf' är inget heltal"),
                                                 ("nan", "n", "'nan' är inget heltal"),
                                                 ("-5", "n", "heltal ≥ 0")])
def test_non_finite_or_negative_n_names_file_line_and_column(tmp_path, cell, column, words):
    # HAND-MADE TEST DATA: the counts are invented to exercise validation only
    path = write(tmp_path, "1380_trygghet_test.csv", HEADER + COUNTS + f"2022;alla;{cell};30;40;20;10\n")
    with pytest.raises(sv.SoftValueFileError, match=rf"1380_trygghet_test.csv, rad 5, kolumn '{column}': .*{words}"):
        sv.read_local(path)


def test_a_broken_local_file_affects_only_the_soft_value_section(tmp_path, monkeypatch):
    from fgte_research import annual, report

    local = tmp_path / "local"
    local.mkdir()
    write(local, "1380_trygghet_test.csv", HEADER + COUNTS + "2022;alla;inf;30;40;20;10\n")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(tmp_path))
    html = annual.soft_values_html("1380", 2022)
    # the quotes are escaped (Jinja2/markupsafe writes &#39;, html.escape wrote &#x27;: the same character)
    assert "kunde inte läsas" in html and "rad 5, kolumn &#39;n&#39;" in html and "'n'" not in html
    assert "kunde inte läsas" in report.soft_values_md("1380", 2022)
