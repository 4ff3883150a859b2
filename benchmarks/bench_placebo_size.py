"""False-positive rate of every verdict on the real data: placebo runs over all municipalities.

Nothing municipality-specific started in these years, so every "säker"/"statistiskt säkerställd" verdict below is a
false positive. For each series, window and (fake) start year, every municipality not named in any registered
intervention is treated in turn as the treated unit:

- before/after and ITS: the design's own t-based p (the old verdict) and the calibrated p (studentized
  placebo-in-space against all other municipalities, fgte_research.interventions.placebo);
- synthetic control: the RMSPE-ratio placebo test with exact-fit placebos counted (one synth run per series and
  start year gives every donor's ratio against the other donors);
- trend ("säker ökning/minskning"): on real series with each municipality's own long-run line and the year's
  national mean removed (real autocorrelation and unequal variances, no trend), the plain OLS t-interval against the
  AR(1)-widened interval (ρ pooled over municipalities as in fgte_research.progression), in 6- and 10-year windows.

Run: .venv/bin/python benchmarks/bench_placebo_size.py   (about a minute; prints Markdown tables for README)
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fgte_research import interventions as iv  # noqa: E402
from fgte_research.intervention_study import registered_municipalities  # noqa: E402
from fgte_research.interventions.placebo import placebo_matrix, unit_estimates  # noqa: E402
from fgte_research.panel import series_values  # noqa: E402
from fgte_research.trend import fit_trend, pooled_rho  # noqa: E402

ALPHA = 0.05
#: (series, window, fake start years): windows inside one definition of the series (no registered break)
DESIGN_CASES = [
    ("N15419", (1998, 2016), (2006, 2010, 2013)),
    ("splice.ak9.merit17.kommunal", (2016, 2025), (2020, 2021, 2022)),
    ("N15472", (2010, 2019), (2015, 2016, 2017)),
    ("N17445", (2014, 2022), (2018, 2019, 2020)),
]
TREND_CASES = [("N15419", (1998, 2016)), ("N15436", (1998, 2016)), ("N15508", (1998, 2016)),
               ("splice.ak9.merit17.kommunal", (2016, 2025)), ("N15472", (2010, 2019)), ("N17445", (2014, 2022))]


def matrix(series: str, window) -> pd.DataFrame:
    frame = series_values(series, include_aggregates=False)[["municipality_id", "year", "value"]]
    frame = frame[frame["year"].between(*window)]
    return placebo_matrix(frame, range(window[0], window[1] + 1), registered_municipalities())


def raw_p(design: str, est, se, years, t0) -> np.ndarray:
    years = np.asarray(years)
    n0, n1 = int((years < t0).sum()), int((years >= t0).sum())
    df = (n0 + n1 - 2) if design == "before_after" else (len(years) - (4 if n1 >= 2 else 3))
    return 2 * stats.t.sf(np.abs(est / se), df)


def calibrated_p(est, se) -> np.ndarray:
    """Each unit in turn treated, all others placebos (leave-one-out), studentized around the placebo median."""
    J = len(est)
    out = np.empty(J)
    for i in range(J):
        others = np.r_[0:i, i + 1:J]
        m = np.median(est[others])
        t = np.abs((est[others] - m) / se[others])
        out[i] = (1 + np.sum(t >= abs((est[i] - m) / se[i]) * (1 - 1e-12))) / J
    return out


def design_rows():
    rows = []
    for series, window, starts in DESIGN_CASES:
        W = matrix(series, window)
        years = list(W.columns)
        for t0 in starts:
            for design in ("before_after", "its"):
                est, se = unit_estimates(design, W.to_numpy(), years, t0)
                ok = np.isfinite(est) & np.isfinite(se) & (se > 0)
                p_raw = raw_p(design, est[ok], se[ok], years, t0)
                p_cal = calibrated_p(est[ok], se[ok])
                rows.append({"design": design, "series": series, "window": f"{window[0]}–{window[1]}",
                             "start": t0, "n_units": int(ok.sum()), "pre_years": int(np.sum(np.array(years) < t0)),
                             "old_verdict": np.mean(p_raw < ALPHA), "calibrated": np.mean(p_cal < ALPHA)})
            frame = W.stack().rename("value").reset_index()
            frame.columns = ["municipality_id", "year", "value"]
            first = W.index[0]
            res = iv.synth(frame, first, t0, loo=0)
            ratios = np.r_[res.placebos["rmspe_ratio"].to_numpy()]
            r = ratios[~np.isnan(ratios)]
            p = np.array([(1 + np.sum(np.delete(r, i) >= r[i] * (1 - 1e-12))) / len(r) for i in range(len(r))])
            rows.append({"design": "synth", "series": series, "window": f"{window[0]}–{window[1]}", "start": t0,
                         "n_units": len(r), "pre_years": int(np.sum(np.array(years) < t0)),
                         "old_verdict": np.nan, "calibrated": float(np.mean(p < ALPHA)),
                         "exact_fit_share": float(np.mean(np.isinf(r)))})
    return pd.DataFrame(rows)


def trend_rows():
    rows = []
    for series, window in TREND_CASES:
        W = matrix(series, window)
        years = np.array(W.columns, dtype=float)
        Y = W.to_numpy(dtype=float)
        # remove each municipality's own long-run line and the year's national mean: no trend is left
        X = np.column_stack([np.ones(len(years)), years - years.mean()])
        B = np.linalg.lstsq(X, Y.T, rcond=None)[0]
        E = Y - (X @ B).T
        E = E - E.mean(axis=0)
        rho = pooled_rho(E, years)
        for length in (6, 10):
            if length > len(years) - 3:  # a window nearly as long as the detrending span has no slope left to test
                continue
            plain = robust = total = 0
            for start in range(0, len(years) - length + 1):
                sub = years[start:start + length]
                for e in E[:, start:start + length]:
                    t_plain, t_rob = fit_trend(sub, e), fit_trend(sub, e, rho=rho)
                    plain += t_plain.ols_ci[0] > 0 or t_plain.ols_ci[1] < 0
                    robust += t_rob.ols_ci[0] > 0 or t_rob.ols_ci[1] < 0
                    total += 1
            rows.append({"series": series, "window": f"{window[0]}–{window[1]}", "points": length,
                         "rho": rho, "tests": total, "old_verdict": plain / total, "calibrated": robust / total})
    return pd.DataFrame(rows)


def main() -> None:
    started = time.perf_counter()
    load = os.getloadavg()
    d = design_rows()
    t = trend_rows()
    pct = lambda x: "–" if pd.isna(x) else f"{100 * x:.1f} %"  # noqa: E731
    print(f"Maskinens last (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; nominell nivå 5 %\n")
    print("| design | serie | fönster | falsk start | förår | kommuner | gammalt omdöme | kalibrerat |")
    print("|---|---|---|---|---|---|---|---|")
    for r in d.itertuples():
        extra = f" (exakt anpassade placebo: {pct(r.exact_fit_share)})" if r.design == "synth" else ""
        print(f"| {r.design} | {r.series} | {r.window} | {r.start} | {r.pre_years} | {r.n_units} | "
              f"{pct(r.old_verdict)} | {pct(r.calibrated)}{extra} |")
    print("\n| trend | serie | fönster | punkter | ρ (poolat) | test | gammalt omdöme | AR(1)-vidgat |")
    print("|---|---|---|---|---|---|---|---|")
    for r in t.itertuples():
        print(f"| trend | {r.series} | {r.window} | {r.points} | {r.rho:.2f} | {r.tests} | {pct(r.old_verdict)} | "
              f"{pct(r.calibrated)} |")
    cal = pd.concat([d["calibrated"], t["calibrated"]])
    print(f"\nKalibrerade omdömen: {pct(cal.min())}–{pct(cal.max())} (median {pct(cal.median())}); "
          f"gamla: {pct(pd.concat([d['old_verdict'], t['old_verdict']]).max())} som mest. "
          f"Tid {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
