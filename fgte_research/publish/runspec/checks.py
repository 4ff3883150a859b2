"""Run specifications, step 2: checks against what exists — notebooks and their ``parameters`` cells,
municipalities, report years, catalogue indicators, designs, registry interventions, comparison groups.

Each check appends (kind, where, Swedish message) to a list of problems, so that :func:`.planning.plan` can report
every problem at once; nothing here raises for a problem of the specification.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from ... import paths
from ...panel import MIN_HEADLINE_INDICATORS
from ...safe_yaml import numeric_code_message
from ...text_sv import year_ranges
from .schema import INDICATOR_PARAMS, INTERVENTION_PARAMS, MUNICIPALITY_PARAMS, _numeric_codes


@dataclass(frozen=True)
class DataInfo:
    """What validation needs to know about the processed data.

    ``years``: every year with any value in the panel; ``report_years``: the years a report may be made for
    (:func:`fgte_research.panel.usable_years`); ``latest``: the last of them (``years: latest``,
    :func:`fgte_research.panel.latest_year`)."""

    years: tuple[int, ...]
    latest: int
    hash: str
    report_years: tuple[int, ...] = ()


def available_notebooks() -> list[str]:
    root = paths.notebooks_dir()
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def _resolve_notebooks(name: str, base_dir: Path | None) -> list[tuple[str, Path]]:
    if name.endswith(".ipynb"):
        candidates = [Path(name)] if Path(name).is_absolute() else \
            [(base_dir or Path.cwd()) / name, paths.project_root() / name, paths.notebooks_dir() / name]
        for c in candidates:
            if c.is_file():
                return [(Path(name).stem, c.resolve())]
        return []
    names = available_notebooks()
    if any(ch in name for ch in "*?["):
        hits = [n for n in names if fnmatch.fnmatchcase(n, name)]
    else:
        hits = [n for n in names if n == name]
    return [(n, (paths.notebooks_dir() / f"{n}.ipynb").resolve()) for n in hits]


def notebook_parameters(path: Path) -> list[str] | None:
    """Names assigned in the notebook's first ``parameters`` cell; None if it has no such cell.

    Parsed with ``ast`` (papermill's own inspection skips lines such as ``x = None  # comment``)."""
    import ast
    import json

    # plain JSON, not nbformat: importing nbformat (jsonschema) takes about a second, and a run in which every
    # report is unchanged needs nothing else from it
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    cell = next((c for c in cells if c.get("cell_type") == "code"
                 and "parameters" in ((c.get("metadata") or {}).get("tags") or [])), None)
    if cell is None:
        return None
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    names: list[str] = []

    def collect(target) -> None:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                collect(t)

    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                collect(t)
        elif isinstance(node, ast.AnnAssign):
            collect(node.target)
    return list(dict.fromkeys(names))


def _municipality_codes(raw, where: str, problems: list) -> list[str] | None:
    from ... import municipalities as m

    numbers = _numeric_codes(raw)
    if numbers:
        for n in numbers:
            problems.append(("municipality", where, numeric_code_message(n)))
        return None
    items = [raw] if isinstance(raw, str) else list(raw)
    codes: list[str] = []
    bad: list[str] = []
    for item in items:
        try:
            codes += m.resolve_set(item)
        except ValueError:
            bad.append(str(item))
    if bad:
        n = len(m.load_municipalities())
        problems.append(("municipality", where,
                         f"okänd kommun {', '.join(repr(b) for b in bad)}. Giltiga val: kommunkoder med fyra "
                         f"siffror (t.ex. \"1380\") eller kommunnamn (t.ex. Halmstad) för någon av landets {n} "
                         f"kommuner, ett namngivet urval ({', '.join(sorted(m.NAMED_SETS))}) eller all."))
        return None
    seen: dict[str, None] = {}
    for c in codes:
        seen.setdefault(c, None)
    return list(seen)


def _years(raw, data: DataInfo, where: str, problems: list) -> list[int] | None:
    items = raw if isinstance(raw, list) else [raw]
    out: list[int] = []
    bad: list[str] = []
    for y in items:
        if isinstance(y, str):
            out.append(data.latest)
        elif y in data.report_years:
            out.append(int(y))
        else:
            bad.append(str(y))
    if bad:
        from ...catalogue import INDICATORS

        problems.append(("year", where,
                         f"{'året' if len(bad) == 1 else 'åren'} {', '.join(bad)} saknar data för rapporten: ett år "
                         f"kan användas när minst {MIN_HEADLINE_INDICATORS} av de {len(INDICATORS)} indikatorerna "
                         f"har värden för "
                         f"någon kommun. Användbara år: {year_ranges(data.report_years)}; senaste år är "
                         f"{data.latest} (skriv latest)."))
        return None
    return sorted(set(out))


def _check_parameter_values(params: dict, where: str, problems: list) -> None:
    from ... import catalogue

    keys = []
    for name in INDICATOR_PARAMS:
        if name in params:
            val = params[name]
            keys += val if isinstance(val, (list, tuple)) else [val]
    bad = []
    for key in keys:
        try:
            catalogue.indicator(key)
        except (ValueError, TypeError):
            bad.append(repr(key))
    if bad:
        valid = ", ".join(f"{i.number}={i.id}" for i in catalogue.INDICATORS)
        problems.append(("indicator", f"{where}.parameters",
                         f"okänd indikator {', '.join(bad)}. Giltiga indikatorer (nummer=id): {valid}."))
    if "designs" in params:
        from ...intervention_study import DESIGNS

        designs = params["designs"] if isinstance(params["designs"], list) else [params["designs"]]
        wrong = [repr(d) for d in designs if d not in DESIGNS]
        if wrong:
            problems.append(("design", f"{where}.parameters.designs",
                             f"okänd design {', '.join(wrong)}. Giltiga designer: {', '.join(DESIGNS)}."))
    for name in INTERVENTION_PARAMS:
        if name in params:
            ids = params[name] if isinstance(params[name], list) else [params[name]]
            _check_interventions([str(i) for i in ids], f"{where}.parameters.{name}", problems)
    if "comparison_group" in params:
        from ...municipalities import SIMILAR_KINDS

        if params["comparison_group"] not in SIMILAR_KINDS:
            problems.append(("comparison", f"{where}.parameters.comparison_group",
                             f"okänd jämförelsegrupp {params['comparison_group']!r}. Giltiga (Koladas liknande "
                             f"kommuner): {', '.join(SIMILAR_KINDS)}."))
    for name in MUNICIPALITY_PARAMS:
        if name in params:
            _municipality_codes(params[name], f"{where}.parameters.{name}", problems)


def _check_interventions(ids: list[str], where: str, problems: list) -> bool:
    from ...intervention_registry import load_registry

    try:
        registry = list(load_registry())
    except (ValueError, OSError, KeyError, TypeError) as exc:
        problems.append(("intervention", where, f"insatsregistret params/interventions.yaml kan inte läsas: {exc}"))
        return False
    unknown = [i for i in ids if i not in registry]
    if unknown:
        problems.append(("intervention", where,
                         f"okänd insats {', '.join(repr(u) for u in unknown)}. Giltiga insatser (id i "
                         f"params/interventions.yaml): {', '.join(registry)}."))
        return False
    return True


def _named_sets() -> set[str]:
    from ... import municipalities as m

    return set(m.NAMED_SETS) | set(m.ALL_WORDS)


