"""Reference values a municipality is set against: riket, county, the FGTE region, a similar-municipality group.

Method, always stated in the output:
- riket for a Kolada series: Kolada's own national value (computed by the source over all pupils);
- otherwise a pupil-weighted mean of the member municipalities' values where pupil counts exist for that
  population and year (Skolverket's åk 9 / åk 6 counts), else an unweighted mean — as Kolada's own group
  values ("ovägt medel") are. Suppressed or missing member values are left out and counted.
A reference is context for the municipality's own progression, never a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import municipalities as mun
from .catalogue import series as series_meta
from .panel import memoised, series_values
from .errors import InputError

#: Pupil counts that can weight a series (same population, same stage).
_WEIGHTS = {
    "ak9_kommunal": "skv.ak9.pupils.kommunal",
    "ak9_samtliga": "skv.ak9.pupils.samtliga",
    "ak6_kommunal": "skv.ak6.pupils.kommunal",
    "ak6_samtliga": "skv.ak6.pupils.samtliga",
}
_AK9_KOMMUNAL_KOLADA = {"N15419", "N15505", "N15436", "N15567", "N15561", "N15564", "N15433", "N15434", "N15435"}


def weight_series_for(series_id: str) -> str | None:
    if series_id.startswith(("skv.ak9.", "splice.ak9.")) or series_id in _AK9_KOMMUNAL_KOLADA:
        return _WEIGHTS["ak9_samtliga" if series_id.endswith(".samtliga") else "ak9_kommunal"]
    if series_id.startswith("skv.ak6."):
        return _WEIGHTS["ak6_samtliga" if series_id.endswith(".samtliga") else "ak6_kommunal"]
    return None


@dataclass(frozen=True)
class Reference:
    key: str  # "riket", "lan", "fgte", "liknande"
    label: str
    members: tuple[str, ...]  # empty for Kolada's own national value


def references_for(municipality_id: str, kinds=("riket", "lan", "fgte", "liknande"),
                   similar_kind: str = "grundskola") -> list[Reference]:
    return list(_references_for(municipality_id, tuple(kinds), similar_kind))


@memoised(maxsize=4096)
def _references_for(municipality_id: str, kinds: tuple, similar_kind: str) -> tuple[Reference, ...]:
    # every indicator of a report asks for the same references (6 ms each time from the municipality table)
    county = mun.county_of(municipality_id)
    table = mun.load_municipalities()
    county_name = table.loc[table["county_id"] == county, "county_name"].iloc[0]
    out = []
    for kind in kinds:
        if kind == "riket":
            out.append(Reference("riket", "Riket", tuple(table["municipality_id"])))
        elif kind == "lan":
            out.append(Reference("lan", f"{county_name}s län", tuple(mun.county_members(county))))
        elif kind == "fgte":
            out.append(Reference("fgte", "FGTE-kommunerna", mun.FGTE_SET))
        elif kind == "liknande":
            out.append(Reference("liknande", f"Liknande kommuner ({similar_kind})",
                                 tuple(mun.similar_group(municipality_id, similar_kind))))
        else:
            raise InputError(f"okänd referens {kind!r}; giltiga: riket, lan, fgte, liknande")
    return tuple(out)


def aggregate(panel: pd.DataFrame | None, series_id: str, members, gender: str = "T",
              last_year: int | None = None) -> pd.DataFrame:
    """Yearly aggregate of ``series_id`` over ``members``: year, value, method, n_with_value, n_members.

    A year is pupil-weighted only when every member with a value also has a pupil count that year;
    otherwise it is the unweighted mean (the method column says which). ``panel=None`` reads the project's panel
    through the memoised accessor (in a warm report kernel riket/county/FGTE aggregates are computed once).
    """
    members = tuple(sorted(members))
    if panel is None:
        return _panel_aggregate(series_id, members, gender, last_year).copy()
    if last_year is not None:
        panel = panel[panel["year"] <= last_year]
    in_members = panel["municipality_id"].isin(members)
    sub = panel[(panel["series"] == series_id) & (panel["gender"] == gender) & in_members]
    weight_id = weight_series_for(series_id) if gender == "T" else None
    w = (panel[(panel["series"] == weight_id) & (panel["gender"] == "T") & in_members]
         if weight_id is not None else None)
    return _aggregate(sub, w, len(members))


@memoised(maxsize=4096)
def _panel_aggregate(series_id: str, members: tuple, gender: str, last_year: int | None) -> pd.DataFrame:
    # only the members' rows: a similar-municipality group is a handful of the 290, and every municipality has
    # its own group, so this runs once per municipality and series
    weight_id = weight_series_for(series_id) if gender == "T" else None
    sub = _member_rows(series_id, gender, members, last_year)
    w = _member_rows(weight_id, "T", members, last_year) if weight_id is not None else None
    return _aggregate(sub, w, len(members))


def _member_rows(series_id: str, gender: str, members: tuple, last_year: int | None) -> pd.DataFrame:
    return series_values(series_id, members, gender=gender, last_year=last_year, include_aggregates=False)


def _aggregate(sub: pd.DataFrame, w: pd.DataFrame | None, n_members: int) -> pd.DataFrame:
    """Per year of ``sub``: the mean over members with status ok, pupil-weighted when every one of them has a
    weight (numpy per-year sums: this runs for every municipality's own comparison group)."""
    years = np.unique(sub["year"].to_numpy(dtype=int))
    ok = sub[sub["status"] == "ok"]
    yr = ok["year"].to_numpy(dtype=int)
    val = ok["value"].to_numpy(dtype=float)
    if w is not None and len(w):
        lookup = dict(zip(zip(w["municipality_id"].astype(str), w["year"].astype(int)), w["value"].astype(float)))
        weight = np.array([lookup.get(k, np.nan) for k in zip(ok["municipality_id"].astype(str), yr)], float)
    else:
        weight = np.full(len(val), np.nan)
    pos = np.searchsorted(years, yr)
    size = len(years)
    n_with_value = np.bincount(pos, minlength=size)
    has_val, has_w = ~np.isnan(val), ~np.isnan(weight)
    n_val = np.bincount(pos, weights=has_val.astype(float), minlength=size)
    sum_val = np.bincount(pos, weights=np.where(has_val, val, 0.0), minlength=size)
    weight_n = np.bincount(pos, weights=has_w.astype(float), minlength=size)
    weight_sum = np.bincount(pos, weights=np.where(has_w, weight, 0.0), minlength=size)
    prod = val * weight
    weighted_sum = np.bincount(pos, weights=np.where(np.isnan(prod), 0.0, prod), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_val > 0, sum_val / n_val, np.nan)
        use_weights = (weight_n == n_with_value) & (weight_sum > 0) & (n_with_value > 0)
        value = np.where(use_weights, weighted_sum / np.where(use_weights, weight_sum, 1.0), mean)
    method = np.where(use_weights, "elevviktat medel av kommunernas värden",
                      np.where(n_with_value > 0, "ovägt medel av kommunernas värden", "saknas"))
    return pd.DataFrame({"year": years, "value": np.where(n_with_value > 0, value, np.nan), "method": method,
                         "n_with_value": n_with_value.astype(int), "n_members": n_members})


def reference_table(panel: pd.DataFrame | None, series_id: str, municipality_id: str,
                    kinds=("riket", "lan", "fgte", "liknande"), gender: str = "T",
                    similar_kind: str = "grundskola", last_year: int | None = None) -> pd.DataFrame:
    """Tidy reference values up to ``last_year``: reference, label, year, value, method, n_with_value, n_members.

    ``panel=None``: the project's panel through the memoised accessor.
    """
    if panel is None:  # the project's data: riket, county and FGTE rows are the same for every municipality
        parts = [_reference_rows(series_id, ref, gender, last_year)
                 for ref in references_for(municipality_id, kinds, similar_kind)]
        parts = [p for p in parts if p is not None]
    else:
        parts = [p for ref in references_for(municipality_id, kinds, similar_kind)
                 if (p := _one_reference(panel, series_id, ref, gender, last_year)) is not None]
    if not parts:
        return pd.DataFrame(columns=["reference", "label", "year", "value", "method", "n_with_value", "n_members"])
    out = pd.concat(parts, ignore_index=True)
    return out[["reference", "label", "year", "value", "method", "n_with_value", "n_members"]]


@memoised(maxsize=4096)
def _reference_rows(series_id: str, ref: Reference, gender: str, last_year: int | None) -> pd.DataFrame | None:
    return _one_reference(None, series_id, ref, gender, last_year)


def _one_reference(panel: pd.DataFrame | None, series_id: str, ref: Reference, gender: str,
                   last_year: int | None) -> pd.DataFrame | None:
    """One reference's yearly values (None: no members, nothing to show)."""
    if ref.key == "riket" and series_meta(series_id).source == "kolada":
        if panel is None:
            p = series_values(series_id, "0000", gender=gender, last_year=last_year)
        else:
            p = panel if last_year is None else panel[panel["year"] <= last_year]
        national = p[(p["series"] == series_id) & (p["municipality_id"] == "0000")
                     & (p["gender"] == gender) & (p["status"] == "ok")]
        if not national.empty:
            frame = pd.DataFrame({"year": national["year"].to_numpy(), "value": national["value"].to_numpy(),
                                  "method": "Koladas värde för riket (alla elever i populationen)",
                                  "n_with_value": np.nan, "n_members": np.nan})
            return frame.assign(reference=ref.key, label=ref.label)
    if not ref.members:
        return None
    return aggregate(panel, series_id, ref.members, gender, last_year).assign(reference=ref.key, label=ref.label)
