"""Benchmark: synthetic control with full placebo-in-space on a real Kolada indicator.

Treated: Laholm (1381), first affected year 2018. Donors: every municipality with complete data in
the window (the raw Kolada file, geo as 4-character str). Times

* baseline: one synthetic-control fit (placebo=False, no leave-one-out),
* full: the fit + one placebo fit per donor + leave-one-out (what ``synth()`` does by default),

reports seconds, the ratio full/baseline and per-placebo cost, and checks the target (full <= 10 s).

Usage: .venv/bin/python benchmarks/bench_synth.py [N15419|N15505] [repeats]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fgte_research import interventions as iv  # noqa: E402
from fgte_research.paths import raw_dir  # noqa: E402

TARGET_SECONDS = 10.0


def load(kpi: str) -> pd.DataFrame:
    path = raw_dir() / "kolada" / "datapoints--by--geo--year" / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
    raw = pd.read_csv(path, dtype={"geo": str})
    raw = raw[raw["geo"].str.len() == 4]
    return raw.rename(columns={"geo": "municipality_id", kpi.lower(): "value"})[["municipality_id", "year", "value"]]


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(kpi: str = "N15419", repeats: int = 3) -> int:
    data = load(kpi)
    breaks = [2017]  # Kolada åk 9 definition change between 2016 and 2017 (fgte_research.breaks)
    kwargs = dict(data=data, treated="1381", first_treated_year=2018, break_years=breaks)
    t_base, _ = best_of(lambda: iv.synth(**kwargs, placebo=False, loo=0), repeats)
    t_full, res = best_of(lambda: iv.synth(**kwargs), repeats)
    n_placebo = len(res.placebos)
    years = f"{min(res.pre_years)}–{max(res.post_years)}"
    print(f"indicator {kpi} {years}; treated 1381; donors with complete data: {len(res.weights)}")
    print(f"baseline (one fit):             {t_base:8.3f} s")
    print(f"full (fit + {n_placebo} placebos + LOO): {t_full:8.3f} s   ratio full/baseline = {t_full / t_base:.0f}x, "
          f"{1000 * (t_full - t_base) / max(n_placebo, 1):.2f} ms per placebo fit")
    print(f"average gap {res.estimate:.2f} [{res.ci_low:.2f}, {res.ci_high:.2f}], p(gap) = {res.p_value:.3f}, "
          f"p(RMSPE ratio) = {res.tidy().set_index('term').loc['rmspe_ratio', 'p_value']:.3f}")
    ok = t_full <= TARGET_SECONDS
    print(f"target <= {TARGET_SECONDS:.0f} s: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0] if args else "N15419", int(args[1]) if len(args) > 1 else 3))
