"""Size of the gap-trend verdict per population tercile (issue 17 §2, issue 16 §2): how often page 1 would say the
gap "har ökat"/"har minskat" when it did not change.

    python benchmarks/bench_gap_trend_size.py [--reps 100]

For each gap model: AR(1) panels with each real municipality's own noise level and its tercile's autocorrelation
(estimated on the real re-centred residuals), no trend, re-centred each year; the report's verdict (ρ pooled in
the tercile), the earlier rule (ρ pooled over all municipalities) and a deliberately mis-calibrated control (ρ = 0
read off the normal 1.96), which the benchmark must flag. What the null keeps and loses is in
``_gap_trend_cases``'s docstring. A cell is flagged (✗) above 6 %.
"""

from __future__ import annotations

import argparse
import time

from _gap_trend_cases import MODELS, TERCILES, null_rates
from _placebo_cases import load_line

LIMIT = 0.06


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100, help="simulated panels per model (default 100)")
    reps = ap.parse_args().reps
    started = time.perf_counter()
    print(load_line() + f"; {reps} paneler per modell; nominell nivå 5 %, flaggas (✗) över 6 % i en tercil\n")
    pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
    flag = lambda x: f"{pct(x)} ✗" if x > LIMIT else pct(x)  # noqa: E731
    print("| modell | år | kommuner | tercil | ρ i tercilen (ρ alla) | rapportens regel (ρ i tercilen) | "
          "tidigare regel (ρ alla) | felkalibrerad kontroll (ρ = 0, 1,96) | verkliga 'säker' | "
          "verkliga serier, avtrendade 6-årsfönster |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    flagged = cells = 0
    for outcome in MODELS:
        r = null_rates(outcome, reps=reps)
        for g in TERCILES.values():
            cells += 1
            flagged += r["control"][g] > LIMIT
            windows = pct(r["detrended_windows"][g]) if "detrended_windows" in r else "–"
            print(f"| {outcome} | {r['years'][0]}–{r['years'][1]} | {r['units']} | {g} | {r['rho'][g]:.2f} "
                  f"({r['rho_all']:.2f}) | {flag(r['report'][g])} | {flag(r['earlier'][g])} | "
                  f"{flag(r['control'][g])} | {r['real_saker'][g]} | {windows} |")
        print(f"| {outcome} | | | alla | | | | | {sum(r['real_saker'].values())} "
              f"(tidigare regel {r['real_saker_earlier']}) | |")
    print(f"\nDen felkalibrerade kontrollen flaggas i {flagged} av {cells} celler. "
          f"Tid {time.perf_counter() - started:.0f} s. " + load_line())


if __name__ == "__main__":
    main()
