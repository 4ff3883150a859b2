"""The åk 9 definition break 2016→2017 on the real data, and the rule that decides whether a window may cross it.

The registered break (fgte_research.breaks, verified=True) is shown here: Kolada's N15419/N15505/N15436 equal
Skolverket's one-definition series 2017–2022 and differ in 2016, the one school year both publish. The break is
not shown common to all municipalities, so break_shift.common_shift keeps the window break-free; a hand-made
frame checks the rule both ways. Most of the 2016 overlap shift turns out to be a one-year dip in Skolverket's
recomputed 2016 values (test below), which is why the rule judges the junction of the published series.
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


@pytest.mark.parametrize("splice, ordinary", [(PAIRS[0][2], "11,0"), (PAIRS[2][2], "5,8")])
def test_real_break_not_shown_common_for_merit_and_eligibility_so_the_window_stays_break_free(splice, ordinary):
    verdict = bs.common_shift(splice)
    assert not verdict.common
    assert verdict.facts.ratio > 0.6
    assert verdict.first_year == bs.OVERLAP_YEAR == 2016
    assert "olika mycket" in verdict.reason_sv and f"normal årsförändring på {ordinary}" in verdict.reason_sv


def test_real_break_common_for_the_pass_rate_so_the_window_may_start_1998():
    verdict = bs.common_shift(PAIRS[1][2])
    assert verdict.common and verdict.first_year == 1998
    assert verdict.facts.junction.break_sd == 0.0  # the change across the junction is no more variable than others
    assert 0.3 < verdict.facts.ratio < 0.45
    assert verdict.reason_sv == ("Fönstret korsar seriebrottet 2016→2017; brottet flyttar alla kommuner ungefär "
                                 "lika mycket (spridning högst 2,7 procentenheter mot en normal årsförändring på "
                                 "7,5), så jämförelser mot riket påverkas inte.")
    assert verdict.extended(["1380"])["year"].min() == 1998
    joined = bs.long_to_wide(bs.extended_series(PAIRS[1][2], "join"))
    for neighbours in (1, 3):  # the verdict does not hang on the choice of neighbouring years
        j = bs.junction_spread(joined, neighbours=neighbours)
        assert j.break_sd_upper / j.ordinary_sd <= bs.TOLERANCE


@pytest.mark.parametrize("splice", [p[2] for p in PAIRS])
def test_most_of_the_2016_overlap_shift_is_a_one_year_dip_in_skolverkets_2016(splice):
    """The overlap shift is not a lasting level difference: where it is large, Skolverket's 2016→2017 change is
    larger by ≈ 0.75–0.83 × the shift; the change across the junction of the published series is about as variable
    as its neighbours, while Skolverket's own 2016→2017 change is more variable still."""
    facts = bs.measure_shift(splice)
    assert 0.7 <= facts.rebound_slope <= 0.9
    j = facts.junction
    assert j.junction_sd < 1.2 * j.ordinary_sd
    assert j.break_sd < 0.75 * facts.sd  # the junction's own spread is below the overlap shift's SD
    skv = _wide(facts.skolverket_id)
    own = skv[2017] - skv[2016]
    assert (own - own.median()).std() > j.junction_sd


def _hand_made(break_sd: float, n: int = 250, seed: int = 1) -> pd.DataFrame:
    """Hand-made municipalities × years frame (not real data): levels with noise SD 5 around a common path, and a
    break before 2017 of +5 plus a municipality-specific part with SD ``break_sd``."""
    rng = np.random.default_rng(seed)
    years = list(range(2005, 2026))
    levels = 200 + rng.normal(0, 10, (n, 1)) + rng.normal(0, 5, (n, len(years)))
    shift = 5 + rng.normal(0, break_sd, (n, 1))
    levels = levels + np.where(np.array(years) < 2017, 1.0, 0.0) * shift
    return pd.DataFrame(levels, index=[f"{i:04d}" for i in range(n)], columns=years)


def _facts(junction: bs.Junction) -> bs.ShiftFacts:
    return bs.ShiftFacts("splice.ak9.merit17.kommunal", "N15505", "skv.ak9.merit17.kommunal", "meritvärde (poäng)",
                         pd.Series([5.0]), junction, float("nan"), float("nan"), 2015)


def test_rule_common_when_every_municipality_moves_alike_hand_made():
    j = bs.junction_spread(_hand_made(0.0))
    assert j.ordinary_sd == pytest.approx(5 * np.sqrt(2), rel=0.1) and j.break_sd_upper < bs.TOLERANCE * j.ordinary_sd
    verdict = bs.common_shift("x", facts=_facts(j))
    assert verdict.common and verdict.first_year == 2015
    assert verdict.reason_sv.startswith("Fönstret korsar seriebrottet 2016→2017; brottet flyttar alla kommuner "
                                        "ungefär lika mycket (spridning högst ")


def test_the_rules_resolution_for_an_exactly_common_break_hand_made():
    """What the tolerance rests on: with 250 municipalities the upper bound for an exactly common break lies at
    0.26–0.52 of an ordinary change's SD (five seeds)."""
    ratios = [(j.break_sd_upper / j.ordinary_sd) for j in (bs.junction_spread(_hand_made(0.0, seed=s)) for s in range(5))]
    assert 0.2 < min(ratios) and max(ratios) < 0.55


def test_rule_not_common_when_the_shift_depends_on_the_municipality_hand_made():
    j = bs.junction_spread(_hand_made(5.0))  # same mean shift, but municipality-specific SD 5
    assert j.break_sd == pytest.approx(5.0, rel=0.3)
    verdict = bs.common_shift("x", facts=_facts(j))
    assert not verdict.common and verdict.first_year == 2016
    assert "olika mycket" in verdict.reason_sv
    # the tolerance is the boundary
    assert bs.common_shift("x", tolerance=j.break_sd_upper / j.ordinary_sd + 0.01, facts=_facts(j)).common


def test_extended_series_join_and_chain():
    kolada, skolverket, splice = PAIRS[0]
    k, s, sp = _wide(kolada), _wide(skolverket), _wide(splice)
    join = bs.extended_series(splice, "join", ["1380", "1315"])
    h = join[join["municipality_id"] == "1380"].set_index("year")
    assert h.loc[2015:2016, "value"].tolist() == pytest.approx(k.loc["1380", 2015:2016].tolist())
    assert h.loc[2017:, "value"].tolist() == pytest.approx(sp.loc["1380", 2017:].dropna().tolist())
    assert set(h.loc[:2016, "definition"]) == {"äldre"} and set(h.loc[2017:, "definition"]) == {"ny"}
    assert not h["adjusted"].any()
    chain = bs.extended_series(splice, "chain", ["1380"]).set_index("year")
    shift = k.loc["1380", 2016] - s.loc["1380", 2016]
    assert chain.loc[2015, "value"] == pytest.approx(k.loc["1380", 2015] - shift)
    assert chain.loc[2015, "adjusted"] and not chain.loc[2016:, "adjusted"].any()
    assert chain.loc[2016, "value"] == pytest.approx(sp.loc["1380", 2016])
    long = bs.extended_series("N15419", "join", ["1380"])
    assert long["year"].min() == 1998 and long["year"].is_unique


def test_verdict_for_only_the_series_the_break_concerns():
    assert bs.verdict_for("N17451") is None and bs.verdict_for("N15472") is None
    assert bs.verdict_for("N15419").common and not bs.verdict_for("skv.ak9.merit17.kommunal").common


def test_bad_input_names_the_value():
    with pytest.raises(ValueError, match="N99999"):
        bs.measure_shift("N99999")
    with pytest.raises(ValueError, match="skarvmetod 'ratio'"):
        bs.extended_series("splice.ak9.merit17.kommunal", "ratio")
