"""False-verdict rate of every verdict on the real data, per population tercile and series family.

Nothing municipality-specific started in the fake start years, so every "säker" verdict counted is false. For each
case (benchmarks/_placebo_cases.py) every eligible municipality is treated in turn:

- the primary design (DiD against the country, calibrated among the 99 nearest in size: what the report prints);
- the FGTE-like set: random comparable sets of four (one size neighbour of each FGTE member), the set test;
- a deliberately mis-calibrated statistic, the textbook DiD t against the country read off Student's t, to show
  that this benchmark can fail: it must be flagged;
- the old calibration (studentized rank among *all* municipalities), for comparison;
- the trend verdict (AR(1)-widened OLS, ρ pooled) on detrended real series, 3, 4, 5, 6 and 10 points (a report
  prints a trend and a change from 3 comparable years on, with the few-years note below 5);
- the change since the start of a share with pupil counts (the report's interval: the wider of the noise and the
  binomial one), against the rule before 2026-12-07 (the interval of the larger SE), with its power beside it.

A row is flagged (✗) when its false-verdict rate exceeds 6 % in a tercile. Run:
    .venv/bin/python benchmarks/bench_placebo_size.py        (about 2 minutes on 2 cores)
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from scipy import stats

from _placebo_cases import CASES, load_line, matrix, terciles, textbook_t
from fgte_research.intervention_study import population_before
from fgte_research.interventions.country import calibrated_test, size_neighbours
from fgte_research.interventions.country import difference_statistics
from fgte_research.progression import binomial_change_se, change_half_width, change_noise_se
from fgte_research.trend import fit_trend, pooled_rho

FGTE = ("1384", "1383", "1380", "1381")
LIMIT = 0.06


def design_rows():
    rows = []
    for family, series, window, starts, _, _ in CASES:
        W = matrix(series, window)
        ids = list(W.index)
        for t0 in starts:
            size = population_before(t0)
            terc = terciles(ids, t0)
            years = np.asarray(W.columns)
            n0, n1 = int((years < t0).sum()), int((years >= t0).sum())
            primary, old = {}, {}
            est, se = difference_statistics(W.to_numpy(float), years, t0, np.arange(len(W)))
            t_all = pd.Series(est / se, index=ids)
            for u in ids:
                others = [c for c in ids if c != u]
                primary[u] = calibrated_test(W, [u], t0, size, others).p_value < 0.05
                o = t_all.drop(u)
                m = o.median()
                old[u] = (1 + np.sum(np.abs(o - m) >= abs(t_all[u] - m))) / len(ids) < 0.05
            t_naive = textbook_t(W, t0)
            naive = pd.Series(2 * stats.t.sf(t_naive, n0 + n1 - 2) < 0.05, index=t_naive.index)
            for g in ("minsta", "mellan", "största"):
                sel = terc[terc == g].index
                rows.append({"family": family, "series": series, "start": t0, "tercile": g, "n": len(sel),
                             "pre": n0, "primary": np.mean([primary[u] for u in sel]),
                             "old": np.mean([old[u] for u in sel]), "naive": float(naive[sel].mean())})
    return pd.DataFrame(rows)


def set_rows(draws: int = 200, seed: int = 1):
    """Comparable sets of four drawn like the FGTE set; the set test with nothing injected."""
    rng = np.random.default_rng(seed)
    rows = []
    for family, series, window, starts, _, _ in CASES:
        W = matrix(series, window)
        ids = list(W.index)
        for t0 in starts[:2]:
            size = population_before(t0)
            hits = 0
            for _ in range(draws):
                members = []
                for f in FGTE:
                    pool = [c for c in size_neighbours(f, ids, size, 30) if c not in members]
                    members.append(pool[int(rng.integers(len(pool)))])
                others = [c for c in ids if c not in members]
                hits += calibrated_test(W, members, t0, size, others).p_value < 0.05
            rows.append({"family": family, "series": series, "start": t0, "sets": draws, "rate": hits / draws})
    return pd.DataFrame(rows)


def synth_rows():
    """Synthetic control as the study runs it (each unit from its own nearest donors, as many as pre-years): one
    run gives every placebo's RMSPE ratio; each municipality's p is its rank among its size neighbours."""
    from fgte_research import interventions as iv

    rows = []
    for family, series, window, starts, _, _ in CASES:
        W = matrix(series, window)
        frame = W.stack().rename("value").reset_index()
        frame.columns = ["municipality_id", "year", "value"]
        for t0 in starts:
            n_pre = int((np.asarray(W.columns) < t0).sum())
            if n_pre < 4:
                continue
            res = iv.synth(frame, W.index[0], t0, loo=0, local_donors=n_pre)
            r = res.placebos.set_index("municipality_id")["rmspe_ratio"].dropna()
            size = population_before(t0)
            # each municipality ranked among its 100 size neighbours' ratios, as the study ranks it
            p = pd.Series({u: (1 + np.sum(r[nb].to_numpy() >= r[u] * (1 - 1e-12))) / (len(nb) + 1)
                           for u in r.index for nb in [size_neighbours(u, list(r.index), size)]})
            terc = terciles(list(r.index), t0)
            for g in ("minsta", "mellan", "största"):
                sel = terc[terc == g].index
                rows.append({"family": family, "series": series, "start": t0, "tercile": g, "n": len(sel),
                             "rate": float((p[sel] < 0.05).mean()), "exact": float(np.isinf(r[sel]).mean())})
    return pd.DataFrame(rows)


def trend_rows(lengths=(3, 4, 5, 6, 10), cases=CASES):
    rows = []
    for family, series, window, starts, _, _ in cases:
        W = matrix(series, window)
        years = np.array(W.columns, dtype=float)
        Y = W.to_numpy(dtype=float)
        X = np.column_stack([np.ones(len(years)), years - years.mean()])
        B = np.linalg.lstsq(X, Y.T, rcond=None)[0]
        E = Y - (X @ B).T
        E = E - E.mean(axis=0)
        # ρ pooled within each population tercile, as the report pools it (progression.noise_rho)
        terc = terciles(list(W.index), starts[0])
        rhos = {g: pooled_rho(E[(terc == g).to_numpy()], years) for g in ("minsta", "mellan", "största")}
        for length in lengths:  # 3–4: the shortest trends a report prints (with the few-years note)
            if length > len(years) - 3:
                continue
            hit = {g: [0, 0, 0] for g in ("minsta", "mellan", "största")}
            for start in range(0, len(years) - length + 1):
                sub = years[start:start + length]
                k = len(sub) - 1
                for u, e in zip(W.index, E[:, start:start + length]):
                    rho = rhos[terc[u]]
                    fit = fit_trend(sub, e, rho=rho)
                    lo, hi = fit.ols_ci
                    hit[terc[u]][0] += lo > 0 or hi < 0
                    # the report's "förändring sedan start" (progression.change): last − first year, AR(1) noise
                    se = change_noise_se(sub, rho, fit.resid_sd, k)
                    hit[terc[u]][1] += abs(e[-1] - e[0]) > stats.t.ppf(0.975, fit.n - 2) * se
                    hit[terc[u]][2] += 1
            for g, (k_trend, k_change, n) in hit.items():
                rows.append({"family": family, "series": series, "points": length, "tercile": g, "tests": n,
                             "rho": rhos[g], "rate": k_trend / n, "change": k_change / n})
    return pd.DataFrame(rows)


#: The share series whose change since the start can take its interval from pupil counts (binomial), with the
#: pupil-count series and a break-free window.
PUPIL_CASES = [
    ("åk 6", "skv.ak6.pass_all.kommunal", "skv.ak6.pupils.kommunal", (2020, 2025)),
    ("åk 9", "splice.ak9.pass_all.kommunal", "skv.ak9.pupils.kommunal", (2016, 2025)),
    ("åk 9", "splice.ak9.eligible_voc.kommunal", "skv.ak9.pupils.kommunal", (2016, 2025)),
]


#: The real change (percentage points) whose detection rate stands beside the size.
STEP = 10.0


def _old_half_width(se_noise: float, se_binom: float, n_years: int) -> float:
    """The rule before 2026-12-07, for comparison: the larger SE, then its multiplier (t for the noise SE)."""
    ses = [v for v in (se_noise, se_binom) if not math.isnan(v)]
    if not ses:
        return math.nan
    se = max(ses)
    return (stats.t.ppf(0.975, n_years - 2) if se == se_noise else 1.96) * se


def _change_half_widths(sub, e, rho, se_binom) -> tuple[float, float]:
    """The report's and the old rule's half-widths for the change over ``sub`` (noise SE refitted on ``e``)."""
    fit = fit_trend(sub, e, rho=rho)  # None below three years: no noise estimate
    se_noise = change_noise_se(sub, rho, fit.resid_sd, len(sub) - 1) if fit is not None else math.nan
    n = fit.n if fit is not None else None
    return change_half_width(se_noise, se_binom, n)[0], _old_half_width(se_noise, se_binom, n)


def change_rows(lengths=(2, 3, 4, 6), cases=PUPIL_CASES):
    """The change since the start where pupil counts exist, on detrended real share series (the levels, for the
    binomial SE, are the real values): false 'säker' of the report's interval (progression.change_half_width) and
    of the old rule, and beside each its power for a real change of STEP points by the last year, two ways: a
    steady ramp (the residuals, so the noise SE, unchanged) and a jump in the last year (the noise SE refitted:
    a jump moves a short fit's residuals a lot). Windows as trend_rows takes them (at most the window less 3
    years: a window as long as the detrending leaves too little noise)."""
    rows = []
    for family, series, pupils_id, window in cases:
        W = matrix(series, window)
        P = matrix(pupils_id, window).reindex(index=W.index, columns=W.columns)
        years = np.array(W.columns, dtype=float)
        Y = W.to_numpy(dtype=float)
        N = P.to_numpy(dtype=float)
        X = np.column_stack([np.ones(len(years)), years - years.mean()])
        E = Y - (X @ np.linalg.lstsq(X, Y.T, rcond=None)[0]).T
        E = E - E.mean(axis=0)
        terc = terciles(list(W.index), window[0] + 1)
        rhos = {g: pooled_rho(E[(terc == g).to_numpy()], years) for g in ("minsta", "mellan", "största")}
        for length in lengths:
            if length > len(years) - 3:
                continue
            # a steady rise adds a straight line: the residuals, so the noise SE and ``half``, stay as they are
            jump = np.r_[np.zeros(length - 1), STEP]
            hit = {g: np.zeros(8) for g in ("minsta", "mellan", "största")}
            for start in range(0, len(years) - length + 1):
                sub = years[start:start + length]
                a, b = start, start + length - 1
                for i, u in enumerate(W.index):
                    e, rho = E[i, a:b + 1], rhos[terc[u]]
                    v0, v1, n0, n1 = Y[i, a], Y[i, b], N[i, a], N[i, b]
                    se_binom = binomial_change_se(v0, v1, n0, n1)
                    half, half_old = _change_half_widths(sub, e, rho, se_binom)
                    jump_half, jump_half_old = _change_half_widths(sub, e + jump, rho, se_binom)
                    change = e[-1] - e[0]
                    hit[terc[u]] += [abs(change) > half, abs(change) > half_old,  # NaN: no verdict
                                     abs(change + STEP) > half, abs(change + STEP) > half_old,
                                     abs(change + STEP) > jump_half, abs(change + STEP) > jump_half_old,
                                     not math.isnan(se_binom), 1]
            for g, h in hit.items():
                n = int(h[7])
                rows.append({"family": family, "series": series, "points": length, "tercile": g, "tests": n,
                             "with_pupils": h[6] / n, "rate": h[0] / n, "old": h[1] / n,
                             "power_ramp": h[2] / n, "power_ramp_old": h[3] / n,
                             "power_jump": h[4] / n, "power_jump_old": h[5] / n})
    return pd.DataFrame(rows)


def main() -> None:
    started = time.perf_counter()
    print(load_line() + "; nominell nivå 5 %, flaggas (✗) över 6 % i en tercil\n")
    d = design_rows()
    pct = lambda x: f"{100 * x:.1f} %"  # noqa: E731
    flag = lambda x: f"{pct(x)} ✗" if x > LIMIT else pct(x)  # noqa: E731
    agg = d.groupby(["family", "tercile"], sort=False).apply(
        lambda g: pd.Series({"n": int(g["n"].sum()), "primary": np.average(g["primary"], weights=g["n"]),
                             "old": np.average(g["old"], weights=g["n"]),
                             "naive": np.average(g["naive"], weights=g["n"])}), include_groups=False)
    print("| familj | tercil (invånare) | fall | huvudresultat (DiD mot riket, storleksmatchat) | "
          "gammal kalibrering (alla kommuner) | felkalibrerad kontroll (t-test) |")
    print("|---|---|---|---|---|---|")
    for (fam, g), r in agg.iterrows():
        print(f"| {fam} | {g} | {int(r.n)} | {flag(r.primary)} | {flag(r.old)} | {flag(r.naive)} |")
    worst = d.loc[d["primary"].idxmax()]
    print(f"\nHuvudresultatet per serie, startår och tercil: {pct(d['primary'].min())}–{pct(d['primary'].max())} "
          f"(median {pct(d['primary'].median())}; högst {worst.series} {worst.start} {worst.tercile}, "
          f"{int(worst.n)} kommuner). Den felkalibrerade kontrollen flaggas i "
          f"{int((agg['naive'] > LIMIT).sum())} av {len(agg)} celler.\n")
    s = set_rows()
    print("| familj | serie | falsk start | jämförbara grupper om fyra | falskt 'säker' för gruppen |")
    print("|---|---|---|---|---|")
    for r in s.itertuples():
        print(f"| {r.family} | {r.series} | {r.start} | {r.sets} | {flag(r.rate)} |")
    y = synth_rows()
    print("\n| syntetisk kontroll | familj | serie | falsk start | tercil | kommuner | falskt p < 0,05 | "
          "exakt anpassade |")
    print("|---|---|---|---|---|---|---|---|")
    for r in y.itertuples():
        print(f"| synth | {r.family} | {r.series} | {r.start} | {r.tercile} | {r.n} | {flag(r.rate)} | {pct(r.exact)} |")
    t = trend_rows()
    print("\n| familj | serie | punkter | ρ (poolat i tercilen) | tercil | test | trend: falskt 'säker' | "
          "förändring sedan start: falskt 'säker' |")
    print("|---|---|---|---|---|---|---|---|")
    for r in t.itertuples():
        print(f"| {r.family} | {r.series} | {r.points} | {r.rho:.2f} | {r.tercile} | {r.tests} | "
              f"{flag(r.rate)} | {flag(r.change)} |")
    c = change_rows()
    print(f"\n| förändring sedan start med elevtal | serie | punkter | tercil | test | med elevtal | falskt 'säker' | "
          f"upptäcker +{STEP:.0f} pe (jämn ökning / språng sista året) | regeln före 2026-12-07: falskt 'säker' | "
          f"upptäcker (jämn / språng) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in c.itertuples():
        print(f"| {r.family} | {r.series} | {r.points} | {r.tercile} | {r.tests} | {pct(r.with_pupils)} | "
              f"{flag(r.rate)} | {pct(r.power_ramp)} / {pct(r.power_jump)} | {flag(r.old)} | "
              f"{pct(r.power_ramp_old)} / {pct(r.power_jump_old)} |")
    print(f"\nTid {time.perf_counter() - started:.0f} s. " + load_line())


if __name__ == "__main__":
    main()
