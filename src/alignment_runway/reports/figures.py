"""Figures of results, written as PNG or SVG with matplotlib (imported on first use).

Labels carry units; every figure function takes results from ``alignment_runway.api`` and a
path, and writes one file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.formatting import number
from alignment_runway.units import factor

if TYPE_CHECKING:
    from alignment_runway.results import SensitivityResult
    from alignment_runway.views import TasksView
    from alignment_runway.views.swept import SweepView

__all__ = [
    "FIGURE_FORMATS",
    "FigureSpec",
    "check_figure_path",
    "distribution_figure",
    "fan_figure",
    "paired_figure",
    "reasons_figure",
    "render",
    "sensitivity_figure",
    "sensitivity_panels",
    "sweep_figure",
    "tasks_figure",
    "tasks_panel",
    "write_figures",
]

Array = NDArray[np.float64]

#: File extensions a figure can be written as.
FIGURE_FORMATS = ("png", "svg")


def check_figure_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Check a figure can be written at ``path`` (before any work is done).

    Raises:
        ScenarioError: for an extension other than .png or .svg, a missing folder, or an
            existing file without ``force``.
    """
    from alignment_runway.files import check_new_file

    return check_new_file(path, "figure", tuple(f".{f}" for f in FIGURE_FORMATS), force)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "alignment-runway"  # the same ids in every SVG
    import matplotlib.pyplot as plt

    return plt


def _label(name: str) -> str:
    return name.split(".", 1)[-1].replace("_", " ")


def _output_label(result: SensitivityResult, unit: str) -> str:
    label = _label(result.output)
    if result.log:
        return f"ln({label} / {result.unit or '1'})"
    return f"{label} ({unit})" if unit else label


def sensitivity_figure(
    results: Sequence[SensitivityResult], path: str | os.PathLike[str], display: dict[str, str]
) -> Path:
    """Write one panel per output: tornado bars, rank correlations, or Sobol bars with errors.

    Args:
        results: from ``api.sensitivity`` (one method).
        path: a .png or .svg file.
        display: the display unit of each output by name (values are converted to it).
    """
    target = Path(path)
    target.write_bytes(render(_sensitivity(results, display), target.suffix.lower()[1:]))
    return target


def _sensitivity(results: Sequence[SensitivityResult], display: dict[str, str]) -> Any:
    plt = _pyplot()
    rows = max(min(len(r.tornado), _TORNADO_BARS) or len(r.rank) or len(r.sobol) for r in results)
    fig, axes = plt.subplots(
        1, len(results), figsize=(8.0 * len(results), 1.6 + 0.38 * rows), squeeze=False
    )
    for ax, result in zip(axes[0], results, strict=True):
        unit = display.get(result.output, result.unit)
        scale = 1.0 if result.log else factor(result.unit, unit)
        if result.method == "tornado":
            _tornado_panel(ax, result, scale, unit)
        elif result.method == "rank":
            _rank_panel(ax, result)
        else:
            _sobol_panel(ax, result)
        ax.set_title(f"{_label(result.output)}: {result.method}", loc="left", fontsize=11)
    fig.tight_layout()
    return fig


#: Most bars a tornado panel shows (the largest swings; inputs with none are left out).
_TORNADO_BARS = 15


def _tornado_panel(ax: Any, result: SensitivityResult, scale: float, unit: str) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    moving = [row for row in result.tornado if row.swing > 1e-9 * abs(result.baseline or 1.0)]
    rows = list(reversed(moving[:_TORNADO_BARS]))
    base = (result.baseline or 0.0) * scale
    for i, row in enumerate(rows):
        low, high = row.output_low * scale, row.output_high * scale
        ax.barh(i, low - base, left=base, color="#4c72b0", height=0.6)
        ax.barh(i, high - base, left=base, color="#dd8452", height=0.6)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [_label(r.name) for r in rows])
    ax.set_xlabel(_output_label(result, unit))
    if not result.log and all(v > 0 for r in rows for v in (r.output_low, r.output_high)):
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    left_out = len(result.tornado) - len(rows)
    if left_out:
        ax.text(
            0.0,
            -0.12 - 0.6 / max(len(rows), 1),
            f"{left_out} input(s) with smaller or no swing not shown",
            transform=ax.transAxes,
            fontsize=7,
            color="#57606a",
        )
    ax.legend(
        handles=[
            _patch("#4c72b0", "input at its 5th percentile"),
            _patch("#dd8452", "input at its 95th percentile"),
        ],
        loc="best",
        fontsize=8,
    )


def _rank_panel(ax: Any, result: SensitivityResult) -> None:
    rows = list(reversed(result.rank))
    ax.barh(
        range(len(rows)),
        [r.rho.value for r in rows],
        xerr=[1.96 * r.rho.se for r in rows],
        color=["#dd8452" if r.rho.value > 0 else "#4c72b0" for r in rows],
        height=0.6,
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_yticks(range(len(rows)), [_label(r.name) for r in rows])
    ax.set_xlabel(f"Spearman rank correlation with {_label(result.output)} (±95%)")


def _sobol_panel(ax: Any, result: SensitivityResult) -> None:
    rows = list(reversed(result.sobol))
    y = range(len(rows))
    ax.barh(
        [i + 0.2 for i in y],
        [r.total for r in rows],
        xerr=[r.total_conf for r in rows],
        height=0.4,
        color="#dd8452",
        label="total order",
    )
    ax.barh(
        [i - 0.2 for i in y],
        [r.first for r in rows],
        xerr=[r.first_conf for r in rows],
        height=0.4,
        color="#4c72b0",
        label="first order",
    )
    ax.set_yticks(list(y), [_label(r.name) for r in rows])
    ax.set_xlabel(f"Sobol index of {_label(result.output)} (±95% bootstrap)")
    ax.legend(loc="best", fontsize=8)


def _patch(color: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(color=color, label=label)


# --- figures of runs and races --------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a report: its file stem, caption and how to draw it."""

    stem: str
    caption: str
    draw: Callable[[], Any]


def render(figure: Any, fmt: str) -> bytes:
    """A matplotlib figure as PNG or SVG bytes (SVG without a date, so it is reproducible)."""
    import io

    plt = _pyplot()
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    plt.close(figure)
    return buffer.getvalue()


def write_figures(specs: Sequence[FigureSpec], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each figure as ``STEM.png`` and ``STEM.svg`` into ``folder`` (created if need be)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in specs:
        for fmt in FIGURE_FORMATS:
            path = target / f"{spec.stem}.{fmt}"
            path.write_bytes(render(spec.draw(), fmt))
            written.append(path)
    return written


def distribution_figure(values: Array, label: str, unit: str, scale: float) -> Any:
    """Histogram of a positive output on log axes, with its median and 90% interval."""
    plt = _pyplot()
    x = values * scale
    positive = x[x > 0]
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    if positive.size:
        lo, hi = float(positive.min()), float(positive.max())
        bins = np.geomspace(lo, hi if hi > lo else lo * 1.01, 60)
        ax.hist(positive, bins=bins, color="#4c72b0", alpha=0.85)
        ax.set_xscale("log")
        p5, p50, p95 = np.percentile(x, [5, 50, 95])
        for value, style, name in ((p50, "-", "median"), (p5, "--", "5th"), (p95, "--", "95th")):
            if value > 0:
                ax.axvline(value, color="black", linestyle=style, linewidth=1, label=name)
        ax.legend(fontsize=8, loc="best")
    zeros = int(x.size - positive.size)
    if zeros:
        ax.set_title(f"{zeros:,} samples at 0 not shown", loc="right", fontsize=8)
    ax.set_xlabel(f"{label} ({unit}), log scale" if unit else f"{label}, log scale")
    ax.set_ylabel("samples")
    fig.tight_layout()
    return fig


def fan_figure(month: Array, trajectories: Array, scale: float, unit: str) -> Any:
    """Cumulative research by month: median and 50%/90% bands (one line for one sample)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    y = trajectories * scale
    if y.shape[0] == 1:
        ax.plot(month, y[0], color="#4c72b0", label="research")
    else:
        q = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(month, q[0], q[4], color="#4c72b0", alpha=0.2, label="90% of samples")
        ax.fill_between(month, q[1], q[3], color="#4c72b0", alpha=0.4, label="50% of samples")
        ax.plot(month, q[2], color="#4c72b0", label="median")
    ax.set_xlabel("months since the pause")
    ax.set_ylabel(f"research delivered ({unit})")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def reasons_figure(shares: dict[str, float]) -> Any:
    """Why windows ended: the share of samples by reason."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 2.2))
    names = list(shares)
    ax.barh(names, [shares[n] for n in names], color=["#4c72b0", "#c44e52", "#8c8c8c"])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of samples whose window ended so")
    for i, name in enumerate(names):
        ax.text(min(shares[name] + 0.01, 0.9), i, f"{shares[name]:.1%}", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def paired_figure(
    panels: Sequence[tuple[str, dict[str, Array] | dict[str, tuple[float, float, float]]]],
    baseline: str,
) -> Any:
    """One panel per output, each side against the baseline sample by sample.

    Args:
        panels: (output label, by side label) per output: the paired ratios (side / baseline,
            drawn as a histogram on a log axis; ratios of 0 or that are not finite are counted
            in the title), or for a 0/1 output the shares (higher, equal, lower) of samples.
        baseline: the baseline's label.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.0, 2.8 * len(panels)), squeeze=False)
    for ax, (label, by_side) in zip(axes[:, 0], panels, strict=True):
        first = next(iter(by_side.values()), None)
        if isinstance(first, tuple):
            _shares_panel(ax, by_side, baseline)  # type: ignore[arg-type]
        else:
            _ratios_panel(ax, by_side, baseline)  # type: ignore[arg-type]
        ax.set_title(label, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


_SIDE_COLORS = ("#4c72b0", "#c44e52", "#55a868", "#8172b2", "#ccb974", "#64b5cd")


def _ratios_panel(ax: Any, ratios: dict[str, Array], baseline: str) -> None:
    drawn = {side: r[np.isfinite(r) & (r > 0)] for side, r in ratios.items()}
    every = np.concatenate([r for r in drawn.values() if r.size] or [np.ones(1)])
    lo, hi = float(every.min()), float(every.max())
    bins = np.geomspace(min(lo, 0.5), max(hi, 2.0), 60)
    for k, (side, r) in enumerate(drawn.items()):
        color = _SIDE_COLORS[k % len(_SIDE_COLORS)]
        if r.size:
            ax.hist(r, bins=bins, color=color, alpha=0.5, label=f"{side} / {baseline}")
            ax.axvline(float(np.median(r)), color=color, linewidth=1.2)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1, label="no change")
    ax.set_xscale("log")
    left_out = sum(int(ratios[s].size - drawn[s].size) for s in ratios)
    if left_out:
        note = f"{left_out:,} ratios of 0 not shown; samples where {baseline} is 0 have none"
        ax.set_title(note, loc="right", fontsize=8)
    ax.set_xlabel("ratio to the baseline, sample by sample (log scale; line: median)")
    ax.set_ylabel("samples")
    ax.legend(fontsize=8, loc="upper left")


def _shares_panel(ax: Any, shares: dict[str, tuple[float, float, float]], baseline: str) -> None:
    sides = list(shares)
    left = np.zeros(len(sides))
    for k, (what, color) in enumerate(
        (("higher than", "#55a868"), ("equal to", "#8c8c8c"), ("lower than", "#c44e52"))
    ):
        widths = np.array([shares[s][k] for s in sides])
        ax.barh(sides, widths, left=left, color=color, label=f"{what} {baseline}")
        left += widths
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of samples, each side against the baseline's same sample")
    ax.legend(fontsize=8, loc="lower right", ncols=3)


def sensitivity_panels(results: Sequence[SensitivityResult], display: dict[str, str]) -> Any:
    """The figure ``sensitivity_figure`` writes, as a matplotlib figure."""
    return _sensitivity(results, display)


def tasks_figure(view: TasksView, path: str | os.PathLike[str]) -> Path:
    """Write the ``tasks`` study: speed-up over the human field against the automated share."""
    target = Path(path)
    target.write_bytes(render(tasks_panel(view), target.suffix.lower()[1:]))
    return target


def tasks_panel(view: TasksView) -> Any:
    """Speed-up against the automated share, one curve per ``ε``, on a log scale.

    Bands (5th to 95th percentile) when inputs are uncertain; the single-τ figure and the 3×
    and 10× lines for comparison.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.0, 5.0))
    shares = np.asarray(view.shares)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for color, case in zip(colors, view.cases, strict=False):
        label = (
            f"ε = scenario's ({_spread_label(view.epsilon)})"
            if case.epsilon is None
            else f"ε = {number(case.epsilon)}"
        )
        width = 2.4 if case.epsilon is None else 1.4
        middle = case.speedup.get("value", case.speedup.get("p50"))
        ax.plot(shares, np.asarray(middle), color=color, lw=width, label=label)
        if "p5" in case.speedup:
            ax.fill_between(
                shares, case.speedup["p5"], case.speedup["p95"], color=color, alpha=0.15, lw=0
            )
    single = view.single_tau.get("value", view.single_tau.get("p50", 1.0))
    ax.axhline(
        single, color="black", ls="--", lw=1.0, label=f"single τ: 1 + L/H = {number(single)}"
    )
    for level in (3.0, 10.0):
        ax.axhline(level, color="grey", ls=":", lw=0.8)
        ax.annotate(f"{level:g}×", (0.0, level), xytext=(2, 2), textcoords="offset points",
                    fontsize=8, color="grey")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("automated share of tasks a (cheapest first)")
    ax.set_ylabel("research ÷ the human field's alone")
    ax.set_title(f"{view.scenario}: speed-up over the human field", loc="left", fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def sweep_figure(view: SweepView) -> Any:
    """A sweep, one panel per output: a line over one axis, a heatmap over two.

    A line shows the median and the 5th to 95th percentile band (for a 0/1 output, its
    probability with ±2 standard errors); a heatmap shows the median (or the probability), the
    first axis down, the second across.
    """
    plt = _pyplot()
    n = len(view.outputs)
    two = len(view.axes) == 2
    fig, axes = plt.subplots(n, 1, figsize=(7.0, (4.2 if two else 3.2) * n), squeeze=False)
    for ax, (name, unit, _, binary) in zip(axes[:, 0], view.outputs, strict=True):
        label = "probability" if binary else f"median ({unit})" if unit else "median"
        if two:
            _sweep_heatmap(ax, view, name, binary, label)
        else:
            _sweep_line(ax, view, name, binary, label)
        ax.set_title(name, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


def _spread_label(values: dict[str, float]) -> str:
    if "value" in values:
        return number(values["value"])
    return f"{number(values['p5'])}–{number(values['p95'])}"


def _headline(stats: tuple[Any, dict[str, Any]], binary: bool) -> float:
    mean, percentiles = stats
    values = list(percentiles.values())
    return float(mean.value if binary or not values else values[len(values) // 2].value)


def _sweep_line(ax: Any, view: SweepView, name: str, binary: bool, label: str) -> None:
    axis, unit, values = view.axes[0]
    x = np.array(values)
    y = np.array([_headline(c.outputs[name], binary) for c in view.cells])
    if binary:
        se = np.array([c.outputs[name][0].se for c in view.cells])
        low, high = np.clip(y - 2 * se, 0, 1), np.clip(y + 2 * se, 0, 1)
        band = "±2 standard errors"
    else:
        ps = [list(c.outputs[name][1].values()) for c in view.cells]
        low = np.array([p[0].value for p in ps])
        high = np.array([p[-1].value for p in ps])
        band = "outer percentiles"
    ax.fill_between(x, low, high, color="#4c72b0", alpha=0.25, label=band)
    ax.plot(x, y, color="#4c72b0", marker="o", label=label)
    if x.min() > 0 and x.max() / x.min() > 50:
        ax.set_xscale("log")
    if not binary and np.all(low > 0) and np.nanmax(high) / np.nanmin(low) > 100:
        ax.set_yscale("log")
    ax.set_xlabel(f"{axis} ({unit})" if unit else axis)
    ax.set_ylabel(label)
    ax.legend(fontsize=8, loc="best")


def _sweep_heatmap(ax: Any, view: SweepView, name: str, binary: bool, label: str) -> None:
    (rows_name, rows_unit, rows), (cols_name, cols_unit, cols) = view.axes
    grid = np.array([_headline(c.outputs[name], binary) for c in view.cells]).reshape(
        len(rows), len(cols)
    )
    shown, colorbar = grid, label
    if not binary and np.all(grid > 0) and grid.max() / grid.min() > 100:
        shown, colorbar = np.log10(grid), f"log10 of the {label}"
    image = ax.imshow(shown, aspect="auto", origin="lower", cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label=colorbar)
    ax.set_xticks(range(len(cols)), [number(v) for v in cols], fontsize=7, rotation=45)
    ax.set_yticks(range(len(rows)), [number(v) for v in rows], fontsize=7)
    ax.set_xlabel(f"{cols_name} ({cols_unit})" if cols_unit else cols_name)
    ax.set_ylabel(f"{rows_name} ({rows_unit})" if rows_unit else rows_name)
    if grid.size <= 100:
        for (i, j), value in np.ndenumerate(grid):
            text = f"{value:.2f}" if binary else number(value)
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white")
