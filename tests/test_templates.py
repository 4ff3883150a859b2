"""The report templates: autoescape of every user-editable string, loud failure on a missing variable, and the
templates and CSS shipped as package data.

The hostile strings below are HAND-MADE TEST TEXT (and the counts in the soft-value file are invented, labelled);
everything else is the project's real data and registry.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from fgte_research import annual, templates

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import publish_support as ps  # noqa: E402
#: Markup-significant characters and Markdown structure a user might type.
HOSTILE = '<script>alert("x")</script> "citat" & **fet** # rubrik [länk](javascript:alert(1))'
ESCAPED = ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#34;citat&#34; &amp; **fet** # rubrik "
           "[länk](javascript:alert(1))")


def test_table_escapes_caption_header_and_plain_cells_keeps_library_markup():
    out = annual._table(HOSTILE, [HOSTILE, "År"], [[HOSTILE, Markup("<strong>säker ökning</strong>")]], "fgte-data")
    assert "<script>" not in out
    assert out.count(ESCAPED) == 3  # caption, header cell, body cell
    assert "<td><strong>säker ökning</strong></td>" in out
    assert '<table class="fgte-table fgte-data">' in out


def test_missing_template_variable_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        templates.render("table.html.j2", caption="x", header=[], rows=[])  # no cls
    with pytest.raises(jinja2.UndefinedError):
        templates.render("indicator_block.html.j2", number=1, title="x", missing=None)  # no lines, src, …


def test_environment_is_autoescaping_and_strict():
    assert templates.ENV.autoescape is True and templates.ENV.undefined is jinja2.StrictUndefined
    assert templates.ENV.trim_blocks and templates.ENV.lstrip_blocks


def test_soft_value_file_text_is_escaped(tmp_path, monkeypatch):
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    (params / "local" / "1380_trygghet_test.csv").write_text(
        f"# titel: {HOSTILE}\n# positiva: svar_ja\nyear;group;n;svar_ja;svar_nej\n"
        "2022;alla;40;30;10\n2023;alla;44;33;11\n2024;alla;42;35;7\n",  # HAND-MADE TEST DATA: invented counts
        encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    out = annual.soft_values_html("1380", 2025)
    assert "<script>" not in out and "&lt;script&gt;" in out and "**fet**" in out and "&amp;" in out


def test_registry_name_and_description_are_escaped(tmp_path, monkeypatch):
    """Real registry, its FGTE entry's name/description/note replaced by hostile text, rendered for real."""
    params = ps.params_with_fgte_entry(tmp_path, name=HOSTILE, description=HOSTILE + " 2", first_treated_year=None,
                                      note=HOSTILE + " 3")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    out = annual.interventions_html("1380", 2025)
    assert "<script>" not in out
    assert f"<h3>{ESCAPED}</h3>" in out and f"<p>{ESCAPED} 2</p>" in out and f"({ESCAPED} 3)" in out


def test_templates_and_css_are_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"fgte_research.templates" = ["*.html.j2", "*.css"]' in pyproject
    assert ".fgte-table-wrap" in templates.css("annual.css")
    from fgte_research.publish import html

    assert templates.css("annual.css") in html.PRINT_CSS
