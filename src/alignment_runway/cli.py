"""The command line: parse arguments, call the API, render tables (rich) or JSON.

Every error the user can cause is a ``ScenarioError``: shown as one line on standard error,
exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alignment_runway import __version__, api, essay
from alignment_runway.errors import ScenarioError
from alignment_runway.formatting import number
from alignment_runway.model.static import OUTPUTS, OutputSpec
from alignment_runway.scenarios import PARAMETERS, Scenario, preset_names
from alignment_runway.scenarios.loader import BASE_PRESET, preset_description
from alignment_runway.scenarios.specs import suggest
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_MONTH_RS, factor

app = typer.Typer(
    name="alignment-runway",
    help="How much alignment research automated AI could deliver during a cautious lab's lead.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console(highlight=False)


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


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _display(value: float, unit: str, display_unit: str) -> float:
    return value * factor(unit, display_unit) if unit != display_unit else value


def _input_records(scenario: Scenario) -> list[dict[str, Any]]:
    derived = scenario.value("compute.training_compute") is not None
    records = []
    for name, spec in PARAMETERS.items():
        setting = scenario.settings.get(name)
        if setting is None:
            continue
        raw = setting.value
        values = raw if isinstance(raw, tuple) else (raw,)
        shown = [_display(v, spec.unit, spec.display_unit) for v in values]
        records.append(
            {
                "name": name,
                "symbol": spec.symbol,
                "value": shown if spec.is_list else shown[0],
                "unit": spec.display_unit,
                "as_written": setting.text,
                "where": setting.where,
                "source": setting.source,
                "used": not (derived and name in ("compute.stock", "compute.training_share")),
            }
        )
    return records


def _output_record(spec: OutputSpec, value: float) -> dict[str, Any]:
    return {
        "name": spec.name,
        "symbol": spec.symbol,
        "stage": spec.stage,
        "value": _display(value, spec.unit, spec.display_unit),
        "unit": spec.display_unit,
        "meaning": spec.meaning,
    }


def _scenario(file: Path | None, preset: str | None, settings: list[str] | None) -> Scenario:
    return api.load_scenario(file, preset=preset, settings=settings or ())


@app.command()
def run(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Run the model on a scenario: every stage with units, then research per month of lead."""
    scenario = _scenario(file, preset, settings)
    result = api.run(scenario)
    inputs = _input_records(scenario)
    outputs = [_output_record(spec, result.value(spec.name)) for spec in OUTPUTS]
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": scenario.name,
                "description": scenario.description,
                "inputs": inputs,
                "outputs": outputs,
                "capped_serial_samples": result.capped_serial_samples,
            }
        )
        return
    console.print(f"[bold]Scenario:[/] {escape(scenario.name)}")
    if scenario.description:
        console.print(escape(scenario.description))
    table = Table(title="Inputs", title_justify="left")
    for column in ("parameter", "symbol", "value", "from"):
        table.add_column(column)
    for record in inputs:
        note = "" if record["used"] else " (unused: training_compute is set)"
        table.add_row(
            escape(record["name"]),
            record["symbol"],
            escape(record["as_written"]) + note,
            escape(record["where"]),
        )
    console.print(table)
    for stage, title in (
        ("A", "Stage A: compute → trained model"),
        ("B", "Stage B: tokens → researcher labor"),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("quantity")
        table.add_column("symbol")
        table.add_column("value", justify="right")
        table.add_column("unit")
        for record in outputs:
            if record["stage"] == stage:
                table.add_row(
                    record["meaning"], record["symbol"], number(record["value"]), record["unit"]
                )
        console.print(table)
    if result.capped_serial_samples:
        console.print(
            f"[yellow]note:[/] {result.capped_serial_samples} sample(s) had more serial tokens "
            "than tokens per researcher-second (σ > τ); σ was capped at τ"
        )
    hours = scenario.scalar("labor.working_hours_per_day") * 24
    per_month = result.value("static.research_per_month") * CALENDAR_MONTH_S
    console.print(
        f"[bold]Research per month of lead:[/] {number(result.value('static.ai_researchers'))} "
        f"AI researchers, each working {number(result.value('static.human_months_per_month'))} "
        f"months of a human's {number(hours)}-hour days = "
        f"[bold]{number(per_month / RESEARCHER_MONTH_RS)} researcher-months[/] (of 240 h)"
    )


@app.command("essay")
def essay_command(fmt: FormatOpt = Format.table) -> None:
    """Reproduce every figure of the essay: as stated, as computed, and why they differ."""
    figures = essay.audit()
    if fmt is Format.json:
        _emit_json({"tolerance": essay.TOLERANCE, "figures": [f.to_dict() for f in figures]})
        return
    table = Table(title="The essay's figures, stated and computed", title_justify="left")
    for column in ("#", "figure", "essay says", "model computes", "ratio", "verdict"):
        table.add_column(column, justify="right" if column in ("#", "ratio") else "left")
    for index, fig in enumerate(figures, start=1):
        verdict = "[green]agrees[/]" if fig.verdict == "agrees" else "[bold red]DIFFERS[/]"
        table.add_row(
            str(index),
            escape(fig.quantity),
            escape(fig.stated_text),
            escape(f"{number(fig.computed)} {fig.unit}"),
            f"{fig.ratio:.2f}",
            verdict,
        )
    console.print(table)
    console.print("[bold]Notes[/]")
    for index, fig in enumerate(figures, start=1):
        if fig.reason:
            mark = "[bold red]DIFFERS[/] " if fig.verdict == "differs" else ""
            console.print(f"{index:>2}. {mark}{escape(fig.reason)}")
    differ = [f for f in figures if f.verdict == "differs"]
    console.print(
        f"{len(figures) - len(differ)} of {len(figures)} figures agree within "
        f"{essay.TOLERANCE:.0%}; {len(differ)} differ."
    )


TauOpt = Annotated[
    list[float] | None,
    typer.Option(
        "--tau", help="Tokens per researcher-second to compare. Repeatable. [default: 10 and 1000]"
    ),
]


@app.command()
def devloop(
    file: FileArg = None,
    preset: PresetOpt = None,
    settings: SetOpt = None,
    tau: TauOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The development loop: tokens, signals per day and latency per feedback signal."""
    scenario = _scenario(file, preset, settings)
    result = api.devloop(scenario, taus=tuple(tau) if tau else (10.0, 1000.0))
    if fmt is Format.json:
        _emit_json(
            {
                "scenario": scenario.name,
                "budget_token_per_s": result.budget_tokens_per_s,
                "budget_is_fleet": result.budget_is_fleet,
                "cases": [
                    {
                        "tokens_per_researcher_second": c.tokens_per_researcher_s,
                        "task_researcher_second": c.task_researcher_s,
                        "tokens_per_signal": c.tokens_per_signal,
                        "signals_per_day": c.signals_per_day,
                        "latency_s": c.latency_s,
                    }
                    for c in result.cases
                ],
            }
        )
        return
    whose = "the whole fleet's R" if result.budget_is_fleet else "devloop.budget"
    console.print(
        f"[bold]Scenario:[/] {escape(scenario.name)}; budget {number(result.budget_tokens_per_s)}"
        f" token/s ({whose})"
    )
    table = Table(title="Development loop", title_justify="left")
    for column in (
        "token/researcher_second",
        "task (researcher_second)",
        "tokens per signal",
        "signals per day",
        "latency per signal (s)",
    ):
        table.add_column(column, justify="right")
    for c in result.cases:
        table.add_row(
            number(c.tokens_per_researcher_s),
            number(c.task_researcher_s),
            number(c.tokens_per_signal),
            number(c.signals_per_day),
            number(c.latency_s),
        )
    console.print(table)
    console.print(
        "Latency is task × σ / v: it does not depend on the tokens per researcher-second."
    )


@app.command()
def validate(file: Path, settings: SetOpt = None, fmt: FormatOpt = Format.table) -> None:
    """Check a scenario file without running it: names, units, bounds and conflicts."""
    scenario = _scenario(file, None, settings)
    own = sorted(n for n, s in scenario.settings.items() if s.where.startswith(str(file)))
    if fmt is Format.json:
        _emit_json(
            {"file": str(file), "valid": True, "starts_from": scenario.starts_from, "sets": own}
        )
        return
    console.print(
        f"[green]valid:[/] {escape(str(file))}: schema 1; sets {len(own)} parameter(s)"
        + (f": {escape(', '.join(own))}" if own else "")
    )


@app.command()
def presets(fmt: FormatOpt = Format.table) -> None:
    """List the built-in presets."""
    rows = [{"name": name, "description": preset_description(name)} for name in preset_names()]
    if fmt is Format.json:
        _emit_json(rows)
        return
    table = Table(title="Presets", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], escape(row["description"]))
    console.print(table)


@app.command()
def explain(name: str, fmt: FormatOpt = Format.table) -> None:
    """Explain a parameter (meaning, unit, default, source) or a model output."""
    if name in PARAMETERS:
        spec = PARAMETERS[name]
        default = api.load_scenario(preset=BASE_PRESET).settings.get(name)
        record = {
            "name": name,
            "symbol": spec.symbol,
            "meaning": spec.meaning,
            "unit": spec.display_unit,
            "bounds": spec.bounds_text(factor(spec.unit, spec.display_unit)),
            "default": default.text if default else None,
            "source": default.source if default else "unset by default: derived",
            "example": spec.example,
        }
    else:
        outputs = {spec.name: spec for spec in OUTPUTS}
        if name not in outputs:
            hint = suggest(name) or _output_hint(name, list(outputs))
            raise ScenarioError(f"explain: unknown parameter or output {name!r}{hint}")
        out = outputs[name]
        record = {
            "name": name,
            "symbol": out.symbol,
            "meaning": out.meaning,
            "unit": out.display_unit,
            "stage": out.stage,
        }
    if fmt is Format.json:
        _emit_json(record)
        return
    table = Table(show_header=False, title=name, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if key != "name":
            table.add_row(key, escape(str(value if value not in ("", None) else "—")))
    console.print(table)


def _output_hint(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"alignment-runway {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """How much alignment research automated AI could deliver during a cautious lab's lead."""


def main() -> None:
    """Entry point: run the app, turning a ScenarioError into one line and exit code 2."""
    try:
        app()
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
