"""The command line: parse arguments, call the API, render the views as tables (rich) or JSON.

Importing this package is cheap: ``alignment-runway --version`` answers before typer, numpy or
the model are imported; every other command line goes to ``cli.root`` (the typer app).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: ``--version`` at once, anything else through the typer app (``cli.root``)."""
    if sys.argv[1:] == ["--version"]:
        from alignment_runway import __version__

        sys.stdout.write(f"alignment-runway {__version__}\n")
        return
    from alignment_runway.cli.root import main as run

    run()


def __getattr__(name: str) -> Any:
    """``app``, the typer app (``cli.root.app``), imported on first use."""
    if name == "app":
        from alignment_runway.cli.root import app

        return app
    raise AttributeError(name)


if TYPE_CHECKING:
    app: typer.Typer
