"""Nothing outlives its parent: worker processes die with the process that started them.

A worker of ``fgte report`` (and of the compute-once pass) calls :func:`die_with_parent` first thing: on Linux
the kernel sends it SIGKILL the moment its parent dies, however the parent died (``kill -9`` included), via
``prctl(PR_SET_PDEATHSIG)``. Elsewhere, and as a second line on Linux, a daemon thread polls the parent pid
(:func:`watch_parent`). A Jupyter kernel started by a worker polls its own parent (ipykernel's parent poller,
``JPY_PARENT_PID``), so it ends about a second after its worker.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
#: Seconds between looks at the parent pid in :func:`watch_parent`.
POLL = 0.5


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Make this process end when its parent does; returns True when the operating system guarantees it
    (Linux), False when only the polling thread watches. ``parent_pid``: the parent this process must have
    (a parent that died before the call: the process exits at once)."""
    expected = parent_pid if parent_pid is not None else os.getppid()
    guaranteed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            guaranteed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            guaranteed = False
    if os.getppid() != expected:  # the parent died before the signal was armed
        os._exit(1)
    watch_parent(expected)
    return guaranteed


def watch_parent(parent_pid: int) -> threading.Thread:
    """A daemon thread that ends this process (``os._exit``) once its parent is no longer ``parent_pid``."""

    def run():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(POLL)

    thread = threading.Thread(target=run, name="fgte-lifeline", daemon=True)
    thread.start()
    return thread


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists (a zombie counts as ended where psutil can tell)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    except OSError:
        return False
    try:
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001 - psutil missing or the process just ended
        return True
