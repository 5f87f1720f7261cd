"""docs/usage.md's "Your first hour": every ``alignment-runway`` command in it runs, in order.

The walkthrough is written for readers who do not program; this test keeps it true: each
``$ alignment-runway ...`` line of the section runs as written (in a fresh folder and a fresh
run store) and succeeds, and what the text says they show is there.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

USAGE = Path(__file__).parents[2] / "docs" / "usage.md"


def _commands() -> list[list[str]]:
    text = USAGE.read_text(encoding="utf-8")
    section = text.split("## Your first hour", 1)[1].split("\n## ", 1)[0]
    return [
        shlex.split(line.removeprefix("$ "))
        for line in section.splitlines()
        if line.startswith("$ alignment-runway ")
    ]


def test_the_first_hour_walkthrough_runs_as_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PY_COLORS")}
    env.update(
        COLUMNS="200",
        NO_COLOR="1",
        TERM="dumb",
        PYTHONUTF8="1",
        ALIGNMENT_RUNWAY_STORE=str(tmp_path / "runs.sqlite"),  # a new store: run 1 is ours
    )
    commands = _commands()
    assert len(commands) >= 8
    shown = {}
    for words in commands:
        assert words[0] == "alignment-runway"
        done = subprocess.run(
            [sys.executable, "-m", "alignment_runway", *words[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=600,  # a hang guard only
        )
        assert done.returncode == 0, (words, done.stderr)
        assert "Traceback" not in done.stderr
        shown[" ".join(words[1:3])] = done.stdout
    assert "654,000 researcher-months" in shown["run --no-store"]
    assert "65,400 researcher-months" in shown["run --set"]
    assert "tau 1000" in shown["runs list"]
    assert "tokens_per_researcher_second" in shown["explain"]
    for name in ("race-report.html", "my-scenario.toml", "shared-report.html"):
        assert (tmp_path / name).is_file(), name
    report = (tmp_path / "race-report.html").read_text(encoding="utf-8")
    assert "In brief" in report and "What matters most" in report
    assert "1000 token/researcher_second" in (tmp_path / "my-scenario.toml").read_text()
