"""A sweep of 120 cells on 1 and 2 local processes and on a 2-worker Dask LocalCluster.

    .venv/bin/python benchmarks/sweep_scaling.py [--samples N] [--repeats R]

``make bench`` runs it and ``write_results.py`` turns benchmarks/sweep.json into a section of
RESULTS.md. The sweep: the race preset over race.lead (12 values, 1 to 36 months) × the token
cost τ (10 values, 10 to 1000 tokens per researcher-second, log-spaced), N samples a cell, the
default 60-month horizon. Cases, each the best and median of R repeats (after one warm-up):

- ``1 process``: every cell here, one after another (``workers=1``);
- ``2 processes``: every cell here, each cell's blocks on 2 forked processes (``workers=2``);
- ``LocalCluster(2)``: the cells as tasks on a 2-worker Dask LocalCluster (started once,
  outside the timing);
- Dask's overhead per block: a run of 64 blocks of the uncertain preset (the static model) on
  the cluster against the same blocks in this process: the cluster's time beyond half the
  in-process time (two workers), per block.

Scaling efficiency = (time on 1) / (time on 2 × 2).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alignment_runway import api, sampling
from alignment_runway.engine.cluster import cell_mapper, open_cluster
from alignment_runway.engine.evaluate import evaluate_static
from alignment_runway.engine.grid import plan_grid
from alignment_runway.engine.sweep import sweep
from alignment_runway.sampling import InProcess
from alignment_runway.sampling.cluster import DaskCluster

HERE = Path(__file__).resolve().parent
GRID = (
    "race.lead=1..36 months:12",
    "labor.tokens_per_researcher_second=10..1000 token/researcher_second:10:log",
)
QS = (5.0, 50.0, 95.0)


def _timed(call: Callable[[], Any], repeats: int) -> dict[str, float]:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {"best": min(times), "median": statistics.median(times)}


def _overhead(client: Any, repeats: int) -> dict[str, Any]:
    """Seconds per block on the cluster beyond the same blocks evaluated here."""
    scenario = api.load_scenario(preset="uncertain")
    inputs = scenario.uncertain()
    samples = 64 * sampling.BLOCK_SIZE

    def simulate(executor: sampling.Executor) -> None:
        sampling.simulate(
            evaluate_static, scenario, inputs, ["static.labor"], samples, 1, executor=executor
        )

    here = _timed(lambda: simulate(InProcess()), repeats)
    there = _timed(lambda: simulate(DaskCluster(client)), repeats)
    return {
        "blocks": 64,
        "block_size": sampling.BLOCK_SIZE,
        "in_process": here,
        "cluster": there,
        # two workers share the blocks: the cluster's ideal is half the in-process time
        "overhead_per_block_s": (there["best"] - here["best"] / 2) / 64,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    plan = plan_grid(api.load_scenario(preset="race"), GRID, samples=args.samples, seed=2023)
    cells = len(plan.cells)
    results: dict[str, Any] = {
        "cells": cells,
        "samples_per_cell": args.samples,
        "months": plan.months,
        "sample_months": plan.sample_months,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
        "command": f"python benchmarks/sweep_scaling.py --samples {args.samples} "
        f"--repeats {args.repeats}",
    }
    results["1 process"] = _timed(lambda: sweep(plan, QS, workers=1), args.repeats)
    results["2 processes"] = _timed(lambda: sweep(plan, QS, workers=2), args.repeats)
    with open_cluster("local:2") as client:  # as --cluster local:2 starts it
        mapper = cell_mapper(client)
        results["LocalCluster(2)"] = _timed(lambda: sweep(plan, QS, map_cells=mapper), args.repeats)
        results["overhead"] = _overhead(client, args.repeats)
    one = results["1 process"]["best"]
    for case in ("2 processes", "LocalCluster(2)"):
        results[case]["efficiency"] = one / (results[case]["best"] * 2)
    results["load_after"] = os.getloadavg()
    (HERE / "sweep.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
