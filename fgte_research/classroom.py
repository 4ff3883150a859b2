"""Student and teacher working copies of the teaching notebooks, made from the one source researchers edit.

``notebooks/teaching/0*.ipynb`` (paired with their ``.py`` twins) are the source, with every solution in a cell
tagged ``solution``. From them:

- ``notebooks/teaching/elev/``: the student's working copy. Solutions are removed; after every exercise
  ("**Övning n.m.**") comes an answer cell ("**Ditt svar n.m:**") and an empty code cell, both tagged ``answer``.
  The parameter cell the exercises ask the student to change stays.
- ``notebooks/teaching/larare/``: the teacher's copy, every solution kept.

Both are written without outputs and with stable cell ids, so a copy changes only when its source does.
``python -m fgte_research.classroom`` (``make teaching``) writes them; ``drift()`` lists copies that no longer
match their source (a test fails on any).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

from . import paths
from .atomic import write_text_atomic

SOLUTION_TAG = "solution"
ANSWER_TAG = "answer"
EXERCISE = re.compile(r"\*\*Övning (\d+\.\d+)\.\*\*")
STUDENT_DIR, TEACHER_DIR = "elev", "larare"


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _clean(nb):
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    out.metadata.pop("jupytext", None)  # a copy is not paired: it is made from the paired source
    return out


def student_copy(nb):
    """Solutions removed; an answer cell (text and code) after every exercise; no outputs."""
    return with_answer_cells(_clean(nb))


def with_answer_cells(nb):
    """A copy of ``nb`` without solutions and with an answer cell (text and code) after every exercise.

    Outputs are kept: the student HTML (``fgte_research.publish.html.variant_notebook``) is made from an
    executed notebook.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if SOLUTION_TAG in _tags(cell):
            continue
        cells.append(cell)
        for number in EXERCISE.findall(cell.source) if cell.cell_type == "markdown" else []:
            answer = nbformat.v4.new_markdown_cell(f"**Ditt svar {number}:** ", metadata={"tags": [ANSWER_TAG]})
            answer.id = f"{cell.get('id', 'cell')}-svar-{number.replace('.', '-')}"
            code = nbformat.v4.new_code_cell(f"# Övning {number}: din kod här (om övningen behöver kod)\n",
                                             metadata={"tags": [ANSWER_TAG]})
            code.id = f"{cell.get('id', 'cell')}-kod-{number.replace('.', '-')}"
            cells += [answer, code]
    out.cells = cells
    return out


def teacher_copy(nb):
    """Every solution kept, outputs removed."""
    return _clean(nb)


def sources(folder: Path | None = None) -> list[Path]:
    folder = Path(folder or paths.notebooks_dir() / "teaching")
    return sorted(folder.glob("0*.ipynb"))


def copies(folder: Path | None = None) -> dict[Path, str]:
    """Every copy's path and its text, made from the sources in memory."""
    folder = Path(folder or paths.notebooks_dir() / "teaching")
    out = {}
    for src in sources(folder):
        nb = nbformat.read(str(src), as_version=4)
        for sub, make in ((STUDENT_DIR, student_copy), (TEACHER_DIR, teacher_copy)):
            out[folder / sub / src.name] = nbformat.writes(make(nb)) + "\n"
    return out


def write_copies(folder: Path | None = None) -> list[Path]:
    """Write the copies (atomically); returns the paths written or unchanged."""
    written = []
    for path, text in copies(folder).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
        written.append(path)
    return written


def drift(folder: Path | None = None) -> list[str]:
    """Copies that are missing or differ from what their source gives (empty when all agree)."""
    return [str(p) for p, text in copies(folder).items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]


if __name__ == "__main__":
    paths_written = write_copies()
    print(f"Skrev {len(paths_written)} arbetskopior: elevversioner i notebooks/teaching/{STUDENT_DIR}/ och "
          f"lärarversioner i notebooks/teaching/{TEACHER_DIR}/.", file=sys.stderr)
