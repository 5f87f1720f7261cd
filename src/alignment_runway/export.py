"""Exports of a run to a file: its samples or its summary, as CSV, Parquet, NetCDF or JSON.

The format follows the file's extension. Values are in display units (researcher-months per
month, researcher-years, months …) unless canonical units are asked for. Every file carries the
metadata needed to read and reproduce it (package and version, scenario, its inputs as written,
seed, samples, the unit system and each variable's unit), floats round-trip exactly, and a file
is written atomically: to a temporary file in the same directory, then renamed, so an
interrupted export leaves nothing half-written. An existing file is overwritten only with
``force``. docs/usage.md ("Exports") describes where each format keeps the metadata.

pandas, pyarrow and xarray are imported only when a file is written.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from alignment_runway import __version__
from alignment_runway.errors import InputError, OutputError
from alignment_runway.files import check_name, check_writable, exists_error, write_atomically
from alignment_runway.results import DEFAULT_PERCENTILES, RaceResult, RunResult, unit_of

if TYPE_CHECKING:
    import pandas as pd

    from alignment_runway.results.swept import Sweep

__all__ = [
    "FORMATS",
    "Exported",
    "What",
    "check_path",
    "export",
    "export_sweep",
    "stored_samples_parquet",
]

Array = NDArray[np.float64]
#: What an export holds: one row per sample, or one row per output (the summary table).
What = Literal["samples", "summary"]
#: File formats by extension, and the optional packages each one needs.
FORMATS: dict[str, tuple[str, ...]] = {
    ".csv": (),
    ".parquet": ("pyarrow",),
    ".nc": ("h5netcdf", "h5py"),
    ".json": (),
}
#: The Parquet schema metadata key holding the export's metadata (JSON).
PARQUET_KEY = b"alignment_runway"


@dataclass(frozen=True)
class Exported:
    """A file written by ``export``: where, in which format, what and how many rows."""

    path: Path
    format: str
    what: What
    rows: int


def check_path(path: str | os.PathLike[str], force: bool = False) -> str:
    """Check that an export can be written to ``path``; return its format (``.csv`` …).

    Called by ``export``; interfaces call it before a long run too, so a bad path fails
    at once.

    Raises:
        OutputError: for an unknown extension, a missing directory, an existing file without
            ``force``, a directory at ``path``, a missing optional package, or a file that
            cannot be created there (``files.check_writable``).
    """
    path = Path(path)
    check_name(path, "out")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise OutputError("out", "a file ending in .csv, .parquet, .nc or .json", repr(str(path)))
    if not path.parent.is_dir():
        raise OutputError(
            "out",
            "a file in an existing directory",
            f"{str(path)!r}, whose directory {str(path.parent)!r} does not exist",
        )
    if path.is_dir():
        raise OutputError("out", "a file", f"{str(path)!r}, a directory")
    if path.exists() and not force:
        raise exists_error(path)
    for package in FORMATS[suffix]:
        if find_spec(package) is None:
            raise _missing_error(path, package)
    check_writable(path, "out", force)
    return suffix


def export(
    result: RunResult,
    path: str | os.PathLike[str],
    what: What = "summary",
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    above: Mapping[str, float] | None = None,
    force: bool = False,
    canonical: bool = False,
) -> Exported:
    """Write a run's samples or its summary to ``path``, in the format its extension names.

    Args:
        result: from ``api.run``.
        path: a file ending in ``.csv``, ``.parquet``, ``.nc`` or ``.json``.
        what: ``"samples"``: one row per sample, one column per kept output and uncertain
            input; ``"summary"``: one row per kept output and uncertain input, with the
            columns of ``RunResult.summary()`` (unit, mean, mean_se, p5, p5_se, …, P(>t),
            P(>t)_se).
        percentiles: for the summary, in percent.
        above: for the summary, thresholds by output name (canonical units) for P(output > t).
        force: overwrite an existing file (atomically) instead of refusing.
        canonical: write canonical units (researcher-seconds per second, seconds …) instead
            of display units; the metadata's ``units`` names each column's unit either way.

    Returns:
        The file written, its format and its number of rows.

    Raises:
        InputError: for a bad path (see ``check_path``), a bad ``what``, percentile or
            threshold, or a file that cannot be written; nothing is left at ``path`` then
            (an existing file is unchanged).
    """
    path = Path(path)
    suffix = check_path(path, force)
    if what not in get_args(What):
        raise InputError("what", "samples or summary", repr(what))
    for package in FORMATS[suffix]:
        _require(path, package)
    names = _names(result)
    table: Mapping[str, Any] | pd.DataFrame
    if what == "samples":
        names = [name for name in names if name in result.values]  # not those known exactly
        if not names:
            raise InputError(
                "what", "summary: every name is exact (method exact), so none was sampled", what
            )
        table = {
            name: np.ascontiguousarray(result.values[name] * unit_of(name, canonical)[1])
            for name in names
        }
        rows = result.samples
    else:
        table = _summary_frame(result, names, percentiles, dict(above or {}), canonical)
        rows = len(table)
    meta = metadata(result, what, names, percentiles, above, canonical=canonical)
    meta["never"] = _never_cells(table)
    writer = _WRITERS[suffix]
    write_atomically(path, force, lambda tmp: writer(tmp, table, meta))
    return Exported(path, suffix, what, rows)


def metadata(
    result: RunResult,
    what: What,
    names: Sequence[str],
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    above: Mapping[str, float] | None = None,
    *,
    canonical: bool = False,
) -> dict[str, Any]:
    """The metadata every export carries (JSON-ready): what is needed to read and reproduce it.

    ``units`` names each column's unit (display or canonical, as ``unit_system`` says);
    ``above`` keeps the thresholds as given, in canonical units.
    """
    meta: dict[str, Any] = {
        "package": "alignment-runway",
        "version": __version__,
        "what": what,
        "scenario": result.scenario.name,
        "seed": result.seed,
        "samples": result.samples,
        "capped_serial_samples": result.capped_serial_samples,
        "unit_system": "canonical" if canonical else "display",
        "units": {name: unit_of(name, canonical)[0] for name in names},
        "inputs": {name: s.text for name, s in result.scenario.settings.items()},
    }
    if result.method != "sample":
        meta["method"] = result.method
        meta["exact"] = [name for name in names if name in result.laws]
    if isinstance(result, RaceResult):
        meta |= {"months": result.months, "step": result.step, "cut_samples": result.cut}
    if what == "summary":
        meta["percentiles"] = [float(q) for q in percentiles]
        meta["above"] = {name: float(t) for name, t in (above or {}).items()}
    return meta


def _names(result: RunResult) -> list[str]:
    """The kept variables: outputs in model order, then uncertain inputs, then anything else."""
    names = [*result.outputs, *result.uncertain_inputs]
    return names + [name for name in result.values if name not in names]


def _summary_frame(
    result: RunResult,
    names: list[str],
    percentiles: Sequence[float],
    above: dict[str, float],
    canonical: bool,
) -> pd.DataFrame:
    """``RunResult.summary()``'s table, for every kept output and uncertain input."""
    bad = [q for q in percentiles if not (isinstance(q, int | float) and 0 <= q <= 100)]
    if bad or not percentiles:
        raise InputError("percentiles", "numbers from 0 to 100", repr(list(percentiles)))
    unknown = [name for name in above if name not in names]
    if unknown:
        raise InputError(
            "thresholds", f"outputs kept in the result ({', '.join(names)})", ", ".join(unknown)
        )
    return result.summary(percentiles, above, names, canonical=canonical)


def _missing_error(path: Path, package: str) -> OutputError:
    return OutputError(
        "out",
        f"the optional package {package} to write {str(path)!r}",
        "none installed (pip install 'alignment-runway[export]')",
    )


def _require(path: Path, package: str) -> None:
    """Fail clearly when an optional package that a format needs cannot be imported."""
    try:
        __import__(package)
    except ImportError:
        raise _missing_error(path, package) from None


# --- "never": a requirement not reached (+inf in memory), written as each format allows ---

#: How each format writes a time never reached (+inf in memory; docs/usage.md, "Exports").
NEVER = {
    ".csv": "an empty cell",
    ".parquet": "null",
    ".nc": "NaN (the variable's attribute never names the outputs)",
    ".json": "null",
}


def _never_cells(table: Mapping[str, Any] | pd.DataFrame) -> list[str]:
    """Where a table holds +inf (a requirement never reached): columns, or OUTPUT.COLUMN cells.

    A samples table names its columns; a summary (indexed by output) names each
    ``OUTPUT.STATISTIC`` cell, as a sweep's columns are named.
    """
    if isinstance(table, Mapping):
        return [
            name
            for name, values in table.items()
            if np.asarray(values).dtype.kind == "f" and np.isposinf(values).any()
        ]
    cells = []
    for column in table.columns:
        values = table[column].to_numpy()
        if values.dtype.kind == "f":
            cells += [f"{row}.{column}" for row in table.index[np.isposinf(values)]]
    return cells


def _without_never(values: Any) -> Any:
    """A float column with +inf (never) made NaN; other columns as they are."""
    array = np.asarray(values)
    if array.dtype.kind != "f" or not np.isposinf(array).any():
        return values
    return np.where(np.isposinf(array), np.nan, array)


def _marked(meta: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The metadata with ``never`` saying how this format writes a time never reached."""
    return meta | {"never": {"cells": meta.get("never", []), "written_as": NEVER[suffix]}}


# --- writers: (temporary path, table, metadata) --------------------------------------------


def _json_number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _column_list(values: Any) -> list[Any]:
    """A column as JSON values: floats exactly (Python's repr), null for NaN and infinities."""
    array = np.asarray(values)
    if array.dtype.kind != "f":
        return [str(v) for v in array.tolist()]
    items: list[Any] = array.tolist()
    return items if np.isfinite(array).all() else [_json_number(x) for x in items]


def _columns(table: Mapping[str, Any] | pd.DataFrame) -> dict[str, Any]:
    """A table as ordered columns: the summary's index (``output``) first."""
    if isinstance(table, Mapping):
        return dict(table)
    frame = table.reset_index()
    return {str(name): frame[name].to_numpy() for name in frame.columns}


def _write_json(tmp: Path, table: Mapping[str, Any] | pd.DataFrame, meta: dict[str, Any]) -> None:
    def dumps(value: Any) -> str:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)

    meta = _marked(meta, ".json")
    # one column at a time (json.dumps is about twice as fast as json.dump into a file)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(f'{{"metadata": {dumps(meta)}, "data": {{')
        for i, (name, values) in enumerate(_columns(table).items()):
            fh.write(f"{', ' if i else ''}{dumps(name)}: {dumps(_column_list(values))}")
        fh.write("}}\n")


def _write_csv(tmp: Path, table: Mapping[str, Any] | pd.DataFrame, meta: dict[str, Any]) -> None:
    import pandas as pd

    if isinstance(table, Mapping):
        frame = pd.DataFrame({name: _without_never(v) for name, v in table.items()})
    else:
        frame = table.replace(np.inf, np.nan)
    index = not isinstance(table, Mapping)
    meta = _marked(meta, ".csv")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for key, value in meta.items():
            fh.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\n")
        frame.to_csv(fh, index=index, lineterminator="\n")


def _write_parquet(
    tmp: Path, table: Mapping[str, Any] | pd.DataFrame, meta: dict[str, Any]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    units = meta["units"]
    meta = _marked(meta, ".parquet")
    if isinstance(table, Mapping):
        fields = [
            pa.field(name, pa.float64(), metadata={b"unit": units[name].encode()}) for name in table
        ]
        columns = [
            pa.array(values, mask=np.isposinf(values) if name in meta["never"]["cells"] else None)
            for name, values in table.items()
        ]
        arrow = pa.table(columns, schema=pa.schema(fields))
    else:  # pandas' NaN is Arrow's null
        arrow = pa.Table.from_pandas(table.replace(np.inf, np.nan), preserve_index=True)
    schema_meta = dict(arrow.schema.metadata or {})
    schema_meta[PARQUET_KEY] = json.dumps(meta, ensure_ascii=False).encode()
    pq.write_table(arrow.replace_schema_metadata(schema_meta), str(tmp))


def _write_netcdf(tmp: Path, table: Mapping[str, Any] | pd.DataFrame, meta: dict[str, Any]) -> None:
    import xarray as xr

    never = meta.get("never", [])
    meta = _marked(meta, ".nc")
    attrs: dict[str, Any] = {
        key: value
        for key, value in meta.items()
        if key not in ("units", "inputs", "above", "never")
    }
    attrs["inputs"] = json.dumps(meta["inputs"], ensure_ascii=False)
    attrs["never"] = json.dumps(meta["never"], ensure_ascii=False)
    if "percentiles" in meta:
        attrs["percentiles"] = np.asarray(meta["percentiles"], dtype=np.float64)
        attrs["above"] = json.dumps(meta["above"], ensure_ascii=False)
    if isinstance(table, Mapping):
        n = meta["samples"]
        data = {
            name: xr.DataArray(
                _without_never(values), dims="sample", attrs={"units": meta["units"][name]}
            )
            for name, values in table.items()
        }
        for name in never:
            data[name].attrs["never"] = f"NaN: {name} never reached (the requirement was not met)"
        dataset = xr.Dataset(data, coords={"sample": np.arange(n)}, attrs=attrs)
    else:
        frame = table.astype({"unit": object}).replace(np.inf, np.nan)
        dataset = xr.Dataset.from_dataframe(frame)
        dataset.attrs = attrs
        for column in frame.columns:
            outputs = [c.removesuffix(f".{column}") for c in never if c.endswith(f".{column}")]
            if outputs:
                dataset[column].attrs["never"] = (
                    f"NaN for {', '.join(outputs)}: never reached (the requirement was not met)"
                )
    write_dataset(tmp, dataset)


def write_dataset(tmp: Path, dataset: Any) -> None:
    """Write an xarray Dataset as NetCDF (HDF5) to ``tmp``.

    Composed in memory, then written as plain bytes: HDF5 writing to a full disk fails inside
    its own close and then crashes the process as it exits.
    """
    buffer = io.BytesIO()
    dataset.to_netcdf(buffer, engine="h5netcdf")
    with open(tmp, "wb") as handle:
        handle.write(buffer.getbuffer())


_WRITERS: dict[str, Callable[[Path, Mapping[str, Any] | pd.DataFrame, dict[str, Any]], None]] = {
    ".csv": _write_csv,
    ".parquet": _write_parquet,
    ".nc": _write_netcdf,
    ".json": _write_json,
}


def export_sweep(
    sweep: Sweep, path: str | os.PathLike[str], *, force: bool = False, canonical: bool = False
) -> Exported:
    """Write a sweep to ``path``: one row per cell (CSV, Parquet, JSON) or its Dataset (NetCDF).

    A row holds the cell's value on each axis (in the axis's display unit) and, for each
    output, its mean and percentiles with their Monte Carlo standard errors (``NAME.p50``,
    ``NAME.p50.se`` …, in display units, or canonical ones with ``canonical``); the metadata
    names every column's unit. NetCDF holds ``Sweep.dataset`` (converted likewise), one
    dimension per axis.

    Raises:
        OutputError: as ``check_path``; nothing is left at ``path`` on failure.
    """
    path = Path(path)
    suffix = check_path(path, force)
    for package in FORMATS[suffix]:
        _require(path, package)
    stats = ["mean", *(f"p{q:g}" for q in sweep.percentiles)]
    table: dict[str, Any] = {}
    units: dict[str, str] = {}
    for k, axis in enumerate(sweep.axes):
        table[axis.name] = np.array([axis.values[c.cell[k]] for c in sweep.cells])
        units[axis.name] = axis.unit
    for name in sweep.outputs:
        unit, scale = unit_of(name, canonical)
        for j, stat in enumerate(stats):
            estimates = [
                [c.outputs[name].mean, *c.outputs[name].percentiles.values()][j]
                for c in sweep.cells
            ]
            table[f"{name}.{stat}"] = np.array([e.value for e in estimates]) * scale
            table[f"{name}.{stat}.se"] = np.array([e.se for e in estimates]) * scale
            units[f"{name}.{stat}"] = units[f"{name}.{stat}.se"] = unit
    meta: dict[str, Any] = {
        "package": "alignment-runway",
        "version": __version__,
        "what": "sweep",
        "scenario": sweep.scenario.name,
        "kind": sweep.kind,
        "seed": sweep.seed,
        "samples": sweep.samples,
        "cells": len(sweep.cells),
        "axes": [{"name": a.name, "unit": a.unit, "values": list(a.values)} for a in sweep.axes],
        "unit_system": "canonical" if canonical else "display",
        "units": units,
        "inputs": {name: s.text for name, s in sweep.scenario.settings.items()},
    }
    if sweep.kind == "race":
        meta |= {"months": sweep.months, "step": sweep.step}
    meta["never"] = _never_cells(table)

    def write(tmp: Path) -> None:
        if suffix == ".nc":
            dataset = sweep.dataset.copy()
            for output in sweep.outputs:
                unit, scale = unit_of(output, canonical)
                for variable in (output, f"{output}.se"):
                    dataset[variable] = dataset[variable] * scale
                    dataset[variable].attrs["unit"] = unit
            for name in dataset.data_vars:
                values = dataset[name].values
                if values.dtype.kind == "f" and np.isposinf(values).any():
                    dataset[name] = dataset[name].where(~np.isposinf(values))
                    dataset[name].attrs["never"] = (
                        "NaN: never reached (the requirement was not met)"
                    )
            dataset.attrs = {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for k, v in _marked(meta, ".nc").items()
            }
            write_dataset(tmp, dataset)
        else:
            _WRITERS[suffix](tmp, table, meta)

    write_atomically(path, force, write)
    return Exported(path, suffix, "summary", len(sweep.cells))


def stored_samples_parquet(
    stored: Path, meta: dict[str, Any], *, canonical: bool = False
) -> Callable[[Path], None]:
    """A writer of a recorded run's kept samples (Parquet, canonical units) as an export.

    The columns are converted to display units (canonical ones with ``canonical``), each with
    its unit, and the file carries ``meta`` (what the record says of the run) with
    ``unit_system``, ``units`` and ``never``, as every export does.
    """
    import pyarrow.parquet as pq

    columns = pq.read_table(str(stored)).to_pydict()
    table = {
        name: np.asarray(values, dtype=np.float64) * unit_of(name, canonical)[1]
        for name, values in columns.items()
    }
    full = meta | {
        "unit_system": "canonical" if canonical else "display",
        "units": {name: unit_of(name, canonical)[0] for name in table},
    }
    full["never"] = _never_cells(table)
    return lambda tmp: _write_parquet(tmp, table, full)
