"""Seeded blocks of draws, and the evaluation of one range of samples.

A sample's inputs depend only on the seed, its index and the input's name (see the package's
contract); ``run_range`` evaluates any range of samples from those draws alone, so every
executor, whatever it splits and wherever it runs, gives the same values.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.distributions import Distribution

__all__ = ["BLOCK_SIZE", "Array", "Evaluate", "Job", "block_normals", "block_ranges", "run_range"]

Array = NDArray[np.float64]
#: Samples per block; each block of each input has its own random stream.
BLOCK_SIZE = 2**16

#: ``evaluate(context, inputs, n, wanted)``: the model's outputs for ``n`` samples, given the
#: drawn inputs, and counts of events over those samples (summed over the whole run).
#: ``wanted`` is what the run keeps (outputs and inputs): the model must return each of those
#: outputs, and need compute no other.
Evaluate = Callable[
    [Any, dict[str, Array], int, tuple[str, ...]], tuple[dict[str, Array], dict[str, int]]
]


def block_normals(seed: int, name: str, block: int, count: int) -> Array:
    """The first ``count`` standard-normal draws of input ``name`` in block ``block``.

    Drawing fewer values gives a prefix of drawing more, so a sample's draw does not depend
    on the total number of samples.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(block, zlib.crc32(name.encode())))
    return np.random.default_rng(sequence).standard_normal(count)


def block_ranges(samples: int) -> list[tuple[int, int]]:
    """The ranges ``(start, stop)`` of samples, one per block, in order."""
    return [(s, min(s + BLOCK_SIZE, samples)) for s in range(0, samples, BLOCK_SIZE)]


@dataclass(frozen=True)
class Job:
    """Everything needed to evaluate any range of a run's samples; picklable.

    Attributes:
        evaluate: a module-level function computing the outputs.
        context: what ``evaluate`` needs besides the draws.
        inputs: the uncertain inputs, by name.
        keep: the outputs and inputs kept, one float per sample each.
        samples: the run's number of samples.
        seed: the run's seed.
        chunk_size: most samples evaluated at once.
        mixing: correlated inputs and the matrix mixing their normal draws, if any.
        randomizations: 0 for plain Monte Carlo; else a randomized quasi-Monte Carlo run of
            this many scrambled Sobol' sequences (``sampling.qmc``).
    """

    evaluate: Evaluate
    context: Any
    inputs: tuple[tuple[str, Distribution], ...]
    keep: tuple[str, ...]
    samples: int
    seed: int
    chunk_size: int
    mixing: tuple[tuple[str, ...], Array] | None = None
    randomizations: int = 0


def run_range(job: Job, start: int, stop: int, out: dict[str, Array]) -> dict[str, int]:
    """Evaluate samples [start, stop) of ``job`` in chunks, writing the kept values to ``out``.

    Args:
        job: the run.
        start: the first sample.
        stop: one past the last sample.
        out: for each name in ``job.keep``, an array of ``stop - start`` floats, written in
            place (sample ``start`` goes to index 0).

    Returns:
        The evaluation's event counts, summed over the range.
    """
    counts: dict[str, int] = {}
    cached_block = -1
    drawn: dict[str, Array] = {}
    s = start
    while s < stop:
        block = s // BLOCK_SIZE
        block_start = block * BLOCK_SIZE
        block_stop = min(block_start + BLOCK_SIZE, job.samples)
        if block != cached_block:
            normals = _block_draws(job, block, block_start, block_stop)
            if job.mixing is not None:
                normals |= _mix(normals, *job.mixing)
            drawn = {name: dist.from_normal(normals[name]) for name, dist in job.inputs}
            cached_block = block
        e = min(s + job.chunk_size, block_stop, stop)
        lo, hi = s - block_start, e - block_start
        inputs = {name: draws[lo:hi] for name, draws in drawn.items()}
        values, chunk_counts = job.evaluate(job.context, inputs, e - s, job.keep)
        for name in job.keep:
            out[name][s - start : e - start] = values[name] if name in values else inputs[name]
        for key, count in chunk_counts.items():
            counts[key] = counts.get(key, 0) + count
        s = e
    return counts


def _block_draws(job: Job, block: int, start: int, stop: int) -> dict[str, Array]:
    """Each input's standard normals for samples ``[start, stop)`` (block ``block``)."""
    if job.randomizations:
        from alignment_runway.sampling.qmc import qmc_normals

        names = tuple(name for name, _ in job.inputs)
        return qmc_normals(job.seed, names, job.randomizations, job.samples, start, stop)
    return {name: block_normals(job.seed, name, block, stop - start) for name, _ in job.inputs}


def _mix(normals: dict[str, Array], names: tuple[str, ...], matrix: Array) -> dict[str, Array]:
    """Correlated normals ``A z`` for ``names``, summed in a fixed order per sample."""
    mixed = {}
    for i, name in enumerate(names):
        total = matrix[i, 0] * normals[names[0]]
        for j in range(1, len(names)):
            total = total + matrix[i, j] * normals[names[j]]
        mixed[name] = total
    return mixed
