"""The peer benchmark of the three-input model: alignment-runway, numpy, squigglepy, Squiggle.

    .venv/bin/python benchmarks/peers.py [--sizes N ...] [--repeats R] [--parts PART ...]

``make bench`` runs it with the defaults and ``write_results.py`` turns the JSON it writes
(benchmarks/peers.json) into RESULTS.md. The parts:

- ``in-process``: each Python tool's model run plus its 5/50/95 percentiles, timed in this one
  process (the tools interleaved, best of R after a warm-up); Squiggle the same inside one node
  process (benchmarks/squiggle/three_input.mjs --repeats R). Then a control: the numpy
  baseline on two halves, one after the other and in 2 processes at once, showing how much of
  2 cores the machine gives (other work may share it).
- ``whole-process``: each tool's command line under ``/usr/bin/time -v`` (wall time and peak
  resident set size), R runs each, interleaved.
- ``profile``: alignment-runway's in-process run at 1e6 samples under cProfile, next to the numpy
  baseline's, to show where the time goes.

Every tool uses seed 2023. A command that fails is recorded with its error and what was measured
before it failed, never dropped.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import multiprocessing
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import numpy_baseline  # noqa: E402
import squigglepy_model  # noqa: E402

from alignment_runway import api  # noqa: E402

SEED = 2023
SIZES = (10**5, 10**6, 10**7)
PERCENTILES = (5, 50, 95)
SCENARIO = "benchmarks/three_input.toml"
SQUIGGLE_SCRIPT = "benchmarks/squiggle/three_input.mjs"
KEEP = "static.labor"
AR1, AR2 = "alignment-runway, 1 worker", "alignment-runway, 2 workers"
TOOLS = (AR1, AR2, "numpy", "squigglepy", "Squiggle")

Percentiles = list[float]


def shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (as the commands are shown)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


BIN = Path(sys.executable).parent
PYTHON = shown(BIN / "python")
RUNWAY = shown(BIN / "alignment-runway")


def commands(n: int) -> dict[str, list[str]]:
    """Each tool's whole-process command for ``n`` samples."""
    runway = [RUNWAY, "run", SCENARIO, "--samples", str(n), "--seed", str(SEED)]
    runway += ["--keep", KEEP, "--format", "json", "--no-store", "--workers"]
    return {
        AR1: [*runway, "1"],
        AR2: [*runway, "2"],
        "numpy": [PYTHON, "benchmarks/numpy_baseline.py", "--samples", str(n), "--seed", str(SEED)],
        "squigglepy": [
            PYTHON,
            "benchmarks/squigglepy_model.py",
            "--samples",
            str(n),
            "--seed",
            str(SEED),
        ],
        "Squiggle": ["node", SQUIGGLE_SCRIPT, "--samples", str(n), "--seed", str(SEED)],
    }


def percentiles_from_output(tool: str, stdout: str) -> dict[str, Any]:
    """The percentiles a command printed (alignment-runway's with their standard errors)."""
    data = json.loads(stdout)
    if tool.startswith("alignment-runway"):
        (summary,) = [s for s in data["summary"] if s["name"] == KEEP]
        found = summary["percentiles"]
        return {
            "p": [found[f"p{q}"]["value"] for q in PERCENTILES],
            "se": [found[f"p{q}"]["se"] for q in PERCENTILES],
        }
    return {"p": [data[f"p{q}"] for q in PERCENTILES]}


def time_v(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` under ``/usr/bin/time -v``: wall seconds, peak RSS, exit status, output."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=ROOT, capture_output=True, text=True, check=False
    )
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    status = re.search(r"Exit status: (\d+)", done.stderr)
    if wall is None or rss is None:
        raise RuntimeError(f"/usr/bin/time -v gave no timing for {cmd}: {done.stderr[-500:]}")
    hours, minutes, seconds = wall.groups()
    result: dict[str, Any] = {
        "wall_s": int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds),
        "max_rss_kb": int(rss.group(1)),
        "exit": int(status.group(1)) if status else done.returncode,
    }
    if done.returncode != 0:
        tail = [line for line in done.stderr.splitlines() if not line.startswith("\t")]
        result["error"] = " | ".join(tail[-6:])
    else:
        result["stdout"] = done.stdout
    return result


def repeats_for(n: int, given: int | None) -> int:
    """Runs per tool at ``n`` samples: ``given``, else 7 (5 from 1e7 samples on)."""
    return given if given is not None else (7 if n < 10**7 else 5)


def whole_process(sizes: list[int], repeats: int | None) -> list[dict[str, Any]]:
    """Every tool's command line at every size, interleaved runs (``repeats_for``)."""
    rows = []
    for n in sizes:
        cmds = commands(n)
        runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in cmds}
        for _ in range(repeats_for(n, repeats)):
            for tool, cmd in cmds.items():
                runs[tool].append(time_v(cmd))
                log(f"whole-process {tool} n={n:,}: {runs[tool][-1]['wall_s']:.2f} s")
        for tool, tool_runs in runs.items():
            ok = [r for r in tool_runs if "error" not in r]
            row: dict[str, Any] = {
                "tool": tool,
                "samples": n,
                "command": " ".join(cmds[tool]),
                "wall_s": [r["wall_s"] for r in tool_runs],
                "max_rss_kb": [r["max_rss_kb"] for r in tool_runs],
            }
            if len(ok) < len(tool_runs):
                row["errors"] = [r["error"] for r in tool_runs if "error" in r]
            if ok:
                row.update(percentiles_from_output(tool, ok[-1]["stdout"]))
            rows.append(row)
    return rows


def _runway(workers: int) -> Callable[[int], Percentiles]:
    scenario = api.load_scenario(ROOT / SCENARIO)

    def run(n: int) -> Percentiles:
        result = api.run(scenario, n, SEED, workers=workers, keep=[KEEP])
        return [float(p) for p in np.percentile(result.values[KEEP], PERCENTILES)]

    return run


def python_tools() -> dict[str, Callable[[int], Percentiles]]:
    """The in-process call of each Python tool: model run and percentiles for ``n`` samples."""
    return {
        AR1: _runway(1),
        AR2: _runway(2),
        "numpy": lambda n: numpy_baseline.percentiles(n, SEED),
        "squigglepy": lambda n: squigglepy_model.percentiles(n, SEED),
    }


def squiggle_in_process(n: int, repeats: int) -> dict[str, Any]:
    """Squiggle timed inside one node process (the script repeats the run itself)."""
    cmd = ["node", SQUIGGLE_SCRIPT, "--samples", str(n), "--seed", str(SEED)]
    cmd += ["--repeats", str(repeats)]
    row: dict[str, Any] = {"tool": "Squiggle", "samples": n, "command": " ".join(cmd)}
    measured = time_v(cmd)
    if "error" in measured:
        row.update(errors=[measured["error"]], wall_s=measured["wall_s"])
        row["max_rss_kb"] = measured["max_rss_kb"]
        return row
    data = json.loads(measured["stdout"])
    row["seconds"] = data["seconds"]
    row["run_seconds"] = data["run_seconds"]
    row["percentile_seconds"] = data["percentile_seconds"]
    row["p"] = [data[f"p{q}"] for q in PERCENTILES]
    return row


def in_process(sizes: list[int], repeats: int | None) -> list[dict[str, Any]]:
    """Each tool's model run plus percentiles, timed repeatedly in one process."""
    tools = python_tools()
    for run in tools.values():  # warm-up: imports, first calls, worker start-up code paths
        run(200_000)
    rows = []
    for n in sizes:
        seconds: dict[str, list[float]] = {tool: [] for tool in tools}
        found: dict[str, Percentiles] = {}
        for _ in range(repeats_for(n, repeats)):
            for tool, run in tools.items():
                gc.collect()
                start = time.perf_counter()
                found[tool] = run(n)
                seconds[tool].append(time.perf_counter() - start)
                log(f"in-process {tool} n={n:,}: {seconds[tool][-1]:.3f} s")
        for tool, times in seconds.items():
            rows.append({"tool": tool, "samples": n, "seconds": times, "p": found[tool]})
        rows.append(squiggle_in_process(n, repeats_for(n, repeats)))
        log(f"in-process Squiggle n={n:,}: {rows[-1].get('seconds', rows[-1].get('errors'))}")
    return rows


def _parts() -> tuple[tuple[tuple[str, Callable[..., Any]], ...], ...]:
    """Where the time goes: (label, function) whose cumulative time cProfile reports."""
    from alignment_runway import sampling
    from alignment_runway.distributions import LogNormal, Truncated
    from alignment_runway.engine.evaluate import evaluate_static
    from alignment_runway.model import static

    percentile = np.percentile.__wrapped__  # type: ignore[attr-defined]
    runway = (
        (
            "standard normals: a SeedSequence and a Generator per input per block",
            sampling.block_normals,
        ),
        ("lognormal draws (stock, τ, utilization's base): exp(μ + σz)", LogNormal.from_normal),
        # the truncated utilization keeps its base's draw inside the bounds (tail map)
        ("truncated utilization: the base's draw, the few outside moved", Truncated.from_normal),
        ("model call: input columns, the equations, finiteness counts", evaluate_static),
        ("… of which the equations: L and what it is built from", static.static_model),
        ("np.percentile of L", percentile),
    )
    baseline = (
        ("the model (L only), with the draws", numpy_baseline.labor),
        ("… of which the draws: rng.lognormal of each input", numpy_baseline.lognormal_90),
        ("np.percentile of L", percentile),
    )
    return runway, baseline


def _cumulative(raw: dict[Any, Any], function: Callable[..., Any]) -> float:
    """The cumulative seconds cProfile gives ``function``."""
    code = function.__code__
    entry = raw.get((code.co_filename, code.co_firstlineno, code.co_name))
    return float(entry[3]) if entry else 0.0


def profile(n: int, runs: int = 3) -> dict[str, Any]:
    """alignment-runway (1 worker) and the numpy baseline at ``n`` samples under cProfile.

    Each is profiled ``runs`` times; the run with the smallest total is kept. Returns the
    cumulative seconds of each part (``_parts``), the profiled total and the best time of the
    same call without the profiler.
    """
    out: dict[str, Any] = {"samples": n, "runs": runs}
    tools = python_tools()
    for tool, parts in zip((AR1, "numpy"), _parts(), strict=True):
        plain = []
        for _ in range(runs):
            start = time.perf_counter()
            tools[tool](n)
            plain.append(time.perf_counter() - start)
        best: dict[Any, Any] = {}
        best_total = float("inf")
        for _ in range(runs):
            profiler = cProfile.Profile()
            profiler.enable()
            tools[tool](n)
            profiler.disable()
            raw: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            total = sum(entry[2] for entry in raw.values())
            if total < best_total:
                best, best_total = raw, total
        out[tool] = {
            "unprofiled_s": min(plain),
            "total_s": best_total,
            "parts": [
                {
                    "part": label,
                    "function": function.__qualname__,
                    "cumulative_s": _cumulative(best, function),
                }
                for label, function in parts
            ],
        }
    return out


def _halves(n: int) -> None:
    numpy_baseline.percentiles(n, SEED)


def parallel_control(n: int, runs: int = 3) -> dict[str, Any]:
    """How much of two cores the machine gives now: the numpy baseline on two halves of ``n``.

    Best of ``runs``: both halves one after the other in this process, and both at once in a
    pool of 2 forked processes (started inside the timing, as alignment-runway's pool is).
    On an idle 2-core machine the ratio is close to 2.
    """
    half = n // 2
    serial, parallel = [], []
    for _ in range(runs):
        start = time.perf_counter()
        _halves(half)
        _halves(half)
        serial.append(time.perf_counter() - start)
        start = time.perf_counter()
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(_halves, [half, half]))
        parallel.append(time.perf_counter() - start)
    return {"samples": n, "serial_s": serial, "parallel_s": parallel}


def _node_version() -> str:
    done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip().lstrip("v")


def versions() -> dict[str, str]:
    """The versions of every tool measured."""
    lock = HERE / "squiggle" / "node_modules" / "@quri" / "squiggle-lang" / "package.json"
    return {
        "python": platform.python_version(),
        "alignment-runway": version("alignment-runway"),
        "numpy": np.__version__,
        "squigglepy": version("squigglepy"),
        "@quri/squiggle-lang": json.loads(lock.read_text())["version"],
        "node": _node_version(),
    }


def log(message: str) -> None:
    """Progress on standard error (the benchmark takes minutes)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description="The peer benchmark of the three-input model.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs per tool and size (default 7, 5 at 1e7+)"
    )
    parts = ("in-process", "whole-process", "profile")
    parser.add_argument("--parts", nargs="+", choices=parts, default=list(parts))
    parser.add_argument("--out", type=Path, default=HERE / "peers.json")
    args = parser.parse_args()
    if shutil.which("node") is None or not Path("/usr/bin/time").exists():
        sys.exit("peers.py needs node and /usr/bin/time: run it through `make bench`")
    result: dict[str, Any] = {
        "seed": SEED,
        "sizes": args.sizes,
        "versions": versions(),
        "command": " ".join([PYTHON, "benchmarks/peers.py", *sys.argv[1:]]),
    }
    result["load_before"] = os.getloadavg()
    if "in-process" in args.parts:
        result["in_process"] = in_process(args.sizes, args.repeats)
        result["parallel_control"] = parallel_control(max(args.sizes))
    if "whole-process" in args.parts:
        result["whole_process"] = whole_process(args.sizes, args.repeats)
    if "profile" in args.parts:
        result["profile"] = profile(10**6)
    result["load_after"] = os.getloadavg()
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
