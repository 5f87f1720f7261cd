"""A Dask executor: a run's blocks as tasks on a Dask cluster (``distributed``, imported here).

Each task evaluates one range of samples from its own draws (``run_range``) and returns its
arrays, which are copied into place here; the values therefore do not depend on where, in which
order or how many times a range ran. Tasks are pure functions of the job and the range, so a
task whose worker is lost is simply run again by the scheduler (up to its
``distributed.scheduler.allowed-failures``), with the same result: a cluster survives a lost
worker, where the local process pool fails fast (``WorkerLost``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from alignment_runway.sampling.blocks import Array, Job, run_range
from alignment_runway.sampling.executors import Executor, Progress, span

__all__ = ["DaskCluster", "evaluate_range"]


def evaluate_range(job: Job, start: int, stop: int) -> tuple[dict[str, Array], dict[str, int]]:
    """On a worker: samples [start, stop) of ``job``, as new arrays, and the event counts."""
    out = {name: np.empty(stop - start, dtype=np.float64) for name in job.keep}
    counts = run_range(job, start, stop, out)
    return out, counts


class DaskCluster(Executor):
    """Evaluates the ranges as tasks on a Dask cluster, through a ``distributed.Client``."""

    def __init__(self, client: Any) -> None:
        """Use ``client`` (a connected ``distributed.Client``)."""
        self.client = client

    def run(  # noqa: D102
        self, job: Job, ranges: Sequence[tuple[int, int]], progress: Progress | None = None
    ) -> tuple[dict[str, Array], dict[str, int]]:
        from distributed import as_completed

        lo, hi = span(job, ranges)
        out = {name: np.empty(hi - lo, dtype=np.float64) for name in job.keep}
        counts: dict[str, int] = {}
        if not ranges:
            return out, counts
        [shared] = self.client.scatter([job], broadcast=True, hash=False)
        futures = {
            self.client.submit(evaluate_range, shared, start, stop, pure=False): (start, stop)
            for start, stop in ranges
        }
        try:
            for future in as_completed(futures):
                start, stop = futures[future]
                values, part = future.result()
                for name, array in values.items():
                    out[name][start - lo : stop - lo] = array
                for key, count in part.items():
                    counts[key] = counts.get(key, 0) + count
                if progress is not None:
                    progress(stop - start)
        finally:
            self.client.cancel(list(futures))
        return out, counts

    def __repr__(self) -> str:
        return f"DaskCluster({self.client.scheduler.address!r})"
