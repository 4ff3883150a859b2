"""The Dask executor: the same jobs on dask.distributed, one warm kernel per Dask worker.

Imported only for ``fgte report --executor dask`` (:func:`~fgte_research.publish.executors.make_executor`), so
that a plain installation without a cluster never imports Dask.

- Without a scheduler address it starts a :class:`distributed.LocalCluster` here: ``processes=True``, one
  single-threaded worker per job slot, no dashboard, quiet logs, no memory limit (the kernels, not the
  workers, hold the memory).
- With ``scheduler="tcp://host:8786"`` it connects to a running cluster. Workers must run the same
  environment (this package, the ``fgte-research`` kernel) and see the same files at the same paths: they
  read the notebooks and ``data/processed`` and write the reports straight into the run folder.

:class:`WarmKernelPlugin` is a worker plugin: on each worker's setup it runs
:func:`~fgte_research.publish.execute.worker_init` (the worker's warm kernel starts), on teardown it shuts
the kernel down. Jobs are ordinary Dask tasks of :func:`~fgte_research.publish.execute.run_job`; a worker runs
one job at a time (``execute`` holds a lock), also when it has several threads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path

from . import execute
from .executors import POLL, ExecutorSetupError, StopFlag, kill_processes, outcome, process_tree
from ..errors import InputError

PLUGIN_NAME = "fgte-warm-kernel"
#: Seconds to reach a remote scheduler before giving up with a Swedish message.
CONNECT_TIMEOUT = 20
#: Seconds the cluster gets to close by itself when a run is aborted (then its processes are killed).
ABORT_CLOSE_TIMEOUT = 1.5


def _plugin_base():
    try:
        from distributed import WorkerPlugin
    except ImportError:  # pragma: no cover - dask is a dependency; a broken install still gets a message
        return object
    return WorkerPlugin



#: The network schemes a Dask scheduler is reached with (anything else, e.g. http://, would be tried for
#: CONNECT_TIMEOUT seconds and end in a traceback at exit).
SCHEMES = ("tcp", "tls", "ws", "wss")


def check_address(address: str) -> None:
    """Raise :class:`ExecutorSetupError` (Swedish) unless ``address`` is a well-formed Dask scheduler address."""
    try:
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError as exc:
        raise ExecutorSetupError(f"Dask saknas i den här miljön ({exc}); installera om paketet med "
                                 f"`pip install -e .`") from None
    try:
        scheme, location = parse_address(address)
        if scheme not in SCHEMES:
            raise InputError(f"Dask nås med {', '.join(s + '://' for s in SCHEMES)}, inte {scheme}://")
        host, port = parse_host_port(location)
        if not host or not 0 < int(port) < 65536:
            raise InputError("värd och port (1–65535) behövs")
    except (ValueError, TypeError) as exc:
        raise ExecutorSetupError(f"--scheduler {address!r} är ingen Dask-adress ({exc}); skriv t.ex. "
                                 "tcp://värd:8786") from None

class WarmKernelPlugin(_plugin_base()):
    """Per Dask worker: set up the job environment and a warm kernel; shut the kernel down on teardown."""

    name = PLUGIN_NAME

    def __init__(self, kernel: str, kernel_name: str, threads: int | None, capture_stderr: bool):
        self.kernel = kernel
        self.kernel_name = kernel_name
        self.threads = threads
        self.capture_stderr = capture_stderr

    async def setup(self, worker) -> None:
        # in a thread: the kernel start must not block the worker's event loop (its heartbeats)
        await asyncio.get_running_loop().run_in_executor(None, self._init)

    def _init(self) -> None:
        execute.worker_init(self.kernel, self.kernel_name, self.threads, capture_stderr=self.capture_stderr,
                            finalize=False, ignore_sigint=False)

    async def teardown(self, worker) -> None:
        await asyncio.get_running_loop().run_in_executor(None, execute._shutdown)


def _forget_cluster(cluster) -> None:
    """A cluster whose close timed out after its processes were killed: mark it closed, so that Dask's exit
    hook does not try to close it again (it would wait up to 10 s for workers that no longer exist)."""
    try:
        from distributed.core import Status
        from distributed.deploy.spec import SpecCluster

        SpecCluster._instances.discard(cluster)
        cluster.status = Status.closed
    except Exception:  # noqa: BLE001 - a Dask without these internals: the exit hook just takes longer
        pass


class DaskExecutor:
    """Jobs as Dask tasks; results gathered with :class:`distributed.as_completed`."""

    name = "dask"

    def __init__(self, workers: int, kernel: str, kernel_name: str, threads: int | None,
                 scheduler: str | None = None):
        self.workers = workers
        self.kernel = kernel
        self.kernel_name = kernel_name
        self.threads = threads
        self.scheduler = scheduler
        self.cluster = None
        self.client = None
        self.futures: list = []

    def start(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorSetupError(f"Dask saknas i den här miljön ({exc}); installera om paketet med "
                                     f"`pip install -e .`") from None
        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.ERROR)
        if self.scheduler is None:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR, memory_limit=0)
            self.client = Client(self.cluster, set_as_default=False)
        else:
            check_address(self.scheduler)  # before a Client exists: a half-made one hangs at exit
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExecutorSetupError(f"Dask-schemaläggaren {self.scheduler} svarar inte ({exc}); "
                                         f"kontrollera adressen och att `dask scheduler` körs") from None
        plugin = WarmKernelPlugin(self.kernel, self.kernel_name, self.threads,
                                  capture_stderr=self.cluster is not None)
        self.client.register_plugin(plugin, name=PLUGIN_NAME)

    def results(self, jobs: list, run_dir: Path, info: dict, stop: StopFlag) -> Iterator[tuple]:
        import time

        from distributed import as_completed

        by_key = {}
        for i, job in enumerate(jobs):
            fut = self.client.submit(execute.run_job, job, Path(run_dir), info, key=f"fgte-report-{i}",
                                     pure=False, retries=0)
            by_key[fut.key] = job
            self.futures.append(fut)
        done = as_completed(self.futures, loop=self.client.loop)
        while not stop and not done.is_empty():
            if not done.has_ready():
                time.sleep(POLL / 2)
                continue
            for fut in done.next_batch(block=False):
                yield outcome(by_key[fut.key], fut)

    def close(self) -> None:
        if self.client is not None:
            if self.cluster is None:  # a shared cluster: shut our kernels down, leave the workers running
                try:
                    self.client.unregister_worker_plugin(PLUGIN_NAME)
                except Exception:  # noqa: BLE001 - best effort
                    pass
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def abort(self) -> None:
        """Cancel every job; stop our own cluster's workers and kernels now (a remote cluster's workers stay,
        their kernels are shut down by the plugin's teardown)."""
        procs = process_tree() if self.cluster is not None else []  # before anything dies: kernels included
        if self.client is not None:
            try:
                if self.futures:
                    self.client.cancel(self.futures, force=True)
                if self.cluster is None:
                    self.client.unregister_worker_plugin(PLUGIN_NAME)
            except Exception:  # noqa: BLE001 - best effort: the processes are killed below
                pass
            try:
                self.client.close(timeout=ABORT_CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001
                pass
            self.client = None
        if self.cluster is not None:
            logging.getLogger("distributed").setLevel(logging.CRITICAL)  # workers dying mid-task is the point
            for nanny in list(getattr(self.cluster, "workers", {}).values()):
                nanny.auto_restart = False  # a killed worker must stay dead
            # Dask workers answer SIGTERM with a graceful close that waits for the running notebook: they and
            # their kernels get SIGKILL at once (nothing of theirs is kept: finished reports are already written)
            kill_processes(procs, grace=0)
            try:
                self.cluster.close(timeout=ABORT_CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001 - its processes are gone; only in-process objects are left
                _forget_cluster(self.cluster)
            self.cluster = None
            kill_processes(process_tree(), grace=0)  # anything started meanwhile
