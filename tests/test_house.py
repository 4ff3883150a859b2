"""The package's structure: no import circles between modules, and no import from a lower layer to a higher one.

Layers (downward only): base → data → analysis → presentation → publishing. Every import counts, also one inside
a function, because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "fgte_research"

LAYERS = {
    0: {"_version", "paths", "atomic", "text_sv", "schema", "catalogue", "ranges", "breaks", "contract", "errors", "verdicts", "style", "trend",
        "publisher", "safe_yaml", "lifeline"},
    1: {"sources", "manifest", "build", "municipalities", "panel", "memo", "store", "break_shift", "storecodec",
        "intervention_registry"},
    2: {"references", "progression", "gaps", "interventions", "intervention_study", "soft_values", "annual_results"},
    3: {"plots", "tables", "report", "annual", "explorer", "teaching", "classroom", "precompute", "templates", "sections"},
    4: {"publish", "cli", "__main__"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("fgte_research")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("fgte_research"):
                continue
            for alias in node.names:  # "from . import gaps" imports the module fgte_research.gaps
                full = f"{mod}.{alias.name}"
                out.add(full if (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists()
                        or (PACKAGE.parent / full.replace(".", "/")).is_dir() else mod)
    return out


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imp in _imports(path, name):
            while imp not in modules and "." in imp:
                imp = imp.rsplit(".", 1)[0]
            if imp in modules and imp != name:
                deps.add(imp)
        graph[name] = deps
    return graph


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _layer(name: str) -> int | None:
    top = _top(name)
    return next((k for k, names in LAYERS.items() if top in names), None)


def test_every_module_has_a_layer():
    unplaced = sorted(n for n in _graph() if n != "fgte_research" and _layer(n) is None)
    assert not unplaced, f"modules without a layer in tests/test_house.py: {unplaced}"


def test_no_import_circle_between_modules():
    graph = _graph()
    # a package's __init__ re-exporting its own modules is not a circle between modules
    edges = {a: {b for b in deps if not (a.count(".") < b.count(".") and b.startswith(a + "."))}
             for a, deps in graph.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n, [])
    assert not cycles, "import circles: " + "; ".join(" → ".join(c) for c in cycles)


def test_imports_run_downward_only():
    graph = _graph()
    upward = [(a, b) for a, deps in graph.items() for b in deps
              if a != "fgte_research" and b != "fgte_research" and _layer(a) is not None
              and _layer(b) is not None and _layer(b) > _layer(a)]
    assert not upward, "imports from a lower layer to a higher one: " + ", ".join(f"{a} → {b}" for a, b in upward)


def test_analysis_reads_no_raw_files():
    for name, path in ((n, p) for p in PACKAGE.rglob("*.py") if _layer(n := _module_name(p)) == 2):
        text = path.read_text(encoding="utf-8")
        assert "raw_dir(" not in text, f"{name} reads data/raw itself; read the processed data instead"


def test_build_does_not_import_the_loaders():
    graph = _graph()
    assert not graph["fgte_research.build"] & {"fgte_research.municipalities", "fgte_research.panel",
                                               "fgte_research.memo", "fgte_research"}


def test_the_compute_once_pass_renders_nothing():
    """The pass computes what a report shows through the analysis layer (annual_results), so it needs no
    presentation module: it once warmed the gap models by rendering HTML and Markdown (issue 18)."""
    graph = _graph()
    assert not graph["fgte_research.precompute"] & {"fgte_research.annual", "fgte_research.report",
                                                    "fgte_research.plots", "fgte_research.tables"}


def test_reading_the_registry_and_planning_a_run_import_no_design(tmp_path):
    """An unchanged re-run reads params/interventions.yaml and plans every job before it finds nothing to do.
    The registry stands outside the interventions package so that this imports neither statsmodels nor
    scipy.stats nor matplotlib (they were 1.5 s of the national re-run's 3.5 s). Everything ``render`` does before
    it takes the run's lock is run here; the locked part (the jobs) is replaced by a no-op."""
    import os
    import subprocess
    import sys

    code = ("import sys\n"
            "import fgte_research.publish.runner as runner\n"
            "runner._render_locked = lambda *a, **k: 'planned'\n"
            "assert runner.render('params/runs/national.yaml', progress=False) == 'planned'\n"
            "heavy = sorted(m for m in ('statsmodels', 'scipy.stats', 'matplotlib') if m in sys.modules)\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "FGTE_REPORTS_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "", f"imported before any report ran: {out.stdout.strip()}"
