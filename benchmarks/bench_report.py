"""Benchmark `fgte report` against the naive loop (papermill CLI + nbconvert CLI per report).

    .venv/bin/python benchmarks/bench_report.py [-n 12] [--jobs N] [--national] [--skip-naive]

(a) naive: for each municipality, one after another, `papermill` CLI then `jupyter nbconvert
    --to html --no-input` CLI (both from the venv's bin), kernel fgte-research;
(b) `fgte report` (python -m fgte_research.publish) on a run specification for the same
    municipalities, --force, into a fresh temporary reports folder;
(c) --national: `fgte report` for all 290 municipalities, one year, with a cold results store (a private
    processed folder whose tables are links to data/processed): wall time, CPU-seconds per report (all processes:
    the compute-once pass, workers and kernels), peak memory of the whole process tree (sampled every 0.2 s), the
    size per report (HTML and kept notebook), and the ratio to the naive loop (its seconds per report from (a),
    times 290: running the naive loop 290 times would take over an hour and a half);
(d) --national: the same command again with nothing changed (every report skipped): seconds.

Uses notebooks/annual_report.ipynb; falls back to the pipeline fixture tests/fixtures/report_fixture.ipynb
(with a loud note) when the real notebook is missing or --fixture is given. Outputs go to a temporary
folder that is removed afterwards (--keep keeps it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from fgte_research import municipalities as m  # noqa: E402
from fgte_research.publish import data_info, ensure_kernel  # noqa: E402

REAL = ROOT / "notebooks" / "annual_report.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "report_fixture.ipynb"
EXECUTOR: str | None = None
KERNEL: str | None = None


def _met(ok: bool) -> str:
    """The targets are issue #18's; say plainly whether a figure meets its one."""
    return "nått" if ok else "inte nått"


def pick_municipalities(n: int) -> list[str]:
    codes = list(m.NAMED_SETS["halland"])
    codes += [c for c in m.load_municipalities()["municipality_id"] if c not in codes]
    return codes[:n]


def cpu_children() -> float:
    """CPU seconds (user + sys) of all finished child processes (and their waited-for descendants)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def naive(notebook: Path, codes: list[str], year: int, out: Path) -> tuple[float, int, float]:
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    cpu0 = cpu_children()
    started = time.perf_counter()
    for code in codes:
        executed = out / f"{code}.ipynb"
        r = subprocess.run([str(BIN / "papermill"), str(notebook), str(executed), "-r", "municipality", code,
                            "-p", "year", str(year), "-k", "fgte-research", "--cwd", str(notebook.parent),
                            "--no-progress-bar"], capture_output=True, text=True)
        if r.returncode != 0:
            failures += 1
            continue
        r = subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                           capture_output=True, text=True)
        failures += r.returncode != 0
    return time.perf_counter() - started, failures, cpu_children() - cpu0


class TreeMemory:
    """Peak resident memory of this process's descendants (summed over processes), sampled in a thread."""

    def __init__(self, interval: float = 0.2):
        import threading

        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo += children.get(pid, [])
        return total

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._tree_rss())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cold_processed(tmp: Path) -> Path:
    """A processed folder with the real tables (links) and an empty results store."""
    from fgte_research import paths, store

    processed = tmp / "processed"
    processed.mkdir(parents=True, exist_ok=True)
    for p in paths.processed_dir().iterdir():
        if p.name != store.SUBDIR:
            (processed / p.name).symlink_to(p)
    return processed


def sizes(run_dir: Path) -> tuple[list[int], list[int]]:
    html = [p.stat().st_size for p in run_dir.rglob("*.html") if p.name not in ("index.html", "korlogg.html")]
    ipynb = [p.stat().st_size for p in run_dir.rglob("*.ipynb")]
    return sorted(html), sorted(ipynb)


def fgte_report(notebook: Path, municipalities, year, reports: Path, jobs: int | None,
                run: str, force: bool = True, env_extra: dict | None = None) -> tuple[float, str, float]:
    import yaml

    spec = reports.parent / f"{run}.yaml"
    spec.write_text(yaml.safe_dump({"run": run, "reports": [
        {"notebook": str(notebook), "municipalities": municipalities, "years": [year]}]}, allow_unicode=True),
        encoding="utf-8")
    env = dict(os.environ, FGTE_REPORTS_DIR=str(reports), **(env_extra or {}))
    cmd = [sys.executable, "-m", "fgte_research.publish", str(spec), "-q"] + (["--force"] if force else [])
    if EXECUTOR:
        cmd += ["--executor", EXECUTOR]
    if KERNEL:
        cmd += ["--kernel", KERNEL]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    cpu0 = cpu_children()
    started = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    return elapsed, (r.stdout + r.stderr).strip(), cpu_children() - cpu0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=12, help="antal kommuner (standard 12)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--national", action="store_true", help="mät även hela landet (290 rapporter)")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--fixture", action="store_true", help="använd testfixturen i stället för annual_report")
    ap.add_argument("--keep", action="store_true", help="behåll de temporära resultaten")
    ap.add_argument("--kernel", choices=("warm", "papermill"), default=None,
                    help="kärnläge i (b)/(c) (standard: körspecifikationens, dvs. warm)")
    ap.add_argument("--executor", choices=("local", "dask"), default=None,
                    help="var rapporterna körs i (b)/(c): local (standard) eller dask (ett lokalt Dask-kluster)")
    args = ap.parse_args(argv)
    global EXECUTOR, KERNEL
    EXECUTOR, KERNEL = args.executor, args.kernel

    notebook = REAL
    if args.fixture or not REAL.is_file():
        notebook = FIXTURE
        print("=" * 78 + "\nOBS: notebooks/annual_report.ipynb används INTE – mätningen gäller pipeline-fixturen\n"
              f"{FIXTURE.relative_to(ROOT)}, en liten anteckningsbok. Siffrorna säger inget om de riktiga\n"
              "rapporterna.\n" + "=" * 78, flush=True)
    ensure_kernel()
    info = data_info()
    year = info.latest
    codes = pick_municipalities(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    print(f"Anteckningsbok: {notebook.relative_to(ROOT)}; år {year}; {len(codes)} kommuner; "
          f"{os.cpu_count()} kärnor; jobs={args.jobs or 'standard (kärnorna + 1)'}", flush=True)
    load = os.getloadavg()[0]
    print(f"Belastning före mätningen (1 min): {load:.2f}", flush=True)
    if load > 0.5:
        print("OBS: datorn är inte ledig – andra processer konkurrerar om kärnorna och gör särskilt den "
              "parallella mätningen (b) långsammare.", flush=True)
    try:
        t_naive = None
        if not args.skip_naive:
            t_naive, fails, cpu_naive = naive(notebook, codes, year, tmp / "naive")
            print(f"(a) naiv loop (papermill-CLI + nbconvert-CLI, en i taget): {t_naive:7.1f} s "
                  f"({t_naive / len(codes):.2f} s/rapport, CPU-tid {cpu_naive:.0f} s"
                  f"{f', {fails} misslyckade' if fails else ''})", flush=True)
        t_fgte, out, cpu_fgte = fgte_report(notebook, codes, year, tmp / "reports", args.jobs, "bench")
        print(f"(b) fgte report:                                          {t_fgte:7.1f} s "
              f"({t_fgte / len(codes):.2f} s/rapport, CPU-tid {cpu_fgte:.0f} s)", flush=True)
        if "misslyckade" in out and " 0 misslyckade" not in out:
            print(out)
        if t_naive is not None:
            print(f"    kvot naiv / fgte report: {t_naive / t_fgte:.1f}×  (mål ≥ 4×); kvot CPU-tid: "
                  f"{cpu_naive / cpu_fgte:.1f}× (oberoende av andra processer; väggtiden vinner dessutom på "
                  f"parallellismen)")
        if args.national:
            n = len(m.load_municipalities())
            env = {"FGTE_PROCESSED_DIR": str(cold_processed(tmp))}
            with TreeMemory() as mem:
                t_nat, out, cpu_nat = fgte_report(notebook, "all", year, tmp / "reports", args.jobs,
                                                  "national_bench", env_extra=env)
            html, ipynb = sizes(tmp / "reports" / "national_bench")
            print(f"(c) hela landet, {n} rapporter, kallt resultatlager: {t_nat:7.1f} s = {t_nat / 60:.1f} min "
                  f"({t_nat / n:.2f} s/rapport; mål ≤ 3 min: {_met(t_nat <= 180)})", flush=True)
            print(f"    CPU-tid {cpu_nat:.0f} s = {cpu_nat / n:.2f} CPU-s per rapport (passet, arbetarna och "
                  f"kärnorna; mål ≤ 1,2: {_met(cpu_nat / n <= 1.2)}); högsta minne för hela processträdet "
                  f"{mem.peak / 2**20:.0f} MB", flush=True)
            if html:
                print(f"    storlek per rapport: HTML median {html[len(html) // 2] / 1024:.0f} KB, största "
                      f"{html[-1] / 1024:.0f} KB (mål ≤ 600 KB); körd anteckningsbok median "
                      f"{ipynb[len(ipynb) // 2] / 1024:.0f} KB, största {ipynb[-1] / 1024:.0f} KB", flush=True)
            if t_naive is not None:
                print(f"    kvot mot den naiva loopen: {t_naive / len(codes) * n / t_nat:.1f}× (naiv "
                      f"{t_naive / len(codes):.2f} s/rapport från (a) × {n}; mål ≥ 10×: "
                      f"{_met(t_naive / len(codes) * n / t_nat >= 10)})", flush=True)
            if " 0 misslyckade" not in out:
                print(out)
            t_again, out, _ = fgte_report(notebook, "all", year, tmp / "reports", args.jobs, "national_bench",
                                          force=False, env_extra=env)
            print(f"(d) samma körning igen, inget ändrat: {t_again:.1f} s (mål ≤ 3 s: {_met(t_again <= 3)}): "
                  f"{out.splitlines()[0] if out else ''}", flush=True)
        print(f"Belastning efter mätningen (1 min): {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"Resultat kvar i {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
