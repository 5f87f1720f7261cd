"""Recorded runs on the command line: recording, list, show, diff, export, reproduce, delete."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "store" / "runs.sqlite")


def _ok(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    return result


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(_ok(cli, *args, "--format", "json").stdout)


def test_runs_are_recorded_listed_shown_and_deleted(cli: Cli, store: str) -> None:
    first = _ok(cli, "run", "--preset", "uncertain", "-n", "3000", "--store", store)
    assert "recorded" not in first.stderr  # said on a terminal only, not into pipes
    _ok(cli, "race", "--preset", "race", "-n", "2000", "--months", "24", "--store", store)
    _ok(cli, "run", "--no-store")  # not recorded
    listed = _json(cli, "runs", "list", "--store", store)
    assert [(r["id"], r["command"], r["scenario"]) for r in listed] == [
        (2, "race", "race"),
        (1, "run", "uncertain"),
    ]
    assert listed[0]["headline"]["name"] == "race.research"
    shown = _json(cli, "runs", "show", "2", "--store", store)
    assert shown["options"] == {
        "samples": 2000,
        "seed": 2023,
        "months": 24.0,
        "step": "month",
        "keep_trajectories": 1000,
        "chunk_size": 65536,
        "workers": 1,
        "percentiles": [5.0, 50.0, 95.0],
    }
    assert shown["versions"]["alignment-runway"] and shown["versions"]["scipy"]
    assert "[race]" in shown["scenario_text"] and shown["started_at"] <= shown["finished_at"]
    table = _ok(cli, "runs", "show", "1", "--store", store).stdout
    assert "static.research_per_month" in table and "[compute]" in table
    _ok(cli, "runs", "delete", "1", "--store", store)
    assert [r["id"] for r in _json(cli, "runs", "list", "--store", store)] == [2]


def test_diff_shows_the_parameters_and_results_that_differ(cli: Cli, store: str) -> None:
    for lead in ("3 months", "6 months"):
        _ok(cli, "race", "--set", f"race.lead={lead}", "--store", store)
    diff = _json(cli, "runs", "diff", "1", "2", "--store", store)
    assert diff["parameters"] == [{"name": "race.lead", "values": ['"3 months"', '"6 months"']}]
    research = next(r for r in diff["results"] if r["output"] == "race.research")
    before, after = research["p50"]
    assert after == pytest.approx(2 * before, rel=1e-12)
    text = _ok(cli, "runs", "diff", "1", "2", "--store", store).stdout
    equal = diff["equal_parameters"]
    assert "race.lead" in text and f"Parameters that differ; {equal} are equal" in text


def test_labels_end_reasons_as_shares_and_grammar(cli: Cli, store: str) -> None:
    _ok(cli, "race", "--preset", "race", "-n", "2000", "--store", store, "--label", "wide lead")
    _ok(cli, "race", "--preset", "race", "-n", "2000", "--store", store, "--seed", "7")
    listed = _json(cli, "runs", "list", "--store", store)
    assert [row["label"] for row in listed] == [None, "wide lead"]
    table = _ok(cli, "runs", "list", "--store", store).stdout
    assert "│ wide lead " in table and "│ race " in table
    shown = _ok(cli, "runs", "show", "1", "--store", store).stdout
    assert shown.startswith("Run 1 (wide lead): race of race")
    assert "race.end_reason" not in shown and "race.success" not in shown  # no mean of a code
    ended = next(line for line in shown.splitlines() if line.startswith("Window ended by:"))
    assert "catch-up" in ended and "%" in ended
    record = _json(cli, "runs", "show", "1", "--store", store)
    shares = next(r for r in record["summary"] if r["name"] == "race.end_reason")["shares"]
    assert sum(shares.values()) == pytest.approx(1.0) and record["label"] == "wide lead"
    diff = _json(cli, "runs", "diff", "1", "2", "--store", store)
    assert [s["name"] for s in diff["shares"]][:3] == [
        "race.end_reason: catch-up",
        "race.end_reason: theft",
        "race.end_reason: horizon",
    ]
    assert "race.end_reason" not in [r["output"] for r in diff["results"]]
    text = _ok(cli, "runs", "diff", "1", "2", "--store", store).stdout
    assert "Shares (why windows ended; P(success))" in text


def test_diff_counts_equal_parameters_in_good_grammar() -> None:
    from alignment_runway.views.records import DiffView

    assert DiffView((1, 2), (), 1, (), ()).equal_text == "1 is equal"
    assert DiffView((1, 2), (), 3, (), ()).equal_text == "3 are equal"


def test_reproduce_and_export(cli: Cli, store: str, tmp_path: Path) -> None:
    _ok(cli, "race", "--preset", "race", "-n", "1500", "--store", store, "--store-samples")
    same = _ok(cli, "runs", "reproduce", "1", "--store", store)
    assert "identical: run 1" in same.stdout and "bit for bit" in same.stdout
    _ok(cli, "runs", "export", "1", "--store", store, "--out", "scenario.toml")
    again = _ok(cli, "race", "scenario.toml", "-n", "1500", "--store", store, "-f", "json")
    original = _json(cli, "runs", "show", "1", "--store", store)
    rerun = _json(cli, "runs", "show", "2", "--store", store)
    assert rerun["digests"] == original["digests"]  # the exported scenario runs the same
    assert json.loads(again.stdout)["samples"] == 1500
    _ok(cli, "runs", "export", "1", "--store", store, "--out", "samples.parquet")
    assert (tmp_path / "samples.parquet").read_bytes()[:4] == b"PAR1"
    # tamper with the record: reproduce says what differs, exit code 3
    with sqlite3.connect(store) as connection:
        digests = dict(original["digests"], **{"race.window": "0" * 64})
        connection.execute("UPDATE runs SET digests = ? WHERE id = 1", (json.dumps(digests),))
    differs = cli("runs", "reproduce", "1", "--store", store)
    assert differs.returncode == 3
    assert "of 1 output(s) differ: race.window" in differs.stdout
    assert "no recorded version changed" in differs.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("runs", "show", "99"), ("received 99", "list the runs")),
        (("runs", "export", "1", "--out", "x.csv"), ("--out", ".json, .toml or .parquet")),
        (("runs", "list", "--limit", "0"), ("--limit", ">= 1", "0")),
        (("run", "--no-store", "--store", "x.sqlite"), ("--store", "--no-store")),
    ],
)
def test_bad_runs_input(
    cli: Cli, cli_error: CliError, store: str, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    _ok(cli, "run", "--store", store)
    line = cli_error(*args, *(("--store", store) if args[0] == "runs" else ()))
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"


def test_a_corrupt_store_is_one_clear_line(cli_error: CliError, tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("my notes, not a database\n" * 100, encoding="utf-8")
    line = cli_error("run", "--store", str(bad))
    assert "--store" in line and "not one, or is damaged" in line
    assert bad.read_text(encoding="utf-8").startswith("my notes")
    line = cli_error("runs", "list", "--store", str(bad))
    assert "left as it is" in line


def test_options_record_what_was_shown_and_figures_are_checked_first(
    cli: Cli, cli_error: CliError, store: str, tmp_path: Path
) -> None:
    _ok(
        cli,
        "run",
        "--preset",
        "uncertain",
        "-n",
        "2000",
        "--percentiles",
        "10,90",
        "--above",
        "static.ai_researchers=1e5",
        "--store",
        store,
    )
    options = _json(cli, "runs", "show", "1", "--store", store)["options"]
    assert options["percentiles"] == [10.0, 90.0]
    assert options["above"] == ["static.ai_researchers=1e5"]
    (tmp_path / "figs").mkdir()
    (tmp_path / "figs" / "tornado.svg").write_text("mine", encoding="utf-8")
    line = cli_error("run", "--preset", "uncertain", "--figures", "figs", "--store", store)
    assert "--figures" in line and "tornado.svg" in line
    assert len(_json(cli, "runs", "list", "--store", store)) == 1  # refused before running
    line = cli_error("runs", "list", "--store", str(tmp_path / "typo.sqlite"))
    assert "no store" in line and not (tmp_path / "typo.sqlite").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("race", "--step", "day"), ("--step", "'day'", "'month', 'week'")),
        (("sensitivity", "--method", "foo"), ("--method", "'foo'", "'tornado'")),
        (("runs", "show", "abc"), ("ID", "'abc'", "valid int")),
        (("run", "--samples", "abc"), ("--samples", "whole number", "1e5")),
        (("run", "--bogus"), ("No such option: --bogus",)),
    ],
)
def test_parser_errors_are_one_line(
    cli_error: CliError, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    line = cli_error(*args)
    missing = [part for part in expected if part not in line]
    assert not missing, f"{missing} not in {line!r}"
