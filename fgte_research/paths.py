"""Where the project's folders are.

Everything is relative to the project root, which is found from this file's location and
can be overridden with the environment variable FGTE_ROOT (tests point it at a temporary copy).
Individual folders can be overridden too: FGTE_RAW_DIR, FGTE_PROCESSED_DIR, FGTE_PARAMS_DIR,
FGTE_REPORTS_DIR.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.lru_cache(maxsize=64)
def _resolved(path: str) -> Path:
    # resolve() is a few system calls; these paths are looked up thousands of times per report
    return Path(path).resolve()


def project_root() -> Path:
    env = os.environ.get("FGTE_ROOT")
    return _resolved(env) if env else _resolved(__file__).parents[1]


def _dir(env_name: str, *parts: str) -> Path:
    env = os.environ.get(env_name)
    return _resolved(env) if env else project_root().joinpath(*parts)


def raw_dir() -> Path:
    return _dir("FGTE_RAW_DIR", "data", "raw")


def processed_dir() -> Path:
    return _dir("FGTE_PROCESSED_DIR", "data", "processed")


def params_dir() -> Path:
    return _dir("FGTE_PARAMS_DIR", "params")


def reports_dir() -> Path:
    return _dir("FGTE_REPORTS_DIR", "reports")


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def file_state(path: Path) -> tuple | None:
    """(path, inode, mtime, size) of a file, None if it cannot be read: a memo keyed on it meets an edit at once
    for the price of a stat (the processed data's hash and the parsed registry are remembered this way)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    # no resolve(): the data's hash asks this ~2 000 times a report; device and inode name the file anyway
    return (os.fspath(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
