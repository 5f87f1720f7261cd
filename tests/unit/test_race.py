"""Stage C, the race, against the closed forms of SPEC §6: each mechanism alone on the essay.

The ``essay`` preset leaves every race mechanism at its neutral value, so each test below turns
one mechanism on with ``--set``-style settings and compares ``api.race`` with the mechanism's
closed form, written here by hand from the static labor ``L`` (researcher-seconds per second)
and serial speed ``v/σ``. Canonical units throughout: seconds, researcher-seconds, rates per
second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import integrate, optimize

from alignment_runway import api
from alignment_runway.errors import ScenarioError
from alignment_runway.model import race as race_model
from alignment_runway.results import RaceResult
from alignment_runway.sampling import BLOCK_SIZE
from alignment_runway.scenarios import Scenario
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_MONTH_RS, RESEARCHER_YEAR_RS

Array = NDArray[np.float64]

#: Relative tolerance of the closed forms (SPEC §6).
REL = 1e-9
M = CALENDAR_MONTH_S
WEEK = 7 * 24 * 3600.0
HOUR = 3600.0
STEPS = ("month", "week")
#: The essay preset's reference team (race.reference_team).
ESSAY_TEAM = 600.0


@cache
def _static() -> tuple[float, float, float]:
    """The essay's static labor ``L``, serial speed ``v/σ`` and research per month."""
    result = api.run(api.load_scenario(preset="essay"))
    return (
        result.value("static.labor"),
        result.value("static.serial_speedup"),
        result.value("static.research_per_month"),
    )


def _scenario(*settings: str, preset: str = "essay") -> Scenario:
    return api.load_scenario(preset=preset, settings=list(settings))


def _race(
    *settings: str,
    samples: int | None = None,
    seed: int = 11,
    months: float = 60.0,
    step: str = "month",
    keep_trajectories: int = 1000,
) -> RaceResult:
    return api.race(
        _scenario(*settings),
        samples,
        seed,
        months=months,
        step=step,
        keep_trajectories=keep_trajectories,
    )


def _close(actual: float, expected: float, rel: float = REL) -> None:
    assert actual == pytest.approx(expected, rel=rel, abs=0.0)


# --------------------------------------------------------------------------- everything off


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("lead", [0.5, 1.0, 6.25, 37.0])
def test_everything_off_gives_lead_times_static_figure(lead: float, step: str) -> None:
    labor, _, per_month = _static()
    result = _race(f"race.lead={lead} months", step=step)
    research = result.value("race.research")
    # the static per-month figure is a rate (researcher-seconds per second): × one month each
    _close(research, lead * per_month * M)
    _close(research, lead * labor * M)
    _close(result.value("race.field_years"), research / (ESSAY_TEAM * RESEARCHER_YEAR_RS))
    _close(result.value("race.window"), lead * M)
    _close(result.value("race.lead_at_pause"), lead * M)
    assert result.value("race.end_reason") == race_model.CATCH_UP
    assert result.cut == 0
    assert result.samples == 1
    # no required research: no success to report
    assert not result.has_requirement
    assert "race.success" not in result.values
    assert "race.time_to_requirement" not in result.values
    with pytest.raises(ValueError, match="required_research"):
        result.success()


def test_everything_off_initial_rate_and_serial_speed_are_static() -> None:
    labor, speed, _ = _static()
    result = _race()
    _close(result.value("race.initial_rate"), labor)
    _close(result.value("race.serial_speed"), speed)
    # the essay's headline: one month of lead
    _close(result.value("race.research"), labor * M)


def test_field_years_use_the_reference_team() -> None:
    result = _race("race.lead=3 months", "race.reference_team=1500")
    _close(
        result.value("race.field_years"),
        result.value("race.research") / (1500 * RESEARCHER_YEAR_RS),
    )


# --------------------------------------------------------------------------- the window


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_catch_up_alone(c: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6 months", f"race.catch_up_speed={c}", step=step)
    _close(result.value("race.window"), 6 * M / c)
    _close(result.value("race.research"), labor * 6 * M / c)
    assert result.value("race.end_reason") == race_model.CATCH_UP


@pytest.mark.parametrize("step", STEPS)
def test_caution_alone_erodes_the_lead(step: str) -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months",
        "race.caution_period=5 months",
        "race.caution_erosion=0.3",
        step=step,
    )
    lead = 6 * M - 0.3 * 5 * M
    _close(result.value("race.lead_at_pause"), lead)
    _close(result.value("race.window"), lead)
    _close(result.value("race.research"), labor * lead)


def test_caution_with_catch_up_speed() -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months",
        "race.caution_period=4 months",
        "race.caution_erosion=0.5",
        "race.catch_up_speed=2",
    )
    _close(result.value("race.lead_at_pause"), 4 * M)
    _close(result.value("race.window"), 2 * M)
    _close(result.value("race.research"), labor * 2 * M)


@pytest.mark.parametrize("erosion", [1.5, 2.0])  # 6 − 1.5·4 = 0 exactly; 6 − 2·4 < 0
def test_a_lead_fully_eroded_buys_nothing(erosion: float) -> None:
    result = _race(
        "race.lead=6 months",
        "race.caution_period=4 months",
        f"race.caution_erosion={erosion}",
    )
    assert result.value("race.lead_at_pause") == 0.0
    assert result.value("race.window") == 0.0
    assert result.value("race.research") == 0.0
    assert result.value("race.field_years") == 0.0
    assert result.value("race.end_reason") == race_model.CATCH_UP
    assert np.all(result.trajectories == 0.0)


def test_caution_erosion_without_a_period_does_nothing() -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6 months", "race.caution_erosion=0.9")
    _close(result.value("race.research"), labor * 6 * M)


def test_zero_lead_buys_nothing() -> None:
    result = _race("race.lead=0 months")
    assert result.value("race.window") == 0.0
    assert result.value("race.research") == 0.0


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(("leak", "c"), [(0.2, 1.0), (0.2, 2.0), (0.05, 0.7), (1.5, 1.0)])
def test_leaks_alone(leak: float, c: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months", f"race.leak_rate={leak}/month", f"race.catch_up_speed={c}", step=step
    )
    # dX/dt = −c − ℓX from X = 6 months: the lead is gone after ln(1 + ℓX/c)/ℓ
    window = math.log(1 + leak * 6 / c) / leak * M
    _close(result.value("race.window"), window)
    _close(result.value("race.research"), labor * window)
    assert result.value("race.end_reason") == race_model.CATCH_UP


@pytest.mark.parametrize("c", [1.0, 2.5])
def test_a_tiny_leak_rate_gives_lead_over_catch_up(c: float) -> None:
    result = _race("race.lead=6 months", "race.leak_rate=1e-12/month", f"race.catch_up_speed={c}")
    _close(result.value("race.window"), 6 * M / c)


def test_leaks_need_catch_up_to_end_the_window() -> None:
    # ℓ ≪ c: the window is (X/c)(1 − x/2 + x²/3 − x³/4 + ...) with x = ℓX/c, just below X/c
    result = _race("race.lead=6 months", "race.leak_rate=1e-4/month")
    x = 1e-4 * 6
    _close(result.value("race.window"), 6 * M * (1 - x / 2 + x**2 / 3 - x**3 / 4), rel=1e-12)


def test_theft_alone_in_expectation() -> None:
    theta, lead, c = 0.1, 6.0, 1.5
    result = _race(
        f"race.lead={lead} months",
        f"race.theft_rate={theta}/month",
        f"race.catch_up_speed={c}",
        samples=200_000,
        keep_trajectories=0,
    )
    assert result.samples == 200_000
    assert "race.theft_draw" in result.values  # drawn uniformly, like any other input
    window = result.values["race.window"] / M
    se = float(np.std(window, ddof=1)) / math.sqrt(window.size)
    expected = (1 - math.exp(-theta * lead / c)) / theta
    assert abs(float(np.mean(window)) - expected) < 4 * se
    # the share ended by theft is P(T < X/c)
    reasons = result.end_reasons()
    p = 1 - math.exp(-theta * lead / c)
    assert abs(reasons["theft"].value - p) < 4 * reasons["theft"].se
    assert reasons["theft"].value + reasons["catch-up"].value == pytest.approx(1.0)
    assert reasons["horizon"].value == 0.0
    # a stolen window is shorter than the catch-up window; the others are the whole lead
    stolen = result.values["race.end_reason"] == race_model.THEFT
    assert np.all(window[stolen] < lead / c)
    np.testing.assert_allclose(window[~stolen], lead / c, rtol=REL)
    labor, _, _ = _static()
    np.testing.assert_allclose(
        result.values["race.research"], labor * result.values["race.window"], rtol=REL
    )


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("theta", "reason"), [(0.05, race_model.CATCH_UP), (0.2, race_model.THEFT)]
)
def test_a_fixed_theft_draw(theta: float, reason: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months", f"race.theft_rate={theta}/month", "race.theft_draw=0.5", step=step
    )
    assert result.samples == 1  # nothing is drawn
    window = min(6.0, math.log(2) / theta) * M
    _close(result.value("race.window"), window)
    _close(result.value("race.research"), labor * window)
    assert result.value("race.end_reason") == reason


def test_theft_draw_without_theft_rate_is_no_theft() -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6 months", "race.theft_draw=0.999")
    _close(result.value("race.window"), 6 * M)
    _close(result.value("race.research"), labor * 6 * M)
    assert result.value("race.end_reason") == race_model.CATCH_UP


# --------------------------------------------------------------------------- the rate


def _review(n_sup: float, q_month: float, share: float) -> float:
    """The review cap ``n_sup·q/φ`` in researcher-seconds per second (q in researcher-months
    per month)."""
    return n_sup * q_month * RESEARCHER_MONTH_RS / M / share


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("n_sup", "q", "share"),
    [(300, 10.0, 0.1), (3000, 30.0, 0.001), (50, 2.0, 1.0)],
    ids=["binding", "not-binding", "all-reviewed"],
)
def test_supervision_alone_hard_cap(n_sup: float, q: float, share: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months",
        f"race.supervisors={n_sup}",
        f"race.review_capacity={q} researcher_month/month",
        f"race.review_share={share}",
        step=step,
    )
    cap = _review(n_sup, q, share)
    _close(result.value("race.initial_rate"), min(labor, cap))
    _close(result.value("race.research"), min(labor, cap) * 6 * M)


def test_supervision_caps_are_on_both_sides_of_the_labor() -> None:
    labor, _, _ = _static()
    assert _review(300, 10.0, 0.1) < labor < _review(3000, 30.0, 0.001)


def test_review_share_zero_with_supervisors_is_no_cap() -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months",
        "race.supervisors=1",
        "race.review_capacity=0.001 researcher_month/month",
        "race.review_share=0",
    )
    _close(result.value("race.research"), labor * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("kappa", [0.5, 1.0, 4.0, 30.0])
@pytest.mark.parametrize("share", [0.15, 0.02])
def test_supervision_alone_smoothed(kappa: float, share: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race(
        "race.lead=6 months",
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        f"race.review_share={share}",
        f"race.review_smoothness={kappa}",
        step=step,
    )
    cap = _review(3000, 30.0, share)
    rate = (labor**-kappa + cap**-kappa) ** (-1 / kappa)
    _close(result.value("race.initial_rate"), rate)
    _close(result.value("race.research"), rate * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("interval_h", "latency_h"), [(40.0, 4.0), (1.0, 48.0), (1000.0, 0.5), (40.0, 0.0)]
)
def test_checkpoints_alone(interval_h: float, latency_h: float, step: str) -> None:
    labor, speed, _ = _static()
    result = _race(
        "race.lead=6 months",
        f"race.checkpoint_interval={interval_h} researcher_hour",
        f"race.checkpoint_latency={latency_h} hour",
        step=step,
    )
    interval, latency = interval_h * HOUR, latency_h * HOUR
    w = interval / (interval / speed + latency)
    _close(result.value("race.serial_speed"), w)
    # every AI researcher slows by w/(v/σ), and so does the labor
    _close(result.value("race.initial_rate"), labor * w / speed)
    _close(result.value("race.research"), labor * (w / speed) * 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("share", [0.0, 0.33, 1.0])
def test_safe_share_alone(share: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6 months", f"race.safe_share={share}", step=step)
    _close(result.value("race.research"), share * labor * 6 * M)


def _growth_integral(labor: float, t: float, doubling: float, cap: float) -> float:
    """``∫_0^t L·min(2^(s/T_d), m_max) ds``: the exponential piece, then the flat piece."""
    t_cap = doubling * math.log2(cap)
    if t <= t_cap:
        return labor * doubling / math.log(2) * (2 ** (t / doubling) - 1)
    return labor * doubling / math.log(2) * (cap - 1) + labor * cap * (t - t_cap)


def test_growth_integral_by_hand() -> None:
    # 2 doublings in 2·T_d, then flat at 4: (T_d/ln 2)·3 + 4·(t − 2 T_d)
    assert _growth_integral(1.0, 5.0, 1.0, 4.0) == pytest.approx(3 / math.log(2) + 12)
    assert _growth_integral(1.0, 1.0, 1.0, 4.0) == pytest.approx(1 / math.log(2))


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
    labor, _, _ = _static()
    result = _race(
        f"race.lead={lead} months",
        f"race.efficiency_doubling_time={doubling} months",
        f"race.efficiency_cap={cap}",
        step=step,
    )
    expected = _growth_integral(labor, lead * M, doubling * M, cap)
    _close(result.value("race.research"), expected)
    _close(result.value("race.initial_rate"), labor)
    # research by month follows the same integral
    for k, month in enumerate(result.month):
        _close(
            result.trajectories[0, k],
            _growth_integral(labor, min(month, lead) * M, doubling * M, cap),
        )


@pytest.mark.parametrize("step", STEPS)
def test_parallel_returns_below_the_reference_team(step: str) -> None:
    labor, speed, _ = _static()
    assert labor / speed < 1e6
    result = _race(
        "race.lead=6.5 months",
        "race.parallel_returns=0.3",
        "race.reference_team=1000000",
        step=step,
    )
    _close(result.value("race.research"), labor * 6.5 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("returns", [0.0, 0.3, 0.5, 0.99])
def test_parallel_returns_above_the_reference_team(returns: float, step: str) -> None:
    labor, speed, _ = _static()
    n_eff = labor / speed
    assert n_eff > ESSAY_TEAM
    result = _race("race.lead=6.5 months", f"race.parallel_returns={returns}", step=step)
    rate = speed * ESSAY_TEAM * (n_eff / ESSAY_TEAM) ** returns
    _close(result.value("race.initial_rate"), rate)
    _close(result.value("race.research"), rate * 6.5 * M)


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
    labor, speed, _ = _static()
    rate, kinks = _hand_rate(labor, speed, **{**params, "doubling": params["doubling"] * M})
    lead = 17.3
    result = _race(f"race.lead={lead} months", *settings, step=step)
    # the kinks fall inside the window, so every piece of the rate is exercised
    assert all(0 < k < lead * M for k in kinks)
    _close(result.value("race.initial_rate"), rate(0.0))
    _close(result.value("race.research"), _quad(rate, lead * M, kinks))
    for k, month in enumerate(result.month):
        end = min(month, lead) * M
        _close(result.trajectories[0, k], _quad(rate, end, kinks) if end else 0.0)


@pytest.mark.parametrize("step", STEPS)
def test_smoothed_review_with_growth_against_quadrature(step: str) -> None:
    labor, speed, _ = _static()
    kappa, cap_review, team, returns = 3.0, _review(3000, 30.0, 0.05), 2e5, 0.5
    g = math.log(2) / (2 * M)
    knee = speed * team

    def rate(t: float) -> float:
        a = labor * min(math.exp(g * t), 40.0)
        y = a * (1 + (a / cap_review) ** kappa) ** (-1 / kappa)
        return float(y if y <= knee else knee * (y / knee) ** returns)

    result = _race(
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
    _close(result.value("race.research"), _quad(rate, 14.2 * M, kinks))


# --------------------------------------------------------------------------- required research


def _with_requirement(
    required_rs: float, *settings: str, step: str = "month"
) -> tuple[RaceResult, float]:
    """A race requiring ``required_rs`` researcher-seconds (set in researcher-years), and the
    requirement as the scenario holds it."""
    setting = f"race.required_research={required_rs / RESEARCHER_YEAR_RS!r} researcher_year"
    scenario = _scenario(*settings, setting)
    result = api.race(scenario, step=step)
    return result, scenario.scalar("race.required_research")


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [0.3, 2.5, 5.999])
def test_requirement_with_a_constant_rate(months: float, step: str) -> None:
    labor, _, _ = _static()
    result, w = _with_requirement(labor * months * M, "race.lead=6 months", step=step)
    _close(w, labor * months * M)
    assert result.has_requirement
    assert result.value("race.success") == 1.0
    _close(result.value("race.time_to_requirement"), w / labor)
    # the window is not shortened by success
    _close(result.value("race.window"), 6 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [1.7, 4.0, 9.2])  # before the cap (6 months), then after
def test_requirement_with_growth_inverts_the_integral(months: float, step: str) -> None:
    labor, _, _ = _static()
    doubling, cap = 2 * M, 8.0
    required = _growth_integral(labor, months * M, doubling, cap)
    result, w = _with_requirement(
        required,
        "race.lead=10.5 months",
        "race.efficiency_doubling_time=2 months",
        "race.efficiency_cap=8",
        step=step,
    )
    assert result.value("race.success") == 1.0
    t = result.value("race.time_to_requirement")
    _close(t, months * M)
    _close(_growth_integral(labor, t, doubling, cap), w)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_with_returns_inverts_the_quadrature(step: str) -> None:
    labor, speed, _ = _static()
    settings, params = MIXED[0]
    rate, kinks = _hand_rate(labor, speed, **{**params, "doubling": params["doubling"] * M})
    required = _quad(rate, 4.4 * M, kinks)
    result, _ = _with_requirement(required, "race.lead=17.3 months", *settings, step=step)
    _close(result.value("race.time_to_requirement"), 4.4 * M)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("kappa", [1.0, 4.0])
def test_requirement_under_smoothed_review(kappa: float, step: str) -> None:
    labor, _, _ = _static()
    cap = _review(3000, 30.0, 0.15)
    rate = (labor**-kappa + cap**-kappa) ** (-1 / kappa)
    review = (
        "race.supervisors=3000",
        "race.review_capacity=30 researcher_month/month",
        "race.review_share=0.15",
        f"race.review_smoothness={kappa}",
    )
    result, w = _with_requirement(rate * 3.3 * M, "race.lead=6 months", *review, step=step)
    assert result.value("race.success") == 1.0
    _close(result.value("race.time_to_requirement"), w / rate)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_under_smoothed_review_with_growth(step: str) -> None:
    labor, _, _ = _static()
    kappa, cap_review = 2.0, _review(3000, 30.0, 0.05)
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
    _close(t, target_t)
    root = optimize.brentq(lambda s: _quad(rate, s, kinks) - w, 6 * M, 9 * M, xtol=1e-6)
    _close(t, root)


@pytest.mark.parametrize("step", STEPS)
def test_requirement_not_reached(step: str) -> None:
    labor, _, _ = _static()
    result, _ = _with_requirement(labor * 6.01 * M, "race.lead=6 months", step=step)
    assert result.value("race.success") == 0.0
    assert result.value("race.time_to_requirement") == math.inf
    assert result.success().value == 0.0


def test_requirement_not_reached_under_smoothed_review() -> None:
    labor, _, _ = _static()
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
    labor, _, _ = _static()
    scenario = _scenario(
        "race.lead=10 months",
        f"race.required_research={labor * 8 * M / RESEARCHER_YEAR_RS!r} researcher_year",
    )
    result = api.race(scenario, months=6)
    assert result.value("race.success") == 0.0
    assert result.value("race.time_to_requirement") == math.inf
    assert api.race(scenario, months=9).value("race.success") == 1.0


def test_success_probability_is_the_mean_of_success() -> None:
    result = api.race(_scenario(preset="race"), 5000, 3, keep_trajectories=10)
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


# --------------------------------------------------------------------------- the horizon


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [6.0, 6.5])
def test_a_window_longer_than_the_horizon_is_cut(months: float, step: str) -> None:
    labor, _, _ = _static()
    result = _race("race.lead=10 months", months=months, step=step)
    _close(result.value("race.window"), months * M)
    _close(result.value("race.research"), labor * months * M)
    assert result.value("race.end_reason") == race_model.HORIZON
    assert result.cut == 1
    assert result.months == months
    notes = " ".join(result.notes())
    assert "horizon" in notes and "1 of 1" in notes
    assert result.month[-1] == months


def test_horizon_cuts_are_counted() -> None:
    result = _race("race.lead=2 to 14 months", samples=4000, months=6, keep_trajectories=0)
    window = result.values["race.window"]
    lead = result.values["race.lead"]
    cut = lead > 6 * M
    assert 0 < result.cut == int(np.count_nonzero(cut)) < 4000
    np.testing.assert_array_equal(result.values["race.end_reason"] == race_model.HORIZON, cut)
    assert np.all(window <= 6 * M)
    np.testing.assert_allclose(window[cut], 6 * M, rtol=REL)
    assert f"{result.cut:,} of 4,000 samples" in " ".join(result.notes())
    assert result.end_reasons()["horizon"].value == result.cut / 4000


def test_no_cut_no_note() -> None:
    result = _race("race.lead=6 months", months=6)  # the window ends exactly at the horizon
    assert result.cut == 0
    assert result.value("race.end_reason") == race_model.CATCH_UP
    assert not any("horizon" in note for note in result.notes())


# --------------------------------------------------------------------------- trajectories


def test_research_by_month_on_the_essay() -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6.5 months", months=12)
    np.testing.assert_array_equal(result.month, np.arange(13.0))
    assert result.trajectories.shape == (1, 13)
    expected = labor * M * np.minimum(np.arange(13.0), 6.5)
    np.testing.assert_allclose(result.trajectories[0], expected, rtol=REL)
    assert result.trajectories[0, 0] == 0.0


def test_research_by_month_with_a_partial_last_month() -> None:
    result = _race("race.lead=20 months", months=7.5, step="week")
    np.testing.assert_array_equal(result.month, [*range(8), 7.5])
    labor, _, _ = _static()
    np.testing.assert_allclose(result.trajectories[0], labor * M * result.month, rtol=REL)


@pytest.fixture(scope="module")
def race_run() -> RaceResult:
    return api.race(_scenario(preset="race"), 3000, 5, months=36, keep_trajectories=400)


def test_trajectories_end_at_research(race_run: RaceResult) -> None:
    np.testing.assert_array_equal(race_run.month, np.arange(37.0))
    assert race_run.trajectories.shape == (400, 37)
    np.testing.assert_array_equal(race_run.trajectories[:, 0], 0.0)
    np.testing.assert_array_equal(
        race_run.trajectories[:, -1], race_run.values["race.research"][:400]
    )
    assert np.all(np.diff(race_run.trajectories, axis=1) >= 0)


def test_first_samples_are_a_shorter_run(race_run: RaceResult) -> None:
    short = api.race(race_run.scenario, 250, 5, months=36, keep_trajectories=400)
    assert short.trajectories.shape == (250, 37)
    np.testing.assert_array_equal(short.trajectories, race_run.trajectories[:250])
    assert set(short.values) == set(race_run.values)
    for name, values in short.values.items():
        np.testing.assert_array_equal(values, race_run.values[name][:250], err_msg=name)


def _assert_identical(a: RaceResult, b: RaceResult) -> None:
    assert set(a.values) == set(b.values)
    for name in a.values:
        assert np.array_equal(a.values[name], b.values[name]), name
    assert np.array_equal(a.trajectories, b.trajectories)
    assert np.array_equal(a.month, b.month)
    assert a.cut == b.cut


def test_chunk_size_and_workers_do_not_change_results(race_run: RaceResult) -> None:
    scenario = race_run.scenario
    assert race_run.chunk_size == BLOCK_SIZE and race_run.workers == 1
    for chunk_size, workers in ((1000, 1), (BLOCK_SIZE, 2), (7, 2)):
        other = api.race(
            scenario,
            3000,
            5,
            months=36,
            keep_trajectories=400,
            chunk_size=chunk_size,
            workers=workers,
        )
        assert (other.chunk_size, other.workers) == (chunk_size, workers)
        _assert_identical(other, race_run)


def test_workers_split_a_long_race() -> None:
    """Enough samples for nine worker tasks (one block each)."""
    scenario = _scenario(preset="race")
    samples = 8 * BLOCK_SIZE + 5
    one = api.race(scenario, samples, 9, months=24, keep_trajectories=50)
    two = api.race(
        scenario, samples, 9, months=24, keep_trajectories=50, workers=2, chunk_size=4096
    )
    assert two.workers == 2
    _assert_identical(one, two)


def test_fan_chart(race_run: RaceResult) -> None:
    fan = race_run.fan()
    assert fan.shape == (5, race_run.month.size)
    assert np.all(np.diff(fan, axis=1) >= 0)  # monotone in month
    assert np.all(np.diff(fan, axis=0) >= 0)  # and in the quantile
    np.testing.assert_array_equal(fan[:, 0], 0.0)
    np.testing.assert_allclose(
        race_run.fan([0.5])[0], np.median(race_run.trajectories, axis=0), rtol=1e-15
    )


def test_no_trajectories_kept() -> None:
    result = _race("race.lead=2 to 4 months", samples=100, keep_trajectories=0)
    assert result.trajectories.shape == (0, 61)
    with pytest.raises(ValueError, match="trajectories"):
        result.fan()


def test_more_trajectories_than_samples() -> None:
    result = _race("race.lead=2 to 4 months", samples=30, keep_trajectories=1000)
    assert result.trajectories.shape == (30, 61)


def test_dataset_has_research_by_month(race_run: RaceResult) -> None:
    data = race_run.dataset
    research = data["race.research_by_month"]
    assert "month" in research.dims
    assert research.sizes["month"] == 37
    np.testing.assert_array_equal(data["month"].values, race_run.month)
    np.testing.assert_array_equal(research.values, race_run.trajectories)
    assert data["race.research"].sizes["sample"] == 3000
    assert data.attrs["cut_samples"] == race_run.cut


# --------------------------------------------------------------------------- the time grid


def test_monthly_grid() -> None:
    grid, record = race_model.time_grid(5 * M, M, M)
    np.testing.assert_array_equal(grid, np.arange(6.0) * M)
    np.testing.assert_array_equal(record, np.arange(6))


def test_weekly_grid_has_a_partial_step_each_month() -> None:
    grid, record = race_model.time_grid(3 * M, WEEK, M)
    np.testing.assert_array_equal(grid[record], np.arange(4.0) * M)
    days = np.diff(grid) / 86400.0
    # 30 days = 4 × 7 + 2: four weeks and a last partial step in each month
    np.testing.assert_array_equal(days, [7, 7, 7, 7, 2] * 3)
    assert grid.size == 1 + 3 * 5


def test_grid_with_a_partial_last_month() -> None:
    grid, record = race_model.time_grid(2.5 * M, WEEK, M)
    np.testing.assert_array_equal(grid[record] / M, [0, 1, 2, 2.5])
    np.testing.assert_array_equal(np.diff(grid[record[-2] :]) / 86400.0, [7, 7, 1])
    grid, record = race_model.time_grid(2.5 * M, M, M)
    np.testing.assert_array_equal(grid / M, [0, 1, 2, 2.5])
    np.testing.assert_array_equal(record, [0, 1, 2, 3])


@pytest.mark.parametrize("step", [M, WEEK, 86400.0, 11 * 86400.0])
def test_every_month_boundary_is_on_the_grid(step: float) -> None:
    grid, record = race_model.time_grid(13 * M, step, M)
    assert np.all(np.diff(grid) > 0)
    assert np.all(np.diff(grid) <= step)
    np.testing.assert_array_equal(grid[record], np.arange(14.0) * M)
    assert set(np.arange(14.0) * M) <= set(grid)


# --------------------------------------------------------------------------- the pure functions


def test_pure_functions() -> None:
    one = np.ones(1)
    np.testing.assert_array_equal(race_model.lead_at_pause(6 * one, 0.5 * one, 20 * one), 0.0)
    assert race_model.theft_time(0.5 * one, 0 * one)[0] == math.inf
    _close(race_model.theft_time(0.5 * one, 0.1 * one)[0], math.log(2) / 0.1)
    np.testing.assert_array_equal(race_model.catch_up_window(6 * one, 2 * one, 0 * one), 3.0)
    np.testing.assert_array_equal(race_model.checkpoint_factor(5 * one, None, 3 * one), 1.0)
    np.testing.assert_array_equal(race_model.labor_multiplier(1e9 * one, None, 10 * one), 1.0)
    np.testing.assert_allclose(race_model.labor_multiplier(3 * one, 1 * one, 4 * one), 4.0)
    assert race_model.review_cap(None, None, 0.5 * one)[0] == math.inf
    assert race_model.review_cap(10 * one, 2 * one, 0 * one)[0] == math.inf
    _close(race_model.review_cap(10 * one, 2 * one, 0.5 * one)[0], 40.0)
    _close(race_model.usable_labor(8 * one, 6 * one, 1 * one)[0], 1 / (1 / 8 + 1 / 6))
    _close(race_model.usable_labor(3 * one, np.inf * one, 4 * one)[0], 3.0)
    assert race_model.usable_labor(0 * one, 2 * one, 4 * one)[0] == 0.0
    # λ = 0: the rate stops at the knee
    _close(race_model.research_rate(1e6 * one, 2 * one, 10 * one, 0 * one)[0], 20.0)
    assert race_model.research_rate(0 * one, 2 * one, 10 * one, 0.5 * one)[0] == 0.0


def test_the_smoothed_cap_cannot_overflow() -> None:
    one = np.ones(1)
    # (A/cap)^κ = (5e299)^4 overflows; the usable labor is then the cap, 2
    _close(race_model.usable_labor(1e300 * one, 2 * one, 4 * one)[0], 2.0)


def test_a_sharp_smoothed_cap_is_the_hard_cap() -> None:
    # L/cap ≈ 6543 and κ = 100: (L/cap)^κ ≈ 1e381 overflows; the rate should be ≈ cap
    cap = _review(1, 1.0, 0.01)
    result = _race(
        "race.supervisors=1",
        "race.review_capacity=1 researcher_month/month",
        "race.review_share=0.01",
        "race.review_smoothness=100",
    )
    _close(result.value("race.initial_rate"), cap, rel=1e-12)
    _close(result.value("race.research"), cap * M, rel=1e-12)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        (["race.review_share=0.1"], ["race.review_share", "race.supervisors"]),
        (
            ["race.review_share=0.1", "race.supervisors=100"],
            ["race.review_share", "race.review_capacity"],
        ),
        (
            ["race.review_share=0.1", "race.review_capacity=3 researcher_month/month"],
            ["race.review_share", "race.supervisors"],
        ),
        (
            ["race.checkpoint_latency=4 hour"],
            ["race.checkpoint_latency", "race.checkpoint_interval"],
        ),
        (["race.efficiency_cap=10"], ["race.efficiency_cap", "race.efficiency_doubling_time"]),
        (
            ['race.review_share={dist = "uniform", low = 0.01, high = 0.1}'],
            ["race.review_share", "race.supervisors"],
        ),
        (
            ['race.efficiency_cap={dist = "lognormal", p5 = 10, p95 = 1000, min = 1}'],
            ["race.efficiency_cap", "race.efficiency_doubling_time"],
        ),
    ],
)
def test_parameters_that_do_not_fit_together(settings: list[str], names: list[str]) -> None:
    scenario = _scenario(*settings)
    with pytest.raises(ScenarioError) as info:
        api.race(scenario)
    for name in names:
        assert name in str(info.value)
    with pytest.raises(ScenarioError):
        api.check_race(scenario)


def test_the_neutral_values_fit_together() -> None:
    api.check_race(_scenario())
    api.check_race(_scenario(preset="race"))
    api.check_race(_scenario("race.efficiency_doubling_time=3 months"))  # cap 1: no growth


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ("race.lead=-1 months", "race.lead"),
        ("race.caution_period=-2 months", "race.caution_period"),
        ("race.caution_erosion=-0.1", "race.caution_erosion"),
        ("race.leak_rate=-0.1/month", "race.leak_rate"),
        ("race.theft_rate=-0.01/month", "race.theft_rate"),
        ("race.theft_draw=1", "race.theft_draw"),
        ("race.theft_draw=-0.5", "race.theft_draw"),
        ("race.safe_share=1.5", "race.safe_share"),
        ("race.safe_share=-0.5", "race.safe_share"),
        ("race.review_share=1.01", "race.review_share"),
        ("race.review_share=-0.1", "race.review_share"),
        ("race.parallel_returns=1.5", "race.parallel_returns"),
        ("race.parallel_returns=-0.5", "race.parallel_returns"),
        ("race.efficiency_cap=0.5", "race.efficiency_cap"),
        ("race.catch_up_speed=0", "race.catch_up_speed"),
        ("race.catch_up_speed=-1", "race.catch_up_speed"),
        ("race.reference_team=0", "race.reference_team"),
        ("race.efficiency_doubling_time=0 months", "race.efficiency_doubling_time"),
        ("race.checkpoint_interval=0 researcher_hour", "race.checkpoint_interval"),
        ("race.supervisors=-3", "race.supervisors"),
        ("race.required_research=-1 researcher_year", "race.required_research"),
        ("race.lead=6 researcher_hour", "race.lead"),
        ("race.leak_rate=0.1", "race.leak_rate"),
    ],
)
def test_bad_race_parameters_are_refused_by_the_loader(setting: str, name: str) -> None:
    with pytest.raises(ScenarioError, match=name):
        _scenario(setting)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"months": 0}, "--months"),
        ({"months": -3}, "--months"),
        ({"months": math.nan}, "--months"),
        ({"months": math.inf}, "--months"),
        ({"months": 0.1, "step": "week"}, "--months"),  # 3 days < one week
        ({"months": 0.5, "step": "month"}, "--months"),
        ({"months": "12"}, "--months"),
        ({"step": "day"}, "--step"),
        ({"step": "Month"}, "--step"),
        ({"keep_trajectories": -1}, "--keep-trajectories"),
        ({"keep_trajectories": 2.5}, "--keep-trajectories"),
        ({"keep_trajectories": True}, "--keep-trajectories"),
        ({"samples": 0}, "--samples"),
        ({"seed": -1}, "--seed"),
        ({"workers": 0}, "--workers"),
        ({"chunk_size": 0}, "--chunk-size"),
    ],
)
def test_bad_race_options(options: dict[str, object], match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        api.race(_scenario(), **options)  # type: ignore[arg-type]


def test_a_horizon_of_exactly_one_step_is_allowed() -> None:
    labor, _, _ = _static()
    result = _race("race.lead=6 months", months=7 / 30, step="week")
    _close(result.value("race.research"), labor * WEEK)
    np.testing.assert_allclose(result.month, [0.0, 7 / 30], rtol=1e-15)


@pytest.mark.parametrize(
    ("kappa", "doubling_months", "step"),
    [(50.0, 0.3, "month"), (20.0, 1.0, "month"), (4.0, 0.3, "month"), (200.0, 2.0, "week")],
)
def test_a_sharply_bending_smoothed_cap_is_integrated_to_rounding(
    kappa: float, doubling_months: float, step: str
) -> None:
    labor, _, _ = _static()
    cap = _review(1000, 500.0, 0.5)
    growth = math.log(2) / (doubling_months * M)
    result = _race(
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
    _close(result.value("race.research"), exact, rel=1e-11)
