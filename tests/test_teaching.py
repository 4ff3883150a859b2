"""Teaching notebooks and the explorer notebook: they run on real data, and solutions are tagged.

The notebooks are the source: edited in JupyterLab (`make lab`) or as their py:percent twins, kept in
sync by jupytext (tests/test_notebook_pairs.py). Cell conventions checked here:

- one code cell tagged ``parameters`` (papermill injects run parameters after it);
- exercises are markdown starting with (or containing) "**Övning n.m.**";
- solutions are cells tagged ``solution``, each with exactly one unique marker: markdown solutions start with
  "**LÖSNING n.m:**", code solutions start with ``print("LÖSNING n.m, beräkning:")``. The student version
  removes the ``solution`` cells, the teacher version keeps them.

Executions are marked slow (they still run in `make test`); each notebook runs once per session and the
result is shared.

Student/teacher versions are rendered with fgte_research.publish.html (variant_notebook + to_html, what
`fgte report params/runs/teaching.yaml` uses); if that module is missing, with nbconvert's
TagRemovePreprocessor directly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEACHING = sorted((NOTEBOOKS / "teaching").glob("0*.ipynb"))
ALL = [*TEACHING, NOTEBOOKS / "explore.ipynb"]
KERNEL = "fgte-research"
MARKER = re.compile(r"LÖSNING \d+\.\d+(?:, beräkning)?:")

# a computed sentence each notebook must print (the words around a number produced from data)
EXPECTED = {
    "01_att_lasa_ett_nyckeltal": ["Kolada − Skolverket i genomsnitt", "medelskillnaden", "95\u00a0% KI"],
    "02_progression_i_stallet_for_rangordning": ["Lutning (förändring", "Trend 2016", "95\u00a0% KI"],
    "03_gapet_mellan_forutsattningar_och_resultat": ["prediktionsintervall", "Korrelation mellan egen residual",
                                                     "R² =", "Modell:", "ingen rangordning"],
    # synthetic control says "kan inte bedömas" here: ~280 donors reproduce 8 pre-years exactly (honest verdicts)
    "04_fore_och_efter_en_insats": ["Syntetisk kontroll", "framskrivna trenden", "jämförelsegruppen",
                                    "räknat mot hur landets kommuner rörde sig"],
    "explore": ["Halmstad", "modellberäknat värde", "Koladas officiella avvikelse", "före insatsen"],
}


def _ensure_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(kernel_name=KERNEL, display_name="Python (fgte-research)", prefix=sys.prefix)


_executed: dict[str, nbformat.NotebookNode] = {}


def executed(path: Path, tmp_dir: Path) -> nbformat.NotebookNode:
    """Run a notebook with papermill once per session (cwd notebooks/) and return the output notebook.

    papermill runs in a subprocess: in-process execution could hang after the explorer tests had
    created widgets in the pytest process.
    """
    if path.stem not in _executed:
        _ensure_kernel()
        out = tmp_dir / f"{path.stem}.out.ipynb"
        cmd = [sys.executable, "-m", "papermill", str(path), str(out), "-k", KERNEL, "--cwd", str(NOTEBOOKS),
               "--no-progress-bar", "--execution-timeout", "300"]
        # The explorer runs in static mode here: headless Output-widget capture can deadlock nbclient
        # (nbconvert#2029); see Explorer.static. The widget callbacks are driven in tests/test_explorer.py.
        env = {**os.environ, "FGTE_EXPLORER_STATIC": "1"}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, f"{path.name} failed:\n{proc.stderr[-4000:]}"
        _executed[path.stem] = nbformat.read(out, as_version=4)
    return _executed[path.stem]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("teaching_runs")


def _texts(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                parts.append("ERROR " + out.get("ename", ""))
            for key in ("text/plain", "text/markdown", "text/html"):
                if key in out.get("data", {}):
                    parts.append(out["data"][key])
    return "\n".join(parts)


def _n_images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells for out in c.get("outputs", []))


# ------------------------------------------------------------------------------------------------ structure (fast)
def test_notebooks_exist_and_are_paired():
    assert len(TEACHING) == 4, [p.name for p in TEACHING]
    for path in ALL:
        assert path.with_suffix(".py").is_file(), f"{path.name} has no py:percent twin (jupytext --sync)"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_parameters_cell_and_kernel(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks without outputs"


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_exercises_have_tagged_solutions_with_unique_markers(path):
    nb = nbformat.read(path, as_version=4)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    exercises = [c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip("*").startswith("Övning")]
    assert exercises and solutions
    markers = [MARKER.findall(c.source) for c in solutions]
    assert all(len(m) == 1 for m in markers), "every solution cell carries exactly one marker"
    flat = [m[0] for m in markers]
    assert len(set(flat)) == len(flat), "markers are unique"
    others = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    assert not any("LÖSNING" in c.source for c in others), "marker outside a solution cell"
    # where the marker sits: first in a markdown solution, printed first by a code solution
    for cell in solutions:
        if cell.cell_type == "markdown":
            assert re.match(r"\*\*LÖSNING \d+\.\d+:\*\*", cell.source), cell.source[:60]
        else:
            assert re.match(r'print\("LÖSNING \d+\.\d+, beräkning:"\)\n', cell.source), cell.source[:60]
    # every exercise has a solution
    numbers = {n for c in others if c.cell_type == "markdown"
               for n in re.findall(r"\*\*Övning (\d+\.\d+)\.\*\*", c.source)}
    solved = {re.search(r"\d+\.\d+", m).group() for m in flat}
    assert numbers and numbers <= solved, f"exercises without a solution: {sorted(numbers - solved)}"


# ------------------------------------------------------------------------------------------------ helpers (fast)
@pytest.fixture(scope="module")
def panel():
    from fgte_research import load_panel

    return load_panel()


def test_municipal_values_from_the_panel_or_from_disk(panel):
    from fgte_research import teaching

    held = teaching.municipal_values("N15505", panel=panel)
    read = teaching.municipal_values("N15505")  # through fgte_research.panel.series_values
    assert list(held.columns) == ["municipality_id", "year", "value", "status"]
    assert not held["municipality_id"].str.startswith("00").any()  # municipalities only, no riket/län
    key = ["municipality_id", "year"]
    assert held.sort_values(key).reset_index(drop=True).equals(read.sort_values(key).reset_index(drop=True))
    every = teaching.municipal_values("skv.ak9.foreign_bg.kommunal", panel=panel)  # has suppressed years
    ok = teaching.municipal_values("skv.ak9.foreign_bg.kommunal", panel=panel, statuses=("ok",))
    assert set(ok["status"]) == {"ok"} and 0 < len(ok) < len(every)


def test_regression_to_mean_helper(panel):
    from fgte_research.teaching import regression_to_mean

    r = regression_to_mean("splice.ak9.merit17.kommunal", 2018, 2019, panel=panel)
    assert r.n > 250 and r.ci[0] < r.slope < r.ci[1]
    with pytest.raises(ValueError, match="har inte värden"):
        regression_to_mean("N15472", 2020, 2021, panel=panel)


def test_explorer_keeps_only_the_widget():
    from fgte_research import explorer, teaching

    for name in teaching.__all__:
        assert not hasattr(explorer, name), f"{name} belongs in fgte_research.teaching"
    assert not hasattr(explorer, "series_values")


# ------------------------------------------------------------------------------------------------ execution (slow)
@pytest.mark.slow
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_notebook_executes_on_real_data(path, run_dir):
    nb = executed(path, run_dir)
    text = _texts(nb)
    assert "ERROR" not in text and "Traceback" not in text
    assert _n_images(nb) >= 1, "expected at least one figure"
    for phrase in EXPECTED[path.stem]:
        assert phrase in text, f"{path.stem}: {phrase!r} missing from the outputs"
    assert re.search(r"\d+,\d", text), "expected a computed number with decimal comma in the outputs"


@pytest.mark.slow
def test_student_and_teacher_versions(run_dir):
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    path = TEACHING[0]
    nb = executed(path, run_dir)
    markers = [MARKER.findall(c.source)[0] for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert markers

    try:  # the publishing pipeline's own variants, as `fgte report params/runs/teaching.yaml` makes them
        from fgte_research.publish.html import to_html, variant_notebook

        teacher_html = to_html(variant_notebook(nb, "teacher"), title="lärare", show_code=True)
        student_html = to_html(variant_notebook(nb, "student"), title="elev", show_code=True)
    except ImportError:  # pipeline not available: the same tag-based removal with nbconvert directly
        teacher_html, _ = HTMLExporter(exclude_input=False).from_notebook_node(nb)
        cfg = Config()
        cfg.TagRemovePreprocessor.remove_cell_tags = {"solution"}
        cfg.TagRemovePreprocessor.enabled = True
        student = HTMLExporter(config=cfg)
        student.register_preprocessor(TagRemovePreprocessor(config=cfg), enabled=True)
        student_html, _ = student.from_notebook_node(nb)

    for m in markers:
        assert m in teacher_html, f"teacher version lacks {m}"
        assert m not in student_html, f"student version shows {m}"
    # the parameter cell the exercises ask the student to change is shown in both versions (its comment text)
    for html in (student_html, teacher_html):
        assert "kommunkod med fyra tecken" in html and "en liten kommun (Bjurholm)" in html
    assert "LÖSNING" not in student_html
    # an empty answer cell per exercise in the student version only, as in the working copies
    assert student_html.count("Ditt svar 1.") == len({re.search(r"\d+\.\d+", m).group() for m in markers}) > 0
    assert "Ditt svar" not in teacher_html
    # the exercises themselves stay in the student version
    assert "Övning 1.1" in student_html and "Övning 1.1" in teacher_html


@pytest.mark.slow
def test_gap_notebook_uses_library_and_matches_kolada(run_dir):
    """Notebook 03 fits with fgte_research.gaps and prints, per year, the correlation with Kolada's deviation."""
    path = NOTEBOOKS / "teaching" / "03_gapet_mellan_forutsattningar_och_resultat.ipynb"
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    for call in ("gaps.fit_salsa(", "gaps.salsa_gap(", "gaps.validate_against_kolada(", ".data()"):
        assert call in source, call
    assert "gap_model" not in source and "compare_with_official" not in source
    text = _texts(executed(path, run_dir))
    found = {int(y): float(r.replace(",", "."))
             for y, r in re.findall(r"Korrelation mellan egen residual och U15459 (\d{4}): (\d,\d+)", text)}
    assert sorted(found) == list(range(2017, 2023)), found
    assert all(r >= 0.85 for r in found.values()), found


# ------------------------------------------------------------------------------------------------ working copies
def test_student_and_teacher_copies_are_made_from_the_one_source():
    """notebooks/teaching/elev and /larare must equal what fgte_research.classroom makes from the sources
    (`make teaching` rewrites them); a copy edited by hand or a source changed without `make teaching` fails here."""
    from fgte_research import classroom

    assert classroom.drift() == [], "kör `make teaching` (python -m fgte_research.classroom)"


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_student_copy_has_an_answer_cell_per_exercise_and_no_solution(path):
    from fgte_research import classroom

    source = nbformat.read(path, as_version=4)
    student = nbformat.read(path.parent / classroom.STUDENT_DIR / path.name, as_version=4)
    teacher = nbformat.read(path.parent / classroom.TEACHER_DIR / path.name, as_version=4)
    exercises = [n for c in source.cells if c.cell_type == "markdown" for n in classroom.EXERCISE.findall(c.source)]
    assert exercises and exercises == sorted(exercises, key=lambda n: tuple(map(int, n.split("."))))  # in order
    answers = [c.source for c in student.cells if "answer" in c.metadata.get("tags", []) and c.cell_type == "markdown"]
    assert answers == [f"**Ditt svar {n}:** " for n in exercises]
    text = "\n".join(c.source for c in student.cells)
    assert "LÖSNING" not in text and not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert any("parameters" in c.metadata.get("tags", []) for c in student.cells)  # the cell exercises change
    solutions = sum("LÖSNING" in c.source for c in source.cells)
    assert sum("LÖSNING" in c.source for c in teacher.cells) == solutions > 0
    assert all(not c.get("outputs") for c in student.cells + teacher.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_each_lesson_opens_with_learning_goals_and_its_time(path):
    first = nbformat.read(path, as_version=4).cells[0].source
    assert "**Lärandemål.** Efter lektionen kan du" in first
    assert len(re.findall(r"^- ", first, re.M)) >= 3
    assert re.search(r"cirka \d+ minuter", first)


# ------------------------------------------------------------------------------------------------ reader formatting
# Column names the library's frames use: none may reach a table a student sees.
ENGLISH_COLUMNS = {"year", "value", "status", "series", "term", "estimate", "ci_low", "ci_high", "p_value", "n_pre",
                   "n_post", "design", "treated", "municipality_id", "label", "actual", "expected", "pi_low",
                   "pi_high", "residual", "residual_low", "residual_high", "residual_centred", "residual_std",
                   "official_deviation", "deviation", "correlation", "r2", "mean", "mean_abs_difference", "note",
                   "method", "verdict", "ok", "suppressed", "rounded", "missing", "years", "analysis"}
E_NOTATION = re.compile(r"\d(?:\.\d+)?e[-+]\d", re.IGNORECASE)
NAN = re.compile(r"\b(?:nan|NaN|NaT|None|<NA>)\b")


def _tables(nb) -> list[str]:
    return [out["data"]["text/html"] for c in nb.cells for out in c.get("outputs", [])
            if "<table" in out.get("data", {}).get("text/html", "")]


def _cells(table_html: str, tag: str) -> list[str]:
    import html as html_lib

    return [html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", table_html, re.S)]


@pytest.mark.slow
@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_every_table_and_number_a_student_sees_is_formatted_for_readers(path, run_dir):
    """What teacher and student versions show (the source's outputs; the versions differ only in solutions)."""
    nb = executed(path, run_dir)
    text = _texts(nb)
    assert not E_NOTATION.search(text), E_NOTATION.search(text).group()
    assert not NAN.search(text), text[max(0, NAN.search(text).start() - 200):NAN.search(text).end() + 50]
    assert not re.search(r"\b(?:True|False)\b", text), "booleans are shown as ja/nej"
    for m in re.finditer(r"\bp (?:=|<) ?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?", text):  # p-values in sentences
        assert re.fullmatch(r"p (?:= \d,\d{3}|< 0,001)", m.group()), m.group()
    tables = _tables(nb)
    assert tables, "expected tables"
    for table in tables:
        assert "fgte-reader-table" in table, "every table goes through teaching.table / tables.for_readers"
        headers = _cells(table, "th")
        assert not set(headers) & ENGLISH_COLUMNS, sorted(set(headers) & ENGLISH_COLUMNS)
        assert not any("_" in h for h in headers), headers
        cells = _cells(table, "td")
        assert not any(re.search(r"\d\.\d", c) for c in cells), [c for c in cells if re.search(r"\d\.\d", c)][:5]
        if "p-värde" in headers:
            col = headers.index("p-värde")
            values = cells[col::len(headers)]
            assert values and all(re.fullmatch(r"< 0,001|[01],\d{3}|saknas", v) for v in values), values
    assert re.search(r"<td>\d+,\d+</td>", "\n".join(tables)), "decimal comma in the tables"


def test_for_readers_on_a_small_hand_made_frame():
    """Arithmetic unit test on a hand-made frame (not data): what the display helper does to each kind of cell."""
    import numpy as np
    import pandas as pd

    from fgte_research import teaching
    from fgte_research.tables import for_readers

    frame = pd.DataFrame({"year": [2016, 2017], "estimate": [0.0142, np.nan], "p_value": [3.471e-53, 0.0342],
                          "status": ["ok", "missing"], "treated": ["1384,1380", "1381"], "n": [1290, 12],
                          "inom": [True, False], "label": ["<b>x</b>", "y"], "sd_årsförändring": [1.25, -2.0]})
    shown = for_readers(frame, signed=["sd_årsförändring"], decimals={"estimate": 3})
    assert list(shown.columns) == ["År", "Skattning", "p-värde", "Status", "Kommun", "Antal", "Inom", "Variabel",
                                   "Sd årsförändring"]
    assert shown.iloc[0].tolist() == ["2016", "0,014", "< 0,001", "värde finns", "Kungsbacka, Halmstad",
                                      "1\u00a0290", "ja", "<b>x</b>", "+1,2"]
    assert shown.iloc[1].tolist() == ["2017", "saknas", "0,034", "saknas", "Laholm", "12", "nej", "y", "\u22122,0"]
    assert "&lt;b&gt;x&lt;/b&gt;" in shown._repr_html_() and "<b>x" not in shown._repr_html_()  # escaped
    assert "\n0 " not in repr(shown)  # no index numbers
    # a dict chooses, orders and relabels; a lesson column gets its Swedish header from teaching.LABELS_SV
    assert list(for_readers(frame, {"n": "Elever", "year": "Läsår"}).columns) == ["Elever", "Läsår"]
    assert list(teaching.table(frame, ["sd_årsförändring"]).columns) == ["SD för årsförändring"]
    with pytest.raises(KeyError, match="finns inte"):
        for_readers(frame, ["finns_inte"])
    # the frame itself is untouched and numeric
    assert frame["estimate"].dtype == float and frame["year"].dtype.kind == "i"


def test_lesson_helpers_return_numbers_not_text(panel):
    from fgte_research import teaching

    swings = teaching.year_to_year_swings("N15472", ["2403", "1480"], panel=panel)
    assert swings["sd_årsförändring"].dtype == float and swings["invånare"].dtype == float
    per_municipality, summary = teaching.break_difference(panel=panel)
    assert summary["mean"].dtype == float and per_municipality["skillnad"].dtype == float
    shown = teaching.table(summary)
    assert "Medelskillnad" in shown.columns and all(isinstance(v, str) for v in shown.to_numpy().ravel())
