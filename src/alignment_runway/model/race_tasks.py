"""The race with tasks automated one at a time (SPEC §6, §7): research is ``∫ Y(t) dt``.

The race's rate ``r(t)`` (after safety, checkpoints, review and diminishing returns) is the AI
term ``r_AI(t)`` of Stage D; the share of automated tasks grows as
``1 − a(t) = (1 − a_0)·e^(−g_a t)``; and research is the integral of the CES rate ``Y(t)``
with the AI on its best share of tasks and humans on the rest. ``Y`` has no closed-form
integral: each step is split where ``r_AI`` bends and each piece into parts short against
the fastest rate of change, with an 8-node Gauss–Legendre rule on each part, the AI's share
solved at every node warm-started from the node before. The time to the requirement is found
inside its step by safeguarded Newton on ``∫ Y − W``, whose derivative is ``Y`` itself.

Units: calendar seconds, researcher-seconds, researcher-seconds per calendar second.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from alignment_runway.model import tasks
from alignment_runway.model.stage_d import TasksInputs

__all__ = ["Integrated", "TaskRate", "TasksSchedule", "fastest_change", "rate_kinks"]

Array = NDArray[np.float64]

#: Gauss–Legendre nodes per part.
_GL_POINTS = 4
#: Pieces a part is recut into where the AI's share leaves its corner inside it.
_REFINE = 4
#: Most parts one piece of a step is cut into.
_MAX_PARTS = 64
#: The longest part, in calendar seconds (a month): ``Y`` moves with the automated share and
#: the AI's share even where the fastest rate bounds its relative change loosely.
_LONGEST = 30 * 86400.0
#: Safeguarded Newton steps locating the requirement's time (each one integral).
_NEWTON_STEPS = 40
#: The requirement's time is located to this fraction of the step, or until research there is
#: within this relative gap of the requirement (the quadrature's own rounding).
_TIME_TOL = 1e-13
_GAP_TOL = 1e-14


@functools.cache
def _gauss_legendre() -> tuple[Array, Array]:
    from numpy.polynomial import legendre

    nodes, weights = legendre.leggauss(_GL_POINTS)
    return nodes, weights


class AiRate(Protocol):
    """The AI term ``r_AI(t)``: evaluated per sample, and restricted to some samples."""

    def rate(self, t: Array) -> Array: ...

    def take(self, index: NDArray[np.intp]) -> AiRate: ...


@dataclass(frozen=True)
class TaskRate:
    """``Y(t)`` per sample: the CES rate for the AI term ``r_AI(t)`` and the share ``a(t)``.

    Attributes:
        ai: ``r_AI(t)``.
        s: the spread of log task costs ``s_τ``; share0: ``a_0``; growth_a: ``g_a`` per
        second; epsilon: ``ε``; human: ``H``.
    """

    ai: AiRate
    s: Array
    share0: Array
    growth_a: Array
    epsilon: Array
    human: Array

    @classmethod
    def of(cls, ai: AiRate, x: TasksInputs) -> TaskRate:
        """``Y(t)`` for the AI term ``ai`` and the task parameters ``x``."""
        return cls(
            ai=ai,
            s=tasks.cost_sigma(x.cost_spread),
            share0=x.automated_share,
            growth_a=x.automation_rate,
            epsilon=x.substitution,
            human=tasks.human_labor(x.human_researchers),
        )

    def take(self, index: NDArray[np.intp]) -> TaskRate:
        """The rate of the samples at ``index``."""
        return TaskRate(
            self.ai.take(index),
            self.s[index],
            self.share0[index],
            self.growth_a[index],
            self.epsilon[index],
            self.human[index],
        )

    def __call__(self, t: Array, guess: Array | None = None) -> tuple[Array, Array]:
        """``(Y(t), a*(t))``, the solve warm-started from ``guess``."""
        y, ai, _ = self.solve(t, guess)
        return y, ai

    def solve(self, t: Array, guess: Array | None) -> tuple[Array, Array, NDArray[np.bool_]]:
        """``(Y(t), a*(t), a*(t) = a(t))``: the last says the AI takes every automated task."""
        share = tasks.automated_share_at(self.share0, self.growth_a, t)
        ai, y = tasks.optimal_allocation(
            self.ai.rate(t), self.s, share, self.epsilon, self.human, guess
        )
        return y, ai, np.asarray(ai == share, dtype=bool)


def rate_kinks(
    a0: Array, growth: Array, cap: Array, review: Array, knee: Array, smoothness: Array | None
) -> Array:
    """Times where the race's rate ``r(t)`` bends, shape ``(3, n)`` (0: no such kink).

    The multiplier reaches its cap ``m_max``; usable labor ``A = a0·e^(g t)`` reaches the
    level where the rate meets the knee ``w·n_ref`` (under a smoothed review cap, the ``A``
    whose smoothed value is the knee); ``A`` reaches the review cap (SPEC §6).
    """
    grows = growth > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if smoothness is None:
            a_knee = np.where(knee < review, knee, np.inf)
        else:
            inner = 1.0 - (knee / review) ** smoothness
            a_knee = np.where(inner > 0, knee * inner ** (-1.0 / smoothness), np.inf)
        times = [np.where(grows, np.log(cap) / growth, 0.0)]
        for level in (a_knee, review):
            ok = grows & (level > a0) & np.isfinite(level) & (a0 > 0)
            times.append(np.where(ok, np.log(level / np.where(ok, a0, 1.0)) / growth, 0.0))
    return np.stack(times)


def fastest_change(growth: Array, smoothness: Array | None, automation_rate: Array) -> Array:
    """The fastest relative change of ``Y`` per second, per sample.

    Efficiency growth ``g`` (times ``κ`` under a smoothed review cap, where the rate bends over
    about ``1/(κ g)``) and the automation hazard ``g_a``.
    """
    bend = growth if smoothness is None else growth * np.maximum(smoothness, 1.0)
    return np.asarray(np.maximum(bend, automation_rate), dtype=np.float64)


def _part(
    rate: TaskRate, start: Array, half: Array, guess: Array, pieces: int
) -> tuple[Array, Array, NDArray[np.bool_]]:
    """``∫ Y`` over ``[start, start + 2·half]`` in ``pieces`` equal pieces of Gauss–Legendre.

    Returns the integral, the last node's share (the next warm start), and whether the AI's
    share was at its corner at some nodes and inside at others (``Y``'s slope has a kink
    there, which a rule of this order resolves only to about ``h³``).
    """
    nodes, weights = _gauss_legendre()
    h = half / pieces
    total = np.zeros_like(start)
    seen_corner = np.zeros(start.shape, dtype=bool)
    seen_inside = np.zeros(start.shape, dtype=bool)
    for j in range(pieces):
        mid = start + (2 * j + 1) * h
        for node, weight in zip(nodes, weights, strict=True):
            y, guess, corner = rate.solve(mid + h * node, guess)
            total += weight * h * y
            seen_corner |= corner
            seen_inside |= ~corner
    return total, guess, seen_corner & seen_inside


class Integrated:
    """A rate's integral carried over the grid per sample: ``total`` is ``∫_0^t``, up to ``end``.

    Subclasses give ``integral(a, b)``; ``advance`` moves every sample on to a later time.
    """

    t: Array
    end: Array
    total: Array

    def integral(self, a: Array, b: Array) -> Array:
        """``∫_a^b`` of the rate, per sample."""
        raise NotImplementedError

    def advance(self, t: float) -> Array:
        """``∫_0^min(t, end)``, advanced from the last grid time (times never decrease)."""
        stop = np.minimum(t, self.end)
        self.total = self.total + self.integral(self.t, stop)
        self.t = stop
        return self.total


class TasksSchedule(Integrated):
    """Cumulative research ``∫_0^min(t, end) Y`` advanced over the grid, per sample.

    Each sample's quadrature depends only on its own inputs (its parts, nodes and warm starts),
    never on the other samples computed with it, so results are bit-identical whatever the
    chunk size (SPEC §5).

    Args:
        rate: ``Y(t)``.
        kinks: times where ``r_AI`` bends, one row per kind of kink (shape ``(k, n)``).
        speed: the fastest relative rate of change of ``Y`` per sample (per second): parts
            are at most about ``1/speed`` long, and at most a month.
        end: the end of each sample's window.
        longest: the longest part (calendar seconds).
    """

    def __init__(
        self, rate: TaskRate, kinks: Array, speed: Array, end: Array, longest: float = _LONGEST
    ) -> None:
        self.rate = rate
        self.longest = longest
        self.kinks = np.sort(kinks, axis=0) if kinks.size else kinks
        self.speed = speed
        self.end = end
        self.t = np.zeros_like(end)
        self.total = np.zeros_like(end)
        self.guess = np.full_like(end, np.nan)  # no warm start yet

    def integral(self, a: Array, b: Array) -> Array:
        """``∫_a^b Y`` per sample (``a ≤ b``), updating the warm starts as it goes."""
        cuts = (a, *(np.clip(k, a, b) for k in self.kinks), b)
        total = np.zeros_like(a)
        kinked: list[tuple[NDArray[np.intp], Array, Array, Array]] = []
        for lo, hi in itertools.pairwise(cuts):
            span = hi - lo
            wanted = np.ceil(np.maximum(self.speed * span, span / self.longest))
            parts = np.where(span > 0, np.clip(wanted, 1, _MAX_PARTS), 0)
            half = span / (2 * np.maximum(parts, 1))
            for k in range(int(np.max(parts, initial=0))):
                index = np.flatnonzero(parts > k)  # only the samples with a k-th part
                rate = self.rate if index.size == a.size else self.rate.take(index)
                start = lo[index] + 2 * k * half[index]
                part, guess, mixed = _part(rate, start, half[index], self.guess[index], 1)
                total[index] += part
                self.guess[index] = guess
                if np.any(mixed):  # the AI's share leaves its corner: a kink in Y's slope
                    kinked.append((index[mixed], start[mixed], half[index][mixed], part[mixed]))
        if kinked:  # all at once: recut those parts finer
            index, start, half, coarse = (np.concatenate(x) for x in zip(*kinked, strict=True))
            fine, _, _ = _part(self.rate.take(index), start, half, self.guess[index], _REFINE)
            np.add.at(total, index, fine - coarse)
        return total

    def time_to(self, target: Array, lo: Array, hi: Array, at_lo: Array) -> Array:
        """The time in ``[lo, hi]`` where ``at_lo + ∫_lo^t Y`` reaches ``target``.

        Safeguarded Newton (``F' = Y``), bisecting whenever a step would leave the bracket;
        a sample stops once its step is below the tolerance.
        """
        a, b = lo.copy(), hi.copy()
        t = (a + b) / 2
        tol = _TIME_TOL * np.maximum(hi - lo, 1.0)
        done = np.zeros(t.shape, dtype=bool)
        for _ in range(_NEWTON_STEPS):
            gap = at_lo + self.integral(lo, t) - target
            a, b = np.where(gap < 0, t, a), np.where(gap < 0, b, t)
            y, _ = self.rate(t, self.guess)
            with np.errstate(divide="ignore", invalid="ignore"):
                newton = t - gap / y
            inside = np.isfinite(newton) & (newton > a) & (newton < b)
            step = np.where(inside, newton, (a + b) / 2)
            close = np.abs(gap) <= _GAP_TOL * np.abs(target)  # at rounding: no further step
            settle = (np.abs(step - t) <= tol) | close
            t = np.where(done | close, t, step)
            done |= settle
            if np.all(done):
                break
        return t
