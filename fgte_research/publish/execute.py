"""Worker side: execute one job with papermill (fresh or warm kernel) and write its files.

Two executors, same papermill code path (parameter injection, error banner, cell metadata):

- ``papermill``: ``papermill.execute_notebook(..., kernel_name="fgte-research")`` — a new kernel
  per notebook; the plain, reference path.
- ``warm``: the same call with the ``fgte-warm`` papermill engine, which runs the notebook in this
  worker's :class:`~fgte_research.publish.kernel.WarmKernel` (reset between notebooks) instead of
  starting a kernel. Saves the kernel start and the heavy imports on every report.

Each worker process runs :func:`worker_init` once, then :func:`run_job` per job. Files are written
atomically; a failed job keeps its executed notebook (with papermill's error marker) and removes
the job's stale HTML.
"""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
import time
import traceback
from pathlib import Path

import nbformat

from ..atomic import write_text_atomic, write_texts_atomic
from . import html as H
from .kernel import KERNEL_NAME, WarmKernel
from ..errors import InputError

WARM_ENGINE = "fgte-warm"
ERROR_LINES = 12

_STATE: dict = {"executor": "papermill", "kernel_name": KERNEL_NAME, "warm": None, "tmp": None}
#: One job at a time per process: a warm kernel runs one notebook at a time, also in a Dask worker with
#: several threads.
_JOB_LOCK = threading.Lock()


# ------------------------------------------------------------------------------------------------
# papermill engine that runs in an already started kernel
def _register_warm_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class WarmEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, km=None,
                                     **kwargs):
            if km is None:
                raise InputError("fgte-warm engine needs km= (a started kernel manager)")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(nb_man, km=km, timeout=execution_timeout,
                                             startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                             log_output=log_output, stdout_file=stdout_file,
                                             stderr_file=stderr_file, **kwargs)
            _STATE["partial_nb"] = nb_man.nb  # kept if the kernel dies mid-notebook
            try:
                return client.execute()
            finally:  # the client does not own the kernel: close only its channels
                if getattr(client, "kc", None) is not None:
                    client.kc.stop_channels()
                    client.kc = None

    papermill_engines.register(WARM_ENGINE, WarmEngine)


#: Thread pools of numerical libraries; capped per kernel when several kernels share the cores.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")


def worker_init(executor: str, kernel_name: str = KERNEL_NAME, threads: int | None = None, *,
                capture_stderr: bool = True, finalize: bool = True, ignore_sigint: bool = True) -> None:
    """Once per worker process. ``executor``: the kernel mode (warm | papermill); ``threads``: BLAS/OpenMP threads
    per kernel (None: library default).

    ``capture_stderr``: send this process's stderr (and so its kernels') to a private log (worker processes
    this run owns; not a remote Dask worker, whose own log stays where its operator put it).
    ``finalize``: shut the kernel down at process exit (a Dask worker plugin does it in its teardown).
    ``ignore_sigint``: Ctrl-C reaches the whole foreground process group; in the worker processes of a local
    run the main process alone decides what stops (it stops the workers and their kernels itself)."""
    from multiprocessing import util

    if ignore_sigint and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    if threads is not None:
        # N kernels × default BLAS threads (one per core) oversubscribe the cores and make every
        # numpy/statsmodels call slower; kernels inherit this environment. A user's own setting wins.
        for name in THREAD_ENV:
            os.environ.setdefault(name, str(threads))

    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    _STATE["executor"] = executor
    _STATE["kernel_name"] = kernel_name
    _STATE["tmp"] = Path(tempfile.mkdtemp(prefix="fgte-report-"))
    # Kernels inherit this process's stderr; their start-up chatter ("Kernel is running over TCP without
    # encryption", once per kernel) would flood the terminal. Keep it in a log whose tail is attached to
    # the error of a report whose kernel died.
    log = _STATE["tmp"] / "stderr.log"
    if capture_stderr:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
        _STATE["log"] = log
    if executor == "warm":
        _register_warm_engine()
        _STATE["warm"] = WarmKernel(kernel_name)
    if finalize:
        util.Finalize(None, _shutdown, exitpriority=10)
    if executor == "warm":
        try:
            _STATE["warm"].start()  # the kernel boots while this process loads nbconvert's templates
        except Exception:  # noqa: BLE001 - retried (and reported) by the first job
            _STATE["warm"].shutdown()
    H._exporter(False)


def _shutdown() -> None:
    import shutil

    warm = _STATE.get("warm")
    if warm is not None:
        warm.shutdown()
        _STATE["warm"] = None
    tmp = _STATE.get("tmp")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
        _STATE["tmp"] = None


# ------------------------------------------------------------------------------------------------
def format_error(exc: BaseException) -> str:
    """ename: evalue plus the last lines of the (ANSI-stripped) traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        lines = H.strip_ansi("\n".join(exc.traceback or [])).splitlines()
        head = f"{exc.ename}: {H.strip_ansi(str(exc.evalue))}"
    else:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        lines = H.strip_ansi("".join(lines)).splitlines()
        head = f"{type(exc).__name__}: {exc}"
    tail = [ln for ln in lines if ln.strip()][-ERROR_LINES:]
    return head + "\n" + "\n".join(tail)


def _log_tail(n: int = 8) -> str:
    log = _STATE.get("log")
    if not log or not Path(log).is_file():
        return ""
    lines = [ln for ln in Path(log).read_text(encoding="utf-8", errors="replace").splitlines()
             if ln.strip() and "without encryption" not in ln]
    return ("\nKärnans felutskrifter (sista raderna):\n" + "\n".join(lines[-n:])) if lines else ""


def _renumber(nb) -> None:
    """Execution counts 1..n (a warm kernel's counter keeps running across notebooks)."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            n += 1
            cell.execution_count = n
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = n


def execute(job, out_tmp: Path):
    """Run the notebook; return (executed notebook or None, error text or None, kernel start-up seconds)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    kwargs = dict(parameters=job.parameters, kernel_name=_STATE["kernel_name"], language="python",
                  progress_bar=False, request_save_on_cell_execute=False, log_output=False,
                  cwd=str(job.notebook.parent), execution_timeout=job.timeout)
    warm: WarmKernel | None = _STATE.get("warm") if _STATE["executor"] == "warm" else None
    if out_tmp.exists():
        out_tmp.unlink()
    overhead = 0.0
    try:
        if warm is not None:
            overhead = warm.prepare(job.notebook.parent)
            kwargs.update(engine_name=WARM_ENGINE, km=warm.km)
        pm.execute_notebook(str(job.notebook), str(out_tmp), **kwargs)
        nb, error = H.read_notebook(out_tmp), None
    except PapermillExecutionError as exc:
        nb = H.read_notebook(out_tmp) if out_tmp.exists() else None
        error = format_error(exc)
    except Exception as exc:  # noqa: BLE001 - timeout, dead kernel, …: report it, keep going
        if warm is not None:
            warm.shutdown()  # never reuse a kernel in an unknown state
        nb = H.read_notebook(out_tmp) if out_tmp.exists() else _STATE.get("partial_nb")
        error = format_error(exc) + _log_tail()
    finally:
        _STATE["partial_nb"] = None
    if nb is not None and warm is not None:
        _renumber(nb)
    return nb, error, overhead


def footer_lines(job, info: dict) -> list[str]:
    """Publisher and contact (params/publisher.yaml), render date, data version in words, then the technical ids."""
    import datetime as dt
    from html import escape

    from ..publisher import publisher_html

    params = ", ".join(f"{k} = {v!r}" for k, v in job.parameters.items())
    lines = [publisher_html(info["publisher"])] if info.get("publisher") else []
    lines += [
        f"Framställd {dt.date.today().isoformat()}. "
        f"Underlag: {escape(info.get('data_words', 'Kolada och Skolverket'))}; "
        "bearbetning av data från Kolada · Källa: Skolverket, egen bearbetning.",
        f'<span class="fgte-tech">Tekniskt: fgte-research {escape(info["version"])}, anteckningsboken '
        f"<code>{escape(job.notebook_name)}</code>"
        + (f", parametrar <code>{escape(params)}</code>" if params else "")
        + f", databygge <code>{escape(info['data_hash'][:12])}</code>.</span>",
    ]
    return lines


def output_paths(run_dir: Path, job, variant: str) -> tuple[Path, Path]:
    suffix = H.VARIANTS[variant][0]
    base = run_dir / f"{job.id}{suffix}"
    return base.with_name(base.name + ".html"), base.with_name(base.name + ".ipynb")


def failed_notebook_path(run_dir: Path, job) -> Path:
    """Where a failed render's executed notebook goes: ``<id>.ipynb``, unless a published report's notebook
    has that name (a single-variant report rendered before): then ``<id>.misslyckad.ipynb``."""
    plain = run_dir / f"{job.id}.ipynb"
    if job.variants == ("",) and plain.with_suffix(".html").is_file():
        return run_dir / f"{job.id}.misslyckad.ipynb"
    return plain


ORPHANED = "körningen som startade rapporten finns inte längre (huvudprocessen avslutades); inget publicerades"


class _Orphaned(RuntimeError):
    pass


def run_is_alive(info: dict) -> bool:
    """The run this job belongs to still holds its folder: its main process lives and owns the lock (a run
    that died, or whose lock a newer run took over, publishes nothing). Asked just before files are renamed
    into place."""
    from ..lifeline import pid_alive

    main = info.get("main_pid")
    if main is None:
        return True
    if not pid_alive(int(main)):
        return False
    lock = info.get("lock")
    if lock:
        try:
            owner = int(Path(lock).read_text(encoding="ascii").split()[0])
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            return False
        return owner == int(main)
    return True


def run_job(job, run_dir: Path, info: dict) -> dict:
    """Execute ``job`` and write its HTML and executed notebook(s); never raises for notebook errors."""
    with _JOB_LOCK:
        return _run_job(job, run_dir, info)


def _run_job(job, run_dir: Path, info: dict) -> dict:
    started = time.perf_counter()
    run_dir = Path(run_dir)
    tmp = _STATE.get("tmp") or Path(tempfile.mkdtemp(prefix="fgte-report-"))
    out_tmp = tmp / "executed.ipynb"
    result = {"id": job.id, "status": "failed", "outputs": [], "error": None, "failed_notebook": None}
    nb, error, overhead = execute(job, out_tmp)
    if error is None:
        try:
            outputs = []
            rendered = []
            for variant in job.variants:
                vnb = H.variant_notebook(nb, variant)
                label = H.VARIANTS[variant][1]
                title = H.find_title(vnb, job.context, job.fallback_title) + (f" ({label})" if label else "")
                page = H.to_html(vnb, title=title, show_code=job.show_code,
                                 footer=H.footer_html(footer_lines(job, info)))
                rendered.append((variant, title, vnb, page))
            files = []
            for variant, title, vnb, page in rendered:
                html_path, nb_path = output_paths(run_dir, job, variant)
                files += [(nb_path, nbformat.writes(H.without_images(vnb))), (html_path, page)]
                outputs.append({"variant": variant, "title": title,
                                "html": html_path.relative_to(run_dir).as_posix(),
                                "ipynb": nb_path.relative_to(run_dir).as_posix()})
            if not run_is_alive(info):
                raise _Orphaned(ORPHANED)
            write_texts_atomic(files)  # all or nothing: the previous good files stay until this succeeds
            failed_path = failed_notebook_path(run_dir, job)
            if failed_path not in {p for p, _ in files}:
                failed_path.unlink(missing_ok=True)  # failed notebook of an earlier run
            if job.variants != ("",):
                (run_dir / f"{job.id}.ipynb").unlink(missing_ok=True)  # failed notebook of an earlier run
            result.update(status="ok", outputs=outputs)
        except _Orphaned:
            error = ORPHANED
        except Exception as exc:  # noqa: BLE001 - a conversion error fails this report only
            error = "HTML-konverteringen misslyckades: " + format_error(exc)
    if error is not None:
        # the previously published files of this report are left as they are (the runner decides whether
        # they are shown as an outdated version)
        result["error"] = error
        if nb is not None and run_is_alive(info):
            failed_path = failed_notebook_path(run_dir, job)
            write_text_atomic(failed_path, nbformat.writes(nb))
            result["failed_notebook"] = failed_path.relative_to(run_dir).as_posix()
    # the report's own time: a warm worker's one-off kernel start-up is not charged to its first report
    result["seconds"] = round(time.perf_counter() - started - overhead, 2)
    result["kernel_startup_seconds"] = round(overhead, 2)
    return result
