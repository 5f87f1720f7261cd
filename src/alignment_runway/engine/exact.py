"""Exact outputs: the static model traced on monomials, lognormal laws without sampling.

Each static input is a symbol (an uncertain input) or its point value; ``static_values`` runs
on them as it does on arrays, and gives each output as ``c · Π xᵢ^aᵢ``
(``analysis.monomials``). When every input with a non-zero exponent is an untruncated
lognormal, ``ln y = ln c + Σ aᵢ (μᵢ + sᵢ zᵢ)`` is normal: median ``c · exp(Σ aᵢ μᵢ)`` and
``Var ln y = bᵀ C b`` with ``bᵢ = aᵢ sᵢ`` and ``C`` the inputs' normal-scores correlation
(the Gaussian copula's, ``2 sin(π ρ / 6)`` for a Spearman ``ρ``, as sampling mixes them).
Any other input, or the ``σ ≤ τ`` cap (a ``min``) of an uncertain input, with a non-zero
exponent makes the output not exact, and says which input does; so does Stage D (``tasks.*``,
a CES aggregate of AI and human labor), naming the task parameter that turns it on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from alignment_runway.analysis.lognormal import LognormalLaw
from alignment_runway.analysis.monomials import Monomial, Symbol
from alignment_runway.distributions import Distribution, LogNormal
from alignment_runway.engine.evaluate import STATIC_INPUTS
from alignment_runway.errors import InputError
from alignment_runway.model.static import StaticInputs, static_values
from alignment_runway.scenarios import Scenario
from alignment_runway.scenarios.correlations import mixing_matrix
from alignment_runway.scenarios.stages import TASKS_NEUTRAL

__all__ = ["METHODS", "NotExact", "exact_laws", "require_exact"]

#: How a run computes its summaries: by sampling, exactly, exactly where it can, or by
#: randomized quasi-Monte Carlo.
METHODS = ("sample", "exact", "auto", "qmc")


@dataclass(frozen=True)
class NotExact:
    """Why a name cannot be exact: the input at fault and what it is."""

    name: str
    input: str
    reason: str


def exact_laws(scenario: Scenario, names: Sequence[str]) -> dict[str, LognormalLaw | NotExact]:
    """For each of ``names`` (static outputs and uncertain inputs), its law or why it has none."""
    uncertain = scenario.uncertain()
    traced = _trace(scenario, uncertain)
    correlation = _correlation(scenario)
    out: dict[str, LognormalLaw | NotExact] = {}
    for name in names:
        monomial = traced.get(name)
        if monomial is None and name in uncertain:
            monomial = Monomial.of(name)
        if monomial is None:  # Stage D's outputs: a CES aggregate, never a monomial
            out[name] = NotExact(name, _stage_d_input(scenario), "Stage D's CES aggregate")
            continue
        out[name] = _law(name, monomial, uncertain, correlation)
    return out


def _stage_d_input(scenario: Scenario) -> str:
    """The first task parameter away from its neutral value (what turns Stage D on)."""
    return next(
        (name for name, value in TASKS_NEUTRAL.items() if scenario.value(name) != value),
        next(iter(TASKS_NEUTRAL)),
    )


def require_exact(laws: Mapping[str, LognormalLaw | NotExact]) -> dict[str, LognormalLaw]:
    """The laws, all exact.

    Raises:
        InputError: naming the first input that makes a name not exact.
    """
    for law in laws.values():
        if isinstance(law, NotExact):
            raise InputError(
                law.input,
                f"an untruncated lognormal or a point value for {law.name} to be exact "
                "(method exact: keep only names that can be, or method auto to sample the rest)",
                law.reason,
            )
    return {name: law for name, law in laws.items() if isinstance(law, LognormalLaw)}


def _trace(scenario: Scenario, uncertain: Mapping[str, Distribution]) -> dict[str, Monomial]:
    """The static outputs as monomials in the uncertain inputs."""

    def term(name: str) -> Monomial:
        return Monomial.of(name) if name in uncertain else Monomial(scenario.scalar(name))

    fields = {field: term(name) for field, name in STATIC_INPUTS.items()}
    training = None
    if scenario.value("compute.training_compute") is not None:
        training = term("compute.training_compute")
    inputs = StaticInputs(**fields, training_flop=training)  # type: ignore[arg-type]
    with np.errstate(all="ignore"):
        return dict(static_values(inputs))


def _correlation(scenario: Scenario) -> dict[tuple[str, str], float]:
    """The normal-scores correlation of correlated pairs, as sampling realises it (``A Aᵀ``)."""
    if not scenario.correlations:
        return {}
    names, mixing = mixing_matrix(scenario.correlations)
    matrix = mixing @ mixing.T
    return {(a, b): float(matrix[i, j]) for i, a in enumerate(names) for j, b in enumerate(names)}


def _law(
    name: str,
    monomial: Monomial,
    uncertain: Mapping[str, Distribution],
    correlation: Mapping[tuple[str, str], float],
) -> LognormalLaw | NotExact:
    """The output's lognormal law, or the first input that prevents one."""
    log_median = 0.0
    weights: dict[str, float] = {}
    for symbol, power in monomial.powers:
        broken = _breaks(symbol, uncertain)
        if broken is not None:
            return NotExact(name, *broken)
        dist = uncertain[symbol.name]
        assert isinstance(dist, LogNormal)
        log_median += power * dist.mu
        weights[symbol.name] = power * dist.sigma
    if monomial.scale <= 0.0 or not math.isfinite(monomial.scale):
        first = monomial.powers[0][0].name if monomial.powers else name
        return NotExact(name, first, f"a constant factor of {monomial.scale:g}")
    variance = 0.0
    for a, wa in weights.items():
        for b, wb in weights.items():
            rho = 1.0 if a == b else correlation.get((a, b), 0.0)
            variance += wa * wb * rho
    median = monomial.scale * math.exp(log_median) if log_median else monomial.scale
    if not (math.isfinite(median) and median > 0.0):
        return NotExact(name, next(iter(weights), name), "a median beyond floating point")
    return LognormalLaw(median, math.sqrt(max(variance, 0.0)))


def _breaks(symbol: Symbol, uncertain: Mapping[str, Distribution]) -> tuple[str, str] | None:
    """The input at fault and why, when ``symbol`` is not a lognormal input."""
    if symbol.op:
        culprit = next((n for n in symbol.inputs if n in uncertain), symbol.inputs[0])
        cap = " (the σ ≤ τ cap)" if symbol.op == "minimum" else ""
        return culprit, f"{symbol.name}{cap}, not a product of powers"
    dist = uncertain[symbol.name]
    if not isinstance(dist, LogNormal):
        return symbol.name, dist.describe()
    return None
