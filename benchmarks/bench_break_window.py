"""What crossing the åk 9 definition break 2016→2017 would give the FGTE study (first affected year 2018).

1. The break per municipality (fgte_research.break_shift): shift = Kolada 2016 − Skolverket 2016 for the three åk 9
   headline series; its mean, SD and quantiles beside the SD of an ordinary one-year change relative to the
   country, its relation to size (population terciles, N01951 2016) and composition (share with foreign background,
   and how much Kolada's "exkl. nyinvandrade" variant differs in 2016), and the common-shift verdict.
2. Pre-years of the five FGTE municipalities: break-free window vs the extended (chain-linked) window.
3. Power and size of the placebo-calibrated before/after (interventions.placebo.unit_estimates + calibrate) on
   three series variants: break-free (splice 2016–2025), joined (Kolada's published values up to 2016, the splice
   from 2017: what break_shift.common_shift judges) and chain-linked (Kolada before 2016 moved by the
   municipality's own 2016 shift).
   Power: a step (+5 merit points, +4 pp) added from 2018 to the real series of every non-registered municipality,
   each calibrated against all the others; detected = p < 0.05 with a positive estimate. Size: no injection, fake
   start years whose windows cross the junction; false = p < 0.05. Both per population tercile.

Run: .venv/bin/python benchmarks/bench_break_window.py   (about 20 s; prints Markdown for README)
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from fgte_research import break_shift as bs  # noqa: E402
from fgte_research.intervention_study import registered_municipalities  # noqa: E402
from fgte_research.interventions.placebo import calibrate, placebo_matrix, unit_estimates  # noqa: E402
from fgte_research.municipalities import load_municipalities  # noqa: E402
from fgte_research.panel import series_values  # noqa: E402

START, LAST = 2018, 2025
CASES = [  # splice, step injected, exkl.-nyinvandrade variant of the Kolada KPI
    ("splice.ak9.merit17.kommunal", 5.0, "N15567"),
    ("splice.ak9.pass_all.kommunal", 4.0, "N15561"),
    ("splice.ak9.eligible_voc.kommunal", 4.0, "N15564"),
]
TERCILES = ("minsta", "mellersta", "största")


def wide(series_id: str) -> pd.DataFrame:
    f = series_values(series_id, include_aggregates=False)
    return f.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")


def variants(splice_id: str) -> dict[str, pd.DataFrame]:
    free = wide(splice_id).loc[:, bs.OVERLAP_YEAR:]
    join = bs.long_to_wide(bs.extended_series(splice_id, "join"))
    chain = bs.long_to_wide(bs.extended_series(splice_id, "chain"))
    return {"brottfritt": free, "skarvat": join, "kedjat": chain}


def tercile(population: pd.Series) -> pd.Series:
    return pd.qcut(population, 3, labels=TERCILES)


def rates(W: pd.DataFrame, years, t0: int, step: float, terc: pd.Series) -> dict[str, float]:
    """Share of units with p < 0.05 (and, with a step, a positive estimate), each calibrated against the others."""
    est, se = unit_estimates("before_after", W.to_numpy(), years, t0)
    hit = np.zeros(len(W), dtype=bool)
    for i in range(len(W)):
        others = np.arange(len(W)) != i
        cal = calibrate(est[i] + step, se[i], est[others], se[others])
        hit[i] = cal.p_value < 0.05 and (step == 0 or cal.estimate > 0)
    hits = pd.Series(hit, index=W.index)
    out = {"alla": hits.mean()}
    groups = terc.reindex(W.index)
    for t in TERCILES:
        out[t] = hits[groups == t].mean()
    out["n"] = len(W)
    return out


def fmt_rates(r: dict) -> str:
    return " | ".join(f"{100 * r[k]:.1f} %" for k in ("alla", *TERCILES)) + f" | {r['n']}"


def window_matrix(W: pd.DataFrame, first: int, last: int, exclude) -> tuple[pd.DataFrame, list[int]]:
    years = [y for y in range(first, last + 1)]
    frame = W.reindex(columns=years).stack().rename("value").reset_index()
    return placebo_matrix(frame, years, exclude), years


def shift_section(mun: pd.DataFrame, fgte: list[str], terc: pd.Series) -> None:
    print("## 1. Brottet 2016→2017 per kommun (Kolada 2016 − Skolverket 2016)\n")
    print("| serie | kommuner | medel | SD | min | 5 % | 25 % | median | 75 % | 95 % | max | noll | Spearman befolkning "
          "| Spearman utl. bakgrund | Spearman nyinvandrade-gap | SD per tercil (minsta/mellersta/största) | "
          "återgång 2016→17 (lutning) |")
    print("|" + "---|" * 17)
    junction_rows = []
    notes = []
    for splice_id, _, excl in CASES:
        facts = bs.measure_shift(splice_id)
        v = bs.common_shift(splice_id, facts=facts)
        s = facts.shift
        q = facts.quantiles().to_numpy()
        foreign = wide(splice_id.replace("splice.", "skv.").rsplit(".", 2)[0] + ".foreign_bg.kommunal")
        foreign = foreign.get(bs.OVERLAP_YEAR, pd.Series(dtype=float)).reindex(s.index)
        gap = (wide(excl)[bs.OVERLAP_YEAR] - wide(facts.kolada_id)[bs.OVERLAP_YEAR]).reindex(s.index)
        rho_f = spearmanr(s[foreign.notna()], foreign.dropna())[0]
        rho_g = spearmanr(s[gap.notna()], gap.dropna())[0]
        by_t = s.groupby(terc.reindex(s.index), observed=False).std()
        j = facts.junction
        per_t = [bs.measure_shift(splice_id, list(terc.index[terc == t])).junction for t in TERCILES]
        junction_rows.append(f"| {facts.kolada_id} | {', '.join(map(str, j.neighbours))} | {j.ordinary_sd:.2f} | "
                             f"{j.junction_sd:.2f} | {j.break_sd:.2f} | {j.break_sd_upper:.2f} | {facts.ratio:.2f} | "
                             + " / ".join(f"{x.break_sd / x.ordinary_sd:.2f} ({x.break_sd_upper / x.ordinary_sd:.2f})"
                                          for x in per_t) + f" | {'ja' if v.common else 'nej'} |")
        print(f"| {facts.kolada_id} | {len(s)} | {facts.mean:.2f} | {facts.sd:.2f} | "
              + " | ".join(f"{x:.1f}" for x in q)
              + f" | {(s.abs() < 0.05).sum()} | {facts.size_correlation:.2f} | {rho_f:.2f} | {rho_g:.2f} | "
              + "/".join(f"{by_t[t]:.1f}" for t in TERCILES) + f" | {facts.rebound_slope:.2f} |")
        kol, skv = wide(facts.kolada_id), wide(facts.skolverket_id)
        both = (kol.loc[:, 2017:2022] - skv.loc[:, 2017:2022]).stack().dropna()
        notes.append(f"- {facts.kolada_id} mot {facts.skolverket_id} 2017–2022: {len(both)} kommunår, största "
                     f"skillnad {both.abs().max():.2f}; äldsta Kolada-år {int(kol.columns.min())}; FGTE-kommunernas "
                     "skift: " + ", ".join(f"{mun.loc[m, 'name']} {s.get(m, float('nan')):+.1f}" for m in fgte)
                     + f" (median alla {s.median():.1f})")
    print("\n" + "\n".join(notes) + "\n")
    print("Brottet i den skarvade serien (Kolada t.o.m. 2016, skarven från 2017): SD av förändringen 2016→17 mot "
          "grannårens, båda mot årets nationella median; regeln: övre 95 %-gräns / normal förändring "
          f"≤ {bs.TOLERANCE}\n")
    print("| serie | grannår | normal förändring (SD) | förändring 2016→17 (SD) | kommunspecifik del | övre 95 % | kvot "
          "| per tercil: punkt (övre) | gemensamt? |")
    print("|" + "---|" * 9)
    print("\n".join(junction_rows) + "\n")


def power_section(fgte: list[str], terc: pd.Series, registered) -> None:
    print("## 2–3. FGTE-kommunernas förår och före/efter-designens styrka och storlek\n")
    print("| serie | variant | fönster | förår | FGTE med alla förår | steg | styrka alla | minsta | mellersta | största "
          "| kommuner | storlek alla | minsta | mellersta | största | kommuner |")
    print("|" + "---|" * 16)
    for splice_id, step, _ in CASES:
        for name, W in variants(splice_id).items():
            first_available = int(W.columns.min())
            pre_lengths = sorted({START - first_available, *(k for k in (3, 5, 10) if k < START - first_available)})
            if name == "brottfritt":
                pre_lengths = [START - first_available]
            for k in pre_lengths:
                W_k, years = window_matrix(W, START - k, LAST, registered)
                complete = [m for m in fgte if m in W.index and W.loc[m, START - k:START - 1].notna().all()]
                power = rates(W_k, years, START, step, terc)
                size = rates(W_k, years, START, 0.0, terc)
                print(f"| {splice_id} | {name} | {START - k}–{LAST} | {k} | {len(complete)}/5 | "
                      f"+{step:g} | {fmt_rates(power)} | {fmt_rates(size)} |")
        # size at fake starts whose windows hold the junction 2016/2017 (pre-years on the moved or old values)
        for name, W in variants(splice_id).items():
            if name == "brottfritt":
                continue  # no year before 2016 to start from
            first_available = int(W.columns.min())
            for fake in range(max(first_available + 2, 2014), 2018):
                first = max(first_available, fake - 10)
                W_k, years = window_matrix(W, first, min(fake + 7, LAST), registered)
                print(f"| {splice_id} | {name}, falsk start {fake} | {first}–{min(fake + 7, LAST)} | {fake - first} "
                      f"| – | 0 | – | {fmt_rates(rates(W_k, years, fake, 0.0, terc))} |")
    # the same window shape (10 pre-years, 8 post-years) inside Kolada's old definition, where no break lies: the
    # size the calibrated before/after has per tercile without any junction, to read the rows above against
    for kpi in ("N15419", "N15436"):
        for fake in (2008, 2009):
            W_k, years = window_matrix(wide(kpi), fake - 10, fake + 7, registered)
            print(f"| {kpi} (kontroll utan brott) | falsk start {fake} | {fake - 10}–{fake + 7} | 10 | – | 0 | – "
                  f"| {fmt_rates(rates(W_k, years, fake, 0.0, terc))} |")


def fgte_section(mun: pd.DataFrame, fgte: list[str], registered) -> None:
    print("\n## 4. FGTE-kommunerna: kalibrerad före/efter-skattning mot riket (start 2018)\n")
    print("| serie | variant | fönster | " + " | ".join(mun.loc[m, "name"] for m in fgte) + " |")
    print("|" + "---|" * (3 + len(fgte)))
    for splice_id, _, _ in CASES:
        for name, W in variants(splice_id).items():
            first_available = int(W.columns.min())
            for k in sorted({START - first_available, min(10, START - first_available)}):
                years = list(range(START - k, LAST + 1))
                W_k = W.reindex(columns=years)
                W_k = W_k[W_k.notna().all(axis=1)]
                est, se = unit_estimates("before_after", W_k.to_numpy(), years, START)
                est, se = pd.Series(est, W_k.index), pd.Series(se, W_k.index)
                pool = [u for u in W_k.index if u not in registered]
                cells = []
                for m in fgte:
                    if m not in W_k.index:
                        cells.append("saknas (ofullständigt fönster)")
                        continue
                    c = calibrate(est[m], se[m], est[pool], se[pool])
                    cells.append(f"{c.estimate:+.1f} ({c.ci_low:+.1f} till {c.ci_high:+.1f}; p {c.p_value:.2f})")
                print(f"| {splice_id} | {name} | {START - k}–{LAST} | " + " | ".join(cells) + " |")


def main() -> None:
    t_start = time.perf_counter()
    mun = load_municipalities().set_index("municipality_id")
    fgte = list(mun.index[mun["in_fgte"]])
    terc = tercile(wide("N01951")[bs.OVERLAP_YEAR])
    registered = registered_municipalities()
    shift_section(mun, fgte, terc)
    power_section(fgte, terc, registered)
    fgte_section(mun, fgte, registered)
    print(f"\nTid {time.perf_counter() - t_start:.1f} s; maskinens last (1/5/15 min): "
          + " / ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
