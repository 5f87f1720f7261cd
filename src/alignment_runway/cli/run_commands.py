"""``run`` and ``race``: a model run, its results, then the steps after it.

Export, record, report and figures are taken by the engine; the commands say what was written.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

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
    console_err,
    count,
    emit_json,
    percentile_list,
    progress,
    scenario_from,
)
from alignment_runway.cli.render import print_point, print_race, print_summary

__all__ = ["SampledMethod", "SampledMethodOpt", "race_command", "run_command"]


class What(StrEnum):
    """What ``--out`` writes."""

    samples = "samples"
    summary = "summary"


class Method(StrEnum):
    """How ``run`` computes its summaries."""

    sample = "sample"
    exact = "exact"
    auto = "auto"
    qmc = "qmc"


class SampledMethod(StrEnum):
    """How ``race``, ``compare`` and ``sweep`` draw their samples (none has a closed form)."""

    sample = "sample"
    qmc = "qmc"


class Step(StrEnum):
    """Time steps of the race."""

    month = "month"
    week = "week"


WorkersOpt = Annotated[
    int, typer.Option("--workers", "-w", parser=count, help="Processes to sample with.")
]
ChunkOpt = Annotated[
    int,
    typer.Option(
        "--chunk-size",
        parser=count,
        help="Most samples the model evaluates at once (16,384 at most: a larger value "
        "changes nothing; results never depend on it; kept samples take 8 bytes each per "
        "kept array: see --keep).",
    ),
]
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
LabelOpt = Annotated[
    str | None,
    typer.Option(
        "--label",
        metavar="TEXT",
        help="A name for the run, recorded with it and shown by runs list instead of the "
        "scenario's name.",
    ),
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


MethodOpt = Annotated[
    Method,
    typer.Option(
        "--method",
        help="sample: Monte Carlo; exact: every summary in closed form where the model makes "
        "the output lognormal (lognormal or point inputs through products, quotients and "
        "powers), else an error naming the input; auto: exact where it can be, sampled "
        "elsewhere (a method column says which); qmc: randomized quasi-Monte Carlo, 16 "
        "scrambled Sobol' sequences (--samples a multiple of 16), errors from their spread.",
    ),
]


SampledMethodOpt = Annotated[
    SampledMethod,
    typer.Option(
        "--method",
        help="sample: Monte Carlo; qmc: randomized quasi-Monte Carlo, 16 scrambled Sobol' "
        "sequences (--samples a multiple of 16), errors from their spread. (exact and auto "
        "are run's only: a race has no closed form, and comparisons and sweeps pair or "
        "summarise samples.)",
    ),
]


def _plan(
    options: dict[str, Any],
    files: tuple[Path | None, What | None, bool, Path | None, Path | None, bool],
    qs: list[float],
    thresholds: dict[str, float],
    store: tuple[str | None, bool, bool, str | None],
) -> api.AfterRun:
    """The steps after the run, checked before it starts (the store opened).

    Runs are recorded by default, unless --no-store.
    """
    out, what, force, report, figures, canonical = files
    location, no_store, store_samples, label = store
    if no_store and (location is not None or store_samples):
        given = "store" if location is not None else "store_samples"
        raise api.InputError(given, "no {0} with it", "both", related=("no_store",))
    if not no_store and location is None:
        location = api.default_store()
    return api.plan(
        options,
        out=out,
        what=None if what is None else what.value,
        report=report,
        figures=figures,
        force=force,
        percentiles=qs,
        thresholds=thresholds,
        store=None if no_store else location,
        store_samples=store_samples,
        label=label,
        canonical=canonical,
    )


def _finish(result: api.RunResult, after: api.AfterRun, fmt: Format) -> None:
    """Take the steps after the run, and say on standard error what was written."""
    _, done = api.finish(result, after)
    if done.exported is not None:
        rows = f"{done.exported.rows:,} row{'' if done.exported.rows == 1 else 's'}"
        sys.stderr.write(f"wrote {done.exported.path} ({rows})\n")
    if done.run_id is not None and fmt is Format.table and console_err.is_terminal:
        sys.stderr.write(
            f"recorded as run {done.run_id} in {done.store_location} "
            f"(alignment-runway runs show {done.run_id})\n"
        )
    if done.report is not None:
        sys.stderr.write(f"wrote {done.report}\n")
    if done.figures is not None:
        if done.figures:
            sys.stderr.write(f"wrote {len(done.figures)} figure files into {after.figures}\n")
        else:
            sys.stderr.write(
                "no figures to write: the scenario has no uncertain input (a race draws its "
                "research by month)\n"
            )


def run_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = api.DEFAULT_SEED,
    workers: WorkersOpt = 1,
    chunk_size: ChunkOpt = api.BLOCK_SIZE,
    percentiles: PercentilesOpt = "5,50,95",
    above: AboveOpt = None,
    keep: KeepOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    what: WhatOpt = None,
    force: ForceOpt = False,
    canonical: CanonicalOpt = False,
    report: ReportOpt = None,
    figures: FiguresOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    store_samples: StoreSamplesOpt = False,
    label: LabelOpt = None,
    cluster: ClusterOpt = None,
    method: MethodOpt = Method.sample,
) -> None:
    """Run the model on a scenario: every stage with units, then research per month of lead.

    Uncertain inputs (ranges, distributions) are sampled: each output is then summarised by
    its mean and percentiles, each with its Monte Carlo standard error. --out also writes the
    samples or the summary to a file; --report an HTML report; --figures its figures.
    """
    scenario = scenario_from(file, preset, settings)
    qs = percentile_list(percentiles)
    thresholds = dict(api.threshold(item) for item in above or [])
    n = api.default_samples(scenario) if samples is None else samples
    options = api.run_options(
        samples=n,
        seed=seed,
        chunk_size=chunk_size,
        workers=workers,
        percentiles=qs,
        above=above or (),
        keep=keep,
        method=method.value,
    )
    files = (out, what, force, report, figures, canonical)
    after = _plan(options, files, qs, thresholds, (store, no_store, store_samples, label))
    with progress(n, fmt is Format.json) as advance:
        result = api.run(
            scenario,
            n,
            seed,
            chunk_size=chunk_size,
            workers=workers,
            progress=advance,
            keep=keep,
            above=above or (),
            cluster=cluster,
            method=method.value,
        )
    if not scenario.uncertain() and n == 1 and not thresholds and keep is None:
        point = views.point_view(result)
        emit_json(point.to_json()) if fmt is Format.json else print_point(point)
    else:
        summary = views.summary_view(result, qs, thresholds)
        emit_json(summary.to_json()) if fmt is Format.json else print_summary(summary, qs)
    _finish(result, after, fmt)


def race_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = api.DEFAULT_SEED,
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
            parser=count,
            help="Samples whose research by month is kept for the fan chart (quantiles by "
            "month); totals always use every sample.",
        ),
    ] = api.DEFAULT_TRAJECTORIES,
    workers: WorkersOpt = 1,
    chunk_size: ChunkOpt = api.BLOCK_SIZE,
    percentiles: PercentilesOpt = "5,50,95",
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
    what: WhatOpt = None,
    force: ForceOpt = False,
    canonical: CanonicalOpt = False,
    report: ReportOpt = None,
    figures: FiguresOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    store_samples: StoreSamplesOpt = False,
    label: LabelOpt = None,
    cluster: ClusterOpt = None,
    method: SampledMethodOpt = SampledMethod.sample,
) -> None:
    """The race: research delivered before competitors catch up or the weights are stolen.

    Steps over calendar time from the pause, with every mechanism of the scenario's [race]
    section: pre-pause caution, catch-up, leaks, theft, efficiency growth, the safe share,
    human checkpoints, supervision and diminishing returns. Reports research in researcher-years
    and field-years, the window and why it ended, research by month (from kept trajectories)
    and, when race.required_research is set, P(success) with its standard error.
    """
    scenario = scenario_from(file, preset, settings)
    qs = percentile_list(percentiles)
    n = api.default_samples(scenario, "race") if samples is None else samples
    options = api.race_options(
        samples=n,
        seed=seed,
        months=months,
        step=step.value,
        keep_trajectories=keep_trajectories,
        chunk_size=chunk_size,
        workers=workers,
        percentiles=qs,
        method=method.value,
    )
    files = (out, what, force, report, figures, canonical)
    after = _plan(options, files, qs, {}, (store, no_store, store_samples, label))
    with progress(n, fmt is Format.json) as advance:
        result = api.race(
            scenario,
            n,
            seed,
            months=months,
            step=step.value,
            keep_trajectories=keep_trajectories,
            chunk_size=chunk_size,
            workers=workers,
            progress=advance,
            cluster=cluster,
            method=method.value,
        )
    view = views.race_view(result, qs)
    emit_json(view.to_json()) if fmt is Format.json else print_race(view, qs)
    _finish(result, after, fmt)
