"""Time to a trustworthy answer: whole-process and fresh-process ratios, the sample count each
method needs for a p95 within 1% of the closed form, the race on 2 workers, peak memory.

    python benchmarks/answer.py [--parts whole fresh answer race memory] [--repeats R]

Writes benchmarks/answer.json; ``answer_report.py`` turns it into RESULTS.md's section. Every
command runs this tree (``python -m alignment_runway`` with ``PYTHONPATH=src``); runs of the
tools compared are interleaved, and the load average is recorded around each measurement,
since the machine is shared. The parts:

- ``whole``: ``run benchmarks/three_input.toml --keep static.labor`` against
  ``numpy_baseline.py`` as whole processes at 1e5, 1e6 and 1e7 samples (and at 16 samples, for
  each command's fixed cost);
- ``fresh``: at 1e7, each in a fresh process, the call alone timed (after imports):
  ``api.run`` and its p5/p50/p95 with errors, the fused kernel (``fused_kernel.py``), the numpy
  baseline;
- ``answer``: for each model (the benchmark, ``lognormal_variant.toml``) and method, the
  smallest sample count (16·2^k) whose p95 is within 1% of the closed form in at least 18 of 20
  seeds, then the wall time at that count, whole process and in-process;
- ``race``: ``race --preset race --samples 1000000`` with 1 and 2 workers, whole process;
- ``memory``: peak RSS (``/usr/bin/time``) of the benchmark ``run`` at 1e7 and 1e8 samples.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import NormalDist, median
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import numpy_baseline  # noqa: E402
import numpy_variant  # noqa: E402

from alignment_runway import api  # noqa: E402

PY = sys.executable
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
MODELS = {
    "benchmark": "benchmarks/three_input.toml",
    "variant": "benchmarks/lognormal_variant.toml",
}
NUMPY = {"benchmark": numpy_baseline, "variant": numpy_variant}
NUMPY_SCRIPT = {
    "benchmark": "benchmarks/numpy_baseline.py",
    "variant": "benchmarks/numpy_variant.py",
}
KEEP = "static.labor"
SEEDS = range(20)
NEEDED = 18  # of 20 seeds: 90%
Z90 = 1.6448536269514722


def load() -> list[float]:
    """The 1, 5 and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def timed(command: list[str]) -> dict[str, Any]:
    """Wall seconds and peak RSS (MiB) of ``command`` under ``/usr/bin/time``."""
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", out.name, *command],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            check=False,
        )
        wall, rss = out.read().split()[-2:]
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}")
    return {"wall": float(wall), "rss_mib": int(rss) / 1024, "stdout": done.stdout}


def ar_run(model: str, n: int, method: str = "sample", extra: tuple[str, ...] = ()) -> list[str]:
    """The command line of a ``run`` of ``model`` keeping L."""
    command = [PY, "-m", "alignment_runway", "run", MODELS[model], "--keep", KEEP]
    command += ["--format", "json", "--no-store", "--percentiles", "5,50,95", *extra]
    if method != "exact":
        command += ["--samples", str(n), "--seed", "2023"]
    return [*command, "--method", method]


def interleaved(commands: dict[str, list[str]], repeats: int) -> dict[str, Any]:
    """Each command ``repeats`` times, in turn; walls, best, median, peak RSS, load."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    before = load()
    for _ in range(repeats):
        for name, command in commands.items():
            runs[name].append(timed(command))
    out: dict[str, Any] = {"load_before": before, "load_after": load(), "tools": {}}
    for name, done in runs.items():
        walls = [d["wall"] for d in done]
        out["tools"][name] = {
            "command": " ".join(commands[name]).replace(PY, "python"),
            "walls": walls,
            "best": min(walls),
            "median": median(walls),
            "rss_mib": max(d["rss_mib"] for d in done),
        }
    return out


def part_whole(repeats: int) -> dict[str, Any]:
    """The benchmark ``run`` against the numpy script, whole process, at 1e5, 1e6, 1e7.

    16 samples first: each command's fixed cost (start-up, reading, printing).
    """
    out = {}
    for n in (16, 10**5, 10**6, 10**7):
        commands = {
            "alignment-runway": ar_run("benchmark", n),
            "numpy": [PY, NUMPY_SCRIPT["benchmark"], "--samples", str(n)],
        }
        out[str(n)] = interleaved(commands, repeats if n < 10**7 else max(3, repeats // 2))
    return out


_FRESH = {
    "alignment-runway": (
        "from alignment_runway import api; s = api.load_scenario('{model}')"
        "; t = time.perf_counter(); r = api.run(s, {n}, 2023, keep=['static.labor'])"
        "; r.summaries((5.0, 50.0, 95.0), names=['static.labor'])"
    ),
    "fused numpy": (
        "import fused_kernel; t = time.perf_counter(); fused_kernel.percentiles({n}, 2023)"
    ),
    "numpy": (
        "import numpy_baseline; t = time.perf_counter(); numpy_baseline.percentiles({n}, 2023)"
    ),
}


def part_fresh(repeats: int, n: int = 10**7) -> dict[str, Any]:
    """At 1e7, each tool's call alone, timed inside a fresh process."""
    runs: dict[str, list[float]] = {name: [] for name in _FRESH}
    before = load()
    for _ in range(repeats):
        for name, code in _FRESH.items():
            body = code.format(model=MODELS["benchmark"], n=n)
            script = f"import sys, time; sys.path.insert(0, 'benchmarks'); {body}"
            script += "; print(time.perf_counter() - t)"
            done = timed([PY, "-c", script])
            runs[name].append(float(done["stdout"].split()[-1]))
    return {
        "samples": n,
        "load_before": before,
        "load_after": load(),
        "code": {k: v.format(model=MODELS["benchmark"], n=n) for k, v in _FRESH.items()},
        "tools": {k: {"times": v, "best": min(v), "median": median(v)} for k, v in runs.items()},
    }


def closed_p95(model: str) -> float:
    """L's p95 in closed form (utilization untruncated for the benchmark model)."""
    if model == "variant":
        scenario = api.load_scenario(MODELS[model])
        return api.run(scenario, method="exact", keep=[KEEP]).laws[KEEP].percentile(95).value
    s = {name: math.log(b / a) / (2 * Z90) for name, (a, b) in _BENCHMARK_RANGES.items()}
    med = {name: math.sqrt(a * b) for name, (a, b) in _BENCHMARK_RANGES.items()}
    log_sd = math.sqrt((s["stock"] / 2) ** 2 + (s["u"] / 2) ** 2 + s["tau"] ** 2)
    k = numpy_baseline.TOKENS_PER_PARAMETER
    cluster = med["stock"] * numpy_baseline.SHARE
    median_l = math.sqrt(6 * k * cluster * med["u"] / numpy_baseline.DURATION_S) / 2 / med["tau"]
    return median_l * math.exp(log_sd * NormalDist().inv_cdf(0.95))


_BENCHMARK_RANGES = {"stock": (2e21, 8e21), "u": (0.3, 0.6), "tau": (10.0, 1000.0)}


def p95_function(model: str, method: str) -> Callable[[int, int], float] | None:
    """The p95 of L from ``n`` samples and a seed, for each method (None: not possible)."""
    if method == "numpy":
        return lambda n, seed: NUMPY[model].percentiles(n, seed)[2]
    scenario = api.load_scenario(MODELS[model])
    if method == "exact":
        try:
            api.run(scenario, method="exact", keep=[KEEP])
        except api.InputError:
            return None

    def p95(n: int, seed: int) -> float:
        result = api.run(scenario, n, seed, method=method, keep=[KEEP])
        return result.summaries((95.0,), names=[KEEP])[0].percentiles[95.0].value

    return p95


def needed_samples(p95: Callable[[int, int], float], exact: float, method: str) -> dict[str, Any]:
    """The smallest 16·2^k samples giving a p95 within 1% in 18 of 20 seeds."""
    if method == "exact":
        hits = sum(abs(p95(1, seed) / exact - 1) <= 0.01 for seed in SEEDS)
        return {"samples": 0, "hits": hits}
    tried = []
    for k in range(6, 18):
        n = 16 * 2**k
        hits = sum(abs(p95(n, seed) / exact - 1) <= 0.01 for seed in SEEDS)
        tried.append((n, hits))
        if hits >= NEEDED:
            return {"samples": n, "hits": hits, "tried": tried}
    return {"samples": None, "tried": tried}


def in_process(call: Callable[[], object], repeats: int) -> dict[str, float]:
    """Best and median of ``repeats`` timed calls after one warm-up."""
    call()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return {"best": min(times), "median": median(times)}


def part_answer(repeats: int) -> dict[str, Any]:
    """Per model and method: the samples needed, then whole-process and in-process times."""
    out: dict[str, Any] = {}
    for model in MODELS:
        exact = closed_p95(model)
        rows: dict[str, Any] = {}
        for method in ("sample", "qmc", "exact", "numpy"):
            p95 = p95_function(model, method)
            if p95 is None:
                rows[method] = {"samples": None, "why": "an input is not an untruncated lognormal"}
                continue
            found = needed_samples(p95, exact, method)
            n = found["samples"]
            if n is not None:
                if method == "numpy":
                    command = [PY, NUMPY_SCRIPT[model], "--samples", str(max(n, 1))]
                else:
                    command = ar_run(model, n, method, ("--percentiles", "95"))
                found["whole"] = interleaved({method: command}, repeats)["tools"][method]
                found["load"] = load()
                found["in_process"] = in_process(lambda p=p95, n=n: p(max(n, 1), 2023), repeats)
            rows[method] = found
        out[model] = {"closed_p95": exact, "methods": rows}
    return out


def part_race(repeats: int) -> dict[str, Any]:
    """``race --preset race`` at 1e6 samples on 1 and 2 workers, whole process."""
    base = [PY, "-m", "alignment_runway", "race", "--preset", "race", "--samples", "1000000"]
    base += ["--format", "json", "--no-store", "--workers"]
    return interleaved({"1 worker": [*base, "1"], "2 workers": [*base, "2"]}, repeats)


def part_memory() -> dict[str, Any]:
    """Peak RSS of the benchmark ``run`` keeping L at 1e7 and 1e8 samples."""
    out = {}
    for n in (10**7, 10**8):
        before = load()
        done = timed(ar_run("benchmark", n))
        out[str(n)] = {
            "command": " ".join(ar_run("benchmark", n)).replace(PY, "python"),
            "wall": done["wall"],
            "rss_mib": done["rss_mib"],
            "bytes_per_sample": done["rss_mib"] * 2**20 / n,
            "load_before": before,
            "load_after": load(),
        }
    return out


PARTS = {
    "whole": part_whole,
    "fresh": part_fresh,
    "answer": part_answer,
    "race": part_race,
    "memory": lambda repeats: part_memory(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    path = HERE / "answer.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["cpus"] = os.cpu_count()
    for part in args.parts:
        sys.stderr.write(f"{part} … load {load()}\n")
        data[part] = PARTS[part](args.repeats)
        data[part + "_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        path.write_text(json.dumps(data, indent=1) + "\n")
    sys.stderr.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
