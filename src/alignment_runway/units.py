"""Units: the registry, the canonical units, and the named conversions.

The model works on plain floats in canonical units (FLOP, FLOP/s, token, second of calendar
time, researcher-second of working time). Quantities with units exist only at the boundary:
scenario parsing converts into canonical floats here, and reporting converts back out.

Two time dimensions are kept apart (SPEC §1): calendar time (``[time]``: second, hour, day,
``month`` = 30 days, ``year`` = 365 days) and working time (``[working_time]``: a researcher's
hours at work; one researcher-hour is one working hour). Mixing them fails with a
``pint.DimensionalityError``; the only bridge is a working-hours-per-day rate, used through
the named functions below.
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from alignment_runway._typing import Num

if TYPE_CHECKING:
    import pint

__all__ = [
    "CALENDAR_MONTH_S",
    "CALENDAR_YEAR_S",
    "MAX_POWER",
    "MAX_TEXT",
    "RESEARCHER_MONTH_RS",
    "RESEARCHER_YEAR_RS",
    "calendar_to_working_s",
    "dimension_name",
    "factor",
    "registry",
    "researcher_months",
    "text_problem",
    "working_to_calendar_s",
]

#: Seconds in one calendar month (30 days, the essay's convention).
CALENDAR_MONTH_S = 30 * 24 * 3600.0
#: Seconds in one calendar year (365 days, the essay's convention).
CALENDAR_YEAR_S = 365 * 24 * 3600.0
#: Researcher-seconds in one researcher-month (30 days x 8 h, the essay's footnote 8).
RESEARCHER_MONTH_RS = 240 * 3600.0
#: Researcher-seconds in one researcher-year (12 researcher-months).
RESEARCHER_YEAR_RS = 12 * RESEARCHER_MONTH_RS

_DIMENSION_NAMES = {
    "[compute]": "compute (FLOP)",
    "[compute] / [time]": "compute per calendar time (FLOP/s)",
    "[time]": "calendar time",
    "[working_time]": "working time (researcher-hours)",
    "[text] / [working_time]": "tokens per researcher-second (token/researcher_second)",
    "[text] / [time]": "tokens per calendar time (token/s)",
    "[working_time] / [time]": "working time per calendar time (such as working_hour/day or "
    "researcher_month/month)",
    "[text]": "tokens",
    "dimensionless": "a plain number",
}


#: Common spellings of units and their factor into a canonical unit, so that the usual values
#: (those of the presets) convert without importing pint. Every entry is checked against the
#: registry by the tests; anything not listed goes through pint.
COMMON_FACTORS: dict[tuple[str, str], float] = {
    ("FLOP/s", "FLOP/s"): 1.0,
    ("FLOP", "FLOP"): 1.0,
    ("token/s", "token/s"): 1.0,
    ("token/researcher_second", "token/researcher_second"): 1.0,
    ("researcher_second", "researcher_second"): 1.0,
    ("working_hour/day", "working_second/second"): 1 / 24,
    ("researcher_month/month", "researcher_second/s"): RESEARCHER_MONTH_RS / CALENDAR_MONTH_S,
    **{(u, "second"): 3600.0 for u in ("hour", "hours")},
    **{(u, "researcher_second"): 3600.0 for u in ("researcher_hour", "researcher_hours")},
    ("researcher_year", "researcher_second"): RESEARCHER_YEAR_RS,
    ("1/month", "1/second"): 1 / CALENDAR_MONTH_S,
    **{(u, "second"): 24 * 3600.0 for u in ("day", "days")},
    **{(u, "second"): 7 * 24 * 3600.0 for u in ("week", "weeks")},
    **{(u, "second"): CALENDAR_MONTH_S for u in ("month", "months")},
    **{(u, "second"): CALENDAR_YEAR_S for u in ("year", "years")},
}


#: The longest text of one value (a quantity, a range, a unit) that is parsed, in characters.
#: Pint's preprocessing is quadratic in the length of its text.
MAX_TEXT = 200
#: The largest |n| of a power ``x**n`` or ``x^n``. Pint evaluates powers of numbers with
#: Python integers, so ``9**9**9`` would run for hours; unit powers need only m**2 or s^-1.
MAX_POWER = 4

_CHARACTERS = re.compile(r"[A-Za-z0-9_.,+\-*/^()% \t]*")
_POWER = re.compile(r"\*\*|\^")
_EXPONENT = re.compile(r"\s*(?:\(\s*([-+]?\d+)\s*\)|([-+]?\d+))(?![\w.])(\s*(?:\*\*|\^))?")
_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?")


def text_problem(text: str) -> str:
    """Why ``text`` may not be given to the unit parser, or '' when it may.

    Bounds what pint sees, so no value can make it slow: at most ``MAX_TEXT`` characters of
    letters, digits, spaces and ``_ . , + - * / ^ ( ) %``; every power a small integer literal
    (``|n| <= MAX_POWER``) of a name or a number, never of a parenthesised group or of another
    power; every number literal within floating point.
    """
    if len(text) > MAX_TEXT:
        return f"longer than {MAX_TEXT} characters"
    allowed = _CHARACTERS.match(text)
    if allowed is None or allowed.end() != len(text):
        bad = text[allowed.end() if allowed else 0]
        return (
            f"the character {bad!r} (a quantity is written with letters, digits, spaces and "
            "_ . , + - * / ^ ( ) %)"
        )
    for power in _POWER.finditer(text):
        base = text[: power.start()].rstrip()
        exponent = _EXPONENT.match(text, power.end())
        if not base or not (base[-1].isalnum() or base[-1] == "_"):
            return "a power of a parenthesised group or of nothing (write m**2/s**2)"
        if exponent is None or abs(int(exponent.group(1) or exponent.group(2))) > MAX_POWER:
            return f"a power that is not a whole number from -{MAX_POWER} to {MAX_POWER}"
        if exponent.group(3):
            return "a power of a power"
    for number in _NUMBER.finditer(text):
        if not math.isfinite(float(number.group().replace("_", ""))):
            return f"the number {number.group()!r}, beyond floating point"
    return ""


@cache
def registry() -> pint.UnitRegistry[Any]:
    """Return the project's unit registry, built once from ``units.txt``.

    Pint is imported here, not at module import, so commands that never parse a unit start
    quickly.
    """
    import pint

    path = resources.files("alignment_runway").joinpath("units.txt")
    with resources.as_file(path) as file:
        reg: pint.UnitRegistry[Any] = pint.UnitRegistry(
            str(file), cache_folder=None, autoconvert_offset_to_baseunit=False
        )
    reg.formatter.default_format = "~"
    return reg


def dimension_name(unit: str) -> str:
    """Describe the dimension of ``unit`` in words, e.g. ``'calendar time'``."""
    dims = str(registry().Unit(unit).dimensionality) if unit else "dimensionless"
    return _DIMENSION_NAMES.get(dims, f"measured in {unit}")


def factor(from_unit: str, to_unit: str) -> float:
    """Return the number that converts a value in ``from_unit`` into ``to_unit``.

    Raises:
        pint.DimensionalityError: if the two units measure different things, for example
            calendar time and working time.
    """
    if from_unit == to_unit:
        return 1.0
    if (from_unit, to_unit) in COMMON_FACTORS:
        return COMMON_FACTORS[(from_unit, to_unit)]
    if (to_unit, from_unit) in COMMON_FACTORS:
        return 1.0 / COMMON_FACTORS[(to_unit, from_unit)]
    reg = registry()
    return float(reg.Quantity(1.0, from_unit or "dimensionless").to(to_unit or "dimensionless").m)


def researcher_months(researcher_s: Num) -> Num:
    """Convert researcher-seconds into researcher-months (240 researcher-hours each)."""
    return researcher_s / RESEARCHER_MONTH_RS


def calendar_to_working_s(calendar_s: float | Num, working_fraction: Num) -> Num:
    """Working time a human puts in over ``calendar_s`` seconds of calendar time.

    Args:
        calendar_s: calendar time, seconds (a float applies to every working fraction).
        working_fraction: working hours per day as working seconds per calendar second
            (8 working_hour/day is 1/3).
    """
    return calendar_s * working_fraction


def working_to_calendar_s(working_s: Num, working_fraction: Num) -> Num:
    """Calendar time a human needs to put in ``working_s`` seconds of working time."""
    return working_s / working_fraction
