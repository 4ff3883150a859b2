"""Which years a report can be made for, and which is the latest: one rule in the data layer (panel.usable_years,
panel.latest_year), used by the run specifications' checks and `years: latest` alike.

Before, the publishing layer decided twice: usable years by "≥ 4 indicators with headline values", the latest year by
"last year of splice.ak9.merit17.kommunal"; the two could disagree (latest not usable, or usable years after it).
"""

from __future__ import annotations

import pandas as pd

from fgte_research import panel
from fgte_research.publish import data_info
from fgte_research.publish.runspec import usable_report_years


def test_latest_year_is_the_last_usable_year_on_the_real_panel():
    years = panel.usable_years()
    info = data_info()
    assert years and panel.latest_year() == years[-1] == info.latest
    assert info.report_years == years and info.latest in info.report_years
    assert usable_report_years is panel.usable_years  # the run specifications use the same function
    # the panel reaches further back (covariates from 1994) than any report year
    assert min(info.years) < min(years)


def test_latest_follows_the_usable_rule_not_one_series():
    """HAND-MADE FRAME (arithmetic of the rule only): in 2026 only the merit series has a value, one indicator of
    the four needed, so 2026 is neither usable nor latest although the merit series reaches it."""
    rows = [(sid, "1380", year, "ok") for year in (2024, 2025)
            for sid in ("N15472", "N15567", "N17691", "N17445")]  # four indicators' headline series
    rows += [("splice.ak9.merit17.kommunal", "1380", 2026, "ok"), ("N15505", "1380", 2026, "ok")]
    frame = pd.DataFrame(rows, columns=["series", "municipality_id", "year", "status"])
    assert panel.usable_years(frame) == (2024, 2025)
    assert panel.latest_year(frame) == 2025
    merit_last = frame.loc[frame["series"] == "splice.ak9.merit17.kommunal", "year"].max()
    assert merit_last == 2026  # what the old latest-year rule would have said
