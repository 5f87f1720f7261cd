"""Paired comparison of two sampled outputs drawn with common random numbers (SPEC §11).

Sample ``i`` of side A and sample ``i`` of side B share the draws of every input the two
scenarios share, so per-sample differences ``B − A`` and ratios ``B / A`` cancel the noise those
inputs carry (Law, Simulation Modeling and Analysis, 5th ed., §11.2: common random numbers).
Each summary is the one of ``analysis.summary`` on the paired values, so it carries the same
Monte Carlo standard errors; for a randomized quasi-Monte Carlo pair (both sides drawn from the
same scrambled Sobol' points) it is the one of ``analysis.replicates``, the errors coming from
the spread of each statistic between the randomizations.

Samples where A is 0 have no ratio: they are counted and left out of the ratio, never turned
into infinities. Pairs where either side is not finite (a time never reached) are left out of
the ratio and the difference, and counted; they still count in ``P(B > A)`` and ``P(B = A)``
(+inf, "never", is greater than any time and equal to itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis import replicates as rq
from alignment_runway.analysis.summary import Estimate, mean, mean_of_indicator, percentiles

__all__ = ["Paired", "PairedSummary", "paired", "ratios", "zero_one"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class PairedSummary:
    """A summary of paired values: mean and percentiles, or nothing when no pair is left.

    Attributes:
        samples: how many pairs it summarizes.
        mean, percentiles: None when ``samples`` is 0.
    """

    samples: int
    mean: Estimate | None
    percentiles: dict[float, Estimate]


@dataclass(frozen=True)
class Paired:
    """B against A, sample by sample.

    Attributes:
        samples: pairs compared.
        ratio: ``B / A`` over the pairs where A is not 0 and both are finite.
        difference: ``B − A`` over the pairs where both are finite.
        greater: P(B > A); equal: P(B = A), over every pair.
        zero_baseline: pairs where A is 0 (left out of the ratio).
        not_finite: pairs where A or B is not finite (left out of ratio and difference).
    """

    samples: int
    ratio: PairedSummary
    difference: PairedSummary
    greater: Estimate
    equal: Estimate
    zero_baseline: int
    not_finite: int


def _summary(x: Array, qs: Sequence[float]) -> PairedSummary:
    if x.size == 0:
        return PairedSummary(0, None, {})
    return PairedSummary(int(x.size), mean(x), dict(zip(qs, percentiles(x, qs), strict=True)))


def _replicated(x: Array, qs: Sequence[float], randomizations: int) -> PairedSummary:
    """``_summary`` of a qmc run's paired values, NaN where a pair is left out."""
    n = int(np.count_nonzero(~np.isnan(x)))
    if n == 0:
        return PairedSummary(0, None, {})
    found = rq.replicated_percentiles(x, qs, randomizations)
    return PairedSummary(
        n, rq.replicated_mean(x, randomizations), dict(zip(qs, found, strict=True))
    )


def zero_one(arrays: Sequence[Array]) -> bool:
    """Whether every sample of every array is 0 or 1 (a success): its mean is a probability."""
    return all(np.isin(x, (0.0, 1.0)).all() for x in arrays)


def ratios(a: Array, b: Array) -> Array:
    """``b / a`` for the pairs where ``a`` is not 0 and both are finite."""
    keep = np.isfinite(a) & np.isfinite(b) & (a != 0)
    with np.errstate(over="ignore"):
        out: Array = b[keep] / a[keep]
    return out


def paired(a: Array, b: Array, qs: Sequence[float], randomizations: int = 0) -> Paired:
    """Compare ``b`` with ``a`` sample by sample, with percentiles ``qs`` (in percent).

    ``randomizations``: 0 for plain Monte Carlo samples; else the ``R`` randomizations of a
    randomized quasi-Monte Carlo run (``analysis.replicates``), one after another.

    Raises:
        ValueError: for arrays of different lengths, or empty ones.
    """
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(
            f"paired: expected two equal, non-empty 1-d arrays; got {a.shape}, {b.shape}"
        )
    finite = np.isfinite(a) & np.isfinite(b)
    zero = a == 0
    if randomizations:
        return _paired_replicated(a, b, qs, randomizations, finite, zero)
    ratio = ratios(a, b)
    with np.errstate(over="ignore"):
        difference = b[finite] - a[finite]
    return Paired(
        samples=int(a.size),
        ratio=_summary(ratio, qs),
        difference=_summary(difference, qs),
        greater=mean_of_indicator(b > a),
        equal=mean_of_indicator(b == a),
        zero_baseline=int(np.count_nonzero(zero)),
        not_finite=int(a.size - np.count_nonzero(finite)),
    )


def _paired_replicated(
    a: Array,
    b: Array,
    qs: Sequence[float],
    randomizations: int,
    finite: NDArray[np.bool_],
    zero: NDArray[np.bool_],
) -> Paired:
    """``paired`` for a qmc run: the pairs left out are NaN, so each randomization keeps its own."""
    with np.errstate(all="ignore"):
        ratio = np.where(finite & ~zero, b / a, np.nan)
        difference = np.where(finite, b - a, np.nan)
    return Paired(
        samples=int(a.size),
        ratio=_replicated(ratio, qs, randomizations),
        difference=_replicated(difference, qs, randomizations),
        greater=rq.replicated_share(b > a, randomizations),
        equal=rq.replicated_share(b == a, randomizations),
        zero_baseline=int(np.count_nonzero(zero)),
        not_finite=int(a.size - np.count_nonzero(finite)),
    )
