"""Executors: where a run's ranges of samples are evaluated, never what they compute.

An executor takes a picklable ``Job`` and its ranges of samples, evaluates each range with
``run_range`` (here, or in other processes), and gives back the kept arrays and the summed
event counts. Each range is evaluated from its own draws, so the values do not depend on the
executor; only the event counts are summed, and integer sums do not depend on order.
"""

from __future__ import annotations

import mmap
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from alignment_runway.sampling.blocks import Array, Job, run_range

__all__ = ["Executor", "InProcess", "LocalProcesses", "Progress", "WorkerLost"]

#: Called with the number of samples just finished.
Progress = Callable[[int], None]


class WorkerLost(RuntimeError):  # noqa: N818 (named for what happened, as callers see it)
    """A worker process ended without finishing its task: killed, or out of memory."""

    def __init__(
        self,
        message: str = (
            "a worker process ended unexpectedly (killed, or out of memory?); "
            "no result was produced"
        ),
    ) -> None:
        super().__init__(message)


class Executor(ABC):
    """Evaluates a job's ranges of samples, somewhere."""

    @abstractmethod
    def run(
        self, job: Job, ranges: Sequence[tuple[int, int]], progress: Progress | None = None
    ) -> tuple[dict[str, Array], dict[str, int]]:
        """Evaluate every range of ``job``.

        Args:
            job: the run.
            ranges: ``(start, stop)`` ranges of samples, covering ``[0, job.samples)`` once.
            progress: called with each range's number of samples as it finishes.

        Returns:
            Each kept array, and the evaluation's event counts summed over every range. The
            arrays span the ranges, from the lowest start to the highest stop (``job.samples``
            floats for ranges covering the run; a slab's floats for a run streamed in slabs).
        """


class InProcess(Executor):
    """Evaluates the ranges one after another in this process."""

    def run(  # noqa: D102
        self, job: Job, ranges: Sequence[tuple[int, int]], progress: Progress | None = None
    ) -> tuple[dict[str, Array], dict[str, int]]:
        lo, hi = span(job, ranges)
        out = {name: np.empty(hi - lo, dtype=np.float64) for name in job.keep}
        counts: dict[str, int] = {}
        for start, stop in ranges:
            views = {name: values[start - lo : stop - lo] for name, values in out.items()}
            _add(counts, run_range(job, start, stop, views))
            if progress is not None:
                progress(stop - start)
        return out, counts

    def __repr__(self) -> str:
        return "InProcess()"


class LocalProcesses(Executor):
    """Evaluates the ranges in forked worker processes on this machine, one task per range.

    The workers write the kept values into one anonymous shared mapping that they inherit
    when forked, so no array is copied between processes. A worker that dies (killed, or
    out of memory) fails the run at once with ``WorkerLost``; an interrupt or any other
    error stops every worker and drops the queued tasks.
    """

    def __init__(self, workers: int) -> None:
        """Use at most ``workers`` processes (at least 1)."""
        if workers < 1:
            raise ValueError(f"workers: expected a whole number >= 1; received {workers}")
        self.workers = workers

    def run(  # noqa: D102
        self, job: Job, ranges: Sequence[tuple[int, int]], progress: Progress | None = None
    ) -> tuple[dict[str, Array], dict[str, int]]:
        lo, hi = span(job, ranges)
        buffer, shared = _shared_arrays(job.keep, hi - lo)
        counts: dict[str, int] = {}
        if ranges:
            _run_pool(self.workers, job, shared, ranges, counts, progress, lo)
        # the arrays view the shared mapping and keep it alive; it is freed with them
        del buffer
        return shared, counts

    def __repr__(self) -> str:
        return f"LocalProcesses({self.workers})"


def _run_pool(
    workers: int,
    job: Job,
    shared: dict[str, Array],
    ranges: Sequence[tuple[int, int]],
    counts: dict[str, int],
    progress: Progress | None,
    offset: int = 0,
) -> None:
    """Evaluate ``ranges`` in forked workers writing into ``shared``, adding to ``counts``.

    Sample ``offset`` goes to index 0 of the shared arrays.
    """
    import multiprocessing

    pool = ProcessPoolExecutor(
        min(workers, len(ranges)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(job, shared),  # inherited by the forked workers, not pickled
    )
    try:
        sizes: dict[Future[dict[str, int]], int] = {
            pool.submit(_worker_range, start, stop, offset): stop - start for start, stop in ranges
        }
        for future in as_completed(sizes):
            _add(counts, future.result())
            if progress is not None:
                progress(sizes[future])
    except BrokenProcessPool as error:
        _stop(pool)
        raise WorkerLost() from error
    except BaseException:
        _stop(pool)  # interrupted or failed: stop the workers, drop queued tasks
        raise
    pool.shutdown()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, without waiting for their tasks, and drop queued tasks."""
    # ProcessPoolExecutor has no public way to end running workers before Python 3.14
    processes = list((pool._processes or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _shared_arrays(names: Sequence[str], samples: int) -> tuple[mmap.mmap, dict[str, Array]]:
    """Arrays in one anonymous shared mapping: written by forked workers, read here."""
    size = max(1, len(names) * samples * 8)
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)
    arrays = {
        name: np.frombuffer(buffer, dtype=np.float64, count=samples, offset=i * samples * 8)
        for i, name in enumerate(names)
    }
    return buffer, arrays


#: Set in each worker process by its initializer (never in the parent): the job and the
#: shared arrays it writes into.
_worker_job: tuple[Job, dict[str, Array]] | None = None


def _start_worker(job: Job, shared: dict[str, Array]) -> None:
    """In a new worker process: keep the job and the shared arrays for its tasks."""
    global _worker_job
    _worker_job = (job, shared)


def _worker_range(start: int, stop: int, offset: int = 0) -> dict[str, int]:
    """In a worker process: evaluate samples [start, stop) into the shared arrays.

    Sample ``offset`` is at index 0 of the shared arrays.
    """
    assert _worker_job is not None, "called outside a worker process"
    job, shared = _worker_job
    views = {name: values[start - offset : stop - offset] for name, values in shared.items()}
    return run_range(job, start, stop, views)


def span(job: Job, ranges: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The samples ``[lo, hi)`` an executor's arrays hold for ``ranges``: the whole run if none."""
    if not ranges:
        return 0, job.samples
    return min(start for start, _ in ranges), max(stop for _, stop in ranges)


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for key, count in counts.items():
        total[key] = total.get(key, 0) + count
