"""The numpy baseline of the three-input model: the obvious hand-written version.

Draw each input once with one ``Generator`` (``rng.lognormal`` from the 90% interval), compute
L = R/τ with K = stock·share, C = K·T·u, N = sqrt(C/(6·20)), R = K·u/(2N), take percentiles.
Utilization is not truncated at 1 here (P(u > 1) ≈ 2.4e-5, see three_input.toml).

Whole process: ``python benchmarks/numpy_baseline.py --samples N`` prints JSON.
"""

import math

import numpy as np

Z90 = 1.6448536269514722  # the standard normal's 95th percentile
SHARE = 0.25
DURATION_S = 365 * 86400.0
TOKENS_PER_PARAMETER = 20.0
PERCENTILES = (5, 50, 95)


def lognormal_90(rng: np.random.Generator, p5: float, p95: float, n: int) -> np.ndarray:
    """``n`` lognormal draws whose 5th and 95th percentiles are ``p5`` and ``p95``."""
    mu = (math.log(p5) + math.log(p95)) / 2
    sigma = (math.log(p95) - math.log(p5)) / (2 * Z90)
    return rng.lognormal(mu, sigma, n)


def labor(n: int, seed: int) -> np.ndarray:
    """``n`` samples of L, researcher-seconds per second."""
    rng = np.random.default_rng(seed)
    stock = lognormal_90(rng, 2e21, 8e21, n)
    utilization = lognormal_90(rng, 0.3, 0.6, n)
    tau = lognormal_90(rng, 10.0, 1000.0, n)
    cluster = stock * SHARE
    training_flop = cluster * DURATION_S * utilization
    parameters = np.sqrt(training_flop / (6 * TOKENS_PER_PARAMETER))
    tokens_per_s = cluster * utilization / (2 * parameters)
    return tokens_per_s / tau


def percentiles(n: int, seed: int) -> list[float]:
    """The 5th, 50th and 95th percentiles of L from ``n`` samples."""
    return [float(p) for p in np.percentile(labor(n, seed), PERCENTILES)]


if __name__ == "__main__":
    from peer_cli import main

    main("numpy", __doc__ or "", percentiles)
