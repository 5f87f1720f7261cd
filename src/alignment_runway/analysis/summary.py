"""Summaries of sampled outputs, each with its Monte Carlo standard error.

- mean: standard error ``s / sqrt(n)``;
- percentile ``q``: the sample quantile (numpy's default, linear interpolation between order
  statistics) with the distribution-free standard error from the binomial spread of the
  order statistics: half the distance between the order statistics at ranks
  ``n·q ± sqrt(n·q·(1 − q))`` (one standard error each side; e.g. Conover, Practical
  Nonparametric Statistics, 3rd ed., §3.2);
- probability above a threshold ``t``: the share ``p`` of samples above it, with standard
  error ``sqrt(p (1 − p) / n)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MIN_TAIL_SAMPLES",
    "Estimate",
    "mean",
    "mean_of_indicator",
    "percentile_estimates",
    "percentile_ranks",
    "percentiles",
    "prob_above",
    "rank_correlation",
    "ranked_correlation",
    "ranks",
    "small_sample_notes",
]

Array = NDArray[np.float64]
#: Fewest samples beyond a percentile (in its tail) for its estimate to be trusted.
MIN_TAIL_SAMPLES = 10


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate and its standard error.

    The error is 0 when every sample is equal, and NaN (undefined) for a single sample.
    """

    value: float
    se: float

    def scaled(self, factor: float) -> Estimate:
        """The estimate in another unit (multiplied by ``factor``)."""
        return Estimate(self.value * factor, abs(self.se * factor))


def mean(x: Array) -> Estimate:
    """The sample mean and its standard error."""
    n = x.size
    # infinite samples: an infinite mean, no error; finite samples near the float range
    # (their sum or squares overflow) are summarised again, scaled by their largest size
    with np.errstate(invalid="ignore", over="ignore"):
        value = float(np.mean(x))
        se = float(np.std(x, ddof=1)) / math.sqrt(n) if n > 1 else math.nan
        if not (math.isfinite(value) and math.isfinite(se)) and n and np.isfinite(x).all():
            scale = float(np.max(np.abs(x))) or 1.0
            value = float(np.mean(x / scale)) * scale
            se = float(np.std(x / scale, ddof=1)) * scale / math.sqrt(n) if n > 1 else math.nan
    return Estimate(value, se)


def percentiles(x: Array, qs: Sequence[float]) -> list[Estimate]:
    """Percentiles ``qs`` (in percent, 0–100) of ``x``, each with its standard error.

    One ``np.partition`` call finds every order statistic needed, so this is linear in the
    number of samples.
    """
    if not qs:
        return []
    plans = percentile_ranks(x.size, qs)
    indices = sorted({i for plan in plans for i in plan[1:]})
    ordered = np.partition(x, indices)
    return percentile_estimates(x.size, plans, lambda i: float(ordered[i]))


#: What a percentile needs of the ordered samples: ``(h, lo, hi, se_lo, se_hi)``, its
#: fractional rank ``h`` and the ranks (0-based) of the order statistics it reads.
RankPlan = tuple[float, int, int, int, int]


def percentile_ranks(n: int, qs: Sequence[float]) -> list[RankPlan]:
    """For each percentile ``q`` of ``n`` samples, the order statistics it is read from.

    The value interpolates linearly between ranks ``floor(h)`` and ``ceil(h)`` at
    ``h = q/100 · (n − 1)`` (numpy's default); its standard error reads the ranks
    ``n·f ± sqrt(n·f·(1 − f))`` with ``f = q/100`` (Conover, §3.2), clipped to the samples.
    """
    plans = []
    for q in qs:
        f = q / 100.0
        h = f * (n - 1)
        lo_i, hi_i = math.floor(h), min(math.ceil(h), n - 1)
        spread = math.sqrt(n * f * (1 - f))
        se_lo = min(max(math.floor(n * f - spread), 0), n - 1)
        se_hi = min(max(math.ceil(n * f + spread), 0), n - 1)
        plans.append((h, lo_i, hi_i, se_lo, se_hi))
    return plans


def percentile_estimates(
    n: int, plans: Sequence[RankPlan], order_statistic: Callable[[int], float]
) -> list[Estimate]:
    """The percentiles of ``percentile_ranks`` from ``order_statistic(rank)`` of ``n`` samples.

    Shared by the summary of samples in memory and of samples streamed, so both read the same
    order statistics the same way (NaN ranks above every number, as ``np.partition`` puts it).
    """
    out = []
    for h, lo_i, hi_i, se_lo, se_hi in plans:
        lo, hi = order_statistic(lo_i), order_statistic(hi_i)
        # equal neighbours (even infinite ones, such as "never reached") give themselves
        value = lo if lo == hi else lo + (h - lo_i) * (hi - lo)
        se_a, se_b = order_statistic(se_lo), order_statistic(se_hi)
        se = (0.0 if se_a == se_b else (se_b - se_a) / 2) if n > 1 else math.nan
        if not math.isfinite(value):
            se = math.nan  # an infinite percentile ("never reached") has no error
        out.append(Estimate(value, se))
    return out


def prob_above(x: Array, threshold: float) -> Estimate:
    """The probability that the output exceeds ``threshold``, with its standard error."""
    return mean_of_indicator(x > threshold)


def mean_of_indicator(event: NDArray[np.bool_]) -> Estimate:
    """The share ``p`` of samples where ``event`` holds, with standard error ``sqrt(p(1−p)/n)``."""
    n = event.size
    p = float(np.count_nonzero(event)) / n
    return Estimate(p, math.sqrt(p * (1 - p) / n))


#: Most samples used to estimate a rank correlation (ranking is O(n log n)).
RANK_SAMPLES = 1_000_000


def rank_correlation(x: Array, y: Array) -> Estimate:
    """Spearman's rank correlation of two samples, with its approximate standard error.

    Ties share their average rank. Uses the first ``RANK_SAMPLES`` samples; the error is
    Bonett and Wright's (2000)
    ``(1 − ρ²) · sqrt((1 + ρ²/2) / (n − 3))``.
    """
    return ranked_correlation(ranks(x[:RANK_SAMPLES]), ranks(y[:RANK_SAMPLES]))


def ranked_correlation(x_ranks: Array, y_ranks: Array) -> Estimate:
    """``rank_correlation`` from ranks already computed (``ranks``), each array ranked once."""
    n = x_ranks.size
    rho = float(np.corrcoef(x_ranks, y_ranks)[0, 1])
    se = (1 - rho**2) * math.sqrt((1 + rho**2 / 2) / (n - 3)) if n > 3 else math.nan
    return Estimate(rho, se)


def ranks(x: Array) -> Array:
    """Ranks 0 … n−1 of ``x``; tied values share the average of their ranks."""
    n = x.size
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    starts_group = np.empty(n, dtype=bool)
    starts_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts_group[1:])
    starts = np.flatnonzero(starts_group)
    ends = np.append(starts[1:], n)
    average = (starts + ends - 1) / 2.0
    out = np.empty(n, dtype=np.float64)
    out[order] = average[np.cumsum(starts_group) - 1]
    return out


def small_sample_notes(samples: int, qs: Sequence[float]) -> list[str]:
    """Warnings for percentiles too far in the tails for ``samples`` samples."""
    notes = []
    for q in qs:
        tail = min(q, 100 - q) / 100
        beyond = round(samples * tail, 9)  # 10,000 × 0.1% is 10, not 9.99999
        if beyond < MIN_TAIL_SAMPLES and samples > 1:
            needed = math.ceil(MIN_TAIL_SAMPLES / tail) if tail > 0 else None
            advice = f"use {needed:,} samples or more" if needed else "it is the sample extreme"
            notes.append(
                f"p{q:g} rests on {beyond:.3g} samples beyond it (fewer than "
                f"{MIN_TAIL_SAMPLES}); its estimate is unreliable: {advice}"
            )
    return notes
