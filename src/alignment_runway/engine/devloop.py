"""The development loop (SPEC §8): tokens, signals per day and latency per feedback signal."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from alignment_runway.engine.checks import check_memory
from alignment_runway.engine.evaluate import column
from alignment_runway.engine.runs import default_samples, run
from alignment_runway.errors import InputError
from alignment_runway.model import devloop as devloop_model
from alignment_runway.model import static as static_model
from alignment_runway.model.labor import capped_serial_tokens
from alignment_runway.results import DevloopCase, DevloopResult
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SEED
from alignment_runway.scenarios import Scenario

__all__ = ["DEFAULT_TAUS", "devloop"]

#: The tokens per researcher-second compared when none are given (the first comment's).
DEFAULT_TAUS = (10.0, 1000.0)


def devloop(
    scenario: Scenario,
    taus: Sequence[float] = DEFAULT_TAUS,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
) -> DevloopResult:
    """The development loop for each ``τ`` in ``taus`` and each task length (see ``api``).

    Raises:
        InputError: for a non-positive or infinite ``τ`` or bad sampling options.
    """
    for tau in taus:
        if not (math.isfinite(tau) and tau > 0):
            raise InputError("taus", "a finite tokens per researcher-second > 0", f"{tau:g}")
    n = default_samples(scenario) if samples is None else samples
    if isinstance(n, int) and not isinstance(n, bool) and n > 0:  # run checks the rest
        kept = len(static_model.OUTPUTS) + len(scenario.uncertain())
        check_memory(n, kept, can_keep=False)  # the loop has no --keep: say fewer samples
    result = run(scenario, samples, seed, chunk_size=chunk_size, workers=workers)
    samples = result.samples
    fleet = scenario.value("devloop.budget") is None
    if fleet:
        budget = result.values["static.tokens_per_second"]
    else:
        budget = column(scenario, result.values, "devloop.budget", samples)
    sigma = column(scenario, result.values, "labor.serial_tokens_per_researcher_second", samples)
    speed = column(scenario, result.values, "labor.serial_speed", samples)
    cases = []
    for tau in taus:
        for task in scenario.values_list("devloop.task_length"):
            per_signal = devloop_model.tokens_per_signal(tau, task)
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                per_day = devloop_model.signals_per_day(budget, np.full(samples, per_signal))
            if not (math.isfinite(per_signal) and per_signal > 0 and np.isfinite(per_day).all()):
                raise InputError(
                    "taus",
                    "tokens per researcher-second whose tokens and signals per day stay "
                    "within floating point",
                    f"{tau:g}, which with tasks of {task:g} researcher-seconds gives "
                    f"{per_signal:g} tokens per signal",
                )
            cases.append(
                DevloopCase(
                    tokens_per_researcher_s=tau,
                    task_researcher_s=task,
                    tokens_per_signal=per_signal,
                    signals_per_day=per_day,
                    latency_s=devloop_model.signal_latency_s(
                        np.full(samples, task),
                        capped_serial_tokens(np.full(samples, tau), sigma),
                        speed,
                    ),
                )
            )
    return DevloopResult(scenario, samples, seed, budget, fleet, tuple(cases))
