"""The compute-once pass: every analysis a run's reports need, into the results store, before any notebook runs.

For each (municipality, year, comparison group) of a run it computes what the annual report reads through the
library's public calls — the progression of every indicator (``annual_results.results_for``) and, for municipalities
with registered interventions, the intervention studies — so that the notebooks, executed afterwards by papermill,
read them from :mod:`fgte_research.store` instead of computing them, and a researcher calling the same functions in
JupyterLab gets the same objects. What is shared between municipalities (pooled noise ρ, reference aggregates, the
SALSA model fits, placebo distributions) is computed once per worker process and reused for every municipality it
handles; the pooled ρ detrends all municipalities at once; the gap models of each year are fitted once, before
the workers start, and stored for every process.

The pass also writes the tidy rows of all these results as one parquet table per year and comparison group
(``store.read_tidy("annual_2025_grundskola")``): one table across municipalities, ordered by code, never ranked.

It runs in ``workers`` processes (spawned, like the report workers), each taking whole municipalities; results
already in the store are not recomputed, so a re-run with nothing changed costs a directory listing.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context

import pandas as pd

from . import store
from .annual_results import (ANNUAL_RESULTS, annual_results_key, baseline_for, gap_models, intervention_studies,
                             is_annual_results_of, results_for)
from .contract import DataMissing


@dataclass(frozen=True)
class Task:
    municipality_id: str
    year: int
    comparison_group: str = "grundskola"


@dataclass
class PassSummary:
    tasks: int
    computed: int  # tasks with at least one result not yet in the store
    seconds: float
    workers: int

    def line_sv(self) -> str:
        secs = f"{self.seconds:.1f}".replace(".", ",")
        return (f"Resultatlagret: {self.tasks} kommuner och år, {self.computed} beräknade nu, "
                f"{self.tasks - self.computed} fanns redan ({secs} s, {self.workers} processer).")


def tasks_for(parameters: list[dict]) -> list[Task]:
    """The pass's tasks from report parameters (``municipality``, ``year``, optional ``comparison_group``);
    parameters without a municipality and a year (e.g. a regional overview) need nothing here."""
    from .municipalities import resolve

    out = []
    for p in parameters:
        if "municipality" not in p or "year" not in p:
            continue
        try:
            out.append(Task(resolve(p["municipality"]), int(p["year"]), str(p.get("comparison_group", "grundskola"))))
        except (KeyError, ValueError, TypeError):
            continue  # the notebook itself reports a bad parameter
    return sorted(set(out), key=lambda t: (t.year, t.comparison_group, t.municipality_id))


def _is_stored(task: Task) -> bool:
    """The task's annual results are in the store and readable as its own (a damaged or swapped entry is not:
    the task is computed again and the entry rewritten)."""
    key = annual_results_key(task.municipality_id, task.year, task.comparison_group,
                             baseline_for(task.municipality_id)[0])
    if not store.path_of(ANNUAL_RESULTS, *key).is_file():
        return False
    found = store.read(ANNUAL_RESULTS, *key, check=lambda v: is_annual_results_of(v, task.municipality_id))
    return found is not None


def _in_tidy(tasks: list[Task]) -> set[Task]:
    """The tasks whose rows the tidy table of their year and group holds (a missing or unreadable table holds
    none: its tasks are computed again, from the store, and the table is written anew)."""
    out = set()
    for year, group in {(t.year, t.comparison_group) for t in tasks}:
        table = store.read_tidy(f"annual_{year}_{group}")
        have = set(table["municipality_id"].astype(str)) if table is not None and "municipality_id" in table \
            else set()
        out |= {t for t in tasks if (t.year, t.comparison_group) == (year, group) and t.municipality_id in have}
    return out


def compute_task(task: Task) -> pd.DataFrame:
    """Every result the annual report of ``task`` reads, into the store; returns their tidy rows."""
    results = results_for(task.municipality_id, task.year, task.comparison_group)
    frames = [r.tidy() for r in results.values()]
    # the set's study (the FGTE set) is computed and stored too; its rows are the set's, not this municipality's
    frames += [st.tidy() for _, _, st, _ in intervention_studies(task.municipality_id, task.year)
               if st is not None and not isinstance(st, DataMissing)]
    frame = pd.concat([f for f in frames if not f.empty], ignore_index=True) if frames else pd.DataFrame()
    return frame.assign(year_of_report=task.year, comparison_group=task.comparison_group)


def _shared_models(tasks: list[Task], stop=()) -> None:
    """The gap models every report of a year uses (fitted over all municipalities): into the store once, here,
    rather than once in every worker and kernel. Fitted directly (``annual_results.gap_models``), not by
    rendering the blocks that show them."""
    for year in sorted({t.year for t in tasks}):
        if stop:
            return
        first = next(t.municipality_id for t in tasks if t.year == year)
        gap_models(first, year)


def _chunk(tasks: list[Task]) -> list[pd.DataFrame]:
    return [compute_task(t) for t in tasks]


def _worker_init(threads: int | None, main_pid: int | None = None) -> None:
    from .lifeline import die_with_parent

    die_with_parent(main_pid)  # a pass worker never outlives the run (kill -9 of the main process included)
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, str(threads))


def run(tasks: list[Task], workers: int = 1, progress=None, stop=None) -> PassSummary:
    """Fill the store for ``tasks`` (and write the tidy parquet per year and comparison group).

    ``progress``: a callable taking the number of tasks just finished (e.g. a tqdm bar's ``update``).
    ``stop``: anything true once the run is to stop (a signal): the pass ends within a fraction of a second,
    its worker processes killed; what was stored stays (every entry is complete on its own).
    """
    started = time.perf_counter()
    stop = stop if stop is not None else ()
    _shared_models(tasks, stop)
    tidy = _in_tidy(tasks) if not stop else set()
    todo = [t for t in tasks if t not in tidy or not _is_stored(t)] if not stop else []
    if progress and len(tasks) > len(todo):
        progress(len(tasks) - len(todo))  # already in the store: counted as done at once
    frames: list[pd.DataFrame] = []
    workers = max(1, min(workers, len(todo) // 8 or 1))  # a few municipalities: not worth a process start
    if todo and workers == 1:
        for t in todo:
            if stop:
                break
            frames.append(compute_task(t))
            if progress:
                progress(1)
    elif todo:
        frames = _in_processes(todo, workers, progress, stop)
    if frames and not stop:
        _write_tidy(tasks, frames)
    return PassSummary(len(tasks), len(todo), time.perf_counter() - started, workers if todo else 0)


def _in_processes(todo: list[Task], workers: int, progress, stop) -> list[pd.DataFrame]:
    # interleaved chunks: the FGTE municipalities (slow: intervention studies) spread over the workers
    size = max(1, min(24, len(todo) // (workers * 4)))
    n_chunks = max(1, len(todo) // size)
    chunks = [todo[i::n_chunks] for i in range(n_chunks)]
    frames: list[pd.DataFrame] = []
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init,
                               initargs=(1, os.getpid()))
    try:
        pending = {pool.submit(_chunk, c): c for c in chunks}
        while pending and not stop:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                frames += fut.result()
                finished = pending.pop(fut)
                if progress:
                    progress(len(finished))
    finally:
        if stop or pending:
            for proc in list(getattr(pool, "_processes", {}).values()):  # a signal: no waiting for chunks
                proc.kill()
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown(wait=True)
    return frames


def _write_tidy(tasks: list[Task], new: list[pd.DataFrame]) -> None:
    """Merge the new rows into each (year, comparison group) table: tasks already stored keep their rows."""
    if not new:
        return
    frame = pd.concat([f for f in new if not f.empty], ignore_index=True)
    for (year, group), part in frame.groupby(["year_of_report", "comparison_group"]):
        name = f"annual_{int(year)}_{group}"
        old = store.read_tidy(name)
        if old is not None:
            old = old[~old["municipality_id"].isin(part["municipality_id"].unique())]
            part = pd.concat([old, part], ignore_index=True)
        part = part.sort_values(["municipality_id", "analysis", "series", "term"], kind="mergesort")
        store.write_tidy(name, part.reset_index(drop=True))
