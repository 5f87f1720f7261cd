"""Monomials in named symbols: ``c · Π xᵢ^aᵢ``, for tracing a model's own code symbolically.

A function of products, quotients and powers (``sqrt`` included) of its inputs, run on
``Monomial`` values instead of arrays, returns each output as one monomial: its constant and
the exponent of every input. If every input is lognormal (or a point value), such an output is
exactly lognormal: ``ln y = ln c + Σ aᵢ ln xᵢ`` is a linear combination of normals.

Anything else the function does to a non-constant value (``min``/``max``, a sum, any other
ufunc) cannot be written as a monomial: it gives an *opaque* symbol naming the inputs it
depends on, so an output that uses it (with a non-zero exponent) is known not to be exact,
and one where it cancels (``x·s / s``) still is. Exponents are sums and halvings of ±1 (dyadic
rationals), which floating point adds and halves without rounding, so a cancellation is an
exact zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Monomial", "Symbol"]


@dataclass(frozen=True)
class Symbol:
    """A symbol: an input (``op`` empty) or an opaque result of ``op`` on ``inputs``."""

    name: str
    inputs: tuple[str, ...]
    op: str = ""


#: ufuncs that map monomials to monomials, as functions of the operands.
_MONOMIAL_UFUNCS: dict[str, Callable[..., Monomial]] = {
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "true_divide": lambda a, b: a / b,
    "sqrt": lambda a: a**0.5,
    "square": lambda a: a**2,
    "reciprocal": lambda a: 1.0 / a,
    "positive": lambda a: a,
}


@dataclass(frozen=True)
class Monomial:
    """``scale · Π symbolᵢ^powerᵢ`` (powers non-zero, in a canonical order)."""

    scale: float
    powers: tuple[tuple[Symbol, float], ...] = ()

    @staticmethod
    def of(name: str) -> Monomial:
        """The input ``name`` itself."""
        return Monomial(1.0, ((Symbol(name, (name,)), 1.0),))

    @property
    def is_constant(self) -> bool:
        """Whether the value depends on no symbol."""
        return not self.powers

    def _combine(self, other: Monomial, sign: float, scale: float) -> Monomial:
        powers = dict(self.powers)
        for symbol, power in other.powers:
            powers[symbol] = powers.get(symbol, 0.0) + sign * power
        kept = tuple(sorted(((s, p) for s, p in powers.items() if p != 0.0), key=_order))
        return Monomial(scale, kept)

    def __mul__(self, other: object) -> Monomial:
        m = _lift(other)
        return self._combine(m, 1.0, self.scale * m.scale)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Monomial:
        m = _lift(other)
        return self._combine(m, -1.0, self.scale / m.scale)

    def __rtruediv__(self, other: object) -> Monomial:
        return _lift(other) / self

    def __pow__(self, exponent: object) -> Monomial:
        if not isinstance(exponent, int | float) or isinstance(exponent, bool):
            return _opaque("power", (self, _lift(exponent)))
        powers = tuple((s, p * exponent) for s, p in self.powers if p * exponent != 0.0)
        # a square root as numpy takes it (correctly rounded), so point values match bit for bit
        scale = (
            math.sqrt(self.scale) if exponent == 0.5 and self.scale >= 0 else self.scale**exponent
        )
        return Monomial(float(scale), powers)

    def __add__(self, other: object) -> Monomial:
        return _apply("add", (self, _lift(other)), lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, other: object) -> Monomial:
        return _apply("subtract", (self, _lift(other)), lambda a, b: a - b)

    def __rsub__(self, other: object) -> Monomial:
        return _apply("subtract", (_lift(other), self), lambda a, b: a - b)

    def __neg__(self) -> Monomial:
        return Monomial(-self.scale, self.powers)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Apply a numpy ufunc to monomials: exact where they keep a monomial, else opaque."""
        if method != "__call__" or kwargs:
            return NotImplemented
        operands = tuple(_lift(x) for x in inputs)
        exact = _MONOMIAL_UFUNCS.get(ufunc.__name__)
        if exact is not None:
            return exact(*operands)
        return _apply(ufunc.__name__, operands, ufunc)


def _order(item: tuple[Symbol, float]) -> tuple[str, str]:
    return (item[0].op, item[0].name)


def _lift(value: object) -> Monomial:
    """A monomial, or a number (a 0-d array or numpy scalar too) as a constant one."""
    if isinstance(value, Monomial):
        return value
    if isinstance(value, int | float | np.generic | np.ndarray) and np.ndim(value) == 0:
        return Monomial(float(value))
    raise TypeError(f"a monomial or a number; received {type(value).__name__}")


def _apply(op: str, operands: tuple[Monomial, ...], function: Callable[..., Any]) -> Monomial:
    """``op`` on constants is a constant; on anything else, an opaque symbol."""
    if all(m.is_constant for m in operands):
        with np.errstate(all="ignore"):
            return Monomial(float(function(*(m.scale for m in operands))))
    return _opaque(op, operands)


def _opaque(op: str, operands: tuple[Monomial, ...]) -> Monomial:
    """A new symbol for ``op(operands)``, depending on every input of its operands."""
    inputs = tuple(sorted({name for m in operands for s, _ in m.powers for name in s.inputs}))
    text = ", ".join(_text(m) for m in operands)
    return Monomial(1.0, ((Symbol(f"{op}({text})", inputs, op), 1.0),))


def _text(m: Monomial) -> str:
    factors = [f"{s.name}" if p == 1.0 else f"{s.name}^{p:g}" for s, p in m.powers]
    if m.scale != 1.0 or not factors:
        factors.insert(0, f"{m.scale:.6g}" if math.isfinite(m.scale) else str(m.scale))
    return "·".join(factors)
