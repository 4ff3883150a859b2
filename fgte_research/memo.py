"""The project's one cache mechanism: memoise on the content hash of data/processed.

It sits below every loader (``panel``, ``municipalities``) and above ``build`` only, so both can use it without an
import circle. ``fgte_research.panel`` re-exports :func:`current_hash` and :func:`memoised`.
"""

from __future__ import annotations

import functools

from . import paths
from .build import BUILD_MANIFEST, ensure_built, panel_hash

_ENSURED: list[bool] = []
#: Content hash per state of the build manifest file (path, inode, mtime, size): a stat instead of a JSON read.
_HASHES: dict[tuple, str] = {}


def current_hash() -> str:
    """Content hash of the current processed data; builds data/processed once per process if data/raw changed."""
    if not _ENSURED:
        ensure_built(verbose=True)
        _ENSURED.append(True)
    key = paths.file_state(paths.processed_dir() / BUILD_MANIFEST)
    if key is None:
        return panel_hash()  # raises the Swedish "data/processed saknas" error
    found = _HASHES.get(key)
    if found is None:
        if len(_HASHES) > 64:
            _HASHES.clear()
        found = _HASHES[key] = panel_hash()
    return found


def memoised(maxsize: int = 256):
    """Memoise a function of hashable arguments on the processed data's content hash.

    Rebuilt data (new content hash) never meet a stale answer; ``fn.cache_clear()`` empties the cache.
    """

    def decorate(fn):
        cached = functools.lru_cache(maxsize=maxsize)(lambda _hash, *args, **kwargs: fn(*args, **kwargs))

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return cached(current_hash(), *args, **kwargs)

        wrapper.cache_clear = cached.cache_clear
        return wrapper

    return decorate
