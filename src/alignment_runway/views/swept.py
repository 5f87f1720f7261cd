"""Views of a sweep: its plan (before it runs) and its cells (after), in display units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alignment_runway.analysis.summary import Estimate
from alignment_runway.results.swept import Plan, Sweep
from alignment_runway.views.common import OUTPUT_SPECS, display_unit, estimate_record

__all__ = ["BINARY_OUTPUTS", "PlanView", "SweepCell", "SweepView", "plan_view", "sweep_view"]

#: Outputs that are 0 or 1 in every sample: their mean is a probability.
BINARY_OUTPUTS = ("race.success",)


@dataclass(frozen=True)
class PlanView:
    """A sweep before it runs: its axes, cells and cost.

    Attributes:
        axes: (name, unit, values in the display unit) per axis.
        cells: each cell's value on every axis, in grid order.
        sample_months: samples × months (a race) or samples (a run), in all.
        seconds_per_worker: a rough estimate of the time on one worker.
        method: how every cell draws its samples: ``"sample"`` or ``"qmc"``.
    """

    scenario: str
    kind: str
    samples: int
    seed: int
    outputs: tuple[str, ...]
    axes: tuple[tuple[str, str, tuple[float, ...]], ...]
    cells: tuple[tuple[float, ...], ...]
    sample_months: float
    seconds_per_worker: float
    notes: tuple[str, ...]
    method: str = "sample"

    def to_json(self) -> dict[str, Any]:
        """The view as the ``sweep --dry-run --format json`` document."""
        return {
            "scenario": self.scenario,
            "kind": self.kind,
            "samples": self.samples,
            "method": self.method,
            "seed": self.seed,
            "outputs": list(self.outputs),
            "axes": [{"name": n, "unit": u, "values": list(v)} for n, u, v in self.axes],
            "cells": len(self.cells),
            "sample_months" if self.kind == "race" else "samples_in_all": self.sample_months,
            "seconds_per_worker": self.seconds_per_worker,
            "notes": list(self.notes),
        }


def plan_view(plan: Plan) -> PlanView:
    """The view of a sweep's plan."""
    axes = tuple((a.name, a.unit, a.values) for a in plan.axes)
    return PlanView(
        scenario=plan.scenario.name,
        kind=plan.kind,
        samples=plan.samples,
        seed=plan.seed,
        outputs=plan.outputs,
        axes=axes,
        cells=tuple(
            tuple(a.values[i] for a, i in zip(plan.axes, cell, strict=True)) for cell in plan.cells
        ),
        sample_months=plan.sample_months,
        seconds_per_worker=plan.seconds_per_worker,
        notes=plan.notes,
        method=plan.method,
    )


@dataclass(frozen=True)
class SweepCell:
    """One cell: its value on every axis and each output's mean and percentiles (display)."""

    at: tuple[float, ...]
    outputs: dict[str, tuple[Estimate, dict[str, Estimate]]]

    def to_json(self, axes: tuple[str, ...]) -> dict[str, Any]:
        """The cell as JSON."""
        return {
            "at": dict(zip(axes, self.at, strict=True)),
            "outputs": {
                name: {
                    "mean": estimate_record(mean),
                    "percentiles": {k: estimate_record(e) for k, e in ps.items()},
                }
                for name, (mean, ps) in self.outputs.items()
            },
        }


@dataclass(frozen=True)
class SweepView:
    """A finished sweep: every cell's summaries, in display units.

    Attributes:
        outputs: (name, display unit, meaning, binary) per output.
        method: how every cell drew its samples: ``"sample"`` or ``"qmc"``.
    """

    scenario: str
    kind: str
    samples: int
    seed: int
    months: float
    step: str
    axes: tuple[tuple[str, str, tuple[float, ...]], ...]
    outputs: tuple[tuple[str, str, str, bool], ...]
    cells: tuple[SweepCell, ...]
    notes: tuple[str, ...]
    sweep_id: int | None
    method: str = "sample"

    def to_json(self) -> dict[str, Any]:
        """The view as the ``sweep --format json`` document."""
        names = tuple(name for name, _, _ in self.axes)
        record: dict[str, Any] = {
            "scenario": self.scenario,
            "kind": self.kind,
            "samples": self.samples,
            "method": self.method,
            "seed": self.seed,
        }
        if self.kind == "race":
            record |= {"months": self.months, "step": self.step}
        return record | {
            "axes": [{"name": n, "unit": u, "values": list(v)} for n, u, v in self.axes],
            "outputs": [
                {"name": n, "unit": u, "meaning": m, "binary": b} for n, u, m, b in self.outputs
            ],
            "cells": [cell.to_json(names) for cell in self.cells],
            "notes": list(self.notes),
            "sweep_id": self.sweep_id,
        }


def sweep_view(result: Sweep) -> SweepView:
    """The view of a finished sweep."""
    scales = {name: display_unit(name) for name in result.outputs}
    cells = []
    for cell in result.cells:
        outputs = {}
        for name, summary in cell.outputs.items():
            scale = scales[name][1]
            outputs[name] = (
                summary.mean.scaled(scale),
                {f"p{q:g}": e.scaled(scale) for q, e in summary.percentiles.items()},
            )
        at = tuple(a.values[i] for a, i in zip(result.axes, cell.cell, strict=True))
        cells.append(SweepCell(at, outputs))
    return SweepView(
        scenario=result.scenario.name,
        kind=result.kind,
        samples=result.samples,
        seed=result.seed,
        months=result.months,
        step=result.step,
        axes=tuple((a.name, a.unit, a.values) for a in result.axes),
        outputs=tuple(
            (n, scales[n][0], OUTPUT_SPECS[n].meaning, n in BINARY_OUTPUTS) for n in result.outputs
        ),
        cells=tuple(cells),
        notes=result.notes,
        sweep_id=result.sweep_id,
        method=result.plan.method,
    )
