"""Views of runs and races: what a table, a JSON document, a report or a web page shows.

Numbers are in display units (researcher-months per month, researcher-years …), each
estimate with its Monte Carlo standard error.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alignment_runway.analysis.summary import Estimate
from alignment_runway.model.stage_d import TASKS_OUTPUTS
from alignment_runway.model.static import OUTPUTS
from alignment_runway.results import RaceResult, RunResult
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_MONTH_RS, RESEARCHER_YEAR_RS
from alignment_runway.views.common import (
    OUTPUT_SPECS,
    InputRow,
    display_unit,
    estimate_record,
    input_rows,
    meaning,
)

__all__ = [
    "FAN_QUANTILES",
    "RACE_TABLE",
    "REPORT_PERCENTILES",
    "STAGES",
    "Interval",
    "OutputRow",
    "PointView",
    "RaceView",
    "SummaryRow",
    "SummaryView",
    "output_rows",
    "point_view",
    "race_view",
    "summary_view",
]

#: The static model's stages, as tables group them.
STAGES = (
    ("A", "Stage A: compute → trained model"),
    ("B", "Stage B: tokens → researcher labor"),
    ("D", "Stage D: tasks automated one at a time"),
)
#: The race's outputs shown in the results table (the end reason and success have their own).
RACE_TABLE = (
    "race.lead_at_pause",
    "race.window",
    "race.serial_speed",
    "race.initial_rate",
    "race.research",
    "race.field_years",
    "race.efficiency_gain",
    "race.time_to_requirement",
)
#: Outputs summarized as shares elsewhere, left out of an output table.
_CATEGORICAL = ("race.end_reason", "race.success")
#: The percentiles a report's output table shows.
REPORT_PERCENTILES = (5.0, 50.0, 95.0)
#: The percentiles of a headline: the median and the 90% interval.
_HEADLINE_PERCENTILES = (5.0, 50.0, 95.0)
#: Quantiles of research by month.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class OutputRow:
    """One output of a point run: its value in the display unit (None: missing), and meaning."""

    name: str
    symbol: str
    stage: str
    value: float | None
    unit: str
    meaning: str

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (its fields, in order)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class PointView:
    """A run with no uncertainty: every output's one value, and the headline's parts.

    Attributes:
        researchers, months, research_months: the headline: AI researchers, each working
            ``months`` of a human's months per month of lead, ``research_months``
            researcher-months (of 240 h) in all.
        hours: a human's working day, in hours.
    """

    scenario: str
    description: str
    seed: int
    inputs: tuple[InputRow, ...]
    outputs: tuple[OutputRow, ...]
    capped_serial_samples: int
    notes: tuple[str, ...]
    researchers: float
    months: float
    research_months: float
    hours: float

    def to_json(self) -> dict[str, Any]:
        """The view as the ``run --format json`` document."""
        return {
            "scenario": self.scenario,
            "description": self.description,
            "samples": 1,
            "seed": self.seed,
            "inputs": [row.to_json() for row in self.inputs],
            "outputs": [row.to_json() for row in self.outputs],
            "capped_serial_samples": self.capped_serial_samples,
            "notes": list(self.notes),
        }


def point_view(result: RunResult) -> PointView:
    """The view of a run whose inputs are all certain."""
    scenario = result.scenario
    outputs = tuple(
        OutputRow(
            spec.name,
            spec.symbol,
            spec.stage,
            _present(result.value(spec.name) * display_unit(spec.name)[1]),
            spec.display_unit,
            spec.meaning,
        )
        for spec in OUTPUTS + TASKS_OUTPUTS
        if spec.name in result.values
    )
    per_month = result.value("static.research_per_month") * CALENDAR_MONTH_S
    return PointView(
        scenario=scenario.name,
        description=scenario.description,
        seed=result.seed,
        inputs=input_rows(scenario),
        outputs=outputs,
        capped_serial_samples=result.capped_serial_samples,
        notes=tuple(result.notes(())),
        researchers=result.value("static.ai_researchers"),
        months=result.value("static.human_months_per_month"),
        research_months=per_month / RESEARCHER_MONTH_RS,
        hours=scenario.scalar("labor.working_hours_per_day") * 24,
    )


def _present(value: float) -> float | None:
    """A value, or None where it is missing (NaN, SPEC §7)."""
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class SummaryRow:
    """One output's or input's summary in its display unit.

    Attributes:
        percentiles: by label (``p5`` …), in the order asked.
        above: (threshold, P(value > threshold)) pairs, the threshold in ``unit``.
        method: ``"exact"`` or ``"sample"`` in a run that was not only sampled (else None).
        missing: samples where the output is missing; the summary is over the others.
    """

    name: str
    kind: str
    unit: str
    mean: Estimate
    percentiles: dict[str, Estimate]
    above: tuple[tuple[float, Estimate], ...] = ()
    method: str | None = None
    missing: int = 0
    meaning: str = ""

    def to_json(self, *, full: bool = True) -> dict[str, Any]:
        """The row as JSON.

        ``kind`` and ``above`` only when ``full`` (a run's rows); ``missing`` only when any.
        """
        record: dict[str, Any] = {"name": self.name}
        if full:
            record["kind"] = self.kind
        record |= {
            "unit": self.unit,
            "mean": estimate_record(self.mean),
            "percentiles": {k: estimate_record(e) for k, e in self.percentiles.items()},
        }
        if full:
            record["above"] = [
                {"threshold": t, "unit": self.unit, "probability": estimate_record(e)}
                for t, e in self.above
            ]
        if self.method is not None:
            record["method"] = self.method
        if self.missing:
            record["missing"] = self.missing
        return record


def _rows(
    result: RunResult,
    qs: Sequence[float],
    thresholds: Mapping[str, float] | None,
    names: Sequence[str],
) -> tuple[SummaryRow, ...]:
    rows = []
    for row in result.summaries(qs, thresholds, names):
        unit, scale = display_unit(row.name)
        rows.append(
            SummaryRow(
                name=row.name,
                kind="output" if row.name in OUTPUT_SPECS else "input",
                unit=unit,
                mean=row.mean.scaled(scale),
                percentiles={f"p{q:g}": e.scaled(scale) for q, e in row.percentiles.items()},
                above=tuple((t * scale, e) for t, e in row.above.items()),
                method=None if result.method == "sample" else result.method_of(row.name),
                missing=row.missing,
                meaning=meaning(row.name),
            )
        )
    return tuple(rows)


def _missing_notes(rows: Sequence[SummaryRow], samples: int) -> tuple[str, ...]:
    """A note for each output missing in some samples (SPEC §7: summarised without them)."""
    return tuple(
        f"{row.name} is missing in {row.missing:,} of {samples:,} samples (see its meaning); "
        "its summary is over the others"
        for row in rows
        if row.missing
    )


def output_rows(
    result: RunResult, qs: Sequence[float] = REPORT_PERCENTILES
) -> tuple[SummaryRow, ...]:
    """Every summarized output of a run or race, a race's own outputs first.

    The end reason and success are categories and 0/1 values, shown as shares instead.
    """
    names = [n for n in result.outputs if n in OUTPUT_SPECS and n not in _CATEGORICAL]
    race = [n for n in names if n.startswith("race.")]
    return _rows(result, qs, None, race + [n for n in names if not n.startswith("race.")])


@dataclass(frozen=True)
class Interval:
    """A headline: the median, the 90% interval and the mean, in ``unit``."""

    name: str
    unit: str
    p5: float
    p50: float
    p95: float
    mean: float


def _interval(result: RunResult, name: str, scale: float, unit: str) -> Interval:
    """A headline from the result's summaries (the ones the table and the store use)."""
    row = result.summaries(_HEADLINE_PERCENTILES, None, [name])[0]
    p5, p50, p95 = (row.percentiles[q].value * scale for q in _HEADLINE_PERCENTILES)
    return Interval(name, unit, p5, p50, p95, row.mean.value * scale)


@dataclass(frozen=True)
class SummaryView:
    """A sampled run: the summary of every kept output and uncertain input.

    Attributes:
        correlations: (input, input, target, achieved) rank correlations.
        headline: research per month of lead in researcher-months (None when not kept).
        method: ``"sample"``, ``"exact"``, ``"auto"`` (each row then says which it used) or
            ``"qmc"``, with its number of ``randomizations``.
    """

    scenario: str
    description: str
    samples: int
    seed: int
    chunk_size: int
    workers: int
    inputs: tuple[InputRow, ...]
    rows: tuple[SummaryRow, ...]
    capped_serial_samples: int
    correlations: tuple[tuple[str, str, float, Estimate], ...]
    notes: tuple[str, ...]
    headline: Interval | None
    method: str = "sample"
    randomizations: int = 0

    def to_json(self) -> dict[str, Any]:
        """The view as the ``run --format json`` document (``method`` when not sampling)."""
        method: dict[str, Any] = {} if self.method == "sample" else {"method": self.method}
        if self.randomizations:
            method["randomizations"] = self.randomizations
        return method | {
            "scenario": self.scenario,
            "description": self.description,
            "samples": self.samples,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "workers": self.workers,
            "inputs": [row.to_json() for row in self.inputs],
            "summary": [row.to_json() for row in self.rows],
            "capped_serial_samples": self.capped_serial_samples,
            "correlations": [
                {"pair": [a, b], "target": target, "achieved": estimate_record(est)}
                for a, b, target, est in self.correlations
            ],
            "notes": list(self.notes),
        }


def summary_view(
    result: RunResult, qs: Sequence[float], thresholds: Mapping[str, float] | None = None
) -> SummaryView:
    """The view of a sampled run: percentiles ``qs`` and P(output > threshold)."""
    headline = None
    if "static.research_per_month" in result.outputs:
        to_months = CALENDAR_MONTH_S / RESEARCHER_MONTH_RS
        headline = _interval(result, "static.research_per_month", to_months, "researcher_month")
    rows = _rows(result, qs, thresholds, [*result.outputs, *result.uncertain_inputs])
    return SummaryView(
        scenario=result.scenario.name,
        description=result.scenario.description,
        samples=result.samples,
        seed=result.seed,
        chunk_size=result.chunk_size,
        workers=result.workers,
        inputs=input_rows(result.scenario),
        rows=rows,
        capped_serial_samples=result.capped_serial_samples,
        correlations=tuple(result.rank_correlations()),
        notes=tuple(result.notes(qs)) + _missing_notes(rows, result.samples),
        headline=headline,
        method=result.method,
        randomizations=result.randomizations,
    )


@dataclass(frozen=True)
class RaceView:
    """A race: results, why windows ended, research by month, P(success).

    Attributes:
        end_reasons: share of windows ended by each reason.
        required: the required research in researcher-years (None: unset or drawn).
        has_requirement: whether the scenario sets a requirement (fixed or drawn).
        success: P(success) (None without a requirement).
        fan_month, fan: research by month (researcher-years): the reporting months and, for
            each of ``FAN_QUANTILES``, one value per month (empty without trajectories).
        trajectories: how many samples' trajectories the fan is drawn from.
        fan_rows: the reporting times a table shows.
        research: the headline in researcher-years; field_years_median: its median in
            field-years.
        method: ``"sample"`` or ``"qmc"``, with its number of ``randomizations``.
    """

    scenario: str
    description: str
    samples: int
    seed: int
    months: float
    step: str
    chunk_size: int
    workers: int
    inputs: tuple[InputRow, ...]
    rows: tuple[SummaryRow, ...]
    end_reasons: dict[str, Estimate]
    required: float | None
    has_requirement: bool
    success: Estimate | None
    trajectories: int
    fan_month: tuple[float, ...]
    fan: tuple[tuple[float, ...], ...]
    fan_rows: tuple[int, ...]
    cut_samples: int
    capped_serial_samples: int
    notes: tuple[str, ...]
    research: Interval
    field_years_median: float
    method: str = "sample"
    randomizations: int = 0

    @property
    def point(self) -> bool:
        """Whether the race is one deterministic run (every input a point value)."""
        return self.samples == 1

    @property
    def ended_by(self) -> str:
        """Why the window ended, in words: the reason of a point race, else the shares."""
        if self.point:
            return next(name for name, e in self.end_reasons.items() if e.value > 0)
        return ", ".join(
            f"{name} {e.value:.1%} ±{e.se:.1%}"
            for name, e in self.end_reasons.items()
            if e.value > 0
        )

    def to_json(self) -> dict[str, Any]:
        """The view as the ``race --format json`` document (``method`` when not sampling)."""
        method: dict[str, Any] = {} if self.method == "sample" else {"method": self.method}
        if self.randomizations:
            method["randomizations"] = self.randomizations
        return method | {
            "scenario": self.scenario,
            "description": self.description,
            "samples": self.samples,
            "seed": self.seed,
            "months": self.months,
            "step": self.step,
            "chunk_size": self.chunk_size,
            "workers": self.workers,
            "inputs": [row.to_json() for row in self.inputs],
            "summary": [row.to_json(full=False) for row in self.rows],
            "end_reasons": {name: estimate_record(e) for name, e in self.end_reasons.items()},
            "required_research_researcher_year": self.required,
            "success": None if self.success is None else estimate_record(self.success),
            "research_by_month": {
                "unit": "researcher_year",
                "trajectories": self.trajectories,
                "month": list(self.fan_month),
                "quantiles": {
                    f"q{q:g}": list(values)
                    for q, values in zip(FAN_QUANTILES, self.fan, strict=False)
                },
            },
            "cut_samples": self.cut_samples,
            "capped_serial_samples": self.capped_serial_samples,
            "notes": list(self.notes),
        }


def _fan_rows(result: RaceResult) -> tuple[int, ...]:
    """Which reporting times a table shows, and the horizon.

    Every month until the kept windows have all ended, or about 13 evenly spaced when that
    is more than 24 months.
    """
    if not result.trajectories.shape[0]:
        return ()
    ended = np.flatnonzero(np.all(result.trajectories == result.trajectories[:, -1:], axis=0))
    count = int(ended[0]) + 1 if ended.size else result.month.size
    count = max(2, min(count, result.month.size))
    every = 1 if count <= 25 else math.ceil((count - 1) / 12)
    return tuple(sorted({*range(0, count, every), count - 1, result.month.size - 1}))


def race_view(result: RaceResult, qs: Sequence[float]) -> RaceView:
    """The view of a race, with percentiles ``qs``."""
    names = [name for name in RACE_TABLE if name in result.values]
    rows = _rows(result, qs, None, names)
    to_years = 1.0 / RESEARCHER_YEAR_RS
    kept = int(result.trajectories.shape[0])
    fan = (
        np.quantile(result.trajectories, FAN_QUANTILES, axis=0) * to_years
        if kept
        else np.zeros((0, 0))
    )
    required = result.scenario.value("race.required_research")
    return RaceView(
        scenario=result.scenario.name,
        description=result.scenario.description,
        samples=result.samples,
        seed=result.seed,
        months=result.months,
        step=result.step,
        chunk_size=result.chunk_size,
        workers=result.workers,
        inputs=input_rows(result.scenario),
        rows=rows,
        end_reasons=result.end_reasons(),
        required=required * to_years if isinstance(required, float) else None,
        has_requirement=result.has_requirement,
        success=result.success() if result.has_requirement else None,
        trajectories=kept,
        fan_month=tuple(float(m) for m in result.month),
        fan=tuple(tuple(float(v) for v in values) for values in fan),
        fan_rows=_fan_rows(result),
        cut_samples=result.cut,
        capped_serial_samples=result.capped_serial_samples,
        notes=tuple(result.notes(qs)) + _missing_notes(rows, result.samples),
        research=_interval(result, "race.research", to_years, "researcher_year"),
        field_years_median=float(np.median(result.values["race.field_years"])),
        method=result.method,
        randomizations=result.randomizations,
    )
