"""The results store's file format: plain data (JSON), never code.

A result object is turned into a JSON tree: numbers, strings, lists; tagged objects for what JSON lacks (tuples,
dicts with non-string keys, numpy scalars and arrays, pandas frames, series and indexes) and for the package's own
result classes (dataclasses of ``fgte_research``). Reading builds only those: a dataclass is looked up among the
modules *already imported* (no import, no call of anything the file names), created without running its
``__init__`` and given the stored field values. Anything else — a statsmodels fit, a function, an object of
another package — cannot be written (:class:`Unstorable`); the caller then computes that result every time.

Reading a corrupted or hostile tree fails with :class:`Unreadable` (whatever went wrong inside), never with
another exception, so the store can treat every bad entry the same way: recompute it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import numpy as np
import pandas as pd

from .errors import FgteError, InputError

PACKAGE = "fgte_research"
#: numpy dtype kinds stored as plain numbers (b bool, i/u integers, f floats) or strings (U).
_PLAIN_KINDS = "biufU"


class Unstorable(FgteError, TypeError):
    """The value holds something that is not plain data (e.g. a statsmodels fit): it is not stored."""


class Unreadable(FgteError, ValueError):
    """A stored tree that does not decode into the package's result objects."""


@dataclasses.dataclass
class FitSummary:
    """What the store keeps of a statsmodels regression fit: its estimates as plain data.

    The attributes the package reads (``params``, ``bse``, ``tvalues``, ``pvalues``, ``rsquared``,
    ``conf_int()`` at 95 %, ``nobs``, ``df_resid`` …) with the fit's own values; the model and its data are not
    kept, so ``summary()`` or a prediction need the fit computed afresh (``FGTE_RESULTS_STORE=0``)."""

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    ci95: pd.DataFrame
    rsquared: float
    rsquared_adj: float
    nobs: float
    df_model: float
    df_resid: float
    ssr: float
    scale: float
    cov_type: str = "nonrobust"

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        if abs(alpha - 0.05) > 1e-12:
            raise InputError("resultatlagret sparar bara 95 %-intervall; räkna om med FGTE_RESULTS_STORE=0")
        return self.ci95.copy()


def _fit_summary(fit) -> FitSummary:
    def number(name):
        try:
            return float(getattr(fit, name))
        except Exception:  # noqa: BLE001 - e.g. rsquared of a model without a constant: undefined
            return float("nan")

    return FitSummary(params=fit.params.copy(), bse=fit.bse.copy(), tvalues=fit.tvalues.copy(),
                      pvalues=fit.pvalues.copy(), ci95=fit.conf_int(alpha=0.05), rsquared=number("rsquared"),
                      rsquared_adj=number("rsquared_adj"), nobs=number("nobs"), df_model=number("df_model"),
                      df_resid=number("df_resid"), ssr=number("ssr"), scale=number("scale"),
                      cov_type=str(getattr(fit, "cov_type", "nonrobust")))


def _is_regression_fit(obj) -> bool:
    return any(c.__module__.startswith("statsmodels.regression") and c.__name__ in
               ("RegressionResults", "RegressionResultsWrapper") for c in type(obj).__mro__)


# ------------------------------------------------------------------------------------------------ encode
def encode(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and type(obj) is int:
        return obj
    if type(obj) is float:
        return obj
    if isinstance(obj, np.generic):
        if obj.dtype.kind not in _PLAIN_KINDS:
            raise Unstorable(f"numpy-skalär av typen {obj.dtype}")
        return {"$np": obj.dtype.str, "v": obj.item()}
    if type(obj) is list:
        return [encode(v) for v in obj]
    if type(obj) is tuple:
        return {"$t": [encode(v) for v in obj]}
    if type(obj) in (set, frozenset):
        return {"$set" if type(obj) is set else "$fset": [encode(v) for v in sorted(obj, key=repr)]}
    if type(obj) is dict:
        return {"$d": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in _PLAIN_KINDS:
            raise Unstorable(f"numpy-array av typen {obj.dtype}")
        return {"$a": obj.dtype.str, "shape": list(obj.shape), "v": obj.ravel().tolist()}
    if type(obj) is pd.DataFrame:
        return {"$df": {"columns": _index(obj.columns), "index": _index(obj.index),
                        "data": [_values(obj.iloc[:, i]) for i in range(obj.shape[1])]}}
    if type(obj) is pd.Series:
        return {"$s": {"name": encode(obj.name), "index": _index(obj.index), "v": _values(obj)}}
    if isinstance(obj, pd.Index):
        return {"$i": _index(obj)}
    if _is_regression_fit(obj):
        return encode(_fit_summary(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        cls = type(obj)
        if not cls.__module__.startswith(PACKAGE) or not hasattr(obj, "__dict__"):
            raise Unstorable(f"objekt av typen {cls.__module__}.{cls.__qualname__}")
        return {"$dc": f"{cls.__module__}:{cls.__qualname__}",
                "f": {str(k): encode(v) for k, v in vars(obj).items()}}
    raise Unstorable(f"objekt av typen {type(obj).__module__}.{type(obj).__qualname__}")


def _values(col) -> dict:
    """A column's values with its dtype: numbers as numbers, anything else element by element."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {"dtype": "category", "ordered": bool(dtype.ordered), "categories": _index(dtype.categories),
                "codes": col.cat.codes.tolist() if hasattr(col, "cat") else list(col.codes)}
    if isinstance(dtype, np.dtype) and dtype.kind in _PLAIN_KINDS:
        return {"dtype": dtype.str, "v": np.asarray(col).tolist()}
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return {"dtype": dtype.str, "v": np.asarray(col).view("i8").tolist()}
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return {"dtype": "O", "v": [encode(v) for v in np.asarray(col, dtype=object)]}
    # pandas extension dtypes (string, Int64, Float64, boolean): values with pd.NA as None
    values = [None if v is pd.NA else encode(v) for v in np.asarray(col, dtype=object)]
    return {"dtype": str(dtype), "ext": True, "v": values}


def _index(idx: pd.Index) -> dict:
    if isinstance(idx, pd.RangeIndex):
        return {"range": [idx.start, idx.stop, idx.step], "name": encode(idx.name)}
    if isinstance(idx, pd.MultiIndex):
        return {"multi": [_index(idx.get_level_values(i)) for i in range(idx.nlevels)],
                "names": encode(list(idx.names))}
    return {"name": encode(idx.name), **_values(idx)}


# ------------------------------------------------------------------------------------------------ decode
def decode(tree: Any) -> Any:
    """The object a tree of :func:`encode` stands for; :class:`Unreadable` for anything else."""
    try:
        return _decode(tree)
    except Unreadable:
        raise
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - a bad entry of any shape: unreadable
        raise Unreadable(f"{type(exc).__name__}: {exc}") from None


def _decode(t: Any) -> Any:
    if t is None or isinstance(t, (bool, int, float, str)):
        return t
    if isinstance(t, list):
        return [_decode(v) for v in t]
    if not isinstance(t, dict) or len(t) not in (1, 2, 3):
        raise Unreadable("okänd nod")
    if "$t" in t:
        return tuple(_decode(v) for v in t["$t"])
    if "$d" in t:
        return {_decode(k): _decode(v) for k, v in t["$d"]}
    if "$set" in t:
        return {_decode(v) for v in t["$set"]}
    if "$fset" in t:
        return frozenset(_decode(v) for v in t["$fset"])
    if "$np" in t:
        return _dtype(t["$np"]).type(t["v"])
    if "$a" in t:
        return np.array(t["v"], dtype=_dtype(t["$a"])).reshape([int(n) for n in t["shape"]])
    if "$df" in t:
        d = t["$df"]
        columns = _undo_index(d["columns"])
        data = [_undo_values(v) for v in d["data"]]
        if len(data) != len(columns):
            raise Unreadable("fel antal kolumner")
        index = _undo_index(d["index"])
        frame = pd.DataFrame({i: _series(v, index) for i, v in enumerate(data)}, index=index)
        frame.columns = columns
        return frame
    if "$s" in t:
        s = t["$s"]
        return _series(_undo_values(s["v"]), _undo_index(s["index"]), _decode(s["name"]))
    if "$i" in t:
        return _undo_index(t["$i"])
    if "$dc" in t:
        cls = _dataclass(t["$dc"])
        obj = cls.__new__(cls)
        fields = t["f"]
        if not isinstance(fields, dict):
            raise Unreadable("fälten saknas")
        for name, value in fields.items():
            object.__setattr__(obj, str(name), _decode(value))
        return obj
    raise Unreadable("okänd nod")


def _dtype(text: Any) -> np.dtype:
    dtype = np.dtype(str(text))
    if dtype.kind not in _PLAIN_KINDS + "M":
        raise Unreadable(f"otillåten datatyp {text!r}")
    return dtype


def _dataclass(name: Any) -> type:
    """One of the package's dataclasses, among the modules already imported (nothing is imported here)."""
    module, _, qualname = str(name).partition(":")
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        raise Unreadable(f"okänd klass {name!r}")
    obj: Any = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None) if obj is not None and not part.startswith("__") else None
    if not isinstance(obj, type) or not dataclasses.is_dataclass(obj) or obj.__module__ != module:
        raise Unreadable(f"okänd klass {name!r}")
    return obj


def _undo_values(v: dict):
    dtype = v["dtype"]
    if dtype == "category":
        cats = _undo_index(v["categories"])
        return pd.Categorical.from_codes(v["codes"], categories=cats, ordered=bool(v["ordered"]))
    if dtype == "O":
        out = np.empty(len(v["v"]), dtype=object)
        out[:] = [_decode(x) for x in v["v"]]
        return out
    if v.get("ext"):
        return pd.array([pd.NA if x is None else _decode(x) for x in v["v"]], dtype=str(dtype))
    np_dtype = _dtype(dtype)
    if np_dtype.kind == "M":
        return np.array(v["v"], dtype="i8").view(np_dtype)
    return np.array(v["v"], dtype=np_dtype)


def _undo_index(d: dict) -> pd.Index:
    if "range" in d:
        start, stop, step = (int(x) for x in d["range"])
        return pd.RangeIndex(start, stop, step, name=_decode(d["name"]))
    if "multi" in d:
        levels = [_undo_index(x) for x in d["multi"]]
        return pd.MultiIndex.from_arrays(levels, names=_decode(d["names"]))
    values = _undo_values(d)
    return pd.Index(values, name=_decode(d["name"]), dtype=object if d["dtype"] == "O" else None, copy=False)


def _series(values, index: pd.Index, name=None) -> pd.Series:
    """A series of exactly the stored dtype (pandas would infer a string dtype for an object array)."""
    if len(values) != len(index):
        raise Unreadable("fel antal värden")
    obj = isinstance(values, np.ndarray) and values.dtype == object
    return pd.Series(values, index=index, name=name, dtype=object if obj else None, copy=False)


# ------------------------------------------------------------------------------------------------ bytes
def dumps(obj: Any) -> bytes:
    return dumps_tree(encode(obj))


def dumps_tree(tree: Any) -> bytes:
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    try:
        tree = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError is a ValueError
        raise Unreadable(f"{type(exc).__name__}") from None
    return decode(tree)
