"""Power on the real data: known step and ramp effects injected into the real series, per population tercile.

For each case of benchmarks/_placebo_cases.py and each eligible municipality in turn, a known effect is added to
every year from the fake start (a step, or a ramp reaching the full size in the third year) and the municipality
is tested exactly as a report tests it. Reported per tercile:

- the primary verdict (DiD against the country, calibrated among the 99 nearest in size);
- the old calibration (studentized rank among all municipalities), which was not size-safe;
- the size-adjusted textbook DiD against the country: its |t| compared with the critical value that gives at most
  5 % false verdicts *in that tercile* on the same null data (the other municipalities of the tercile, the same
  rank rule as a placebo test: an oracle no report can use, the yardstick);
- the ratio primary / size-adjusted textbook (target ≥ 0.90).

Then the FGTE set: comparable placebo sets of five (one size neighbour of each of Kungsbacka, Varberg, Halmstad,
Laholm and Hylte) on the åk 9 merit series with start 2018 (two pre-years, as FGTE has), +5 merit points injected
into every member: the share of sets whose set test says "säker ökning".

Run: .venv/bin/python benchmarks/bench_power.py     (about 5 minutes on 2 cores)
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from _placebo_cases import CASES, inject, load_line, matrix, terciles, textbook_t
from fgte_research.intervention_study import population_before
from fgte_research.interventions.country import calibrated_test, difference_statistics, size_neighbours

GROUPS = ("minsta", "mellan", "största")
FIVE = ("1384", "1383", "1380", "1381", "1315")


def case_rows(family, series, window, starts, steps, unit, shapes=("step", "ramp"), max_starts=2):
    W0 = matrix(series, window)
    ids = list(W0.index)
    rows = []
    for t0 in starts[:max_starts]:
        size = population_before(t0)
        terc = terciles(ids, t0)
        t_null = textbook_t(W0, t0)
        for shape in shapes:
            for step in steps:
                hit = {g: {"primary": 0, "old": 0, "textbook": 0, "n": 0} for g in GROUPS}
                for u in ids:
                    W = inject(W0, u, t0, step, shape)
                    others = [c for c in ids if c != u]
                    p = calibrated_test(W, [u], t0, size, others).p_value
                    years = np.asarray(W.columns)
                    est, se = difference_statistics(W.to_numpy(float), years, t0, np.arange(len(W)))
                    t = pd.Series(est / se, index=ids)
                    o = t.drop(u)
                    m = o.median()
                    p_old = (1 + np.sum(np.abs(o - m) >= abs(t[u] - m))) / len(ids)
                    g = terc[u]
                    hit[g]["primary"] += (p < 0.05) and est[ids.index(u)] > 0
                    hit[g]["old"] += (p_old < 0.05) and t[u] > m
                    # the tercile's own null |t| without u: 5 % of it lies above the critical value (no report could
                    # know it in advance: the yardstick of what a size-correct test can reach)
                    null_g = np.sort(t_null[(terc == g) & (t_null.index != u)].to_numpy())
                    crit = null_g[-(int(np.floor(0.05 * (len(null_g) + 1) - 1e-9)) + 1)]
                    hit[g]["textbook"] += abs(t[u]) > crit and t[u] > 0
                    hit[g]["n"] += 1
                for g in GROUPS:
                    h = hit[g]
                    rows.append({"family": family, "series": series, "start": t0, "shape": shape, "step": step,
                                 "unit": unit, "tercile": g, "n": h["n"], "primary": h["primary"] / h["n"],
                                 "old": h["old"] / h["n"], "textbook": h["textbook"] / h["n"]})
    return rows


def fgte_set_rows(draws: int = 300, seed: int = 2):
    rng = np.random.default_rng(seed)
    W0 = matrix("splice.ak9.merit17.kommunal", (2016, 2025))
    ids = list(W0.index)
    t0 = 2018
    size = population_before(t0)
    out = []
    for step in (0.0, 3.0, 5.0, 10.0):
        hits = 0
        for _ in range(draws):
            members = []
            for f in FIVE:
                pool = [c for c in size_neighbours(f, ids, size, 30) if c not in members]
                members.append(pool[int(rng.integers(len(pool)))])
            W = W0.copy()
            for u in members:
                W = inject(W, u, t0, step, "step")
            r = calibrated_test(W, members, t0, size, [c for c in ids if c not in members])
            hits += r.p_value < 0.05 and r.estimate > 0
        out.append({"step": step, "sets": draws, "rate": hits / draws})
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    started = time.perf_counter()
    print(load_line() + "\n")
    rows = []
    for case in CASES:
        rows += case_rows(*case, shapes=("step",) if quick else ("step", "ramp"), max_starts=1 if quick else 2)
    d = pd.DataFrame(rows)
    agg = d.groupby(["family", "series", "shape", "step", "unit", "tercile"], sort=False)[
        ["primary", "old", "textbook"]].mean().reset_index()
    pct = lambda x: f"{100 * x:.0f} %"  # noqa: E731
    print("| familj | serie | form | effekt | tercil | huvudresultat | gammal kalibrering | "
          "storleksjusterad lärobok-DiD | kvot |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in agg.itertuples():
        ratio = r.primary / r.textbook if r.textbook > 0 else float("nan")
        print(f"| {r.family} | {r.series} | {'steg' if r.shape == 'step' else 'ramp'} | +{r.step:g} {r.unit} | "
              f"{r.tercile} | {pct(r.primary)} | {pct(r.old)} | {pct(r.textbook)} | {ratio:.2f} |")
    big = agg[agg["textbook"] >= 0.2]
    ratios = big["primary"] / big["textbook"]
    print(f"\nKvot huvudresultat / storleksjusterad lärobok-DiD där den senare når minst 20 %: "
          f"median {ratios.median():.2f}, lägst {ratios.min():.2f} ({len(big)} celler).")
    pooled = big.groupby("tercile", sort=False)[["primary", "textbook"]].sum()
    print("Per tercil (summan av huvudresultatets styrka / den storleksjusterade lärobok-DiD:ns, samma celler): "
          + ", ".join(f"{g} {pooled.loc[g, 'primary'] / pooled.loc[g, 'textbook']:.2f} "
                      f"({int((big['tercile'] == g).sum())} celler)" for g in GROUPS if g in pooled.index) + ".")
    print("\n| FGTE-liknande grupper om fem (åk 9 meritvärde, start 2018, två förår) | grupper | "
          "'säker ökning' för gruppen |")
    print("|---|---|---|")
    for r in fgte_set_rows(100 if quick else 300):
        print(f"| +{r['step']:g} meritpoäng i varje medlem | {r['sets']} | {pct(r['rate'])} |")
    print(f"\nTid {time.perf_counter() - started:.0f} s. " + load_line())


if __name__ == "__main__":
    main()
