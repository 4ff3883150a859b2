"""Kolada API v3 client, tested against a local HTTP server that answers in the v3 shape.

The fake server serves the REAL values of data/raw/kolada (open-numbers ddf dump): the total file
gives the T values, the gender file the K and M values. No number in these tests is invented.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import sys
import threading
import time
import urllib.parse
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from fgte_research.manifest import check_raw, read_manifest
from fgte_research.schema import TIDY_COLUMNS, coerce_tidy
from fgte_research.sources import kolada_api as ka
from fgte_research.sources import kolada_http as kh

REPO = Path(__file__).resolve().parents[1]
REAL_RAW = REPO / "data" / "raw"
DDF = REAL_RAW / "kolada"
HALLAND = ["1315", "1380", "1381", "1382", "1383", "1384"]
YEARS = list(range(2017, 2023))
TODAY = date(2026, 5, 4)


# --------------------------------------------------------------------------- real values


def _geo_to_id(geo: str) -> str:
    return geo if len(geo) == 4 else geo.zfill(4)  # "0" → "0000" (riket), "13" → "0013" (region)


_CACHE: dict[str, dict] = {}


def real_values(kpi: str) -> dict[tuple[str, int], dict[str, float]]:
    """{(municipality_id, year): {gender: value}} read straight from the ddf files; {} if none."""
    kpi = kpi.upper()
    if kpi in _CACHE:
        return _CACHE[kpi]
    k = kpi.lower()
    out: dict[tuple[str, int], dict[str, float]] = {}
    total = DDF / "datapoints--by--geo--year" / f"ddf--datapoints--{k}--by--geo--year.csv"
    by_gender = DDF / "datapoints--by--geo--gender--year" / f"ddf--datapoints--{k}--by--geo--gender--year.csv"
    if total.is_file():
        with open(total, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault((_geo_to_id(row["geo"]), int(row["year"])), {})["T"] = float(row[k])
    if by_gender.is_file():
        with open(by_gender, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                g = row["gender"].upper()
                out.setdefault((_geo_to_id(row["geo"]), int(row["year"])), {})[g] = float(row[k])
    _CACHE[kpi] = out
    return out


SCRAPE = REAL_RAW / "kolada_scrape" / "2024-12-12_KOLADA_data_raw.parquet"
#: (served kpi, municipality, year, gender) -> Kolada's status string, for the scrape's nulls
SCRAPE_STATUS: dict[tuple[str, str, int, str], str] = {}


def scrape_values(kpi: str) -> dict[tuple[str, int], dict[str, float | None]]:
    """{(municipality_id, year): {gender: value or None}} of the real 2024 scrape; fills SCRAPE_STATUS."""
    key = f"scrape:{kpi}"
    if key not in _CACHE:
        frame = pd.read_parquet(SCRAPE)
        frame = frame[frame["kpi"] == kpi]
        out: dict = {}
        for r in frame.itertuples(index=False):
            value = None if pd.isna(r.value) else float(r.value)
            out.setdefault((r.municipality_id, int(r.year)), {})[r.gender] = value
            if r.status:
                SCRAPE_STATUS[(kpi, r.municipality_id, int(r.year), r.gender)] = r.status
        _CACHE[key] = out
    return _CACHE[key]


# --------------------------------------------------------------------------- fake Kolada v3


class FakeKolada:
    """Serves /v3/data/kpi/{k}/municipality/{m}/year/{y}?per_page=&page= like Kolada v3.

    ``override(fake, handler, url, call_no)`` may return (status, headers, body-bytes) to replace an
    answer; ``record_hook(record)`` may edit each record before it is served.

    Like the real API (facts in the module docstring of fgte_research.sources.kolada_api): a path segment
    with more than 25 ids is refused (HTTP 400); an unknown KPI gives 200 with an empty list. Switches:
    ``paging_field`` "next_url" (v3) or "next_page" (older clients' name); ``count_mode`` "page" (page length),
    "total" (all records) or "lie" (a number unrelated to either), since ``count`` has no reliable meaning;
    ``aliases`` {served id: id whose real values are served}, for a stand-in of a series the dump lacks;
    ``replay`` "dump" (data/raw/kolada) or "scrape" (data/raw/kolada_scrape: real values after 2022 and Kolada's
    real status strings with their nulls). An ``override`` that writes its own answer returns :attr:`HANDLED`.
    """

    HANDLED = "handled"

    def __init__(self):
        self.requests: list[str] = []  # every path+query the server saw, in order
        self.override = None
        self.record_hook = None
        self.paging_field = "next_url"
        self.count_mode = "page"
        self.aliases: dict[str, str] = {}
        self.replay = "dump"
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                with fake.lock:
                    fake.requests.append(self.path)
                    call_no = len(fake.requests)
                if fake.override is not None:
                    answer = fake.override(fake, self, self.path, call_no)
                    if answer == FakeKolada.HANDLED:
                        return
                    if answer is not None:
                        return self._send(*answer)
                self._send(*fake.answer(self.path, self.headers.get("Host")))

            def _send(self, status, headers, body):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # The timeout test closes the connection before the answer is written; only that is quiet.
                if isinstance(sys.exc_info()[1], ConnectionError):
                    return
                super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v3"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def answer(self, path: str, host: str):
        parts = urllib.parse.urlsplit(path)
        seg = parts.path.strip("/").split("/")
        if len(seg) != 8 or seg[:3] != ["v3", "data", "kpi"] or seg[4] != "municipality" or seg[6] != "year":
            return 404, {"Content-Type": "application/json"}, b'{"error": "not found"}'
        kpis, munis, years = seg[3].split(","), seg[5].split(","), [int(y) for y in seg[7].split(",")]
        if max(len(kpis), len(munis), len(years)) > ka.MAX_IDS_PER_SEGMENT:
            return 400, {"Content-Type": "application/json"}, b'{"error": "too many ids in a path segment"}'
        query = urllib.parse.parse_qs(parts.query)
        per_page = int(query.get("per_page", ["5000"])[0])
        page = int(query.get("page", ["1"])[0])
        records = []
        for kpi in sorted(kpis):
            real_id = self.aliases.get(kpi, kpi)
            data = (scrape_values if self.replay == "scrape" else real_values)(real_id)
            statuses = SCRAPE_STATUS if self.replay == "scrape" else {}
            for m in sorted(munis):
                for y in sorted(years):
                    vals = data.get((m, y))
                    if not vals:
                        continue
                    rec = {"kpi": kpi, "municipality": m, "period": y,
                           "values": [{"gender": g, "count": 1, "status": statuses.get((real_id, m, y, g), ""),
                                       "value": vals[g], "isdeleted": False}
                                      for g in ("T", "K", "M") if g in vals]}
                    if self.record_hook is not None:
                        rec = self.record_hook(rec)
                    if rec is not None:
                        records.append(rec)
        chunk = records[(page - 1) * per_page: page * per_page]
        count = {"page": len(chunk), "total": len(records), "lie": 7 * len(records) + 3}[self.count_mode]
        body = {"count": count, "values": chunk}
        if page * per_page < len(records):
            q = dict(query)
            q["page"] = [str(page + 1)]
            q["per_page"] = [str(per_page)]
            body[self.paging_field] = f"http://{host}{parts.path}?{urllib.parse.urlencode(q, doseq=True)}"
        elif self.paging_field == "next_page":
            body["next_page"] = None  # older answers carry the field as null on the last page
        if page > 1:
            q = dict(query)
            q["page"] = [str(page - 1)]
            body["previous_url"] = f"http://{host}{parts.path}?{urllib.parse.urlencode(q, doseq=True)}"
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode("utf-8")

    def data_requests(self) -> list[tuple[list[str], list[str], list[str], dict]]:
        out = []
        for p in self.requests:
            parts = urllib.parse.urlsplit(p)
            seg = parts.path.strip("/").split("/")
            out.append((seg[3].split(","), seg[5].split(","), seg[7].split(","), urllib.parse.parse_qs(parts.query)))
        return out


@pytest.fixture
def kolada():
    fake = FakeKolada()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def raw_dir(tmp_path):
    """A fresh raw dir: a copy of the KPI catalogue, and MANIFEST.csv with the real header and its row."""
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = (REAL_RAW / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()
    catalogue_row = [ln for ln in lines if ln.startswith(f"{ka.CATALOGUE.as_posix()},")]
    assert len(catalogue_row) == 1
    (raw / "MANIFEST.csv").write_text(lines[0] + "\n" + catalogue_row[0] + "\n", encoding="utf-8")
    (raw / "kolada_meta").mkdir()
    shutil.copyfile(REAL_RAW / ka.CATALOGUE, raw / ka.CATALOGUE)
    return raw


class SleepRecorder:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def do_fetch(kolada, raw_dir, kpis=("N15505",), munis=HALLAND, years=YEARS, **kw):
    kw.setdefault("sleep", SleepRecorder())
    kw.setdefault("timeout", 5)
    return ka.fetch(list(kpis), list(munis), list(years), raw_dir=raw_dir, base_url=kolada.base_url,
                    today=TODAY, **kw)


def read_written(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def nothing_written(raw_dir: Path, manifest_before: bytes):
    assert (raw_dir / "MANIFEST.csv").read_bytes() == manifest_before
    assert not (raw_dir / ka.SUBDIR).exists() or not any((raw_dir / ka.SUBDIR).iterdir())


# --------------------------------------------------------------------------- tests


def test_written_values_equal_the_real_kolada_values(kolada, raw_dir):
    path = do_fetch(kolada, raw_dir)
    assert path.parent == raw_dir / "kolada_api"
    assert path.name.startswith("kolada_v3_2026-05-04_") and path.suffix == ".csv"
    rows = read_written(path)
    assert list(rows[0].keys()) == ["kpi", "municipality_id", "year", "gender", "value", "status", "count"]
    # Expected values read independently with pandas from the ddf files.
    total = pd.read_csv(DDF / "datapoints--by--geo--year" / "ddf--datapoints--n15505--by--geo--year.csv",
                        dtype={"geo": str})
    gender = pd.read_csv(DDF / "datapoints--by--geo--gender--year"
                         / "ddf--datapoints--n15505--by--geo--gender--year.csv", dtype={"geo": str})
    total = total[total.geo.isin(HALLAND) & total.year.between(2017, 2022)].assign(gender="T")
    gender = gender[gender.geo.isin(HALLAND) & gender.year.between(2017, 2022)]
    expected = pd.concat([total, gender.assign(gender=gender.gender.str.upper())])
    expected = {(g, int(y), s): float(v) for g, y, s, v in expected[["geo", "year", "gender", "n15505"]].itertuples(
        index=False)}
    got = {(r["municipality_id"], int(r["year"]), r["gender"]): float(r["value"]) for r in rows}
    assert len(expected) == 6 * 6 * 3
    assert got == expected
    assert {r["kpi"] for r in rows} == {"N15505"}
    # Sorted and deterministic.
    keys = [(r["kpi"], r["municipality_id"], int(r["year"]), r["gender"]) for r in rows]
    assert keys == sorted(keys)
    # Manifest row with checksum; the raw dir checks clean.
    (row,) = [r for r in read_manifest(raw_dir / "MANIFEST.csv") if r.path.startswith("kolada_api/")]
    assert row.path == f"kolada_api/{path.name}"
    assert row.source_repository == "Kolada API v3" and row.commit == "2026-05-04"
    assert row.licence_note == "Kolada open data (RKA)"
    assert row.bytes == path.stat().st_size and path.name[-12:-4] == row.sha256[:8]
    report = check_raw(raw_dir)
    assert report.ok, report.lines_sv()


def test_multi_page_answer_gives_all_rows(kolada, raw_dir):
    path = do_fetch(kolada, raw_dir, per_page=5)
    rows = read_written(path)
    assert len(rows) == 6 * 6 * 3
    pages = kolada.data_requests()
    assert len(pages) == math.ceil(36 / 5) == 8
    assert [q.get("page", ["1"])[0] for *_, q in pages] == [str(i) for i in range(1, 9)]
    assert all(q["per_page"] == ["5"] for *_, q in pages)


def test_more_than_25_municipalities_are_split(kolada, raw_dir):
    munis = sorted(m for (m, y) in real_values("N15505") if y == 2020 and m != "0000")[:30]
    assert len(munis) == 30
    path = do_fetch(kolada, raw_dir, munis=munis, years=[2020])
    seen = kolada.data_requests()
    assert len(seen) == 2
    assert all(len(m) <= 25 and len(k) <= 25 and len(y) <= 25 for k, m, y, _ in seen)
    assert sorted(m for _, ms, _, _ in seen for m in ms) == munis
    rows = read_written(path)
    assert sorted({r["municipality_id"] for r in rows}) == munis


def test_more_than_25_years_and_kpis_are_split_too():
    urls = ka.data_urls([f"N{i:05d}" for i in range(1, 27)], ["1384"], list(range(1990, 2020)),
                        base_url="https://api.kolada.se/v3", per_page=5000)
    assert len(urls) == 4
    for url, k, m, y in urls:
        assert len(k) <= 25 and len(y) <= 25
        assert url.startswith("https://api.kolada.se/v3/data/kpi/") and url.endswith("?per_page=5000")
        assert f"/year/{','.join(map(str, y))}?" in url


def test_429_with_retry_after_is_waited_out(kolada, raw_dir):
    def once_429(fake, handler, url, call_no):
        if call_no == 1:
            return 429, {"Retry-After": "7", "Content-Type": "application/json"}, b'{"error": "too many"}'
        return None

    kolada.override = once_429
    sleep = SleepRecorder()
    path = do_fetch(kolada, raw_dir, sleep=sleep)
    assert sleep.calls == [7.0]
    assert len(kolada.requests) == 2
    assert len(read_written(path)) == 6 * 6 * 3


def test_timeout_is_retried(kolada, raw_dir):
    def stall_first(fake, handler, url, call_no):
        if call_no == 1:
            time.sleep(0.6)
        return None

    kolada.override = stall_first
    sleep = SleepRecorder()
    path = do_fetch(kolada, raw_dir, sleep=sleep, timeout=0.2)
    assert sleep.calls == [1.0]
    assert path.is_file()


def test_persistent_500_fails_and_writes_nothing(kolada, raw_dir):
    kolada.override = lambda fake, h, url, n: (500, {"Content-Type": "text/plain"}, b"internal error")
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    sleep = SleepRecorder()
    with pytest.raises(ka.KoladaHTTPError) as err:
        do_fetch(kolada, raw_dir, sleep=sleep, max_attempts=4)
    msg = str(err.value)
    # the reason first, then the request with its id lists shortened; the full URL stays on the exception
    assert msg.startswith("begäran till Kolada misslyckades efter 4 försök (HTTP 500)")
    assert f"{kolada.base_url}/data/kpi/N15505/municipality/1315,1380,…(+4)/year/2017," in msg
    assert err.value.url.startswith(f"{kolada.base_url}/data/kpi/N15505/municipality/{','.join(HALLAND)}/year/")
    assert len(kolada.requests) == 4
    assert sleep.calls == [1.0, 2.0, 4.0]  # exponential backoff, no sleep after the last attempt
    nothing_written(raw_dir, before)


def test_failure_on_a_later_request_writes_nothing(kolada, raw_dir):
    # The first request (25 municipalities) succeeds, the second keeps failing.
    munis = sorted(m for (m, y) in real_values("N15505") if y == 2020 and m != "0000")[:30]
    kolada.override = lambda fake, h, url, n: (503, {}, b"") if n > 1 else None
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaHTTPError) as err:
        do_fetch(kolada, raw_dir, munis=munis, years=[2020], max_attempts=2)
    assert f"/municipality/{','.join(munis[25:27])},…(+3)/" in str(err.value)
    assert err.value.url.split("/")[-3] == ",".join(munis[25:])
    nothing_written(raw_dir, before)


def test_malformed_json_is_a_clear_error(kolada, raw_dir):
    kolada.override = lambda fake, h, url, n: (200, {"Content-Type": "application/json"}, b'{"values": [ {"kpi"')
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaResponseError) as err:
        do_fetch(kolada, raw_dir)
    assert "inte giltig JSON" in str(err.value)
    assert f"{kolada.base_url}/data/kpi/N15505/" in str(err.value)
    assert len(kolada.requests) == 1  # not retried
    nothing_written(raw_dir, before)


@pytest.mark.parametrize("body, what", [
    (b'{"count": 0}', "'values' saknas"),
    (b'{"values": {"kpi": "N15505"}}', "inte en lista"),
    (b'[1, 2]', "JSON-objekt"),
    (b'{"values": [{"kpi": "N15505", "municipality": "1315", "period": 2017}]}', "'values' saknas"),
    (b'{"values": [{"kpi": "N15505", "municipality": "1315", "period": 2017, '
     b'"values": [{"gender": "T", "value": "193,3"}]}]}', "inget tal"),
    (b'{"values": [{"kpi": "N15505", "municipality": "1315", "period": 2017, '
     b'"values": [{"gender": "X", "value": null}]}]}', "okänt kön"),
    (b'{"values": [], "next_url": 5}', "'next_url'"),
])
def test_wrong_shape_is_an_error_naming_the_request(kolada, raw_dir, body, what):
    kolada.override = lambda fake, h, url, n: (200, {"Content-Type": "application/json"}, body)
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaResponseError) as err:
        do_fetch(kolada, raw_dir)
    assert what in str(err.value)
    assert f"{kolada.base_url}/data/kpi/N15505/" in str(err.value)
    nothing_written(raw_dir, before)


def test_unknown_kpi_rejected_by_catalogue_before_any_request(kolada, raw_dir):
    with pytest.raises(ka.KoladaUnknownKpiError) as err:
        do_fetch(kolada, raw_dir, kpis=["N15505", "N99999"])
    assert "N99999" in str(err.value) and "N15505" not in str(err.value)
    assert err.value.kpis == ["N99999"]
    assert kolada.requests == []


def test_unknown_kpi_empty_answer_is_an_error(kolada, raw_dir):
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaUnknownKpiError) as err:
        do_fetch(kolada, raw_dir, kpis=["N15505", "N99999"], check_catalogue=False)
    assert "N99999" in str(err.value)
    assert err.value.kpis == ["N99999"]
    nothing_written(raw_dir, before)


def test_unknown_kpi_404_is_an_error(kolada, raw_dir):
    kolada.override = lambda fake, h, url, n: (404, {"Content-Type": "application/json"}, b'{"error": "x"}')
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaUnknownKpiError) as err:
        do_fetch(kolada, raw_dir, kpis=["N99999"], check_catalogue=False)
    assert "N99999" in str(err.value) and "404" in str(err.value)
    assert len(kolada.requests) == 1  # 404 is not retried
    nothing_written(raw_dir, before)


def test_isdeleted_rows_are_dropped(kolada, raw_dir):
    def mark_deleted(rec):
        if rec["municipality"] == "1380" and rec["period"] == 2019:
            for v in rec["values"]:
                if v["gender"] == "K":
                    v["isdeleted"] = True
        if rec["municipality"] == "1381" and rec["period"] == 2020:
            rec["isdeleted"] = True  # a whole record deleted
        return rec

    kolada.record_hook = mark_deleted
    rows = read_written(do_fetch(kolada, raw_dir))
    keys = {(r["municipality_id"], int(r["year"]), r["gender"]) for r in rows}
    assert ("1380", 2019, "K") not in keys
    assert ("1380", 2019, "T") in keys and ("1380", 2019, "M") in keys
    assert not any(k[:2] == ("1381", 2020) for k in keys)
    assert len(rows) == 6 * 6 * 3 - 1 - 3


def test_second_fetch_same_day_refuses_to_overwrite(kolada, raw_dir):
    first = do_fetch(kolada, raw_dir)
    content = first.read_bytes()
    manifest = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(FileExistsError) as err:
        do_fetch(kolada, raw_dir)
    assert first.name in str(err.value)
    assert first.read_bytes() == content
    assert (raw_dir / "MANIFEST.csv").read_bytes() == manifest
    assert [p.name for p in (raw_dir / "kolada_api").iterdir()] == [first.name]


def test_name_listed_in_manifest_is_not_rewritten_even_if_file_is_gone(kolada, raw_dir):
    first = do_fetch(kolada, raw_dir)
    first.unlink()  # listed in MANIFEST.csv, missing on disk: `fgte data check` must report it, not hide it
    manifest = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(FileExistsError):
        do_fetch(kolada, raw_dir)
    assert not first.exists()
    assert (raw_dir / "MANIFEST.csv").read_bytes() == manifest


def test_next_url_to_another_host_is_refused(kolada, raw_dir):
    def foreign(fake, handler, url, n):
        return 200, {}, json.dumps({"values": [], "next_url": "http://example.org/v3/data"}).encode()

    kolada.override = foreign
    with pytest.raises(ka.KoladaResponseError, match="annan värd"):
        do_fetch(kolada, raw_dir)


def test_read_fetched_round_trips(kolada, raw_dir):
    def add_missing(rec):
        # Kolada can answer with a null value; add one without inventing a number.
        if rec["municipality"] == "1382" and rec["period"] == 2021:
            rec["values"] = [v if v["gender"] != "M" else {**v, "value": None, "status": None}
                             for v in rec["values"]]
        return rec

    kolada.record_hook = add_missing
    path = do_fetch(kolada, raw_dir)
    tidy = ka.read_fetched(path)
    assert list(tidy.columns) == TIDY_COLUMNS
    pd.testing.assert_frame_equal(tidy, coerce_tidy(tidy))
    assert set(tidy.series) == {"N15505"}
    assert set(tidy.source) == {"Kolada API v3 (hämtad 2026-05-04)"}
    assert set(tidy.gender) == {"T", "K", "M"}
    real = real_values("N15505")
    for r in tidy.itertuples(index=False):
        if (r.municipality_id, r.year, r.gender) == ("1382", 2021, "M"):
            assert r.status == "missing" and math.isnan(r.value)
        else:
            assert r.status == "ok" and r.value == real[(r.municipality_id, r.year)][r.gender]
    assert len(tidy) == 6 * 6 * 3


def test_read_fetched_rejects_foreign_file_name(tmp_path):
    p = tmp_path / "something.csv"
    p.write_text(",".join(ka.FILE_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="filnamnet"):
        ka.read_fetched(p)


def test_retry_after_parsing():
    assert kh.retry_after_seconds("7") == 7.0
    assert kh.retry_after_seconds(None) is None
    assert kh.retry_after_seconds("soon") is None
    assert kh.retry_after_seconds("99999") == kh.RETRY_AFTER_MAX


def test_a_silent_server_fails_within_the_total_timeout(kolada, raw_dir, monkeypatch):
    """A server that accepts and never answers: the request gives up when the total budget is spent (30 s in
    production, 1 s here), with a Swedish message, and nothing is written."""
    def silent(fake, handler, url, call_no):
        time.sleep(3)
        return None

    kolada.override = silent
    monkeypatch.setattr(kh, "TOTAL_TIMEOUT", 1.0)
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    started = time.monotonic()
    with pytest.raises(ka.KoladaHTTPError, match="svarade inte inom 1 s"):
        do_fetch(kolada, raw_dir, sleep=lambda s: None, timeout=30)
    assert time.monotonic() - started < 2.5
    nothing_written(raw_dir, before)
