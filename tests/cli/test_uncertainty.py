"""Uncertain scenarios on the command line, through ``python -m alignment_runway``.

- misuse (bad ranges and distribution tables, from ``--set`` and from a file; bad sampling
  and summary options): the one-line ``error:`` contract of ``cli_error`` (conftest.py), and
  a line that names the parameter or option, what was expected and what was received;
- runs: the seed and the sample count are shown and recorded, every output is summarised by
  a mean and percentiles with Monte Carlo standard errors, ``--above`` gives probabilities,
  too few samples for a percentile give a warning;
- the same seed gives bit-identical JSON whatever ``--chunk-size`` and ``--workers``;
- ``devloop`` reports latency percentiles for an uncertain scenario, points otherwise.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]
StrictJson = Callable[[str], Any]

#: The seed used when --seed is not given, and the samples drawn when --samples is not.
DEFAULT_SEED = 2023
DEFAULT_SAMPLES = 100_000
#: One uncertain input: ln(stock) is normal with mean ln(1e22) and 90% interval [1e21, 1e23].
WIDE_STOCK = "compute.stock=1e21 to 1e23 FLOP/s"
#: AI researchers at the essay's point values (compute.stock = 4e21 FLOP/s); see api.py.
ESSAY_RESEARCHERS = 43_619
ESSAY_STOCK = 4e21


def _assert_names(line: str, expected: tuple[str, ...]) -> None:
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    shown = f"stdout={result.stdout[-2000:]!r}\nstderr={result.stderr!r}"
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert result.returncode == 0, shown
    return result


def _by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["name"]: record for record in records}


# ---------------------------------------------------------------------------------------------
# misuse: bad uncertain values, through --set and through a scenario file


# name -> (parameter, value as written after --set NAME=, the same value as a TOML value,
#          substrings the error line must hold besides where the value was written)
_BAD_VALUES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "range-with-a-negative-end": (
        "compute.stock",
        "-1 to 3 FLOP/s",
        '"-1 to 3 FLOP/s"',
        ("expected a range 'a to b' with a > 0 and b > 0", "received '-1 to 3 FLOP/s'"),
    ),
    "range-in-the-wrong-order": (
        "compute.tokens_per_parameter",
        "3 to 1",
        '"3 to 1"',
        ("expected a range 'a to b' with a < b", "received '3 to 1'"),
    ),
    "mixture-weights-not-summing-to-one": (
        "compute.utilization",
        '{dist="mixture", components=["0.2 to 0.4", "0.4 to 0.6"], weights=[0.5, 0.6]}',
        '{dist="mixture", components=["0.2 to 0.4", "0.4 to 0.6"], weights=[0.5, 0.6]}',
        ("expected mixture.weights that sum to 1", "received [0.5, 0.6]", "sum 1.1"),
    ),
    "unknown-distribution": (
        "compute.stock",
        '{dist="lognorml", p5="1e21 FLOP/s", p95="8e21 FLOP/s"}',
        '{dist="lognorml", p5="1e21 FLOP/s", p95="8e21 FLOP/s"}',
        (
            "expected a distribution among",
            "lognormal",
            "received dist = 'lognorml'",
            "did you mean 'lognormal'?",
        ),
    ),
    "range-unit-of-the-wrong-dimension": (
        "compute.stock",
        "2 to 8 FLOP",
        '"2 to 8 FLOP"',
        ("'2 to 8 FLOP'", "expected", "compute per calendar time (FLOP/s)", "compute (FLOP)"),
    ),
    "normal-on-a-positive-parameter-without-min": (
        "compute.stock",
        '{dist="normal", p5="1e21 FLOP/s", p95="8e21 FLOP/s"}',
        '{dist="normal", p5="1e21 FLOP/s", p95="8e21 FLOP/s"}',
        (
            "expected a distribution inside (0, inf) FLOP/s",
            "received one that reaches below 0 FLOP/s",
            "min = 0",
        ),
    ),
    "lognormal-on-a-share-without-max": (
        "compute.utilization",
        '{dist="lognormal", p5=0.3, p95=0.6}',
        '{dist="lognormal", p5=0.3, p95=0.6}',
        (
            "expected a distribution inside (0, 1]",
            "received one that reaches above 1",
            "max = 1",
        ),
    ),
    "range-whose-draws-overflow": (
        "race.review_smoothness",
        "1e-300 to 1e300",
        '"1e-300 to 1e300"',
        (
            "expected a distribution whose draws stay finite and inside (0, inf)",
            "received lognormal(p5=1e-300, p95=1e+300), whose draws in its tails overflow",
        ),
    ),
    "lognormal-whose-description-overflows": (
        "race.reference_team",
        '{dist="lognormal", mu=0, sigma=500}',
        '{dist="lognormal", mu=0, sigma=500}',
        ("received lognormal(p5=6.677e-358, p95=1.498e+357), whose draws in its tails",),
    ),
}


def _concurrently(checks: dict[str, Callable[[], None]]) -> None:
    """Run independent checks (each a command line or two) in threads, to save wall time.

    Fails listing every check that failed, by its id, as a parametrized test would.
    """

    def attempt(item: tuple[str, Callable[[], None]]) -> str | None:
        name, check = item
        try:
            check()
        except AssertionError as exc:
            return f"[{name}] {exc}"
        return None

    with ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        problems = [problem for problem in pool.map(attempt, checks.items()) if problem]
    assert not problems, "\n\n".join(problems)


def test_bad_uncertain_value_in_set(cli_error: CliError) -> None:
    def check(name: str, set_text: str, expected: tuple[str, ...]) -> Callable[[], None]:
        return lambda: _assert_names(
            cli_error("run", "--set", f"{name}={set_text}"),
            (f"error: setting: {name}: ", *expected),
        )

    _concurrently(
        {
            case: check(name, text, expected)
            for case, (name, text, _, expected) in _BAD_VALUES.items()
        }
    )


def test_bad_uncertain_value_in_file(tmp_path: Path, cli_error: CliError) -> None:
    def check(
        case: str, name: str, toml_text: str, expected: tuple[str, ...]
    ) -> Callable[[], None]:
        section, key = name.split(".")
        file = f"{case}.toml"
        (tmp_path / file).write_text(
            f"schema = 1\n[{section}]\n{key} = {toml_text}\n", encoding="utf-8"
        )
        return lambda: _assert_names(
            cli_error("run", file), (f"error: {file}:3: {name}: ", *expected)
        )

    _concurrently(
        {
            case: check(case, name, text, expected)
            for case, (name, _, text, expected) in _BAD_VALUES.items()
        }
    )


# case -> (option, value, substrings the error line must hold besides "error: OPTION: ")
_BAD_OPTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "samples-zero": (
        "--samples",
        "0",
        ("expected a whole number of samples >= 1", "received 0"),
    ),
    "samples-negative": (
        "--samples",
        "-5",
        ("expected a whole number of samples >= 1", "received -5"),
    ),
    "seed-negative": (
        "--seed",
        "-1",
        ("expected a whole number from 0 to 2**63 - 1", "received -1"),
    ),
    "workers-zero": (
        "--workers",
        "0",
        ("expected a whole number of processes from 1 to", "received 0"),
    ),
    "chunk-size-zero": (
        "--chunk-size",
        "0",
        ("expected a whole number of samples >= 1", "received 0"),
    ),
    "percentile-above-100": (
        "--percentiles",
        "150",
        ("expected numbers from 0 to 100", "received '150'"),
    ),
    "percentile-not-a-number": (
        "--percentiles",
        "abc",
        ("expected numbers from 0 to 100", "received 'abc'"),
    ),
    "above-unknown-output": (
        "--above",
        "static.nope=1",
        ("received 'static.nope'", "did you mean static."),
    ),
    "above-not-a-number": (
        "--above",
        "static.ai_researchers=abc",
        ("static.ai_researchers", "expected a plain number", "received 'abc'"),
    ),
    "above-unit-of-the-wrong-dimension": (
        "--above",
        "static.ai_researchers=1e5 FLOP",
        ("static.ai_researchers", "expected", "received '1e5 FLOP'"),
    ),
}


def test_bad_sampling_or_summary_option(cli_error: CliError) -> None:
    def check(option: str, value: str, expected: tuple[str, ...]) -> Callable[[], None]:
        return lambda: _assert_names(
            cli_error("run", "--set", WIDE_STOCK, option, value),
            (f"error: {option}: ", *expected),
        )

    _concurrently(
        {
            case: check(option, value, expected)
            for case, (option, value, expected) in _BAD_OPTIONS.items()
        }
    )


# ---------------------------------------------------------------------------------------------
# runs of uncertain scenarios


def test_uncertain_run_table_shows_default_seed_and_samples(cli: Cli) -> None:
    result = _ok(cli("run", "--set", WIDE_STOCK))
    assert result.stderr == ""
    out = result.stdout
    assert f"Monte Carlo: {DEFAULT_SAMPLES:,} samples, seed {DEFAULT_SEED} (--seed)" in out
    assert "± is the Monte Carlo standard error" in out
    # a row of the results table: mean and percentiles, each with its relative error
    rows = [line for line in out.splitlines() if "ai_researchers" in line]
    assert len(rows) == 1
    assert rows[0].count("±") == 4, rows[0]
    assert "Research per month of lead: median" in out
    assert "90% interval" in out


def _check_estimate(estimate: dict[str, Any]) -> None:
    assert set(estimate) == {"value", "se"}, estimate
    assert math.isfinite(estimate["value"]), estimate
    assert math.isfinite(estimate["se"]), estimate
    assert estimate["se"] >= 0, estimate


def test_uncertain_run_json_summary(json_ok: JsonOk) -> None:
    threshold = 1e5
    args = ("run", "--set", WIDE_STOCK, "--samples", "20000")
    data = json_ok(*args, "--above", f"static.ai_researchers={threshold:g}")
    assert data["seed"] == DEFAULT_SEED
    assert data["samples"] == 20_000
    assert data["notes"] == []
    summary = _by_name(data["summary"])
    outputs = {name for name, row in summary.items() if row["kind"] == "output"}
    assert {"static.ai_researchers", "static.research_per_month", "static.labor"} <= outputs
    assert {name for name, row in summary.items() if row["kind"] == "input"} == {"compute.stock"}
    for name, row in summary.items():
        _check_estimate(row["mean"])
        assert set(row["percentiles"]) == {"p5", "p50", "p95"}, name
        for estimate in row["percentiles"].values():
            _check_estimate(estimate)
        p5, p50, p95 = (row["percentiles"][p]["value"] for p in ("p5", "p50", "p95"))
        assert p5 <= p50 <= p95, name
        assert row["above"] == [] or name == "static.ai_researchers"
    # a varying output has positive standard errors
    researchers = summary["static.ai_researchers"]
    assert researchers["mean"]["se"] > 0
    assert all(e["se"] > 0 for e in researchers["percentiles"].values())
    (above,) = researchers["above"]
    assert above["threshold"] == pytest.approx(threshold)
    probability = above["probability"]
    _check_estimate(probability)
    assert 0 <= probability["value"] <= 1
    assert 0 < probability["se"] <= 1
    # researchers grow as sqrt(stock): P(researchers > t) = P(stock > stock_at_t), with
    # ln(stock) normal (90% interval [ln 1e21, ln 1e23])
    stock_at_t = ESSAY_STOCK * (threshold / ESSAY_RESEARCHERS) ** 2
    sigma = math.log(100) / (2 * NormalDist().inv_cdf(0.95))
    exact = 1 - NormalDist(math.log(1e22), sigma).cdf(math.log(stock_at_t))
    assert abs(probability["value"] - exact) < 5 * probability["se"] + 1e-3

    # another seed is recorded, and gives other draws
    seven = json_ok(*args, "--seed", "7")
    assert seven["seed"] == 7
    assert seven["samples"] == 20_000
    mean = _by_name(seven["summary"])["static.ai_researchers"]["mean"]
    assert mean["value"] != researchers["mean"]["value"]
    assert mean["value"] == pytest.approx(researchers["mean"]["value"], rel=0.05)


def test_too_few_samples_for_a_percentile_warn(cli: Cli, strict_json: StrictJson) -> None:
    args = ("run", "--set", WIDE_STOCK, "--percentiles", "1,50,99", "--samples", "500")
    table = _ok(cli(*args))
    assert "p1" in table.stdout
    assert "p99" in table.stdout
    warnings = table.stderr.splitlines()
    assert len(warnings) == 2, table.stderr
    assert all(line.startswith("warning: ") for line in warnings), table.stderr
    for line, q in zip(warnings, ("p1", "p99"), strict=True):
        _assert_names(
            line, (f"warning: {q} ", "fewer than 10", "unreliable", "use 1,000 samples or more")
        )
    data = strict_json(_ok(cli(*args, "--format", "json")).stdout)
    assert data["notes"] == [line.removeprefix("warning: ") for line in warnings]


def test_one_sample_with_above_gives_valid_json(cli: Cli, strict_json: StrictJson) -> None:
    # one sample has no Monte Carlo error to estimate; the JSON must still be standard JSON
    # (no NaN), whatever stands for the missing standard errors
    result = _ok(
        cli(
            "run",
            "--samples",
            "1",
            "--above",
            "static.ai_researchers=1e5",
            "--format",
            "json",
        )
    )
    data = strict_json(result.stdout)
    assert data["samples"] == 1
    researchers = _by_name(data["summary"])["static.ai_researchers"]
    assert researchers["mean"]["value"] == pytest.approx(ESSAY_RESEARCHERS, rel=1e-4)
    # undefined with one sample: null, never NaN
    assert researchers["mean"]["se"] is None
    (above,) = researchers["above"]
    assert above["probability"]["value"] == 0


# ---------------------------------------------------------------------------------------------
# bit-for-bit invariance to --chunk-size and --workers

_UNCERTAIN_FILE = """\
schema = 1
description = "Several uncertain inputs: a range, a truncated mixture, a truncated normal."

[compute]
stock = "2e21 to 8e21 FLOP/s"

[compute.utilization]
dist = "mixture"
components = ["0.2 to 0.4", "0.4 to 0.6"]
weights = [0.3, 0.7]
max = 1

[labor]
serial_speed = {dist = "normal", mean = "50 token/s", sd = "20 token/s", min = "5 token/s"}
serial_tokens_per_researcher_second = "20 to 200 token/researcher_second"
"""
_INVARIANCE_SAMPLES = "150000"


@pytest.fixture
def uncertain_file(tmp_path: Path) -> str:
    (tmp_path / "uncertain.toml").write_text(_UNCERTAIN_FILE, encoding="utf-8")
    return "uncertain.toml"


def test_same_seed_gives_identical_json_whatever_chunks_and_workers(
    cli: Cli, strict_json: StrictJson, uncertain_file: str
) -> None:
    def run(chunk_size: int, workers: int) -> dict[str, Any]:
        result = _ok(
            cli(
                "run",
                uncertain_file,
                "--samples",
                _INVARIANCE_SAMPLES,
                "--seed",
                "11",
                "--chunk-size",
                str(chunk_size),
                "--workers",
                str(workers),
                "--above",
                "static.ai_researchers=4e4",
                "--format",
                "json",
            )
        )
        data: dict[str, Any] = strict_json(result.stdout)
        assert data["chunk_size"] == chunk_size
        assert data["workers"] == workers
        return data

    # (chunk size, workers): the first is the reference; the runs are independent processes
    configs = [(65536, 1), (1000, 1), (100003, 1), (65536, 2)]
    with ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        reference, *others = pool.map(lambda config: run(*config), configs)
    assert reference["samples"] == int(_INVARIANCE_SAMPLES)
    assert reference["seed"] == 11
    # σ can exceed τ = 100 here: capped samples are counted the same way in every run
    assert reference["capped_serial_samples"] > 0
    names = {row["name"] for row in reference["summary"] if row["kind"] == "input"}
    assert names == {
        "compute.stock",
        "compute.utilization",
        "labor.serial_tokens_per_researcher_second",
        "labor.serial_speed",
    }
    for config, other in zip(configs[1:], others, strict=True):
        assert other["summary"] == reference["summary"], config
        for key in ("samples", "seed", "inputs", "capped_serial_samples", "notes"):
            assert other[key] == reference[key], (key, config)


# ---------------------------------------------------------------------------------------------
# devloop


def test_devloop_uncertain_latency_percentiles(json_ok: JsonOk) -> None:
    data = json_ok("devloop", "--set", "labor.serial_speed=20 to 100 token/s")
    assert data["samples"] == DEFAULT_SAMPLES
    assert data["seed"] == DEFAULT_SEED
    # the budget (the fleet's R) does not depend on the serial speed: one value
    assert set(data["budget_token_per_s"]) == {"value"}
    assert len(data["cases"]) == 4
    for case in data["cases"]:
        assert set(case["signals_per_day"]) == {"value"}
        latency = case["latency_s"]
        assert set(latency) == {"p5", "p50", "p95"}
        # latency = task · σ / v with σ = 10 token/researcher_second (≤ τ) and v lognormal
        # with 90% interval [20, 100] token/s: its percentiles are task · σ / (100, √2000, 20)
        work = case["task_researcher_second"] * min(10.0, case["tokens_per_researcher_second"])
        assert latency["p5"] == pytest.approx(work / 100, rel=0.03)
        assert latency["p50"] == pytest.approx(work / math.sqrt(2000), rel=0.03)
        assert latency["p95"] == pytest.approx(work / 20, rel=0.03)


def test_devloop_point_latency(json_ok: JsonOk) -> None:
    data = json_ok("devloop")
    assert data["samples"] == 1
    assert data["seed"] == DEFAULT_SEED
    latencies = [case["latency_s"] for case in data["cases"]]
    # task · σ / v = task · 10 / 50 for the tasks of 50 and 1000 researcher-seconds
    assert latencies == [{"value": 10.0}, {"value": 200.0}, {"value": 10.0}, {"value": 200.0}]


def test_keep_reports_only_the_kept(json_ok: JsonOk) -> None:
    data = json_ok(
        "run",
        "--preset",
        "uncertain",
        "--samples",
        "3000",
        "--keep",
        "static.labor",
        "--format",
        "json",
    )
    assert [row["name"] for row in data["summary"]] == ["static.labor"]


def test_correlations_are_reported(json_ok: JsonOk) -> None:
    data = json_ok("run", "--preset", "uncertain", "--samples", "20000", "--format", "json")
    ((pair),) = data["correlations"]
    assert pair["pair"] == [
        "labor.tokens_per_researcher_second",
        "labor.serial_tokens_per_researcher_second",
    ]
    assert pair["target"] == 0.5
    assert abs(pair["achieved"]["value"] - 0.5) < 5 * pair["achieved"]["se"]


def test_one_sample_of_an_uncertain_scenario_is_summarised(json_ok: JsonOk) -> None:
    data = json_ok("run", "--preset", "uncertain", "--samples", "1", "--format", "json")
    assert data["samples"] == 1
    assert "summary" in data
