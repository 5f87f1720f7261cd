"""Stage D's cost: the ``tasks`` preset against the ``race`` preset, measured side by side.

    .venv/bin/python benchmarks/tasks_ratio.py [--race-samples N] [--static-samples M] [--rounds R]

``make bench`` runs it (with ``--no-write``: write_results.py then adds the section). The
``tasks`` preset is the ``race`` preset with tasks automated one at a time (five more uncertain
inputs, the research rate integrated as ``∫ Y(t) dt`` with the AI's share solved at every
quadrature node); the ``race`` preset has Stage D neutral. Cases, timed in this process
(import and scenario loading excluded), the two presets alternating round by round (which goes
first alternates too) so that whatever else the machine does falls on both alike:

- ``race``: ``api.race(scenario, N, seed, months=60, workers=1)`` (1000 kept trajectories);
- ``static``: ``api.run(scenario, M, seed, workers=1)``.

Bars: the tasks race at most 20× the race preset's, the static run with tasks on at
most 1.5× without. Writes benchmarks/tasks.json and the "Tasks automated one at a time" section
of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alignment_runway import api

HERE = Path(__file__).parent
SEED = 2023
#: Bars: the tasks preset's time over the race preset's.
BARS = {"race": 20.0, "static": 1.5}
TITLE = "## Tasks automated one at a time (bars: race ≤ 20×, static ≤ 1.5× with tasks off)"


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(race_samples: int, static_samples: int, rounds: int) -> dict[str, Any]:
    """Median and best seconds of each case for each preset, and their ratios."""
    scenarios = {name: api.load_scenario(preset=name) for name in ("race", "tasks")}
    calls: dict[str, Callable[[api.Scenario], object]] = {
        "race": lambda s: api.race(s, race_samples, SEED, months=60, workers=1),
        "static": lambda s: api.run(s, static_samples, SEED, workers=1),
    }
    for case, call in calls.items():  # warm up: imports, caches
        for scenario in scenarios.values():
            call(scenario) if case == "static" else api.race(scenario, 1000, SEED)
    times: dict[str, dict[str, list[float]]] = {c: {"race": [], "tasks": []} for c in calls}
    for r in range(rounds):
        order = ("race", "tasks") if r % 2 == 0 else ("tasks", "race")
        for case, call in calls.items():
            for name in order:
                times[case][name].append(_timed(lambda c=call, n=name: c(scenarios[n])))
    out: dict[str, Any] = {
        "race_samples": race_samples,
        "static_samples": static_samples,
        "rounds": rounds,
        "cpus": os.cpu_count(),
        "load_after": os.getloadavg(),
        "cases": {},
    }
    for case, by in times.items():
        med = {name: statistics.median(v) for name, v in by.items()}
        best = {name: min(v) for name, v in by.items()}
        out["cases"][case] = {
            "median_s": med,
            "best_s": best,
            "ratio_median": med["tasks"] / med["race"],
            "ratio_best": best["tasks"] / best["race"],
            "bar": BARS[case],
        }
    return out


def section(data: dict[str, Any]) -> list[str]:
    """The RESULTS.md section for ``data``."""
    command = (
        f".venv/bin/python benchmarks/tasks_ratio.py --race-samples {data['race_samples']} "
        f"--static-samples {data['static_samples']} --rounds {data['rounds']}"
    )
    lines = [
        TITLE,
        "",
        f"Command: `{command}` (run by `make bench`). The `tasks` preset (the `race` preset with "
        "Stage D on) against the `race` preset (Stage D neutral), in one process, alternating "
        "round by round; times exclude imports and scenario loading.",
        "",
        "| case | samples | race preset: median / best (s) | tasks preset: median / best (s) "
        "| ratio (median) | ratio (best) | bar | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, c in data["cases"].items():
        samples = data["race_samples"] if case == "race" else data["static_samples"]
        what = "race, 60 months, 1 worker, 1000 trajectories" if case == "race" else "static run"
        verdict = "met" if c["ratio_median"] <= c["bar"] else "missed"
        lines.append(
            f"| {what} | {samples:,} | {c['median_s']['race']:.3f} / {c['best_s']['race']:.3f} "
            f"| {c['median_s']['tasks']:.3f} / {c['best_s']['tasks']:.3f} "
            f"| {c['ratio_median']:.1f}× | {c['ratio_best']:.1f}× | ≤ {c['bar']:g}× | {verdict} |"
        )
    load = ", ".join(f"{x:.2f}" for x in data["load_after"])
    lines += [
        "",
        f"{data['cpus']} CPUs; load average after (1, 5, 15 min): {load}.",
        "",
        "Where the time goes: the `race` preset integrates each step in closed form (about a "
        "microsecond per sample); the `tasks` preset solves the AI's share of tasks (a "
        "warm-started Newton solve on the normal CDF in log space) at 4 Gauss–Legendre nodes per "
        "month of each sample's window, again over the window without efficiency growth for "
        "`race.efficiency_gain`, and inside the step where the requirement is met. The static "
        "run adds five drawn inputs, five outputs and one allocation per sample.",
        "",
    ]
    return lines


def write_section(data: dict[str, Any], results: Path) -> None:
    """Replace (or add) this benchmark's section of RESULTS.md."""
    text = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    lines = text.rstrip("\n").split("\n")
    if TITLE in lines:
        start = lines.index(TITLE)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = section(data)
    else:
        lines += ["", *section(data)]
    results.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Measure, then write benchmarks/tasks.json and the RESULTS.md section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--race-samples", type=int, default=100_000)
    parser.add_argument("--static-samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="Write tasks.json only (make bench then writes RESULTS.md whole).",
    )
    args = parser.parse_args(argv)
    data = measure(args.race_samples, args.static_samples, args.rounds)
    (HERE / "tasks.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if not args.no_write:
        write_section(data, HERE / "RESULTS.md")
    for case, c in data["cases"].items():
        sys.stdout.write(f"{case}: tasks/race {c['ratio_median']:.2f}× (median)\n")


if __name__ == "__main__":
    main()
