"""Summaries of a randomized quasi-Monte Carlo run, with errors from its randomizations.

The ``n`` samples are ``R`` independent randomizations of ``m = n / R`` points, stored one after
another. Each statistic's value is computed from all ``n`` samples (the mean, a percentile as
``summary.percentiles`` takes it, the share above a threshold); its standard error is the
standard deviation of the same statistic over the ``R`` randomizations divided by ``√R``
(Owen, "Monte Carlo theory, methods and examples", 2013, §17.2: the randomizations are
independent and each is unbiased for the mean, so their spread estimates the error). Missing
values (NaN, SPEC §7) are left out of each randomization and of the pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis import summary as s

__all__ = [
    "present",
    "replicated_above",
    "replicated_mean",
    "replicated_percentiles",
    "replicated_share",
    "summary_mean",
    "summary_percentiles",
]

Array = NDArray[np.float64]


def _se(values: Array) -> float:
    """The standard error of the mean of ``values``, one per randomization."""
    r = values.shape[0]
    if r < 2:
        return math.nan
    with np.errstate(invalid="ignore"):
        spread = float(np.std(values, ddof=1, axis=0))
    return 0.0 if spread == 0.0 else spread / math.sqrt(r)


def _split(x: Array, randomizations: int) -> tuple[Array, list[Array]]:
    """All present samples, and each randomization's."""
    parts = list(x.reshape(randomizations, -1))
    if not np.isnan(x).any():
        return x, parts
    return x[~np.isnan(x)], [part[~np.isnan(part)] for part in parts]


def replicated_mean(x: Array, randomizations: int) -> s.Estimate:
    """The mean and its standard error over the randomizations."""
    pooled, parts = _split(x, randomizations)
    with np.errstate(invalid="ignore"):
        means = np.array([np.mean(part) if part.size else math.nan for part in parts])
        return s.Estimate(float(np.mean(pooled)) if pooled.size else math.nan, _se(means))


def replicated_percentiles(x: Array, qs: Sequence[float], randomizations: int) -> list[s.Estimate]:
    """Percentiles ``qs`` (in percent) of all samples, errors from the randomizations' own."""
    pooled, parts = _split(x, randomizations)
    if not pooled.size:
        return [s.Estimate(math.nan, math.nan) for _ in qs]
    each = np.array(
        [[e.value for e in s.percentiles(part, qs)] if part.size else [math.nan] * len(qs)
         for part in parts]
    )  # fmt: skip
    out = []
    for k, estimate in enumerate(s.percentiles(pooled, qs)):
        se = _se(each[:, k]) if math.isfinite(estimate.value) else math.nan
        out.append(s.Estimate(estimate.value, se))
    return out


def replicated_above(x: Array, threshold: float, randomizations: int) -> s.Estimate:
    """``P(x > threshold)`` and its standard error over the randomizations."""
    pooled, parts = _split(x, randomizations)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.array([np.count_nonzero(p > threshold) / p.size for p in parts])
        share = np.count_nonzero(pooled > threshold) / pooled.size if pooled.size else math.nan
    return s.Estimate(float(share), _se(shares))


def replicated_share(event: NDArray[np.bool_], randomizations: int) -> s.Estimate:
    """The share of samples where ``event`` holds, and its standard error over the randomizations.

    What ``summary.mean_of_indicator`` is for plain sampling (every sample counts).
    """
    parts = event.reshape(randomizations, -1)
    shares = np.count_nonzero(parts, axis=1) / parts.shape[1]
    return s.Estimate(float(np.count_nonzero(event)) / event.size, _se(shares))


def present(x: Array, missing: int | None = None) -> Array:
    """The samples that have a value (a missing one is NaN, SPEC §7); all when none or all are.

    ``missing``: how many are NaN, when the caller has counted them already.
    """
    if missing is None:
        missing = int(np.count_nonzero(np.isnan(x)))
    return x[~np.isnan(x)] if 0 < missing < x.size else x


def summary_mean(x: Array, randomizations: int) -> s.Estimate:
    """The mean of the present samples: errors from the randomizations (qmc) or ``s.mean``."""
    return replicated_mean(x, randomizations) if randomizations else s.mean(present(x))


def summary_percentiles(x: Array, qs: Sequence[float], randomizations: int) -> list[s.Estimate]:
    """Percentiles ``qs`` of the present samples, as ``summary_mean`` takes its errors."""
    if randomizations:
        return replicated_percentiles(x, qs, randomizations)
    return s.percentiles(present(x), qs)
