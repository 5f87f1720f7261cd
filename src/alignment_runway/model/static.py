"""The static model: stages A and B chained, from compute to research per month of lead."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
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


def static_model(x: StaticInputs, names: Collection[str] | None = None) -> StaticOutputs:
    """Run stages A and B on arrays of samples (SPEC §2, §3): as ``static_values``.

    The ``σ > τ`` count is taken whatever is asked: it describes the inputs, and a run
    reports it with any output.
    """
    capped = int(np.count_nonzero(x.serial_tokens_per_researcher_s > x.tokens_per_researcher_s))
    return StaticOutputs(values=static_values(x, names), capped_serial_samples=capped)


def static_values(x: StaticInputs, names: Collection[str] | None = None) -> dict[str, Any]:
    """Stages A and B: the outputs in ``names`` and the outputs they are built from, by name.

    By default every output. Only the outputs named and what they are built from are
    computed: keeping ``static.labor`` computes the cluster, the training compute, the
    parameters, the tokens per second and the labor, and neither the training tokens nor the
    researchers. Each computed output is returned (in the order of ``OUTPUTS``), so a check
    of the values also covers the steps on the way; names that are not static outputs are
    ignored.

    Only products, quotients, square roots and the ``σ ≤ τ`` cap (``min``), so the equations
    also run on symbolic monomials (``engine.exact`` traces them to find exact outputs).
    """
    stages = _Stages(x)
    for name, attribute in _QUANTITY.items():
        if names is None or name in names:
            getattr(stages, attribute)
    computed = vars(stages)  # each cached quantity, stored on first use
    return {name: computed[a] for name, a in _QUANTITY.items() if a in computed}


#: Each output's quantity in ``_Stages``.
_QUANTITY = {
    "static.cluster_compute": "cluster",
    "static.raw_training_compute": "raw",
    "static.training_compute": "effective",
    "static.parameters": "parameters",
    "static.training_tokens": "training_tokens",
    "static.inference_cost": "inference_cost",
    "static.tokens_per_second": "tokens_per_s",
    "static.parallel_streams": "streams",
    "static.labor": "ai_labor",
    "static.ai_researchers": "researchers",
    "static.serial_speedup": "speed",
    "static.human_months_per_month": "months_each",
    "static.research_per_month": "per_month",
}


class _Stages:
    """The quantities of stages A and B for one set of inputs, each computed once, on first use."""

    def __init__(self, x: StaticInputs) -> None:
        self.x = x

    @cached_property
    def cluster(self) -> Any:
        x = self.x
        if x.training_flop is None:
            return compute.cluster_flop_per_s(x.stock_flop_per_s, x.training_share)
        return compute.cluster_flop_per_s_for_training(x.training_flop, x.utilization, x.duration_s)

    @cached_property
    def raw(self) -> Any:
        return compute.raw_training_flop(self.cluster, self.x.duration_s)

    @cached_property
    def effective(self) -> Any:
        return compute.effective_training_flop(self.cluster, self.x.duration_s, self.x.utilization)

    @cached_property
    def parameters(self) -> Any:
        return compute.optimal_parameters(self.effective, self.x.tokens_per_parameter)

    @cached_property
    def training_tokens(self) -> Any:
        return compute.training_tokens(self.parameters, self.x.tokens_per_parameter)

    @cached_property
    def inference_cost(self) -> Any:
        return compute.inference_flop_per_token(self.parameters)

    @cached_property
    def tokens_per_s(self) -> Any:
        return compute.fleet_tokens_per_s(self.cluster, self.x.utilization, self.parameters)

    @cached_property
    def sigma(self) -> Any:
        x = self.x
        return labor.capped_serial_tokens(
            x.tokens_per_researcher_s, x.serial_tokens_per_researcher_s
        )

    @cached_property
    def streams(self) -> Any:
        return labor.parallel_streams(self.x.tokens_per_researcher_s, self.sigma)

    @cached_property
    def ai_labor(self) -> Any:
        return labor.labor_researcher_s_per_s(self.tokens_per_s, self.x.tokens_per_researcher_s)

    @cached_property
    def researchers(self) -> Any:
        return labor.ai_researchers(
            self.tokens_per_s, self.streams, self.x.serial_speed_tokens_per_s
        )

    @cached_property
    def speed(self) -> Any:
        return labor.serial_speedup(self.x.serial_speed_tokens_per_s, self.sigma)

    @cached_property
    def months_each(self) -> Any:
        return labor.human_months_per_month(self.speed, self.x.working_fraction)

    @cached_property
    def per_month(self) -> Any:
        per_month = labor.research_per_month_via_researchers(
            self.researchers, self.months_each, self.x.working_fraction
        )
        # researcher-seconds per calendar month, divided by the month: a rate in canonical units
        return per_month / CALENDAR_MONTH_S
