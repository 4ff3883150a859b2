"""The annual report as its readers meet it, in headless Chromium: Halmstad 2025 rendered by the real pipeline with
hostile text in every file a user edits (params/interventions.yaml, params/local/*.csv).

- nothing injected runs, and the text shows literally;
- the main report (Kommunsammanfattning + Fördjupning) prints to at most 10 A4 pages; the bilaga starts on a page
  of its own;
- at 390 px width the page does not scroll sideways;
- at most 600 KB of HTML; every image has an alt text that says what it shows; every table has a caption; no
  heading level is skipped; no internal series id, NaN or e-notation where a reader looks (before the bilaga).

A screenshot of page 1 and the printed PDF are kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from fgte_research import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import publish_support as ps  # noqa: E402
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

pytestmark = [pytest.mark.slow, pytest.mark.browser]
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"):
    pytest.skip("headless Chromium saknas: installera chromium och chromium-driver", allow_module_level=True)

#: Hostile input, one per field a user edits (HAND-MADE TEST TEXT; the numbers in the CSV are invented, labelled).
NAME = "<script>window.__pwned=1</script>Insats *fet* _kursiv_ <namn>"
DESCRIPTION = "<img src=x onerror=\"window.__pwned=2\"> [klicka](javascript:window.__pwned=3) 1380_<namn>.csv"
NOTE = "<b>fet</b>"
TITLE = "<script>window.__pwned=4</script>Trygghet *fet*"
SOURCE = "<img src=y onerror=\"window.__pwned=5\">"
GROUP = "<i>grupp</i>"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reader")
    params = ps.params_with_fgte_entry(tmp, name=NAME, description=DESCRIPTION, note=NOTE)
    (params / "local" / "1380_trygghet_test.csv").write_text(
        f"# titel: {TITLE}\n# källa: {SOURCE}\n# positiva: svar_ja\n"
        "year;group;n;svar_ja;svar_nej\n"  # HAND-MADE TEST DATA: invented counts, not survey results
        f"2022;{GROUP};40;30;10\n2023;{GROUP};44;33;11\n2024;{GROUP};42;35;7\n", encoding="utf-8")
    env = {"FGTE_PARAMS_DIR": str(params), "FGTE_REPORTS_DIR": str(tmp / "reports")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = publish.render({"run": "lasare", "reports": [
            {"notebook": "annual_report", "municipalities": ["1380"], "years": [2025]}]}, progress=False, force=True)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert result.exit_code == 0, result.summary_sv()
    return tmp / "reports" / "lasare" / "2025" / "1380-halmstad.html"


@pytest.fixture(scope="module")
def driver():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_publish_browser import start_driver

    drv, profile = start_driver()
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _open(drv, page: Path, width: int = 1280):
    drv.set_window_size(width, 1600)
    drv.get(page.as_uri())
    drv.execute_script("return document.readyState")


def test_nothing_injected_runs_and_text_shows_literally(rendered, driver):
    _open(driver, rendered)
    assert driver.execute_script("return window.__pwned === undefined")
    assert driver.execute_script("return document.querySelectorAll('img[onerror], [onerror]').length") == 0
    assert driver.execute_script("return Array.from(document.scripts).filter(s => s.text.includes('__pwned'))"
                                 ".length") == 0
    assert driver.execute_script("return Array.from(document.querySelectorAll('a[href]'))"
                                 ".filter(a => a.href.startsWith('javascript:')).length") == 0
    text = driver.execute_script("return document.body.innerText")
    for literal in ("<script>window.__pwned=1</script>Insats *fet* _kursiv_ <namn>", "1380_<namn>.csv",
                    "Trygghet *fet*", "<i>grupp</i>"):
        assert literal in text, literal


def test_main_report_prints_to_at_most_ten_a4_pages(rendered, driver):
    _open(driver, rendered)
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": 8.27, "paperHeight": 11.69, "printBackground": True})["data"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "halmstad_2025.pdf").write_bytes(pdf)
    from pypdf import PdfReader

    pages = [p.extract_text() or "" for p in PdfReader(ARTIFACTS / "halmstad_2025.pdf").pages]
    bilaga = next(i for i, t in enumerate(pages) if "Metod- och databilaga" in t)
    assert bilaga <= 10, f"huvudrapporten är {bilaga} sidor"
    assert "Kommunsammanfattning" in pages[0] and "Minskar gapet mellan elevernas" in pages[0]
    assert "Så läser du rapporten" in " ".join(pages[:2])
    driver.set_window_size(1240, 1754)
    driver.save_screenshot(str(ARTIFACTS / "halmstad_2025_sida1.png"))


def test_readable_at_phone_width(rendered, driver):
    _open(driver, rendered, 390)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390


def test_size_alt_captions_headings_and_no_internal_names(rendered, driver):
    html = rendered.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) <= 600 * 1024, f"{len(html.encode()) / 1024:.0f} KB"
    _open(driver, rendered)
    alts = driver.execute_script("return Array.from(document.images).map(i => i.alt)")
    assert alts and all(len(a) > 30 and a != "Figur" for a in alts), alts
    assert driver.execute_script("return Array.from(document.querySelectorAll('table'))"
                                 ".filter(t => !t.querySelector('caption')).length") == 0
    levels = driver.execute_script("return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
                                   ".map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    text = driver.execute_script("return document.body.innerText")
    main = text.split("Metod- och databilaga")[0]
    for bad in ("splice.", "skv.", "NaN", "nan ", "e-0", "e+0", "TODO", "reason", "share_"):
        assert bad not in main, bad
    assert not re.search(r"\b\d+\.\d+\b", main.replace("5.4", "")), re.search(r"\b\d+\.\d+\b", main)


def test_figure_lines_break_where_a_year_has_no_value():
    """No national tests in åk 3 2020–2021: the lines stop there instead of joining 2019 and 2022."""
    import numpy as np

    from fgte_research import annual, plots

    res = annual.results_for("1380", 2025)["ak3_np"]
    fig = plots.indicator_figure(res)
    for line in fig.axes[0].lines:
        years, values = (np.asarray(v, float) for v in line.get_data())
        if 2019 in years and 2022 in years:
            gap = values[(years == 2020) | (years == 2021)]
            assert len(gap) == 2 and np.isnan(gap).all(), line.get_label()
    plots.plt.close(fig)
