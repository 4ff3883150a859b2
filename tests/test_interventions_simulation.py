"""Repeated SIMULATION (seeded, 200 replications each): interval coverage and null p-value behaviour.

* ITS and DiD 95 % intervals must cover the true effect in 90–99 % of replications.
* Under no effect, placebo p-values (synthetic control, DiD randomization inference) must not pile
  up below 0.05: the share below 0.05 is at most 0.10.

Data-generating processes resemble municipal annual series: 12–15 points, unit levels that differ,
a common national path (random walk), AR(1) noise within municipality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fgte_research import interventions as iv

R = 200


def long_frame(Y, years, ids) -> pd.DataFrame:
    Y = np.atleast_2d(np.asarray(Y, float))
    return pd.DataFrame({"municipality_id": np.repeat(ids, len(years)),
                         "year": np.tile(np.asarray(years, int), len(ids)), "value": Y.ravel()})


def panel(rng, N, k, T, npre, effect, rho=0.3, sd=2.0):
    levels = rng.normal(0, 5, (N, 1))
    national = np.cumsum(rng.normal(0, 1, T))[None, :]
    e = np.zeros((N, T))
    e[:, 0] = rng.normal(0, sd, N)
    for s in range(1, T):
        e[:, s] = rho * e[:, s - 1] + rng.normal(0, sd * np.sqrt(1 - rho ** 2), N)
    D = np.zeros((N, T))
    D[:k, npre:] = 1
    return 60 + levels + national + e + effect * D


def test_its_interval_coverage():
    rng = np.random.default_rng(2024)
    years = np.arange(2010, 2024)  # 14 points: 8 before, 6 after
    t0 = 2018
    tau = years - t0
    post = tau >= 0
    true_avg = 3.0 + 0.5 * tau[post].mean()
    hits = {"average_effect": 0, "level_change": 0, "slope_change": 0}
    truth = {"average_effect": true_avg, "level_change": 3.0, "slope_change": 0.5}
    for _ in range(R):
        y = 50 + 0.5 * tau + post * (3.0 + 0.5 * tau) + rng.normal(0, 2, len(years))
        t = iv.its(long_frame(y, years, ["0001"]), "0001", t0).tidy().set_index("term")
        for term in hits:
            hits[term] += t.loc[term, "ci_low"] <= truth[term] <= t.loc[term, "ci_high"]
    rates = {k: v / R for k, v in hits.items()}
    assert all(0.90 <= r <= 0.99 for r in rates.values()), rates


def test_did_interval_coverage_ri_and_wild_bootstrap():
    rng = np.random.default_rng(7)
    N, k, T, npre = 20, 4, 12, 7  # 4 treated, 16 comparison municipalities
    years = np.arange(2011, 2011 + T)
    ids = [f"{1000 + i}" for i in range(N)]
    hit_ri = hit_wild = 0
    for r in range(R):
        Y = panel(rng, N, k, T, npre, effect=2.0)
        tidy = iv.did(long_frame(Y, years, ids), ids[:k], int(years[npre]), comparison=ids[k:],
                      n_boot=999, seed=r).tidy()
        hit_ri += tidy.loc[0, "ci_low"] <= 2.0 <= tidy.loc[0, "ci_high"]
        hit_wild += tidy.loc[1, "ci_low"] <= 2.0 <= tidy.loc[1, "ci_high"]
    rates = {"randomization_inference": hit_ri / R, "wild_cluster_bootstrap": hit_wild / R}
    assert all(0.90 <= v <= 0.99 for v in rates.values()), rates


def test_did_randomization_p_values_under_no_effect():
    rng = np.random.default_rng(11)
    N, k, T, npre = 30, 1, 12, 7  # one treated municipality, as in most single-municipality studies
    years = np.arange(2011, 2011 + T)
    ids = [f"{1000 + i}" for i in range(N)]
    p = []
    for r in range(R):
        Y = panel(rng, N, k, T, npre, effect=0.0)
        p.append(iv.did(long_frame(Y, years, ids), ids[0], int(years[npre]), comparison=ids[1:],
                        n_boot=99, seed=r).p_value)
    p = np.array(p)
    share = float(np.mean(p < 0.05))
    assert share <= 0.10, (share, np.quantile(p, [0.1, 0.5, 0.9]))
    assert 0.3 <= np.median(p) <= 0.7  # roughly uniform, not piled up anywhere


def test_synth_placebo_p_values_under_no_effect():
    rng = np.random.default_rng(5)
    N, T, npre = 30, 15, 10
    years = np.arange(2008, 2008 + T)
    ids = [f"{2000 + i}" for i in range(N)]
    p_gap, p_ratio = [], []
    for _ in range(R):
        factors = np.cumsum(rng.normal(0, 1, (2, T)), axis=1)
        loadings = rng.uniform(0, 1, (N, 2))
        Y = 70 + 3 * loadings @ factors + rng.normal(0, 1.5, (N, T))
        t = iv.synth(long_frame(Y, years, ids), ids[0], int(years[npre]), loo=0).tidy().set_index("term")
        p_gap.append(t.loc["average_gap", "p_value"])
        p_ratio.append(t.loc["rmspe_ratio", "p_value"])
    for name, p in (("average_gap", np.array(p_gap)), ("rmspe_ratio", np.array(p_ratio))):
        share = float(np.mean(p < 0.05))
        assert share <= 0.10, (name, share)
        assert 0.3 <= np.median(p) <= 0.7, (name, np.median(p))
