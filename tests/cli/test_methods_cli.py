"""``run --method``: exact and auto from the command line, and their errors."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]

ROOT = Path(__file__).resolve().parents[2]
VARIANT = ROOT / "benchmarks" / "lognormal_variant.toml"
BENCHMARK = ROOT / "benchmarks" / "three_input.toml"


def test_exact_json_has_no_samples_and_zero_errors(json_ok: JsonOk) -> None:
    doc = json_ok(
        "run", VARIANT, "--method", "exact", "--keep", "static.labor", "--above",
        "static.labor=1e5", "--no-store",
    )  # fmt: skip
    assert doc["method"] == "exact" and doc["samples"] == 0
    (row,) = doc["summary"]
    assert row["method"] == "exact"
    assert row["mean"]["se"] == 0.0 and row["percentiles"]["p95"]["se"] == 0.0
    assert 0.0 < row["above"][0]["probability"]["value"] < 1.0


def test_auto_table_says_which_rows_are_exact(cli: Cli) -> None:
    result = cli("run", BENCHMARK, "--method", "auto", "-n", "2000", "--no-store")
    assert result.returncode == 0, result.stderr
    assert "rows marked exact" in result.stdout
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
    header = next(line for line in result.stdout.splitlines() if "quantity" in line)
    column = [cell.strip() for cell in header.split("┃")].index("method")

    def method(name: str) -> str:
        return [cell.strip() for cell in lines[name].split("│")][column]

    assert method("cluster_compute") == "exact"
    assert method("labor") == "sample"


def test_exact_errors_name_the_input(cli_error: CliError) -> None:
    line = cli_error("run", BENCHMARK, "--method", "exact", "--no-store")
    assert line.startswith("error: compute.utilization: expected an untruncated lognormal")
    assert "truncated to ≤ 1" in line
    line = cli_error("run", VARIANT, "--method", "exact", "--keep", "static.ai_researchers")
    assert "labor.tokens_per_researcher_second" in line and "σ ≤ τ" in line
    line = cli_error("run", VARIANT, "--method", "exact", "--out", "x.csv", "--what", "samples")
    assert line.startswith("error: --what: expected no samples to keep")
    assert "--method" in cli_error("run", VARIANT, "--method", "closed")


def test_qmc_json_says_its_randomizations(json_ok: JsonOk) -> None:
    doc = json_ok("run", VARIANT, "--method", "qmc", "-n", "3200", "--no-store")
    assert doc["method"] == "qmc" and doc["randomizations"] == 16 and doc["samples"] == 3200
    assert {row["method"] for row in doc["summary"]} == {"qmc"}
    assert all(row["mean"]["se"] > 0 for row in doc["summary"])
