"""The limits a public server needs, and the pool of worker processes that computes requests.

Each request runs in one of a few worker processes (``Limits.workers``), so one heavy request
cannot starve the others; a request waits for a worker at most while fewer than
``Limits.queue`` others wait, runs at most ``Limits.seconds``, and asks for at most
``Limits.samples`` samples. Over any limit, the answer is a clear error, never a hung page.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from alignment_runway.errors import InputError
from alignment_runway.web import work

__all__ = ["Busy", "Limits", "Pool"]


@dataclass(frozen=True)
class Limits:
    """What one request may ask for and take.

    Attributes:
        samples: most Monte Carlo samples of a run or race.
        sobol_samples: most base samples of a Sobol analysis.
        body_bytes: largest request body.
        seconds: longest a request may compute.
        workers: worker processes.
        queue: most requests waiting for a worker at once.
    """

    samples: int = 200_000
    sobol_samples: int = 1024
    body_bytes: int = 64 * 1024
    seconds: float = 20.0
    workers: int = 2
    queue: int = 16

    def check_samples(self, samples: int | None, method: str = "") -> None:
        """Refuse more samples than the server computes for one request."""
        most = self.sobol_samples if method == "sobol" else self.samples
        if samples is not None and samples > most:
            raise InputError("samples", f"at most {most:,} samples on this server", f"{samples:,}")


class Busy(Exception):  # noqa: N818 (a state, not a failure of the request)
    """Every worker is taken and the queue is full, or the workers were lost."""


class Pool:
    """A few worker processes (started fresh, not forked from the server's threads)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.waiting = 0
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            max_workers=self.limits.workers, mp_context=context, initializer=work.warm
        )

    async def compute(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        """Compute a request in a worker, within the limits."""
        if self.waiting >= self.limits.queue + self.limits.workers:
            raise Busy(f"{self.waiting} requests are already waiting; try again shortly")
        deadline = time.monotonic() + self.limits.seconds
        loop = asyncio.get_running_loop()
        self.waiting += 1
        try:
            future = loop.run_in_executor(self._executor, work.compute, kind, request, deadline)
            # a run checks its deadline between blocks; this bounds the wait if one never does
            return await asyncio.wait_for(future, self.limits.seconds + 5.0)
        except TimeoutError:
            raise work.TimeLimitError(
                "time", "a request that finishes within the server's time limit",
                f"one that ran past {self.limits.seconds:g} s: ask for fewer samples",
            ) from None  # fmt: skip
        except BrokenProcessPool:
            self._executor = self._start()
            raise Busy("a worker process was lost and has been restarted; try again") from None
        finally:
            self.waiting -= 1

    def warm(self) -> None:
        """Start every worker now (each runs ``work.warm`` once)."""
        futures = [self._executor.submit(time.sleep, 0) for _ in range(self.limits.workers)]
        for future in futures:
            future.result()

    def close(self) -> None:
        """Stop the workers."""
        self._executor.shutdown(wait=True, cancel_futures=True)
