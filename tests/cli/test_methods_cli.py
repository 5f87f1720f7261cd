"""``run --method``: exact and auto from the command line, and their errors."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alignment_runway import api

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


def test_an_exact_run_says_it_drew_no_samples_everywhere(
    cli: Cli, json_ok: JsonOk, tmp_path: Path
) -> None:
    """Report, store record, runs list/show/reproduce: "exact … no samples", never "0 samples"."""
    store = tmp_path / "runs.sqlite"
    result = cli(
        "run", VARIANT, "--method", "exact", "--keep", "static.labor", "--report", "r.html",
        "--store", store,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "nothing sampled" in result.stdout
    report = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "exact: lognormal closed forms, no samples" in report
    assert "0 Monte Carlo" not in report and "0 sample" not in report
    assert "known in closed form" in report  # the brief: not "drawn 0 times"
    (listed,) = json_ok("runs", "list", "--store", store)
    assert listed["samples"] == 0 and listed["method"] == "exact"
    table = cli("runs", "list", "--store", store).stdout
    row = next(line for line in table.splitlines() if "lognormal_variant" in line)
    assert "exact" in row
    record = json_ok("runs", "show", "1", "--store", store)
    assert record["method"] == "exact" and record["samples"] == 0
    assert record["computed"] == "exact: lognormal closed forms, no samples"
    shown = cli("runs", "show", "1", "--store", store).stdout
    assert "exact: lognormal closed forms, no samples" in shown and "0 samples" not in shown
    again = cli("runs", "reproduce", "1", "--store", store).stdout
    assert "no samples" in again and "0 samples" not in again
    assert "the same summaries, value for value" in again


def test_reproducing_an_exact_run_compares_its_summaries(tmp_path: Path) -> None:
    """Nothing sampled, nothing hashed: a changed recorded summary is still found."""
    store = api.open_store(str(tmp_path / "runs.sqlite"))
    result = api.run(api.load_scenario(VARIANT), method="exact", keep=["static.labor"])
    options = api.run_options(
        samples=1_000, seed=2023, chunk_size=65_536, workers=1, percentiles=(50.0,), above=(),
        keep=["static.labor"], method="exact",
    )  # fmt: skip
    run_id = api.record(store, result, options, "2026-01-01")
    assert api.reproduce(store, run_id).identical
    entry = store.get(run_id)
    changed = [dict(row) for row in entry.summary]
    changed[0]["p50"] *= 1 + 1e-15
    store.engine.dispose()
    import sqlite3

    with sqlite3.connect(tmp_path / "runs.sqlite") as db:
        db.execute("UPDATE runs SET summary = ? WHERE id = ?", (json.dumps(changed), run_id))
    again = api.reproduce(api.open_store(str(tmp_path / "runs.sqlite")), run_id)
    assert not again.identical and again.differing == (changed[0]["name"],)


def test_race_compare_and_sweep_take_qmc_and_refuse_exact(
    cli: Cli, cli_error: CliError, json_ok: JsonOk
) -> None:
    doc = json_ok(
        "race", "--preset", "race", "-n", "1600", "--months", "12", "--method", "qmc",
        "--keep-trajectories", "10", "--no-store",
    )  # fmt: skip
    assert doc["method"] == "qmc" and doc["randomizations"] == 16
    assert doc["success"]["se"] > 0
    table = cli("race", "--preset", "race", "-n", "1600", "-m", "12", "--method", "qmc",
                "--no-store").stdout  # fmt: skip
    assert "randomized quasi-Monte Carlo: 1,600 samples, 16 scrambled Sobol' sequences" in table
    line = cli_error("race", "--preset", "race", "--method", "exact", "--no-store")
    assert "--method" in line and "'sample', 'qmc'" in line
    compared = json_ok(
        "compare", VARIANT, VARIANT, "--set", "2:compute.training_share=0.4", "-o",
        "static.labor", "-n", "1600", "--method", "qmc",
    )  # fmt: skip
    assert compared["method"] == "qmc" and compared["randomizations"] == 16
    fallback = json_ok(
        "compare", VARIANT, VARIANT, "--set", "2:compute.stock=4e21 FLOP/s", "-o",
        "static.labor", "-n", "1600", "--method", "qmc",
    )  # fmt: skip
    assert fallback["method"] == "sample" and "randomizations" not in fallback
    assert any("compute.stock uncertain in A only" in note for note in fallback["notes"])
    swept = json_ok(
        "sweep", VARIANT, "--grid", "compute.training_share=0.2,0.3", "-o", "static.labor",
        "-n", "1600", "--method", "qmc", "--no-store",
    )  # fmt: skip
    assert swept["method"] == "qmc" and len(swept["cells"]) == 2
    line = cli_error(
        "sweep", VARIANT, "--grid", "compute.training_share=0.2,0.3", "-o", "static.labor",
        "-n", "1000", "--method", "qmc", "--no-store",
    )  # fmt: skip
    assert line.startswith("error: --samples: expected a multiple of 16")
