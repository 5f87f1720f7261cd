"""Where the command line's start-up goes: numpy, typer and rich, this package, the command.

    python benchmarks/startup_phases.py [--repeats R] [--out benchmarks/startup_phases.json]

Each repeat is a fresh interpreter that times, in order: importing numpy; typer and rich; the
command line's modules for ``essay`` (``cli.root`` and ``cli.study_commands``, which import
the api); then the ``essay`` command itself, its tables written to a string. Prints the best
of each phase over the repeats (seconds), and writes them to ``--out`` when given (``make
bench`` does, for RESULTS.md's start-up section).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PHASES = """
import io, json, sys, time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import rich.console, rich.table, typer
t2 = time.perf_counter()
import alignment_runway.cli.root as root, alignment_runway.cli.study_commands
t3 = time.perf_counter()
sys.argv, out, shown = ["alignment-runway", "essay"], io.StringIO(), sys.stdout
sys.stdout = out
try:
    root.main()
except SystemExit:
    pass
sys.stdout = shown
t4 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "typer and rich": t2 - t1, "this package": t3 - t2,
                  "the essay command": t4 - t3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        done = subprocess.run(
            [sys.executable, "-c", PHASES],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "src")},
        )
        for phase, seconds in json.loads(done.stdout).items():
            best[phase] = min(best.get(phase, seconds), seconds)
    for phase, seconds in best.items():
        print(f"{phase}: {seconds:.3f} s")
    if args.out is not None:
        command = " ".join(["python benchmarks/startup_phases.py", *sys.argv[1:]])
        args.out.write_text(json.dumps({"command": command, "best_s": best}, indent=1) + "\n")


if __name__ == "__main__":
    main()
