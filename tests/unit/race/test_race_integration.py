"""The race with mechanisms together (SPEC §6): research against adaptive quadrature of the
rate written by hand, and the time to the required research.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from race_cases import (
    HOUR,
    STEPS,
    M,
    assert_close,
    essay_static,
    growth_integral,
    review_cap_rs,
    run_race,
    scenario_with,
)
from scipy import integrate, optimize

from alignment_runway import api
from alignment_runway.results import RaceResult
from alignment_runway.units import RESEARCHER_MONTH_RS, RESEARCHER_YEAR_RS

# --------------------------------------------------------------------------- mechanisms together


def _hand_rate(
    labor: float,
    speed: float,
    *,
    doubling: float,
    cap: float,
    returns: float,
    team: float,
    safe: float = 1.0,
    review: float = math.inf,
    interval: float | None = None,
    latency: float = 0.0,
) -> tuple[Callable[[float], float], list[float]]:
    """The research rate by hand (canonical units), and the times of its kinks."""
    factor = 1.0 if interval is None else interval / (interval + latency * speed)
    w = speed * factor
    a0 = safe * labor * factor
    knee = w * team
    g = math.log(2) / doubling

    def rate(t: float) -> float:
        y = min(a0 * min(math.exp(g * t), cap), review)
        return y if y <= knee else knee * (y / knee) ** returns

    kinks = [math.log(cap) / g]
    for level in (knee, review):
        if a0 < level < math.inf:
            kinks.append(math.log(level / a0) / g)
    return rate, sorted(kinks)


def _quad(rate: Callable[[float], float], end: float, kinks: Sequence[float]) -> float:
    points = [k for k in kinks if 0 < k < end]
    value, _ = integrate.quad(
        rate, 0.0, end, points=points or None, epsabs=0.0, epsrel=1e-13, limit=500
    )
    return float(value)


#: Mixed scenarios: settings, then the hand rate's parameters (months for times).
MIXED = [
    (
        [
            "race.efficiency_doubling_time=2 months",
            "race.efficiency_cap=10",
            "race.parallel_returns=0.6",
            "race.reference_team=100000",
        ],
        {"doubling": 2.0, "cap": 10.0, "returns": 0.6, "team": 1e5},
    ),
    (
        [
            "race.efficiency_doubling_time=1.3 months",
            "race.efficiency_cap=300",
            "race.parallel_returns=0.25",
            "race.reference_team=600",
        ],
        {"doubling": 1.3, "cap": 300.0, "returns": 0.25, "team": 600.0},
    ),
    (
        [
            "race.efficiency_doubling_time=2.5 months",
            "race.efficiency_cap=50",
            "race.parallel_returns=0.5",
            "race.reference_team=200000",
            "race.safe_share=0.4",
            "race.checkpoint_interval=10 researcher_hour",
            "race.checkpoint_latency=3 hour",
            "race.supervisors=3000",
            "race.review_capacity=30 researcher_month/month",
            "race.review_share=0.05",
        ],
        {
            "doubling": 2.5,
            "cap": 50.0,
            "returns": 0.5,
            "team": 2e5,
            "safe": 0.4,
            "review": 3000 * 30 * RESEARCHER_MONTH_RS / M / 0.05,
            "interval": 10 * HOUR,
            "latency": 3 * HOUR,
        },
    ),
]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(("settings", "params"), MIXED, ids=["knee-in-growth", "above-knee", "all"])
def test_growth_returns_and_cap_against_quadrature(
    settings: list[str], params: dict[str, float], step: str
) -> None:
    labor, speed, _ = essay_static()
    rate, kinks = _hand_rate(labor, speed, **{**params, "doubling": params["doubling"] * M})
    lead = 17.3
    result = run_race(f"race.lead={lead} months", *settings, step=step)
    # the kinks fall inside the window, so every piece of the rate is exercised
    assert all(0 < k < lead * M for k in kinks)
    assert_close(result.value("race.initial_rate"), rate(0.0))
    assert_close(result.value("race.research"), _quad(rate, lead * M, kinks))
    for k, month in enumerate(result.month):
        end = min(month, lead) * M
        assert_close(result.trajectories[0, k], _quad(rate, end, kinks) if end else 0.0)


@pytest.mark.parametrize("step", STEPS)
def test_smoothed_review_with_growth_against_quadrature(step: str) -> None:
    labor, speed, _ = essay_static()
    kappa, cap_review, team, returns = 3.0, review_cap_rs(3000, 30.0, 0.05), 2e5, 0.5
    g = math.log(2) / (2 * M)
    knee = speed * team

    def rate(t: float) -> float:
        a = labor * min(math.exp(g * t), 40.0)
        y = a * (1 + (a / cap_review) ** kappa) ** (-1 / kappa)
        return float(y if y <= knee else knee * (y / knee) ** returns)

    result = run_race(
        "race.lead=14.2 months",
        "race.efficiency_doubling_time=2 months",
        "race.efficiency_cap=40",
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        "race.review_share=0.05",
        f"race.review_smoothness={kappa}",
        f"race.parallel_returns={returns}",
        f"race.reference_team={team}",
        step=step,
    )
    kinks = [math.log(40.0) / g]
    assert_close(result.value("race.research"), _quad(rate, 14.2 * M, kinks))


@pytest.mark.parametrize(
    ("kappa", "doubling_months", "step"),
    [(50.0, 0.3, "month"), (20.0, 1.0, "month"), (4.0, 0.3, "month"), (200.0, 2.0, "week")],
)
def test_a_sharply_bending_smoothed_cap_is_integrated_to_rounding(
    kappa: float, doubling_months: float, step: str
) -> None:
    labor, _, _ = essay_static()
    cap = review_cap_rs(1000, 500.0, 0.5)
    growth = math.log(2) / (doubling_months * M)
    result = run_race(
        f"race.review_smoothness={kappa}",
        f"race.efficiency_doubling_time={doubling_months} months",
        "race.efficiency_cap=1000",
        "race.review_share=0.5",
        "race.supervisors=1000",
        "race.review_capacity=500 researcher_month/month",
        "race.lead=6 months",
        step=step,
    )

    def rate(t: float) -> float:
        a = labor * min(math.exp(growth * t), 1000.0)
        lo, hi = min(a, cap), max(a, cap)
        return float(lo * (1 + (lo / hi) ** kappa) ** (-1 / kappa))

    bends = [math.log(cap / labor) / growth, math.log(1000.0) / growth]
    exact = integrate.quad(
        rate,
        0,
        6 * M,
        points=[b for b in bends if 0 < b < 6 * M],
        limit=1000,
        epsabs=0,
        epsrel=1e-13,
    )[0]
    assert_close(result.value("race.research"), exact, rel=1e-11)


# --------------------------------------------------------------------------- required research


def _with_requirement(
    required_rs: float, *settings: str, step: str = "month"
) -> tuple[RaceResult, float]:
    """A race requiring ``required_rs`` researcher-seconds (set in researcher-years), and the
    requirement as the scenario holds it."""
    setting = f"race.required_research={required_rs / RESEARCHER_YEAR_RS!r} researcher_year"
    scenario = scenario_with(*settings, setting)
    result = api.race(scenario, step=step)
    return result, scenario.scalar("race.required_research")


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [0.3, 2.5, 5.999])
def test_requirement_with_a_constant_rate(months: float, step: str) -> None:
    labor, _, _ = essay_static()
    result, w = _with_requirement(labor * months * M, "race.lead=6 months", step=step)
    assert_close(w, labor * months * M)
    assert result.has_requirement
    assert result.value("race.success") == 1.0
    assert_close(result.value("race.time_to_requirement"), w / labor)
    # the window is not shortened by success
    assert_close(result.value("race.window"), 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [1.7, 4.0, 9.2])  # before the cap (6 months), then after
def test_requirement_with_growth_inverts_the_integral(months: float, step: str) -> None:
    labor, _, _ = essay_static()
    doubling, cap = 2 * M, 8.0
    required = growth_integral(labor, months * M, doubling, cap)
    result, w = _with_requirement(
        required,
        "race.lead=10.5 months",
        "race.efficiency_doubling_time=2 months",
        "race.efficiency_cap=8",
        step=step,
    )
    assert result.value("race.success") == 1.0
    t = result.value("race.time_to_requirement")
    assert_close(t, months * M)
    assert_close(growth_integral(labor, t, doubling, cap), w)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_with_returns_inverts_the_quadrature(step: str) -> None:
    labor, speed, _ = essay_static()
    settings, params = MIXED[0]
    rate, kinks = _hand_rate(labor, speed, **{**params, "doubling": params["doubling"] * M})
    required = _quad(rate, 4.4 * M, kinks)
    result, _ = _with_requirement(required, "race.lead=17.3 months", *settings, step=step)
    assert_close(result.value("race.time_to_requirement"), 4.4 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("kappa", [1.0, 4.0])
def test_requirement_under_smoothed_review(kappa: float, step: str) -> None:
    labor, _, _ = essay_static()
    cap = review_cap_rs(3000, 30.0, 0.15)
    rate = (labor**-kappa + cap**-kappa) ** (-1 / kappa)
    review = (
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        "race.review_share=0.15",
        f"race.review_smoothness={kappa}",
    )
    result, w = _with_requirement(rate * 3.3 * M, "race.lead=6 months", *review, step=step)
    assert result.value("race.success") == 1.0
    assert_close(result.value("race.time_to_requirement"), w / rate)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_under_smoothed_review_with_growth(step: str) -> None:
    labor, _, _ = essay_static()
    kappa, cap_review = 2.0, review_cap_rs(3000, 30.0, 0.05)
    g = math.log(2) / (1.5 * M)

    def rate(t: float) -> float:
        a = labor * min(math.exp(g * t), 20.0)
        return float(a * (1 + (a / cap_review) ** kappa) ** (-1 / kappa))

    kinks = [math.log(20.0) / g]
    target_t = 7.7 * M
    required = _quad(rate, target_t, kinks)
    result, w = _with_requirement(
        required,
        "race.lead=12 months",
        "race.efficiency_doubling_time=1.5 months",
        "race.efficiency_cap=20",
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        "race.review_share=0.05",
        f"race.review_smoothness={kappa}",
        step=step,
    )
    t = result.value("race.time_to_requirement")
    assert_close(t, target_t)
    root = optimize.brentq(lambda s: _quad(rate, s, kinks) - w, 6 * M, 9 * M, xtol=1e-6)
    assert_close(t, root)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_not_reached(step: str) -> None:
    labor, _, _ = essay_static()
    result, _ = _with_requirement(labor * 6.01 * M, "race.lead=6 months", step=step)
    assert result.value("race.success") == 0.0
    assert result.value("race.time_to_requirement") == math.inf
    assert result.success().value == 0.0


def test_requirement_not_reached_under_smoothed_review() -> None:
    labor, _, _ = essay_static()
    result, _ = _with_requirement(
        labor * 6 * M,
        "race.lead=6 months",
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        "race.review_share=0.15",
        "race.review_smoothness=2",
    )
    assert result.value("race.success") == 0.0
    assert result.value("race.time_to_requirement") == math.inf


def test_requirement_cut_by_the_horizon_is_not_reached() -> None:
    labor, _, _ = essay_static()
    scenario = scenario_with(
        "race.lead=10 months",
        f"race.required_research={labor * 8 * M / RESEARCHER_YEAR_RS!r} researcher_year",
    )
    result = api.race(scenario, months=6)
    assert result.value("race.success") == 0.0
    assert result.value("race.time_to_requirement") == math.inf
    assert api.race(scenario, months=9).value("race.success") == 1.0


def test_success_probability_is_the_mean_of_success() -> None:
    result = api.race(scenario_with(preset="race"), 5000, 3, keep_trajectories=10)
    success = result.values["race.success"]
    assert set(np.unique(success)) <= {0.0, 1.0}
    estimate = result.success()
    assert estimate.value == pytest.approx(float(np.mean(success)), rel=1e-15)
    p = estimate.value
    assert estimate.se == pytest.approx(math.sqrt(p * (1 - p) / success.size))
    # success exactly where research reaches the requirement, and only then a finite time
    reached = result.values["race.research"] >= result.values["race.required_research"]
    np.testing.assert_array_equal(success == 1.0, reached)
    times = result.values["race.time_to_requirement"]
    np.testing.assert_array_equal(np.isfinite(times), reached)
    assert np.all(times[reached] <= result.values["race.window"][reached])


def test_the_race_computes_only_the_static_outputs_it_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The race needs L, the serial speed and research per month, never D or K·T."""
    from alignment_runway.model import compute

    def refuse(*args: object) -> None:
        raise AssertionError("a static output the race does not use was computed")

    scenario = api.load_scenario(preset="race")
    full = api.race(scenario, 3000, keep_trajectories=10)
    monkeypatch.setattr(compute, "training_tokens", refuse)
    monkeypatch.setattr(compute, "raw_training_flop", refuse)
    lazy = api.race(scenario, 3000, keep_trajectories=10)
    assert set(lazy.values) == set(full.values)
    for name, values in full.values.items():
        assert np.array_equal(lazy.values[name], values, equal_nan=True), name
    assert np.array_equal(lazy.trajectories, full.trajectories)
