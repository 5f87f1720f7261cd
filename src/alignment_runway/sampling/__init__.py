"""Seeded Monte Carlo sampling, bit-identical whatever the chunk size, workers or executor.

Samples are drawn in fixed blocks of ``BLOCK_SIZE``. The standard-normal draws of input
``name`` in block ``b`` come from their own stream,
``SeedSequence(seed, spawn_key=(b, crc32(name)))``, so a sample's inputs depend only on the
seed, its index and the input's name: not on how samples are grouped into chunks, how blocks
are shared among workers, which executor evaluates them, or which other inputs are uncertain.
Each input is drawn once per sample and shared by every equation that uses it.

An ``Executor`` decides where the ranges of samples are evaluated: ``InProcess`` here, one
after another; ``LocalProcesses`` in forked worker processes writing into shared memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alignment_runway.distributions import Distribution
from alignment_runway.sampling.blocks import (
    BLOCK_SIZE,
    EVALUATION_SIZE,
    Array,
    Evaluate,
    Job,
    block_normals,
    block_ranges,
    run_range,
)
from alignment_runway.sampling.executors import (
    Executor,
    InProcess,
    LocalProcesses,
    Progress,
    WorkerLost,
)

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_SAMPLES",
    "DEFAULT_SEED",
    "EVALUATION_SIZE",
    "SAMPLING_SCHEME",
    "Evaluate",
    "Executor",
    "InProcess",
    "Job",
    "LocalProcesses",
    "WorkerLost",
    "block_normals",
    "executor_for",
    "run_job",
    "run_range",
    "simulate",
]

#: The seed used when none is given (always recorded with the results).
DEFAULT_SEED = 2023
#: Samples drawn when a scenario has an uncertain input and no sample count is given.
DEFAULT_SAMPLES = 100_000
#: The version of how draws are made from a seed (blocks, streams, copula, maps from normal
#: scores): recorded with every stored run; a change to any of them that moves a draw
#: increments it. 2: a truncation cutting little of a normal or lognormal keeps the base's own
#: draw inside its bounds (``distributions.Truncated``).
SAMPLING_SCHEME = "2"


def simulate(
    evaluate: Evaluate,
    context: Any,
    inputs: Mapping[str, Distribution],
    keep: Sequence[str],
    samples: int,
    seed: int,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Progress | None = None,
    mixing: tuple[tuple[str, ...], Array] | None = None,
    executor: Executor | None = None,
    randomizations: int = 0,
) -> tuple[dict[str, Array], dict[str, int]]:
    """Draw the uncertain ``inputs`` and evaluate the model on ``samples`` samples.

    Args:
        evaluate: a module-level function (picklable) computing the outputs.
        context: what ``evaluate`` needs besides the draws (the scenario); picklable.
        inputs: the uncertain inputs by name.
        keep: the outputs and inputs to keep, one float per sample each (memory is
            ``8 × len(keep)`` bytes per sample); the rest are computed and dropped.
        samples: how many samples.
        seed: a non-negative integer.
        chunk_size: most samples evaluated at once, at most ``EVALUATION_SIZE`` in any case
            (bounds memory; results do not depend on it).
        workers: processes to use when no ``executor`` is given (results do not depend on it).
        progress: called with the number of samples just finished.
        mixing: correlated inputs and the matrix ``A`` that mixes their independent normal
            draws ``z`` into correlated ones ``A z`` (a Gaussian copula).
        executor: where to evaluate the samples (results do not depend on it); by default
            ``InProcess()`` for one worker or at most one block of samples, else
            ``LocalProcesses(workers)``.
        randomizations: 0 for plain Monte Carlo; else randomized quasi-Monte Carlo with this
            many scrambled Sobol' sequences (``samples`` a multiple of it; ``sampling.qmc``).

    Returns:
        Each kept array (``samples`` floats), and the evaluation's event counts summed over
        every sample.

    Raises:
        WorkerLost: when a worker process ends without finishing its task (killed, or out
            of memory); nothing is returned.
    """
    names = tuple(dict.fromkeys(keep))
    job = Job(
        evaluate,
        context,
        tuple(inputs.items()),
        names,
        samples,
        seed,
        chunk_size,
        mixing,
        randomizations,
    )
    return run_job(job, workers, progress, executor)


def executor_for(workers: int, samples: int) -> Executor:
    """The executor used when none is given.

    In this process for one worker or at most one block of samples, else
    ``LocalProcesses(workers)``.
    """
    single = workers <= 1 or samples <= BLOCK_SIZE
    return InProcess() if single else LocalProcesses(workers)


def run_job(
    job: Job,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> tuple[dict[str, Array], dict[str, int]]:
    """Evaluate every sample of ``job`` (see ``simulate``, which builds the job)."""
    executor = executor_for(workers, job.samples) if executor is None else executor
    return executor.run(job, block_ranges(job.samples), progress)
