"""One error family (issue 18): every error the project raises on purpose is an FgteError with its old builtin
base; only DataMissing and CannotAssess become reader sentences; a bug fails visibly, in the study, in the annual
report's HTML and in the compute-once pass; the CLI turns any FgteError into one Swedish line and exit 2."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import fgte_research
from fgte_research import annual, cli, intervention_study, precompute
from fgte_research.contract import CannotAssess, DataMissing
from fgte_research.errors import FgteError
its = importlib.import_module("fgte_research.interventions.its")  # the module (the package re-exports its function)


def _project_exceptions():
    for info in pkgutil.walk_packages(fgte_research.__path__, "fgte_research."):
        if info.name.endswith(("__main__", "_version")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__ == info.name
                    and not name.startswith("_")):
                yield obj


def test_every_public_error_is_an_fgte_error_with_its_builtin_base():
    found = list(_project_exceptions())
    assert len(found) >= 15  # DataMissing, CannotAssess, BuildError, RunSpecError, the Kolada family …
    outside = [e.__qualname__ for e in found if not issubclass(e, FgteError)]
    assert not outside, f"errors outside the family: {outside}"
    no_builtin = [e.__qualname__ for e in found if e is not FgteError
                  and not issubclass(e, (ValueError, RuntimeError, TypeError, KeyError))]
    assert not no_builtin, f"errors that lost their builtin base: {no_builtin}"
    assert issubclass(DataMissing, ValueError) and issubclass(CannotAssess, ValueError)


def test_the_library_raises_no_bare_builtin_error():
    """A raise of a bare ValueError/RuntimeError/KeyError/TypeError with a message is an error the CLI cannot tell
    from a bug (it would print a traceback); the project's own raise a member of the family (InputError at least).
    A bare ``raise TypeError`` without a message (an internal signal caught next to it) is allowed."""
    import ast
    from pathlib import Path

    bare = []
    for path in sorted(Path(fgte_research.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and isinstance(node.exc.func, ast.Name)
                    and node.exc.func.id in {"ValueError", "RuntimeError", "KeyError", "TypeError"}
                    and node.exc.args):
                bare.append(f"{path.name}:{node.lineno} {node.exc.func.id}")
    assert not bare, f"bare builtin raises: {bare}"


def test_input_errors_are_values_errors_and_keys_keep_their_sentence():
    from fgte_research import municipalities, tables
    from fgte_research.errors import InputError, UnknownName

    with pytest.raises(InputError) as info:
        municipalities.resolve("9999")
    assert isinstance(info.value, ValueError) and "9999" in str(info.value)
    import pandas as pd
    with pytest.raises(UnknownName) as info:
        tables.for_readers(pd.DataFrame({"year": [2020]}), columns=["saknad_kolumn"])  # a one-row frame, made here
    assert isinstance(info.value, KeyError) and str(info.value).startswith("kolumnerna finns inte")


@pytest.fixture
def no_store(monkeypatch):
    monkeypatch.setenv("FGTE_RESULTS_STORE", "0")


@pytest.fixture
def broken_its(monkeypatch):
    """A bug inside one design (what a pandas change or a typo would raise), on the real FGTE data."""
    def bug(*args, **kwargs):
        raise KeyError("en bugg, ingen saknad data")
    monkeypatch.setattr(its, "its", bug)


def test_a_bug_in_a_design_propagates_from_the_study(no_store, broken_its):
    with pytest.raises(KeyError, match="en bugg"):
        intervention_study.study("fgte", "ak9_merit", 2025, municipalities=["1380"], designs=("country", "its"))


def test_a_bug_in_a_design_is_no_sentence_in_the_annual_report(no_store, broken_its):
    with pytest.raises(KeyError, match="en bugg"):
        annual.interventions_html("1380", 2025)


def test_a_bug_fails_the_compute_once_pass(no_store, broken_its):
    with pytest.raises(KeyError, match="en bugg"):
        precompute.compute_task(precompute.Task("1380", 2025))


def test_cannot_assess_stays_a_sentence(no_store, monkeypatch):
    def too_thin(*args, **kwargs):
        raise CannotAssess("för få år före starten")
    monkeypatch.setattr(its, "its", too_thin)
    st = intervention_study.study("fgte", "ak9_merit", 2025, municipalities=["1380"], designs=("country", "its"))
    assert any("för få år före starten" in s for s in st.skipped)
    assert st.primary() is not None


def test_the_cli_turns_an_fgte_error_into_one_line(monkeypatch, capsys):
    def fails(args):
        raise DataMissing("N99999 finns inte i katalogen")
    monkeypatch.setattr(cli, "cmd_indicators", fails)
    assert cli.main(["indicators"]) == 2
    err = capsys.readouterr().err
    assert err == "fgte: N99999 finns inte i katalogen\n"


def test_an_unknown_kpi_in_data_fetch_is_bad_input(capsys, tmp_path, monkeypatch):
    """A wrong --kpi is the user's input (exit 2, one line), as in `data update`; no request is sent (the port
    answers nothing) and data/raw is untouched."""
    from fgte_research import paths

    manifest = (paths.raw_dir() / "MANIFEST.csv").read_bytes()
    code = cli.main(["data", "fetch", "--kpi", "N99999", "--municipalities", "1380", "--years", "2020",
                     "--base-url", "http://127.0.0.1:9/v3", "--max-attempts", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "N99999" in err and "Traceback" not in err, err
    assert (paths.raw_dir() / "MANIFEST.csv").read_bytes() == manifest
