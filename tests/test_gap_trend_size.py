"""The gap trend on page 1 holds its size in every population tercile (issue 17 §2): ρ pooled within the tercile,
measured on AR(1) panels with the real residuals' noise levels and autocorrelation; the benchmark's
mis-calibrated control is flagged. benchmarks/bench_gap_trend_size.py prints the whole table."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))

from _gap_trend_cases import TERCILES, null_rates, residuals, trend_verdicts  # noqa: E402

from fgte_research import gaps, panel  # noqa: E402
from fgte_research.gaps import salsa  # noqa: E402
from fgte_research.trend import fit_trend, pooled_rho  # noqa: E402


def test_the_vectorised_verdict_is_the_reports_own():
    """Arithmetic check on the real merit residuals: the benchmark's verdict is fit_trend's, row by row."""
    Y, years, _ = residuals("N15505")
    for rho in (0.0, 0.15, 0.28):
        fast = trend_verdicts(Y, years, rho)
        slow = np.array([not (lo <= 0 <= hi) for lo, hi in (fit_trend(years, y, rho=rho).ols_ci for y in Y)])
        assert (fast == slow).all()


@pytest.mark.parametrize("outcome", ["N15505", "N17467"])
def test_gap_trend_size_per_tercile(outcome):
    r = null_rates(outcome, reps=30, seed=7)
    for g in TERCILES.values():
        # ~2,800 tests per cell: sampling error about ±0.4 points, so 7 % leaves room for it and nothing else
        assert r["report"][g] <= 0.07, (g, r)
        assert r["control"][g] > 0.08, (g, r)  # the benchmark can fail: the plain z test is flagged
    # one ρ for all municipalities was too sure where a tercile's gaps are more persistent than the pool's
    assert max(r["earlier"].values()) > 0.06, r


def test_the_report_pools_rho_within_the_tercile():
    """Halmstad is in the largest third, whose merit gaps are more persistent than the pool's (2017–2022)."""
    res = gaps.salsa_gap("1380", "N15505", 2022)
    Y, years, terc = residuals("N15505")
    tercile = panel.size_classes(2022)["1380"]
    assert tercile == 2
    assert res.residual_rho() == pytest.approx(salsa._pooled_residual_rho(res.fits, tercile, 2022), abs=0)
    assert res.residual_rho() > pooled_rho(Y, years) + 0.05
    method = res.tidy().set_index("term").loc["trend_residual_centred_per_year", "method"]
    assert "liknande storlek" in method
