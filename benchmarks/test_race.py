"""Throughput of the time-stepped race, in sample-months (samples × months of horizon).

The bar: at least 20 million sample-months per second per core. ``extra_info`` records the
samples, the months of horizon, the steps and the workers, so that write_results.py can turn
the timings into sample-months per second per core.
"""

import os

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from alignment_runway import api
from alignment_runway.model.race import HORIZON, RaceInputs, race_model, time_grid
from alignment_runway.units import (
    CALENDAR_MONTH_S,
    RESEARCHER_MONTH_RS,
    RESEARCHER_YEAR_RS,
)

#: Samples stepped by the stepper-alone cases.
STEPPER_SAMPLES = 2**20
#: Months of horizon of the stepper-alone cases.
STEPPER_MONTHS = 120
HOUR_S = 3600.0
STEPS_S = {"month": CALENDAR_MONTH_S, "week": 7 * 24 * HOUR_S}


@pytest.mark.parametrize("workers", [1, 2])
def test_race_whole_run(benchmark: BenchmarkFixture, workers: int) -> None:
    """``api.race`` on the race preset: draws, static model, race and 1000 kept trajectories."""
    scenario = api.load_scenario(preset="race")
    samples, months = 1_000_000, 60
    load = os.getloadavg()
    result = benchmark(api.race, scenario, samples=samples, months=months, workers=workers)
    benchmark.extra_info.update(
        samples=samples,
        months=months,
        step="month",
        steps=months,
        workers=workers,
        cpus=os.cpu_count(),
        load_before=load,
        load_after=os.getloadavg(),
    )
    assert result.trajectories.shape[0] == 1000
    assert np.all(result.values["race.research"] >= 0)


def worst_case_inputs(samples: int) -> RaceInputs:
    """Race inputs with every stepped mechanism on and every window longer than the horizon.

    Realistic ranges (log-uniform): labor 1e5-1e6 researcher-s/s, serial speed 1-50, efficiency
    doubling every 3-14 months up to a cap of 10-1000, diminishing returns λ 0.2-1, human
    review and checkpoints on (the race preset's ranges), a hard review cap, a requirement.
    Leads of 1000-3000 months with little leakage and no theft keep every window open past the
    horizon, so every sample is stepped at every step.
    """
    rng = np.random.default_rng(20261130)

    def column(low: float, high: float) -> np.ndarray:
        return np.exp(rng.uniform(np.log(low), np.log(high), samples))

    def uniform(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, samples)

    return RaceInputs(
        labor=column(1e5, 1e6),
        serial_speed=column(1.0, 50.0),
        lead_s=column(1000.0, 3000.0) * CALENDAR_MONTH_S,
        catch_up=column(0.8, 2.0),
        caution_period_s=column(3.0, 24.0) * CALENDAR_MONTH_S,
        caution_erosion=column(0.05, 0.5),
        leak_per_s=column(1e-4, 1e-3) / CALENDAR_MONTH_S,
        theft_per_s=np.zeros(samples),
        theft_quantile=uniform(0.0, 1.0),
        efficiency_cap=column(10.0, 1000.0),
        safe_share=uniform(0.1, 1.0),
        checkpoint_latency_s=column(1.0, 48.0) * HOUR_S,
        review_share=column(0.02, 0.5),
        parallel_returns=uniform(0.2, 1.0),
        reference_team=column(300.0, 1200.0),
        doubling_s=column(3.0, 14.0) * CALENDAR_MONTH_S,
        checkpoint_interval_rs=column(1.0, 40.0) * HOUR_S,
        supervisors=column(100.0, 3000.0),
        review_capacity=column(1.0, 30.0) * RESEARCHER_MONTH_RS / CALENDAR_MONTH_S,
        smoothness=None,
        required_rs=column(1e3, 3e5) * RESEARCHER_YEAR_RS,
    )


@pytest.mark.parametrize("step", ["month", "week"])
def test_race_stepper(benchmark: BenchmarkFixture, step: str) -> None:
    """``race_model`` alone, worst case: every sample stepped at every step of the horizon."""
    samples, months = STEPPER_SAMPLES, STEPPER_MONTHS
    x = worst_case_inputs(samples)
    grid, _ = time_grid(months * CALENDAR_MONTH_S, STEPS_S[step], CALENDAR_MONTH_S)
    load = os.getloadavg()
    out = benchmark(race_model, x, grid, None)
    benchmark.extra_info.update(
        samples=samples,
        months=months,
        step=step,
        steps=grid.size - 1,
        workers=1,
        cpus=os.cpu_count(),
        load_before=load,
        load_after=os.getloadavg(),
    )
    assert out.cut == samples
    assert np.all(out.values["race.end_reason"] == HORIZON)
    assert np.all(out.values["race.research"] > 0)
