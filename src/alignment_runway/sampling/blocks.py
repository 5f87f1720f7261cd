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

__all__ = [
    "BLOCK_SIZE",
    "EVALUATION_SIZE",
    "Array",
    "Evaluate",
    "Job",
    "block_normals",
    "block_ranges",
    "run_range",
]

Array = NDArray[np.float64]
#: Samples per block; each block of each input has its own random stream.
BLOCK_SIZE = 2**16
#: Most samples the model is evaluated on at once, whatever the chunk size. The model's
#: equations are pure functions returning new arrays: at this size each is 128 KiB, so the
#: dozen or so temporaries of one evaluation stay in a core's cache and are reused from the
#: allocator's free lists, where arrays of a whole block (512 KiB) are mapped and unmapped by
#: the allocator on every call (page faults, measured at a third of the loop's time).
EVALUATION_SIZE = 2**14

#: ``evaluate(context, inputs, n, wanted)``: the model's outputs for ``n`` samples, given the
#: drawn inputs, and counts of events over those samples (summed over the whole run).
#: ``wanted`` is what the run keeps (outputs and inputs): the model must return each of those
#: outputs, and need compute no other.
Evaluate = Callable[
    [Any, dict[str, Array], int, tuple[str, ...]], tuple[dict[str, Array], dict[str, int]]
]


def block_normals(seed: int, name: str, block: int, count: int, out: Array | None = None) -> Array:
    """The first ``count`` standard-normal draws of input ``name`` in block ``block``.

    Drawing fewer values gives a prefix of drawing more, so a sample's draw does not depend
    on the total number of samples. With ``out`` (``count`` floats), they are written there.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(block, zlib.crc32(name.encode())))
    rng = np.random.default_rng(sequence)
    if out is None:
        return rng.standard_normal(count)
    return rng.standard_normal(out=out)


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
        chunk_size: most samples evaluated at once (and never more than ``EVALUATION_SIZE``).
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

    Each block's draws are made into buffers allocated once for the range (normal scores
    mapped in place to the inputs' values); the model is evaluated on at most ``chunk_size``
    and at most ``EVALUATION_SIZE`` samples at once.

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
    if start >= stop:
        return counts
    step = min(job.chunk_size, EVALUATION_SIZE)
    buffers = _Buffers(job, min(BLOCK_SIZE, job.samples))  # a block is drawn whole
    for block in range(start // BLOCK_SIZE, -(-stop // BLOCK_SIZE)):
        block_start = block * BLOCK_SIZE
        block_stop = min(block_start + BLOCK_SIZE, job.samples)
        drawn = buffers.draw(block, block_start, block_stop)
        s = max(start, block_start)
        while s < min(stop, block_stop):
            e = min(s + step, block_stop, stop)
            lo, hi = s - block_start, e - block_start
            inputs = {name: draws[lo:hi] for name, draws in drawn.items()}
            values, chunk_counts = job.evaluate(job.context, inputs, e - s, job.keep)
            for name in job.keep:
                out[name][s - start : e - start] = values[name] if name in values else inputs[name]
            for key, count in chunk_counts.items():
                counts[key] = counts.get(key, 0) + count
            s = e
    return counts


class _Buffers:
    """One range's buffers for a block's draws, reused for every block of the range."""

    def __init__(self, job: Job, size: int) -> None:
        self.job = job
        drawn = () if job.randomizations else job.inputs  # qmc points come in arrays of their own
        self.normals = {name: np.empty(size) for name, _ in drawn}
        mixed = job.mixing[0] if job.mixing is not None else ()
        self.mixed = {name: np.empty(size) for name in mixed}
        self.scratch = np.empty(size if mixed else 0)

    def draw(self, block: int, start: int, stop: int) -> dict[str, Array]:
        """Each input's values for samples ``[start, stop)`` (block ``block``)."""
        job, count = self.job, stop - start
        if job.randomizations:
            from alignment_runway.sampling.qmc import qmc_normals

            names = tuple(name for name, _ in job.inputs)
            normals = qmc_normals(job.seed, names, job.randomizations, job.samples, start, stop)
        else:
            normals = {
                name: block_normals(job.seed, name, block, count, out=buffer[:count])
                for name, buffer in self.normals.items()
            }
        if job.mixing is not None:
            names, matrix = job.mixing
            mixed = {name: self.mixed[name][:count] for name in names}
            _mix(normals, names, matrix, mixed, self.scratch[:count])
            normals |= mixed
        # each input's normal scores are its own (drawn or mixed above): mapped in place
        return {
            name: dist.from_normal(normals[name], out=normals[name]) for name, dist in job.inputs
        }


def _mix(
    normals: dict[str, Array],
    names: tuple[str, ...],
    matrix: Array,
    out: dict[str, Array],
    scratch: Array,
) -> None:
    """Correlated normals ``A z`` for ``names`` into ``out``, summed in a fixed order per sample."""
    for i, name in enumerate(names):
        total = out[name]
        np.multiply(matrix[i, 0], normals[names[0]], out=total)
        for j in range(1, len(names)):
            np.multiply(matrix[i, j], normals[names[j]], out=scratch)
            total += scratch
