"""The real report notebooks, rendered by the real pipeline for real municipalities, checked as a reader sees them.

Halmstad (Halland, FGTE), Haparanda (Samverkan för bästa skola), Hylte (FGTE, no own gymnasium after 2017,
no registered start year), the regional overview of the FGTE set and the Haparanda intervention study.
"""

from __future__ import annotations

import re

import pytest

from fgte_research import catalogue, publish

pytestmark = pytest.mark.slow

SPEC = {
    "run": "verklig",
    "reports": [
        {"notebook": "annual_report", "municipalities": ["1380", "2583", "1315"], "years": "latest"},
        {"notebook": "regional_overview", "municipalities": "fgte", "per_municipality": False, "years": "latest"},
        {"notebook": "intervention_study", "interventions": ["samverkan-haparanda"], "years": "latest",
         "name": "{intervention}", "parameters": {"indicators": ["ak9_merit"], "designs": ["before_after", "its",
                                                                                          "did", "synth"]}},
    ],
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    import os

    reports = tmp_path_factory.mktemp("reports")
    old = os.environ.get("FGTE_REPORTS_DIR")
    os.environ["FGTE_REPORTS_DIR"] = str(reports)
    try:
        result = publish.render(SPEC, progress=False)
    finally:
        if old is None:
            os.environ.pop("FGTE_REPORTS_DIR")
        else:
            os.environ["FGTE_REPORTS_DIR"] = old
    return result, reports / "verklig"


def _text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_every_real_report_renders(rendered):
    result, run_dir = rendered
    assert result.exit_code == 0, result.summary_sv()
    year = publish.data_info().latest
    for name in ("1380-halmstad", "2583-haparanda", "1315-hylte", "regional_overview-fgte"):
        assert (run_dir / str(year) / f"{name}.html").is_file(), name
    assert (run_dir / "index.html").is_file()


@pytest.mark.parametrize("code,name", [("1380", "Halmstad"), ("2583", "Haparanda"), ("1315", "Hylte")])
def test_annual_report_as_a_reader_sees_it(rendered, code, name):
    _, run_dir = rendered
    year = publish.data_info().latest
    html = (run_dir / str(year) / f"{code}-{name.lower()}.html").read_text(encoding="utf-8")
    text = _text(html)
    assert f"<title>Årsrapport {year} – {name}</title>" in html and '<html lang="sv">' in html
    # no code input, only figures embedded as data URIs
    assert "import " not in text and "load_panel" not in text and "In [" not in text
    imgs = re.findall(r"<img[^>]*>", html)
    assert len(imgs) >= 2 and all('src="data:image/png;base64,' in i for i in imgs)
    for section in ("Kommunsammanfattning", "Så läser du rapporten", f"Fördjupning: de {len(catalogue.INDICATORS)} indikatorerna",
                    "Gapet mellan förutsättningar och resultat", "Mjuka värden", "Insatser",
                    "Metod- och databilaga", "Datanoter", "Proveniens"):
        assert section in text, section
    assert "MANIFEST.csv" in text and "innehållshash" in text and f"municipality = '{code}'" in text
    assert "95 % KI" in text.replace("\u00a0", " ")
    assert "rangordning" in text and "Saknas: Det finns ännu ingen kommunal serie" in text  # indicators 9 and 10


def test_hylte_after_2017_and_its_missing_start_year_say_saknas(rendered):
    _, run_dir = rendered
    year = publish.data_info().latest
    text = _text((run_dir / str(year) / "1315-hylte.html").read_text(encoding="utf-8"))
    # no own gymnasium with examen-giving programmes: the HF examen indicator has no values at all
    assert re.search(r"12\. Andel elever som tar en högskoleförberedande examen efter 3 år ¶? ?Saknas: inga värden "
                     r"till och med 2025", text), text[:200]
    assert "Startåret saknas i registret" in text and "året då Hylte anslöt framgår inte av källorna" in text
    assert "first_treated_year" not in text.split("Metod- och databilaga")[0]  # no field names for readers


def test_haparanda_report_shows_its_intervention_with_uncertainty(rendered):
    _, run_dir = rendered
    year = publish.data_info().latest
    text = _text((run_dir / str(year) / "2583-haparanda.html").read_text(encoding="utf-8")).replace("\u00a0", " ")
    assert "Samverkan för bästa skola" in text and "syntetiska jämförelsen" in text
    study = _text((run_dir / "samverkan-haparanda.html").read_text(encoding="utf-8"))
    assert "Insatsstudie" in study and "placebo" in study.lower()


def test_real_reports_in_chromium(rendered):
    import shutil

    browser = pytest.importorskip("test_publish_browser")  # skips only where Chromium is absent outside CI
    _, run_dir = rendered
    year = publish.data_info().latest
    drv, profile = browser.start_driver()
    try:
        for page in (run_dir / "index.html", run_dir / str(year) / "1380-halmstad.html"):
            browser._open(drv, page)
            assert not browser._severe(drv), browser._severe(drv)
            assert browser._check_images(drv, page.name) >= (0 if page.name == "index.html" else 2)
            assert browser._visible_code(drv) == 0
        links = drv.execute_script("return Array.from(document.querySelectorAll('a[href]')).length")
        assert links >= 1
        browser.ARTIFACTS.mkdir(exist_ok=True)
        drv.save_screenshot(str(browser.ARTIFACTS / "real_annual_report.png"))
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
