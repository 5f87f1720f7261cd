"""What every figure shares: pyplot (Agg, reproducible SVG ids), rendering, labels, legends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["legend_below", "patch", "pyplot", "render", "words"]


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, with the same SVG ids in every run."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "alignment-runway"  # the same ids in every SVG
    import matplotlib.pyplot as plt

    return plt


def render(figure: Any, fmt: str) -> bytes:
    """A matplotlib figure as PNG or SVG bytes (SVG without a date, so it is reproducible)."""
    import io

    plt = pyplot()
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    plt.close(figure)
    return buffer.getvalue()


def words(name: str) -> str:
    """A name as words (``labor.serial_speed`` → serial speed); a Sobol group ``a + b`` too."""
    return " + ".join(part.split(".", 1)[-1].replace("_", " ") for part in name.split(" + "))


def legend_below(ax: Any, handles: Sequence[Any] | None = None) -> None:
    """A legend under the axes, where it covers no bar or error bar."""
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        ncol=2,
        fontsize=8,
        frameon=False,
    )


def patch(color: str, label: str) -> Any:
    """A legend entry: a patch of ``color`` named ``label``."""
    from matplotlib.patches import Patch

    return Patch(color=color, label=label)
