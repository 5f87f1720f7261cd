"""The race on the command line: tables, JSON, warnings, exports and bad input."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alignment_runway import api
from alignment_runway.formatting import number
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_YEAR_RS

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]


def _static_year_per_month() -> float:
    """The essay's research per month of lead, in researcher-years."""
    per_month = api.run(api.load_scenario()).value("static.research_per_month")
    return per_month * CALENDAR_MONTH_S / RESEARCHER_YEAR_RS


def test_race_on_the_essay_is_the_lead_times_the_static_figure(cli: Cli) -> None:
    result = cli("race", "--set", "race.lead=3 months")
    assert result.returncode == 0, result.stderr
    expected = number(3 * _static_year_per_month())
    assert f"Research in the window: {expected} researcher-years" in result.stdout
    assert "researcher-years" in result.stdout
    assert "Window ended by: catch-up\n" in result.stdout
    assert "Research by month" in result.stdout


def test_a_deterministic_race_shows_a_point_not_monte_carlo(cli: Cli) -> None:
    # the essay preset has no uncertain input: one value per output, no ± and no percentiles
    result = cli("race")
    assert result.returncode == 0, result.stderr
    assert "one deterministic run" in result.stdout
    assert "1 samples" not in result.stdout and "±" not in result.stdout
    header = next(line for line in result.stdout.splitlines() if "quantity" in line)
    assert "value" in header and "meaning" in header
    assert not {"mean", "p5", "p50", "p95"} & set(header.replace("┃", " ").split())
    research = next(line for line in result.stdout.splitlines() if line.startswith("│ research "))
    assert "research delivered in the window" in research


def test_a_recorded_deterministic_race_shows_one_value_per_output(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    assert cli("race", "--store", store).returncode == 0
    shown = cli("runs", "show", "1", "--store", store)
    assert shown.returncode == 0, shown.stderr
    header = next(line for line in shown.stdout.splitlines() if "output" in line)
    assert "value" in header and "p50" not in header and "mean" not in header


def test_race_json_reports_success_reasons_and_research_by_month(json_ok: JsonOk) -> None:
    data = json_ok("race", "--preset", "race", "--samples", "3000", "--months", "36")
    assert data["samples"] == 3000 and data["months"] == 36 and data["step"] == "month"
    names = [row["name"] for row in data["summary"]]
    assert names[:2] == ["race.lead_at_pause", "race.window"]
    assert "race.research" in names and "race.time_to_requirement" in names
    success = data["success"]
    assert 0 < success["value"] < 1 and success["se"] > 0
    shares = [reason["value"] for reason in data["end_reasons"].values()]
    assert sum(shares) == pytest.approx(1.0)
    by_month = data["research_by_month"]
    assert by_month["month"] == list(range(37))
    assert by_month["trajectories"] == 1000
    median = by_month["quantiles"]["q0.5"]
    assert len(median) == 37 and median == sorted(median)
    research = next(row for row in data["summary"] if row["name"] == "race.research")
    assert research["unit"] == "researcher_year"


def test_weekly_and_monthly_steps_agree_on_the_command_line(json_ok: JsonOk) -> None:
    args = ("race", "--preset", "race", "--samples", "500", "--months", "24")
    monthly = json_ok(*args)
    weekly = json_ok(*args, "--step", "week")
    for a, b in zip(monthly["summary"], weekly["summary"], strict=True):
        for key, value in a["percentiles"].items():
            if value["value"] is None:
                assert b["percentiles"][key]["value"] is None
            else:
                assert b["percentiles"][key]["value"] == pytest.approx(value["value"], rel=1e-9)


def test_a_window_longer_than_the_horizon_is_cut_with_a_counted_warning(cli: Cli) -> None:
    result = cli("race", "--set", "race.lead=30 months", "--months", "12")
    assert result.returncode == 0, result.stderr
    assert "1 of 1 samples had a window longer than the horizon of 12 months" in result.stderr
    assert "Window ended by: horizon\n" in result.stdout


def test_race_without_a_requirement_reports_no_success(json_ok: JsonOk) -> None:
    data = json_ok("race")
    assert data["success"] is None
    assert data["required_research_researcher_year"] is None
    assert "race.time_to_requirement" not in [row["name"] for row in data["summary"]]


def test_race_exports_samples_with_the_horizon_in_the_metadata(cli: Cli, tmp_path: Path) -> None:
    import json

    result = cli("race", "--preset", "race", "-n", "200", "--out", "race.json", "--what", "samples")
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "race.json").read_text(encoding="utf-8"))
    assert written["metadata"]["months"] == 60
    assert written["metadata"]["step"] == "month"
    assert len(written["data"]["race.research"]) == 200


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--set", "race.lead=-2 months"), ("race.lead", "[0, inf)", "-2 month")),
        (("--set", "race.leak_rate=-0.1/month"), ("race.leak_rate", "received -0.1")),
        (("--set", "race.safe_share=1.5"), ("race.safe_share", "[0, 1]", "1.5")),
        (("--set", "race.catch_up_speed=0"), ("race.catch_up_speed", "(0, inf)", "received 0")),
        (
            ("--set", "race.review_share=0.2"),
            ("race.review_share", "race.supervisors and race.review_capacity"),
        ),
        (
            ("--set", "race.checkpoint_latency=4 hour"),
            ("race.checkpoint_latency", "race.checkpoint_interval"),
        ),
        (
            ("--set", "race.efficiency_cap=10"),
            ("race.efficiency_cap", "race.efficiency_doubling_time"),
        ),
        (("--months", "0"), ("--months", "> 0", "0")),
        (("--months", "0.1", "--step", "week"), ("--months", "one step", "0.1 months")),
        (("--keep-trajectories", "-1"), ("--keep-trajectories", ">= 0", "-1")),
    ],
)
def test_bad_race_input_is_one_clear_line(
    cli_error: CliError, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    line = cli_error("race", *args)
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"


def test_tables_show_display_units_and_meanings(cli: Cli) -> None:
    # units in words from one table (formatting.UNIT_NAMES); sampled rows carry meanings too
    from alignment_runway.formatting import UNIT_NAMES

    result = cli("race", "--preset", "race", "-n", "2000", "--no-store")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ ")]
    research = next(line for line in rows if line.startswith("│ research "))
    assert "researcher-years" in research and "research delivered in the window" in research
    assert "researcher_second/s" not in result.stdout.split("Results", 1)[1]
    assert UNIT_NAMES["researcher_second/s"] == "researcher-seconds per second"
    run = cli("run", "--preset", "uncertain", "-n", "2000", "--no-store").stdout
    labor = next(line for line in run.splitlines() if line.startswith("│ labor "))
    assert "researcher-seconds per second" in labor and "AI labor" in labor
