"""Seeded Monte Carlo sampling, bit-identical whatever the chunk size or number of workers.

Samples are drawn in fixed blocks of ``BLOCK_SIZE``. The standard-normal draws of input
``name`` in block ``b`` come from their own stream,
``SeedSequence(seed, spawn_key=(b, crc32(name)))``, so a sample's inputs depend only on the
seed, its index and the input's name: not on how samples are grouped into chunks, how blocks
are shared among workers, or which other inputs are uncertain. Each input is drawn once per
sample and shared by every equation that uses it.
"""

from __future__ import annotations

import mmap
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.distributions import Distribution

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_SEED",
    "SAMPLING_SCHEME",
    "Evaluate",
    "block_normals",
    "simulate",
]

Array = NDArray[np.float64]
#: Samples per block; each block of each input has its own random stream.
BLOCK_SIZE = 2**16
#: The seed used when none is given (always recorded with the results).
DEFAULT_SEED = 2023
#: Samples drawn when a scenario has an uncertain input and no sample count is given.
DEFAULT_SAMPLES = 100_000
#: The version of how draws are made from a seed (blocks, streams, copula): recorded with every
#: stored run; a change to any of them that moves a draw increments it.
SAMPLING_SCHEME = "1"
#: Blocks per task handed to a worker process.
_BLOCKS_PER_TASK = 8

#: ``evaluate(context, inputs, n)``: the model's outputs for ``n`` samples, given the drawn
#: inputs, and counts of events over those samples (summed over the whole run).
Evaluate = Callable[[Any, dict[str, Array], int], tuple[dict[str, Array], dict[str, int]]]


def block_normals(seed: int, name: str, block: int, count: int) -> Array:
    """The first ``count`` standard-normal draws of input ``name`` in block ``block``.

    Drawing fewer values gives a prefix of drawing more, so a sample's draw does not depend
    on the total number of samples.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(block, zlib.crc32(name.encode())))
    return np.random.default_rng(sequence).standard_normal(count)


@dataclass(frozen=True)
class _Job:
    evaluate: Evaluate
    context: Any
    inputs: tuple[tuple[str, Distribution], ...]
    keep: tuple[str, ...]
    samples: int
    seed: int
    chunk_size: int
    mixing: tuple[tuple[str, ...], Array] | None = None


def _run_range(job: _Job, start: int, stop: int, out: dict[str, Array]) -> dict[str, int]:
    """Evaluate samples [start, stop) in chunks, writing each kept array into ``out``.

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
            normals = {
                name: block_normals(job.seed, name, block, block_stop - block_start)
                for name, _ in job.inputs
            }
            if job.mixing is not None:
                normals |= _mix(normals, *job.mixing)
            drawn = {name: dist.from_normal(normals[name]) for name, dist in job.inputs}
            cached_block = block
        e = min(s + job.chunk_size, block_stop, stop)
        lo, hi = s - block_start, e - block_start
        inputs = {name: draws[lo:hi] for name, draws in drawn.items()}
        values, chunk_counts = job.evaluate(job.context, inputs, e - s)
        for name in job.keep:
            out[name][s:e] = values[name] if name in values else inputs[name]
        for key, count in chunk_counts.items():
            counts[key] = counts.get(key, 0) + count
        s = e
    return counts


def _mix(normals: dict[str, Array], names: tuple[str, ...], matrix: Array) -> dict[str, Array]:
    """Correlated normals ``A z`` for ``names``, summed in a fixed order per sample."""
    mixed = {}
    for i, name in enumerate(names):
        total = matrix[i, 0] * normals[names[0]]
        for j in range(1, len(names)):
            total = total + matrix[i, j] * normals[names[j]]
        mixed[name] = total
    return mixed


def _shared_arrays(names: Sequence[str], samples: int) -> tuple[mmap.mmap, dict[str, Array]]:
    """Arrays in one anonymous shared mapping: written by forked workers, read here."""
    size = max(1, len(names) * samples * 8)
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_SHARED)
    arrays = {
        name: np.frombuffer(buffer, dtype=np.float64, count=samples, offset=i * samples * 8)
        for i, name in enumerate(names)
    }
    return buffer, arrays


_WORKER_OUT: dict[str, Array] = {}


def _worker_task(task: tuple[_Job, int, int]) -> tuple[int, dict[str, int]]:
    """In a worker process: evaluate samples [start, stop) into the shared arrays."""
    job, start, stop = task
    return stop - start, _run_range(job, start, stop, _WORKER_OUT)


def _add(total: dict[str, int], counts: dict[str, int]) -> None:
    for key, count in counts.items():
        total[key] = total.get(key, 0) + count


def simulate(
    evaluate: Evaluate,
    context: Any,
    inputs: Mapping[str, Distribution],
    keep: Sequence[str],
    samples: int,
    seed: int,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    mixing: tuple[tuple[str, ...], Array] | None = None,
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
        chunk_size: most samples evaluated at once (bounds memory; results do not depend on it).
        workers: processes to use (results do not depend on it).
        progress: called with the number of samples just finished.
        mixing: correlated inputs and the matrix ``A`` that mixes their independent normal
            draws ``z`` into correlated ones ``A z`` (a Gaussian copula).

    Returns:
        Each kept array (``samples`` floats), and the evaluation's event counts summed over
        every sample.
    """
    names = tuple(dict.fromkeys(keep))
    job = _Job(evaluate, context, tuple(inputs.items()), names, samples, seed, chunk_size, mixing)
    counts: dict[str, int] = {}
    if workers <= 1 or samples <= BLOCK_SIZE:
        out = {name: np.empty(samples, dtype=np.float64) for name in names}
        step = max(chunk_size, BLOCK_SIZE)
        for start in range(0, samples, step):
            stop = min(start + step, samples)
            _add(counts, _run_range(job, start, stop, out))
            if progress is not None:
                progress(stop - start)
        return out, counts
    import multiprocessing

    buffer, shared = _shared_arrays(names, samples)
    _WORKER_OUT.clear()
    _WORKER_OUT.update(shared)  # inherited by the forked workers
    span = BLOCK_SIZE * _BLOCKS_PER_TASK
    tasks = [(job, start, min(start + span, samples)) for start in range(0, samples, span)]
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        for done, task_counts in pool.imap_unordered(_worker_task, tasks):
            _add(counts, task_counts)
            if progress is not None:
                progress(done)
        pool.close()
    except BaseException:
        pool.terminate()  # interrupted or failed: stop the workers, drop queued tasks
        raise
    finally:
        pool.join()
        _WORKER_OUT.clear()
    # the arrays view the shared mapping and keep it alive; it is freed with them
    del buffer
    return shared, counts
