"""Read a CSV file of data/raw with errors that name the file and the problem (in Swedish)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from ..errors import InputError


def read_csv_checked(path: Path, columns: list[str], *, exact: bool = True, **read_csv_kwargs) -> pd.DataFrame:
    """``pd.read_csv`` in UTF-8; ``columns`` must be the header (``exact``) or a subset of it.

    Raises FileNotFoundError for a missing file and ValueError for a re-encoded, empty, truncated or
    re-columned one, each message starting with the path.
    """
    try:
        frame = pd.read_csv(path, encoding="utf-8", **read_csv_kwargs)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: filen saknas") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: filen är inte UTF-8 (omkodad?): {exc}") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: filen är tom") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: filen kan inte läsas som CSV (trunkerad?): {exc}") from None
    if exact and list(frame.columns) != list(columns):
        raise InputError(f"{path}: fel kolumner {list(frame.columns)}, väntade {list(columns)}")
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        raise InputError(f"{path}: kolumnerna {lacking} saknas")
    return frame
