"""The data layer: loaders read data/processed only, the processed group table equals the raw file,
and the data modules import downward only (no circles)."""

import ast
from pathlib import Path

import pandas as pd
import pytest

from fgte_research import memo
from fgte_research import municipalities as mun

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PKG = ROOT / "fgte_research"

#: The data layer: it may import only itself (and third-party libraries).
DATA_MODULES = {"fgte_research", "fgte_research._version", "fgte_research.paths", "fgte_research.atomic",
                "fgte_research.schema", "fgte_research.manifest", "fgte_research.breaks", "fgte_research.catalogue",
                "fgte_research.build", "fgte_research.memo", "fgte_research.municipalities", "fgte_research.panel"}


def _clear_caches():
    for fn in (mun._table, mun._similar):
        fn.cache_clear()


@pytest.fixture()
def without_raw(tmp_path, monkeypatch):
    """data/raw replaced by an empty folder after data/processed is current (checked once per process)."""
    memo.current_hash()
    empty = tmp_path / "raw"
    empty.mkdir()
    monkeypatch.setenv("FGTE_RAW_DIR", str(empty))
    _clear_caches()
    yield empty
    _clear_caches()


def test_municipalities_are_read_from_processed(without_raw):
    table = mun.load_municipalities()
    assert len(table) == 290 and table["county_id"].notna().all()
    assert set(table.loc[table["in_fgte"], "municipality_id"]) == set(mun.FGTE_SET)
    assert mun.resolve("Halmstad") == "1380" and mun.name_of("1315") == "Hylte"
    assert mun.county_of("1380") == "13" and len(mun.county_members("13")) == 6
    assert len(mun.similar_group("1380", "socioekonomi")) == 7
    assert not any(without_raw.iterdir())


def _raw_similar_group(owner: str, kind: str) -> list[str]:
    groups = pd.read_csv(RAW / "kolada_meta" / "kolada_municipality_groups_long.csv", dtype=str)
    hit = groups[groups["group_title"] == f"Liknande kommuner {kind}, {owner}, 2024"]
    return sorted(hit["member_id"])


@pytest.mark.parametrize("kind", mun.SIMILAR_KINDS)
def test_similar_groups_round_trip(kind):
    got = mun.similar_group("1380", kind)
    assert got == _raw_similar_group("Halmstad", kind)
    assert len(got) == 7 and "1380" not in got


def test_similar_group_kind_is_checked():
    with pytest.raises(ValueError, match="giltiga: grundskola, gymnasieskola, socioekonomi"):
        mun.similar_group("1380", "förskola")


# ---------------------------------------------------------------- layers
def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """fgte_research modules imported by a file, at the top or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:
                candidate = f"{prefix}.{alias.name}"
                found.add(candidate if (ROOT / Path(*candidate.split("."))).with_suffix(".py").is_file()
                          or (ROOT / Path(*candidate.split(".")) / "__init__.py").is_file() else prefix)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("fgte_research")} - {name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PKG.rglob("*.py") if "__pycache__" not in p.parts}


def _is_data(module: str) -> bool:
    return module in DATA_MODULES or module.startswith("fgte_research.sources")


def test_data_layer_imports_only_the_data_layer():
    graph = _graph()
    upward = {m: sorted(d for d in deps if not _is_data(d)) for m, deps in graph.items() if _is_data(m)}
    assert {m: d for m, d in upward.items() if d} == {}


def test_data_layer_has_no_import_circles():
    graph = {m: {d for d in deps if _is_data(d)} for m, deps in _graph().items() if _is_data(m)}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("importcirkel: " + " → ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        for dep in sorted(graph.get(module, ())):
            visit(dep, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_build_does_not_import_the_loaders():
    graph = _graph()
    assert not graph["fgte_research.build"] & {"fgte_research.municipalities", "fgte_research.panel",
                                               "fgte_research.memo", "fgte_research"}
