"""`fgte data update` against a local Kolada v3 stand-in on 127.0.0.1 (tests/test_kolada_api.FakeKolada).

The stand-in replays the REAL values shipped in data/raw/kolada in the v3 shape; no number here is invented.
The shipped values end in 2022, so an update of the years after that finds nothing new, and the tests that
need values ask for shipped years with ``since``. One exception, labelled where it is used: the dump has no
values for N17694/N17697 (betygspoäng per programme type), so to show that a first-time series fills its
indicator the stand-in serves the real N17691 values (betygspoäng, all programmes) under those ids. That
STAND-IN exercises the wiring only; it says nothing about the real N17694/N17697.
"""

from __future__ import annotations

import csv
import math
from datetime import date

import pandas as pd
import pytest

from fgte_research import annual, build as build_mod, catalogue, cli
from fgte_research.manifest import check_raw, read_manifest
from fgte_research.sources import kolada_api as ka
from fgte_research.sources import kolada_update as ku
from test_kolada_api import DDF, HALLAND, REAL_RAW, SCRAPE, SleepRecorder, kolada, real_values  # noqa: F401 (fixture)

TODAY = date(2026, 5, 4)
AREAS = ["0000", "0013", *HALLAND]  # riket, Region Halland, its six municipalities
ISSUE_IDS = ["N15540", "N17694", "N17697", "N17699", "N17700", "N17446", "N17447"]


def kolada_catalogue_ids() -> set[str]:
    with open(REAL_RAW / ka.CATALOGUE, encoding="utf-8", newline="") as fh:
        return {row["id"] for row in csv.DictReader(fh)}


def shipped_latest(kpi: str) -> int | None:
    """Latest year with a value in the shipped total file or the shipped 2024 scrape, read independently of the
    code under test."""
    path = DDF / "datapoints--by--geo--year" / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
    years = list(pd.read_csv(path)["year"]) if path.is_file() else []
    scrape = pd.read_parquet(SCRAPE, columns=["kpi", "year", "value"])
    years += list(scrape.loc[(scrape["kpi"] == kpi) & scrape["value"].notna(), "year"])
    return int(max(years)) if years else None


def expected_rows(kpis, areas, years) -> dict[tuple, float]:
    out = {}
    for kpi in kpis:
        for (m, y), vals in real_values(kpi).items():
            if m in areas and y in years:
                out.update({(kpi, m, y, g): v for g, v in vals.items()})
    return out


def written(path) -> dict[tuple, float | None]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["kpi"], r["municipality_id"], int(r["year"]), r["gender"]): (float(r["value"]) if r["value"]
                else None) for r in csv.DictReader(fh)}


def run_update(kolada, raw, **kw):
    kw.setdefault("sleep", SleepRecorder())
    kw.setdefault("today", TODAY)
    kw.setdefault("progress", False)
    kw.setdefault("timeout", 5)
    return ku.update(raw, base_url=kolada.base_url, **kw)


@pytest.fixture
def small(monkeypatch):
    """Limit the update to some KPIs and the Halland areas (the full scope is exercised by the CLI test)."""
    def limit(kpis, areas=AREAS):
        monkeypatch.setattr(ku, "update_kpis", lambda: sorted(kpis))
        monkeypatch.setattr(ku, "area_ids", lambda raw: list(areas))
    return limit


def manifest_and_folder(raw):
    folder = raw / ka.SUBDIR
    return (raw / "MANIFEST.csv").read_bytes(), sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --------------------------------------------------------------------------- what is asked for


def test_every_id_the_update_asks_for_is_in_koladas_catalogue():
    known = kolada_catalogue_ids()
    kpis = ku.update_kpis()
    assert set(kpis) <= known
    assert set(ISSUE_IDS) <= set(kpis)
    assert set(kpis) == catalogue.all_kolada_kpis()
    assert {s.id for s in catalogue.SERIES.values() if not s.shipped} == set(ISSUE_IDS)
    # every covariate, SALSA deviation and soft value that is a Kolada KPI is fetched too
    used = {s for c in catalogue.COVARIATES for s in c.series} | set(catalogue.SALSA_DEVIATIONS) \
        | set(catalogue.SOFT_VALUE_KPIS)
    assert {s for s in used if catalogue.series(s).source == "kolada"} <= set(kpis)


def test_areas_are_all_municipalities_riket_and_the_regions():
    ids = ku.area_ids(REAL_RAW)
    munis = [i for i in ids if not i.startswith("00")]
    assert len(munis) == 290 and all(len(m) == 4 and m.isdigit() for m in munis)
    assert "0000" in ids and "0013" in ids  # riket, Region Halland
    assert len(ids) == 290 + 1 + 21


def test_plan_asks_for_the_years_after_the_latest_shipped_one():
    plan = ku.plan(REAL_RAW, today=TODAY)
    for kpi in ku.update_kpis():
        latest = shipped_latest(kpi)
        first = latest + 1 if latest is not None else ku.NEW_SERIES_FIRST_YEAR
        assert plan[kpi] == (first, 2026), kpi
    assert plan["N15505"] == (2023, 2026)
    assert plan["N15428"] == plan["N17461"] == (2025, 2026)  # the 2024 scrape has their 2023–2024 values
    assert plan["N17694"] == (ku.NEW_SERIES_FIRST_YEAR, 2026)  # not shipped: its whole history
    assert set(ku.plan(REAL_RAW, since=2020, until=2022).values()) == {(2020, 2022)}


# --------------------------------------------------------------------------- the replay


def test_26_kpis_and_30_years_are_split_and_every_real_value_arrives(kolada, raw_copy, small):
    raw, _ = raw_copy
    kpis = sorted(catalogue.shipped_kolada_kpis())[:26]
    small(kpis)
    result = run_update(kolada, raw, since=1993, until=2022)  # 30 years
    seen = kolada.data_requests()
    assert len(seen) == 2 * 2 == result.requests  # 26 KPIs → 25 + 1, 30 years → 25 + 5; the stand-in refuses > 25
    assert all(len(k) <= 25 and len(m) <= 25 and len(y) <= 25 for k, m, y, _ in seen)
    assert sorted({k for ks, *_ in seen for k in ks}) == kpis
    assert sorted({int(y) for _, _, ys, _ in seen for y in ys}) == list(range(1993, 2023))
    got = written(result.path)
    assert got == expected_rows(kpis, AREAS, range(1993, 2023))
    assert len(got) > 1000
    report = check_raw(raw)
    assert report.ok, report.lines_sv()


@pytest.mark.parametrize("paging_field", ["next_url", "next_page"])
@pytest.mark.parametrize("count_mode", ["page", "total", "lie"])
def test_paging_by_either_field_ignores_count_and_keeps_missing(kolada, raw_copy, small, paging_field, count_mode):
    raw, _ = raw_copy
    small(["N15505", "N17691"])
    kolada.paging_field, kolada.count_mode = paging_field, count_mode

    def missing_boys(rec):  # Kolada answers a value it has not got as null with status "Missing"
        if rec["municipality"] == "1383" and rec["period"] == 2021 and rec["kpi"] == "N15505":
            rec["values"] = [{**v, "value": None, "status": "Missing"} if v["gender"] == "M" else v
                             for v in rec["values"]]
        return rec

    kolada.record_hook = missing_boys
    result = run_update(kolada, raw, since=2017, until=2022, per_page=7)
    expected = expected_rows(["N15505", "N17691"], AREAS, range(2017, 2023))
    expected[("N15505", "1383", 2021, "M")] = None
    assert written(result.path) == expected
    records = {(k, m, y) for (k, m, y, _) in expected}
    assert len(kolada.requests) == math.ceil(len(records) / 7)  # every page, none twice
    tidy = ka.read_fetched(result.path)
    cell = tidy[(tidy.series == "N15505") & (tidy.municipality_id == "1383") & (tidy.year == 2021)
                & (tidy.gender == "M")]
    assert list(cell.status) == ["missing"] and cell.value.isna().all()
    assert result.values["N15505"] == len([k for k, v in expected.items() if k[0] == "N15505" and v is not None])


def test_an_unknown_id_answered_empty_is_reported_and_the_rest_is_written(kolada, raw_copy, small):
    raw, _ = raw_copy
    small(["N15505", "N17694"])  # the stand-in has no N17694 values: 200 with an empty list, like Kolada
    result = run_update(kolada, raw, since=2021, until=2022)
    assert result.empty == ["N17694"]
    assert {k[0] for k in written(result.path)} == {"N15505"}
    lines = result.lines_sv()
    assert any(ln.startswith("N17694: inga värden för 2021–2022") and "hoppades över" in ln for ln in lines)
    assert any(ln.startswith("N15505: ") and "senaste år 2022" in ln for ln in lines)


def test_an_id_unknown_to_the_catalogue_is_refused_before_any_request(kolada, raw_copy, small):
    raw, _ = raw_copy
    small(["N15505", "N99999"])
    before = manifest_and_folder(raw)
    with pytest.raises(ka.KoladaUnknownKpiError) as err:
        run_update(kolada, raw, since=2021, until=2022)
    assert err.value.kpis == ["N99999"]
    assert kolada.requests == []
    assert manifest_and_folder(raw) == before


def test_429_is_waited_out_and_then_succeeds(kolada, raw_copy, small):
    raw, _ = raw_copy
    small(["N15505"])
    kolada.override = lambda fake, h, url, n: ((429, {"Retry-After": "3"}, b'{"error": "too many requests"}')
                                               if n == 1 else None)
    sleep = SleepRecorder()
    result = run_update(kolada, raw, since=2022, until=2022, sleep=sleep)
    assert sleep.calls == [3.0]
    assert len(kolada.requests) == 2
    assert written(result.path) == expected_rows(["N15505"], AREAS, [2022])


def test_nothing_newer_than_the_shipped_values_writes_nothing(kolada, raw_copy, small):
    raw, _ = raw_copy
    small(["N15505", "N17691", "N17445"])
    before = manifest_and_folder(raw)
    result = run_update(kolada, raw)  # default plan: 2023–2026, which the replayed real data do not have
    assert result.path is None and result.empty == ["N15505", "N17445", "N17691"]
    assert result.asked["N15505"] == (2023, 2026)
    assert manifest_and_folder(raw) == before


# --------------------------------------------------------------------------- the build uses it


def test_merge_rule_newest_number_wins_a_null_never_erases_a_number():
    # Hand-made frames (labelled: arithmetic of the merge rule only, not data).
    def frame(cells):
        return pd.DataFrame([{"series": "N15505", "municipality_id": m, "year": 2020, "gender": "T", "value": v,
                              "status": "ok" if v is not None else "missing", "source": src, "population": ""}
                             for m, v, src in cells])

    old = frame([("1380", 1.0, "old"), ("1381", 2.0, "old"), ("1382", None, "old")])
    new = frame([("1380", 10.0, "new"), ("1381", None, "new"), ("1382", None, "new"), ("1383", 4.0, "new")])
    got = build_mod.merge_newest([old, new]).set_index("municipality_id")
    assert got.loc["1380", "value"] == 10.0 and got.loc["1380", "source"] == "new"
    assert got.loc["1381", "value"] == 2.0 and got.loc["1381", "source"] == "old"
    assert math.isnan(got.loc["1382", "value"]) and got.loc["1382", "source"] == "new"
    assert got.loc["1383", "value"] == 4.0
    assert len(got) == 4


def test_fetched_files_are_read_oldest_first_by_their_date(kolada, raw_copy, small):
    raw, _ = raw_copy
    small(["N15505"])
    later = run_update(kolada, raw, since=2022, until=2022, today=date(2026, 5, 5)).path
    earlier = run_update(kolada, raw, since=2021, until=2021, today=date(2026, 5, 4)).path
    scrape = raw / "kolada_scrape" / SCRAPE.name  # the shipped scrape, dated 2024-12-12 by its name
    assert build_mod.fetched_files(raw) == [scrape, earlier, later]


def test_same_day_files_that_disagree_stop_the_build(kolada, raw_copy, small):
    """Two fetches of one day have no order; if they disagree the build refuses, naming both files.
    STAND-IN for a revision: the second file carries Laholm's real 2022 value in Halmstad's 2022 cell."""
    raw, processed = raw_copy
    small(["N15505"])
    run_update(kolada, raw, since=2022, until=2022)
    swapped = real_values("N15505")[("1381", 2022)]["T"]
    kolada.record_hook = lambda rec: ({**rec, "values": [{**v, "value": swapped} if v["gender"] == "T" else v
                                                         for v in rec["values"]]}
                                      if rec["municipality"] == "1380" else rec)
    run_update(kolada, raw, since=2022, until=2022)
    with pytest.raises(build_mod.BuildError, match="samma dag men ger olika värden för N15505 1380 2022 T"):
        build_mod.build(raw, processed)
    assert not (processed / build_mod.PANEL_FILE).exists()


def test_cli_update_fills_indicator_9_through_the_catalogue(kolada, raw_copy, monkeypatch, capsys):
    """End to end in process: update (all 290 municipalities, riket, regions) → file + manifest row → build →
    indicator 9 available. STAND-IN: N17694/N17697 are served with the real N17691 values (see module doc)."""
    raw, processed = raw_copy
    build_mod.build(raw, processed)
    assert not catalogue.indicator(9).available and not catalogue.indicator(10).available
    monkeypatch.setattr(ku, "update_kpis", lambda: ["N15505", "N17694", "N17697", "N17699"])
    kolada.aliases = {"N17694": "N17691", "N17697": "N17691"}  # STAND-IN values; N17699 stays empty
    code = cli.main(["data", "update", "--since", "2014", "--until", "2022", "--base-url", kolada.base_url, "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Utan nya värden: N17699." in out and "byggd på nytt" in out
    (path,) = (raw / "kolada_api").glob("kolada_v3_*.csv")
    assert check_raw(raw).ok
    manifest = build_mod.read_build_manifest(processed)
    assert manifest[catalogue.FETCHED_SERIES_KEY] == ["N17694", "N17697"]
    assert catalogue.indicator(9).available and catalogue.indicator(10).available
    panel = pd.read_parquet(processed / build_mod.PANEL_FILE)
    mine = panel[(panel.series == "N17694") & (panel.gender == "T") & (panel.status == "ok")]
    assert set(mine.indicator.astype(str)) == {"gy_gbp_hf"}
    assert mine.source.astype(str).str.startswith("Kolada API v3").all()
    assert mine.municipality_id.nunique() > 150  # all municipalities were asked, not only a sample
    real = {(m, y): v["T"] for (m, y), v in real_values("N17691").items() if 2014 <= y <= 2022 and "T" in v}
    halmstad = mine[mine.municipality_id == "1380"].set_index("year")["value"]
    assert halmstad.to_dict() == {y: v for (m, y), v in real.items() if m == "1380"}
    # the fetched number replaced the dump's for the same cell (here equal: the same real value)
    cell = panel[(panel.series == "N15505") & (panel.municipality_id == "1380") & (panel.year == 2020)
                 & (panel.gender == "T")]
    assert cell.source.astype(str).str.startswith("Kolada API v3").all()


def test_offline_fails_with_one_swedish_line_and_writes_nothing(raw_copy, capsys):
    """No server listens on the port: connection refused, as offline. (The measured figure for the real
    api.kolada.se without internet is in the README; no timing is asserted here.)"""
    import socket

    raw, _ = raw_copy
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    before = manifest_and_folder(raw)
    code = cli.main(["data", "update", "--base-url", f"http://127.0.0.1:{port}/v3", "--max-attempts", "2"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = [ln for ln in err.replace("\r", "\n").splitlines() if ln.strip() and "Hämtar från Kolada" not in ln]
    assert len(lines) == 1, err
    assert lines[0].startswith("fgte: Kolada (") and "kan inte nås" in lines[0]
    assert "fgte data update" in lines[0] and "Inget skrevs." in lines[0]
    assert manifest_and_folder(raw) == before


@pytest.mark.parametrize("argv, what", [(["--since", "tjugo"], "--since 'tjugo' är inget år"),
                                        (["--since", "2022", "--until", "2020"], "ligger efter"),
                                        (["--until", "1850"], "utanför")])
def test_bad_years_are_one_line_and_exit_2(raw_copy, capsys, argv, what):
    raw, _ = raw_copy
    before = manifest_and_folder(raw)
    assert cli.main(["data", "update", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and what in err
    assert manifest_and_folder(raw) == before


# --------------------------------------------------------------------------- the reader report


def test_report_says_where_a_series_ends_and_which_command_fills_it():
    from fgte_research.progression import progression

    year = 2025  # Halmstad's report year with data
    res8 = progression("1380", "gy_gbp", year)
    block8 = annual.indicator_block_html(catalogue.indicator(8), res8, year)
    assert "Senaste år med data: 2022. Nyare värden finns hos Kolada; kör <code>fgte data update</code>" in block8
    res5 = progression("1380", "ak9_merit", year)  # Skolverket's series reaches 2025: no such sentence
    assert "Senaste år med data" not in annual.indicator_block_html(catalogue.indicator(5), res5, year)
    block9 = annual.indicator_block_html(catalogue.indicator(9), None, year)
    assert "Saknas" in block9 and "fgte data update" in block9
    # a Kolada series already updated past the shipped end, and a Skolverket series, say other things
    assert "inga nyare värden vid den senaste hämtningen" in annual.series_end_note_html("N17691", 2024, year)
    assert "fgte data add" in annual.series_end_note_html("skv.ak6.pass_all.kommunal", 2024, year)
    assert annual.series_end_note_html("N17691", 2025, year) == ""
