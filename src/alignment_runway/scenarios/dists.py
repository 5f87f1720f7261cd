"""Read a distribution written in a scenario: ``"a to b UNIT"`` or a table with ``dist = ...``.

Every number is converted into the parameter's canonical unit here; the distribution is then
checked against the parameter's bounds: one that can leave them is an error unless truncated
(``min``/``max``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from alignment_runway import distributions as d
from alignment_runway import units
from alignment_runway.errors import ScenarioError, did_you_mean
from alignment_runway.scenarios.specs import ParamSpec

__all__ = ["MIXTURE_COMPONENTS", "MIXTURE_DEPTH", "TO", "parse_distribution"]

#: The separator of the ``"a to b"`` grammar.
TO = re.compile(r"\s+to\s+")
#: How deep mixtures may nest (a mixture of mixtures is 2): each level multiplies the work of
#: every quantile.
MIXTURE_DEPTH = 4
#: How many components one value's mixtures may have in all, nested ones included: sampling
#: evaluates every component's CDF for every sample many times over.
MIXTURE_COMPONENTS = 100

# Each shape: its required keys (alternatives), optional keys, and whether the keys are
# locations (in the parameter's unit) or shape numbers.
_SHAPES: dict[str, tuple[tuple[frozenset[str], ...], frozenset[str]]] = {
    "lognormal": ((frozenset({"p5", "p95"}), frozenset({"mu", "sigma"})), frozenset()),
    "normal": ((frozenset({"p5", "p95"}), frozenset({"mean", "sd"})), frozenset()),
    "uniform": ((frozenset({"low", "high"}),), frozenset()),
    "loguniform": ((frozenset({"low", "high"}),), frozenset()),
    "beta": ((frozenset({"alpha", "beta"}),), frozenset({"low", "high"})),
    "pert": ((frozenset({"low", "mode", "high"}),), frozenset({"lambda"})),
    "triangular": ((frozenset({"low", "mode", "high"}),), frozenset()),
    "point": ((frozenset({"value"}),), frozenset()),
    "mixture": ((frozenset({"components", "weights"}),), frozenset()),
}
_COMMON = frozenset({"dist", "unit", "min", "max"})

Convert = Callable[[Any, str, str], float]


class _Context:
    """What a parse needs: the parameter, where it was written, and a unit converter."""

    def __init__(self, spec: ParamSpec, where: str, convert: Convert) -> None:
        self.spec = spec
        self.where = where
        self.convert = convert
        self.components = 0  # mixture components read so far, at every level

    def error(self, expected: str, received: str) -> ScenarioError:
        return ScenarioError(
            f"{self.where}: {self.spec.name}: expected {expected}; received {received}",
            field=self.spec.name,
        )


def parse_distribution(
    spec: ParamSpec, raw: str | dict[str, Any], where: str, convert: Convert
) -> d.Distribution | float:
    """Read ``raw`` into a distribution in ``spec``'s canonical unit (a float for a point).

    Args:
        spec: the parameter.
        raw: ``"a to b UNIT"`` or a table with a ``dist`` key.
        where: where it was written, for messages.
        convert: ``convert(value, unit, what)`` turns a number or quantity string (with
            ``unit`` as the default unit) into the canonical unit, raising ScenarioError.

    Raises:
        ScenarioError: naming the parameter, what was expected and what was received.
    """
    ctx = _Context(spec, where, convert)
    dist = _range(ctx, raw) if isinstance(raw, str) else _table(ctx, raw, "")
    if not isinstance(dist, float):
        _check_bounds(ctx, dist)
    return dist


def _range(ctx: _Context, text: str, default_unit: str = "") -> d.Distribution:
    """``"a to b [unit]"``: lognormal with 90% interval [a, b] (Squiggle's convention).

    A unit after ``b`` applies to a bare ``a``; ``default_unit`` (a mixture's ``unit``)
    applies when neither end has one.
    """
    parts = TO.split(text.strip())
    if len(parts) != 2:
        raise ctx.error(f"a range 'a to b' such as '{_example_range(ctx.spec)}'", repr(text))
    left, right = parts
    unit = _unit_of(right) or default_unit
    low = ctx.convert(left, unit, f"the lower end of {text!r}")
    high = ctx.convert(right, "" if _unit_of(right) else unit, f"the upper end of {text!r}")
    if not (low > 0 and high > 0):
        raise ctx.error("a range 'a to b' with a > 0 and b > 0 (a lognormal)", repr(text))
    if not low < high:
        raise ctx.error("a range 'a to b' with a < b", repr(text))
    return d.lognormal_from_ci(low, high)


def _unit_of(text: str) -> str:
    """The unit part of ``'8e21 FLOP/s'`` (``'FLOP/s'``), or '' for a plain number."""
    match = re.match(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*(.*)$", text)
    return match.group(1).strip() if match else ""


def _example_range(spec: ParamSpec) -> str:
    value, _, unit = spec.example.partition(" ")
    try:
        x = float(value)
    except ValueError:
        return "1 to 3"
    return f"{x / 2:g} to {x * 2:g} {unit}".strip()


def _table(
    ctx: _Context, table: dict[str, Any], unit: str, depth: int = 0
) -> d.Distribution | float:
    """A distribution table; ``depth`` is the number of mixtures it is a component of."""
    name = table.get("dist")
    if name is None:
        raise ctx.error("a table with a 'dist' key such as dist = \"lognormal\"", repr(table))
    if not isinstance(name, str) or name not in _SHAPES:
        hint = did_you_mean(str(name), _SHAPES, cutoff=0.5, quote=True)
        raise ctx.error(f"a distribution among {', '.join(_SHAPES)}", f"dist = {name!r}{hint}")
    required, optional = _SHAPES[name]
    keys = set(table)
    unknown = keys - _COMMON - optional - frozenset().union(*required)
    if unknown:
        raise ctx.error(
            f"keys of a {name} distribution ({_keys_text(required, optional)})",
            f"unknown key(s) {', '.join(sorted(unknown))}",
        )
    chosen = [r for r in required if r <= keys]
    if len(chosen) != 1 or keys - chosen[0] - _COMMON - optional:
        raise ctx.error(
            f"a {name} distribution given by {_keys_text(required, optional)}",
            f"keys {', '.join(sorted(keys - _COMMON))}",
        )
    unit = table.get("unit", unit)
    if not isinstance(unit, str):
        raise ctx.error("unit = a unit string such as 'FLOP/s'", repr(unit))

    def loc(key: str) -> float:
        return ctx.convert(table[key], unit, f"{name}.{key}")

    def num(key: str, positive: bool = True) -> float:
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ctx.error(f"{name}.{key} as a plain number", repr(value))
        if not math.isfinite(value) or (positive and value <= 0):
            raise ctx.error(f"{name}.{key} > 0", repr(value))
        return float(value)

    if name == "mixture":
        dist: d.Distribution | float = _mixture(ctx, table, unit, depth + 1)
    else:
        dist = _shape(ctx, name, chosen[0], table, unit, loc, num)
    low = loc("min") if "min" in table else -math.inf
    high = loc("max") if "max" in table else math.inf
    if "min" in table or "max" in table:
        if isinstance(dist, float):
            raise ctx.error("min/max only on a distribution that is not a point", repr(table))
        if not low < high:
            raise ctx.error("min < max", f"min = {table.get('min')!r}, max = {table.get('max')!r}")
        truncated = d.Truncated(dist, low, high)
        if not truncated.mass() > 1e-12:
            raise ctx.error(
                "min/max that keep some of the distribution",
                f"[{table.get('min', '-inf')}, {table.get('max', 'inf')}], where "
                f"{dist.describe()} has no probability",
            )
        dist = truncated
    return dist


def _shape(
    ctx: _Context,
    name: str,
    keys: frozenset[str],
    table: dict[str, Any],
    unit: str,
    loc: Callable[[str], float],
    num: Callable[..., float],
) -> d.Distribution | float:
    if name in ("lognormal", "normal") and keys == {"p5", "p95"}:
        p5, p95 = loc("p5"), loc("p95")
        if not p5 < p95:
            raise ctx.error(
                f"{name} with p5 < p95", f"p5 = {table['p5']!r}, p95 = {table['p95']!r}"
            )
        if name == "normal":
            return d.normal_from_ci(p5, p95)
        if not p5 > 0:
            raise ctx.error("lognormal with p5 > 0", f"p5 = {table['p5']!r}")
        return d.lognormal_from_ci(p5, p95)
    if name == "lognormal":
        # mu is the mean of ln x with x in the table's unit: move it to the canonical unit
        scale = ctx.convert(1.0, unit, "lognormal.unit")
        mu = table["mu"]
        if isinstance(mu, bool) or not isinstance(mu, int | float) or not math.isfinite(mu):
            raise ctx.error("lognormal.mu as a finite plain number", repr(mu))
        return d.LogNormal(float(mu) + math.log(scale), num("sigma"))
    if name == "normal":
        sd = ctx.convert(table["sd"], unit, "normal.sd")
        if not sd > 0:
            raise ctx.error("normal.sd > 0", repr(table["sd"]))
        return d.Normal(loc("mean"), sd)
    if name in ("uniform", "loguniform"):
        low, high = loc("low"), loc("high")
        if not low < high:
            raise ctx.error(
                f"{name} with low < high", f"low = {table['low']!r}, high = {table['high']!r}"
            )
        if name == "loguniform":
            if not low > 0:
                raise ctx.error("loguniform with low > 0", f"low = {table['low']!r}")
            return d.LogUniform(low, high)
        return d.Uniform(low, high)
    if name == "beta":
        low = loc("low") if "low" in table else 0.0
        high = loc("high") if "high" in table else 1.0
        if not low < high:
            raise ctx.error("beta with low < high", f"low = {low!r}, high = {high!r}")
        return d.Beta(num("alpha"), num("beta"), low, high)
    if name in ("pert", "triangular"):
        low, mode, high = loc("low"), loc("mode"), loc("high")
        if not (low <= mode <= high and low < high):
            raise ctx.error(
                f"{name} with low <= mode <= high and low < high",
                f"low = {table['low']!r}, mode = {table['mode']!r}, high = {table['high']!r}",
            )
        if name == "pert":
            lam = num("lambda") if "lambda" in table else 4.0
            return d.pert(low, mode, high, lam)
        return d.triangular(low, mode, high)
    return loc("value")  # a point


def _mixture(ctx: _Context, table: dict[str, Any], unit: str, depth: int) -> d.Distribution:
    """A mixture at nesting level ``depth`` (1 for one that is no other mixture's component)."""
    components, weights = table["components"], table["weights"]
    if not isinstance(components, list) or not isinstance(weights, list) or not components:
        raise ctx.error("mixture.components and mixture.weights as lists", repr(table))
    if depth > MIXTURE_DEPTH:
        raise ctx.error(
            f"mixtures nested at most {MIXTURE_DEPTH} deep", f"a mixture nested {depth} deep"
        )
    ctx.components += len(components)
    if ctx.components > MIXTURE_COMPONENTS:
        raise ctx.error(
            f"mixtures of at most {MIXTURE_COMPONENTS} components in all (nested ones included)",
            f"{len(components)} components" if depth == 1 else f"more than {MIXTURE_COMPONENTS}",
        )
    if len(components) != len(weights):
        raise ctx.error(
            "as many mixture.weights as mixture.components",
            f"{len(weights)} weights and {len(components)} components",
        )
    if any(isinstance(w, bool) or not isinstance(w, int | float) or not w >= 0 for w in weights):
        raise ctx.error("mixture.weights as numbers >= 0", repr(weights))
    if abs(sum(weights) - 1.0) > 1e-9:
        raise ctx.error("mixture.weights that sum to 1", f"{weights!r} (sum {sum(weights):g})")
    parts: list[d.Distribution] = []
    for component in components:
        part: d.Distribution | float | None = None
        if isinstance(component, dict):
            part = _table(ctx, component, unit, depth)
        elif isinstance(component, str) and TO.search(component):
            part = _range(ctx, component, unit)
        if not isinstance(part, d.Distribution):
            raise ctx.error(
                "mixture components that are distributions ('a to b' or a table; a point "
                "mass cannot be mixed)",
                repr(component),
            )
        parts.append(part)
    return d.Mixture(tuple(parts), tuple(float(w) for w in weights))


def _keys_text(required: tuple[frozenset[str], ...], optional: frozenset[str]) -> str:
    alternatives = " or ".join("+".join(sorted(r)) for r in required)
    extra = sorted(optional | {"unit", "min", "max"})
    return f"{alternatives}; optional {', '.join(extra)}"


def _check_bounds(ctx: _Context, dist: d.Distribution) -> None:
    """A distribution that can leave the parameter's bounds is an error unless truncated.

    Its extreme draws are checked too: with extreme parameters they can overflow floating
    point or round onto an open bound (a lognormal's draws to 0) though its support is inside.
    """
    spec = ctx.spec
    lo, hi = dist.support
    # a continuous distribution puts no mass on its end points, so an open bound may equal one
    below = lo < spec.lower
    above = hi > spec.upper
    if below or above:
        scale = units.factor(spec.unit, spec.display_unit)
        unit = f" {spec.display_unit}" if spec.display_unit else ""
        edge = (spec.lower if below else spec.upper) * scale
        side = "below" if below else "above"
        fix = f"{'min' if below else 'max'} = {edge:g}"
        raise ctx.error(
            f"a distribution inside {spec.bounds_text(scale)}{unit}",
            f"one that reaches {side} {edge:g}{unit}; truncate it with {fix}"
            + (f" (with unit = '{spec.display_unit}')" if spec.display_unit else "")
            + " or choose a shape that stays inside",
        )
    _check_tails(ctx, dist)


def _check_tails(ctx: _Context, dist: d.Distribution) -> None:
    """A distribution whose draws overflow, or round onto an open bound, is an error.

    With extreme parameters the draws can do so though the support is inside the bounds (a
    lognormal's draws underflow to 0). Every draw must be finite and inside the closed bounds;
    an open bound may be reached only beyond ``Z_TAIL`` (a normal truncated at min = 0 reaches
    0 there by rounding, once in more than 10^15 draws).
    """
    spec = ctx.spec
    for z in (d.Z_EXTREME, d.Z_TAIL):
        try:
            extremes = dist.extremes(z)
        except FloatingPointError:
            extremes = (math.nan, math.nan)
        for x in extremes:
            if math.isfinite(x) and (
                spec.contains(x) if z == d.Z_TAIL else spec.lower <= x <= spec.upper
            ):
                continue
            scale = units.factor(spec.unit, spec.display_unit)
            unit = f" {spec.display_unit}" if spec.display_unit else ""
            reach = (
                f"round to {x * scale:g}{unit}" if math.isfinite(x) else "overflow floating point"
            )
            raise ctx.error(
                f"a distribution whose draws stay finite and inside "
                f"{spec.bounds_text(scale)}{unit}",
                f"{dist.describe()}, whose draws in its tails {reach}; narrow it or truncate it "
                "with min and max",
            )
