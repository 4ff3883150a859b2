"""Write files so that a reader sees either the old content or the complete new one.

Every file is written under a temporary name in the target's folder and renamed onto the target only after
the write succeeded. The renamed file gets the permissions an ordinary ``open(..., "w")`` would give it
(0o666 minus the process umask): ``tempfile.mkstemp`` creates 0600 files, which would make published reports
and processed data unreadable to the rest of a research group.
"""

from __future__ import annotations

import os
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from pathlib import Path

_UMASK: int | None = None
_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read once (``os.umask`` can only be read by setting it; it is restored at once)."""
    global _UMASK
    if _UMASK is None:
        with _UMASK_LOCK:
            if _UMASK is None:
                old = os.umask(0o077)
                os.umask(old)
                _UMASK = old
    return _UMASK


def file_mode() -> int:
    """The mode a newly created file gets: 0o666 & ~umask (0o644 with the usual umask 022)."""
    return 0o666 & ~current_umask()


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside ``target``; rename it onto ``target`` only if the block succeeds."""
    target = Path(target)
    tmp_path = _temp_beside(target)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_texts_atomic(files: list[tuple[Path, str]], encoding: str = "utf-8") -> None:
    """Write several files aside first, then rename them all into place.

    If any write fails, no target is touched (the temporary files are removed). The renames themselves
    happen one after another, each atomic.
    """
    with ExitStack() as stack:
        tmps = []
        for target, text in files:
            tmp = stack.enter_context(atomic_path(Path(target)))
            tmp.write_text(text, encoding=encoding)
            tmps.append(tmp)
    # ExitStack unwinds in reverse order: every rename happens only after every write succeeded
