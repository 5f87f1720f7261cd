"""The public API: the one entry point for every interface (command line, notebooks, web).

>>> from alignment_runway import api
>>> result = api.run(api.load_scenario(preset="essay"))
>>> round(result.value("static.ai_researchers"))
43619
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from alignment_runway.distributions import Distribution, Uniform
from alignment_runway.errors import ScenarioError
from alignment_runway.model import devloop as devloop_model
from alignment_runway.model import race as race_model
from alignment_runway.model.static import OUTPUTS, OutputSpec, StaticInputs, static_model
from alignment_runway.results import ALL_OUTPUTS, UNITS, RaceResult, RunResult
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SAMPLES, DEFAULT_SEED, simulate
from alignment_runway.scenarios import (
    PARAMETERS,
    Scenario,
    load_file,
    load_preset,
    with_settings,
)
from alignment_runway.scenarios.correlations import mixing_matrix
from alignment_runway.scenarios.loader import BASE_PRESET
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import CALENDAR_MONTH_S, dimension_name, registry

if TYPE_CHECKING:
    from alignment_runway.analysis import sensitivity as sensitivity_methods
    from alignment_runway.export import Exported
    from alignment_runway.store import RunRecord, Store

__all__ = [
    "DevloopCase",
    "DevloopResult",
    "RaceResult",
    "Reproduction",
    "RunResult",
    "ScenarioError",
    "SensitivityResult",
    "analysable_outputs",
    "check_export_path",
    "check_figures_path",
    "check_report_path",
    "devloop",
    "export",
    "load_scenario",
    "open_store",
    "output_spec",
    "race",
    "race_inputs",
    "record",
    "report",
    "reproduce",
    "rerun",
    "run",
    "sensitivity",
    "threshold",
    "write_figures",
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
    """The spec (unit, meaning) of a model output by name.

    Raises:
        ScenarioError: for an unknown output, listing the known ones.
    """
    for spec in ALL_OUTPUTS:
        if spec.name == name:
            return spec
    names = [s.name for s in ALL_OUTPUTS]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ScenarioError(f"unknown output {name!r}{hint} (known: {', '.join(names)})")


def threshold(assignment: str) -> tuple[str, float]:
    """Read a threshold ``OUTPUT=VALUE`` into the output's name and its canonical value.

    VALUE is a number in the output's display unit, or a quantity with a unit.

    Raises:
        ScenarioError: for a malformed assignment, an unknown output or a unit that does not fit.
    """
    import pint

    name, sep, text = assignment.partition("=")
    name, text = name.strip(), text.strip()
    if not sep or not text:
        raise ScenarioError(
            f"--above: expected OUTPUT=VALUE such as static.ai_researchers=1e5; received "
            f"{assignment!r}"
        )
    try:
        spec = output_spec(name)
    except ScenarioError as exc:
        raise ScenarioError(f"--above: {exc}") from None
    reg = registry()
    try:
        quantity: Any = reg.Quantity(text)
        if not isinstance(quantity, reg.Quantity) or (quantity.dimensionless and spec.unit):
            quantity = reg.Quantity(float(quantity), spec.display_unit or "dimensionless")
        value = float(quantity.to(spec.unit or "dimensionless").magnitude)
    except (pint.PintError, ValueError, TypeError, AttributeError):
        kind = dimension_name(spec.unit) if spec.unit else "a plain number"
        unit = f" (in {spec.display_unit} when no unit is given)" if spec.display_unit else ""
        raise ScenarioError(f"--above: {name}: expected {kind}{unit}; received {text!r}") from None
    return name, value


_STATIC_INPUTS = {
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


def _column(scenario: Scenario, drawn: Mapping[str, Array], name: str, n: int) -> Array:
    """The drawn samples of ``name``, or its point value broadcast to ``n`` samples."""
    if name in drawn:
        return drawn[name]
    return np.broadcast_to(np.float64(scenario.scalar(name)), (n,))


def static_inputs(scenario: Scenario, drawn: Mapping[str, Array], n: int) -> StaticInputs:
    """The static model's inputs: drawn arrays for uncertain inputs, point values repeated."""
    columns = {field: _column(scenario, drawn, name, n) for field, name in _STATIC_INPUTS.items()}
    training = None
    if scenario.value("compute.training_compute") is not None:
        training = _column(scenario, drawn, "compute.training_compute", n)
    return StaticInputs(**columns, training_flop=training)


def _evaluate_static(
    scenario: Scenario, drawn: dict[str, Array], n: int
) -> tuple[dict[str, Array], dict[str, int]]:
    """The static model on ``n`` samples, counting capped (σ > τ) and non-finite samples."""
    inputs = static_inputs(scenario, drawn, n)
    with np.errstate(all="ignore"):
        out = static_model(inputs)
    counts = {"capped": out.capped_serial_samples}
    for name, values in out.values.items():
        bad = int(np.count_nonzero(~np.isfinite(values)))
        if bad:
            counts[f"nonfinite:{name}"] = bad
    return out.values, counts


def _check_samples(samples: int, seed: int, chunk_size: int, workers: int) -> None:
    checks = (
        ("--samples", samples, 1, "a whole number of samples >= 1"),
        ("--seed", seed, 0, "a whole number >= 0"),
        ("--chunk-size", chunk_size, 1, "a whole number of samples >= 1"),
        ("--workers", workers, 1, "a whole number of processes >= 1"),
    )
    for option, value, lowest, expected in checks:
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise ScenarioError(f"{option}: expected {expected}; received {value!r}")


def run(
    scenario: Scenario,
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    keep: Sequence[str] | None = None,
) -> RunResult:
    """Run the static model (compute → model → tokens/s → researcher labor) on a scenario.

    Every uncertain input is drawn once per sample (seeded; the same seed gives bit-identical
    results whatever ``chunk_size`` and ``workers``) and shared by every equation using it.

    Args:
        scenario: from ``load_scenario``.
        samples: Monte Carlo samples; by default ``DEFAULT_SAMPLES`` when any input is
            uncertain, else 1.
        seed: a non-negative integer; the default is ``sampling.DEFAULT_SEED``.
        chunk_size: most samples evaluated at once (bounds memory).
        workers: processes to use.
        progress: called with the number of samples just finished.
        keep: the outputs (``static.*``) and uncertain inputs whose samples to keep; by
            default all of them. Each kept array costs 8 bytes per sample.

    Raises:
        ScenarioError: for bad options, or results that overflow floating point.
    """
    uncertain = scenario.uncertain()
    if samples is None:
        samples = DEFAULT_SAMPLES if uncertain else 1
    _check_samples(samples, seed, chunk_size, workers)
    keep = _kept(keep, uncertain)
    _check_memory(samples, len(keep))
    values, counts = simulate(
        _evaluate_static,
        scenario,
        uncertain,
        keep,
        samples,
        seed,
        chunk_size=chunk_size,
        workers=workers,
        progress=progress,
        mixing=mixing_matrix(scenario.correlations) if scenario.correlations else None,
    )
    _check_finite(scenario, counts)
    capped = counts.get("capped", 0)
    return RunResult(scenario, samples, seed, values, capped, chunk_size, workers)


def _check_memory(samples: int, kept: float) -> None:
    """Refuse a run whose kept samples would not fit in this machine's memory."""
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: nothing to check
        return
    needed = samples * kept * 8
    if needed > 0.8 * available:
        raise ScenarioError(
            f"--samples: {samples:,} samples × {kept:g} kept arrays need {needed / 2**30:.1f} GiB; "
            f"expected at most 80% of this machine's {available / 2**30:.1f} GiB: keep fewer "
            f"with --keep (8 bytes per sample each) or use fewer samples"
        )


def _kept(keep: Sequence[str] | None, uncertain: Mapping[str, object]) -> list[str]:
    """The names to keep, checked: model outputs and uncertain inputs."""
    known = [spec.name for spec in OUTPUTS] + list(uncertain)
    if keep is None:
        return known
    for name in keep:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ScenarioError(
                f"--keep: expected a model output or an uncertain input; received {name!r}"
                f"{hint} (known: {', '.join(known)})"
            )
    if not keep:
        raise ScenarioError("--keep: expected at least one name to keep; received none")
    return list(keep)


def _check_finite(scenario: Scenario, counts: dict[str, int]) -> None:
    """Refuse results that overflowed or underflowed: valid inputs of extreme magnitude."""
    bad = {
        key.removeprefix("nonfinite:"): count
        for key, count in counts.items()
        if key.startswith("nonfinite:")
    }
    if bad:
        own = [n for n, s in scenario.settings.items() if s.layer > 0] or ["the inputs"]
        where = ", ".join(f"{name} in {count:,} sample(s)" for name, count in bad.items())
        raise ScenarioError(
            f"{scenario.name}: the values overflow or underflow floating point: expected finite "
            f"results; received non-finite {where}; check the magnitudes of {', '.join(own)}"
        )


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
#: The theft time's quantile, drawn uniformly when the scenario leaves it unset.
THEFT_DRAW = "race.theft_draw"
#: Steps the race can take, in calendar seconds.
STEPS = {"month": CALENDAR_MONTH_S, "week": 7 * 24 * 3600.0}
#: The race's horizon when none is given, in calendar months.
DEFAULT_MONTHS = 60.0
#: Trajectories kept for research by month when no number is given.
DEFAULT_TRAJECTORIES = 1000
#: Static outputs a race keeps besides its own.
_RACE_STATIC_KEEP = ("static.labor", "static.research_per_month")


@dataclass(frozen=True)
class _RaceJob:
    """What the race's evaluation needs besides the draws (picklable, for worker processes)."""

    scenario: Scenario
    grid_s: Array
    record: NDArray[np.intp] | None


def _evaluate_race(
    job: _RaceJob, drawn: dict[str, Array], n: int
) -> tuple[dict[str, Array], dict[str, int]]:
    """The static model and the race on ``n`` samples.

    With ``job.record`` set, the values are cumulative research at each reporting time,
    named ``race.research@J``.
    """
    static, counts = _evaluate_static(job.scenario, drawn, n)
    scenario = job.scenario
    columns: dict[str, Any] = {
        field: _column(scenario, drawn, name, n) for field, name in _RACE_INPUTS.items()
    }
    optional: dict[str, Any] = {
        field: None if scenario.value(name) is None else _column(scenario, drawn, name, n)
        for field, name in _RACE_OPTIONAL.items()
    }
    quantile = (
        _column(scenario, drawn, THEFT_DRAW, n)
        if THEFT_DRAW in drawn or scenario.value(THEFT_DRAW) is not None
        else np.zeros(n)
    )
    inputs = race_model.RaceInputs(
        labor=static["static.labor"],
        serial_speed=static["static.serial_speedup"],
        theft_quantile=quantile,
        **columns,
        **optional,
    )
    with np.errstate(all="ignore"):
        out = race_model.race_model(inputs, job.grid_s, job.record)
    if job.record is not None and out.trajectories is not None:
        values = {f"race.research@{j}": out.trajectories[:, j] for j in range(job.record.size)}
        return values, {}
    counts["cut"] = out.cut
    for name, values_ in out.values.items():
        finite = np.isfinite(values_) | (name == "race.time_to_requirement")
        bad = int(np.count_nonzero(~finite))
        if bad:
            counts[f"nonfinite:{name}"] = bad
    return static | out.values, counts


def _may_exceed(value: object, bound: float) -> bool:
    """Whether a parameter's value can be above ``bound`` in some sample."""
    if isinstance(value, Distribution):
        return value.support[1] > bound
    return isinstance(value, float) and value > bound


def check_race(scenario: Scenario) -> None:
    """Check that the race's parameters fit together (beyond each one's bounds).

    Raises:
        ScenarioError: a review share without supervisors or review capacity, checkpoint
            latency without an interval, an efficiency cap without a doubling time.
    """
    needs = (  # a parameter, its neutral value, and what it needs once above that
        ("race.review_share", 0.0, ("race.supervisors", "race.review_capacity")),
        ("race.checkpoint_latency", 0.0, ("race.checkpoint_interval",)),
        ("race.efficiency_cap", 1.0, ("race.efficiency_doubling_time",)),
    )
    for name, neutral, required in needs:
        setting = scenario.settings[name]
        if not _may_exceed(setting.value, neutral):
            continue
        missing = [other for other in required if scenario.value(other) is None]
        if missing:
            raise ScenarioError(
                f"{setting.where}: {name} = {setting.text} needs {' and '.join(missing)}; "
                f"received {name} without {'/'.join(missing)}: set "
                f"{' and '.join(missing)}, or set {name} to its neutral value "
                f"({neutral:g})"
            )


def _check_horizon(months: float, step: str) -> tuple[float, float]:
    """The horizon and step in calendar seconds, checked."""
    if step not in STEPS:
        raise ScenarioError(f"--step: expected month or week; received {step!r}")
    if isinstance(months, bool) or not isinstance(months, int | float):
        raise ScenarioError(f"--months: expected a number of months; received {months!r}")
    horizon = float(months) * CALENDAR_MONTH_S
    if not (math.isfinite(horizon) and horizon > 0):
        raise ScenarioError(f"--months: expected a finite horizon > 0 months; received {months!r}")
    if horizon < STEPS[step] * (1 - 1e-12):
        size = "1 month" if step == "month" else f"1 week = {7 / 30:.3g} months"
        raise ScenarioError(
            f"--months: expected a horizon of at least one step ({size}); received "
            f"{months:g} months"
        )
    return horizon, STEPS[step]


def race_inputs(scenario: Scenario) -> dict[str, Distribution]:
    """The race's uncertain inputs: the scenario's, and the theft draw when theft is possible.

    The theft time's quantile ``race.theft_draw`` is uniform on [0, 1) unless the scenario
    sets it.
    """
    inputs = dict(scenario.uncertain())
    if scenario.value(THEFT_DRAW) is None and _may_exceed(scenario.value("race.theft_rate"), 0.0):
        inputs[THEFT_DRAW] = Uniform(0.0, 1.0)
    return inputs


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
) -> RaceResult:
    """Run the race (SPEC §6): research delivered in the window the lead buys.

    The static model gives the AI labor; the race steps over calendar time from the pause to
    the end of the window (catch-up, theft or the horizon), integrating the research rate
    exactly within each step. Uncertain inputs are drawn as in ``run`` (the same seed gives
    the same draws); a scenario with a theft rate draws the theft time's quantile
    ``race.theft_draw`` uniformly unless it is set.

    Args:
        scenario: from ``load_scenario``.
        samples: Monte Carlo samples; by default ``DEFAULT_SAMPLES`` when any input is
            uncertain, else 1.
        seed: a non-negative integer.
        months: the horizon in calendar months; longer windows are cut (and counted).
        step: ``"month"`` or ``"week"``; research is reported at month boundaries.
        keep_trajectories: research by month is kept for the first this many samples.
        chunk_size: most samples evaluated at once, as in ``run``.
        workers: processes to use, as in ``run``.
        progress: called with the number of samples just finished.

    Raises:
        ScenarioError: for parameters that do not fit together, a bad horizon or step, bad
            sampling options, or results that overflow floating point.
    """
    check_race(scenario)
    horizon, step_s = _check_horizon(months, step)
    if isinstance(keep_trajectories, bool) or not isinstance(keep_trajectories, int):
        raise ScenarioError(
            f"--keep-trajectories: expected a whole number >= 0; received {keep_trajectories!r}"
        )
    if keep_trajectories < 0:
        raise ScenarioError(
            f"--keep-trajectories: expected a whole number >= 0; received {keep_trajectories}"
        )
    inputs = race_inputs(scenario)
    if samples is None:
        samples = DEFAULT_SAMPLES if inputs else 1
    _check_samples(samples, seed, chunk_size, workers)
    grid, record = race_model.time_grid(horizon, step_s, CALENDAR_MONTH_S)
    kept_trajectories = min(keep_trajectories, samples)
    keep = [spec.name for spec in race_model.RACE_OUTPUTS]
    if scenario.value("race.required_research") is None:
        keep = [name for name in keep if name not in ("race.time_to_requirement", "race.success")]
    keep += [*_RACE_STATIC_KEEP, *inputs]
    _check_memory(samples, len(keep) + kept_trajectories * record.size / max(samples, 1))
    mixing = mixing_matrix(scenario.correlations) if scenario.correlations else None
    values, counts = simulate(
        _evaluate_race,
        _RaceJob(scenario, grid, None),
        inputs,
        keep,
        samples,
        seed,
        chunk_size=chunk_size,
        workers=workers,
        progress=progress,
        mixing=mixing,
    )
    _check_finite(scenario, counts)
    trajectories = np.zeros((0, record.size))
    if kept_trajectories:
        # the first samples of any run are the same draws, so a short run gives their paths
        names = [f"race.research@{j}" for j in range(record.size)]
        paths, _ = simulate(
            _evaluate_race,
            _RaceJob(scenario, grid, record),
            inputs,
            names,
            kept_trajectories,
            seed,
            chunk_size=chunk_size,
            mixing=mixing,
        )
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
    )


@dataclass(frozen=True)
class DevloopCase:
    """One development-loop case: a tokens-per-researcher-second and a task length.

    Units: tokens, researcher-seconds, signals per calendar day, calendar seconds. The last two
    are arrays over samples (one element for a scenario with no uncertain input).
    """

    tokens_per_researcher_s: float
    task_researcher_s: float
    tokens_per_signal: float
    signals_per_day: Array
    latency_s: Array


@dataclass(frozen=True)
class DevloopResult:
    """Development-loop cases for a scenario, and the token budget (tokens/s) they share."""

    scenario: Scenario
    samples: int
    seed: int
    budget_tokens_per_s: Array
    budget_is_fleet: bool
    cases: tuple[DevloopCase, ...]


def devloop(
    scenario: Scenario,
    taus: Sequence[float] = (10.0, 1000.0),
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    chunk_size: int = BLOCK_SIZE,
    workers: int = 1,
) -> DevloopResult:
    """The development loop (SPEC §8) for each ``τ`` in ``taus`` and each task length.

    The budget is ``devloop.budget`` or, when unset, the whole fleet's tokens per second. The
    serial tokens per researcher-second are capped at each ``τ``. Uncertain inputs are drawn
    as in ``run`` (the same seed gives the same draws).

    Raises:
        ScenarioError: for a non-positive or infinite ``τ`` or bad sampling options.
    """
    for tau in taus:
        if not (math.isfinite(tau) and tau > 0):
            raise ScenarioError(
                f"--tau: expected a finite tokens per researcher-second > 0; received {tau:g}"
            )
    result = run(scenario, samples, seed, chunk_size=chunk_size, workers=workers)
    samples = result.samples
    fleet = scenario.value("devloop.budget") is None
    if fleet:
        budget = result.values["static.tokens_per_second"]
    else:
        budget = _column(scenario, result.values, "devloop.budget", samples)
    sigma = _column(scenario, result.values, "labor.serial_tokens_per_researcher_second", samples)
    speed = _column(scenario, result.values, "labor.serial_speed", samples)
    cases = []
    for tau in taus:
        for task in scenario.values_list("devloop.task_length"):
            per_signal = devloop_model.tokens_per_signal(tau, task)
            cases.append(
                DevloopCase(
                    tokens_per_researcher_s=tau,
                    task_researcher_s=task,
                    tokens_per_signal=per_signal,
                    signals_per_day=devloop_model.signals_per_day(
                        budget, np.full(samples, per_signal)
                    ),
                    latency_s=devloop_model.signal_latency_s(
                        np.full(samples, task), np.minimum(sigma, tau), speed
                    ),
                )
            )
    return DevloopResult(scenario, samples, seed, budget, fleet, tuple(cases))


def check_export_path(path: str | os.PathLike[str], force: bool = False) -> str:
    """Check that ``export`` can write ``path`` (before a long run); return its extension.

    Raises:
        ScenarioError: see ``alignment_runway.export.check_path``.
    """
    from alignment_runway.export import check_path

    return check_path(path, force)


def export(
    result: RunResult,
    path: str | os.PathLike[str],
    what: Literal["samples", "summary"] = "summary",
    *,
    percentiles: Sequence[float] = (5.0, 50.0, 95.0),
    above: Mapping[str, float] | None = None,
    force: bool = False,
) -> Exported:
    """Write a run's samples or summary to a CSV, Parquet, NetCDF or JSON file (by extension).

    The file carries the scenario, seed, sample count, package version and every column's
    unit; it is written atomically and never replaces an existing file unless ``force``.

    Raises:
        ScenarioError: for a path that cannot be written (see ``check_export_path``).
    """
    from alignment_runway.export import export as write

    return write(result, path, what, percentiles=percentiles, above=above, force=force)


#: Sensitivity methods (see ``alignment_runway.analysis.sensitivity``).
SENSITIVITY_METHODS = ("tornado", "rank", "sobol")
#: What ``sensitivity`` analyses when no output is named: the static and the race headlines.
HEADLINE_OUTPUTS = ("static.research_per_month", "race.research")
#: Base sample of a Sobol design when none is given.
DEFAULT_SOBOL_SAMPLES = 1024
#: Outputs sensitivity analysis refuses, and why.
_NOT_ANALYSABLE = {
    "race.end_reason": "a category (0 catch-up, 1 theft, 2 horizon), not a quantity",
    "race.success": "0 or 1; analyse the research delivered (race.research) instead",
    "race.time_to_requirement": "infinite where the requirement is not met; analyse "
    "race.research instead",
}


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity of one output to the uncertain inputs, by one method.

    Attributes:
        output: the output analysed (its logarithm when ``log``).
        unit: its canonical unit ('' under ``log``).
        method: ``tornado``, ``rank`` or ``sobol``.
        samples: Monte Carlo samples (rank), the Sobol base sample ``N`` (sobol) or the
            points evaluated (tornado: 1 + 2 per input).
        baseline: the output with every input at its median (tornado only).
        tornado, rank, sobol: the rows of the method used, largest effect first.
        notes: caveats (correlations a method ignores, inputs held at their medians).
    """

    scenario: Scenario
    output: str
    unit: str
    log: bool
    method: str
    samples: int
    seed: int
    baseline: float | None = None
    tornado: tuple[sensitivity_methods.TornadoRow, ...] = ()
    rank: tuple[sensitivity_methods.RankRow, ...] = ()
    sobol: tuple[sensitivity_methods.SobolRow, ...] = ()
    notes: tuple[str, ...] = ()


def analysable_outputs() -> list[str]:
    """The outputs sensitivity analysis accepts: every continuous static and race output."""
    return [spec.name for spec in ALL_OUTPUTS if spec.name not in _NOT_ANALYSABLE]


def _check_output(name: str) -> None:
    if name in _NOT_ANALYSABLE:
        raise ScenarioError(
            f"--output: {name} is {_NOT_ANALYSABLE[name]}; expected a continuous output "
            f"(one of {', '.join(analysable_outputs())})"
        )
    if name not in analysable_outputs():
        close = difflib.get_close_matches(name, analysable_outputs(), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ScenarioError(
            f"--output: unknown output {name!r}{hint}; expected one of "
            f"{', '.join(analysable_outputs())}"
        )


def _analysed_inputs(
    uncertain: Mapping[str, Distribution], names: Sequence[str] | None
) -> dict[str, Distribution]:
    if names is None:
        return dict(uncertain)
    chosen = {}
    for name in names:
        if name not in uncertain:
            if name in PARAMETERS:
                raise ScenarioError(
                    f"--input: {name} has no uncertainty in this scenario; expected one of the "
                    f"uncertain inputs ({', '.join(uncertain) or 'none'})"
                )
            raise ScenarioError(f"--input: unknown parameter {name!r}{suggest(name)}")
        chosen[name] = uncertain[name]
    return chosen


def _output_function(
    scenario: Scenario, output: str, grid_s: Array, log: bool, fixed: Mapping[str, float]
) -> sensitivity_methods.Evaluate:
    """``values -> output`` for the sensitivity methods; ``fixed`` inputs held at a value."""

    def evaluate(values: dict[str, Array]) -> Array:
        n = next(iter(values.values())).size if values else 1
        drawn = dict(values) | {name: np.full(n, value) for name, value in fixed.items()}
        with np.errstate(all="ignore"):
            if output.startswith("race."):
                results, _ = _evaluate_race(_RaceJob(scenario, grid_s, None), drawn, n)
            else:
                results, _ = _evaluate_static(scenario, drawn, n)
        return _logged(results[output], output, log)

    return evaluate


def _logged(values: Array, output: str, log: bool) -> Array:
    if not log:
        return values
    bad = int(np.count_nonzero(~(values > 0)))
    if bad:
        raise ScenarioError(
            f"--log: expected {output} above 0 everywhere; received {bad:,} value(s) of "
            f"{values.size:,} at or below 0 (analyse it without --log)"
        )
    return np.log(values)


def sensitivity(
    scenario: Scenario,
    outputs: Sequence[str] | None = None,
    method: str = "tornado",
    samples: int | None = None,
    seed: int = DEFAULT_SEED,
    *,
    log: bool = False,
    inputs: Sequence[str] | None = None,
    months: float = DEFAULT_MONTHS,
    step: str = "month",
) -> list[SensitivityResult]:
    """Which uncertain input drives each output (by default the static and race headlines).

    Args:
        scenario: from ``load_scenario``; needs at least one uncertain input.
        outputs: continuous outputs to analyse (``analysable_outputs()``).
        method: ``tornado`` (p5 → p95 one at a time), ``rank`` (Spearman over a Monte Carlo
            run; correlated inputs are fine) or ``sobol`` (first- and total-order indices with
            confidence intervals; independent inputs only).
        samples: rank: Monte Carlo samples (default ``DEFAULT_SAMPLES``, at least 100);
            sobol: the base sample ``N``, a power of 2 (default 1024); tornado: unused.
        seed: seeds the Monte Carlo run or the Sobol design.
        log: analyse the output's natural logarithm (it must be above 0).
        inputs: which uncertain inputs to analyse (default all); the others are held at
            their medians by tornado and sobol, and vary as usual in rank's Monte Carlo run.
        months: the race's horizon in calendar months, for race outputs.
        step: the race's step, ``"month"`` or ``"week"``, for race outputs.

    Raises:
        ScenarioError: for an unknown or non-continuous output, an unknown method, an input
            with no uncertainty, too few samples, or Sobol with correlated inputs.
    """
    from alignment_runway.analysis import sensitivity as sensitivity_methods

    if method not in SENSITIVITY_METHODS:
        raise ScenarioError(
            f"--method: expected one of {', '.join(SENSITIVITY_METHODS)}; received {method!r}"
        )
    names = list(outputs) if outputs else list(HEADLINE_OUTPUTS)
    for name in names:
        _check_output(name)
    racing = any(name.startswith("race.") for name in names)
    uncertain = race_inputs(scenario) if racing else dict(scenario.uncertain())
    chosen = _analysed_inputs(uncertain, inputs)
    sensitivity_methods.check_inputs(chosen)
    grid = np.zeros(1)
    if racing:
        check_race(scenario)
        horizon, step_s = _check_horizon(months, step)
        grid, _ = race_model.time_grid(horizon, step_s, CALENDAR_MONTH_S)
    fixed = {
        name: float(dist.ppf(np.array([0.5]))[0])
        for name, dist in uncertain.items()
        if name not in chosen
    }
    notes = _sensitivity_notes(scenario, method, chosen, fixed)
    if method == "rank":
        return _rank_results(scenario, names, chosen, samples, seed, log, months, step, notes)
    if method == "sobol":
        pairs = [c.pair for c in scenario.correlations if set(c.pair) & set(chosen)]
        if pairs:
            shown = "; ".join(f"{a} with {b}" for a, b in pairs)
            raise ScenarioError(
                f"--method sobol: Sobol indices assume independent inputs; the scenario "
                f"correlates {shown}: use --method rank, or leave the correlated inputs out "
                "with --input"
            )
    results = []
    for name in names:
        evaluate = _output_function(scenario, name, grid, log, fixed)
        unit = "" if log else UNITS.get(name, "")
        if method == "tornado":
            baseline, rows = sensitivity_methods.tornado(evaluate, chosen, label=name)
            result = SensitivityResult(
                scenario,
                name,
                unit,
                log,
                method,
                1 + 2 * len(chosen),
                seed,
                baseline=baseline,
                tornado=tuple(rows),
                notes=tuple(notes),
            )
        else:
            n = DEFAULT_SOBOL_SAMPLES if samples is None else samples
            indices = sensitivity_methods.sobol(evaluate, chosen, n, seed, label=name)
            result = SensitivityResult(
                scenario, name, unit, log, method, n, seed, sobol=tuple(indices), notes=tuple(notes)
            )
        results.append(result)
    return results


def _sensitivity_notes(
    scenario: Scenario,
    method: str,
    chosen: Mapping[str, Distribution],
    fixed: Mapping[str, float],
) -> list[str]:
    notes = []
    if method == "tornado" and scenario.correlations:
        notes.append(
            "tornado moves one input at a time and ignores the scenario's correlations; "
            "--method rank accounts for them"
        )
    if fixed and method != "rank":
        notes.append(f"held at their medians: {', '.join(fixed)}")
    return notes


def _rank_results(
    scenario: Scenario,
    names: Sequence[str],
    chosen: Mapping[str, Distribution],
    samples: int | None,
    seed: int,
    log: bool,
    months: float,
    step: str,
    notes: list[str],
) -> list[SensitivityResult]:
    from alignment_runway.analysis import sensitivity as sensitivity_methods

    n = DEFAULT_SAMPLES if samples is None else samples
    if n < sensitivity_methods.MIN_RANK_SAMPLES:
        raise ScenarioError(
            f"--samples: rank correlations need at least {sensitivity_methods.MIN_RANK_SAMPLES} "
            f"samples; received {n}"
        )
    values: dict[str, Array] = {}
    if any(name.startswith("race.") for name in names):
        values |= race(scenario, n, seed, months=months, step=step, keep_trajectories=0).values
    static = [name for name in names if not name.startswith("race.")]
    if static:
        values |= run(scenario, n, seed, keep=[*static, *scenario.uncertain()]).values
    results = []
    for name in names:
        output = _logged(values[name], name, log)
        rows = sensitivity_methods.rank({k: values[k] for k in chosen}, output)
        results.append(
            SensitivityResult(
                scenario,
                name,
                "" if log else UNITS.get(name, ""),
                log,
                "rank",
                n,
                seed,
                rank=tuple(rows),
                notes=tuple(notes),
            )
        )
    return results


def _report_sensitivity(result: RunResult) -> list[SensitivityResult]:
    """The tornado of a result's headline output, or nothing when no input is uncertain."""
    scenario = result.scenario
    if isinstance(result, RaceResult):
        if not race_inputs(scenario):
            return []
        return sensitivity(
            scenario, ["race.research"], "tornado", months=result.months, step=result.step
        )
    if not scenario.uncertain():
        return []
    return sensitivity(scenario, ["static.research_per_month"], "tornado")


#: Presets whose reports carry the essay audit.
_ESSAY_PRESETS = ("essay", "essay-1000x")


def check_report_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that ``report`` can write ``path`` (before a long run).

    Raises:
        ScenarioError: for a name not ending in .html, a missing folder, or an existing file
            without ``force``.
    """
    from alignment_runway.export import check_new_file

    return check_new_file(path, "--report", (".html", ".htm"), force)


def report(result: RunResult, path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a run's or race's report: one self-contained HTML file (no network needed).

    It holds the scenario's parameters with their sources, the results with their Monte Carlo
    errors, the essay audit (for the essay presets), the distribution of the headline output,
    the race's research by month and why windows ended, and the tornado of the headline
    output. Written atomically; an existing file is replaced only with ``force``.

    Raises:
        ScenarioError: for a path that cannot be written.
    """
    from alignment_runway.export import write_atomically
    from alignment_runway.reports.html import report_html

    target = check_report_path(path, force)
    audit = None
    if result.scenario.name in _ESSAY_PRESETS:
        from alignment_runway import essay

        audit = essay.audit()
    text = report_html(result, _report_sensitivity(result), audit)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomically(target, force, write, "--report")
    return target


def check_figures_path(folder: str | os.PathLike[str], force: bool = False) -> Path:
    """Check that ``write_figures`` can write into ``folder`` (before a long run).

    The folder's parent must exist; without ``force``, no figure a report can carry may
    already be there.

    Raises:
        ScenarioError: naming the folder or the files in the way.
    """
    from alignment_runway.reports.figures import FIGURE_FORMATS
    from alignment_runway.reports.html import FIGURE_STEMS

    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise ScenarioError(
            f"--figures: expected a folder; received {str(target)!r}, which is a file"
        )
    if not target.parent.is_dir():
        raise ScenarioError(
            f"--figures: the folder {str(target.parent)!r} does not exist; received {str(target)!r}"
        )
    existing = [
        str(target / f"{stem}.{fmt}")
        for stem in FIGURE_STEMS
        for fmt in FIGURE_FORMATS
        if (target / f"{stem}.{fmt}").exists()
    ]
    if existing and not force:
        raise ScenarioError(
            f"--figures: expected new files (or --force to overwrite); received "
            f"{', '.join(existing)}, which already exist"
        )
    return target


def write_figures(
    result: RunResult, folder: str | os.PathLike[str], *, force: bool = False
) -> list[Path]:
    """Write each figure of a result's report as PNG and SVG into ``folder``.

    Raises:
        ScenarioError: for a folder that is a file, or figure files that exist without
            ``force``.
    """
    from alignment_runway.reports.figures import write_figures as write
    from alignment_runway.reports.html import figure_specs

    target = check_figures_path(folder, force)
    specs = figure_specs(result, _report_sensitivity(result))
    if not specs:
        return []
    try:
        return write(specs, target)
    except OSError as exc:
        raise ScenarioError(
            f"--figures: expected a folder that can be written; received {str(target)!r}: "
            f"{exc.strerror or exc}"
        ) from None


# --- the run store ------------------------------------------------------------------------------


def open_store(location: str | None = None, *, create: bool = True) -> Store:
    """The run store at a SQLAlchemy URL or file path (default: ``store.default_url()``).

    With ``create`` false, a SQLite store that does not exist yet is an error (commands that
    only read runs never create one).

    Raises:
        ScenarioError: for a store that cannot be opened, is not a database, has a newer
            schema, or (without ``create``) does not exist.
    """
    from alignment_runway.store import Store

    return Store(location, create=create)


def record(
    store: Store,
    result: RunResult,
    options: Mapping[str, Any],
    started_at: str,
    finished_at: str,
    *,
    keep_samples: bool = False,
) -> int:
    """Record a finished run or race in ``store``; return its id.

    ``options`` are what the run was called with (samples, seed, chunk size, workers, and the
    race's months, step and kept trajectories; a run's ``keep``), so ``reproduce`` can run it
    again.
    """
    from alignment_runway.scenarios.loader import scenario_toml
    from alignment_runway.store import RunRecord, digests, summary_records, versions

    entry = RunRecord(
        command="race" if isinstance(result, RaceResult) else "run",
        scenario_name=result.scenario.name,
        scenario_text=scenario_toml(result.scenario),
        options=dict(options),
        versions=versions(),
        started_at=started_at,
        finished_at=finished_at,
        samples=result.samples,
        seed=result.seed,
        summary=summary_records(result),
        digests=digests(result.values),
    )
    return store.add(entry, dict(result.values) if keep_samples else None)


@dataclass(frozen=True)
class Reproduction:
    """A recorded run run again: whether every kept array is bit-identical, and if not why.

    Attributes:
        record: the recorded run.
        result: the new result.
        differing: names whose samples differ from the record's (empty: identical).
        changed_versions: package, Python, numpy or scipy versions that differ now, as
            (recorded, now).
    """

    record: RunRecord
    result: RunResult
    differing: tuple[str, ...]
    changed_versions: dict[str, tuple[str, str]]

    @property
    def identical(self) -> bool:
        """Whether every kept array is bit for bit what was recorded."""
        return not self.differing


def rerun(entry: RunRecord) -> RunResult:
    """Run a recorded run again, with its recorded scenario and options."""
    from alignment_runway.scenarios.loader import load_text

    scenario = load_text(entry.scenario_text, entry.scenario_name)
    o = entry.options
    chunk_size, workers = int(o["chunk_size"]), int(o["workers"])
    if entry.command == "race":
        return race(
            scenario,
            int(o["samples"]),
            int(o["seed"]),
            months=float(o["months"]),
            step=str(o["step"]),
            keep_trajectories=int(o["keep_trajectories"]),
            chunk_size=chunk_size,
            workers=workers,
        )
    keep = o.get("keep")
    return run(
        scenario,
        int(o["samples"]),
        int(o["seed"]),
        chunk_size=chunk_size,
        workers=workers,
        keep=keep,
    )


def reproduce(store: Store, run_id: int) -> Reproduction:
    """Run a recorded run again and compare every kept array bit for bit with the record.

    Raises:
        ScenarioError: for an unknown id, or a recorded scenario this version cannot read.
    """
    from alignment_runway.store import changed_versions, differing, digests

    entry = store.get(run_id)
    result = rerun(entry)
    return Reproduction(
        entry,
        result,
        tuple(differing(entry.digests, digests(result.values))),
        changed_versions(entry.versions),
    )
