"""Figures of sensitivity analyses: tornado bars, rank correlations, Sobol indices."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignment_runway.formatting import number, unit_name
from alignment_runway.reports.plotting import legend_below, patch, pyplot, render, words
from alignment_runway.units import factor

if TYPE_CHECKING:
    from alignment_runway.results import SensitivityResult

__all__ = ["sensitivity_figure", "sensitivity_panels"]


def _analysed(result: SensitivityResult) -> str:
    """The output as analysed: its name, or ``ln(name)`` when its logarithm was (``--log``)."""
    label = words(result.output)
    return f"ln({label})" if result.log else label


def _output_label(result: SensitivityResult, unit: str) -> str:
    if result.log:
        shown = unit_name(result.unit)
        return f"{_analysed(result)}, the output in {shown}" if shown else _analysed(result)
    label = words(result.output)
    return f"{label} ({unit_name(unit)})" if unit else label


def sensitivity_figure(
    results: Sequence[SensitivityResult], path: str | os.PathLike[str], display: dict[str, str]
) -> Path:
    """Write one panel per output: tornado bars, rank correlations, or Sobol bars with errors.

    Args:
        results: from ``api.sensitivity`` (one method).
        path: a .png or .svg file.
        display: the display unit of each output by name (values are converted to it).
    """
    from alignment_runway.files import write_atomically

    target = Path(path)
    data = render(_sensitivity(results, display), target.suffix.lower()[1:])

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(target, True, write, "figure")
    return target


def _sensitivity(results: Sequence[SensitivityResult], display: dict[str, str]) -> Any:
    plt = pyplot()
    rows = max(min(len(r.tornado), _TORNADO_BARS) or len(r.rank) or len(r.sobol) for r in results)
    fig, axes = plt.subplots(
        1, len(results), figsize=(8.0 * len(results), 2.2 + 0.38 * rows), squeeze=False
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
        ax.set_title(f"{_analysed(result)}: {result.method}", loc="left", fontsize=11)
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
    ax.set_yticks(range(len(rows)), [words(r.name) for r in rows])
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
    legend_below(
        ax,
        [
            patch("#4c72b0", "input at its 5th percentile"),
            patch("#dd8452", "input at its 95th percentile"),
        ],
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
    ax.set_yticks(range(len(rows)), [words(r.name) for r in rows])
    ax.set_xlabel(f"Spearman rank correlation with {_analysed(result)} (±95%)")


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
    ax.set_yticks(list(y), [words(r.name) for r in rows])
    ax.set_xlabel(f"Sobol index of {_analysed(result)} (±95% bootstrap)")
    legend_below(ax)


def sensitivity_panels(results: Sequence[SensitivityResult], display: dict[str, str]) -> Any:
    """The figure ``sensitivity_figure`` writes, as a matplotlib figure."""
    return _sensitivity(results, display)
