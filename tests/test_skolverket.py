"""Tests of the Skolverket export reader on the real files in data/raw/skolverket.

Numbers asserted here were looked up by hand in the raw files. Bad-input tests work on modified
copies in tmp_path; the raw files are never touched.
"""

from __future__ import annotations

import math
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from fgte_research.schema import TIDY_COLUMNS
from fgte_research.sources import skolverket as skv

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "skolverket"

OVER_TIME = "Grundskola - Jämförelse av betygsresultat över tid 2025 Kommun_Åk9.xlsx"
AK6 = "Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), samtliga elever {} Kommun.{}"
AK6_KON = "Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), per kön 2025 Kommun.{}"
GR = "Grundskola - Antal elever per årskurs {} Kommun.csv"
BEH = "behorighet_grundskola_2024_25.csv"
KEY = ["series", "municipality_id", "year", "gender"]


@pytest.fixture(scope="module")
def everything() -> pd.DataFrame:
    return skv.read_all(RAW)


@pytest.fixture(scope="module")
def over_time() -> pd.DataFrame:
    return skv.read_export(RAW / OVER_TIME)


# Value checks read the named files, not read_all: a newer export dropped into the folder may
# legitimately supersede (revise) these numbers in read_all.
@pytest.fixture(scope="module")
def ak6_files() -> pd.DataFrame:
    return pd.concat([skv.read_export(RAW / AK6.format(y, "csv")) for y in range(2020, 2026)])


@pytest.fixture(scope="module")
def gr_files() -> pd.DataFrame:
    return pd.concat([skv.read_export(RAW / GR.format(y)) for y in range(2020, 2025)])


def one(frame: pd.DataFrame, series: str, mid: str, year: int, gender: str = "T") -> pd.Series:
    hit = frame[(frame.series == series) & (frame.municipality_id == mid) & (frame.year == year)
                & (frame.gender == gender)]
    assert len(hit) == 1, (series, mid, year, gender, len(hit))
    return hit.iloc[0]


def assert_value(frame, series, mid, year, expected, gender="T"):
    row = one(frame, series, mid, year, gender)
    assert row.status == "ok", row.to_dict()
    assert row.value == pytest.approx(expected), row.to_dict()


def assert_status(frame, series, mid, year, status, gender="T"):
    row = one(frame, series, mid, year, gender)
    assert row.status == status, row.to_dict()
    assert math.isnan(row.value)


# --- helpers for modified copies -------------------------------------------------------------


def csv_copy(tmp_path: Path, name: str, edit=None, new_name: str | None = None) -> Path:
    """Copy a raw csv to tmp_path, passing its lines (BOM kept on line 1) through ``edit``."""
    lines = (RAW / name).read_bytes().decode("utf-8").split("\n")
    if edit is not None:
        lines = edit(lines)
    dst = tmp_path / (new_name or name)
    dst.write_bytes("\n".join(lines).encode("utf-8"))
    return dst


def line_index(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def xlsx_copy(tmp_path: Path, name: str, edits: dict, new_name: str | None = None) -> Path:
    """Copy a raw xlsx, replacing members: ``edits[member](text) -> text``."""
    dst = tmp_path / (new_name or name)
    with zipfile.ZipFile(RAW / name) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            out.writestr(info, data)
    return dst


def replace_once(old: str, new: str):
    def edit(text: str) -> str:
        assert text.count(old) == 1, (old, text.count(old))
        return text.replace(old, new)
    return edit


# --- discovery --------------------------------------------------------------------------------


def test_discover_real_folder():
    parsed, skipped = skv.discover(RAW)
    names = {p.name for p in parsed}
    assert OVER_TIME in names and BEH in names
    assert {AK6.format(y, "csv") for y in range(2020, 2026)} <= names
    assert {AK6.format(2025, "xlsx"), AK6_KON.format("csv"), AK6_KON.format("xlsx")} <= names
    assert {GR.format(y) for y in range(2020, 2025)} <= names
    assert len(parsed) >= 16  # 16 in the folder as shipped; newer exports may be added
    skipped_names = {p.name for p in skipped}
    assert len(skipped) >= 16
    assert "Grundskola - Jämförelse av ämnesbetyg över tid 2025 Kommun_Åk9.csv" in skipped_names
    assert "Grundskola - Kostnader per kommun 2024 Kommun.csv" in skipped_names
    assert not names & skipped_names
    assert len(names) + len(skipped_names) == len([p for p in RAW.iterdir() if not p.name.startswith(".")])


def test_discover_rejects_unknown_report_and_ignores_dotfiles(tmp_path):
    csv_copy(tmp_path, BEH)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01junk")
    parsed, skipped = skv.discover(tmp_path)
    assert [p.name for p in parsed] == [BEH] and skipped == []
    csv_copy(tmp_path, BEH, lambda ls: [ls[0], ls[1], "Grundskola - Något helt annat", *ls[3:]],
             new_name="okand.csv")
    with pytest.raises(ValueError, match=r"okand\.csv.*okänd Skolverket-rapport"):
        skv.discover(tmp_path)
    with pytest.raises(ValueError, match=r"okand\.csv.*okänd Skolverket-rapport"):
        skv.read_export(tmp_path / "okand.csv")


def test_discover_rejects_other_file_types(tmp_path):
    (tmp_path / "anteckningar.txt").write_text("hej", encoding="utf-8")
    with pytest.raises(ValueError, match=r"anteckningar\.txt.*okänd filtyp"):
        skv.discover(tmp_path)


def test_skipped_report_is_not_read():
    with pytest.raises(ValueError, match="läses inte"):
        skv.read_export(RAW / "Grundskola - Kostnader per kommun 2024 Kommun.csv")


# --- the report over time (xlsx) --------------------------------------------------------------


def test_over_time_known_values(over_time):
    f = over_time
    # Halmstad, Kommunal, meritvärde 17 ämnen: 2024/25 … 2015/16 = 218.1 … 220.9
    assert_value(f, "skv.ak9.merit17.kommunal", "1380", 2025, 218.1)
    assert_value(f, "skv.ak9.merit17.kommunal", "1380", 2024, 221.9)
    assert_value(f, "skv.ak9.merit17.kommunal", "1380", 2016, 220.9)
    assert_value(f, "skv.ak9.merit17.samtliga", "1380", 2025, 222.5)
    assert_value(f, "skv.ak9.merit17.enskild", "1380", 2025, 247.4)
    # Hylte
    assert_value(f, "skv.ak9.merit17.samtliga", "1315", 2025, 199.0)
    assert_value(f, "skv.ak9.merit17.kommunal", "1315", 2016, 193.4)
    assert_value(f, "skv.ak9.merit17.enskild", "1315", 2025, 234.5)
    assert_status(f, "skv.ak9.merit17.enskild", "1315", 2023, "suppressed")  # ".." for 2022/23
    assert_value(f, "skv.ak9.pass_all.samtliga", "1315", 2025, 67.9)
    assert_value(f, "skv.ak9.pupils.kommunal", "1315", 2025, 121)
    # Ale (first rows of the sheets)
    assert_value(f, "skv.ak9.pupils.samtliga", "1440", 2025, 434)
    assert_value(f, "skv.ak9.pupils.samtliga", "1440", 2016, 366)
    assert_value(f, "skv.ak9.share_girls.samtliga", "1440", 2025, 49.3)
    assert_value(f, "skv.ak9.share_boys.samtliga", "1440", 2025, 50.7)
    assert_value(f, "skv.ak9.foreign_bg.kommunal", "1440", 2025, 24.2)
    assert_value(f, "skv.ak9.parents_posthigh.kommunal", "1440", 2025, 62.0)
    assert_value(f, "skv.ak9.merit16.samtliga", "2518", 2025, 192.9)
    assert_value(f, "skv.ak9.eligible_voc.samtliga", "2518", 2025, 71.0)


def test_over_time_codes(over_time):
    f = over_time
    # Ale, Enskild, "- andel (%) elever med utländsk bakgrund": "..", "..", "..", ".", … (2024/25 first)
    assert_status(f, "skv.ak9.foreign_bg.enskild", "1440", 2025, "suppressed")
    assert_status(f, "skv.ak9.foreign_bg.enskild", "1440", 2022, "missing")
    assert_status(f, "skv.ak9.share_girls.enskild", "1440", 2023, "suppressed")
    # Övertorneå, Samtliga, behöriga till yrkesprogram 2022/23 and 2021/22: "~100"
    assert_status(f, "skv.ak9.eligible_voc.samtliga", "2518", 2023, "rounded")
    assert_status(f, "skv.ak9.eligible_voc.samtliga", "2518", 2022, "rounded")
    assert_value(f, "skv.ak9.eligible_voc.samtliga", "2518", 2021, 82.9)
    # Övertorneå, Enskild 2017/18: "."
    assert_status(f, "skv.ak9.pass_all.enskild", "2518", 2018, "missing")
    # the status rules of the schema hold everywhere
    assert f.loc[f.status != "ok", "value"].isna().all()
    assert f.loc[f.status == "ok", "value"].notna().all()
    assert set(f.status) == {"ok", "suppressed", "missing", "rounded"}


def test_over_time_coverage(over_time):
    f = over_time
    assert list(f.columns) == TIDY_COLUMNS
    assert sorted(f.year.unique()) == list(range(2016, 2026))
    assert set(f.gender) == {"T"}
    stems = set(skv.UPPGIFT_SERIES.values())
    assert set(f.series) == {f"{s}.{h}" for s in stems for h in ("samtliga", "kommunal", "enskild")}
    n = f.groupby("series").municipality_id.nunique()
    for stem in stems:
        assert n[f"{stem}.samtliga"] == 290
        assert n[f"{stem}.kommunal"] == 290
        assert n[f"{stem}.enskild"] == 139
    per_series = f.groupby("series").size()
    assert (per_series[per_series.index.str.endswith(".enskild")] == 139 * 10).all()
    assert (per_series[~per_series.index.str.endswith(".enskild")] == 290 * 10).all()
    assert f.municipality_id.str.fullmatch(r"\d{4}").all()
    assert "0114" in set(f.municipality_id)  # Upplands Väsby, zero-padded
    assert set(f.population) == {"samtliga", "kommunala skolor", "fristående skolor"}
    assert set(f.source) == {"Skolverket: Grundskola - Jämförelse av betygsresultat över tid, läsår 2024/25"}
    assert not f.duplicated(KEY).any()


# --- åk 6 -------------------------------------------------------------------------------------


def test_ak6_years_come_from_valt_lasar():
    # The file called "… 2020 Kommun.csv" is läsår 2019/20 → year 2020; "… 2025" is 2024/25 → 2025.
    years = {}
    for y in range(2020, 2026):
        f = skv.read_export(RAW / AK6.format(y, "csv"))
        assert set(f.series) == {f"skv.ak6.{m}.{h}" for m in ("pass_all", "pupils")
                                 for h in ("samtliga", "kommunal", "enskild")}
        assert set(f.gender) == {"T"}
        years[y] = set(f.year)
        assert f.loc[f.series == "skv.ak6.pupils.samtliga", "municipality_id"].nunique() == 290
    assert years == {y: {y} for y in range(2020, 2026)}


def test_ak6_known_values(ak6_files):
    f = ak6_files
    assert sorted(f.loc[f.series == "skv.ak6.pass_all.samtliga", "year"].unique()) == list(range(2020, 2026))
    # Halmstad 2019/20: Samtliga 1 211 elever, 71,0 %; Kommunal 1 047; Enskild 88,4
    assert_value(f, "skv.ak6.pupils.samtliga", "1380", 2020, 1211)
    assert_value(f, "skv.ak6.pass_all.samtliga", "1380", 2020, 71.0)
    assert_value(f, "skv.ak6.pupils.kommunal", "1380", 2020, 1047)
    assert_value(f, "skv.ak6.pass_all.enskild", "1380", 2020, 88.4)
    # Hylte 2024/25 and 2019/20
    assert_value(f, "skv.ak6.pass_all.samtliga", "1315", 2025, 66.0)
    assert_value(f, "skv.ak6.pupils.samtliga", "1315", 2025, 144)
    assert_value(f, "skv.ak6.pass_all.samtliga", "1315", 2020, 56.6)
    assert_status(f, "skv.ak6.pupils.enskild", "1315", 2020, "suppressed")
    assert_value(f, "skv.ak6.pass_all.enskild", "1315", 2024, 100.0)
    # Ale Enskild 2024/25: "~100"
    assert_status(f, "skv.ak6.pass_all.enskild", "1440", 2025, "rounded")
    assert_value(f, "skv.ak6.pupils.enskild", "1440", 2025, 25)


def test_ak6_per_kon():
    f = skv.read_export(RAW / AK6_KON.format("csv"))
    assert set(f.gender) == {"K", "M"}  # the report has no total block
    assert set(f.year) == {2025}
    # Hylte: Flickor 68 elever 69,1 %; Pojkar 76 elever 63,2 %
    assert_value(f, "skv.ak6.pupils.samtliga", "1315", 2025, 68, "K")
    assert_value(f, "skv.ak6.pass_all.samtliga", "1315", 2025, 69.1, "K")
    assert_value(f, "skv.ak6.pupils.samtliga", "1315", 2025, 76, "M")
    assert_value(f, "skv.ak6.pass_all.samtliga", "1315", 2025, 63.2, "M")
    # Hylte Enskild: pupils ".." for both, but the boys' share is published (100,0)
    assert_status(f, "skv.ak6.pupils.enskild", "1315", 2025, "suppressed", "K")
    assert_status(f, "skv.ak6.pass_all.enskild", "1315", 2025, "suppressed", "K")
    assert_value(f, "skv.ak6.pass_all.enskild", "1315", 2025, 100.0, "M")
    # Ale Enskild: "~100" for both sexes
    assert_status(f, "skv.ak6.pass_all.enskild", "1440", 2025, "rounded", "K")
    assert_status(f, "skv.ak6.pass_all.enskild", "1440", 2025, "rounded", "M")
    assert_value(f, "skv.ak6.pupils.samtliga", "1380", 2025, 634, "K")


@pytest.mark.parametrize("name", [AK6.format(2025, "{}"), AK6_KON])
def test_xlsx_twin_equals_csv(name):
    a = skv.read_export(RAW / name.format("csv")).sort_values(KEY).reset_index(drop=True)
    b = skv.read_export(RAW / name.format("xlsx")).sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


# --- pupils per grade, behörighet ----------------------------------------------------------


def test_pupils_per_grade(gr_files):
    f = gr_files
    gr = f[f.series.str.startswith("skv.gr.")]
    assert sorted(gr.year.unique()) == [2021, 2022, 2023, 2024, 2025]  # files "2020" … "2024"
    assert set(gr.series) == {f"skv.gr.{m}.{h}" for m in ("share_girls", "foreign_bg", "parents_posthigh",
                                                          "pupils") for h in ("samtliga", "kommunal", "enskild")}
    # Halmstad 2024/25: 48,4 / 29,7 / 66,0 / "11 350"
    assert_value(f, "skv.gr.share_girls.samtliga", "1380", 2025, 48.4)
    assert_value(f, "skv.gr.foreign_bg.samtliga", "1380", 2025, 29.7)
    assert_value(f, "skv.gr.parents_posthigh.samtliga", "1380", 2025, 66.0)
    assert_value(f, "skv.gr.pupils.samtliga", "1380", 2025, 11350)
    assert_value(f, "skv.gr.pupils.kommunal", "1315", 2025, 1110)
    # Ale 2020/21, first data line of the "2020" file: Samtliga 49;23;60 … 3 877
    assert_value(f, "skv.gr.share_girls.samtliga", "1440", 2021, 49)
    assert_value(f, "skv.gr.pupils.samtliga", "1440", 2021, 3877)
    # rows for Statlig / Region / Internationella skolor are dropped, not mislabelled
    assert set(gr.population) == {"samtliga", "kommunala skolor", "fristående skolor"}


def test_behorighet(over_time):
    f = skv.read_export(RAW / BEH)
    assert set(f.gender) == {"K", "M", "T"}
    assert set(f.year) == {2025}
    assert set(f.series) == {f"skv.ak9b.{m}.{h}" for m in ("eligible_voc", "eligible_es", "eligible_ekhusa",
                                                           "eligible_nate", "pupils")
                             for h in ("samtliga", "kommunal", "enskild")}
    # Hylte Samtliga: Flickor 57;84,2;82,5;77,2;75,4  Pojkar 74;79,7;…  Samtliga 131;81,7;80,2;77,1;74,8
    assert_value(f, "skv.ak9b.pupils.samtliga", "1315", 2025, 57, "K")
    assert_value(f, "skv.ak9b.eligible_voc.samtliga", "1315", 2025, 84.2, "K")
    assert_value(f, "skv.ak9b.eligible_voc.samtliga", "1315", 2025, 79.7, "M")
    assert_value(f, "skv.ak9b.eligible_voc.samtliga", "1315", 2025, 81.7, "T")
    assert_value(f, "skv.ak9b.eligible_es.samtliga", "1315", 2025, 80.2, "T")
    assert_value(f, "skv.ak9b.eligible_ekhusa.samtliga", "1315", 2025, 77.1, "T")
    assert_value(f, "skv.ak9b.eligible_nate.samtliga", "1315", 2025, 74.8, "T")
    assert_value(f, "skv.ak9b.pupils.samtliga", "1380", 2025, 1221, "T")  # "1 221"
    # Hylte Enskild: Flickor all "..", Pojkar "..;~100;…", Samtliga "10;~100;…"
    assert_status(f, "skv.ak9b.eligible_voc.enskild", "1315", 2025, "suppressed", "K")
    assert_status(f, "skv.ak9b.eligible_voc.enskild", "1315", 2025, "rounded", "M")
    assert_value(f, "skv.ak9b.pupils.enskild", "1315", 2025, 10, "T")
    # the totals agree with the report over time for 2024/25
    a = f[(f.series == "skv.ak9b.eligible_voc.kommunal") & (f.gender == "T") & (f.status == "ok")]
    b = over_time[(over_time.series == "skv.ak9.eligible_voc.kommunal") & (over_time.year == 2025)]
    m = a.merge(b, on="municipality_id")
    assert len(m) > 250
    assert (m.value_x == m.value_y).all()


# --- read_all ---------------------------------------------------------------------------------


def test_read_all(everything):
    f = everything
    assert list(f.columns) == TIDY_COLUMNS
    assert not f.duplicated(KEY).any()
    assert f.year.min() == 2016 and f.year.max() >= 2025
    assert f.loc[f.status != "ok", "value"].isna().all()
    # the xlsx twins add nothing: one row per key, same count as the csv alone
    ak6 = f[(f.series == "skv.ak6.pupils.samtliga") & (f.year == 2025)]
    assert set(ak6.gender) == {"K", "M", "T"}
    assert (ak6.groupby("gender").size() == 290).all()
    prefixes = {s.rsplit(".", 2)[0] for s in f.series}
    assert prefixes == {"skv.ak9", "skv.ak9b", "skv.ak6", "skv.gr"}


def _kommunal_sheet_row(name: str, code: str, uppgift: str) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(RAW / name, read_only=True)
    try:
        for r, row in enumerate(wb["Kommunal"].iter_rows(values_only=True), start=1):
            if row[1] == code and row[4] == uppgift:
                return r
    finally:
        wb.close()
    raise AssertionError("row not found")


def test_newer_export_supersedes_older(tmp_path):
    shutil.copy(RAW / OVER_TIME, tmp_path / OVER_TIME)
    r = _kommunal_sheet_row(OVER_TIME, "1380", "Genomsnittligt meritvärde (17 ämnen)")
    edits = {
        "xl/sharedStrings.xml": replace_once("Valt läsår: 2024/25", "Valt läsår: 2025/26"),
        # Kommunal sheet, column F (2024/25): 218.1 → 219.9
        "xl/worksheets/sheet2.xml": lambda t: re.sub(rf'(<c r="F{r}"[^>]*><v>)218\.1(</v>)',
                                                     r"\g<1>219.9\g<2>", t, count=1),
    }
    # named so that it sorts *before* the older export: order must not matter
    xlsx_copy(tmp_path, OVER_TIME, edits, new_name="0 nyare export.xlsx")
    newer = skv.read_export(tmp_path / "0 nyare export.xlsx")
    assert_value(newer, "skv.ak9.merit17.kommunal", "1380", 2025, 219.9)
    f = skv.read_all(tmp_path)
    row = one(f, "skv.ak9.merit17.kommunal", "1380", 2025)
    assert row.value == pytest.approx(219.9)
    assert row.source.endswith("läsår 2025/26")
    assert not f.duplicated(KEY).any()
    assert len(f) == len(skv.read_export(tmp_path / OVER_TIME))
    assert (f.source.str.endswith("läsår 2025/26")).all()  # every key superseded
    assert_value(f, "skv.ak9.merit17.kommunal", "1380", 2024, 221.9)


def test_same_vintage_disagreement_raises(tmp_path):
    src = AK6.format(2025, "csv")
    csv_copy(tmp_path, src)

    def edit(lines):
        i = line_index(lines, "Halmstad;1380;Hallands län;13;Kommunal;")
        lines[i] = lines[i].replace(";67,9;", ";68,9;")
        return lines
    csv_copy(tmp_path, src, edit, new_name="kopia.csv")
    with pytest.raises(ValueError, match=r"samma 'Valt läsår'.*skv\.ak6\.pass_all\.kommunal.*1380.*kopia\.csv"):
        skv.read_all(tmp_path)


def test_identical_twin_is_fine(tmp_path):
    csv_copy(tmp_path, AK6.format(2025, "csv"))
    csv_copy(tmp_path, AK6.format(2025, "csv"), new_name="kopia.csv")
    f = skv.read_all(tmp_path)
    assert len(f) == len(skv.read_export(RAW / AK6.format(2025, "csv")))


# --- bad input ----------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"finns_inte\.csv"):
        skv.read_export(tmp_path / "finns_inte.csv")
    with pytest.raises(FileNotFoundError, match=r"finns_inte\.xlsx"):
        skv.read_export(tmp_path / "finns_inte.xlsx")
    with pytest.raises(FileNotFoundError, match="saknad_katalog"):
        skv.discover(tmp_path / "saknad_katalog")


def test_truncated_in_the_middle_of_a_line(tmp_path):
    data = (RAW / BEH).read_bytes()
    cut = data.index("Halmstad;1380".encode()) + 40  # in the middle of a data line
    dst = tmp_path / BEH
    dst.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    with pytest.raises(ValueError, match=rf"{re.escape(BEH)}, rad {line}: raden har \d+ fält"):
        skv.read_export(dst)


def test_truncated_at_a_line_end(tmp_path):
    dst = csv_copy(tmp_path, GR.format(2024), lambda ls: ls[:400])
    with pytest.raises(ValueError, match=r"Antal elever per årskurs 2024 Kommun\.csv.*avkortad"):
        skv.read_export(dst)


def test_header_only(tmp_path):
    src = AK6.format(2023, "csv")
    dst = csv_copy(tmp_path, src, lambda ls: ls[: line_index(ls, "Kommun;") + 1])
    with pytest.raises(ValueError, match=r"samtliga elever 2023 Kommun\.csv: inga datarader"):
        skv.read_export(dst)
    dst = csv_copy(tmp_path, src, lambda ls: ls[:4])  # cut before the header
    with pytest.raises(ValueError, match=r"2023 Kommun\.csv: hittar ingen rubrikrad"):
        skv.read_export(dst)
    (tmp_path / "tom.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"tom\.csv: filen är tom"):
        skv.read_export(tmp_path / "tom.csv")


def test_row_with_too_few_fields(tmp_path):
    holder = {}

    def edit(lines):
        i = line_index(lines, "Hylte;1315;Hallands län;13;Kommunal;")
        lines[i] = "Hylte;1315;Hallands län;13;Kommunal;133;17,2;"
        holder["line"] = i + 1
        return lines
    dst = csv_copy(tmp_path, AK6.format(2022, "csv"), edit)
    with pytest.raises(ValueError, match=rf"2022 Kommun\.csv, rad {holder['line']}: raden har 8 fält"):
        skv.read_export(dst)


def test_truncated_xlsx(tmp_path):
    data = (RAW / OVER_TIME).read_bytes()
    dst = tmp_path / OVER_TIME
    dst.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"Kommun_Åk9\.xlsx: kan inte läsas som Excel-fil"):
        skv.read_export(dst)
    with pytest.raises(ValueError, match=r"Kommun_Åk9\.xlsx"):
        skv.discover(tmp_path)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_reencoded_file(tmp_path, encoding):
    text = (RAW / BEH).read_bytes().decode("utf-8-sig")
    dst = tmp_path / BEH
    dst.write_bytes(text.encode(encoding))
    with pytest.raises(ValueError, match=rf"{re.escape(BEH)}: fel teckenkodning.*inte UTF-8"):
        skv.read_export(dst)
    with pytest.raises(ValueError, match="fel teckenkodning"):
        skv.discover(tmp_path)


def test_double_encoded_file(tmp_path):
    # UTF-8 bytes read as cp1252 and saved again as UTF-8: valid UTF-8, but "Ã¥" for "å"
    raw = (RAW / GR.format(2022)).read_bytes()
    dst = tmp_path / "dubbel.csv"
    dst.write_bytes(raw.decode("cp1252", errors="replace").encode("utf-8"))
    with pytest.raises(ValueError, match=r"dubbel\.csv, rad 1: fel teckenkodning"):
        skv.read_export(dst)


def test_renamed_column(tmp_path):
    def edit(lines):
        i = line_index(lines, "Kommun;")
        lines[i] = lines[i].replace("Andel (%) elever som fått godkänt betyg i alla ämnen", "Andel godkända")
        return lines
    dst = csv_copy(tmp_path, AK6.format(2021, "csv"), edit)
    with pytest.raises(ValueError, match=r"2021 Kommun\.csv: kolumnen 'Andel \(%\) elever som fått godkänt "
                                         r"betyg i alla ämnen' saknas"):
        skv.read_export(dst)


def test_removed_column(tmp_path):
    def edit(lines):
        start = line_index(lines, "Kommun;")
        for i in range(start, len(lines)):
            if not lines[i].strip():
                break
            fields = lines[i].split(";")
            lines[i] = ";".join(fields[:1] + fields[2:])  # drop "Kommun-kod"
        return lines
    dst = csv_copy(tmp_path, GR.format(2023), edit)
    with pytest.raises(ValueError, match=r"2023 Kommun\.csv: kolumnen 'Kommun-kod' saknas"):
        skv.read_export(dst)


def test_renamed_gender_column_and_group(tmp_path):
    def edit(lines):
        i = line_index(lines, "Kommun;")
        lines[i] = lines[i].replace(";Kön;", ";Kon;")
        return lines
    dst = csv_copy(tmp_path, BEH, edit)
    with pytest.raises(ValueError, match=rf"{re.escape(BEH)}: kolumnen 'Kön' saknas"):
        skv.read_export(dst)

    def edit_group(lines):
        i = line_index(lines, "Kommun;") - 1
        lines[i] = lines[i].replace("Pojkar", "Gossar")
        return lines
    dst = csv_copy(tmp_path, AK6_KON.format("csv"), edit_group)
    with pytest.raises(ValueError, match=r"per kön 2025 Kommun\.csv.*okänd könsgrupp 'Gossar'"):
        skv.read_export(dst)

    def edit_sex(lines):
        i = line_index(lines, "Ale;1440;Västra Götalands län;14;Samtliga;Pojkar;")
        lines[i] = lines[i].replace(";Pojkar;", ";Övriga;")
        return lines
    dst = csv_copy(tmp_path, BEH, edit_sex)
    with pytest.raises(ValueError, match=rf"{re.escape(BEH)}, rad \d+: okänt värde 'Övriga' i kolumnen 'Kön'"):
        skv.read_export(dst)


def test_unparsable_number(tmp_path):
    holder = {}

    def edit(lines):
        i = line_index(lines, "Halmstad;1380;Hallands län;13;Kommunal;")
        assert ";1 087;17,0;67,9;" in lines[i]
        lines[i] = lines[i].replace(";67,9;", ";67,9%;")
        holder["line"] = i + 1
        return lines
    dst = csv_copy(tmp_path, AK6.format(2025, "csv"), edit)
    with pytest.raises(ValueError, match=rf"2025 Kommun\.csv, rad {holder['line']}: kan inte läsa värdet "
                                         r"'67,9%' i kolumnen 'Andel \(%\) elever som fått godkänt"):
        skv.read_export(dst)


def test_unparsable_number_in_xlsx(tmp_path):
    r = _kommunal_sheet_row(OVER_TIME, "1380", "Genomsnittligt meritvärde (17 ämnen)")
    edits = {"xl/worksheets/sheet2.xml": lambda t: re.sub(
        rf'<c r="F{r}"([^>]*)><v>218\.1</v></c>', rf'<c r="F{r}" t="inlineStr"><is><t>218,1 p</t></is></c>',
        t, count=1)}
    dst = xlsx_copy(tmp_path, OVER_TIME, edits)
    with pytest.raises(ValueError, match=rf"Kommun_Åk9\.xlsx, blad 'Kommunal', rad {r}: kan inte läsa värdet "
                                         r"'218,1 p' i kolumnen '2024/25'"):
        skv.read_export(dst)


def test_unknown_uppgift_raises(tmp_path):
    edits = {"xl/sharedStrings.xml": replace_once("Genomsnittligt meritvärde (16 ämnen)",
                                                  "Genomsnittligt meritvärde (16 ämnen, ny definition)")}
    dst = xlsx_copy(tmp_path, OVER_TIME, edits)
    with pytest.raises(ValueError, match=r"Kommun_Åk9\.xlsx, blad 'Samtliga', rad \d+: okänd uppgift "
                                         r"'Genomsnittligt meritvärde \(16 ämnen, ny definition\)'"):
        skv.read_export(dst)


def test_renamed_column_in_xlsx(tmp_path):
    edits = {"xl/sharedStrings.xml": replace_once(">Uppgift<", ">Mått<")}
    dst = xlsx_copy(tmp_path, OVER_TIME, edits)
    with pytest.raises(ValueError, match=r"Kommun_Åk9\.xlsx, blad 'Samtliga': kolumnen 'Uppgift' saknas"):
        skv.read_export(dst)


def test_missing_valt_lasar(tmp_path):
    dst = csv_copy(tmp_path, GR.format(2021), lambda ls: [ln for ln in ls if not ln.startswith("Valt läsår")])
    with pytest.raises(ValueError, match=r"2021 Kommun\.csv: raden 'Valt läsår: …' saknas"):
        skv.read_export(dst)


def test_duplicated_row(tmp_path):
    def edit(lines):
        i = line_index(lines, "Hylte;1315;")
        return lines[: i + 1] + [lines[i]] + lines[i + 1:]
    dst = csv_copy(tmp_path, AK6.format(2024, "csv"), edit)
    with pytest.raises(ValueError, match=r"2024 Kommun\.csv: samma uppgift förekommer flera gånger.*1315"):
        skv.read_export(dst)


def test_unknown_huvudman(tmp_path):
    def edit(lines):
        i = line_index(lines, "Hylte;1315;Hallands län;13;Enskild;")
        lines[i] = lines[i].replace(";Enskild;", ";Privat;")
        return lines
    dst = csv_copy(tmp_path, AK6.format(2024, "csv"), edit)
    with pytest.raises(ValueError, match=r"2024 Kommun\.csv, rad \d+: okänd typ av huvudman 'Privat'"):
        skv.read_export(dst)
