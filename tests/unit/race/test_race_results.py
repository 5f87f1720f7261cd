"""What a race result holds: research by month (trajectories, fan chart, dataset), the same
samples whatever the sample count, chunk size or workers; and the time grid behind it.
"""

from __future__ import annotations

import numpy as np
import pytest
from race_cases import (
    REL,
    WEEK,
    M,
    essay_static,
    run_race,
    scenario_with,
)

from alignment_runway import api
from alignment_runway.model import race as race_model
from alignment_runway.results import RaceResult
from alignment_runway.sampling import BLOCK_SIZE

# --------------------------------------------------------------------------- trajectories


def test_research_by_month_on_the_essay() -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=6.5 months", months=12)
    np.testing.assert_array_equal(result.month, np.arange(13.0))
    assert result.trajectories.shape == (1, 13)
    expected = labor * M * np.minimum(np.arange(13.0), 6.5)
    np.testing.assert_allclose(result.trajectories[0], expected, rtol=REL)
    assert result.trajectories[0, 0] == 0.0


def test_research_by_month_with_a_partial_last_month() -> None:
    result = run_race("race.lead=20 months", months=7.5, step="week")
    np.testing.assert_array_equal(result.month, [*range(8), 7.5])
    labor, _, _ = essay_static()
    np.testing.assert_allclose(result.trajectories[0], labor * M * result.month, rtol=REL)


@pytest.fixture(scope="module")
def race_run() -> RaceResult:
    return api.race(scenario_with(preset="race"), 3000, 5, months=36, keep_trajectories=400)


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
        assert np.array_equal(a.values[name], b.values[name], equal_nan=True), name
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
    scenario = scenario_with(preset="race")
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
    result = run_race("race.lead=2 to 4 months", samples=100, keep_trajectories=0)
    assert result.trajectories.shape == (0, 61)
    with pytest.raises(ValueError, match="trajectories"):
        result.fan()


def test_more_trajectories_than_samples() -> None:
    result = run_race("race.lead=2 to 4 months", samples=30, keep_trajectories=1000)
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
