"""``sweep``: a grid of scenarios, each cell a full run or race with the same seed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alignment_runway import api, views
from alignment_runway.cli.common import (
    CanonicalOpt,
    ClusterOpt,
    FileArg,
    Format,
    FormatOpt,
    PercentilesOpt,
    PresetOpt,
    SamplesOpt,
    SeedOpt,
    SetOpt,
    console,
    emit_json,
    percentile_list,
    print_notes,
    progress,
    scenario_from,
)
from alignment_runway.cli.render import cell
from alignment_runway.cli.run_commands import (
    NoStoreOpt,
    OutOpt,
    SampledMethod,
    SampledMethodOpt,
    Step,
    StoreOpt,
    WorkersOpt,
)
from alignment_runway.cli.study_commands import FigureOpt, HorizonOpt
from alignment_runway.formatting import number, probability, unit_name

__all__ = ["sweep_command"]

GridOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--grid",
        "-g",
        metavar="NAME=VALUES",
        help="A grid axis: NAME=v1,v2,... (values as --set takes them), NAME=lo..hi:n (n values "
        "evenly spaced) or NAME=lo..hi:n:log (log-spaced). Repeatable, up to 4 axes.",
    ),
]
SweepOutputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="NAME",
        help="Output to summarise in each cell. Repeatable. [default: race.research, and "
        "race.success when the scenario sets race.required_research]",
    ),
]
ResumeOpt = Annotated[
    int | None,
    typer.Option(
        "--resume",
        metavar="ID",
        help="Finish sweep ID recorded in the store: its scenario, grid and options, only the "
        "missing cells (alignment-runway runs sweeps lists them).",
    ),
]
KeepSamplesOpt = Annotated[
    bool,
    typer.Option(
        "--keep-samples",
        help="Keep every cell's samples of its outputs too (8 bytes a sample each, held: such "
        "cells never stream): --out .nc then holds NAME.samples over the axes and the sample.",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Print the cells and the estimated cost, run nothing."),
]


def sweep_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    grid: GridOpt = None,
    output: SweepOutputsOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = api.DEFAULT_SEED,
    months: HorizonOpt = api.DEFAULT_MONTHS,
    step: Annotated[Step, typer.Option("--step", help="The race's step.")] = Step.month,
    workers: WorkersOpt = 1,
    cluster: ClusterOpt = None,
    percentiles: PercentilesOpt = "5,50,95",
    dry_run: DryRunOpt = False,
    keep_samples: KeepSamplesOpt = False,
    out: OutOpt = None,
    figure: FigureOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --out and --figure files.")
    ] = False,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    resume: ResumeOpt = None,
    canonical: CanonicalOpt = False,
    fmt: FormatOpt = Format.table,
    method: SampledMethodOpt = SampledMethod.sample,
) -> None:
    """Sweep a grid of scenarios: every cell a full run or race with the same seed.

    Each cell keeps its outputs' mean and percentiles with Monte Carlo errors; a cell of more
    than 2**24 samples streams (two passes, three past about 2e8 samples, a slab of samples
    held at a time; not with --keep-samples, --method qmc or an output that can be missing,
    tasks.* and race.efficiency_gain). --dry-run
    prints the cells and the estimated cost; --out writes one row per cell (.csv, .parquet,
    .json) or the grid as a Dataset (.nc); --figure draws lines over one axis or heatmaps over
    two; --cluster runs the cells on a Dask cluster. The sweep is recorded in the store (unless
    --no-store), each cell as it finishes: --resume ID finishes an interrupted one.
    --method qmc draws every cell by randomized quasi-Monte Carlo (the cells share their points).
    """
    if no_store and (store is not None or resume is not None):
        given = "store" if store is not None else "resume"
        raise api.InputError(given, "no {0} with it", "both", related=("no_store",))
    location = None if no_store else (store or api.default_store())
    if canonical and out is None:
        raise api.InputError("canonical", "{0} FILE with it", "no {0}", related=("out",))
    if resume is not None:
        if any((grid, file, preset, settings, output, keep_samples)) or method.value != "sample":
            raise api.InputError(
                "resume", "no scenario, settings, grid, outputs or method with it", "both"
            )
        _resume(resume, location, workers, cluster, fmt, out, figure, force, canonical)
        return
    if not grid:
        raise api.InputError("grid", "at least one grid axis (NAME=VALUES)", "none")
    scenario = scenario_from(file, preset, settings)
    qs = percentile_list(percentiles)
    plan = api.plan_sweep(
        scenario, grid, output, samples, seed, months=months, step=step.value, method=method.value
    )
    planned = views.plan_view(plan)
    if dry_run:
        emit_json(planned.to_json()) if fmt is Format.json else print_plan(planned, cells=True)
        return
    if out is not None:
        api.check_export_path(out, force)
    if figure is not None:
        api.check_sweep_figure(len(plan.axes))
        api.check_figure_path(figure, force)
    if fmt is Format.table:
        print_plan(planned, cells=False)
    # a run, a race or both per cell, each in one pass, or two or three when the cell streams
    total = len(plan.cells) * api.sweep_cell_samples(plan, qs, keep_samples)
    with progress(total, fmt is Format.json) as advance:
        result = api.sweep(
            scenario,
            grid,
            output,
            samples,
            seed,
            months=months,
            step=step.value,
            workers=workers,
            percentiles=qs,
            progress=advance,
            cluster=cluster,
            store=location,
            keep_samples=keep_samples,
            method=method.value,
        )
    _show(result, fmt, out, figure, force, location, canonical)


def _resume(
    sweep_id: int,
    location: str | None,
    workers: int,
    cluster: str | None,
    fmt: Format,
    out: Path | None,
    figure: Path | None,
    force: bool,
    canonical: bool = False,
) -> None:
    """Finish a recorded sweep: only its missing cells run."""
    if out is not None:
        api.check_export_path(out, force)
    if figure is not None:
        api.check_figure_path(figure, force)
    with progress(None, fmt is Format.json) as advance:
        result = api.sweep(
            api.load_scenario(),
            [],
            workers=workers,
            progress=advance,
            cluster=cluster,
            store=location,
            resume=sweep_id,
        )
    _show(result, fmt, out, figure, force, location, canonical)


def _show(
    result: api.Sweep,
    fmt: Format,
    out: Path | None,
    figure: Path | None,
    force: bool,
    location: str | None,
    canonical: bool = False,
) -> None:
    """The finished sweep as a table or JSON, then its files, and where it was recorded."""
    view = views.sweep_view(result)
    emit_json(view.to_json()) if fmt is Format.json else print_sweep(view)
    if out is not None:
        written = api.export_sweep(result, Path(out), force=force, canonical=canonical)
        sys.stderr.write(f"wrote {written.path} ({written.rows:,} rows)\n")
    if figure is not None:
        drawn = api.sweep_figure(result, Path(figure), force=force)
        sys.stderr.write(f"wrote {drawn}\n")
    if result.sweep_id is not None and fmt is Format.table:
        sys.stderr.write(f"recorded as sweep {result.sweep_id} in {location}\n")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{number(seconds)} s"
    if seconds < 7200:
        return f"{number(seconds / 60)} min"
    return f"{number(seconds / 3600)} h"


def print_plan(view: views.PlanView, *, cells: bool) -> None:
    """The plan: axes, cells and cost (and, for a dry run, every cell)."""
    axes = "; ".join(
        f"{escape(name)}: {len(values)} value(s) from {number(values[0])} to "
        f"{number(values[-1])} {unit_name(unit)}".rstrip()
        for name, unit, values in view.axes
    )
    what = "sample-months" if view.kind == "race" else "samples"
    drawn = "samples" if view.method == "sample" else "randomized quasi-Monte Carlo samples"
    console.print(
        f"[bold]Sweep[/] ({view.kind}) of {escape(view.scenario)}: {len(view.cells):,} cells "
        f"({axes}); {view.samples:,} {drawn} each, seed {view.seed}; "
        f"{number(view.sample_months)} {what} in all, about "
        f"{_duration(view.seconds_per_worker)} on one worker"
    )
    if cells:
        table = Table(title="Cells", title_justify="left")
        table.add_column("cell", justify="right")
        for name, unit, _ in view.axes:
            table.add_column(f"{name} ({unit_name(unit)})" if unit else name, justify="right")
        for k, at in enumerate(view.cells, start=1):
            table.add_row(str(k), *(number(v) for v in at))
        console.print(table)
        print_notes(view.notes)  # a finished sweep prints them after its table


def print_sweep(view: views.SweepView) -> None:
    """Every cell: its value on each axis and each output's middle percentile (or probability)."""
    table = Table(
        title="Sweep",
        title_justify="left",
        caption=escape(
            "each output: its middle percentile ± Monte Carlo error [the outer two]; a 0/1 "
            "output: its probability"
        ),
        caption_justify="left",
    )
    for name, unit, _ in view.axes:
        table.add_column(f"{name} ({unit_name(unit)})" if unit else name, justify="right")
    for name, unit, _, _ in view.outputs:
        table.add_column(f"{name} ({unit_name(unit)})" if unit else name, justify="right")
    for c in view.cells:
        cells = [number(v) for v in c.at]
        for name, _, _, binary in view.outputs:
            mean, ps = c.outputs[name]
            if binary:
                cells.append(probability(mean.value, mean.se))
            else:
                values = list(ps.values())
                middle = cell(values[len(values) // 2])
                outer = f" [{number(values[0].value)} to {number(values[-1].value)}]"
                cells.append(escape(middle + (outer if len(values) > 1 else "")))
        table.add_row(*cells)
    console.print(table)
    print_notes(view.notes)
