"""``validate``, ``presets`` and ``explain``: scenarios and names, without running anything."""

from __future__ import annotations

from pathlib import Path

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


def explain_command(name: str, fmt: FormatOpt = Format.table) -> None:
    """Explain a parameter (meaning, unit, default, source) or a model output."""
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
