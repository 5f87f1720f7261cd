"""``validate``, ``presets`` and ``explain``: scenarios and names, without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alignment_runway import views
from alignment_runway.cli.common import Format, FormatOpt, SetOpt, console, emit_json, scenario_from

__all__ = ["explain_command", "presets_command", "validate_command"]


def validate_command(file: Path, settings: SetOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check a scenario file without running it: names, units, bounds and conflicts."""
    scenario = scenario_from(file, None, settings)
    record = views.validation_record(str(file), scenario)
    if fmt is Format.json:
        emit_json(record)
        return
    own = record["sets"]
    console.print(
        f"[green]valid:[/] {escape(str(file))}: schema 1; sets {len(own)} parameter(s)"
        + (f": {escape(', '.join(own))}" if own else "")
    )


def presets_command(fmt: FormatOpt = Format.table) -> None:
    """List the built-in presets."""
    rows = views.preset_rows()
    if fmt is Format.json:
        emit_json(rows)
        return
    table = Table(title="Presets", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], escape(row["description"]))
    console.print(table)


ExplainName = Annotated[
    str | None,
    typer.Argument(
        metavar="NAME",
        help="A parameter (section.name) or an output. [default: list every parameter]",
        show_default=False,
    ),
]


def explain_command(name: ExplainName = None, fmt: FormatOpt = Format.table) -> None:
    """Explain a parameter (meaning, unit, default, source) or a model output.

    Without a name, lists every parameter: its section, unit, default (or "unset") and
    one-line meaning.
    """
    if name is None:
        _list_parameters(fmt)
        return
    record = views.explain_record(name)
    if fmt is Format.json:
        emit_json(record)
        return
    table = Table(show_header=False, title=name, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if key != "name":
            table.add_row(key, escape(str(value if value not in ("", None) else "—")))
    console.print(table)


def _list_parameters(fmt: Format) -> None:
    records = views.parameter_records()
    if fmt is Format.json:
        emit_json(records)
        return
    table = Table(
        title="Parameters (explain NAME shows one in full, with its source)",
        expand=True,
        title_justify="left",
    )
    table.add_column("section", no_wrap=True)
    table.add_column("parameter", no_wrap=True)
    for column in ("unit", "default"):
        table.add_column(column, overflow="fold", ratio=1)
    table.add_column("meaning", overflow="fold", ratio=3)
    for record in records:
        table.add_row(
            record["section"],
            record["name"].split(".", 1)[1],
            escape(record["unit"]),
            escape(record["default"] or "unset"),
            escape(record["meaning"]),
        )
    console.print(table)
