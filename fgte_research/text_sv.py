"""Swedish number formatting and plain-language sentence helpers shared by all results objects."""

from __future__ import annotations

import math

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


#: The unit of a difference between two values of a unit (a change, a deviation, an effect).
_DIFFERENCE_UNITS = {"andel (%)": "procentenheter", "meritvärde (poäng)": "poäng", "betygspoäng": "poäng"}


def difference_unit(unit: str) -> str:
    """"andel (%)" → "procentenheter", point scales → "poäng"; other units as they are."""
    return _DIFFERENCE_UNITS.get(unit, unit)
