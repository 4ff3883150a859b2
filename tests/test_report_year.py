"""A report for year Y uses data up to Y only: every value, trend window and reference in the rendered annual
report equals what the library computes from the panel cut at Y (a Halland municipality and one outside Halland,
for 2019 and 2022)."""

from __future__ import annotations

import html as htmllib
import os
import re

import pytest

from fgte_research import catalogue, gaps, publish, report
from fgte_research import municipalities as mun
from fgte_research.text_sv import fmt_num, years_sv

CASES = [("1380", 2019), ("1380", 2022), ("0114", 2019), ("0114", 2022)]  # Halmstad; Upplands Väsby


def _text(page: str) -> str:
    body = page.split("<body", 1)[1]
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00a0", " "))


@pytest.mark.parametrize("code,year", CASES)
def test_every_analysis_stops_at_the_report_year(code, year):
    """Library level (fast): no result for year Y holds a value from after Y."""
    for ind_id, res in report.annual_results(code, year).items():  # every indicator with data up to the year
        ind = catalogue.indicator(ind_id)
        data = res.data().dropna(subset=["value"])
        assert data.empty or data["year"].max() <= year, ind.id
        for p in res.parts:
            if p.trend:
                assert p.trend.last_year <= year
            if p.change:
                assert p.change["last"] <= year
    gap = gaps.salsa_gap(code, "N15505", year)
    assert gap.data()["year"].max() <= year


@pytest.mark.slow
def test_rendered_annual_reports_show_only_data_up_to_their_year(tmp_path):
    os.environ["FGTE_REPORTS_DIR"] = str(tmp_path)
    try:
        spec = {"run": "arsvis", "reports": [
            {"notebook": "annual_report", "municipalities": sorted({c for c, _ in CASES}),
             "years": sorted({y for _, y in CASES})}]}
        result = publish.render(spec, progress=False)
    finally:
        os.environ.pop("FGTE_REPORTS_DIR")
    assert result.exit_code == 0, result.summary_sv()
    for code, year in CASES:
        name = mun.name_of(code)
        page = (tmp_path / "arsvis" / str(year) / f"{code}-{mun.slug(code)}.html").read_text(encoding="utf-8")
        text = _text(page)
        assert f"<title>Årsrapport {year} – {name}</title>" in page
        # every trend window and latest value printed is the one the panel gives when cut at the report year
        windows = [(int(a), int(b)) for a, b in re.findall(r"Trend (\d{4})[–-](\d{4})", text)]
        assert windows and all(b <= year for _, b in windows), (code, year, windows)
        seen = 0
        for res in report.annual_results(code, year).values():
            for p in res.parts:
                ok = p.own.dropna(subset=["value"])
                if ok.empty:
                    continue
                if p is not res.parts[0]:
                    continue  # the report draws and describes an indicator's first headline series
                last = ok.iloc[-1]
                unit = {"andel (%)": "%", "meritvärde (poäng)": "poäng", "betygspoäng": "poäng"}[p.meta.unit]
                expected = f"Senast {fmt_num(last['value'])} {unit} ({int(last['year'])})"
                assert _norm(expected) in text, (code, year, expected)
                if p.trend:
                    t = p.trend
                    trend = f"Trend {years_sv(t.first_year, t.last_year)}: {fmt_num(t.ols_slope, 2, signed=True)}"
                    assert _norm(trend) in text, (code, year, trend)
                seen += 1
        assert seen >= 8, (code, year, seen)
        # the gap section lists model years up to the report year only
        gap_years = [int(y) for y in re.findall(r"(\d{4}): faktiskt", text)]
        assert gap_years and max(gap_years) <= year, (code, year, gap_years)
