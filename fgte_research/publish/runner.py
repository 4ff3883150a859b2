"""Orchestration: validate → skip unchanged → execute in worker processes → index and log pages → summary."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, paths
from ..errors import FgteError
from ..publisher import PublisherError, load_publisher
from ..text_sv import ArgumentParserSv, count_sv
from . import cache
from .executors import ExecutorSetupError, LocalExecutor, StopFlag
from .index import LOG_FILE, STALE, outcome_counts_sv, render_index
from .kernel import KERNEL_NAME, KernelSetupError, ensure_kernel
from .runspec import EXECUTORS, KERNEL_MODES, DataInfo, RunSpec, RunSpecError, load_runspec, plan, resolve_executor


@dataclass
class ReportResult:
    id: str
    notebook: str
    status: str  # "ok" (rendered now) | "cached" (unchanged, skipped) | "failed" | STALE (failed, previous kept)
    seconds: float | None
    outputs: list[dict] = field(default_factory=list)   # [{variant, title, html, ipynb}] relative to run_dir
    error: str | None = None
    failed_notebook: str | None = None
    context: dict = field(default_factory=dict)


@dataclass
class RunResult:
    run: str
    run_dir: Path
    index_path: Path
    reports: list[ReportResult]
    seconds: float
    interrupted: int | None = None  # the signal (SIGINT/SIGTERM) that stopped the run early


    @property
    def log_path(self) -> Path:
        """The technical run log (korlogg.html), linked from the index."""
        return self.run_dir / LOG_FILE

    @property
    def n_ok(self) -> int:
        return sum(r.status == "ok" for r in self.reports)

    @property
    def n_cached(self) -> int:
        return sum(r.status == "cached" for r in self.reports)

    @property
    def failed(self) -> list[ReportResult]:
        """Reports whose render failed in this run (including outdated ones whose previous version is kept)."""
        return [r for r in self.reports if r.status in ("failed", STALE)]

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return 128 + int(self.interrupted)  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
        return 1 if self.failed else 0

    def interrupted_sv(self) -> str:
        """One Swedish line for a run stopped by a signal."""
        name = signal.Signals(self.interrupted).name if self.interrupted is not None else "signal"
        done = sum(r.status in ("ok", "cached") for r in self.reports)
        return (f"Avbrutet ({name}): {done} av {len(self.reports)} rapporter klara; index och manifest skrivna: "
                f"{self.index_path}")

    def summary_sv(self) -> str:
        secs = f"{self.seconds:.1f}".replace(".", ",")
        lines = [f"Klart på {secs} s: {count_sv(len(self.reports), 'rapport', 'rapporter')} – "
                 f"{outcome_counts_sv(self.n_ok, self.n_cached, len(self.failed))}."]
        for r in self.failed:
            last = (r.error or "").strip().splitlines()
            kept = " (förra versionen ligger kvar, markerad föråldrad)" if r.status == STALE else ""
            lines.append(f"  Misslyckades: {r.id} ({r.notebook}){kept}: {last[0] if last else 'okänt fel'}")
            if r.failed_notebook:
                lines.append(f"    körd anteckningsbok: {self.run_dir / r.failed_notebook}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
def _params_fp(job, memo: dict) -> str:
    mid = str(job.parameters.get("municipality") or "") or None
    if mid not in memo:
        memo[mid] = cache.params_fingerprint(mid)
    return memo[mid]


def data_words() -> str:
    """The data version in words for a report's footer: how far each source reaches."""
    from ..panel import series_values

    def last(series: str) -> str:
        f = series_values(series, include_aggregates=False)
        ok = f.loc[f["status"] == "ok", "year"]
        return str(int(ok.max())) if len(ok) else "saknas"

    return (f"Kolada (nyckeltal till och med {last('N15419')}) och Skolverket (till och med "
            f"{last('skv.ak9.pass_all.kommunal')})")


def data_info() -> DataInfo:
    """Build data/processed if stale; return its years, the usable report years, latest year and content hash.

    The usable years and the latest are the data layer's one rule (:func:`fgte_research.panel.usable_years`)."""
    import pandas as pd

    from ..build import PANEL_FILE, ensure_built, panel_hash
    from ..panel import latest_year, usable_years

    ensure_built(verbose=True)
    frame = pd.read_parquet(paths.processed_dir() / PANEL_FILE, columns=["series", "municipality_id", "year", "status"])
    years = tuple(sorted(int(y) for y in frame.loc[frame["status"].astype(str) == "ok", "year"].unique()))
    return DataInfo(years=years, latest=latest_year(frame), hash=panel_hash(), report_years=usable_years(frame))


LOCK_NAME = ".fgte-report.lock"


class RunLockError(FgteError, RuntimeError):
    """Another `fgte report` is writing into the same run folder, or the lock cannot be written (Swedish
    message). ``exit_code``: 2 for another run, 1 for a folder that cannot be written (disk full, read-only)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def _unwritable(lock: Path, exc: OSError) -> RunLockError:
    return RunLockError(f"fgte report: låsfilen {lock} kan inte skrivas ({exc.strerror or exc}); inga rapporter "
                        "har skapats", exit_code=1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except (OverflowError, ValueError, OSError):
        return False
    return True


def _lock_owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


@contextmanager
def run_lock(run_dir: Path):
    """Hold ``<run_dir>/.fgte-report.lock`` (containing this process's pid) for the block.

    A lock whose pid is alive means another run writes into the folder: :class:`RunLockError`. A lock left
    by a crashed run (pid no longer alive, or an unreadable lock file) is taken over.
    """
    lock = run_dir / LOCK_NAME
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(lock, exc) from None
    me = os.getpid()
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            owner = _lock_owner(lock)
            if owner is not None and _pid_alive(owner):
                raise RunLockError(f"fgte report: en annan körning (process {owner}) skriver redan i {run_dir}; "
                                   f"vänta tills den är klar, eller ta bort låsfilen {lock} om ingen körning pågår") from None
            lock.unlink(missing_ok=True)  # stale lock of a crashed run: take it over
            continue
        except OSError as exc:
            raise _unwritable(lock, exc) from None
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(f"{me}\n")
        except OSError as exc:  # e.g. a full disk: no half-written lock stays behind
            lock.unlink(missing_ok=True)
            raise _unwritable(lock, exc) from None
        break
    else:
        raise RunLockError(f"fgte report: låsfilen {lock} kan inte tas (en annan körning startar samtidigt)")
    try:
        yield lock
    finally:
        if _lock_owner(lock) == me:
            lock.unlink(missing_ok=True)


def _previous_good(entry: dict | None, run_dir: Path) -> dict | None:
    """The manifest entry of a report's previously published render, if its files are all still there."""
    if not entry or entry.get("status") not in ("ok", STALE):
        return None
    outputs = entry.get("outputs") or []
    if not outputs or not all((run_dir / o["html"]).is_file() and (run_dir / o["ipynb"]).is_file()
                              for o in outputs):
        return None
    return entry


def _as_spec(runspec) -> RunSpec:
    if isinstance(runspec, RunSpec):
        return runspec
    if isinstance(runspec, dict):
        return RunSpec.from_dict(runspec, default_run=runspec.get("run"))
    return load_runspec(runspec)


def _notebook_meta(path: Path, memo: dict = {}) -> dict:  # noqa: B006 - a per-process memo on purpose
    """The notebook's ``fgte`` metadata (what the runner should do for it)."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in memo:
        import json

        memo[key] = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("fgte", {}) or {}
    return memo[key]


def _progress_bar(total: int, desc: str, unit: str):
    """A progress bar on stderr (stdout carries the summary and the index path)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)


def compute_once(jobs: list, workers: int, progress: bool, stop=None) -> str:
    """The compute-once pass for the jobs whose notebook asks for it (``fgte.precompute: annual``): their
    analyses go into the results store before any notebook runs. Returns a line for the run log."""
    from .. import precompute, store

    if not store.enabled():
        return "Resultatlagret är avstängt (FGTE_RESULTS_STORE=0): varje rapport räknar själv."
    tasks = precompute.tasks_for([job.parameters for job in jobs
                                  if _notebook_meta(job.notebook).get("precompute") == "annual"])
    if not tasks:
        return ""
    bar = None
    if progress:
        bar = _progress_bar(len(tasks), "Beräknar", "kommun")
    try:
        summary = precompute.run(tasks, workers=workers, progress=bar.update if bar is not None else None,
                                 stop=stop)
    finally:
        if bar is not None:
            bar.close()
    return summary.line_sv()


def _threads_per_kernel(workers: int) -> int | None:
    if workers <= 1:
        return None
    return max(1, default_jobs() // workers)


def report_workers() -> int:
    """Default number of report workers: one more than the cores. A warm kernel spends part of every notebook
    waiting for its messages (a core idle meanwhile); a third worker on two cores took the national run from
    286 s to 237 s (`benchmarks/bench_report.py --national`)."""
    return default_jobs() + 1


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def make_executor(name: str, *, workers: int, kernel: str, kernel_name: str, threads: int | None,
                  scheduler: str | None = None):
    """The executor ``name`` (local | dask); Dask is imported only here, when it is asked for."""
    if name == "dask":
        from .dask_executor import DaskExecutor

        return DaskExecutor(workers=workers, kernel=kernel, kernel_name=kernel_name, threads=threads,
                            scheduler=scheduler)
    return LocalExecutor(workers=workers, kernel=kernel, kernel_name=kernel_name, threads=threads)


def render(runspec, jobs: int | None = None, force: bool = False, *, executor: str | None = None,
           kernel: str | None = None, scheduler: str | None = None, progress: bool = True,
           data: DataInfo | None = None) -> RunResult:
    """Render a run specification (path, dict or :class:`RunSpec`).

    ``executor``: where the jobs run, ``local`` (worker processes here) or ``dask`` (dask.distributed: a
    LocalCluster, or the cluster whose scheduler is at ``scheduler``); ``kernel``: ``warm`` (one reused kernel
    per worker) or ``papermill`` (a new kernel per report). None: the specification's. ``executor="warm"`` or
    ``"papermill"`` is the older spelling of ``kernel`` on the local executor.

    Raises :class:`RunSpecError` (Swedish message) before anything is written if the specification
    is invalid, :class:`~fgte_research.publisher.PublisherError` if params/publisher.yaml is,
    :class:`~fgte_research.intervention_registry.RegistryError` if params/interventions.yaml is. Failed reports
    do not raise: see ``RunResult.failed`` / ``exit_code``. SIGINT/SIGTERM during the run (main thread only)
    stop every worker and kernel, write the manifest and index for what finished and return a result with
    ``interrupted`` set (``exit_code`` 130/143).
    """
    started = time.perf_counter()
    spec = _as_spec(runspec)
    if executor in KERNEL_MODES and kernel is None:  # older spelling: --executor warm|papermill
        executor, kernel = "local", executor
    executor, kernel, problem = resolve_executor(executor or spec.executor, kernel or spec.kernel)
    if problem:
        raise RunSpecError(spec.source, [("schema", *problem)])
    if scheduler is not None and executor != "dask":
        raise RunSpecError(spec.source, [("schema", "scheduler", "--scheduler gäller bara --executor dask")])
    if scheduler is not None:
        from .dask_executor import check_address

        check_address(scheduler)  # a malformed address stops the run before anything is computed
    data = data or data_info()
    the_plan = plan(spec, data)
    publisher = load_publisher()  # checked before anything runs: the index page names the publisher
    from ..intervention_registry import load_registry  # not the interventions package: it imports statsmodels

    load_registry()  # so is the registry: the compute-once pass and the annual notebooks read it (RegistryError)
    run_dir = paths.reports_dir() / spec.run
    with run_lock(run_dir):
        with _signals_stop() as stop:
            return _render_locked(spec, the_plan, data, publisher, run_dir, started, jobs=jobs, force=force,
                                  executor=executor, kernel=kernel, scheduler=scheduler, progress=progress,
                                  stop=stop)


@contextmanager
def _signals_stop():
    """SIGINT and SIGTERM set a :class:`StopFlag` for the block instead of killing the process (main thread
    only; elsewhere the flag is never set). The previous handlers come back afterwards."""
    stop = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: stop.set(signum))
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _render_locked(spec: RunSpec, the_plan, data: DataInfo, publisher: dict, run_dir: Path, started: float, *,
                   jobs: int | None, force: bool, executor: str, kernel: str, scheduler: str | None,
                   progress: bool, stop: StopFlag) -> RunResult:
    manifest = cache.Manifest(run_dir)
    digests: dict = {}
    code_fp = cache.code_fingerprint()
    params_fps: dict = {}  # per municipality: a report's key covers only the parameter files it reads
    keys = {job.id: cache.job_key(job, data.hash, kernel_name=KERNEL_NAME, notebook_digests=digests,
                                  params_fp=_params_fp(job, params_fps), code_fp=code_fp)
            for job in the_plan.jobs}
    to_run = [job for job in the_plan.jobs if force or not manifest.is_fresh(job.id, keys[job.id], run_dir)]
    info = {"version": __version__, "data_hash": data.hash, "source": spec.source, "publisher": publisher,
            "data_words": data_words(), "main_pid": os.getpid(), "lock": str(run_dir / LOCK_NAME)}
    results: dict[str, dict] = {}

    if to_run and not stop:
        kernel_name = ensure_kernel()
        workers = max(1, min(jobs or report_workers(), len(to_run)))
        run_dir.mkdir(parents=True, exist_ok=True)
        info["results_store"] = compute_once(to_run, jobs or default_jobs(), progress, stop)
        if not stop:
            _run_jobs(to_run, results, manifest, keys, run_dir, spec, data, info, stop, progress=progress,
                      executor=executor, workers=workers, kernel=kernel, kernel_name=kernel_name,
                      scheduler=scheduler)
        if stop:
            _remove_leftovers(run_dir)
            manifest.save({"run": spec.run, "package_version": __version__, "data_hash": data.hash})

    reports: list[ReportResult] = []
    for job in the_plan.jobs:
        if job.id in results:
            res = results[job.id]
            reports.append(ReportResult(id=job.id, notebook=job.notebook_name, status=res["status"],
                                        seconds=res["seconds"], outputs=res["outputs"], error=res["error"],
                                        failed_notebook=res["failed_notebook"], context=job.context))
        elif job not in to_run:
            entry = manifest.entries[job.id]
            reports.append(ReportResult(id=job.id, notebook=job.notebook_name, status="cached",
                                        seconds=entry.get("seconds"), outputs=entry["outputs"], context=job.context))
        else:  # interrupted before it finished: listed as not made (a previous good version stays linked)
            previous = _previous_good(manifest.entries.get(job.id), run_dir)
            reports.append(ReportResult(id=job.id, notebook=job.notebook_name,
                                        status=STALE if previous else "failed", seconds=None,
                                        outputs=previous["outputs"] if previous else [],
                                        error=f"avbruten ({signal.Signals(stop.signum).name}) innan rapporten "
                                              f"blev klar", context=job.context))
    total = time.perf_counter() - started
    title = spec.title or f"Rapporter: {spec.run}"
    index_path = render_index(run_dir, title=title, reports=reports, info=info, total_seconds=total,
                              publisher=publisher)
    return RunResult(run=spec.run, run_dir=run_dir, index_path=index_path, reports=reports,
                     seconds=time.perf_counter() - started, interrupted=stop.signum)


def _run_jobs(to_run: list, results: dict, manifest: cache.Manifest, keys: dict, run_dir: Path, spec: RunSpec,
              data: DataInfo, info: dict, stop: StopFlag, *, progress: bool, executor: str, workers: int,
              kernel: str, kernel_name: str, scheduler: str | None) -> None:
    """Execute the notebooks on the chosen executor and record each result as it arrives."""
    bar = None
    pool = make_executor(executor, workers=workers, kernel=kernel, kernel_name=kernel_name,
                         threads=_threads_per_kernel(workers), scheduler=scheduler)
    finished = False
    try:
        pool.start()
        if progress:  # after the start: a cluster that cannot be reached leaves one line, not a bar
            bar = _progress_bar(len(to_run), "Rapporter", "rapport")
        if not stop:
            for job, res in pool.results(to_run, run_dir, info, stop):
                res = _record(job, res, manifest, keys[job.id], run_dir, spec, data)
                results[job.id] = res
                if bar is not None:
                    bar.update(1)
                    if res["status"] == "failed":
                        bar.write(f"Misslyckades: {job.id}", file=sys.stderr)
        finished = not stop
    finally:
        if bar is not None:
            bar.close()
        if finished:
            pool.close()
        else:  # a signal or an error: stop every worker and kernel now
            pool.abort()


def _remove_leftovers(run_dir: Path) -> None:
    """Temporary files of writes that a stopped worker did not finish (``atomic``'s ``.<name>.*.tmp``)."""
    for tmp in run_dir.rglob(".*.tmp"):
        try:
            tmp.unlink()
        except OSError:
            pass


def _record(job, res: dict, manifest: cache.Manifest, key: str, run_dir: Path, spec: RunSpec,
            data: DataInfo) -> dict:
    """One finished job, whichever executor ran it: keep a failed report's previous good version (STALE),
    write its manifest entry and save the manifest. Returns the result as recorded."""
    previous = _previous_good(manifest.entries.get(job.id), run_dir)
    if res["status"] == "failed" and previous is not None:
        # the previous good version stays published; the report is marked outdated with the new error
        res = {**res, "status": STALE, "outputs": previous["outputs"]}
    entry = {"key": key, "status": res["status"], "seconds": res["seconds"],
             "outputs": res["outputs"], "error": res["error"],
             "failed_notebook": res["failed_notebook"], "notebook": job.notebook_name,
             "parameters": job.parameters, "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if res["status"] == STALE:
        entry["published"] = previous.get("published") or previous.get("finished")
        entry["key"] = previous.get("key")  # the key of what is published; stale is never fresh
    else:
        entry["published"] = entry["finished"] if res["status"] == "ok" else None
    manifest.record(job.id, entry)
    manifest.save({"run": spec.run, "package_version": __version__, "data_hash": data.hash})
    return res


# ------------------------------------------------------------------------------------------------
REPORT_HELP = "rendera rapporter enligt en körspecifikation (params/runs/*.yaml)"
REPORT_DESCRIPTION = ("Kör parametriserade anteckningsböcker och publicerar dem som fristående HTML-rapporter med en "
                      "översiktssida för läsare (reports/<körning>/index.html) och en teknisk körlogg "
                      "(reports/<körning>/korlogg.html).")


def _parser() -> argparse.ArgumentParser:
    """``fgte report`` on its own (``python -m fgte_research.publish``); `fgte` adds the same arguments to its tree."""
    return add_report_arguments(ArgumentParserSv(prog="fgte report", description=REPORT_DESCRIPTION))


def add_report_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of ``fgte report``, written once: for :func:`_parser` and for the `fgte` command's tree."""
    p.add_argument("runspec", metavar="KÖRSPECIFIKATION", help="YAML-fil, t.ex. params/runs/fgte_annual.yaml")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help=f"antal parallella rapportprocesser (standard: kärnorna + 1, här {report_workers()}; "
                        "beräkningspasset före dem använder kärnorna)")
    p.add_argument("--force", action="store_true", help="kör om även oförändrade rapporter")
    p.add_argument("--executor", choices=(*EXECUTORS, *KERNEL_MODES), default=None,
                   help="var rapporterna körs: local (processer på den här datorn, standard) eller dask "
                        "(dask.distributed; utan --scheduler ett lokalt kluster). warm och papermill är den "
                        "äldre stavningen av --kernel")
    p.add_argument("--kernel", choices=KERNEL_MODES, default=None,
                   help="warm: en återanvänd kärna per process (snabbast, standard); papermill: ny kärna per rapport")
    p.add_argument("--scheduler", default=None, metavar="ADRESS",
                   help="Dask-schemaläggarens adress, t.ex. tcp://värd:8786 (bara med --executor dask)")
    p.add_argument("--quiet", "-q", action="store_true", help="ingen förloppsindikator")
    p.add_argument("--municipalities", "-m", default=None, metavar="KOMMUNER",
                   help="ersätt specifikationens kommuner: koder/namn med komma (1380,Haparanda), fgte, halland "
                        "eller all")
    p.add_argument("--years", "-y", default=None, metavar="ÅR",
                   help="ersätt specifikationens år: latest, ett år (2024) eller flera med komma (2023,2024)")
    p.add_argument("--run", default=None, metavar="NAMN",
                   help="namn på resultatmappen reports/<NAMN> (standard: specifikationens)")
    return p


class _Terminated(BaseException):
    """SIGTERM arrived before the run installed its own handlers."""


def _terminated(signum, frame):
    raise _Terminated()


def cli_report(argv: list[str]) -> int:
    """``fgte report RUNSPEC [--jobs N] [--force]``; returns the exit code (0 ok, 1 failures, 2 bad input)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message
        return int(exc.code or 0) and 2
    return report_from_args(args)


def report_from_args(args: argparse.Namespace) -> int:
    """``fgte report`` with its arguments parsed (by :func:`_parser` or the `fgte` command's tree)."""
    from ..build import BuildError
    from ..intervention_registry import RegistryError

    if args.jobs is not None and args.jobs < 1:
        print("fgte report: --jobs måste vara minst 1", file=sys.stderr)
        return 2
    if args.executor in KERNEL_MODES and args.kernel not in (None, args.executor):
        print(f"fgte report: --executor {args.executor} betyder --kernel {args.executor} och strider mot "
              f"--kernel {args.kernel}; ange --executor local eller dask", file=sys.stderr)
        return 2
    if args.scheduler is not None and args.executor != "dask":
        print("fgte report: --scheduler gäller bara tillsammans med --executor dask", file=sys.stderr)
        return 2
    path = Path(args.runspec)
    if not path.exists() and not path.suffix and (paths.params_dir() / "runs" / f"{path}.yaml").is_file():
        path = paths.params_dir() / "runs" / f"{path}.yaml"  # `fgte report national`
    municipalities = None
    if args.municipalities is not None:
        from ..municipalities import ALL_WORDS, NAMED_SETS

        named_sets = {*ALL_WORDS, *NAMED_SETS}
        parts = [x.strip() for x in args.municipalities.split(",") if x.strip()]
        municipalities = parts[0] if len(parts) == 1 and parts[0].lower() in named_sets else parts
    years = None
    if args.years is not None:
        try:
            years = "latest" if args.years.strip() == "latest" else [int(y) for y in args.years.split(",")]
        except ValueError:
            print(f"fgte report: --years {args.years!r} är varken 'latest' eller år med komma (2023,2024)",
                  file=sys.stderr)
            return 2
    # SIGTERM before the run's own handlers are in place (data build, validation): an exception like Ctrl-C's,
    # so the build's write-aside files are cleaned up and the command ends with one line, not silently
    previous_term = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        spec = path if (municipalities is None and years is None and args.run is None) else \
            load_runspec(path, municipalities=municipalities, years=years, run=args.run)
        result = render(spec, jobs=args.jobs, force=args.force, executor=args.executor, kernel=args.kernel,
                        scheduler=args.scheduler, progress=not args.quiet)
    except KeyboardInterrupt:  # Ctrl-C before any report started (afterwards render stops the run itself)
        print("fgte report: avbrutet (SIGINT) innan några rapporter kördes.", file=sys.stderr)
        return 130
    except _Terminated:
        print("fgte report: avbrutet (SIGTERM) innan några rapporter kördes; inget skrevs.", file=sys.stderr)
        return 143
    except RunSpecError as exc:
        print(exc.message_sv(), file=sys.stderr)
        return 2
    except (PublisherError, RegistryError) as exc:  # one line: "Fel i <fil>: <problem>. Inga rapporter …"
        text = str(exc).rstrip(". ")
        print(f"{text if isinstance(exc, PublisherError) else f'Fel i {text}'}. Inga rapporter har skapats.",
              file=sys.stderr)
        return 2
    except (KernelSetupError, ExecutorSetupError) as exc:
        print(f"fgte report: {exc}", file=sys.stderr)
        return 2
    except RunLockError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except BuildError as exc:
        print(f"fgte report: data/processed kan inte byggas (kör `fgte data check`): {exc.one_line()} "
              "Inga rapporter har skapats.", file=sys.stderr)
        return 2
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous_term)
    if result.interrupted is not None:
        print(result.interrupted_sv(), file=sys.stderr)
        return result.exit_code
    print(result.summary_sv())
    print(result.index_path)
    return result.exit_code
