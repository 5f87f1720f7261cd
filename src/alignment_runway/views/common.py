"""Pieces every view shares: estimates for JSON, display units, the scenario's inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.summary import Estimate
from alignment_runway.distributions import Distribution
from alignment_runway.results import ALL_OUTPUTS
from alignment_runway.scenarios import PARAMETERS, Scenario, tasks_active
from alignment_runway.units import factor

__all__ = [
    "OUTPUT_SPECS",
    "InputRow",
    "display_unit",
    "estimate_record",
    "how_computed",
    "input_rows",
    "meaning",
    "spread",
    "to_display",
]

#: Every model output's spec, by name.
OUTPUT_SPECS = {spec.name: spec for spec in ALL_OUTPUTS}


def display_unit(name: str) -> tuple[str, float]:
    """An output's or parameter's display unit, and the factor from its canonical unit."""
    spec = OUTPUT_SPECS.get(name)
    unit, shown = (spec.unit, spec.display_unit) if spec else _parameter_units(name)
    return shown, factor(unit, shown)


def meaning(name: str) -> str:
    """An output's or parameter's one-line meaning ("" for a name that is neither)."""
    spec = OUTPUT_SPECS.get(name)
    if spec is not None:
        return spec.meaning
    parameter = PARAMETERS.get(name)
    return "" if parameter is None else parameter.meaning


def _parameter_units(name: str) -> tuple[str, str]:
    spec = PARAMETERS[name]
    return spec.unit, spec.display_unit


def to_display(value: float, unit: str, shown: str) -> float:
    """``value`` in ``unit`` converted to the unit ``shown``."""
    return value * factor(unit, shown)


def how_computed(method: str, samples: int, seed: int, randomizations: int = 0) -> str:
    """How a run's summaries were computed, in words: what a report or a record says.

    A run whose every summary is a closed form drew nothing: it says so, not "0 samples".

    Args:
        method: ``"sample"``, ``"exact"``, ``"auto"`` or ``"qmc"``.
        samples: the samples drawn (0 when nothing was sampled).
        seed: the run's seed.
        randomizations: a qmc run's scrambled Sobol' sequences (0: not known or not qmc).
    """
    if samples == 0:
        return "exact: lognormal closed forms, no samples"
    if samples == 1:
        return "one deterministic run (every input a point value)"
    if method == "qmc":
        sequences = f"{randomizations} " if randomizations else ""
        return (
            f"{samples:,} randomized quasi-Monte Carlo samples ({sequences}scrambled Sobol' "
            f"sequences), seed {seed}"
        )
    sampled = f"{samples:,} Monte Carlo samples, seed {seed}"
    if method == "auto":
        return f"{sampled}; outputs in closed form where exact (method auto)"
    return sampled


def estimate_record(est: Estimate) -> dict[str, float | None]:
    """An estimate for JSON, with null for what JSON cannot hold.

    A standard error that is undefined (one sample) is null, and so is an infinite value (a
    time to the requirement that is never reached).
    """
    value = est.value if math.isfinite(est.value) else None
    return {"value": value, "se": est.se if math.isfinite(est.se) else None}


def spread(values: NDArray[np.float64]) -> dict[str, float]:
    """One value when every sample agrees, else the median and the 90% interval."""
    if values.size == 1 or np.all(values == values[0]):
        return {"value": float(values[0])}
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


@dataclass(frozen=True)
class InputRow:
    """One parameter of a scenario as shown: its value or distribution, and where it is from.

    Attributes:
        name, symbol, unit: the parameter, its symbol and display unit.
        value: the point value(s) in the display unit (None for a distribution).
        distribution: the distribution described (None for a point value).
        distribution_unit: the canonical unit the distribution is drawn in.
        as_written, where, source: the text as written, where, and its source.
        used: False where another setting overrides it (training compute given).
        meaning: the parameter's one-line meaning.
    """

    name: str
    symbol: str
    unit: str
    value: float | list[float] | None
    distribution: str | None
    distribution_unit: str
    as_written: str
    where: str
    source: str
    used: bool
    meaning: str

    def to_json(self) -> dict[str, Any]:
        """The row as JSON."""
        record: dict[str, Any] = {"name": self.name, "symbol": self.symbol, "unit": self.unit}
        if self.distribution is not None:
            record["distribution"] = self.distribution
            record["distribution_unit"] = self.distribution_unit
        else:
            record["value"] = self.value
        record |= {
            "as_written": self.as_written,
            "where": self.where,
            "source": self.source,
            "used": self.used,
        }
        return record


def input_rows(scenario: Scenario) -> tuple[InputRow, ...]:
    """Every parameter the scenario sets, in the order of the parameter table.

    Stage D's parameters (``tasks.*``) are left out while they are all neutral: they then
    change nothing (see ``tasks_active``).
    """
    derived = scenario.value("compute.training_compute") is not None
    tasks = tasks_active(scenario)
    rows = []
    for name, spec in PARAMETERS.items():
        setting = scenario.settings.get(name)
        if setting is None or (spec.section == "tasks" and not tasks):
            continue
        raw = setting.value
        value: float | list[float] | None = None
        described = None
        if isinstance(raw, Distribution):
            described = raw.describe()
        else:
            values = raw if isinstance(raw, tuple) else (raw,)
            shown = [to_display(v, spec.unit, spec.display_unit) for v in values]
            value = shown if spec.is_list else shown[0]
        rows.append(
            InputRow(
                name=name,
                symbol=spec.symbol,
                unit=spec.display_unit,
                value=value,
                distribution=described,
                distribution_unit=spec.unit,
                as_written=setting.text,
                where=setting.where,
                source=setting.source,
                used=not (derived and name in ("compute.stock", "compute.training_share")),
                meaning=spec.meaning,
            )
        )
    return tuple(rows)
