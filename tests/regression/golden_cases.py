"""The golden cases: commands whose ``--format json`` output is pinned byte for byte.

Regenerate them only in a commit that says which numbers moved and why:
``python tests/regression/golden_cases.py`` rewrites every file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Where the golden documents live.
GOLDEN = Path(__file__).parent / "golden"

#: Keys whose values name the version or the time: masked before comparing.
VOLATILE = frozenset({"version", "versions", "started_at", "finished_at", "seconds"})

#: Case name -> command-line arguments (``--format json`` is added).
CASES: dict[str, tuple[str, ...]] = {
    "run-essay": ("run", "--no-store"),
    "run-essay-1000x": ("run", "--preset", "essay-1000x", "--no-store"),
    "run-uncertain": ("run", "--preset", "uncertain", "-n", "20000", "--seed", "7", "--no-store"),
    "run-race": ("run", "--preset", "race", "-n", "20000", "--seed", "7", "--no-store"),
    "run-options": (
        "run", "--preset", "uncertain", "-n", "5000", "--seed", "11", "--percentiles", "10,50,90",
        "--above", "static.ai_researchers=1e5", "--keep", "static.ai_researchers",
        "--keep", "labor.tokens_per_researcher_second", "--no-store",
    ),
    "race-essay": ("race", "--no-store"),
    "race-uncertain": ("race", "--preset", "uncertain", "-n", "20000", "--seed", "7", "--no-store"),
    "race-race": ("race", "--preset", "race", "-n", "20000", "--seed", "7", "--no-store"),
    "race-race-week": (
        "race", "--preset", "race", "-n", "5000", "--seed", "3", "--step", "week", "--months",
        "24", "--keep-trajectories", "200", "--no-store",
    ),
    "essay": ("essay",),
    "devloop-essay": ("devloop",),
    "devloop-uncertain": ("devloop", "--preset", "uncertain", "-n", "5000", "--tau", "30"),
    "sensitivity-tornado-race": ("sensitivity", "--preset", "race"),
    "sensitivity-rank-uncertain": (
        "sensitivity", "--preset", "uncertain", "--method", "rank", "-n", "2000",
        "--output", "static.research_per_month", "--output", "static.ai_researchers",
    ),
    "sensitivity-sobol-uncertain": (
        "sensitivity", "--preset", "uncertain", "--method", "sobol", "-n", "64", "--log",
        "--output", "static.research_per_month", "-i", "compute.stock",
        "-i", "compute.training_share", "-i", "compute.utilization",
    ),
    "sensitivity-rank-race": (
        "sensitivity", "--preset", "race", "--method", "rank", "-n", "1000",
        "--output", "race.research", "--months", "36",
    ),
}  # fmt: skip


def masked(data: Any) -> Any:
    """``data`` with every value under a volatile key replaced by a marker."""
    if isinstance(data, dict):
        return {k: "<masked>" if k in VOLATILE else masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [masked(v) for v in data]
    return data


def produce(name: str, env: dict[str, str] | None = None) -> str:
    """Run a case and return its JSON document, masked, as text (2-space indent)."""
    done = subprocess.run(
        [sys.executable, "-m", "alignment_runway", *CASES[name], "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name}: exit {done.returncode}: {done.stderr}")
    return json.dumps(masked(json.loads(done.stdout)), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrite every golden file."""
    GOLDEN.mkdir(exist_ok=True)
    for name in CASES:
        (GOLDEN / f"{name}.json").write_text(produce(name), encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
