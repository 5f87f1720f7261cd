"""``runs``: the recorded runs: list, show, diff, export, reproduce and delete them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alignment_runway import api, views
from alignment_runway.cli.common import Format, FormatOpt, console, count, emit_json
from alignment_runway.formatting import number, unit_name

__all__ = ["REPRODUCE_DIFFERS", "runs_app"]

runs_app = typer.Typer(
    help="Recorded runs: list, show, diff, export, reproduce and delete them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

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


def _cells(values: list[float | None]) -> list[str]:
    return ["never" if v is None else number(v) for v in values]


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _print_shares(shares: dict[str, float | None], point: bool) -> None:
    """Why windows ended and P(success), as shares (a point race: the one reason)."""
    prefix = "race.end_reason: "
    reasons = {k.removeprefix(prefix): v for k, v in shares.items() if k.startswith(prefix)}
    if _UNRECORDED in shares:
        console.print("[bold]Window ended by:[/] not recorded (recorded before shares were)")
    elif reasons and point:
        console.print(f"[bold]Window ended by:[/] {next(k for k, v in reasons.items() if v)}")
    elif reasons:
        ended = ", ".join(f"{k} {v:.1%}" for k, v in reasons.items() if v)
        console.print(f"[bold]Window ended by:[/] {ended}")
    if shares.get("P(success)") is not None:
        console.print(f"[bold]P(success):[/] {shares['P(success)']:.3f}")


_UNRECORDED = "race.end_reason (shares not recorded)"


@runs_app.command("list")
def runs_list(
    store: RunsStoreOpt = None,
    limit: Annotated[int, typer.Option("--limit", parser=count, help="Newest runs to show.")] = 20,
    fmt: FormatOpt = Format.table,
) -> None:
    """The recorded runs, newest first."""
    if limit < 1:
        raise api.InputError("limit", "a whole number >= 1", str(limit))
    opened = api.open_store(store, create=False)
    listed = views.listed_runs(opened.list(limit))
    if fmt is Format.json:
        emit_json([row.to_json() for row in listed])
        return
    table = Table(title=f"Runs in {opened.location}", title_justify="left")
    columns = ("id", "started (UTC)", "command", "label or scenario", "samples", "seed", "s")
    for column in (*columns, "median"):
        table.add_column(column, justify="right" if column in ("id", "samples", "s") else "left")
    for row in listed:
        table.add_row(
            str(row.id),
            _when(row.started_at),
            row.command,
            escape(row.shown),
            row.sampled,
            str(row.seed),
            f"{row.seconds:.2f}",
            "" if row.p50 is None else f"{number(row.p50)} {unit_name(row.unit)}",
        )
    console.print(table)
    if not listed:
        console.print("No runs recorded yet: every run and race is recorded unless --no-store.")


@runs_app.command("show")
def runs_show(run_id: RunId, store: RunsStoreOpt = None, fmt: FormatOpt = Format.table) -> None:
    """One run: command, options, versions, times, the resolved scenario and the results."""
    entry = api.open_store(store, create=False).get(run_id)
    if fmt is Format.json:
        emit_json(views.record_json(entry))
        return
    seconds = views.listed_runs([entry])[0].seconds
    label = f" ({escape(entry.label)})" if entry.label else ""
    console.print(
        f"[bold]Run {entry.id}[/]{label}: {entry.command} of {escape(entry.scenario_name)}, "
        f"{escape(views.computed(entry))}; {_when(entry.started_at)} UTC, {seconds:.2f} s"
    )
    console.print("options: " + escape(json.dumps(entry.options, sort_keys=True)))
    console.print("versions: " + ", ".join(f"{k} {v}" for k, v in entry.versions.items()))
    if entry.samples_file:
        console.print(f"samples: {escape(entry.samples_file)} (beside the store)")
    point = entry.samples == 1
    table = Table(title="Results", title_justify="left")
    numbers = ("value",) if point else ("mean", "p5", "p50", "p95")
    for column in ("output", *numbers, "unit"):
        table.add_column(column, justify="right" if column in numbers else "left")
    for name, values, unit in views.record_rows(entry):
        table.add_row(name, *_cells(values[:1] if point else values), unit_name(unit))
    console.print(table)
    _print_shares(views.record_shares(entry), point)
    console.print("[bold]Scenario[/] (fully resolved):")
    console.print(escape(entry.scenario_text), highlight=False)


@runs_app.command("diff")
def runs_diff(
    first: RunId,
    second: Annotated[int, typer.Argument(metavar="ID2", help="The run to compare with.")],
    store: RunsStoreOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Two runs side by side: the parameters and options that differ, and their results."""
    opened = api.open_store(store, create=False)
    view = views.diff_view(opened.get(first), opened.get(second))
    if fmt is Format.json:
        emit_json(view.to_json())
        return
    a, b = view.runs
    table = Table(title=f"Parameters that differ; {view.equal_text}", title_justify="left")
    for column in ("parameter", f"run {a}", f"run {b}"):
        table.add_column(column, overflow="fold")
    for n, x, y in view.parameters:
        table.add_row(escape(n), escape(x), escape(y))
    if view.parameters:
        console.print(table)
    else:
        count = view.equal_parameters
        console.print(
            f"The two runs' scenarios are the same ({count} parameter{'' if count == 1 else 's'})."
        )
    if view.options:
        other = Table(title="Options and versions that differ", title_justify="left")
        for column in ("option", f"run {a}", f"run {b}"):
            other.add_column(column)
        for key, was, now_ in view.options:
            other.add_row(key, escape(str(was)), escape(str(now_)))
        console.print(other)
    res = Table(title="Results (medians)", title_justify="left")
    for column in ("output", f"run {a}", f"run {b}", "ratio", "unit"):
        res.add_column(column, justify="left" if column in ("output", "unit") else "right")
    for row in view.results:
        before, after = row["p50"]
        ratio = "" if not before or after is None else f"{after / before:.3g}"
        res.add_row(row["output"], *_cells([before, after]), ratio, unit_name(row["unit"]))
    console.print(res)
    if view.shares:
        shares = Table(title="Shares (why windows ended; P(success))", title_justify="left")
        for column in ("share", f"run {a}", f"run {b}"):
            shares.add_column(column, justify="left" if column == "share" else "right")
        for share, first_share, second_share in view.shares:
            shares.add_row(share, _share(first_share), _share(second_share))
        console.print(shares)


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
        emit_json(views.record_json(entry))
        return
    api.export_record(opened, entry, out, force=force)
    sys.stderr.write(f"wrote {out}\n")


@runs_app.command("reproduce")
def runs_reproduce(
    run_id: RunId, store: RunsStoreOpt = None, fmt: FormatOpt = Format.table
) -> None:
    """Run a recorded run again with everything recorded; confirm identical results.

    Exits with code 3 when any kept array or summary differs from the record, naming the
    outputs that differ and the recorded versions (package, Python, numpy, scipy, sampling
    scheme) that changed.
    """
    view = views.reproduction_view(
        run_id, api.reproduce(api.open_store(store, create=False), run_id)
    )
    if fmt is Format.json:
        emit_json(view.to_json())
    elif view.identical:
        arrays = (
            f"the same {view.compared} array{'' if view.compared == 1 else 's'}, bit for bit, "
            "and the same summaries"
            if view.compared
            else "the same summaries, value for value (nothing sampled: no arrays to compare)"
        )
        console.print(
            f"[green]identical:[/] run {run_id} ({view.command} of {escape(view.scenario)}, "
            f"{escape(view.computed)}) gives {arrays}"
        )
    else:
        console.print(
            f"[bold red]differs:[/] run {run_id}: the samples or summaries of "
            f"{len(view.differing)} output(s) differ: {escape(', '.join(view.differing))}"
        )
        if view.changed_versions:
            changed = ", ".join(f"{k} {a} → {b}" for k, (a, b) in view.changed_versions.items())
            console.print(f"versions changed since it was recorded: {escape(changed)}")
        else:
            console.print("no recorded version changed (same package, Python, numpy and scipy)")
    if not view.identical:
        raise typer.Exit(REPRODUCE_DIFFERS)


@runs_app.command("delete")
def runs_delete(run_id: RunId, store: RunsStoreOpt = None) -> None:
    """Delete a recorded run (and its kept samples)."""
    entry = api.open_store(store, create=False).delete(run_id)
    if entry is None:
        console.print(f"deleted run {run_id} (a damaged record; no samples file was touched)")
    else:
        console.print(f"deleted run {entry.id} ({entry.command} of {escape(entry.scenario_name)})")


@runs_app.command("sweeps")
def runs_sweeps(
    store: RunsStoreOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", parser=count, help="Newest sweeps to show.")
    ] = 20,
    fmt: FormatOpt = Format.table,
) -> None:
    """The recorded sweeps, newest first: how many cells are done (sweep --resume ID finishes)."""
    rows = api.list_sweeps(store, limit)
    if fmt is Format.json:
        emit_json(rows)
        return
    table = Table(title="Sweeps", title_justify="left")
    for column in ("id", "started (UTC)", "scenario", "cells done", "finished"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["started_at"][:19].replace("T", " "),
            escape(row["scenario"]),
            f"{row['cells_done']:,} of {row['cells']:,}",
            "yes" if row["finished"] else f"no: sweep --resume {row['id']}",
        )
    console.print(table)
