"""Sweeps: a grid of scenarios, each cell's outputs summarised with Monte Carlo errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.summary import Estimate
from alignment_runway.results.runs import UNITS
from alignment_runway.scenarios import Scenario

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Axis", "CellSummary", "OutputSummaryCell", "Plan", "Sweep"]


@dataclass(frozen=True)
class Axis:
    """One grid axis: a parameter and its values.

    Attributes:
        name: the parameter.
        unit: the display unit of ``values``.
        values: the values in ``unit``.
        texts: each value as a setting takes it.
    """

    name: str
    unit: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """A sweep before it runs: its cells and what they cost.

    Attributes:
        cells: the grid's index of each cell, the first axis slowest.
        sample_months: samples × months of horizon (a race) or samples (a run), in all.
        seconds_per_worker: a rough estimate of the time on one worker (a streamed cell
            counts each of its passes).
        notes: what a reader should know (correlations of swept inputs dropped).
        method: how every cell draws its samples: ``"sample"`` or ``"qmc"``.
    """

    scenario: Scenario
    axes: tuple[Axis, ...]
    kind: str
    outputs: tuple[str, ...]
    samples: int
    seed: int
    months: float
    step: str
    cells: tuple[tuple[int, ...], ...]
    sample_months: float
    seconds_per_worker: float
    notes: tuple[str, ...] = ()
    method: str = "sample"

    def settings(self, cell: Sequence[int]) -> list[str]:
        """The settings that make ``cell``'s scenario from the base scenario."""
        return [f"{a.name}={a.texts[i]}" for a, i in zip(self.axes, cell, strict=True)]


@dataclass(frozen=True)
class OutputSummaryCell:
    """One output of one cell: its mean and percentiles (canonical units)."""

    mean: Estimate
    percentiles: dict[float, Estimate]


@dataclass(frozen=True)
class CellSummary:
    """One cell of a sweep: its index on each axis and its outputs' summaries.

    Attributes:
        samples: the outputs' samples (canonical units), only when the sweep was asked to keep
            them; None otherwise.
    """

    cell: tuple[int, ...]
    outputs: dict[str, OutputSummaryCell]
    samples: dict[str, NDArray[np.float64]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: its plan, and every cell run with the plan's seed and sample count.

    Attributes:
        plan: what was run (scenario, axes, kind, outputs, samples, seed, horizon, notes);
            its fields read as the sweep's own (``sweep.axes`` is ``sweep.plan.axes``).
        percentiles: what each cell kept, besides its mean, in percent.
        cells: one summary per cell, in grid order.
        sweep_id: the id it was recorded under in a store (None when not recorded).
    """

    plan: Plan
    percentiles: tuple[float, ...]
    cells: tuple[CellSummary, ...]
    sweep_id: int | None = field(default=None, compare=False)

    @property
    def scenario(self) -> Scenario:
        """The base scenario every cell changes."""
        return self.plan.scenario

    @property
    def axes(self) -> tuple[Axis, ...]:
        """The grid's axes, the first varying slowest."""
        return self.plan.axes

    @property
    def kind(self) -> str:
        """``run`` or ``race`` (race outputs run a race)."""
        return self.plan.kind

    @property
    def outputs(self) -> tuple[str, ...]:
        """The outputs each cell summarises."""
        return self.plan.outputs

    @property
    def samples(self) -> int:
        """Samples per cell."""
        return self.plan.samples

    @property
    def seed(self) -> int:
        """The seed every cell shares."""
        return self.plan.seed

    @property
    def months(self) -> float:
        """The race's horizon, in months."""
        return self.plan.months

    @property
    def step(self) -> str:
        """The race's step."""
        return self.plan.step

    @property
    def notes(self) -> tuple[str, ...]:
        """What a reader should know (correlations of swept inputs dropped)."""
        return self.plan.notes

    @cached_property
    def dataset(self) -> xr.Dataset:
        """The sweep as an xarray Dataset, one dimension per axis (canonical units).

        Each output is a variable over the axes and ``statistic`` (``mean``, ``p5`` …), its
        Monte Carlo standard errors in ``NAME.se``; each axis's coordinate holds its values in
        its display unit (attribute ``unit``). A sweep that kept its samples also has
        ``NAME.samples`` over the axes and ``sample``.
        """
        import xarray as xr

        shape = tuple(len(a.values) for a in self.axes)
        stats = ["mean", *(f"p{q:g}" for q in self.percentiles)]
        data = {}
        for name in self.outputs:
            values = np.empty((*shape, len(stats)))
            errors = np.empty_like(values)
            for cell in self.cells:
                summary = cell.outputs[name]
                estimates = [summary.mean, *summary.percentiles.values()]
                values[cell.cell] = [e.value for e in estimates]
                errors[cell.cell] = [e.se for e in estimates]
            dims = [*(a.name for a in self.axes), "statistic"]
            unit = UNITS.get(name, "")
            data[name] = xr.Variable(dims, values, {"unit": unit})
            data[f"{name}.se"] = xr.Variable(dims, errors, {"unit": unit})
            if all(cell.samples is not None for cell in self.cells):
                kept = np.empty((*shape, self.samples))
                for cell in self.cells:
                    kept[cell.cell] = cell.samples[name]  # type: ignore[index]
                data[f"{name}.samples"] = xr.Variable([*dims[:-1], "sample"], kept, {"unit": unit})
        coords = {
            a.name: xr.Variable(a.name, np.array(a.values), {"unit": a.unit}) for a in self.axes
        }
        coords["statistic"] = xr.Variable("statistic", stats)
        return xr.Dataset(
            data,
            coords=coords,
            attrs={
                "scenario": self.scenario.name,
                "kind": self.kind,
                "samples": self.samples,
                "seed": self.seed,
                "months": self.months,
                "step": self.step,
            },
        )
