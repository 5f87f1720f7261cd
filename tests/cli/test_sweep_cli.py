"""``sweep`` from the command line: dry run, table, JSON, exports, figures, bad input."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]

_LEAD = "race.lead=3..24 months:3"
_TAU = "labor.tokens_per_researcher_second=10..1000 token/researcher_second:2:log"


def test_dry_run_lists_cells_and_cost(cli: Cli, json_ok: JsonOk) -> None:
    table = cli("sweep", "--preset", "race", "--grid", _LEAD, "--grid", _TAU, "--dry-run")
    assert table.returncode == 0, table.stderr
    assert "6 cells" in table.stdout and "sample-months in all" in table.stdout
    plan = json_ok("sweep", "--preset", "race", "-g", _LEAD, "-g", _TAU, "--dry-run", "-n", "100")
    assert plan["cells"] == 6 and plan["sample_months"] == 6 * 100 * 60.0
    assert [a["name"] for a in plan["axes"]] == ["race.lead", "labor.tokens_per_researcher_second"]


def test_sweep_runs_exports_and_draws(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "sweep",
        "--preset",
        "race",
        "-g",
        _LEAD,
        "-g",
        _TAU,
        "-n",
        "500",
        "--out",
        "grid.csv",
        "--figure",
        "grid.svg",
    )
    assert result.returncode == 0, result.stderr
    assert "race.research (researcher_year)" in result.stdout
    assert "wrote" in result.stderr and "(6 rows)" in result.stderr
    rows = [line for line in (tmp_path / "grid.csv").read_text().splitlines() if line[:1] != "#"]
    assert len(rows) == 7 and rows[0].startswith("race.lead,labor.tokens_per_researcher_second,")
    assert "<svg" in (tmp_path / "grid.svg").read_text(encoding="utf-8")


def test_sweep_json(json_ok: JsonOk) -> None:
    doc = json_ok(
        "sweep",
        "--preset",
        "uncertain",
        "-g",
        "compute.stock=2e21 FLOP/s,8e21 FLOP/s",
        "-o",
        "static.labor",
        "-n",
        "500",
    )
    assert doc["kind"] == "run" and len(doc["cells"]) == 2
    low, high = (c["outputs"]["static.labor"]["percentiles"]["p50"]["value"] for c in doc["cells"])
    assert high > low


def test_sweep_bad_input(cli_error: CliError) -> None:
    line = cli_error("sweep", "--grid", "race.lead=3..24 months:0")
    assert "--grid" in line and "2 to 1,000 values" in line
    line = cli_error(
        "sweep",
        "-g",
        _LEAD,
        "-g",
        _TAU,
        "-g",
        "race.leak_rate=0 / month,0.1 / month",
        "--figure",
        "x.png",
    )
    assert "--figure" in line and "1 or 2 grid axes" in line
    line = cli_error("sweep", "-g", _LEAD, "--out", "x.xlsx")
    assert "--out" in line
