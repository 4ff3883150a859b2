"""Load the processed data: the tidy panel and the school-level merit values.

Only reads data/processed (built by :mod:`fgte_research.build`, rebuilt first when data/raw changed):

- :func:`load_panel`: the tidy panel, optionally filtered;
- :func:`series_values`: one or more series, memoised — the one way analyses read the panel;
- :func:`load_schools`: merit value per school and year (2014–2022, 2025), memoised.

:func:`current_hash` and :func:`memoised` (the project's one cache mechanism) live in :mod:`fgte_research.memo` and
are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import catalogue, paths
from .build import CATEGORICAL_COLUMNS, PANEL_FILE, SCHOOLS_FILE, BuildError, ensure_built
from .memo import current_hash, memoised  # noqa: F401  (re-exported: the project's one cache mechanism)
from .municipalities import resolve, resolve_set

_AGGREGATES = ("0000", *(f"00{i:02d}" for i in range(1, 26)))


def load_panel(municipalities=None, indicators=None, series=None, years=None, gender=None, *,
               include_aggregates: bool = True, auto_build: bool = True) -> pd.DataFrame:
    """The tidy panel, optionally filtered.

    municipalities: code(s) or a named set ("fgte"); indicators: id(s) or number(s) — selects the
    indicator's headline series; series: series id(s); years: (first, last) or a list; gender: "T"/"K"/"M".
    Riket ("0000") and region rows ("00XX") are kept unless include_aggregates=False.
    """
    if auto_build:
        ensure_built(verbose=True)
    filters = []
    if municipalities is not None:
        ids = resolve_set(municipalities)
        if include_aggregates:
            ids = ids + list(_AGGREGATES)
        filters.append(("municipality_id", "in", ids))
    wanted_series: list[str] = []
    if indicators is not None:
        keys = [indicators] if isinstance(indicators, (str, int)) else list(indicators)
        for key in keys:
            ind = catalogue.indicator(key)
            wanted_series += list(ind.headline)
    if series is not None:
        ids = [series] if isinstance(series, str) else list(series)
        for sid in ids:
            catalogue.series(sid)
        wanted_series += ids
    if indicators is not None or series is not None:
        filters.append(("series", "in", wanted_series or ["<none>"]))
    if gender is not None:
        filters.append(("gender", "in", [gender] if isinstance(gender, str) else list(gender)))
    frame = pd.read_parquet(paths.processed_dir() / PANEL_FILE, filters=filters or None)
    if years is not None:
        if isinstance(years, tuple) and len(years) == 2:
            frame = frame[frame["year"].between(*years)]
        else:
            frame = frame[frame["year"].isin(list(years))]
    if not include_aggregates:
        frame = frame[~frame["municipality_id"].astype(str).str.startswith("00")]
    for col in CATEGORICAL_COLUMNS:
        frame[col] = frame[col].cat.remove_unused_categories() if hasattr(frame[col], "cat") else frame[col]
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------- one memoised accessor
@memoised(maxsize=1)
def _rows_by_series() -> tuple[pd.DataFrame, dict]:
    """The whole panel, read once, and the row positions of each (series, gender): one read of the file
    (~0.1 s) instead of one filtered scan per series (~0.05 s each)."""
    frame = pd.read_parquet(paths.processed_dir() / PANEL_FILE,
                            columns=["series", "gender", "municipality_id", "year", "value", "status", "source"])
    return frame, frame.groupby(["series", "gender"], observed=True, sort=False).indices


@memoised(maxsize=512)
def _one_series(series_id: str, gender: str) -> pd.DataFrame:
    whole, positions = _rows_by_series()
    rows = positions.get((series_id, gender), [])
    frame = whole.take(rows)[["municipality_id", "year", "value", "status", "source"]]
    frame = frame.astype({"municipality_id": str, "status": str, "source": str})
    frame["year"] = frame["year"].astype(int)
    return frame.sort_values(["municipality_id", "year"], kind="mergesort").reset_index(drop=True)


_COLUMNS = ["series", "municipality_id", "year", "gender", "value", "status", "source"]


@memoised(maxsize=512)
def _series_arrays(series_id: str, gender: str) -> tuple[dict, np.ndarray, np.ndarray, dict]:
    """``_one_series`` as column arrays, its years as integers, which rows are aggregates (riket, county: codes
    "00…"), and the row positions of each municipality: an analysis of one municipality takes its few dozen rows
    directly, without a boolean filter over the series' thousands of rows and without pandas' per-call column
    machinery (together ~7 ms a call, ~450 calls a report)."""
    part = _one_series(series_id, gender)
    arrays = {c: part[c].array for c in ("municipality_id", "year", "value", "status", "source")}
    aggregate = part["municipality_id"].str.startswith("00").to_numpy(dtype=bool)
    return (arrays, part["year"].to_numpy(dtype=int), aggregate,
            part.groupby("municipality_id", sort=False).indices)


def _constant(text: str, n: int, like) -> pd.api.extensions.ExtensionArray:
    """A column of one text, of the same string dtype as the panel's text columns."""
    return pd.array(np.full(n, text, dtype=object), dtype=like.dtype)


def series_values(series, municipalities=None, *, last_year: int | None = None, first_year: int | None = None,
                  gender: str = "T", include_aggregates: bool = True) -> pd.DataFrame:
    """One series (or several) for one, many or all municipalities: the one way analyses read the panel.

    Returns a long frame ``series, municipality_id, year, gender, value, status, source`` with plain dtypes.
    ``last_year`` is the last year an analysis may use: nothing after it is returned. Memoised per series on the
    panel's content hash; the returned frame is a copy the caller may change.
    """
    ids = [series] if isinstance(series, str) else list(series)
    for sid in ids:
        catalogue.series(sid)
    wanted = None
    if municipalities is not None:
        items = [municipalities] if isinstance(municipalities, str) else list(municipalities)
        codes = {str(m) for m in items}
        if codes <= _known_codes():  # plain codes (the analyses' case): no name lookup
            wanted = codes
        else:
            aggregates = {c for c in codes if c in _AGGREGATES}
            rest = [m for m in items if str(m) not in aggregates]
            wanted = aggregates | set(resolve_set(rest if len(rest) != 1 else rest[0]) if rest else [])
        if include_aggregates:
            wanted |= set(_AGGREGATES)
    pieces = []
    for sid in ids:
        arrays, years, aggregate, by_code = _series_arrays(sid, gender)
        if wanted is None:
            rows = np.arange(len(years)) if include_aggregates else np.flatnonzero(~aggregate)
        else:  # the series' own order (municipality, year), as a boolean filter keeps it
            found = [by_code[c] for c in wanted if c in by_code]
            rows = np.sort(np.concatenate(found)) if found else np.array([], dtype=np.intp)
        if last_year is not None:
            rows = rows[years[rows] <= int(last_year)]
        if first_year is not None:
            rows = rows[years[rows] >= int(first_year)]
        text = arrays["municipality_id"]
        piece = {c: a.take(rows) for c, a in arrays.items()}
        piece["series"], piece["gender"] = _constant(sid, len(rows), text), _constant(gender, len(rows), text)
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=_COLUMNS)
    if len(pieces) == 1:
        columns = pieces[0]
    else:
        columns = {c: type(pieces[0][c])._concat_same_type([p[c] for p in pieces]) for c in _COLUMNS}
    return pd.DataFrame({c: columns[c] for c in _COLUMNS})


@memoised(maxsize=2)
def _known_codes() -> frozenset:
    from .municipalities import load_municipalities

    return frozenset(load_municipalities()["municipality_id"].astype(str)) | frozenset(_AGGREGATES)


# ---------------------------------------------------------------- schools
@memoised(maxsize=2)
def _all_schools() -> pd.DataFrame:
    return pd.read_parquet(paths.processed_dir() / SCHOOLS_FILE)


def load_schools(municipality_id=None, last_year: int | None = None) -> pd.DataFrame:
    """Merit value (17 subjects, åk 9) per school and year, for the schools located in the municipality.

    Columns ``municipality_id, school_code, school, year, merit, pupils, huvudman, status``; one row per (school,
    year): 2014–2022 from DrBaumgardt/skolresultat (all huvudmän, no pupil counts: ``pupils`` NaN, ``huvudman``
    ""), 2025 from Skolverket's export (``status`` "suppressed" where Skolverket shows ".."). ``municipality_id``:
    a code or name (None: all municipalities); ``last_year``: nothing after it is returned. Memoised on the
    processed data's content hash; the returned frame is a copy the caller may change.
    """
    frame = _all_schools()
    if municipality_id is not None:
        frame = frame[frame["municipality_id"] == resolve(municipality_id)]
    if last_year is not None:
        frame = frame[frame["year"] <= int(last_year)]
    return frame.reset_index(drop=True).copy()


# ---------------------------------------------------------------- which years a report can be made for
#: A year can be a report year when at least this many of the catalogue's indicators have a value in their headline
#: series for at least one municipality that year (2023–2025 have 4: åk 6, åk 9 alla ämnen, meritvärde, behörighet
#: yrkesprogram; 2010–2013 have at most 2, which would make a report of "saknas").
MIN_HEADLINE_INDICATORS = 4
_YEAR_COLUMNS = ["series", "municipality_id", "year", "status"]


def usable_years(frame: pd.DataFrame | None = None, minimum: int = MIN_HEADLINE_INDICATORS) -> tuple[int, ...]:
    """Years in which at least ``minimum`` of the catalogue's indicators have a value ("ok") in one of their headline
    series for at least one municipality (riket and regions "00xx" do not count).

    The one rule for which years a report may be made for (run specifications' ``years``); :func:`latest_year` is
    its last year. ``frame``: the panel or its columns ``series``, ``municipality_id``, ``year``, ``status``
    (None: the processed panel, built first if stale)."""
    if frame is None:
        ensure_built(verbose=True)
        frame = pd.read_parquet(paths.processed_dir() / PANEL_FILE, columns=_YEAR_COLUMNS)
    headline = {sid: ind.id for ind in catalogue.INDICATORS for sid in ind.headline}
    rows = frame[frame["series"].isin(list(headline))]  # first the cheap cut (categorical), then the text tests
    rows = rows[(rows["status"].astype(str) == "ok").to_numpy()
                & ~rows["municipality_id"].astype(str).str.startswith("00").to_numpy()]
    per_year = rows.assign(indicator=rows["series"].astype(str).map(headline)).groupby("year")["indicator"].nunique()
    return tuple(sorted(int(y) for y, n in per_year.items() if n >= minimum))


def latest_year(frame: pd.DataFrame | None = None) -> int:
    """The latest year a report can be made for (``years: latest``): the last of :func:`usable_years`, so "latest"
    is always a usable year. :class:`~fgte_research.build.BuildError` (Swedish) when the panel has none."""
    years = usable_years(frame)
    if not years:
        raise BuildError(f"panelen har inget år där minst {MIN_HEADLINE_INDICATORS} av de {len(catalogue.INDICATORS)} "
                         "indikatorerna har värden; kör `fgte data build`")
    return years[-1]


@memoised(maxsize=64)
def size_classes(last_year: int | None = None) -> dict[str, int]:
    """Population tercile (0 smallest, 2 largest) of every municipality, by its latest population up to
    ``last_year``. Why: large municipalities' series are smoother and more persistent than small ones' (less
    cohort noise), so one ρ pooled over all of them made the largest third's trend verdicts too sure
    (7.4 % false 'säker' on 10-year windows; ``benchmarks/bench_placebo_size.py``; the gap trend's
    ρ likewise, ``benchmarks/bench_gap_trend_size.py``). A fact about the data, so it lives here, below both."""
    pop = series_values("N01951", gender="T", include_aggregates=False, last_year=last_year).dropna(subset=["value"])
    if pop.empty:
        return {}
    latest = pop.sort_values("year").groupby("municipality_id", observed=True)["value"].last()
    logs = np.log(latest[latest > 0])
    cuts = np.quantile(logs, [1 / 3, 2 / 3])
    return {str(k): int(np.digitize(v, cuts)) for k, v in logs.items()}


def tercile_members(size_class: int, last_year: int | None = None) -> set[str]:
    """The municipalities of one population tercile (``size_classes``): the pool a tercile's ρ is estimated on."""
    return {m for m, c in size_classes(last_year).items() if c == size_class}
