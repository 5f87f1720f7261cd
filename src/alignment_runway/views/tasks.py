"""The view of the ``tasks`` study: speed-up over the human field against the automated share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.results import TasksCurve
from alignment_runway.views.common import spread

__all__ = ["BANDS", "TasksCaseView", "TasksView", "tasks_view"]

Array = NDArray[np.float64]

#: The quantiles of the bands drawn when inputs are uncertain.
BANDS = (0.05, 0.5, 0.95)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class TasksCaseView:
    """One curve as shown.

    Attributes:
        epsilon: the elasticity (None: the scenario's own, per sample).
        speedup: per quantile label (``value`` for one sample, else ``p5``/``p50``/``p95``),
            the speed-up at each automated share.
        first_share: per threshold, the least automated share reaching it: ``value`` (None:
            never) for one sample, else its quantiles (None: never by then) and the share of
            samples where it is ``never`` reached.
    """

    epsilon: float | None
    speedup: dict[str, tuple[float, ...]]
    first_share: dict[float, dict[str, float | None]]

    def to_json(self) -> dict[str, Any]:
        """The case as JSON."""
        return {
            "epsilon": "scenario" if self.epsilon is None else self.epsilon,
            "speedup": {k: list(v) for k, v in self.speedup.items()},
            "first_share": {f"{t:g}x": dict(v) for t, v in self.first_share.items()},
        }


@dataclass(frozen=True)
class TasksView:
    """Speed-up over the human field against the automated share, with the single-τ figure."""

    scenario: str
    description: str
    samples: int
    seed: int
    shares: tuple[float, ...]
    epsilon: dict[str, float]
    automated_share: dict[str, float]
    single_tau: dict[str, float]
    cases: tuple[TasksCaseView, ...]

    def to_json(self) -> dict[str, Any]:
        """The view as the ``tasks --format json`` document."""
        return {
            "scenario": self.scenario,
            "description": self.description,
            "samples": self.samples,
            "seed": self.seed,
            "automated_share": list(self.shares),
            "scenario_epsilon": self.epsilon,
            "scenario_automated_share": self.automated_share,
            "single_tau_speedup": self.single_tau,
            "cases": [case.to_json() for case in self.cases],
        }


def _bands(curve: Array) -> dict[str, tuple[float, ...]]:
    if curve.shape[0] == 1:
        return {"value": tuple(float(v) for v in curve[0])}
    levels = np.quantile(curve, BANDS, axis=0)
    return {
        f"p{100 * q:g}": tuple(float(v) for v in row) for q, row in zip(BANDS, levels, strict=True)
    }


def _first(values: Array) -> dict[str, float | None]:
    if values.size == 1:
        return {"value": _finite(float(values[0]))}
    never = np.isnan(values)
    ordered = np.where(never, np.inf, values)
    levels = np.quantile(ordered, BANDS, method="inverted_cdf")
    record: dict[str, float | None] = {
        f"p{100 * q:g}": _finite(float(v)) for q, v in zip(BANDS, levels, strict=True)
    }
    record["never"] = float(np.mean(never))
    return record


def tasks_view(result: TasksCurve) -> TasksView:
    """The view of the ``tasks`` study."""
    return TasksView(
        scenario=result.scenario.name,
        description=result.scenario.description,
        samples=result.samples,
        seed=result.seed,
        shares=tuple(float(a) for a in result.shares),
        epsilon=spread(result.epsilon),
        automated_share=spread(result.automated_share),
        single_tau=spread(result.single_tau),
        cases=tuple(
            TasksCaseView(
                epsilon=case.epsilon,
                speedup=_bands(case.speedup),
                first_share={t: _first(v) for t, v in case.first_share.items()},
            )
            for case in result.cases
        ),
    )
