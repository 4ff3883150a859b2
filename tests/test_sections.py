"""One text source, one rendering language (issue 18): the reports' text sections are written once in
``sections`` and rendered as HTML (the published reports) or Markdown (``report.*_md``); both escape; the gap
renderers read the report's GapModels instead of fitting their own; the report notebooks display HTML only.

The hostile strings are HAND-MADE TEST TEXT; the sections are built from the project's real data.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import mistune
import pytest

from fgte_research import annual, annual_results, report, sections

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<script>alert("x")</script> **fet** `kod` # rubrik [länk](javascript:alert(1)) | a |'


def _visible(html_text: str) -> str:
    """The words a reader sees: tags dropped, entities read, whitespace made single."""
    text = re.sub(r"<[^>]+>", " ", html_text)
    return re.sub(r"\s+", " ", htmllib.unescape(text)).strip()


def test_user_text_is_literal_in_both_renderings_and_only_library_prose_gets_code():
    blocks = [sections.heading(HOSTILE, 2), sections.para(HOSTILE, lead=HOSTILE),
              sections.bullets([HOSTILE]), sections.para(sections.Prose("filen `1380_x.csv` <b>"))]
    out = sections.to_html(blocks)
    assert "<script>" not in out and "<b>" not in out and out.count("&lt;script&gt;") == 4
    assert out.count("<code>") == 1 and "<code>1380_x.csv</code>" in out  # the user's `kod` stays text
    md_html = mistune.html(sections.to_markdown(blocks))
    assert "<script>" not in md_html and "<b>" not in md_html and "<table" not in md_html
    assert md_html.count("<h2") == 1 and "<h1" not in md_html and md_html.count("<code>") == 1
    assert "javascript:" not in re.sub(r">[^<]*<", "><", md_html)  # no link was made of it
    assert _visible(md_html) == _visible(out)


@pytest.fixture(scope="module")
def halmstad_2025():
    return annual.gap_models("1380", 2025)


def test_one_text_source_halmstad_2025_gap_section_reads_the_same_in_html_and_markdown(halmstad_2025):
    blocks = sections.gap_section(halmstad_2025)
    as_html = _visible(sections.to_html(blocks))
    as_md = _visible(mistune.html(report.gap_section_md("1380", 2025, halmstad_2025)))
    assert as_html == as_md
    # the real content: the main models, the Skolverket-only years (2025 > 2022) and the other gap measures
    assert "modell med bara Skolverkets uppgifter" in as_html and "Träffsäkerhet" in as_html
    for title in sections.OTHER_GAP_HEADINGS.values():
        assert title in as_html
    for fn in (sections.data_notes, lambda: sections.soft_values("1380", 2025)):
        blocks = fn()
        assert _visible(sections.to_html(blocks)) == _visible(mistune.html(sections.to_markdown(blocks)))


def test_the_renderers_read_the_gap_models_and_fit_nothing(halmstad_2025, monkeypatch):
    from fgte_research import gaps

    def no_fit(*args, **kwargs):
        raise AssertionError("a renderer fitted a gap model of its own")

    # annual.py imports no fitting function at all any more; the functions it could reach are patched at their source
    for module, name in ((gaps, "salsa_gap"), (annual_results, "merit_gap"), (annual_results, "simpler_model_gap"),
                         (gaps, "skolverket_only_accuracy")):
        monkeypatch.setattr(module, name, no_fit)
    results = annual.results_for("1380", 2025)
    page1 = annual.kommunsammanfattning_html("1380", 2025, results, halmstad_2025)
    block = annual.gap_block_html("1380", 2025, halmstad_2025)
    appendix = sections.to_html(sections.gap_section(halmstad_2025))
    assert "Minskar gapet" in page1 and "Den enklare modellen" in page1
    assert "<img" in block and "Siffrorna i diagrammet" in block
    assert "Meritvärde" in appendix or "meritvärde" in appendix


def test_gap_models_say_why_a_measure_is_missing_instead_of_failing():
    models = annual.gap_models("1380", 2022)  # the main model covers 2022: no Skolverket-only part
    assert models.simpler == {} and models.simpler_accuracy == {}
    assert set(models.others) == set(sections.OTHER_GAP_HEADINGS)
    text = _visible(sections.to_html(sections.gap_section(models)))
    assert "modell med bara Skolverkets uppgifter" not in text
    # the gap models decide which other measures the section shows; one without a heading fails loudly
    import dataclasses

    from fgte_research.contract import DataMissing

    extra = dataclasses.replace(models, others={**models.others, "new_measure": DataMissing("ny")})
    with pytest.raises(KeyError, match="new_measure"):
        sections.gap_section(extra)


@pytest.mark.parametrize("name", ["annual_report", "regional_overview", "intervention_study"])
def test_report_notebooks_display_html_only(name):
    source = (ROOT / "notebooks" / f"{name}.py").read_text(encoding="utf-8")
    assert "Markdown(" not in source and "sections.to_html(" in source


def test_an_http_address_in_any_text_is_a_link_and_nothing_else_is():
    """Registry sources are addresses a reader clicks (the Markdown reports linked them too); javascript: and
    other schemes stay text. The address below is HAND-MADE TEST TEXT."""
    p = sections.para('Källa: https://example.se/a?b=1&c="2". Se även javascript:alert(1).')
    out = sections.to_html([p])
    assert '<a href="https://example.se/a?b=1&amp;c=">' in out and out.count("<a ") == 1
    assert _visible(out) == _visible(mistune.html(sections.to_markdown([p])))
