"""The commands on good input, through ``python -m alignment_runway`` (see conftest.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
JsonOk = Callable[..., Any]

# the keys every figure of ``essay --format json`` carries (it may carry more)
_FIGURE_KEYS = {"key", "stated", "computed", "unit", "ratio", "verdict", "reason"}
# the essay's figures that the unit-consistent model does not reproduce (the 8-hour-month slip)
_DIFFERING = {"researchers", "research_per_month", "researchers_1000x"}


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def _by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["name"]: record for record in records}


def test_run_default_table(cli: Cli) -> None:
    out = _ok(cli("run"))
    assert out.startswith("Scenario: essay\n")
    summary = [line for line in out.splitlines() if "Research per month of lead" in line]
    assert len(summary) == 1
    assert "43,600 AI researchers" in summary[0]
    assert "654,000 researcher-months" in summary[0]


def test_run_json(json_ok: JsonOk) -> None:
    data = json_ok("run")
    assert set(data) == {
        "scenario",
        "description",
        "samples",
        "seed",
        "inputs",
        "outputs",
        "capped_serial_samples",
        "notes",
    }
    assert data["scenario"] == "essay"
    assert data["capped_serial_samples"] == 0
    inputs = _by_name(data["inputs"])
    assert inputs["compute.stock"]["unit"] == "FLOP/s"
    assert inputs["compute.stock"]["value"] == pytest.approx(4e21)
    assert all(record["used"] for record in inputs.values())
    outputs = _by_name(data["outputs"])
    assert {"static.labor", "static.ai_researchers", "static.research_per_month"} <= set(outputs)
    assert outputs["static.ai_researchers"]["value"] == pytest.approx(43_580, rel=1e-3)
    assert outputs["static.human_months_per_month"]["value"] == pytest.approx(15)


def test_run_preset_1000x_marks_the_stock_unused(json_ok: JsonOk) -> None:
    data = json_ok("run", "--preset", "essay-1000x")
    assert data["scenario"] == "essay-1000x"
    inputs = _by_name(data["inputs"])
    assert inputs["compute.stock"]["used"] is False
    assert inputs["compute.training_share"]["used"] is False
    assert inputs["compute.training_compute"]["used"] is True
    assert inputs["compute.training_compute"]["where"].startswith("preset essay-1000x:")


def test_run_preset_1000x_table_marks_the_stock_unused(cli: Cli) -> None:
    out = _ok(cli("run", "--preset", "essay-1000x"))
    stock = [line for line in out.splitlines() if "compute.stock" in line]
    assert len(stock) == 1
    assert "(unused: training_compute is set)" in stock[0]


def test_run_file_with_set_override(tmp_path: Path, json_ok: JsonOk) -> None:
    (tmp_path / "scenario.toml").write_text(
        'schema = 1\n[labor]\ntokens_per_researcher_second = "100 token/researcher_second"\n',
        encoding="utf-8",
    )
    base = json_ok("run", "scenario.toml")
    doubled = json_ok(
        "run",
        "scenario.toml",
        "--set",
        "labor.tokens_per_researcher_second=200 token/researcher_second",
    )
    tau = _by_name(doubled["inputs"])["labor.tokens_per_researcher_second"]
    assert tau["value"] == pytest.approx(200)
    assert tau["where"] == "setting"
    assert _by_name(base["inputs"])["labor.tokens_per_researcher_second"]["where"] == (
        "scenario.toml:3"
    )
    labor = _by_name(base["outputs"])["static.labor"]["value"]
    assert _by_name(doubled["outputs"])["static.labor"]["value"] == pytest.approx(labor / 2)


def test_essay_json(json_ok: JsonOk) -> None:
    figures = json_ok("essay")["figures"]
    assert len(figures) == 20
    for figure in figures:
        assert set(figure) >= _FIGURE_KEYS, figure
        assert figure["verdict"] in ("agrees", "differs")
    keys = [figure["key"] for figure in figures]
    assert len(set(keys)) == len(keys)
    assert {f["key"] for f in figures if f["verdict"] == "differs"} == _DIFFERING


def test_essay_table(cli: Cli) -> None:
    out = _ok(cli("essay"))
    assert "DIFFERS" in out
    assert "17 of 20 figures agree within 10%; 3 differ." in out


def test_devloop_json(json_ok: JsonOk) -> None:
    data = json_ok("devloop")
    assert data["budget_is_fleet"] is True
    cases = data["cases"]
    assert len(cases) == 4
    assert [case["tokens_per_signal"] for case in cases] == pytest.approx([500, 1e4, 5e4, 1e6])


def test_devloop_tau_option(json_ok: JsonOk) -> None:
    cases = json_ok("devloop", "--tau", "100")["cases"]
    assert [case["tokens_per_researcher_second"] for case in cases] == [100, 100]
    assert [case["tokens_per_signal"] for case in cases] == pytest.approx([5e3, 1e5])


def test_presets_json(json_ok: JsonOk) -> None:
    rows = _by_name(json_ok("presets"))
    assert {"essay", "essay-1000x"} <= set(rows)
    assert all(row["description"] for row in rows.values())


def test_explain_parameter_json(json_ok: JsonOk) -> None:
    record = json_ok("explain", "compute.stock")
    assert record["name"] == "compute.stock"
    assert record["unit"] == "FLOP/s"
    assert record["default"] == "4e21 FLOP/s"
    assert isinstance(record["source"], str)
    assert record["source"].strip()


def test_explain_output(cli: Cli, json_ok: JsonOk) -> None:
    out = _ok(cli("explain", "static.labor"))
    assert "static.labor" in out
    assert "researcher_second/s" in out
    record = json_ok("explain", "static.labor")
    assert record["unit"] == "researcher_second/s"
    assert record["stage"] == "B"


def test_explain_without_a_name_lists_every_parameter(cli: Cli, json_ok: JsonOk) -> None:
    from alignment_runway.scenarios import PARAMETERS

    records = json_ok("explain")
    assert [r["name"] for r in records] == list(PARAMETERS)
    assert all(r["section"] == r["name"].split(".")[0] and r["meaning"] for r in records)
    unset = [r for r in records if r["default"] is None]
    assert "compute.training_compute" in {r["name"] for r in unset}  # unset ones listed too
    out = _ok(cli("explain"))
    rows = [line for line in out.splitlines() if line.startswith("│ ") and line[2] != " "]
    assert len(rows) == len(PARAMETERS)
    stock = next(line for line in rows if "│ stock " in line)
    assert "compute" in stock and "FLOP/s" in stock and "4e21 FLOP/s" in stock
    assert "peak compute" in stock
    compute = next(line for line in rows if "│ training_compute " in line)
    assert "unset" in compute


def test_validate_file(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "scenario.toml").write_text(
        'schema = 1\n[compute]\nstock = "8e21 FLOP/s"\n', encoding="utf-8"
    )
    out = _ok(cli("validate", "scenario.toml"))
    assert out.startswith("valid: scenario.toml")
    assert "compute.stock" in out


def test_validate_file_json(tmp_path: Path, json_ok: JsonOk) -> None:
    (tmp_path / "scenario.toml").write_text(
        'schema = 1\n[compute]\nstock = "8e21 FLOP/s"\n', encoding="utf-8"
    )
    data = json_ok("validate", "scenario.toml")
    assert data["valid"] is True
    assert data["sets"] == ["compute.stock"]


@pytest.mark.parametrize("extends", ["essay", "essay-1000x"])
def test_validate_json_names_the_preset_the_file_extends(
    tmp_path: Path, json_ok: JsonOk, extends: str
) -> None:
    (tmp_path / "scenario.toml").write_text(
        f'schema = 1\nextends = "{extends}"\n', encoding="utf-8"
    )
    assert json_ok("validate", "scenario.toml")["starts_from"] == extends


def test_version(cli: Cli) -> None:
    out = _ok(cli("--version"))
    assert out == f"alignment-runway {metadata.version('alignment-runway')}\n"


@pytest.mark.parametrize("command", ["run", "essay", "devloop", "validate", "presets", "explain"])
def test_command_help(cli: Cli, command: str) -> None:
    out = _ok(cli(command, "--help"))
    assert f"alignment_runway {command} [OPTIONS]" in out


def test_top_level_help_lists_the_commands(cli: Cli) -> None:
    out = _ok(cli("--help"))
    for command in ("run", "essay", "devloop", "validate", "presets", "explain"):
        assert f"\n  {command} " in out


def test_headline_with_other_working_hours_stays_an_equation(cli: Cli) -> None:
    out = _ok(cli("run", "--set", "labor.working_hours_per_day=6 working_hour/day"))
    text = " ".join(out.split())
    # 43,600 researchers x 20 months of 180 h = 872,000 such months = 654,000 of 240 h
    assert "each working 20 months of a human's 6-hour days (872,000 months of 180 h)" in text
    assert "= 654,000 researcher-months" in text


def test_validate_lists_set_overrides(tmp_path: Path, json_ok: JsonOk) -> None:
    (tmp_path / "scenario.toml").write_text(
        "schema = 1\n[compute]\nutilization = 0.4\n", encoding="utf-8"
    )
    data = json_ok("validate", "scenario.toml", "--set", "compute.stock=9e21 FLOP/s")
    assert data["sets"] == ["compute.stock", "compute.utilization"]


def test_counts_accept_scientific_notation(json_ok: JsonOk, tmp_path: Path) -> None:
    from alignment_runway.cli.common import count

    assert (count("1e6"), count("2.5e3"), count("1_000"), count("12")) == (10**6, 2500, 1000, 12)
    data = json_ok("race", "--preset", "race", "-n", "2e3", "--keep-trajectories", "1e2")
    assert data["samples"] == 2000 and data["research_by_month"]["trajectories"] == 100
    assert json_ok("sensitivity", "--preset", "uncertain", "--method", "rank", "-n", "1e3")
    store = tmp_path / "r.sqlite"
    for _ in range(2):
        json_ok("run", "--store", store)
    assert len(json_ok("runs", "list", "--limit", "1e0", "--store", store)) == 1
