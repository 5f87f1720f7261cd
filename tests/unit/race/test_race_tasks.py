"""The race with tasks automated one at a time (SPEC §6, §7): research is ``∫ Y(t) dt``.

The integrand is written here from the race's rate by hand (``r_AI(t)``) and the automated
share ``a(t) = 1 − (1 − a_0)·e^(−g_a t)``, with ``Y`` from ``model.tasks`` (tested against
closed forms on its own); the race must agree with scipy's adaptive quadrature to 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from race_cases import STEPS, M, assert_close, essay_static, run_race
from scipy import integrate, optimize

from alignment_runway import api
from alignment_runway.model import tasks
from alignment_runway.units import CALENDAR_YEAR_S, RESEARCHER_YEAR_RS

Rate = Callable[[float], float]


def _ai_rate(doubling: float, cap: float, returns: float, team: float) -> tuple[Rate, list[float]]:
    """The race's rate ``r(t)`` by hand (the essay's labor, no checkpoints), and its kinks."""
    labor, speed, _ = essay_static()
    knee = speed * team
    g = math.log(2) / (doubling * M) if doubling else 0.0

    def rate(t: float) -> float:
        y = labor * min(math.exp(g * t), cap)
        return y if y <= knee else knee * (y / knee) ** returns

    kinks = [math.log(cap) / g] if g else []
    if g and labor < knee:
        kinks.append(math.log(knee / labor) / g)
    return rate, sorted(kinks)


def _task_rate(
    ai: Rate, *, share: float, spread: float, epsilon: float, humans: float, rate_month: float
) -> Callable[[float], float]:
    s = math.log(spread) / (2 * 1.6448536269514722)
    h = humans * RESEARCHER_YEAR_RS / CALENDAR_YEAR_S
    g_a = rate_month / M

    def y(t: float) -> float:
        a = 1 - (1 - share) * math.exp(-g_a * t)
        _, out = tasks.optimal_allocation(ai(t), s, a, epsilon, h)
        return float(out)

    return y


def _quad(rate: Rate, end: float, kinks: list[float]) -> float:
    points = [k for k in kinks if 0 < k < end]
    value, _ = integrate.quad(
        rate, 0.0, end, points=points or None, epsabs=0.0, epsrel=1e-12, limit=500
    )
    return float(value)


#: (task settings, their values for the hand rate)
CASES = {
    "complements": (
        {"share": 0.3, "spread": 100.0, "epsilon": 0.5, "humans": 600.0, "rate_month": 0.1}
    ),
    "cobb-douglas": (
        {"share": 0.5, "spread": 30.0, "epsilon": 1.0, "humans": 2e5, "rate_month": 0.05}
    ),
    "interior-share": (
        {"share": 0.6, "spread": 1000.0, "epsilon": 0.7, "humans": 3e6, "rate_month": 0.2}
    ),
    "substitutes": (
        {"share": 0.2, "spread": 10.0, "epsilon": 1.6, "humans": 1e4, "rate_month": 0.02}
    ),
}


def _settings(p: dict[str, float]) -> list[str]:
    return [
        f"tasks.automated_share={p['share']}",
        f"tasks.cost_spread={p['spread']}",
        f"tasks.substitution={p['epsilon']}",
        f"tasks.human_researchers={p['humans']}",
        f"tasks.automation_rate={p['rate_month']} / month",
    ]


GROWTH = [
    "race.efficiency_doubling_time=2 months",
    "race.efficiency_cap=10",
    "race.parallel_returns=0.6",
    "race.reference_team=100000",
]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("case", list(CASES))
def test_research_is_the_integral_of_y_against_quadrature(case: str, step: str) -> None:
    p = CASES[case]
    ai, kinks = _ai_rate(2.0, 10.0, 0.6, 1e5)
    y = _task_rate(ai, **p)
    lead = 17.3
    result = run_race(f"race.lead={lead} months", *GROWTH, *_settings(p), step=step)
    assert all(0 < k < lead * M for k in kinks)
    assert_close(result.value("race.initial_rate"), y(0.0))
    total = _quad(y, lead * M, kinks)
    assert_close(result.value("race.research"), total)
    for k, month in enumerate(result.month):
        end = min(month, lead) * M
        assert_close(result.trajectories[0, k], _quad(y, end, kinks) if end else 0.0)
    # the efficiency gain: the same window without growth (m = 1, r_AI constant)
    still = _task_rate(lambda _t: ai(0.0), **p)
    assert_close(result.value("race.efficiency_gain"), total / _quad(still, lead * M, []))


def test_the_interior_case_exercises_the_solve() -> None:
    p = CASES["interior-share"]
    ai, _ = _ai_rate(2.0, 10.0, 0.6, 1e5)
    s = math.log(p["spread"]) / (2 * 1.6448536269514722)
    h = p["humans"] * RESEARCHER_YEAR_RS / CALENDAR_YEAR_S
    for month in (0.0, 8.0, 17.0):
        a = 1 - (1 - p["share"]) * math.exp(-p["rate_month"] * month)
        share, _ = tasks.optimal_allocation(ai(month * M), s, a, p["epsilon"], h)
        assert 0 < float(share) < a  # humans keep some automatable tasks


@pytest.mark.parametrize("step", STEPS)
def test_time_to_requirement_against_quadrature(step: str) -> None:
    p = CASES["complements"]
    ai, kinks = _ai_rate(2.0, 10.0, 0.6, 1e5)
    y = _task_rate(ai, **p)
    lead = 17.3
    total = _quad(y, lead * M, kinks)
    need = 0.37 * total
    result = run_race(
        f"race.lead={lead} months",
        *GROWTH,
        *_settings(p),
        f"race.required_research={need / RESEARCHER_YEAR_RS} researcher_year",
        step=step,
    )
    expected = optimize.brentq(
        lambda t: _quad(y, t, kinks) - need, 1.0, lead * M, xtol=1e-6, rtol=1e-14
    )
    assert_close(result.value("race.time_to_requirement"), expected)
    assert result.value("race.success") == 1.0


def test_efficiency_gain_without_tasks_is_research_over_the_initial_rate() -> None:
    ai, kinks = _ai_rate(2.0, 10.0, 0.6, 1e5)
    lead = 17.3
    result = run_race(f"race.lead={lead} months", *GROWTH)
    assert_close(
        result.value("race.efficiency_gain"), _quad(ai, lead * M, kinks) / (ai(0) * lead * M)
    )


def test_efficiency_gain_is_one_without_growth_and_missing_for_an_empty_window() -> None:
    assert run_race().value("race.efficiency_gain") == 1.0
    assert run_race(*_settings(CASES["complements"])).value("race.efficiency_gain") == 1.0
    empty = run_race("race.lead=0 months", *GROWTH).values["race.efficiency_gain"]
    assert np.isnan(empty).all()


def test_tasks_on_without_growth_or_automation_is_y_times_the_window() -> None:
    p = dict(CASES["cobb-douglas"], rate_month=0.0)
    ai, _ = _ai_rate(0.0, 1.0, 1.0, 600.0)
    y = _task_rate(ai, **p)
    result = run_race("race.lead=7 months", *_settings(p))
    assert_close(result.value("race.research"), y(0.0) * 7 * M)


def test_tasks_race_is_bit_identical_whatever_the_chunk_size() -> None:
    scenario = api.load_scenario(preset="tasks")
    runs = [
        api.race(scenario, 300, 5, months=24, chunk_size=size, keep_trajectories=20)
        for size in (7, 4096)
    ]
    assert set(runs[0].values) == set(runs[1].values)
    for name, values in runs[0].values.items():
        assert np.array_equal(values, runs[1].values[name], equal_nan=True), name
    assert np.array_equal(runs[0].trajectories, runs[1].trajectories)
