"""Run specifications: schema, validation before any kernel starts, expansion into jobs, cache keys.

Fast: no notebook is executed here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
import publish_support as ps  # noqa: E402

from fgte_research import catalogue  # noqa: E402
from fgte_research import municipalities as m  # noqa: E402
from fgte_research import publish  # noqa: E402
from fgte_research.publish import cache, runner  # noqa: E402
from fgte_research.publish.runspec import (  # noqa: E402
    MIN_HEADLINE_INDICATORS, RunSpec, RunSpecError, load_runspec, plan, usable_report_years, year_ranges)

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
    monkeypatch.setattr(runner, "make_executor", boom)


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
    assert year_ranges(data.report_years) in err and str(data.latest + 1) in err


# ------------------------------------------------------------------------------------------------ right for any year
def test_usable_report_years_rule(data):
    """A year is usable when at least MIN_HEADLINE_INDICATORS of the 13 indicators' headline series have a value."""
    assert data.latest in data.report_years
    assert set(data.report_years) <= set(data.years)
    assert 1994 in data.years and 1994 not in data.report_years  # the panel reaches 1994 (covariates), reports not
    assert year_ranges(data.report_years) == f"{min(data.report_years)}–{max(data.report_years)}"  # no gaps today

    import pandas as pd

    rows = [("N15472", "1380", 2001, "ok"), ("N15567", "1380", 2001, "ok"), ("N17691", "1381", 2001, "ok"),
            ("N17445", "1381", 2001, "ok"),                         # 2001: 4 indicators over two municipalities
            ("N15472", "1380", 2002, "ok"), ("N15473", "1380", 2002, "ok"),  # two series of one indicator
            ("N15567", "1380", 2002, "ok"), ("N17691", "0000", 2002, "ok"),  # riket does not count
            ("N17445", "1381", 2002, "missing"),                    # a missing value does not count
            ("N00905", "1380", 2002, "ok"), ("N00905", "1381", 2002, "ok")]  # a covariate does not count
    frame = pd.DataFrame(rows, columns=["series", "municipality_id", "year", "status"])
    assert usable_report_years(frame) == (2001,)
    assert usable_report_years(frame, minimum=2) == (2001, 2002)
    assert MIN_HEADLINE_INDICATORS == 4
    assert year_ranges([2010, 2012, 2013, 2014, 2020]) == "2010, 2012–2014, 2020"


def _one_problem_line(err: str) -> str:
    bullets = [line for line in err.splitlines() if line.strip().startswith("•")]
    assert len(bullets) == 1, err
    return bullets[0]


@pytest.mark.parametrize("years", [1994, [1994], "1994"])
def test_year_without_indicator_data_is_refused_with_one_line(years, tmp_path, data, no_kernels):
    reports = tmp_path / "reports"
    code, out, err = ps.run_cli([str(ps.write_spec(tmp_path, _doc(years=years)))], reports)
    assert code == 2, (out, err)
    line = _one_problem_line(err)
    assert "1994" in line and f"Användbara år: {year_ranges(data.report_years)}" in line
    assert f"minst {MIN_HEADLINE_INDICATORS} av de {len(catalogue.INDICATORS)} indikatorerna" in line
    assert "Traceback" not in err and not reports.exists()


def test_year_override_from_the_command_line_is_checked_too(tmp_path, data, no_kernels):
    reports = tmp_path / "reports"
    code, _, err = ps.run_cli([str(ROOT / "params/runs/fgte_annual.yaml"), "--years", "1994"], reports)
    assert code == 2 and "1994" in err and year_ranges(data.report_years) in err
    assert "Traceback" not in err and not reports.exists()


@pytest.mark.parametrize("params,fields", [
    ({"municipality": "1381", "year": 2024}, ["municipality", "year"]),
    ({"municipalities": ["1381"]}, ["municipalities"]),
    ({"intervention": "fgte"}, ["intervention"]),
])
def test_parameters_cannot_set_what_the_spec_sets(params, fields, tmp_path, no_kernels):
    """Under a 1380/latest entry, parameters {municipality: "1381", year: 2024} used to publish 1380-halmstad.html
    titled Halmstad with Laholm 2024 in it."""
    reports = tmp_path / "reports"
    code, out, err = ps.run_cli([str(ps.write_spec(tmp_path, _doc(parameters=params)))], reports)
    assert code == 2, (out, err)
    assert "Fel i körspecifikationen" in err and "Inga rapporter har skapats" in err
    for f in fields:
        assert f"reports[0].parameters.{f}: {f} sätts av körspecifikationen själv" in err, err
    assert "Traceback" not in err and not reports.exists()
    with pytest.raises(RunSpecError) as exc:
        RunSpec.from_dict(_doc(parameters=params))  # refused by the schema, before any look-up
    assert exc.value.kinds == {"schema"}


NUMERIC_CODES = {
    "octal_list": ("municipalities: [0162, 0461]", ["talet 114", "YAML läser 0162", "\"0162\"",
                                                   "talet 305", "\"0461\""]),
    "octal_scalar": ("municipalities: 0162", ["talet 114", "\"0162\""]),
    "decimal": ("municipalities: [1380]", ["talet 1380", "\"1380\""]),
    "mixed": ("municipalities: [\"1381\", 1380]", ["talet 1380", "\"1380\""]),
    "parameters": ("municipalities: [\"1380\"]\n    parameters: {comparison_municipalities: [0162]}",
                   ["comparison_municipalities", "talet 114", "\"0162\""]),
}


@pytest.mark.parametrize("kind", NUMERIC_CODES)
def test_municipality_codes_written_as_numbers_are_refused(kind, tmp_path, no_kernels):
    """Unquoted 0162 is the octal number 114 in YAML (Upplands Väsby's 0114 once zero-padded): never guess."""
    line, must_mention = NUMERIC_CODES[kind]
    spec = tmp_path / "run.yaml"
    spec.write_text(f"run: siffror\nreports:\n  - notebook: {ps.FIXTURES / 'report_fixture.ipynb'}\n"
                    f"    years: latest\n    {line}\n", encoding="utf-8")
    reports = tmp_path / "reports"
    code, out, err = ps.run_cli([str(spec)], reports)
    assert code == 2, (out, err)
    assert "skriv koden inom citattecken" in err
    for text in must_mention:
        assert text in err, f"{text!r} missing from:\n{err}"
    assert "Traceback" not in err and not reports.exists()


def test_numeric_code_in_the_intervention_registry_is_refused(tmp_path, no_kernels, monkeypatch):
    registry = (ROOT / "params" / "interventions.yaml").read_text(encoding="utf-8")
    assert '["2583"]' in registry
    params = tmp_path / "params"
    params.mkdir()
    (params / "interventions.yaml").write_text(registry.replace('["2583"]', "[0162]", 1), encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    doc = {"run": "insatser", "reports": [{"notebook": "intervention_study", "interventions": ["fgte"]}]}
    reports = tmp_path / "reports"
    code, _, err = ps.run_cli([str(ps.write_spec(tmp_path, doc))], reports)
    assert code == 2 and "interventions.yaml" in err and "talet 114" in err and '"0162"' in err, err
    assert "Traceback" not in err and not reports.exists()


def test_shipped_specs_and_readme_quote_municipality_codes():
    import re

    import yaml

    for path in RUNS:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in doc["reports"]:
            if isinstance(entry, dict):
                munis = entry.get("municipalities")
                items = munis if isinstance(munis, list) else [munis]
                assert not any(isinstance(x, int) for x in items), path
                assert not any(isinstance(v, int) and k in ("comparison_municipalities", "kommun", "kommuner")
                               for k, v in (entry.get("parameters") or {}).items()), path
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        assert not re.search(r"municipalities:\s*\[?\s*\d", block), block


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
        {"notebook": str(ps.FIXTURES / "report_fixture.ipynb"), "municipalities": ["Upplands Väsby", "1380"],
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


def test_bad_publisher_file_exit_2_and_nothing_written(tmp_path, monkeypatch, no_kernels):
    params = tmp_path / "params"
    params.mkdir()
    (params / "publisher.yaml").write_text("publisher: 12\ncontact: \"\"\n", encoding="utf-8")
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    reports = tmp_path / "reports"
    code, out, err = ps.run_cli([str(ps.write_spec(tmp_path, _doc()))], reports)
    assert code == 2, (out, err)
    assert "publisher.yaml" in err and "fältet publisher måste vara text" in err and "Inga rapporter har skapats" in err
    assert "Traceback" not in err and not reports.exists()


def test_cache_key_covers_only_the_parameter_files_a_report_reads(tmp_path, monkeypatch):
    """A README or another municipality's soft-value file in params/local does not re-render a report; its own
    file, the registry and the publisher do."""
    import shutil

    from fgte_research.publish import cache

    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    monkeypatch.setenv("FGTE_PARAMS_DIR", str(params))
    before = cache.params_fingerprint("1380")
    (params / "local" / "README.md").write_text("ändrad\n", encoding="utf-8")
    (params / "local" / "1381_trygghet.csv").write_text("year;group;n;value\n", encoding="utf-8")
    (params / "runs" / "egen.yaml").write_text("run: x\n", encoding="utf-8")
    assert cache.params_fingerprint("1380") == before
    (params / "local" / "1380_trygghet.csv").write_text("year;group;n;value\n", encoding="utf-8")
    own = cache.params_fingerprint("1380")
    assert own != before
    (params / "publisher.yaml").write_text((params / "publisher.yaml").read_text(encoding="utf-8") + "\n# x\n",
                                           encoding="utf-8")
    assert cache.params_fingerprint("1380") != own


def test_executor_and_kernel_fields():
    from fgte_research.publish.runspec import RunSpec

    base = {"run": "x", "reports": [{"notebook": "annual_report"}]}
    assert (RunSpec.from_dict(base).executor, RunSpec.from_dict(base).kernel) == ("local", "warm")
    old = RunSpec.from_dict({**base, "executor": "papermill"})  # the older spelling of the kernel mode
    assert (old.executor, old.kernel) == ("local", "papermill")
    new = RunSpec.from_dict({**base, "executor": "dask", "kernel": "papermill"})
    assert (new.executor, new.kernel) == ("dask", "papermill")
    with pytest.raises(RunSpecError) as info:
        RunSpec.from_dict({**base, "executor": "warm", "kernel": "papermill"})
    assert "strider mot" in info.value.message_sv()
    with pytest.raises(RunSpecError) as info:
        RunSpec.from_dict({**base, "kernel": "kall"})
    assert "warm, papermill" in info.value.message_sv()
