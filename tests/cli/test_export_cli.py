"""``run --out FILE [--what samples|summary] [--force]`` through ``python -m alignment_runway``.

- the file holds what the API computes for the same scenario, seed and sample count, bit for
  bit, with its metadata; ``wrote FILE (N rows)`` is the last line on standard error and never
  on standard output (so ``--format json`` stays valid JSON);
- misuse (a bad extension, a missing directory, an existing file, --what or --force without
  --out) follows the one-line ``error:`` contract (conftest.py) and writes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from alignment_runway import __version__, api

Cli = Callable[..., subprocess.CompletedProcess[str]]
CliError = Callable[..., str]
StrictJson = Callable[[str], Any]

#: The seed used when --seed is not given.
DEFAULT_SEED = 2023
UNCERTAIN = ("run", "--preset", "uncertain", "--samples", "5000")


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_samples_to_parquet_end_to_end(cli: Cli, tmp_path: Path) -> None:
    # --canonical-units: the arrays exactly as the model computed them (display: test below)
    result = cli(*UNCERTAIN, "--out", "x.parquet", "--what", "samples", "--canonical-units")
    out = _ok(result)
    assert result.stderr.splitlines()[-1] == "wrote x.parquet (5,000 rows)"
    assert "wrote" not in out
    assert "Research per month of lead: median" in out  # the normal output is still there

    path = tmp_path / "x.parquet"
    frame = pd.read_parquet(path)
    expected = api.run(api.load_scenario(preset="uncertain"), 5000, DEFAULT_SEED)
    assert list(frame.columns) == [*expected.outputs, *expected.uncertain_inputs]
    assert len(frame) == 5000
    for name in frame.columns:
        assert np.array_equal(frame[name].to_numpy(), expected.values[name]), name

    schema = pq.read_schema(path)
    assert schema.metadata is not None
    meta = json.loads(schema.metadata[b"alignment_runway"])
    assert meta["seed"] == DEFAULT_SEED
    assert meta["samples"] == 5000
    assert meta["scenario"] == "uncertain"
    assert meta["version"] == __version__
    assert meta["units"]["compute.stock"] == "FLOP/s"
    assert meta["units"]["static.research_per_month"] == "researcher_second/s"
    assert meta["unit_system"] == "canonical"
    unit = schema.field("compute.training_duration").metadata
    assert unit is not None
    assert unit[b"unit"] == b"second"
    assert os.listdir(tmp_path) == ["x.parquet"]


def test_summary_is_the_default_and_json_stdout_stays_clean(
    cli: Cli, tmp_path: Path, strict_json: StrictJson
) -> None:
    result = cli(
        *UNCERTAIN,
        "--seed",
        "5",
        "--above",
        "static.ai_researchers=1e5",
        "--percentiles",
        "10,90",
        "--format",
        "json",
        "--out",
        "s.csv",
    )
    data = strict_json(_ok(result))  # stdout is only the JSON document
    assert result.stderr.splitlines()[-1] == f"wrote s.csv ({len(data['summary'])} rows)"

    frame = pd.read_csv(tmp_path / "s.csv", comment="#", index_col="output")
    assert list(frame.index) == [row["name"] for row in data["summary"]]
    assert list(frame.columns) == [
        "unit",
        "mean",
        "mean_se",
        "p10",
        "p10_se",
        "p90",
        "p90_se",
        "P(>100000)",
        "P(>100000)_se",
    ]
    researchers = {row["name"]: row for row in data["summary"]}["static.ai_researchers"]
    assert frame.loc["static.ai_researchers", "mean"] == researchers["mean"]["value"]
    assert (
        frame.loc["static.ai_researchers", "P(>100000)"]
        == researchers["above"][0]["probability"]["value"]
    )
    header = [
        line for line in (tmp_path / "s.csv").read_text("utf-8").splitlines() if line[0] == "#"
    ]
    meta = {k[2:]: json.loads(v) for k, _, v in (line.partition(": ") for line in header)}
    assert meta["seed"] == 5
    assert meta["samples"] == 5000
    assert meta["what"] == "summary"
    assert meta["percentiles"] == [10.0, 90.0]
    assert meta["above"] == {"static.ai_researchers": 1e5}


@pytest.mark.parametrize("suffix", [".nc", ".json"])
def test_kept_samples_to_other_formats(cli: Cli, tmp_path: Path, suffix: str) -> None:
    name = f"k{suffix}"
    result = cli(
        *UNCERTAIN, "--keep", "static.research_per_month", "--what", "samples", "--out", name
    )
    _ok(result)
    assert result.stderr.splitlines()[-1] == f"wrote {name} (5,000 rows)"
    expected = api.run(
        api.load_scenario(preset="uncertain"),
        5000,
        DEFAULT_SEED,
        keep=["static.research_per_month"],
    ).values["static.research_per_month"] * (30 * 86400 / (240 * 3600))  # researcher-months/month
    if suffix == ".json":
        document = json.loads((tmp_path / name).read_text("utf-8"))
        assert list(document["data"]) == ["static.research_per_month"]
        got = np.array(document["data"]["static.research_per_month"])
    else:
        import xarray as xr

        with xr.open_dataset(tmp_path / name, engine="h5netcdf") as ds:
            assert list(ds.data_vars) == ["static.research_per_month"]
            assert ds.attrs["seed"] == DEFAULT_SEED
            assert ds["static.research_per_month"].attrs["units"] == "researcher_month/month"
            got = ds["static.research_per_month"].values
    assert np.allclose(got, expected, rtol=1e-15, atol=0)


def test_exports_are_in_the_units_the_screen_shows(
    cli: Cli, tmp_path: Path, strict_json: StrictJson
) -> None:
    data = strict_json(_ok(cli(*UNCERTAIN, "--format", "json", "--out", "s.json")))
    document = json.loads((tmp_path / "s.json").read_text("utf-8"))
    assert document["metadata"]["unit_system"] == "display"
    shown = {row["name"]: row for row in data["summary"]}["static.research_per_month"]
    column = document["data"]["output"].index("static.research_per_month")
    assert document["data"]["unit"][column] == shown["unit"] == "researcher_month/month"
    assert document["data"]["mean"][column] == shown["mean"]["value"]
    assert cli(*UNCERTAIN, "--canonical-units").returncode == 2  # only with --out


def test_point_run_exports_one_sample(cli: Cli, tmp_path: Path) -> None:
    result = cli("run", "--out", "p.json", "--what", "samples")
    _ok(result)
    assert result.stderr == "wrote p.json (1 row)\n"
    document = json.loads((tmp_path / "p.json").read_text("utf-8"))
    assert document["metadata"]["scenario"] == "essay"
    assert document["metadata"]["samples"] == 1
    assert round(document["data"]["static.ai_researchers"][0]) == 43_619


def test_force_overwrites(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("old\n", encoding="utf-8")
    result = cli(*UNCERTAIN, "--out", "x.csv", "--force")
    _ok(result)
    frame = pd.read_csv(tmp_path / "x.csv", comment="#", index_col="output")
    assert "static.research_per_month" in frame.index
    assert os.listdir(tmp_path) == ["x.csv"]


def test_existing_file_is_refused(cli_error: CliError, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("old\n", encoding="utf-8")
    line = cli_error(*UNCERTAIN, "--out", "x.csv")
    assert line == (
        "error: --out: expected a new file (or --force to overwrite); received 'x.csv', "
        "which already exists"
    )
    assert (tmp_path / "x.csv").read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["x.csv"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--out", "x.xlsx"),
            "error: --out: expected a file ending in .csv, .parquet, .nc or .json; "
            "received 'x.xlsx'",
        ),
        (
            ("--out", "nowhere/x.csv"),
            "error: --out: expected a file in an existing directory; received 'nowhere/x.csv', "
            "whose directory 'nowhere' does not exist",
        ),
        (
            ("--what", "samples"),
            "error: --what: expected --out FILE with it; received no --out",
        ),
        (
            ("--force",),
            "error: --force: expected --out, --report or --figures with it; received none of them",
        ),
    ],
)
def test_bad_export_options(
    cli_error: CliError, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    assert cli_error(*UNCERTAIN, *args) == expected
    assert os.listdir(tmp_path) == []


def test_bad_what_value(cli: Cli, tmp_path: Path) -> None:
    result = cli(*UNCERTAIN, "--out", "x.csv", "--what", "rows")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--what" in result.stderr
    assert "'rows' is not one of 'samples', 'summary'" in result.stderr
    assert os.listdir(tmp_path) == []
