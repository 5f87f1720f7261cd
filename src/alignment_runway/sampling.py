"""Seeded Monte Carlo sampling, bit-identical whatever the chunk size or number of workers.

Samples are drawn in fixed blocks of ``BLOCK_SIZE``. The standard-normal draws of input
``name`` in block ``b`` come from their own stream,
``SeedSequence(seed, spawn_key=(b, crc32(name)))``, so a sample's inputs depend only on the
seed, its index and the input's name: not on how samples are grouped into chunks, how blocks
are shared among workers, or which other inputs are uncertain. Each input is drawn once per
sample and shared by every equation that uses it.
"""

from __future__ import annotations

import contextlib
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
    "Evaluate",
    "block_normals",
    "simulate",
]

Array = NDArray[np.float64]
#: Samples per block; each block of each input has its own random stream.
BLOCK_SIZE = 2**16
#: The seed used when none is given (always recorded with the results).
DEFAULT_SEED = 2023
#: Blocks per task handed to a worker process.
_BLOCKS_PER_TASK = 8

#: ``evaluate(context, inputs, n)``: model outputs for ``n`` samples, given the drawn inputs.
Evaluate = Callable[[Any, dict[str, Array], int], dict[str, Array]]


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
    outputs: tuple[str, ...]
    samples: int
    seed: int
    chunk_size: int


def _run_range(job: _Job, start: int, stop: int, out: dict[str, Array]) -> None:
    """Evaluate samples [start, stop) in chunks, writing each output into ``out``."""
    cached_block = -1
    drawn: dict[str, Array] = {}
    s = start
    while s < stop:
        block = s // BLOCK_SIZE
        block_start = block * BLOCK_SIZE
        block_stop = min(block_start + BLOCK_SIZE, job.samples)
        if block != cached_block:
            drawn = {
                name: dist.from_normal(
                    block_normals(job.seed, name, block, block_stop - block_start)
                )
                for name, dist in job.inputs
            }
            cached_block = block
        e = min(s + job.chunk_size, block_stop, stop)
        lo, hi = s - block_start, e - block_start
        inputs = {name: draws[lo:hi] for name, draws in drawn.items()}
        values = job.evaluate(job.context, inputs, e - s)
        for name in job.outputs:
            out[name][s:e] = values[name]
        for name, draws in inputs.items():
            out[name][s:e] = draws
        s = e


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


def _worker_task(job: _Job, start: int, stop: int) -> int:
    _run_range(job, start, stop, _WORKER_OUT)
    return stop - start


def simulate(
    evaluate: Evaluate,
    context: Any,
    inputs: Mapping[str, Distribution],
    outputs: Sequence[str],
    samples: int,
    seed: int,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Array]:
    """Draw the uncertain ``inputs`` and evaluate the model on ``samples`` samples.

    Args:
        evaluate: a module-level function (picklable) computing the outputs.
        context: what ``evaluate`` needs besides the draws (the scenario); picklable.
        inputs: the uncertain inputs by name.
        outputs: the names of the outputs to keep (one float per sample each).
        samples: how many samples.
        seed: a non-negative integer.
        chunk_size: most samples evaluated at once (bounds memory; results do not depend on it).
        workers: processes to use (results do not depend on it).
        progress: called with the number of samples just finished.

    Returns:
        Each kept output (and each uncertain input's draws) as an array of ``samples`` floats.
    """
    job = _Job(evaluate, context, tuple(inputs.items()), tuple(outputs), samples, seed, chunk_size)
    names = [*outputs, *inputs]
    if workers <= 1 or samples <= BLOCK_SIZE:
        out = {name: np.empty(samples, dtype=np.float64) for name in names}
        step = max(chunk_size, BLOCK_SIZE)
        for start in range(0, samples, step):
            stop = min(start + step, samples)
            _run_range(job, start, stop, out)
            if progress is not None:
                progress(stop - start)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    buffer, shared = _shared_arrays(names, samples)
    _WORKER_OUT.clear()
    _WORKER_OUT.update(shared)  # inherited by the forked workers
    span = BLOCK_SIZE * _BLOCKS_PER_TASK
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [
                pool.submit(_worker_task, job, start, min(start + span, samples))
                for start in range(0, samples, span)
            ]
            for future in as_completed(futures):
                done = future.result()
                if progress is not None:
                    progress(done)
        return {name: array.copy() for name, array in shared.items()}
    finally:
        _WORKER_OUT.clear()
        del shared
        # an array may still view the mapping; it is then freed with that array
        with contextlib.suppress(BufferError):
            buffer.close()
