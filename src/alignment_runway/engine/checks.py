"""Checks of what a run is asked to do, before it starts: options, names, memory, the horizon.

Every error names the field at fault (``samples``, ``keep``, ``months``, …), never a flag.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from alignment_runway.distributions import Distribution
from alignment_runway.engine.resources import available_memory, usable_cpus
from alignment_runway.errors import InputError, ScenarioError, did_you_mean
from alignment_runway.model.stage_d import TASKS_OUTPUTS
from alignment_runway.model.static import OUTPUTS, OutputSpec
from alignment_runway.results import ALL_OUTPUTS
from alignment_runway.scenarios import Scenario
from alignment_runway.units import CALENDAR_MONTH_S, dimension_name, registry, text_problem

__all__ = [
    "MAX_MONTHS",
    "MAX_SEED",
    "STEPS",
    "check_finite",
    "check_horizon",
    "check_memory",
    "check_numeric_outputs",
    "check_race",
    "check_requirement",
    "check_sampling",
    "kept_names",
    "max_workers",
    "may_exceed",
    "output_spec",
    "threshold",
]

#: Stage D's outputs, computed only when Stage D is on.
TASKS_NAMES = frozenset(spec.name for spec in TASKS_OUTPUTS)
#: Steps the race can take, in calendar seconds.
STEPS = {"month": CALENDAR_MONTH_S, "week": 7 * 24 * 3600.0}
#: The longest horizon a race steps through, in calendar months: a century, far beyond any
#: lead, which keeps a run's work (samples × steps) bounded.
MAX_MONTHS = 1200.0
#: The largest seed: run stores keep seeds as signed 64-bit integers (SQLite and PostgreSQL).
MAX_SEED = 2**63 - 1
#: Worker processes per CPU this process may use: more only queue for the same cores.
WORKERS_PER_CPU = 4
#: Share of the memory available to this process that kept samples may take.
MEMORY_SHARE = 0.8


def max_workers() -> int:
    """The most worker processes a run may ask for: ``WORKERS_PER_CPU`` per usable CPU."""
    return WORKERS_PER_CPU * usable_cpus()


#: Outputs that are categories, not numbers: nothing to pair, sweep or summarise as numbers.
CATEGORIES = ("race.end_reason",)
#: A race's outputs that exist only when ``race.required_research`` is set.
NEEDS_REQUIREMENT = ("race.success", "race.time_to_requirement")


def check_numeric_outputs(outputs: Sequence[str]) -> None:
    """Outputs a comparison or a sweep can summarise: known, numeric, at least one.

    Raises:
        InputError: for none, an unknown output, or a category (``race.end_reason``).
    """
    if not outputs:
        raise InputError("output", "at least one output", "none")
    for name in outputs:
        output_spec(name)
        if name in CATEGORIES:
            raise InputError(
                "output",
                f"a numeric output ({name} is a category: use race.success or race.window)",
                repr(name),
            )


def check_requirement(outputs: Sequence[str], lacking: Sequence[str]) -> None:
    """Outputs that need ``race.required_research``, asked where some scenario has none.

    Raises:
        InputError: naming the first such output and the scenarios in ``lacking``.
    """
    needs = [name for name in outputs if name in NEEDS_REQUIREMENT]
    if needs and lacking:
        raise InputError(
            "output",
            f"outputs every scenario has ({needs[0]} needs race.required_research)",
            f"{needs[0]}, with no requirement in {', '.join(lacking)}",
        )


def output_spec(name: str, field: str = "output") -> OutputSpec:
    """The spec (unit, meaning) of a model output by name.

    Raises:
        InputError: for an unknown output, listing the known ones.
    """
    for spec in ALL_OUTPUTS:
        if spec.name == name:
            return spec
    names = [s.name for s in ALL_OUTPUTS]
    raise InputError(
        field, f"a model output ({', '.join(names)})", repr(name), hint=did_you_mean(name, names)
    )


def threshold(assignment: str) -> tuple[str, float]:
    """Read a threshold ``OUTPUT=VALUE`` into the output's name and its canonical value.

    VALUE is a number in the output's display unit, or a quantity with a unit.

    Raises:
        InputError: for a malformed assignment, an unknown output or a unit that does not fit.
    """
    name, sep, text = assignment.partition("=")
    name, text = name.strip(), text.strip()
    if not sep or not text:
        raise InputError(
            "above", "OUTPUT=VALUE such as static.ai_researchers=1e5", repr(assignment)
        )
    spec = output_spec(name, "above")
    problem = text_problem(text) or ("more than one % sign" if text.count("%") > 1 else "")
    if problem:
        raise InputError("above", f"a quantity for {name} such as 1e5", f"{text[:80]!r}: {problem}")
    reg = registry()
    try:
        quantity: Any = reg.Quantity(text)
        if not isinstance(quantity, reg.Quantity) or (quantity.dimensionless and spec.unit):
            quantity = reg.Quantity(float(quantity), spec.display_unit or "dimensionless")
        value = float(quantity.to(spec.unit or "dimensionless").magnitude)
    except Exception:  # pint's parser raises several types for malformed text ('/', '1/0', '(')
        kind = dimension_name(spec.unit) if spec.unit else "a plain number"
        unit = f" (in {spec.display_unit} when no unit is given)" if spec.display_unit else ""
        raise InputError("above", f"{kind}{unit} for {name}", repr(text)) from None
    return name, value


def check_sampling(samples: int, seed: int, chunk_size: int, workers: int) -> None:
    """Check the sampling options: whole numbers in range.

    Raises:
        InputError: naming the first option out of range.
    """
    most = max_workers()
    checks = (
        ("samples", samples, 1, None, "a whole number of samples >= 1"),
        ("seed", seed, 0, MAX_SEED, "a whole number from 0 to 2**63 - 1 (a 64-bit seed)"),
        ("chunk_size", chunk_size, 1, None, "a whole number of samples >= 1"),
        (
            "workers",
            workers,
            1,
            most,
            f"a whole number of processes from 1 to {most} "
            f"({WORKERS_PER_CPU} per CPU this process may use)",
        ),
    )
    for field, value, lowest, highest, expected in checks:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < lowest
            or (highest is not None and value > highest)
        ):
            raise InputError(field, expected, repr(value))


#: Arrays of one float per sample a summary works in besides the kept ones (one at a time).
SUMMARY_WORK_ARRAYS = 1.0


def check_memory(
    samples: int, kept: float, work: float = SUMMARY_WORK_ARRAYS, *, can_keep: bool = True
) -> None:
    """Refuse, before it starts, a run whose arrays would not fit in the memory it can take.

    A run holds its ``kept`` arrays (trajectories counted as arrays of ``samples``) and, while
    summarising, ``work`` more (the copy percentiles are partitioned in, then the mean's
    deviations): 8 bytes per sample each. The memory is what the system has available now,
    within this process's resource limits and control group (see
    ``resources.available_memory``). ``can_keep``: whether the caller can keep fewer arrays
    (the hint then says how).

    Raises:
        InputError: for ``samples`` whose arrays need more than 80% of that memory.
    """
    available = available_memory()
    if available is None:  # nothing known of the memory: nothing to check
        return
    needed = samples * (kept + work) * 8
    if needed > MEMORY_SHARE * available:
        hint = ": keep fewer with {0} (8 bytes per sample each) or use fewer samples"
        raise InputError(
            "samples",
            f"arrays within {MEMORY_SHARE:.0%} of the {available / 2**30:.2f} GiB of memory "
            "this process can still take",
            f"{samples:,} samples × {kept:g} kept arrays (and {work:g} to summarise them), "
            f"which need {needed / 2**30:.1f} GiB",
            hint=hint if can_keep else ": use fewer samples",
            related=("keep",) if can_keep else (),
        )


def kept_names(
    keep: Sequence[str] | None, uncertain: Mapping[str, object], tasks: bool = False
) -> list[str]:
    """The names to keep, checked: model outputs and uncertain inputs (all by default).

    Stage D's outputs (``tasks.*``) are outputs only when ``tasks`` (Stage D is on).

    Raises:
        InputError: for an unknown name or an empty list.
    """
    outputs = OUTPUTS + TASKS_OUTPUTS if tasks else OUTPUTS
    known = [spec.name for spec in outputs] + list(uncertain)
    if keep is None:
        return known
    for name in keep:
        if name in TASKS_NAMES and not tasks:
            raise InputError(
                "keep",
                "an output this scenario computes (tasks.* needs Stage D on: a task parameter "
                "away from its neutral value)",
                f"{name}, with every task parameter neutral",
            )
        if name not in known:
            raise InputError(
                "keep",
                "a model output or an uncertain input",
                repr(name),
                hint=f"{did_you_mean(name, known)} (known: {', '.join(known)})",
            )
    if not keep:
        raise InputError("keep", "at least one name to keep", "none")
    return list(keep)


def check_finite(scenario: Scenario, counts: Mapping[str, int]) -> None:
    """Refuse results that overflowed or underflowed: valid inputs of extreme magnitude.

    Raises:
        ScenarioError: naming the outputs, the samples and the scenario's own settings.
    """
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


def may_exceed(value: object, bound: float) -> bool:
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
        if not may_exceed(setting.value, neutral):
            continue
        missing = [other for other in required if scenario.value(other) is None]
        if missing:
            raise ScenarioError(
                f"{setting.where}: {name} = {setting.text} needs {' and '.join(missing)}; "
                f"received {name} without {'/'.join(missing)}: set "
                f"{' and '.join(missing)}, or set {name} to its neutral value "
                f"({neutral:g})",
                name,
            )


def check_horizon(months: float, step: str) -> tuple[float, float]:
    """The horizon and step in calendar seconds, checked.

    Raises:
        InputError: for an unknown step, or a horizon that is not a finite number of months
            of at least one step and at most ``MAX_MONTHS``.
    """
    if step not in STEPS:
        raise InputError("step", "month or week", repr(step))
    if isinstance(months, bool) or not isinstance(months, int | float):
        raise InputError("months", "a number of months", repr(months))
    horizon = float(months) * CALENDAR_MONTH_S
    if not (math.isfinite(horizon) and horizon > 0):
        raise InputError("months", "a finite horizon > 0 months", repr(months))
    if months > MAX_MONTHS:
        raise InputError(
            "months", f"a horizon of at most {MAX_MONTHS:g} months (a century)", f"{months:g}"
        )
    if horizon < STEPS[step] * (1 - 1e-12):
        size = "1 month" if step == "month" else f"1 week = {7 / 30:.3g} months"
        raise InputError("months", f"a horizon of at least one step ({size})", f"{months:g} months")
    return horizon, STEPS[step]
