"""Exports (export.py): every format × what read back with its own library, exactly.

- round trip: each file is read back with pandas, pyarrow, xarray or json (not with the
  package), and every array equals the result's bit for bit, including extreme floats;
- metadata: package, version, scenario, inputs, seed, samples and each variable's unit, where
  docs/usage.md ("Exports") says each format keeps them;
- errors: an unknown extension, a missing directory, an existing file without ``force``, a
  directory at the path, a bad ``what``, a missing optional package; each one line naming
  ``--out`` (or the option), what was expected and what was received;
- atomicity: a writer failing midway (or interrupted) leaves neither the file nor a temporary
  one, and leaves an existing file as it was; a file appearing during the write is not replaced.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr

from alignment_runway import __version__, api
from alignment_runway import export as ex
from alignment_runway.errors import Error
from alignment_runway.results import RunResult

FORMATS = (".csv", ".parquet", ".nc", ".json")
WHATS: tuple[ex.What, ...] = ("samples", "summary")
SEED = 11
N = 3_000
PERCENTILES = (1.0, 50.0, 97.5)
ABOVE = {"static.ai_researchers": 1e5}
#: Canonical units, written out here (not taken from the package) for the variables checked.
UNITS = {
    "static.ai_researchers": "",
    "static.training_compute": "FLOP",
    "static.research_per_month": "researcher_second/s",
    "compute.stock": "FLOP/s",
    "compute.training_duration": "second",
    "labor.tokens_per_researcher_second": "token/researcher_second",
}
#: Floats that a careless writer loses: subnormal, largest, and ones with 17 significant digits.
EXTREMES = np.array(
    [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1, 1 / 3, 2 / 3, 1e22, -0.0, 1.0]
)


@dataclass
class ReadBack:
    """A file read back with its own library: the table and the metadata found in it."""

    frame: pd.DataFrame
    meta: dict[str, Any]
    units: dict[str, str]


@pytest.fixture(scope="module")
def result() -> RunResult:
    return api.run(api.load_scenario(preset="uncertain"), N, SEED)


def _csv(path: Path, what: str) -> ReadBack:
    meta: dict[str, Any] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            assert line.startswith("# ") and ": " in line, line
            key, _, value = line[2:].partition(": ")
            meta[key] = json.loads(value)
    frame = pd.read_csv(path, comment="#", index_col="output" if what == "summary" else None)
    if what == "summary":
        frame["unit"] = frame["unit"].fillna("")  # a blank unit (dimensionless) reads as NaN
    return ReadBack(frame, meta, meta["units"])


def _parquet(path: Path, what: str) -> ReadBack:
    schema = pq.read_schema(path)
    assert schema.metadata is not None
    meta = json.loads(schema.metadata[ex.PARQUET_KEY])
    units = dict(meta["units"])
    if what == "samples":
        field_units = {}
        for field in schema:
            assert field.metadata is not None
            field_units[field.name] = field.metadata[b"unit"].decode()
        assert field_units == units
    return ReadBack(pd.read_parquet(path), meta, units)


def _netcdf(path: Path, what: str) -> ReadBack:
    with xr.open_dataset(path, engine="h5netcdf", decode_timedelta=False) as ds:
        ds.load()
    meta = dict(ds.attrs)
    meta["inputs"] = json.loads(meta["inputs"])
    if what == "summary":
        meta["above"] = json.loads(meta["above"])
        meta["percentiles"] = list(meta["percentiles"])
        frame = ds.to_dataframe()
        units = dict(zip(frame.index, frame["unit"], strict=True))
    else:
        assert list(ds.coords["sample"].values) == list(range(meta["samples"]))
        frame = pd.DataFrame({name: ds[name].values for name in ds.data_vars})
        units = {name: ds[name].attrs["units"] for name in ds.data_vars}
    return ReadBack(frame, meta, units)


def _json(path: Path, what: str) -> ReadBack:
    def reject(constant: str) -> Any:
        raise ValueError(f"not valid JSON: {constant}")

    with open(path, encoding="utf-8") as fh:
        document = json.load(fh, parse_constant=reject)
    assert set(document) == {"metadata", "data"}
    frame = pd.DataFrame(document["data"]).astype(
        {name: float for name in document["data"] if name not in ("output", "unit")}
    )
    if what == "summary":
        frame = frame.set_index("output")
    return ReadBack(frame, document["metadata"], document["metadata"]["units"])


READERS = {".csv": _csv, ".parquet": _parquet, ".nc": _netcdf, ".json": _json}


def _export(result: RunResult, path: Path, what: ex.What, **kwargs: Any) -> ex.Exported:
    if what == "summary":
        kwargs = {"percentiles": PERCENTILES, "above": ABOVE} | kwargs
    return ex.export(result, path, what, **kwargs)


def _kept(result: RunResult) -> list[str]:
    return [*result.outputs, *result.uncertain_inputs]


def _same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), True))


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("what", WHATS)
@pytest.mark.parametrize("suffix", FORMATS)
def test_round_trip_is_exact_and_carries_metadata(
    result: RunResult, tmp_path: Path, suffix: str, what: ex.What
) -> None:
    path = tmp_path / f"out{suffix}"
    written = _export(result, path, what)
    names = _kept(result)
    assert written.path == path
    assert written.rows == (N if what == "samples" else len(names))
    back = READERS[suffix](path, what)

    meta = back.meta
    assert meta["package"] == "alignment-runway"
    assert meta["version"] == __version__
    assert meta["what"] == what
    assert meta["scenario"] == "uncertain"
    assert meta["seed"] == SEED
    assert meta["samples"] == N
    assert meta["capped_serial_samples"] == result.capped_serial_samples
    assert meta["inputs"]["compute.stock"] == "1.7e22 to 2.4e22 FLOP/s"
    assert set(back.units) == set(names)
    for name, unit in UNITS.items():
        assert back.units[name] == unit, name

    frame = back.frame
    if what == "samples":
        assert list(frame.columns) == names
        assert len(frame) == N
        for name in names:
            assert frame[name].dtype == np.float64, name
            assert np.array_equal(frame[name].to_numpy(), result.values[name]), name
        return
    assert meta["percentiles"] == list(PERCENTILES)
    assert meta["above"] == ABOVE
    assert list(frame.index) == names
    # the outputs' rows are RunResult.summary(), exactly
    expected = result.summary(PERCENTILES, ABOVE)
    assert list(frame.columns) == list(expected.columns)
    got = frame.loc[result.outputs]
    assert list(got["unit"]) == list(expected["unit"])
    for column in expected.columns.drop("unit"):
        assert _same(got[column], expected[column]), column
    # the uncertain inputs' rows, from RunResult.summaries()
    for row in result.summaries(PERCENTILES, ABOVE, result.uncertain_inputs):
        assert frame.loc[row.name, "mean"] == row.mean.value
        assert frame.loc[row.name, "mean_se"] == row.mean.se
        assert frame.loc[row.name, "p97.5"] == row.percentiles[97.5].value
        assert frame.loc[row.name, "p1_se"] == row.percentiles[1.0].se
        assert np.isnan(frame.loc[row.name, "P(>100000)"])
    researchers = result.values["static.ai_researchers"]
    assert frame.loc["static.ai_researchers", "P(>100000)"] == np.mean(researchers > 1e5)


@pytest.mark.parametrize("suffix", FORMATS)
def test_extreme_floats_round_trip(result: RunResult, tmp_path: Path, suffix: str) -> None:
    values = {"static.ai_researchers": EXTREMES, "compute.stock": EXTREMES[::-1].copy()}
    extreme = RunResult(result.scenario, EXTREMES.size, SEED, values, 0)
    path = tmp_path / f"extreme{suffix}"
    ex.export(extreme, path, "samples")
    back = READERS[suffix](path, "samples")
    for name, array in values.items():
        got = back.frame[name].to_numpy()
        assert np.array_equal(got, array), (name, got)
        assert np.array_equal(np.signbit(got), np.signbit(array)), name


@pytest.mark.parametrize("suffix", FORMATS)
def test_one_sample_summary_has_undefined_errors(tmp_path: Path, suffix: str) -> None:
    point = api.run(api.load_scenario(preset="essay"))
    path = tmp_path / f"point{suffix}"
    written = ex.export(point, path, "summary")
    assert written.rows == len(point.outputs)
    frame = READERS[suffix](path, "summary").frame
    assert frame.loc["static.ai_researchers", "mean"] == point.value("static.ai_researchers")
    assert frame["mean_se"].isna().all()


def test_csv_layout(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    ex.export(result, path, "samples")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert lines[: len(header)] == header  # the comment block comes first, then the table
    assert lines[len(header)] == ",".join(_kept(result))
    assert len(lines) == len(header) + 1 + N
    assert not any("#" in line for line in lines[len(header) :])  # comment='#' cuts nothing
    assert [line.partition(":")[0] for line in header[:4]] == [
        "# package",
        "# version",
        "# what",
        "# scenario",
    ]


def test_kept_subset_only(tmp_path: Path) -> None:
    scenario = api.load_scenario(preset="uncertain")
    kept = api.run(scenario, 500, SEED, keep=["compute.stock", "static.research_per_month"])
    ex.export(kept, tmp_path / "k.parquet", "samples")
    ex.export(kept, tmp_path / "k.json", "summary")
    frame = pd.read_parquet(tmp_path / "k.parquet")
    assert list(frame.columns) == ["static.research_per_month", "compute.stock"]
    summary = json.loads((tmp_path / "k.json").read_text(encoding="utf-8"))
    assert summary["data"]["output"] == ["static.research_per_month", "compute.stock"]
    assert summary["metadata"]["units"] == {
        "static.research_per_month": "researcher_second/s",
        "compute.stock": "FLOP/s",
    }


def test_file_mode_follows_umask(result: RunResult, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "m.json"
    ex.export(result, path, "summary")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --- errors ------------------------------------------------------------------------------------


def _error(result: RunResult, path: Path, what: Any = "summary", **kwargs: Any) -> str:
    with pytest.raises(Error) as info:
        ex.export(result, path, what, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_extension(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    assert _error(result, path) == (
        f"out: expected a file ending in .csv, .parquet, .nc or .json; received {str(path)!r}"
    )
    assert not path.exists()
    assert _error(result, tmp_path / "noextension").startswith("out: expected a file ending")


def test_missing_directory(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "x.csv"
    message = _error(result, path)
    assert message.startswith("out: expected a file in an existing directory; received")
    assert repr(str(path)) in message
    assert repr(str(path.parent)) in message
    assert not path.parent.exists()


def test_directory_at_path(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "dir.csv"
    path.mkdir()
    assert "a directory" in _error(result, path, force=True)
    assert path.is_dir()


@pytest.mark.parametrize("suffix", FORMATS)
def test_existing_file_is_refused_without_force(
    result: RunResult, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"old{suffix}"
    path.write_bytes(b"precious")
    message = _error(result, path)
    assert message == (
        f"out: expected a new file (or force to overwrite); received {str(path)!r}, "
        "which already exists"
    )
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("suffix", FORMATS)
def test_force_overwrites(result: RunResult, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"old{suffix}"
    path.write_bytes(b"precious")
    ex.export(result, path, "samples", force=True)
    back = READERS[suffix](path, "samples")
    assert np.array_equal(back.frame["compute.stock"], result.values["compute.stock"])
    assert os.listdir(tmp_path) == [path.name]


def test_bad_what_percentiles_and_thresholds(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    assert _error(result, path, "rows") == ("what: expected samples or summary; received 'rows'")
    assert _error(result, path, percentiles=(5.0, 150.0)).startswith(
        "percentiles: expected numbers from 0 to 100; received [5.0, 150.0]"
    )
    message = _error(result, path, above={"static.nothing": 1.0})
    assert message.startswith("thresholds: expected outputs kept in the result")
    assert message.endswith("received static.nothing")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("suffix", "package"), [(".parquet", "pyarrow"), (".nc", "h5netcdf"), (".nc", "h5py")]
)
def test_missing_optional_package(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, package: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # import fails; find_spec finds nothing
    path = tmp_path / f"x{suffix}"
    expected = (
        f"out: expected the optional package {package} to write {str(path)!r}; received none "
        "installed (pip install 'alignment-runway[export]')"
    )
    with pytest.raises(Error) as info:
        ex.check_path(path)
    assert str(info.value) == expected
    assert _error(result, path, "samples") == expected
    assert os.listdir(tmp_path) == []


def test_package_found_but_not_importable(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ex, "find_spec", lambda name: object())
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    message = _error(result, tmp_path / "x.parquet", "samples")
    assert message.startswith("out: expected the optional package pyarrow to write")
    assert os.listdir(tmp_path) == []


def test_csv_and_json_need_no_optional_package(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for package in ("pyarrow", "h5netcdf", "h5py"):
        monkeypatch.setitem(sys.modules, package, None)
    ex.export(result, tmp_path / "x.csv", "samples")
    ex.export(result, tmp_path / "x.json", "summary")
    assert sorted(os.listdir(tmp_path)) == ["x.csv", "x.json"]


# --- atomicity ---------------------------------------------------------------------------------


class BoomError(RuntimeError):
    pass


def _failing_writer(suffix: str, after_full_write: bool, exc: BaseException) -> Any:
    real = ex._WRITERS[suffix]

    def write(tmp: Path, table: Any, meta: Mapping[str, Any]) -> None:
        if after_full_write:
            real(tmp, table, dict(meta))
        else:
            tmp.write_bytes(b"half a fi")
        raise exc

    return write


@pytest.mark.parametrize("after_full_write", [False, True])
@pytest.mark.parametrize("suffix", FORMATS)
def test_failed_write_leaves_nothing(
    result: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    after_full_write: bool,
) -> None:
    monkeypatch.setitem(ex._WRITERS, suffix, _failing_writer(suffix, after_full_write, BoomError()))
    path = tmp_path / f"x{suffix}"
    with pytest.raises(BoomError):
        ex.export(result, path, "samples")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("exc", [BoomError(), KeyboardInterrupt()])
def test_failed_overwrite_keeps_the_old_file(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    monkeypatch.setitem(ex._WRITERS, ".csv", _failing_writer(".csv", True, exc))
    path = tmp_path / "x.csv"
    path.write_bytes(b"precious")
    with pytest.raises(type(exc)):
        ex.export(result, path, "samples", force=True)
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["x.csv"]


def test_os_error_while_writing_is_one_clear_line(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_space = OSError(28, "No space left on device")
    monkeypatch.setitem(ex._WRITERS, ".json", _failing_writer(".json", False, no_space))
    path = tmp_path / "x.json"
    assert _error(result, path) == (
        f"out: expected a file that can be written; received {str(path)!r}: No space left on device"
    )
    assert os.listdir(tmp_path) == []


def test_file_appearing_during_the_write_is_not_replaced(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.json"
    real = ex._WRITERS[".json"]

    def racing(tmp: Path, table: Any, meta: dict[str, Any]) -> None:
        real(tmp, table, meta)
        path.write_bytes(b"someone else's")

    monkeypatch.setitem(ex._WRITERS, ".json", racing)
    assert "already exists" in _error(result, path)
    assert path.read_bytes() == b"someone else's"
    assert os.listdir(tmp_path) == ["x.json"]


def test_no_hard_links_falls_back_to_rename(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: Any, dst: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    path = tmp_path / "x.csv"
    ex.export(result, path, "summary")
    assert os.listdir(tmp_path) == ["x.csv"]
    assert pd.read_csv(path, comment="#", index_col="output").index[0] == result.outputs[0]
    # and still refuses a file that appeared during the write
    real = ex._WRITERS[".csv"]

    def racing(tmp: Path, table: Any, meta: dict[str, Any]) -> None:
        real(tmp, table, meta)
        (tmp_path / "y.csv").write_bytes(b"someone else's")

    monkeypatch.setitem(ex._WRITERS, ".csv", racing)
    assert "already exists" in _error(result, tmp_path / "y.csv")
    assert (tmp_path / "y.csv").read_bytes() == b"someone else's"
    assert sorted(os.listdir(tmp_path)) == ["x.csv", "y.csv"]


def test_export_imports_no_heavy_library_until_used() -> None:
    import subprocess

    code = (
        "import sys, alignment_runway.export, alignment_runway.cli.root; "
        "print(sorted(m for m in ('pandas', 'xarray', 'pyarrow', 'h5py', 'h5netcdf') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
