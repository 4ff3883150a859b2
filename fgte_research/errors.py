"""The project's one error family.

Every error the library raises on purpose derives from :class:`FgteError`, mixed with the builtin it has always
been (``ValueError`` for bad input or missing data, ``RuntimeError`` for a failed step), so ``except ValueError``
in a researcher's code keeps working and ``except FgteError`` catches exactly the project's own. Its message is
Swedish, one line, fit for a reader or the command line.

Two members are reader sentences in a report: :class:`~fgte_research.contract.DataMissing` (the data are not
there) and :class:`~fgte_research.contract.CannotAssess` (they cannot answer the question). Every other exception,
above all a bug (TypeError, KeyError, an AttributeError from pandas), must fail visibly, never become a sentence.
"""

from __future__ import annotations


class FgteError(Exception):
    """Base of every error the project raises on purpose (see the module docstring)."""


class InputError(FgteError, ValueError):
    """A value the caller gave cannot be used: an unknown code, a year outside the data, a malformed file or
    parameter. The general member; modules with a reader of their own (run specs, YAML, the registry) have a
    named subclass of their own."""


class UnknownName(FgteError, KeyError):
    """A name the caller gave (a table column, an explorer control) does not exist. A ``KeyError`` as before."""

    def __str__(self) -> str:  # KeyError quotes its message; ours is a sentence
        return str(self.args[0]) if self.args else ""


__all__ = ["FgteError", "InputError", "UnknownName"]
