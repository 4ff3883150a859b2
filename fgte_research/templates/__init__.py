"""The reader-facing HTML's templates and the one Jinja2 environment that renders them.

Autoescape is on for every template, so text from a file a user edits (intervention names, soft-value titles,
captions) is escaped by the template, not by each caller; only HTML the library itself built is passed in as
:class:`markupsafe.Markup`. StrictUndefined makes a missing variable an error instead of an empty string, so a
renamed field cannot silently drop a sentence from a report.
"""

from __future__ import annotations

from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

ENV = Environment(loader=PackageLoader("fgte_research", "templates"), autoescape=True,
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, /, **context) -> str:
    """Render ``template`` (e.g. ``"table.html.j2"``); a plain ``str``, so callers may concatenate it with HTML they
    built (a ``Markup`` on the left of ``+`` would escape the right-hand side)."""
    return str(ENV.get_template(template).render(**context))


def html(text: str) -> Markup:
    """Mark HTML the library itself built as safe for a template. Never for user text."""
    return Markup(text)


def css(name: str = "annual.css") -> str:
    """A stylesheet shipped beside the templates."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")
