"""The results store holds data, not code, and never hands one key another key's numbers (issue 19).

Real store entries of the real processed data (``cold_store``: an empty store of the test's own), attacked as a
hostile or careless user would: a planted pickle, another municipality's entry copied over, random flipped
bytes and truncation, a store that cannot be written, a damaged tidy parquet.
"""

from __future__ import annotations

import errno
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fgte_research import annual, precompute, store, storecodec
from fgte_research.report import ANNUAL_RESULTS, annual_results_key
from fgte_research.trend import Trend

YEAR = 2022
HALMSTAD, LAHOLM = "1380", "1381"


def _key(mid: str) -> tuple:
    return annual_results_key(mid, YEAR, "grundskola", annual.baseline_for(mid)[0])


def _tidy(results: dict) -> pd.DataFrame:
    return pd.concat([r.tidy() for r in results.values()], ignore_index=True)


def _trend(slope: float) -> Trend:
    """A small hand-made result of one of the package's own classes (for the store's mechanics, not numbers)."""
    return Trend(2015, 2022, 8, slope, (slope - 1, slope + 1), slope, (slope - 2, slope + 2), 0.5, 0.1)


class Boom:
    """A pickle that creates a marker file when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# ------------------------------------------------------------------------------------------------ code
def test_a_planted_pickle_never_runs(cold_store, tmp_path, capsys):
    marker = tmp_path / "ran"
    bomb = pickle.dumps(Boom(marker))
    entry = store.path_of(ANNUAL_RESULTS, *_key(HALMSTAD))
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(bomb)                              # where the store looks
    entry.with_name(entry.name.split(".")[0] + ".pkl").write_bytes(bomb)  # where the old store looked
    results = annual.results_for(HALMSTAD, YEAR)
    assert not marker.exists(), "a pickle in the results store was executed"
    assert {r.municipality_id for r in results.values()} == {HALMSTAD}
    assert capsys.readouterr().err.count("resultatlagret") == 1
    assert store.is_whole(entry.read_bytes()), "the planted file is replaced by a real entry"


def test_the_reader_builds_only_the_packages_dataclasses():
    for tree in ({"$dc": "os:system", "f": {}}, {"$dc": "fgte_research.store:Path", "f": {}},
                 {"$dc": "fgte_research.lifeline:die_with_parent", "f": {}},
                 {"$dc": "fgte_research.never_imported:X", "f": {}}, {"$np": "O", "v": 1},
                 {"$a": "O", "shape": [1], "v": [1]}, {"$reduce": ["os.system", ["touch x"]]}):
        with pytest.raises(storecodec.Unreadable):
            storecodec.decode(tree)
    with pytest.raises(storecodec.Unstorable):  # code is not stored either
        storecodec.encode({"f": os.system})


# ------------------------------------------------------------------------------------------------ keys
def test_another_municipalitys_entry_is_never_shown_under_this_key(cold_store, capsys):
    own = annual.results_for(HALMSTAD, YEAR)
    annual.results_for(LAHOLM, YEAR)
    shutil.copyfile(store.path_of(ANNUAL_RESULTS, *_key(LAHOLM)), store.path_of(ANNUAL_RESULTS, *_key(HALMSTAD)))
    got = annual.results_for(HALMSTAD, YEAR)
    assert {r.municipality_id for r in got.values()} == {HALMSTAD}
    pd.testing.assert_frame_equal(_tidy(got), _tidy(own))
    assert "hör till en annan nyckel" in capsys.readouterr().err
    # a header rewritten to Halmstad's key over Laholm's content: the content check refuses it too
    laholm = store.read(ANNUAL_RESULTS, *_key(LAHOLM))
    store.write(ANNUAL_RESULTS, laholm, *_key(HALMSTAD))
    got = annual.results_for(HALMSTAD, YEAR)
    assert {r.municipality_id for r in got.values()} == {HALMSTAD}
    assert precompute._is_stored(precompute.Task(HALMSTAD, YEAR))  # and it was rewritten as Halmstad's


def test_random_corruption_is_recomputed_never_raised(cold_store, capsys):
    """50 seeded attacks (flipped bytes, truncation, appended bytes) on a real entry: every read is a clean miss,
    `cached` recomputes and rewrites, and the next read is the value again."""
    key = ("korruption", 1)
    value = store.cached("trend_test", key, lambda: _trend(1.25))
    path = store.path_of("trend_test", *key)
    good = path.read_bytes()
    rng = random.Random(19)
    for attempt in range(50):
        data = bytearray(good)
        how = attempt % 3
        if how == 0:
            for _ in range(20):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif how == 1:
            data = data[:rng.randrange(len(data))]
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        if bytes(data) == good:
            continue
        path.write_bytes(bytes(data))
        assert store.read("trend_test", *key) is None, f"attempt {attempt}: a damaged entry was read"
        assert store.cached("trend_test", key, lambda: _trend(1.25)) == value
        assert path.read_bytes() == good, "the damaged entry is rewritten"
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") <= 50


def test_every_entry_carries_its_own_key_and_version(cold_store):
    store.write("trend_test", _trend(2.0), "a", 1)
    data = store.path_of("trend_test", "a", 1).read_bytes()
    with pytest.raises(storecodec.Unreadable, match="annan nyckel"):
        store.decode_entry(data, "trend_test", "a", 2)
    with pytest.raises(storecodec.Unreadable, match="annat slag"):
        store.decode_entry(data, "other_kind", "a", 1)
    assert store.decode_entry(data, "trend_test", "a", 1) == _trend(2.0)


def test_version_covers_the_environment(cold_store, monkeypatch):
    import numpy
    import scipy
    import statsmodels

    env = store.environment()
    for name, mod in (("numpy", numpy), ("pandas", pd), ("scipy", scipy), ("statsmodels", statsmodels)):
        assert f"{name} {mod.__version__}" in env
    assert f"python {sys.version.split()[0]}" in env
    before = store.version()
    monkeypatch.setattr(store, "environment", lambda: env.replace(f"pandas {pd.__version__}", "pandas 0.0"))
    assert store.version() != before


# ------------------------------------------------------------------------------------------------ writing
@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_a_store_that_cannot_be_written_means_computed_not_stored(cold_store, monkeypatch, capsys, code):
    """A read-only, full or forbidden store (simulated at the write: the tests run as root, whom chmod does not
    stop): the result is computed and returned, one line says so, nothing is left behind."""
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(store, "atomic_path", refuse)
    monkeypatch.setattr(store, "_SAID", set())  # said once per process: a fresh process here
    assert store.cached("trend_test", ("ro",), lambda: _trend(3.0)) == _trend(3.0)
    assert store.cached("trend_test", ("ro", 2), lambda: _trend(4.0)) == _trend(4.0)
    assert store.write_tidy("annual_2022_grundskola", pd.DataFrame({"municipality_id": ["1380"]})) is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "beräknas men sparas inte" in err, err
    assert not list(cold_store.rglob("*.tmp"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_store_folder(cold_store, capsys):
    root = store.root()
    root.mkdir(parents=True)
    root.chmod(0o555)
    try:
        assert store.cached("trend_test", ("ro",), lambda: _trend(3.0)) == _trend(3.0)
        assert "sparas inte" in capsys.readouterr().err
    finally:
        root.chmod(0o755)


def test_a_truncated_tidy_table_is_written_anew(cold_store, capsys):
    frame = pd.DataFrame({"municipality_id": ["1380", "1381"], "analysis": ["progression"] * 2,
                          "series": ["x"] * 2, "term": ["t"] * 2})  # hand-made: the table's mechanics only
    path = store.write_tidy("annual_2022_grundskola", frame)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert store.read_tidy("annual_2022_grundskola") is None
    tasks = [precompute.Task("1380", 2022), precompute.Task("1381", 2022)]
    assert precompute._in_tidy(tasks) == set(), "a damaged table's tasks are computed again"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "annual_2022_grundskola.parquet" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------------ clean
def test_results_clean_removes_other_versions(cold_store):
    store.write("trend_test", _trend(1.0), "keep")
    old = cold_store / "0123456789abcdef0123"
    (old / "annual_results").mkdir(parents=True)
    (old / "annual_results" / "x.pkl").write_bytes(b"old")
    env = {**os.environ, "FGTE_PROCESSED_DIR": str(cold_store.parent)}
    out = subprocess.run([sys.executable, "-m", "fgte_research.cli", "results", "clean"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Tog bort 1 gamla versioner" in out.stdout and "0123456789abcdef0123" in out.stdout
    assert not old.exists() and store.path_of("trend_test", "keep").is_file()
    again = subprocess.run([sys.executable, "-m", "fgte_research.cli", "results", "clean"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "Inget att ta bort" in again.stdout


# ------------------------------------------------------------------------------------------------ faithful
def test_stored_objects_are_the_computed_ones(cold_store):
    """The real result kinds go through the format unchanged: every field, frame dtype and index."""
    from fgte_research.gaps.salsa import _fit_pooled
    from fgte_research.intervention_study import study

    first = annual.results_for(HALMSTAD, YEAR)
    again = annual.results_for(HALMSTAD, YEAR)
    for ind in first:
        assert first[ind].summary_sv() == again[ind].summary_sv()
        pd.testing.assert_frame_equal(first[ind].tidy(), again[ind].tidy(), check_exact=True)
    st = study("fgte", "ak9_merit", YEAR, municipalities=[HALMSTAD], designs=("before_after", "its"))
    st2 = study("fgte", "ak9_merit", YEAR, municipalities=[HALMSTAD], designs=("before_after", "its"))
    pd.testing.assert_frame_equal(st.tidy(), st2.tidy(), check_exact=True)
    assert st.summary_sv() == st2.summary_sv()
    stored = list(cold_store.rglob("*" + store.SUFFIX))
    assert {p.parent.name for p in stored} >= {"annual_results", "study"}
    assert not [p for p in cold_store.rglob("*") if p.suffix == ".pkl"]
    del _fit_pooled


def test_every_designs_result_is_readable_in_a_fresh_process():
    """The store decodes only classes already imported (it imports nothing a file names). The event study's
    module was imported only when that design ran, so in a fresh report kernel its stored results were refused
    ('okänd klass … EventStudyResult') and recomputed in every report. Reading a study imports every design."""
    import subprocess
    import sys

    code = ("import sys, fgte_research.intervention_study\n"
            "from fgte_research.interventions.designs import designs\n"
            "print([d.module for d in designs().values() if 'fgte_research.interventions.' + d.module "
            "not in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
