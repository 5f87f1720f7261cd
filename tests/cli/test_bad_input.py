"""Bad input on the command line: one ``error:`` line naming what is wrong, exit code 2.

Every case goes through ``python -m alignment_runway`` in a subprocess (see conftest.py); the
``cli_error`` fixture checks the shared contract (exit code 2, empty stdout, exactly one
non-empty stderr line starting with ``error: ``, no traceback) and returns that line, on which
each test checks that the parameter or file, what was expected and what was received are named.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _assert_names(line: str, expected: tuple[str, ...]) -> None:
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"


# (TOML text of bad.toml, the substrings its error line must contain)
_BAD_FILES = {
    "unknown-parameter": (
        'schema = 1\n[compute]\nstok = "4e21 FLOP/s"\n',
        (
            "error: bad.toml:3: ",
            "unknown parameter 'compute.stok'",
            "did you mean",
            "compute.stock",
        ),
    ),
    "parameter-in-wrong-section": (
        'schema = 1\n[compute]\nserial_speed = "50 token/s"\n',
        (
            "error: bad.toml:3: ",
            "unknown parameter 'compute.serial_speed'",
            "did you mean labor.serial_speed",
        ),
    ),
    "unknown-section": (
        'schema = 1\n[comput]\nstock = "4e21 FLOP/s"\n',
        ("error: bad.toml:2: ", "unknown section 'comput'", "did you mean 'compute'"),
    ),
    "compute-where-compute-rate-expected": (
        'schema = 1\n[compute]\nstock = "4e21 FLOP"\n',
        (
            "error: bad.toml:3: ",
            "compute.stock",
            "expected compute per calendar time (FLOP/s)",
            "received '4e21 FLOP'",
            "compute (FLOP)",
        ),
    ),
    "working-time-where-calendar-time-expected": (
        'schema = 1\n[compute]\ntraining_duration = "1 researcher_year"\n',
        (
            "error: bad.toml:3: ",
            "compute.training_duration",
            "expected calendar time",
            "received '1 researcher_year'",
            "working time",
        ),
    ),
    "calendar-rate-collapses-to-plain-number": (
        'schema = 1\n[labor]\nworking_hours_per_day = "8 hours/day"\n',
        (
            "error: bad.toml:3: ",
            "labor.working_hours_per_day",
            "working_hour/day",
            "received '8 hours/day'",
            "a plain number",
        ),
    ),
    "unknown-unit": (
        'schema = 1\n[compute]\nstock = "4e21 FLOPS"\n',
        (
            "error: bad.toml:3: ",
            "compute.stock",
            "'4e21 FLOP/s'",
            "unknown unit 'FLOPS'",
            "did you mean FLOP",
        ),
    ),
    "bare-number-for-dimensional-parameter": (
        "schema = 1\n[compute]\nstock = 4e21\n",
        (
            "error: bad.toml:3: ",
            "compute.stock",
            "expected a quantity with a unit",
            "'4e21 FLOP/s'",
            "4e+21 (no unit)",
        ),
    ),
    "zero-where-positive-expected": (
        'schema = 1\n[compute]\nstock = "0 FLOP/s"\n',
        (
            "error: bad.toml:3: ",
            "compute.stock",
            "expected a value in (0, inf) FLOP/s",
            "received 0 FLOP/s",
        ),
    ),
    "negative-where-positive-expected": (
        'schema = 1\n[compute]\nstock = "-1 FLOP/s"\n',
        (
            "error: bad.toml:3: ",
            "compute.stock",
            "expected a value in (0, inf) FLOP/s",
            "received -1 FLOP/s",
        ),
    ),
    "share-above-one": (
        "schema = 1\n[compute]\nutilization = 1.5\n",
        (
            "error: bad.toml:3: ",
            "compute.utilization",
            "expected a value in (0, 1]",
            "received 1.5",
        ),
    ),
    "malformed-toml": (
        'schema = 1\n[compute]\nstock = "4e21 FLOP/s\n',
        ("error: bad.toml: ", "invalid TOML", "line 3", "column"),
    ),
    "missing-schema": (
        '[compute]\nstock = "4e21 FLOP/s"\n',
        ("error: bad.toml", "missing", "schema = 1"),
    ),
    "newer-schema": (
        "schema = 2\n",
        ("error: bad.toml:1: ", "schema 2", "schema 1", "upgrade"),
    ),
    "unknown-extends": (
        'schema = 1\nextends = "esay"\n',
        ("error: bad.toml", "extends", "unknown preset 'esay'", "did you mean 'essay'"),
    ),
    "training-compute-with-stock-in-one-file": (
        'schema = 1\n[compute]\nstock = "4e21 FLOP/s"\ntraining_compute = "1e28 FLOP"\n',
        (
            "error: bad.toml:3: ",
            "compute.stock conflicts with compute.training_compute",
            "bad.toml:4",
        ),
    ),
}


@pytest.mark.parametrize(("text", "expected"), list(_BAD_FILES.values()), ids=list(_BAD_FILES))
def test_bad_scenario_file(
    tmp_path: Path, cli_error: CliError, text: str, expected: tuple[str, ...]
) -> None:
    _write(tmp_path, text)
    _assert_names(cli_error("run", "bad.toml"), expected)


@pytest.mark.parametrize("command", ["validate", "devloop"])
@pytest.mark.parametrize("name", ["unknown-parameter", "working-time-where-calendar-time-expected"])
def test_other_commands_report_a_bad_file_as_run_does(
    tmp_path: Path, cli_error: CliError, command: str, name: str
) -> None:
    text, expected = _BAD_FILES[name]
    _write(tmp_path, text)
    _assert_names(cli_error(command, "bad.toml"), expected)


def test_missing_file(cli_error: CliError) -> None:
    _assert_names(cli_error("run", "missing.toml"), ("'missing.toml'", "not found"))


def test_directory_given_as_file(tmp_path: Path, cli_error: CliError) -> None:
    (tmp_path / "scenarios").mkdir()
    _assert_names(cli_error("run", "scenarios"), ("'scenarios'", "is a directory", "not a file"))


def test_unknown_preset(cli_error: CliError) -> None:
    line = cli_error("run", "--preset", "esay")
    _assert_names(line, ("unknown preset 'esay'", "did you mean 'essay'?", "essay-1000x"))


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        pytest.param(
            "compute.stock",
            ("settings", "NAME=VALUE", "received 'compute.stock'"),
            id="no-equals-sign",
        ),
        pytest.param(
            "=4e21 FLOP/s", ("settings", "NAME=VALUE", "received '=4e21 FLOP/s'"), id="no-name"
        ),
        pytest.param(
            "compute.stok=4e21 FLOP/s",
            ("settings: unknown parameter 'compute.stok'", "did you mean compute.stock"),
            id="unknown-name",
        ),
        pytest.param(
            "stock=4e21 FLOP/s",
            ("settings: unknown parameter 'stock'", "did you mean compute.stock"),
            id="name-without-section",
        ),
        pytest.param(
            "compute.stock=4e21 FLOP",
            ("setting: compute.stock", "FLOP/s", "received '4e21 FLOP'"),
            id="value-of-wrong-dimension",
        ),
        pytest.param(
            "compute.stock=4e21 FLOPS",
            ("setting: compute.stock", "unknown unit 'FLOPS'", "did you mean FLOP"),
            id="value-with-unknown-unit",
        ),
        pytest.param(
            "compute.utilization=2",
            ("setting: compute.utilization", "expected a value in (0, 1]", "received 2"),
            id="value-out-of-bounds",
        ),
    ],
)
def test_bad_set(cli_error: CliError, assignment: str, expected: tuple[str, ...]) -> None:
    _assert_names(cli_error("run", "--set", assignment), expected)


def test_set_conflicting_with_the_presets_training_compute(cli_error: CliError) -> None:
    line = cli_error("run", "--preset", "essay-1000x", "--set", "compute.stock=8e21 FLOP/s")
    _assert_names(
        line,
        (
            "setting: compute.stock",
            "compute.stock conflicts with compute.training_compute",
            "preset essay-1000x",
        ),
    )


def test_training_compute_alone_over_an_extended_preset_is_fine(
    tmp_path: Path, json_ok: JsonOk
) -> None:
    _write(
        tmp_path,
        'schema = 1\nextends = "essay"\n[compute]\ntraining_compute = "1e28 FLOP"\n',
        name="derived.toml",
    )
    inputs = {record["name"]: record for record in json_ok("run", "derived.toml")["inputs"]}
    assert inputs["compute.training_compute"]["as_written"] == "1e28 FLOP"
    assert inputs["compute.training_compute"]["where"] == "derived.toml:4"
    assert inputs["compute.stock"]["used"] is False


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("compute.stok", "compute.stock"), ("static.labr", "static.labor")],
)
def test_explain_unknown_name(cli_error: CliError, name: str, suggestion: str) -> None:
    _assert_names(
        cli_error("explain", name),
        (f"expected a parameter or an output; received {name!r}", "did you mean", suggestion),
    )


@pytest.mark.parametrize(
    "tau",
    [
        "0",
        "-1",
        "nan",
        "inf",
    ],
)
def test_devloop_non_positive_or_non_finite_tau(cli_error: CliError, tau: str) -> None:
    _assert_names(cli_error("devloop", "--tau", tau), ("--tau", "expected", f"received {tau}"))


def test_file_and_preset_together(tmp_path: Path, cli_error: CliError) -> None:
    _write(tmp_path, "schema = 1\n", name="scenario.toml")
    line = cli_error("run", "scenario.toml", "--preset", "essay")
    _assert_names(line, ("scenario file", "--preset", "not both"))


def test_file_and_preset_together_names_what_was_received(
    tmp_path: Path, cli_error: CliError
) -> None:
    _write(tmp_path, "schema = 1\n", name="scenario.toml")
    line = cli_error("run", "scenario.toml", "--preset", "essay-1000x")
    _assert_names(line, ("scenario.toml", "essay-1000x"))


def test_overflowing_values_give_an_error_or_valid_json(
    cli: Cli, strict_json: Callable[[str], Any]
) -> None:
    result = cli(
        "run",
        "--format",
        "json",
        "--set",
        "compute.stock=1e300 FLOP/s",
        "--set",
        "compute.training_duration=1e300 year",
    )
    assert "Traceback" not in result.stderr
    assert "Warning" not in result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith("error: ")
        assert len(result.stderr.splitlines()) == 1
    else:
        assert result.returncode == 0
        strict_json(result.stdout)


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        pytest.param(
            "compute.stock=9**9**9 FLOP/s",
            ("compute.stock", "received '9**9**9 FLOP/s'", "a power that is not a whole number"),
            id="power-tower",
        ),
        pytest.param(
            "compute.stock=" + "1" * 16_000 + " FLOP/s",
            ("compute.stock", "at most 200 characters", "(16,007 characters)"),
            id="long-text",
        ),
        pytest.param(
            "compute.utilization=40%%",
            ("compute.utilization", "a percentage such as '40%'", "received '40%%'"),
            id="two-percent-signs",
        ),
    ],
)
def test_set_values_that_could_run_away_or_mislead(
    cli_error: CliError, assignment: str, expected: tuple[str, ...]
) -> None:
    _assert_names(cli_error("run", "--set", assignment), expected)


def test_deeply_nested_toml_is_an_error_not_a_crash(tmp_path: Path, cli_error: CliError) -> None:
    _write(tmp_path, "schema = 1\n[compute]\nstock = " + "[" * 1000 + "]" * 1000 + "\n")
    _assert_names(cli_error("validate", "bad.toml"), ("bad.toml", "nested more than 16 deep"))


def test_a_file_larger_than_the_cap_is_an_error(tmp_path: Path, cli_error: CliError) -> None:
    _write(tmp_path, "schema = 1\n" + " " * (2 << 20))
    _assert_names(cli_error("validate", "bad.toml"), ("'bad.toml'", "larger than 1,048,576"))


@pytest.mark.parametrize("preset", ["../scenarios/presets/essay", "essay.toml", "sub/essay"])
def test_a_preset_is_a_name_not_a_path(cli_error: CliError, preset: str) -> None:
    _assert_names(
        cli_error("run", "--preset", preset), (f"unknown preset {preset!r}", "never by a path")
    )


@pytest.mark.parametrize("value", ["1.5", "1e-3", "abc", "inf"])
@pytest.mark.parametrize(
    "args", [("run", "--samples"), ("race", "--keep-trajectories"), ("runs", "list", "--limit")]
)
def test_counts_that_are_not_whole_numbers_are_refused(
    cli_error: CliError, args: tuple[str, ...], value: str
) -> None:
    line = cli_error(*args, value)
    assert args[-1] in line and "whole number" in line and repr(value) in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("--no-store", "--label", "x"), "--store"), (("--label", " "), "1 to 200 characters")],
)
def test_a_bad_label_is_refused(cli_error: CliError, args: tuple[str, ...], expected: str) -> None:
    line = cli_error("race", *args)
    assert "--label" in line and expected in line
