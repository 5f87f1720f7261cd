"""The sweep-scaling section of RESULTS.md, from benchmarks/sweep.json (see sweep_scaling.py)."""

from typing import Any


def sweep_section(data: dict[str, Any]) -> list[str]:
    """The section's lines: the three cases, their scaling efficiency, Dask's overhead."""
    one = data["1 process"]["best"]
    lines = [
        "## Sweep scaling: 1 and 2 local processes, a 2-worker Dask LocalCluster",
        "",
        f"Command (run by `make bench`): `{data['command']}`",
        "",
        f"The race preset over race.lead (12 values) × τ (10 values): {data['cells']} cells of "
        f"{data['samples_per_cell']:,} samples and {data['months']:g} months, "
        f"{data['sample_months']:.3g} sample-months in all. Best and median of the repeats after "
        "a warm-up; scaling efficiency = time on 1 ÷ (time on 2 × 2), from the best rounds.",
        "",
        "| case | best (s) | median (s) | M sample-months/s | scaling efficiency |",
        "|---|---|---|---|---|",
    ]
    for case in ("1 process", "2 processes", "LocalCluster(2)"):
        row = data[case]
        rate = data["sample_months"] / row["best"] / 1e6
        efficiency = "—" if case == "1 process" else f"{row['efficiency']:.2f}"
        lines.append(
            f"| {case} | {row['best']:.3f} | {row['median']:.3f} | {rate:.1f} | {efficiency} |"
        )
    o = data["overhead"]
    lines += [
        "",
        f"Dask's overhead per task: {o['blocks']} blocks of {o['block_size']:,} samples of the "
        f"uncertain preset took {o['in_process']['best']:.3f} s in this process and "
        f"{o['cluster']['best']:.3f} s on the 2-worker cluster: "
        f"{o['overhead_per_block_s'] * 1e3:.1f} ms a block beyond an even split over the two "
        f"workers (a sweep's cell is one task: {one / data['cells'] * 1e3:.0f} ms of work here).",
        f"Load average (1, 5, 15 min) before: {_load(data['load_before'])}; after: "
        f"{_load(data['load_after'])}; {data['cpus']} CPUs.",
        "",
    ]
    return lines


def _load(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
