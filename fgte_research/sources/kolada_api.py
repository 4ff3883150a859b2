"""Client for the Kolada API v3: fetch KPI values and store them as a new, dated raw file.

The API (https://api.kolada.se/v3, RKA's open data; no key needed)
-----------------------------------------------------------------------
Data is asked for as ``/v3/data/kpi/{kpi_ids}/municipality/{municipality_ids}/year/{years}`` with
comma-separated ids in each path segment. Details this client relies on, and where they come from:

* At most 25 ids per path segment. rKolada 0.3.0 (NEWS.md, and ``get_values`` in R/data.R of the
  CRAN copy) chunks KPIs, municipalities *and* years into batches of 25 "to respect the Kolada v3
  API limit"; so every segment is split here, and all combinations are requested.
* ``per_page`` of at most 5000 (rKolada 0.3.0 NEWS.md; the v2 README gave the same maximum).
* Paging: a response is ``{"values": [...], "next_url": "...", ...}``; the next page is fetched by
  following ``next_url`` until it is absent, null or empty. (API v2 called the field ``next_page``;
  v3 renamed it to ``next_url``. A response that still carries ``next_page`` is followed as well,
  so that a renamed field can never truncate the download silently.) Relative URLs are resolved
  against the request URL; a ``next_url`` to another host, or one already visited, is an error.
* Each record is ``{"kpi", "municipality", "period", "values": [{"gender", "count", "status",
  "value", "isdeleted"?}, ...]}`` with gender T/K/M and ``value`` a number or null. Rows with
  ``isdeleted`` true are dropped (as rKolada does by default); a record-level ``isdeleted`` true drops
  the whole record.

Errors
------
Every request has a total deadline. 429 and 5xx answers, connection errors and timeouts are retried with
exponential backoff (see :mod:`fgte_research.sources.kolada_http`). Other HTTP errors (400, 404 …) are
not retried. A malformed or wrongly shaped answer is an error giving the reason, then the request URL shortened. A KPI for
which the API returns no record at all (unknown id: empty list or 404) is an error naming the KPI, except
with ``download(..., allow_empty=True)``, which `fgte data update` uses to report such a KPI and go on
(:mod:`fgte_research.sources.kolada_update`). The envelope's ``count`` is never read: sources disagree on
whether it is the page length or the total. Nothing is written unless every request succeeded.

Output
------
``raw_dir/kolada_api/kolada_v3_<YYYY-MM-DD>_<first 8 hex of the content's sha256>.csv`` with columns
``kpi,municipality_id,year,gender,value,status,count`` (sorted, values written losslessly, Kolada's
status string verbatim), plus one row in ``raw_dir/MANIFEST.csv``. Raw files are immutable: an
existing file is never overwritten.

Status mapping (:func:`read_fetched`, :func:`tidy_status`)
----------------------------------------------------------
Kolada sends a per-value ``status`` string with a null value where it publishes no number. The strings seen in
real answers (the 2024 scrape, ``data/raw/kolada_scrape``: 2,188 "Missing", 1,090 "Privacy", 932 "Not
applicable", always with a null value) map to the panel's tidy status (:data:`KOLADA_STATUS`): "Privacy" →
``suppressed`` (too few to publish), "Missing" and "" → ``missing``, "Not applicable" → ``missing`` with that
reason; the reason is appended to ``source``, so a report can say why a value is missing. A number is ``ok``
whatever the string says; an unknown string with a null is ``missing`` with the string as its reason. The raw
file keeps the string verbatim.

Trust
-----
The transport (:mod:`fgte_research.sources.kolada_http`) follows no redirect off Kolada's origin, holds a total
deadline of 30 s per request against trickling servers and limits size, nesting and integer length. Every value
is range-checked by its series' unit (:mod:`fgte_research.ranges`) before anything is written: one absurd value
refuses the whole fetch or update, naming series, municipality and year.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import math
import re
import time
import urllib.parse
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .. import ranges
from ..atomic import atomic_path
from ..manifest import MANIFEST_NAME, ManifestRow, append_rows, read_manifest
from ..schema import coerce_tidy
from .csvfile import read_csv_checked
from .kolada_http import (TOTAL_TIMEOUT, KoladaError, KoladaHTTPError, KoladaResponseError,  # noqa: F401
                          KoladaUntrustedError, get_json, origin, retry_after_seconds, short_url, where)
from ..errors import InputError

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS_PER_SEGMENT = 25
MAX_PER_PAGE = 5000
MAX_PAGES = 10_000

SUBDIR = "kolada_api"
FILE_COLUMNS = ["kpi", "municipality_id", "year", "gender", "value", "status", "count"]
SOURCE_REPOSITORY = "Kolada API v3"
LICENCE_NOTE = "Kolada open data (RKA)"
CATALOGUE = Path("kolada_meta") / "kolada_kpi_catalogue.csv"

_FILE_NAME = re.compile(r"^kolada_v3_(\d{4}-\d{2}-\d{2})_([0-9a-f]{8})\.csv$")
_KPI_ID = re.compile(r"^[A-Z]\d{5}$")
_MUNI_ID = re.compile(r"^(\d{4}|G\d+)$")
GENDERS = ("T", "K", "M")


class KoladaUnknownKpiError(KoladaError):
    """One or more KPI ids are unknown (not in the catalogue, or Kolada returned nothing for them)."""

    def __init__(self, message: str, kpis: list[str]):
        super().__init__(message)
        self.kpis = kpis


#: Kolada's status string for a value -> (tidy status, reason appended to ``source``); see the module docs.
KOLADA_STATUS: dict[str, tuple[str, str]] = {
    "": ("missing", ""),
    "Missing": ("missing", "Kolada: värde saknas (Missing)"),
    "Privacy": ("suppressed", "Kolada: skyddat, för få ingår (Privacy)"),
    "Not applicable": ("missing", "Kolada: ej tillämpligt (Not applicable)"),
}


def tidy_status(values: pd.Series, status: pd.Series, source: str) -> tuple[pd.Series, pd.Series]:
    """The tidy ``status`` and ``source`` columns for Kolada values and their status strings."""
    text = status.fillna("").astype(str).str.strip()
    known = {t: KOLADA_STATUS.get(t, ("missing", f"Koladas status {t!r}")) for t in text.unique()}
    has = values.notna()
    tidy = text.map({t: st for t, (st, _) in known.items()}).where(~has, "ok")
    reason = text.map({t: r for t, (_, r) in known.items()}).where(~has, "")
    return tidy, reason.map(lambda r: f"{source}; {r}" if r else source)


@dataclass(frozen=True)
class ValueRow:
    kpi: str
    municipality_id: str
    year: int
    gender: str
    value: float | int | None
    status: str
    count: int | None

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.kpi, self.municipality_id, self.year, self.gender)


# --------------------------------------------------------------------------- arguments


def _norm_kpis(kpis: Iterable[str]) -> list[str]:
    if isinstance(kpis, str):
        kpis = [kpis]
    out = []
    for k in kpis:
        kk = str(k).strip().upper()
        if not _KPI_ID.match(kk):
            raise InputError(f"ogiltigt nyckeltals-id {k!r} (väntade t.ex. 'N15505')")
        out.append(kk)
    if not out:
        raise InputError("inga nyckeltal angivna")
    return sorted(set(out))


def _norm_municipalities(municipalities: Iterable[str]) -> list[str]:
    if isinstance(municipalities, (str, int)):
        municipalities = [municipalities]
    out = []
    for m in municipalities:
        mm = str(m).strip().upper()
        if mm.isdigit():
            mm = mm.zfill(4)
        if not _MUNI_ID.match(mm):
            raise InputError(f"ogiltigt kommun-id {m!r} (väntade fyra siffror, t.ex. '1384')")
        out.append(mm)
    if not out:
        raise InputError("inga kommuner angivna")
    return sorted(set(out))


def _norm_years(years: Iterable[int]) -> list[int]:
    if isinstance(years, (int, str)):
        years = [years]
    out = []
    for y in years:
        try:
            yy = int(str(y).strip())
        except ValueError:
            raise InputError(f"ogiltigt år {y!r}") from None
        if not 1900 <= yy <= 2200:
            raise InputError(f"ogiltigt år {y!r}")
        out.append(yy)
    if not out:
        raise InputError("inga år angivna")
    return sorted(set(out))


def _chunks(items: list, size: int = MAX_IDS_PER_SEGMENT) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def check_kpis_in_catalogue(kpis: Iterable[str], catalogue: Path) -> None:
    """Raise :class:`KoladaUnknownKpiError` if a KPI id is not in Kolada's KPI catalogue file."""
    catalogue = Path(catalogue)
    if not catalogue.is_file():
        raise FileNotFoundError(
            f"{catalogue}: nyckeltalskatalogen saknas; ange check_catalogue=False för att hoppa över kontrollen")
    with open(catalogue, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise InputError(f"{catalogue}: kolumnen 'id' saknas")
        known = {row["id"].strip().upper() for row in reader}
    unknown = [k for k in _norm_kpis(kpis) if k not in known]
    if unknown:
        raise KoladaUnknownKpiError(
            f"okänt nyckeltal {', '.join(unknown)}: finns inte i Koladas nyckeltalskatalog {catalogue} "
            "(ingen begäran skickades)", unknown)


# --------------------------------------------------------------------------- response shape


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def parse_page(payload, url: str) -> tuple[list[ValueRow], str | None]:
    """Validate one answer page; return its (non-deleted) value rows and the raw next-page URL."""
    def bad(what: str) -> KoladaResponseError:
        return KoladaResponseError(f"Koladas svar har oväntad form: {what} {where(url)}")

    if not isinstance(payload, dict):
        raise bad(f"väntade ett JSON-objekt, fick {type(payload).__name__}")
    if "values" not in payload:
        raise bad("nyckeln 'values' saknas")
    records = payload["values"]
    if not isinstance(records, list):
        raise bad(f"'values' är {type(records).__name__}, inte en lista")
    next_url = payload.get("next_url")
    if next_url is None and "next_url" not in payload:
        next_url = payload.get("next_page")  # API v2's name of the field
    if next_url is not None and not isinstance(next_url, str):
        raise bad(f"'next_url' är {type(next_url).__name__}, inte en sträng")
    rows: list[ValueRow] = []
    for i, rec in enumerate(records):
        at = f"post {i}"
        if not isinstance(rec, dict):
            raise bad(f"{at} är inte ett objekt")
        for key in ("kpi", "municipality", "period", "values"):
            if key not in rec:
                raise bad(f"{at}: nyckeln '{key}' saknas")
        if rec.get("isdeleted") is True:
            continue
        kpi, muni, period, values = rec["kpi"], rec["municipality"], rec["period"], rec["values"]
        if not isinstance(kpi, str) or not kpi:
            raise bad(f"{at}: 'kpi' är inte en sträng")
        if not isinstance(muni, str) or not muni:
            raise bad(f"{at}: 'municipality' är inte en sträng")
        if isinstance(period, bool) or not (isinstance(period, int) or (isinstance(period, str) and period.isdigit())):
            raise bad(f"{at}: 'period' {period!r} är inget år")
        if not isinstance(values, list):
            raise bad(f"{at}: 'values' är inte en lista")
        at = f"{at} ({kpi} {muni} {period})"
        for v in values:
            if not isinstance(v, dict):
                raise bad(f"{at}: ett värde är inte ett objekt")
            for key in ("gender", "value"):
                if key not in v:
                    raise bad(f"{at}: nyckeln '{key}' saknas i ett värde")
            isdeleted = v.get("isdeleted", False)
            if not isinstance(isdeleted, bool) and isdeleted is not None:
                raise bad(f"{at}: 'isdeleted' är inte sant/falskt")
            if isdeleted:
                continue
            gender, value = v["gender"], v["value"]
            status, count = v.get("status"), v.get("count")
            if gender not in GENDERS:
                raise bad(f"{at}: okänt kön {gender!r}")
            if value is not None and not _is_number(value):
                raise bad(f"{at}: värdet {value!r} är inget tal")
            if status is not None and not isinstance(status, str):
                raise bad(f"{at}: 'status' är inte en sträng")
            if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
                raise bad(f"{at}: 'count' är inget heltal")
            rows.append(ValueRow(kpi.upper(), muni, int(period), gender, value, status or "", count))
    return rows, (next_url or None)


# --------------------------------------------------------------------------- fetching


def data_urls(kpis: list[str], municipalities: list[str], years: list[int], *, base_url: str,
              per_page: int) -> list[tuple[str, list[str], list[str], list[int]]]:
    """First-page URLs of all requests, each with ≤ 25 ids per path segment."""
    base = base_url.rstrip("/")
    out = []
    for k, m, y in itertools.product(_chunks(kpis), _chunks(municipalities), _chunks(years)):
        path = "/data/kpi/{}/municipality/{}/year/{}".format(
            ",".join(k), ",".join(m), ",".join(str(x) for x in y))
        out.append((f"{base}{path}?{urllib.parse.urlencode({'per_page': per_page})}", k, m, y))
    return out


def download(kpis, municipalities, years, *, base_url: str = DEFAULT_BASE_URL, per_page: int = MAX_PER_PAGE,
             sleep: Callable[[float], None] = time.sleep, timeout: float = 30,
             max_attempts: int = 5, allow_empty: bool = False,
             on_request: Callable[[], None] | None = None) -> list[ValueRow]:
    """Fetch all values (all pages of all requests) and return them sorted; raise on any failure.

    ``allow_empty``: a KPI for which Kolada returns no record (an unknown id gives HTTP 200 with an empty list)
    is not an error; the caller sees it by its absence from the rows. ``on_request`` is called once each
    request (all its pages) is done, for a progress bar; :func:`data_urls` tells how many there are.
    """
    kpis, municipalities, years = _norm_kpis(kpis), _norm_municipalities(municipalities), _norm_years(years)
    if not 1 <= int(per_page) <= MAX_PER_PAGE:
        raise InputError(f"per_page måste vara mellan 1 och {MAX_PER_PAGE}")
    home = origin(base_url)
    rows: dict[tuple, ValueRow] = {}
    asked: dict[str, list[str]] = {k: [] for k in kpis}
    seen_kpis: set[str] = set()
    for first_url, k, m, y in data_urls(kpis, municipalities, years, base_url=base_url, per_page=per_page):
        for kk in k:
            asked[kk].append(first_url)
        url: str | None = first_url
        visited: set[str] = set()
        while url:
            if url in visited or len(visited) >= MAX_PAGES:
                raise KoladaResponseError(f"Koladas sidbläddring går i cirkel eller tar aldrig slut {where(url)}")
            visited.add(url)
            try:
                payload = get_json(url, timeout=timeout, sleep=sleep, max_attempts=max_attempts)
            except KoladaHTTPError as exc:
                if exc.status == 404:
                    raise KoladaUnknownKpiError(
                        f"Kolada svarade 404 (hittades inte): okänt nyckeltal eller kommun? Nyckeltal i begäran: "
                        f"{', '.join(k)} {where(url)}", list(k)) from None
                raise
            page_rows, next_url = parse_page(payload, url)
            for r in page_rows:
                if r.kpi not in k or r.municipality_id not in m or r.year not in y:
                    raise KoladaResponseError(
                        f"Koladas svar innehåller en post som inte efterfrågades: "
                        f"{r.kpi} {r.municipality_id} {r.year} {where(url)}")
                seen_kpis.add(r.kpi)
                old = rows.get(r.key)
                if old is not None and old != r:
                    raise KoladaResponseError(
                        f"Koladas svar ger två olika värden för {r.kpi} {r.municipality_id} {r.year} "
                        f"{r.gender} ({old.value} och {r.value}); hämta igen {where(url)}")
                rows[r.key] = r
            if next_url:
                next_url = urllib.parse.urljoin(url, next_url)
                if origin(next_url) != home:
                    raise KoladaUntrustedError(f"Koladas svar pekar 'next_url' till en annan värd, "
                                               f"{short_url(next_url, limit=80)}; den följs inte {where(url)}")
            url = next_url
        if on_request is not None:
            on_request()
    missing = [k for k in kpis if k not in seen_kpis]
    if missing and not allow_empty:
        urls = sorted({u for k in missing for u in asked[k]})
        raise KoladaUnknownKpiError(
            f"Kolada returnerade inga värden för nyckeltal {', '.join(missing)} "
            f"(okänt id, eller inga data för valda kommuner och år); begäran: "
            f"{' ; '.join(short_url(u) for u in urls[:3])}{' …' if len(urls) > 3 else ''}", missing)
    return sorted(rows.values(), key=lambda r: r.key)


# --------------------------------------------------------------------------- writing


def _fmt_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # shortest round-trip representation: lossless


def check_rows(rows: list[ValueRow]) -> None:
    """Raise ``ranges.RangeError`` (series, municipality and year named) if a value is out of its range."""
    frame = pd.DataFrame([(r.kpi, r.municipality_id, r.year, r.gender, r.value) for r in rows if r.value is not None],
                         columns=["series", "municipality_id", "year", "gender", "value"])
    ranges.check_tidy(frame, "Koladas svar")


def render_csv(rows: list[ValueRow]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    for r in sorted(rows, key=lambda r: r.key):
        writer.writerow([r.kpi, r.municipality_id, r.year, r.gender, _fmt_value(r.value), r.status,
                         "" if r.count is None else r.count])
    return buf.getvalue().encode("utf-8")


def fetch(kpis, municipalities, years, *, raw_dir: Path, base_url: str = DEFAULT_BASE_URL,
          today: date | None = None, sleep: Callable[[float], None] = time.sleep, timeout: float = 30,
          max_attempts: int = 5, per_page: int = MAX_PER_PAGE, check_catalogue: bool = True) -> Path:
    """Download KPI values from Kolada v3 and write them as a new raw file; return its path.

    ``check_catalogue``: first check the KPI ids against ``raw_dir/kolada_meta/kolada_kpi_catalogue.csv``
    (before any request). Everything is downloaded first; the file and its MANIFEST row are written only
    if all requests succeeded. An existing file with the same name is never overwritten.
    """
    raw_dir = Path(raw_dir)
    read_manifest(raw_dir / MANIFEST_NAME)  # fails before any request if the manifest is bad
    if check_catalogue:
        check_kpis_in_catalogue(kpis, raw_dir / CATALOGUE)
    rows = download(kpis, municipalities, years, base_url=base_url, per_page=per_page, sleep=sleep,
                    timeout=timeout, max_attempts=max_attempts)
    return write_rows(rows, raw_dir=raw_dir, today=today)


def write_rows(rows: list[ValueRow], *, raw_dir: Path, today: date | None = None) -> Path:
    """Write downloaded rows as a new dated raw file with its MANIFEST row (atomic; never overwrites).

    Every value is range-checked first (:func:`check_rows`): one absurd value and nothing is written.
    """
    check_rows(rows)
    raw_dir = Path(raw_dir)
    manifest = raw_dir / MANIFEST_NAME
    listed = {r.path for r in read_manifest(manifest)}
    day = (today or date.today()).isoformat()
    data = render_csv(rows)
    digest = hashlib.sha256(data).hexdigest()
    rel = f"{SUBDIR}/kolada_v3_{day}_{digest[:8]}.csv"
    target = raw_dir / rel
    if target.exists() or rel in listed:
        raise FileExistsError(f"{target}: filen finns redan (eller står i {manifest.name}) och rådata skrivs "
                              "aldrig över (samma innehåll hämtat samma dag)")
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
        if target.exists():  # appeared while we were writing
            raise FileExistsError(f"{target}: filen finns redan och rådata skrivs aldrig över")
    try:
        append_rows(manifest, [ManifestRow(path=rel, sha256=digest, bytes=len(data),
                                           source_repository=SOURCE_REPOSITORY, commit=day,
                                           licence_note=LICENCE_NOTE)])
    except BaseException:
        target.unlink(missing_ok=True)  # no unlisted raw file is left behind
        raise
    return target


# --------------------------------------------------------------------------- reading


def read_fetched(path: Path) -> pd.DataFrame:
    """Read a file written by :func:`fetch` into the tidy format of :mod:`fgte_research.schema`.

    series = the KPI id as Kolada writes it ("N15505"); status "ok" when there is a value, otherwise mapped from
    Kolada's status string (:func:`tidy_status`). Values outside their series' range raise ``ranges.RangeError``.
    """
    path = Path(path)
    m = _FILE_NAME.match(path.name)
    if not m:
        raise InputError(f"{path}: filnamnet följer inte mönstret kolada_v3_ÅÅÅÅ-MM-DD_<8 hex>.csv")
    day = m.group(1)
    frame = read_csv_checked(path, FILE_COLUMNS, dtype=str, keep_default_na=False)
    value_text = frame["value"].str.strip()
    values = pd.to_numeric(value_text.where(value_text != ""), errors="coerce")
    bad = (value_text != "") & values.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: rad {i + 2}: värdet {frame['value'].iloc[i]!r} är inget tal")
    years = pd.to_numeric(frame["year"], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        i = int((years.isna() | (years % 1 != 0)).to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: rad {i + 2}: ogiltigt år {frame['year'].iloc[i]!r}")
    status, source = tidy_status(values, frame["status"], f"Kolada API v3 (hämtad {day})")
    out = pd.DataFrame({
        "series": frame["kpi"].str.upper(),
        "municipality_id": frame["municipality_id"],
        "year": years.astype("int64"),
        "gender": frame["gender"],
        "value": values,
        "status": status,
        "source": source,
        "population": "",
    })
    try:
        out = coerce_tidy(out)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    ranges.check_tidy(out, str(path))
    return out
