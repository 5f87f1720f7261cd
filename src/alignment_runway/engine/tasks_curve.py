"""The speed-up over the human field as more tasks are automated (SPEC §7, ``tasks`` command).

For each sample of a scenario (its AI labor ``L`` from Stage B, its human field ``H`` and task
costs), research with the AI on its best share of the cheapest ``a`` of tasks, over the human
field's alone, for ``a`` from 0 to 1: for the scenario's ``ε`` and for fixed ones, beside the
single-τ figure (every task automated at the median cost, ``1 + L/H``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from alignment_runway.engine.evaluate import column
from alignment_runway.engine.runs import run
from alignment_runway.errors import InputError
from alignment_runway.model import tasks as tasks_model
from alignment_runway.results import TasksCase, TasksCurve
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SEED
from alignment_runway.scenarios import Scenario

__all__ = ["DEFAULT_EPSILONS", "DEFAULT_TASKS_SAMPLES", "SHARES", "THRESHOLDS", "tasks_curve"]

Array = NDArray[np.float64]

#: The elasticities compared beside the scenario's own.
DEFAULT_EPSILONS = (0.25, 0.5, 1.0, 2.0)
#: Automated shares the curves are drawn at.
SHARES = np.linspace(0.0, 1.0, 101)
#: Speed-ups whose first automated share is reported: the essay's "significantly contribute"
#: (3×) and 10×.
THRESHOLDS = (3.0, 10.0)
#: Samples drawn when the scenario is uncertain and none are asked (quantile bands).
DEFAULT_TASKS_SAMPLES = 2000
#: Bisection steps for the share at which a threshold is first passed (2^-50 of the range).
_BISECTIONS = 50


def tasks_curve(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    epsilons: Sequence[float] = DEFAULT_EPSILONS,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
) -> TasksCurve:
    """Speed-up over the human field against the automated share (see ``api.tasks_curve``).

    Raises:
        InputError: for a non-positive ``ε``, or a sample without human researchers (there
            is no human field to compare with).
    """
    for eps in epsilons:
        if not (math.isfinite(eps) and eps > 0):
            raise InputError("epsilons", "finite elasticities of substitution > 0", f"{eps:g}")
    if samples is None:
        samples = DEFAULT_TASKS_SAMPLES if scenario.uncertain() else 1
    result = run(scenario, samples, seed, chunk_size=chunk_size, workers=workers)
    n = result.samples
    values = result.values

    def col(name: str) -> Array:
        return np.asarray(column(scenario, values, name, n), dtype=np.float64)

    people = col("tasks.human_researchers")
    if np.any(people <= 0):
        raise InputError(
            "tasks.human_researchers",
            "more than 0 human researchers in every sample (the speed-up is over the human field)",
            f"0 in {int(np.count_nonzero(people <= 0)):,} of {n:,} samples",
        )
    labor, human = values["static.labor"], tasks_model.human_labor(people)
    s = tasks_model.cost_sigma(col("tasks.cost_spread"))
    own = col("tasks.substitution")
    cases = [_case(None, own, labor, human, s)]
    cases += [_case(eps, np.full(n, eps), labor, human, s) for eps in epsilons]
    return TasksCurve(
        scenario=scenario,
        samples=n,
        seed=seed,
        shares=SHARES,
        epsilon=own,
        single_tau=1.0 + labor / human,
        automated_share=col("tasks.automated_share"),
        cases=tuple(cases),
    )


def _case(eps: float | None, epsilon: Array, labor: Array, human: Array, s: Array) -> TasksCase:
    """One curve: speed-up at every share, and the shares passing each threshold."""

    def speedup(share: Array) -> Array:
        _, y = tasks_model.optimal_allocation(
            labor[:, None], s[:, None], share, epsilon[:, None], human[:, None]
        )
        return np.asarray(y / human[:, None], dtype=np.float64)

    curve = speedup(SHARES[None, :])
    first = {t: _first_share(speedup, t, curve[:, -1]) for t in THRESHOLDS}
    return TasksCase(epsilon=eps, speedup=curve, first_share=first)


def _first_share(speedup: Callable[[Array], Array], threshold: float, at_one: Array) -> Array:
    """The least automated share whose speed-up reaches ``threshold`` (NaN: never).

    The speed-up never falls as the share grows (more automation never lowers research), so
    bisection finds it.
    """
    lo, hi = np.zeros_like(at_one), np.ones_like(at_one)
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2
        above = speedup(mid[:, None])[:, 0] >= threshold
        lo, hi = np.where(above, lo, mid), np.where(above, mid, hi)
    return np.where(at_one >= threshold, hi, np.nan)
