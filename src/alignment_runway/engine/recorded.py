"""Recorded runs: record a finished run in a store, run a record again, check it bit for bit."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignment_runway.engine.runs import race, run
from alignment_runway.errors import OutputError
from alignment_runway.files import check_name, check_writable, exists_error, write_atomically
from alignment_runway.results import RaceResult, Reproduction, RunRecord, RunResult

if TYPE_CHECKING:
    from alignment_runway.store import Store

__all__ = [
    "default_store",
    "export_record",
    "open_store",
    "race_options",
    "record",
    "reproduce",
    "rerun",
    "run_options",
]


def default_store() -> str:
    """The store runs are recorded in when none is named.

    ``$ALIGNMENT_RUNWAY_STORE``, else ``runs.sqlite`` in the user's data folder.
    """
    from alignment_runway.store import default_url

    return default_url()


def open_store(location: str | None = None, *, create: bool = True) -> Store:
    """The run store at a SQLAlchemy URL or file path (default: ``store.default_url()``).

    With ``create`` false, a SQLite store that does not exist yet is an error (what only
    reads runs never creates a store).

    Raises:
        StoreError: for a store that cannot be opened, is not a database, has a newer
            schema, or (without ``create``) does not exist.
    """
    from alignment_runway.store import Store

    return Store(location, create=create)


def record(
    store: Store,
    result: RunResult,
    options: Mapping[str, Any],
    started_at: str,
    finished_at: str | None = None,
    *,
    keep_samples: bool = False,
    label: str | None = None,
) -> int:
    """Record a finished run or race in ``store``; return its id.

    ``finished_at`` is when it finished (default: now); ``label`` the user's name for it.

    ``options`` are what the run was called with (samples, seed, chunk size, workers, and the
    race's months, step and kept trajectories; a run's ``keep``), so ``reproduce`` can run it
    again.
    """
    from alignment_runway.scenarios.loader import scenario_toml
    from alignment_runway.store import digests, now, summary_records, versions

    entry = RunRecord(
        command="race" if isinstance(result, RaceResult) else "run",
        scenario_name=result.scenario.name,
        scenario_text=scenario_toml(result.scenario),
        options=dict(options),
        versions=versions(),
        started_at=started_at,
        finished_at=finished_at or now(),
        samples=result.samples,
        seed=result.seed,
        summary=summary_records(result),
        digests=digests(result.values),
        label=label,
    )
    return store.add(entry, dict(result.values) if keep_samples else None)


def run_options(
    *,
    samples: int,
    seed: int,
    chunk_size: int,
    workers: int,
    percentiles: Sequence[float],
    above: Sequence[str],
    keep: Sequence[str] | None,
    method: str = "sample",
) -> dict[str, Any]:
    """What a run's record holds of its options (``rerun`` reads them back).

    The method is recorded when it is not the default (sampling).
    """
    options: dict[str, Any] = {
        "samples": samples,
        "seed": seed,
        "chunk_size": chunk_size,
        "workers": workers,
        "percentiles": list(percentiles),
        "above": list(above),
        "keep": None if keep is None else list(keep),
    }
    if method != "sample":
        options["method"] = method
    return options


def race_options(
    *,
    samples: int,
    seed: int,
    months: float,
    step: str,
    keep_trajectories: int,
    chunk_size: int,
    workers: int,
    percentiles: Sequence[float],
    method: str = "sample",
) -> dict[str, Any]:
    """What a race's record holds of its options (``rerun`` reads them back).

    The method is recorded when it is not the default (sampling).
    """
    options: dict[str, Any] = {
        "samples": samples,
        "seed": seed,
        "months": months,
        "step": step,
        "keep_trajectories": keep_trajectories,
        "chunk_size": chunk_size,
        "workers": workers,
        "percentiles": list(percentiles),
    }
    if method != "sample":
        options["method"] = method
    return options


def rerun(entry: RunRecord) -> RunResult:
    """Run a recorded run again, with its recorded scenario and options."""
    from alignment_runway.scenarios.loader import load_text

    scenario = load_text(entry.scenario_text, entry.scenario_name)
    o = entry.options
    chunk_size, workers = int(o["chunk_size"]), int(o["workers"])
    if entry.command == "race":
        return race(
            scenario,
            int(o["samples"]),
            int(o["seed"]),
            months=float(o["months"]),
            step=str(o["step"]),
            keep_trajectories=int(o["keep_trajectories"]),
            chunk_size=chunk_size,
            workers=workers,
            method=str(o.get("method", "sample")),
        )
    return run(
        scenario,
        int(o["samples"]),
        int(o["seed"]),
        chunk_size=chunk_size,
        workers=workers,
        keep=o.get("keep"),
        method=str(o.get("method", "sample")),
    )


def reproduce(store: Store, run_id: int) -> Reproduction:
    """Run a recorded run again; compare every kept array bit for bit, and every summary.

    The summaries (means, percentiles and their errors) are compared value for value too: a
    run computed in closed form (``method="exact"``) keeps no arrays, only them.

    Raises:
        InputError: for an unknown id.
        ScenarioError: for a recorded scenario this version cannot read.
    """
    from alignment_runway.store import changed_versions, differing, digests, summary_records

    entry = store.get(run_id)
    result = rerun(entry)
    arrays = differing(entry.digests, digests(result.values))
    then = {row["name"]: row for row in entry.summary}
    now = {row["name"]: row for row in summary_records(result)}
    summaries = [n for n in sorted(set(then) | set(now)) if then.get(n) != now.get(n)]
    return Reproduction(
        entry,
        result,
        tuple(dict.fromkeys([*arrays, *summaries])),
        changed_versions(entry.versions),
    )


def export_record(
    store: Store, entry: RunRecord, path: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Write a record to ``path``, by the file's extension.

    JSON: the whole record; TOML: its scenario; Parquet: its samples (when they were kept),
    in display units with each column's unit, as every export.

    Raises:
        OutputError: for another extension, an existing file without ``force``, a run that
            kept no samples (for Parquet), or a file that cannot be written.
    """
    from alignment_runway.views import record_json

    target = Path(path)
    check_name(target, "out")
    suffix = target.suffix.lower()
    if suffix not in (".json", ".toml", ".parquet"):
        raise OutputError("out", "a file ending in .json, .toml or .parquet", repr(str(target)))
    if target.exists() and not force:
        raise exists_error(target)
    check_writable(target, "out", force)
    if suffix == ".parquet":
        source = store.samples_path(entry)
        if source is None or not source.exists():
            raise OutputError(
                "out",
                "a run that kept its samples (recorded with {0})",
                f"run {entry.id}, which kept none, and {str(target)!r}",
                related=("store_samples",),
            )
        from alignment_runway.export import stored_samples_parquet

        meta = {
            "package": "alignment-runway",
            "version": entry.versions.get("alignment-runway", ""),
            "what": "samples",
            "run_id": entry.id,
            "command": entry.command,
            "scenario": entry.scenario_name,
            "seed": entry.seed,
            "samples": entry.samples,
        }
        write_atomically(target, force, stored_samples_parquet(source, meta))
        return target
    elif suffix == ".toml":
        data = entry.scenario_text.encode("utf-8")
    else:
        data = (json.dumps(record_json(entry), indent=2, ensure_ascii=False) + "\n").encode()

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(target, force, write)
    return target
