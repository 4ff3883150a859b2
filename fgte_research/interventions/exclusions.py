"""The placebo exclusion list (``params/placebo_exclusions.yaml``): municipalities in other known programmes.

A municipality that had an intervention of its own is no picture of "what happens without one", so it must not be
a placebo. The registry's municipalities are always left out; this list adds those in other programmes, each with
the reason and a source. A missing file is an empty list.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from .. import paths
from ..errors import InputError

_CODE = re.compile(r"^\d{4}$")
MAX_BYTES = 256 * 1024


def default_path() -> Path:
    return paths.params_dir() / "placebo_exclusions.yaml"


def load_exclusions(path: str | Path | None = None) -> dict[str, str]:
    """{municipality code: reason} from the exclusion list; ValueError (Swedish, naming the file) if malformed."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        return {}
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES or b"&" in raw and re.search(rb"(^|\s)[&*][A-Za-z0-9_]", raw):
        raise InputError(f"{path}: filen är för stor eller använder YAML-ankare/alias, vilket inte tillåts")
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: filen kan inte läsas som YAML ({type(exc).__name__})") from None
    entries = (doc or {}).get("exclusions", []) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: filen måste ha en lista under nyckeln 'exclusions'")
    out: dict[str, str] = {}
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("municipality"), str) \
                or not _CODE.match(e["municipality"]) or not str(e.get("reason") or "").strip() \
                or not str(e.get("source") or "").strip():
            raise InputError(f"{path}: post {i + 1}: varje post behöver municipality (fyra siffror inom "
                             "citattecken), reason och source")
        out[e["municipality"]] = str(e["reason"]).strip()
    return out
