"""``reports/<run>/index.html``: every report of the run with status, time and link (Swedish)."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..atomic import write_text_atomic

STATUS_SV = {"ok": "Klar (ny)", "cached": "Klar (oförändrad)", "failed": "Misslyckades"}

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; background: #fff;
       max-width: 72rem; margin: 0 auto; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.meta { color: #444; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; font-size: .95rem; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #333; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.status-failed { color: #a00000; font-weight: 600; }
.status-ok, .status-cached { color: #1b5e20; }
pre { white-space: pre-wrap; background: #f4f4f4; border-left: 3px solid #a00000; padding: .5rem .75rem;
      font-size: .85rem; overflow-x: auto; }
@media print {
  * { -webkit-print-color-adjust: economy !important; print-color-adjust: economy !important; }
  body { max-width: none; padding: 0; }
  body, pre, table, th, td { background: #fff !important; color: #000 !important; }
  .status-failed { font-weight: 700; }
  a, a:visited { color: #000 !important; }
  tr, pre { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _seconds_sv(s: float | None) -> str:
    return "–" if s is None else f"{s:.1f}".replace(".", ",") + " s"


def _link(path: str, text: str) -> str:
    return f'<a href="{escape(quote(path))}">{escape(text)}</a>'


def _anchor(job_id: str) -> str:
    return "fel-" + re.sub(r"[^A-Za-z0-9_-]+", "-", job_id)


def _what(ctx: dict) -> str:
    parts = []
    if ctx.get("kommun"):
        parts.append(f"{ctx['kommun']} ({ctx['kommunkod']})")
    if ctx.get("urval"):
        parts.append(f"urval: {ctx['urval']}")
    if ctx.get("insats"):
        parts.append(f"insats: {ctx['insats']}")
    return ", ".join(parts) or "–"


def render_index(run_dir: Path, *, title: str, reports: list, info: dict, total_seconds: float) -> Path:
    """Write index.html atomically; ``reports`` are :class:`~fgte_research.publish.runner.ReportResult`."""
    run_dir = Path(run_dir)
    n_ok = sum(r.status == "ok" for r in reports)
    n_cached = sum(r.status == "cached" for r in reports)
    n_failed = sum(r.status == "failed" for r in reports)
    rows = []
    for r in reports:
        cls = f"status-{r.status}"
        when = "" if r.status != "cached" else " (tidigare körning)"
        year = str(r.context.get("ar", "–"))
        if r.status == "failed":
            rows.append(
                f"<tr><td>{escape(r.id)}</td><td>{escape(r.notebook)}</td><td>{escape(_what(r.context))}</td>"
                f"<td>{year}</td><td class=\"{cls}\">{STATUS_SV[r.status]} – <a href=\"#{_anchor(r.id)}\">se fel"
                f"</a></td><td class=\"num\">{_seconds_sv(r.seconds)}</td><td>"
                + (_link(r.failed_notebook, "körd anteckningsbok") if r.failed_notebook else "–") + "</td></tr>")
            continue
        for out in r.outputs:
            rows.append(
                f"<tr><td>{_link(out['html'], out['title'])}</td><td>{escape(r.notebook)}</td>"
                f"<td>{escape(_what(r.context))}</td><td>{year}</td><td class=\"{cls}\">{STATUS_SV[r.status]}</td>"
                f"<td class=\"num\">{_seconds_sv(r.seconds)}{when}</td><td>{_link(out['ipynb'], 'ipynb')}</td></tr>")
    failures = [r for r in reports if r.status == "failed"]
    fail_html = ""
    if failures:
        items = []
        for r in failures:
            nb_link = (f"<p>Den körda anteckningsboken med felet finns kvar: {_link(r.failed_notebook, r.failed_notebook)}"
                       f"</p>" if r.failed_notebook else "<p>Ingen körd anteckningsbok kunde sparas.</p>")
            items.append(f'<h3 id="{_anchor(r.id)}">{escape(r.id)} ({escape(r.notebook)}, '
                         f"{escape(_what(r.context))})</h3>\n<pre>{escape(r.error or 'okänt fel')}</pre>\n{nb_link}")
        fail_html = "<h2>Misslyckade rapporter</h2>\n" + "\n".join(items)
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    summary = (f"{len(reports)} rapporter: {n_ok} nya, {n_cached} oförändrade, {n_failed} misslyckade. "
               f"Körtid {_seconds_sv(total_seconds)}.")
    page = f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="summary">{escape(summary)}</p>
<p class="meta">Uppdaterad {now} med fgte-research {escape(info['version'])}; databygge
<code>{escape(info['data_hash'][:12])}</code>; körspecifikation <code>{escape(info['source'])}</code>.
Oförändrade rapporter har inte körts om (samma anteckningsbok, parametrar, data och programversion).</p>
<table>
<thead><tr><th>Rapport</th><th>Anteckningsbok</th><th>Kommun/urval/insats</th><th>År</th><th>Status</th>
<th>Tid</th><th>Körd anteckningsbok</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
{fail_html}
</main>
</body>
</html>
"""
    path = run_dir / "index.html"
    write_text_atomic(path, page)
    return path
