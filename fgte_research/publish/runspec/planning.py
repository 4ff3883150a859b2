"""Run specifications, step 3: planning — each report entry resolved (:mod:`.checks`) and expanded into jobs, one
per (notebook, year, municipality, intervention), with unique output names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .checks import (DataInfo, _check_interventions, _check_parameter_values, _municipality_codes, _named_sets,
                     _resolve_notebooks, _years, available_notebooks, notebook_parameters)
from .schema import DEFAULT_NAMES, NAME_FIELDS, RESERVED_NAMES, _NAME_OK, ReportSpec, RunSpec, RunSpecError


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
class Plan:
    spec: RunSpec
    jobs: tuple[Job, ...]
    data: DataInfo


def _set_label(raw) -> str:
    from ...municipalities import ALL_WORDS

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
    from ... import municipalities as m

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
    from ... import municipalities as m

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
