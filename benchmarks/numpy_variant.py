"""The numpy baseline of the lognormal variant (lognormal_variant.toml): hand-written numpy.

Stock, tokens per parameter k, training duration T and τ drawn with one ``Generator``
(``rng.lognormal`` from each 90% interval); L = R/τ with K = stock·share, C = K·T·u,
N = sqrt(C/(6k)), R = K·u/(2N); percentiles with ``np.percentile``.

Whole process: ``python benchmarks/numpy_variant.py --samples N`` prints JSON.
"""

import numpy as np
from numpy_baseline import PERCENTILES, SHARE, lognormal_90

MONTH_S = 30 * 86400.0
UTILIZATION = 0.5


def labor(n: int, seed: int) -> np.ndarray:
    """``n`` samples of L, researcher-seconds per second."""
    rng = np.random.default_rng(seed)
    stock = lognormal_90(rng, 2e21, 8e21, n)
    k = lognormal_90(rng, 10.0, 40.0, n)
    duration = lognormal_90(rng, 6 * MONTH_S, 24 * MONTH_S, n)
    tau = lognormal_90(rng, 10.0, 1000.0, n)
    cluster = stock * SHARE
    parameters = np.sqrt(cluster * duration * UTILIZATION / (6 * k))
    return cluster * UTILIZATION / (2 * parameters) / tau


def percentiles(n: int, seed: int) -> list[float]:
    """The 5th, 50th and 95th percentiles of L from ``n`` samples."""
    return [float(p) for p in np.percentile(labor(n, seed), PERCENTILES)]


if __name__ == "__main__":
    from peer_cli import main

    main("numpy", __doc__ or "", percentiles)
