"""Stage D, tasks automated one at a time (SPEC §7), against closed forms.

Every expected value is written here by plain arithmetic from the formulas of SPEC §7 (Φ from
``scipy.special``), never through ``model.tasks``; the discrete check solves a 200-task problem
through its two-multiplier dual. Every test runs with floating-point overflow, division by zero
and invalid operations raising (underflow to zero is allowed), so a result that is finite here
was computed without overflow.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from numpy.typing import NDArray
from scipy import integrate, optimize, special

from alignment_runway.model import tasks
from alignment_runway.units import CALENDAR_YEAR_S, RESEARCHER_YEAR_RS

Array = NDArray[np.float64]

#: Φ⁻¹(0.95): a "5th to 95th percentile" ratio spans ±1.6449 standard deviations.
Z95 = 1.6448536269514722
#: The median task's cost, tokens per researcher-second (the essay's τ).
TAU = 100.0


@pytest.fixture(autouse=True)
def _strict_floats() -> Iterator[None]:
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield


def sigma(spread: float) -> float:
    return math.log(spread) / (2 * Z95)


def density(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def power_mean_cost(s: float, a: float, eps: float) -> float:
    """τ_A(a') by SPEC §7's closed form (its geometric-mean limit at ε = 1)."""
    z = float(special.ndtri(a)) if a < 1 else math.inf
    k = 1 - eps
    if k == 0:
        return TAU * math.exp(-s * density(z) / a) if a < 1 else TAU
    log_ratio = k * k * s * s / 2 + float(special.log_ndtr(z - k * s)) - math.log(a)
    return TAU * math.exp(log_ratio / k)


def quadrature_cost(s: float, a: float, eps: float) -> float:
    """τ_A(a') as the power mean of τ·e^(s z) over z < Φ⁻¹(a'), by numerical quadrature."""
    k = 1 - eps
    top = float(special.ndtri(a)) if a < 1 else math.inf
    if k == 0:
        mean, _ = integrate.quad(lambda z: s * z * density(z), -math.inf, top, epsrel=1e-13)
        return TAU * math.exp(mean / a)
    mean, _ = integrate.quad(
        lambda z: math.exp(k * s * z - z * z / 2) / math.sqrt(2 * math.pi),
        -math.inf,
        top,
        epsrel=1e-13,
        epsabs=0,
    )
    return TAU * math.exp(math.log(mean / a) / k)


def ces(ai_labor: float, human: float, a: float, eps: float) -> float:
    """SPEC §7's aggregate, written out (its two terms summed in log space)."""
    if eps == 1:
        return math.exp(a * math.log(ai_labor / a) + (1 - a) * math.log(human / (1 - a)))
    rho = (eps - 1) / eps
    terms = [
        (1 - rho) * math.log(a) + rho * math.log(ai_labor),
        (1 - rho) * math.log(1 - a) + rho * math.log(human),
    ]
    top = max(terms)
    return math.exp((top + math.log(sum(math.exp(x - top) for x in terms))) / rho)


def rate_at(r: float, s: float, a: float, eps: float, human: float) -> float:
    """Y(a') with the AI's tokens spread optimally over the cheapest share a'."""
    return ces(r * TAU / power_mean_cost(s, a, eps), human, a, eps)


# --- inputs ---------------------------------------------------------------------------------


def test_cost_sigma_is_the_ranges_convention() -> None:
    assert float(special.ndtri(0.95)) == pytest.approx(Z95, rel=1e-15)
    assert tasks.cost_sigma(1.0) == 0.0
    assert tasks.cost_sigma(100.0) == pytest.approx(math.log(100.0) / (2 * Z95), rel=1e-15)
    spreads = np.array([1.0, 10.0, 1e6])
    assert_allclose(tasks.cost_sigma(spreads), np.log(spreads) / (2 * Z95), rtol=1e-15)


def test_human_labor_is_field_years_per_year() -> None:
    # 2,880 researcher-hours a year over 8,760 hours of the calendar year
    assert tasks.human_labor(600.0) == pytest.approx(600 * 2880 / 8760, rel=1e-15)
    # the reference team delivers one field-year (n researcher-years) per calendar year
    assert tasks.human_labor(600.0) * CALENDAR_YEAR_S == pytest.approx(
        600 * RESEARCHER_YEAR_RS, rel=1e-15
    )
    assert_array_equal(tasks.human_labor(np.array([0.0])), [0.0])


def test_automated_share_grows_towards_one() -> None:
    a0 = np.array([0.0, 0.3, 0.9, 1.0])
    assert_array_equal(tasks.automated_share_at(a0, 0.0, 1e9), a0)  # off: exactly a0
    g, t = 0.1 / 2.592e6, 6 * 2.592e6  # 0.1 per month, six months
    assert_allclose(tasks.automated_share_at(a0, g, t), 1 - (1 - a0) * math.exp(-0.6), rtol=1e-15)
    assert_array_equal(tasks.automated_share_at(1.0, g, np.array([0.0, t, 1e12])), 1.0)
    assert tasks.automated_share_at(0.5, g, 1e12) == 1.0


# --- the effective cost ---------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.0, 1e-6, 0.5, 1.0, 1 + 1e-9, 2.0, 1e3])
def test_effective_cost_without_spread_is_tau(eps: float) -> None:
    assert_array_equal(tasks.effective_cost(TAU, 0.0, np.array([1e-9, 0.5, 1.0]), eps), TAU)


@pytest.mark.parametrize("eps", [0.3, 0.9, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("a", [1e-4, 0.01, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("spread", [3.0, 100.0])
def test_effective_cost_closed_form_and_quadrature(eps: float, a: float, spread: float) -> None:
    s = sigma(spread)
    got = tasks.effective_cost(TAU, s, a, eps)
    assert got == pytest.approx(power_mean_cost(s, a, eps), rel=1e-12)
    assert got == pytest.approx(quadrature_cost(s, a, eps), rel=1e-9)


def test_effective_cost_is_the_mean_at_full_share_as_eps_goes_to_zero() -> None:
    s = sigma(30.0)
    mean = TAU * math.exp(s * s / 2)
    assert tasks.effective_cost(TAU, s, 1.0, 0.0) == pytest.approx(mean, rel=1e-15)
    assert tasks.effective_cost(TAU, s, 1.0, 1e-9) == pytest.approx(mean, rel=1e-8)
    # and the geometric mean, the median τ, at ε = 1
    assert tasks.effective_cost(TAU, s, 1.0, 1.0) == TAU


@pytest.mark.parametrize("a", [1e-6, 0.2, 0.9, 1 - 1e-9])
@pytest.mark.parametrize("spread", [3.0, 1e4])
def test_effective_cost_is_continuous_across_eps_one(a: float, spread: float) -> None:
    s = sigma(spread)
    z = float(special.ndtri(a))
    limit = TAU * math.exp(-s * density(z) / a)
    assert tasks.effective_cost(TAU, s, a, 1.0) == pytest.approx(limit, rel=1e-13)
    log_at = {}
    for d in (1e-6, 1e-3):
        for eps in (1 - d, 1 + d):
            got = float(tasks.effective_cost(TAU, s, a, eps))
            # the closed form loses about 1e-16·|ln a'|/|1 − ε| to cancellation
            tolerance = 4e-16 * (1 - math.log(a)) / d + 1e-12
            assert got == pytest.approx(power_mean_cost(s, a, eps), rel=tolerance)
            log_at[eps] = math.log(got / limit)
        # first order in 1 − ε: the two sides are mirror images up to O(d²)
        slope_up, slope_down = log_at[1 + d] / d, -log_at[1 - d] / d
        assert slope_up == pytest.approx(slope_down, abs=10 * d * (1 + s) ** 3)
    # no step where the series hands over to the direct form (|1 − ε| = 1e-4): across
    # 2e-8 of ε the log cost moves by the slope (from points far either side) times 2e-8
    for side in (1.0, -1.0):

        def log_cost(k: float, side: float = side) -> float:
            return math.log(float(tasks.effective_cost(TAU, s, a, 1 - side * k)))

        slope = (log_cost(1.5e-4) - log_cost(0.5e-4)) / 1e-4
        jump = log_cost(1.0001e-4) - log_cost(0.9999e-4) - slope * 2e-8
        assert abs(jump) < 1e-10 * (1 - math.log(a))


def test_effective_cost_edges() -> None:
    s = sigma(100.0)
    assert np.isnan(tasks.effective_cost(TAU, s, 0.0, 0.5))
    tiny = tasks.effective_cost(TAU, s, 1e-300, np.array([1e-6, 0.5, 1.0, 2.0]))
    assert np.all(np.isfinite(tiny) & (tiny > 0) & (tiny < TAU))
    # large ε: the power mean of ever lower costs; tiny ε: close to the arithmetic mean
    assert 0 < tasks.effective_cost(TAU, sigma(10.0), 0.5, 1e3) < 1e-80
    assert 0 <= tasks.effective_cost(TAU, sigma(1e6), 0.5, 1e3) < 1e-300
    assert tasks.effective_cost(TAU, s, 0.5, 1e-6) == pytest.approx(
        power_mean_cost(s, 0.5, 1e-6), rel=1e-9
    )


# --- the CES aggregate ----------------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.25, 0.5, 1.0, 2.0, 7.0])
def test_research_rate_closed_forms(eps: float) -> None:
    for labor, human, a in [(3.0, 1.0, 0.4), (1e-3, 50.0, 0.9), (1e4, 2.0, 0.05)]:
        expected = ces(labor, human, a, eps)
        assert tasks.research_rate(labor, human, a, eps) == pytest.approx(expected, rel=1e-13)
    rho = (2.0 - 1) / 2.0  # ε = 2 by hand: (√(a L) + √((1 − a) H))²
    assert rho == 0.5
    assert tasks.research_rate(3.0, 1.0, 0.4, 2.0) == pytest.approx(
        (math.sqrt(0.4 * 3.0) + math.sqrt(0.6 * 1.0)) ** 2, rel=1e-14
    )


def test_research_rate_is_amdahl_as_eps_goes_to_zero() -> None:
    labor, human, a = 1e6, 1.0, 0.9
    amdahl = human / (1 - a)  # L/a ≫ H/(1 − a): the humans' tasks are the bottleneck
    assert tasks.research_rate(labor, human, a, 0.0) == pytest.approx(amdahl, rel=1e-15)
    for eps in (1e-3, 1e-6):  # about H/(1 − a) · (1 − a)^(−ε/(1 − ε))
        assert tasks.research_rate(labor, human, a, eps) == pytest.approx(amdahl, rel=3 * eps)


def test_research_rate_edges() -> None:
    labor, human = np.array([2.0, 0.0, 5.0]), np.array([3.0, 4.0, 0.0])
    for eps in (1e-6, 0.5, 1.0, 2.0, 1e3):
        assert_array_equal(tasks.research_rate(labor, human, 0.0, eps), human)
        assert_array_equal(tasks.research_rate(labor, human, 1.0, eps), labor)
    for eps in (1e-6, 0.5, 1.0):  # complements: a task nobody does stops everything
        assert tasks.research_rate(5.0, 0.0, 0.3, eps) == 0.0
        assert tasks.research_rate(0.0, 5.0, 0.3, eps) == 0.0
    # substitutes: the AI alone on its share, Y = a^(1/(ε − 1))·L
    assert tasks.research_rate(5.0, 0.0, 0.3, 2.0) == pytest.approx(0.3 * 5.0, rel=1e-14)
    assert tasks.research_rate(5.0, 0.0, 0.3, 3.0) == pytest.approx(0.3**0.5 * 5, rel=1e-14)
    # nothing overflows at extreme labors or elasticities
    for eps in (1e-6, 1e-3, 0.5, 1.0, 2.0, 1e3):
        y = tasks.research_rate(1e300, 1e-300, 0.5, eps)
        assert np.isfinite(y) and y > 0


# --- the allocation: closed forms -----------------------------------------------------------


@pytest.mark.parametrize("eps", [1e-6, 0.3, 1 - 1e-9, 1.0, 1 + 1e-9, 2.0, 1e3])
def test_neutral_path_is_r_ai_bit_for_bit(eps: float) -> None:
    r = np.random.default_rng(1).lognormal(12.0, 3.0, size=1000)
    r[:3] = [2.3e7 / 100, 1e-300, 1e300]
    out = tasks.tasks_outputs(r, TAU, 1.0, 1.0, eps, 0.0)
    assert_array_equal(out.research_rate, r)
    assert_array_equal(out.ai_share, 1.0)
    assert_array_equal(out.effective_cost, TAU)
    assert_array_equal(out.realized_share, 1.0)
    assert np.all(np.isnan(out.speedup))
    share, y = tasks.optimal_allocation(r, 0.0, 1.0, eps, 0.0)
    assert_array_equal(y, r)
    assert_array_equal(share, 1.0)


@pytest.mark.parametrize("eps", [0.2, 0.5, 1.0, 2.0])
def test_balanced_regime_without_spread(eps: float) -> None:
    r = np.array([1.0, 2e5, 3.0, 1e-3])
    human = np.array([1.0, 1e3, 7.0, 2.0])
    balance = r / (r + human)
    a = np.minimum(1.0, balance * np.array([1.0, 1.5, 1.01, 400.0]))
    share, y = tasks.optimal_allocation(r, 0.0, a, eps, human)
    assert_allclose(y, r + human, rtol=1e-15)
    assert_allclose(share, balance, rtol=1e-15)
    # below the balance the AI takes all it can, and the CES gives the rate
    low = 0.5 * balance
    share, y = tasks.optimal_allocation(r, 0.0, low, eps, human)
    assert_array_equal(share, low)
    expected = [ces(ri, hi, ai, eps) for ri, hi, ai in zip(r, human, low, strict=True)]
    assert_allclose(y, expected, rtol=1e-13)
    assert np.all(y < r + human)


@pytest.mark.parametrize("spread", [1.0, 10.0])
def test_amdahl_limit(spread: float) -> None:
    r, human, a = 1e6, 1.0, 0.9
    for eps in (1e-4, 1e-6):
        out = tasks.tasks_outputs(r, TAU, spread, a, eps, human)
        assert out.ai_share == a
        assert out.research_rate == pytest.approx(human / (1 - a), rel=5 * eps)


def test_cobb_douglas_at_a_corner() -> None:
    r, human, a, spread = 1e3, 1.0, 0.5, 10.0
    s = sigma(spread)
    out = tasks.tasks_outputs(r, TAU, spread, a, 1.0, human)
    assert out.ai_share == a
    tau_a = TAU * math.exp(-s * density(0.0) / a)  # the geometric mean of the cheaper half
    assert out.effective_cost == pytest.approx(tau_a, rel=1e-14)
    labor = r * TAU / tau_a
    expected = (labor / a) ** a * (human / (1 - a)) ** (1 - a)
    assert out.research_rate == pytest.approx(expected, rel=1e-13)
    assert out.speedup == pytest.approx(expected / human, rel=1e-13)
    assert out.realized_share == pytest.approx(expected / r, rel=1e-13)


def test_ai_alone_on_every_task_pays_the_power_mean() -> None:
    s = sigma(30.0)
    for eps in (1e-9, 0.5, 1.0, 3.0):
        out = tasks.tasks_outputs(2e5, TAU, 30.0, 1.0, eps, 0.0)
        k = 1 - eps
        assert out.effective_cost == pytest.approx(TAU * math.exp(k * s * s / 2), rel=1e-12)
        assert out.research_rate == pytest.approx(2e5 * math.exp(-k * s * s / 2), rel=1e-12)
        assert out.ai_share == 1.0


# --- the allocation: the discrete optimum ---------------------------------------------------


def discrete_optimum(n: int, r: float, s: float, eps: float, human: float) -> float:
    """The best research rate over ``n`` tasks, AI and humans allocated freely, by the dual.

    Task ``i`` costs the AI ``τ_i = τ·e^(s Φ⁻¹((i − ½)/n))`` tokens per unit of output and
    humans one researcher-second. With multipliers ``μ_A`` (per token) and ``μ_H`` (per
    researcher-second) each task is done by whoever is cheaper at ``c_i = min(μ_A τ_i, μ_H)``,
    at output ``y_i = c_i^(−ε)`` (where the marginal product ``y^(−1/ε)`` equals the price),
    the boundary task split between them. ``θ = μ_H/μ_A`` sets who does what; the ratio of
    the two budgets, AI tokens ``r τ`` over human labor ``H``, rises with ``θ`` along the tasks,
    so it is matched on the open interval between two task costs or by the split of one.
    """
    cost = TAU * np.exp(s * special.ndtri((np.arange(1, n + 1) - 0.5) / n))
    target = r * TAU / human
    below = np.concatenate([[0.0], np.cumsum(cost ** (1 - eps))])  # Σ_{i<j} τ_i^(1−ε)

    def budget_ratio(theta: float, j: int) -> float:  # AI does tasks 0..j-1, humans the rest
        return float(theta**eps * below[j] / (n - j))

    for j in range(1, n):
        if budget_ratio(cost[j - 1], j) <= target <= budget_ratio(cost[j], j):
            theta = optimize.brentq(
                lambda x, j=j: budget_ratio(x, j) - target, cost[j - 1], cost[j], xtol=1e-300
            )
            human_output = n * human / (n - j)  # the human budget, spread evenly
            mu_a = human_output ** (-1 / eps) / theta
            ai_output = (mu_a * cost[:j]) ** (-eps)
            split, boundary = 0.0, j
            break
        tie = (cost[j] ** eps * below[j] + cost[j]) / (n - j - 1)
        if budget_ratio(cost[j], j) <= target <= tie:  # task j split at θ = τ_j
            split = (target * (n - j) - cost[j] ** eps * below[j]) / (cost[j] + target)
            human_output = n * human / (n - j - split)
            mu_a = human_output ** (-1 / eps) / cost[j]
            ai_output = (mu_a * cost[:j]) ** (-eps)
            boundary = j
            break
    else:
        raise AssertionError("no interior optimum")
    used = (np.sum(cost[:boundary] * ai_output) + split * cost[boundary] * human_output) / n
    assert used == pytest.approx(r * TAU, rel=1e-9)  # both budgets hold
    outputs = np.concatenate([ai_output, np.full(n - boundary, human_output)])
    if eps == 1:
        return float(np.exp(np.mean(np.log(outputs))))
    rho = (eps - 1) / eps
    return float(np.mean(outputs**rho) ** (1 / rho))


@pytest.mark.parametrize(
    ("eps", "spread"), [(0.3, 100.0), (0.5, 10.0), (1.0, 10.0), (1.0, 100.0), (2.0, 10.0)]
)
def test_continuum_is_the_limit_of_many_tasks(eps: float, spread: float) -> None:
    r, human, s = 2.0, 1.0, sigma(spread)
    share, y = tasks.optimal_allocation(r, s, 1.0, eps, human)
    assert 0.05 < share < 0.95  # an interior optimum
    error_200 = abs(discrete_optimum(200, r, s, eps, human) / y - 1)
    error_2000 = abs(discrete_optimum(2000, r, s, eps, human) / y - 1)
    assert error_200 < 5e-3
    assert error_2000 < error_200 / 5


# --- the allocation: the solve --------------------------------------------------------------


def grid_optimum(r: float, s: float, a: float, eps: float, human: float) -> float:
    """max over a' ≤ a of Y(a'): a dense grid in the log-odds, then golden-section search."""
    top = math.log(a / (1 - a)) if a < 1 else 25.0
    grid = np.linspace(-25.0, top, 4001)

    def rate(t: float) -> float:
        return rate_at(r, s, 1 / (1 + math.exp(-t)), eps, human)

    values = [rate(t) for t in grid]
    best = int(np.argmax(values))
    if best == len(grid) - 1:
        return max(values[-1], rate_at(r, s, a, eps, human) if a < 1 else 0.0)
    found = optimize.minimize_scalar(
        lambda t: -rate(t), bracket=(grid[best - 1], grid[best], grid[best + 1]), tol=1e-12
    )
    return max(values[best], -float(found.fun))


CASES = [
    (r, spread, a, eps)
    for r in (1e-2, 1.0, 50.0)
    for spread in (3.0, 30.0, 1000.0)
    for a in (0.2, 0.7, 1.0)
    for eps in (1e-3, 0.3, 0.9, 1.0, 1.5, 3.0)
]


def test_solve_agrees_with_a_grid_search() -> None:
    r, spread, a, eps = (np.array(x) for x in zip(*CASES, strict=True))
    s = np.log(spread) / (2 * Z95)
    share, y = tasks.optimal_allocation(r, s, a, eps, 1.0)
    assert np.all((share > 0) & (share <= a))
    for i, (ri, si, ai, ei) in enumerate(zip(r, s, a, eps, strict=True)):
        best = grid_optimum(float(ri), float(si), float(ai), float(ei), 1.0)
        assert y[i] == pytest.approx(best, rel=1e-9), CASES[i]
        assert y[i] >= best * (1 - 1e-12), CASES[i]  # never below the best the grid found


def test_warm_start_gives_the_same_answer() -> None:
    r, spread, a, eps = (np.array(x) for x in zip(*CASES, strict=True))
    s = np.log(spread) / (2 * Z95)
    share, y = tasks.optimal_allocation(r, s, a, eps, 1.0)
    for initial in (share, 0.5, 1e-6, 1 - 1e-9, np.nan, share * 1.01):
        again, y_again = tasks.optimal_allocation(r, s, a, eps, 1.0, initial=initial)
        assert_allclose(y_again, y, rtol=1e-12)
        assert_allclose(again, share, rtol=1e-6, atol=1e-9)


# --- special cases --------------------------------------------------------------------------


def test_no_ai_leaves_the_humans() -> None:
    r = np.array([0.0, 5.0, 0.0])
    a = np.array([0.5, 0.0, 0.0])
    human = np.array([3.0, 3.0, 0.0])
    for eps in (1e-6, 0.5, 1.0, 2.0):
        out = tasks.tasks_outputs(r, TAU, 10.0, a, eps, human)
        assert_array_equal(out.research_rate, human)
        assert_array_equal(out.ai_share, 0.0)
        assert np.all(np.isnan(out.effective_cost))
        assert_array_equal(out.speedup[:2], 1.0)
        assert np.isnan(out.speedup[2])
        assert np.isnan(out.realized_share[0]) and np.isnan(out.realized_share[2])
        assert out.realized_share[1] == 3.0 / 5.0


@pytest.mark.parametrize("eps", [1e-6, 0.5, 1 - 1e-9, 1.0])
def test_no_humans_with_complements_is_a_bottleneck(eps: float) -> None:
    out = tasks.tasks_outputs(1e5, TAU, 10.0, np.array([1e-9, 0.5, 1 - 1e-12]), eps, 0.0)
    assert_array_equal(out.research_rate, 0.0)
    assert_array_equal(out.ai_share, [1e-9, 0.5, 1 - 1e-12])
    assert np.all(np.isfinite(out.effective_cost))
    assert_array_equal(out.realized_share, 0.0)
    assert np.all(np.isnan(out.speedup))


@pytest.mark.parametrize("eps", [1 + 1e-9, 1.5, 2.0, 30.0])
def test_no_humans_with_substitutes_is_the_ai_alone(eps: float) -> None:
    s, a, r = sigma(10.0), 0.5, 1e5
    out = tasks.tasks_outputs(r, TAU, 10.0, a, eps, 0.0)
    assert out.ai_share == a
    labor = r * TAU / power_mean_cost(s, a, eps)
    expected = math.exp(math.log(a) / (eps - 1)) * labor  # (a^(1−ρ) L^ρ)^(1/ρ)
    assert out.research_rate == pytest.approx(expected, rel=1e-12, abs=1e-300)


EDGE_EPS = [1e-6, 1e-3, 0.5, 1 - 1e-5, 1 - 1e-9, 1.0, 1 + 1e-9, 1 + 1e-5, 2.0, 1e3]


def test_edge_cases_are_finite_or_missing_where_the_spec_says() -> None:
    grid = np.array(
        [
            (r, spread, a, eps, h)
            for r in (0.0, 1e-12, 1.0, 2e5)
            for spread in (1.0, 10.0)
            for a in (0.0, 1e-300, 0.3, 1 - 1e-12, 1.0)
            for eps in EDGE_EPS
            for h in (0.0, 1e-9, 1.0, 1e6)
        ]
    ).T
    r, spread, a, eps, h = grid
    out = tasks.tasks_outputs(r, TAU, spread, a, eps, h)
    # at least the humans alone (to the 1e-12 of the log-space arithmetic)
    assert np.all(np.isfinite(out.research_rate) & (out.research_rate >= h * (1 - 1e-12)))
    assert np.all((out.ai_share >= 0) & (out.ai_share <= a))
    assert_array_equal(np.isnan(out.effective_cost), out.ai_share == 0)
    assert_array_equal(out.ai_share == 0, (a == 0) | (r == 0))
    assert_array_equal(np.isnan(out.speedup), h == 0)
    assert_array_equal(np.isnan(out.realized_share), r == 0)
    assert np.all(np.isfinite(out.effective_cost[out.ai_share > 0]))
    bottleneck = (h == 0) & (eps <= 1) & (a < 1) & (a > 0) & (r > 0)
    assert_array_equal(out.research_rate[bottleneck], 0.0)
    assert np.all(out.research_rate[(h == 0) & (a == 1) & (r > 0)] > 0)


@pytest.mark.parametrize("spread", [1.0, 10.0, 1000.0])
def test_results_are_continuous_across_eps_one(spread: float) -> None:
    r, human = np.array([0.3, 3.0, 3e3]), 1.0
    a = np.array([[0.4], [1.0]])
    at_one = tasks.tasks_outputs(r, TAU, spread, a, 1.0, human)
    for d in (1e-9, 1e-5):
        for eps in (1 - d, 1 + d):
            out = tasks.tasks_outputs(r, TAU, spread, a, eps, human)
            assert_allclose(out.research_rate, at_one.research_rate, rtol=100 * d)
            assert_allclose(out.ai_share, at_one.ai_share, rtol=100 * d)
            assert_allclose(out.effective_cost, at_one.effective_cost, rtol=100 * d)


def test_beyond_the_float_range_is_infinite_not_missing() -> None:
    # ε ≫ 1 with widely spread costs: the AI's tokens go to vanishingly cheap tasks and the
    # rate exceeds any float (the AI alone on every task: r·e^(s²(ε − 1)/2) ≈ e^991 here)
    out = tasks.tasks_outputs(2e5, TAU, 100.0, 0.5, 1e3, np.array([0.0, 1.0]))
    assert_array_equal(out.research_rate, np.inf)
    assert_array_equal(out.realized_share, np.inf)
    assert out.effective_cost[0] == 0.0


def test_inputs_outside_their_domain_are_missing() -> None:
    share, y = tasks.optimal_allocation(
        np.array([-1.0, 1.0, 1.0, 1.0, 1.0, np.nan]),
        np.array([0.5, -0.5, 0.5, 0.5, 0.5, 0.5]),
        np.array([0.5, 0.5, 1.5, 0.5, 0.5, 0.5]),
        np.array([0.5, 0.5, 0.5, -1.0, 0.5, 0.5]),
        np.array([1.0, 1.0, 1.0, 1.0, -1.0, 1.0]),
    )
    assert np.all(np.isnan(share)) and np.all(np.isnan(y))


def test_outputs_broadcast() -> None:
    r = np.array([[1.0], [10.0], [100.0]])
    eps = np.array([0.5, 1.0, 2.0, 4.0])
    out = tasks.tasks_outputs(r, TAU, 10.0, 0.8, eps, 1.0)
    for field in (out.research_rate, out.speedup, out.effective_cost, out.ai_share):
        assert field.shape == (3, 4)
    one = tasks.tasks_outputs(10.0, TAU, 10.0, 0.8, 2.0, 1.0)
    assert one.research_rate.shape == ()
    assert one.research_rate == out.research_rate[1, 2]
