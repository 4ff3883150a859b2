"""`fgte data update` / `fgte data fetch` against a hostile stand-in for Kolada on 127.0.0.1 (issue 19).

The stand-in (tests/test_kolada_api.FakeKolada) replays the REAL values of data/raw/kolada; each case below replaces
one answer with what a hostile or broken server sends: a redirect to another origin, a trickle, a huge body, a
400-digit integer, 200,000-deep JSON, absurd values. Hand-made answers are labelled; no real figure is invented:
the absurd values (meritvärde −999 and 1e308, a percentage of 12345) are the issue's probes, the redirect target
serves 666.0 as the issue's stand-in did. Every case must end in one Swedish line, exit code 2 (or 1 for the
deadline, "Kolada kan inte nås"), and nothing written to data/raw.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from fgte_research import cli
from fgte_research.sources import kolada_api as ka
from fgte_research.sources import kolada_http as kh
from fgte_research.sources import kolada_update as ku
from test_kolada_api import HALLAND, FakeKolada, kolada, raw_dir, real_values  # noqa: F401 (fixtures)

UPDATE = ["data", "update", "--since", "2021", "--until", "2022", "-q", "--no-build", "--max-attempts", "2"]


def tree_digest(raw: Path) -> str:
    """sha256 over every file's path and bytes under data/raw: equal before and after = nothing written."""
    h = hashlib.sha256()
    for p in sorted(raw.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(raw).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def stand_in():
    """A second local server on another port, serving the real N15505 values replaced by 666.0 (the issue's probe)."""
    fake = FakeKolada()
    fake.record_hook = lambda rec: {**rec, "values": [{**v, "value": 666.0} for v in rec["values"]]}
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def update(raw_copy, monkeypatch, capsys):
    """Run `fgte data update` in process on a copy of data/raw, limited to N15505/N15419 and Halland; returns
    (exit code, stderr lines, whether data/raw is unchanged)."""
    raw, _ = raw_copy
    monkeypatch.setattr(ku, "update_kpis", lambda: ["N15419", "N15505"])
    monkeypatch.setattr(ku, "area_ids", lambda raw: list(HALLAND))

    def run(base_url: str, *extra: str):
        before = tree_digest(raw)
        code = cli.main([*UPDATE, "--base-url", base_url, *extra])
        out, err = capsys.readouterr()
        lines = [ln for ln in err.splitlines() if ln.strip()]
        return code, lines, tree_digest(raw) == before

    return run


def one_line(lines: list[str]) -> str:
    assert len(lines) == 1, lines
    assert lines[0].startswith("fgte: ") and "Traceback" not in lines[0] and "inget skrevs" in lines[0]
    return lines[0]


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("target", ["host", "port", "scheme"])
def test_a_redirect_off_koladas_origin_is_refused_and_nothing_is_written(kolada, stand_in, update, target):
    host_port = f"127.0.0.1:{stand_in.server.server_port}"
    base = {"host": f"http://localhost:{stand_in.server.server_port}",  # another host name (and port)
            "port": f"http://{host_port}",  # same host, another port
            "scheme": f"https://127.0.0.1:{kolada.server.server_port}"}[target]  # same host and port, https
    kolada.override = lambda fake, h, url, n: (302, {"Location": f"{base}{url}"}, b"")
    code, lines, unchanged = update(kolada.base_url)
    line = one_line(lines)
    assert code == 2 and unchanged
    assert "omdirigerar till en annan värd" in line and base in line
    assert not stand_in.requests  # the other server was never asked


def test_a_redirect_within_the_origin_is_followed(kolada, raw_dir):
    moved = {"done": False}

    def once(fake, h, url, n):
        if not moved["done"]:
            moved["done"] = True
            return 302, {"Location": url + "&moved=1"}, b""  # a path: resolved against the request, same origin
        return None

    kolada.override = once
    path = ka.fetch(["N15505"], HALLAND, [2021], raw_dir=raw_dir, base_url=kolada.base_url, sleep=lambda s: None)
    assert len(kolada.requests) == 2 and kolada.requests[1].endswith("&moved=1")
    assert path.is_file()


# --------------------------------------------------------------------------- the total deadline


def trickle(part: str, interval: float = 2.0, stop_after: int = 10):
    """Answer one byte every ``interval`` s — in the status line and headers, or in the body — and give up
    after ``stop_after`` bytes (so that a client without a deadline, as on the old code, ends too)."""
    body = json.dumps({"values": []}).encode() + b" " * 1000

    def handler(fake, h, url, n):
        handler.asked.append(time.monotonic())
        head = (f"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                .encode())
        slow = head if part == "head" else body
        try:
            if part == "body":
                h.wfile.write(head)
                h.wfile.flush()
            for i in range(min(stop_after, len(slow))):
                h.wfile.write(slow[i:i + 1])
                h.wfile.flush()
                time.sleep(interval)
        except OSError:  # the client hung up: that is the point
            pass
        return FakeKolada.HANDLED

    handler.asked = []  # when each request arrived
    return handler


@pytest.mark.parametrize("part", ["head", "body"])
def test_a_trickling_server_is_cut_off_at_the_total_deadline(kolada, raw_dir, monkeypatch, part):
    """One byte every 2 s keeps every socket read alive; the deadline (30 s in production, 4 s here) holds
    anyway. The README gives the time measured with the production deadline."""
    monkeypatch.setattr(kh, "TOTAL_TIMEOUT", 4.0)
    kolada.override = trickle(part)
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    started = time.monotonic()
    with pytest.raises(ka.KoladaHTTPError, match="svarade inte inom 4 s") as err:
        ka.fetch(["N15505"], HALLAND, [2021], raw_dir=raw_dir, base_url=kolada.base_url, sleep=lambda s: None)
    elapsed = time.monotonic() - started
    assert elapsed < 5.0, elapsed
    assert err.value.status is None  # reported as "Kolada kan inte nås"
    assert (raw_dir / "MANIFEST.csv").read_bytes() == before and not (raw_dir / ka.SUBDIR).exists()


def test_the_deadline_is_one_line_from_the_cli(kolada, update, monkeypatch):
    monkeypatch.setattr(kh, "TOTAL_TIMEOUT", 3.0)
    kolada.override = slow = trickle("body")
    code, lines, unchanged = update(kolada.base_url)
    assert time.monotonic() - slow.asked[0] < 4.5  # from the request (not from the CLI's own checks before it)
    assert code == 1 and unchanged
    assert len(lines) == 1 and "kan inte nås" in lines[0] and "svarade inte inom 3 s" in lines[0]


# --------------------------------------------------------------------------- size, nesting, numbers


@pytest.mark.parametrize("announced", [True, False])
def test_a_body_over_the_size_limit_is_refused(kolada, raw_dir, monkeypatch, announced):
    """2 MB of valid JSON against a 1 MB limit (64 MB in production), with and without Content-Length."""
    monkeypatch.setattr(kh, "MAX_RESPONSE_BYTES", 2 ** 20)
    body = b'{"values": [], "pad": "' + b"x" * (2 * 2 ** 20) + b'"}'

    def huge(fake, h, url, n):
        h.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n")
        h.wfile.write(f"Content-Length: {len(body)}\r\n".encode() if announced else b"")
        h.wfile.write(b"\r\n")
        try:
            h.wfile.write(body)
        except OSError:
            pass
        return FakeKolada.HANDLED

    kolada.override = huge
    before = (raw_dir / "MANIFEST.csv").read_bytes()
    with pytest.raises(ka.KoladaUntrustedError, match="större än 1 MB"):
        ka.fetch(["N15505"], HALLAND, [2021], raw_dir=raw_dir, base_url=kolada.base_url, sleep=lambda s: None)
    assert (raw_dir / "MANIFEST.csv").read_bytes() == before
    assert len(kolada.requests) == 1  # not retried


BIG_INT = b"1" + b"0" * 399  # a 400-digit integer: OverflowError in math.isfinite on the old code
RECORD = (b'{"values": [{"kpi": "N15505", "municipality": "1380", "period": 2021, '
          b'"values": [{"gender": "T", "count": 1, "status": "", "value": %s}]}]}')


@pytest.mark.parametrize("body, what", [
    (RECORD % BIG_INT, "heltal med 400 siffror"),
    (b'{"values": [], "count": ' + BIG_INT + b"}", "heltal med 400 siffror"),
    (b"[" * 200_000 + b"]" * 200_000, "nästlat i 200000 nivåer"),  # RecursionError on the old code
    (b'{"values": ' + b'[' * 5000 + b']' * 5000 + b"}", "nästlat i 5001 nivåer"),
])
def test_big_integers_and_deep_json_are_one_line_and_exit_2(kolada, update, body, what):
    kolada.override = lambda fake, h, url, n: (200, {"Content-Type": "application/json"}, body)
    code, lines, unchanged = update(kolada.base_url)
    line = one_line(lines)
    assert code == 2 and unchanged and what in line
    assert len(line) < 400  # the reason first; the request's URL shortened


# --------------------------------------------------------------------------- absurd values


def absurd(kpi: str, value: float, municipality: str = "1380", year: int = 2021):
    def hook(rec):
        if rec["kpi"] == kpi and rec["municipality"] == municipality and rec["period"] == year:
            rec = {**rec, "values": [{**v, "value": value} if v["gender"] == "T" else v for v in rec["values"]]}
        return rec
    return hook


@pytest.mark.parametrize("kpi, value, shown", [
    ("N15505", -999.0, "-999.0"), ("N15505", 1e308, "1e+308"), ("N15419", 12345.0, "12345.0")])
def test_an_absurd_value_refuses_the_whole_update_naming_series_municipality_and_year(kolada, update, kpi, value,
                                                                                       shown):
    kolada.record_hook = absurd(kpi, value)
    code, lines, unchanged = update(kolada.base_url)
    line = one_line(lines)
    assert code == 2 and unchanged
    assert f"{kpi} (kommun 1380, år 2021) = {shown}" in line
    assert ("meritvärde (poäng), tillåtet 0–340" if kpi == "N15505" else "andel (%), tillåtet 0–100") in line


def test_an_absurd_value_refuses_a_fetch_too(kolada, raw_dir, capsys, monkeypatch):
    kolada.record_hook = absurd("N15419", 12345.0, "1381", 2020)
    monkeypatch.setenv("FGTE_RAW_DIR", str(raw_dir))
    before = tree_digest(raw_dir)
    code = cli.main(["data", "fetch", "--kpi", "N15419", "--municipalities", "fgte", "--years",
                     "2020-2021", "--base-url", kolada.base_url])
    err = capsys.readouterr().err
    assert code == 2 and "N15419 (kommun 1381, år 2020) = 12345.0" in err and len(err.strip().splitlines()) == 1
    assert tree_digest(raw_dir) == before


def test_real_values_at_the_edge_of_their_range_pass(kolada, raw_dir):
    """Real zeros (N15428 0 % in a real municipality-year of the dump) are values, not absurd."""
    zero = [(m, y) for (m, y), v in real_values("N15428").items() if v.get("T") == 0.0 and m != "0000"]
    assert zero, "the dump has real 0 % cells for N15428"
    m, y = zero[0]
    path = ka.fetch(["N15428"], [m], [y], raw_dir=raw_dir, base_url=kolada.base_url, sleep=lambda s: None)
    assert ka.read_fetched(path).query("gender == 'T'")["value"].tolist() == [0.0]
