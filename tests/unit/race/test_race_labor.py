"""The race's research rate (SPEC §6), each mechanism alone on the essay: review (hard and
smoothed), checkpoints, the safe share, efficiency growth and diminishing returns; and the
rate's pure functions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from race_cases import (
    ESSAY_TEAM,
    HOUR,
    STEPS,
    M,
    assert_close,
    essay_static,
    growth_integral,
    review_cap_rs,
    run_race,
)

from alignment_runway.model import race as race_model

# --------------------------------------------------------------------------- the rate


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("n_sup", "q", "share"),
    [(300, 10.0, 0.1), (3000, 30.0, 0.001), (50, 2.0, 1.0)],
    ids=["binding", "not-binding", "all-reviewed"],
)
def test_supervision_alone_hard_cap(n_sup: float, q: float, share: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        f"race.supervisors={n_sup}",
        f"race.review_capacity={q} researcher_month/month",
        f"race.review_share={share}",
        step=step,
    )
    cap = review_cap_rs(n_sup, q, share)
    assert_close(result.value("race.initial_rate"), min(labor, cap))
    assert_close(result.value("race.research"), min(labor, cap) * 6 * M)


def test_supervision_caps_are_on_both_sides_of_the_labor() -> None:
    labor, _, _ = essay_static()
    assert review_cap_rs(300, 10.0, 0.1) < labor < review_cap_rs(3000, 30.0, 0.001)


def test_review_share_zero_with_supervisors_is_no_cap() -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        "race.supervisors=1",
        "race.review_capacity=0.001 researcher_month/month",
        "race.review_share=0",
    )
    assert_close(result.value("race.research"), labor * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("kappa", [0.5, 1.0, 4.0, 30.0])
@pytest.mark.parametrize("share", [0.15, 0.02])
def test_supervision_alone_smoothed(kappa: float, share: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        f"race.review_share={share}",
        f"race.review_smoothness={kappa}",
        step=step,
    )
    cap = review_cap_rs(3000, 30.0, share)
    rate = (labor**-kappa + cap**-kappa) ** (-1 / kappa)
    assert_close(result.value("race.initial_rate"), rate)
    assert_close(result.value("race.research"), rate * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("interval_h", "latency_h"), [(40.0, 4.0), (1.0, 48.0), (1000.0, 0.5), (40.0, 0.0)]
)
def test_checkpoints_alone(interval_h: float, latency_h: float, step: str) -> None:
    labor, speed, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        f"race.checkpoint_interval={interval_h} researcher_hour",
        f"race.checkpoint_latency={latency_h} hour",
        step=step,
    )
    interval, latency = interval_h * HOUR, latency_h * HOUR
    w = interval / (interval / speed + latency)
    assert_close(result.value("race.serial_speed"), w)
    # every AI researcher slows by w/(v/σ), and so does the labor
    assert_close(result.value("race.initial_rate"), labor * w / speed)
    assert_close(result.value("race.research"), labor * (w / speed) * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("share", [0.0, 0.33, 1.0])
def test_safe_share_alone(share: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=6 months", f"race.safe_share={share}", step=step)
    assert_close(result.value("race.research"), share * labor * 6 * M)


def test_growth_integral_by_hand() -> None:
    # 2 doublings in 2·T_d, then flat at 4: (T_d/ln 2)·3 + 4·(t − 2 T_d)
    assert growth_integral(1.0, 5.0, 1.0, 4.0) == pytest.approx(3 / math.log(2) + 12)
    assert growth_integral(1.0, 1.0, 1.0, 4.0) == pytest.approx(1 / math.log(2))


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("lead", "doubling", "cap"),
    [
        (10.5, 2.0, 8.0),  # the cap is reached at 6 months, inside the window
        (4.5, 2.0, 8.0),  # the window ends before the cap
        (7.3, 1.7, 5.0),  # nothing on a month boundary
        (6.0, 2.0, 8.0),  # the cap is reached exactly at the window's end
        (13.25, 0.9, 1000.0),  # fast growth to a far cap
        (5.0, 3.0, 1.0),  # a cap of 1: no growth at all
    ],
)
def test_efficiency_growth_alone(lead: float, doubling: float, cap: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        f"race.lead={lead} months",
        f"race.efficiency_doubling_time={doubling} months",
        f"race.efficiency_cap={cap}",
        step=step,
    )
    expected = growth_integral(labor, lead * M, doubling * M, cap)
    assert_close(result.value("race.research"), expected)
    assert_close(result.value("race.initial_rate"), labor)
    # research by month follows the same integral
    for k, month in enumerate(result.month):
        assert_close(
            result.trajectories[0, k],
            growth_integral(labor, min(month, lead) * M, doubling * M, cap),
        )


@pytest.mark.parametrize("step", STEPS)
def test_parallel_returns_below_the_reference_team(step: str) -> None:
    labor, speed, _ = essay_static()
    assert labor / speed < 1e6
    result = run_race(
        "race.lead=6.5 months",
        "race.parallel_returns=0.3",
        "race.reference_team=1000000",
        step=step,
    )
    assert_close(result.value("race.research"), labor * 6.5 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("returns", [0.0, 0.3, 0.5, 0.99])
def test_parallel_returns_above_the_reference_team(returns: float, step: str) -> None:
    labor, speed, _ = essay_static()
    n_eff = labor / speed
    assert n_eff > ESSAY_TEAM
    result = run_race("race.lead=6.5 months", f"race.parallel_returns={returns}", step=step)
    rate = speed * ESSAY_TEAM * (n_eff / ESSAY_TEAM) ** returns
    assert_close(result.value("race.initial_rate"), rate)
    assert_close(result.value("race.research"), rate * 6.5 * M)


# --------------------------------------------------------------------------- the pure functions


def test_pure_functions() -> None:
    one = np.ones(1)
    np.testing.assert_array_equal(race_model.lead_at_pause(6 * one, 0.5 * one, 20 * one), 0.0)
    assert race_model.theft_time(0.5 * one, 0 * one)[0] == math.inf
    assert_close(race_model.theft_time(0.5 * one, 0.1 * one)[0], math.log(2) / 0.1)
    np.testing.assert_array_equal(race_model.catch_up_window(6 * one, 2 * one, 0 * one), 3.0)
    np.testing.assert_array_equal(race_model.checkpoint_factor(5 * one, None, 3 * one), 1.0)
    np.testing.assert_array_equal(race_model.labor_multiplier(1e9 * one, 0 * one, 10 * one), 1.0)
    growth = race_model.efficiency_growth_per_s(1 * one)
    assert_close(growth[0], math.log(2))
    np.testing.assert_allclose(race_model.labor_multiplier(3 * one, growth, 4 * one), 4.0)
    assert race_model.review_cap(None, None, 0.5 * one)[0] == math.inf
    assert race_model.review_cap(10 * one, 2 * one, 0 * one)[0] == math.inf
    assert_close(race_model.review_cap(10 * one, 2 * one, 0.5 * one)[0], 40.0)
    assert_close(race_model.usable_labor(8 * one, 6 * one, 1 * one)[0], 1 / (1 / 8 + 1 / 6))
    assert_close(race_model.usable_labor(3 * one, np.inf * one, 4 * one)[0], 3.0)
    assert race_model.usable_labor(0 * one, 2 * one, 4 * one)[0] == 0.0
    # λ = 0: the rate stops at the knee
    assert_close(race_model.research_rate(1e6 * one, 2 * one, 10 * one, 0 * one)[0], 20.0)
    assert race_model.research_rate(0 * one, 2 * one, 10 * one, 0.5 * one)[0] == 0.0


def test_labor_multiplier_doubles_every_doubling_time_up_to_its_cap() -> None:
    doubling = 2.5 * M
    t = np.array([0.0, 0.5, 1.0, 3.0, 6.0, 9.0, 9.9]) * doubling
    growth = race_model.efficiency_growth_per_s(np.full(t.size, doubling))
    m = race_model.labor_multiplier(t, growth, np.full(t.size, 600.0))
    np.testing.assert_allclose(m, np.minimum(2.0 ** (t / doubling), 600.0), rtol=1e-14, atol=0)
    assert m[0] == 1.0 and m[-1] == 600.0


def test_the_smoothed_cap_cannot_overflow() -> None:
    one = np.ones(1)
    # (A/cap)^κ = (5e299)^4 overflows; the usable labor is then the cap, 2
    assert_close(race_model.usable_labor(1e300 * one, 2 * one, 4 * one)[0], 2.0)


def test_a_sharp_smoothed_cap_is_the_hard_cap() -> None:
    # L/cap ≈ 6543 and κ = 100: (L/cap)^κ ≈ 1e381 overflows; the rate should be ≈ cap
    cap = review_cap_rs(1, 1.0, 0.01)
    result = run_race(
        "race.supervisors=1",
        "race.review_capacity=1 researcher_month/month",
        "race.review_share=0.01",
        "race.review_smoothness=100",
    )
    assert_close(result.value("race.initial_rate"), cap, rel=1e-12)
    assert_close(result.value("race.research"), cap * M, rel=1e-12)
