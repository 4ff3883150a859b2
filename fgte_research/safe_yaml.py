"""The one way the tool reads YAML (run specifications, params/interventions.yaml, params/publisher.yaml, any file
a user names): base layer, yaml only.

Every YAML file the tool reads is a page of hand-written settings, so anything a hostile or careless file could use
to exhaust the machine is refused before or while it is parsed, never after:

- **anchors and aliases** (``&a`` / ``*a``): nested aliases ("billion laughs") expand 356 bytes into gigabytes;
  none of the files has a use for them;
- **size**: at most :data:`MAX_BYTES` are read (also from a file that grows or never ends, such as a FIFO);
- **nesting**: at most :data:`MAX_DEPTH` levels of sequences/mappings (PyYAML composes nodes recursively, so 10 KB
  of ``[`` would otherwise end in RecursionError);
- the text must be UTF-8 (UTF-16 and Latin-1 are named as such).

A problem raises :class:`YamlError`: one Swedish line (no newline) naming the file, with ``problem`` alone for
callers that frame it in their own sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import FgteError

#: A settings file is a page or two; the largest shipped one (params/interventions.yaml) is about 5 KB.
MAX_BYTES = 256 * 1024
#: Deepest nesting of sequences/mappings; the shipped files need 4 (registry: list → entry → assumptions → item).
MAX_DEPTH = 20


class YamlError(FgteError, ValueError):
    """A YAML file cannot be read safely. ``source``: the file as shown; ``problem``: one Swedish line."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = " ".join(str(problem).split())  # one line, whatever a parser message held
        super().__init__(f"{source}: {self.problem}")


class _Refused(Exception):
    def __init__(self, reason: str, mark):
        super().__init__(reason)
        self.reason = reason
        self.line = mark.line + 1 if mark is not None else None


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and nesting deeper than ``max_depth`` while composing."""

    max_depth = MAX_DEPTH

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("alias", event.start_mark)
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise _Refused("depth", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, source: str, *, plural: str = "de YAML-filer verktyget läser",
               max_depth: int = MAX_DEPTH) -> Any:
    """The YAML document in ``text`` (already read and size-checked); :class:`YamlError` if it cannot be read.

    ``plural`` names the kind of file in the alias message ("körspecifikationer")."""
    loader_class = type("_Loader", (_SafeLoader,), {"max_depth": max_depth})
    try:
        return yaml.load(text, Loader=loader_class)  # noqa: S506 - a SafeLoader subclass
    except _Refused as exc:
        where = f" (rad {exc.line})" if exc.line else ""
        if exc.reason == "alias":
            raise YamlError(source, f"YAML-ankare och alias (&namn, *namn) är inte tillåtna i {plural}{where}; "
                                    "skriv ut värdena") from None
        raise YamlError(source, f"filen är nästlad i fler än {max_depth} nivåer{where}; så djupa listor och "
                                "mappningar behövs aldrig här") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (rad {mark.line + 1}, kolumn {mark.column + 1})" if mark is not None else ""
        raise YamlError(source, f"filen kan inte läsas som YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(source, f"filen kan inte läsas som YAML: {exc}") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4300 digits
        raise YamlError(source, f"filen innehåller ett värde som inte kan läsas ({exc})") from None


def read_yaml(path: str | Path, source: str | None = None, *, what: str = "en YAML-fil",
              plural: str = "de YAML-filer verktyget läser", missing: str | None = None, empty: str | None = None,
              max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The YAML document of the file at ``path``, read under every limit above.

    ``source``: the file as messages show it (default: the path); ``what``: the kind of file in the size
    message ("en körspecifikation"); ``missing``: the problem for a file that does not exist (default
    "filen finns inte"); ``empty``: if given, a file of only blank and comment lines is refused with it
    (otherwise it is the document None)."""
    path = Path(path)
    source = str(path) if source is None else source
    if path.is_dir():
        raise YamlError(source, "sökvägen är en mapp, inte en YAML-fil")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise YamlError(source, f"filen är {size // 1024} KB; {what} får vara högst {max_bytes // 1024} KB")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # not more: a FIFO or a growing file has no honest size
    except FileNotFoundError:
        raise YamlError(source, missing or "filen finns inte") from None
    except OSError as exc:
        raise YamlError(source, f"filen kan inte läsas ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise YamlError(source, f"filen är över {max_bytes // 1024} KB; {what} får vara högst {max_bytes // 1024} KB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 2 and b"\x00" in data[:2]):
        raise YamlError(source, "filen är UTF-16-kodad; spara den som UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(source, f"filen är inte UTF-8-kodad (byte 0x{data[exc.start]:02x} på rad {line}, troligen "
                                "Latin-1/Windows-1252); spara den som UTF-8") from None
    if empty is not None and all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise YamlError(source, empty)
    return parse_yaml(text, source, plural=plural, max_depth=max_depth)


def numeric_code_message(value: int) -> str:
    """Swedish message for a municipality code written as a YAML number (never silently turned into a code): the
    one wording for run specifications and the intervention registry.

    YAML reads an unquoted 0162 as the octal number 114, and 0114 as 76; a code such as 1380 is read as a number
    too. Either way the code must be quoted."""
    if 0o100 <= value <= 0o777:  # "0100"–"0777" unquoted: octal, like the county-01–07 codes
        guess = f"0{value:o}"
        return (f"kommunkoden står som talet {value} – YAML läser {guess} utan citattecken som ett oktalt tal; "
                f"skriv koden inom citattecken, t.ex. \"{guess}\"")
    guess = f"{value:04d}" if 0 < value <= 9999 else "0162"
    return f"kommunkoden står som talet {value}; skriv koden inom citattecken, t.ex. \"{guess}\""
