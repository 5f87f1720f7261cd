"""The race's window (SPEC §6), each mechanism alone on the essay against its closed form.

With everything off the race gives the lead × the static figure; then the lead at the pause
(caution), catch-up, leaks and theft, and windows cut at the horizon.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from race_cases import (
    ESSAY_TEAM,
    REL,
    STEPS,
    M,
    assert_close,
    essay_static,
    run_race,
)

from alignment_runway.model import race as race_model
from alignment_runway.units import RESEARCHER_YEAR_RS

# --------------------------------------------------------------------------- everything off


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("lead", [0.5, 1.0, 6.25, 37.0])
def test_everything_off_gives_lead_times_static_figure(lead: float, step: str) -> None:
    labor, _, per_month = essay_static()
    result = run_race(f"race.lead={lead} months", step=step)
    research = result.value("race.research")
    # the static per-month figure is a rate (researcher-seconds per second): × one month each
    assert_close(research, lead * per_month * M)
    assert_close(research, lead * labor * M)
    assert_close(result.value("race.field_years"), research / (ESSAY_TEAM * RESEARCHER_YEAR_RS))
    assert_close(result.value("race.window"), lead * M)
    assert_close(result.value("race.lead_at_pause"), lead * M)
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
    labor, speed, _ = essay_static()
    result = run_race()
    assert_close(result.value("race.initial_rate"), labor)
    assert_close(result.value("race.serial_speed"), speed)
    # the essay's headline: one month of lead
    assert_close(result.value("race.research"), labor * M)


def test_field_years_use_the_reference_team() -> None:
    result = run_race("race.lead=3 months", "race.reference_team=1500")
    assert_close(
        result.value("race.field_years"),
        result.value("race.research") / (1500 * RESEARCHER_YEAR_RS),
    )


# --------------------------------------------------------------------------- the window


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_catch_up_alone(c: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=6 months", f"race.catch_up_speed={c}", step=step)
    assert_close(result.value("race.window"), 6 * M / c)
    assert_close(result.value("race.research"), labor * 6 * M / c)
    assert result.value("race.end_reason") == race_model.CATCH_UP


@pytest.mark.parametrize("step", STEPS)
def test_caution_alone_erodes_the_lead(step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        "race.caution_period=5 months",
        "race.caution_erosion=0.3",
        step=step,
    )
    lead = 6 * M - 0.3 * 5 * M
    assert_close(result.value("race.lead_at_pause"), lead)
    assert_close(result.value("race.window"), lead)
    assert_close(result.value("race.research"), labor * lead)


def test_caution_with_catch_up_speed() -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months",
        "race.caution_period=4 months",
        "race.caution_erosion=0.5",
        "race.catch_up_speed=2",
    )
    assert_close(result.value("race.lead_at_pause"), 4 * M)
    assert_close(result.value("race.window"), 2 * M)
    assert_close(result.value("race.research"), labor * 2 * M)


@pytest.mark.parametrize("erosion", [1.5, 2.0])  # 6 − 1.5·4 = 0 exactly; 6 − 2·4 < 0
def test_a_lead_fully_eroded_buys_nothing(erosion: float) -> None:
    result = run_race(
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
    labor, _, _ = essay_static()
    result = run_race("race.lead=6 months", "race.caution_erosion=0.9")
    assert_close(result.value("race.research"), labor * 6 * M)


def test_zero_lead_buys_nothing() -> None:
    result = run_race("race.lead=0 months")
    assert result.value("race.window") == 0.0
    assert result.value("race.research") == 0.0


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(("leak", "c"), [(0.2, 1.0), (0.2, 2.0), (0.05, 0.7), (1.5, 1.0)])
def test_leaks_alone(leak: float, c: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months", f"race.leak_rate={leak}/month", f"race.catch_up_speed={c}", step=step
    )
    # dX/dt = −c − ℓX from X = 6 months: the lead is gone after ln(1 + ℓX/c)/ℓ
    window = math.log(1 + leak * 6 / c) / leak * M
    assert_close(result.value("race.window"), window)
    assert_close(result.value("race.research"), labor * window)
    assert result.value("race.end_reason") == race_model.CATCH_UP


@pytest.mark.parametrize("c", [1.0, 2.5])
def test_a_tiny_leak_rate_gives_lead_over_catch_up(c: float) -> None:
    result = run_race(
        "race.lead=6 months", "race.leak_rate=1e-12/month", f"race.catch_up_speed={c}"
    )
    assert_close(result.value("race.window"), 6 * M / c)


def test_leaks_need_catch_up_to_end_the_window() -> None:
    # ℓ ≪ c: the window is (X/c)(1 − x/2 + x²/3 − x³/4 + ...) with x = ℓX/c, just below X/c
    result = run_race("race.lead=6 months", "race.leak_rate=1e-4/month")
    x = 1e-4 * 6
    assert_close(result.value("race.window"), 6 * M * (1 - x / 2 + x**2 / 3 - x**3 / 4), rel=1e-12)


def test_theft_alone_in_expectation() -> None:
    theta, lead, c = 0.1, 6.0, 1.5
    result = run_race(
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
    labor, _, _ = essay_static()
    np.testing.assert_allclose(
        result.values["race.research"], labor * result.values["race.window"], rtol=REL
    )


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize(
    ("theta", "reason"), [(0.05, race_model.CATCH_UP), (0.2, race_model.THEFT)]
)
def test_a_fixed_theft_draw(theta: float, reason: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race(
        "race.lead=6 months", f"race.theft_rate={theta}/month", "race.theft_draw=0.5", step=step
    )
    assert result.samples == 1  # nothing is drawn
    window = min(6.0, math.log(2) / theta) * M
    assert_close(result.value("race.window"), window)
    assert_close(result.value("race.research"), labor * window)
    assert result.value("race.end_reason") == reason


def test_theft_draw_without_theft_rate_is_no_theft() -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=6 months", "race.theft_draw=0.999")
    assert_close(result.value("race.window"), 6 * M)
    assert_close(result.value("race.research"), labor * 6 * M)
    assert result.value("race.end_reason") == race_model.CATCH_UP


# --------------------------------------------------------------------------- the horizon


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("months", [6.0, 6.5])
def test_a_window_longer_than_the_horizon_is_cut(months: float, step: str) -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=10 months", months=months, step=step)
    assert_close(result.value("race.window"), months * M)
    assert_close(result.value("race.research"), labor * months * M)
    assert result.value("race.end_reason") == race_model.HORIZON
    assert result.cut == 1
    assert result.months == months
    notes = " ".join(result.notes())
    assert "horizon" in notes and "1 of 1" in notes
    assert result.month[-1] == months


def test_horizon_cuts_are_counted() -> None:
    result = run_race("race.lead=2 to 14 months", samples=4000, months=6, keep_trajectories=0)
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
    result = run_race("race.lead=6 months", months=6)  # the window ends exactly at the horizon
    assert result.cut == 0
    assert result.value("race.end_reason") == race_model.CATCH_UP
    assert not any("horizon" in note for note in result.notes())
