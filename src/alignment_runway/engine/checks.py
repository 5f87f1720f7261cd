"""Checks of what a run is asked to do, before it starts: options, names, memory, the horizon.

Every error names the field at fault (``samples``, ``keep``, ``months``, …), never a flag.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from alignment_runway.distributions import Distribution
from alignment_runway.errors import InputError, ScenarioError, did_you_mean
from alignment_runway.model.stage_d import TASKS_OUTPUTS
from alignment_runway.model.static import OUTPUTS, OutputSpec
from alignment_runway.results import ALL_OUTPUTS
from alignment_runway.scenarios import Scenario
from alignment_runway.units import CALENDAR_MONTH_S, dimension_name, registry

__all__ = [
    "STEPS",
    "check_finite",
    "check_horizon",
    "check_memory",
    "check_race",
    "check_sampling",
    "kept_names",
    "may_exceed",
    "output_spec",
    "threshold",
]

#: Stage D's outputs, computed only when Stage D is on.
TASKS_NAMES = frozenset(spec.name for spec in TASKS_OUTPUTS)
#: Steps the race can take, in calendar seconds.
STEPS = {"month": CALENDAR_MONTH_S, "week": 7 * 24 * 3600.0}


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
    import pint

    name, sep, text = assignment.partition("=")
    name, text = name.strip(), text.strip()
    if not sep or not text:
        raise InputError(
            "above", "OUTPUT=VALUE such as static.ai_researchers=1e5", repr(assignment)
        )
    spec = output_spec(name, "above")
    reg = registry()
    try:
        quantity: Any = reg.Quantity(text)
        if not isinstance(quantity, reg.Quantity) or (quantity.dimensionless and spec.unit):
            quantity = reg.Quantity(float(quantity), spec.display_unit or "dimensionless")
        value = float(quantity.to(spec.unit or "dimensionless").magnitude)
    except (pint.PintError, ValueError, TypeError, AttributeError):
        kind = dimension_name(spec.unit) if spec.unit else "a plain number"
        unit = f" (in {spec.display_unit} when no unit is given)" if spec.display_unit else ""
        raise InputError("above", f"{kind}{unit} for {name}", repr(text)) from None
    return name, value


#: The largest seed: run stores keep seeds as signed 64-bit integers (SQLite and PostgreSQL).
MAX_SEED = 2**63 - 1


def check_sampling(samples: int, seed: int, chunk_size: int, workers: int) -> None:
    """Check the sampling options: whole numbers in range.

    Raises:
        InputError: naming the first option out of range.
    """
    checks = (
        ("samples", samples, 1, "a whole number of samples >= 1"),
        ("seed", seed, 0, "a whole number >= 0"),
        ("chunk_size", chunk_size, 1, "a whole number of samples >= 1"),
        ("workers", workers, 1, "a whole number of processes >= 1"),
    )
    for field, value, lowest, expected in checks:
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            raise InputError(field, expected, repr(value))
    if seed > MAX_SEED:
        raise InputError("seed", "a whole number from 0 to 2**63 - 1 (a 64-bit seed)", repr(seed))


#: Arrays of one float per sample a summary works in besides the kept ones (one at a time).
SUMMARY_WORK_ARRAYS = 1.0


def check_memory(samples: int, kept: float, work: float = SUMMARY_WORK_ARRAYS) -> None:
    """Refuse, before it starts, a run whose arrays would not fit in this machine's memory.

    A run holds its ``kept`` arrays (trajectories counted as arrays of ``samples``) and, while
    summarising, ``work`` more (the copy percentiles are partitioned in, then the mean's
    deviations): 8 bytes per sample each.

    Raises:
        InputError: for ``samples`` whose arrays need more than 80% of the memory.
    """
    try:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: nothing to check
        return
    needed = samples * (kept + work) * 8
    if needed > 0.8 * available:
        raise InputError(
            "samples",
            f"kept samples within 80% of this machine's {available / 2**30:.1f} GiB",
            f"{samples:,} samples × {kept:g} kept arrays (and {work:g} to summarise them), "
            f"which need {needed / 2**30:.1f} GiB",
            hint=": keep fewer with {0} (8 bytes per sample each) or use fewer samples",
            related=("keep",),
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
            of at least one step.
    """
    if step not in STEPS:
        raise InputError("step", "month or week", repr(step))
    if isinstance(months, bool) or not isinstance(months, int | float):
        raise InputError("months", "a number of months", repr(months))
    horizon = float(months) * CALENDAR_MONTH_S
    if not (math.isfinite(horizon) and horizon > 0):
        raise InputError("months", "a finite horizon > 0 months", repr(months))
    if horizon < STEPS[step] * (1 - 1e-12):
        size = "1 month" if step == "month" else f"1 week = {7 / 30:.3g} months"
        raise InputError("months", f"a horizon of at least one step ({size})", f"{months:g} months")
    return horizon, STEPS[step]
