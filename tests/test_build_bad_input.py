"""Bad raw input: build and check fail, name the file and the problem, and leave processed/ untouched."""

import csv
import hashlib
import subprocess
import sys

import pytest

from fgte_research import build as build_mod, catalogue
from fgte_research.manifest import check_raw

KOLADA_FILE = "kolada/datapoints--by--geo--year/ddf--datapoints--n15505--by--geo--year.csv"
SKV_FILE = "skolverket/Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), samtliga elever 2022 Kommun.csv"


def _reregister(raw, rel):
    """Update the manifest row of a damaged file, so the test reaches the reader (not only the checksum)."""
    path = raw / "MANIFEST.csv"
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    for r in rows:
        if r["path"] == rel:
            data = (raw / rel).read_bytes()
            r["sha256"], r["bytes"] = hashlib.sha256(data).hexdigest(), str(len(data))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.fixture()
def previous(raw_copy):
    """processed/ holding a previous build's files, to prove a failed build leaves them intact."""
    raw, processed = raw_copy
    processed.mkdir()
    (processed / build_mod.PANEL_FILE).write_bytes(b"previous panel")
    (processed / build_mod.BUILD_MANIFEST).write_text("{}")
    return raw, processed


def _assert_untouched(processed):
    assert (processed / build_mod.PANEL_FILE).read_bytes() == b"previous panel"
    assert (processed / build_mod.BUILD_MANIFEST).read_text() == "{}"
    assert sorted(p.name for p in processed.iterdir()) == sorted([build_mod.PANEL_FILE, build_mod.BUILD_MANIFEST])
    assert not list(processed.glob("*.tmp")) and not list(processed.glob(".*tmp"))


def _fgte(*args, env_raw, env_processed):
    import os

    env = {**os.environ, "FGTE_RAW_DIR": str(env_raw), "FGTE_PROCESSED_DIR": str(env_processed)}
    return subprocess.run([sys.executable, "-m", "fgte_research.cli", *args], capture_output=True, text=True, env=env)


def test_missing_file(previous):
    raw, processed = previous
    (raw / KOLADA_FILE).unlink()
    with pytest.raises(build_mod.BuildError, match=f"saknas: {KOLADA_FILE}"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)
    run = _fgte("data", "check", env_raw=raw, env_processed=processed)
    assert run.returncode == 2 and KOLADA_FILE in run.stderr


def test_checksum_mismatch_via_cli(previous):
    raw, processed = previous
    with open(raw / KOLADA_FILE, "a") as fh:
        fh.write("1380,2023,999.9\n")
    run = _fgte("data", "build", env_raw=raw, env_processed=processed)
    assert run.returncode == 2
    assert "ändrad (kontrollsumman stämmer inte)" in run.stderr and KOLADA_FILE in run.stderr
    _assert_untouched(processed)


def test_unlisted_file_is_reported_by_check(raw_copy):
    raw, _ = raw_copy
    (raw / "kolada" / "stray.csv").write_text("geo,year\n")
    report = check_raw(raw)
    assert report.unlisted == ["kolada/stray.csv"] and not report.ok


def test_unlisted_file_refused_by_build(previous):
    raw, processed = previous
    stray = "skolverket/Grundskola - egen nedladdning 2024 Kommun.csv"
    (raw / stray).write_text("Kommun;Andel\n", encoding="utf-8")
    run = _fgte("data", "build", env_raw=raw, env_processed=processed)
    assert run.returncode == 2, run.stderr
    assert f"finns inte i MANIFEST.csv: {stray}" in run.stderr and "`fgte data add FIL`" in run.stderr
    assert "Traceback" not in run.stderr
    _assert_untouched(processed)
    # the build of a report or summary refuses it too, on one line
    run = _fgte("data", "summary", env_raw=raw, env_processed=processed)
    assert run.returncode == 2 and stray in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    _assert_untouched(processed)


def test_truncated_kolada_file(previous):
    raw, processed = previous
    text = (raw / KOLADA_FILE).read_text()
    (raw / KOLADA_FILE).write_text(text[: len(text) // 2].rsplit(",", 1)[0] + ",")
    _reregister(raw, KOLADA_FILE)
    with pytest.raises(build_mod.BuildError, match="n15505.*(trunkerad|saknar värde)"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_recolumned_kolada_file(previous):
    raw, processed = previous
    text = (raw / KOLADA_FILE).read_text()
    (raw / KOLADA_FILE).write_text(text.replace("geo,year,n15505", "geo,period,n15505", 1))
    _reregister(raw, KOLADA_FILE)
    with pytest.raises(build_mod.BuildError, match="n15505.*fel kolumner"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_reencoded_skolverket_file(previous):
    raw, processed = previous
    text = (raw / SKV_FILE).read_text(encoding="utf-8-sig")
    (raw / SKV_FILE).write_bytes(text.encode("cp1252"))
    _reregister(raw, SKV_FILE)
    with pytest.raises(build_mod.BuildError, match="2022 Kommun.csv"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_reencoded_municipality_list(previous):
    raw, processed = previous
    rel = "kolada/ddf--entities--geo--kommun.csv"
    (raw / rel).write_bytes((raw / rel).read_text(encoding="utf-8").encode("latin-1"))
    _reregister(raw, rel)
    with pytest.raises(build_mod.BuildError, match="ddf--entities--geo--kommun.csv"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_unknown_kpi_in_catalogue(previous, monkeypatch):
    raw, processed = previous
    fake = catalogue.Series("N99999", "finns inte", "kolada", "kommunala skolor", "andel (%)")
    monkeypatch.setitem(catalogue.SERIES, "N99999", fake)
    with pytest.raises(build_mod.BuildError, match="N99999"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_unknown_municipality_in_school_file(previous):
    raw, processed = previous
    rel = "school_level/drbaumgardt_m17_xx.json"
    text = (raw / rel).read_text(encoding="utf-8")
    (raw / rel).write_text(text.replace('"kom":"Sundsvall"', '"kom":"Sundsvalll"', 1), encoding="utf-8")
    _reregister(raw, rel)
    with pytest.raises(build_mod.BuildError, match="drbaumgardt_m17_xx.json: okänt kommunnamn 'Sundsvalll'"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)


def test_school_export_without_header(previous):
    raw, processed = previous
    rel = "school_level/skolverket_slutbetyg_ak9_samtliga_2024-25_skolenhet.csv"
    text = (raw / rel).read_text(encoding="utf-8-sig")
    (raw / rel).write_text(text.replace("Skola;Skol-enhetskod", "Skolnamn;Skol-enhetskod", 1), encoding="utf-8")
    _reregister(raw, rel)
    with pytest.raises(build_mod.BuildError, match="skolenhet.csv: rubrikraden"):
        build_mod.build(raw, processed)
    _assert_untouched(processed)
