"""Run specifications, step 1: reading the YAML file (:mod:`fgte_research.safe_yaml`) and checking its schema.

:func:`load_runspec` gives a :class:`RunSpec` whose fields have the right types; whether the notebooks,
municipalities, years and interventions exist is checked by :mod:`.checks` during :func:`.planning.plan`.
The schema itself is described in :mod:`fgte_research.publish.runspec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ... import paths
from ...errors import FgteError
from ...safe_yaml import YamlError, numeric_code_message, read_yaml

#: Where jobs run (``executor``) and how each worker runs its notebooks (``kernel``).
EXECUTORS = ("local", "dask")
KERNEL_MODES = ("warm", "papermill")
VARIANT_NAMES = ("student", "teacher")
#: Extra parameters whose values are checked (English names and the teaching notebooks' Swedish ones).
INDICATOR_PARAMS = ("indicator", "indicators", "indikator", "indikatorer")
INTERVENTION_PARAMS = ("interventions", "insats", "insatser")
MUNICIPALITY_PARAMS = ("comparison_municipalities", "kommun", "kommuner")

#: Default output names (relative to reports/<run>/, without suffix), by kind of entry.
DEFAULT_NAMES = {
    "municipality": "{kommunkod}-{slug}",
    "set": "{stem}-{set}",
    "intervention": "{intervention}",
    "single": "{stem}",
}
NAME_FIELDS = ("stem", "notebook", "year", "kommunkod", "slug", "set", "intervention")
#: Parameters the specification sets itself, and the key that sets them (Swedish hint): ``parameters`` may not set
#: them, or a report named after one municipality and year could show another.
SPEC_SET_PARAMS = {
    "municipality": "municipalities (en rapport per kommun), t.ex. municipalities: [\"1381\"]",
    "municipalities": "municipalities med per_municipality: false",
    "year": "years, t.ex. years: 2024",
    "intervention": "interventions, t.ex. interventions: [fgte]",
}
_NAME_OK = re.compile(r"^[A-Za-z0-9._/-]+$")
#: Report names that would overwrite or shadow the run folder's own files (index.html, korlogg.html, manifest.json).
RESERVED_NAMES = frozenset({"index", "korlogg", "manifest"})


class RunSpecError(FgteError, ValueError):
    """One or more problems in a run specification. ``problems``: list of (kind, where, message)."""

    def __init__(self, source: str, problems: list[tuple[str, str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.message_sv())

    @property
    def kinds(self) -> set[str]:
        return {k for k, _, _ in self.problems}

    def message_sv(self) -> str:
        if len(self.problems) == 1 and self.problems[0][0] == "file":
            # the file itself cannot be read (missing, a folder, not UTF-8, empty, too large, YAML aliases): one line
            return f"Fel i körspecifikationen {self.source}: {self.problems[0][2]}. Inga rapporter har skapats."
        head = f"Fel i körspecifikationen {self.source}:"
        body = "\n".join(f"  • {where}: {msg}" if where else f"  • {msg}" for _, where, msg in self.problems)
        return f"{head}\n{body}\nInga rapporter har skapats."


# ------------------------------------------------------------------------------------------------
# Typed schema
@dataclass(frozen=True)
class ReportSpec:
    notebook: str
    municipalities: str | list[str] | None = None
    per_municipality: bool = True
    years: str | int | list[int] | None = None
    interventions: list[str] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    variants: list[str] | None = None
    show_code: bool = False
    name: str | None = None


@dataclass(frozen=True)
class RunSpec:
    run: str
    reports: tuple[ReportSpec, ...]
    title: str | None = None
    executor: str = "local"
    kernel: str = "warm"
    timeout: int | None = 1200
    base_dir: Path | None = None  # folder of the YAML file: relative notebook paths start here
    source: str = "<körspecifikation>"

    @classmethod
    def from_dict(cls, doc: Any, *, source: str = "<körspecifikation>", default_run: str | None = None,
                  base_dir: Path | None = None) -> "RunSpec":
        problems: list[tuple[str, str, str]] = []
        if not isinstance(doc, dict):
            raise RunSpecError(source, [("schema", "", "filen måste vara en YAML-mappning med nyckeln 'reports'")])
        top = {f.name for f in fields(cls)} - {"base_dir", "source"}
        for key in doc:
            if key not in top:
                problems.append(("schema", str(key), f"okänd nyckel; giltiga nycklar: {', '.join(sorted(top))}"))
        run = doc.get("run", default_run)
        if not isinstance(run, str) or not _NAME_OK.match(run or "") or "/" in run or run.startswith("."):
            problems.append(("schema", "run", f"körningens namn måste vara ett mappnamn (bokstäver, siffror, "
                                              f"-, _), inte {run!r}"))
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            problems.append(("schema", "title", "måste vara text"))
        executor, kernel, problem = resolve_executor(doc.get("executor"), doc.get("kernel"))
        if problem:
            problems.append(("schema", *problem))
        timeout = doc.get("timeout", 1200)
        if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0):
            problems.append(("schema", "timeout", "måste vara ett positivt heltal (sekunder per cell) eller null"))
        raw_reports = doc.get("reports")
        reports: list[ReportSpec] = []
        if not isinstance(raw_reports, list) or not raw_reports:
            problems.append(("schema", "reports", "måste vara en icke-tom lista med rapporter"))
            raw_reports = []
        for i, entry in enumerate(raw_reports):
            spec = _report_from_dict(entry, f"reports[{i}]", problems)
            if spec is not None:
                reports.append(spec)
        if problems:
            raise RunSpecError(source, problems)
        return cls(run=run, reports=tuple(reports), title=title, executor=executor, kernel=kernel,
                   timeout=timeout,
                   base_dir=base_dir, source=source)


def resolve_executor(executor: Any, kernel: Any) -> tuple[str, str, tuple[str, str] | None]:
    """(executor, kernel mode, problem) from the given values (None: the default).

    ``executor: warm|papermill`` is the older spelling of the kernel mode on the local executor. A problem is
    (key, Swedish message) for a :class:`RunSpecError`, or None."""
    if executor in KERNEL_MODES:  # older form: the executor named the kernel mode
        if kernel is not None and kernel != executor:
            return "local", "warm", ("kernel", f"{kernel!r} strider mot executor: {executor!r} (som betyder "
                                               f"kernel: {executor}); ange executor: local och kernel")
        executor, kernel = "local", executor
    executor = "local" if executor is None else executor
    kernel = "warm" if kernel is None else kernel
    if executor not in EXECUTORS:
        return "local", "warm", ("executor", f"okänt värde {executor!r}; giltiga: {', '.join(EXECUTORS)} "
                                             f"(eller {', '.join(KERNEL_MODES)}, som väljer kärnläge)")
    if kernel not in KERNEL_MODES:
        return executor, "warm", ("kernel", f"okänt värde {kernel!r}; giltiga: {', '.join(KERNEL_MODES)}")
    return executor, kernel, None


def _report_from_dict(entry: Any, where: str, problems: list) -> ReportSpec | None:
    if isinstance(entry, str):
        entry = {"notebook": entry}
    if not isinstance(entry, dict):
        problems.append(("schema", where, "varje rapport måste vara en mappning med minst 'notebook'"))
        return None
    known = {f.name for f in fields(ReportSpec)}
    ok = True
    for key in entry:
        if key not in known:
            problems.append(("schema", f"{where}.{key}", f"okänd nyckel; giltiga nycklar: {', '.join(sorted(known))}"))
            ok = False

    def bad(key: str, msg: str) -> None:
        nonlocal ok
        problems.append(("schema", f"{where}.{key}", msg))
        ok = False

    nb = entry.get("notebook")
    if not isinstance(nb, str) or not nb.strip():
        bad("notebook", "anteckningsbokens namn saknas (t.ex. annual_report)")
    munis = entry.get("municipalities")
    if munis is not None:
        numbers = _numeric_codes(munis)
        if numbers:
            for n in numbers:
                bad("municipalities", numeric_code_message(n))
        elif isinstance(munis, str):
            pass
        elif isinstance(munis, list) and munis and all(isinstance(m, str) for m in munis):
            munis = list(munis)
        else:
            from ...municipalities import NAMED_SETS

            bad("municipalities", f"ange en lista med kommunkoder/kommunnamn, ett namngivet urval "
                                  f"({', '.join(sorted(NAMED_SETS))}) eller all")
    def flag(key: str, default: bool) -> bool:
        value = entry.get(key, default)
        if not isinstance(value, bool):
            bad(key, "måste vara true eller false")
        return value

    per = flag("per_municipality", True)
    years = entry.get("years")
    if years is not None:
        if isinstance(years, bool):
            bad("years", "ange latest, ett år eller en lista med år")
        elif isinstance(years, str):
            if years.strip().lower() not in ("latest", "senaste"):
                if years.strip().isdigit():
                    years = int(years)
                else:
                    bad("years", f"okänt värde {years!r}; ange latest, ett år (t.ex. 2024) eller en lista med år")
        elif isinstance(years, int):
            pass
        elif isinstance(years, list) and years and all(
                (isinstance(y, int) and not isinstance(y, bool)) or (isinstance(y, str) and
                                                                      (y.isdigit() or y.lower() in ("latest", "senaste")))
                for y in years):
            years = [int(y) if isinstance(y, int) or y.isdigit() else "latest" for y in years]
        else:
            bad("years", "ange latest, ett år (t.ex. 2024) eller en lista med år")
    ivs = entry.get("interventions")
    if ivs is not None:
        if isinstance(ivs, str):
            ivs = [ivs]
        if not (isinstance(ivs, list) and ivs and all(isinstance(x, str) for x in ivs)):
            bad("interventions", "ange en lista med insatsernas id (se params/interventions.yaml)")
    params = entry.get("parameters") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
        bad("parameters", "måste vara en mappning från parameternamn (Python-namn) till värden")
        params = {}
    for key in params:
        if key in SPEC_SET_PARAMS:
            bad(f"parameters.{key}", f"{key} sätts av körspecifikationen själv och kan inte anges under "
                                     f"parameters; använd {SPEC_SET_PARAMS[key]}")
    variants = entry.get("variants")
    if variants is not None:
        if isinstance(variants, str):
            variants = [variants]
        if not (isinstance(variants, list) and variants and all(v in VARIANT_NAMES for v in variants)
                and len(set(variants)) == len(variants)):
            bad("variants", f"giltiga varianter: {', '.join(VARIANT_NAMES)} (student tar bort celler taggade "
                            f"'solution', teacher visar dem)")
    show_code = flag("show_code", False)
    name = entry.get("name")
    if name is not None and not isinstance(name, str):
        bad("name", "måste vara en namnmall, t.ex. \"{year}/{kommunkod}-{slug}\"")
    if not ok:
        return None
    return ReportSpec(notebook=nb.strip(), municipalities=munis, per_municipality=per, years=years,
                      interventions=ivs, parameters=dict(params), variants=variants, show_code=show_code, name=name)


def load_runspec(path: str | Path, *, municipalities=None, years=None, run: str | None = None) -> RunSpec:
    """Read and schema-check a YAML run specification (semantic checks happen in :func:`plan`).

    ``municipalities`` / ``years`` override every report entry that renders per municipality (a one-off
    render of one municipality, one year or all 290 from a shipped specification); ``run`` renames the
    output folder so a one-off render does not replace the annual run's index.
    """
    path = Path(path)
    source = _display_path(path)
    doc = _read_yaml(path, source)
    if isinstance(doc, dict) and isinstance(doc.get("reports"), list):
        for entry in doc["reports"]:
            if not isinstance(entry, dict):
                continue
            if municipalities is not None and entry.get("per_municipality", True) and "municipalities" in entry:
                entry["municipalities"] = municipalities
            if years is not None and "years" in entry:
                entry["years"] = years
        if run is not None:
            doc["run"] = run
    return RunSpec.from_dict(doc, source=source, default_run=run or path.stem, base_dir=path.resolve().parent)


#: A run specification is a page of YAML; anything larger is refused before it is parsed.
MAX_SPEC_BYTES = 256 * 1024


def _read_yaml(path: Path, source: str):
    """The YAML document of a run specification; :class:`RunSpecError` (one line) if the file cannot be read."""
    known = sorted(p.name for p in (paths.params_dir() / "runs").glob("*.yaml"))
    try:
        return read_yaml(path, source, what="en körspecifikation", plural="körspecifikationer",
                         max_bytes=MAX_SPEC_BYTES,
                         missing=f"filen finns inte; körspecifikationer i params/runs: {', '.join(known) or 'inga'}",
                         empty="filen är tom; en körspecifikation behöver minst nyckeln 'reports'")
    except YamlError as exc:
        raise RunSpecError(source, [("file", "", exc.problem)]) from None


def _numeric_codes(raw) -> list[int]:
    """Municipality codes that reached the specification as YAML numbers (a number or a list with numbers)."""
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    return [x for x in items if isinstance(x, int) and not isinstance(x, bool)]


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return str(path)


