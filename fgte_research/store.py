"""The results store: analyses computed once, read by every notebook and every later call.

A result is stored under ``data/processed/results/<version>/<kind>/<key>.pkl``, where ``<version>`` is a hash of

- the processed data's content hash (:func:`fgte_research.memo.current_hash`),
- the library's code (:func:`code_fingerprint`: every .py file of the package),
- the parameter files analyses read (``params/interventions.yaml``: intervention starts and registered groups),

so rebuilt data, changed code or a changed registry never meet an old result: they get a new folder (old folders
are left for ``fgte results clean``, never read again). ``<key>`` hashes the call's arguments.

:func:`cached` is the one entry point: the library's public calls (``annual.results_for``, ``study`` …) go through
it, so a researcher in JupyterLab gets exactly what the published report used, and a notebook computes only what
the store lacks. The compute-once pass (:mod:`fgte_research.precompute`) fills it for a whole run before the
notebooks execute. Writes are atomic (write aside, rename), so parallel kernels computing the same missing result
both write the same bytes and no reader sees half a file.

The stored objects are pickles of this code version's result objects (the version hash covers the code, so a pickle
is only ever read by the code that wrote it); the tidy tables of a run's results are also written as parquet
(:func:`write_tidy`, :func:`read_tidy`), the form for other tools.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from . import paths
from .atomic import atomic_path
from .memo import current_hash

T = TypeVar("T")

#: Set FGTE_RESULTS_STORE=0 to compute everything afresh (and store nothing), e.g. to time the computations.
ENV_SWITCH = "FGTE_RESULTS_STORE"
SUBDIR = "results"
_CODE: dict[str, str] = {}


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "1") not in ("0", "false", "nej", "no")


def package_fingerprint() -> str:
    """Hash of every .py file of the fgte_research package (relative paths and contents), read now."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def code_fingerprint() -> str:
    """:func:`package_fingerprint` once per process: the code a process has imported does not change under it."""
    if "fp" not in _CODE:
        _CODE["fp"] = package_fingerprint()
    return _CODE["fp"]


def registry_digest() -> str | None:
    """SHA-256 of params/interventions.yaml (None if there is none): part of the store's version, and named in
    every report's provenance footer."""
    registry = paths.params_dir() / "interventions.yaml"
    return hashlib.sha256(registry.read_bytes()).hexdigest() if registry.is_file() else None


def version() -> str:
    """The store folder's name for the current data, code and registry."""
    h = hashlib.sha256("\0".join([current_hash(), code_fingerprint(), registry_digest() or "-"]).encode())
    return h.hexdigest()[:20]


def root() -> Path:
    return paths.processed_dir() / SUBDIR / version()


def key_of(*parts) -> str:
    """A stable file name for a call's arguments (their repr: strings, numbers, tuples, None)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:24]


def path_of(kind: str, *parts) -> Path:
    return root() / kind / f"{key_of(*parts)}.pkl"


def read(kind: str, *parts):
    """The stored result, or None when the store does not have it."""
    if not enabled():
        return None
    path = path_of(kind, *parts)
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # unreadable entry (e.g. a disk filled up mid-write elsewhere): recompute it


def write(kind: str, value, *parts) -> None:
    """Store a result (atomically). A read-only processed folder just means nothing is stored."""
    if not enabled():
        return
    path = path_of(kind, *parts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass


def cached(kind: str, key: tuple, compute: Callable[[], T]) -> T:
    """The stored result for ``(kind, key)``; computed and stored when the store does not have it.

    Exceptions of ``compute`` (e.g. :class:`~fgte_research.contract.DataMissing`) propagate and are not stored.
    """
    found = read(kind, *key)
    if found is not None:
        return found
    value = compute()
    write(kind, value, *key)
    return value


def tidy_path(name: str) -> Path:
    return root() / f"{name}.parquet"


def write_tidy(name: str, frame: pd.DataFrame) -> Path:
    """A run's tidy results as one parquet table (e.g. ``tidy_2025_grundskola``)."""
    path = tidy_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def read_tidy(name: str) -> pd.DataFrame | None:
    path = tidy_path(name)
    return pd.read_parquet(path) if path.is_file() else None
