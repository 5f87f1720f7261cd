"""Summaries of a randomized quasi-Monte Carlo run, with errors from its randomizations.

The ``n`` samples are ``R`` independent randomizations of ``m = n / R`` points, stored one after
another. Each statistic's value is computed from all ``n`` samples (the mean, a percentile as
``summary.percentiles`` takes it, the share above a threshold); its standard error is the
standard deviation of the same statistic over the ``R`` randomizations divided by ``√R``
(Owen, "Monte Carlo theory, methods and examples", 2013, §17.2: the randomizations are
independent and each is unbiased for the mean, so their spread estimates the error).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis import summary as s

__all__ = ["replicated_above", "replicated_mean", "replicated_percentiles"]

Array = NDArray[np.float64]


def _se(values: Array) -> float:
    """The standard error of the mean of ``values``, one per randomization."""
    r = values.shape[0]
    if r < 2:
        return math.nan
    with np.errstate(invalid="ignore"):
        spread = float(np.std(values, ddof=1, axis=0))
    return 0.0 if spread == 0.0 else spread / math.sqrt(r)


def replicated_mean(x: Array, randomizations: int) -> s.Estimate:
    """The mean and its standard error over the randomizations."""
    with np.errstate(invalid="ignore"):
        means = x.reshape(randomizations, -1).mean(axis=1)
        return s.Estimate(float(np.mean(x)), _se(means))


def replicated_percentiles(x: Array, qs: Sequence[float], randomizations: int) -> list[s.Estimate]:
    """Percentiles ``qs`` (in percent) of all samples, errors from the randomizations' own."""
    pooled = s.percentiles(x, qs)
    parts = x.reshape(randomizations, -1)
    each = np.stack([[e.value for e in s.percentiles(part, qs)] for part in parts])
    out = []
    for k, estimate in enumerate(pooled):
        se = _se(each[:, k]) if math.isfinite(estimate.value) else math.nan
        out.append(s.Estimate(estimate.value, se))
    return out


def replicated_above(x: Array, threshold: float, randomizations: int) -> s.Estimate:
    """``P(x > threshold)`` and its standard error over the randomizations."""
    shares = np.count_nonzero(x.reshape(randomizations, -1) > threshold, axis=1) / (
        x.size // randomizations
    )
    return s.Estimate(float(np.count_nonzero(x > threshold)) / x.size, _se(shares))
