"""Runs and races too large to hold, summarised in slabs (``analysis.streamed``).

A sweep's cell of more than ``STREAM_SAMPLES`` samples is not held: its samples are evaluated
a slab of ``SLAB_BLOCKS`` blocks at a time, twice (or more, should a percentile's bracket
miss), and only each output's summary is kept. Every pass re-evaluates the same samples from
the seed, each sample's index and each input's name (``sampling``), so the summary is the one
of the whole array held at once, whatever the slab size, the workers or the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from alignment_runway.analysis.streamed import KEEP, MARGIN, SUBSAMPLE, Visit, summaries
from alignment_runway.analysis.summary import Estimate
from alignment_runway.engine import runs
from alignment_runway.engine.checks import check_finite, check_memory, kept_names
from alignment_runway.errors import InputError
from alignment_runway.sampling import BLOCK_SIZE, Executor, Job, executor_for
from alignment_runway.scenarios import Scenario, tasks_active

__all__ = [
    "SLAB_BLOCKS",
    "STREAM_SAMPLES",
    "race_job",
    "static_job",
    "streamed",
]

#: A sweep's cells of more samples than this stream (2**24, about 1.7e7): held, a cell's
#: output takes 8 bytes a sample and as much again to summarise (256 MiB per output here).
STREAM_SAMPLES = 2**24
#: Blocks evaluated at once when streaming (2**22 samples, 32 MiB per output).
SLAB_BLOCKS = 64

Summary = tuple[Estimate, list[Estimate]]


def static_job(scenario: Scenario, names: Sequence[str], samples: int, seed: int) -> Job:
    """The static model's job for ``names`` (as ``runs.run`` draws it, method sample).

    Raises:
        InputError: for a name the scenario does not compute (as ``runs.run``).
    """
    kept = kept_names(names, scenario.uncertain(), tasks_active(scenario))
    return runs.static_job(scenario, kept, samples, seed)


def race_job(
    scenario: Scenario,
    names: Sequence[str],
    samples: int,
    seed: int,
    months: float,
    step: str,
) -> Job:
    """The race's job for ``names`` (as ``runs.race`` draws it).

    Raises:
        InputError: for a bad horizon or step; ScenarioError: for parameters that do not fit.
    """
    grid, _ = runs.race_grid(scenario, months, step)
    return runs.race_job(scenario, names, samples, seed, grid)


def streamed(
    scenario: Scenario,
    job: Job,
    qs: Sequence[float],
    *,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    slab_blocks: int = SLAB_BLOCKS,
    margin: float = MARGIN,
    subsample: int = SUBSAMPLE,
    keep: int = KEEP,
) -> dict[str, Summary]:
    """Each kept output's mean and percentiles ``qs`` (in percent), holding a slab at a time.

    Args:
        scenario: the job's scenario (named if its values overflow).
        job: from ``static_job`` or ``race_job``.
        qs: percentiles, in percent.
        workers: local processes per slab when no ``executor`` is given.
        executor: where each slab's blocks are evaluated.
        progress: called with the samples just finished, in every pass (so a cell counts
            ``analysis.streamed.planned_passes`` times its samples).
        slab_blocks: blocks per slab (the result does not depend on it).
        margin: the percentiles' brackets, in binomial standard deviations (see
            ``analysis.streamed``; a narrow one makes them miss, for tests).
        subsample: most values the first pass keeps to place the brackets.
        keep: most values a bracket keeps in one pass (past it, a third pass).

    Raises:
        InputError: for slabs that would not fit in memory; ScenarioError: for values that
            overflow floating point (after the first pass).
    """
    if executor is None:
        executor = executor_for(workers, job.samples)
    if slab_blocks < 1:
        raise InputError("slab_blocks", "a whole number of blocks >= 1", repr(slab_blocks))
    slab = slab_blocks * BLOCK_SIZE
    check_memory(min(slab, job.samples), len(job.keep), 0.0, can_keep=False)
    counts: dict[str, int] = {}

    def passes(visit: Visit) -> None:
        counts.clear()
        for first in range(0, job.samples, slab):
            last = min(first + slab, job.samples)
            ranges = [(s, min(s + BLOCK_SIZE, last)) for s in range(first, last, BLOCK_SIZE)]
            values, part = executor.run(job, ranges, progress)
            for key, count in part.items():
                counts[key] = counts.get(key, 0) + count
            visit(first, values)
            del values

    return summaries(
        passes,
        job.keep,
        job.samples,
        qs,
        group=BLOCK_SIZE,
        margin=margin,
        subsample=subsample,
        keep=keep,
        after_first=lambda: check_finite(scenario, counts),
    )
