"""Number formatting for people: three significant figures, readable at any magnitude."""

from __future__ import annotations

import math

__all__ = ["estimate_parts", "number", "probability"]


def number(x: float, digits: int = 3) -> str:
    """Format ``x`` to ``digits`` significant figures.

    Values from 0.001 up to a million are written out with thousands separators
    (``43,600``, ``15``, ``0.333``); others in compact scientific notation (``1.58e28``).

    >>> number(43619.4), number(15.0), number(1 / 3), number(1.5768e28), number(2.0e-5)
    ('43,600', '15', '0.333', '1.58e28', '2e-5')
    """
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if 1e-3 <= abs(x) < 1e6:
        rounded = float(f"{x:.{digits}g}")
        if rounded == int(rounded):
            return f"{int(rounded):,}"
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
        return f"{rounded:,.{decimals}f}".rstrip("0").rstrip(".")
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def estimate_parts(value: float, se: float) -> tuple[str, str]:
    """A value and its relative standard error, as two texts (the second may be empty).

    +inf (a time never reached) reads "never", NaN (a value missing by definition) "missing";
    a value that is zero, not finite, or has no standard error (one sample, or every sample
    equal) has no error shown.

    >>> estimate_parts(43619.4, 436.2), estimate_parts(float("inf"), 0.0), estimate_parts(2.0, 0.0)
    (('43,600', '±1.0%'), ('never', ''), ('2', ''))
    """
    if value == math.inf:
        return "never", ""
    if math.isnan(value):
        return "missing", ""
    if value == 0 or se == 0 or not math.isfinite(value) or not math.isfinite(se):
        return number(value), ""
    return number(value), f"±{abs(se / value):.1%}"


def probability(value: float, se: float) -> str:
    """A probability and its standard error, to three decimals.

    >>> probability(0.4567, 0.0123)
    '0.457 ±0.012'
    """
    return f"{value:.3f} ±{se:.3f}"
