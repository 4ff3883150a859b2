"""Executed notebook → one self-contained Swedish HTML page (nbconvert, lab template).

- Code input is really removed (``exclude_input``; papermill's ``report_mode`` is ignored by
  nbconvert), as are input/output prompts, the ``parameters``/``injected-parameters`` cells,
  cells tagged ``remove_cell``/``remove-cell``, inputs tagged ``remove_input``/``hide_input``
  and outputs tagged ``remove_output``. ``show_code=True`` (teaching notebooks) keeps the code, and
  with it the ``parameters`` cell, which the exercises ask the student to change.
- Variants: ``student`` additionally removes cells tagged ``solution`` and gets an empty answer cell
  ("**Ditt svar n.m:**") after every exercise, as the student working copies have; ``teacher`` keeps the
  solutions.
- Figures are already base64 ``data:`` URIs in the outputs; markdown attachments and linked
  images are embedded too (``embed_images``). No external scripts: require.js, MathJax, mermaid
  and the widget manager are dropped, so the page works offline and from file://.
- ``<html lang="sv">``, a Swedish ``<title>`` (see :func:`find_title`), print CSS and a
  provenance footer.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from functools import lru_cache
from typing import Iterable

import nbformat

from .. import templates
from ..classroom import with_answer_cells
from ..errors import InputError

#: File-name suffix and Swedish label of each variant ("" = the notebook has no variants).
VARIANTS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "student": ("-elev", "elevversion"),
    "teacher": ("-larare", "lärarversion"),
}
SOLUTION_TAG = "solution"
ALWAYS_REMOVED_TAGS = {"parameters", "injected-parameters", "remove_cell", "remove-cell"}
REMOVE_INPUT_TAGS = {"remove_input", "remove-input", "hide_input", "hide-input"}
REMOVE_OUTPUT_TAGS = {"remove_output", "remove-output"}

#: The page CSS; the annual report's own blocks come from fgte_research/templates/annual.css, beside the templates
#: that write those blocks, so markup and style change together.
PRINT_CSS = """
/* fgte-research: readable on screen, printable in grey scale */
main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.fgte-footer { font-family: var(--jp-content-font-family, system-ui, sans-serif); margin-top: 3rem; padding-top: .6rem; border-top: 1px solid #bbb; font-size: .85em; color: #444; }
.fgte-footer code { font-size: .95em; overflow-wrap: anywhere; }
.fgte-tech { color: #666; font-size: .9em; }
""" + templates.css("annual.css") + """main, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-output { min-width: 0 !important; max-width: 100%; }
@media (max-width: 640px) {
  main { padding: .5rem .6rem 1.5rem; }
  .fgte-summary td, .fgte-summary th { font-size: .85em; padding: .2rem; }
}
@media print {
  @page { size: A4; margin: 14mm; }
  details { display: none; }  /* the numbers are in the digital version; print keeps figure and text */
  .fgte-bilaga { break-before: page; page-break-before: always; }
  table.fgte-table, .fgte-table-wrap { break-inside: auto !important; page-break-inside: auto !important; }
  table.fgte-table tr { break-inside: avoid; page-break-inside: avoid; }
  /* JupyterLab keeps each output on one page; a long report section must flow across pages instead */
  .jp-OutputArea-child { break-inside: auto !important; page-break-inside: auto !important; }
  .fgte-row figure { flex-basis: 9.5cm; max-width: 9.5cm; }
  * { -webkit-print-color-adjust: economy !important; print-color-adjust: economy !important;
      box-shadow: none !important; text-shadow: none !important; }
  html, body, main, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-output, .jp-RenderedHTMLCommon,
  .jp-RenderedText, pre, code, table, th, td {
    background: #fff !important; color: #000 !important; }
  main { max-width: none; padding: 0; }
  img, svg, figure, table, .jp-RenderedImage, .jp-OutputArea-output img {
    break-inside: avoid; page-break-inside: avoid; max-width: 100% !important; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; color: #000 !important; }
  table { border-collapse: collapse; }
  th, td { border: 1px solid #777 !important; }
  a, a:visited { color: #000 !important; text-decoration: underline; }
  .jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser { display: none !important; }
  .fgte-footer { color: #333 !important; border-top-color: #777; }
}
"""

_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<meta name="generator" content="fgte-research">
<style type="text/css">{{ resources.fgte_css }}</style>
{%- endblock extra_css -%}
{% block body_footer %}
{{ resources.fgte_footer }}
</main>
</body>
{% endblock body_footer %}
"""

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_HTML_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _clean_title(text: str) -> str:
    text = _TAGS.sub("", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # markdown links
    text = re.sub(r"[*_`]+", "", text)
    text = html_lib.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


def find_title(nb, context: dict | None = None, fallback: str = "Rapport") -> str:
    """The page title.

    1. notebook metadata ``fgte.title_template`` (or ``fgte.title``, ``title``), formatted with
       ``context`` — the job's parameters plus ``name``/``kommun`` (municipality name),
       ``kommunkod``, ``ar``, ``insats`` — e.g. ``"Årsrapport {year} – {name}"``;
    2. else the first heading of the notebook, in a markdown cell or in a markdown/HTML output
       (e.g. ``display(Markdown(f"# Årsrapport {year} – {namn}"))``);
    3. else ``fallback``.
    """
    fgte_meta = nb.metadata.get("fgte", {}) or {}
    meta = fgte_meta.get("title_template") or fgte_meta.get("title") or nb.metadata.get("title")
    if meta:
        try:
            return _clean_title(str(meta).format(**(context or {})))
        except (KeyError, IndexError, ValueError):
            return _clean_title(str(meta))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = _MD_HEADING.search(cell.source)
            if m and _clean_title(m.group(1)):
                return _clean_title(m.group(1))
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                md = data.get("text/markdown")
                if md:
                    m = _MD_HEADING.search(md if isinstance(md, str) else "".join(md))
                    if m and _clean_title(m.group(1)):
                        return _clean_title(m.group(1))
                htm = data.get("text/html")
                if htm:
                    m = _HTML_HEADING.search(htm if isinstance(htm, str) else "".join(htm))
                    if m and _clean_title(m.group(2)):
                        return _clean_title(m.group(2))
    return fallback


def variant_notebook(nb, variant: str):
    """A copy of ``nb`` for one variant: ``student`` drops cells tagged ``solution`` and adds answer cells."""
    if variant not in VARIANTS:
        raise InputError(f"okänd variant {variant!r}; giltiga: student, teacher")
    if variant == "student":
        return with_answer_cells(nb)
    return copy.deepcopy(nb)


def _report_notebook(nb, show_code: bool):
    """Drop what a reader must never see; leaves ``nb`` untouched."""
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)  # would pull the widget manager from a CDN
    removed = ALWAYS_REMOVED_TAGS - {"parameters"} if show_code else ALWAYS_REMOVED_TAGS
    cells = []
    for cell in out.cells:
        tags = _tags(cell)
        if tags & removed:
            continue
        if cell.cell_type == "code":
            if tags & REMOVE_OUTPUT_TAGS:
                cell.outputs = []
            if not show_code:
                # Warnings on stderr are noise in a published report (they stay in the .ipynb).
                cell.outputs = [o for o in cell.get("outputs", [])
                                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
                if not cell.outputs:
                    continue  # nothing visible: an empty box would only add white space
            elif tags & REMOVE_INPUT_TAGS:
                cell.setdefault("transient", {})["remove_source"] = True
        cells.append(cell)
    out.cells = cells
    return out


@lru_cache(maxsize=4)
def _exporter(show_code: bool):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"fgte_report.html.j2": _TEMPLATE})],
        template_file="fgte_report.html.j2",
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code="sv",
        theme="light",
    )
    return exporter


def footer_html(lines: Iterable[str]) -> str:
    items = "<br>\n".join(lines)
    return f'<footer class="fgte-footer">\n{items}\n</footer>'


def to_html(nb, *, title: str, show_code: bool = False, footer: str = "") -> str:
    """Render an executed (and variant-filtered) notebook to a self-contained HTML page."""
    nb = _report_notebook(nb, show_code)
    nb.metadata["title"] = title
    resources = {"fgte_css": PRINT_CSS, "fgte_footer": footer, "metadata": {"name": title}}
    body, _ = _exporter(show_code).from_notebook_node(nb, resources=resources)
    # nbconvert's English placeholder alt text → Swedish (the figure's caption is in the report text).
    return body.replace('alt="No description has been provided for this image"', 'alt="Figur"')


_DATA_URI = re.compile(r"data:image/(?:png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]+")
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
#: What an image in the kept notebook becomes: the pictures live once, in the published HTML beside it.
IMAGE_NOTE = "bilden finns i den publicerade HTML-rapporten"


def without_images(nb) -> nbformat.NotebookNode:
    """A copy of an executed notebook with every image left out of its outputs (inline data: URIs in HTML
    outputs and image/* outputs), so the audit-trail notebook does not carry the report's pictures a second
    time. Code, parameters, text and tables stay as executed; each image becomes a short note."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            if isinstance(data.get("text/html"), (str, list)):
                text = "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
                data["text/html"] = _DATA_URI.sub("data:,", text).replace(
                    'src="data:,"', f'src="data:," data-fgte="{IMAGE_NOTE}"')
            if any(k in data for k in _IMAGE_TYPES):
                for k in _IMAGE_TYPES:
                    data.pop(k, None)
                data.setdefault("text/plain", f"[{IMAGE_NOTE}]")
    nb.metadata.setdefault("fgte", {})["images"] = IMAGE_NOTE
    return nb


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def read_notebook(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
