"""The command line shared by the Python peers: ``--samples N --seed S`` in, JSON out."""

import argparse
import json
import sys
from collections.abc import Callable


def main(tool: str, description: str, percentiles: Callable[[int, int], list[float]]) -> None:
    """Parse ``--samples``/``--seed``, run ``percentiles(n, seed)``, print p5/p50/p95 as JSON."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    p = percentiles(args.samples, args.seed)
    out = {"tool": tool, "samples": args.samples, "p5": p[0], "p50": p[1], "p95": p[2]}
    sys.stdout.write(json.dumps(out) + "\n")
