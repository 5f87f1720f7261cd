"""The command line: parse arguments, call the API, render tables (rich) or JSON.

Every error the user can cause is a ``ScenarioError``: shown as one line on standard error,
exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import typer
from numpy.typing import NDArray
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alignment_runway import __version__, api, essay
from alignment_runway.analysis.summary import Estimate
from alignment_runway.analysis.summary import percentiles as s_percentiles
from alignment_runway.distributions import Distribution
from alignment_runway.errors import ScenarioError
from alignment_runway.formatting import number
from alignment_runway.model.static import OUTPUTS
from alignment_runway.results import ALL_OUTPUTS, RunResult
from alignment_runway.sampling import BLOCK_SIZE, DEFAULT_SAMPLES, DEFAULT_SEED
from alignment_runway.scenarios import PARAMETERS, Scenario, preset_names
from alignment_runway.scenarios.loader import BASE_PRESET, preset_description
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import (
    CALENDAR_MONTH_S,
    RESEARCHER_MONTH_RS,
    RESEARCHER_YEAR_RS,
    factor,
)

app = typer.Typer(
    name="alignment-runway",
    help="How much alignment research automated AI could deliver during a cautious lab's lead.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
#: Tables printed into a pipe or file are not squeezed to 80 columns (set COLUMNS to choose).
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120
console = Console(highlight=False, width=_WIDTH)
console_err = Console(highlight=False, stderr=True)


class Format(StrEnum):
    """Output formats for commands that print data."""

    table = "table"
    json = "json"


FileArg = Annotated[
    Path | None, typer.Argument(help="Scenario TOML file (default: the essay preset).")
]
PresetOpt = Annotated[
    str | None, typer.Option("--preset", "-p", help="Start from a built-in preset instead.")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="SECTION.NAME=VALUE",
        help='Override one parameter, e.g. --set "compute.stock=8e21 FLOP/s". Repeatable.',
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table or json.")]


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _display(value: float, unit: str, display_unit: str) -> float:
    return value * factor(unit, display_unit)


def _input_records(scenario: Scenario) -> list[dict[str, Any]]:
    derived = scenario.value("compute.training_compute") is not None
    records = []
    for name, spec in PARAMETERS.items():
        setting = scenario.settings.get(name)
        if setting is None:
            continue
        raw = setting.value
        record: dict[str, Any] = {"name": name, "symbol": spec.symbol, "unit": spec.display_unit}
        if isinstance(raw, Distribution):
            record["distribution"] = raw.describe()
            record["distribution_unit"] = spec.unit
        else:
            shown = [_display(v, spec.unit, spec.display_unit) for v in _as_tuple(raw)]
            record["value"] = shown if spec.is_list else shown[0]
        used = not (derived and name in ("compute.stock", "compute.training_share"))
        record |= {
            "as_written": setting.text,
            "where": setting.where,
            "source": setting.source,
            "used": used,
        }
        records.append(record)
    return records


def _as_tuple(value: float | tuple[float, ...]) -> tuple[float, ...]:
    return value if isinstance(value, tuple) else (value,)


def _scenario(file: Path | None, preset: str | None, settings: list[str] | None) -> Scenario:
    return api.load_scenario(file, preset=preset, settings=settings or ())


def _print_inputs(scenario: Scenario) -> None:
    console.print(f"[bold]Scenario:[/] {escape(scenario.name)}")
    if scenario.description:
        console.print(escape(scenario.description))
    table = Table(title="Inputs", title_justify="left")
    for column in ("parameter", "symbol", "value", "from"):
        table.add_column(column, overflow="fold")
    for record in _input_records(scenario):
        note = "" if record["used"] else " (unused: training_compute is set)"
        table.add_row(
            escape(record["name"]),
            record["symbol"],
            escape(record["as_written"]) + note,
            escape(record["where"]),
        )
    console.print(table)


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error, shown once a run has taken more than a second."""
    if quiet or not console_err.is_terminal:
        yield None
        return
    start = time.monotonic()
    state: dict[str, Any] = {"done": 0, "bar": None, "task": None}

    def advance(done: int) -> None:
        state["done"] += done
        if state["bar"] is None and time.monotonic() - start > 1.0:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            bar = Progress(
                TextColumn("sampling"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console_err,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task("sampling", total=total)
        if state["bar"] is not None:
            state["bar"].update(state["task"], completed=state["done"])

    try:
        yield advance
    finally:
        if state["bar"] is not None:
            state["bar"].stop()


SamplesOpt = Annotated[
    int | None,
    typer.Option(
        "--samples",
        "-n",
        help=f"Monte Carlo samples [default: {DEFAULT_SAMPLES:,} when any "
        "input is uncertain, else 1].",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the random draws.")]
WorkersOpt = Annotated[int, typer.Option("--workers", "-w", help="Processes to sample with.")]
ChunkOpt = Annotated[
    int,
    typer.Option(
        "--chunk-size",
        help="Most samples evaluated at once (bounds working memory; kept samples take 8 bytes "
        "each per kept array: see --keep).",
    ),
]
PercentilesOpt = Annotated[
    str, typer.Option("--percentiles", help="Percentiles to report, comma separated.")
]
KeepOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--keep",
        metavar="NAME",
        help="Keep (and report) only these outputs or uncertain inputs: 8 bytes per sample "
        "each. Repeatable. [default: all]",
    ),
]
AboveOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--above",
        metavar="OUTPUT=VALUE",
        help="Report P(output > VALUE), VALUE in the output's unit or with a unit. Repeatable.",
    ),
]


def _sample_count(scenario: Scenario, samples: int | None) -> int:
    """--samples, or its default: many when any input is uncertain, else one."""
    if samples is not None:
        return samples
    return DEFAULT_SAMPLES if scenario.uncertain() else 1


def _percentile_list(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(0 <= q <= 100 for q in values):
        raise ScenarioError(
            f"--percentiles: expected numbers from 0 to 100, comma separated; received {text!r}"
        )
    return values


class What(StrEnum):
    """What ``run --out`` writes."""

    samples = "samples"
    summary = "summary"


OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="FILE",
        help="Also write the results to FILE: .csv, .parquet, .nc (NetCDF) or .json.",
    ),
]
WhatOpt = Annotated[
    What | None,
    typer.Option(
        "--what", help="With --out: samples (one row per sample) or summary. [default: summary]"
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite the files of --out, --report and --figures.")
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        metavar="FILE.html",
        help="Also write a self-contained HTML report: parameters with sources, results, "
        "figures, sensitivity.",
    ),
]
FiguresOpt = Annotated[
    Path | None,
    typer.Option(
        "--figures", metavar="DIR", help="Also write each figure of the report as PNG and SVG."
    ),
]


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help="Record the run in this store: a SQLAlchemy URL or a SQLite file path. "
        "[default: $ALIGNMENT_RUNWAY_STORE, else runs.sqlite in the user's data folder]",
    ),
]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not record the run.")]
StoreSamplesOpt = Annotated[
    bool,
    typer.Option(
        "--store-samples", help="Also keep the samples, as Parquet beside the store's database."
    ),
]


def _recording(
    store: str | None,
    no_store: bool,
    store_samples: bool,
    fmt: Format,
    options: dict[str, Any],
) -> _Recording:
    """Where a run about to start will be recorded (--no-store: nowhere).

    The store is opened, and so checked, before any work, and the start time taken.
    """
    if no_store and (store is not None or store_samples):
        given = "--store" if store is not None else "--store-samples"
        raise ScenarioError(f"{given}: expected no --no-store with it; received both")
    from alignment_runway.store import now

    opened = None if no_store else api.open_store(store)
    return _Recording(opened, options, now(), store_samples, fmt)


def _check_outputs(
    out: Path | None, what: object, force: bool, report: Path | None, figures: Path | None
) -> None:
    """Check --out, --what, --force and --report before any work is done."""
    if out is None and what is not None:
        raise ScenarioError(f"--what {what}: expected --out FILE with it; received no --out")
    if force and out is None and report is None and figures is None:
        raise ScenarioError(
            "--force: expected --out, --report or --figures with it; received none of them"
        )
    if out is not None:
        api.check_export_path(out, force)
    if report is not None:
        api.check_report_path(report, force)
    if figures is not None:
        api.check_figures_path(figures, force)


@dataclass(frozen=True)
class _Outputs:
    """The files a run writes when it is done: --out, --report, --figures."""

    out: Path | None
    what: What | None
    force: bool
    report: Path | None
    figures: Path | None
    percentiles: list[float]
    thresholds: dict[str, float]


@dataclass(frozen=True)
class _Recording:
    """Where and how a finished run is recorded (``store`` None: not at all)."""

    store: Any
    options: dict[str, Any]
    started: str
    keep_samples: bool
    fmt: Format


def _finish(result: RunResult, files: _Outputs, recording: _Recording) -> None:
    """After a run's results are printed: write --out, record it, write --report/--figures."""
    if files.out is not None:
        kind: Literal["samples", "summary"] = "samples" if files.what is What.samples else "summary"
        written = api.export(
            result,
            files.out,
            kind,
            percentiles=files.percentiles,
            above=files.thresholds,
            force=files.force,
        )
        rows = f"{written.rows:,} row{'' if written.rows == 1 else 's'}"
        sys.stderr.write(f"wrote {written.path} ({rows})\n")
    if recording.store is not None:
        from alignment_runway.store import now

        run_id = api.record(
            recording.store,
            result,
            recording.options,
            recording.started,
            now(),
            keep_samples=recording.keep_samples,
        )
        if recording.fmt is Format.table and console_err.is_terminal:  # not into scripts
            sys.stderr.write(
                f"recorded as run {run_id} in {recording.store.location} "
                f"(alignment-runway runs show {run_id})\n"
            )
    if files.report is not None:
        sys.stderr.write(f"wrote {api.report(result, files.report, force=files.force)}\n")
    if files.figures is not None:
        written_figures = api.write_figures(result, files.figures, force=files.force)
        if written_figures:
            sys.stderr.write(f"wrote {len(written_figures)} figure files into {files.figures}\n")
        else:
            sys.stderr.write(
                "no figures to write: the scenario has no uncertain input (a race draws its "
                "research by month)\n"
            )


@app.command()
def run(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    workers: WorkersOpt = 1,
    chunk_size: ChunkOpt = BLOCK_SIZE,
    percentiles: PercentilesOpt = "5,50,95",
    above: AboveOpt = None,
    keep: KeepOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    what: WhatOpt = None,
    force: ForceOpt = False,
    report: ReportOpt = None,
    figures: FiguresOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    store_samples: StoreSamplesOpt = False,
) -> None:
    """Run the model on a scenario: every stage with units, then research per month of lead.

    Uncertain inputs (ranges, distributions) are sampled: each output is then summarised by
    its mean and percentiles, each with its Monte Carlo standard error. --out also writes the
    samples or the summary to a file; --report an HTML report; --figures its figures.
    """
    _check_outputs(out, what, force, report, figures)
    scenario = _scenario(file, preset, settings)
    qs = _percentile_list(percentiles)
    thresholds = dict(api.threshold(item) for item in above or [])
    dropped = [name for name in thresholds if keep is not None and name not in keep]
    if dropped:
        raise ScenarioError(
            f"--above: expected outputs that are kept; received {', '.join(dropped)}, which "
            f"--keep leaves out (add --keep {dropped[0]})"
        )
    n = _sample_count(scenario, samples)
    options = {
        "samples": n,
        "seed": seed,
        "chunk_size": chunk_size,
        "workers": workers,
        "percentiles": qs,
        "above": list(above or []),
        "keep": keep,
    }
    recording = _recording(store, no_store, store_samples, fmt, options)
    with _progress(n, fmt is Format.json) as progress:
        result = api.run(
            scenario,
            n,
            seed,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
            keep=keep,
        )
    if not scenario.uncertain() and n == 1 and not thresholds and keep is None:
        _print_point(result, fmt)
    else:
        _print_summary(result, qs, thresholds, fmt)
    _finish(result, _Outputs(out, what, force, report, figures, qs, thresholds), recording)


class Step(StrEnum):
    """Time steps of the race."""

    month = "month"
    week = "week"


#: The race's outputs shown in the results table (the end reason and success have their own).
_RACE_TABLE = (
    "race.lead_at_pause",
    "race.window",
    "race.serial_speed",
    "race.initial_rate",
    "race.research",
    "race.field_years",
    "race.time_to_requirement",
)


@app.command("race")
def race_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    months: Annotated[
        float,
        typer.Option("--months", "-m", help="Horizon in calendar months; longer windows are cut."),
    ] = api.DEFAULT_MONTHS,
    step: Annotated[
        Step, typer.Option("--step", help="Time step: month or week (reported by month).")
    ] = Step.month,
    keep_trajectories: Annotated[
        int,
        typer.Option(
            "--keep-trajectories",
            help="Samples whose research by month is kept for the fan chart (quantiles by "
            "month); totals always use every sample.",
        ),
    ] = api.DEFAULT_TRAJECTORIES,
    workers: WorkersOpt = 1,
    chunk_size: ChunkOpt = BLOCK_SIZE,
    percentiles: PercentilesOpt = "5,50,95",
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    what: WhatOpt = None,
    force: ForceOpt = False,
    report: ReportOpt = None,
    figures: FiguresOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    store_samples: StoreSamplesOpt = False,
) -> None:
    """The race: research delivered before competitors catch up or the weights are stolen.

    Steps over calendar time from the pause, with every mechanism of the scenario's [race]
    section: pre-pause caution, catch-up, leaks, theft, efficiency growth, the safe share,
    human checkpoints, supervision and diminishing returns. Reports research in researcher-years
    and field-years, the window and why it ended, research by month (from kept trajectories)
    and, when race.required_research is set, P(success) with its standard error.
    """
    _check_outputs(out, what, force, report, figures)
    scenario = _scenario(file, preset, settings)
    qs = _percentile_list(percentiles)
    n = samples if samples is not None else (DEFAULT_SAMPLES if api.race_inputs(scenario) else 1)
    options = {
        "samples": n,
        "seed": seed,
        "months": months,
        "step": step.value,
        "keep_trajectories": keep_trajectories,
        "chunk_size": chunk_size,
        "workers": workers,
        "percentiles": qs,
    }
    recording = _recording(store, no_store, store_samples, fmt, options)
    with _progress(n, fmt is Format.json) as progress:
        result = api.race(
            scenario,
            n,
            seed,
            months=months,
            step=step.value,
            keep_trajectories=keep_trajectories,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
        )
    _print_race(result, qs, fmt)
    _finish(result, _Outputs(out, what, force, report, figures, qs, {}), recording)


def _fan_rows(result: api.RaceResult) -> list[int]:
    """Which reporting times to show, and the horizon.

    Every month until the kept windows have all ended, or about 13 evenly spaced when that
    is more than 24 months.
    """
    ended = np.flatnonzero(np.all(result.trajectories == result.trajectories[:, -1:], axis=0))
    count = int(ended[0]) + 1 if ended.size else result.month.size
    count = max(2, min(count, result.month.size))
    every = 1 if count <= 25 else math.ceil((count - 1) / 12)
    return sorted({*range(0, count, every), count - 1, result.month.size - 1})


def _print_race(result: api.RaceResult, qs: list[float], fmt: Format) -> None:
    names = [name for name in _RACE_TABLE if name in result.values]
    rows = result.summaries(qs, None, names)
    specs = {spec.name: spec for spec in ALL_OUTPUTS}
    scale = {row.name: factor(row.unit, specs[row.name].display_unit) for row in rows}
    reasons = result.end_reasons()
    success = result.success() if result.has_requirement else None
    fan_qs = (0.05, 0.25, 0.5, 0.75, 0.95)
    to_years = 1.0 / RESEARCHER_YEAR_RS
    fan = result.fan(fan_qs) * to_years if result.trajectories.shape[0] else None
    notes = result.notes(qs)
    required = result.scenario.value("race.required_research")
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": result.scenario.name,
                "description": result.scenario.description,
                "samples": result.samples,
                "seed": result.seed,
                "months": result.months,
                "step": result.step,
                "chunk_size": result.chunk_size,
                "workers": result.workers,
                "inputs": _input_records(result.scenario),
                "summary": [
                    {
                        "name": row.name,
                        "unit": specs[row.name].display_unit,
                        "mean": _estimate_record(row.mean.scaled(scale[row.name])),
                        "percentiles": {
                            f"p{q:g}": _estimate_record(e.scaled(scale[row.name]))
                            for q, e in row.percentiles.items()
                        },
                    }
                    for row in rows
                ],
                "end_reasons": {name: _estimate_record(e) for name, e in reasons.items()},
                "required_research_researcher_year": (
                    None if not isinstance(required, float) else required * to_years
                ),
                "success": None if success is None else _estimate_record(success),
                "research_by_month": {
                    "unit": "researcher_year",
                    "trajectories": int(result.trajectories.shape[0]),
                    "month": result.month.tolist(),
                    "quantiles": {
                        f"q{q:g}": [float(v) for v in values]
                        for q, values in zip(fan_qs, fan if fan is not None else [], strict=False)
                    },
                },
                "cut_samples": result.cut,
                "capped_serial_samples": result.capped_serial_samples,
                "notes": notes,
            }
        )
        return
    _print_inputs(result.scenario)
    console.print(
        f"Race: horizon {number(result.months)} months, {result.step}ly steps; Monte Carlo: "
        f"{result.samples:,} samples, seed {result.seed} (--seed), {result.workers} "
        "worker(s); ± is the Monte Carlo standard error"
    )
    table = Table(title="Results", title_justify="left")
    for column in ("quantity", "mean", *(f"p{q:g}" for q in qs), "unit"):
        table.add_column(
            column, justify="left" if column in ("quantity", "unit") else "right", overflow="fold"
        )
    for row in rows:
        k = scale[row.name]
        cells = [_cell(e.scaled(k)) for e in (row.mean, *row.percentiles.values())]
        table.add_row(escape(row.name.removeprefix("race.")), *cells, specs[row.name].display_unit)
    console.print(table)
    ended = ", ".join(
        f"{name} {e.value:.1%} ±{e.se:.1%}" for name, e in reasons.items() if e.value > 0
    )
    console.print(f"[bold]Window ended by:[/] {ended}")
    if fan is not None:
        kept = result.trajectories.shape[0]
        caption = None
        if kept > 1:
            caption = (
                f"quantiles of the first {kept:,} samples; once every kept window has ended, "
                "only the horizon is shown"
            )
        fan_table = Table(
            title="Research by month (researcher-years)",
            title_justify="left",
            caption=caption,
            caption_justify="left",
        )
        columns = [f"q{q:g}" for q in fan_qs] if kept > 1 else ["research"]
        for column in ("month", *columns):
            fan_table.add_column(column, justify="right")
        for j in _fan_rows(result):
            shown = fan[:, j] if kept > 1 else fan[:1, j]
            fan_table.add_row(f"{float(result.month[j]):g}", *(number(v) for v in shown))
        console.print(fan_table)
    _print_notes(notes)
    research = result.values["race.research"]
    field = result.values["race.field_years"]
    p5, p50, p95 = (e.value * to_years for e in s_percentiles(research, (5.0, 50.0, 95.0)))
    median = "" if result.samples == 1 else "median "
    headline = (
        f"[bold]Research in the window:[/] {median}[bold]{number(p50)} researcher-years[/] "
        f"({median}{number(float(np.median(field)))} field-years)"
    )
    if result.samples > 1:
        headline += f"; 90% interval {number(p5)} to {number(p95)}"
    console.print(headline)
    if success is not None:
        if isinstance(required, float):
            need = f"the required {number(required * to_years)} researcher-years"
        else:
            need = "the required research (race.required_research, drawn per sample)"
        console.print(
            f"[bold]P(success):[/] {success.value:.3f} ±{success.se:.3f}: {need} delivered "
            "inside the window"
        )


class Method(StrEnum):
    """Sensitivity methods."""

    tornado = "tornado"
    rank = "rank"
    sobol = "sobol"


@app.command("sensitivity")
def sensitivity_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="NAME",
            help="Output to analyse. Repeatable. [default: static.research_per_month and "
            "race.research]",
        ),
    ] = None,
    method: Annotated[
        Method,
        typer.Option(
            "--method",
            help="tornado: p5 → p95 one input at a time; rank: Spearman over a Monte Carlo run "
            "(correlations allowed); sobol: first- and total-order indices (independent inputs).",
        ),
    ] = Method.tornado,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help=f"rank: Monte Carlo samples [default: {DEFAULT_SAMPLES:,}]; sobol: base sample "
            f"N, a power of 2 [default: {api.DEFAULT_SOBOL_SAMPLES}]; tornado: unused.",
        ),
    ] = None,
    seed: SeedOpt = DEFAULT_SEED,
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            metavar="NAME",
            help="Analyse only these uncertain inputs (tornado and sobol hold the others at "
            "their medians). Repeatable. [default: all]",
        ),
    ] = None,
    log: Annotated[
        bool, typer.Option("--log", help="Analyse the output's logarithm (it must be > 0).")
    ] = False,
    months: Annotated[
        float, typer.Option("--months", "-m", help="The race's horizon, for race outputs.")
    ] = api.DEFAULT_MONTHS,
    step: Annotated[Step, typer.Option("--step", help="The race's step.")] = Step.month,
    figure: Annotated[
        Path | None,
        typer.Option("--figure", metavar="FILE", help="Also draw the result as FILE (.png, .svg)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --figure: overwrite FILE.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Which uncertain input drives an output: tornado, rank correlation or Sobol indices."""
    from alignment_runway.reports.figures import check_figure_path, sensitivity_figure

    if figure is None and force:
        raise ScenarioError("--force: expected --figure FILE with it; received no --figure")
    if figure is not None:
        check_figure_path(figure, force)
    scenario = _scenario(file, preset, settings)
    results = api.sensitivity(
        scenario,
        output,
        method.value,
        samples,
        seed,
        log=log,
        inputs=inputs,
        months=months,
        step=step.value,
    )
    specs = {spec.name: spec for spec in ALL_OUTPUTS}
    display = {r.output: specs[r.output].display_unit for r in results}
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": scenario.name,
                "method": method.value,
                "seed": seed,
                "results": [_sensitivity_record(r, display[r.output]) for r in results],
            }
        )
    else:
        _print_sensitivity(results, display)
    if figure is not None:
        written = sensitivity_figure(results, figure, display)
        sys.stderr.write(f"wrote {written}\n")


def _sensitivity_record(result: api.SensitivityResult, display: str) -> dict[str, Any]:
    unit = "" if result.log else display
    k = 1.0 if result.log else factor(result.unit, display)
    record: dict[str, Any] = {
        "output": result.output,
        "log": result.log,
        "unit": unit,
        "samples": result.samples,
        "notes": list(result.notes),
    }
    if result.method == "tornado":
        record["baseline"] = (result.baseline or 0.0) * k
        record["rows"] = [
            {
                "input": row.name,
                "input_unit": PARAMETERS[row.name].display_unit,
                "input_p5": _display(row.input_low, PARAMETERS[row.name].unit, _in_unit(row.name)),
                "input_p95": _display(
                    row.input_high, PARAMETERS[row.name].unit, _in_unit(row.name)
                ),
                "output_at_p5": row.output_low * k,
                "output_at_p95": row.output_high * k,
                "swing": row.swing * k,
            }
            for row in result.tornado
        ]
    elif result.method == "rank":
        record["rows"] = [
            {"input": row.name, "spearman": _estimate_record(row.rho)} for row in result.rank
        ]
    else:
        record["rows"] = [
            {
                "input": row.name,
                "first_order": row.first,
                "first_order_conf": row.first_conf,
                "total_order": row.total,
                "total_order_conf": row.total_conf,
            }
            for row in result.sobol
        ]
    return record


def _swing(swing: float, baseline: float) -> str:
    """A swing, with rounding noise (below 1e-9 of the baseline) shown as 0."""
    return "0" if abs(swing) <= 1e-9 * abs(baseline) else number(swing)


def _in_unit(name: str) -> str:
    return PARAMETERS[name].display_unit


def _print_sensitivity(results: list[api.SensitivityResult], display: dict[str, str]) -> None:
    first = results[0]
    console.print(f"[bold]Scenario:[/] {escape(first.scenario.name)}")
    for result in results:
        record = _sensitivity_record(result, display[result.output])
        unit = record["unit"]
        what = f"ln({result.output})" if result.log else result.output
        if result.method == "tornado":
            title = f"Tornado: {what}"
            detail = (
                f"each input from its p5 to its p95, the others at their medians (all at "
                f"medians: {number(record['baseline'])} {unit})"
            )
            columns: tuple[str, ...] = (
                "input",
                "p5",
                "p95",
                "input unit",
                "at p5",
                "at p95",
                "swing",
            )
        elif result.method == "rank":
            title = f"Rank correlations with {what}"
            detail = f"{result.samples:,} samples, seed {result.seed}; ± is the standard error"
            columns = ("input", "Spearman ρ")
        else:
            title = f"Sobol indices of {what}"
            detail = (
                f"base sample N = {result.samples:,} ({result.samples * (len(result.sobol) + 2):,}"
                f" evaluations), seed {result.seed}; ± is the 95% bootstrap half-width"
            )
            columns = ("input", "first order", "total order")
        console.print(f"[bold]{escape(title)}[/]: {escape(detail)}")
        table = Table()
        for column in columns:
            table.add_column(
                column, justify="left" if "input" in column else "right", overflow="fold"
            )
        for row in record["rows"]:
            if result.method == "tornado":
                table.add_row(
                    row["input"],
                    number(row["input_p5"]),
                    number(row["input_p95"]),
                    row["input_unit"],
                    number(row["output_at_p5"]),
                    number(row["output_at_p95"]),
                    _swing(row["swing"], record["baseline"]),
                )
            elif result.method == "rank":
                rho = row["spearman"]
                table.add_row(row["input"], f"{rho['value']:+.3f} ±{rho['se'] or 0:.3f}")
            else:
                table.add_row(
                    row["input"],
                    f"{row['first_order']:.3f} ±{row['first_order_conf']:.3f}",
                    f"{row['total_order']:.3f} ±{row['total_order_conf']:.3f}",
                )
        console.print(table)
        if result.method == "tornado" and unit:
            console.print(f"Output values in {unit}.")
    _print_notes(list(dict.fromkeys(note for r in results for note in r.notes)))


runs_app = typer.Typer(
    help="Recorded runs: list, show, diff, export, reproduce and delete them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(runs_app, name="runs")

RunsStoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help="The store: a SQLAlchemy URL or a SQLite file path. [default: "
        "$ALIGNMENT_RUNWAY_STORE, else runs.sqlite in the user's data folder]",
    ),
]
RunId = Annotated[int, typer.Argument(metavar="ID", help="A run's id (see runs list).")]
#: Exit code of ``runs reproduce`` when the results differ from the record.
REPRODUCE_DIFFERS = 3


def _when(stamp: str) -> str:
    """An ISO time as ``YYYY-MM-DD HH:MM:SS`` (UTC)."""
    return stamp[:19].replace("T", " ")


def _duration(entry: Any) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(entry.started_at)
    end = datetime.fromisoformat(entry.finished_at)
    return (end - start).total_seconds()


def _headline(entry: Any) -> tuple[str, float | None, str]:
    """A record's headline output, its median in display units, and the unit."""
    name = "race.research" if entry.command == "race" else "static.research_per_month"
    for row in entry.summary:
        if row["name"] == name and row.get("p50") is not None:
            spec = {s.name: s for s in ALL_OUTPUTS}[name]
            return name, row["p50"] * factor(spec.unit, spec.display_unit), spec.display_unit
    return name, None, ""


@runs_app.command("list")
def runs_list(
    store: RunsStoreOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Newest runs to show.")] = 20,
    fmt: FormatOpt = Format.table,
) -> None:
    """The recorded runs, newest first."""
    if limit < 1:
        raise ScenarioError(f"--limit: expected a whole number >= 1; received {limit}")
    opened = api.open_store(store, create=False)
    entries = opened.list(limit)
    if fmt is Format.json:
        _emit_json(
            [
                {
                    "id": e.id,
                    "command": e.command,
                    "scenario": e.scenario_name,
                    "samples": e.samples,
                    "seed": e.seed,
                    "started_at": e.started_at,
                    "seconds": _duration(e),
                    "headline": dict(zip(("name", "p50", "unit"), _headline(e), strict=True)),
                }
                for e in entries
            ]
        )
        return
    table = Table(title=f"Runs in {opened.location}", title_justify="left")
    for column in ("id", "started (UTC)", "command", "scenario", "samples", "seed", "s", "median"):
        table.add_column(column, justify="right" if column in ("id", "samples", "s") else "left")
    for e in entries:
        _, p50, unit = _headline(e)
        table.add_row(
            str(e.id),
            _when(e.started_at),
            e.command,
            escape(e.scenario_name),
            f"{e.samples:,}",
            str(e.seed),
            f"{_duration(e):.2f}",
            "" if p50 is None else f"{number(p50)} {unit}",
        )
    console.print(table)
    if not entries:
        console.print("No runs recorded yet: every run and race is recorded unless --no-store.")


def _record_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "command": entry.command,
        "scenario": entry.scenario_name,
        "options": entry.options,
        "versions": entry.versions,
        "started_at": entry.started_at,
        "finished_at": entry.finished_at,
        "samples": entry.samples,
        "seed": entry.seed,
        "summary": entry.summary,
        "digests": entry.digests,
        "samples_file": entry.samples_file,
        "scenario_text": entry.scenario_text,
    }


@runs_app.command("show")
def runs_show(run_id: RunId, store: RunsStoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One run: command, options, versions, times, the resolved scenario and the results."""
    entry = api.open_store(store, create=False).get(run_id)
    if fmt is Format.json:
        _emit_json(_record_json(entry))
        return
    console.print(
        f"[bold]Run {entry.id}[/]: {entry.command} of {escape(entry.scenario_name)}, "
        f"{entry.samples:,} samples, seed {entry.seed}; {_when(entry.started_at)} UTC, "
        f"{_duration(entry):.2f} s"
    )
    console.print("options: " + escape(json.dumps(entry.options, sort_keys=True)))
    console.print("versions: " + ", ".join(f"{k} {v}" for k, v in entry.versions.items()))
    if entry.samples_file:
        console.print(f"samples: {escape(entry.samples_file)} (beside the store)")
    table = Table(title="Results", title_justify="left")
    for column in ("output", "mean", "p5", "p50", "p95", "unit"):
        table.add_column(column, justify="left" if column in ("output", "unit") else "right")
    specs = {s.name: s for s in ALL_OUTPUTS}
    for row in entry.summary:
        spec = specs.get(row["name"])
        if spec is None:
            continue
        k = factor(spec.unit, spec.display_unit)
        cells = [row.get(key) for key in ("mean", "p5", "p50", "p95")]
        table.add_row(
            row["name"],
            *("never" if v is None else number(v * k) for v in cells),
            spec.display_unit,
        )
    console.print(table)
    console.print("[bold]Scenario[/] (fully resolved):")
    console.print(escape(entry.scenario_text), highlight=False)


def _parameters(text: str) -> dict[str, str]:
    """A recorded scenario's parameters as written, by ``section.name``."""
    import tomllib

    data = tomllib.loads(text)
    out = {}
    for section, table in data.items():
        if section in ("sources", "correlations") or not isinstance(table, dict):
            continue
        for key, value in table.items():
            out[f"{section}.{key}"] = json.dumps(value, ensure_ascii=False)
    for pair, rho in data.get("correlations", {}).items():
        out[f"correlation {pair}"] = str(rho)
    return out


@runs_app.command("diff")
def runs_diff(
    first: RunId,
    second: Annotated[int, typer.Argument(metavar="ID2", help="The run to compare with.")],
    store: RunsStoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Two runs side by side: the parameters and options that differ, and their results."""
    opened = api.open_store(store, create=False)
    a, b = opened.get(first), opened.get(second)
    pa, pb = _parameters(a.scenario_text), _parameters(b.scenario_text)
    params = [
        (n, pa.get(n, "(unset)"), pb.get(n, "(unset)"))
        for n in dict.fromkeys([*pa, *pb])
        if pa.get(n) != pb.get(n)
    ]
    keys = dict.fromkeys([*a.options, *b.options, "command", *a.versions, *b.versions])
    left = a.options | a.versions | {"command": a.command}
    right = b.options | b.versions | {"command": b.command}
    options = [(k, left.get(k), right.get(k)) for k in keys if left.get(k) != right.get(k)]
    rows_a = {r["name"]: r for r in a.summary}
    rows_b = {r["name"]: r for r in b.summary}
    results = []
    specs = {s.name: s for s in ALL_OUTPUTS}
    for name in [n for n in rows_a if n in rows_b and n in specs]:
        k = factor(specs[name].unit, specs[name].display_unit)
        va, vb = rows_a[name].get("p50"), rows_b[name].get("p50")
        ma, mb = rows_a[name].get("mean"), rows_b[name].get("mean")
        results.append(
            {
                "output": name,
                "unit": specs[name].display_unit,
                "p50": [None if va is None else va * k, None if vb is None else vb * k],
                "mean": [None if ma is None else ma * k, None if mb is None else mb * k],
            }
        )
    if fmt is Format.json:
        _emit_json(
            {
                "runs": [a.id, b.id],
                "parameters": [{"name": n, "values": [x, y]} for n, x, y in params],
                "equal_parameters": len(set(pa) | set(pb)) - len(params),
                "options": [{"name": n, "values": [x, y]} for n, x, y in options],
                "results": results,
            }
        )
        return
    table = Table(
        title=f"Parameters that differ; {len(set(pa) | set(pb)) - len(params)} are equal",
        title_justify="left",
    )
    for column in ("parameter", f"run {a.id}", f"run {b.id}"):
        table.add_column(column, overflow="fold")
    for n, x, y in params:
        table.add_row(escape(n), escape(x), escape(y))
    if params:
        console.print(table)
    else:
        console.print(f"The two runs' scenarios are the same ({len(pa)} parameters).")
    if options:
        other = Table(title="Options and versions that differ", title_justify="left")
        for column in ("option", f"run {a.id}", f"run {b.id}"):
            other.add_column(column)
        for key, was, now_ in options:
            other.add_row(key, escape(str(was)), escape(str(now_)))
        console.print(other)
    res = Table(title="Results (medians)", title_justify="left")
    for column in ("output", f"run {a.id}", f"run {b.id}", "ratio", "unit"):
        res.add_column(column, justify="left" if column in ("output", "unit") else "right")
    for row in results:
        before, after = row["p50"]
        ratio = "" if not before or after is None else f"{after / before:.3g}"
        shown = ["never" if v is None else number(v) for v in (before, after)]
        res.add_row(row["output"], *shown, ratio, row["unit"])
    console.print(res)


@runs_app.command("export")
def runs_export(
    run_id: RunId,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="FILE.json: the whole record; FILE.toml: its scenario, to run again or share; "
            "FILE.parquet: its samples (when kept). [default: the record as JSON on standard "
            "output]",
        ),
    ] = None,
    store: RunsStoreOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE.")] = False,
) -> None:
    """Export a run: the record as JSON, its scenario as TOML, or its samples as Parquet."""
    opened = api.open_store(store, create=False)
    entry = opened.get(run_id)
    if out is None:
        _emit_json(_record_json(entry))
        return
    from alignment_runway.export import exists_message, write_atomically

    suffix = out.suffix.lower()
    if suffix not in (".json", ".toml", ".parquet"):
        raise ScenarioError(
            f"--out: expected a file ending in .json, .toml or .parquet; received {str(out)!r}"
        )
    if out.exists() and not force:
        raise ScenarioError(exists_message(out))
    if suffix == ".parquet":
        source = opened.samples_path(entry)
        if source is None or not source.exists():
            raise ScenarioError(
                f"--out: run {run_id} kept no samples (record with --store-samples to keep "
                f"them); received {str(out)!r}"
            )
        data = source.read_bytes()
    elif suffix == ".toml":
        data = entry.scenario_text.encode("utf-8")
    else:
        data = (json.dumps(_record_json(entry), indent=2, ensure_ascii=False) + "\n").encode()

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(out, force, write)
    sys.stderr.write(f"wrote {out}\n")


@runs_app.command("reproduce")
def runs_reproduce(
    run_id: RunId, store: RunsStoreOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Run a recorded run again with everything recorded; confirm identical results.

    Exits with code 3 when any kept array differs from the record, naming the outputs that
    differ and the recorded versions (package, Python, numpy, scipy) that changed.
    """
    outcome = api.reproduce(api.open_store(store, create=False), run_id)
    if fmt is Format.json:
        _emit_json(
            {
                "id": run_id,
                "identical": outcome.identical,
                "compared": len(outcome.record.digests),
                "differing": list(outcome.differing),
                "changed_versions": {
                    k: {"recorded": a, "now": b} for k, (a, b) in outcome.changed_versions.items()
                },
            }
        )
    elif outcome.identical:
        console.print(
            f"[green]identical:[/] run {run_id} ({outcome.record.command} of "
            f"{escape(outcome.record.scenario_name)}, {outcome.record.samples:,} samples, seed "
            f"{outcome.record.seed}) gives the same {len(outcome.record.digests)} "
            f"array{'' if len(outcome.record.digests) == 1 else 's'}, bit for bit"
        )
    else:
        console.print(
            f"[bold red]differs:[/] run {run_id}: {len(outcome.differing)} of "
            f"{len(outcome.record.digests)} arrays differ: {escape(', '.join(outcome.differing))}"
        )
        if outcome.changed_versions:
            changed = ", ".join(f"{k} {a} → {b}" for k, (a, b) in outcome.changed_versions.items())
            console.print(f"versions changed since it was recorded: {escape(changed)}")
        else:
            console.print("no recorded version changed (same package, Python, numpy and scipy)")
    if not outcome.identical:
        raise typer.Exit(REPRODUCE_DIFFERS)


@runs_app.command("delete")
def runs_delete(run_id: RunId, store: RunsStoreOpt = None) -> None:
    """Delete a recorded run (and its kept samples)."""
    entry = api.open_store(store, create=False).delete(run_id)
    console.print(f"deleted run {entry.id} ({entry.command} of {escape(entry.scenario_name)})")


def _print_point(result: RunResult, fmt: Format) -> None:
    scenario = result.scenario
    outputs: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "symbol": spec.symbol,
            "stage": spec.stage,
            "value": _display(result.value(spec.name), spec.unit, spec.display_unit),
            "unit": spec.display_unit,
            "meaning": spec.meaning,
        }
        for spec in OUTPUTS
    ]
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": scenario.name,
                "description": scenario.description,
                "samples": 1,
                "seed": result.seed,
                "inputs": _input_records(scenario),
                "outputs": outputs,
                "capped_serial_samples": result.capped_serial_samples,
                "notes": result.notes(()),
            }
        )
        return
    _print_inputs(scenario)
    for stage, title in STAGES:
        table = Table(title=title, title_justify="left")
        for column in ("quantity", "symbol", "value", "unit"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for record in outputs:
            if record["stage"] == stage:
                table.add_row(
                    record["meaning"], record["symbol"], number(record["value"]), record["unit"]
                )
        console.print(table)
    _print_notes(result.notes(()))
    hours = scenario.scalar("labor.working_hours_per_day") * 24
    per_month = result.value("static.research_per_month") * CALENDAR_MONTH_S
    researchers = result.value("static.ai_researchers")
    months = result.value("static.human_months_per_month")
    own_schedule = ""
    if abs(hours - 8) > 1e-9:
        own_schedule = f" ({number(researchers * months)} months of {number(30 * hours)} h)"
    console.print(
        f"[bold]Research per month of lead:[/] {number(researchers)} AI researchers, each "
        f"working {number(months)} months of a human's {number(hours)}-hour days"
        f"{own_schedule} = [bold]{number(per_month / RESEARCHER_MONTH_RS)} researcher-months[/]"
        " (of 240 h)"
    )


STAGES = (("A", "Stage A: compute → trained model"), ("B", "Stage B: tokens → researcher labor"))


def _estimate_record(est: Estimate) -> dict[str, float | None]:
    """An estimate for JSON, with null for what JSON cannot hold.

    A standard error that is undefined (one sample) is null, and so is an infinite value (a
    time to the requirement that is never reached).
    """
    value = est.value if math.isfinite(est.value) else None
    return {"value": value, "se": est.se if math.isfinite(est.se) else None}


def _cell(est: Estimate) -> str:
    """A value with its relative standard error; +inf (a time never reached) reads "never"."""
    if est.value == math.inf:
        return "never"
    if est.value == 0 or est.se == 0 or not math.isfinite(est.se):
        return number(est.value)
    return f"{number(est.value)} ±{abs(est.se / est.value):.1%}"


def _print_summary(
    result: RunResult, qs: list[float], thresholds: dict[str, float], fmt: Format
) -> None:
    rows = result.summaries(qs, thresholds, [*result.outputs, *result.uncertain_inputs])
    specs = {spec.name: spec for spec in OUTPUTS}
    shown = []
    for row in rows:
        spec = specs.get(row.name)
        display = spec.display_unit if spec else PARAMETERS[row.name].display_unit
        scale = factor(row.unit, display)
        shown.append((row, spec, display, scale))
    notes = result.notes(qs)
    correlations = result.rank_correlations()
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": result.scenario.name,
                "description": result.scenario.description,
                "samples": result.samples,
                "seed": result.seed,
                "chunk_size": result.chunk_size,
                "workers": result.workers,
                "inputs": _input_records(result.scenario),
                "summary": [
                    {
                        "name": row.name,
                        "kind": "output" if spec else "input",
                        "unit": display,
                        "mean": _estimate_record(row.mean.scaled(scale)),
                        "percentiles": {
                            f"p{q:g}": _estimate_record(e.scaled(scale))
                            for q, e in row.percentiles.items()
                        },
                        "above": [
                            {
                                "threshold": t * scale,
                                "unit": display,
                                "probability": _estimate_record(e),
                            }
                            for t, e in row.above.items()
                        ],
                    }
                    for row, spec, display, scale in shown
                ],
                "capped_serial_samples": result.capped_serial_samples,
                "correlations": [
                    {"pair": [a, b], "target": target, "achieved": _estimate_record(est)}
                    for a, b, target, est in correlations
                ],
                "notes": notes,
            }
        )
        return
    _print_inputs(result.scenario)
    console.print(
        f"Monte Carlo: {result.samples:,} samples, seed {result.seed} (--seed), "
        f"{result.workers} worker(s); ± is the Monte Carlo standard error"
    )
    columns = ["quantity", "mean", *(f"p{q:g}" for q in qs)]
    columns += [f"P(> {number(t * scale)})" for row, _, _, scale in shown for t in row.above]
    table = Table(title="Results", title_justify="left")
    for column in [*dict.fromkeys(columns), "unit"]:
        table.add_column(
            column,
            justify="left" if column in ("quantity", "unit") else "right",
            overflow="fold",
        )
    for row, _spec, display, scale in shown:
        label = row.name.removeprefix("static.")
        cells = [_cell(row.mean.scaled(scale))]
        cells += [_cell(e.scaled(scale)) for e in row.percentiles.values()]
        probabilities = {f"P(> {number(t * scale)})": e for t, e in row.above.items()}
        cells += [
            f"{probabilities[c].value:.3f} ±{probabilities[c].se:.3f}" if c in probabilities else ""
            for c in dict.fromkeys(columns[2 + len(qs) :])
        ]
        table.add_row(escape(label), *cells, display)
    console.print(table)
    if correlations:
        pairs = Table(title="Rank correlations", title_justify="left")
        for column in ("inputs", "target", "achieved"):
            pairs.add_column(column, overflow="fold")
        for a, b, target, est in correlations:
            pairs.add_row(f"{a}, {b}", f"{target:g}", f"{est.value:.3f} ±{est.se:.3f}")
        console.print(pairs)
    _print_notes(notes)
    if "static.research_per_month" not in result.values:
        return
    x = result.values["static.research_per_month"]
    to_months = CALENDAR_MONTH_S / RESEARCHER_MONTH_RS
    p5, p50, p95 = (e.value * to_months for e in s_percentiles(x, (5.0, 50.0, 95.0)))
    console.print(
        f"[bold]Research per month of lead:[/] median [bold]{number(p50)} researcher-months[/] "
        f"(of 240 h); 90% interval {number(p5)} to {number(p95)}; "
        f"mean {number(float(np.mean(x)) * to_months)}"
    )


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        console_err.print(f"[yellow]warning:[/] {escape(note)}")


@app.command("essay")
def essay_command(fmt: FormatOpt = Format.table) -> None:
    """Reproduce every figure of the essay: as stated, as computed, and why they differ."""
    figures = essay.audit()
    if fmt is Format.json:
        _emit_json({"tolerance": essay.TOLERANCE, "figures": [f.to_dict() for f in figures]})
        return
    table = Table(title="The essay's figures, stated and computed", title_justify="left")
    for column in ("#", "figure", "essay says", "model computes", "ratio", "verdict"):
        table.add_column(column, justify="right" if column in ("#", "ratio") else "left")
    for index, fig in enumerate(figures, start=1):
        verdict = "[green]agrees[/]" if fig.verdict == "agrees" else "[bold red]DIFFERS[/]"
        table.add_row(
            str(index),
            escape(fig.quantity),
            escape(fig.stated_text),
            escape(f"{number(fig.computed)} {fig.unit}"),
            f"{fig.ratio:.2f}",
            verdict,
        )
    console.print(table)
    console.print("[bold]Notes[/]")
    for index, fig in enumerate(figures, start=1):
        if fig.reason:
            mark = "[bold red]DIFFERS[/] " if fig.verdict == "differs" else ""
            console.print(f"{index:>2}. {mark}{escape(fig.reason)}")
    differ = [f for f in figures if f.verdict == "differs"]
    console.print(
        f"{len(figures) - len(differ)} of {len(figures)} figures agree within "
        f"{essay.TOLERANCE:.0%}; {len(differ)} differ."
    )


TauOpt = Annotated[
    list[float] | None,
    typer.Option(
        "--tau",
        help="Tokens per researcher-second to compare. Repeatable. [default: 10 and 1000]",
    ),
]


def _taus(result: api.DevloopResult) -> list[float]:
    """The tokens per researcher-second a devloop result compares."""
    return [c.tokens_per_researcher_s for c in result.cases]


def _spread(values: NDArray[np.float64]) -> dict[str, float]:
    if values.size == 1 or np.all(values == values[0]):
        return {"value": float(values[0])}
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def _spread_text(values: NDArray[np.float64]) -> str:
    spread = _spread(values)
    if "value" in spread:
        return number(spread["value"])
    return f"{number(spread['p50'])} ({number(spread['p5'])}–{number(spread['p95'])})"


@app.command()
def devloop(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    tau: TauOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = DEFAULT_SEED,
    fmt: FormatOpt = Format.table,
) -> None:
    """The development loop: tokens, signals per day and latency per feedback signal."""
    scenario = _scenario(file, preset, settings)
    n = _sample_count(scenario, samples)
    result = api.devloop(scenario, taus=tuple(tau) if tau else (10.0, 1000.0), samples=n, seed=seed)
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": scenario.name,
                "samples": result.samples,
                "seed": result.seed,
                "budget_token_per_s": _spread(result.budget_tokens_per_s),
                "budget_is_fleet": result.budget_is_fleet,
                "cases": [
                    {
                        "tokens_per_researcher_second": c.tokens_per_researcher_s,
                        "task_researcher_second": c.task_researcher_s,
                        "tokens_per_signal": c.tokens_per_signal,
                        "signals_per_day": _spread(c.signals_per_day),
                        "latency_s": _spread(c.latency_s),
                    }
                    for c in result.cases
                ],
            }
        )
        return
    whose = "the whole fleet's R" if result.budget_is_fleet else "devloop.budget"
    console.print(
        f"[bold]Scenario:[/] {escape(scenario.name)}; budget "
        f"{_spread_text(result.budget_tokens_per_s)} token/s ({whose})"
    )
    if n > 1:
        console.print(f"{n:,} samples, seed {seed}: medians with 90% intervals in brackets")
    table = Table(title="Development loop", title_justify="left")
    for column in (
        "token/researcher_second",
        "task (researcher_second)",
        "tokens per signal",
        "signals per day",
        "latency per signal (s)",
    ):
        table.add_column(column, justify="right", overflow="fold")
    for c in result.cases:
        table.add_row(
            number(c.tokens_per_researcher_s),
            number(c.task_researcher_s),
            number(c.tokens_per_signal),
            _spread_text(c.signals_per_day),
            _spread_text(c.latency_s),
        )
    console.print(table)
    note = "Latency is task × σ / v: it does not depend on the tokens per researcher-second"
    sigma = scenario.value("labor.serial_tokens_per_researcher_second")
    low = min(_taus(result))
    if not isinstance(sigma, float) or sigma > low:
        note += f", except where σ is capped at a smaller τ (τ = {number(low)} here)"
    console.print(note + ".")


@app.command()
def validate(file: Path, settings: SetOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check a scenario file without running it: names, units, bounds and conflicts."""
    scenario = _scenario(file, None, settings)
    own = sorted(
        n
        for n, s in scenario.settings.items()
        if s.where.startswith(str(file)) or s.where == "--set"
    )
    if fmt is Format.json:
        _emit_json(
            {"file": str(file), "valid": True, "starts_from": scenario.starts_from, "sets": own}
        )
        return
    console.print(
        f"[green]valid:[/] {escape(str(file))}: schema 1; sets {len(own)} parameter(s)"
        + (f": {escape(', '.join(own))}" if own else "")
    )


@app.command()
def presets(fmt: FormatOpt = Format.table) -> None:
    """List the built-in presets."""
    rows = [{"name": name, "description": preset_description(name)} for name in preset_names()]
    if fmt is Format.json:
        _emit_json(rows)
        return
    table = Table(title="Presets", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], escape(row["description"]))
    console.print(table)


@app.command()
def explain(name: str, fmt: FormatOpt = Format.table) -> None:
    """Explain a parameter (meaning, unit, default, source) or a model output."""
    if name in PARAMETERS:
        spec = PARAMETERS[name]
        default = api.load_scenario(preset=BASE_PRESET).settings.get(name)
        record = {
            "name": name,
            "symbol": spec.symbol,
            "meaning": spec.meaning,
            "unit": spec.display_unit,
            "bounds": spec.bounds_text(factor(spec.unit, spec.display_unit)),
            "default": default.text if default else None,
            "source": default.source if default else "unset by default: derived",
            "example": spec.example,
        }
    else:
        outputs = {spec.name: spec for spec in ALL_OUTPUTS}
        if name not in outputs:
            names = [*PARAMETERS, *outputs]
            prefixed = [n for n in names if name and n.startswith(name)]
            hint = suggest(name) or _output_hint(name, list(outputs))
            if prefixed:
                hint = f"; names starting with {name!r}: {', '.join(prefixed)}"
            elif not hint:
                hint = f" (known: {', '.join(names)})"
            raise ScenarioError(f"explain: unknown parameter or output {name!r}{hint}")
        out = outputs[name]
        record = {
            "name": name,
            "symbol": out.symbol,
            "meaning": out.meaning,
            "unit": out.display_unit,
            "stage": out.stage,
        }
    if fmt is Format.json:
        _emit_json(record)
        return
    table = Table(show_header=False, title=name, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if key != "name":
            table.add_row(key, escape(str(value if value not in ("", None) else "—")))
    console.print(table)


def _output_hint(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"alignment-runway {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """How much alignment research automated AI could deliver during a cautious lab's lead."""


def _usage_line(exc: Exception) -> str:
    """A command-line usage error as one line: the option, what was expected, what was given."""
    text = str(getattr(exc, "format_message", lambda: str(exc))())
    text = " ".join(text.replace("Value error, ", "").split())
    command = getattr(getattr(exc, "ctx", None), "command_path", "")
    hint = f" (see {command} --help)" if command else ""
    return f"error: {text}{hint}"


def _parser_error(exc: Exception) -> None:
    """Exit for an error of the argument parser (click's exceptions, recognised by shape)."""
    kind = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    if kind == "NoArgsIsHelpError" and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        raise SystemExit(0)
    if kind == "Abort":
        print("error: interrupted", file=sys.stderr)
        raise SystemExit(130)
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and hasattr(exc, "format_message"):
        print(_usage_line(exc), file=sys.stderr)
        raise SystemExit(code)


def main() -> None:
    """Entry point: run the app, turning a ScenarioError into one line and exit code 2.

    Usage errors the argument parser finds (an unknown option, a value that is not one of the
    choices or not a number) are one ``error:`` line too; a command run without arguments
    prints its help.
    """
    import typer.main

    try:
        code = typer.main.get_command(app)(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:
        _parser_error(exc)  # exits for the argument parser's own errors
        if os.environ.get("ALIGNMENT_RUNWAY_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); this is a bug in "
            "alignment-runway: set ALIGNMENT_RUNWAY_DEBUG=1 to see where it happened",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
