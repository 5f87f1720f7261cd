"""The command line's commands (typer): parse arguments, call the API, render the views.

Every error the user can cause is an ``Error``: shown as one line on standard error naming the
flag at fault (fields are mapped to flags in ``common.FLAGS``), exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from alignment_runway import __version__
from alignment_runway.api import Error, WorkerLost
from alignment_runway.cli.common import FLAGS
from alignment_runway.cli.compare_commands import compare_command
from alignment_runway.cli.info_commands import explain_command, presets_command, validate_command
from alignment_runway.cli.run_commands import race_command, run_command
from alignment_runway.cli.runs_commands import runs_app
from alignment_runway.cli.serve_command import serve_command
from alignment_runway.cli.study_commands import (
    devloop_command,
    essay_command,
    sensitivity_command,
)
from alignment_runway.cli.sweep_commands import sweep_command
from alignment_runway.cli.tasks_commands import tasks_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="alignment-runway",
    help="How much alignment research automated AI could deliver during a cautious lab's lead.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.command("run")(run_command)
app.command("race")(race_command)
app.command("sensitivity")(sensitivity_command)
app.command("compare")(compare_command)
app.command("sweep")(sweep_command)
app.add_typer(runs_app, name="runs")
app.command("essay")(essay_command)
app.command("devloop")(devloop_command)
app.command("tasks")(tasks_command)
app.command("validate")(validate_command)
app.command("presets")(presets_command)
app.command("explain")(explain_command)
app.command("serve")(serve_command)


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


def _usage_line(exc: Exception) -> str:
    """A command-line usage error as one line: the option, what was expected, what was given."""
    text = str(getattr(exc, "format_message", lambda: str(exc))())
    text = " ".join(text.replace("Value error, ", "").split())
    command = getattr(getattr(exc, "ctx", None), "command_path", "")
    hint = f" (see {command} --help)" if command else ""
    return f"error: {text}{hint}"


def _parser_error(exc: Exception) -> None:
    """Exit for an error of the argument parser (click's exceptions, recognised by shape)."""
    kind = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    if kind == "NoArgsIsHelpError" and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        raise SystemExit(0)
    if kind == "Abort":
        print("error: interrupted", file=sys.stderr)
        raise SystemExit(130)
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and hasattr(exc, "format_message"):
        print(_usage_line(exc), file=sys.stderr)
        raise SystemExit(code)


def main() -> None:
    """Entry point: run the app, turning an ``Error`` into one line and exit code 2.

    Usage errors the argument parser finds (an unknown option, a value that is not one of the
    choices or not a number) are one ``error:`` line too; a command run without arguments
    prints its help.
    """
    import typer.main

    try:
        code = typer.main.get_command(app)(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except Error as exc:
        print(f"error: {exc.message(FLAGS)}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except WorkerLost as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as exc:
        _parser_error(exc)  # exits for the argument parser's own errors
        if os.environ.get("ALIGNMENT_RUNWAY_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); this is a bug in "
            "alignment-runway: set ALIGNMENT_RUNWAY_DEBUG=1 to see where it happened",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
