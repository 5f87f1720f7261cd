"""The static model: stages A and B chained, from compute to research per month of lead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.model import compute, labor
from alignment_runway.units import CALENDAR_MONTH_S

__all__ = [
    "OUTPUTS",
    "OutputSpec",
    "StaticInputs",
    "StaticOutputs",
    "static_model",
    "static_values",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class OutputSpec:
    """What one output of the model is: its name, symbol, units and meaning.

    ``unit`` is the canonical unit the model returns; ``display_unit`` is how reports show it.
    """

    name: str
    symbol: str
    stage: str
    unit: str
    display_unit: str
    meaning: str


OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec(
        "static.cluster_compute",
        "K",
        "A",
        "FLOP/s",
        "FLOP/s",
        "peak compute of the training cluster",
    ),
    OutputSpec(
        "static.raw_training_compute",
        "K·T",
        "A",
        "FLOP",
        "FLOP",
        "peak FLOP of the cluster over the training run",
    ),
    OutputSpec(
        "static.training_compute",
        "C_train",
        "A",
        "FLOP",
        "FLOP",
        "effective training compute (at utilization u)",
    ),
    OutputSpec("static.parameters", "N", "A", "", "", "compute-optimal parameter count"),
    OutputSpec(
        "static.training_tokens", "D", "A", "token", "token", "compute-optimal training tokens"
    ),
    OutputSpec(
        "static.inference_cost",
        "2N",
        "A",
        "FLOP/token",
        "FLOP/token",
        "inference FLOP per generated token",
    ),
    OutputSpec(
        "static.tokens_per_second",
        "R",
        "A",
        "token/s",
        "token/s",
        "tokens per second from copies run on the training cluster",
    ),
    OutputSpec(
        "static.parallel_streams", "p", "B", "", "", "parallel token streams per AI researcher"
    ),
    OutputSpec(
        "static.labor",
        "L",
        "B",
        "researcher_second/s",
        "researcher_second/s",
        "AI labor: researcher-seconds per calendar second",
    ),
    OutputSpec("static.ai_researchers", "n_ai", "B", "", "", "AI researchers running at once"),
    OutputSpec(
        "static.serial_speedup",
        "v/σ",
        "B",
        "researcher_second/s",
        "researcher_second/s",
        "one AI researcher's serial speed",
    ),
    OutputSpec(
        "static.human_months_per_month",
        "m_serial",
        "B",
        "",
        "",
        "serial months of a human's schedule per calendar month, per AI researcher",
    ),
    OutputSpec(
        "static.research_per_month",
        "L·month",
        "B",
        "researcher_second/s",
        "researcher_month/month",
        "research delivered per calendar month of lead",
    ),
)


@dataclass(frozen=True)
class StaticInputs:
    """The static model's inputs in canonical units, each a float array of the sample size.

    ``training_flop`` is the optional override: when given, the cluster compute is derived
    from it (``K = C_train / (u · T)``) and ``stock_flop_per_s``/``training_share`` are unused.
    """

    stock_flop_per_s: Array
    training_share: Array
    duration_s: Array
    utilization: Array
    tokens_per_parameter: Array
    tokens_per_researcher_s: Array
    serial_tokens_per_researcher_s: Array
    serial_speed_tokens_per_s: Array
    working_fraction: Array
    training_flop: Array | None = None


@dataclass(frozen=True)
class StaticOutputs:
    """The static model's outputs.

    Arrays keyed by output name, and how many samples had ``σ > τ`` (capped to ``σ = τ``).
    """

    values: dict[str, Array]
    capped_serial_samples: int


def static_model(x: StaticInputs) -> StaticOutputs:
    """Run stages A and B on arrays of samples (SPEC §2, §3)."""
    capped = int(np.count_nonzero(x.serial_tokens_per_researcher_s > x.tokens_per_researcher_s))
    return StaticOutputs(values=static_values(x), capped_serial_samples=capped)


def static_values(x: StaticInputs) -> dict[str, Any]:
    """Stages A and B: every output by name (arrays of samples, or any numbers).

    Only products, quotients, square roots and the ``σ ≤ τ`` cap (``min``), so the equations
    also run on symbolic monomials (``engine.exact`` traces them to find exact outputs).
    """
    if x.training_flop is None:
        cluster = compute.cluster_flop_per_s(x.stock_flop_per_s, x.training_share)
    else:
        cluster = compute.cluster_flop_per_s_for_training(
            x.training_flop, x.utilization, x.duration_s
        )
    raw = compute.raw_training_flop(cluster, x.duration_s)
    effective = compute.effective_training_flop(cluster, x.duration_s, x.utilization)
    parameters = compute.optimal_parameters(effective, x.tokens_per_parameter)
    tokens_per_s = compute.fleet_tokens_per_s(cluster, x.utilization, parameters)

    tau = x.tokens_per_researcher_s
    sigma = labor.capped_serial_tokens(tau, x.serial_tokens_per_researcher_s)
    streams = labor.parallel_streams(tau, sigma)
    researchers = labor.ai_researchers(tokens_per_s, streams, x.serial_speed_tokens_per_s)
    speed = labor.serial_speedup(x.serial_speed_tokens_per_s, sigma)
    months_each = labor.human_months_per_month(speed, x.working_fraction)
    per_month = labor.research_per_month_via_researchers(
        researchers, months_each, x.working_fraction
    )
    values: dict[str, Any] = {
        "static.cluster_compute": cluster,
        "static.raw_training_compute": raw,
        "static.training_compute": effective,
        "static.parameters": parameters,
        "static.training_tokens": compute.training_tokens(parameters, x.tokens_per_parameter),
        "static.inference_cost": compute.inference_flop_per_token(parameters),
        "static.tokens_per_second": tokens_per_s,
        "static.parallel_streams": streams,
        "static.labor": labor.labor_researcher_s_per_s(tokens_per_s, tau),
        "static.ai_researchers": researchers,
        "static.serial_speedup": speed,
        "static.human_months_per_month": months_each,
        # researcher-seconds per calendar month, divided by the month: a rate in canonical units
        "static.research_per_month": per_month / CALENDAR_MONTH_S,
    }
    return values
