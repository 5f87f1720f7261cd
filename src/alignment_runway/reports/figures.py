"""Figures of results, written as PNG or SVG with matplotlib (imported on first use).

Labels carry units; every figure function takes results from ``alignment_runway.api`` and a
path, and writes one file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.formatting import number, unit_name
from alignment_runway.reports.plotting import pyplot as _pyplot
from alignment_runway.reports.plotting import render
from alignment_runway.reports.sensitivity_figures import sensitivity_figure, sensitivity_panels

if TYPE_CHECKING:
    from alignment_runway.views import TasksView
    from alignment_runway.views.swept import SweepView

__all__ = [
    "FIGURE_FORMATS",
    "FigureSpec",
    "check_figure_path",
    "distribution_figure",
    "fan_figure",
    "fan_scale",
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


# --- figures of runs and races --------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a report: its file stem, caption and how to draw it."""

    stem: str
    caption: str
    draw: Callable[[], Any]


def write_figures(specs: Sequence[FigureSpec], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each figure as ``STEM.png`` and ``STEM.svg`` into ``folder`` (created if need be).

    The set is written whole or not at all: every figure goes to a temporary file first, and
    only once all are written are they moved into place; a write that fails (a full disk)
    removes the temporary files, and the folder when this call created it.

    Raises:
        OSError: when a file cannot be written.
    """
    from alignment_runway.files import temporary_name

    target = Path(folder)
    created = not target.exists()
    rendered = {
        target / f"{spec.stem}.{fmt}": render(spec.draw(), fmt)
        for spec in specs
        for fmt in FIGURE_FORMATS
    }
    target.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}
    try:
        for path, data in rendered.items():
            staged[path] = temporary_name(path)
            with open(staged[path], "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                target.rmdir()
        raise
    for path, tmp in staged.items():
        os.replace(tmp, path)
    return list(staged)


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
    shown = unit_name(unit)
    ax.set_xlabel(f"{label} ({shown}), log scale" if shown else f"{label}, log scale")
    ax.set_ylabel("samples")
    fig.tight_layout()
    return fig


#: A fan whose band spans more than this ratio (95th percentile over the median, at the end)
#: is drawn on a log axis, so the median and the 50% band are not squashed flat.
FAN_LOG_RATIO = 10.0


def fan_scale(quantiles: Array) -> str:
    """``"log"`` when a fan's 90% band spans decades above its median at the end, else linear.

    ``quantiles``: the 5th, 25th, 50th, 75th and 95th percentiles by month (rows).
    """
    median, top = float(quantiles[2, -1]), float(quantiles[4, -1])
    return "log" if median > 0 and top / median > FAN_LOG_RATIO else "linear"


def fan_figure(month: Array, trajectories: Array, scale: float, unit: str) -> Any:
    """Cumulative research by month: median and 50%/90% bands (one line for one sample).

    When the band spans decades (``fan_scale``) the axis is logarithmic; values of 0 (before
    any research, or a window that never opened) then sit on the bottom edge.
    """
    from matplotlib.ticker import FuncFormatter

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    y = trajectories * scale
    shown = unit_name(unit)
    if y.shape[0] == 1:
        ax.plot(month, y[0], color="#4c72b0", label="research")
        ax.set_ylabel(f"research delivered ({shown})")
    else:
        q = np.quantile(y, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        log = fan_scale(q) == "log"
        floor = float(q[2][q[2] > 0].min()) / 10 if log else 0.0
        q = np.maximum(q, floor)
        ax.fill_between(month, q[0], q[4], color="#4c72b0", alpha=0.2, label="90% of samples")
        ax.fill_between(month, q[1], q[3], color="#4c72b0", alpha=0.4, label="50% of samples")
        ax.plot(month, q[2], color="#4c72b0", label="median")
        if log:
            ax.set_yscale("log")
            ax.set_ylim(floor, float(q.max()) * 2)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
        ax.set_ylabel(f"research ({shown}{', log scale' if log else ''})")
    ax.set_xlabel("months since the pause")
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
        share = shares[name]
        if share > 0.85:  # inside the bar's end, in white, so it never overlaps the bar
            ax.text(
                share - 0.01,
                i,
                f"{share:.1%}",
                va="center",
                ha="right",
                fontsize=8,
                color="white",
                fontweight="bold",
            )
        else:
            ax.text(share + 0.01, i, f"{share:.1%}", va="center", ha="left", fontsize=8)
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
        label = "probability" if binary else f"median ({unit_name(unit)})" if unit else "median"
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
    ax.set_xlabel(f"{axis} ({unit_name(unit)})" if unit else axis)
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
    ax.set_xlabel(f"{cols_name} ({unit_name(cols_unit)})" if cols_unit else cols_name)
    ax.set_ylabel(f"{rows_name} ({unit_name(rows_unit)})" if rows_unit else rows_name)
    if grid.size <= 100:
        for (i, j), value in np.ndenumerate(grid):
            text = f"{value:.2f}" if binary else number(value)
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white")
