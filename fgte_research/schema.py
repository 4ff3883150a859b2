"""The tidy row format every source reader produces and the panel stores.

One row per (series, municipality_id, year, gender). A value is a number only when
status == "ok"; every other status carries NaN so that no suppressed, rounded or
absent figure can become a number by accident.
"""

from __future__ import annotations

import math
import re

import pandas as pd
from .errors import InputError

#: Columns of a tidy source frame, in order. ``indicator`` is added by the panel build.
TIDY_COLUMNS = ["series", "municipality_id", "year", "gender", "value", "status", "source", "population"]

#: ok: a published number. suppressed: ".." (too few pupils). missing: "." or an empty cell.
#: rounded: "~100" (published only as approximately 100). None of the last three has a value.
STATUSES = ("ok", "suppressed", "missing", "rounded")

GENDERS = ("T", "K", "M")

_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_swedish_number(cell) -> tuple[float, str]:
    """Parse one cell of a Swedish statistics export into (value, status).

    Handles decimal comma, thousands separated by (non-breaking) spaces and
    Skolverket's codes: ".." suppressed, "." missing, "~100" rounded.

    >>> parse_swedish_number("4 102")
    (4102.0, 'ok')
    >>> parse_swedish_number("17,1")
    (17.1, 'ok')
    >>> parse_swedish_number("..")
    (nan, 'suppressed')
    """
    if cell is None:
        return math.nan, "missing"
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return (math.nan, "missing") if math.isnan(float(cell)) else (float(cell), "ok")
    text = _SPACES.sub("", str(cell))
    if text == "":
        return math.nan, "missing"
    if text == "..":
        return math.nan, "suppressed"
    if text == ".":
        return math.nan, "missing"
    if text.startswith("~"):
        return math.nan, "rounded"
    try:
        return float(text.replace(",", ".")), "ok"
    except ValueError:
        raise InputError(f"cannot read {cell!r} as a number") from None


def empty_tidy() -> pd.DataFrame:
    """An empty tidy frame with the right columns and dtypes."""
    return coerce_tidy(pd.DataFrame(columns=TIDY_COLUMNS))


def coerce_tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the tidy columns in order and canonical dtypes."""
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"tidy frame lacks columns {missing}")
    out = frame[TIDY_COLUMNS].copy()
    out["series"] = out["series"].astype(str)
    out["municipality_id"] = out["municipality_id"].astype(str).str.zfill(4)
    out["year"] = out["year"].astype("int64")
    out["gender"] = out["gender"].astype(str)
    out["value"] = pd.to_numeric(out["value"]).astype("float64")
    out["status"] = out["status"].astype(str)
    out["source"] = out["source"].astype(str)
    out["population"] = out["population"].astype(str)
    bad_status = set(out["status"]) - set(STATUSES)
    if bad_status:
        raise InputError(f"unknown status values {sorted(bad_status)}")
    bad_gender = set(out["gender"]) - set(GENDERS)
    if bad_gender:
        raise InputError(f"unknown gender values {sorted(bad_gender)}")
    if (out["status"].ne("ok") & out["value"].notna()).any():
        raise InputError("a row with status other than 'ok' carries a value")
    return out.reset_index(drop=True)
