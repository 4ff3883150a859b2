"""Shared fixtures. Tests use the real data shipped in data/raw."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fgte_research import paths
from fgte_research.build import ensure_built

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def built_panel():
    """Build data/processed once per test session (a no-op when it is current)."""
    ensure_built()
    return paths.processed_dir()


@pytest.fixture()
def raw_copy(tmp_path, monkeypatch):
    """A private copy of data/raw and an empty processed dir, for tests that damage inputs."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    processed = tmp_path / "processed"
    monkeypatch.setenv("FGTE_RAW_DIR", str(raw))
    monkeypatch.setenv("FGTE_PROCESSED_DIR", str(processed))
    return raw, processed


@pytest.fixture()
def cold_store(tmp_path, monkeypatch):
    """The real processed data (linked) with an empty results store of its own: results computed in the test
    land in ``<tmp>/processed/results``. Returns that results folder."""
    from fgte_research import store

    processed = tmp_path / "processed"
    processed.mkdir()
    for p in paths.processed_dir().iterdir():
        if p.name != store.SUBDIR:
            (processed / p.name).symlink_to(p)
    monkeypatch.setenv("FGTE_PROCESSED_DIR", str(processed))
    return processed / store.SUBDIR
