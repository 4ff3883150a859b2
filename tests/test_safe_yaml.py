"""Every YAML file the tool reads goes through one safe reader (fgte_research.safe_yaml): alias bombs, deep nesting,
oversize files and absurd integers are refused with one Swedish line naming the file, quickly and without a
traceback — in run specifications, params/interventions.yaml, params/publisher.yaml and any file a user names.
A broken registry stops `fgte report` before anything is computed or written.

The files here are real shipped files (params/, params/runs/) with a hostile part added, or pure YAML structure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fgte_research import publisher as P
from fgte_research import safe_yaml
from fgte_research.interventions.registry import RegistryError, load_registry
from fgte_research.publish.runspec import RunSpecError, load_runspec

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"

#: "Billion laughs": nine levels of nine aliases each, 387 420 489 strings once expanded (a few hundred bytes).
LEVELS = [f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]" for p, x in zip("abcdefgh", "bcdefghi")]
BOMB_HEAD = "\n".join(['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]', *LEVELS]) + "\n"
#: 15 KB of nested flow collections: without a nesting limit PyYAML's recursive composer hits RecursionError.
DEEP_LISTS = "[" * 15_000
DEEP_MAPS = "{a: " * 3_000


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interventions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _publisher(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "publisher.yaml"
    path.write_text(text, encoding="utf-8")
    return path


SHIPPED_SPEC = (PARAMS / "runs" / "fgte_annual.yaml").read_text(encoding="utf-8")
SHIPPED_REGISTRY = (PARAMS / "interventions.yaml").read_text(encoding="utf-8")
SHIPPED_PUBLISHER = (PARAMS / "publisher.yaml").read_text(encoding="utf-8")

# (reader, file writer, exception) for each kind of YAML the tool reads
READERS = {
    "spec": (load_runspec, _spec, RunSpecError),
    "registry": (load_registry, _registry, RegistryError),
    "publisher": (P.load_publisher, _publisher, P.PublisherError),
    "local": (safe_yaml.read_yaml, lambda tmp, text: _spec(tmp, text), safe_yaml.YamlError),
}
BOMBS = {  # the bomb where each file's reader would walk it
    "spec": BOMB_HEAD + "run: bomb\nreports: *i\n",
    "registry": BOMB_HEAD + "interventions: *i\n",
    "publisher": BOMB_HEAD.replace("a: &a", "contact: &a", 1) + "publisher: *i\n",
    "local": BOMB_HEAD + "x: *i\n",
}


def _one_line(exc: BaseException, *needles: str) -> None:
    text = str(exc)
    assert "\n" not in text.strip() or isinstance(exc, RunSpecError), text
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_alias_bomb_refused_quickly_in_every_yaml(tmp_path, kind):
    reader, write, error = READERS[kind]
    path = write(tmp_path, BOMBS[kind])
    started = time.perf_counter()
    with pytest.raises(error) as err:
        reader(path)
    assert time.perf_counter() - started < 1.0
    _one_line(err.value, path.name, "alias", "rad 1")


@pytest.mark.parametrize("deep", [DEEP_LISTS, DEEP_MAPS], ids=["lists", "maps"])
@pytest.mark.parametrize("kind", sorted(READERS))
def test_deep_nesting_refused_without_recursion_error(tmp_path, kind, deep):
    reader, write, error = READERS[kind]
    body = {"spec": f"run: x\nreports: {deep}\n", "registry": f"interventions: {deep}\n",
            "publisher": f"publisher: {deep}\n", "local": deep}[kind]
    path = write(tmp_path, body)
    with pytest.raises(error) as err:
        reader(path)
    _one_line(err.value, path.name, f"fler än {safe_yaml.MAX_DEPTH} nivåer")


@pytest.mark.parametrize("kind", sorted(READERS))
def test_oversize_file_refused_before_parsing(tmp_path, kind):
    reader, write, error = READERS[kind]
    shipped = {"spec": SHIPPED_SPEC, "registry": SHIPPED_REGISTRY, "publisher": SHIPPED_PUBLISHER,
               "local": SHIPPED_SPEC}[kind]
    path = write(tmp_path, shipped + "# " + "x" * (300 * 1024) + "\n")  # a valid file padded with a comment
    with pytest.raises(error) as err:
        reader(path)
    _one_line(err.value, path.name, "KB", "högst")


def test_shipped_files_pass_the_limits():
    """The limits leave room: every shipped YAML file reads as before."""
    assert set(load_registry()) >= {"fgte"}
    assert P.load_publisher()["publisher"]
    for spec in sorted((PARAMS / "runs").glob("*.yaml")):
        assert load_runspec(spec).reports


def test_huge_integer_is_one_line(tmp_path):
    """An integer of 5000 digits: Python refuses to convert it (ValueError, not a YAMLError)."""
    path = _spec(tmp_path, "run: x\ntimeout: " + "9" * 5000 + "\nreports: [annual_report]\n")
    with pytest.raises(RunSpecError) as err:
        load_runspec(path)
    _one_line(err.value, "run.yaml", "värde som inte kan läsas")


def test_syntax_error_is_one_line_with_position(tmp_path):
    path = _registry(tmp_path, "interventions:\n  - id: [trasig\n")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    _one_line(err.value, "interventions.yaml", "kan inte läsas som YAML (rad")


def _fgte(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fgte_research.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


@pytest.mark.parametrize("broken", ["syntax", "alias", "entry"])
def test_broken_registry_stops_fgte_report_before_anything(tmp_path, broken):
    """The compute-once pass reads the registry; a broken one used to end in a 30-line traceback, exit 1."""
    params = tmp_path / "params"
    shutil.copytree(PARAMS, params, ignore=shutil.ignore_patterns("local"))
    text = {"syntax": SHIPPED_REGISTRY.replace("  - id: fgte", "  - id: [fgte", 1),
            "alias": BOMBS["registry"],
            "entry": SHIPPED_REGISTRY.replace('["1384", "1383", "1380", "1381"]', "[1384, 0162]", 1)}[broken]
    assert text != SHIPPED_REGISTRY
    (params / "interventions.yaml").write_text(text, encoding="utf-8")
    reports = tmp_path / "reports"
    proc = _fgte(["report", str(PARAMS / "runs" / "fgte_annual.yaml"), "-m", "1380", "-q"],
                 {"FGTE_PARAMS_DIR": str(params), "FGTE_REPORTS_DIR": str(reports)})
    err = proc.stderr.strip()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and len(err.splitlines()) == 1, proc.stderr
    assert "interventions.yaml" in err and "Inga rapporter har skapats" in err, err
    assert not reports.exists()


def test_numeric_code_message_is_one_wording():
    """The run specification and the registry say the same about an unquoted 0162 (octal 114)."""
    message = safe_yaml.numeric_code_message(0o162)
    assert "talet 114" in message and "YAML läser 0162" in message and '"0162"' in message
    assert safe_yaml.numeric_code_message(1380).endswith('t.ex. "1380"')
