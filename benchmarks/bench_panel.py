"""Benchmark: full panel build and load_panel() on the shipped data.

Targets (issue: data foundation): build <= 30 s, load <= 0.3 s on the 2-core project machine.
Baseline in the same run: reading the raw Kolada CSV files alone with pandas (the floor any build pays),
so the printed ratio says how much the build adds on top of plain reading.
Usage: .venv/bin/python benchmarks/bench_panel.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from fgte_research import paths
from fgte_research.catalogue import shipped_kolada_kpis
from fgte_research.build import PANEL_FILE, build
from fgte_research.panel import load_panel


def _time(fn, repeat):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), min(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    raw = paths.raw_dir()
    with tempfile.TemporaryDirectory() as tmp:
        processed = Path(tmp)

        def read_raw_only():
            for k in shipped_kolada_kpis():
                pd.read_csv(raw / "kolada" / "datapoints--by--geo--year" / f"ddf--datapoints--{k.lower()}--by--geo--year.csv")

        base_med, _ = _time(read_raw_only, args.repeat)
        build_med, build_min = _time(lambda: build(raw, processed), args.repeat)
        os.environ["FGTE_PROCESSED_DIR"] = str(processed)
        load_med, load_min = _time(lambda: load_panel(auto_build=False), max(args.repeat, 5))
        one_med, _ = _time(lambda: load_panel(municipalities="1380", indicators="ak9_merit", auto_build=False), 5)
        rows = len(pd.read_parquet(processed / PANEL_FILE))
    print(f"baseline (read raw Kolada CSVs only): {base_med:.2f} s")
    print(f"fgte data build:                      {build_med:.2f} s median, {build_min:.2f} s best "
          f"(target <= 30 s; {build_med / base_med:.1f}x the baseline)")
    print(f"load_panel (all {rows} rows):         {load_med:.3f} s median, {load_min:.3f} s best (target <= 0.3 s)")
    print(f"load_panel (one municipality, one indicator): {one_med:.3f} s median")


if __name__ == "__main__":
    main()
