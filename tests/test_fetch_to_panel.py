"""End to end: `fgte data fetch` (against a local Kolada v3 stand-in serving real values) → check → build."""

import os
import subprocess
import sys

import pandas as pd

from fgte_research import build as build_mod
from test_kolada_api import kolada as fake_kolada  # noqa: F401  (the local Kolada v3 stand-in fixture)


def _fgte(*args, raw, processed):
    env = {**os.environ, "FGTE_RAW_DIR": str(raw), "FGTE_PROCESSED_DIR": str(processed)}
    return subprocess.run([sys.executable, "-m", "fgte_research.cli", *args], capture_output=True, text=True, env=env)


def test_fetched_file_is_listed_checked_and_used_by_the_build(raw_copy, fake_kolada):
    raw, processed = raw_copy
    run = _fgte("data", "fetch", "--kpi", "N15505", "--municipalities", "fgte", "--years", "2017-2022",
                "--base-url", fake_kolada.base_url, raw=raw, processed=processed)
    assert run.returncode == 0, run.stderr
    fetched = list((raw / "kolada_api").glob("kolada_v3_*.csv"))
    assert len(fetched) == 1
    assert _fgte("data", "check", raw=raw, processed=processed).returncode == 0
    build_mod.build(raw, processed)
    frame = pd.read_parquet(processed / build_mod.PANEL_FILE)
    rows = frame[(frame["series"] == "N15505") & (frame["municipality_id"] == "1381") & (frame["gender"] == "T")
                 & frame["year"].between(2017, 2022)]
    assert len(rows) == 6 and rows["source"].astype(str).str.startswith("Kolada API v3").all()
    dump = frame[(frame["series"] == "N15505") & (frame["municipality_id"] == "1382")]
    assert dump["source"].astype(str).str.startswith("Kolada (open-numbers").all()  # not fetched: unchanged


def test_failed_fetch_writes_nothing(raw_copy, fake_kolada):
    raw, processed = raw_copy
    manifest_before = (raw / "MANIFEST.csv").read_bytes()
    fake_kolada.override = lambda fake, handler, url, n: (500, {}, b"boom")
    run = _fgte("data", "fetch", "--kpi", "N15505", "--municipalities", "1381", "--years", "2020",
                "--base-url", fake_kolada.base_url, "--max-attempts", "2", raw=raw, processed=processed)
    assert run.returncode == 1 and "hämtningen misslyckades" in run.stderr and "127.0.0.1" in run.stderr
    assert (raw / "MANIFEST.csv").read_bytes() == manifest_before
    assert not (raw / "kolada_api").exists() or not list((raw / "kolada_api").iterdir())
