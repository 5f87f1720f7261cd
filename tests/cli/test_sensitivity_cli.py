"""Sensitivity on the command line: tables, JSON, figures and bad input."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]


def test_tornado_of_the_uncertain_preset_ranks_tau_first(cli: Cli) -> None:
    result = cli("sensitivity", "--preset", "uncertain", "--output", "static.research_per_month")
    assert result.returncode == 0, result.stderr
    assert "Tornado: static.research_per_month" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ ")]
    assert "labor.tokens_per_researcher_second" in rows[0]
    assert "ignores the scenario's correlations" in result.stderr


def test_rank_json_for_both_headlines(json_ok: JsonOk) -> None:
    data = json_ok("sensitivity", "--preset", "race", "--method", "rank", "--samples", "2000")
    assert data["method"] == "rank"
    outputs = [r["output"] for r in data["results"]]
    assert outputs == ["static.research_per_month", "race.research"]
    for result in data["results"]:
        rhos = [abs(row["spearman"]["value"]) for row in result["rows"]]
        assert rhos == sorted(rhos, reverse=True)
        assert all(row["spearman"]["se"] > 0 for row in result["rows"])
    race_inputs = [row["input"] for row in data["results"][1]["rows"]]
    assert "race.theft_draw" in race_inputs and "race.lead" in race_inputs


def test_sobol_json_with_chosen_inputs(json_ok: JsonOk) -> None:
    data = json_ok(
        "sensitivity",
        "--set",
        "compute.stock=2e21 to 8e21 FLOP/s",
        "--set",
        "compute.tokens_per_parameter=5 to 20",
        "--output",
        "static.research_per_month",
        "--method",
        "sobol",
        "--samples",
        "256",
        "--log",
    )
    (result,) = data["results"]
    assert result["log"] is True and result["samples"] == 256
    for row in result["rows"]:
        assert row["first_order"] == pytest.approx(0.5, abs=0.1)
        assert row["total_order_conf"] >= 0


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_figure_is_written(cli: Cli, tmp_path: Path, suffix: str) -> None:
    result = cli(
        "sensitivity",
        "--preset",
        "uncertain",
        "--method",
        "rank",
        "--samples",
        "500",
        "--figure",
        f"sens.{suffix}",
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / f"sens.{suffix}"
    head = written.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in head or b"<?xml" in head
    again = cli("sensitivity", "--preset", "uncertain", "--figure", f"sens.{suffix}")
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--preset", "race", "--output", "race.reserch"),
            ("--output", "did you mean race.research"),
        ),
        (("--preset", "race", "--output", "race.success"), ("0 or 1", "race.research")),
        (("--output", "static.labor"), ("at least one uncertain input",)),
        (
            ("--preset", "uncertain", "--input", "compute.stock", "--input", "race.lead"),
            ("--input", "race.lead", "no uncertainty"),
        ),
        (("--preset", "uncertain", "--method", "rank", "-n", "10"), ("--samples", "100")),
        (("--preset", "uncertain", "--figure", "out.pdf"), ("--figure", ".png or .svg")),
    ],
)
def test_bad_sensitivity_input_is_one_clear_line(
    cli_error: CliError, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    line = cli_error("sensitivity", *args)
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"


def test_tornado_says_why_its_baseline_is_not_the_monte_carlo_median(
    cli: Cli, json_ok: JsonOk
) -> None:
    from alignment_runway import api
    from alignment_runway.views import BASELINE_NOTE, display_unit

    data = json_ok("sensitivity", "--preset", "race", "--output", "race.research")
    result = data["results"][0]
    assert result["baseline_note"] == BASELINE_NOTE
    race = api.race(api.load_scenario(preset="race"), samples=4000)
    scale = display_unit("race.research")[1]
    median = float(np.median(race.values["race.research"])) * scale
    assert abs(result["baseline"] / median - 1) > 0.2  # they do differ, as the note says
    text = " ".join(cli("sensitivity", "--preset", "race").stdout.split())
    assert "not the median of the output over samples" in text
