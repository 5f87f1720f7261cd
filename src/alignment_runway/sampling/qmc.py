"""Randomized quasi-Monte Carlo draws: independently scrambled Sobol' sequences.

A qmc run of ``n`` samples is ``R`` randomizations of ``m = n / R`` points each: sample ``i``
is point ``i mod m`` of randomization ``i // m``, a Sobol' sequence in as many dimensions as
uncertain inputs (the inputs in the scenario's order), scrambled (Owen's linear matrix
scrambling and a digital shift, ``scipy.stats.qmc.Sobol``) from
``SeedSequence(seed, spawn_key=(crc32("qmc"), r))``. Any range of samples is generated from
those alone (the sequence is fast-forwarded to the range's first point), so the draws are
bit-identical whatever the chunk size, workers or executor. Each point's coordinates become
standard normals through ``Φ⁻¹`` and then follow the plain path (copula, quantile functions).

scipy.stats.qmc is imported only here, on first use.
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_RANDOMIZATIONS", "qmc_normals"]

Array = NDArray[np.float64]
#: Independent randomizations of a qmc run: their spread gives the standard errors.
DEFAULT_RANDOMIZATIONS = 16
_KEY = zlib.crc32(b"qmc")
#: Sobol' points are kept inside (0, 1) before Φ⁻¹ (a scrambled point is 0 about once in 2^64).
_U_MIN, _U_MAX = 2.0**-64, 1.0 - 2.0**-53


def qmc_normals(
    seed: int, names: tuple[str, ...], randomizations: int, samples: int, start: int, stop: int
) -> dict[str, Array]:
    """Standard normals of each input for samples ``[start, stop)`` of a qmc run.

    Args:
        seed: the run's seed.
        names: the uncertain inputs, one Sobol' dimension each, in this order.
        randomizations: ``R``; ``samples`` is a multiple of it.
        samples: the run's number of samples.
        start: the first sample.
        stop: one past the last sample.
    """
    from scipy.special import ndtri
    from scipy.stats import qmc

    if not names:
        return {}
    per = samples // randomizations
    points = np.empty((stop - start, len(names)))
    i = start
    while i < stop:
        r, j = divmod(i, per)
        end = min(stop, (r + 1) * per)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_KEY, r)))
        engine = qmc.Sobol(len(names), scramble=True, rng=rng)
        with warnings.catch_warnings():  # balance is best at powers of 2; any m is unbiased
            warnings.simplefilter("ignore", UserWarning)
            if j:
                engine.fast_forward(j)
            points[i - start : end - start] = engine.random(end - i)
        i = end
    normals = ndtri(np.clip(points, _U_MIN, _U_MAX))
    return {name: np.ascontiguousarray(normals[:, k]) for k, name in enumerate(names)}
