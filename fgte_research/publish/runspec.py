"""Run specifications (``params/runs/*.yaml``): typed schema, validation and expansion into jobs.

A run specification says which notebooks to render for which municipalities, years and
interventions. Everything is checked here, before any kernel starts; every problem is collected
and reported at once (:class:`RunSpecError`, a Swedish message listing the valid choices).

Schema (YAML)::

    run: fgte_annual              # output folder reports/<run>/ (default: the file name)
    title: Årsrapporter FGTE      # heading of reports/<run>/index.html (optional)
    executor: local               # where jobs run: local (default: worker processes here) | dask
                                  # (dask.distributed; `fgte report --scheduler ADDRESS` for a cluster)
    kernel: warm                  # warm (default: one reused kernel per worker) | papermill (new kernel
                                  # per report); the old form `executor: warm|papermill` still means this
    timeout: 1200                 # seconds per cell (optional)
    reports:                      # one entry per notebook (or glob of notebooks)
      - notebook: annual_report   # notebooks/annual_report.ipynb; "teaching/*" globs; a path ending
                                  # in .ipynb is taken relative to this file (test fixtures)
        municipalities: fgte      # list of codes/names | named set (fgte, halland) | all; codes are
                                  # quoted text (["1380", "0162"]): an unquoted 0162 is octal 114 in YAML
                                  # and is refused, as is any code written as a number
        per_municipality: true    # true: one report per municipality (parameter `municipality`);
                                  # false: one report for the whole set (parameter `municipalities`)
        years: latest             # latest | 2024 | [2023, 2024]  → parameter `year`; only years with data
                                  # for the indicators (see MIN_HEADLINE_INDICATORS)
        interventions: [fgte]     # registry ids → one report each, parameter `intervention`
        parameters: {indicators: [ak9_merit]}   # extra parameters, passed to every report as-is; not
                                                # municipality/municipalities/year/intervention (SPEC_SET_PARAMS)
        variants: [student, teacher]            # teaching: student drops cells tagged `solution`
        show_code: false          # true keeps code cells in the HTML (teaching notebooks)
        name: "{year}/{kommunkod}-{slug}"        # output name template (optional; see DEFAULT_NAMES)

Parameters the notebooks receive (the contract with the notebooks' ``parameters`` cell):
``municipality`` (str code), ``municipalities`` (list of codes), ``year`` (int),
``intervention`` (str id), plus everything under ``parameters``. Each injected name must exist in
the notebook's ``parameters`` cell. Validated parameter values: ``indicator``/``indicators``/
``indikator`` (catalogue ids or numbers), ``designs`` (intervention designs), ``interventions``/
``insats`` (registry ids), ``kommun`` (municipality),
``comparison_group`` (grundskola | gymnasieskola | socioekonomi), ``comparison_municipalities``
(municipality codes/sets). A named set is passed to ``municipalities`` by name ("fgte"), a list as codes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from .. import paths

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
#: A year can be a report year when at least this many of the 13 indicators have a value in their headline series
#: for at least one municipality that year (2023–2025 have 4: åk 6, åk 9 alla ämnen, meritvärde, behörighet
#: yrkesprogram; 2010–2013 have at most 2, which would make a report of "saknas").
MIN_HEADLINE_INDICATORS = 4
_NAME_OK = re.compile(r"^[A-Za-z0-9._/-]+$")
#: Report names that would overwrite or shadow the run folder's own files (index.html, korlogg.html, manifest.json).
RESERVED_NAMES = frozenset({"index", "korlogg", "manifest"})


class RunSpecError(ValueError):
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
            from ..municipalities import NAMED_SETS

            bad("municipalities", f"ange en lista med kommunkoder/kommunnamn, ett namngivet urval "
                                  f"({', '.join(sorted(NAMED_SETS))}) eller all")
    per = entry.get("per_municipality", True)
    if not isinstance(per, bool):
        bad("per_municipality", "måste vara true eller false")
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
    show_code = entry.get("show_code", False)
    if not isinstance(show_code, bool):
        bad("show_code", "måste vara true eller false")
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


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases (``&a`` / ``*a``).

    Run specifications have no use for them, and nested aliases ("billion laughs") expand to a structure
    that takes minutes and gigabytes to build.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


class _AliasRefused(Exception):
    def __init__(self, mark):
        super().__init__(mark)
        self.line = mark.line + 1 if mark is not None else None


def _read_yaml(path: Path, source: str):
    """The YAML document of a run specification; :class:`RunSpecError` (one line) if the file cannot be read."""
    def refuse(message: str):
        return RunSpecError(source, [("file", "", message)])

    if path.is_dir():
        raise refuse("sökvägen är en mapp, inte en YAML-fil")
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise refuse(f"filen är {size // 1024} KB; en körspecifikation får vara högst {MAX_SPEC_BYTES // 1024} KB")
        data = path.read_bytes()
    except FileNotFoundError:
        known = sorted(p.name for p in (paths.params_dir() / "runs").glob("*.yaml"))
        raise refuse(f"filen finns inte; körspecifikationer i params/runs: {', '.join(known) or 'inga'}") from None
    except OSError as exc:
        raise refuse(f"filen kan inte läsas ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) >= 2 and b"\x00" in data[:2]):
        raise refuse("filen är UTF-16-kodad; spara den som UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse(f"filen är inte UTF-8-kodad (byte 0x{data[exc.start]:02x} på rad {line}, troligen Latin-1/"
                     "Windows-1252); spara den som UTF-8") from None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise refuse("filen är tom; en körspecifikation behöver minst nyckeln 'reports'")
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except _AliasRefused as exc:
        where = f" (rad {exc.line})" if exc.line else ""
        raise refuse(f"YAML-ankare och alias (&namn, *namn) är inte tillåtna i körspecifikationer{where}; "
                     "skriv ut värdena") from None
    except yaml.YAMLError as exc:
        raise RunSpecError(source, [("schema", "", f"filen kan inte läsas som YAML: {exc}")]) from None


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------------------
# Jobs
@dataclass(frozen=True, eq=False)
class Job:
    """One notebook execution (producing one HTML page per variant)."""

    id: str                      # output name relative to reports/<run>/, without suffix
    notebook: Path               # absolute path of the source notebook
    notebook_name: str           # as named in the run spec ("annual_report", "teaching/intro")
    parameters: dict
    variants: tuple[str, ...]    # ("",) when the notebook has no variants
    show_code: bool
    context: dict                # kommunkod, kommun, ar, insats, urval — for titles and the index
    fallback_title: str
    timeout: int | None


@dataclass(frozen=True)
class DataInfo:
    """What validation needs to know about the processed data.

    ``years``: every year with any value in the panel; ``report_years``: the years a report may be made for
    (:func:`usable_report_years`); ``latest``: the latest year with results (``years: latest``)."""

    years: tuple[int, ...]
    latest: int
    hash: str
    report_years: tuple[int, ...] = ()


def usable_report_years(frame, minimum: int = MIN_HEADLINE_INDICATORS) -> tuple[int, ...]:
    """Years in which at least ``minimum`` of the catalogue's indicators have a value ("ok") in one of their headline
    series for at least one municipality (riket and regions "00xx" do not count).

    ``frame``: the panel or its columns ``series``, ``municipality_id``, ``year``, ``status``."""
    from .. import catalogue

    headline = {sid: ind.id for ind in catalogue.INDICATORS for sid in ind.headline}
    sid = frame["series"].astype(str)
    rows = frame[sid.isin(list(headline)) & (frame["status"].astype(str) == "ok")
                 & ~frame["municipality_id"].astype(str).str.startswith("00")]
    per_year = rows.assign(indicator=rows["series"].astype(str).map(headline)).groupby("year")["indicator"].nunique()
    return tuple(sorted(int(y) for y, n in per_year.items() if n >= minimum))


def year_ranges(years) -> str:
    """[2014, 2015, 2016, 2020] → "2014–2016, 2020" (en dash, Swedish typography)."""
    years = sorted(set(int(y) for y in years))
    parts: list[str] = []
    start = prev = None
    for y in years + [None]:
        if start is not None and (y is None or y != prev + 1):
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return ", ".join(parts) or "inga"


@dataclass(frozen=True)
class Plan:
    spec: RunSpec
    jobs: tuple[Job, ...]
    data: DataInfo


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


def _numeric_codes(raw) -> list[int]:
    """Municipality codes that reached the specification as YAML numbers (a number or a list with numbers)."""
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    return [x for x in items if isinstance(x, int) and not isinstance(x, bool)]


def numeric_code_message(value: int) -> str:
    """Swedish message for a municipality code written as a YAML number (never silently turned into a code).

    YAML reads an unquoted 0162 as the octal number 114, and 0114 as 76; a code such as 1380 is read as a number
    too. Either way the code must be quoted."""
    if 0o100 <= value <= 0o777:  # "0100"–"0777" unquoted: octal, like the county-01–07 codes
        guess = f"0{value:o}"
        return (f"kommunkoden står som talet {value} – YAML läser {guess} utan citattecken som ett oktalt tal; "
                f"skriv koden inom citattecken, t.ex. \"{guess}\"")
    guess = f"{value:04d}" if 0 < value <= 9999 else "0162"
    return f"kommunkoden står som talet {value}; skriv koden inom citattecken, t.ex. \"{guess}\""


def _municipality_codes(raw, where: str, problems: list) -> list[str] | None:
    from .. import municipalities as m

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
        from ..catalogue import INDICATORS

        problems.append(("year", where,
                         f"{'året' if len(bad) == 1 else 'åren'} {', '.join(bad)} saknar data för rapporten: ett år "
                         f"kan användas när minst {MIN_HEADLINE_INDICATORS} av de {len(INDICATORS)} indikatorerna "
                         f"har värden för "
                         f"någon kommun. Användbara år: {year_ranges(data.report_years)}; senaste år är "
                         f"{data.latest} (skriv latest)."))
        return None
    return sorted(set(out))


def _check_parameter_values(params: dict, where: str, problems: list) -> None:
    from .. import catalogue

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
        from ..intervention_study import DESIGNS

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
        from ..municipalities import SIMILAR_KINDS

        if params["comparison_group"] not in SIMILAR_KINDS:
            problems.append(("comparison", f"{where}.parameters.comparison_group",
                             f"okänd jämförelsegrupp {params['comparison_group']!r}. Giltiga (Koladas liknande "
                             f"kommuner): {', '.join(SIMILAR_KINDS)}."))
    for name in MUNICIPALITY_PARAMS:
        if name in params:
            _municipality_codes(params[name], f"{where}.parameters.{name}", problems)


def _check_interventions(ids: list[str], where: str, problems: list) -> bool:
    from ..interventions import load_registry

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
    from .. import municipalities as m

    return set(m.NAMED_SETS) | set(m.ALL_WORDS)


def _set_label(raw) -> str:
    from ..municipalities import ALL_WORDS

    if isinstance(raw, str):
        key = raw.strip().lower()
        return "alla" if key in ALL_WORDS else re.sub(r"[^a-z0-9]+", "-", key).strip("-")
    codes = ",".join(str(x) for x in raw)
    return "urval-" + hashlib.sha1(codes.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class _Entry:
    """One report entry of a run specification, checked and resolved (step 1 of :func:`plan`)."""

    rep: ReportSpec
    where: str                               # "reports[<i>]", for messages
    notebooks: list[tuple[str, Path]]        # (name as in the spec or glob hit, absolute path)
    codes: list[str] | None                  # municipality codes, in the spec's order
    years: list[int] | None
    interventions: list[str] | None
    template: str                            # output name template

    @property
    def per_municipality(self) -> bool:
        return self.codes is not None and self.rep.per_municipality

    @property
    def kind(self) -> str:
        """Key of :data:`DEFAULT_NAMES`."""
        return ("municipality" if self.per_municipality else "set" if self.codes is not None
                else "intervention" if self.interventions is not None else "single")

    def injected(self) -> set[str]:
        """Names of the parameters every job of this entry passes to its notebook."""
        names = set(self.rep.parameters)
        if self.codes is not None:
            names.add("municipality" if self.per_municipality else "municipalities")
        if self.years is not None:
            names.add("year")
        if self.interventions is not None:
            names.add("intervention")
        return names


def plan(spec: RunSpec, data: DataInfo) -> Plan:
    """Check everything against notebooks, municipalities, catalogue, registry and data; expand to jobs.

    Steps: resolve each report entry (:func:`_resolve_entry`), check each notebook's parameters cell
    (:func:`_check_notebook`), expand to jobs (:func:`_expand_jobs`), check that output names are unique
    (:func:`_check_unique_ids`). Every problem is collected; if there are any, RunSpecError lists them all.
    """
    problems: list[tuple[str, str, str]] = []
    jobs: list[Job] = []
    for i, rep in enumerate(spec.reports):
        entry = _resolve_entry(rep, f"reports[{i}]", spec, data, problems)
        if entry is None:
            continue
        for nb_name, nb_path in entry.notebooks:
            if _check_notebook(nb_name, nb_path, entry, problems):
                jobs += _expand_jobs(entry, nb_name, nb_path, spec.timeout, problems)
    _check_unique_ids(jobs, problems)
    if problems:
        raise RunSpecError(spec.source, problems)
    return Plan(spec=spec, jobs=tuple(jobs), data=data)


def _resolve_entry(rep: ReportSpec, where: str, spec: RunSpec, data: DataInfo, problems: list) -> _Entry | None:
    """Notebooks, municipalities, years, interventions, parameter values and name template of one entry.

    Every problem found is recorded; None when the entry cannot be expanded."""
    notebooks = _resolve_notebooks(rep.notebook, spec.base_dir)
    if not notebooks:
        valid = available_notebooks()
        problems.append(("notebook", f"{where}.notebook",
                         f"okänd anteckningsbok {rep.notebook!r}. Giltiga anteckningsböcker i notebooks/: "
                         f"{', '.join(valid) if valid else 'inga finns ännu'}."))
    codes = _municipality_codes(rep.municipalities, f"{where}.municipalities", problems) \
        if rep.municipalities is not None else None
    years = _years(rep.years, data, f"{where}.years", problems) if rep.years is not None else None
    ivs = rep.interventions
    if ivs is not None and not _check_interventions(ivs, f"{where}.interventions", problems):
        ivs = None
    _check_parameter_values(rep.parameters, where, problems)
    if not notebooks or (rep.municipalities is not None and codes is None) or \
            (rep.years is not None and years is None) or (rep.interventions is not None and ivs is None):
        return None
    entry = _Entry(rep=rep, where=where, notebooks=notebooks, codes=codes, years=years, interventions=ivs,
                   template="")
    template = _name_template(entry, problems)
    return None if template is None else replace(entry, template=template)


def _name_template(entry: _Entry, problems: list) -> str | None:
    """The entry's output name template: its own ``name`` (checked) or the default for its kind."""
    rep = entry.rep
    if rep.name is not None:
        try:
            rep.name.format(**{k: "x" for k in NAME_FIELDS})
        except (KeyError, IndexError, ValueError):
            problems.append(("name", f"{entry.where}.name", f"okänd platshållare i namnmallen {rep.name!r}; giltiga: "
                                                            + ", ".join("{" + f + "}" for f in NAME_FIELDS)))
            return None
    return rep.name or (("{year}/" if entry.years is not None else "") + DEFAULT_NAMES[entry.kind])


def _check_notebook(nb_name: str, nb_path: Path, entry: _Entry, problems: list) -> bool:
    """True if the notebook is readable and declares every parameter the entry passes to it."""
    injected = entry.injected()
    try:
        declared = notebook_parameters(nb_path)
    except Exception as exc:  # noqa: BLE001 - unreadable notebook
        problems.append(("notebook", f"{entry.where}.notebook", f"{nb_name}: kan inte läsas ({exc})"))
        return False
    if injected and declared is None:
        problems.append(("parameter", f"{entry.where}.notebook",
                         f"{nb_name} saknar en cell taggad 'parameters', men körspecifikationen skickar "
                         f"{', '.join(sorted(injected))}."))
        return False
    unknown = sorted(injected - set(declared or []))
    if unknown:
        problems.append(("parameter", entry.where,
                         f"{nb_name} har ingen parameter {', '.join(unknown)}. Parametrar i "
                         f"anteckningsbokens parameters-cell: {', '.join(declared) or 'inga'}."))
        return False
    return True


def _expand_jobs(entry: _Entry, nb_name: str, nb_path: Path, timeout: int | None, problems: list) -> list[Job]:
    """One job per (year, municipality, intervention) of the entry, for one notebook; years outermost."""
    dims_m: list[str | None] = list(entry.codes) if entry.per_municipality else [None]
    dims_y: list[int | None] = list(entry.years) if entry.years is not None else [None]
    dims_i: list[str | None] = list(entry.interventions) if entry.interventions is not None else [None]
    jobs = []
    for year in dims_y:
        for code in dims_m:
            for iv in dims_i:
                job = _make_job(entry, nb_name, nb_path, timeout, code, year, iv, problems)
                if job is not None:
                    jobs.append(job)
    return jobs


def _job_parameters(entry: _Entry, nb_name: str, code: str | None, year: int | None,
                    iv: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters passed to the notebook, context for titles and the index) of one job."""
    from .. import municipalities as m

    rep = entry.rep
    params: dict[str, Any] = {}
    ctx: dict[str, Any] = {"anteckningsbok": nb_name}
    if code is not None:
        params["municipality"] = code
        ctx.update(kommunkod=code, kommun=m.name_of(code), name=m.name_of(code), municipality_name=m.name_of(code))
    elif entry.codes is not None:
        # a named set is passed by name ("fgte"), so the notebook can say which set it is
        params["municipalities"] = (rep.municipalities if isinstance(rep.municipalities, str)
                                    and rep.municipalities.strip().lower() in _named_sets()
                                    else list(entry.codes))
        ctx["urval"] = _set_label(rep.municipalities)
    if year is not None:
        params["year"] = year
        ctx.update(ar=year, year=year)
    if iv is not None:
        params["intervention"] = iv
        ctx.update(insats=iv, intervention=iv)
    params.update(rep.parameters)
    return params, {**params, **ctx}


def _make_job(entry: _Entry, nb_name: str, nb_path: Path, timeout: int | None, code: str | None,
              year: int | None, iv: str | None, problems: list) -> Job | None:
    """The job for one (notebook, year, municipality, intervention); None (and a problem) for an invalid name."""
    from .. import municipalities as m

    params, ctx = _job_parameters(entry, nb_name, code, year, iv)
    stem = Path(nb_name).name
    fmt = {"stem": stem, "notebook": nb_name, "year": year if year is not None else "",
           "kommunkod": code or "", "slug": m.slug(code) if code else "",
           "set": ctx.get("urval", ""), "intervention": iv or ""}
    job_id = entry.template.format(**fmt).strip("/")
    if not job_id or not _NAME_OK.match(job_id) or ".." in job_id.split("/"):
        problems.append(("name", f"{entry.where}.name",
                         f"namnmallen {entry.template!r} ger ett ogiltigt filnamn {job_id!r}"))
        return None
    if job_id.lower() in RESERVED_NAMES or any(part.startswith(".") for part in job_id.split("/")):
        problems.append(("name", f"{entry.where}.name",
                         f"namnmallen {entry.template!r} ger filnamnet {job_id!r}, som är reserverat för körningens "
                         f"egna filer ({', '.join(sorted(RESERVED_NAMES))}) eller dolt (börjar med punkt)"))
        return None
    parts = [x for x in (str(year) if year else None, ctx.get("kommun"), iv, ctx.get("urval")) if x]
    fallback = f"Rapport {stem}" + (f" – {' – '.join(parts)}" if parts else "")
    return Job(id=job_id, notebook=nb_path, notebook_name=nb_name, parameters=params,
               variants=tuple(entry.rep.variants) if entry.rep.variants else ("",),
               show_code=entry.rep.show_code, context=ctx, fallback_title=fallback, timeout=timeout)


def _check_unique_ids(jobs: list[Job], problems: list) -> None:
    """Two jobs writing the same output file is a problem."""
    seen: dict[str, Job] = {}
    for job in jobs:
        if job.id in seen:
            problems.append(("name", "", f"två rapporter får samma filnamn {job.id!r} ({seen[job.id].notebook_name} "
                                         f"och {job.notebook_name}); ange 'name' (t.ex. \"{{year}}/{{kommunkod}}-"
                                         f"{{slug}}-{{stem}}\") för någon av dem."))
        seen.setdefault(job.id, job)
