"""Where jobs run. An executor submits the jobs and yields ``(job, result)`` pairs as they finish; the runner
handles every result the same way whatever the executor (manifest, outdated reports, index).

- :class:`LocalExecutor`: worker processes on this machine (``ProcessPoolExecutor``, spawn), each with its
  own warm kernel (:func:`~fgte_research.publish.execute.worker_init`).
- ``DaskExecutor`` (:mod:`~fgte_research.publish.dask_executor`, imported only when asked for): the same
  jobs on dask.distributed.

Every executor has ``start()``, ``results(jobs, run_dir, info, stop)``, ``close()`` (normal end) and ``abort()``
(a signal: stop every worker and kernel now). ``stop`` is a :class:`StopFlag` that a signal handler sets;
``results`` looks at it at least every :data:`POLL` seconds and returns early when it is set.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

from ..errors import FgteError


#: Seconds between looks at the stop flag while waiting for results.
POLL = 0.2
#: Seconds a process gets to exit after SIGTERM before it is killed.
TERM_GRACE = 1.5


class ExecutorSetupError(FgteError, RuntimeError):
    """The executor cannot start (Dask missing, scheduler unreachable); the message is in Swedish."""


def _execute():
    """The worker-side module, imported when jobs run: it pulls in nbformat and jsonschema (~1 s), which a run
    with nothing to render (every report unchanged) never needs."""
    from . import execute

    return execute


class StopFlag:
    """Set from a signal handler (no locks: a handler may run while the main thread holds one)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def set(self, signum: int) -> None:
        if self.signum is None:
            self.signum = signum

    def __bool__(self) -> bool:
        return self.signum is not None


def outcome(job, fut) -> tuple:
    """(job, result) of a finished future of any executor: a crashed or lost worker fails its job, not the run."""
    try:
        return job, fut.result()
    except Exception as exc:  # noqa: BLE001
        return job, crash_result(job, exc)


def crash_result(job, exc: BaseException) -> dict:
    """The result of a job whose worker crashed or was lost: the job fails, the run goes on."""
    return {"id": job.id, "status": "failed", "outputs": [], "seconds": None,
            "error": _execute().format_error(exc), "failed_notebook": None}


# ------------------------------------------------------------------------------------------------
# processes
def process_tree() -> list:
    """Every living descendant of this process (workers, their kernels, ...), as psutil processes.

    Taken *before* anything is stopped: a kernel whose worker died is re-parented and no longer found here.
    The multiprocessing resource tracker is left out: it exits by itself when this process exits (it reads
    a pipe only this process holds), and killing it early makes multiprocessing start a new one."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    keep = []
    for proc in children:
        try:
            if any("resource_tracker" in part for part in proc.cmdline()):
                continue
        except psutil.Error:
            continue
        keep.append(proc)
    return keep


def kill_processes(procs: list, grace: float = TERM_GRACE) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL what is left (and wait for it); ``grace=0``: SIGKILL
    at once."""
    import psutil

    procs = [p for p in procs if p.pid != os.getpid()]
    alive = procs
    if grace > 0:
        for proc in procs:
            try:
                proc.send_signal(signal.SIGTERM)
            except psutil.Error:
                pass
        alive = _wait_gone(procs, grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    _wait_gone(alive, 2)


def _wait_gone(procs: list, timeout: float) -> list:
    """Wait until every process has ended; return those still running. A zombie has ended: a killed kernel
    whose worker died first waits for whoever reaps orphans, which need not be quick in a container."""
    import time

    import psutil

    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for proc in procs:
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.Error:
                pass
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)


def local_worker_init(main_pid: int, kernel: str, kernel_name: str, threads: int | None) -> None:
    """A local worker: dies with the main process (kill -9 included; its kernel follows within a second), then
    :func:`execute.worker_init`."""
    from ..lifeline import die_with_parent

    die_with_parent(main_pid)
    _execute().worker_init(kernel, kernel_name, threads)


# ------------------------------------------------------------------------------------------------
class LocalExecutor:
    """Worker processes on this machine, each running :func:`execute.worker_init` once (its warm kernel)."""

    name = "local"

    def __init__(self, workers: int, kernel: str, kernel_name: str, threads: int | None):
        self.workers = workers
        self.kernel = kernel
        self.kernel_name = kernel_name
        self.threads = threads
        self.pool = None

    def start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                        initializer=local_worker_init,
                                        initargs=(os.getpid(), self.kernel, self.kernel_name, self.threads))

    def results(self, jobs: list, run_dir: Path, info: dict, stop: StopFlag) -> Iterator[tuple]:
        from concurrent.futures import FIRST_COMPLETED, wait

        futures = {self.pool.submit(_execute().run_job, job, run_dir, info): job for job in jobs}
        pending = set(futures)
        while pending and not stop:
            done, pending = wait(pending, timeout=POLL, return_when=FIRST_COMPLETED)
            for fut in done:
                yield outcome(futures[fut], fut)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def abort(self) -> None:
        """Stop every worker and kernel now: pending jobs are cancelled, running ones are lost."""
        if self.pool is None:
            return
        procs = process_tree()  # workers and their kernels (own sessions: no signal reaches them otherwise)
        self.pool.shutdown(wait=False, cancel_futures=True)
        kill_processes(procs)
        self.pool = None

