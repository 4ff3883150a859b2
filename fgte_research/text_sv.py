"""Swedish number formatting, plain-language sentence helpers shared by all results objects, and the command
line's error messages in Swedish."""

from __future__ import annotations

import argparse
import math
import re

MINUS = "\u2212"  # typographic minus, as Swedish print uses


def fmt_num(x: float | None, decimals: int = 1, signed: bool = False) -> str:
    """1234.56 -> '1 234,6'; NaN -> 'saknas'. ``signed`` adds '+' to positive numbers."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "saknas"
    text = f"{abs(x):,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    if x < 0 and text.strip("0,\u00a0") != "":
        return MINUS + text
    return ("+" + text) if signed and x > 0 else text


def fmt_ci(lo: float, hi: float, decimals: int = 1, level: int = 95) -> str:
    """'95 % KI −2,0 till 8,2'."""
    return f"{level}\u00a0% KI {fmt_num(lo, decimals)} till {fmt_num(hi, decimals)}"


def fmt_p_value(p: float | None) -> str:
    """A p-value for a table cell: '< 0,001', '0,034'; NaN -> 'saknas'. Never e-notation."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "saknas"
    return "< 0,001" if p < 0.001 else fmt_num(p, 3)


def fmt_p(p: float) -> str:
    """A p-value in a sentence: 'p < 0,001', 'p = 0,034', 'p saknas'."""
    if p is None or math.isnan(p):
        return "p saknas"
    text = fmt_p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def years_sv(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}\u2013{last}"


def count_sv(n: int, one: str, many: str) -> str:
    """A count with its word in the right number ('1 rapport', '0 rapporter', '3 nya'): Swedish takes the
    singular for exactly one, the plural for zero and for more."""
    return f"{n} {one if n == 1 else many}"


#: Below this many comparable years a trend's interval is wide for want of years (t with n − 2 degrees of
#: freedom: 12,7 at 3 years, 4,3 at 4, 3,2 at 5), and the report says so beside it.
FEW_YEARS = 5


#: A change between two years has no interval below three comparable years: its noise cannot be estimated from
#: the series, and pupil counts alone (binomial) leave out the cohorts' own variation (false 'säker' 9–16 % per
#: tercile on the real shares; benchmarks/bench_placebo_size.py).
NO_CHANGE_INTERVAL_SV = "osäkerheten kan inte beräknas med färre än tre jämförbara år"


def change_ci_sv(ci_low: float, ci_high: float) -> str:
    """A change's interval in words ('95 % KI −8,3 till 6,5'), or why there is none."""
    if math.isnan(ci_low) or math.isnan(ci_high):
        return NO_CHANGE_INTERVAL_SV
    return fmt_ci(ci_low, ci_high)


def few_years_sv(n: int | None) -> str:
    """Why a trend's interval is wide, for fewer than :data:`FEW_YEARS` comparable years ('bara 3 jämförbara år:
    med så få år blir intervallet brett'); "" for enough years or none known. The one place of the rule."""
    if n is None or n >= FEW_YEARS:
        return ""
    return f"bara {n} jämförbara år: med så få år blir intervallet brett"


#: The unit of a difference between two values of a unit (a change, a deviation, an effect).
_DIFFERENCE_UNITS = {"andel (%)": "procentenheter", "meritvärde (poäng)": "poäng", "betygspoäng": "poäng"}


_SHORT_UNITS = {"andel (%)": "%", "meritvärde (poäng)": "poäng", "betygspoäng": "poäng"}


def short_unit(unit: str) -> str:
    """The unit after a value in running text: "andel (%)" → "%", point scales → "poäng"."""
    return _SHORT_UNITS.get(unit, unit)


def difference_unit(unit: str) -> str:
    """"andel (%)" → "procentenheter", point scales → "poäng"; other units as they are."""
    return _DIFFERENCE_UNITS.get(unit, unit)


# ---------------------------------------------------------------- command-line messages
_ARGPARSE_SV = (
    (r"the following arguments are required: (.*)", r"saknar argument: \1"),
    (r"unrecognized arguments: (.*)", r"okända argument: \1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"\1: ogiltigt val \2 (välj bland \3)"),
    (r"argument (.*?): expected one argument", r"\1 behöver ett värde"),
    (r"argument (.*?): invalid int value: (.*)", r"\1: \2 är inget heltal"),
    (r"argument (.*?): invalid (.*?) value: (.*)", r"\1: ogiltigt värde \3"),
    (r"argument (.*?): not allowed with argument (.*)", r"\1 kan inte kombineras med \2"),
    (r"ambiguous option: (.*?) could match (.*)", r"tvetydig flagga \1 (kan betyda \2)"),
)


_HELP_SV = (("usage: ", "användning: "), ("positional arguments:", "argument:"), ("options:", "flaggor:"),
            ("show this help message and exit", "visa den här hjälpen och avsluta"),
            ("show program's version number and exit", "visa versionen och avsluta"))


class ArgumentParserSv(argparse.ArgumentParser):
    """argparse in Swedish: error messages on one line with exit 2, and the help's own headings (the help texts
    themselves are the caller's)."""

    def format_help(self) -> str:
        text = super().format_help()
        for english, swedish in _HELP_SV:
            text = text.replace(english, swedish)
        return text

    def format_usage(self) -> str:
        return super().format_usage().replace("usage: ", "användning: ")

    def error(self, message: str):
        for pattern, replacement in _ARGPARSE_SV:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, replacement, message)
                break
        self.exit(2, f"{self.prog}: {message} (se {self.prog} --help)\n")


def year_ranges(years) -> str:
    """[2014, 2015, 2016, 2020] → "2014–2016, 2020" (en dash, Swedish typography)."""
    years = sorted(set(int(y) for y in years))
    parts: list[str] = []
    start = prev = None
    for y in years + [None]:
        if start is not None and (y is None or y != prev + 1):
            parts.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return ", ".join(parts) or "inga"


