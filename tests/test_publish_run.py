"""End-to-end `fgte report` on the pipeline-fixture notebooks (tests/fixtures/*_fixture.ipynb).

One fixture run is shared by the tests of this module and tests/test_publish_browser.py
(tests/fixtures/publish_support.py): 4 municipalities of which Laholm fails on purpose, a set
report and a teaching notebook in student/teacher versions.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import publish_support as ps  # noqa: E402

from fgte_research import municipalities as m  # noqa: E402
from fgte_research.publish import runner  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared():
    return ps.shared_run()


@pytest.fixture(scope="module")
def year():
    from fgte_research.publish import data_info

    return data_info().latest


def _html(run_dir: Path) -> list[Path]:
    """The published reports (not the run's index.html and korlogg.html)."""
    return sorted(p for p in run_dir.rglob("*.html") if p.parent != run_dir or p.name not in ("index.html",
                                                                                                 "korlogg.html"))


def _log(run_dir: Path) -> str:
    return (run_dir / "korlogg.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------ one failure
def test_injected_failure_others_published(shared, year):
    assert shared.exit_code == 1, shared.stdout + shared.stderr
    run = shared.run_dir
    for code in ps.MUNICIPALITIES:
        html = run / str(year) / f"{code}-{m.slug(code)}.html"
        ipynb = html.with_suffix(".ipynb")
        if code == ps.FAIL_CODE:
            assert not html.exists(), "a failed report must not be published"
            assert ipynb.is_file(), "the failed executed notebook is kept for inspection"
            nb = nbformat.read(ipynb, as_version=4)
            errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
            assert errors and errors[0]["ename"] == "RuntimeError"
        else:
            assert html.is_file() and ipynb.is_file()
    assert (run / str(year) / "set_fixture-fgte.html").is_file()
    assert (run / "undervisning" / "teaching_fixture-elev.html").is_file()
    assert (run / "undervisning" / "teaching_fixture-larare.html").is_file()
    # summary and index path at the end of the output
    lines = shared.stdout.strip().splitlines()
    assert lines[-1] == str(run / "index.html")
    assert "1 misslyckad." in shared.stdout and "Laholm" in shared.stdout


def test_index_lists_every_report_for_readers(shared, year):
    index = (shared.run_dir / "index.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in index and "<title>Testkörning av pipeline-fixturer</title>" in index
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d{4})</td><td>(.*?)</td></tr>", index)
    assert [r[0] for r in rows] == [m.name_of(c) for c in sorted(ps.MUNICIPALITIES)], "names, in code order"
    assert all(r[1] == str(year) for r in rows)
    for code in ps.MUNICIPALITIES:
        if code != ps.FAIL_CODE:
            assert f'href="{year}/{code}-{m.slug(code)}.html"' in index
    assert f">Årsrapport {year} – Halmstad</a>" in index
    assert "Rapporten kunde inte tas fram" in index  # Laholm, without a status word or error
    assert f'href="{year}/set_fixture-fgte.html">Regional översikt {year}</a>' in index
    assert "Hylte, Halmstad, Laholm, Varberg och Kungsbacka" in index
    assert '<a href="korlogg.html">Teknisk körlogg</a>' in index
    text = re.sub(r"<[^>]+>", " ", index.split("<body>", 1)[1])
    for word in (".ipynb", "report_fixture", "set_fixture", "Klar (ny)", "Misslyckades", "RuntimeError"):
        assert word not in text, word
    assert ".ipynb" not in index and not re.search(r"\d+,\d s", text), "no executed notebooks or run times"


def test_log_lists_every_report_with_status_time_and_error(shared, year):
    log = _log(shared.run_dir)
    assert '<html lang="sv">' in log and "Teknisk körlogg" in log and 'href="index.html"' in log
    for code in ps.MUNICIPALITIES:
        if code != ps.FAIL_CODE:
            assert f'href="{year}/{code}-{m.slug(code)}.html"' in log
    assert "Misslyckades" in log and "Misslyckade rapporter" in log
    # the error's last traceback lines, and a link to the kept notebook
    assert "RuntimeError: Avsiktligt fel för Laholm" in log
    assert f'href="{year}/1381-laholm.ipynb"' in log
    assert log.count("Klar (ny)") == 6  # 3 municipalities + set + 2 teaching versions
    assert re.search(r"\d+,\d s", log), "time taken, Swedish decimal comma"
    manifest = json.loads((shared.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"][f"{year}/1381-laholm"]["status"] == "failed"


def test_report_html_self_contained_swedish_no_code(shared, year):
    pages = _html(shared.run_dir)
    assert len(pages) == 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        body = text.split("<body", 1)[1]
        assert '<html lang="sv">' in text
        assert "In [" not in body and "In&nbsp;[" not in body
        assert not re.search(r"<script[^>]+src=", text)
        assert "@media print" in text
        if "undervisning" not in page.parts:
            assert "jp-InputArea-editor" not in body and "highlight hl-ipython3" not in body, page
            assert "load_panel" not in body and "import " not in body
    halmstad = (shared.run_dir / str(year) / "1380-halmstad.html").read_text(encoding="utf-8")
    assert f"<title>Årsrapport {year} – Halmstad</title>" in halmstad
    imgs = re.findall(r"<img[^>]*>", halmstad)
    assert imgs and all("src=\"data:image/png;base64," in i for i in imgs)
    assert "fgte-research" in halmstad and "report_fixture" in halmstad  # provenance footer
    overview = (shared.run_dir / str(year) / "set_fixture-fgte.html").read_text(encoding="utf-8")
    assert f"<title>Regional översikt {year}</title>" in overview
    assert "Kungsbacka, Varberg, Halmstad, Laholm, Hylte" in overview  # the set is passed by name


def test_teaching_variants(shared):
    student = (shared.run_dir / "undervisning" / "teaching_fixture-elev.html").read_text(encoding="utf-8")
    teacher = (shared.run_dir / "undervisning" / "teaching_fixture-larare.html").read_text(encoding="utf-8")
    assert "FACIT" not in student and "Facit" not in student
    assert "FACIT 6" in teacher and "Facit" in teacher
    assert "tal = list(range" in re.sub(r"<[^>]+>", "", student)  # teaching notebooks show their code
    assert "<title>Övning: räkna med listor (elevversion)</title>" in student
    assert "<title>Övning: räkna med listor (lärarversion)</title>" in teacher
    nb = nbformat.read(shared.run_dir / "undervisning" / "teaching_fixture-elev.ipynb", as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)


# ------------------------------------------------------------------------------------------------ cache
def test_rerun_skips_unchanged_then_force_rerenders(shared, year, monkeypatch):
    before = {p: p.stat().st_mtime_ns for p in _html(shared.run_dir)}
    started = time.perf_counter()
    code, out, err = ps.run_cli([str(shared.spec), "--quiet"], shared.reports)
    elapsed = time.perf_counter() - started
    assert code == 1, "the failed report is retried and fails again"
    assert "5 oförändrade" in out and "0 nya" in out and "1 misslyckad." in out
    assert {p: p.stat().st_mtime_ns for p in _html(shared.run_dir)} == before, "unchanged reports not rewritten"
    assert elapsed < 20, elapsed
    assert _log(shared.run_dir).count("Klar (oförändrad)") == 6

    # changed parameters re-render only the reports they belong to (Laholm no longer fails, new set text)
    changed = ps.write_spec(shared.root / "ok", ps.runspec_doc(fail_on="ingen", set_text="ändrad"), "ok.yaml")
    code, out, _ = ps.run_cli([str(changed), "--quiet"], shared.reports)
    assert code == 0 and "2 nya" in out and "4 oförändrade" in out, out
    assert "ändrad" in (shared.run_dir / str(year) / "set_fixture-fgte.html").read_text(encoding="utf-8")
    assert (shared.run_dir / str(year) / "1381-laholm.html").is_file()

    # nothing failing and nothing changed: no kernel or worker is started at all
    monkeypatch.setattr(runner, "make_executor", None)  # would crash if anything were rendered
    started = time.perf_counter()
    code, out, _ = ps.run_cli([str(changed), "--quiet"], shared.reports)
    assert code == 0 and "6 oförändrade" in out, out
    assert time.perf_counter() - started < 10
    monkeypatch.undo()

    code, out, _ = ps.run_cli([str(changed), "--force", "--jobs", "2", "--quiet"], shared.reports)
    assert code == 0 and "6 nya" in out and "0 oförändrade" in out, out
    after = {p: p.stat().st_mtime_ns for p in _html(shared.run_dir)}
    assert all(after[p] != before[p] for p in before), "--force rewrites every report"
    assert (shared.run_dir / str(year) / "1381-laholm.html").is_file()


# ------------------------------------------------------------------------------------------------ executors
def test_warm_kernel_does_not_leak_state(tmp_path):
    nb = str(ps.FIXTURES / "isolation_fixture.ipynb")
    doc = {"run": "isolering", "executor": "warm", "reports": [
        {"notebook": nb, "parameters": {"step": "write"}, "name": "a-write"},
        {"notebook": nb, "parameters": {"step": "check"}, "name": "b-check"},
        {"notebook": nb, "parameters": {"step": "crash"}, "name": "c-crash"},
        {"notebook": nb, "parameters": {"step": "check"}, "name": "d-check"},
    ]}
    spec = ps.write_spec(tmp_path, doc)
    code, out, err = ps.run_cli([str(spec), "--jobs", "1", "--quiet"], tmp_path / "reports")
    run = tmp_path / "reports" / "isolering"
    log = _log(run)
    assert code == 1 and "3 nya" in out and "1 misslyckad." in out, out + err + log
    assert "ingen kvarlämnad state" in (run / "b-check.html").read_text(encoding="utf-8")
    # a dead kernel fails its own report only: the next one gets a fresh kernel
    assert "DeadKernelError" in log and (run / "c-crash.ipynb").is_file()
    assert "ingen kvarlämnad state" in (run / "d-check.html").read_text(encoding="utf-8")
    # executed notebooks are numbered from 1 even though the kernel was reused
    nb_b = nbformat.read(run / "b-check.ipynb", as_version=4)
    counts = [c.execution_count for c in nb_b.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


def test_plain_papermill_executor(tmp_path, year):
    doc = {"run": "papermill", "executor": "papermill", "reports": [
        {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["1380", "1381"],
         "years": "latest", "parameters": {"fail_on": "1381"}}]}
    spec = ps.write_spec(tmp_path, doc)
    code, out, err = ps.run_cli([str(spec), "--jobs", "2", "--quiet"], tmp_path / "reports")
    run = tmp_path / "reports" / "papermill"
    assert code == 1 and "1 ny," in out and "1 misslyckad." in out, out + err
    page = (run / str(year) / "1380-halmstad.html").read_text(encoding="utf-8")
    assert f"<title>Årsrapport {year} – Halmstad</title>" in page and "data:image/png;base64," in page
    nb = nbformat.read(run / str(year) / "1380-halmstad.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["municipality"] == "1380"
    # the kept notebook is the audit trail without a second copy of the report's pictures
    raw = (run / str(year) / "1380-halmstad.ipynb").read_text(encoding="utf-8")
    assert "base64" not in raw and "image/png" not in raw and "bilden finns i den publicerade HTML-rapporten" in raw
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "text outputs stay"
    assert (run / str(year) / "1381-laholm.ipynb").is_file()
    assert "Avsiktligt fel för Laholm" in _log(run)


def test_python_api_render(tmp_path, year):
    from fgte_research.publish import render

    doc = {"run": "api", "reports": [{"notebook": str(ps.FIXTURES / "set_fixture.ipynb"),
                                      "municipalities": ["1380", "Laholm"], "per_municipality": False,
                                      "years": [year]}]}
    with ps.reports_env(tmp_path / "reports"):
        result = render(doc, jobs=1, progress=False)
    assert result.exit_code == 0 and result.n_ok == 1 and not result.failed
    assert result.index_path == tmp_path / "reports" / "api" / "index.html"
    assert result.log_path == tmp_path / "reports" / "api" / "korlogg.html" and result.log_path.is_file()
    out = result.reports[0].outputs[0]
    assert (result.run_dir / out["html"]).is_file() and out["title"] == f"Regional översikt {year}"
