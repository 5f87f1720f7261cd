"""Runs of the static model and races: sampling options checked, drawn, evaluated, summarised."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.lognormal import LognormalLaw
from alignment_runway.engine.checks import (
    NEEDS_REQUIREMENT,
    check_finite,
    check_horizon,
    check_memory,
    check_race,
    check_sampling,
    kept_names,
)
from alignment_runway.engine.evaluate import RaceJob, evaluate_race, evaluate_static, race_inputs
from alignment_runway.engine.exact import METHODS, exact_laws, require_exact
from alignment_runway.errors import InputError
from alignment_runway.model import race as race_model
from alignment_runway.results import RaceResult, RunResult
from alignment_runway.sampling import (
    BLOCK_SIZE,
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    Executor,
    Job,
    run_job,
    run_range,
)
from alignment_runway.sampling.qmc import DEFAULT_RANDOMIZATIONS
from alignment_runway.scenarios import Scenario, tasks_active
from alignment_runway.scenarios.correlations import mixing_matrix
from alignment_runway.units import CALENDAR_MONTH_S

__all__ = [
    "DEFAULT_MONTHS",
    "DEFAULT_TRAJECTORIES",
    "SAMPLED_METHODS",
    "check_sampled_method",
    "default_samples",
    "race",
    "race_grid",
    "race_job",
    "randomizations_for",
    "run",
    "sample_outputs",
    "static_job",
]

Array = NDArray[np.float64]
#: The race's horizon when none is given, in calendar months.
DEFAULT_MONTHS = 60.0
#: Trajectories kept for research by month when no number is given.
DEFAULT_TRAJECTORIES = 1000
#: The methods of a command that always samples (a race, a comparison, a sweep).
SAMPLED_METHODS = ("sample", "qmc")
#: Static outputs a race keeps besides its own.
_RACE_STATIC_KEEP = ("static.labor", "static.research_per_month")


def default_samples(scenario: Scenario, command: str = "run") -> int:
    """Samples drawn when none are asked: many when any input is uncertain, else one."""
    inputs = race_inputs(scenario) if command == "race" else scenario.uncertain()
    return DEFAULT_SAMPLES if inputs else 1


def run(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    keep: Sequence[str] | None = None,
    executor: Executor | None = None,
    method: str = "sample",
) -> RunResult:
    """Run the static model on a scenario (see ``api.run``).

    Raises:
        InputError: for bad options, or under method exact a name that cannot be exact.
        ScenarioError: for results that overflow floating point.
    """
    uncertain = scenario.uncertain()
    if samples is None:
        samples = default_samples(scenario)
    check_sampling(samples, seed, chunk_size, workers)
    if method not in METHODS:
        raise InputError("method", " or ".join(METHODS), repr(method))
    kept = kept_names(keep, uncertain, tasks_active(scenario))
    laws = _laws(scenario, kept, method)
    sampled = [name for name in kept if name not in laws]
    if not sampled:  # every name in closed form: nothing to draw
        return RunResult(scenario, 0, seed, {}, 0, chunk_size, workers, method=method, laws=laws)
    randomizations = randomizations_for(method, bool(uncertain), samples)
    check_memory(samples, len(sampled))
    job = static_job(
        scenario, sampled, samples, seed, chunk_size=chunk_size, randomizations=randomizations
    )
    values, counts = run_job(job, workers, progress, executor)
    check_finite(scenario, counts)
    capped = counts.get("capped", 0)
    return RunResult(
        scenario,
        samples,
        seed,
        values,
        capped,
        chunk_size,
        workers,
        method=method,
        laws=laws,
        randomizations=randomizations,
    )


def static_job(
    scenario: Scenario,
    keep: Sequence[str],
    samples: int,
    seed: int,
    *,
    chunk_size: int = BLOCK_SIZE,
    randomizations: int = 0,
) -> Job:
    """The static model's job: the scenario's uncertain inputs drawn, ``keep`` kept.

    The names are the caller's to check (``checks.kept_names``).
    """
    return Job(
        evaluate_static,
        scenario,
        tuple(scenario.uncertain().items()),
        tuple(dict.fromkeys(keep)),
        samples,
        seed,
        chunk_size,
        _mixing(scenario),
        randomizations,
    )


def race_grid(
    scenario: Scenario, months: float, step: str
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """The race's time grid (seconds) and its reporting steps, the scenario checked first.

    Raises:
        InputError: for a bad horizon or step; ScenarioError: for parameters that do not fit.
    """
    check_race(scenario)
    horizon, step_s = check_horizon(months, step)
    return race_model.time_grid(horizon, step_s, CALENDAR_MONTH_S)


def race_job(
    scenario: Scenario,
    keep: Sequence[str],
    samples: int,
    seed: int,
    grid: NDArray[np.float64],
    record: NDArray[np.intp] | None = None,
    *,
    chunk_size: int = BLOCK_SIZE,
    randomizations: int = 0,
) -> Job:
    """The race's job on ``grid``: its inputs drawn (``race_inputs``), ``keep`` kept.

    With ``record``, the values are cumulative research at those steps (``evaluate_race``).
    """
    return Job(
        evaluate_race,
        RaceJob(scenario, grid, record),
        tuple(race_inputs(scenario).items()),
        tuple(dict.fromkeys(keep)),
        samples,
        seed,
        chunk_size,
        _mixing(scenario),
        randomizations,
    )


def _mixing(scenario: Scenario) -> tuple[tuple[str, ...], NDArray[np.float64]] | None:
    """The correlated inputs and the matrix mixing their normal scores, if any."""
    return mixing_matrix(scenario.correlations) if scenario.correlations else None


def randomizations_for(method: str, uncertain: bool, samples: int) -> int:
    """The randomizations a run of ``samples`` makes: 16 for qmc with anything to draw, else 0.

    Raises:
        InputError: for qmc samples that do not split evenly into the randomizations.
    """
    randomizations = DEFAULT_RANDOMIZATIONS if method == "qmc" and uncertain else 0
    if randomizations and samples % randomizations:
        raise InputError(
            "samples",
            f"a multiple of {randomizations} (method qmc: {randomizations} randomizations of "
            "equal size)",
            repr(samples),
        )
    return randomizations


def check_sampled_method(method: str, command: str) -> None:
    """A method for a command that samples (race, compare, sweep): sample or qmc.

    Raises:
        InputError: for exact or auto (the race and the comparisons are not lognormal laws)
            or an unknown method.
    """
    if method in SAMPLED_METHODS:
        return
    why = (
        f" (only run has exact and auto: a {command}'s outputs have no closed form)"
        if method in METHODS
        else ""
    )
    raise InputError("method", f"sample or qmc for a {command}{why}", repr(method))


def _laws(scenario: Scenario, kept: Sequence[str], method: str) -> dict[str, LognormalLaw]:
    """The names known in closed form: all or an error (exact), those that can (auto), none."""
    if method not in ("exact", "auto"):
        return {}
    found = exact_laws(scenario, kept)
    if method == "exact":
        return require_exact(found)
    return {name: law for name, law in found.items() if isinstance(law, LognormalLaw)}


def _check_trajectories(keep_trajectories: int) -> None:
    if (
        isinstance(keep_trajectories, bool)
        or not isinstance(keep_trajectories, int)
        or keep_trajectories < 0
    ):
        raise InputError("keep_trajectories", "a whole number >= 0", repr(keep_trajectories))


def race(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    keep_trajectories: int = DEFAULT_TRAJECTORIES,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
    only: Sequence[str] | None = None,
    method: str = "sample",
) -> RaceResult:
    """Run the race on a scenario (see ``api.race``).

    ``only`` keeps just these outputs' samples (8 bytes a sample each), for callers that
    summarise them and need nothing else (a sweep's or a comparison's cells); the result then
    lacks the other outputs. ``method`` is ``"sample"`` or ``"qmc"`` (the theft draw, when
    drawn, is the last Sobol' dimension).

    Raises:
        InputError: for a bad horizon, step or sampling option, or method exact or auto.
        ScenarioError: for parameters that do not fit together, or results that overflow.
    """
    grid, record = race_grid(scenario, months, step)
    _check_trajectories(keep_trajectories)
    inputs = race_inputs(scenario)
    if samples is None:
        samples = DEFAULT_SAMPLES if inputs else 1
    check_sampling(samples, seed, chunk_size, workers)
    check_sampled_method(method, "race")
    randomizations = randomizations_for(method, bool(inputs), samples)
    kept_trajectories = min(keep_trajectories, samples)
    keep = [spec.name for spec in race_model.RACE_OUTPUTS]
    if scenario.value("race.required_research") is None:
        keep = [name for name in keep if name not in NEEDS_REQUIREMENT]
    keep += [*_RACE_STATIC_KEEP, *inputs]
    if only is not None:
        keep = [name for name in keep if name in only]
    check_memory(samples, len(keep) + kept_trajectories * record.size / max(samples, 1))
    job = race_job(
        scenario, keep, samples, seed, grid, chunk_size=chunk_size, randomizations=randomizations
    )
    values, counts = run_job(job, workers, progress, executor)
    check_finite(scenario, counts)
    trajectories = np.zeros((0, record.size))
    if kept_trajectories:
        names = tuple(f"race.research@{j}" for j in range(record.size))
        recorded = dataclasses.replace(job, context=RaceJob(scenario, grid, record), keep=names)
        paths = _first_paths(recorded, kept_trajectories)
        trajectories = np.column_stack([paths[name] for name in names])
    return RaceResult(
        scenario,
        samples,
        seed,
        values,
        counts.get("capped", 0),
        chunk_size,
        workers,
        months=float(months),
        step=step,
        month=grid[record] / CALENDAR_MONTH_S,
        trajectories=trajectories,
        cut=counts.get("cut", 0),
        method=method,
        randomizations=randomizations,
    )


def sample_outputs(
    scenario: Scenario,
    outputs: Sequence[str],
    samples: int,
    seed: int,
    *,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
    method: str = "sample",
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, Array], int]:
    """The samples of ``outputs`` alone, and the qmc randomizations they were drawn with.

    Static outputs come from ``run`` (keeping only them), race outputs from ``race`` (``only``
    them, no trajectories): what a comparison's side and a sweep's cell hold.
    """
    static = [name for name in outputs if not name.startswith("race.")]
    racing = [name for name in outputs if name.startswith("race.")]
    values: dict[str, Array] = {}
    randomizations = 0
    if static:
        result = run(
            scenario, samples, seed, workers=workers, progress=progress, keep=static,
            method=method,
        )  # fmt: skip
        values |= {name: result.values[name] for name in static}
        randomizations = result.randomizations
    if racing:
        raced = race(
            scenario, samples, seed, months=months, step=step, keep_trajectories=0,
            workers=workers, progress=progress, only=racing, method=method,
        )  # fmt: skip
        values |= {name: raced.values[name] for name in racing}
        randomizations = raced.randomizations
    return values, randomizations


def _first_paths(job: Job, count: int) -> dict[str, Array]:
    """The kept values of ``job``'s first ``count`` samples, the same draws as in the whole run.

    A plain run's first samples are a short run's (draws are keyed by index); a qmc run's
    points depend on its sample count, so they are evaluated as a range of the whole job.
    """
    if not job.randomizations:
        paths, _ = run_job(dataclasses.replace(job, samples=count))
        return paths
    out = {name: np.empty(count) for name in job.keep}
    run_range(job, 0, count, out)
    return out
