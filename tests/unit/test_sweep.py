"""Sweeps: grid axes, cells equal to single runs bit for bit, the Dataset, exports, errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from alignment_runway import api, views
from alignment_runway.analysis.summary import percentiles
from alignment_runway.engine.sweep import parse_axis
from alignment_runway.errors import Error, InputError

QS = (5.0, 50.0, 95.0)
TAU = "labor.tokens_per_researcher_second"


def test_axes_from_lists_and_ranges() -> None:
    listed = parse_axis("compute.stock=2e21 FLOP/s, 4e21 FLOP/s")
    assert listed.values == (2e21, 4e21) and listed.unit == "FLOP/s"
    linear = parse_axis("race.lead=3..24 months:4")
    assert linear.unit == "month"
    np.testing.assert_allclose(linear.values, [3.0, 10.0, 17.0, 24.0], rtol=1e-12)
    logged = parse_axis(f"{TAU}=10..1000 token/researcher_second:3:log")
    np.testing.assert_allclose(logged.values, [10.0, 100.0, 1000.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("race.lead", "NAME=v1,v2"),
        ("race.leed=1 month", "a parameter name"),
        ("race.lead=3..24 months:1", "2 to 1,000 values"),
        ("race.lead=3..24 months:x", "a whole number"),
        ("race.lead=3..24 months:4:cubic", "lo..hi:n:log"),
        ("race.lead=0..24 months:4:log", "above 0"),
        ("race.lead=1 month,1 month", "distinct values"),
        ("race.lead=1 month,", "none empty"),
        ("race.lead=1 to 3 months", "not a range"),
        ("compute.stock=4e21", "compute.stock"),
    ],
)
def test_bad_axes_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(Error, match=message):
        parse_axis(text)


def test_every_cell_is_the_run_it_stands_for() -> None:
    scenario = api.load_scenario(preset="uncertain")
    sweep = api.sweep(
        scenario, ["compute.stock=2e21 FLOP/s, 8e21 FLOP/s"], ["static.research_per_month"], 3000, 5
    )
    assert [c.cell for c in sweep.cells] == [(0,), (1,)]
    for cell, stock in zip(sweep.cells, ("2e21 FLOP/s", "8e21 FLOP/s"), strict=True):
        alone = api.run(
            api.load_scenario(preset="uncertain", settings=[f"compute.stock={stock}"]), 3000, 5
        )
        x = alone.values["static.research_per_month"]
        summary = cell.outputs["static.research_per_month"]
        assert summary.mean.value == float(np.mean(x))
        assert [e.value for e in summary.percentiles.values()] == [
            e.value for e in percentiles(x, QS)
        ]


def test_the_dataset_has_a_dimension_per_axis() -> None:
    sweep = api.sweep(
        api.load_scenario(preset="race"),
        ["race.lead=3..24 months:3", f"{TAU}=10..1000 token/researcher_second:2:log"],
        samples=1000,
    )
    ds = sweep.dataset
    assert ds["race.research"].dims == ("race.lead", TAU, "statistic")
    assert list(ds["statistic"].values) == ["mean", "p5", "p50", "p95"]
    np.testing.assert_allclose(ds["race.lead"].values, [3.0, 13.5, 24.0])
    success = ds["race.success"].sel(statistic="mean").values
    assert success.shape == (3, 2)
    assert np.all(success[-1] >= success[0])  # a longer lead never lowers P(success) here
    assert sweep.notes and "correlations are dropped" in sweep.notes[0]
    doc = views.sweep_view(sweep).to_json()
    assert len(doc["cells"]) == 6 and doc["cells"][0]["at"] == {"race.lead": 3.0, TAU: 10.0}


def test_plan_counts_cells_and_cost_before_running() -> None:
    plan = api.plan_sweep(
        api.load_scenario(preset="race"),
        [
            "race.lead=1..10 months:10",
            f"{TAU}=10 token/researcher_second,100 token/researcher_second",
        ],
        None,
        500,
    )
    assert len(plan.cells) == 20 and plan.kind == "race"
    assert plan.sample_months == 20 * 500 * api.DEFAULT_MONTHS
    with pytest.raises(InputError, match="at most 10,000 cells"):
        api.plan_sweep(
            api.load_scenario(preset="race"),
            ["race.lead=1..10 months:200", f"{TAU}=10..100 token/researcher_second:100"],
        )
    with pytest.raises(InputError, match="each parameter on one axis"):
        api.plan_sweep(api.load_scenario(), ["race.lead=1 month,2 months", "race.lead=3 months"])
    with pytest.raises(InputError, match="a numeric output"):
        api.plan_sweep(api.load_scenario(), ["race.lead=1 month"], ["race.end_reason"])


@pytest.mark.parametrize("suffix", [".csv", ".json", ".nc", ".parquet"])
def test_sweep_exports(tmp_path: Path, suffix: str) -> None:
    sweep = api.sweep(
        api.load_scenario(preset="uncertain"),
        ["compute.stock=2e21 FLOP/s, 8e21 FLOP/s"],
        ["static.labor"],
        500,
    )
    written = api.export_sweep(sweep, tmp_path / f"sweep{suffix}")
    assert written.rows == 2
    if suffix == ".json":
        doc = json.loads(written.path.read_text(encoding="utf-8"))
        assert doc["data"]["compute.stock"] == [2e21, 8e21]
        assert doc["metadata"]["units"]["static.labor.p50"] == "researcher_second/s"
    if suffix == ".nc":
        import xarray as xr

        with xr.open_dataset(written.path, engine="h5netcdf") as ds:
            assert ds["static.labor"].dims == ("compute.stock", "statistic")
    with pytest.raises(Error, match="expected a new file"):
        api.export_sweep(sweep, written.path)


def _race_plan() -> api.Plan:
    return api.plan_sweep(
        api.load_scenario(preset="race"),
        ["race.lead=3..24 months:4", "race.leak_rate=0 / month, 0.1 / month"],
        samples=20_000,
        seed=3,
    )


def test_cells_in_worker_processes_are_the_same_sweep() -> None:
    from alignment_runway.engine.sweep import sweep

    plan = _race_plan()
    assert sweep(plan, QS, workers=2) == sweep(plan, QS, workers=1)


def test_a_killed_cell_process_fails_the_sweep_at_once() -> None:
    import multiprocessing
    import os
    import signal

    from alignment_runway.engine.sweep import sweep
    from alignment_runway.sampling import WorkerLost

    finished = []

    def kill_a_worker(cell: object) -> None:
        finished.append(cell)
        if len(finished) == 1:
            os.kill(multiprocessing.active_children()[0].pid or 0, signal.SIGKILL)

    with pytest.raises(WorkerLost):
        sweep(_race_plan(), QS, workers=2, on_cell=kill_a_worker)
    assert 1 <= len(finished) < 8  # what finished before was handed over; the rest never ran


class _InterruptedError(Exception):
    pass


def test_an_interrupted_sweep_resumes_from_the_store(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    scenario = api.load_scenario(preset="race")
    grid = ["race.lead=3..24 months:3", "race.leak_rate=0 / month, 0.1 / month"]
    calls: list[int] = []

    def stop_after_four_cells(done: int) -> None:  # one block, one call per cell
        calls.append(done)
        if len(calls) == 4:
            raise _InterruptedError

    with pytest.raises(_InterruptedError):
        api.sweep(scenario, grid, samples=2000, seed=9, store=store, progress=stop_after_four_cells)
    [listed] = api.list_sweeps(store)
    assert (listed["cells_done"], listed["cells"], listed["finished"]) == (3, 6, False)
    calls.clear()
    resumed = api.sweep(scenario, [], store=store, resume=listed["id"], progress=calls.append)
    assert len(calls) == 3  # only the missing cells ran
    fresh = api.sweep(scenario, grid, samples=2000, seed=9)
    assert resumed.sweep_id == listed["id"]
    # the recorded scenario reads back with its own "where"; every number is the same
    plan = dataclasses.replace(resumed.plan, scenario=fresh.scenario)
    assert dataclasses.replace(resumed, plan=plan) == fresh
    assert api.list_sweeps(store)[0]["finished"] is True
    with pytest.raises(InputError, match="not in"):
        api.sweep(scenario, [], store=store, resume=99)


def test_kept_samples_are_the_cells_own_and_in_the_dataset(tmp_path: Path) -> None:
    scenario = api.load_scenario(preset="uncertain")
    grid = ["compute.stock=2e21 FLOP/s, 8e21 FLOP/s"]
    sweep = api.sweep(scenario, grid, ["static.labor"], 700, 5, keep_samples=True)
    samples = sweep.dataset["static.labor.samples"]
    assert samples.dims == ("compute.stock", "sample") and samples.shape == (2, 700)
    alone = api.run(
        api.load_scenario(preset="uncertain", settings=["compute.stock=8e21 FLOP/s"]), 700, 5
    )
    assert np.array_equal(samples.values[1], alone.values["static.labor"])
    assert "static.labor.samples" not in api.sweep(scenario, grid, ["static.labor"], 700, 5).dataset
    with pytest.raises(InputError, match="keep_samples: expected every cell's kept samples within"):
        api.sweep(scenario, grid, ["static.labor"], 10**12, keep_samples=True)
