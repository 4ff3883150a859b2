"""Every notebook under notebooks/ is a jupytext pair: the .ipynb and its py:percent twin say the same thing.

The notebooks are the source (edited in JupyterLab via `make lab`, or as text); jupytext.toml at the repository
root pairs them. This test reads both sides with jupytext (no kernel) and fails when they drift apart: run
`jupytext --sync notebooks/*.ipynb notebooks/teaching/*.ipynb` after editing one side outside JupyterLab.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file
from jupytext.formats import long_form_multiple_formats, short_form_multiple_formats

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
# the teaching working copies (teaching/elev, teaching/larare) are made from the paired sources by
# fgte_research.classroom and checked against them in test_teaching.py; they have no twins of their own
COPIES = ("elev", "larare")
PAIRED = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
                and not (p.parent.name in COPIES and p.parent.parent.name == "teaching"))
TWINS = sorted(p for p in NOTEBOOKS.rglob("*.py") if ".ipynb_checkpoints" not in p.parts)
SYNC = "run `jupytext --sync notebooks/*.ipynb notebooks/teaching/*.ipynb`"
# notebook metadata both sides carry: the kernel papermill starts and what fgte_research.publish reads
SHARED_METADATA = ("kernelspec", "fgte")


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _cells(nb) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def test_config_pairs_every_notebook_folder():
    """jupytext.toml at the root applies to notebooks/ and notebooks/teaching/ (JupyterLab and the CLI)."""
    assert PAIRED, "no notebooks found"
    for folder in sorted({p.parent for p in PAIRED}):
        config_file = find_jupytext_configuration_file(folder)
        assert config_file and Path(config_file) == ROOT / "jupytext.toml", folder
        config = load_jupytext_configuration_file(config_file)
        for path in (p for p in PAIRED if p.parent == folder):
            formats = short_form_multiple_formats(long_form_multiple_formats(config.default_formats(str(path))))
            assert formats == "ipynb,py:percent", (_rel(path), formats)


def test_every_twin_has_a_notebook():
    orphans = [_rel(p) for p in TWINS if not p.with_suffix(".ipynb").is_file()]
    assert not orphans, f"text twins without a notebook (restore the .ipynb with jupytext --sync): {orphans}"


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: p.relative_to(NOTEBOOKS).with_suffix("").as_posix())
def test_pair_in_sync(path):
    twin = path.with_suffix(".py")
    assert twin.is_file(), f"{_rel(twin)} is missing: {SYNC}"
    nb = jupytext.read(path)
    text = jupytext.read(twin, fmt="py:percent")
    assert text.metadata.get("jupytext", {}).get("text_representation", {}).get("format_name") == "percent", \
        f"{_rel(twin)} is not in py:percent format"

    a, b = _cells(nb), _cells(text)
    for i, (left, right) in enumerate(zip(a, b)):
        assert left == right, f"{_rel(path)} cell {i} differs from {_rel(twin)}: {SYNC}\n{left}\n!=\n{right}"
    assert len(a) == len(b), f"{_rel(path)} has {len(a)} cells, {_rel(twin)} {len(b)}: {SYNC}"
    for key in SHARED_METADATA:
        assert nb.metadata.get(key) == text.metadata.get(key), f"notebook metadata {key!r} differs: {SYNC}"


@pytest.mark.parametrize("path", PAIRED, ids=lambda p: p.relative_to(NOTEBOOKS).with_suffix("").as_posix())
def test_notebook_committed_without_outputs(path):
    nb = jupytext.read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "fgte-research"
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{_rel(path)} has outputs in cells {dirty}: clear them (Edit → Clear Outputs of All "
                       "Cells in JupyterLab, then save) before committing")
