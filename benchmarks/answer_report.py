"""RESULTS.md's section "Time to a trustworthy answer", from benchmarks/answer.json.

``write_results.py`` includes it; ``python benchmarks/answer_report.py`` replaces just this
section of an existing RESULTS.md (after ``answer.py`` alone, without a full ``make bench``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TITLE = "## Time to a trustworthy answer"
WHOLE_BARS = {"100000": 2.0, "1000000": 1.3, "10000000": 1.1}
FRESH_BAR = 1.5
RACE_BAR = 1.6


def _load(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _verdict(ratio: float, bar: float, higher_is_better: bool = False) -> str:
    met = ratio >= bar if higher_is_better else ratio <= bar
    return "met" if met else "**missed**"


def whole_section(whole: dict[str, Any]) -> list[str]:
    fixed = whole.get("16")
    lines = [
        "### Whole process against the numpy script (bars: ≤ 2× at 1e5, ≤ 1.3× at 1e6, "
        "≤ 1.1× at 1e7)",
        "",
        "Commands (N the sample count; interleaved, best and median of the runs):",
        "",
        f"- `{whole['100000']['tools']['alignment-runway']['command']}`".replace("100000", "N"),
        f"- `{whole['100000']['tools']['numpy']['command']}`".replace("100000", "N"),
        "",
        "| samples | alignment-runway best (median) s | numpy best (median) s | × numpy (best) "
        "| × numpy (median) | bar | peak RSS (MiB) ar / numpy | load before → after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, case in whole.items():
        a, b = case["tools"]["alignment-runway"], case["tools"]["numpy"]
        ratio, ratio_median = a["best"] / b["best"], a["median"] / b["median"]
        bar = WHOLE_BARS.get(n)
        verdict = f"≤ {bar}×: {_verdict(ratio, bar)}" if bar else "(fixed cost)"
        lines.append(
            f"| {int(n):,} | {a['best']:.2f} ({a['median']:.2f}) | {b['best']:.2f} "
            f"({b['median']:.2f}) | {ratio:.2f}× | {ratio_median:.2f}× | {verdict} | "
            f"{a['rss_mib']:.0f} / {b['rss_mib']:.0f} | {_load(case['load_before'])} → "
            f"{_load(case['load_after'])} |"
        )
    if fixed:
        a0 = fixed["tools"]["alignment-runway"]["best"]
        b0 = fixed["tools"]["numpy"]["best"]
        lines += ["", f"Where the time goes: at 16 samples (start-up, reading the scenario, "
                  f"printing) the command takes {a0:.2f} s and the numpy script {b0:.2f} s. "
                  "Beyond that fixed cost, per sample:"]  # fmt: skip
        for n in ("100000", "1000000", "10000000"):
            a = whole[n]["tools"]["alignment-runway"]["best"] - a0
            b = whole[n]["tools"]["numpy"]["best"] - b0
            lines.append(
                f"{int(n):,} samples: {a:.2f} s against {b:.2f} s ({a / b:.2f}× numpy's)."
                if b > 0
                else f"{int(n):,} samples: {a:.2f} s against numpy's ~0 s."
            )
    lines += [
        "",
        "The fixed cost is start-up: Python and numpy (the numpy script's whole cost), typer "
        "and rich for the command line, and this package's modules (scipy is not imported: the "
        "truncated utilization keeps its lognormal draw inside its bounds and moves the few "
        "outside with the standard library's Φ and Φ⁻¹); see `python -X importtime -m "
        "alignment_runway run benchmarks/three_input.toml -n 16 --no-store -f json`. Per "
        "sample, alignment-runway draws standard normals and takes one exp per input where "
        "numpy's `rng.lognormal` does the same, computes L and the outputs it is built from, "
        "and summarises with standard errors; the script's `np.percentile` is its only "
        "summary.",
    ]
    return [*lines, ""]


def fresh_section(fresh: dict[str, Any]) -> list[str]:
    tools = fresh["tools"]
    floor = tools["fused numpy"]
    lines = [
        f"### In-process at 1e7 in a fresh process, against the fused kernel (bar: ≤ {FRESH_BAR}×)",
        "",
        "Each call timed inside its own fresh `python -c` process, after its imports "
        "(interleaved, best and median):",
        "",
        *(f"- {name}: `{code}`" for name, code in fresh["code"].items()),
        "",
        "| tool | best (s) | median (s) | × fused (best) | × fused (median) |",
        "|---|---|---|---|---|",
    ]
    for name, t in tools.items():
        lines.append(
            f"| {name} | {t['best']:.3f} | {t['median']:.3f} | {t['best'] / floor['best']:.2f}× "
            f"| {t['median'] / floor['median']:.2f}× |"
        )
    ratio = tools["alignment-runway"]["best"] / floor["best"]
    lines += [
        "",
        f"Bar ≤ {FRESH_BAR}× the fused kernel: {_verdict(ratio, FRESH_BAR)} ({ratio:.2f}×). "
        f"Load average {_load(fresh['load_before'])} before, {_load(fresh['load_after'])} "
        "after.",
        "",
    ]
    return lines


def answer_section(answer: dict[str, Any]) -> list[str]:
    lines = [
        "### Wall time to a p95 within 1% of the closed form in 90% of seeds",
        "",
        "For each method, the smallest sample count 16·2^k whose p95 of L is within 1% of the "
        "closed form in at least 18 of seeds 0–19 (`needed_samples` in benchmarks/answer.py), "
        "then the time at that count with seed 2023: whole process (`run … --method M "
        "--percentiles 95`, or the numpy script; best of 5) and in-process (`api.run` and the "
        "p95 with its error, or the numpy function; best of 5 after a warm-up). Bars: the best "
        "method no slower than numpy whole process, at most half its time in-process.",
        "",
    ]
    for model, data in answer.items():
        rows = data["methods"]
        numpy = rows["numpy"]
        lines += [
            f"**{model}** (`{_model_file(model)}`), closed-form p95 {data['closed_p95']:,.0f}:",
            "",
            "| method | samples needed | seeds within 1% | whole best (median) s | × numpy "
            "| in-process best (median) s | × numpy |",
            "|---|---|---|---|---|---|---|",
        ]
        for method, row in rows.items():
            if row.get("samples") is None:
                why = row.get("why", "not reached by 16·2^17")
                lines.append(f"| {method} | — | {why} | | | | |")
                continue
            w, p = row["whole"], row["in_process"]
            lines.append(
                f"| {method} | {row['samples']:,} | {row['hits']} of 20 | {w['best']:.2f} "
                f"({w['median']:.2f}) | {w['best'] / numpy['whole']['best']:.2f}× | "
                f"{p['best']:.4f} ({p['median']:.4f}) | "
                f"{p['best'] / numpy['in_process']['best']:.3f}× |"
            )
        lines += ["", *_answer_verdicts(rows), ""]
    variant = answer.get("variant", {}).get("methods", {})
    exact = variant.get("exact", {}).get("whole", {}).get("best")
    bench = answer.get("benchmark", {}).get("methods", {})
    qmc, plain = (bench.get(m, {}).get("whole", {}).get("best") for m in ("qmc", "sample"))
    exact_text = f"{exact:.2f} s, " if exact is not None else ""
    extra = f" ({qmc - plain:.2f} s more than plain sampling here)" if qmc and plain else ""
    lines += [
        f"Exact needs no samples, only the command's start-up ({exact_text}no scipy); qmc "
        "needs 8–32× fewer samples than plain sampling for the same p95 accuracy and is the "
        "fastest sampler in-process, but its whole process pays for importing scipy.stats "
        f"for `scipy.stats.qmc`{extra}. squigglepy is not timed: it redraws an input at each "
        "use, so its p95 of L is 13% above the closed form at any sample count (the peer "
        "section above), never within 1%.",
        "",
    ]
    return lines


def _model_file(model: str) -> str:
    return {"benchmark": "benchmarks/three_input.toml"}.get(
        model, "benchmarks/lognormal_variant.toml"
    )


def _answer_verdicts(rows: dict[str, Any]) -> list[str]:
    numpy = rows["numpy"]
    ours = {m: r for m, r in rows.items() if m != "numpy" and r.get("samples") is not None}
    whole = min(ours, key=lambda m: ours[m]["whole"]["best"])
    inside = min(ours, key=lambda m: ours[m]["in_process"]["best"])
    w = ours[whole]["whole"]["best"] / numpy["whole"]["best"]
    p = ours[inside]["in_process"]["best"] / numpy["in_process"]["best"]
    return [
        f"Whole process, best method ({whole}): {w:.2f}× numpy's time, bar ≤ 1×: "
        f"{_verdict(w, 1.0)}. In-process, best method ({inside}): {p:.3f}× numpy's time, "
        f"bar ≤ 0.5×: {_verdict(p, 0.5)}."
    ]


def race_section(race: dict[str, Any]) -> list[str]:
    one, two = race["tools"]["1 worker"], race["tools"]["2 workers"]
    speed, speed_median = one["best"] / two["best"], one["median"] / two["median"]
    return [
        f"### The race on 2 workers (bar: ≥ {RACE_BAR}× faster than 1, command line, 1e6)",
        "",
        f"`{two['command']}` against the same with `--workers 1`, interleaved.",
        "",
        "| workers | best (s) | median (s) | all (s) | peak RSS (MiB) |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {t['best']:.2f} | {t['median']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in t['walls'])} | {t['rss_mib']:.0f} |"
            for name, t in race["tools"].items()
        ),
        "",
        f"Speed-up {speed:.2f}× (best), {speed_median:.2f}× (median): "
        f"{_verdict(speed, RACE_BAR, higher_is_better=True)}. Load average "
        f"{_load(race['load_before'])} before, {_load(race['load_after'])} after, on 2 cores "
        "(the benchmark's own processes included). Only the race's blocks run on the workers: "
        "start-up, reading the scenario (its truncated inputs' draws import scipy.special), "
        "and the summaries and tables of every output run in one process, about 1.0 s of "
        "2.6 s with one worker under `python -m cProfile -m alignment_runway race --preset "
        "race -n 1000000 --no-store -f json`, which caps the speed-up well below 2×.",
        "",
    ]


def memory_section(memory: dict[str, Any]) -> list[str]:
    lines = [
        "### Peak memory of the benchmark `run` (bar: about 16 bytes per sample per kept output)",
        "",
        "| samples | command | wall (s) | peak RSS (MiB) | bytes per sample "
        "| load before → after |",
        "|---|---|---|---|---|---|",
    ]
    for n, m in memory.items():
        lines.append(
            f"| {int(n):,} | `/usr/bin/time -v {m['command']}` | {m['wall']:.1f} | "
            f"{m['rss_mib']:,.0f} | {m['bytes_per_sample']:.1f} | {_load(m['load_before'])} → "
            f"{_load(m['load_after'])} |"
        )
    return [*lines, ""]


def section(data: dict[str, Any]) -> list[str]:
    """The whole section, from what ``answer.py`` measured."""
    lines = [
        TITLE,
        "",
        "Command: `python benchmarks/answer.py` (run by `make bench`), this tree's "
        f"`python -m alignment_runway`; the machine has {data.get('cpus')} CPUs, shared with "
        "whatever else runs (the load averages are beside each measurement). Parts measured "
        + ", ".join(f"{p} at {data[p + '_at']}" for p in _PARTS if p in data)
        + ".",
        "",
    ]
    for part, render in _PARTS.items():
        if part in data:
            lines += render(data[part])
    return lines


_PARTS = {
    "whole": whole_section,
    "fresh": fresh_section,
    "answer": answer_section,
    "race": race_section,
    "memory": memory_section,
}


def replace_section(results: str, new: list[str]) -> str:
    """``results`` with this section replaced (or added before the web section)."""
    lines = results.splitlines()
    text = "\n".join(new).rstrip("\n").splitlines()
    if TITLE in lines:
        start = lines.index(TITLE)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        return "\n".join([*lines[:start], *text, "", *lines[end:]]) + "\n"
    at = next((i for i, line in enumerate(lines) if line.startswith("## The web")), len(lines))
    return "\n".join([*lines[:at], *text, "", *lines[at:]]) + "\n"


if __name__ == "__main__":
    data = json.loads((HERE / "answer.json").read_text())
    path = HERE / "RESULTS.md"
    path.write_text(replace_section(path.read_text(), section(data)))
    sys.stdout.write(f"wrote the section into {path}\n")
