"""``alignment-runway tasks``: the table, JSON, the figure, and errors that name the field."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]

#: A quick point scenario with Stage D on.
POINT = (
    "--preset", "essay", "--set", "tasks.human_researchers=600",
    "--set", "tasks.automated_share=0.5", "--set", "tasks.cost_spread=100",
)  # fmt: skip


def test_table_shows_every_curve_and_the_thresholds(cli: Cli) -> None:
    result = cli("tasks", *POINT)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for label in ("scenario's ε = 1", "ε = 0.25", "ε = 0.5", "ε = 1", "ε = 2"):
        assert label in text
    assert "Speed-up over the human field" in text
    assert "first passes" in text and "3×" in text and "10×" in text
    assert "Single τ" in text and "1 + L/H = 1,110" in text


def test_json_has_the_curves_on_the_share_grid(json_ok: JsonOk) -> None:
    document = json_ok("tasks", *POINT)
    shares = document["automated_share"]
    assert shares[0] == 0.0 and shares[-1] == 1.0
    assert [case["epsilon"] for case in document["cases"]] == ["scenario", 0.25, 0.5, 1.0, 2.0]
    for case in document["cases"]:
        assert len(case["speedup"]["value"]) == len(shares)
        assert case["speedup"]["value"][0] == 1.0
    assert document["single_tau_speedup"]["value"] > 1000


def test_default_preset_is_tasks_with_bands(json_ok: JsonOk) -> None:
    document = json_ok("tasks", "-n", "200")
    assert document["scenario"] == "tasks"
    assert document["samples"] == 200
    assert set(document["cases"][0]["speedup"]) == {"p5", "p50", "p95"}
    assert "never" in document["cases"][0]["first_share"]["10x"]


def test_figure_is_written(cli: Cli, tmp_path: Path) -> None:
    result = cli("tasks", *POINT, "--figure", "curves.svg")
    assert result.returncode == 0, result.stderr
    svg = (tmp_path / "curves.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "automated share" in svg
    assert "wrote" in result.stderr


def test_no_humans_names_the_parameter(cli_error: CliError) -> None:
    line = cli_error("tasks", "--preset", "essay")
    assert "tasks.human_researchers" in line and "more than 0" in line and "received 0" in line


def test_bad_figure_names_the_flag(cli_error: CliError) -> None:
    line = cli_error("tasks", *POINT, "--figure", "curves.pdf")
    assert "--figure" in line and ".png or .svg" in line
