"""Sweeps from text: a grid given as ``--grid`` strings, run here or on a cluster, recorded.

``plan_grid`` checks a sweep before anything runs; ``sweep_grid`` runs it (here, in local
processes or on a Dask cluster) and, given a store, records it as one sweep whose cells are
written as they finish, so that ``sweep_grid(..., resume=ID)`` finishes an interrupted sweep.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from alignment_runway.engine.runs import DEFAULT_MONTHS
from alignment_runway.engine.sweep import parse_axis, plan, sweep
from alignment_runway.errors import InputError, StoreError
from alignment_runway.results import DEFAULT_PERCENTILES
from alignment_runway.results.swept import Plan, Sweep
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SEED
from alignment_runway.scenarios import Scenario

if TYPE_CHECKING:
    from alignment_runway.store import Store

__all__ = ["list_sweeps", "plan_grid", "sweep_grid"]


def plan_grid(
    scenario: Scenario,
    grid: Sequence[str],
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    method: str = "sample",
) -> Plan:
    """A sweep's plan from text axes (see ``parse_axis``), checked before anything runs.

    Args:
        scenario: the base scenario every cell changes.
        grid: axes, ``NAME=v1,v2,…``, ``NAME=lo..hi:n`` or ``NAME=lo..hi:n:log``.
        outputs: by default race.research (and race.success when the scenario sets
            race.required_research).
        samples: per cell; by default as ``run`` or ``race`` would draw for the scenario.
        seed: shared by every cell.
        months: the race's horizon.
        step: the race's step.
        method: ``"sample"`` (default) or ``"qmc"``: every cell by randomized quasi-Monte
            Carlo (``samples`` a multiple of 16); the cells share their Sobol' points.

    Raises:
        InputError: for a bad axis, output, option or grid size, or method exact or auto.
    """
    from alignment_runway.engine.checks import check_horizon, check_sampling
    from alignment_runway.engine.compare import default_outputs
    from alignment_runway.engine.runs import default_samples

    axes = [parse_axis(text) for text in grid]
    chosen = list(outputs) if outputs else default_outputs([scenario])
    kind = "race" if any(n.startswith("race.") for n in chosen) else "run"
    n = default_samples(scenario, kind) if samples is None else samples
    check_sampling(n, seed, BLOCK_SIZE, 1)
    if kind == "race":
        check_horizon(months, step)  # before the plan, whose cost counts the months
    return plan(scenario, axes, chosen, n, seed, months, step, method)


def sweep_grid(
    scenario: Scenario,
    grid: Sequence[str],
    outputs: Sequence[str] | None = None,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    workers: int = 1,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    progress: Callable[[int], None] | None = None,
    cluster: str | None = None,
    store: str | Store | None = None,
    resume: int | None = None,
    keep_samples: bool = False,
    method: str = "sample",
) -> Sweep:
    """Sweep a grid of scenarios (SPEC §11): every cell a full run or race with one seed.

    Args:
        scenario: the base scenario every cell changes.
        grid: axes, ``NAME=v1,v2,…``, ``NAME=lo..hi:n`` or ``NAME=lo..hi:n:log``.
        outputs: as ``plan_grid``.
        samples: per cell, as ``plan_grid``.
        seed: shared by every cell.
        months: the race's horizon.
        step: the race's step.
        workers: local processes, a whole cell each (see ``sweep``).
        percentiles: what each cell keeps of each output, besides its mean.
        progress: called with the number of samples just finished.
        cluster: run the cells on a Dask cluster, ``local:N`` or ``tcp://HOST:PORT`` (see
            ``engine.cluster``); each cell's values are bit for bit those of a local run.
        store: record the sweep in this store (a URL, a path or an open ``Store``), each
            cell as it finishes.
        resume: the id of a sweep recorded in ``store`` to finish: its scenario, grid and
            options are the recorded ones (the arguments above are then not used), and only
            its missing cells run.
        keep_samples: keep every cell's samples of its outputs (``Sweep.dataset`` then holds
            ``NAME.samples``); by default cells keep only their summaries, and a sampled cell
            of more than ``engine.sweep.STREAM_SAMPLES`` (2**24) samples streams: two or three
            passes, one slab held at a time (``engine.streamed``). The store keeps summaries
            only.
        method: as ``plan_grid``; recorded with the sweep (a resumed sweep uses its own).

    Raises:
        InputError: as ``plan_grid``, for a bad cluster, a cluster with ``workers``, or an
        unknown sweep to resume; StoreError: for a store that cannot be used, or a sweep
        recorded with another way of drawing samples; ScenarioError: for a cell that cannot run.
    """
    from alignment_runway.engine.recorded import open_store
    from alignment_runway.store import Store, now
    from alignment_runway.store import sweeps as recorded

    opened = store if isinstance(store, Store) or store is None else open_store(store)
    done: dict[tuple[int, ...], Any] = {}
    if resume is not None:
        if opened is None:
            raise InputError("resume", "a store to resume the sweep from", "none")
        scenario, grid, options, done = _recorded(opened, resume)
        outputs, samples, seed = options["outputs"], options["samples"], options["seed"]
        months, step = options["months"], options["step"]
        percentiles = options["percentiles"]
        method = options.get("method", "sample")
    chosen = plan_grid(
        scenario, grid, outputs, samples, seed, months=months, step=step, method=method
    )
    sweep_id = None
    on_cell = None
    if opened is not None:
        sweep_id = (
            resume if resume is not None else _start(opened, scenario, grid, chosen, percentiles)
        )
        store_at, at_id = opened, sweep_id

        def on_cell(summary: Any) -> None:
            recorded.add_cell(store_at, at_id, summary)

    result = _run(chosen, percentiles, workers, progress, cluster, done, on_cell, keep_samples)
    if opened is not None and sweep_id is not None:
        recorded.finish_sweep(opened, sweep_id, now())
    return dataclasses.replace(result, sweep_id=sweep_id)


def _start(
    store: Store,
    scenario: Scenario,
    grid: Sequence[str],
    chosen: Plan,
    percentiles: Sequence[float],
) -> int:
    """Record a sweep before its first cell runs, with what ``resume`` needs; return its id."""
    from alignment_runway.scenarios.loader import scenario_toml
    from alignment_runway.store import now, versions
    from alignment_runway.store import sweeps as recorded

    options = {
        "grid": list(grid),
        "outputs": list(chosen.outputs),
        "samples": chosen.samples,
        "seed": chosen.seed,
        "months": chosen.months,
        "step": chosen.step,
        "percentiles": list(percentiles),
    }
    if chosen.method != "sample":
        options["method"] = chosen.method
    return recorded.start_sweep(
        store, scenario.name, scenario_toml(scenario), options, versions(), len(chosen.cells), now()
    )


def _run(
    chosen: Plan,
    percentiles: Sequence[float],
    workers: int,
    progress: Callable[[int], None] | None,
    cluster: str | None,
    done: dict[tuple[int, ...], Any],
    on_cell: Callable[[Any], None] | None,
    keep_samples: bool,
) -> Sweep:
    if cluster is None:
        return sweep(
            chosen,
            percentiles,
            workers=workers,
            progress=progress,
            done=done,
            on_cell=on_cell,
            keep_samples=keep_samples,
        )
    from alignment_runway.engine.cluster import cell_mapper, check_cluster_workers, open_cluster

    check_cluster_workers(workers)
    with open_cluster(cluster) as client:
        return sweep(
            chosen,
            percentiles,
            progress=progress,
            done=done,
            on_cell=on_cell,
            map_cells=cell_mapper(client),
            keep_samples=keep_samples,
        )


def _recorded(
    store: Store, sweep_id: int
) -> tuple[Scenario, list[str], dict[str, Any], dict[tuple[int, ...], Any]]:
    """A recorded sweep's scenario, grid, options and finished cells, checked to be resumable."""
    from alignment_runway.scenarios.loader import load_text
    from alignment_runway.store import sweeps as recorded
    from alignment_runway.store import versions

    entry = recorded.get_sweep(store, sweep_id)
    ours = versions()["sampling_scheme"]
    theirs = entry.versions.get("sampling_scheme", "1")
    if theirs != ours:
        raise StoreError(
            store.location,
            f"sweep {sweep_id} drew its samples with sampling scheme {theirs}; this version "
            f"draws with {ours}, so its missing cells would not match: run it again instead",
        )
    scenario = load_text(entry.scenario_text, entry.scenario_name)
    return scenario, list(entry.plan["grid"]), entry.plan, dict(entry.done)


def list_sweeps(store: str | Store | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest recorded sweeps: id, started, scenario, cells done and in all, finished.

    Raises:
        InputError: for a limit below 1; StoreError: for a store that cannot be read.
    """
    from alignment_runway.engine.recorded import open_store
    from alignment_runway.store import Store
    from alignment_runway.store import sweeps as recorded

    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError("limit", "a whole number >= 1", repr(limit))
    opened = store if isinstance(store, Store) else open_store(store, create=False)
    return [
        {
            "id": i,
            "started_at": at,
            "scenario": name,
            "cells_done": done,
            "cells": cells,
            "finished": finished,
        }
        for i, at, name, done, cells, finished in recorded.list_sweeps(opened, limit)
    ]
