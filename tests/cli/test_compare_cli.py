"""``compare`` from the command line: table, JSON, figure, per-side settings, bad input."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
JsonOk = Callable[..., Any]

_LEAD = "2:race.lead=2 to 6 months"


def test_compare_json_pairs_every_side_with_the_baseline(json_ok: JsonOk, tmp_path: Path) -> None:
    file = tmp_path / "shorter.toml"
    file.write_text('schema = 1\nextends = "race"\n[race]\nlead = "3 months"\n', encoding="utf-8")
    doc = json_ok(
        "compare", "preset:race", "preset:race", "shorter.toml", "-n", "2000", "--set", _LEAD
    )
    assert [s["label"] for s in doc["sides"]] == ["A", "B", "C"]
    assert doc["sides"][2]["source"] == "shorter.toml"
    research = doc["outputs"][0]
    assert research["name"] == "race.research" and research["unit"] == "researcher_year"
    assert [row["side"] for row in research["against_baseline"]] == ["B", "C"]
    for row in research["against_baseline"]:
        shares = row["p_greater"]["value"] + row["p_equal"]["value"]
        assert 0.0 <= shares <= 1.0
        assert row["ratio"]["samples"] + row["zero_baseline"] + row["not_finite"] >= 2000 - 1
    assert {d["input"] for d in doc["drawn_differently"]} == {"race.lead"}


def test_compare_table_and_figure(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "compare",
        "preset:uncertain",
        "preset:uncertain",
        "-o",
        "static.research_per_month",
        "-n",
        "2000",
        "--set",
        "2:compute.stock=8e21 FLOP/s",
        "--figure",
        "ratio.svg",
    )
    assert result.returncode == 0, result.stderr
    assert "static.research_per_month" in result.stdout and "baseline" in result.stdout
    assert "Inputs drawn differently" in result.stdout
    svg = (tmp_path / "ratio.svg").read_text(encoding="utf-8")
    assert "ratio to the baseline" in svg


def test_compare_bad_input(cli_error: CliError) -> None:
    line = cli_error("compare", "preset:essay")
    assert "2 to 10 scenarios" in line and "1 scenario" in line
    line = cli_error("compare", "preset:essay", "preset:essay", "--set", "3:compute.stock=1 FLOP/s")
    assert "--set" in line and "a side number from 1 to 2" in line
    line = cli_error("compare", "preset:essay", "preset:essay", "-o", "race.end_reason")
    assert "--output" in line and "a numeric output" in line
    line = cli_error("compare", "preset:essay", "preset:essay", "--force")
    assert "--force" in line and "--figure" in line


def test_compare_report_is_self_contained(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "compare",
        "preset:race",
        "preset:race",
        "-n",
        "1000",
        "--set",
        _LEAD,
        "--report",
        "compare.html",
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "compare.html").read_text(encoding="utf-8")
    for anchor in ("comparison", "drawn-differently", "scenario-A", "scenario-B"):
        assert f'id="{anchor}"' in text
    assert "<svg" in text and "<script" not in text and "http" not in text.split("<svg")[0]
    again = cli("compare", "preset:race", "preset:race", "-n", "10", "--report", "compare.html")
    assert again.returncode == 2 and "--report" in again.stderr
