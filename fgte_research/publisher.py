"""Who publishes the reports: ``params/publisher.yaml``, read and checked (base layer: paths and safe_yaml only).

The file::

    publisher: "FGTE-samverkan: Kungsbacka, …"   # who publishes the reports (text, required)
    contact: ""                                  # contact (e-mail, phone); empty = not shown
    url: ""                                      # web page, http:// or https://; empty = not shown

:func:`load_publisher` returns the three fields as text (missing or null ``contact``/``url`` become "");
any problem raises :class:`PublisherError` with a Swedish message naming the file (the file is read by
:func:`fgte_research.safe_yaml.read_yaml`: no anchors/aliases, at most 64 KB, limited nesting). :func:`publisher_html`
renders them with every value HTML-escaped; :func:`publisher_sv` as plain text. The publishing index and the
report footer use the same loader.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from . import paths
from .errors import FgteError
from .safe_yaml import YamlError, read_yaml

FILE_NAME = "publisher.yaml"
FIELDS = ("publisher", "contact", "url")
REQUIRED = ("publisher",)
#: Three short fields; a larger file is not a publisher file.
MAX_BYTES = 64 * 1024


class PublisherError(FgteError, ValueError):
    """params/publisher.yaml is missing or malformed (Swedish message naming the file)."""


def publisher_path() -> Path:
    return paths.params_dir() / FILE_NAME


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(paths.project_root()).as_posix()
    except ValueError:
        return str(path)


def load_publisher(path: str | Path | None = None) -> dict[str, str]:
    """``{"publisher": ..., "contact": ..., "url": ...}`` from params/publisher.yaml (or ``path``)."""
    path = Path(path) if path is not None else publisher_path()
    shown = _display(path)

    def fail(problem: str) -> PublisherError:
        return PublisherError(f"Fel i {shown}: {problem}")

    try:
        doc = read_yaml(path, shown, what="utgivarfilen", plural="utgivarfilen", max_bytes=MAX_BYTES,
                        missing="filen finns inte. Skapa den med fälten publisher (utgivare), contact (kontakt, får "
                                "vara tom) och url (får vara tom).")
    except YamlError as exc:
        raise fail(exc.problem) from None
    if not isinstance(doc, dict):
        raise fail("filen måste vara en YAML-mappning med fälten " + ", ".join(FIELDS))
    unknown = sorted(str(k) for k in doc if k not in FIELDS)
    if unknown:
        raise fail(f"okänt fält {', '.join(unknown)}; giltiga fält: {', '.join(FIELDS)}")
    out: dict[str, str] = {}
    for name in FIELDS:
        value = doc.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise fail(f"fältet {name} måste vara text inom citattecken, inte {value!r}")
        out[name] = value.strip()
    for name in REQUIRED:
        if not out[name]:
            raise fail(f"fältet {name} saknas eller är tomt; skriv vem som ger ut rapporterna")
    if out["url"] and not out["url"].lower().startswith(("https://", "http://")):
        raise fail(f"fältet url måste börja med https:// eller http://, inte {out['url']!r}")
    return out


def publisher_sv(info: dict[str, str]) -> str:
    """Plain Swedish text: "Utgivare: …. Kontakt: …. Webbplats: …" (contact and url only when given)."""
    parts = [f"Utgivare: {info['publisher']}."]
    if info.get("contact"):
        parts.append(f"Kontakt: {info['contact']}.")
    if info.get("url"):
        parts.append(f"Webbplats: {info['url']}")
    return " ".join(parts)


def publisher_html(info: dict[str, str]) -> str:
    """The same as :func:`publisher_sv` as HTML; every value escaped (the file is user-editable)."""
    parts = [f"Utgivare: {escape(info['publisher'])}."]
    if info.get("contact"):
        parts.append(f"Kontakt: {escape(info['contact'])}.")
    url = info.get("url") or ""
    if url and url.lower().startswith(("https://", "http://")):
        parts.append(f'Webbplats: <a href="{escape(url, quote=True)}">{escape(url)}</a>')
    return " ".join(parts)
