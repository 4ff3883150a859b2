"""The pages of a run: ``reports/<run>/index.html`` for readers and ``reports/<run>/korlogg.html`` (technical log).

- ``index.html`` is what a process group opens: a short Swedish introduction to FGTE, how to read the reports
  ("saknas", "..", intervals, why there is no ranking), one line per report (municipality name, year, link; the
  regional overview, intervention studies and other reports in their own sections), the publisher from
  ``params/publisher.yaml`` and a link to the technical log. No notebook names, executed notebooks, run times,
  hashes or status words.
- ``korlogg.html`` keeps the technical record: status, time, notebook, executed notebook and the error of every
  report, the package version, data hash and run specification.

Every string that may come from a user-editable file (the run title, report titles from notebooks, municipality and
intervention names, errors) is HTML-escaped. Both pages are ``lang="sv"``, have no skipped heading levels, give
their tables a caption and fit a 390 px wide screen without horizontal scrolling.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..atomic import write_text_atomic
from ..catalogue import INDICATORS
from ..text_sv import count_sv

INDEX_FILE = "index.html"
LOG_FILE = "korlogg.html"
STALE = "föråldrad"  # the runner's status of a report whose re-render failed; the previous version is kept
STATUS_SV = {"ok": "Klar (ny)", "cached": "Klar (oförändrad)", "failed": "Misslyckades",
             STALE: "Föråldrad – senaste försöket misslyckades; förra versionen visas"}
STATUS_CLASS = {"ok": "ok", "cached": "cached", "failed": "failed", STALE: "stale"}
STALE_NOTE = "senaste försöket misslyckades; visar förra versionen"

#: The collaboration's common goal, quoted from its commenting PM.
FGTE_GOAL = "Minska gapet mellan barns/elevs kapacitet och det vi lyckas få dem att prestera"
FGTE_GOAL_SOURCE = "samverkans kommenterande PM"

CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; background: #fff;
       max-width: 60rem; margin: 0 auto; padding: 1rem; line-height: 1.5; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 .75rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .4rem; }
a { color: #0b4f8a; }
a:visited { color: #5a2d82; }
blockquote { margin: .75rem 0; padding: .25rem 0 .25rem 1rem; border-left: 4px solid #0b4f8a; font-size: 1.1rem; }
blockquote p { margin: .25rem 0; }
.source, .meta, footer { color: #444; font-size: .92rem; }
dt { font-weight: 700; margin-top: .75rem; }
dd { margin: .1rem 0 0 0; }
ul.reports { padding-left: 1.2rem; }
ul.reports li { margin: .35rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .4rem; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #333; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
/* names and years wrap only between words; a long unbroken title in the link column may break anywhere */
table.reports th, table.reports td:not(:last-child) { overflow-wrap: normal; }
.missing { color: #555; font-style: italic; }
.status-failed { color: #a00000; font-weight: 600; }
.status-ok, .status-cached { color: #1b5e20; }
.status-stale { color: #8a4b00; font-weight: 600; }
.note { color: #555; font-size: .9rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; border-left: 3px solid #a00000;
      padding: .5rem .75rem; font-size: .85rem; }
code { overflow-wrap: anywhere; }
footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid #bbb; }
/* narrow screens: the log's table becomes one block per report, each cell with its column name */
@media (max-width: 44rem) {
  table.stack, table.stack caption, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { border-bottom: 2px solid #333; padding: .4rem 0; }
  table.stack td { border: 0; padding: .1rem 0; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; }
}
@media print {
  * { -webkit-print-color-adjust: economy !important; print-color-adjust: economy !important; }
  body { max-width: none; padding: 0; }
  body, pre, table, th, td, blockquote { background: #fff !important; color: #000 !important; }
  .status-failed { font-weight: 700; }
  a, a:visited { color: #000 !important; }
  tr, pre, li { break-inside: avoid; page-break-inside: avoid; }
}
"""


def outcome_counts_sv(new: int, unchanged: int, failed: int) -> str:
    """'1 ny, 0 oförändrade, 2 misslyckade': a run's outcome, for the command's closing line and the run log."""
    return (f"{count_sv(new, 'ny', 'nya')}, {count_sv(unchanged, 'oförändrad', 'oförändrade')}, "
            f"{count_sv(failed, 'misslyckad', 'misslyckade')}")


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


def _page(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


# ------------------------------------------------------------------------------------------------ reader page
def _set_members(ctx: dict) -> list[str]:
    """Names of a set report's municipalities, in code order ([] if they cannot be resolved)."""
    from .. import municipalities as m

    raw = ctx.get("municipalities")
    if raw is None:
        return []
    try:
        return [m.name_of(c) for c in sorted(m.resolve_set(raw))]
    except (ValueError, TypeError, OSError):
        return []


def _intervention_names(reports: list) -> dict[str, str]:
    ids = {r.context["insats"] for r in reports if r.context.get("insats")}
    if not ids:
        return {}
    from ..intervention_registry import load_registry

    try:
        registry = load_registry()
    except (ValueError, OSError, KeyError, TypeError):
        return {}
    return {i: registry[i].name for i in ids if i in registry}


_NOT_MADE = '<span class="missing">Rapporten kunde inte tas fram den här gången.</span>'


def _report_links(r) -> list[str]:
    """One link per published page of a report; the not-made sentence for a failed one."""
    if r.status == "failed" or not r.outputs:
        return [_NOT_MADE]
    note = f' <span class="note">({STALE_NOTE})</span>' if r.status == STALE else ""
    return [_link(out["html"], out["title"]) + note for out in r.outputs]


def _municipality_section(reports: list) -> str:
    rows = []
    for r in sorted(reports, key=lambda r: (str(r.context.get("kommunkod", "")), str(r.context.get("ar", "")))):
        for link in _report_links(r):
            rows.append(f"<tr><td>{escape(str(r.context.get('kommun', '')))}</td>"
                        f"<td class=\"num\">{escape(str(r.context.get('ar', '–')))}</td><td>{link}</td></tr>")
    return ("<h3>Rapporter per kommun</h3>\n<table class=\"reports\">\n<caption>En rapport per kommun och år. Kommunerna står i "
            "kodordning (kommunkod), inte efter resultat.</caption>\n<thead><tr><th scope=\"col\">Kommun</th>"
            "<th scope=\"col\">År</th><th scope=\"col\">Rapport</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")


def _set_section(reports: list) -> str:
    items = []
    for r in sorted(reports, key=lambda r: str(r.context.get("ar", ""))):
        members = _set_members(r.context)
        year = r.context.get("ar")
        about = []
        if members:
            about.append("kommunerna " + ", ".join(members[:-1]) + (" och " if len(members) > 1 else "")
                         + members[-1])
        if year is not None:
            about.append(f"år {year}")
        tail = f" – {escape(', '.join(about))}" if about else ""
        for link in _report_links(r):
            items.append(f"<li>{link}{tail}</li>")
    return ("<h3>Regional översikt</h3>\n<p>Alla kommuner i gruppen på samma sida, indikator för indikator, "
            "i kodordning.</p>\n<ul class=\"reports\">\n" + "\n".join(items) + "\n</ul>")


def _intervention_section(reports: list) -> str:
    names = _intervention_names(reports)
    items = []
    for r in reports:
        iv = r.context.get("insats", "")
        about = names.get(iv, iv)
        year = r.context.get("ar")
        tail = escape(about) + (f", data till och med {escape(str(year))}" if year is not None else "")
        for link in _report_links(r):
            items.append(f"<li>{link} – {tail}</li>")
    return "<h3>Insatsstudier</h3>\n<ul class=\"reports\">\n" + "\n".join(items) + "\n</ul>"


def _other_section(reports: list, heading: bool) -> str:
    items = [f"<li>{link}</li>" for r in reports for link in _report_links(r)]
    head = "<h3>Övriga rapporter</h3>\n" if heading else ""
    return head + "<ul class=\"reports\">\n" + "\n".join(items) + "\n</ul>"


def _reports_html(reports: list) -> str:
    kinds: dict[str, list] = {"municipality": [], "set": [], "intervention": [], "other": []}
    for r in reports:
        ctx = r.context
        kind = ("municipality" if ctx.get("kommunkod") else "set" if ctx.get("urval")
                else "intervention" if ctx.get("insats") else "other")
        kinds[kind].append(r)
    per_municipality, sets, studies, others = kinds.values()
    parts = []
    if per_municipality:
        parts.append(_municipality_section(per_municipality))
    if sets:
        parts.append(_set_section(sets))
    if studies:
        parts.append(_intervention_section(studies))
    if others:
        parts.append(_other_section(others, heading=bool(parts)))
    return "\n".join(parts) or "<p>Körningen innehåller inga rapporter.</p>"


READING_GUIDE = """<h2>Så läser du rapporterna</h2>
<dl>
<dt>saknas</dt>
<dd>Det finns inget värde att visa: statistiken finns inte för den kommunen eller det året (till exempel gjordes
inga nationella prov i åk 3 2020 och 2021), eller så finns ingen kommunal serie för indikatorn. Ett värde som saknas
blir aldrig en nolla eller en gissning.</dd>
<dt>.. (två punkter)</dt>
<dd>Prickat värde: källan (Skolverket eller Kolada) har inte publicerat siffran, oftast för att så få elever ingår
att enskilda elever annars skulle kunna pekas ut. I rapporterna visas det som ”saknas”.</dd>
<dt>Intervall</dt>
<dd>Ett 95-procentsintervall visar hur osäker en beräkning är, till exempel en trend: det verkliga värdet ligger
troligen inom intervallet. Resultaten skiftar mellan årskullar, särskilt i små kommuner, och då blir intervallet
brett. En förändring kallas säker först när hela intervallet ligger på samma sida om noll.</dd>
<dt>Ingen rangordning</dt>
<dd>Rapporterna jämför varje kommun med sig själv över tid. Riket och länet (i översikten även FGTE-kommunerna
tillsammans) visas som jämförelse, inte som en tävling. Därför står kommunerna i kodordning (kommunkod) och inte
efter resultat.</dd>
</dl>"""

INTRO = f"""<h2>Om From Great to Excellent</h2>
<p>From Great to Excellent (FGTE) är ett samarbete mellan Kungsbacka, Varberg, Halmstad, Laholm och Hylte,
tillsammans med Region Halland och Högskolan i Halmstad. Samarbetets gemensamma mål är att</p>
<blockquote><p>”{escape(FGTE_GOAL)}”</p></blockquote>
<p class="source">Källa: {escape(FGTE_GOAL_SOURCE)}.</p>
<p>Rapporterna följer {len(INDICATORS)} indikatorer från nationell statistik (Skolverket och Kolada), från åk 3 till
gymnasiet, och visar hur resultaten i varje kommun utvecklas över tid.</p>"""


def reader_index_html(*, title: str, reports: list, publisher: dict, updated: str) -> str:
    """The reader's page (no notebook names, executed notebooks, run times, hashes or status words)."""
    from ..publisher import publisher_html

    body = f"""<main>
<h1>{escape(title)}</h1>
{INTRO}
<h2>Rapporter</h2>
{_reports_html(reports)}
{READING_GUIDE}
</main>
<footer>
<p>{publisher_html(publisher)}</p>
<p>Sidan uppdaterades {escape(updated)}. <a href="{LOG_FILE}">Teknisk körlogg</a> – för den som tar fram
rapporterna: vilka rapporter som kördes, hur lång tid det tog och eventuella fel.</p>
</footer>"""
    return _page(title, body)


# ------------------------------------------------------------------------------------------------ technical log
def log_html(*, title: str, reports: list, info: dict, total_seconds: float, updated: str) -> str:
    """The technical run log: status, time, notebook, executed notebook and error of every report."""
    n_ok = sum(r.status == "ok" for r in reports)
    n_cached = sum(r.status == "cached" for r in reports)
    n_failed = sum(r.status == "failed" for r in reports)
    n_stale = sum(r.status == STALE for r in reports)
    labels = ("Rapport", "Anteckningsbok", "Kommun/urval/insats", "År", "Status", "Tid", "Körd anteckningsbok")

    def row(cells: list[str]) -> str:
        return "<tr>" + "".join(f'<td data-label="{escape(label)}"{cls}>{text}</td>'
                                for label, (text, cls) in zip(labels, cells)) + "</tr>"

    rows = []
    for r in reports:
        cls = f' class="status-{STATUS_CLASS.get(r.status, "failed")}"'
        when = "" if r.status != "cached" else " (tidigare körning)"
        year = escape(str(r.context.get("ar", "–")))
        common = [(escape(r.notebook), ""), (escape(_what(r.context)), ""), (year, "")]
        if r.status == "failed":
            rows.append(row([(escape(r.id), "")] + common + [
                (f'{STATUS_SV[r.status]} – <a href="#{_anchor(r.id)}">se fel</a>', cls),
                (_seconds_sv(r.seconds), ' class="num"'),
                (_link(r.failed_notebook, "körd anteckningsbok") if r.failed_notebook else "–", "")]))
            continue
        status = STATUS_SV[r.status]
        if r.status == STALE:
            status = f'{status} – <a href="#{_anchor(r.id)}">se fel</a>'
        for out in r.outputs:
            rows.append(row([(_link(out["html"], out["title"]), "")] + common + [
                (status, cls), (_seconds_sv(r.seconds) + when, ' class="num"'),
                (_link(out["ipynb"], "ipynb"), "")]))
    failures = [r for r in reports if r.status in ("failed", STALE)]
    fail_html = ""
    if failures:
        items = []
        for r in failures:
            nb_link = (f"<p>Den körda anteckningsboken med felet finns kvar: "
                       f"{_link(r.failed_notebook, r.failed_notebook)}</p>" if r.failed_notebook
                       else "<p>Ingen körd anteckningsbok kunde sparas.</p>")
            kept = ("<p>Rapporten är föråldrad: förra, lyckade versionen ligger kvar och visas på rapportsidan.</p>\n"
                    if r.status == STALE else "")
            items.append(f'<h3 id="{_anchor(r.id)}">{escape(r.id)} ({escape(r.notebook)}, '
                         f"{escape(_what(r.context))})</h3>\n{kept}<pre>{escape(r.error or 'okänt fel')}</pre>\n{nb_link}")
        fail_html = "<h2>Misslyckade rapporter</h2>\n" + "\n".join(items)
    stale = f" ({n_stale} av dem föråldrade: förra versionen visas)" if n_stale else ""
    summary = (f"{count_sv(len(reports), 'rapport', 'rapporter')}: "
               f"{outcome_counts_sv(n_ok, n_cached, n_failed + n_stale)}{stale}. "
               f"Körtid {_seconds_sv(total_seconds)}.")
    head = ("<th scope=\"col\">" + "</th><th scope=\"col\">".join(escape(label) for label in labels) + "</th>")
    body = f"""<main>
<h1>Teknisk körlogg: {escape(title)}</h1>
<p><a href="{INDEX_FILE}">Till rapportsidan</a></p>
<p class="summary">{escape(summary)}</p>
<p class="meta">Uppdaterad {escape(updated)} med fgte-research {escape(info['version'])}; databygge
<code>{escape(info['data_hash'][:12])}</code>; körspecifikation <code>{escape(info['source'])}</code>.
Oförändrade rapporter har inte körts om (samma anteckningsbok, parametrar, data och programversion).</p>
<h2>Rapporter</h2>
<table class="stack">
<caption>Varje rapport i körningen med status, tid och den körda anteckningsboken</caption>
<thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
{fail_html}
</main>"""
    return _page(f"Teknisk körlogg – {title}", body)


# ------------------------------------------------------------------------------------------------ both
def render_index(run_dir: Path, *, title: str, reports: list, info: dict, total_seconds: float,
                 publisher: dict | None = None) -> Path:
    """Write korlogg.html and index.html atomically; returns the path of index.html.

    ``reports`` are :class:`~fgte_research.publish.runner.ReportResult`; ``publisher`` is
    :func:`fgte_research.publisher.load_publisher` (read here when not given)."""
    if publisher is None:
        from ..publisher import load_publisher

        publisher = load_publisher()
    run_dir = Path(run_dir)
    now = dt.datetime.now().astimezone()
    write_text_atomic(run_dir / LOG_FILE, log_html(title=title, reports=reports, info=info,
                                                   total_seconds=total_seconds,
                                                   updated=now.strftime("%Y-%m-%d %H:%M")))
    path = run_dir / INDEX_FILE
    write_text_atomic(path, reader_index_html(title=title, reports=reports, publisher=publisher,
                                              updated=now.strftime("%Y-%m-%d")))
    return path
