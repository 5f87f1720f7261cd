"""Summaries of samples too many to hold: the mean and exact percentiles, from passes over them.

``summaries`` is given a way to visit every sample of a run in order, a slab at a time, as
often as it needs (a run re-evaluated from its seed sees the same values each time). It
holds one slab at a time and gives the same estimates as ``summary.mean`` and
``summary.percentiles`` of the whole array:

1. The first pass sums each group of ``group`` consecutive samples (the sampling's blocks, so
   the sums do not depend on how samples are grouped into slabs or workers), counts the
   non-finite values, and keeps every ``k``-th sample: a systematic subsample, chosen by
   sample index alone, of at most ``SUBSAMPLE`` values.
2. The mean is the exact sum of the group sums (``math.fsum``) over ``n``. The second pass
   sums each group's squared deviations about that mean (the two-pass algorithm, as
   ``numpy.std`` does in memory), again combined exactly with ``math.fsum``. Each group is
   scaled by a power of two before summing, which is exact, so sums that would overflow
   (values past 1e154) do not.
3. Each order statistic a percentile reads (``summary.percentile_ranks``) is bracketed by two
   values of the subsample, ``margin`` binomial standard deviations either side of where its
   rank falls there. The second pass counts the samples below each bracket and at its ends,
   and keeps the distinct values strictly inside it with their counts; the order statistic is
   then read exactly from those. A bracket expected to hold more than ``KEEP`` samples
   (past about 2e8 samples) is counted in bins between the subsample's values instead,
   and a third pass keeps the values of the one bin holding the rank. Should a rank fall
   outside its bracket (about once in 1e23 at the default margin), the bracket is widened
   fourfold and the pass repeated for it.

Values are compared as integer keys that order floats as numbers do, with NaN above +inf, as
``np.partition`` places it; ties, infinities ("never reached") and 0/1 outputs are exact.
What is held besides one slab: the subsample (8 MiB at most) and, per bracket, at most about
``KEEP`` values (16 MiB) or a bin's count of them, whatever the number of samples.
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
    "KEEP",
    "MARGIN",
    "SUBSAMPLE",
    "Visit",
    "float_keys",
    "key_floats",
    "planned_passes",
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
#: Most values the first pass keeps (every k-th sample).
SUBSAMPLE = 2**20
#: Most samples a bracket may be expected to hold for its values to be kept in one pass.
KEEP = 2**21
#: Values kept inside a bracket before they are tallied into distinct values and counts.
_TALLY_AT = 2**20
_LOWEST = int(np.iinfo(np.int64).min)
_HIGHEST = int(np.iinfo(np.int64).max)
_MAGNITUDE = np.int64(0x7FFF_FFFF_FFFF_FFFF)
_CHANGED = (
    "a pass over the samples saw other values than the pass before: a streamed summary needs "
    "the same samples each time"
)
#: A rank's bracket: a margin around it in the subsample, or the keys ``(lo, hi)`` of a bin.
How = float | tuple[int, int]


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


def subsample_stride(n: int, subsample: int = SUBSAMPLE) -> int:
    """Every how many samples the first pass keeps one: at most ``subsample`` in all.

    It changes only what is held and how many passes are made, never a result.
    """
    return max(1, -(-n // subsample))


def planned_passes(
    n: int,
    qs: Sequence[float],
    *,
    margin: float = MARGIN,
    subsample: int = SUBSAMPLE,
    keep: int = KEEP,
) -> int:
    """The passes ``summaries`` makes over ``n`` samples (unless a bracket misses): 2 or 3."""
    stride = subsample_stride(n, subsample)
    m = -(-n // stride)
    ranks = {r for plan in percentile_ranks(n, qs) for r in plan[1:]}
    spans = _spans(n, m, dict.fromkeys(ranks, margin))
    return 3 if any((hi - lo) * stride > keep for lo, hi, _ in spans) else 2


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


def _empty() -> NDArray[np.int64]:
    return np.zeros(0, np.int64)


@dataclass
class _Bracket:
    """Samples below ``[lo, hi]`` (keys), at its ends, and strictly inside as distinct values.

    With ``edges`` (keys strictly inside), the samples in ``[lo, hi]`` are only counted, in
    the bins the edges make, rather than kept.
    """

    lo: int
    hi: int
    edges: Keys | None = None
    below: int = 0
    at_lo: int = 0
    at_hi: int = 0
    pending: list[Keys] = field(default_factory=list)
    pending_size: int = 0
    keys: Keys = field(default_factory=_empty)
    counts: NDArray[np.int64] = field(default_factory=_empty)

    def add(self, k: Keys) -> None:
        """Count one group's keys."""
        self.below += int(np.count_nonzero(k < self.lo))
        if self.edges is not None:
            inside = k[(k >= self.lo) & (k <= self.hi)]
            bins = np.bincount(
                np.searchsorted(self.edges, inside, "right"), minlength=self.edges.size + 1
            )
            self.counts = bins if not self.counts.size else self.counts + bins
            return
        self.at_lo += int(np.count_nonzero(k == self.lo))
        if self.hi != self.lo:
            self.at_hi += int(np.count_nonzero(k == self.hi))
        inside = k[(k > self.lo) & (k < self.hi)]
        if inside.size:
            self.pending.append(inside)
            self.pending_size += inside.size
            if self.pending_size > max(_TALLY_AT, self.keys.size):
                self.tally()

    def tally(self) -> None:
        """Fold the pending keys into the distinct keys and their counts."""
        if not self.pending:
            return
        raw = np.sort(np.concatenate(self.pending))
        self.pending, self.pending_size = [], 0
        starts = np.flatnonzero(np.concatenate([[True], raw[1:] != raw[:-1]]))
        keys = np.concatenate([self.keys, raw[starts]])
        counts = np.concatenate([self.counts, np.diff(np.append(starts, raw.size))])
        del raw, starts
        order = np.argsort(keys, kind="stable")
        keys, counts = keys[order], counts[order]
        first = np.concatenate([[True], keys[1:] != keys[:-1]])
        self.keys = keys[first]
        self.counts = np.add.reduceat(counts, np.flatnonzero(first)) if keys.size else counts

    def resolve(self, rank: int) -> float | tuple[int, int] | None:
        """The value of 0-based ``rank`` among all samples, or where it is, or None.

        Counted in bins, the keys ``(lo, hi)`` of the bin that holds it; None when the rank
        is not in the bracket.
        """
        self.tally()
        j = rank - self.below
        if self.edges is not None:
            cumulative = np.cumsum(self.counts)
            if not (cumulative.size and 0 <= j < int(cumulative[-1])):
                return None
            b = int(np.searchsorted(cumulative, j, "right"))
            lo = self.lo if b == 0 else int(self.edges[b - 1])
            hi = self.hi if b == self.edges.size else int(self.edges[b]) - 1
            return lo, hi
        if self.lo == self.hi:
            ends, counts = np.array([self.lo]), np.array([self.at_lo])
        else:
            ends = np.concatenate([[self.lo], self.keys, [self.hi]])
            counts = np.concatenate([[self.at_lo], self.counts, [self.at_hi]])
        cumulative = np.cumsum(counts)
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
    subsample: int = SUBSAMPLE,
    keep: int = KEEP,
    after_first: Callable[[], None] | None = None,
) -> dict[str, tuple[Estimate, list[Estimate]]]:
    """Each output's mean and percentiles ``qs`` (in percent), from passes over ``n`` samples.

    The same estimates as ``summary.mean`` and ``summary.percentiles`` of the samples held
    at once: the percentiles and their errors exactly, the mean and its error to rounding
    (see the module's note).

    Args:
        passes: visits every sample in order, slab by slab, each slab starting at a multiple
            of ``group``; called ``planned_passes`` times, more should a bracket miss.
        names: the outputs every slab gives.
        n: the number of samples.
        qs: percentiles, in percent.
        group: samples summed together (the sampling's block size).
        margin: the brackets' half-width in binomial standard deviations (0 makes them as
            narrow as can be, so that they miss; for tests).
        subsample: most values the first pass keeps.
        keep: most samples a bracket may be expected to hold for its values to be kept in
            one pass; past it, they are counted in bins first (a third pass).
        after_first: called after the first pass (to check what it counted).
    """
    stride = subsample_stride(n, subsample)
    outputs = {name: _Output() for name in names}

    def first(start: int, slab: Mapping[str, Array]) -> None:
        for name, out in outputs.items():
            for at, x in _groups(start, slab[name], group):
                if np.isfinite(x).all():
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
    todo: dict[str, dict[int, How]] = {name: dict.fromkeys(ranks, margin) for name in names}
    subs = {}
    for name, out in outputs.items():
        subs[name] = np.sort(np.concatenate(out.sub))
        out.sub = []
        out.mean = _mean(out, n)
    found: dict[str, dict[int, float]] = {name: {} for name in names}
    deviations = True
    while deviations or any(todo.values()):
        brackets = {name: _brackets(subs[name], n, stride, keep, todo[name]) for name in names}
        passes(functools.partial(_second, outputs, brackets, group, deviations))
        deviations = False
        for name in names:
            for rank, bracket in brackets[name].items():
                got = bracket.resolve(rank)
                how = todo[name][rank]
                if got is None:  # missed: widen the margin, and again
                    if isinstance(how, tuple) or (bracket.lo, bracket.hi) == (_LOWEST, _HIGHEST):
                        raise RuntimeError(_CHANGED)  # a bin, or every value, cannot miss
                    todo[name][rank] = 4 * how + 1
                elif isinstance(got, tuple):
                    todo[name][rank] = got  # its bin: kept in the next pass
                else:
                    found[name][rank] = got
                    del todo[name][rank]
    return {
        name: (Estimate(out.mean, _se(out, n)), _percentiles(n, plans, found[name]))
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
    """A later pass over a slab: squared deviations (the second pass), the brackets' counts."""
    for name, out in outputs.items():
        distinct = list({id(b): b for b in brackets[name].values()}.values())  # merged once
        for _, x in _groups(start, slab[name], group):
            if deviations and math.isfinite(out.mean):
                out.squares.append(_power_sum(x - out.mean, 2))
            if distinct:
                k = float_keys(x)
                for bracket in distinct:
                    bracket.add(k)


def _spans(n: int, m: int, margins: Mapping[int, float]) -> list[tuple[int, int, list[int]]]:
    """Subsample places ``(lo, hi)`` bracketing each rank, overlapping ones merged.

    Each reaches ``margins[rank]`` binomial standard deviations (and 2 places) either side of
    where the rank falls among the ``m`` subsample values; places past either end mean no
    bound there.
    """
    spans = []
    for rank, margin in margins.items():
        f = rank / n
        width = margin * math.sqrt(m * f * (1 - f)) + 2
        spans.append((math.floor(rank * m / n - width), math.ceil(rank * m / n + width), rank))
    merged: list[tuple[int, int, list[int]]] = []
    for lo, hi, rank in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi), [*merged[-1][2], rank])
        else:
            merged.append((lo, hi, [rank]))
    return merged


def _brackets(
    sub: Keys, n: int, stride: int, keep: int, todo: Mapping[int, How]
) -> dict[int, _Bracket]:
    """Each rank's bracket: its bin's, or from the subsample (overlapping ones shared)."""
    m = sub.size
    out: dict[int, _Bracket] = {}
    bins: dict[tuple[int, int], _Bracket] = {}
    margins = {}
    for rank, how in todo.items():
        if isinstance(how, tuple):
            out[rank] = bins.setdefault(how, _Bracket(*how))
        else:
            margins[rank] = how
    for lo, hi, ranks in _spans(n, m, margins):
        lo_key = int(sub[lo]) if lo >= 0 else _LOWEST
        hi_key = int(sub[hi]) if hi < m else _HIGHEST
        edges = None
        if (hi - lo) * stride > keep:  # too many to keep: count them in bins first
            inner = np.unique(sub[max(lo, 0) + 1 : min(hi, m)])
            edges = inner[(inner > lo_key) & (inner < hi_key)]
        bracket = _Bracket(lo_key, hi_key, edges)
        for rank in ranks:
            out[rank] = bracket
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
