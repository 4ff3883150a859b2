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
        new_code_cell('municipality = "1380"', metadata={"tags": ["parameters"]}, execution_count=1),
        new_code_cell('municipality = "1380"\nyear = 2025', metadata={"tags": ["injected-parameters"]},
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
