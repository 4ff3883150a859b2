"""Cache keys and the run manifest (``reports/<run>/manifest.json``).

A report is skipped when its key equals the key recorded for its last *successful* render and
all its HTML files still exist. The key is a SHA-256 over:

- the source notebook's bytes,
- the parameters passed to it, its variants and ``show_code``,
- the processed-data content hash (``fgte_research.build.panel_hash()``),
- ``fgte_research.__version__`` and a fingerprint of the library's source files (a fix in
  ``progression.py`` changes the reports even when the version number does not),
- the inputs under ``params/`` that notebooks read (``interventions.yaml``, ``local/``; not
  ``runs/``, whose relevant content is already in the parameters),
- :data:`FORMAT_VERSION` and the kernel name.

Failed reports are always retried.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import __version__, paths
from ..atomic import write_text_atomic
from ..store import package_fingerprint

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_fingerprint() -> str:
    """Hash of every .py file of the fgte_research package (paths and contents), read now."""
    return package_fingerprint()


#: The parameter files every report reads: the intervention registry and the publisher (footer).
SHARED_PARAMS = ("interventions.yaml", "publisher.yaml")


def params_fingerprint(municipality_id: str | None = None) -> str:
    """Hash of the parameter files a report reads: the shared ones, and the municipality's own soft-value files
    (``params/local/<kommunkod>_*.csv``) when the report is about one municipality. Nothing else in params/ (a
    README, another municipality's files, run specifications) changes a report's cache key."""
    root = paths.params_dir()
    files = [root / name for name in SHARED_PARAMS]
    if municipality_id:
        files += sorted((root / "local").glob(f"{municipality_id}_*.csv"))
    h = hashlib.sha256()
    for p in files:
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def job_key(job, data_hash: str, *, kernel_name: str, notebook_digests: dict | None = None,
            params_fp: str | None = None, code_fp: str | None = None) -> str:
    digests = notebook_digests if notebook_digests is not None else {}
    nb_digest = digests.get(job.notebook) or _file_digest(job.notebook)
    digests[job.notebook] = nb_digest
    payload = {
        "format": FORMAT_VERSION,
        "version": __version__,
        "code": code_fp if code_fp is not None else code_fingerprint(),
        "params_files": params_fp if params_fp is not None else params_fingerprint(),
        "notebook": nb_digest,
        "parameters": job.parameters,
        "variants": list(job.variants),
        "show_code": job.show_code,
        "data": data_hash,
        "kernel": kernel_name,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _well_formed(entry) -> bool:
    """A manifest entry of the shape the runner writes; any other (hand-edited, damaged) is dropped: that report
    counts as never rendered."""
    if not isinstance(entry, dict):
        return False
    outputs = entry.get("outputs", [])
    if not isinstance(outputs, list) or not all(
            isinstance(o, dict) and isinstance(o.get("html"), str) and isinstance(o.get("ipynb"), str)
            and isinstance(o.get("title", ""), str) and isinstance(o.get("variant", ""), str) for o in outputs):
        return False
    seconds = entry.get("seconds")
    return (all(isinstance(entry.get(k), (str, type(None))) for k in
                ("key", "status", "error", "failed_notebook", "published", "finished", "notebook"))
            and (seconds is None or (isinstance(seconds, (int, float)) and not isinstance(seconds, bool)))
            and isinstance(entry.get("parameters", {}), dict))


class Manifest:
    """What was rendered in a run folder: per job id its key, status, time, outputs and error."""

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / MANIFEST_NAME
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = {k: v for k, v in dict(doc.get("reports", {})).items() if _well_formed(v)}
            except (ValueError, OSError, AttributeError, TypeError, RecursionError):
                self.entries = {}  # unreadable manifest: everything is re-rendered

    def is_fresh(self, job_id: str, key: str, run_dir: Path) -> bool:
        entry = self.entries.get(job_id)
        if not entry or entry.get("key") != key or entry.get("status") != "ok":
            return False
        outputs = entry.get("outputs") or []
        return bool(outputs) and all((Path(run_dir) / o["html"]).is_file() for o in outputs)

    def record(self, job_id: str, entry: dict) -> None:
        self.entries[job_id] = entry

    def save(self, extra: dict | None = None) -> None:
        doc = {"format": FORMAT_VERSION, **(extra or {}), "reports": dict(sorted(self.entries.items()))}
        write_text_atomic(self.path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
