"""Exact summaries of a lognormal output: mean, percentiles and P(x > t) in closed form.

``x = median · exp(s · Z)`` with ``Z`` standard normal (a point value when ``s = 0``):

- mean ``median · exp(s²/2)``;
- percentile ``q``: ``median · exp(s · Φ⁻¹(q/100))``;
- ``P(x > t) = Φ((ln median − ln t) / s)``.

These are the distribution's own values, not estimates: their standard error is 0. Φ and
Φ⁻¹ come from the standard library (``math.erfc``, ``statistics.NormalDist``), so no scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from alignment_runway.analysis.summary import Estimate

__all__ = ["LognormalLaw"]

_STANDARD = NormalDist()


@dataclass(frozen=True)
class LognormalLaw:
    """``median · exp(log_sd · Z)``: a lognormal, or a point value when ``log_sd`` is 0."""

    median: float
    log_sd: float

    def mean(self) -> Estimate:
        """The mean, ``median · exp(s²/2)``."""
        return Estimate(self.median * math.exp(self.log_sd**2 / 2), 0.0)

    def percentile(self, q: float) -> Estimate:
        """The ``q``-th percentile (``q`` in percent, 0–100)."""
        if self.log_sd == 0.0 or q == 50.0:
            return Estimate(self.median, 0.0)
        if q <= 0.0:
            return Estimate(0.0, 0.0)
        if q >= 100.0:
            return Estimate(math.inf, 0.0)
        z = _STANDARD.inv_cdf(q / 100.0)
        return Estimate(self.median * math.exp(self.log_sd * z), 0.0)

    def above(self, threshold: float) -> Estimate:
        """``P(x > threshold)``."""
        if threshold <= 0.0 and self.median > 0.0:
            return Estimate(1.0, 0.0)
        if self.log_sd == 0.0 or self.median == 0.0:
            return Estimate(1.0 if self.median > threshold else 0.0, 0.0)
        if math.isinf(threshold):
            return Estimate(0.0, 0.0)
        score = (math.log(threshold) - math.log(self.median)) / self.log_sd
        return Estimate(0.5 * math.erfc(score / math.sqrt(2.0)), 0.0)
