"""Reader of Skolverket statistics exports ("Sök statistik" on skolverket.se) into tidy rows.

Every export starts with a few preamble lines (the banner "Statistik från Skolverket, …", the
report title, "Valt läsår: 2024/25", sometimes "Typ av huvudman: …" and prose), then the column
header (first cell "Kommun"), optionally preceded by a group row (e.g. "Flickor"/"Pojkar" over
blocks of columns), then one row per municipality × huvudman [× kön], a blank line and
Skolverket's "Rapportbeskrivning och definitioner" footer. CSV exports are UTF-8 with BOM,
``;``-separated with a trailing ``;``, decimal comma and spaces as thousands separator; xlsx
exports have the same layout on each statistics sheet (numbers stored as numbers, codes as text).

Parsed reports (the report is identified by its title inside the file, never by the file name):

* "Grundskola - Jämförelse av betygsresultat över tid" (xlsx, one sheet per huvudman, one row per
  kommun × "Uppgift", one column per läsår) → ``skv.ak9.{pupils, share_girls, share_boys,
  foreign_bg, parents_posthigh, merit17, merit16, eligible_voc, pass_all}.<h>``
* "Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), samtliga elever" (csv/xlsx)
  → ``skv.ak6.{pass_all, pupils}.<h>``, gender T
* "… per kön" variant → the same series with gender K (Flickor) and M (Pojkar)
* "Grundskola - Antal elever per årskurs" → ``skv.gr.{share_girls, foreign_bg, parents_posthigh,
  pupils}.<h>`` (åk 1–9, pupils counted in October of the läsår)
* "Grundskola - Behörighet till gymnasieskolan, fr.o.m. 2011" → ``skv.ak9b.{eligible_voc,
  eligible_es, eligible_ekhusa, eligible_nate, pupils}.<h>``, gender K/M/T from the column "Kön"

``<h>`` is ``samtliga`` / ``kommunal`` / ``enskild`` (column ``population``: "samtliga" /
"kommunala skolor" / "fristående skolor"). Rows of the other huvudman types some exports list
("Statlig", "Region", "Internationella skolor") are dropped deliberately, so Kommunal + Enskild
need not add up to Samtliga. ``year`` is the spring term of the läsår ("2024/25" → 2025), taken
from the file's "Valt läsår" line (file names are sometimes off by one) or, for reports over
time, from the läsår column.

Recognised but not parsed (``discover`` lists them as skipped): Grundskola/Gymnasieskola -
Kostnader per kommun, Grundskola - Personalstatistik med lärarlegitimation och behörighet,
Grundskola - Resultat nationella prov årskurs 9 …, Grundskola - Jämförelse av ämnesbetyg över tid.
Any other title raises, so no file in the folder is silently ignored.

Errors are ``ValueError``/``FileNotFoundError`` with Swedish messages naming the file (and line
and value where there is one).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from ..schema import TIDY_COLUMNS, coerce_tidy, empty_tidy, parse_swedish_number
from ..errors import InputError

#: Typ av huvudman → (series suffix, population text).
HUVUDMAN = {
    "Samtliga": ("samtliga", "samtliga"),
    "Kommunal": ("kommunal", "kommunala skolor"),
    "Enskild": ("enskild", "fristående skolor"),
}
#: Huvudman types that some exports list besides the three above; their rows are dropped.
OTHER_HUVUDMAN = frozenset({"Statlig", "Region", "Internationella skolor"})

#: Kön (column value or group label) → tidy gender.
GENDER = {"Flickor": "K", "Pojkar": "M", "Samtliga": "T", "Totalt": "T"}

TITLE_OVER_TIME = "Grundskola - Jämförelse av betygsresultat över tid"
TITLE_AK6 = "Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), samtliga elever"
TITLE_AK6_KON = "Grundskola - Betyg årskurs 6, andel som fått godkänt betyg (A-E), per kön"
TITLE_GR = "Grundskola - Antal elever per årskurs"
TITLE_BEHORIGHET = "Grundskola - Behörighet till gymnasieskolan, fr.o.m. 2011"

#: "Uppgift" of the report over time → series stem. Anything else raises.
UPPGIFT_SERIES = {
    "Totalt antal elever årskurs 9": "skv.ak9.pupils",
    "- andel (%) flickor": "skv.ak9.share_girls",
    "- andel (%) pojkar": "skv.ak9.share_boys",
    "- andel (%) elever med utländsk bakgrund": "skv.ak9.foreign_bg",
    "- andel (%) med föräldrar med eftergymnasial utbildning": "skv.ak9.parents_posthigh",
    "Genomsnittligt meritvärde (17 ämnen)": "skv.ak9.merit17",
    "Genomsnittligt meritvärde (16 ämnen)": "skv.ak9.merit16",
    "Andel (%) behöriga till yrkesprogram": "skv.ak9.eligible_voc",
    "Andel (%) som fått godkänt betyg i alla ämnen": "skv.ak9.pass_all",
}


@dataclass(frozen=True)
class _WideSpec:
    """A report with one row per kommun × huvudman [× kön] and one column per measure."""

    columns: dict[str, str]  # column header → series stem
    gender: str  # "none": all T; "groups": group row Flickor/Pojkar[/Totalt]; "column": column "Kön"


_AK6_COLUMNS = {
    "Antal elever": "skv.ak6.pupils",
    "Andel (%) elever som fått godkänt betyg i alla ämnen": "skv.ak6.pass_all",
}

WIDE_SPECS: dict[str, _WideSpec] = {
    TITLE_AK6: _WideSpec(_AK6_COLUMNS, "none"),
    TITLE_AK6_KON: _WideSpec(_AK6_COLUMNS, "groups"),
    TITLE_GR: _WideSpec({
        "Andel (%) flickor, årskurs 1-9": "skv.gr.share_girls",
        "Andel (%) elever med utländsk bakgrund, åk 1-9": "skv.gr.foreign_bg",
        "Andel (%) elever med föräldrar med eftergymnasial utb., åk 1-9": "skv.gr.parents_posthigh",
        "Elever, årskurs 1-9": "skv.gr.pupils",
    }, "none"),
    TITLE_BEHORIGHET: _WideSpec({
        "Antal elever": "skv.ak9b.pupils",
        "Andel (%) elever behöriga till yrkesprog.": "skv.ak9b.eligible_voc",
        "Andel elever (%) behöriga till estetiskt program": "skv.ak9b.eligible_es",
        "Andel elever (%) behöriga till Ekonomi-, humanistiska och samhällsvetenskaps- program":
            "skv.ak9b.eligible_ekhusa",
        "Andel elever (%) behöriga till Naturvetenskapligt och tekniskt program": "skv.ak9b.eligible_nate",
    }, "column"),
}

PARSED_TITLES = frozenset({TITLE_OVER_TIME, *WIDE_SPECS})

#: Title prefixes of reports that are recognised but not parsed.
SKIPPED_TITLE_PREFIXES = (
    "Grundskola - Jämförelse av ämnesbetyg över tid",
    "Grundskola - Kostnader per kommun",
    "Gymnasieskola - Kostnader per kommun",
    "Grundskola - Personalstatistik med lärarlegitimation och behörighet",
    "Grundskola - Resultat nationella prov årskurs 9",
)

_BANNER = "Statistik från Skolverket"
_FOOTER = "Rapportbeskrivning"
_KEY = ["series", "municipality_id", "year", "gender"]
_LASAR = re.compile(r"^(\d{4})/(\d{2})$")
_CODE = re.compile(r"^\d{1,4}$")
_WS = re.compile(r"[\s\u00a0\u202f]+")
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})
# UTF-8 text that was decoded as latin-1/cp1252 and saved again as UTF-8 ("Ã¥" for "å").
_MOJIBAKE = re.compile("Ã[^\x00-\x7f]")


@lru_cache(maxsize=1 << 16)
def _norm_text(text: str) -> str:
    return _WS.sub(" ", text).strip().translate(_DASHES)


def _norm(cell) -> str:
    """Cell → text with whitespace collapsed and dashes unified (for comparing labels)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return _norm_text(cell if type(cell) is str else str(cell))


#: parse_swedish_number for text cells, memoised (exports repeat "..", "~100" and many numbers).
_parse_text = lru_cache(maxsize=1 << 16)(parse_swedish_number)
NAN = float("nan")


def _blank(cells) -> bool:
    return all(_norm(c) == "" for c in cells)


def _spring_year(lasar: str, where: str) -> int:
    """'2024/25' → 2025 (the spring term of the läsår)."""
    m = _LASAR.match(lasar)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise InputError(f"{where}: ogiltigt läsår {lasar!r} (väntade t.ex. '2024/25')")
    return int(m.group(1)) + 1


@dataclass
class _Table:
    """One statistics table (a CSV file or one xlsx sheet), before interpretation."""

    path: Path
    sheet: str | None
    title: str
    preamble: dict[str, str] = field(default_factory=dict)  # "Valt läsår" → "2024/25", …
    header: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    header_line: int = 0
    rows: list[tuple[int, list]] = field(default_factory=list)  # (line number, cells)

    def where(self, line: int | None = None) -> str:
        text = str(self.path) + (f", blad '{self.sheet}'" if self.sheet else "")
        return text + (f", rad {line}" if line is not None else "")

    @property
    def lasar(self) -> str:
        if "Valt läsår" not in self.preamble:
            raise InputError(f"{self.where()}: raden 'Valt läsår: …' saknas före tabellen")
        return self.preamble["Valt läsår"]

    @property
    def vintage(self) -> int:
        return _spring_year(self.lasar, self.where())

    @property
    def source(self) -> str:
        return f"Skolverket: {self.title}, läsår {self.lasar}"

    def column(self, name: str, group: str = "", alternatives: tuple[str, ...] = ()) -> int:
        """Index of the column ``name`` (under group label ``group``); raises naming it if absent."""
        for candidate in (name, *alternatives):
            for i, (h, g) in enumerate(zip(self.header, self.groups)):
                if h == candidate and g == group:
                    return i
        label = f"{group}: {name}" if group else name
        raise InputError(
            f"{self.where()}: kolumnen '{label}' saknas i rubrikraden (rad {self.header_line}); "
            f"exporten har ändrats eller är inte den väntade rapporten")

    @staticmethod
    def cell(cells: list, index: int):
        return cells[index] if index < len(cells) else None

    def number(self, line: int, cells: list, index: int) -> tuple[float, str]:
        cell = cells[index] if index < len(cells) else None
        if type(cell) is float:  # xlsx number: the common case, kept cheap
            return (cell, "ok") if cell == cell else (NAN, "missing")
        try:
            return _parse_text(cell) if type(cell) is str else parse_swedish_number(cell)
        except ValueError:
            raise InputError(
                f"{self.where(line)}: kan inte läsa värdet {cell!r} i kolumnen "
                f"'{self.header[index]}' som ett tal") from None

    def municipality(self, line: int, cells: list, index: int) -> str:
        code = _norm(self.cell(cells, index))
        if not _CODE.match(code):
            raise InputError(f"{self.where(line)}: ogiltig kommunkod {code!r}")
        return code.zfill(4)

    def huvudman(self, line: int, cells: list, index: int | None) -> str:
        text = _norm(self.cell(cells, index)) if index is not None else self.preamble.get(
            "Typ av huvudman", "")
        if text not in HUVUDMAN and text not in OTHER_HUVUDMAN:
            raise InputError(f"{self.where(line)}: okänd typ av huvudman {text!r}")
        return text

    def municipal_rows(self, i_hm: int | None, i_code: int):
        """(line, cells, series suffix, population, municipality id) for every row of a kept huvudman."""
        for line, cells in self.rows:
            hm = self.huvudman(line, cells, i_hm)
            if hm in OTHER_HUVUDMAN:
                continue
            suffix, population = HUVUDMAN[hm]
            yield line, cells, suffix, population, self.municipality(line, cells, i_code)


# --------------------------------------------------------------------------------------------
# Reading files into tables


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"{path}: filen finns inte")
    if not path.is_file():
        raise InputError(f"{path}: är ingen fil")


def _csv_lines(path: Path) -> list[str]:
    _check_exists(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: filen är tom")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: fel teckenkodning – filen är inte UTF-8 (ogiltig byte {data[exc.start]:#04x} vid "
            f"position {exc.start}); den verkar ha sparats om som latin-1/cp1252. "
            f"Använd originalfilen från Skolverket (UTF-8).") from None
    bad = _MOJIBAKE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InputError(
            f"{path}, rad {line}: fel teckenkodning – texten innehåller {bad.group()!r}, dvs. UTF-8 som "
            f"lästs som latin-1/cp1252 och sparats om. Använd originalfilen från Skolverket.")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _title_of_lines(lines: list[str]) -> str:
    for line in lines[:20]:
        text = _norm(line).strip(";").strip()
        if text and not text.startswith(_BANNER):
            return text
    return ""


def _parse_preamble(table: _Table, first_cells: list[str]) -> None:
    for text in first_cells:
        if ":" in text:
            key, _, value = text.partition(":")
            key = key.strip()
            if key in ("Valt läsår", "Valt år", "Typ av huvudman", "Valt uttag"):
                table.preamble.setdefault(key, value.strip())


def _groups(above: list, width: int) -> list[str]:
    """Group label of each column from the row above the header ("Flickor", "Pojkar", …).

    Labels are carried to the right: in xlsx the group cells are merged and only the first
    carries the label; in csv every cell repeats it.
    """
    groups, current = [], ""
    for i in range(width):
        label = _norm(above[i]) if i < len(above) else ""
        current = label or current
        groups.append(current)
    return groups


def _csv_table(path: Path) -> _Table:
    lines = _csv_lines(path)
    title = _title_of_lines(lines)
    table = _Table(path=path, sheet=None, title=title)
    header_at = next((i for i, line in enumerate(lines) if _norm(line.split(";")[0]) == "Kommun"), None)
    if header_at is None:
        raise InputError(f"{path}: hittar ingen rubrikrad som börjar med 'Kommun;' – filen är avkortad "
                         f"eller inte en tabell från Skolverket")
    _parse_preamble(table, [_norm(line) for line in lines[:header_at]])
    table.header_line = header_at + 1
    table.header = [_norm(c) for c in lines[header_at].split(";")]
    above = lines[header_at - 1].split(";") if header_at > 0 and ";" in lines[header_at - 1] else []
    table.groups = _groups(above, len(table.header))
    width = len(table.header)
    end = None
    for i in range(header_at + 1, len(lines)):
        line = lines[i]
        if _WS.sub("", line.replace(";", "")) == "":
            end = i
            break
        cells = line.split(";")
        if len(cells) < width:
            raise InputError(
                f"{path}, rad {i + 1}: raden har {len(cells)} fält men rubrikraden (rad {header_at + 1}) har "
                f"{width} – filen är avkortad eller raden trasig: {line[:80]!r}")
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise InputError(
                f"{path}, rad {i + 1}: raden har {len(cells)} fält men rubrikraden (rad {header_at + 1}) har "
                f"{width}: {line[:80]!r}")
        table.rows.append((i + 1, cells[:width]))
    if not table.rows:
        raise InputError(f"{path}: inga datarader efter rubrikraden (rad {header_at + 1}) – filen är avkortad")
    if end is None or not any(line.strip().startswith(_FOOTER) for line in lines[end:]):
        raise InputError(
            f"{path}: filen tar slut efter rad {table.rows[-1][0]} utan Skolverkets avslutande "
            f"'{_FOOTER} och definitioner' – filen verkar avkortad")
    return table


class _Workbook:
    """Sheet names and cell values of an xlsx export, read with openpyxl (read-only, cached values).

    Values: str, float, bool or None (integers become floats, as every number of a CSV export does); ``rows``
    gives index 0 = Excel row 1, each row without its trailing empty cells. openpyxl replaced a hand-written
    regular-expression reader of the sheet XML: slower (about 2× on the 460 KB report over time), but one
    maintained parser instead of 150 lines of our own."""

    def __init__(self, path: Path):
        _check_exists(path)
        self.path = path
        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except _XLSX_ERRORS as exc:
            raise InputError(f"{path}: kan inte läsas som Excel-fil ({type(exc).__name__}: {exc}) – filen "
                             f"verkar trasig eller avkortad") from None
        self.sheets = [(ws.title, ws.title) for ws in self.book.worksheets]  # (name, key for rows())
        if not self.sheets:
            self.close()
            raise InputError(f"{path}: arbetsboken har inga blad")

    def close(self) -> None:
        self.book.close()

    def __enter__(self) -> _Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, sheet: str, max_rows: int | None = None) -> list[list]:
        """Cell values of one sheet as rows (index 0 = Excel row 1); empty rows are empty lists."""
        try:
            raw = list(self.book[sheet].iter_rows(max_row=max_rows, values_only=True))
        except _XLSX_ERRORS as exc:
            raise InputError(f"{self.path}: bladet {sheet} kan inte läsas ({type(exc).__name__}: {exc}) – "
                             f"filen verkar trasig eller avkortad") from None
        out = []
        for row in raw:
            cells = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row]
            while cells and cells[-1] is None:
                cells.pop()
            out.append(cells)
        return out


#: What openpyxl raises for a damaged or truncated file (zip, XML, or its own checks).
_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, TypeError, ET.ParseError,
                InvalidFileException)


def _xlsx_title(book: _Workbook) -> str:
    for row in book.rows(book.sheets[0][1], max_rows=15):
        for cell in row:
            text = _norm(cell)
            if text and not text.startswith(_BANNER):
                return text
    return ""


def _xlsx_tables(path: Path) -> list[_Table]:
    with _Workbook(path) as book:
        sheets = [(name, book.rows(member)) for name, member in book.sheets
                  if not name.strip().startswith(_FOOTER)]  # skip the definitions sheet
    tables = []
    for name, rows in sheets:
        table = _Table(path=path, sheet=name, title="")
        header_at = next((i for i, r in enumerate(rows) if r and _norm(r[0]) == "Kommun"), None)
        if header_at is None:
            raise InputError(f"{table.where()}: hittar ingen rubrikrad som börjar med 'Kommun'")
        firsts = [_norm(next((c for c in r if _norm(c)), "")) for r in rows[:header_at]]
        table.title = next((t for t in firsts if t and not t.startswith(_BANNER)), "")
        _parse_preamble(table, firsts)
        table.header_line = header_at + 1
        table.header = [_norm(c) for c in rows[header_at]]
        table.groups = _groups(rows[header_at - 1] if header_at > 0 else [], len(table.header))
        for i in range(header_at + 1, len(rows)):
            if _blank(rows[i]):
                break
            table.rows.append((i + 1, rows[i]))
        if not table.rows:
            raise InputError(f"{table.where()}: inga datarader efter rubrikraden (rad {header_at + 1})")
        tables.append(table)
    if not tables:
        raise InputError(f"{path}: arbetsboken har inget blad med statistik")
    return tables


def _tables(path: Path) -> list[_Table]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_csv_table(path)]
    if suffix == ".xlsx":
        return _xlsx_tables(path)
    _check_exists(path)
    raise InputError(f"{path}: okänd filtyp {path.suffix!r} (väntade .csv eller .xlsx från Skolverket)")


def report_title(path: Path) -> str:
    """The report title inside an export (the line after the Skolverket banner)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _title_of_lines(_csv_lines(path))
    if suffix == ".xlsx":
        with _Workbook(path) as book:
            return _xlsx_title(book)
    _check_exists(path)
    raise InputError(f"{path}: okänd filtyp {path.suffix!r} (väntade .csv eller .xlsx från Skolverket)")


def _classify(path: Path, title: str) -> str:
    if title in PARSED_TITLES:
        return "parsed"
    if any(title.startswith(prefix) for prefix in SKIPPED_TITLE_PREFIXES):
        return "skipped"
    raise InputError(f"{path}: okänd Skolverket-rapport {title!r} – läsaren känner inte igen den")


# --------------------------------------------------------------------------------------------
# Interpreting tables


def _over_time_rows(table: _Table, out: list) -> None:
    i_code = table.column("Kommunkod", alternatives=("Kommun-kod",))
    i_task = table.column("Uppgift")
    i_hm = next((i for i, h in enumerate(table.header) if h == "Typ av huvudman"), None)
    years = [(i, _spring_year(h, table.where(table.header_line))) for i, h in enumerate(table.header)
             if _LASAR.match(h)]
    if not years:
        raise InputError(f"{table.where()}: rubrikraden (rad {table.header_line}) har inga läsårskolumner "
                         f"som '2024/25'")
    source = table.source
    for line, cells, suffix, population, mid in table.municipal_rows(i_hm, i_code):
        task = _norm(table.cell(cells, i_task))
        stem = UPPGIFT_SERIES.get(task)
        if stem is None:
            raise InputError(f"{table.where(line)}: okänd uppgift {task!r} – exporten har ändrats, "
                             f"kontrollera filen och UPPGIFT_SERIES")
        series = f"{stem}.{suffix}"
        for i, year in years:
            value, status = table.number(line, cells, i)
            out.append((series, mid, year, "T", value, status, source, population))


def _wide_rows(table: _Table, spec: _WideSpec, out: list) -> None:
    i_code = table.column("Kommun-kod", alternatives=("Kommunkod",))
    i_hm = table.column("Typ av huvudman")
    year = table.vintage
    source = table.source
    if spec.gender == "groups":
        labels = sorted({g for g in table.groups[i_hm + 1:] if g})
        unknown = [g for g in labels if g not in GENDER]
        if unknown:
            raise InputError(f"{table.where(table.header_line - 1)}: okänd könsgrupp {unknown[0]!r} "
                             f"(väntade Flickor/Pojkar)")
        for required in ("Flickor", "Pojkar"):
            if required not in labels:
                raise InputError(f"{table.where(table.header_line - 1)}: kolumngruppen '{required}' saknas")
        blocks = [(GENDER[g], g) for g in labels]
    else:
        blocks = [("T", "")]
    columns = [(gender, table.column(name, group), stem)
               for gender, group in blocks for name, stem in spec.columns.items()]
    i_sex = table.column("Kön") if spec.gender == "column" else None
    for line, cells, suffix, population, mid in table.municipal_rows(i_hm, i_code):
        row_gender = None
        if i_sex is not None:
            sex = _norm(table.cell(cells, i_sex))
            if sex not in GENDER:
                raise InputError(f"{table.where(line)}: okänt värde {sex!r} i kolumnen 'Kön'")
            row_gender = GENDER[sex]
        for gender, index, stem in columns:
            value, status = table.number(line, cells, index)
            out.append((f"{stem}.{suffix}", mid, year, row_gender or gender, value, status, source, population))


def _frame(out: list[tuple]) -> pd.DataFrame:
    """Rows (tuples in TIDY_COLUMNS order) → frame; dtypes are finalised by coerce_tidy."""
    if not out:
        return empty_tidy()
    data = dict(zip(TIDY_COLUMNS, zip(*out)))
    data["year"] = np.asarray(data["year"], dtype="int64")
    data["value"] = np.asarray(data["value"], dtype="float64")
    return pd.DataFrame(data, columns=TIDY_COLUMNS)


def _read_tables(path: Path, tables: list[_Table]) -> tuple[pd.DataFrame, int]:
    """(frame in tidy column order, not yet coerced; vintage = spring year of 'Valt läsår')."""
    out: list[tuple] = []
    vintages = set()
    for table in tables:
        kind = _classify(path, table.title)
        if kind == "skipped":
            raise InputError(f"{path}: rapporten {table.title!r} känns igen men läses inte av denna läsare")
        vintages.add(table.vintage)
        if table.title == TITLE_OVER_TIME:
            _over_time_rows(table, out)
        else:
            _wide_rows(table, WIDE_SPECS[table.title], out)
    if len(vintages) != 1:
        raise InputError(f"{path}: bladen har olika 'Valt läsår' ({sorted(vintages)})")
    frame = _frame(out)
    dup = frame.duplicated(_KEY, keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise InputError(f"{path}: samma uppgift förekommer flera gånger: {first['series']}, kommun "
                         f"{first['municipality_id']}, år {first['year']}, kön {first['gender']}")
    return frame, vintages.pop()


def read_export(path: Path) -> pd.DataFrame:
    """Read one Skolverket export (csv or xlsx) into a tidy frame; dispatches on the report title."""
    path = Path(path)
    return coerce_tidy(_read_tables(path, _tables(path))[0])


def discover(raw_skolverket_dir: Path) -> tuple[list[Path], list[Path]]:
    """(files this reader parses, files recognised as Skolverket reports it does not parse).

    Files whose names start with "." are ignored; any other file (or folder) whose report title
    is not recognised raises ``ValueError`` naming it, so nothing is skipped silently.
    """
    folder = Path(raw_skolverket_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: katalogen finns inte")
    parsed, skipped = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            raise InputError(f"{path}: oväntad katalog bland Skolverket-exporterna")
        kind = _classify(path, report_title(path))
        (parsed if kind == "parsed" else skipped).append(path)
    return parsed, skipped


def read_all(raw_skolverket_dir: Path) -> pd.DataFrame:
    """Every parsed export in the folder, concatenated and sorted.

    Where several exports give the same (series, municipality_id, year, gender), the one with the
    newest "Valt läsår" wins (a later export supersedes an earlier one). Exports of the same
    vintage (e.g. the xlsx twin of a csv) must agree on value and status, or this raises.
    """
    frames = []
    parsed, _ = discover(raw_skolverket_dir)
    for path in parsed:
        frame, vintage = _read_tables(path, _tables(path))
        frames.append(frame.assign(_vintage=vintage, _file=path.name))
    if not frames:
        return empty_tidy()
    every = pd.concat(frames, ignore_index=True)
    newest = every.groupby(_KEY, sort=False)["_vintage"].transform("max")
    top = every[every["_vintage"].to_numpy() == newest.to_numpy()]
    dup = top.duplicated(_KEY, keep=False)
    if dup.any():
        d = top[dup]
        g = d.groupby(_KEY, sort=False)
        spread = (g["value"].transform("max") - g["value"].transform("min")).fillna(0).abs()
        scale = np.maximum(d["value"].abs().fillna(0), 1.0)
        bad = (g["status"].transform("nunique") > 1) | (spread > 1e-9 * scale)
        if bad.any():
            row = d[bad].iloc[0]
            same = d[(d[_KEY] == row[_KEY]).all(axis=1)]
            detail = "; ".join(f"{name}: {value} ({status})"
                               for name, value, status in zip(same["_file"], same["value"], same["status"]))
            raise InputError(
                f"{Path(raw_skolverket_dir)}: exporter med samma 'Valt läsår' ger olika värden för "
                f"{row['series']}, kommun {row['municipality_id']}, år {row['year']}, kön {row['gender']}: "
                f"{detail}")
        top = top.drop_duplicates(_KEY, keep="first")
    top = top.sort_values(_KEY, kind="stable")
    return coerce_tidy(top.drop(columns=["_vintage", "_file"]))


__all__ = ["discover", "read_all", "read_export", "report_title", "UPPGIFT_SERIES", "WIDE_SPECS",
           "HUVUDMAN", "GENDER"]
