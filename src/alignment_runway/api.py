"""The public API: the one entry point for every interface (command line, notebooks, web).

>>> from alignment_runway import api
>>> result = api.run(api.load_scenario(preset="essay"))
>>> round(result.value("static.ai_researchers"))
43619
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from alignment_runway.errors import ScenarioError
from alignment_runway.model import devloop as devloop_model
from alignment_runway.model.static import OUTPUTS, OutputSpec, StaticInputs, static_model
from alignment_runway.scenarios import Scenario, load_file, load_preset, with_settings
from alignment_runway.scenarios.loader import BASE_PRESET

__all__ = [
    "DevloopCase",
    "DevloopResult",
    "ScenarioError",
    "StaticResult",
    "devloop",
    "load_scenario",
    "output_spec",
    "run",
]

Array = NDArray[np.float64]


def load_scenario(
    path: str | Path | None = None, *, preset: str | None = None, settings: Sequence[str] = ()
) -> Scenario:
    """Resolve a scenario from a file or a preset (``essay`` when neither), then ``--set`` items.

    Args:
        path: a scenario TOML file.
        preset: a preset name (see ``alignment-runway presets``); not together with ``path``.
        settings: ``section.name=VALUE`` assignments applied last.

    Raises:
        ScenarioError: with one line naming what is wrong and where.
    """
    if path is not None and preset is not None:
        raise ScenarioError(
            f"give a scenario file or --preset, not both; received file {str(path)!r} and "
            f"--preset {preset!r}"
        )
    scenario = load_file(path) if path is not None else load_preset(preset or BASE_PRESET)
    return with_settings(scenario, list(settings))


def output_spec(name: str) -> OutputSpec:
    """The spec (unit, meaning) of a model output by name."""
    for spec in OUTPUTS:
        if spec.name == name:
            return spec
    raise ScenarioError(f"unknown output {name!r} (known: {', '.join(s.name for s in OUTPUTS)})")


@dataclass(frozen=True)
class StaticResult:
    """The static model's outputs for a scenario, in canonical units (see ``OUTPUTS``)."""

    scenario: Scenario
    values: dict[str, Array]
    capped_serial_samples: int

    def value(self, name: str) -> float:
        """The value of a point scenario's output ``name`` in its canonical unit."""
        output_spec(name)
        array = self.values[name]
        if array.size != 1:
            raise ValueError(f"{name} has {array.size} samples, not one value")
        return float(array[0])


def _column(scenario: Scenario, name: str, samples: int) -> Array:
    return np.full(samples, scenario.scalar(name), dtype=np.float64)


def static_inputs(scenario: Scenario, samples: int = 1) -> StaticInputs:
    """The static model's inputs for a scenario, as arrays of ``samples`` values."""
    training = scenario.value("compute.training_compute")
    return StaticInputs(
        stock_flop_per_s=_column(scenario, "compute.stock", samples),
        training_share=_column(scenario, "compute.training_share", samples),
        duration_s=_column(scenario, "compute.training_duration", samples),
        utilization=_column(scenario, "compute.utilization", samples),
        tokens_per_parameter=_column(scenario, "compute.tokens_per_parameter", samples),
        tokens_per_researcher_s=_column(scenario, "labor.tokens_per_researcher_second", samples),
        serial_tokens_per_researcher_s=_column(
            scenario, "labor.serial_tokens_per_researcher_second", samples
        ),
        serial_speed_tokens_per_s=_column(scenario, "labor.serial_speed", samples),
        working_fraction=_column(scenario, "labor.working_hours_per_day", samples),
        training_flop=None
        if training is None
        else _column(scenario, "compute.training_compute", samples),
    )


def run(scenario: Scenario) -> StaticResult:
    """Run the static model (compute → model → tokens/s → researcher labor) on a scenario."""
    with np.errstate(all="ignore"):
        outputs = static_model(static_inputs(scenario))
    _check_finite(scenario, outputs.values)
    return StaticResult(scenario, outputs.values, outputs.capped_serial_samples)


def _check_finite(scenario: Scenario, values: dict[str, Array]) -> None:
    """Refuse results that overflowed or underflowed: valid inputs of extreme magnitude."""
    bad = [name for name, array in values.items() if not np.all(np.isfinite(array))]
    if bad:
        own = [n for n, s in scenario.settings.items() if s.layer > 0] or ["the inputs"]
        raise ScenarioError(
            f"{scenario.name}: the values overflow or underflow floating point: expected finite "
            f"results; received non-finite {', '.join(bad)}; check the magnitudes of "
            f"{', '.join(own)}"
        )


@dataclass(frozen=True)
class DevloopCase:
    """One development-loop case: a tokens-per-researcher-second and a task length.

    Units: tokens, researcher-seconds, tokens/s, calendar seconds.
    """

    tokens_per_researcher_s: float
    task_researcher_s: float
    tokens_per_signal: float
    signals_per_day: float
    latency_s: float


@dataclass(frozen=True)
class DevloopResult:
    """Development-loop cases for a scenario, and the token budget (tokens/s) they share."""

    scenario: Scenario
    budget_tokens_per_s: float
    budget_is_fleet: bool
    cases: tuple[DevloopCase, ...]


def devloop(scenario: Scenario, taus: Sequence[float] = (10.0, 1000.0)) -> DevloopResult:
    """The development loop (SPEC §8) for each ``τ`` in ``taus`` and each task length.

    The budget is ``devloop.budget`` or, when unset, the whole fleet's tokens per second. The
    serial tokens per researcher-second are capped at each ``τ``.

    Raises:
        ScenarioError: for a non-positive ``τ``.
    """
    for tau in taus:
        if not (math.isfinite(tau) and tau > 0):
            raise ScenarioError(
                f"--tau: expected a finite tokens per researcher-second > 0; received {tau:g}"
            )
    budget = scenario.value("devloop.budget")
    fleet = budget is None
    if not isinstance(budget, float):
        budget = run(scenario).value("static.tokens_per_second")
    sigma = scenario.scalar("labor.serial_tokens_per_researcher_second")
    speed = scenario.scalar("labor.serial_speed")
    tasks = scenario.value("devloop.task_length")
    assert isinstance(tasks, tuple)
    cases = []
    for tau in taus:
        for task in tasks:
            per_signal = devloop_model.tokens_per_signal(tau, task)
            cases.append(
                DevloopCase(
                    tokens_per_researcher_s=tau,
                    task_researcher_s=task,
                    tokens_per_signal=per_signal,
                    signals_per_day=devloop_model.signals_per_day(budget, per_signal),
                    latency_s=devloop_model.signal_latency_s(task, min(sigma, tau), speed),
                )
            )
    return DevloopResult(scenario, budget, fleet, tuple(cases))
