"""Summaries of samples too many to hold: the mean and exact percentiles, from passes over them.

``summaries`` is given a way to visit every sample of a run in order, a slab at a time, as
often as it needs (a run re-evaluated from its seed sees the same values each time). It
holds one slab at a time and gives the same estimates as ``summary.mean`` and
``summary.percentiles`` of the whole array:

1. The first pass sums each group of ``group`` consecutive samples (the sampling's blocks, so
   the sums do not depend on how samples are grouped into slabs or workers), counts the
   non-finite values, and keeps every ``k``-th sample: a systematic subsample, chosen by
   sample index alone, of about ``4·n^(2/3)`` values.
2. The mean is the exact sum of the group sums (``math.fsum``) over ``n``. The second pass
   sums each group's squared deviations about that mean (the two-pass algorithm, as
   ``numpy.std`` does in memory), again combined exactly with ``math.fsum``. Each group is
   scaled by a power of two before summing, which is exact, so sums that would overflow
   (values past 1e154) do not.
3. Each order statistic a percentile reads (``summary.percentile_ranks``) is bracketed by two
   values of the subsample, ``margin`` binomial standard deviations either side of where its
   rank falls there. The second pass counts the samples below each bracket and at its ends,
   and keeps the distinct values strictly inside it with their counts; the order statistic is
   then read exactly from those. Should a rank fall outside its bracket (about once in 1e23
   at the default margin), the bracket is widened fourfold and the pass repeated for it.

Values are compared as integer keys that order floats as numbers do, with NaN above +inf, as
``np.partition`` places it; ties, infinities ("never reached") and 0/1 outputs are exact.
What is held besides one slab: the subsample and the values inside the brackets, each about
``n^(2/3)`` values (tens of MB at 1e8 samples), so it grows far slower than the samples.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.summary import (
    Estimate,
    RankPlan,
    percentile_estimates,
    percentile_ranks,
)

__all__ = [
    "MARGIN",
    "Visit",
    "float_keys",
    "key_floats",
    "subsample_stride",
    "summaries",
]

Array = NDArray[np.float64]
Keys = NDArray[np.int64]
#: Called with a slab's first sample and each name's values of the slab.
Visit = Callable[[int, Mapping[str, Array]], None]
#: Evaluates every sample of the run in order, slab by slab, calling ``visit`` on each slab.
Passes = Callable[[Visit], None]
#: Half-width of a bracket around a rank in the subsample, in binomial standard deviations.
MARGIN = 10.0
#: Values kept inside brackets before they are tallied into distinct values and counts.
_TALLY_AT = 2**22
_LOWEST = np.iinfo(np.int64).min
_HIGHEST = np.iinfo(np.int64).max
_MAGNITUDE = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def float_keys(x: Array) -> Keys:
    """Integer keys ordered as the floats ``x`` are, with every NaN above +inf.

    Negative zero is keyed as zero and every NaN as the same NaN, so equal values have equal
    keys. The flip of a negative float's magnitude bits is the usual total-order trick.
    """
    canonical = np.where(np.isnan(x), np.nan, x) + 0.0  # -0.0 + 0.0 is 0.0
    bits = canonical.view(np.int64)
    return bits ^ ((bits >> 63) & _MAGNITUDE)


def key_floats(keys: Keys) -> Array:
    """The floats of ``float_keys`` (the flip undoes itself)."""
    keys = np.asarray(keys, dtype=np.int64)
    return (keys ^ ((keys >> 63) & _MAGNITUDE)).view(np.float64)


def subsample_stride(n: int) -> int:
    """Every how many samples the first pass keeps one: about ``n^(1/3) / 4``, at least 1.

    The subsample (about ``4·n^(2/3)`` values) and the values inside its brackets (about
    ``2.5·n^(2/3)`` at the default margin) then stay of the same size. It changes only what
    is held, never a result.
    """
    return max(1, round(math.cbrt(n) / 4))


def _power_sum(x: Array, power: int) -> tuple[float, int]:
    """``sum(x**power)`` as ``(s, e)`` with the sum ``s·2^(power·e)``, exact in scaling.

    Scaling by ``2^-e`` (``e`` the exponent of the largest magnitude) moves no bit, so ``s``
    is numpy's own sum of the values, shifted out of reach of overflow.
    """
    top = float(np.max(np.abs(x))) if x.size else 0.0
    e = math.frexp(top)[1]
    scaled = np.ldexp(x, -e)
    return float(np.sum(scaled * scaled if power == 2 else scaled)), e


def _exact_sum(parts: Sequence[tuple[float, int]], power: int) -> tuple[float, int]:
    """The exact sum of ``_power_sum`` parts, as ``(s, E)`` meaning ``s·2^(power·E)``."""
    if not parts:
        return 0.0, 0
    top = max(e for _, e in parts)
    return math.fsum(math.ldexp(s, power * (e - top)) for s, e in parts), top


@dataclass
class _Output:
    """What the passes gather of one output."""

    sums: list[tuple[float, int]] = field(default_factory=list)
    squares: list[tuple[float, int]] = field(default_factory=list)
    nan: int = 0
    up: int = 0  # +inf
    down: int = 0  # -inf
    sub: list[Keys] = field(default_factory=list)
    mean: float = math.nan


@dataclass
class _Bracket:
    """Samples below ``[lo, hi]`` (keys), at its ends, and strictly inside as distinct values."""

    lo: int
    hi: int
    below: int = 0
    at_lo: int = 0
    at_hi: int = 0
    pending: list[Keys] = field(default_factory=list)
    pending_size: int = 0
    keys: Keys = field(default_factory=lambda: np.zeros(0, np.int64))
    counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, k: Keys) -> None:
        """Count one group's keys."""
        self.below += int(np.count_nonzero(k < self.lo))
        self.at_lo += int(np.count_nonzero(k == self.lo))
        if self.hi != self.lo:
            self.at_hi += int(np.count_nonzero(k == self.hi))
        inside = k[(k > self.lo) & (k < self.hi)]
        if inside.size:
            self.pending.append(inside)
            self.pending_size += inside.size
            if self.pending_size > max(_TALLY_AT, 2 * self.keys.size):
                self.tally()

    def tally(self) -> None:
        """Fold the pending keys into the distinct keys and their counts."""
        if not self.pending:
            return
        keys = np.concatenate([self.keys, *self.pending])
        counts = np.concatenate([self.counts, np.ones(self.pending_size, np.int64)])
        self.keys, where = np.unique(keys, return_inverse=True)
        self.counts = np.bincount(where, weights=counts, minlength=self.keys.size).astype(np.int64)
        self.pending, self.pending_size = [], 0

    def order_statistic(self, rank: int) -> float | None:
        """The value of 0-based ``rank`` among all samples, or None when it is not inside."""
        self.tally()
        ends = [self.lo] if self.lo == self.hi else [self.lo, *self.keys.tolist(), self.hi]
        counts = [self.at_lo] if self.lo == self.hi else [self.at_lo, *self.counts, self.at_hi]
        cumulative = np.cumsum(np.asarray(counts, dtype=np.int64))
        j = rank - self.below
        if not 0 <= j < int(cumulative[-1]):
            return None
        key = ends[int(np.searchsorted(cumulative, j, "right"))]
        return float(key_floats(np.array([key], dtype=np.int64))[0])


def _groups(start: int, values: Array, group: int) -> Iterable[tuple[int, Array]]:
    """The slab ``values`` (from sample ``start``, a multiple of ``group``) group by group."""
    if start % group:
        raise ValueError(f"a slab starts at a multiple of {group} samples; received {start}")
    for at in range(0, values.size, group):
        yield start + at, values[at : at + group]


def summaries(
    passes: Passes,
    names: Sequence[str],
    n: int,
    qs: Sequence[float],
    *,
    group: int,
    margin: float = MARGIN,
    after_first: Callable[[], None] | None = None,
) -> dict[str, tuple[Estimate, list[Estimate]]]:
    """Each output's mean and percentiles ``qs`` (in percent), from passes over ``n`` samples.

    The same estimates as ``summary.mean`` and ``summary.percentiles`` of the samples held
    at once: the percentiles and their errors exactly, the mean and its error to rounding
    (see the module's note).

    Args:
        passes: visits every sample in order, slab by slab, each slab starting at a multiple
            of ``group``; called at least twice, more should a bracket miss.
        names: the outputs every slab gives.
        n: the number of samples.
        qs: percentiles, in percent.
        group: samples summed together (the sampling's block size).
        margin: the brackets' half-width in binomial standard deviations (0 makes them as
            narrow as can be, so that they miss; for tests).
        after_first: called after the first pass (to check what it counted).
    """
    stride = subsample_stride(n)
    outputs = {name: _Output() for name in names}

    def first(start: int, slab: Mapping[str, Array]) -> None:
        for name, out in outputs.items():
            for at, x in _groups(start, slab[name], group):
                finite = np.isfinite(x)
                if finite.all():
                    out.sums.append(_power_sum(x, 1))
                else:
                    out.nan += int(np.count_nonzero(np.isnan(x)))
                    out.up += int(np.count_nonzero(x == np.inf))
                    out.down += int(np.count_nonzero(x == -np.inf))
                out.sub.append(float_keys(x[(-at) % stride :: stride]))

    passes(first)
    if after_first is not None:
        after_first()
    plans = percentile_ranks(n, qs)
    ranks = sorted({r for plan in plans for r in plan[1:]})
    widths = {name: dict.fromkeys(ranks, margin) for name in names}
    subs = {name: np.sort(np.concatenate(out.sub)) for name, out in outputs.items()}
    for out in outputs.values():
        out.sub = []
        out.mean = _mean(out, n)
    found: dict[str, dict[int, float]] = {name: {} for name in names}
    deviations = True
    while deviations or any(len(found[name]) < len(ranks) for name in names):
        brackets = {
            name: _brackets(subs[name], n, {r: w for r, w in wide.items() if r not in found[name]})
            for name, wide in widths.items()
        }

        passes(functools.partial(_second, outputs, brackets, group, deviations))
        deviations = False
        for name in names:
            for rank, bracket in brackets[name].items():
                value = bracket.order_statistic(rank)
                if value is None:
                    widths[name][rank] = 4 * widths[name][rank] + 1  # missed: widen, again
                else:
                    found[name][rank] = value
    return {
        name: (
            Estimate(out.mean, _se(out, n)),
            _percentiles(n, plans, found[name]),
        )
        for name, out in outputs.items()
    }


def _second(
    outputs: Mapping[str, _Output],
    brackets: Mapping[str, Mapping[int, _Bracket]],
    group: int,
    deviations: bool,
    start: int,
    slab: Mapping[str, Array],
) -> None:
    """The second pass over a slab: squared deviations (once), and the brackets' counts."""
    for name, out in outputs.items():
        distinct = list({id(b): b for b in brackets[name].values()}.values())  # merged once
        for _, x in _groups(start, slab[name], group):
            if deviations and math.isfinite(out.mean):
                out.squares.append(_power_sum(x - out.mean, 2))
            if distinct:
                k = float_keys(x)
                for bracket in distinct:
                    bracket.add(k)


def _brackets(sub: Keys, n: int, margins: Mapping[int, float]) -> dict[int, _Bracket]:
    """A bracket of subsample keys around each rank, overlapping ones merged into one.

    Each reaches ``margins[rank]`` binomial standard deviations (and 2 places) either side of
    where the rank falls in the subsample, or past its end.
    """
    m = sub.size
    spans = []
    for rank, margin in margins.items():
        f = rank / n
        width = margin * math.sqrt(m * f * (1 - f)) + 2
        lo, hi = math.floor(rank * m / n - width), math.ceil(rank * m / n + width)
        spans.append(
            (
                int(sub[lo]) if lo >= 0 else _LOWEST,
                int(sub[hi]) if hi < m else _HIGHEST,
                rank,
            )
        )
    out: dict[int, _Bracket] = {}
    current: _Bracket | None = None
    for lo, hi, rank in sorted(spans):
        if current is None or lo > current.hi:
            current = _Bracket(lo, hi)
        else:
            current.hi = max(current.hi, hi)
        out[rank] = current
    return out


def _mean(out: _Output, n: int) -> float:
    """The mean from the first pass: NaN with a NaN or with both infinities, else ±inf."""
    if out.nan or (out.up and out.down):
        return math.nan
    if out.up or out.down:
        return math.inf if out.up else -math.inf
    total, top = _exact_sum(out.sums, 1)
    return math.ldexp(total / n, top)


def _se(out: _Output, n: int) -> float:
    """The mean's standard error ``s/sqrt(n)``: NaN for one sample or a non-finite mean."""
    if n < 2 or not math.isfinite(out.mean):
        return math.nan
    total, top = _exact_sum(out.squares, 2)
    return math.ldexp(math.sqrt(total / (n - 1)) / math.sqrt(n), top)


def _percentiles(n: int, plans: Sequence[RankPlan], ordered: Mapping[int, float]) -> list[Estimate]:
    return percentile_estimates(n, plans, ordered.__getitem__)
