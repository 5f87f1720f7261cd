"""``validate``, ``presets`` and ``explain``: scenarios and names, without running anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from alignment_runway import api
from alignment_runway.cli.common import Format, FormatOpt, SetOpt, console, emit_json, scenario_from
from alignment_runway.errors import did_you_mean
from alignment_runway.results import ALL_OUTPUTS
from alignment_runway.scenarios import PARAMETERS, preset_names
from alignment_runway.scenarios.loader import BASE_PRESET, preset_description
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import factor

__all__ = ["explain_command", "presets_command", "validate_command"]


def validate_command(file: Path, settings: SetOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check a scenario file without running it: names, units, bounds and conflicts."""
    scenario = scenario_from(file, None, settings)
    own = sorted(
        n
        for n, s in scenario.settings.items()
        if s.where.startswith(str(file)) or (s.layer > 0 and not s.where.startswith("preset "))
    )
    if fmt is Format.json:
        emit_json(
            {"file": str(file), "valid": True, "starts_from": scenario.starts_from, "sets": own}
        )
        return
    console.print(
        f"[green]valid:[/] {escape(str(file))}: schema 1; sets {len(own)} parameter(s)"
        + (f": {escape(', '.join(own))}" if own else "")
    )


def presets_command(fmt: FormatOpt = Format.table) -> None:
    """List the built-in presets."""
    rows = [{"name": name, "description": preset_description(name)} for name in preset_names()]
    if fmt is Format.json:
        emit_json(rows)
        return
    table = Table(title="Presets", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], escape(row["description"]))
    console.print(table)


def _record(name: str) -> dict[str, Any]:
    """What ``explain`` shows of a parameter or an output."""
    if name in PARAMETERS:
        spec = PARAMETERS[name]
        default = api.load_scenario(preset=BASE_PRESET).settings.get(name)
        return {
            "name": name,
            "symbol": spec.symbol,
            "meaning": spec.meaning,
            "unit": spec.display_unit,
            "bounds": spec.bounds_text(factor(spec.unit, spec.display_unit)),
            "default": default.text if default else None,
            "source": default.source if default else "unset by default: derived",
            "example": spec.example,
        }
    outputs = {spec.name: spec for spec in ALL_OUTPUTS}
    if name not in outputs:
        names = [*PARAMETERS, *outputs]
        prefixed = [n for n in names if name and n.startswith(name)]
        hint = suggest(name) or did_you_mean(name, outputs, n=2)
        if prefixed:
            hint = f"; names starting with {name!r}: {', '.join(prefixed)}"
        elif not hint:
            hint = f" (known: {', '.join(names)})"
        raise api.InputError("name", "a parameter or an output", repr(name), hint=hint)
    out = outputs[name]
    return {
        "name": name,
        "symbol": out.symbol,
        "meaning": out.meaning,
        "unit": out.display_unit,
        "stage": out.stage,
    }


def explain_command(name: str, fmt: FormatOpt = Format.table) -> None:
    """Explain a parameter (meaning, unit, default, source) or a model output."""
    record = _record(name)
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
