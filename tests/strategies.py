"""Hypothesis strategies shared by the property tests: finite floats in canonical units.

Importable from any test as ``from strategies import ...`` (pytest's ``pythonpath`` holds
``tests``).
"""

from __future__ import annotations

import math
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["maybe", "positive", "unit_interval"]

T = TypeVar("T")


def positive(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``: Hypothesis's own floats, and log-uniform ones."""

    def clamp(exponent: float) -> float:
        return min(max(math.pow(10.0, exponent), lo), hi)

    plain = st.floats(
        min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )
    log_uniform = st.floats(min_value=math.log10(lo), max_value=math.log10(hi)).map(clamp)
    return st.one_of(plain, log_uniform)


def unit_interval(hi_open: bool = False) -> st.SearchStrategy[float]:
    """Floats in ``[0, 1]`` (``[0, 1)`` with ``hi_open``), no subnormals."""
    return st.floats(0.0, 1.0, exclude_max=hi_open, allow_subnormal=False)


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """None (a mechanism left off) or a value of ``strategy``."""
    return st.one_of(st.none(), strategy)
