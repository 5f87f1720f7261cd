"""Figures of results, written as PNG or SVG with matplotlib (imported on first use).

Labels carry units; every figure function takes results from ``alignment_runway.api`` and a
path, and writes one file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignment_runway.errors import ScenarioError
from alignment_runway.units import factor

if TYPE_CHECKING:
    from alignment_runway.api import SensitivityResult

__all__ = ["FIGURE_FORMATS", "check_figure_path", "sensitivity_figure"]

#: File extensions a figure can be written as.
FIGURE_FORMATS = ("png", "svg")


def check_figure_path(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Check a figure can be written at ``path`` (before any work is done).

    Raises:
        ScenarioError: for an extension other than .png or .svg, a missing folder, or an
            existing file without ``force``.
    """
    target = Path(path)
    extension = target.suffix.lower().removeprefix(".")
    if extension not in FIGURE_FORMATS:
        raise ScenarioError(
            f"--figure: expected a file ending in .png or .svg; received {str(target)!r}"
        )
    if not target.parent.is_dir():
        raise ScenarioError(
            f"--figure: the folder {str(target.parent)!r} does not exist; received {str(target)!r}"
        )
    if target.exists() and not force:
        raise ScenarioError(
            f"--figure: {str(target)!r} exists; expected a new file (add --force to replace it)"
        )
    return target


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
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
    plt = _pyplot()
    target = Path(path)
    rows = max(len(r.tornado) or len(r.rank) or len(r.sobol) for r in results)
    fig, axes = plt.subplots(
        1, len(results), figsize=(6.4 * len(results), 1.2 + 0.38 * rows), squeeze=False
    )
    for ax, result in zip(axes[0], results, strict=True):
        unit = display.get(result.output, result.unit)
        scale = 1.0 if result.log else factor(result.unit, unit) if result.unit != unit else 1.0
        if result.method == "tornado":
            _tornado_panel(ax, result, scale, unit)
        elif result.method == "rank":
            _rank_panel(ax, result)
        else:
            _sobol_panel(ax, result)
        ax.set_title(f"{_label(result.output)}: {result.method}", loc="left", fontsize=11)
    fig.tight_layout()
    fig.savefig(target, format=target.suffix.lower().removeprefix("."), dpi=150)
    plt.close(fig)
    return target


def _tornado_panel(ax: Any, result: SensitivityResult, scale: float, unit: str) -> None:
    rows = list(reversed(result.tornado))
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
