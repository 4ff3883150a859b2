"""The results store: analyses computed once, read by every notebook and every later call.

A result is stored under ``data/processed/results/<version>/<kind>/<key>.json.z``, where ``<version>`` is a hash of

- the processed data's content hash (:func:`fgte_research.memo.current_hash`),
- the library's code (:func:`code_fingerprint`: every .py file of the package),
- the parameter files analyses read (``params/interventions.yaml``: intervention starts and registered groups),
- the environment that shapes the numbers (:func:`environment`: Python, numpy, pandas, scipy, statsmodels,
  pyarrow and the file format's own version),

so rebuilt data, changed code, a changed registry or upgraded libraries never meet an old result: they get a new
folder (old folders are never read again; ``fgte results clean`` removes them, :func:`clean`). ``<key>`` hashes
the call's arguments.

An entry is data, not code (:mod:`fgte_research.storecodec`: JSON, zlib-compressed; no pickle): reading one can
build only plain values, pandas objects and the package's own result dataclasses. Every entry carries its own
kind, version and argument key and the SHA-256 of its payload; a caller may add a check of the content (the
annual results check the municipality). An entry that is unreadable, damaged or belongs to another key (e.g. a
file copied over another municipality's) is recomputed and rewritten, said once on stderr, never fatal and never
returned. A read-only or full store means "computed, not stored".

:func:`cached` is the one entry point: the library's public calls (``annual.results_for``, ``study`` …) go through
it, so a researcher in JupyterLab gets exactly what the published report used (a freshly computed result is
returned as the store gives it back, so the first call and every later one see the same objects), and a notebook
computes only what the store lacks. The compute-once pass (:mod:`fgte_research.precompute`) fills it for a whole
run before the notebooks execute. Writes are atomic (write aside, rename), so parallel kernels computing the same
missing result both write the same bytes and no reader sees half a file.

The tidy tables of a run's results are also written as parquet (:func:`write_tidy`, :func:`read_tidy`), the form
for other tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from . import paths, storecodec
from .atomic import atomic_path
from .memo import current_hash

T = TypeVar("T")

#: Set FGTE_RESULTS_STORE=0 to compute everything afresh (and store nothing), e.g. to time the computations.
ENV_SWITCH = "FGTE_RESULTS_STORE"
SUBDIR = "results"
#: The entry file format; part of the version, so a format change never meets old entries.
FORMAT = "fgte-resultat/2"
MAGIC = b"FGTE-RESULTAT 2\n"
SUFFIX = ".json.z"
#: An entry larger than this (compressed or not) is not read: a planted or damaged file, not a result.
MAX_BYTES = 256 * 2**20
_CODE: dict[str, str] = {}
#: What has been said on stderr in this process (each problem once).
_SAID: set = set()


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


def environment() -> str:
    """The interpreter and the numerical libraries whose versions shape the results (and the file format).

    Read once per process: the libraries a process has loaded do not change under it, and the metadata lookup
    cost 2.5 ms a call, 30 calls (0.38 s) per report."""
    if "env" not in _CODE:
        _CODE["env"] = _environment()
    return _CODE["env"]


def _environment() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    parts = [FORMAT, f"python {sys.version.split()[0]}"]
    for dist in ("numpy", "pandas", "scipy", "statsmodels", "pyarrow"):
        try:
            parts.append(f"{dist} {dist_version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} -")
    return ", ".join(parts)


def version() -> str:
    """The store folder's name for the current data, code, registry and environment."""
    h = hashlib.sha256("\0".join([current_hash(), code_fingerprint(), registry_digest() or "-",
                                   environment()]).encode())
    return h.hexdigest()[:20]


def root() -> Path:
    return paths.processed_dir() / SUBDIR / version()


def key_of(*parts) -> str:
    """A stable file name for a call's arguments (their repr: strings, numbers, tuples, None)."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:24]


def path_of(kind: str, *parts) -> Path:
    return root() / kind / f"{key_of(*parts)}{SUFFIX}"


def _say_once(what: str, message: str) -> None:
    if what not in _SAID:
        _SAID.add(what)
        print(f"fgte: resultatlagret: {message}", file=sys.stderr)


def _header(kind: str, parts: tuple, payload: bytes) -> dict:
    return {"kind": kind, "version": version(), "key": storecodec.encode(tuple(parts)),
            "sha256": hashlib.sha256(payload).hexdigest(), "bytes": len(payload)}


def encode_entry(kind: str, value, *parts) -> bytes:
    """The bytes of one entry: magic line, header line (its own key), compressed JSON payload."""
    return _entry(kind, storecodec.encode(value), parts)


def _entry(kind: str, tree, parts: tuple) -> bytes:
    payload = zlib.compress(storecodec.dumps_tree(tree), 1)
    return MAGIC + json.dumps(_header(kind, parts, payload), ensure_ascii=True).encode() + b"\n" + payload


def is_whole(data: bytes) -> bool:
    """True if an entry's bytes are complete and undamaged (magic, header, payload checksum), whatever its key."""
    head, sep, payload = data[len(MAGIC):].partition(b"\n")
    try:
        header = json.loads(head.decode("ascii")) if data.startswith(MAGIC) and sep else None
    except (ValueError, RecursionError):
        return False
    return isinstance(header, dict) and header.get("sha256") == hashlib.sha256(payload).hexdigest()


def decode_entry(data: bytes, kind: str, *parts):
    """The value of an entry's bytes, checked against ``(kind, version, parts)``; :class:`storecodec.Unreadable`
    (with a Swedish reason) for anything else."""
    if not data.startswith(MAGIC):
        raise storecodec.Unreadable("okänt filformat")
    head, sep, payload = data[len(MAGIC):].partition(b"\n")
    if not sep:
        raise storecodec.Unreadable("avkortad")
    try:
        header = json.loads(head.decode("ascii"))
    except (ValueError, RecursionError):
        raise storecodec.Unreadable("skadat huvud") from None
    if not isinstance(header, dict):
        raise storecodec.Unreadable("skadat huvud")
    if header.get("kind") != kind or header.get("version") != version():
        raise storecodec.Unreadable("hör till ett annat slag eller en annan version")
    if header.get("key") != storecodec.encode(tuple(parts)):
        raise storecodec.Unreadable("hör till en annan nyckel")
    if header.get("bytes") != len(payload) or header.get("sha256") != hashlib.sha256(payload).hexdigest():
        raise storecodec.Unreadable("skadad eller avkortad")
    try:
        z = zlib.decompressobj()
        raw = z.decompress(payload, MAX_BYTES)
        if z.unconsumed_tail or not z.eof:
            raise storecodec.Unreadable("för stor eller avkortad")
    except zlib.error:
        raise storecodec.Unreadable("skadad") from None
    return storecodec.loads(raw)


def read(kind: str, *parts, check: Callable[[object], bool] | None = None):
    """The stored result, or None when the store does not have it (or has an entry that is unreadable, damaged
    or not this key's: said once on stderr; :func:`cached` then recomputes and rewrites it)."""
    if not enabled():
        return None
    path = path_of(kind, *parts)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        _say_once(path, f"posten {kind}/{path.name} kan inte läsas ({exc.strerror or exc}); den räknas om.")
        return None
    try:
        if len(data) > MAX_BYTES:
            raise storecodec.Unreadable("för stor")
        value = decode_entry(data, kind, *parts)
        if check is not None and not check(value):
            raise storecodec.Unreadable("innehållet hör till en annan nyckel")
    except storecodec.Unreadable as exc:
        _say_once(path, f"posten {kind}/{path.name} används inte ({exc}); den räknas om och skrivs om.")
        return None
    return value


def write(kind: str, value, *parts) -> bool:
    """Store a result (atomically); False when it is not stored: a value that is not plain data
    (:class:`storecodec.Unstorable`), or a read-only or full store (said once on stderr)."""
    if not enabled():
        return False
    try:
        tree = storecodec.encode(value)
    except storecodec.Unstorable:
        return False
    return _write_tree(kind, tree, parts)


def _write_tree(kind: str, tree, parts: tuple) -> bool:
    data = _entry(kind, tree, parts)
    path = path_of(kind, *parts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        _say_once("write", f"kan inte skriva i {_shown(path.parent)} ({exc.strerror or exc}): resultaten "
                           "beräknas men sparas inte.")
        return False
    return True


def _shown(path: Path) -> str:
    try:
        return path.relative_to(paths.project_root()).as_posix()
    except ValueError:
        return path.name


def cached(kind: str, key: tuple, compute: Callable[[], T], check: Callable[[T], bool] | None = None) -> T:
    """The stored result for ``(kind, key)``; computed and stored when the store does not have it.

    ``check``: a test of a read value's content (e.g. that it is the key's municipality); a value failing it is
    recomputed. A computed value is returned as the store will give it back (written, then decoded), so the
    first call and every later one return the same objects. Exceptions of ``compute`` (e.g.
    :class:`~fgte_research.contract.DataMissing`) propagate and are not stored.
    """
    found = read(kind, *key, check=check)
    if found is not None:
        return found
    value = compute()
    if not enabled():
        return value
    try:
        tree = storecodec.encode(value)
    except storecodec.Unstorable:
        return value  # not plain data: computed every time, never stored
    _write_tree(kind, tree, tuple(key))
    return storecodec.decode(tree)


def clean() -> list[tuple[str, int]]:
    """Remove the store folders of other versions (and stray files beside them); return (name, bytes) removed."""
    base = paths.processed_dir() / SUBDIR
    keep = version()
    removed = []
    if not base.is_dir():
        return removed
    for entry in sorted(base.iterdir()):
        if entry.name == keep:
            continue
        size = sum(p.stat().st_size for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else \
            entry.stat().st_size
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append((entry.name, size))
    return removed


def tidy_path(name: str) -> Path:
    return root() / f"{name}.parquet"


def write_tidy(name: str, frame: pd.DataFrame) -> Path | None:
    """A run's tidy results as one parquet table (e.g. ``tidy_2025_grundskola``); None when the store cannot be
    written (said once)."""
    path = tidy_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    except OSError as exc:
        _say_once("write", f"kan inte skriva i {_shown(path.parent)} ({exc.strerror or exc}): resultaten "
                           "beräknas men sparas inte.")
        return None
    return path


def read_tidy(name: str) -> pd.DataFrame | None:
    """The tidy table, or None when there is none or it cannot be read (said once: it is written anew)."""
    path = tidy_path(name)
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow's errors (ArrowInvalid, OSError …): a damaged table
        _say_once(path, f"tabellen {path.name} kan inte läsas ({type(exc).__name__}); den skrivs om.")
        return None
