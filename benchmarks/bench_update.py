"""Benchmark: `fgte data update` in full scope against the local Kolada v3 stand-in (tests/test_kolada_api.py).

The stand-in on 127.0.0.1 replays the real shipped values (data/raw/kolada). Scope: every Kolada series in the
catalogue, all 290 municipalities + riket + the 21 regions, years ``--since``–``--until`` (default 2014–2022, the
years the replay has values for; Kolada itself has later ones, which this machine cannot reach).
Baseline in the same run: plain urllib GET + json.loads of the same first-page URLs, without validation, paging
or writing, so the ratio says what the client adds over bare transport. No internet is used.
Usage: .venv/bin/python benchmarks/bench_update.py [--since 2014 --until 2022]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_kolada_api import FakeKolada  # noqa: E402

from fgte_research.sources import kolada_api, kolada_update  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--since", type=int, default=2014)
    ap.add_argument("--until", type=int, default=2022)
    args = ap.parse_args()
    fake = FakeKolada()
    fake.thread.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw"
            shutil.copytree(ROOT / "data" / "raw", raw)
            kpis, areas = kolada_update.update_kpis(), kolada_update.area_ids(raw)
            years = list(range(args.since, args.until + 1))
            urls = [u for u, *_ in kolada_api.data_urls(kpis, areas, years, base_url=fake.base_url,
                                                        per_page=kolada_api.MAX_PER_PAGE)]
            t = time.perf_counter()
            records = 0
            for url in urls:
                with urllib.request.urlopen(url, timeout=60) as resp:
                    records += len(json.loads(resp.read())["values"])
            baseline = time.perf_counter() - t
            fake.requests.clear()
            t = time.perf_counter()
            result = kolada_update.update(raw, since=args.since, until=args.until, base_url=fake.base_url,
                                          today=date.today(), progress=False)
            seconds = time.perf_counter() - t
            size = result.path.stat().st_size if result.path else 0
    finally:
        fake.server.shutdown()
        fake.server.server_close()
    load = os.getloadavg()
    print(f"Maskinens last (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print(f"omfång: {len(kpis)} nyckeltal × {len(areas)} områden × {len(years)} år ({args.since}–{args.until})")
    print(f"baslinje (bara GET + json.loads av samma {len(urls)} första sidor, {records} poster): {baseline:.2f} s")
    print(f"fgte data update: {seconds:.2f} s, {len(fake.requests)} anrop (planerade {result.requests} + "
          f"sidor), {sum(result.values.values())} värden i {len(result.values)} serier, fil {size / 1e6:.1f} MB; "
          f"{seconds / baseline:.1f}× baslinjen")
    print(f"utan värden: {', '.join(result.empty) or '–'}")


if __name__ == "__main__":
    main()
