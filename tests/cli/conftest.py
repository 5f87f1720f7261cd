"""Fixtures for the command-line tests: every test runs the real entry point in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Runs ``python -m alignment_runway ARGS...`` and returns the finished process (text output).
Cli = Callable[..., subprocess.CompletedProcess[str]]

# Environment variables that would change how rich renders (colour, width) in a subprocess.
_RENDERING_VARS = (
    "FORCE_COLOR",
    "PY_COLORS",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
)


#: The run store the command-line tests record into (never the user's own).
_STORE = Path(tempfile.mkdtemp(prefix="alignment-runway-tests-")) / "runs.sqlite"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _RENDERING_VARS}
    # a wide, colourless, UTF-8 console: table cells and the summary line are not wrapped
    env.update(COLUMNS="200", LINES="100", NO_COLOR="1", TERM="dumb", PYTHONUTF8="1")
    env["ALIGNMENT_RUNWAY_STORE"] = str(_STORE)
    return env


def invoke(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the command line as a user would, in ``cwd``, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "alignment_runway", *map(str, args)],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,  # a hang guard only; no test asserts on time
    )


def _reject_constant(constant: str) -> Any:
    raise ValueError(f"not valid JSON: {constant}")


def parse_strict_json(text: str) -> Any:
    """Parse JSON as the standard defines it: ``NaN`` and ``Infinity`` are rejected."""
    return json.loads(text, parse_constant=_reject_constant)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Run the command line in ``tmp_path``, so scenario files can be named relatively."""

    def run(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        return invoke(*args, cwd=tmp_path)

    return run


@pytest.fixture
def cli_error(cli: Cli) -> Callable[..., str]:
    """Run a command expected to fail on user input; check the error contract; return the line.

    The contract (cli.py): exit code 2, nothing on standard output, exactly one non-empty line
    on standard error starting with ``error: ``, and never a traceback.
    """

    def run(*args: str | os.PathLike[str]) -> str:
        result = cli(*args)
        shown = f"stdout={result.stdout!r}\nstderr={result.stderr!r}"
        assert "Traceback" not in result.stdout + result.stderr, shown
        assert result.returncode == 2, shown
        assert result.stdout == "", shown
        lines = result.stderr.splitlines()
        assert len(lines) == 1, shown
        line = lines[0]
        assert line.startswith("error: "), shown
        assert line.removeprefix("error: ").strip(), shown
        return line

    return run


@pytest.fixture
def json_ok(cli: Cli) -> Callable[..., Any]:
    """Run a command that should succeed with ``--format json``; return the parsed output."""

    def run(*args: str | os.PathLike[str]) -> Any:
        result = cli(*args, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return parse_strict_json(result.stdout)

    return run


@pytest.fixture
def strict_json() -> Callable[[str], Any]:
    """The strict JSON parser, for tests that check JSON output themselves."""
    return parse_strict_json
