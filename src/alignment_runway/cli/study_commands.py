"""``sensitivity``, ``essay`` and ``devloop``: the studies built on runs."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alignment_runway import api, views
from alignment_runway.cli.common import (
    FileArg,
    Format,
    FormatOpt,
    PresetOpt,
    SamplesOpt,
    SeedOpt,
    SetOpt,
    console,
    count,
    emit_json,
    print_notes,
    progress,
    scenario_from,
)
from alignment_runway.cli.run_commands import Step, WorkersOpt
from alignment_runway.formatting import number, swing, unit_name

__all__ = ["devloop_command", "essay_command", "sensitivity_command"]


class Method(StrEnum):
    """Sensitivity methods."""

    tornado = "tornado"
    rank = "rank"
    sobol = "sobol"


#: The options only ``sensitivity`` takes.
OutputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="NAME",
        help="Output to analyse. Repeatable. [default: static.research_per_month and "
        "race.research]",
    ),
]
MethodOpt = Annotated[
    Method,
    typer.Option(
        "--method",
        help="tornado: p5 → p95 one input at a time; rank: Spearman over a Monte Carlo run "
        "(correlations allowed); sobol: first- and total-order indices (correlated inputs "
        "grouped).",
    ),
]
StudySamplesOpt = Annotated[
    int | None,
    typer.Option(
        "--samples",
        "-n",
        parser=count,
        help=f"rank: Monte Carlo samples [default: {api.DEFAULT_SAMPLES:,}]; sobol: base "
        f"sample N, a power of 2 [default: {api.DEFAULT_SOBOL_SAMPLES}]; tornado: unused.",
    ),
]
InputsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--input",
        "-i",
        metavar="NAME",
        help="Analyse only these uncertain inputs (tornado and sobol hold the others at "
        "their medians). Repeatable. [default: all]",
    ),
]
LogOpt = Annotated[
    bool, typer.Option("--log", help="Analyse the output's logarithm (it must be > 0).")
]
HorizonOpt = Annotated[
    float, typer.Option("--months", "-m", help="The race's horizon, for race outputs.")
]
StepOpt = Annotated[Step, typer.Option("--step", help="The race's step.")]
FigureOpt = Annotated[
    Path | None,
    typer.Option("--figure", metavar="FILE", help="Also draw the result as FILE (.png, .svg)."),
]
FigureForceOpt = Annotated[bool, typer.Option("--force", help="With --figure: overwrite FILE.")]


def sensitivity_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    output: OutputsOpt = None,
    method: MethodOpt = Method.tornado,
    samples: StudySamplesOpt = None,
    seed: SeedOpt = api.DEFAULT_SEED,
    inputs: InputsOpt = None,
    log: LogOpt = False,
    months: HorizonOpt = api.DEFAULT_MONTHS,
    step: StepOpt = Step.month,
    figure: FigureOpt = None,
    force: FigureForceOpt = False,
    fmt: FormatOpt = Format.table,
    workers: WorkersOpt = 1,
) -> None:
    """Which uncertain input drives an output: tornado, rank correlation or Sobol indices."""
    if figure is None and force:
        raise api.InputError("force", "{0} FILE with it", "no {0}", related=("figure",))
    if figure is not None:
        api.check_figure_path(figure, force)
    scenario = scenario_from(file, preset, settings)
    total = api.rank_samples(output, method.value, samples)
    with progress(total, fmt is Format.json or total is None) as advance:
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
            workers=workers,
            progress=advance,
        )
    study = views.sensitivity_study(scenario.name, method.value, seed, results)
    if fmt is Format.json:
        emit_json(study.to_json())
    else:
        _print_sensitivity(list(study.results))
    if figure is not None:
        written = api.sensitivity_figure(results, figure, force=force)
        sys.stderr.write(f"wrote {written}\n")


_COLUMNS = {
    "tornado": ("input", "p5", "p95", "input unit", "at p5", "at p95", "swing"),
    "rank": ("input", "Spearman ρ"),
    "sobol": ("input", "first order", "total order"),
}


def _title(view: views.SensitivityView) -> tuple[str, str]:
    if view.method == "tornado":
        return f"Tornado: {view.label}", (
            f"each input from its p5 to its p95, the others at their medians (all at "
            f"medians: {f'{number(view.baseline or 0.0)} {unit_name(view.unit)}'.rstrip()})"
        )
    if view.method == "rank":
        return f"Rank correlations with {view.label}", (
            f"{view.samples:,} samples, seed {view.seed}; ± is the standard error"
        )
    return f"Sobol indices of {view.label}", (
        f"base sample N = {view.samples:,} ({view.samples * (len(view.rows) + 2):,}"
        f" evaluations), seed {view.seed}; ± is the 95% bootstrap half-width"
    )


def _cells(view: views.SensitivityView, row: dict[str, object]) -> list[str]:
    if view.method == "tornado":
        values = [row[k] for k in ("input_p5", "input_p95")]
        outputs = [row[k] for k in ("output_at_p5", "output_at_p95")]
        return [
            str(row["input"]),
            *(number(float(v)) for v in values),  # type: ignore[arg-type]
            unit_name(str(row["input_unit"])),
            *(number(float(v)) for v in outputs),  # type: ignore[arg-type]
            swing(float(row["swing"]), view.swing_scale),  # type: ignore[arg-type]
        ]
    if view.method == "rank":
        rho: dict[str, float | None] = row["spearman"]  # type: ignore[assignment]
        return [str(row["input"]), f"{rho['value']:+.3f} ±{rho['se'] or 0:.3f}"]
    return [
        str(row["input"]),
        f"{row['first_order']:.3f} ±{row['first_order_conf']:.3f}",
        f"{row['total_order']:.3f} ±{row['total_order_conf']:.3f}",
    ]


def _print_sensitivity(shown: list[views.SensitivityView]) -> None:
    console.print(f"[bold]Scenario:[/] {escape(shown[0].scenario)}")
    for view in shown:
        title, detail = _title(view)
        console.print(f"[bold]{escape(title)}[/]: {escape(detail)}")
        table = Table()
        for column in _COLUMNS[view.method]:
            table.add_column(
                column, justify="left" if "input" in column else "right", overflow="fold"
            )
        for row in view.rows:
            table.add_row(*_cells(view, row))
        console.print(table)
        if view.method == "tornado" and view.unit:
            console.print(f"Output values in {unit_name(view.unit)}.")
    if shown[0].method == "tornado":
        console.print(escape(views.BASELINE_NOTE))
    print_notes(list(dict.fromkeys(note for view in shown for note in view.notes)))


def essay_command(fmt: FormatOpt = Format.table) -> None:
    """Reproduce every figure of the essay: as stated, as computed, and why they differ."""
    view = views.essay_view(api.essay_audit(), api.ESSAY_TOLERANCE)
    if fmt is Format.json:
        emit_json(view.to_json())
        return
    table = Table(title="The essay's figures, stated and computed", title_justify="left")
    for column in ("#", "figure", "essay says", "model computes", "ratio", "verdict"):
        table.add_column(column, justify="right" if column in ("#", "ratio") else "left")
    for index, fig in enumerate(view.figures, start=1):
        verdict = "[green]agrees[/]" if fig.verdict == "agrees" else "[bold red]DIFFERS[/]"
        table.add_row(
            str(index),
            escape(fig.quantity),
            escape(fig.stated_text),
            escape(f"{number(fig.computed)} {unit_name(fig.unit)}".rstrip()),
            f"{fig.ratio:.2f}",
            verdict,
        )
    console.print(table)
    console.print("[bold]Notes[/]")
    for index, fig in enumerate(view.figures, start=1):
        if fig.reason:
            mark = "[bold red]DIFFERS[/] " if fig.verdict == "differs" else ""
            console.print(f"{index:>2}. {mark}{escape(fig.reason)}")
    total = len(view.figures)
    console.print(
        f"{total - view.differing} of {total} figures agree within "
        f"{view.tolerance:.0%}; {view.differing} differ."
    )


TauOpt = Annotated[
    list[float] | None,
    typer.Option(
        "--tau",
        help="Tokens per researcher-second to compare. Repeatable. [default: 10 and 1000]",
    ),
]


def _spread_text(spread: dict[str, float]) -> str:
    if "value" in spread:
        return number(spread["value"])
    return f"{number(spread['p50'])} ({number(spread['p5'])}–{number(spread['p95'])})"


def devloop_command(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    tau: TauOpt = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = api.DEFAULT_SEED,
    fmt: FormatOpt = Format.table,
) -> None:
    """The development loop: tokens, signals per day and latency per feedback signal."""
    scenario = scenario_from(file, preset, settings)
    n = api.default_samples(scenario) if samples is None else samples
    result = api.devloop(
        scenario, taus=tuple(tau) if tau else api.DEFAULT_TAUS, samples=n, seed=seed
    )
    view = views.devloop_view(result)
    if fmt is Format.json:
        emit_json(view.to_json())
        return
    whose = "the whole fleet's R" if view.budget_is_fleet else "devloop.budget"
    console.print(
        f"[bold]Scenario:[/] {escape(view.scenario)}; budget "
        f"{_spread_text(view.budget)} token/s ({whose})"
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
    for c in view.cases:
        table.add_row(
            number(c["tokens_per_researcher_second"]),
            number(c["task_researcher_second"]),
            number(c["tokens_per_signal"]),
            _spread_text(c["signals_per_day"]),
            _spread_text(c["latency_s"]),
        )
    console.print(table)
    note = "Latency is task × σ / v: it does not depend on the tokens per researcher-second"
    if view.sigma_capped_at is not None:
        note += (
            f", except where σ is capped at a smaller τ (τ = {number(view.sigma_capped_at)} here)"
        )
    console.print(note + ".")
