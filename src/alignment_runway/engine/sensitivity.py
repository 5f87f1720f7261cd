"""Sensitivity of the model's outputs to its uncertain inputs (methods in analysis.sensitivity)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.distributions import Distribution
from alignment_runway.engine.checks import MAX_SEED, check_horizon, check_memory, check_race
from alignment_runway.engine.evaluate import RaceJob, evaluate_race, evaluate_static, race_inputs
from alignment_runway.engine.runs import DEFAULT_MONTHS, race, run
from alignment_runway.errors import InputError, did_you_mean
from alignment_runway.model import race as race_model
from alignment_runway.results import ALL_OUTPUTS, UNITS, SensitivityResult
from alignment_runway.sampling import DEFAULT_SAMPLES, DEFAULT_SEED
from alignment_runway.scenarios import PARAMETERS, Scenario, tasks_active
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import CALENDAR_MONTH_S

if TYPE_CHECKING:
    from alignment_runway.analysis import sensitivity as sensitivity_methods

__all__ = [
    "DEFAULT_SOBOL_SAMPLES",
    "HEADLINE_OUTPUTS",
    "SENSITIVITY_METHODS",
    "analysable_outputs",
    "rank_samples",
    "sensitivity",
]

Array = NDArray[np.float64]
#: Sensitivity methods (see ``alignment_runway.analysis.sensitivity``).
SENSITIVITY_METHODS = ("tornado", "rank", "sobol")
#: What ``sensitivity`` analyses when no output is named: the static and the race headlines.
HEADLINE_OUTPUTS = ("static.research_per_month", "race.research")
#: Base sample of a Sobol design when none is given.
DEFAULT_SOBOL_SAMPLES = 1024
#: Arrays of the evaluated samples a Sobol design holds at once besides its inputs (the
#: design, the drawn values, the output and the model's working arrays): a generous count.
_SOBOL_WORKING_ARRAYS = 32
#: Outputs sensitivity analysis refuses, and why.
_NOT_ANALYSABLE = {
    "race.end_reason": "a category (0 catch-up, 1 theft, 2 horizon), not a quantity",
    "race.success": "0 or 1; analyse the research delivered (race.research) instead",
    "race.time_to_requirement": "infinite where the requirement is not met; analyse "
    "race.research instead",
}


def analysable_outputs() -> list[str]:
    """The outputs sensitivity analysis accepts: every continuous static and race output."""
    return [spec.name for spec in ALL_OUTPUTS if spec.name not in _NOT_ANALYSABLE]


def _check_output(name: str) -> None:
    known = analysable_outputs()
    if name in _NOT_ANALYSABLE:
        raise InputError(
            "outputs",
            f"a continuous output (one of {', '.join(known)})",
            f"{name}, which is {_NOT_ANALYSABLE[name]}",
        )
    if name not in known:
        raise InputError(
            "outputs",
            f"one of {', '.join(known)}",
            f"unknown output {name!r}",
            hint=did_you_mean(name, known),
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
                raise InputError(
                    "inputs",
                    f"one of the uncertain inputs ({', '.join(uncertain) or 'none'})",
                    f"{name}, which has no uncertainty in this scenario",
                )
            raise InputError("inputs", "a parameter", repr(name), hint=suggest(name))
        chosen[name] = uncertain[name]
    return chosen


def _logged(values: Array, output: str, log: bool) -> Array:
    missing = int(np.count_nonzero(np.isnan(values)))
    if missing:
        raise InputError(
            "outputs",
            f"{output} present in every sample",
            f"{missing:,} missing value(s) of {values.size:,} (a speed-up is missing without "
            "human researchers, an effective cost where the AI does no task); analyse "
            "tasks.research_rate instead",
        )
    if not log:
        return values
    bad = int(np.count_nonzero(~(values > 0)))
    if bad:
        raise InputError(
            "log",
            f"{output} above 0 everywhere",
            f"{bad:,} value(s) of {values.size:,} at or below 0 (analyse it without the log)",
        )
    return np.log(values)


def _output_function(
    scenario: Scenario, output: str, grid_s: Array, log: bool, fixed: Mapping[str, float]
) -> sensitivity_methods.Evaluate:
    """``values -> output`` for the sensitivity methods; ``fixed`` inputs held at a value."""

    def evaluate(values: dict[str, Array]) -> Array:
        n = next(iter(values.values())).size if values else 1
        drawn = dict(values) | {name: np.full(n, value) for name, value in fixed.items()}
        with np.errstate(all="ignore"):
            if output.startswith("race."):
                results, _ = evaluate_race(RaceJob(scenario, grid_s, None), drawn, n, (output,))
            else:
                results, _ = evaluate_static(scenario, drawn, n, (output,))
        return _logged(results[output], output, log)

    return evaluate


def _notes(
    scenario: Scenario,
    method: str,
    chosen: Mapping[str, Distribution],
    fixed: Mapping[str, float],
) -> list[str]:
    notes = []
    if method == "tornado" and scenario.correlations:
        notes.append(
            "tornado moves one input at a time and ignores the scenario's correlations; "
            "the rank method accounts for them"
        )
    if fixed and method != "rank":
        notes.append(f"held at their medians: {', '.join(fixed)}")
    return notes


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
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[SensitivityResult]:
    """Which uncertain input drives each output (see ``api.sensitivity``).

    ``workers`` and ``progress`` serve rank's sampling (``rank_samples``: how many samples).

    Raises:
        InputError: for an unknown or non-continuous output, an unknown method, an input
            with no uncertainty, or too few samples (Sobol groups correlated inputs).
    """
    from alignment_runway.analysis import sensitivity as sensitivity_methods

    names = list(outputs) if outputs else list(HEADLINE_OUTPUTS)
    _check_options(scenario, names, method, workers)
    racing = any(name.startswith("race.") for name in names)
    uncertain = race_inputs(scenario) if racing else dict(scenario.uncertain())
    chosen = _analysed_inputs(uncertain, inputs)
    sensitivity_methods.check_inputs(chosen)
    grid = np.zeros(1)
    if racing:
        check_race(scenario)
        horizon, step_s = check_horizon(months, step)
        grid, _ = race_model.time_grid(horizon, step_s, CALENDAR_MONTH_S)
    fixed = {
        name: float(dist.ppf(np.array([0.5]))[0])
        for name, dist in uncertain.items()
        if name not in chosen
    }
    notes = _notes(scenario, method, chosen, fixed)
    if method == "rank":
        race_options = {"months": months, "step": step}
        sampling = {"workers": workers, "progress": progress}
        return _rank_results(
            scenario, names, chosen, samples, seed, log, race_options, sampling, notes
        )
    groups: list[sensitivity_methods.Group] = []
    n = DEFAULT_SOBOL_SAMPLES if samples is None else samples
    if method == "sobol":
        _check_sobol(n, seed, len(chosen))
        groups, grouped = _sobol_groups(scenario, chosen)
        notes += grouped
    study = (method, n, seed, log, tuple(notes))
    return [
        _one_output(
            scenario,
            name,
            study,
            chosen,
            groups,
            _output_function(scenario, name, grid, log, fixed),
        )
        for name in names
    ]


def _one_output(
    scenario: Scenario,
    name: str,
    study: tuple[str, int, int, bool, tuple[str, ...]],
    chosen: Mapping[str, Distribution],
    groups: Sequence[sensitivity_methods.Group],
    evaluate: sensitivity_methods.Evaluate,
) -> SensitivityResult:
    """One output's tornado or Sobol indices; ``study``: method, N, seed, log and notes."""
    from alignment_runway.analysis import sensitivity as sensitivity_methods

    method, n, seed, log, notes = study
    unit = "" if log else UNITS.get(name, "")
    if method == "tornado":
        baseline, rows = sensitivity_methods.tornado(evaluate, chosen, label=name)
        return SensitivityResult(
            scenario,
            name,
            unit,
            log,
            method,
            1 + 2 * len(chosen),
            seed,
            baseline=baseline,
            tornado=tuple(rows),
            notes=notes,
        )
    indices = sensitivity_methods.sobol(evaluate, chosen, n, seed, label=name, groups=groups)
    return SensitivityResult(
        scenario,
        name,
        unit,
        log,
        method,
        n,
        seed,
        sobol=tuple(indices),
        notes=(*notes, *_wide_intervals(indices, n, log)),
    )


def _check_sobol(samples: int, seed: int, inputs: int) -> None:
    """Check a Sobol design's options before it is built: it evaluates ``N·(D + 2)`` samples."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise InputError("samples", "a whole number of samples >= 1", repr(samples))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError("seed", "a whole number from 0 to 2**63 - 1 (a 64-bit seed)", repr(seed))
    check_memory(samples * (inputs + 2), 2 * inputs + _SOBOL_WORKING_ARRAYS, can_keep=False)


def _check_options(scenario: Scenario, names: list[str], method: str, workers: int) -> None:
    if method not in SENSITIVITY_METHODS:
        raise InputError("method", f"one of {', '.join(SENSITIVITY_METHODS)}", repr(method))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError("workers", "a whole number of processes >= 1", repr(workers))
    for name in names:
        _check_output(name)
        if name.startswith("tasks.") and not tasks_active(scenario):
            raise InputError(
                "outputs",
                "an output this scenario computes (tasks.* needs Stage D on: a task parameter "
                "away from its neutral value, as in the tasks preset)",
                f"{name}, with every task parameter neutral",
            )


def rank_samples(outputs: Sequence[str] | None, method: str, samples: int | None) -> int | None:
    """How many samples ``sensitivity`` draws in all (for a progress bar): rank's only."""
    if method != "rank":
        return None
    names = list(outputs) if outputs else list(HEADLINE_OUTPUTS)
    runs = len({name.startswith("race.") for name in names})
    return runs * (DEFAULT_SAMPLES if samples is None else samples)


#: A Sobol confidence half-width above this (indices run from 0 to 1) earns a warning.
WIDE_SOBOL_INTERVAL = 0.1


def _sobol_groups(
    scenario: Scenario, chosen: Mapping[str, Distribution]
) -> tuple[list[sensitivity_methods.Group], list[str]]:
    """Correlated inputs grouped for Sobol indices (connected by correlations), and notes.

    Each group's mixing matrix comes from its own correlations, so groups stay independent.
    A correlation with an input not analysed (held at its median) is dropped, and said so.
    """
    from alignment_runway.scenarios.correlations import mixing_matrix

    inside = [c for c in scenario.correlations if set(c.pair) <= set(chosen)]
    component = {name: name for name in chosen}

    def root(name: str) -> str:
        while component[name] != name:
            name = component[name]
        return name

    for c in inside:
        component[root(c.first)] = root(c.second)
    members: dict[str, list[str]] = {}
    for name in chosen:
        members.setdefault(root(name), []).append(name)
    groups: list[sensitivity_methods.Group] = []
    notes = []
    for names in (m for m in members.values() if len(m) > 1):
        correlations = [c for c in inside if c.first in names]
        groups.append(mixing_matrix(correlations))
        notes.append(
            f"{' and '.join(groups[-1][0])} are correlated, so Sobol analyses them as one "
            "group (their joint index, row 'a + b'): the design draws independent normals and "
            "the scenario's Gaussian copula correlates them (Jacques et al. 2006)"
        )
    dropped = [c.pair for c in scenario.correlations if len(set(c.pair) & set(chosen)) == 1]
    if dropped:
        shown = "; ".join(f"{a} with {b}" for a, b in dropped)
        notes.append(f"correlations with inputs held at their medians are dropped: {shown}")
    return groups, notes


def _wide_intervals(rows: Sequence[sensitivity_methods.SobolRow], n: int, log: bool) -> list[str]:
    """A warning when a Sobol index's 95% interval is wider than ±0.1, with what to do."""
    widest = max(max(r.first_conf, r.total_conf) for r in rows)
    if not widest > WIDE_SOBOL_INTERVAL:
        return []
    advice = f"a larger base sample (--samples {4 * n})" + (
        ""
        if log
        else " or the output's logarithm (--log), whose indices settle faster for a skewed output"
    )
    return [
        f"Sobol confidence intervals are wide (up to ±{widest:.2f} at N = {n:,}): the indices "
        f"are noisy; use {advice}"
    ]


def _rank_results(
    scenario: Scenario,
    names: Sequence[str],
    chosen: Mapping[str, Distribution],
    samples: int | None,
    seed: int,
    log: bool,
    race_options: dict[str, Any],
    sampling: dict[str, Any],
    notes: list[str],
) -> list[SensitivityResult]:
    from alignment_runway.analysis import sensitivity as sensitivity_methods

    n = DEFAULT_SAMPLES if samples is None else samples
    if n < sensitivity_methods.MIN_RANK_SAMPLES:
        raise InputError(
            "samples",
            f"at least {sensitivity_methods.MIN_RANK_SAMPLES} samples for rank correlations",
            str(n),
        )
    values: dict[str, Array] = {}
    if any(name.startswith("race.") for name in names):
        values |= race(scenario, n, seed, keep_trajectories=0, **race_options, **sampling).values
    static = [name for name in names if not name.startswith("race.")]
    if static:
        values |= run(scenario, n, seed, keep=[*static, *scenario.uncertain()], **sampling).values
    results = []
    input_ranks: dict[str, Array] = {}  # each input ranked once, for every output
    for name in names:
        output = _logged(values[name], name, log)
        rows = sensitivity_methods.rank(
            {k: values[k] for k in chosen}, output, input_ranks, label=name
        )
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
