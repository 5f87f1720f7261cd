"""This tree against an earlier revision of itself: is a change slower?

    .venv/bin/python benchmarks/revisions.py --base REV [--head REV] [--rounds R] [--samples N]

``make bench-against REV=...`` runs it. The revision (and ``--head``, when given instead of
this tree) is checked out into a temporary git worktree; both trees run in this one venv
(``PYTHONPATH`` picks the tree), each case in a fresh process, the two trees alternating round
by round (which goes first alternates too) so that whatever else the machine is doing falls on
both alike. Cases:

- ``race``: ``api.race`` on the race preset (N samples, 60 months) with 1 and with 2 workers,
  timed inside the process (import and scenario loading excluded);
- ``run``: ``api.run`` on the uncertain preset (N samples, 1 worker), timed the same way;
- ``essay``: the whole ``alignment-runway essay`` command, start-up included (wall time of the
  process).

Writes benchmarks/REVISIONS.md: per case the median and best of each tree and their ratio
(this tree ÷ the base; below 1 is faster), with the command that produced it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Case name -> Python statement timed inside a fresh process (``api`` and ``n`` are bound).
TIMED = {
    "race, 1 worker": ('api.race(api.load_scenario(preset="race"), n, 2023, months=60, workers=1)'),
    "race, 2 workers": (
        'api.race(api.load_scenario(preset="race"), n, 2023, months=60, workers=2)'
    ),
    "run uncertain, 1 worker": 'api.run(api.load_scenario(preset="uncertain"), n, 2023)',
}
_PROGRAM = """
import sys, time
from alignment_runway import api
n = int(sys.argv[1])
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""


def _timed(tree: Path, statement: str, samples: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM.format(statement=statement), str(samples)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tree,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _essay(tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "alignment_runway", "essay"],
        capture_output=True,
        env=env,
        check=True,
        cwd=tree,
    )
    return time.perf_counter() - start


def measure(base: Path, head: Path, rounds: int, samples: int) -> dict[str, dict[str, list[float]]]:
    """Seconds per case and tree (``base``, ``head``), the trees alternating."""
    times: dict[str, dict[str, list[float]]] = {
        case: {"base": [], "head": []} for case in [*TIMED, "essay command"]
    }
    for r in range(rounds):
        order = [("base", base), ("head", head)]
        if r % 2:
            order.reverse()
        for case, statement in TIMED.items():
            for name, tree in order:
                times[case][name].append(_timed(tree, statement, samples))
        for name, tree in order:
            times["essay command"][name].append(_essay(tree))
    return times


def report(times: dict[str, dict[str, list[float]]], command: str, rev: str, n: int) -> str:
    """The comparison as Markdown."""
    lines = [
        "# This tree against an earlier revision",
        "",
        f"Written by `benchmarks/revisions.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs. "
        f"Base: `{rev}`; {n:,} samples.",
        "",
        f"Command: `{command}`",
        "",
        "Each case in a fresh process, the two trees alternating; ratio = this tree (or --head) "
        "÷ base "
        "(below 1 is faster). Compare the ratios, not the seconds, across runs.",
        "",
        "| case | base median (s) | this median (s) | base best (s) | this best (s) "
        "| ratio of medians | ratio of bests |",
        "|---|---|---|---|---|---|---|",
    ]
    for case, by_tree in times.items():
        b, h = by_tree["base"], by_tree["head"]
        bm, hm = statistics.median(b), statistics.median(h)
        lines.append(
            f"| {case} | {bm:.3f} | {hm:.3f} | {min(b):.3f} | {min(h):.3f} "
            f"| {hm / bm:.3f} | {min(h) / min(b):.3f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the git revision to compare against")
    parser.add_argument("--head", help="a git revision to measure instead of this tree")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=1_000_000)
    args = parser.parse_args()

    def short(name: str) -> str:
        done = subprocess.run(
            ["git", "rev-parse", "--short", name], capture_output=True, text=True, check=True,
            cwd=ROOT,
        )  # fmt: skip
        return done.stdout.strip()

    rev = short(args.base)
    with tempfile.TemporaryDirectory() as folder:
        trees = {"base": (Path(folder) / "base", rev)}
        if args.head:
            trees["head"] = (Path(folder) / "head", short(args.head))
        for path, at in trees.values():
            subprocess.run(
                ["git", "worktree", "add", "--detach", "--quiet", str(path), at],
                check=True, cwd=ROOT,
            )  # fmt: skip
        try:
            head = trees["head"][0] if args.head else ROOT
            times = measure(trees["base"][0], head, args.rounds, args.samples)
        finally:
            for path, _ in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT)
    command = (
        f"python benchmarks/revisions.py --base {args.base}"
        + (f" --head {args.head}" if args.head else "")
        + f" --rounds {args.rounds} --samples {args.samples}"
    )
    text = report(times, command, rev, args.samples)
    (HERE / "REVISIONS.md").write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
