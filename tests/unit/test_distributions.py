"""Distributions in scenario values, checked through the scenario path against scipy.

Every distribution is written as a scenario value (``--set`` or a TOML file), resolved by
``api.load_scenario`` and drawn by ``api.run``; the drawn input is then compared with the exact
quantiles from scipy. Tolerances come from Monte Carlo error: the standard error of the sample
``p``-quantile is ``sqrt(p(1 - p)/n) / f(x_p)``, with ``f`` the exact density, and every
estimate must lie within 5 standard errors of the exact value.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats
from scipy.optimize import brentq

from alignment_runway import api
from alignment_runway import distributions as d
from alignment_runway.errors import Error
from alignment_runway.scenarios.dists import MIXTURE_COMPONENTS, MIXTURE_DEPTH
from alignment_runway.scenarios.specs import get_spec
from alignment_runway.scenarios.values import parse_value

Array = NDArray[np.float64]

N = 200_000
SEED = 20_240_601
#: Allowed distance from the exact value, in Monte Carlo standard errors.
K = 5.0
PERCENTILES = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)
#: Probabilities at which the distribution object's ppf/cdf are compared with scipy's.
GRID = np.array(
    [1e-6, 1e-4, 1e-3, 0.01, 0.05, *np.linspace(0.1, 0.9, 9), 0.95, 0.99, 0.999, 0.9999, 1 - 1e-6]
)
#: The standard normal's 95th percentile, from scipy (not from the package).
Z95 = float(stats.norm.ppf(0.95))
DAY = 86_400.0
MONTH = 30 * DAY  # the project's calendar month


# --- exact references ------------------------------------------------------------------------


@dataclass(frozen=True)
class Exact:
    """An exact distribution: quantile function, density and CDF (scalar functions)."""

    ppf: Callable[[float], float]
    pdf: Callable[[float], float]
    cdf: Callable[[float], float]


def frozen(dist: Any) -> Exact:
    """An exact reference from a frozen scipy.stats distribution."""
    return Exact(
        ppf=lambda u: float(dist.ppf(u)),
        pdf=lambda x: float(dist.pdf(x)),
        cdf=lambda x: float(dist.cdf(x)),
    )


def lognormal_ci(p5: float, p95: float) -> Any:
    """scipy's lognormal with 90% interval [p5, p95] (Squiggle's ``to``), from the closed form."""
    mu, sigma = closed_form(p5, p95)
    return stats.lognorm(s=sigma, scale=math.exp(mu))


def closed_form(a: float, b: float) -> tuple[float, float]:
    """μ = (ln a + ln b)/2, σ = (ln b − ln a)/(2 · z95)."""
    return (math.log(a) + math.log(b)) / 2, (math.log(b) - math.log(a)) / (2 * Z95)


def truncnorm(mean: float, sd: float, low: float, high: float) -> Exact:
    """scipy's truncated normal, the bounds given in the variable's own scale."""
    return frozen(stats.truncnorm((low - mean) / sd, (high - mean) / sd, loc=mean, scale=sd))


def truncated(base: Any, low: float, high: float) -> Exact:
    """``base`` restricted to [low, high]: ``base.ppf(F(a) + u (F(b) − F(a)))``."""
    fa, fb = float(base.cdf(low)), float(base.cdf(high))
    mass = fb - fa
    return Exact(
        ppf=lambda u: float(base.ppf(fa + u * mass)),
        pdf=lambda x: float(base.pdf(x)) / mass,
        cdf=lambda x: (float(base.cdf(x)) - fa) / mass,
    )


def pert(low: float, mode: float, high: float, lam: float = 4.0) -> Exact:
    """PERT as scipy's beta on [low, high] (Vose 2008)."""
    width = high - low
    alpha = 1 + lam * (mode - low) / width
    beta = 1 + lam * (high - mode) / width
    return frozen(stats.beta(alpha, beta, loc=low, scale=width))


def mixture(weights: tuple[float, ...], components: tuple[Any, ...]) -> Exact:
    """A mixture of frozen scipy distributions; its ppf inverts the CDF with brentq."""

    def cdf(x: float) -> float:
        return sum(w * float(c.cdf(x)) for w, c in zip(weights, components, strict=True))

    def pdf(x: float) -> float:
        return sum(w * float(c.pdf(x)) for w, c in zip(weights, components, strict=True))

    def ppf(u: float) -> float:
        # the mixture's u-quantile lies between its components' u-quantiles
        quantiles = [float(c.ppf(u)) for c in components]
        lo, hi = min(quantiles), max(quantiles)
        pad = max(hi - lo, abs(hi) * 1e-9)
        return float(brentq(lambda x: cdf(x) - u, lo - pad, hi + pad, xtol=1e-300, rtol=1e-15))

    return Exact(ppf=ppf, pdf=pdf, cdf=cdf)


# --- drawing through the scenario path -------------------------------------------------------


def draw(setting: str, samples: int = N, seed: int = SEED) -> tuple[d.Distribution, Array]:
    """Resolve ``--set setting`` and run it: the distribution object and its drawn samples."""
    name = setting.partition("=")[0]
    scenario = api.load_scenario(settings=[setting])
    dist = scenario.value(name)
    assert isinstance(dist, d.Distribution), f"{setting} resolved to {dist!r}"
    result = api.run(scenario, samples=samples, seed=seed)
    return dist, result.values[name]


def quantile_standard_error(exact: Exact, p: float, n: int) -> float:
    """Monte Carlo standard error of the sample p-quantile: sqrt(p(1-p)/n) / f(x_p)."""
    return math.sqrt(p * (1 - p) / n) / exact.pdf(exact.ppf(p))


SHAPES: list[Any] = [
    pytest.param(
        'compute.stock={dist="lognormal", p5=2, p95=8, unit="ZFLOP/s"}',
        lambda: frozen(lognormal_ci(2e21, 8e21)),
        id="lognormal-p5-p95",
    ),
    pytest.param(
        'labor.serial_speed={dist="lognormal", mu=3.9, sigma=0.5, unit="token/s"}',
        lambda: frozen(stats.lognorm(s=0.5, scale=math.exp(3.9))),
        id="lognormal-mu-sigma",
    ),
    pytest.param(
        'labor.serial_speed={dist="normal", p5=30, p95=70, unit="token/s", min=0}',
        lambda: truncnorm(50.0, 20.0 / Z95, 0.0, math.inf),
        id="normal-p5-p95",
    ),
    pytest.param(
        'compute.training_duration={dist="normal", mean=6, sd=2, unit="month", min=0}',
        lambda: truncnorm(6 * MONTH, 2 * MONTH, 0.0, math.inf),
        id="normal-mean-sd",
    ),
    pytest.param(
        'compute.training_duration={dist="uniform", low=1, high=3, unit="month"}',
        lambda: frozen(stats.uniform(loc=MONTH, scale=2 * MONTH)),
        id="uniform",
    ),
    pytest.param(
        'compute.stock={dist="loguniform", low="1e21 FLOP/s", high="1e23 FLOP/s"}',
        lambda: frozen(stats.loguniform(1e21, 1e23)),
        id="loguniform",
    ),
    pytest.param(
        'compute.utilization={dist="beta", alpha=2, beta=5}',
        lambda: frozen(stats.beta(2, 5)),
        id="beta",
    ),
    pytest.param(
        'labor.serial_speed={dist="beta", alpha=3, beta=2, low=10, high=100, unit="token/s"}',
        lambda: frozen(stats.beta(3, 2, loc=10, scale=90)),
        id="beta-low-high",
    ),
    pytest.param(
        'compute.tokens_per_parameter={dist="pert", low=10, mode=20, high=40}',
        lambda: pert(10, 20, 40),
        id="pert",
    ),
    pytest.param(
        'compute.training_share={dist="pert", low=0.1, mode=0.25, high=0.6, lambda=2}',
        lambda: pert(0.1, 0.25, 0.6, 2),
        id="pert-lambda",
    ),
    pytest.param(
        'compute.utilization={dist="triangular", low=0.2, mode=0.4, high=0.9}',
        lambda: frozen(stats.triang(c=0.2 / 0.7, loc=0.2, scale=0.7)),
        id="triangular",
    ),
    pytest.param(
        'labor.serial_speed={dist="mixture", components=["20 to 60 token/s", '
        '{dist="lognormal", p5=60, p95=200, unit="token/s"}], weights=[0.7, 0.3]}',
        lambda: mixture((0.7, 0.3), (lognormal_ci(20, 60), lognormal_ci(60, 200))),
        id="mixture",
    ),
    pytest.param(
        'compute.utilization={dist="lognormal", p5=0.4, p95=1.2, min=0.35, max=1}',
        lambda: truncated(lognormal_ci(0.4, 1.2), 0.35, 1.0),
        id="truncated-lognormal",
    ),
    pytest.param(
        'compute.utilization={dist="normal", mean=0.6, sd=0.3, min=0.2, max=1}',
        lambda: truncnorm(0.6, 0.3, 0.2, 1.0),
        id="truncated-normal",
    ),
    pytest.param(  # cuts 4.8e-4 (both sides): the tail map
        'compute.utilization={dist="lognormal", p5=0.3, p95=0.6, min=0.15, max=0.85}',
        lambda: truncated(lognormal_ci(0.3, 0.6), 0.15, 0.85),
        id="truncated-lognormal-tail-map",
    ),
]


@pytest.mark.parametrize(("setting", "reference"), SHAPES)
def test_sample_percentiles_match_exact_quantiles(
    setting: str, reference: Callable[[], Exact]
) -> None:
    exact = reference()
    # a seed of its own per case: cases on one parameter would otherwise share their normals
    dist, samples = draw(setting, seed=zlib.crc32(setting.encode()))
    assert samples.shape == (N,)
    assert np.all(np.isfinite(samples))
    lo, hi = dist.support
    assert lo <= samples.min() and samples.max() <= hi
    estimates = np.percentile(samples, PERCENTILES)
    for percentile, estimate in zip(PERCENTILES, estimates, strict=True):
        p = percentile / 100
        x = exact.ppf(p)
        se = quantile_standard_error(exact, p, N)
        assert abs(float(estimate) - x) < K * se, (
            f"p{percentile:g}: sample {estimate:.6g}, exact {x:.6g}, "
            f"{abs(float(estimate) - x) / se:.1f} standard errors apart"
        )


@pytest.mark.parametrize(("setting", "reference"), SHAPES)
def test_ppf_and_cdf_match_exact(setting: str, reference: Callable[[], Exact]) -> None:
    exact = reference()
    name = setting.partition("=")[0]
    dist = api.load_scenario(settings=[setting]).value(name)
    assert isinstance(dist, d.Distribution)
    expected = np.array([exact.ppf(float(u)) for u in GRID])
    np.testing.assert_allclose(dist.ppf(GRID), expected, rtol=1e-9, atol=0)
    np.testing.assert_allclose(dist.cdf(expected), GRID, rtol=1e-9, atol=1e-12)
    z = np.asarray(stats.norm.ppf(GRID), dtype=np.float64)
    if isinstance(dist, d.Truncated) and dist.tail_mapped:
        # a score inside the bounds gives the base's own draw; those outside move inside
        own = base_ppf(dist.base, GRID)
        inside = (dist.low <= own) & (own <= dist.high)
        assert 0 < np.count_nonzero(inside) < GRID.size
        drawn = dist.from_normal(z)
        np.testing.assert_allclose(drawn[inside], own[inside], rtol=1e-9, atol=0)
        assert np.all((dist.low <= drawn) & (drawn <= dist.high))
        return
    # from_normal is the ppf of the normal's CDF
    np.testing.assert_allclose(dist.from_normal(z), expected, rtol=1e-9, atol=0)


def base_ppf(base: d.Distribution, u: Array) -> Array:
    """scipy's quantiles of a normal or lognormal base."""
    if isinstance(base, d.LogNormal):
        return np.asarray(stats.lognorm(s=base.sigma, scale=math.exp(base.mu)).ppf(u))
    assert isinstance(base, d.Normal)
    return np.asarray(stats.norm(base.mean, base.sd).ppf(u))


# --- "a to b" ----------------------------------------------------------------------------------


def test_range_is_squiggles_lognormal() -> None:
    mu, sigma = closed_form(2e21, 8e21)
    dist, samples = draw("compute.stock=2e21 to 8e21 FLOP/s")
    assert isinstance(dist, d.LogNormal)
    assert dist.mu == pytest.approx(mu, rel=1e-12, abs=1e-12)
    assert dist.sigma == pytest.approx(sigma, rel=1e-12, abs=1e-12)
    logs = np.log(samples)
    # standard errors of the sample mean and sd of N normal draws
    assert abs(float(logs.mean()) - mu) < K * sigma / math.sqrt(N)
    assert abs(float(logs.std(ddof=1)) - sigma) < K * sigma / math.sqrt(2 * (N - 1))
    # its 5th and 95th percentiles are a and b
    p5, p95 = np.percentile(samples, [5, 95])
    exact = frozen(lognormal_ci(2e21, 8e21))
    assert abs(float(p5) - 2e21) < K * quantile_standard_error(exact, 0.05, N)
    assert abs(float(p95) - 8e21) < K * quantile_standard_error(exact, 0.95, N)


@pytest.mark.parametrize(
    "text",
    [
        "2e21 FLOP/s to 8e21 FLOP/s",
        "2 ZFLOP/s to 8 ZFLOP/s",
        "2 to 8 ZFLOP/s",
        "2e21 FLOP/s to 8 ZFLOP/s",
        "2000 EFLOP/s to 8e21 FLOP/s",
        '{dist="lognormal", p5="2e21 FLOP/s", p95="8 ZFLOP/s"}',
    ],
)
def test_range_spellings_give_one_canonical_distribution(text: str) -> None:
    reference, reference_samples = draw("compute.stock=2e21 to 8e21 FLOP/s", samples=1000)
    dist, samples = draw(f"compute.stock={text}", samples=1000)
    assert isinstance(reference, d.LogNormal) and isinstance(dist, d.LogNormal)
    assert dist.mu == pytest.approx(reference.mu, rel=1e-12)
    assert dist.sigma == pytest.approx(reference.sigma, rel=1e-12)
    np.testing.assert_allclose(samples, reference_samples, rtol=1e-12)


# --- truncation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "low", "high"),
    [
        ('compute.utilization={dist="lognormal", p5=0.4, p95=1.2, max=1}', 0.0, 1.0),
        ('compute.utilization={dist="lognormal", mu=0, sigma=0.5, max=1}', 0.0, 1.0),
        ('compute.utilization={dist="lognormal", p5=0.4, p95=1.2, min=0.5, max=1}', 0.5, 1.0),
        ('compute.utilization={dist="normal", mean=0.9, sd=0.2, min=0, max=1}', 0.0, 1.0),
        ('compute.training_share={dist="uniform", low=0, high=2, max=1}', 0.0, 1.0),
    ],
)
def test_truncation_is_not_clipping(setting: str, low: float, high: float) -> None:
    dist, samples = draw(setting)
    assert isinstance(dist, d.Truncated)
    # all samples inside, and no point mass at either bound
    assert low <= samples.min() and samples.max() <= high
    assert samples.max() < high
    assert samples.min() > low
    assert int(np.count_nonzero(samples == high)) == 0
    assert int(np.count_nonzero(samples == low)) == 0
    # clipping would pile the base's mass beyond `high` just below it: the share of samples in
    # the top 1% of the range is the truncated distribution's, within 5 binomial errors
    edge = high - 0.01 * (high - low)
    p = float(1 - dist.cdf(np.array([edge]))[0])
    beyond = float(1 - dist.base.cdf(np.array([high]))[0])
    assert beyond > 0.05  # the truncation removes real mass: clipping would be visible
    share = np.count_nonzero(samples > edge) / N
    assert abs(share - p) < K * math.sqrt(p * (1 - p) / N) + 1 / N


def test_truncated_normal_on_a_positive_parameter_stays_positive() -> None:
    dist, samples = draw('compute.stock={dist="normal", mean=2, sd=2, unit="ZFLOP/s", min=0}')
    assert isinstance(dist, d.Truncated)
    assert dist.support == (0.0, math.inf)
    assert samples.min() > 0
    # a sixth of the normal lies below 0: clipping would put ~16% of samples at exactly 0
    exact = truncnorm(2e21, 2e21, 0.0, math.inf)
    p1 = float(np.percentile(samples, 1))
    assert abs(p1 - exact.ppf(0.01)) < K * quantile_standard_error(exact, 0.01, N)


# --- units in tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            'compute.training_duration={dist="uniform", low=1, high=3, unit="month"}',
            d.Uniform(MONTH, 3 * MONTH),
        ),
        (
            'compute.training_duration={dist="uniform", low="1 month", high="3 month"}',
            d.Uniform(MONTH, 3 * MONTH),
        ),
        (
            'compute.training_duration={dist="uniform", low="30 day", high=0.25, unit="year"}',
            d.Uniform(30 * DAY, 0.25 * 365 * DAY),
        ),
        (
            'compute.training_duration={dist="triangular", low="2 week", mode=1, high="90 day",'
            ' unit="month"}',
            d.Triangular(14 * DAY, MONTH, 90 * DAY),
        ),
        (
            'compute.utilization={dist="uniform", low=20, high=50, unit="%"}',
            d.Uniform(0.2, 0.5),
        ),
        (
            'compute.stock={dist="normal", mean=4, sd="1e21 FLOP/s", unit="ZFLOP/s",'
            ' min="0 FLOP/s", max=10}',
            d.Truncated(d.Normal(4e21, 1e21), 0.0, 1e22),
        ),
        (
            'compute.stock={dist="lognormal", mu=1, sigma=0.5, unit="ZFLOP/s"}',
            d.LogNormal(1 + math.log(1e21), 0.5),
        ),
        (
            'labor.serial_speed={dist="beta", alpha=2, beta=2, low="1 token/s", high=1,'
            ' unit="ktoken/s"}',
            d.Beta(2, 2, 1, 1000),
        ),
        (
            'labor.serial_speed={dist="pert", low=0.6, mode="0.1 token/s", high=12, '
            'unit="token/minute"}',
            d.pert(0.01, 0.1, 0.2),
        ),
    ],
)
def test_units_inside_tables(setting: str, expected: d.Distribution) -> None:
    name = setting.partition("=")[0]
    dist = api.load_scenario(settings=[setting]).value(name)
    assert isinstance(dist, d.Distribution)
    assert type(dist) is type(expected)
    np.testing.assert_allclose(dist.ppf(GRID), expected.ppf(GRID), rtol=1e-12)
    assert dist.support == pytest.approx(expected.support, rel=1e-12)


def test_uniform_in_months_draws_seconds() -> None:
    _, samples = draw(
        'compute.training_duration={dist="uniform", low=1, high=3, unit="month"}', samples=10_000
    )
    assert samples.min() >= 30 * DAY and samples.max() <= 90 * DAY
    assert samples.min() < 32 * DAY and samples.max() > 88 * DAY


def test_mixture_unit_applies_to_range_components() -> None:
    # "every table takes an optional unit (for its bare numbers)": a mixture's range
    # components are read in the mixture's unit, as its table components are
    scenario = api.load_scenario(
        settings=[
            'compute.stock={dist="mixture", unit="ZFLOP/s", components=["1 to 2", '
            '{dist="uniform", low=4, high=8}], weights=[0.5, 0.5]}'
        ]
    )
    dist = scenario.value("compute.stock")
    assert isinstance(dist, d.Mixture)
    expected = d.Mixture((d.lognormal_from_ci(1e21, 2e21), d.Uniform(4e21, 8e21)), (0.5, 0.5))
    np.testing.assert_allclose(dist.ppf(GRID), expected.ppf(GRID), rtol=1e-9)


# --- misuse ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        pytest.param("compute.tokens_per_parameter=-1 to 3", ["a > 0", "'-1 to 3'"], id="neg"),
        pytest.param("compute.tokens_per_parameter=3 to 1", ["a < b", "'3 to 1'"], id="reversed"),
        pytest.param("compute.tokens_per_parameter=0 to 3", ["a > 0", "'0 to 3'"], id="zero"),
        pytest.param("compute.stock=-1 FLOP/s to 3 FLOP/s", ["a > 0"], id="neg-unit"),
        pytest.param("compute.stock=-1 to 3", ["-1 to 3", "unit"], id="neg-no-unit"),
        pytest.param(
            'compute.stock={dist="mixture", components=["1e21 to 2e21 FLOP/s", '
            '"4e21 to 8e21 FLOP/s"], weights=[0.5, 0.4]}',
            ["sum to 1", "0.9"],
            id="weights",
        ),
        pytest.param(
            'compute.stock={dist="mixture", components=["1e21 to 2e21 FLOP/s"], '
            "weights=[0.5, 0.5]}",
            ["as many mixture.weights"],
            id="weights-count",
        ),
        pytest.param(
            'compute.stock={dist="mixture", components=["1e21 to 2e21 FLOP/s", '
            '"4e21 to 8e21 FLOP/s"], weights=[1.5, -0.5]}',
            ["weights", ">= 0"],
            id="weights-negative",
        ),
        pytest.param(
            'compute.utilization={dist="lognorml", p5=0.2, p95=0.5, max=1}',
            ["did you mean 'lognormal'", "lognorml"],
            id="unknown-dist",
        ),
        pytest.param("compute.utilization={p5=0.2, p95=0.5, max=1}", ["'dist' key"], id="no-dist"),
        pytest.param(
            'compute.utilization={dist="lognormal", p5=0.2, p95=0.5, max=1, scale=2}',
            ["unknown key(s) scale", "p5+p95"],
            id="unknown-key",
        ),
        pytest.param(
            'compute.utilization={dist="beta", alpha=2}',
            ["alpha+beta", "received keys alpha"],
            id="missing-key",
        ),
        pytest.param(
            'compute.utilization={dist="pert", low=0.1, high=0.9}',
            ["high+low+mode", "received keys high, low"],
            id="missing-mode",
        ),
        pytest.param(
            'compute.utilization={dist="lognormal", p5=0.2, p95=0.5, sigma=1, max=1}',
            ["p5+p95 or mu+sigma", "received keys p5, p95, sigma"],
            id="mixed-keys",
        ),
        pytest.param(
            "compute.stock=2 to 8 FLOP", ["FLOP/s", "'2.0 FLOP', which is compute"], id="dim"
        ),
        pytest.param(
            'compute.training_duration={dist="uniform", low="1 FLOP", high="3 month"}',
            ["uniform.low", "calendar time", "which is compute"],
            id="dim-table",
        ),
        pytest.param(
            'compute.stock={dist="normal", mean="4e21 FLOP/s", sd="1e21 FLOP/s"}',
            ["inside (0, inf)", "below 0", "min = 0"],
            id="normal-untruncated",
        ),
        pytest.param(
            'compute.utilization={dist="lognormal", p5=0.2, p95=0.5}',
            ["inside (0, 1]", "above 1", "max = 1"],
            id="lognormal-share",
        ),
        pytest.param(
            'compute.utilization={dist="lognormal", p5=0.2, p95=0.5, max=2}',
            ["above 1", "max = 1"],
            id="max-too-high",
        ),
        pytest.param("compute.utilization=0.2 to 0.5", ["above 1", "max = 1"], id="range-on-share"),
        pytest.param(
            'compute.utilization={dist="beta", alpha=2, beta=5, min=0.5, max=0.5}',
            ["min < max", "min = 0.5, max = 0.5"],
            id="min-eq-max",
        ),
        pytest.param(
            'compute.utilization={dist="beta", alpha=2, beta=5, min=0.6, max=0.5}',
            ["min < max"],
            id="min-gt-max",
        ),
        pytest.param(
            'compute.utilization={dist="uniform", low=0.1, high=0.2, min=0.5, max=0.9}',
            ["keep some", "no probability"],
            id="no-mass",
        ),
        pytest.param(
            "devloop.task_length=50 to 1000 researcher_second",
            ["takes no ranges"],
            id="list-range",
        ),
        pytest.param(
            'devloop.task_length=["50 researcher_second", "50 to 1000 researcher_second"]',
            ["takes no ranges"],
            id="list-range-item",
        ),
        pytest.param(
            'devloop.task_length={dist="uniform", low=50, high=1000, unit="researcher_second"}',
            ["takes no ranges"],
            id="list-table",
        ),
        pytest.param(
            'compute.utilization={dist="point", value=2}', ["(0, 1]", "2"], id="point-above"
        ),
        pytest.param(
            'compute.stock={dist="point", value=-1, unit="FLOP/s"}', ["(0, inf)"], id="point-neg"
        ),
        pytest.param(
            'compute.utilization={dist=["beta"], alpha=2, beta=5}', ["dist"], id="dist-list"
        ),
    ],
)
def test_misuse_is_a_scenario_error(setting: str, fragments: list[str]) -> None:
    name = setting.partition("=")[0]
    with pytest.raises(Error) as info:
        api.load_scenario(settings=[setting])
    message = str(info.value)
    assert name in message
    assert "expected" in message and "received" in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_misuse_in_a_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'schema = 1\n[compute]\nstock = "2e21 to 8e21 FLOP/s"\n'
        'utilization = { dist = "lognormal", p5 = 0.2, p95 = 0.5 }\n',
        encoding="utf-8",
    )
    where = re.escape(f"{path}:4: compute.utilization: expected")
    with pytest.raises(Error, match=where):
        api.load_scenario(path)


# --- scenario files and reproducibility ------------------------------------------------------

FILE = """\
schema = 1
[compute]
stock = "2e21 to 8e21 FLOP/s"
utilization = { dist = "beta", alpha = 2, beta = 5 }
training_duration = { dist = "uniform", low = 1, high = 3, unit = "month" }
training_share = { dist = "pert", low = 0.1, mode = 0.25, high = 0.6 }

[labor]
serial_speed = { dist = "mixture", components = ["20 to 60 token/s", "60 to 200 token/s"], \
weights = [0.7, 0.3] }
"""

SETTINGS = [
    "compute.stock=2e21 to 8e21 FLOP/s",
    'compute.utilization={dist="beta", alpha=2, beta=5}',
    'compute.training_duration={dist="uniform", low=1, high=3, unit="month"}',
    'compute.training_share={dist="pert", low=0.1, mode=0.25, high=0.6}',
    'labor.serial_speed={dist="mixture", components=["20 to 60 token/s", "60 to 200 token/s"],'
    " weights=[0.7, 0.3]}",
]


def test_a_file_and_set_give_the_same_distributions(tmp_path: Path) -> None:
    path = tmp_path / "uncertain.toml"
    path.write_text(FILE, encoding="utf-8")
    from_file = api.load_scenario(path).uncertain()
    from_set = api.load_scenario(settings=SETTINGS).uncertain()
    assert from_file == from_set
    assert list(from_file) == [
        "compute.stock",
        "compute.training_share",
        "compute.training_duration",
        "compute.utilization",
        "labor.serial_speed",
    ]


def test_same_seed_is_bit_identical_and_other_seeds_differ() -> None:
    # the pert's betaincinv is slow: leave it out to keep four runs of 66,000 samples fast
    scenario = api.load_scenario(settings=[s for s in SETTINGS if "pert" not in s])
    first = api.run(scenario, samples=66_000, seed=7)
    again = api.run(scenario, samples=66_000, seed=7)
    chunked = api.run(scenario, samples=66_000, seed=7, chunk_size=9_999)
    other = api.run(scenario, samples=66_000, seed=8)
    assert set(first.values) == set(again.values) == set(chunked.values) == set(other.values)
    for name, values in first.values.items():
        assert np.array_equal(values, again.values[name]), name
        assert np.array_equal(values, chunked.values[name]), name
        if values.min() != values.max():  # outputs that do not depend on the draws are equal
            assert not np.array_equal(values, other.values[name]), name
    for name in scenario.uncertain():
        # different seeds give (almost surely) no common draws at all
        assert np.count_nonzero(first.values[name] == other.values[name]) == 0, name


# --- bounded mixtures (regressions: nesting 25 deep took 26 s, 20,000 components 70 s) ---------


def _nested_mixture(depth: int) -> dict[str, Any]:
    """A mixture ``depth`` levels deep, each level mixing a range with the level below."""
    table: dict[str, Any] = {"dist": "uniform", "low": 1, "high": 2}
    for _ in range(depth):
        table = {"dist": "mixture", "components": ["1 to 3", table], "weights": [0.5, 0.5]}
    return table


def test_mixtures_nest_up_to_the_limit() -> None:
    spec = get_spec("compute.tokens_per_parameter")
    dist = parse_value(spec, _nested_mixture(MIXTURE_DEPTH), "here")
    assert isinstance(dist, d.Mixture)
    assert dist.support == (0.0, math.inf)


@pytest.mark.parametrize("depth", [MIXTURE_DEPTH + 1, 30])
def test_mixtures_nested_deeper_are_refused(depth: int) -> None:
    spec = get_spec("compute.tokens_per_parameter")
    with pytest.raises(Error) as info:
        parse_value(spec, _nested_mixture(depth), "f.toml:3")
    assert str(info.value) == (
        f"f.toml:3: compute.tokens_per_parameter: expected mixtures nested at most "
        f"{MIXTURE_DEPTH} deep; received a mixture nested {MIXTURE_DEPTH + 1} deep"
    )
    assert info.value.field == "compute.tokens_per_parameter"


@pytest.mark.parametrize("count", [MIXTURE_COMPONENTS + 1, 20_000])
def test_mixtures_with_too_many_components_are_refused(count: int) -> None:
    spec = get_spec("compute.tokens_per_parameter")
    table = {"dist": "mixture", "components": ["1 to 3"] * count, "weights": [1 / count] * count}
    with pytest.raises(Error, match=f"at most {MIXTURE_COMPONENTS} components in all"):
        parse_value(spec, table, "here")


def test_components_of_nested_mixtures_count_together() -> None:
    spec = get_spec("compute.tokens_per_parameter")
    inner = {"dist": "mixture", "components": ["1 to 3"] * 58, "weights": [1 / 58] * 58}
    # 2 + 58 + 40 components: at the limit
    fits = {"dist": "mixture", "components": ["1 to 3"] * 40, "weights": [1 / 40] * 40}
    assert isinstance(
        parse_value(
            spec, {"dist": "mixture", "components": [inner, fits], "weights": [0.5, 0.5]}, "h"
        ),
        d.Mixture,
    )
    with pytest.raises(Error, match="received more than 100"):
        parse_value(
            spec, {"dist": "mixture", "components": [inner, inner], "weights": [0.5, 0.5]}, "h"
        )


class _Counting(d.Uniform):
    """A uniform that counts how often its support is asked for."""

    asked = 0

    @property
    def support(self) -> tuple[float, float]:
        _Counting.asked += 1
        return (self.low, self.high)


def test_a_mixtures_support_asks_each_component_once() -> None:
    leaf = _Counting(1.0, 2.0)
    dist: d.Distribution = leaf
    for _ in range(20):  # was 2**20 questions of the leaf
        dist = d.Mixture((dist, d.Uniform(0.0, 1.0)), (0.5, 0.5))
    _Counting.asked = 0
    assert dist.support == (0.0, 2.0)
    assert _Counting.asked == 1


# --- extreme parameters (regressions: draws overflowed, describe raised OverflowError) ------


@pytest.mark.parametrize(
    ("setting", "reach"),
    [
        ("race.review_smoothness=1e-300 to 1e300", "overflow floating point"),
        ('race.reference_team={dist="lognormal", mu=0, sigma=500}', "overflow floating point"),
        ("race.review_smoothness=1e-200 to 1e-100", "round to 0"),
        (
            'race.review_smoothness={dist="lognormal", mu=0, sigma=500, min=0, max=1000}',
            "round to 0",
        ),
        ('compute.stock={dist="normal", mean="1 FLOP/s", sd="1e307 FLOP/s", min=0}', "overflow"),
    ],
)
def test_distributions_whose_draws_overflow_or_round_out_are_refused(
    setting: str, reach: str
) -> None:
    name = setting.partition("=")[0]
    with pytest.raises(Error) as info:
        api.load_scenario(settings=[setting])
    assert info.value.field == name
    assert f"{name}: expected a distribution whose draws stay finite and inside (0, inf)" in str(
        info.value
    )
    assert f"whose draws in its tails {reach}" in str(info.value)


def test_truncation_at_an_open_bound_is_still_the_fix() -> None:
    # rounding reaches the edge only beyond Z_TAIL normal scores (once in 10^15 draws)
    scenario = api.load_scenario(
        settings=['compute.stock={dist="normal", mean="4e21 FLOP/s", sd="3e21 FLOP/s", min=0}']
    )
    dist = scenario.value("compute.stock")
    assert isinstance(dist, d.Truncated)
    assert dist.extremes(d.Z_TAIL)[0] > 0


def test_describing_an_extreme_lognormal_does_not_overflow() -> None:
    assert d.LogNormal(0.0, 500.0).describe() == "lognormal(p5=6.677e-358, p95=1.498e+357)"
    assert (
        d.LogNormal(0.0, 1e308).describe() == "lognormal(p5=exp(-1.645e+308), p95=exp(1.645e+308))"
    )
    assert d.LogNormal(0.0, math.inf).describe() == "lognormal(p5=0, p95=inf)"
    assert d.LogNormal(math.log(4e21), 0.1).describe() == "lognormal(p5=3.393e+21, p95=4.715e+21)"


def test_wide_mixtures_and_log_shapes_below_zero_evaluate_without_warnings() -> None:
    # warnings are errors under pytest: the mixture's bisection multiplied its bracket's ends
    wide = d.Mixture(
        (d.lognormal_from_ci(1e150, 1e160), d.lognormal_from_ci(1e160, 1e170)), (0.5, 0.5)
    )
    draws = wide.from_normal(np.linspace(-6.0, 6.0, 101))
    assert np.all(np.isfinite(draws)) and np.all(np.diff(draws) >= 0)
    below = np.array([-1.0, 0.0])
    np.testing.assert_array_equal(d.LogNormal(0.0, 1.0).cdf(below), [0.0, 0.0])
    np.testing.assert_array_equal(d.LogUniform(1.0, 2.0).cdf(below), [0.0, 0.0])


# --- draws into a buffer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dist",
    [
        d.Normal(1.0, 2.0),
        d.LogNormal(0.5, 0.7),
        d.Uniform(1.0, 3.0),
        d.LogUniform(1.0, 100.0),
        d.pert(0.0, 0.3, 1.0),
        d.triangular(0.0, 0.3, 1.0),
        d.Mixture((d.LogNormal(0.0, 1.0), d.Normal(5.0, 1.0)), (0.4, 0.6)),
        d.Truncated(d.LogNormal(0.0, 1.0), 0.0, 1.0),  # half the mass cut: the quantile map
        d.Truncated(d.LogNormal(0.0, 1.0), 0.0, 30.0),  # 3e-4 cut: the tail map
        d.Truncated(d.Normal(0.0, 1.0), -3.5, 3.2),  # 9e-4 cut, both sides
    ],
    ids=repr,
)
def test_drawing_into_the_normals_buffer_gives_the_same_draws(dist: d.Distribution) -> None:
    z = np.random.default_rng(3).standard_normal(20_000)
    z[:4] = [-13.7, -5.0, 5.0, 13.7]
    expected = dist.from_normal(z.copy())
    buffer = z.copy()
    got = dist.from_normal(buffer, out=buffer)
    assert got is buffer
    assert np.array_equal(got, expected)


# --- the tail map of a truncation that cuts little ---------------------------------------------

#: Truncations of a normal or lognormal cutting at most ``TAIL_MAP_MASS``: below, above, both.
TAIL_MAPPED = [
    pytest.param(d.Truncated(d.lognormal_from_ci(0.3, 0.6), 0.0, 1.0), id="benchmark-u<=1"),
    pytest.param(d.Truncated(d.Normal(50.0, 15.0), 1.0, math.inf), id="normal>=1"),
    pytest.param(d.Truncated(d.Normal(0.0, 1.0), -3.5, 3.2), id="normal-both"),
    pytest.param(d.Truncated(d.lognormal_from_ci(0.3, 0.6), 0.15, 0.85), id="lognormal-both"),
]


def _exact_cdf(dist: d.Truncated, x: Array) -> Array:
    """The truncated distribution's CDF from scipy: ``(F(x) − F(a)) / (F(b) − F(a))``."""
    base = dist.base
    if isinstance(base, d.LogNormal):
        frozen_base = stats.lognorm(s=base.sigma, scale=math.exp(base.mu))
    else:
        assert isinstance(base, d.Normal)
        frozen_base = stats.norm(base.mean, base.sd)
    fa, fb = frozen_base.cdf(dist.low), frozen_base.cdf(dist.high)
    return np.asarray((frozen_base.cdf(x) - fa) / (fb - fa), dtype=np.float64)


def _outside_scores(dist: d.Truncated, n: int, seed: int) -> tuple[Array, Array]:
    """``n`` normal scores outside the bounds, distributed as Z given that, and each one's
    position ``w`` in the mass cut (``Φ(z)/ε`` below, ``(A + Φ(z) − Φ(β))/ε`` above), by scipy."""
    base = dist.base
    if isinstance(base, d.LogNormal):
        alpha = (math.log(dist.low) - base.mu) / base.sigma if dist.low > 0 else -math.inf
        beta = (math.log(dist.high) - base.mu) / base.sigma if dist.high < math.inf else math.inf
    else:
        assert isinstance(base, d.Normal)
        alpha, beta = (dist.low - base.mean) / base.sd, (dist.high - base.mean) / base.sd
    below, above = float(stats.norm.cdf(alpha)), float(stats.norm.sf(beta))
    cut = below + above
    w = (np.arange(n) + np.random.default_rng(seed).uniform(size=n)) / n  # stratified in (0, 1)
    low = w * cut < below
    z = np.where(low, stats.norm.ppf(w * cut), stats.norm.isf(np.maximum(cut - w * cut, 1e-300)))
    assert np.all((z < alpha) | (z > beta))
    return np.asarray(z, dtype=np.float64), w


@pytest.mark.parametrize("dist", TAIL_MAPPED)
def test_the_tail_map_moves_each_cut_score_to_its_place_in_the_truncated_distribution(
    dist: d.Truncated,
) -> None:
    """A score at position ``w`` of the cut mass becomes the truncated ``w``-quantile: the
    moved draws are exactly truncated-distributed (closed form, to 1e-9), inside the bounds."""
    assert dist.tail_mapped and 0 < 1 - dist.mass() <= d.TAIL_MAP_MASS
    z, w = _outside_scores(dist, 4000, seed=1)
    moved = dist.from_normal(z)
    assert np.all((dist.low <= moved) & (moved <= dist.high))
    np.testing.assert_allclose(_exact_cdf(dist, moved), w, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dist", TAIL_MAPPED)
def test_tail_mapped_draws_are_the_truncated_distribution(dist: d.Truncated) -> None:
    """Every draw: the base's own inside the bounds, the moved ones elsewhere. A KS test of
    10^6 draws against the closed form at a fixed seed, at the 1% critical value
    (1.63/√n = 0.0016): none outside the bounds, none on them."""
    n = 1_000_000
    z = np.random.default_rng(7).standard_normal(n)
    draws = dist.from_normal(z)
    assert np.all((dist.low < draws) & (draws < dist.high))
    kept = (dist.low < dist.base.from_normal(z)) & (dist.base.from_normal(z) < dist.high)
    assert np.array_equal(draws[kept], dist.base.from_normal(z)[kept])  # bit for bit
    statistic = stats.kstest(draws, lambda x: _exact_cdf(dist, x)).statistic
    assert statistic < 1.63 / math.sqrt(n)


def test_the_tail_map_is_used_only_for_a_small_cut_of_a_normal_or_lognormal() -> None:
    assert d.TAIL_MAP_MASS == 1e-3
    assert d.Truncated(d.Normal(0.0, 1.0), -3.3, 3.3).tail_mapped  # cuts 9.7e-4
    assert not d.Truncated(d.Normal(0.0, 1.0), -3.2, 3.2).tail_mapped  # cuts 1.4e-3
    assert d.Truncated(d.LogNormal(0.0, 1.0), 0.0, 30.0).tail_mapped  # cuts 3.4e-4
    assert not d.Truncated(d.LogNormal(0.0, 1.0), 0.0, 1.0).tail_mapped  # cuts half
    assert not d.Truncated(d.Uniform(0.0, 1.0), 0.0, 0.9999).tail_mapped  # not normal
    mixture = d.Mixture((d.Normal(0.0, 1.0), d.Normal(1.0, 1.0)), (0.5, 0.5))
    assert not d.Truncated(mixture, -10.0, 10.0).tail_mapped
    # the quantile map otherwise: from_normal is the truncated ppf of Φ(z), monotone
    wide = d.Truncated(d.Normal(0.0, 1.0), -3.2, 3.2)
    z = np.linspace(-6.0, 6.0, 101)
    np.testing.assert_allclose(wide.from_normal(z), wide.ppf(stats.norm.cdf(z)), rtol=1e-12)
    assert np.all(np.diff(wide.from_normal(z)) >= 0)
