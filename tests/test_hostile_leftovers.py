"""The last tracebacks of issue 19, each now one Swedish line with the right exit code: a scheduler address that
passes a weak check, a disk full at lock creation, a manifest entry of the wrong shape, Ctrl-C in `fgte data
build` / `fgte data update`, a stray soft-value copy, and registry text that tries to be Markdown structure or
hide itself (bidi overrides, zero-width characters)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fgte_research import paths

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "fgte_research.cli"]


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------------------------ scheduler
@pytest.mark.parametrize("address", ["http://::bad", "http://värd:8786", "tcp://[::1]:99999", "tcp://:8786"])
def test_a_scheduler_address_dask_cannot_use_is_refused_at_once(address, tmp_path):
    env = {**os.environ, "FGTE_REPORTS_DIR": str(tmp_path / "reports")}
    started = time.monotonic()
    out = subprocess.run([*CLI, "report", str(ROOT / "params" / "runs" / "fgte_annual.yaml"), "--executor", "dask",
                          "--scheduler", address], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - started
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "ingen Dask-adress" in lines[0], out.stderr
    assert seconds < 30, f"refused only after {seconds:.0f} s"
    assert not (tmp_path / "reports").exists()


# ------------------------------------------------------------------------------------------------ lock
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_lock_that_cannot_be_written(tmp_path, monkeypatch, code):
    from fgte_research.publish import runner

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd):
            self.fh = real_fdopen(fd, "w", encoding="ascii")

        def __enter__(self):
            return self

        def write(self, text):
            raise OSError(code, os.strerror(code))

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(runner.os, "fdopen", lambda fd, *a, **k: Full(fd))
    with pytest.raises(runner.RunLockError) as err:
        with runner.run_lock(tmp_path / "run"):
            pass
    assert err.value.exit_code == 1 and os.strerror(code) in str(err.value)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "run" / runner.LOCK_NAME).exists(), "a half-written lock was left behind"


# ------------------------------------------------------------------------------------------------ manifest
def test_manifest_entries_of_the_wrong_shape_count_as_never_rendered(tmp_path):
    from fgte_research.publish import cache, runner

    good = {"key": "k", "status": "ok", "seconds": 1.5, "outputs": [{"variant": "", "title": "T",
                                                                      "html": "a.html", "ipynb": "a.ipynb"}]}
    (tmp_path / "a.html").write_text("x")
    (tmp_path / "a.ipynb").write_text("x")
    doc = {"format": 1, "reports": {"ok": good, "text": "hej", "list": [1, 2], "outputs": {"outputs": "a.html"},
                                    "output": {"outputs": [{"html": 5}]}, "none": None,
                                    "seconds": {**good, "seconds": "snabbt"}, "status": {**good, "status": ["ok"]}}}
    (tmp_path / cache.MANIFEST_NAME).write_text(json.dumps(doc), encoding="utf-8")
    manifest = cache.Manifest(tmp_path)
    assert list(manifest.entries) == ["ok"]
    assert manifest.is_fresh("ok", "k", tmp_path)
    for job_id in doc["reports"]:
        manifest.is_fresh(job_id, "k", tmp_path)
        runner._previous_good(manifest.entries.get(job_id), tmp_path)
    (tmp_path / cache.MANIFEST_NAME).write_text(json.dumps({"reports": ["not", "a", "mapping"]}))
    assert cache.Manifest(tmp_path).entries == {}


# ------------------------------------------------------------------------------------------------ Ctrl-C
def _restore_ctrl_c() -> None:
    # a suite started in the background by a shell without job control (`nohup make test &`) passes SIGINT on
    # ignored, and Python then installs no KeyboardInterrupt: the child gets the disposition a terminal gives it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(cmd: list[str], env: dict, after: float) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_restore_ctrl_c)
    time.sleep(after)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.mark.slow
def test_ctrl_c_in_data_build(raw_copy):
    raw, processed = raw_copy
    env = {**os.environ, "FGTE_RAW_DIR": str(raw), "FGTE_PROCESSED_DIR": str(processed)}
    subprocess.run([*CLI, "data", "build"], cwd=ROOT, env=env, capture_output=True, timeout=600, check=True)
    before = _tree_hash(processed)
    (raw / "MANIFEST.csv").touch()  # a changed raw folder: the next build does the whole work again
    done = _interrupt([*CLI, "data", "build"], env, after=4)
    assert done.returncode == 130, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "avbrutet" in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert _tree_hash(processed) == before, "a half-built data/processed"


@pytest.mark.slow
def test_ctrl_c_in_data_update(raw_copy):
    """A stand-in Kolada on 127.0.0.1 that accepts and never answers: Ctrl-C while the update waits."""
    raw, processed = raw_copy
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(server.accept()) for _ in range(8)], daemon=True).start()
    env = {**os.environ, "FGTE_RAW_DIR": str(raw), "FGTE_PROCESSED_DIR": str(processed)}
    before = _tree_hash(raw)
    try:
        done = _interrupt([*CLI, "data", "update", "--quiet", "--no-build", "--base-url",
                           f"http://127.0.0.1:{server.getsockname()[1]}/v3"], env, after=4)
    finally:
        server.close()
    assert done.returncode == 130, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "avbrutet" in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert _tree_hash(raw) == before, "data/raw changed"


# ------------------------------------------------------------------------------------------------ soft values
HAND_MADE = ("# titel: Trygghet åk 8 (handgjord testdata)\n# källa: handgjord testdata, inga verkliga svar\n"
             "year;group;n;value\n2021;alla;120;70\n2022;alla;130;72\n2023;alla;125;75\n")


def test_a_stray_copy_of_a_soft_value_file_is_named_and_the_valid_files_still_count(tmp_path, monkeypatch):
    from fgte_research import report, soft_values

    params = tmp_path / "params"
    shutil.copytree(paths.params_dir(), params)
    (params / "local").mkdir(exist_ok=True)
    (params / "local" / "1380_trygghet_ak8.csv").write_text(HAND_MADE, encoding="utf-8")  # hand-made test data
    (params / "local" / "1380_trygghet_ak8 - Kopia.csv").write_text(HAND_MADE, encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    result = soft_values.soft_progression("1380", year=2023)
    assert len(result.indicators) == 1 and not result.tidy().empty
    text = report.soft_values_md("1380", 2023) if hasattr(report, "soft_values_md") else result.summary_sv()
    assert "1380_trygghet_ak8 - Kopia.csv" in " ".join(result.warnings)
    assert str(tmp_path) not in text and str(tmp_path) not in " ".join(result.warnings)


# ------------------------------------------------------------------------------------------------ registry text
def test_registry_text_cannot_become_markdown_structure_or_hide(tmp_path, monkeypatch):
    import mistune
    import yaml

    from fgte_research import interventions as iv

    params = tmp_path / "params"
    shutil.copytree(paths.params_dir(), params)
    path = params / "interventions.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = doc["interventions"] if isinstance(doc, dict) and "interventions" in doc else doc
    first = entries[0] if isinstance(entries, list) else next(iter(entries.values()))
    first["name"] = "FGTE\n| a | b |\n|---|---|\n| 1 | 2 |\n# rubrik \u202egnalreV\u202c dold\u200btext\u2066x\u2069"
    first["description"] = "Beskrivning\n| a | b |\n|---|---|\n| 1 | 2 |\n\u202eomvänd\u200d"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    iv.load_registry.cache_clear() if hasattr(iv.load_registry, "cache_clear") else None
    entry = next(e for e in iv.load_registry().values() if e.name.startswith("FGTE |"))
    assert "\n" not in entry.name
    for ch in "\u202e\u202c\u200b\u2066\u2069\u200d":
        assert ch not in entry.name and ch not in entry.description
    from fgte_research import sections

    head = sections.intervention_title(entry)  # what the intervention study notebook shows
    for html in (sections.to_html(head), mistune.html(sections.to_markdown(head))):
        assert "<table" not in html and html.count("<h1") == 1 and "<h2" not in html, html
        assert "| a | b |" in html.replace("\\|", "|")  # shown as text
