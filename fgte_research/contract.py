"""The analysis contract: one result shape for every analysis.

Every analysis entry point — ``progression``, ``regional``, ``gaps.salsa_gap``, each gap proxy, each
intervention design, ``intervention_study.study``, the soft values — is a function of (municipality or
municipalities, indicator or series, the last year to use, optional panel) and returns a result with:

``tidy()``
    The estimates, one row per estimated quantity, with exactly :data:`TIDY_COLUMNS` (documented below) for every
    analysis, so that tidy frames of different analyses stack with ``pd.concat``; ``fgte_research.tables.etable``
    stacks them into one Swedish table.
``data()``
    The per-year values the analysis used (long: one row per year, and per unit or group where there are several).
``summary_sv()`` and ``_repr_markdown_()``
    Plain Swedish prose; a notebook cell that ends in a result shows the Markdown rendering.
``plot(ax=None)``
    A matplotlib ``Figure`` (when ``ax`` is given, the figure that holds it).
``warnings``
    Swedish sentences: caveats the reader must see next to the estimate.
``status``
    A :class:`Status`: ``ok``, ``saknas`` (the data are missing; ``reason`` says why) or ``kan inte bedömas``
    (data exist but too few to answer; ``reason`` says why).
``repr()``
    One short line.

When nothing at all can be computed because the data are missing, an analysis raises :class:`DataMissing` (a
``ValueError``) with the reason; a report shows that reason as "saknas". Any other exception is a bug or a wrong
argument and must fail visibly.

Tidy columns
------------
=================  =========================================================================================
analysis           which analysis made the row (``progression``, ``salsa_gap``, ``its``, ...)
municipality_id    four-character code ("1380"); several treated units are joined with "," (DiD)
series             the series id the estimate is about (see ``fgte indicators -v``)
term               what is estimated (``trend_ols_per_year``, ``change_vs_baseline``, ``average_effect`` ...)
estimate           the number, in the unit of the series
ci_low, ci_high    95 % interval; NaN where no honest interval exists (then the row is descriptive)
p_value            NaN where the method gives none
method             how the estimate and its interval were obtained (Swedish)
verdict            the verdict word from :mod:`fgte_research.verdicts` ("" for descriptive rows)
n                  number of observations behind the estimate (years, municipalities or respondents)
years              the years used, as text ("2016–2022", "2018→2025")
=================  =========================================================================================
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd

from .errors import FgteError, InputError

TIDY_COLUMNS = ["analysis", "municipality_id", "series", "term", "estimate", "ci_low", "ci_high", "p_value",
                "method", "verdict", "n", "years"]

OK = "ok"
MISSING = "saknas"
CANNOT_ASSESS = "kan inte bedömas"


class DataMissing(FgteError, ValueError):
    """The data an analysis needs are missing; the message is the reason, in Swedish, fit for a report."""


class CannotAssess(FgteError, ValueError):
    """Data exist but cannot answer the question (e.g. too few comparable years); the message says why."""


@dataclass(frozen=True)
class Status:
    code: str = OK  # "ok", "saknas" or "kan inte bedömas"
    reason: str = ""

    def __post_init__(self):
        if self.code not in (OK, MISSING, CANNOT_ASSESS):
            raise InputError(f"okänd status {self.code!r}")

    @property
    def ok(self) -> bool:
        return self.code == OK

    def sv(self) -> str:
        return self.code if not self.reason else f"{self.code}: {self.reason}"


def merged_warnings(parts) -> list[str]:
    """The warnings of several parts or results, each sentence once, in order."""
    return list(dict.fromkeys(w for p in parts for w in p.warnings))


_TIDY_FLOATS = ("estimate", "ci_low", "ci_high", "p_value")


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def tidy_frame(rows: list[dict], **defaults) -> pd.DataFrame:
    """Rows (dicts with any subset of TIDY_COLUMNS) → a frame with exactly TIDY_COLUMNS and stable dtypes:
    floats for the estimates, nullable integers for ``n``, text ("" where absent) for the rest. Built column by
    column (every result's tidy() and the compute-once pass call this: a frame from dicts, then twelve column
    conversions, cost ~6 ms a call)."""
    rows = [{**defaults, **r} for r in rows]
    return _tidy_columns(rows) if rows else _empty_tidy().copy()


def _tidy_columns(rows: list[dict]) -> pd.DataFrame:
    columns = {}
    for col in TIDY_COLUMNS:
        values = [r.get(col) for r in rows]
        if col in _TIDY_FLOATS:
            columns[col] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)
        elif col == "n":
            columns[col] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("Int64")
        else:
            columns[col] = pd.Series([_text(v) for v in values], dtype=str)
    return pd.DataFrame(columns)[TIDY_COLUMNS]


@functools.lru_cache(maxsize=1)
def _empty_tidy() -> pd.DataFrame:
    """The frame of a result without rows, built once by the same column rules (2.8 ms; many results have none)."""
    return _tidy_columns([])


class AnalysisResult:
    """Mixin with the shared part of the contract; subclasses implement tidy(), data(), summary_sv(), plot().

    Subclasses set the class attribute ``analysis``, may override ``status`` (default: ok) and give a ``title_sv``.
    """

    analysis: str = ""

    @property
    def status(self) -> Status:
        return Status()

    def _who(self) -> str:
        return str(getattr(self, "municipality_name", "") or getattr(self, "municipality_id", ""))

    def _repr_markdown_(self) -> str:
        title = escape_markdown_text(getattr(self, "title_sv", "") or self.analysis)
        head = f"**{title}**" + (f" — {escape_markdown_text(self._who())}" if self._who() else "")
        if not self.status.ok:
            head += f" ({self.status.sv()})"
        body = self.summary_sv().replace("\n", "\n\n")
        return f"{head}\n\n{escape_markdown_text(body)}"

    def __repr__(self) -> str:
        n = len(self.tidy())
        return (f"<{type(self).__name__} {self.analysis} {self._who()}: status={self.status.code}, "
                f"{n} skattningar, {len(self.warnings)} varningar>")


#: Characters that reorder or hide text without being seen: bidirectional embeddings, overrides and isolates,
#: zero-width spaces and joiners, the byte-order mark, the soft hyphen, and C0/C1 controls other than tab and
#: newline. User text (registry names and notes, local file titles) never carries them into a report.
_INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_SPACE = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """``text`` without invisible and direction-changing characters (:data:`_INVISIBLE`); newlines are kept."""
    return _INVISIBLE.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def one_line(text: str) -> str:
    """User text that is a name: :func:`plain_text` on one line (every run of whitespace, newlines included,
    becomes one space)."""
    return _SPACE.sub(" ", plain_text(text)).strip()


def escape_markdown_text(text: str) -> str:
    """Make text safe and literal inside Markdown: invisible characters removed (:func:`plain_text`), HTML
    special characters, emphasis markers and table pipes escaped, and a line cannot start a heading."""
    out = plain_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in ("\\", "*", "_", "`", "[", "]", "|"):
        out = out.replace(ch, "\\" + ch) if ch != "\\" else out.replace("\\", "\\\\")
    return _HEADING.sub(r"\1\\#", out)


_HEADING = re.compile(r"(?m)^([ \t]*)#")


def figure_of(obj):
    """The matplotlib Figure of an Axes or a Figure (plot() always returns a Figure)."""
    return obj if hasattr(obj, "savefig") else obj.figure
