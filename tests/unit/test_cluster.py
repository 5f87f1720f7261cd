"""A Dask cluster computes blocks and cells bit for bit as a local run, and survives a lost worker.

One ``LocalCluster`` of two single-threaded worker processes serves the module and is stopped
after it, whatever happens.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from alignment_runway import api, sampling
from alignment_runway.engine.cluster import cell_mapper, open_cluster
from alignment_runway.engine.evaluate import evaluate_static
from alignment_runway.engine.grid import plan_grid
from alignment_runway.engine.sweep import sweep
from alignment_runway.errors import InputError
from alignment_runway.sampling import InProcess
from alignment_runway.sampling.cluster import DaskCluster

_SEED = 17
_SAMPLES = 3 * sampling.BLOCK_SIZE + 1234  # several blocks, the last one short


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with open_cluster("local:2") as client:  # as --cluster local:2 starts it
        yield client


@pytest.mark.parametrize("chunk_size", [4096, sampling.BLOCK_SIZE])
def test_blocks_on_a_cluster_are_bit_identical(client: Any, chunk_size: int) -> None:
    scenario = api.load_scenario(preset="uncertain")
    uncertain = scenario.uncertain()
    keep = ["static.research_per_month", "static.labor", *uncertain]
    done: list[int] = []

    def simulate(executor: sampling.Executor) -> tuple[dict[str, np.ndarray], dict[str, int]]:
        return sampling.simulate(
            evaluate_static,
            scenario,
            uncertain,
            keep,
            _SAMPLES,
            _SEED,
            chunk_size=chunk_size,
            executor=executor,
            progress=done.append,
        )

    local, local_counts = simulate(InProcess())
    done.clear()
    remote, remote_counts = simulate(DaskCluster(client))
    assert sum(done) == _SAMPLES  # progress once per block
    assert remote_counts == local_counts
    for name in keep:
        assert np.array_equal(remote[name], local[name]), name


def test_a_race_on_a_cluster_is_the_local_race(client: Any) -> None:
    scenario = api.load_scenario(preset="race")
    from alignment_runway.engine.runs import race

    local = race(scenario, _SAMPLES, _SEED, keep_trajectories=10)
    remote = race(scenario, _SAMPLES, _SEED, keep_trajectories=10, executor=DaskCluster(client))
    assert set(remote.values) == set(local.values)
    for name, values in local.values.items():
        assert np.array_equal(remote.values[name], values, equal_nan=True), name
    assert np.array_equal(remote.trajectories, local.trajectories)


def _plan() -> Any:
    return plan_grid(
        api.load_scenario(preset="race"),
        ["race.lead=3..24 months:3", "race.leak_rate=0 / month, 0.1 / month"],
        samples=40_000,
        seed=_SEED,
    )


def test_a_sweep_on_a_cluster_is_the_local_sweep(client: Any) -> None:
    plan = _plan()
    local = sweep(plan, (5.0, 50.0, 95.0))
    remote = sweep(plan, (5.0, 50.0, 95.0), map_cells=cell_mapper(client))
    assert remote == local  # every cell's every estimate, bit for bit


def test_a_streamed_sweep_on_a_cluster_is_the_local_one(client: Any) -> None:
    plan = _plan()
    done: list[int] = []
    local = sweep(plan, (5.0, 50.0, 95.0), stream_above=1000)  # every cell streamed
    remote = sweep(
        plan,
        (5.0, 50.0, 95.0),
        map_cells=cell_mapper(client),
        stream_above=1000,
        progress=done.append,
    )
    assert remote == local
    assert sum(done) == len(plan.cells) * 2 * plan.samples  # both passes counted


def test_a_worker_killed_mid_sweep_is_retried_and_changes_nothing(client: Any) -> None:
    plan = _plan()
    local = sweep(plan, (50.0,))
    pids = list(client.run(os.getpid).values())
    killed: list[int] = []

    def kill_one(_: object) -> None:
        if not killed:  # after the first cell: the others are queued or running
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    remote = sweep(plan, (50.0,), map_cells=cell_mapper(client), on_cell=kill_one)
    assert killed
    assert remote == local
    client.wait_for_workers(2, timeout=60)  # the nanny restarted the worker


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("local", "local:N"),
        ("local:0", "from 1 to 64"),
        ("http://example:8786", "tcp://HOST:PORT"),
        ("tcp://127.0.0.1:9", "a Dask scheduler that answers"),
    ],
)
def test_bad_clusters_are_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message), open_cluster(spec, timeout_s=2.0):
        pass


def test_a_cluster_brings_its_own_workers() -> None:
    with pytest.raises(InputError, match="1 beside"):
        api.run(api.load_scenario(preset="uncertain"), 1000, workers=2, cluster="local:1")
