"""Benchmark: how fast `fgte report` stops on SIGTERM/SIGINT (issue #11: within 5 s, nothing left running).

Runs the 10-municipality pipeline-fixture spec of tests/test_publish_dask.py as a subprocess, waits until one
report is in manifest.json, sends the signal to the main process only and measures the time to its exit, for the
local executor and the Dask executor (LocalCluster). Baseline in the same run: the time a plain
`python -c "import time; time.sleep(60)"` subprocess takes to die of SIGTERM (process start-up and reaping
alone), so the ratio says what stopping the workers and kernels and writing index and manifest add.

Usage: .venv/bin/python benchmarks/bench_signals.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import signal_support as ss  # noqa: E402
import yaml  # noqa: E402

TARGET = 5.0


def baseline() -> float:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    time.sleep(0.5)
    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    return time.monotonic() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    load = os.getloadavg()
    print(f"Maskinens last (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; mål ≤ {TARGET:.0f} s")
    base = statistics.median(baseline() for _ in range(args.repeat))
    print(f"Baslinje (en vanlig process dör av SIGTERM): {base:.3f} s")
    root = Path(tempfile.mkdtemp(prefix="fgte-bench-signals-"))
    worst = 0.0
    try:
        print("| exekvering | signal | tid till avslut (median / max) | kvar efteråt | kvot mot baslinjen |")
        print("|---|---|---|---|---|")
        for executor in ("local", "dask"):
            for sig in (signal.SIGTERM, signal.SIGINT):
                times, left = [], 0
                for i in range(args.repeat):
                    run = f"{executor}-{sig.name.lower()}-{i}"
                    spec = root / f"{run}.yaml"
                    spec.write_text(yaml.safe_dump(ss.spec_doc(run)), encoding="utf-8")
                    stopped = ss.run_and_stop(spec, root / "reports" / run, sig, extra=["--executor", executor])
                    if stopped.code != 128 + sig:
                        print(f"  oväntad slutkod {stopped.code}: {stopped.stderr.strip()[-300:]}")
                    times.append(stopped.seconds)
                    left += len(stopped.survivors)
                med = statistics.median(times)
                worst = max(worst, max(times))
                print(f"| {executor} | {sig.name} | {med:.2f} s / {max(times):.2f} s | {left} processer | "
                      f"{med / base:.0f}× |")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"Längsta tid: {worst:.2f} s ({'inom' if worst <= TARGET else 'ÖVER'} målet {TARGET:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
