"""Read one scenario value into canonical units: a number, a quantity, or a distribution."""

from __future__ import annotations

import math
import re
import sys
from typing import Any

from alignment_runway import units
from alignment_runway.distributions import Distribution
from alignment_runway.errors import ScenarioError, did_you_mean
from alignment_runway.scenarios.dists import TO, parse_distribution
from alignment_runway.scenarios.specs import ParamSpec

__all__ = ["Value", "parse_value"]

_STARTS_WITH_NUMBER = re.compile(r"^\s*[-+]?(\d|\.\d|nan|inf)", re.IGNORECASE)
#: A percentage: one number and one % sign, no other unit.
_PERCENT = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*%\s*$")
#: "<number> <unit>", for the common units that convert without pint.
_COMMON = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s+([A-Za-z_/]+)\s*$")

#: A parameter's value in canonical units: a float, a distribution, or (for list parameters)
#: a tuple of floats.
Value = float | Distribution | tuple[float, ...]


def parse_value(spec: ParamSpec, raw: Any, where: str) -> Value:
    """Convert ``raw`` (as read from TOML or a setting) into ``spec``'s canonical unit.

    Args:
        spec: the parameter.
        raw: a number, a quantity string such as ``"4e21 FLOP/s"``, a range such as
            ``"2e21 to 8e21 FLOP/s"``, a distribution table, or for list parameters a list.
        where: where the value was written (``file.toml:4``, ``setting``, ``preset essay``).

    Raises:
        ScenarioError: naming the parameter, what was expected and what was received.
    """
    _check_sizes(spec, raw, where)
    if spec.is_list:
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise _error(spec, where, "at least one value", "an empty list")
        if any(isinstance(item, dict) or _is_range(item) for item in items):
            raise _error(spec, where, "plain values (a list parameter takes no ranges)", repr(raw))
        return tuple(_check_point(spec, _canonical(spec, i, where, "", ""), where) for i in items)
    if isinstance(raw, list):
        raise _error(spec, where, f"one value such as {spec.example!r}", f"a list {raw!r}")
    if isinstance(raw, dict) or _is_range(raw):

        def convert(value: Any, unit: str, what: str) -> float:
            return _canonical(spec, value, where, unit, what)

        parsed = parse_distribution(spec, raw, where, convert)
        return _check_point(spec, parsed, where) if isinstance(parsed, float) else parsed
    return _check_point(spec, _canonical(spec, raw, where, "", ""), where)


def _check_sizes(spec: ParamSpec, raw: Any, where: str) -> None:
    """Refuse any text too long, or integer beyond floating point, in ``raw`` (or its items)."""
    pending = [raw]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and len(item) > units.MAX_TEXT:
            raise _error(
                spec, where, f"a value of at most {units.MAX_TEXT} characters", _shorten(item)
            )
        elif isinstance(item, int) and abs(item) > sys.float_info.max:
            raise _error(
                spec,
                where,
                "numbers within floating point (about 1.8e308)",
                f"an integer of {item.bit_length():,} bits",
            )


def _shorten(text: str) -> str:
    """``text`` quoted, cut to its first 40 characters (with its length) when longer."""
    if len(text) <= 60:
        return repr(text)
    return f"{text[:40]!r}… ({len(text):,} characters)"


def _is_range(raw: Any) -> bool:
    return isinstance(raw, str) and TO.search(raw.strip()) is not None


def _check_point(spec: ParamSpec, value: float, where: str) -> float:
    """``value`` itself, once checked against the parameter's bounds."""
    if not spec.contains(value):
        scale = units.factor(spec.unit, spec.display_unit)
        shown = f"{value * scale:g} {spec.display_unit}".strip()
        unit = f" {spec.display_unit}" if spec.display_unit else ""
        raise _error(spec, where, f"a value in {spec.bounds_text(scale)}{unit}", shown)
    return value


def _canonical(spec: ParamSpec, raw: Any, where: str, unit: str, what: str) -> float:
    """A number or quantity string in ``spec``'s canonical unit.

    ``unit`` is the unit of a bare number (a distribution table's ``unit``); ``what`` names
    the part of a distribution being read ('' for a plain value).
    """
    label = f"{what}: " if what else ""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        kind = "a table" if isinstance(raw, dict) else f"{type(raw).__name__} {raw!r}"
        raise _error(spec, where, f"{label}a number or a quantity such as {spec.example!r}", kind)
    if isinstance(raw, str) and not _is_bare_number(raw):
        value = _parse_quantity(spec, raw, where, label)
    elif unit:
        value = _parse_quantity(spec, f"{float(raw)!r} {unit}", where, label)
    elif float(raw) == 0:  # zero needs no unit
        value = 0.0
    elif spec.unit:
        raise _error(
            spec,
            where,
            f"{label}a quantity with a unit, such as {spec.example!r}",
            f"{raw!r} (no unit)",
        )
    else:
        value = float(raw)
    if not math.isfinite(value):
        raise _error(spec, where, f"{label}a finite value", repr(raw))
    return value


def _is_bare_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _parse_quantity(spec: ParamSpec, text: str, where: str, label: str = "") -> float:
    problem = units.text_problem(text)
    if problem:
        raise _error(
            spec,
            where,
            f"{label}a quantity such as {spec.example!r}",
            f"{_shorten(text)}: {problem}",
        )
    if "%" in text and not _PERCENT.match(text):
        raise _error(
            spec,
            where,
            f"{label}a percentage such as '40%' (one % sign and no other unit)",
            repr(text),
        )
    common = _COMMON.match(text)
    if common and (common.group(2), spec.unit) in units.COMMON_FACTORS:
        return float(common.group(1)) * units.COMMON_FACTORS[(common.group(2), spec.unit)]
    import pint

    reg = units.registry()
    if not _STARTS_WITH_NUMBER.match(text):
        raise _error(
            spec, where, f"{label}a number with its unit, such as {spec.example!r}", repr(text)
        )
    try:
        quantity: Any = reg.Quantity(text)
    except pint.UndefinedUnitError as exc:
        unknown = str(getattr(exc, "unit_names", "") or exc)
        unknown = unknown.strip("()',")
        known = list(getattr(reg, "_units", {}))
        hint = did_you_mean(unknown, known, n=2)
        raise _error(
            spec,
            where,
            f"{label}a quantity such as {spec.example!r}",
            f"{text!r}: unknown unit {unknown!r}{hint}",
        ) from None
    except Exception:  # pint's parser raises several types for malformed text
        raise _error(
            spec, where, f"{label}a quantity such as {spec.example!r}", repr(text)
        ) from None
    try:
        if not isinstance(quantity, reg.Quantity):  # a bare number in a string
            quantity = reg.Quantity(float(quantity), "dimensionless")
        return float(quantity.to(spec.unit or "dimensionless").magnitude)
    except OverflowError:  # an integer such as 9999**4 beyond floating point
        raise _error(spec, where, f"{label}a finite value", _shorten(text)) from None
    except pint.DimensionalityError:
        got = units.dimension_name(str(quantity.units)) if str(quantity.units) else "a plain number"
        if not spec.unit:
            raise _error(
                spec, where, f"{label}a plain number such as {spec.example!r}", repr(text)
            ) from None
        expected = units.dimension_name(spec.unit)
        raise _error(
            spec, where, f"{label}{expected}, such as {spec.example!r}", f"{text!r}, which is {got}"
        ) from None


def _error(spec: ParamSpec, where: str, expected: str, received: str) -> ScenarioError:
    return ScenarioError(
        f"{where}: {spec.name}: expected {expected}; received {received}", field=spec.name
    )
