"""Write benchmarks/RESULTS.md from the JSON that `make bench` produced.

startup.json (hyperfine), static.json (pytest-benchmark) and peers.json (benchmarks/peers.py).
"""

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peers_report import peers_section

HERE = Path(__file__).parent


def main() -> None:
    startup = json.loads((HERE / "startup.json").read_text())
    static = json.loads((HERE / "static.json").read_text())
    peers = json.loads((HERE / "peers.json").read_text())
    cpu = static["machine_info"].get("cpu", {}).get("brand_raw", "unknown CPU")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"Python {platform.python_version()}, {platform.machine()}, {cpu}. "
        "Shared machines are noisy: compare figures from one run, not across runs.",
        "",
        *startup_section(startup),
        *static_section(static),
        *peers_section(peers),
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write(f"wrote {HERE / 'RESULTS.md'}\n")


def startup_section(startup: dict[str, Any]) -> list[str]:
    lines = [
        "## Start-up (bar: `alignment-runway essay` answers in under 1 s)",
        "",
        "Command: `hyperfine --warmup 2 --runs 20 --export-json benchmarks/startup.json "
        "'.venv/bin/alignment-runway essay' '.venv/bin/alignment-runway run' "
        "'.venv/bin/alignment-runway --version'`",
        "",
        "| command | mean (s) | σ (s) | min (s) | max (s) |",
        "|---|---|---|---|---|",
    ]
    for r in startup["results"]:
        lines.append(
            f"| `{r['command']}` | {r['mean']:.3f} | {r['stddev']:.3f} | {r['min']:.3f} | "
            f"{r['max']:.3f} |"
        )
    return [*lines, ""]


def static_section(static: dict[str, Any]) -> list[str]:
    lines = [
        "## Static model throughput (stages A and B on sample arrays)",
        "",
        "Command: `.venv/bin/python -m pytest benchmarks/test_static_model.py "
        "--benchmark-json benchmarks/static.json`",
        "",
        "| samples | mean (ms) | min (ms) | samples per second (from the mean) |",
        "|---|---|---|---|",
    ]
    for b in static["benchmarks"]:
        n = b["extra_info"]["samples"]
        mean = b["stats"]["mean"]
        lines.append(
            f"| {n:,} | {mean * 1e3:.2f} | {b['stats']['min'] * 1e3:.2f} | {n / mean:,.0f} |"
        )
    return [*lines, ""]


if __name__ == "__main__":
    main()
