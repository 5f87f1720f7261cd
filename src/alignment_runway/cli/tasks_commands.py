"""``tasks``: the speed-up over the human field as tasks are automated one at a time."""

from __future__ import annotations

import sys
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
    SeedOpt,
    SetOpt,
    console,
    emit_json,
    scenario_from,
)
from alignment_runway.formatting import number

__all__ = ["tasks_command"]

#: The preset the command starts from when neither a file nor a preset is given.
DEFAULT_PRESET = "tasks"
#: Every how many automated shares the table shows a row (0, 0.1, …, 1).
_EVERY = 10


def tasks_command(
    file: FileArg = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset", "-p", help=f"Start from a built-in preset [default: {DEFAULT_PRESET}]."
        ),
    ] = None,
    settings: SetOpt = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-n",
            help=f"Monte Carlo samples [default: {api.DEFAULT_TASKS_SAMPLES:,} when any input "
            "is uncertain, else 1].",
        ),
    ] = None,
    seed: SeedOpt = api.DEFAULT_SEED,
    figure: Annotated[
        Path | None,
        typer.Option("--figure", metavar="FILE", help="Also draw the curves as FILE (.png, .svg)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --figure: overwrite FILE.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Speed-up over the human field as the automated share of tasks grows from 0 to 1.

    For the scenario's elasticity of substitution ε and for ε = 0.25, 0.5, 1, 2, beside the
    single-τ figure (every task automated at the median cost: 1 + L/H), with the automated
    share at which the speed-up first passes 3× and 10×.
    """
    if figure is None and force:
        raise api.InputError("force", "{0} FILE with it", "no {0}", related=("figure",))
    if figure is not None:
        api.check_figure_path(figure, force)
    if file is None and preset is None:
        preset = DEFAULT_PRESET
    scenario = scenario_from(file, preset, settings)
    result = api.tasks_curve(scenario, samples, seed)
    view = views.tasks_view(result)
    if fmt is Format.json:
        emit_json(view.to_json())
    else:
        _print(view)
    if figure is not None:
        written = api.tasks_figure(result, figure, force=force)
        sys.stderr.write(f"wrote {written}\n")


def _cell(bands: dict[str, tuple[float, ...]], i: int) -> str:
    if "value" in bands:
        return number(bands["value"][i])
    return f"{number(bands['p50'][i])} [{number(bands['p5'][i])}–{number(bands['p95'][i])}]"


def _spread(values: dict[str, float]) -> str:
    if "value" in values:
        return number(values["value"])
    return f"{number(values['p50'])} [{number(values['p5'])}–{number(values['p95'])}]"


def _first(record: dict[str, float | None]) -> str:
    def share(x: float | None) -> str:
        return "never" if x is None else f"{x:.3f}"

    if "value" in record:
        return share(record["value"])
    text = f"{share(record['p50'])} [{share(record['p5'])}–{share(record['p95'])}]"
    never = record.get("never") or 0.0
    return text + (f"; never in {never:.1%}" if never else "")


def _label(case: views.TasksCaseView, epsilon: dict[str, float]) -> str:
    return f"scenario's ε = {_spread(epsilon)}" if case.epsilon is None else f"ε = {case.epsilon:g}"


def _print(view: views.TasksView) -> None:
    console.print(f"[bold]Scenario:[/] {escape(view.scenario)}")
    if view.samples > 1:
        console.print(
            f"{view.samples:,} samples, seed {view.seed}: medians with 90% intervals in brackets"
        )
    table = Table(
        title="Speed-up over the human field (research ÷ the human field's alone)",
        title_justify="left",
    )
    table.add_column("automated share", justify="right")
    for case in view.cases:
        table.add_column(_label(case, view.epsilon), justify="right", overflow="fold")
    for i in range(0, len(view.shares), _EVERY):
        table.add_row(f"{view.shares[i]:.1f}", *(_cell(c.speedup, i) for c in view.cases))
    console.print(table)
    first = Table(title="Automated share at which the speed-up first passes", title_justify="left")
    first.add_column("ε")
    thresholds = list(view.cases[0].first_share)
    for t in thresholds:
        first.add_column(f"{t:g}×", justify="right", overflow="fold")
    for case in view.cases:
        first.add_row(
            _label(case, view.epsilon), *(_first(case.first_share[t]) for t in thresholds)
        )
    console.print(first)
    console.print(
        f"[bold]Single τ[/] (every task automated at the median cost, humans beside the AI): "
        f"1 + L/H = {_spread(view.single_tau)}; the scenario automates a = "
        f"{_spread(view.automated_share)} of tasks when the pause starts."
    )
