"""`fgte data update`: fetch the newest Kolada values of every series the workbench uses, in one go.

What is fetched
---------------
* Series: every Kolada KPI in :data:`fgte_research.catalogue.SERIES` — the indicators' series and alternatives,
  the covariates, the SALSA deviations and the soft values (references are computed from the same series), plus
  the KPIs the shipped dump lacks (``Series.shipped`` False, e.g. betygspoäng per programme type). Every id is
  checked against Kolada's KPI catalogue (``data/raw/kolada_meta/kolada_kpi_catalogue.csv``) before any request.
* Areas: all 290 municipalities, riket ("0000") and the regions ("00LL"), from
  ``data/raw/kolada_meta/kolada_municipalities.csv`` (types K and L).
* Years: for each KPI, from the year after the latest year with a value in data/raw (the shipped dump, any
  earlier fetch and the scrapes in data/raw/kolada_scrape) through the current year; a KPI with no value in
  data/raw yet from :data:`NEW_SERIES_FIRST_YEAR`. ``since`` overrides the first year for every KPI. KPIs with
  the same years share requests; the client splits every path segment into at most 25 ids.

A KPI for which Kolada returns nothing (an unknown id answers HTTP 200 with an empty list; a series may also not
be published yet) does not stop the update: it is reported per series and the others are written. Everything is
downloaded first; then one dated file ``data/raw/kolada_api/kolada_v3_<date>_<hash>.csv`` and its MANIFEST row
are written (nothing if no KPI had a value). The build uses the file; see ``build.merge_newest`` for which value
wins when files overlap.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from .. import catalogue
from ..manifest import MANIFEST_NAME, read_manifest
from . import kolada, kolada_api, kolada_scrape
from .csvfile import read_csv_checked

#: First year asked for a KPI that has no value in data/raw yet (Kolada's school KPIs start 1998–2015; earlier
#: years simply come back empty).
NEW_SERIES_FIRST_YEAR = 2010


@dataclass
class UpdateResult:
    """What one update asked for and got, per KPI; ``path`` is the written file (None if nothing was written)."""

    path: Path | None
    asked: dict[str, tuple[int, int]]  # KPI -> (first year, last year) asked
    values: dict[str, int] = field(default_factory=dict)  # KPI -> number of values (with a number) received
    latest: dict[str, int] = field(default_factory=dict)  # KPI -> latest year with a value received
    requests: int = 0
    seconds: float = 0.0

    @property
    def empty(self) -> list[str]:
        return sorted(k for k in self.asked if not self.values.get(k))

    def lines_sv(self) -> list[str]:
        """One Swedish line per KPI: what came, or that nothing came (and what that can mean)."""
        out = []
        for kpi in sorted(self.asked):
            lo, hi = self.asked[kpi]
            span = f"{lo}–{hi}" if lo != hi else str(lo)
            n = self.values.get(kpi, 0)
            if n:
                out.append(f"{kpi}: {n} värden för {span}, senaste år {self.latest[kpi]}.")
            else:
                out.append(f"{kpi}: inga värden för {span} hos Kolada (inte publicerat än, eller okänt id); "
                           "serien hoppades över.")
        return out


def update_kpis() -> list[str]:
    """The Kolada KPIs an update fetches: every Kolada series in the catalogue."""
    return sorted(catalogue.all_kolada_kpis())


def area_ids(raw: Path) -> list[str]:
    """All municipalities (Kolada type K), riket and the regions (type L), from the shipped municipality list."""
    path = Path(raw) / "kolada_meta" / "kolada_municipalities.csv"
    frame = read_csv_checked(path, ["id", "title", "type"], exact=False, dtype=str)
    ids = frame.loc[frame["type"].isin(["K", "L"]), "id"].str.strip()
    return sorted(set(ids))


def latest_years(raw: Path, kpis: list[str]) -> dict[str, int | None]:
    """Latest year with a value in data/raw per KPI: the shipped dump, every earlier fetch and every scrape added
    with `fgte data add` (None if none)."""
    raw = Path(raw)
    latest: dict[str, int | None] = {}
    for kpi in kpis:
        total, _ = kolada.kpi_files(raw, kpi)
        if total.is_file():
            years = pd.read_csv(total, usecols=["year"])["year"]
            latest[kpi] = int(years.max()) if len(years) else None
        else:
            latest[kpi] = None
    listed = {r.path for r in read_manifest(raw / MANIFEST_NAME)}
    for f in kolada_scrape.dated_files(raw):
        if f.relative_to(raw).as_posix() not in listed:
            continue  # not part of the data until it has a manifest row
        got = kolada_scrape.read_dated(f)
        got = got[(got["status"] == "ok") & got["series"].isin(kpis)]
        for kpi, year in got.groupby("series", observed=True)["year"].max().items():
            kpi = str(kpi)
            latest[kpi] = max(int(year), latest.get(kpi) or 0)
    return latest


def plan(raw: Path, *, since: int | None = None, until: int | None = None,
         today: date | None = None) -> dict[str, tuple[int, int]]:
    """KPI -> (first year, last year) to ask for; KPIs already complete through ``until`` are left out."""
    until = until if until is not None else (today or date.today()).year
    out = {}
    for kpi, last in latest_years(raw, update_kpis()).items():
        first = since if since is not None else (last + 1 if last is not None else NEW_SERIES_FIRST_YEAR)
        if first <= until:
            out[kpi] = (first, until)
    return out


def update(raw_dir: Path, *, since: int | None = None, until: int | None = None,
           base_url: str = kolada_api.DEFAULT_BASE_URL, today: date | None = None, progress: bool = True,
           sleep: Callable[[float], None] = time.sleep, timeout: float = 30, max_attempts: int = 5,
           per_page: int = kolada_api.MAX_PER_PAGE) -> UpdateResult:
    """Fetch the newest values of every catalogued Kolada series and write them as one new raw file.

    Raises :class:`kolada_api.KoladaUnknownKpiError` before any request if a KPI is not in Kolada's catalogue,
    and the client's errors (HTTP, network, shape) if a request fails; nothing is written then.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    raw_dir = Path(raw_dir)
    read_manifest(raw_dir / MANIFEST_NAME)  # a broken manifest fails before any request
    kpis = update_kpis()
    kolada_api.check_kpis_in_catalogue(kpis, raw_dir / kolada_api.CATALOGUE)
    asked = plan(raw_dir, since=since, until=until, today=today)
    areas = area_ids(raw_dir)
    by_years: dict[tuple[int, int], list[str]] = {}
    for kpi, span in asked.items():
        by_years.setdefault(span, []).append(kpi)
    jobs = [(group, list(range(lo, hi + 1))) for (lo, hi), group in sorted(by_years.items())]
    n_requests = sum(len(kolada_api.data_urls(group, areas, years, base_url=base_url, per_page=per_page))
                     for group, years in jobs)
    result = UpdateResult(path=None, asked=asked, requests=n_requests)
    rows: list[kolada_api.ValueRow] = []
    with tqdm(total=n_requests, desc="Hämtar från Kolada", unit="anrop", file=sys.stderr,
              disable=not progress, leave=False) as bar:
        for group, years in jobs:
            rows += kolada_api.download(group, areas, years, base_url=base_url, per_page=per_page, sleep=sleep,
                                        timeout=timeout, max_attempts=max_attempts, allow_empty=True,
                                        on_request=lambda: bar.update(1))
    for r in rows:
        if r.value is not None:
            result.values[r.kpi] = result.values.get(r.kpi, 0) + 1
            result.latest[r.kpi] = max(r.year, result.latest.get(r.kpi, r.year))
    if result.values:
        result.path = kolada_api.write_rows(rows, raw_dir=raw_dir, today=today)
    result.seconds = round(time.perf_counter() - started, 2)
    return result
