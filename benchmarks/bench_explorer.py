"""Benchmark: how long one change of the explorer takes, in a real Jupyter kernel, on the shipped data.

Target (issue #12, section 2): a change updates figure and text in <= 1 s.

Each variant runs in its own fresh kernel (the project kernel ``fgte-research``, ``%matplotlib inline``), builds
the explorer as notebooks/explore.ipynb does, and then makes municipality x indicator changes through the widgets,
as a reader does: for each indicator, one change of the indicator and then one change per municipality. The time
of a change is measured inside the kernel from setting the widget value until the callback has sent figure and
text (the browser's drawing comes on top; tests/test_explorer_browser.py drives the real thing).

* new: fgte_research.explorer as it is now (memoised compute_view, Image/HTML widgets);
* baseline: the whole package before this work (git archive BASE fgte_research, first on sys.path in its kernel,
  reading the same data/processed): an Output widget, a full-panel filter and an uncached computation per change.

Prints the first change, the first change of each new indicator (cold for that indicator), the other changes
(median and max), the construction, the machine load before and after, and the ratio baseline/new.

Usage: .venv/bin/python benchmarks/bench_explorer.py [--base d2c633e] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "fgte-research"
TARGET_SECONDS = 1.0
MUNICIPALITIES = ["Laholm", "Hylte", "Kungsbacka", "Haparanda", "Halmstad"]
INDICATORS = ["ak9_alla", "ak3_np", "gy_examen", "gy_gbp", "ak9_behorig_yp", "ak9_merit"]

SETUP_NEW = "from fgte_research.explorer import Explorer as _E"
SETUP_OLD = """
import os, sys
os.environ["FGTE_ROOT"] = {root!r}          # the same data/raw and data/processed
sys.path.insert(0, {package_parent!r})      # the whole package as it was at the base commit
import fgte_research
assert fgte_research.__file__.startswith({package_parent!r}), fgte_research.__file__
from fgte_research.explorer import Explorer as _E
"""
RUN = """
import json, time
_t = time.perf_counter(); _ex = _E(); _build = time.perf_counter() - _t
display(_ex)  # as the notebook's cell does; starts the background warm-up where there is one
_t = time.perf_counter()
_warm = None
if getattr(_ex, "warmed", None) is not None:
    _ex.warmed.wait(300); _warm = time.perf_counter() - _t
_rows = []
for _ind in {indicators!r}:
    for _key, _value in [("indicator", _ind)] + [("municipality", m) for m in {municipalities!r}]:
        _t = time.perf_counter()
        _ex.widgets[_key].value = _value
        _rows.append([_key, _value, time.perf_counter() - _t, _ex.state.error])
print("BENCH" + json.dumps({{"build": _build, "warm": _warm, "rows": _rows}}))
"""


def in_kernel(setup: str) -> dict:
    import jupyter_client

    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=KERNEL, cwd=str(ROOT / "notebooks"))
    try:
        text = []
        code = ("%matplotlib inline\n" + setup + "\n"
                + RUN.format(indicators=INDICATORS, municipalities=MUNICIPALITIES))
        msg_id = kc.execute(code)
        while True:
            msg = kc.get_iopub_msg(timeout=900)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        line = next(x for x in "".join(text).splitlines() if x.startswith("BENCH"))
        return json.loads(line[5:])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def summarise(label: str, result: dict) -> dict:
    rows = result["rows"]
    errors = [r for r in rows if r[3]]
    first = rows[0][2]
    cold = [r[2] for r in rows[1:] if r[0] == "indicator"]
    later = [r[2] for r in rows[1:] if r[0] != "indicator"]
    every = [r[2] for r in rows]
    warm = (f"; background warm-up of the other indicators {result['warm']:.2f} s (changes measured after it)"
            if result.get("warm") is not None else "")
    print(f"{label}: explorer built in {result['build']:.2f} s{warm}; {len(rows)} changes"
          + (f"; {len(errors)} with an error message: {errors[:2]}" if errors else ""))
    print(f"  first change (a new indicator):                      {first:6.3f} s")
    print(f"  new indicator, later ({len(cold)}):                  median {statistics.median(cold):6.3f} s, "
          f"max {max(cold):6.3f} s")
    print(f"  new municipality ({len(later)}):                     median {statistics.median(later):6.3f} s, "
          f"max {max(later):6.3f} s")
    print(f"  every change:                                       median {statistics.median(every):6.3f} s, "
          f"max {max(every):6.3f} s")
    slowest = sorted(rows, key=lambda r: -r[2])[:3]
    print("  slowest: " + "; ".join(f"{k}={v} {t:.3f} s" for k, v, t, _ in slowest))
    return {"median": statistics.median(every), "max": max(every), "first": first}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="d2c633e", help="commit of the explorer before this work (baseline)")
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()
    print(f"Machine load (1/5/15 min) before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"Changes: {len(INDICATORS)} indicators x (1 + {len(MUNICIPALITIES)} municipalities), in a fresh kernel each")
    new = summarise("new", in_kernel(SETUP_NEW))
    base = None
    if not args.skip_baseline:
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "archive", args.base, "fgte_research"], cwd=ROOT, capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            base = summarise(f"baseline (package at {args.base})",
                             in_kernel(SETUP_OLD.format(root=str(ROOT), package_parent=tmp)))
    load_after = os.getloadavg()
    print(f"Machine load (1/5/15 min) after:  {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")
    if base:
        print(f"Ratio baseline/new: median {base['median'] / new['median']:.1f}x, max {base['max'] / new['max']:.1f}x, "
              f"first change {base['first'] / new['first']:.1f}x")
    ok = new["max"] <= TARGET_SECONDS
    print(f"Target <= {TARGET_SECONDS:.0f} s per change: {'met' if ok else 'MISSED'} "
          f"(max {new['max']:.2f} s, median {new['median']:.2f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
