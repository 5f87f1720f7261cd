"""Distributions of uncertain scenario values, in canonical units.

Every distribution maps standard-normal draws to values (``from_normal``), through its
quantile function where it has no faster route. Drawing standard normals for every input
keeps one sampling path for all shapes, lets truncation work on any shape (by restricting
the quantile range), and leaves room for Gaussian-copula correlations.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "TAIL_MAP_MASS",
    "Z90",
    "Z_EXTREME",
    "Z_TAIL",
    "Beta",
    "Distribution",
    "LogNormal",
    "LogUniform",
    "Mixture",
    "Normal",
    "Truncated",
    "Uniform",
    "lognormal_from_ci",
    "normal_from_ci",
    "pert",
    "triangular",
]

Array = NDArray[np.float64]

#: The open interval (0, 1) that quantile functions are evaluated on.
_U_MIN, _U_MAX = 1e-300, float(np.nextafter(1.0, 0.0))
#: Halvings of a mixture's quantile bracket: enough for double precision.
_BISECTIONS = 64
#: Regula falsi steps inside one cell of a mixture's quantile table.
_ILLINOIS_STEPS = 8
#: The standard normal's 95th percentile: a 90% interval spans ±Z90 standard deviations.
Z90 = 1.6448536269514722
#: The normal scores at which a distribution's extreme draws are checked. numpy's standard
#: normal generator never returns |z| above about 13.7 (the tail of its ziggurat is bounded by
#: the 53-bit resolution of its uniforms), so draws lie between the extremes at Z_EXTREME
#: (``Distribution.extremes``; a truncation's draws also lie within its bounds).
Z_EXTREME = 14.0
#: The normal score beyond which a draw falls about once in 10^15 (both tails together).
Z_TAIL = 8.0
#: The largest mass a truncation may cut from a normal or lognormal for its draws to keep the
#: base's own draw inside the bounds and move only the draws outside (``Truncated``); above
#: it, draws go through the truncated quantile function. Only this share of samples leaves
#: its place in the order of normal scores (docs/decisions.md).
TAIL_MAP_MASS = 1e-3
#: The standard normal's quantile function for a few values (no scipy).
_INV_PHI = NormalDist().inv_cdf


def _special() -> Any:
    """scipy.special, imported on first use (it is slow to import)."""
    import scipy.special

    return scipy.special


class Distribution(ABC):
    """A distribution of one scenario value, in the parameter's canonical unit."""

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """The smallest closed interval holding all the probability."""

    @abstractmethod
    def cdf(self, x: Array) -> Array:
        """Cumulative distribution function."""

    @abstractmethod
    def ppf(self, u: Array) -> Array:
        """Quantile function (inverse of the CDF), for ``u`` in (0, 1)."""

    def from_normal(self, z: Array, out: Array | None = None) -> Array:
        """Map standard-normal draws to draws of this distribution (monotone in ``z``).

        ``Φ(z)`` is kept inside the open interval (0, 1), so a draw far in a tail cannot
        reach an infinite quantile. With ``out`` (``z``'s shape, possibly ``z`` itself), the
        draws are written there and it is returned.
        """
        u = np.clip(_special().ndtr(z), _U_MIN, _U_MAX)
        return _into(self.ppf(np.asarray(u, dtype=np.float64)), out)

    @abstractmethod
    def describe(self) -> str:
        """A short description, such as ``lognormal(p5=2e21, p95=8e21)``."""

    def extremes(self, z: float = Z_EXTREME) -> tuple[float, float]:
        """The draws at normal scores ``-z`` and ``z``, between which the draws lie.

        With the default ``Z_EXTREME``, all draws lie between them.

        Raises:
            FloatingPointError: when drawing them overflows or is undefined (as drawing in the
                tails would be); underflow to zero is not an error (it shows in the result).
        """
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            if type(self).from_normal is Distribution.from_normal:
                low, high = _quantile_extremes(self, z)
            else:
                low, high = self.from_normal(np.array([-z, z], dtype=np.float64))
        return float(low), float(high)


def _quantile_extremes(dist: Distribution, z: float) -> Array:
    """The quantiles at ``Φ(-z)`` and ``Φ(z)``.

    Φ from math.erfc: checking a scenario imports scipy only when the quantile function needs
    it (a pure-numpy shape such as the triangular does not).
    """
    u = np.array([_phi(-z), _phi(z)], dtype=np.float64)
    return dist.ppf(np.clip(u, _U_MIN, _U_MAX))


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean ``mean`` and standard deviation ``sd``."""

    mean: float
    sd: float

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        return (-math.inf, math.inf)

    def cdf(self, x: Array) -> Array:  # noqa: D102
        return np.asarray(_special().ndtr((x - self.mean) / self.sd), dtype=np.float64)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        return self.mean + self.sd * np.asarray(_special().ndtri(u), dtype=np.float64)

    def from_normal(self, z: Array, out: Array | None = None) -> Array:  # noqa: D102
        if out is None:
            return self.mean + self.sd * z
        np.multiply(self.sd, z, out=out)
        out += self.mean
        return out

    def describe(self) -> str:  # noqa: D102
        return f"normal(mean={self.mean:.4g}, sd={self.sd:.4g})"


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Lognormal: ``ln x`` is normal with mean ``mu`` and standard deviation ``sigma``."""

    mu: float
    sigma: float

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        return (0.0, math.inf)

    def cdf(self, x: Array) -> Array:  # noqa: D102
        with np.errstate(divide="ignore"):
            logs = np.log(np.maximum(x, 0.0))  # -inf at and below 0, where the CDF is 0
        return np.asarray(_special().ndtr((logs - self.mu) / self.sigma), dtype=np.float64)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        return np.exp(self.mu + self.sigma * np.asarray(_special().ndtri(u), dtype=np.float64))

    def from_normal(self, z: Array, out: Array | None = None) -> Array:  # noqa: D102
        if out is None:
            return np.exp(self.mu + self.sigma * z)
        np.multiply(self.sigma, z, out=out)
        out += self.mu
        return np.exp(out, out=out)

    def describe(self) -> str:  # noqa: D102
        lo, hi = _exp_text(self.mu - Z90 * self.sigma), _exp_text(self.mu + Z90 * self.sigma)
        return f"lognormal(p5={lo}, p95={hi})"


def _exp_text(power: float) -> str:
    """``e**power`` as ``:.4g`` writes it, also beyond floating point (``1e+400``)."""
    if -700.0 < power < 700.0:
        return f"{math.exp(power):.4g}"
    if math.isnan(power) or math.isinf(power):
        return "0" if power < 0 else "inf"
    tens = power / math.log(10.0)
    if abs(tens) >= 1e9:  # an exponent this long says nothing more than the power itself
        return f"exp({power:.4g})"
    exponent = math.floor(tens)
    mantissa = f"{10.0 ** (tens - exponent):.4g}"
    if mantissa == "10":
        mantissa, exponent = "1", exponent + 1
    return f"{mantissa}e{exponent:+03d}"


def _into(values: Array, out: Array | None) -> Array:
    """``values``, written into ``out`` when given."""
    if out is None:
        return values
    out[...] = values
    return out


def _phi(z: float) -> float:
    """The standard normal CDF at one point, ``Φ(z) = erfc(−z/√2)/2`` (no scipy)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _phi_scalar(dist: Normal | LogNormal, x: float) -> float:
    """The CDF of a normal or lognormal at one point."""
    if isinstance(dist, LogNormal):
        if x <= 0.0:
            return 0.0
        return _phi((math.log(x) - dist.mu) / dist.sigma if x < math.inf else math.inf)
    return _phi((x - dist.mean) / dist.sd)


def lognormal_from_ci(p5: float, p95: float) -> LogNormal:
    """The lognormal whose 5th and 95th percentiles are ``p5`` and ``p95`` (Squiggle's ``to``).

    ``μ = (ln a + ln b)/2``, ``σ = (ln b − ln a)/(2 · 1.6449)``.
    """
    return LogNormal((math.log(p5) + math.log(p95)) / 2, (math.log(p95) - math.log(p5)) / (2 * Z90))


def normal_from_ci(p5: float, p95: float) -> Normal:
    """The normal whose 5th and 95th percentiles are ``p5`` and ``p95``."""
    return Normal((p5 + p95) / 2, (p95 - p5) / (2 * Z90))


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [low, high]."""

    low: float
    high: float

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def cdf(self, x: Array) -> Array:  # noqa: D102
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        return self.low + u * (self.high - self.low)

    def describe(self) -> str:  # noqa: D102
        return f"uniform({self.low:.4g}, {self.high:.4g})"


@dataclass(frozen=True)
class LogUniform(Distribution):
    """Log-uniform on [low, high]: ``ln x`` is uniform."""

    low: float
    high: float

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def cdf(self, x: Array) -> Array:  # noqa: D102
        a, b = math.log(self.low), math.log(self.high)
        with np.errstate(divide="ignore"):
            return np.clip((np.log(np.maximum(x, 0.0)) - a) / (b - a), 0.0, 1.0)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        a, b = math.log(self.low), math.log(self.high)
        return np.exp(a + u * (b - a))

    def describe(self) -> str:  # noqa: D102
        return f"loguniform({self.low:.4g}, {self.high:.4g})"


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(alpha, beta), stretched from [0, 1] onto [low, high]."""

    alpha: float
    beta: float
    low: float = 0.0
    high: float = 1.0

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        return (self.low, self.high)

    def cdf(self, x: Array) -> Array:  # noqa: D102
        y = np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)
        return np.asarray(_special().betainc(self.alpha, self.beta, y), dtype=np.float64)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        y = np.asarray(_special().betaincinv(self.alpha, self.beta, u), dtype=np.float64)
        return self.low + y * (self.high - self.low)

    def describe(self) -> str:  # noqa: D102
        stretch = (
            "" if (self.low, self.high) == (0.0, 1.0) else f" on [{self.low:.4g}, {self.high:.4g}]"
        )
        return f"beta({self.alpha:.4g}, {self.beta:.4g}){stretch}"


def pert(low: float, mode: float, high: float, lam: float = 4.0) -> Beta:
    """The PERT distribution: a beta on [low, high] with the given mode (Vose 2008).

    ``α = 1 + λ(mode − low)/(high − low)``, ``β = 1 + λ(high − mode)/(high − low)``.
    """
    width = high - low
    return Beta(1 + lam * (mode - low) / width, 1 + lam * (high - mode) / width, low, high)


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on [low, high] with its peak at ``mode``."""

    low: float
    mode: float
    high: float

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def cdf(self, x: Array) -> Array:
        a, c, b = self.low, self.mode, self.high
        x = np.clip(x, a, b)
        left = (x - a) ** 2 / ((b - a) * (c - a)) if c > a else np.zeros_like(x)
        right = 1 - (b - x) ** 2 / ((b - a) * (b - c)) if b > c else np.ones_like(x)
        return np.where(x <= c, left, right)

    def ppf(self, u: Array) -> Array:
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u <= split, left, right)

    def describe(self) -> str:
        return f"triangular({self.low:.4g}, {self.mode:.4g}, {self.high:.4g})"


def triangular(low: float, mode: float, high: float) -> Triangular:
    """The triangular distribution on [low, high] with its peak at ``mode``."""
    return Triangular(low, mode, high)


@dataclass(frozen=True)
class Mixture(Distribution):
    """A mixture: component ``i`` with probability ``weights[i]`` (the weights sum to 1)."""

    components: tuple[Distribution, ...]
    weights: tuple[float, ...]

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        lows, highs = zip(*(c.support for c in self.components), strict=True)  # each asked once
        return (min(lows), max(highs))

    def cdf(self, x: Array) -> Array:  # noqa: D102
        total = np.zeros(np.shape(x), dtype=np.float64)
        for weight, component in zip(self.weights, self.components, strict=True):
            total += weight * component.cdf(x)
        return total

    def ppf(self, u: Array) -> Array:
        """Invert the mixture's CDF.

        A table of exact quantiles brackets each ``u``; regula falsi (Illinois) refines it
        to double precision. Each sample's value depends only on its own ``u`` (fixed
        iteration counts), so results do not depend on how samples are grouped.
        """
        u = np.asarray(u, dtype=np.float64)
        grid_u, grid_x = self._table
        cell = np.searchsorted(grid_u, u, side="right")
        inside = (cell > 0) & (cell < grid_u.size)
        x = np.empty_like(u)
        if np.any(inside):
            k = cell[inside]
            x[inside] = self._illinois(
                u[inside], grid_x[k - 1], grid_u[k - 1], grid_x[k], grid_u[k]
            )
        if not np.all(inside):
            x[~inside] = self._bisect(u[~inside])
        return x

    @cached_property
    def _table(self) -> tuple[Array, Array]:
        """Exact quantiles on a grid of normal scores from −8 to 8."""
        grid_u = np.asarray(_special().ndtr(np.linspace(-8.0, 8.0, 2049)), dtype=np.float64)
        return grid_u, self._bisect(grid_u)

    def _bisect(self, u: Array) -> Array:
        """Bisection between the smallest and largest component quantiles.

        Those bracket the mixture's quantile; halvings are geometric when it is positive.
        """
        quantiles = np.stack([c.ppf(u) for c in self.components])
        lo, hi = quantiles.min(axis=0), quantiles.max(axis=0)
        geometric = lo > 0
        for _ in range(_BISECTIONS):
            with np.errstate(invalid="ignore", over="ignore"):
                product, width = lo * hi, hi - lo
                # halves of large brackets without overflow (the plain forms where they fit)
                mid = np.where(
                    geometric,
                    np.where(np.isfinite(product), np.sqrt(product), np.sqrt(lo) * np.sqrt(hi)),
                    np.where(np.isfinite(width), lo + width / 2, lo / 2 + hi / 2),
                )
            below = self.cdf(mid) < u
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return np.asarray(lo + (hi - lo) / 2, dtype=np.float64)

    def _illinois(self, u: Array, a: Array, fa: Array, b: Array, fb: Array) -> Array:
        """Regula falsi with the Illinois modification on brackets [a, b] of ``cdf − u``."""
        fa, fb = fa - u, fb - u
        side = np.zeros(u.shape, dtype=np.int8)
        for _ in range(_ILLINOIS_STEPS):
            with np.errstate(invalid="ignore", divide="ignore"):
                c = np.where(fb != fa, b - fb * (b - a) / (fb - fa), a + (b - a) / 2)
            c = np.clip(c, np.minimum(a, b), np.maximum(a, b))
            fc = self.cdf(c) - u
            same = np.sign(fc) == np.sign(fb)
            # c replaces b; if it falls on b's side twice running, halve fa (Illinois)
            fa = np.where(same, np.where(side == 1, fa / 2, fa), fb)
            a = np.where(same, a, b)
            side = np.where(same, 1, -1).astype(np.int8)
            b, fb = c, fc
        return b

    def describe(self) -> str:  # noqa: D102
        parts = ", ".join(
            f"{w:.3g}: {c.describe()}" for w, c in zip(self.weights, self.components, strict=True)
        )
        return f"mixture({parts})"


@dataclass(frozen=True)
class _TailMap:
    """Where the normal scores outside a truncation's bounds go (``Truncated.from_normal``).

    The bounds are the normal scores ``alpha < beta`` of ``low`` and ``high``; the mass cut
    is ``ε = A + B`` with ``A = Φ(α)`` below and ``B = 1 − Φ(β)`` above. A score ``z`` outside
    is at position ``s`` in the cut mass, ``s = Φ(z)`` below ``α`` and ``s = A + Φ(z) − Φ(β)``
    above ``β``, so ``w = s/ε`` is uniform on (0, 1) given that ``z`` is outside; it moves to
    ``Φ⁻¹(A + (1 − ε) w)``, uniform in probability between ``α`` and ``β``. Scores inside are
    kept. For a set ``S`` inside the bounds ``P(T ∈ S) = P(Z ∈ S) + ε P(Z ∈ S)/(1 − ε) =
    P(Z ∈ S)/(1 − ε)``: exactly the truncated distribution.
    """

    alpha: float
    beta: float
    below: float
    above: float

    @staticmethod
    def of(base: Normal | LogNormal, low: float, high: float) -> _TailMap:
        """The bounds' normal scores under ``base``, and the masses cut below and above."""
        if isinstance(base, LogNormal):
            alpha = (math.log(low) - base.mu) / base.sigma if low > 0.0 else -math.inf
            beta = (math.log(high) - base.mu) / base.sigma if high > 0.0 else -math.inf
            beta = math.inf if high == math.inf else beta
        else:
            alpha, beta = (low - base.mean) / base.sd, (high - base.mean) / base.sd
        return _TailMap(alpha, beta, _phi(alpha), _phi(-beta))

    @property
    def cut(self) -> float:
        """The mass cut, ``ε = A + B``."""
        return self.below + self.above

    def move(self, z: float) -> float:
        """The kept-region score that an outside score ``z`` moves to.

        ``s`` and the rest of the cut mass ``ε − s`` are each taken from the tail they lie in
        (``erfc``, no cancellation).
        """
        cut = self.cut
        if cut <= 0.0:  # nothing representable is cut: only a score beyond ±38 gets here
            return min(max(z, self.alpha), self.beta)
        if z < self.alpha:
            s = _phi(z)
            rest = cut - s
        else:
            rest = _phi(-z)
            s = cut - rest
        return self.quantile_score(s / cut, rest / cut)

    def quantile_score(self, under: float, over: float) -> float:
        """The score of the truncated quantile with ``under`` of the kept mass below it.

        ``over = 1 − under``, given separately for its precision near 0. The probability
        ``p = A + (1 − ε) under`` or its complement ``B + (1 − ε) over``, whichever is below
        one half, goes through ``Φ⁻¹``.
        """
        kept = 1.0 - self.cut
        p = self.below + kept * under
        if p <= 0.5:
            return _INV_PHI(max(p, _U_MIN))
        return -_INV_PHI(max(self.above + kept * over, _U_MIN))


@dataclass(frozen=True)
class Truncated(Distribution):
    """``base`` restricted to [low, high] and renormalised (truncated, not clipped)."""

    base: Distribution
    low: float
    high: float

    @property
    def support(self) -> tuple[float, float]:  # noqa: D102
        lo, hi = self.base.support
        return (max(lo, self.low), min(hi, self.high))

    @cached_property
    def _tail_map(self) -> _TailMap | None:
        """The tail map, when the base is a normal or lognormal and the cut mass is small."""
        if not isinstance(self.base, Normal | LogNormal):
            return None
        tails = _TailMap.of(self.base, self.low, self.high)
        return tails if tails.cut <= TAIL_MAP_MASS else None

    @property
    def tail_mapped(self) -> bool:
        """Whether draws keep the base's own draw inside the bounds (``from_normal``)."""
        return self._tail_map is not None

    def from_normal(self, z: Array, out: Array | None = None) -> Array:
        """Map standard-normal draws to draws of the truncated distribution.

        When the base is a normal or lognormal and the truncation cuts at most
        ``TAIL_MAP_MASS`` of it, a score inside the bounds is the base's own draw, and only
        the few outside move inside (``_TailMap``, in closed form: no Φ or Φ⁻¹ over the whole
        array, no scipy). The map depends only on the distribution, never on which other
        samples are drawn with it; it is measure-preserving, not monotone. Otherwise,
        ``base.ppf(Φ(a) + Φ(z) (Φ(b) − Φ(a)))``, the truncated quantile function.
        """
        tails = self._tail_map
        if tails is None:
            return super().from_normal(z, out)
        base = self.base
        assert isinstance(base, Normal | LogNormal)
        outside = np.flatnonzero(z > tails.beta)
        if tails.alpha > -math.inf:
            outside = np.union1d(np.flatnonzero(z < tails.alpha), outside)
        moved = np.array([tails.move(float(v)) for v in z[outside]], dtype=np.float64)
        values = base.from_normal(z, out)  # may overwrite z: the outside scores are taken
        values[outside] = base.from_normal(moved)
        # rounding at the bounds only; the mass outside was never drawn there
        if self.high < math.inf:
            np.minimum(values, self.high, out=values)
        if self.low > -math.inf:
            np.maximum(values, self.low, out=values)
        return values

    def extremes(self, z: float = Z_EXTREME) -> tuple[float, float]:
        """The truncated distribution's quantiles at ``Φ(−z)`` and ``Φ(z)``.

        As its draws compute them: through the quantile function, or under the tail map from
        the moved scores' ``quantile_score`` (no scipy). The tail map is not monotone in
        ``z``, but its draws follow the truncated distribution: these are how far they reach
        but once in ``1/Φ(−z)`` draws, and a draw may come nearer a truncated bound than this
        (never beyond it, nor beyond the base's own draws at ``±z`` on an open side).
        """
        tails = self._tail_map
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            if tails is None:
                low, high = _quantile_extremes(self, z)
            else:
                t = _phi(-z)
                ends = [tails.quantile_score(t, 1.0 - t), tails.quantile_score(1.0 - t, t)]
                draws = self.base.from_normal(np.array(ends, dtype=np.float64))
                low, high = np.clip(draws, self.low, self.high)
        return float(low), float(high)

    def mass(self) -> float:
        """The probability ``base`` puts inside [low, high].

        For a normal or lognormal base it is ``Φ(b) − Φ(a)`` from ``math.erfc``, so checking a
        scenario while parsing it needs no scipy.
        """
        base = self.base
        if isinstance(base, Normal | LogNormal):
            return _phi_scalar(base, self.high) - _phi_scalar(base, self.low)
        lo, hi = self._bounds()
        return hi - lo

    def _bounds(self) -> tuple[float, float]:
        edges = np.array([self.low, self.high], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            f = self.base.cdf(edges)
        lo = 0.0 if self.low == -math.inf else float(f[0])
        hi = 1.0 if self.high == math.inf else float(f[1])
        return lo, hi

    def cdf(self, x: Array) -> Array:  # noqa: D102
        lo, hi = self._bounds()
        return np.clip((self.base.cdf(x) - lo) / (hi - lo), 0.0, 1.0)

    def ppf(self, u: Array) -> Array:  # noqa: D102
        lo, hi = self._bounds()
        # the clip only absorbs rounding at the edges; the mass outside was never drawn
        return np.clip(self.base.ppf(lo + u * (hi - lo)), self.low, self.high)

    def describe(self) -> str:  # noqa: D102
        if self.low == -math.inf:
            return f"{self.base.describe()} truncated to ≤ {self.high:.4g}"
        if self.high == math.inf:
            return f"{self.base.describe()} truncated to ≥ {self.low:.4g}"
        return f"{self.base.describe()} truncated to [{self.low:.4g}, {self.high:.4g}]"
