"""What a run store records: versions, digests, summaries, and how to compare them."""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from alignment_runway import __version__
from alignment_runway.results import RunResult
from alignment_runway.sampling import SAMPLING_SCHEME

__all__ = [
    "STORE_ENV",
    "changed_versions",
    "default_url",
    "differing",
    "digests",
    "now",
    "summary_records",
    "versions",
]

#: The environment variable that chooses the default store (a URL or a file path).
STORE_ENV = "ALIGNMENT_RUNWAY_STORE"
#: What a record made before a version was recorded ran with.
_UNRECORDED = {"sampling_scheme": "1"}


def default_url() -> str:
    """The store used when none is given: ``$ALIGNMENT_RUNWAY_STORE`` or the user's data dir."""
    chosen = os.environ.get(STORE_ENV)
    if chosen:
        return chosen
    import platformdirs

    folder = Path(platformdirs.user_data_dir("alignment-runway", appauthor=False))
    return str(folder / "runs.sqlite")


def versions() -> dict[str, str]:
    """The versions a run depends on: the package, Python, numpy, scipy and the draws.

    ``sampling_scheme`` names how draws are made from a seed (``sampling.SAMPLING_SCHEME``):
    a run recorded under another scheme cannot be reproduced bit for bit, and says so.
    """
    import scipy

    return {
        "alignment-runway": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sampling_scheme": SAMPLING_SCHEME,
    }


def now() -> str:
    """The time now, UTC, ISO 8601 with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def digests(values: Mapping[str, np.ndarray[Any, Any]]) -> dict[str, str]:
    """SHA-256 of each array's float64 bytes: equal digests mean bit-identical results.

    A contiguous float64 array is hashed where it lies (through its buffer, no copy).
    """
    return {
        name: hashlib.sha256(
            np.ascontiguousarray(array, dtype=np.float64).data.cast("B")
        ).hexdigest()
        for name, array in values.items()
    }


def summary_records(result: RunResult) -> list[dict[str, Any]]:
    """Each output's mean and percentiles (canonical units) with their errors, for the record."""

    def number(x: float) -> float | None:
        return x if np.isfinite(x) else None

    rows = []
    for row in result.summaries((5.0, 50.0, 95.0), None, result.outputs):
        rows.append(
            {
                "name": row.name,
                "unit": row.unit,
                "mean": number(row.mean.value),
                "mean_se": number(row.mean.se),
                **{f"p{q:g}": number(e.value) for q, e in row.percentiles.items()},
                **{f"p{q:g}_se": number(e.se) for q, e in row.percentiles.items()},
            }
        )
    return rows


def changed_versions(recorded: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Versions that differ now from a record's: name → (recorded, now)."""
    current = versions()
    return {
        name: (was, value)
        for name, value in current.items()
        if (was := recorded.get(name, _UNRECORDED.get(name, "?"))) != value
    }


def differing(recorded: Mapping[str, str], now_digests: Mapping[str, str]) -> Sequence[str]:
    """Names whose samples differ (or exist only on one side) between two digest sets."""
    names = sorted(set(recorded) | set(now_digests))
    return [n for n in names if recorded.get(n) != now_digests.get(n)]
