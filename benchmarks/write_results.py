"""Write benchmarks/RESULTS.md from the JSON that `make bench` produced.

startup.json (hyperfine), static.json and race.json (pytest-benchmark), race_memory.txt
(``/usr/bin/time -v``), peers.json (benchmarks/peers.py), web_load.json
(benchmarks/web_load.py), tasks.json (benchmarks/tasks_ratio.py) and answer.json
(benchmarks/answer.py).
"""

import json
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from answer_report import section as answer_section
from peers_report import peers_section

HERE = Path(__file__).parent


def main() -> None:
    startup = json.loads((HERE / "startup.json").read_text())
    static = json.loads((HERE / "static.json").read_text())
    race = json.loads((HERE / "race.json").read_text())
    race_memory = (HERE / "race_memory.txt").read_text()
    peers = json.loads((HERE / "peers.json").read_text())
    web = json.loads((HERE / "web_load.json").read_text())
    answer = json.loads((HERE / "answer.json").read_text())
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
        *race_section(race),
        *race_memory_section(race_memory),
        *peers_section(peers),
        *answer_section(answer),
        *web_section(web),
    ]
    if (HERE / "rank.json").exists():  # hyperfine, in make bench
        lines += rank_section(json.loads((HERE / "rank.json").read_text()))
    if (HERE / "tasks.json").exists():  # benchmarks/tasks_ratio.py
        from tasks_ratio import section as tasks_section

        lines += tasks_section(json.loads((HERE / "tasks.json").read_text()))
    if (HERE / "sweep.json").exists():  # benchmarks/sweep_scaling.py
        from sweep_report import sweep_section

        lines += sweep_section(json.loads((HERE / "sweep.json").read_text()))
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    sys.stdout.write(f"wrote {HERE / 'RESULTS.md'}\n")


#: Start-up bars: each command's time at most this many times ``python -c "import numpy"``.
STARTUP_BARS = {"--version": 1.5, "essay": 2.0, "run": 2.5}
#: ``sensitivity --method rank`` at 1e6 samples, at most this many times a plain ``run``.
RANK_BAR = 3.0


def startup_section(startup: dict[str, Any]) -> list[str]:
    results = startup["results"]
    numpy_s = next(r["median"] for r in results if "import numpy" in r["command"])
    lines = [
        "## Start-up (bars: `--version` ≤ 1.5×, `essay` ≤ 2×, a point `run` ≤ 2.5× the time of "
        '`python -c "import numpy"`)',
        "",
        "Command: `hyperfine --warmup 2 --runs 20 --export-json benchmarks/startup.json "
        "\"python -c 'import numpy'\" '.venv/bin/alignment-runway --version' "
        "'.venv/bin/alignment-runway essay' '.venv/bin/alignment-runway run'` (the point `run` "
        "records into the benchmarks' own store)",
        "",
        "| command | mean (s) | σ (s) | median (s) | min (s) | max (s) | median × numpy | bar |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r["median"] / numpy_s
        bar = next((b for word, b in STARTUP_BARS.items() if r["command"].endswith(word)), None)
        verdict = "" if bar is None else f"≤ {bar:g}×: {'met' if ratio <= bar else 'missed'}"
        lines.append(
            f"| `{r['command']}` | {r['mean']:.3f} | {r['stddev']:.3f} | {r['median']:.3f} | "
            f"{r['min']:.3f} | {r['max']:.3f} | {ratio:.2f} | {verdict} |"
        )
    phases_file = HERE / "startup_phases.json"
    if phases_file.exists():
        phases = json.loads(phases_file.read_text())
        parts = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in phases["best_s"].items())
        lines += [
            "",
            f"Where the time of `essay` goes (`{phases['command']}`, best of each phase in fresh "
            f"interpreters): {parts}. The package's part is its modules (about 140 dataclasses "
            "among them), with the commands not run left unimported; typer is held below 0.29, "
            "whose per-option pydantic adapters cost 0.1–0.15 s more (docs/decisions.md).",
        ]
    return [*lines, ""]


def rank_section(rank: dict[str, Any]) -> list[str]:
    """``sensitivity --method rank`` against a plain ``run`` of the same samples."""
    run, ranked = rank["results"]
    ratio = ranked["mean"] / run["mean"]
    verdict = "met" if ratio <= RANK_BAR else "**missed**"
    return [
        f"## Sensitivity by rank correlation (bar: at most {RANK_BAR:g}× a plain `run`, 1e6)",
        "",
        "Command (run by `make bench`): `hyperfine -N --warmup 1 --runs 5 --export-json "
        f"benchmarks/rank.json '{run['command']}' '{ranked['command']}'`",
        "",
        "| command | mean (s) | σ (s) | min (s) |",
        "|---|---|---|---|",
        *(
            f"| `{r['command']}` | {r['mean']:.2f} | {r['stddev']:.2f} | {r['min']:.2f} |"
            for r in (run, ranked)
        ),
        "",
        f"Ratio of means {ratio:.2f}×, bar ≤ {RANK_BAR:g}×: {verdict}. Each input and the "
        "output are ranked once (`analysis.summary.ranks`), the pairs' correlations come from "
        "those ranks, and the samples are drawn as a plain run draws them.",
        "",
    ]


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


#: The race's bar: sample-months (samples × months of horizon) per second per core.
RACE_BAR = 20e6
#: The command `make bench` runs for the race's peak memory (the one in the Makefile).
RACE_MEMORY_COMMAND = (
    "/usr/bin/time -v -o benchmarks/race_memory.txt .venv/bin/alignment-runway race "
    "--preset race --samples 1000000 --format json > /dev/null"
)


def race_case(b: dict[str, Any]) -> str:
    """What a race benchmark timed, from its test name and extra_info."""
    info = b["extra_info"]
    if b["name"].startswith("test_race_whole_run"):
        workers = info["workers"]
        return (
            f"whole run, {workers} worker{'s' if workers > 1 else ''}: "
            f'`api.race(api.load_scenario(preset="race"), samples={info["samples"]:_}, '
            f"months={info['months']}, workers={workers})`"
        )
    return (
        f"stepper alone, worst case, {info['step']}ly steps: "
        f"`race_model(x, grid, None)`, {info['steps']} steps"
    )


def race_verdict(rate: float) -> str:
    """The bar's verdict for a rate in sample-months per second per core."""
    if rate >= RACE_BAR:
        return f"met ({rate / RACE_BAR:.2f}× the bar)"
    return f"**missed** by {1 - rate / RACE_BAR:.0%} ({rate / RACE_BAR:.2f}× the bar)"


def race_section(race: dict[str, Any]) -> list[str]:
    lines = [
        "## Race throughput (bar: at least 20 million sample-months per second per core)",
        "",
        "Command: `make bench`, which runs `.venv/bin/python -m pytest benchmarks/test_race.py "
        "-q -p no:cacheprovider --benchmark-json benchmarks/race.json`.",
        "",
        "A sample-month is one sample carried through one month of the horizon: samples × "
        "months, whatever the step (weekly steps are 5 steps a month: 4 weeks and the rest of "
        "the month); sample-steps count each step, to compare the cost of a step. Per core: "
        "divided by the workers. Best is pytest-benchmark's fastest "
        "round, median its median; verdicts use the best, as in the peer benchmark below, with "
        "the median's rate beside it.",
        "",
        "- whole run: the race preset's draws, the static model, the race for every sample, "
        "then the first 1000 samples again with their trajectories (research by month) kept.",
        "- stepper alone: `alignment_runway.model.race.race_model` on 2^20 samples of "
        "`RaceInputs` built once outside the timed call (`worst_case_inputs` in "
        "benchmarks/test_race.py): labor 1e5-1e6 researcher-s/s, serial speed 1-50, "
        "efficiency doubling every 3-14 months up to a cap of 10-1000, λ 0.2-1, human review "
        "(hard cap) and checkpoints on, a required amount of research; leads of 1000-3000 "
        "months and no theft, so every window outlasts the 120-month horizon and every sample "
        "is stepped at every step. `grid` is `time_grid(120 months, step, 1 month)`; no "
        "trajectories are recorded (`record=None`, as for all but the kept samples of a run).",
        "",
        "| case | samples | months | rounds | best (s) | median (s) | M sample-months/s per "
        "core (best) | (median) | M sample-steps/s per core (best) | 20M bar |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rates: dict[int, float] = {}
    for b in race["benchmarks"]:
        info, stats = b["extra_info"], b["stats"]
        work = info["samples"] * info["months"] / info["workers"]
        best, median = work / stats["min"], work / stats["median"]
        if b["name"].startswith("test_race_whole_run"):
            rates[info["workers"]] = stats["min"]
        lines.append(
            f"| {race_case(b)} | {info['samples']:,} | {info['months']} | {stats['rounds']} | "
            f"{stats['min']:.3f} | {stats['median']:.3f} | {best / 1e6:.1f} | "
            f"{median / 1e6:.1f} | {best * info['steps'] / info['months'] / 1e6:.1f} | "
            f"{race_verdict(best)} |"
        )
    lines.append("")
    if 1 in rates and 2 in rates:
        lines.append(
            f"Scaling, whole run: 2 workers take {rates[2] / rates[1]:.2f}× the time of 1 "
            f"({rates[1]:.3f} s → {rates[2]:.3f} s, best rounds), a speed-up of "
            f"{rates[1] / rates[2]:.2f}× where two free cores would give up to 2×."
        )
    loads = ", ".join(
        f"{b['name'].removeprefix('test_race_')} {_load(b['extra_info']['load_before'])} → "
        f"{_load(b['extra_info']['load_after'])}"
        for b in race["benchmarks"]
    )
    cpus = race["benchmarks"][0]["extra_info"]["cpus"] if race["benchmarks"] else "?"
    lines.append(
        f"The machine has {cpus} CPUs; load average (1, 5, 15 min) before → after each case: "
        f"{loads}."
    )
    lines.append(
        "The load averages count this benchmark's own process (about 1 while a case runs, and "
        "the case before each one was running)."
    )
    for b in race["benchmarks"]:
        others = b["extra_info"]["load_before"][0] - 1
        if b["name"] == "test_race_whole_run[2]" and others >= 0.5:
            lines.append(
                f"Other processes kept about {others:.1f} CPUs busy when the 2-worker case "
                "started (1-minute load minus this benchmark's own 1), so its workers did not "
                "have two free cores: judge its scaling again on an idle machine."
            )
    return [*lines, ""]


def _load(load: list[float]) -> str:
    return "(" + ", ".join(f"{x:.2f}" for x in load) + ")"


def race_memory_section(text: str) -> list[str]:
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    if rss is None or wall is None:
        raise RuntimeError(f"race_memory.txt has no /usr/bin/time -v report: {text[-500:]}")
    hours, minutes, seconds = wall.groups()
    wall_s = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return [
        "### Race: peak memory",
        "",
        f"Command (run by `make bench`): `{RACE_MEMORY_COMMAND}`",
        "",
        "One process, 1 worker, the default 60-month horizon and 1000 kept trajectories. Every "
        "sample's race outputs, static labor and uncertain inputs are kept (8 bytes per sample "
        "each); the model works on blocks of 65,536 samples.",
        "",
        "| samples | peak RSS (MiB) | wall (s) |",
        "|---|---|---|",
        f"| 1,000,000 | {int(rss.group(1)) / 1024:,.0f} | {wall_s:.2f} |",
        "",
    ]


def web_section(web: dict[str, Any]) -> list[str]:
    """The web playground under load: p95 latency with concurrent clients, against the bars."""
    lines = [
        "## The web playground under load (bars: p95 under 200 ms for `run`, 500 ms for `race`)",
        "",
        f"Command: `{web['command'].strip()}` (run by `make bench`): `alignment-runway serve` "
        "with its default 2 worker processes on a loopback port; 4 clients each send requests "
        "one after another, every request a different scenario (its own seed and a setting "
        "that moves with it), at 1e5 samples; a warm-up of other scenarios is not counted. "
        f"The machine has {web['cpus']} cores, shared by the server, its workers and the "
        "clients.",
        "",
        "| case | requests | p50 (ms) | p95 (ms) | max (ms) | requests/s | bar (ms) | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in web["results"]:
        verdict = "met" if r["met"] else "**missed**"
        lines.append(
            f"| {r['case']} | {r['requests']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['max_ms']:.0f} | {r['requests_per_s']:.1f} | {r['bar_ms']:.0f} | {verdict} |"
        )
    lines += [
        "",
        "Four clients on two workers queue: a request waits for one other, so p95 is about "
        "twice one request's time (p50 is about one request's time plus its share of the "
        "queue). A `run` request samples the `uncertain` preset's 1e5 samples and then builds "
        "the summary view the command line prints (every output's mean and percentiles with "
        "Monte Carlo errors, and the rank correlations of the inputs), so the 200 ms bar "
        "needs either more cores or a cheaper summary.",
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
