"""What every command shares: consoles, options, JSON output, progress, and field labels."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from alignment_runway import api

__all__ = [
    "FLAGS",
    "Format",
    "console",
    "console_err",
    "emit_json",
    "percentile_list",
    "print_notes",
    "progress",
    "scenario_from",
]

#: Tables printed into a pipe or file are not squeezed to 80 columns (set COLUMNS to choose).
_WIDTH = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120
console = Console(highlight=False, width=_WIDTH)
console_err = Console(highlight=False, stderr=True)

#: How the command line shows each field an error names: its flag (fields not listed are
#: parameters, shown by name).
FLAGS = {
    "samples": "--samples",
    "seed": "--seed",
    "chunk_size": "--chunk-size",
    "workers": "--workers",
    "keep": "--keep",
    "above": "--above",
    "thresholds": "--above",
    "percentiles": "--percentiles",
    "months": "--months",
    "step": "--step",
    "keep_trajectories": "--keep-trajectories",
    "taus": "--tau",
    "epsilons": "--epsilon",
    "outputs": "--output",
    "output": "--output",
    "sides": "SIDES",
    "grid": "--grid",
    "cluster": "--cluster",
    "resume": "--resume",
    "inputs": "--input",
    "method": "--method",
    "log": "--log",
    "out": "--out",
    "what": "--what",
    "report": "--report",
    "figures": "--figures",
    "figure": "--figure",
    "force": "--force",
    "store": "--store",
    "store_samples": "--store-samples",
    "no_store": "--no-store",
    "preset": "--preset",
    "settings": "--set",
    "run_id": "runs",
    "limit": "--limit",
    "max_samples": "--max-samples",
    "time_limit": "--time-limit",
}


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
SamplesOpt = Annotated[
    int | None,
    typer.Option(
        "--samples",
        "-n",
        help=f"Monte Carlo samples [default: {api.DEFAULT_SAMPLES:,} when any "
        "input is uncertain, else 1].",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the random draws.")]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        metavar="local:N|tcp://HOST:PORT",
        help="Compute on a Dask cluster: local:N starts N worker processes here; tcp://HOST:PORT "
        "uses a running scheduler. Results are bit for bit those of a local run.",
    ),
]
PercentilesOpt = Annotated[
    str, typer.Option("--percentiles", help="Percentiles to report, comma separated.")
]


def emit_json(data: Any) -> None:
    """Write a JSON document to standard output."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def scenario_from(
    file: Path | None, preset: str | None, settings: list[str] | None
) -> api.Scenario:
    """The scenario a command names: a file or a preset, then ``--set`` items."""
    return api.load_scenario(file, preset=preset, settings=settings or ())


def percentile_list(text: str) -> list[float]:
    """``--percentiles``: numbers from 0 to 100, comma separated."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(0 <= q <= 100 for q in values):
        raise api.InputError("percentiles", "numbers from 0 to 100, comma separated", repr(text))
    return values


def print_notes(notes: list[str] | tuple[str, ...]) -> None:
    """Warnings on standard error, one line each."""
    for note in notes:
        console_err.print(f"[yellow]warning:[/] {escape(note)}")


@contextmanager
def progress(total: int | None, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on standard error, shown once a run has taken more than a second.

    With ``total`` None (not known in advance) the bar counts samples without an end.
    """
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
