"""HTML export of executed notebooks (synthetic notebooks; no kernel): hidden code, title, lang, images,
print CSS, no external resources, variants."""

from __future__ import annotations

import base64
import re
import struct
import zlib

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from fgte_research.publish import html as H


def _png() -> str:
    """A valid 2×2 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x80" for _ in range(2))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


def executed_notebook(title_md="# Årsrapport 2025 – Halmstad", metadata=None):
    cells = [
        new_markdown_cell("*Pipeline-fixtur.*"),
        new_code_cell('municipality = "1380"  # PARAMETERCELL', metadata={"tags": ["parameters"]}, execution_count=1),
        new_code_cell('municipality = "1380"\nyear = 2025  # INJICERAD', metadata={"tags": ["injected-parameters"]},
                      execution_count=2),
        new_code_cell("display(Markdown(rubrik))", execution_count=3,
                      outputs=[new_output("display_data", data={"text/markdown": title_md})]),
        new_code_cell("fig, ax = plt.subplots()  # HEMLIG_KOD", execution_count=4,
                      outputs=[new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"})]),
        new_code_cell("print('synlig text'); warnings.warn('x')", execution_count=5,
                      outputs=[new_output("stream", name="stdout", text="synlig text\n"),
                               new_output("stream", name="stderr", text="FutureWarning: brus\n")]),
        new_code_cell("x = 1  # ingen utdata", execution_count=6),
        new_code_cell("print('dold')", metadata={"tags": ["remove_cell"]}, execution_count=7,
                      outputs=[new_output("stream", name="stdout", text="DOLD_CELL\n")]),
        new_code_cell("print('facit')", metadata={"tags": ["solution"]}, execution_count=8,
                      outputs=[new_output("stream", name="stdout", text="FACIT_42\n")]),
        new_markdown_cell("**Lösning:** FACIT_TEXT", metadata={"tags": ["solution"]}),
    ]
    nb = new_notebook(cells=cells, metadata=metadata or {})
    return nb


@pytest.fixture(scope="module")
def page():
    nb = executed_notebook()
    title = H.find_title(nb, {}, "reserv")
    return H.to_html(nb, title=title, footer=H.footer_html(["Framställd av fgte-research"]))


def test_lang_title_and_footer(page):
    assert '<html lang="sv">' in page
    assert "<title>Årsrapport 2025 – Halmstad</title>" in page
    assert "Framställd av fgte-research" in page


def test_no_code_input_no_prompts(page):
    body = page.split("<body", 1)[1]
    assert "HEMLIG_KOD" not in page and "municipality =" not in page
    assert "In [" not in body and "In&nbsp;[" not in body and "Out[" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body
    # every code cell is rendered without its input area
    code_cells = re.findall(r'<div class="jp-Cell jp-CodeCell[^"]*"', body)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells)
    assert "highlight hl-ipython3" not in body
    assert "input_area" not in body


def test_figures_embedded_and_no_external_resources(page):
    imgs = re.findall(r"<img[^>]*>", page)
    assert imgs and all('src="data:image/png;base64,' in i for i in imgs)
    assert 'alt="Figur"' in page
    assert not re.search(r'<script[^>]+src=', page), "no external scripts (require.js, MathJax, widgets)"
    assert not re.search(r'<link[^>]+href="https?:', page)
    assert "cdnjs" not in page and "unpkg" not in page and "mathjax" not in page.lower()


def test_print_css(page):
    assert "@media print" in page
    print_css = page[page.index("/* fgte-research"):]
    assert "break-inside: avoid" in print_css and "background: #fff" in print_css


def test_noise_and_removed_cells(page):
    assert "synlig text" in page
    assert "FutureWarning" not in page, "stderr is dropped from published reports"
    assert "DOLD_CELL" not in page
    assert "PARAMETERCELL" not in page and "INJICERAD" not in page  # a report shows no code at all
    # the default (no variant) keeps solution cells; variants decide
    assert "FACIT_42" in page


def test_student_and_teacher_variants():
    nb = executed_notebook()
    student = H.to_html(H.variant_notebook(nb, "student"), title="Övning (elevversion)", show_code=True)
    teacher = H.to_html(H.variant_notebook(nb, "teacher"), title="Övning (lärarversion)", show_code=True)
    assert "FACIT_42" not in student and "FACIT_TEXT" not in student
    assert "FACIT_42" in teacher and "FACIT_TEXT" in teacher
    # show_code keeps code (teaching), still without prompts
    assert "HEMLIG_KOD" in teacher and "In&nbsp;[" not in teacher and "In [" not in teacher.split("<body", 1)[1]
    # the parameter cell the exercises ask to change is shown in both versions; papermill's injected cell is not
    for version in (student, teacher):
        assert "PARAMETERCELL" in version and "INJICERAD" not in version
    with pytest.raises(ValueError):
        H.variant_notebook(nb, "elev")


def test_title_sources():
    ctx = {"year": 2025, "name": "Laholm", "municipality": "1381"}
    meta = executed_notebook(metadata={"fgte": {"title_template": "Årsrapport {year} – {name}"}})
    assert H.find_title(meta, ctx, "x") == "Årsrapport 2025 – Laholm"
    assert H.find_title(executed_notebook(metadata={"title": "Att läsa ett nyckeltal"}), ctx) == "Att läsa ett nyckeltal"
    html_heading = executed_notebook(title_md="")
    html_heading.cells[3].outputs = [new_output("display_data", data={"text/html": "<h2>Regional <b>översikt</b></h2>"})]
    assert H.find_title(html_heading, ctx) == "Regional översikt"
    nothing = new_notebook(cells=[new_code_cell("1", execution_count=1)])
    assert H.find_title(nothing, ctx, "Rapport 2025 – Laholm") == "Rapport 2025 – Laholm"
    # a broken template falls back to the raw text, never crashes
    broken = executed_notebook(metadata={"fgte": {"title_template": "Rapport {saknas}"}})
    assert H.find_title(broken, ctx) == "Rapport {saknas}"


# ------------------------------------------------------------------------------------------------ index and log pages
EVIL_TITLE = "Årsrapporter <script>alert(1)</script> <img src=x onerror=alert(1)>"
PUBLISHER = {"publisher": "FGTE-samverkan", "contact": "", "url": ""}
INFO = {"version": "9.9.9", "data_hash": "0123456789abcdef0123", "source": "params/runs/fgte_annual.yaml"}


def synthetic_results(evil: str = ""):
    """ReportResults of a small run without any kernel: four municipalities (Laholm failed), the FGTE overview,
    an intervention study and a teaching notebook in two versions. ``evil`` is appended to user-editable strings."""
    from fgte_research.publish.runner import ReportResult

    names = {"1384": "Kungsbacka", "1383": "Varberg", "1380": "Halmstad", "1381": "Laholm"}
    out = []
    for code, name in names.items():  # the FGTE set's own order, not code order
        slug = name.lower()
        failed = code == "1381"
        out.append(ReportResult(
            id=f"2025/{code}-{slug}", notebook="annual_report", status="failed" if failed else "ok", seconds=4.25,
            outputs=[] if failed else [{"variant": "", "title": f"Årsrapport 2025 – {name}{evil}",
                                        "html": f"2025/{code}-{slug}.html", "ipynb": f"2025/{code}-{slug}.ipynb"}],
            error="Traceback\nRuntimeError: Avsiktligt fel " + evil if failed else None,
            failed_notebook=f"2025/{code}-{slug}.ipynb" if failed else None,
            context={"kommunkod": code, "kommun": name + evil, "ar": 2025, "municipality": code, "year": 2025}))
    out.append(ReportResult(
        id="2025/regional_overview-fgte", notebook="regional_overview", status="cached", seconds=9.5,
        outputs=[{"variant": "", "title": "Regional översikt 2025" + evil, "html": "2025/regional_overview-fgte.html",
                  "ipynb": "2025/regional_overview-fgte.ipynb"}],
        context={"urval": "fgte", "municipalities": "fgte", "ar": 2025, "year": 2025}))
    out.append(ReportResult(
        id="fgte", notebook="intervention_study", status="ok", seconds=12.0,
        outputs=[{"variant": "", "title": "Insatsstudie – fgte", "html": "fgte.html", "ipynb": "fgte.ipynb"}],
        context={"insats": "fgte", "intervention": "fgte", "ar": 2025}))
    out.append(ReportResult(
        id="undervisning/ovning", notebook="teaching/ovning", status="ok", seconds=2.0,
        outputs=[{"variant": v, "title": f"Övning ({label})", "html": f"undervisning/ovning{sfx}.html",
                  "ipynb": f"undervisning/ovning{sfx}.ipynb"}
                 for v, sfx, label in (("student", "-elev", "elevversion"), ("teacher", "-larare", "lärarversion"))],
        context={}))
    return out


@pytest.fixture()
def pages(tmp_path):
    from fgte_research.publish.index import render_index

    path = render_index(tmp_path, title="FGTE – årsrapporter", reports=synthetic_results(), info=INFO,
                        total_seconds=31.25, publisher=PUBLISHER)
    assert path == tmp_path / "index.html"
    return path.read_text(encoding="utf-8"), (tmp_path / "korlogg.html").read_text(encoding="utf-8")


def _headings(page: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", page)]


def _no_skipped_levels(levels: list[int]) -> bool:
    return bool(levels) and levels[0] == 1 and levels.count(1) == 1 and all(
        b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_index_is_for_readers(pages):
    index, _ = pages
    assert '<html lang="sv">' in index and "<title>FGTE – årsrapporter</title>" in index
    assert _no_skipped_levels(_headings(index)), _headings(index)
    assert "<caption>" in index
    # FGTE, its goal quoted with its source, how to read the reports
    assert "From Great to Excellent" in index
    assert "Minska gapet mellan barns/elevs kapacitet och det vi lyckas få dem att prestera" in index
    assert "kommenterande PM" in index
    for term in ("<dt>saknas</dt>", "<dt>.. (två punkter)</dt>", "<dt>Intervall</dt>", "<dt>Ingen rangordning</dt>"):
        assert term in index
    # one line per report: municipality name, year, link; municipalities in code order
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d{4})</td><td>(.*?)</td></tr>", index)
    assert [r[0] for r in rows] == ["Halmstad", "Laholm", "Varberg", "Kungsbacka"]
    assert all(r[1] == "2025" for r in rows)
    assert '<a href="2025/1380-halmstad.html">Årsrapport 2025 – Halmstad</a>' == rows[0][2]
    assert "kunde inte tas fram" in rows[1][2] and "href" not in rows[1][2]
    # the regional overview names its members in code order; the study its registered name
    assert '<a href="2025/regional_overview-fgte.html">Regional översikt 2025</a>' in index
    assert "Hylte, Halmstad, Laholm, Varberg och Kungsbacka" in index
    assert "From Great to Excellent (FGTE), data till och med 2025" in index
    assert "Övning (elevversion)" in index and "Övning (lärarversion)" in index
    # publisher (contact only when given) and the link to the technical log
    assert "Utgivare: FGTE-samverkan." in index and "Kontakt" not in index
    assert '<a href="korlogg.html">Teknisk körlogg</a>' in index


def test_index_has_no_technical_details(pages):
    index, _ = pages
    assert ".ipynb" not in index, "no links to executed notebooks"
    body = re.sub(r"<[^>]+>", " ", index.split("<body>", 1)[1])  # what a reader sees (file names are in hrefs)
    for word in ("ipynb", "annual_report", "regional_overview", "intervention_study", "teaching/", "Klar (ny)",
                 "oförändrad", "Misslyckades", "Körtid", "4,2 s", "RuntimeError", INFO["data_hash"][:12],
                 INFO["version"], "fgte_annual.yaml", "status"):
        assert word not in body, word
    assert not re.search(r"\d+,\d+ s\b", body), "no run times"


def test_log_page_keeps_the_technical_record(pages):
    _, log = pages
    assert '<html lang="sv">' in log and "<title>Teknisk körlogg – FGTE – årsrapporter</title>" in log
    assert _no_skipped_levels(_headings(log)), _headings(log)
    assert "<caption>" in log and '<a href="index.html">Till rapportsidan</a>' in log
    assert log.count("Klar (ny)") == 6 and log.count("Klar (oförändrad)") == 1 and "Misslyckades" in log
    assert "4,2 s" in log and re.search(r"Körtid 31,[23] s", log)
    assert "annual_report" in log and 'href="2025/1381-laholm.ipynb"' in log and "RuntimeError: Avsiktligt fel" in log
    assert INFO["data_hash"][:12] in log and INFO["source"] in log
    assert 'data-label="Status"' in log  # the table stacks on narrow screens


def test_contact_shown_when_given(tmp_path):
    from fgte_research.publish.index import render_index

    render_index(tmp_path, title="t", reports=synthetic_results(), info=INFO, total_seconds=1.0,
                 publisher={"publisher": "FGTE", "contact": "kontakt@example.org", "url": ""})
    assert "Kontakt: kontakt@example.org." in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_every_user_string_is_escaped_on_both_pages(tmp_path, monkeypatch):
    """Run title, report titles, municipality and intervention names, errors and the publisher are user-editable."""
    from types import SimpleNamespace

    from fgte_research import interventions
    from fgte_research.publish.index import render_index

    evil = " <script>alert(1)</script><img src=x onerror=alert(1)>"
    monkeypatch.setattr(interventions, "load_registry",
                        lambda *a, **k: {"fgte": SimpleNamespace(name="FGTE" + evil)})
    render_index(tmp_path, title=EVIL_TITLE, reports=synthetic_results(evil), info=INFO, total_seconds=1.0,
                 publisher={"publisher": "FGTE" + evil, "contact": "a" + evil, "url": ""})
    for name in ("index.html", "korlogg.html"):
        page = (tmp_path / name).read_text(encoding="utf-8")
        assert "<script" not in page and "<img" not in page, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.count("&lt;script&gt;") >= 7  # title ×2, 3 names, report titles, overview, study, publisher…
