"""``method="qmc"`` beyond ``run``: the race (with its theft draw), comparisons and sweeps.

The same contract as a run's qmc: bit-identical across chunks and workers, standard errors from
the spread between the randomizations, and common random numbers where the sides' Sobol'
dimensions are the same; exact and auto refused where nothing has a closed form.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ndtr

from alignment_runway import api, views
from alignment_runway.analysis import replicates as rq
from alignment_runway.analysis.paired import paired
from alignment_runway.errors import InputError
from alignment_runway.sampling.qmc import DEFAULT_RANDOMIZATIONS, qmc_normals

ROOT = Path(__file__).resolve().parents[2]
VARIANT = ROOT / "benchmarks" / "lognormal_variant.toml"
R = DEFAULT_RANDOMIZATIONS
#: Across the first block's end (65,536), in the middle of the last randomization.
ACROSS_BLOCKS = 65_536 + 4_096


def _se(values: np.ndarray) -> float:
    """The standard error of the mean of one value per randomization."""
    return float(np.std(values, ddof=1)) / math.sqrt(values.size)


@pytest.fixture(scope="module")
def race_scenario() -> api.Scenario:
    return api.load_scenario(preset="race")


@pytest.fixture(scope="module")
def raced(race_scenario: api.Scenario) -> api.RaceResult:
    return api.race(race_scenario, ACROSS_BLOCKS, 5, months=12, keep_trajectories=40, method="qmc")


def test_a_qmc_race_is_bit_identical_across_chunks_and_workers(
    race_scenario: api.Scenario, raced: api.RaceResult
) -> None:
    assert raced.method == "qmc" and raced.randomizations == R
    for chunk, workers in ((1_000, 1), (65_536, 2)):
        other = api.race(
            race_scenario, ACROSS_BLOCKS, 5, months=12, keep_trajectories=40, method="qmc",
            chunk_size=chunk, workers=workers,
        )  # fmt: skip
        assert other.values.keys() == raced.values.keys()
        for name, values in raced.values.items():
            assert np.array_equal(other.values[name], values, equal_nan=True), name
        assert np.array_equal(other.trajectories, raced.trajectories)


def test_the_theft_draw_is_the_last_sobol_dimension(
    race_scenario: api.Scenario, raced: api.RaceResult
) -> None:
    """Uniform through Φ of the last dimension, and stratified as a Sobol' coordinate is."""
    names = tuple(api.race_inputs(race_scenario))
    assert names[-1] == api.THEFT_DRAW
    normals = qmc_normals(5, names, R, ACROSS_BLOCKS, 0, ACROSS_BLOCKS)
    theft = raced.values[api.THEFT_DRAW]
    assert np.array_equal(theft, ndtr(normals[api.THEFT_DRAW]))
    m = ACROSS_BLOCKS // R  # 4,352 = 17 × 256: every run of 256 points has one in each 1/256
    for part in theft.reshape(R, m):
        for start in range(0, m, 256):
            cells = np.sort(np.floor(part[start : start + 256] * 256))
            assert np.array_equal(cells, np.arange(256))


def test_kept_trajectories_are_the_runs_first_samples(raced: api.RaceResult) -> None:
    """A qmc run's first points depend on its size: the paths come from the same draws."""
    research = raced.values["race.research"][:40]
    assert np.allclose(raced.trajectories[:, -1], research, rtol=1e-12, atol=0.0)


def test_race_errors_come_from_the_randomizations(raced: api.RaceResult) -> None:
    parts = (raced.values["race.success"] > 0.5).reshape(R, -1).mean(axis=1)
    success = raced.success()
    assert success.value == pytest.approx(parts.mean(), rel=1e-12)
    assert success.se == pytest.approx(_se(parts), rel=1e-12)
    shares = raced.end_reasons()
    theft = (raced.values["race.end_reason"] == 1.0).reshape(R, -1).mean(axis=1)
    assert shares["theft"].se == pytest.approx(_se(theft), rel=1e-12)
    row = raced.summaries((50.0,), names=["race.research"])[0]
    medians = [np.percentile(p, 50) for p in raced.values["race.research"].reshape(R, -1)]
    assert row.percentiles[50.0].se == pytest.approx(_se(np.array(medians)), rel=1e-12)


def test_a_race_refuses_exact_and_auto(race_scenario: api.Scenario) -> None:
    for method in ("exact", "auto"):
        with pytest.raises(InputError) as error:
            api.race(race_scenario, 160, method=method)
        assert error.value.field == "method"
        assert "sample or qmc" in error.value.expected and "only run" in error.value.expected
    with pytest.raises(InputError) as error:
        api.race(race_scenario, 1000, method="qmc")
    assert error.value.field == "samples" and "multiple of 16" in error.value.expected


def test_a_recorded_qmc_race_reproduces(race_scenario: api.Scenario, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    result = api.race(race_scenario, 1_600, 3, months=12, method="qmc", store=store)
    opened = api.open_store(store)
    entry = opened.get(result.run_id or 0)
    assert entry.options["method"] == "qmc"
    assert api.reproduce(opened, entry.id or 0).identical


def test_paired_qmc_errors_are_the_spread_of_each_randomization() -> None:
    """Closed form: each statistic's error is the standard deviation of its R values / √R."""
    rng = np.random.default_rng(1)
    r, m = 8, 500
    a = rng.lognormal(0.0, 1.0, r * m)
    b = a * rng.lognormal(0.1, 0.2, r * m)
    a[::97] = 0.0  # no ratio there: left out of each randomization
    p = paired(a, b, (50.0,), r)
    keep = (a != 0).reshape(r, m)
    ratio = (b / np.where(a == 0, 1.0, a)).reshape(r, m)
    medians = np.array([np.median(ratio[k][keep[k]]) for k in range(r)])
    means = np.array([ratio[k][keep[k]].mean() for k in range(r)])
    greater = (b > a).reshape(r, m).mean(axis=1)
    assert p.ratio.samples == int(keep.sum()) and p.zero_baseline == r * m - int(keep.sum())
    assert p.ratio.percentiles[50.0].se == pytest.approx(_se(medians), rel=1e-12)
    assert p.ratio.mean is not None
    assert p.ratio.mean.se == pytest.approx(_se(means), rel=1e-12)
    assert p.greater.value == pytest.approx(greater.mean(), rel=1e-12)
    assert p.greater.se == pytest.approx(_se(greater), rel=1e-12)
    plain = paired(a, b, (50.0,))
    assert plain.ratio.percentiles[50.0].value == p.ratio.percentiles[50.0].value


def test_a_qmc_comparison_shares_its_points_when_the_inputs_are_the_same() -> None:
    scenario = api.load_scenario(VARIANT)
    other = api.load_scenario(VARIANT, settings=["compute.training_share=0.4"])
    outputs = ["static.research_per_month"]
    result = api.compare([scenario, other], outputs, 3_200, 7, method="qmc")
    assert result.method == "qmc" and result.randomizations == R and not result.notes
    for side, alone in ((0, scenario), (1, other)):
        run = api.run(alone, 3_200, 7, method="qmc", keep=outputs)
        assert np.array_equal(result.values[outputs[0]][side], run.values[outputs[0]])
    a, b = result.values[outputs[0]]
    ratio = result.paired(outputs[0], 1, (50.0,)).ratio
    medians = np.median((b / a).reshape(R, -1), axis=1)
    assert ratio.percentiles[50.0].se == pytest.approx(_se(medians), rel=1e-12)
    view = views.compare_view(result, (50.0,))
    assert view.method == "qmc" and view.to_json()["randomizations"] == R
    median = view.outputs[0].sides[0].percentiles["p50"]
    expected = rq.replicated_percentiles(a, (50.0,), R)[0]
    scale = views.display_unit(outputs[0])[1]
    assert median.value == pytest.approx(expected.value * scale, rel=1e-12)
    assert median.se == pytest.approx(expected.se * scale, rel=1e-12)


def test_a_qmc_comparison_of_different_inputs_samples_plainly_and_says_so() -> None:
    scenario = api.load_scenario(VARIANT)
    fixed = api.load_scenario(VARIANT, settings=["compute.stock=4e21 FLOP/s"])
    outputs = ["static.research_per_month"]
    result = api.compare([scenario, fixed], outputs, 3_200, 7, method="qmc")
    plain = api.compare([scenario, fixed], outputs, 3_200, 7)
    assert result.method == "sample" and result.randomizations == 0
    (note,) = result.notes
    assert "compute.stock uncertain in A only" in note and "sampled plainly" in note
    for x, y in zip(result.values[outputs[0]], plain.values[outputs[0]], strict=True):
        assert np.array_equal(x, y)
    with pytest.raises(InputError) as error:
        api.compare([scenario, fixed], outputs, 3_200, 7, method="exact")
    assert error.value.field == "method" and "comparison" in error.value.expected


def test_a_qmc_sweep_summarises_each_cell_from_its_randomizations(tmp_path: Path) -> None:
    scenario = api.load_scenario(VARIANT)
    grid = ["compute.training_share=0.2,0.3"]
    outputs = ["static.labor"]
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    swept = api.sweep(scenario, grid, outputs, 1_600, 4, method="qmc", store=store)
    assert swept.plan.method == "qmc"
    for cell, share in zip(swept.cells, ("0.2", "0.3"), strict=True):
        alone = api.load_scenario(VARIANT, settings=[f"compute.training_share={share}"])
        run = api.run(alone, 1_600, 4, method="qmc", keep=outputs)
        expected = run.summaries((5.0, 50.0, 95.0), names=outputs)[0]
        got = cell.outputs["static.labor"]
        assert got.mean == expected.mean
        assert got.percentiles == expected.percentiles
    (listed,) = api.list_sweeps(store)
    from alignment_runway.store import sweeps as recorded

    assert recorded.get_sweep(api.open_store(store), listed["id"]).plan["method"] == "qmc"
    resumed = api.sweep(api.load_scenario(), [], store=store, resume=listed["id"])
    assert resumed.plan.method == "qmc" and resumed.cells == swept.cells
    for method in ("exact", "auto"):
        with pytest.raises(InputError) as error:
            api.plan_sweep(scenario, grid, outputs, 1_600, method=method)
        assert error.value.field == "method"
    with pytest.raises(InputError) as error:
        api.plan_sweep(scenario, grid, outputs, 1_000, method="qmc")
    assert error.value.field == "samples"


def test_a_qmc_race_sweep_reaching_no_theft_samples_plainly_and_says_so() -> None:
    """Cells without theft draw one input fewer: another Sobol' sequence, so no shared points."""
    scenario = api.load_scenario(preset="race")
    plan = api.plan_sweep(
        scenario, ["race.theft_rate=0 / month,0.05 / month"], ["race.success"], 1_600, method="qmc"
    )
    assert plan.method == "sample"
    assert any("race.theft_rate 0" in note and "plainly" in note for note in plan.notes)
    kept = api.plan_sweep(
        scenario,
        ["race.theft_rate=0.02 / month,0.05 / month"],
        ["race.success"],
        1_600,
        method="qmc",
    )
    assert kept.method == "qmc" and not kept.notes


def test_a_qmc_sweep_checks_the_inputs_its_cells_draw() -> None:
    """Swept, the only uncertain input is a point in every cell: nothing to draw, any count."""
    scenario = api.load_scenario(preset="essay", settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    plan = api.plan_sweep(
        scenario, ["compute.stock=2e21 FLOP/s,4e21 FLOP/s"], ["static.labor"], 1_001, method="qmc"
    )
    assert plan.samples == 1_001
    with pytest.raises(InputError, match="multiple of 16"):
        api.plan_sweep(
            scenario, ["compute.utilization=0.4,0.5"], ["static.labor"], 1_001, method="qmc"
        )


class _InterruptedError(Exception):
    pass


def test_an_interrupted_qmc_sweep_resumes_with_qmc(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    scenario = api.load_scenario(VARIANT)
    grid = ["compute.training_share=0.2,0.25,0.3"]
    calls: list[int] = []

    def stop_in_the_second_cell(done: int) -> None:  # one block, one call per cell
        calls.append(done)
        if len(calls) == 2:
            raise _InterruptedError

    with pytest.raises(_InterruptedError):
        api.sweep(scenario, grid, ["static.labor"], 1_600, 4, method="qmc", store=store,
                  progress=stop_in_the_second_cell)  # fmt: skip
    (listed,) = api.list_sweeps(store)
    assert listed["cells_done"] == 1
    resumed = api.sweep(scenario, [], store=store, resume=listed["id"])
    whole = api.sweep(scenario, grid, ["static.labor"], 1_600, 4, method="qmc")
    assert resumed.plan.method == "qmc" and resumed.cells == whole.cells
