"""A publishing run never loses a good report: write-aside renders, outdated reports, umask, run-folder lock.

The render tests run the pipeline fixture tests/fixtures/report_fixture.ipynb (its ``fail_on`` parameter
raises for one municipality) in a private reports folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import publish_support as ps  # noqa: E402

from fgte_research import atomic, catalogue  # noqa: E402
from fgte_research.publish import runner  # noqa: E402

CODE = "1380"  # Halmstad


def _doc(fail_on: str, run: str = "sakert", name: str | None = None) -> dict:
    entry = {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": [CODE], "years": "latest",
             "parameters": {"fail_on": fail_on}}
    if name is not None:
        entry["name"] = name
    return {"run": run, "title": "Säker publicering", "reports": [entry]}


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    atomic._UMASK = None  # read again under the test's umask
    try:
        yield
    finally:
        os.umask(old)
        atomic._UMASK = None


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------------------------------------ nothing lost
@pytest.mark.slow
def test_failed_rerender_keeps_previous_report_and_marks_it_outdated(tmp_path, umask_022):
    reports = tmp_path / "reports"
    run = reports / "sakert"
    ok_spec = ps.write_spec(tmp_path / "ok", _doc("ingen"))
    code, out, err = ps.run_cli([str(ok_spec), "--jobs", "1", "--quiet"], reports)
    assert code == 0, out + err
    [html] = [p for p in run.rglob("*.html") if p.name not in ("index.html", "korlogg.html")]
    ipynb = html.with_suffix(".ipynb")
    good_html, good_ipynb = html.read_bytes(), ipynb.read_bytes()
    rel = html.relative_to(run).as_posix()
    # published files honour the umask (mkstemp alone would leave them 0600)
    assert _mode(html) == 0o644 and _mode(ipynb) == 0o644 and _mode(run / "index.html") == 0o644

    # a crashed earlier run left its lock: a dead pid is taken over
    (run / runner.LOCK_NAME).write_text(f"{_dead_pid()}\n", encoding="ascii")
    fail_spec = ps.write_spec(tmp_path / "fail", _doc(CODE))
    code, out, err = ps.run_cli([str(fail_spec), "--jobs", "1", "--quiet"], reports)
    assert code == 1, out + err
    assert html.read_bytes() == good_html and ipynb.read_bytes() == good_ipynb, "the previous good report is kept"
    assert not list(run.rglob(".*.tmp")), "no temporary files left behind"
    assert not (run / runner.LOCK_NAME).exists(), "the lock is released"
    assert "föråldrad" in out
    log = (run / "korlogg.html").read_text(encoding="utf-8")
    assert "Föråldrad – senaste försöket misslyckades" in log and "RuntimeError: Avsiktligt fel för Halmstad" in log
    assert f'href="{rel}"' in log
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    job_id = rel[: -len(".html")]
    entry = manifest["reports"][job_id]
    assert entry["status"] == "föråldrad" and "Avsiktligt fel för Halmstad" in entry["error"]
    assert entry["outputs"][0]["html"] == rel
    failed_nb = run / entry["failed_notebook"]
    assert failed_nb.is_file() and failed_nb != ipynb, "the failed notebook does not replace the published one"
    index = (run / "index.html").read_text(encoding="utf-8")
    assert f'href="{rel}"' in index and "senaste försöket misslyckades; visar förra versionen" in index
    assert "Rapporten kunde inte tas fram" not in index

    # the next successful render replaces it and clears the mark
    code, out, err = ps.run_cli([str(ok_spec), "--jobs", "1", "--quiet"], reports)
    assert code == 0 and "1 ny," in out, out + err
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"][job_id]["status"] == "ok"
    assert not failed_nb.exists()
    assert "senaste försöket misslyckades" not in (run / "index.html").read_text(encoding="utf-8")


def test_write_texts_atomic_all_or_nothing(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.ipynb"
    a.write_text("gammal a", encoding="utf-8")
    b.write_text("gammal b", encoding="utf-8")

    class Boom:  # not a str: the second write fails after the first temporary file is written
        pass

    with pytest.raises(TypeError):
        atomic.write_texts_atomic([(a, "ny a"), (b, Boom())])
    assert a.read_text(encoding="utf-8") == "gammal a" and b.read_text(encoding="utf-8") == "gammal b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.ipynb"]
    atomic.write_texts_atomic([(a, "ny a"), (b, "ny b")])
    assert a.read_text(encoding="utf-8") == "ny a" and b.read_text(encoding="utf-8") == "ny b"


# ------------------------------------------------------------------------------------------------ umask
def test_processed_data_honours_umask(raw_copy, umask_022):
    from fgte_research.build import build

    _, processed = raw_copy
    build()
    assert _mode(processed / "panel.parquet") == 0o644
    assert all(_mode(p) == 0o644 for p in processed.iterdir() if p.is_file())


def test_atomic_write_mode_follows_umask(tmp_path):
    old = os.umask(0o027)
    atomic._UMASK = None
    try:
        atomic.write_text_atomic(tmp_path / "x.html", "x")
        assert _mode(tmp_path / "x.html") == 0o640
    finally:
        os.umask(old)
        atomic._UMASK = None
    assert os.umask(old) == old, "the umask is restored after reading it"


# ------------------------------------------------------------------------------------------------ lock, names
def test_second_run_into_a_locked_folder_is_refused(tmp_path):
    reports = tmp_path / "reports"
    run = reports / "sakert"
    run.mkdir(parents=True)
    lock = run / runner.LOCK_NAME
    lock.write_text(f"{os.getpid()}\n", encoding="ascii")  # a live process holds the folder
    spec = ps.write_spec(tmp_path, _doc("ingen"))
    code, out, err = ps.run_cli([str(spec), "--quiet"], reports)
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1 and "en annan körning" in err and str(os.getpid()) in err
    assert lock.read_text(encoding="ascii").strip() == str(os.getpid()), "someone else's lock is not removed"
    assert sorted(p.name for p in run.iterdir()) == [runner.LOCK_NAME], "nothing written"


def test_lock_taken_over_from_dead_process_and_released(tmp_path):
    lock = tmp_path / runner.LOCK_NAME
    lock.write_text(f"{_dead_pid()}\n", encoding="ascii")
    with runner.run_lock(tmp_path):
        assert lock.read_text(encoding="ascii").strip() == str(os.getpid())
        with pytest.raises(runner.RunLockError):
            with runner.run_lock(tmp_path):
                pass
    assert not lock.exists()


@pytest.mark.parametrize("name", ["index", "korlogg", "manifest", "Index", ".dold"])
def test_report_names_of_the_run_folders_own_files_refused(tmp_path, name):
    spec = ps.write_spec(tmp_path, _doc("ingen", name=name))
    code, out, err = ps.run_cli([str(spec), "--quiet"], tmp_path / "reports")
    assert code == 2, out + err
    assert "reserverat" in err and repr(name) in err
    assert not (tmp_path / "reports").exists()


# ------------------------------------------------------------------------------------------------ clear failures
KOLADA_FILE = "kolada/datapoints--by--geo--year/ddf--datapoints--n15505--by--geo--year.csv"


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-2] = ord("7") if data[-2] != ord("7") else ord("8")  # same size, other checksum
    path.write_bytes(bytes(data))


RAW_DAMAGE = {
    "kontrollsumma": _flip_byte,
    "saknas": lambda p: p.unlink(),
    "avkortad": lambda p: p.write_bytes(p.read_bytes()[:100]),
}


def _fgte(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fgte_research.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def _assert_one_clear_line(proc: subprocess.CompletedProcess, *needles: str) -> None:
    err = proc.stderr.strip()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and len(err.splitlines()) == 1, proc.stderr
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.mark.parametrize("damage", sorted(RAW_DAMAGE))
@pytest.mark.parametrize("command", [["data", "summary"], ["report", "SPEC"]])
def test_broken_raw_data_one_line_exit_2(raw_copy, tmp_path, damage, command):
    raw, processed = raw_copy
    RAW_DAMAGE[damage](raw / KOLADA_FILE)
    spec = ps.write_spec(tmp_path, _doc("ingen"))
    args = [str(spec) if a == "SPEC" else a for a in command]
    proc = _fgte(args, {"FGTE_RAW_DIR": str(raw), "FGTE_PROCESSED_DIR": str(processed),
                        "FGTE_REPORTS_DIR": str(tmp_path / "reports")})
    _assert_one_clear_line(proc, KOLADA_FILE, "saknas" if damage == "saknas" else "kontrollsumman")
    assert not (tmp_path / "reports").exists() and not list(processed.glob("*.parquet"))


#: The other commands on the same broken raw data: build and check list what is wrong (one message, one line
#: per broken file); fetch needs the municipality list from the data and stops before any request; the
#: indicator list reads only the catalogue and still works.
OTHER_COMMANDS = {
    "data build": (["data", "build"], 2),
    "data check": (["data", "check"], 2),
    "data fetch": (["data", "fetch", "--kpi", "N15505", "--years", "2023", "--base-url", "http://127.0.0.1:9"], 2),
    "indicators": (["indicators"], 0),
    # the commands that add to data/raw refuse to while it does not match its manifest (before any request)
    "data add": (["data", "add", "RAW/skolverket/SKOLVERKET_FILE"], 2),
    "data update": (["data", "update", "--base-url", "http://127.0.0.1:9", "-q"], 2),
}


@pytest.mark.parametrize("damage", sorted(RAW_DAMAGE))
@pytest.mark.parametrize("command", sorted(OTHER_COMMANDS))
def test_broken_raw_data_every_command(raw_copy, damage, command):
    raw, processed = raw_copy
    RAW_DAMAGE[damage](raw / KOLADA_FILE)
    manifest_before = (raw / "MANIFEST.csv").read_bytes()
    args, expected = OTHER_COMMANDS[command]
    if command == "data add":  # a real Skolverket export, copied out under a new name
        export = next(p for p in sorted((raw / "skolverket").iterdir()) if p.suffix in (".csv", ".txt", ".xlsx"))
        src = raw.parent / f"ny-{export.name}"
        shutil.copyfile(export, src)
        args = ["data", "add", str(src)]
    proc = _fgte(args, {"FGTE_RAW_DIR": str(raw), "FGTE_PROCESSED_DIR": str(processed)})
    assert proc.returncode == expected, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    if expected:
        err = proc.stderr.strip()
        assert err.startswith("fgte:") and KOLADA_FILE in err and "Traceback" not in err, err
        assert ("saknas" if damage == "saknas" else "kontrollsumman") in err, err
    else:
        assert "1. " in proc.stdout and f"{len(catalogue.INDICATORS)}. " in proc.stdout
    assert not list(processed.glob("*.parquet")), "nothing built from broken raw data"
    assert (raw / "MANIFEST.csv").read_bytes() == manifest_before and not (raw / "kolada_api").exists()


BOMB = "\n".join([
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    *[f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefgh", "bcdefghi")],
    "run: bomb",
    "reports: *i",
]) + "\n"


def _write_bad_spec(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.yaml"
    good = "run: x\ntitle: Årsrapport för Hylte\nreports:\n  - notebook: annual_report\n"
    if kind == "mapp":
        path.mkdir()
    elif kind == "latin1":
        path.write_bytes(good.encode("latin-1"))
    elif kind == "utf16":
        path.write_bytes(good.encode("utf-16"))
    elif kind == "tom":
        path.write_text("# bara en kommentar\n\n", encoding="utf-8")
    elif kind == "stor":
        path.write_text(good + "# " + "x" * (300 * 1024) + "\n", encoding="utf-8")
    elif kind == "aliasbomb":
        path.write_text(BOMB, encoding="utf-8")
    return path


SPEC_CASES = {"mapp": "mapp", "latin1": "UTF-8", "utf16": "UTF-16", "tom": "tom", "stor": "256 KB",
              "aliasbomb": "alias"}


@pytest.mark.parametrize("kind", sorted(SPEC_CASES))
def test_unreadable_spec_one_line_exit_2(tmp_path, kind):
    spec = _write_bad_spec(kind, tmp_path)
    proc = _fgte(["report", str(spec)], {"FGTE_REPORTS_DIR": str(tmp_path / "reports")})
    _assert_one_clear_line(proc, str(spec), SPEC_CASES[kind], "Inga rapporter har skapats")
    assert not (tmp_path / "reports").exists()


def test_alias_bomb_refused_quickly(tmp_path):
    import time

    from fgte_research.publish.runspec import RunSpecError, load_runspec

    spec = _write_bad_spec("aliasbomb", tmp_path)
    started = time.perf_counter()
    with pytest.raises(RunSpecError, match="alias"):
        load_runspec(spec)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("args, words", [
    (["hej"], "ogiltigt val 'hej'"),
    ([], "saknar argument: KOMMANDO"),
    (["data", "bygg"], "ogiltigt val 'bygg'"),
    (["report", "SPEC", "--executor", "moln"], "--executor: ogiltigt val 'moln'"),
    (["report", "SPEC", "--jobs", "x"], "'x' är inget heltal"),
    (["report", "SPEC", "--extra"], "okända argument: --extra"),
    (["data", "fetch", "--kpi"], "--kpi behöver ett värde"),
])
def test_command_line_mistakes_are_one_swedish_line(tmp_path, args, words):
    args = [str(tmp_path / "x.yaml") if a == "SPEC" else a for a in args]
    proc = _fgte(args, {"FGTE_REPORTS_DIR": str(tmp_path / "reports")})
    _assert_one_clear_line(proc, words, "--help")
    assert "usage" not in proc.stderr and "invalid" not in proc.stderr
