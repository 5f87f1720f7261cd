"""The command line's commands (typer): parse arguments, call the API, render the views.

Every error the user can cause is an ``Error``: shown as one line on standard error naming the
flag at fault (fields are mapped to flags in ``common.FLAGS``), exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alignment_runway import __version__

__all__ = ["COMMANDS", "build_app", "main"]

#: Every command in ``--help`` order: its name, the module under ``alignment_runway.cli``
#: defining it, and the function (or typer app, for ``runs``) there. A command's module is
#: imported only when the app is built with it, so ``essay`` does not import ``sweep``'s.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("run", "run_commands", "run_command"),
    ("race", "run_commands", "race_command"),
    ("sensitivity", "study_commands", "sensitivity_command"),
    ("compare", "compare_commands", "compare_command"),
    ("sweep", "sweep_commands", "sweep_command"),
    ("runs", "runs_commands", "runs_app"),
    ("essay", "study_commands", "essay_command"),
    ("devloop", "study_commands", "devloop_command"),
    ("tasks", "tasks_commands", "tasks_command"),
    ("validate", "info_commands", "validate_command"),
    ("presets", "info_commands", "presets_command"),
    ("explain", "info_commands", "explain_command"),
    ("serve", "serve_command", "serve_command"),
)
_HELP = "How much alignment research automated AI could deliver during a cautious lab's lead."


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"alignment-runway {__version__}\n")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """How much alignment research automated AI could deliver during a cautious lab's lead."""


def build_app(names: Collection[str] | None = None) -> typer.Typer:
    """The typer app with the commands ``names`` (every command when None), in ``--help`` order.

    ``main`` builds it with just the command being run, when the command line names one.
    """
    app = typer.Typer(
        name="alignment-runway",
        help=_HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for name, module, attribute in COMMANDS:
        if names is not None and name not in names:
            continue
        target = getattr(importlib.import_module(f"alignment_runway.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def _wanted(argv: list[str]) -> set[str] | None:
    """The command a command line runs, when its first word names one; None for all of them.

    ``--help``, no arguments or a misspelt command build every command, so the help lists
    them all and the parser can suggest the nearest name.
    """
    known = {name for name, _, _ in COMMANDS}
    return {argv[0]} if argv and argv[0] in known else None


_APP: list[typer.Typer] = []


def __getattr__(name: str) -> Any:
    """``app``: the typer app with every command, built on first use (tests, ``cli.app``)."""
    if name == "app":
        if not _APP:
            _APP.append(build_app())
        return _APP[0]
    raise AttributeError(name)


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

    from alignment_runway.api import Error, WorkerLost  # the commands import the api anyway

    try:
        app = build_app(_wanted(sys.argv[1:]))
        code = typer.main.get_command(app)(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except Error as exc:
        from alignment_runway.cli.common import FLAGS

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


if TYPE_CHECKING:
    app: typer.Typer
