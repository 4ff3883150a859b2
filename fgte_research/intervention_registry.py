"""The intervention registry: params/interventions.yaml, loaded and validated.

A malformed file raises :class:`RegistryError` (a ``ValueError``) naming the file, the entry and the field; the
file is read by :func:`fgte_research.safe_yaml.read_yaml` (no anchors/aliases, size and nesting limits). Municipality codes
must be quoted 4-digit strings (YAML reads an unquoted 0114 as the octal number 76, so numbers are
refused rather than guessed). ``first_treated_year`` may be null only together with a ``note``
saying why; designs need it, so :meth:`Intervention.require_year` raises with that note.

It stands outside the ``interventions`` package (which re-exports it, also as ``interventions.registry``) so
that reading the registry does not import every design: the publishing layer checks the registry before any
report runs, and the package's import (statsmodels, scipy.stats) was 1.5 s of an unchanged re-run's 3.5 s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import FgteError, InputError
from .safe_yaml import YamlError, numeric_code_message, read_yaml
from .contract import one_line, plain_text

FIELDS_REQUIRED = ("id", "name", "municipalities", "first_treated_year", "description", "sources",
                   "assumptions", "status")
FIELDS_OPTIONAL = ("note", "selected_on_low_results")
STATUSES = ("pågående", "avslutad", "planerad", "ofullständig")
_CODE = re.compile(r"^\d{4}$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Assumption:
    """A statement the registry relies on without a source saying it; ``concerns`` names the field."""

    text: str
    concerns: str


@dataclass(frozen=True)
class Intervention:
    id: str
    name: str
    municipalities: tuple[str, ...]
    first_treated_year: int | None
    description: str
    sources: tuple[str, ...]
    assumptions: tuple[Assumption, ...]
    status: str
    note: str | None = None
    #: the municipalities were chosen for their low results (a targeted programme): the study adds a
    #: regression-to-the-mean check with placebos drawn the same way
    selected_on_low_results: bool = False

    def is_assumed(self, field: str) -> bool:
        """True when the value of ``field`` rests on a marked assumption."""
        return any(a.concerns == field for a in self.assumptions)

    def require_year(self) -> int:
        if self.first_treated_year is None:
            raise InputError(f"Insatsen '{self.id}' saknar första påverkade år"
                             + (f" ({self.note})" if self.note else "") + "; ange first_treated_year själv.")
        return self.first_treated_year


def default_path() -> Path:
    return paths.params_dir() / "interventions.yaml"


class RegistryError(FgteError, ValueError):
    """params/interventions.yaml cannot be read or is malformed (one Swedish line naming the file)."""


def _fail(path: Path, index: int, entry_id, field: str | None, problem: str) -> RegistryError:
    where = f"post {index + 1}" + (f" (id '{entry_id}')" if entry_id else "")
    fld = f", fält '{field}'" if field else ""
    return RegistryError(f"{path}: {where}{fld}: {problem}")


def _parse_entry(path: Path, i: int, raw) -> Intervention:
    if not isinstance(raw, dict):
        raise _fail(path, i, None, None, "posten måste vara en mappning med fälten " + ", ".join(FIELDS_REQUIRED))
    eid = raw.get("id")

    def fail(field, problem):
        return _fail(path, i, eid, field, problem)

    for f in FIELDS_REQUIRED:
        if f not in raw:
            raise fail(f, "fältet saknas")
    unknown = sorted(set(raw) - set(FIELDS_REQUIRED) - set(FIELDS_OPTIONAL))
    if unknown:
        raise fail(unknown[0], "okänt fält (stavfel?)")
    if not isinstance(eid, str) or not _ID.match(eid):
        raise fail("id", f"id måste vara text med bokstäver, siffror, '-' eller '_', fick {eid!r}")
    for f in ("name", "description", "status"):
        if not isinstance(raw[f], str) or not raw[f].strip():
            raise fail(f, "måste vara en icke-tom text")
    if raw["status"] not in STATUSES:
        raise fail("status", f"okänd status {raw['status']!r}; tillåtna: {', '.join(STATUSES)}")
    munis = raw["municipalities"]
    if not isinstance(munis, list) or not munis:
        raise fail("municipalities", "måste vara en icke-tom lista med kommunkoder")
    for code in munis:
        if not isinstance(code, str):
            if isinstance(code, int) and not isinstance(code, bool):  # an unquoted 0162 is the octal number 114
                raise fail("municipalities", numeric_code_message(code))
            raise fail("municipalities", f"kommunkoden {code!r} har fel format: skriv den som text inom "
                                         "citattecken, t.ex. \"0114\"")
        if not _CODE.match(code):
            raise fail("municipalities", f"kommunkoden {code!r} har fel format: fyra siffror krävs, t.ex. \"1381\"")
    if len(set(munis)) != len(munis):
        raise fail("municipalities", "samma kommunkod förekommer flera gånger")
    year = raw["first_treated_year"]
    note = raw.get("note")
    if year is None:
        if not isinstance(note, str) or not note.strip():
            raise fail("first_treated_year", "årtalet saknas (null); ange ett heltal eller förklara i fältet 'note'")
    elif isinstance(year, bool) or not isinstance(year, int):
        raise fail("first_treated_year", f"årtalet måste vara ett heltal, fick {year!r}")
    elif not 1990 <= year <= 2100:
        raise fail("first_treated_year", f"årtalet {year} är orimligt (förväntat 1990–2100)")
    sources = raw["sources"]
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s.strip() for s in sources):
        raise fail("sources", "måste vara en icke-tom lista med källor som text")
    assumptions = raw["assumptions"]
    if assumptions is None:
        assumptions = []
    if not isinstance(assumptions, list):
        raise fail("assumptions", "måste vara en lista (tom lista om inga antaganden görs)")
    parsed = []
    for a in assumptions:
        if (not isinstance(a, dict) or set(a) != {"assumption", "concerns"}
                or not isinstance(a["assumption"], str) or not a["assumption"].strip()):
            raise fail("assumptions", "varje antagande skrivs som {assumption: \"text\", concerns: fältnamn}")
        if a["concerns"] not in FIELDS_REQUIRED:
            raise fail("assumptions", f"antagandet gäller okänt fält {a['concerns']!r}")
        parsed.append(Assumption(plain_text(a["assumption"]).strip(), a["concerns"]))
    if note is not None and not isinstance(note, str):
        raise fail("note", "måste vara text")
    low = raw.get("selected_on_low_results", False)
    if not isinstance(low, bool):
        raise fail("selected_on_low_results", f"måste vara true eller false, fick {low!r}")
    # user text: a name is one line without invisible or direction-changing characters; prose keeps its lines
    return Intervention(eid, one_line(raw["name"]), tuple(munis), year, plain_text(raw["description"]).strip(),
                        tuple(one_line(s) for s in sources), tuple(parsed), raw["status"],
                        None if note is None else plain_text(note).strip(), low)


#: Parsed registries per file state (path, inode, mtime, size): one report asked for it 4 times (0.03 s of YAML each).
_PARSED: dict[tuple, dict[str, Intervention]] = {}


def load_registry(path: str | Path | None = None) -> dict[str, Intervention]:
    """Read and validate the registry; returns {id: Intervention} in file order.

    The parse is remembered per state of the file (a stat, so an edit is read at once); every call gets its own
    dict of the frozen entries."""
    path = Path(path) if path is not None else default_path()
    key = paths.file_state(path)  # None: read_yaml gives the Swedish message for a missing or unreadable file
    if key is not None and key in _PARSED:
        return dict(_PARSED[key])
    out = _parse_registry(path)
    if key is not None:
        if len(_PARSED) > 16:
            _PARSED.clear()
        _PARSED[key] = out
    return dict(out)


def _parse_registry(path: Path) -> dict[str, Intervention]:
    try:
        doc = read_yaml(path, what="insatsregistret", plural="insatsregistret", missing="registerfilen saknas")
    except YamlError as exc:
        raise RegistryError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("interventions"), list):
        raise RegistryError(f"{path}: filen måste ha en lista under nyckeln 'interventions'")
    out: dict[str, Intervention] = {}
    for i, raw in enumerate(doc["interventions"]):
        entry = _parse_entry(path, i, raw)
        if entry.id in out:
            raise _fail(path, i, entry.id, "id", f"id '{entry.id}' förekommer redan i en tidigare post")
        out[entry.id] = entry
    return out


def get_intervention(intervention_id: str, path: str | Path | None = None) -> Intervention:
    registry = load_registry(path)
    if intervention_id not in registry:
        raise InputError(f"Okänd insats '{intervention_id}'; registret innehåller: {', '.join(registry)}.")
    return registry[intervention_id]


__all__ = ["Assumption", "FIELDS_OPTIONAL", "FIELDS_REQUIRED", "Intervention", "RegistryError", "STATUSES",
           "default_path", "get_intervention", "load_registry"]
