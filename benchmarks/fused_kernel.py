"""The floor for the three-input model: a fused, in-place numpy kernel.

L = R/τ with K = stock·share, C = K·T·u, N = sqrt(C/(6·20)), R = K·u/(2N) is
``sqrt(6·20·K·u/T) / (2τ)``, so ``ln L = ln c + ½ ln K + ½ ln u − ln τ``: one buffer of
standard normals per input, combined in place into ``ln L``, one ``exp``, then the three
percentiles from one in-place ``np.partition`` (exact order statistics, linear interpolation
as ``np.percentile`` takes them). Utilization is not truncated, as in numpy_baseline.py.

Whole process: ``python benchmarks/fused_kernel.py --samples N`` prints JSON.
"""

import math

import numpy as np

Z90 = 1.6448536269514722
SHARE = 0.25
DURATION_S = 365 * 86400.0
TOKENS_PER_PARAMETER = 20.0
PERCENTILES = (5.0, 50.0, 95.0)


def _log_params(p5: float, p95: float) -> tuple[float, float]:
    return (math.log(p5) + math.log(p95)) / 2, (math.log(p95) - math.log(p5)) / (2 * Z90)


def percentiles(n: int, seed: int) -> list[float]:
    """The 5th, 50th and 95th percentiles of L from ``n`` samples, in two buffers."""
    rng = np.random.default_rng(seed)
    mu_k, s_k = _log_params(2e21, 8e21)
    mu_u, s_u = _log_params(0.3, 0.6)
    mu_t, s_t = _log_params(10.0, 1000.0)
    constant = 0.5 * math.log(6 * TOKENS_PER_PARAMETER * SHARE / DURATION_S) - math.log(2.0)
    shift = constant + 0.5 * mu_k + 0.5 * mu_u - mu_t
    log_l = np.empty(n)
    z = np.empty(n)
    rng.standard_normal(out=log_l)
    log_l *= 0.5 * s_k
    for scale in (0.5 * s_u, -s_t):
        rng.standard_normal(out=z)
        z *= scale
        log_l += z
    log_l += shift
    np.exp(log_l, out=log_l)
    ranks = []
    for q in PERCENTILES:
        h = q / 100 * (n - 1)
        ranks += [math.floor(h), min(math.ceil(h), n - 1)]
    log_l.partition(sorted(set(ranks)))
    out = []
    for q in PERCENTILES:
        h = q / 100 * (n - 1)
        lo, hi = math.floor(h), min(math.ceil(h), n - 1)
        out.append(float(log_l[lo] + (h - lo) * (log_l[hi] - log_l[lo])))
    return out


if __name__ == "__main__":
    from peer_cli import main

    main("fused numpy", __doc__ or "", percentiles)
