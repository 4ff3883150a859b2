"""Run specifications: schema, validation before any kernel starts, expansion into jobs, cache keys.

Fast: no notebook is executed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import publish_support as ps  # noqa: E402

from fgte_research import municipalities as m  # noqa: E402
from fgte_research import publish  # noqa: E402
from fgte_research.publish import cache, runner  # noqa: E402
from fgte_research.publish.runspec import RunSpec, RunSpecError, load_runspec, plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUNS = sorted((ROOT / "params" / "runs").glob("*.yaml"))


@pytest.fixture(scope="module")
def data():
    return publish.data_info()


@pytest.fixture()
def no_kernels(monkeypatch):
    """Fail the test if anything tries to start a kernel or a worker."""
    def boom(*a, **k):
        raise AssertionError("a kernel/worker was started for an invalid run specification")

    monkeypatch.setattr(runner, "ensure_kernel", boom)
    monkeypatch.setattr(runner, "ProcessPoolExecutor", boom)


# ------------------------------------------------------------------------------------------------ shipped specs
def test_shipped_runspecs_exist():
    assert {p.name for p in RUNS} >= {"fgte_annual.yaml", "national.yaml", "interventions.yaml", "teaching.yaml"}


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.stem)
def test_shipped_runspec_is_valid(path, data):
    p = plan(load_runspec(path), data)
    assert p.jobs
    for job in p.jobs:
        assert job.notebook.is_file()


def test_fgte_annual_expands_to_five_reports_and_one_overview(data):
    p = plan(load_runspec(ROOT / "params/runs/fgte_annual.yaml"), data)
    ids = [j.id for j in p.jobs]
    year = data.latest
    expected = [f"{year}/{c}-{m.slug(c)}" for c in m.NAMED_SETS["fgte"]] + [f"{year}/regional_overview-fgte"]
    assert ids == expected
    annual = p.jobs[0]
    assert annual.parameters["municipality"] == m.NAMED_SETS["fgte"][0]
    assert annual.parameters["year"] == year
    assert p.jobs[-1].parameters["municipalities"] == "fgte"  # a named set is passed by name


def test_national_is_all_municipalities(data):
    p = plan(load_runspec(ROOT / "params/runs/national.yaml"), data)
    assert len(p.jobs) == len(m.load_municipalities()) == 290
    assert len({j.id for j in p.jobs}) == 290


def test_interventions_use_registry_ids(data):
    from fgte_research.interventions import load_registry

    p = plan(load_runspec(ROOT / "params/runs/interventions.yaml"), data)
    registry = load_registry()
    assert [j.parameters["intervention"] for j in p.jobs] == ["fgte", "samverkan-haparanda",
                                                              "landskrona-attraktiv-skolkommun"]
    assert all(j.parameters["intervention"] in registry for j in p.jobs)


def test_teaching_has_student_and_teacher_versions(data):
    p = plan(load_runspec(ROOT / "params/runs/teaching.yaml"), data)
    assert p.jobs and all(j.variants == ("student", "teacher") and j.show_code for j in p.jobs)


# ------------------------------------------------------------------------------------------------ bad specs
def _doc(**report) -> dict:
    base = {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["1380"], "years": "latest"}
    base.update(report)
    return {"run": "felaktig", "reports": [base]}


BAD = {
    "municipality": (_doc(municipalities=["1380", "9999"]), ["9999", "fgte", "halland", "all"]),
    "named_set": (_doc(municipalities="fgtee"), ["fgtee", "fgte, halland"]),
    "indicator": (_doc(parameters={"indicators": ["ak9_merit", "ak9_meritt"]}), ["ak9_meritt", "5=ak9_merit"]),
    "intervention": ({"run": "felaktig", "reports": [{"notebook": "intervention_study",
                                                      "interventions": ["fgte", "haparanda"]}]},
                     ["haparanda", "samverkan-haparanda", "landskrona-attraktiv-skolkommun"]),
    "notebook": (_doc(notebook="arsrapport"), ["arsrapport", "annual_report", "regional_overview"]),
    "year": (_doc(years=[1900]), ["1900", "latest"]),
    "parameter": (_doc(parameters={"kommunn": "1380"}), ["kommunn", "municipality, year, indicators, fail_on"]),
    "schema": ({"run": "felaktig", "reports": [{"notebok": "annual_report"}]}, ["notebok", "notebook"]),
}


@pytest.mark.parametrize("kind", BAD)
def test_bad_runspec_exit_2_message_and_nothing_written(kind, tmp_path, no_kernels):
    doc, must_mention = BAD[kind]
    spec = ps.write_spec(tmp_path / "spec", doc)
    reports = tmp_path / "reports"
    code, out, err = ps.run_cli([str(spec)], reports)
    assert code == 2, (out, err)
    assert "Fel i körspecifikationen" in err and "Inga rapporter har skapats" in err
    for text in must_mention:
        assert text in err, f"{text!r} missing from:\n{err}"
    assert not reports.exists(), "nothing may be written for an invalid run specification"
    assert "Traceback" not in err


def test_year_message_lists_the_data_range(tmp_path, data, no_kernels):
    spec = ps.write_spec(tmp_path, _doc(years=[data.latest + 1]))
    code, _, err = ps.run_cli([str(spec)], tmp_path / "reports")
    assert code == 2
    assert f"{min(data.years)}–{max(data.years)}" in err and str(data.latest + 1) in err


def test_all_problems_reported_at_once(tmp_path, no_kernels):
    doc = _doc(municipalities=["9999"], years=[1900], parameters={"indicators": ["nej"]})
    code, _, err = ps.run_cli([str(ps.write_spec(tmp_path, doc))], tmp_path / "reports")
    assert code == 2
    assert "9999" in err and "1900" in err and "'nej'" in err


def test_missing_file_and_bad_yaml(tmp_path, no_kernels):
    code, _, err = ps.run_cli([str(tmp_path / "finns_inte.yaml")], tmp_path / "reports")
    assert code == 2 and "filen finns inte" in err and "fgte_annual.yaml" in err
    bad = tmp_path / "trasig.yaml"
    bad.write_text("reports: [\n", encoding="utf-8")
    code, _, err = ps.run_cli([str(bad)], tmp_path / "reports")
    assert code == 2 and "YAML" in err
    assert not (tmp_path / "reports").exists()


def test_duplicate_output_names_are_rejected(data):
    doc = {"run": "dubbel", "reports": [
        {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["1380"], "years": "latest"},
        {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["Halmstad"], "years": "latest"},
    ]}
    with pytest.raises(RunSpecError) as err:
        plan(RunSpec.from_dict(doc), data)
    assert "samma filnamn" in str(err.value) and err.value.kinds == {"name"}


def test_bad_values_in_schema():
    doc = {"run": "../ut", "executor": "snabb", "reports": [{"notebook": "x", "variants": ["elev"],
                                                            "years": "nyligen", "per_municipality": "ja"}]}
    with pytest.raises(RunSpecError) as err:
        RunSpec.from_dict(doc)
    text = str(err.value)
    for word in ("run", "executor", "variants", "years", "per_municipality", "student, teacher"):
        assert word in text


def test_names_and_parameters(data):
    doc = {"run": "namn", "reports": [
        {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["Upplands Väsby", 1380],
         "years": [data.latest, "latest"], "name": "{year}/{slug}_{kommunkod}"},
        {"notebook": str(ps.FIXTURES / "set_fixture.ipynb"), "municipalities": ["1380", "1381"],
         "per_municipality": False, "years": "latest"},
    ]}
    p = plan(RunSpec.from_dict(doc), data)
    ids = [j.id for j in p.jobs]
    assert ids[:2] == [f"{data.latest}/upplands-vasby_0114", f"{data.latest}/halmstad_1380"]
    assert ids[2].startswith(f"{data.latest}/set_fixture-urval-")
    assert p.jobs[2].parameters["municipalities"] == ["1380", "1381"]
    assert p.jobs[0].context["name"] == "Upplands Väsby"


# ------------------------------------------------------------------------------------------------ cache keys
def test_cache_key_depends_on_inputs(data):
    doc = _doc()
    job = plan(RunSpec.from_dict(doc), data).jobs[0]
    key = cache.job_key(job, "hash-a", kernel_name="k", params_fp="p", code_fp="c")
    assert key == cache.job_key(job, "hash-a", kernel_name="k", params_fp="p", code_fp="c")
    assert key != cache.job_key(job, "hash-b", kernel_name="k", params_fp="p", code_fp="c")
    assert key != cache.job_key(job, "hash-a", kernel_name="k", params_fp="p", code_fp="c2")
    assert key != cache.job_key(job, "hash-a", kernel_name="k", params_fp="p2", code_fp="c")
    other = plan(RunSpec.from_dict(_doc(parameters={"fail_on": "0114"})), data).jobs[0]
    assert key != cache.job_key(other, "hash-a", kernel_name="k", params_fp="p", code_fp="c")


def test_kernel_is_registered_in_this_environment():
    from jupyter_client.kernelspec import KernelSpecManager

    from fgte_research.publish.kernel import KERNEL_NAME, _is_this_python, ensure_kernel

    assert ensure_kernel() == KERNEL_NAME
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert _is_this_python(spec.argv[0])
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())


# ------------------------------------------------------------------------------------------------ CLI overrides
def test_overrides_render_one_municipality_and_year_from_a_shipped_spec(data):
    spec = load_runspec(ROOT / "params/runs/fgte_annual.yaml", municipalities=["Haparanda"], years=[2024],
                        run="haparanda-2024")
    p = plan(spec, data)
    assert spec.run == "haparanda-2024"
    assert [j.id for j in p.jobs] == ["2024/2583-haparanda", "2024/regional_overview-fgte"]
    every = plan(load_runspec(ROOT / "params/runs/fgte_annual.yaml", municipalities="all"), data)
    assert len([j for j in every.jobs if j.notebook.stem == "annual_report"]) == 290


def test_bad_override_exit_2_and_nothing_written(tmp_path, no_kernels):
    reports = tmp_path / "reports"
    code, _, err = ps.run_cli([str(ROOT / "params/runs/fgte_annual.yaml"), "--municipalities", "Atlantis"], reports)
    assert code == 2 and "Atlantis" in err and not reports.exists()
    code, _, err = ps.run_cli([str(ROOT / "params/runs/fgte_annual.yaml"), "--years", "tjugo"], reports)
    assert code == 2 and "tjugo" in err and not reports.exists()
