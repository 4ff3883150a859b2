"""Nothing outlives its parent: `kill -9` of `fgte report` leaves no worker, kernel or pass worker behind, and a
run whose main process is gone publishes nothing (issue 19)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import publish_support as ps  # noqa: E402
import signal_support as ss  # noqa: E402

from fgte_research.publish import execute  # noqa: E402


def _published(run_dir: Path) -> dict[str, int]:
    return {p.relative_to(run_dir).as_posix(): p.stat().st_mtime_ns for p in run_dir.rglob("*.html")
            if p.name not in ("index.html", "korlogg.html")}


def _kill9(spec: Path, run_dir: Path, ready, extra=()) -> tuple[float, list, dict, dict, str]:
    """Start `fgte report`, wait for ``ready()``, SIGKILL the main process only; return (seconds until no
    process of the run is left, survivors after 30 s, published files at the kill, published files 5 s after
    the last process ended, stderr)."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "FGTE_TEST_MARK": mark, "FGTE_REPORTS_DIR": str(run_dir.parent)}
    cmd = [sys.executable, "-m", "fgte_research.cli", "report", str(spec), "--jobs", "2", "--quiet", *extra]
    log = run_dir.parent.parent / f"stderr-{mark}.txt"  # a file, not a pipe: survivors would hold a pipe open
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ss.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=fh,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and not ready():
            time.sleep(0.05)
        assert proc.poll() is None, f"fgte report ended before the kill: {log.read_text()}"
        before = _published(run_dir)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        left = ss.marked(mark)
        while left and time.monotonic() - sent < 30:
            time.sleep(0.05)
            left = ss.marked(mark)
        seconds = time.monotonic() - sent
        survivors = [f"{p.pid} {' '.join(p.cmdline())[:160]}" for p in left if p.is_running()]
        time.sleep(5)  # anything still able to publish has had time to
        return seconds, survivors, before, _published(run_dir), log.read_text()
    finally:
        ss._kill_session(proc.pid, mark)


@pytest.mark.slow
def test_kill9_during_reports_leaves_nothing_running_and_publishes_nothing(tmp_path):
    spec = ps.write_spec(tmp_path, ss.spec_doc("kill9"))
    run_dir = tmp_path / "reports" / "kill9"
    seconds, survivors, before, after, _ = _kill9(spec, run_dir, lambda: len(ss.finished_reports(run_dir)) >= 1)
    print(f"kill -9 during the reports: last process of the run gone after {seconds:.2f} s")
    assert survivors == [], f"processes of the killed run outlived it: {survivors}"
    assert seconds < 5
    assert after == before, "a report was published after the main process was killed"


@pytest.mark.slow
def test_kill9_during_the_compute_once_pass(tmp_path, cold_store):
    codes = ss.PASS_MUNICIPALITIES
    spec = ps.write_spec(tmp_path, {"run": "kill9-pass", "reports": [
        {"notebook": "annual_report", "municipalities": codes, "years": [2024]}]})
    run_dir = tmp_path / "reports" / "kill9-pass"

    def pass_running() -> bool:  # the shared models are stored, municipalities are being computed
        return len(list(cold_store.rglob("annual_results/*"))) >= 1

    seconds, survivors, _, after, _ = _kill9(spec, run_dir, pass_running)
    print(f"kill -9 during the compute-once pass: last process gone after {seconds:.2f} s")
    assert survivors == [], f"pass workers outlived the killed run: {survivors}"
    assert seconds < 5
    assert after == {}


def test_a_run_whose_main_process_is_gone_publishes_nothing(tmp_path):
    lock = tmp_path / ".fgte-report.lock"
    me = os.getpid()
    lock.write_text(f"{me}\n", encoding="ascii")
    assert execute.run_is_alive({"main_pid": me, "lock": str(lock)})
    lock.write_text("1\n", encoding="ascii")  # a newer run took the folder over
    assert not execute.run_is_alive({"main_pid": me, "lock": str(lock)})
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock.write_text(f"{gone.pid}\n", encoding="ascii")
    assert not execute.run_is_alive({"main_pid": gone.pid, "lock": str(lock)})
    lock.unlink()
    assert not execute.run_is_alive({"main_pid": me, "lock": str(lock)})


def _sleeper(folder: Path) -> Path:
    """The pipeline fixture with a cell that says it runs, then sleeps (its kernel is killed meanwhile)."""
    import nbformat

    nb = nbformat.read(ss.FIXTURES / "report_fixture.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        f"import time\nopen({str(folder / 'cell-runs')!r}, 'w').close()\ntime.sleep(120)"))
    path = folder / "sovande.ipynb"
    nbformat.write(nb, path)
    return path


def _warming_up(kernel, folder: Path) -> bool:
    """The warm kernel imports the heavy libraries (pandas is imported by the warm-up, not by ipykernel)."""
    try:
        return any("/pandas/" in m.path for m in kernel.memory_maps())
    except Exception:  # noqa: BLE001 - the process is starting or ending
        return False


def _in_the_cell(kernel, folder: Path) -> bool:
    return (folder / "cell-runs").exists()


@pytest.mark.slow
@pytest.mark.parametrize("moment", [_warming_up, _in_the_cell], ids=["while-warming-up", "while-running-a-cell"])
def test_a_dead_kernel_is_noticed_within_seconds(tmp_path, moment):
    spec = ps.write_spec(tmp_path, {"run": "dod-karna", "reports": [
        {"notebook": str(_sleeper(tmp_path)), "municipalities": ["1380"], "years": [2024]}]})
    mark = uuid.uuid4().hex
    env = {**os.environ, "FGTE_TEST_MARK": mark, "FGTE_REPORTS_DIR": str(tmp_path / "reports")}
    proc = subprocess.Popen([sys.executable, "-m", "fgte_research.cli", "report", str(spec), "--quiet"],
                            cwd=ss.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        kernel = None
        while proc.poll() is None and (kernel is None or not moment(kernel, tmp_path)):
            kernel = kernel or next((p for p in ss.marked(mark) if "ipykernel" in " ".join(p.cmdline())), None)
            time.sleep(0.02)
        assert kernel is not None, "no kernel started"
        seen = time.monotonic()
        kernel.kill()
        try:
            proc.wait(timeout=100)
        except subprocess.TimeoutExpired:
            pass
        seconds = time.monotonic() - seen
    finally:
        ss._kill_session(proc.pid, mark)
    print(f"kernel killed {moment.__name__}: the run ended {seconds:.1f} s later")
    assert seconds < 15, f"the dead kernel was noticed only after {seconds:.0f} s"
    assert proc.returncode == 1
