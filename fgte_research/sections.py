"""The reports' text sections, written once and rendered twice: HTML for the published reports, Markdown for a
researcher who wants the text in a notebook cell or a document.

A section is a list of blocks (:class:`Heading`, :class:`Para`, :class:`Bullets`, :data:`RULE`) of plain text.
:func:`to_html` renders it through a Jinja2 template with autoescape, :func:`to_markdown` escapes it for
Markdown; neither trusts the text, so a name from the registry or a title from a local file is literal in both.
Sentences the library itself wrote may mark a file name or a code as code with backticks: they are
:class:`Prose`, and only they (never user text) get code spans.

The builders below (``gap_section``, ``soft_values``, ``data_notes``, ``provenance``, ``study``, ``indicator``)
are the one source of each section's words; ``report.*_md`` and the notebooks both call them. Presentation
layer: builders read results, they compute nothing a report does not already compute (the gap models come in
as :class:`~fgte_research.annual_results.GapModels`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from . import __version__, breaks, catalogue
from . import municipalities as mun
from . import store
from .annual_results import GapModels
from .contract import DataMissing, escape_markdown_text, plain_text
from .templates import render
from .text_sv import fmt_num


class Prose(str):
    """A sentence the library wrote, in which `backticks` mark code (a file name, a series id)."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 4

    def __post_init__(self):  # HTML's levels 1–6, kept here once for both renderings
        object.__setattr__(self, "level", min(max(int(self.level), 1), 6))


@dataclass(frozen=True)
class Para:
    """A paragraph: an optional bold lead (``"Källor:"``), then the text; ``emphasis`` sets it in italics."""

    text: str
    lead: str = ""
    emphasis: bool = False


@dataclass(frozen=True)
class Bullets:
    items: tuple[Para, ...]


@dataclass(frozen=True)
class _Rule:
    pass


RULE = _Rule()

Block = Heading | Para | Bullets | _Rule

_CODE = re.compile(r"`([^`\n]+)`")
#: An http(s) address up to a space, not taking a closing punctuation mark with it.
_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")


def heading(text: str, level: int = 4) -> Heading:
    return Heading(str(text), level)


def para(text: str, lead: str = "", emphasis: bool = False) -> Para:
    return Para(text, lead, emphasis)


def paragraphs(text: str) -> list[Para]:
    """A library summary (lines separated by newlines, as ``summary_sv()`` returns them): one paragraph per line."""
    return [Para(Prose(line)) for line in str(text).split("\n") if line.strip()]


def bullets(items: Iterable[Para | str]) -> Bullets:
    return Bullets(tuple(i if isinstance(i, Para) else Para(i) for i in items))


# ---------------------------------------------------------------------------------------------- renderings
def _segments(text: str) -> list[tuple[str, str]]:
    """(kind, text) pieces, kind "text", "code" or "link": code spans only in :class:`Prose`; an http(s) address
    becomes a link in any text (a source in the registry is clickable, its address escaped like every text)."""
    prose = isinstance(text, Prose)
    text = plain_text(str(text))
    pieces = []
    at = 0
    for m in (_CODE.finditer(text) if prose else ()):
        pieces.append(("text", text[at:m.start()]))
        pieces.append(("code", m.group(1)))
        at = m.end()
    pieces.append(("text", text[at:]))
    out = []
    for kind, piece in pieces:
        if kind != "text":
            out.append((kind, piece))
            continue
        at = 0
        for m in _URL.finditer(piece):
            out += [("text", piece[at:m.start()]), ("link", m.group(0))]
            at = m.end()
        out.append(("text", piece[at:]))
    return [(k, t) for k, t in out if t]


def _para_view(p: Para) -> dict:
    return {"lead": plain_text(p.lead), "segments": _segments(p.text), "emphasis": p.emphasis}


def to_html(blocks: Sequence[Block], cls: str = "") -> str:
    """The section as HTML (every text escaped by the template's autoescape)."""
    view = []
    for b in blocks:
        if isinstance(b, Heading):
            view.append({"kind": "heading", "level": b.level, "text": plain_text(b.text)})
        elif isinstance(b, Para):
            view.append({"kind": "para", **_para_view(b)})
        elif isinstance(b, Bullets):
            view.append({"kind": "bullets", "entries": [_para_view(i) for i in b.items]})
        else:
            view.append({"kind": "rule"})
    return render("sections.html.j2", blocks=view, cls=cls)


def _md_para(p: Para) -> str:
    text = "".join(f"`{t}`" if kind == "code" else f"<{t}>" if kind == "link" else escape_markdown_text(t)
                   for kind, t in _segments(p.text))
    if p.emphasis and text:
        text = f"*{text}*"
    return (f"**{escape_markdown_text(p.lead)}** " if p.lead else "") + text


def to_markdown(blocks: Sequence[Block]) -> str:
    """The same section as Markdown (text escaped, so it renders literally)."""
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + escape_markdown_text(b.text))
        elif isinstance(b, Para):
            out.append(_md_para(b))
        elif isinstance(b, Bullets):
            out.append("\n".join("- " + _md_para(i) for i in b.items))
        else:
            out.append("---")
    return "\n\n".join(out)


# ---------------------------------------------------------------------------------------------- the sections
def report_title(title: str, subtitle: str = "") -> list[Block]:
    """A report's first heading and its italic lead (the page title comes from the notebook's metadata)."""
    return [heading(title, 1)] + ([para(subtitle, emphasis=True)] if subtitle else [])


def annual_title(municipality_id: str, year: int) -> list[Block]:
    return report_title(f"Årsrapport {year} – {mun.name_of(municipality_id)}",
                        f"From Great to Excellent: uppföljning av kommunens egen utveckling. Rapportår {year}: "
                        f"inget värde efter {year} används, och varje värde står med sitt år (flera källor slutar "
                        "tidigare).")


def regional_title(municipality_ids: Sequence[str], year: int) -> list[Block]:
    names = ", ".join(mun.name_of(m) for m in municipality_ids)
    return report_title(f"Regional översikt {year}",
                        f"{len(municipality_ids)} kommuner: {names}. Kommunerna visas i kodordning; ingen "
                        "rangordning.")


def intervention_title(entry) -> list[Block]:
    """An intervention study's head: name, description, sources and the registry's marked assumptions (all
    from params/interventions.yaml, a file a user edits: plain text, never code spans)."""
    out: list[Block] = [heading(f"Insatsstudie: {entry.name}", 1), para(entry.description),
                        para("; ".join(entry.sources), lead="Källor:")]
    if entry.assumptions:
        out += [para("", lead="Antaganden:"),
                bullets(para(f"{a.text} (gäller {a.concerns})") for a in entry.assumptions)]
    return out


def study(title: str, text: str, level: int = 4) -> list[Block]:
    """One study or result under its own heading: the library's summary, one paragraph per line. ``title`` may
    hold a registry name (plain text)."""
    return [heading(title, level)] + paragraphs(text)


def indicator_section(ind, text: str | None = None, missing: str | None = None, level: int = 3) -> list[Block]:
    """An indicator's heading and its summary, or "Saknas: …" with the reason."""
    head = heading(f"{ind.number}. {ind.title_sv}", level)
    if missing is not None:
        return [head, para(f"Saknas: {missing}")]
    return [head] + paragraphs(text or "")


#: Headings of the other gap measures (the keys of ``annual_results.GapModels.others``, which sets their order).
OTHER_GAP_HEADINGS = {"gender": "Flickor och pojkar", "newly_arrived": "Med och utan nyanlända",
                      "school_spread": "Spridning mellan skolor"}


def _titled_result(title: str, res) -> list[Block]:
    if isinstance(res, DataMissing):
        return [heading(title), para(f"Saknas: {res}")]
    return study(title, res.summary_sv())


def gap_section(models: GapModels) -> list[Block]:
    """The appendix's gap section: every SALSA-like model with its specification, the Skolverket-only years
    with their accuracy, then the other gap measures."""
    out: list[Block] = [para(
        f"Avser år till och med {models.year}. Gapet mellan förutsättningar och resultat uppskattas med en "
        "SALSA-liknande modell: varje år förklaras kommunernas resultat med elevernas bakgrund, och avvikelsen är "
        "faktiskt minus modellberäknat värde. En avvikelse är ingen rangordning: den blandar skolans arbete med "
        "allt modellen inte mäter.")]
    for outcome, res in models.salsa.items():
        out += _titled_result(catalogue.series(outcome).title_sv, res)  # the summary ends with the model
    if models.simpler:
        last = models.main_model_last_year
        out += [heading(f"{last + 1}–{models.year}: modell med bara Skolverkets uppgifter"),
                para(f"Koladas bakgrundsuppgifter i projektets data slutar {last}. För senare år används en enklare "
                     "modell med bara Skolverkets uppgifter om eleverna i åk 9 (föräldrarnas utbildning, andel "
                     "pojkar, andel med utländsk bakgrund). Den är mindre träffsäker än huvudmodellen; hur "
                     "träffsäker står vid varje mått.")]
        for outcome, res in models.simpler.items():
            median, lowest = models.simpler_accuracy[outcome]
            accuracy = (f"Träffsäkerhet: modellens avvikelser 2017–2022 följer Koladas officiella med "
                        f"korrelationen {fmt_num(median, 2)} (lägst {fmt_num(lowest, 2)}; 1 vore exakt samma).")
            title = catalogue.series(outcome).title_sv + "."
            if isinstance(res, DataMissing):
                out.append(para(f"Saknas: {res} {accuracy}", lead=title))
            else:
                out += [para(accuracy, lead=title)] + paragraphs(res.summary_sv())
    # models.others decides which measures there are and their order; a measure without a heading here fails
    # loudly (KeyError) instead of silently missing from the report
    for key, res in models.others.items():
        out += _titled_result(OTHER_GAP_HEADINGS[key], res)
    return out


def soft_values(municipality_id: str, year: int) -> list[Block]:
    """The appendix's soft values: the municipality's own files (summary, or why they could not be read), then
    the Kolada skolenkät values."""
    from . import soft_values as sv

    out: list[Block] = [para("Mjuka värden (trivsel, trygghet, inflytande) väljs lokalt och jämförs inte mellan "
                             "kommuner; här visas bara kommunens egen utveckling.")]
    if sv.local_files(municipality_id):
        try:
            # a local file's titles are user text: plain paragraphs, no code spans
            out += [para(line) for line in sv.soft_progression(municipality_id, year=year).summary_sv().split("\n")
                    if line.strip()]
        except sv.SoftValueFileError as exc:  # a broken local file affects this section only
            out.append(para(f"Kommunens egna uppgifter kunde inte läsas: {exc}."))
    else:
        out.append(para(Prose(f"{mun.name_of(municipality_id)} har inte lämnat egna filer i params/local "
                              f"(`{municipality_id}_<namn>.csv`; formatet beskrivs i `params/local/README.md`).")))
    out += paragraphs(sv.kolada_soft_values(municipality_id, year).summary_sv())
    return out


def data_notes(indicators=None) -> list[Block]:
    """Series used, populations, breaks and what is missing."""
    inds = [catalogue.indicator(i) for i in indicators] if indicators else list(catalogue.INDICATORS)
    items = []
    for ind in inds:
        lead = f"{ind.number}. {ind.title_sv}"
        if not ind.available:
            items.append(para(Prose(f"— saknas. {ind.missing_reason}"), lead=lead))  # the catalogue's own words
            continue
        used = ", ".join(f"{sid} ({catalogue.series(sid).population})" for sid in ind.headline)
        items.append(para(Prose(f"— serie: {used}. " + " ".join(ind.caveats)), lead=lead))
    notes = [para(f"{b.before}→{b.after} ({', '.join(b.series[:6])}{' …' if len(b.series) > 6 else ''}): "
                  f"{b.text_sv}") for b in breaks.BREAKS]
    return [bullets(items), para("", lead="Registrerade seriebrott"), bullets(notes),
            para("Prickade värden (..), saknade värden (.) och avrundade värden (~100) visas som 'saknas' och blir "
                 "aldrig siffror. Åren är vårterminer (2018 = läsåret 2017/18).")]


def provenance(parameters: dict) -> list[Block]:
    """Footer: data manifest hash, registry hash, panel content hash, package version, parameters, render date."""
    from .build import read_build_manifest

    manifest = read_build_manifest() or {}
    raw_hash = manifest.get("manifest_sha256", "saknas")[:16]
    registry_hash = (store.registry_digest() or "saknas")[:16]
    params = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())  # from params/: user text
    return [RULE, para(
        f"Rådatamanifest (data/raw/MANIFEST.csv) sha256 {raw_hash}: manifestet står för varje indatafil, eftersom "
        "det listar varje fils kontrollsumma och bygget vägrar filer som saknas i det; insatsregistret "
        f"(params/interventions.yaml) sha256 {registry_hash}; panelens innehållshash "
        f"{manifest.get('content_hash', 'saknas')[:16]}; fgte-research {__version__}; parametrar: {params}; "
        f"renderad {date.today().isoformat()}. Bearbetning av data från Kolada · Källa: Skolverket, egen "
        "bearbetning.", lead="Proveniens.")]


__all__ = ["Bullets", "Heading", "OTHER_GAP_HEADINGS", "Para", "Prose", "RULE", "annual_title", "bullets",
           "data_notes", "gap_section", "heading", "indicator_section", "intervention_title", "para",
           "paragraphs", "provenance", "regional_title", "report_title", "soft_values", "study", "to_html",
           "to_markdown"]
