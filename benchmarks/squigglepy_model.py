"""The three-input model in squigglepy, written as its README shows.

Distribution algebra (``sq.to`` gives a lognormal from a 90% interval), then ``sq.sample``
and ``sq.get_percentiles``. squigglepy samples every node of the expression tree on its own:
an input used twice is drawn twice. Here ``k`` (so the stock) and ``u`` each appear in both
C and R, so their draws in C and in R are independent and L comes out wider than the model
with shared inputs (benchmarks/RESULTS.md gives the closed form of both).

Whole process: ``python benchmarks/squigglepy_model.py --samples N`` prints JSON.
"""

import squigglepy as sq

SHARE = 0.25
DURATION_S = 365 * 86400.0
TOKENS_PER_PARAMETER = 20.0
PERCENTILES = [5, 50, 95]


def model() -> sq.OperableDistribution:
    """L, researcher-seconds per second, as a squigglepy distribution."""
    stock = sq.to(2e21, 8e21)
    u = sq.to(0.3, 0.6)
    tau = sq.to(10, 1000)
    k = stock * SHARE
    c = k * DURATION_S * u
    params = (c / (6 * TOKENS_PER_PARAMETER)) ** 0.5
    r = k * u / (2 * params)
    return r / tau


def percentiles(n: int, seed: int) -> list[float]:
    """The 5th, 50th and 95th percentiles of L from ``n`` samples."""
    sq.set_seed(seed)
    samples = sq.sample(model(), n=n)
    found = sq.get_percentiles(samples, percentiles=PERCENTILES)
    return [float(found[p]) for p in PERCENTILES]


if __name__ == "__main__":
    from peer_cli import main

    main("squigglepy", __doc__ or "", percentiles)
