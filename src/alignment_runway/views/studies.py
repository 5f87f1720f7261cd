"""Views of the studies: sensitivity, the essay audit and the development loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignment_runway.results import DevloopResult, EssayFigure, SensitivityResult
from alignment_runway.scenarios import PARAMETERS
from alignment_runway.views.common import display_unit, estimate_record, spread, to_display

__all__ = [
    "DevloopView",
    "EssayView",
    "SensitivityStudy",
    "SensitivityView",
    "devloop_view",
    "essay_view",
    "sensitivity_study",
    "sensitivity_view",
]


@dataclass(frozen=True)
class SensitivityView:
    """Sensitivity of one output, in display units.

    Attributes:
        unit: the output's display unit ('' for its logarithm).
        baseline: the output with every input at its median (tornado).
        rows: one per input, largest effect first, as JSON-ready records: tornado
            (input, input_unit, input_p5, input_p95, output_at_p5, output_at_p95, swing),
            rank (input, spearman), sobol (input, first_order(_conf), total_order(_conf)).
    """

    scenario: str
    output: str
    log: bool
    method: str
    unit: str
    samples: int
    seed: int
    baseline: float | None
    rows: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]

    @property
    def label(self) -> str:
        """The output as analysed: its name, or ``ln(name)``."""
        return f"ln({self.output})" if self.log else self.output

    def to_json(self) -> dict[str, Any]:
        """One result of the ``sensitivity --format json`` document."""
        record: dict[str, Any] = {
            "output": self.output,
            "log": self.log,
            "unit": self.unit,
            "samples": self.samples,
            "notes": list(self.notes),
        }
        if self.method == "tornado":
            record["baseline"] = self.baseline
        record["rows"] = [dict(row) for row in self.rows]
        return record


def sensitivity_view(result: SensitivityResult) -> SensitivityView:
    """The view of one output's sensitivity."""
    shown, scale = display_unit(result.output)
    unit = "" if result.log else shown
    k = 1.0 if result.log else scale
    baseline = None
    rows: list[dict[str, Any]]
    if result.method == "tornado":
        baseline = (result.baseline or 0.0) * k
        rows = []
        for row in result.tornado:
            spec = PARAMETERS[row.name]
            rows.append(
                {
                    "input": row.name,
                    "input_unit": spec.display_unit,
                    "input_p5": to_display(row.input_low, spec.unit, spec.display_unit),
                    "input_p95": to_display(row.input_high, spec.unit, spec.display_unit),
                    "output_at_p5": row.output_low * k,
                    "output_at_p95": row.output_high * k,
                    "swing": row.swing * k,
                }
            )
    elif result.method == "rank":
        rows = [{"input": row.name, "spearman": estimate_record(row.rho)} for row in result.rank]
    else:
        rows = [
            {
                "input": row.name,
                "first_order": row.first,
                "first_order_conf": row.first_conf,
                "total_order": row.total,
                "total_order_conf": row.total_conf,
            }
            for row in result.sobol
        ]
    return SensitivityView(
        scenario=result.scenario.name,
        output=result.output,
        log=result.log,
        method=result.method,
        unit=unit,
        samples=result.samples,
        seed=result.seed,
        baseline=baseline,
        rows=tuple(rows),
        notes=result.notes,
    )


@dataclass(frozen=True)
class SensitivityStudy:
    """A sensitivity analysis of one or more outputs of a scenario."""

    scenario: str
    method: str
    seed: int
    results: tuple[SensitivityView, ...]

    def to_json(self) -> dict[str, Any]:
        """The view as the ``sensitivity --format json`` document."""
        return {
            "scenario": self.scenario,
            "method": self.method,
            "seed": self.seed,
            "results": [view.to_json() for view in self.results],
        }


def sensitivity_study(
    scenario: str, method: str, seed: int, results: Sequence[SensitivityResult]
) -> SensitivityStudy:
    """The view of a sensitivity analysis, one ``SensitivityView`` per output."""
    return SensitivityStudy(scenario, method, seed, tuple(sensitivity_view(r) for r in results))


@dataclass(frozen=True)
class EssayView:
    """The essay audit: each figure stated and computed, the verdicts and the tolerance."""

    tolerance: float
    figures: tuple[EssayFigure, ...]

    @property
    def differing(self) -> int:
        """How many figures differ by more than the tolerance."""
        return sum(1 for f in self.figures if f.verdict == "differs")

    def to_json(self) -> dict[str, Any]:
        """The view as the ``essay --format json`` document."""
        return {"tolerance": self.tolerance, "figures": [f.to_dict() for f in self.figures]}


def essay_view(figures: Sequence[EssayFigure], tolerance: float) -> EssayView:
    """The view of the essay audit."""
    return EssayView(tolerance, tuple(figures))


@dataclass(frozen=True)
class DevloopView:
    """The development loop: the shared budget and each case, as spreads over samples.

    Attributes:
        budget: tokens per second (``spread``: one value, or p5/p50/p95).
        cases: JSON-ready records (tokens per researcher-second, task length, tokens per
            signal, signals per day and latency as spreads).
        sigma_capped_at: the smallest τ compared, where σ may be capped (None when σ is a
            point value at or below every τ).
    """

    scenario: str
    samples: int
    seed: int
    budget: dict[str, float]
    budget_is_fleet: bool
    cases: tuple[dict[str, Any], ...]
    sigma_capped_at: float | None

    def to_json(self) -> dict[str, Any]:
        """The view as the ``devloop --format json`` document."""
        return {
            "scenario": self.scenario,
            "samples": self.samples,
            "seed": self.seed,
            "budget_token_per_s": self.budget,
            "budget_is_fleet": self.budget_is_fleet,
            "cases": [dict(case) for case in self.cases],
        }


def devloop_view(result: DevloopResult) -> DevloopView:
    """The view of the development loop."""
    sigma = result.scenario.value("labor.serial_tokens_per_researcher_second")
    low = min(c.tokens_per_researcher_s for c in result.cases)
    capped = not isinstance(sigma, float) or sigma > low
    return DevloopView(
        scenario=result.scenario.name,
        samples=result.samples,
        seed=result.seed,
        budget=spread(result.budget_tokens_per_s),
        budget_is_fleet=result.budget_is_fleet,
        cases=tuple(
            {
                "tokens_per_researcher_second": c.tokens_per_researcher_s,
                "task_researcher_second": c.task_researcher_s,
                "tokens_per_signal": c.tokens_per_signal,
                "signals_per_day": spread(c.signals_per_day),
                "latency_s": spread(c.latency_s),
            }
            for c in result.cases
        ),
        sigma_capped_at=low if capped else None,
    )
