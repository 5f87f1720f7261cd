"""``compare``: scenarios side by side, paired sample by sample."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alignment_runway import api, views
from alignment_runway.cli.common import (
    Format,
    FormatOpt,
    PercentilesOpt,
    SamplesOpt,
    SetOpt,
    console,
    emit_json,
    percentile_list,
    print_notes,
    progress,
)
from alignment_runway.cli.render import cell
from alignment_runway.cli.run_commands import (
    ReportOpt,
    SampledMethod,
    SampledMethodOpt,
    Step,
    WorkersOpt,
)
from alignment_runway.cli.study_commands import FigureOpt, HorizonOpt
from alignment_runway.formatting import number, probability, unit_name

__all__ = ["compare_command"]

SidesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="SIDES",
        help="Scenarios: a TOML file, preset:NAME or run:ID (a recorded run). The first is the "
        "baseline.",
    ),
]
CompareSeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        help=f"Seed of the random draws [default: the first side's when it is a recorded run, "
        f"else {api.DEFAULT_SEED}].",
    ),
]
CompareOutputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="NAME",
        help="Output to compare. Repeatable. [default: race.research, and race.success when "
        "every side sets race.required_research]",
    ),
]
StoreReadOpt = Annotated[
    str | None,
    typer.Option("--store", help="The store run:ID sides are read from [default: the default]."),
]


def compare_command(
    sides: SidesArg,
    settings: SetOpt = None,
    output: CompareOutputsOpt = None,
    samples: SamplesOpt = None,
    seed: CompareSeedOpt = None,
    months: HorizonOpt = api.DEFAULT_MONTHS,
    step: Annotated[Step, typer.Option("--step", help="The race's step.")] = Step.month,
    workers: WorkersOpt = 1,
    percentiles: PercentilesOpt = "5,50,95",
    figure: FigureOpt = None,
    report: ReportOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --figure and --report files.")
    ] = False,
    store: StoreReadOpt = None,
    fmt: FormatOpt = Format.table,
    method: SampledMethodOpt = SampledMethod.sample,
) -> None:
    """Compare scenarios sample by sample (common random numbers), the first the baseline.

    Every side runs with one seed and sample count, so each sample shares the draws of every
    input the sides share. For each output: each side's summary, then each side against the
    baseline: B/A and B - A with Monte Carlo errors, P(B > A) and P(B = A). --set 2:NAME=VALUE
    changes side 2 only; a bare --set changes every side. Race outputs (race.*) run a race.
    --figure draws the paired ratios; --report writes a self-contained HTML report.
    --method qmc shares quasi-random points when every side has the same uncertain inputs;
    otherwise the sides are sampled plainly, and a note names the inputs that differ.
    """
    if figure is None and report is None and force:
        raise api.InputError("force", "{0} FILE with it", "no {0}", related=("figure",))
    if figure is not None:
        api.check_figure_path(figure, force)
    if report is not None:
        api.check_report_path(report, force)
    qs = percentile_list(percentiles)
    with progress(None, fmt is Format.json) as advance:  # sides and outputs set the total
        result = api.compare(
            sides,
            output,
            samples,
            seed,
            settings=settings or (),
            months=months,
            step=step.value,
            workers=workers,
            progress=advance,
            store=store,
            method=method.value,
        )
    view = views.compare_view(result, qs)
    if fmt is Format.json:
        emit_json(view.to_json())
    else:
        print_compare(view)
    if figure is not None:
        written = api.compare_figure(result, Path(figure), force=force)
        sys.stderr.write(f"wrote {written}\n")
    if report is not None:
        written = api.compare_report(result, Path(report), force=force, percentiles=qs)
        sys.stderr.write(f"wrote {written}\n")


def _interval(estimates: dict[str, views.Estimate]) -> str:
    """The middle percentile with its error, then the outer two: ``m ±e% [lo to hi]``."""
    shown = list(estimates.values())
    middle = cell(shown[len(shown) // 2])
    if len(shown) < 2:
        return middle
    return escape(f"{middle} [{number(shown[0].value)} to {number(shown[-1].value)}]")


def print_compare(view: views.CompareView) -> None:
    """The comparison: one table per output, the inputs drawn differently, notes."""
    base = view.sides[0][0]
    where = f"horizon {view.months:g} months, {view.step}ly steps; " if view.kind == "race" else ""
    sampled = f"{view.samples:,} samples"
    if view.randomizations:
        sampled = (
            f"{view.samples:,} randomized quasi-Monte Carlo samples ({view.randomizations} "
            "scrambled Sobol' sequences; ± from their spread)"
        )
    console.print(
        f"[bold]Compare[/] ({view.kind}): {where}{sampled}, seed {view.seed} "
        f"(--seed), the same draws on every side; {base} is the baseline"
    )
    for label, source, name in view.sides:
        console.print(f"  {label}: {escape(source)} ({escape(name)})")
    for out in view.outputs:
        table = Table(
            title=f"{out.name} ({unit_name(out.unit) or 'plain number'}): {out.meaning}",
            title_justify="left",
            caption=escape(
                "each cell: the mean (a probability) and its change"
                if out.binary
                else "each cell: the middle percentile ± its Monte Carlo error [the outer two]; "
                "against the baseline, those of the paired ratio and difference"
            ),
            caption_justify="left",
        )
        for column in ("side", "value", f"÷ {base}", f"− {base}", f"P(> {base})", f"P(= {base})"):
            table.add_column(column, justify="left" if column == "side" else "right")
        paired = {row.label: row for row in out.against_baseline}
        for side in out.sides:
            row = paired.get(side.label)
            value = _share(side.mean) if out.binary else _interval(side.percentiles)
            cells = [side.label, value]
            if row is None:
                cells += ["baseline", "", "", ""]
            else:
                ratio = "—" if row.ratio.mean is None or out.binary else _ratio(row.ratio)
                if row.difference.mean is None:
                    difference = "—"
                elif out.binary:
                    difference = _share(row.difference.mean)
                else:
                    difference = _ratio(row.difference)
                cells += [
                    ratio,
                    difference,
                    probability(row.greater.value, row.greater.se),
                    probability(row.equal.value, row.equal.se),
                ]
            table.add_row(*cells)
        console.print(table)
    if view.differences:
        drawn = Table(title="Inputs drawn differently", title_justify="left")
        for column in ("side", "input", "how"):
            drawn.add_column(column)
        for label, name, how in view.differences:
            drawn.add_row(label, escape(name), how)
        console.print(drawn)
    print_notes(view.notes)


def _share(est: views.Estimate) -> str:
    """A mean of 0/1 values: a probability (or a change in one)."""
    return probability(est.value, est.se)


def _ratio(summary: views.PairedSummary) -> str:
    return _interval({f"p{q:g}": e for q, e in summary.percentiles.items()})
