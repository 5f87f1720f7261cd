"""From a scenario and drawn inputs to the model's inputs, and the model's evaluation functions.

``evaluate_static`` and ``evaluate_race`` are what the sampling executors call on each chunk
of samples (module-level and picklable, for worker processes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.distributions import Distribution, Uniform
from alignment_runway.engine.checks import may_exceed
from alignment_runway.model import race as race_model
from alignment_runway.model.stage_d import TasksInputs, static_tasks
from alignment_runway.model.static import StaticInputs, static_model
from alignment_runway.scenarios import Scenario, tasks_active

__all__ = [
    "STATIC_INPUTS",
    "THEFT_DRAW",
    "RaceJob",
    "column",
    "evaluate_race",
    "evaluate_static",
    "may_be_missing",
    "race_inputs",
    "static_inputs",
    "tasks_inputs",
]

Array = NDArray[np.float64]

STATIC_INPUTS = {
    "stock_flop_per_s": "compute.stock",
    "training_share": "compute.training_share",
    "duration_s": "compute.training_duration",
    "utilization": "compute.utilization",
    "tokens_per_parameter": "compute.tokens_per_parameter",
    "tokens_per_researcher_s": "labor.tokens_per_researcher_second",
    "serial_tokens_per_researcher_s": "labor.serial_tokens_per_researcher_second",
    "serial_speed_tokens_per_s": "labor.serial_speed",
    "working_fraction": "labor.working_hours_per_day",
}
#: Race inputs by field of ``RaceInputs``: required ones, then optional ones (None when unset).
_RACE_INPUTS = {
    "lead_s": "race.lead",
    "catch_up": "race.catch_up_speed",
    "caution_period_s": "race.caution_period",
    "caution_erosion": "race.caution_erosion",
    "leak_per_s": "race.leak_rate",
    "theft_per_s": "race.theft_rate",
    "efficiency_cap": "race.efficiency_cap",
    "safe_share": "race.safe_share",
    "checkpoint_latency_s": "race.checkpoint_latency",
    "review_share": "race.review_share",
    "parallel_returns": "race.parallel_returns",
    "reference_team": "race.reference_team",
}
_RACE_OPTIONAL = {
    "doubling_s": "race.efficiency_doubling_time",
    "checkpoint_interval_rs": "race.checkpoint_interval",
    "supervisors": "race.supervisors",
    "review_capacity": "race.review_capacity",
    "smoothness": "race.review_smoothness",
    "required_rs": "race.required_research",
}
#: Stage D's inputs by field of ``TasksInputs``.
_TASKS_INPUTS = {
    "automated_share": "tasks.automated_share",
    "cost_spread": "tasks.cost_spread",
    "substitution": "tasks.substitution",
    "human_researchers": "tasks.human_researchers",
    "automation_rate": "tasks.automation_rate",
}
#: The static outputs the race is built on.
_RACE_NEEDS = ("static.labor", "static.serial_speedup")
#: The theft time's quantile, drawn uniformly when the scenario leaves it unset.
THEFT_DRAW = "race.theft_draw"


def may_be_missing(name: str) -> bool:
    """Whether output ``name`` can be missing (NaN) by definition, not by an error.

    Stage D's outputs where a share is undefined (SPEC §7), and the race's efficiency gain
    for an empty window.
    """
    return name.startswith("tasks.") or name == "race.efficiency_gain"


def column(scenario: Scenario, drawn: Mapping[str, Array], name: str, n: int) -> Array:
    """The drawn samples of ``name``, or its point value broadcast to ``n`` samples."""
    if name in drawn:
        return drawn[name]
    return np.broadcast_to(np.float64(scenario.scalar(name)), (n,))


def static_inputs(scenario: Scenario, drawn: Mapping[str, Array], n: int) -> StaticInputs:
    """The static model's inputs: drawn arrays for uncertain inputs, point values repeated."""
    columns = {field: column(scenario, drawn, name, n) for field, name in STATIC_INPUTS.items()}
    training = None
    if scenario.value("compute.training_compute") is not None:
        training = column(scenario, drawn, "compute.training_compute", n)
    return StaticInputs(**columns, training_flop=training)


def tasks_inputs(scenario: Scenario, drawn: Mapping[str, Array], n: int) -> TasksInputs:
    """Stage D's inputs: drawn arrays for uncertain inputs, point values repeated."""
    return TasksInputs(
        **{field: column(scenario, drawn, name, n) for field, name in _TASKS_INPUTS.items()}
    )


def evaluate_static(
    scenario: Scenario, drawn: dict[str, Array], n: int, wanted: Collection[str] | None = None
) -> tuple[dict[str, Array], dict[str, int]]:
    """The static model on ``n`` samples, counting capped (σ > τ) and non-finite samples.

    With ``wanted``, only the outputs among its names and the outputs they are built from
    are computed, returned and checked for non-finite values (an overflow on the way to a
    wanted output is caught though that output itself may come out finite); by default every
    output is. With Stage D on (``tasks_active``), its outputs ``tasks.*`` too, when any is
    wanted; a missing value (NaN) there is a defined result (SPEC §7), not a non-finite one.
    """
    inputs = static_inputs(scenario, drawn, n)
    tasks = tasks_active(scenario) and (
        wanted is None or any(name.startswith("tasks.") for name in wanted)
    )
    names = None if wanted is None else {*wanted, *(("static.labor",) if tasks else ())}
    with np.errstate(all="ignore"):
        out = static_model(inputs, names)
    values = out.values
    if tasks:
        values = values | static_tasks(
            values["static.labor"], inputs.tokens_per_researcher_s, tasks_inputs(scenario, drawn, n)
        )
    counts = {"capped": out.capped_serial_samples}
    for name, array in values.items():
        finite = np.isfinite(array)
        if may_be_missing(name):
            finite |= np.isnan(array)
        bad = finite.size - int(np.count_nonzero(finite))
        if bad:
            counts[f"nonfinite:{name}"] = bad
    return values, counts


def race_inputs(scenario: Scenario) -> dict[str, Distribution]:
    """The race's uncertain inputs: the scenario's, and the theft draw when theft is possible.

    The theft time's quantile ``race.theft_draw`` is uniform on [0, 1) unless the scenario
    sets it.
    """
    inputs = dict(scenario.uncertain())
    if scenario.value(THEFT_DRAW) is None and may_exceed(scenario.value("race.theft_rate"), 0.0):
        inputs[THEFT_DRAW] = Uniform(0.0, 1.0)
    return inputs


@dataclass(frozen=True)
class RaceJob:
    """What the race's evaluation needs besides the draws (picklable, for worker processes)."""

    scenario: Scenario
    grid_s: Array
    record: NDArray[np.intp] | None


def evaluate_race(
    job: RaceJob, drawn: dict[str, Array], n: int, wanted: Collection[str] | None = None
) -> tuple[dict[str, Array], dict[str, int]]:
    """The static model and the race on ``n`` samples.

    The race's outputs are all computed; of the static outputs, those it needs and those in
    ``wanted`` (every one by default). With ``job.record`` set, the values are cumulative
    research at each reporting time, named ``race.research@J``.
    """
    static_names = None if wanted is None else {*wanted, *_RACE_NEEDS}
    static, counts = evaluate_static(job.scenario, drawn, n, static_names)
    scenario = job.scenario
    columns: dict[str, Any] = {
        field: column(scenario, drawn, name, n) for field, name in _RACE_INPUTS.items()
    }
    optional: dict[str, Any] = {
        field: None if scenario.value(name) is None else column(scenario, drawn, name, n)
        for field, name in _RACE_OPTIONAL.items()
    }
    quantile = (
        column(scenario, drawn, THEFT_DRAW, n)
        if THEFT_DRAW in drawn or scenario.value(THEFT_DRAW) is not None
        else np.zeros(n)
    )
    inputs = race_model.RaceInputs(
        labor=static["static.labor"],
        serial_speed=static["static.serial_speedup"],
        theft_quantile=quantile,
        **columns,
        **optional,
        tasks=tasks_inputs(scenario, drawn, n) if tasks_active(scenario) else None,
    )
    with np.errstate(all="ignore"):
        out = race_model.race_model(inputs, job.grid_s, job.record)
    if job.record is not None and out.trajectories is not None:
        values = {f"race.research@{j}": out.trajectories[:, j] for j in range(job.record.size)}
        return values, {}
    counts["cut"] = out.cut
    for name, values_ in out.values.items():
        finite = np.isfinite(values_) | (name == "race.time_to_requirement")
        if may_be_missing(name):
            finite |= np.isnan(values_)
        bad = int(np.count_nonzero(~finite))
        if bad:
            counts[f"nonfinite:{name}"] = bad
    return static | out.values, counts
