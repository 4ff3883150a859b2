"""The åk 9 definition break 2016→2017 on the real data, and the rule that decides whether a window may cross it.

The registered break (fgte_research.breaks, verified=True) is shown here: Kolada's N15419/N15505/N15436 equal
Skolverket's one-definition series 2017–2022 and differ in 2016, the one school year both publish. The measured
shift is not common to all municipalities, so break_shift.common_shift keeps the window break-free; a hand-made
frame checks the rule both ways.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fgte_research import break_shift as bs
from fgte_research import breaks
from fgte_research.panel import series_values

PAIRS = [("N15505", "skv.ak9.merit17.kommunal", "splice.ak9.merit17.kommunal"),
         ("N15419", "skv.ak9.pass_all.kommunal", "splice.ak9.pass_all.kommunal"),
         ("N15436", "skv.ak9.eligible_voc.kommunal", "splice.ak9.eligible_voc.kommunal")]


def _wide(series_id: str) -> pd.DataFrame:
    frame = series_values(series_id, include_aggregates=False)
    return frame.pivot_table(index="municipality_id", columns="year", values="value", aggfunc="first")


@pytest.mark.parametrize("kolada, skolverket, _", PAIRS)
def test_older_kolada_series_agrees_with_skolverket_where_both_use_one_definition(kolada, skolverket, _):
    diff = (_wide(kolada).loc[:, 2017:2022] - _wide(skolverket).loc[:, 2017:2022]).stack().dropna()
    assert len(diff) >= 1680  # every municipality-year both publish (N15436: Skolverket suppresses a few)
    assert diff.abs().max() < 0.005


@pytest.mark.parametrize("kolada, skolverket, splice, mean, sd", [
    (*PAIRS[0], 5.66, 7.16), (*PAIRS[1], 4.43, 4.58), (*PAIRS[2], 5.19, 5.17)])
def test_the_break_measured_per_municipality_in_2016(kolada, skolverket, splice, mean, sd):
    facts = bs.measure_shift(splice)
    assert (facts.kolada_id, facts.skolverket_id) == (kolada, skolverket)
    assert len(facts.shift) >= 277
    assert facts.mean == pytest.approx(mean, abs=0.01)  # the registry's "4–6 units higher"
    assert facts.sd == pytest.approx(sd, abs=0.01)
    assert 40 <= int((facts.shift.abs() < 0.05).sum()) <= 60  # unchanged in some (mostly small) municipalities
    assert breaks.comparability_breaks(kolada)[0].verified
    assert 2017 in breaks.break_years(kolada)


@pytest.mark.parametrize("splice, ordinary", [(PAIRS[0][2], "10,8"), (PAIRS[1][2], "7,2"), (PAIRS[2][2], "5,7")])
def test_real_shift_is_not_common_so_the_window_stays_break_free(splice, ordinary):
    verdict = bs.common_shift(splice)
    assert not verdict.common
    assert verdict.facts.ratio > 0.5  # far above the tolerance 0.25
    assert verdict.first_year == bs.OVERLAP_YEAR == 2016
    assert "olika mycket" in verdict.reason_sv and f"normal årsförändring på {ordinary}" in verdict.reason_sv


def _hand_made(shift_values, ordinary_sd: float = 10.0) -> bs.ShiftFacts:
    """Hand-made facts (not real data) to test the rule's arithmetic."""
    shift = pd.Series(shift_values, index=[f"{i:04d}" for i in range(len(shift_values))], dtype=float)
    return bs.ShiftFacts("splice.ak9.merit17.kommunal", "N15505", "skv.ak9.merit17.kommunal", "meritvärde (poäng)",
                         shift, ordinary_sd, float("nan"), 2015)


def test_rule_common_when_every_municipality_moves_alike_hand_made():
    rng = np.random.default_rng(1)
    verdict = bs.common_shift("splice.ak9.merit17.kommunal", facts=_hand_made(5.0 + rng.normal(0, 0.5, 200)))
    assert verdict.common and verdict.first_year == 2015
    assert verdict.reason_sv.startswith("Fönstret korsar seriebrottet 2016→2017; brottet flyttar alla kommuner "
                                        "ungefär lika mycket (spridning 0,5 poäng mot en normal årsförändring på "
                                        "10,0)")


def test_rule_not_common_when_the_shift_depends_on_the_municipality_hand_made():
    # same mean shift as above, but half the municipalities move 0 and half 10 (as by composition)
    verdict = bs.common_shift("splice.ak9.merit17.kommunal", facts=_hand_made([0.0] * 100 + [10.0] * 100))
    assert not verdict.common and verdict.first_year == 2016
    assert "olika mycket" in verdict.reason_sv
    # the tolerance is the boundary: spread 2.4 against 10 is common at 0.25, not at 0.2
    edge = _hand_made(np.r_[np.full(100, 2.4), np.full(100, -2.4)] * np.sqrt(199 / 200))
    assert bs.common_shift("x", facts=edge).common
    assert not bs.common_shift("x", tolerance=0.2, facts=edge).common


def test_extended_series_chain_links_at_2016_and_common_moves_by_the_median():
    kolada, skolverket, splice = PAIRS[0]
    k, s = _wide(kolada), _wide(skolverket)
    chain = bs.extended_series(splice, "chain", ["1380", "1315"])
    h = chain[chain["municipality_id"] == "1380"].set_index("year")
    shift = k.loc["1380", 2016] - s.loc["1380", 2016]
    assert h.loc[2015, "value"] == pytest.approx(k.loc["1380", 2015] - shift)
    assert h.loc[2015, "adjusted"] and not h.loc[2016:, "adjusted"].any()
    assert h.loc[2016:, "value"].tolist() == pytest.approx(_wide(splice).loc["1380", 2016:].dropna().tolist())
    common = bs.extended_series(splice, "common", ["1380"]).set_index("year")
    median = float((k[2016] - s[2016]).median())
    assert common.loc[2015, "value"] == pytest.approx(k.loc["1380", 2015] - median)
    long = bs.extended_series("N15419", "chain", ["1380"])
    assert long["year"].min() == 1998 and long["year"].is_unique


def test_bad_input_names_the_value():
    with pytest.raises(ValueError, match="N99999"):
        bs.measure_shift("N99999")
    with pytest.raises(ValueError, match="skarvmetod 'ratio'"):
        bs.extended_series("splice.ak9.merit17.kommunal", "ratio")
