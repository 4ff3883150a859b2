"""The results store: computed once, read back identical, keyed by data, code and registry."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from fgte_research import annual, precompute, store
from fgte_research.intervention_study import study


@pytest.fixture
def own_store(cold_store):
    return cold_store


def _tidy(results: dict) -> pd.DataFrame:
    return pd.concat([r.tidy() for r in results.values()], ignore_index=True)


def test_stored_results_equal_a_fresh_computation(own_store, monkeypatch):
    first = annual.results_for("1315", 2022)           # computed and stored
    assert any(own_store.rglob("*" + store.SUFFIX))
    again = annual.results_for("1315", 2022)           # read back
    monkeypatch.setenv(store.ENV_SWITCH, "0")
    fresh = annual.results_for("1315", 2022)           # the store switched off
    pd.testing.assert_frame_equal(_tidy(again), _tidy(fresh))
    pd.testing.assert_frame_equal(_tidy(first), _tidy(fresh))
    assert again["ak9_merit"].summary_sv() == fresh["ak9_merit"].summary_sv()


def test_pass_fills_the_store_and_a_rerun_computes_nothing(own_store):
    tasks = precompute.tasks_for([{"municipality": m, "year": 2023} for m in ("1380", "2583", "0114")]
                                 + [{"notebook": "regional"}])
    assert [t.municipality_id for t in tasks] == ["0114", "1380", "2583"]
    first = precompute.run(tasks)
    assert first.computed == 3
    tidy = store.read_tidy("annual_2023_grundskola")
    assert sorted(tidy["municipality_id"].unique()) == ["0114", "1380", "2583"]
    assert {"progression", "country", "its", "event_study"} <= set(tidy["analysis"])  # Halmstad has a registered intervention
    counted = []
    assert precompute.run(tasks, progress=counted.append).computed == 0
    assert sum(counted) == 3, "a progress bar reaches its end also when everything was stored"


def test_study_read_from_store_is_the_same(own_store):
    a = study("fgte", "ak9_merit", 2022, municipalities=["1380"], designs=("before_after",))
    b = study("fgte", "ak9_merit", 2022, municipalities=["1380"], designs=("before_after",))
    assert len(list((own_store).rglob("*" + store.SUFFIX))) == 1
    pd.testing.assert_frame_equal(a.tidy(), b.tidy())


def test_version_follows_the_registry(own_store, tmp_path, monkeypatch):
    from fgte_research import paths

    before = store.version()
    params = tmp_path / "params"
    shutil.copytree(paths.params_dir(), params)
    (params / "interventions.yaml").write_text((params / "interventions.yaml").read_text(encoding="utf-8")
                                               + "\n# ändrad\n", encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    assert store.version() != before


def test_unreadable_entry_is_recomputed(own_store):
    annual.results_for("1315", 2022)
    for p in own_store.rglob("*" + store.SUFFIX):
        p.write_bytes(b"not a pickle")
    assert "ak9_merit" in annual.results_for("1315", 2022)


def test_pass_in_worker_processes_without_progress(own_store):
    """The pass over several processes, as `fgte report -q` runs it (no progress callback), ends and stores all."""
    from fgte_research import municipalities as m

    codes = list(m.load_municipalities()["municipality_id"])[:16]
    tasks = precompute.tasks_for([{"municipality": c, "year": 2021} for c in codes])
    summary = precompute.run(tasks, workers=2)
    assert summary.computed == 16 and summary.workers == 2
    assert sorted(store.read_tidy("annual_2021_grundskola")["municipality_id"].unique()) == sorted(codes)
