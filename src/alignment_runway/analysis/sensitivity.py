"""Which input drives an output: tornado swings, rank correlations and Sobol indices.

The methods know nothing about the model. Each takes the uncertain inputs (distributions by
name) and, where it evaluates the model itself, a function ``evaluate(values) -> output``
mapping arrays of input values (one array per input, canonical units, all the same length) to
an array of the output. Any model plugs in.

- **tornado**: each input moved alone from its 5th to its 95th percentile, the others at their
  medians; sorted by the swing of the output (one-at-a-time, so blind to interactions and to
  correlations).
- **rank**: Spearman's rank correlation of each input with the output over one Monte Carlo run
  (the caller's samples; correlated inputs are fine).
- **sobol**: first- and total-order Sobol indices (Saltelli et al. 2010, Jansen's estimator as
  implemented in SALib) from a scrambled Sobol' design of ``N·(D + 2)`` points, mapped from the
  unit hypercube through each input's quantile function, with bootstrap confidence intervals.
  Correlated inputs are analysed as groups (Jacques, Lavergne & Devictor 2006, "Sensitivity
  analysis in presence of model uncertainty and correlated inputs", Reliab. Eng. Syst. Saf.
  91:1126): the design draws independent standard normals, each group's are mixed into its
  correlated normal scores (a Gaussian copula, as the sampler does) and mapped through the
  quantile functions; groups are independent of each other, so SALib's grouped indices
  apportion the variance among groups, each group's index being its inputs' joint effect.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.summary import (
    RANK_SAMPLES,
    Estimate,
    ranked_correlation,
    ranks,
)
from alignment_runway.distributions import Distribution
from alignment_runway.errors import InputError

__all__ = [
    "MIN_RANK_SAMPLES",
    "MIN_SOBOL_SAMPLES",
    "Evaluate",
    "Group",
    "RankRow",
    "SobolRow",
    "TornadoRow",
    "check_inputs",
    "rank",
    "sobol",
    "tornado",
]

Array = NDArray[np.float64]
#: ``evaluate(values)``: the output for arrays of input values (canonical units).
Evaluate = Callable[[dict[str, Array]], Array]
#: Fewest Monte Carlo samples for rank correlations.
MIN_RANK_SAMPLES = 100
#: Smallest base sample ``N`` of a Sobol design (a power of 2).
MIN_SOBOL_SAMPLES = 64
#: Correlated inputs analysed together: their names and a matrix ``A`` mixing independent
#: standard normals ``z`` into their normal scores ``A z`` (``A Aᵀ`` their correlation).
Group = tuple[tuple[str, ...], Array]
#: Quantiles kept inside (0, 1) before quantile functions, as the sampler does.
_U_MIN, _U_MAX = 1e-300, float(np.nextafter(1.0, 0.0))


@dataclass(frozen=True)
class TornadoRow:
    """One input's swing: the output with the input at its low and high percentiles."""

    name: str
    input_low: float
    input_high: float
    output_low: float
    output_high: float

    @property
    def swing(self) -> float:
        """``|output(high) − output(low)|``."""
        return abs(self.output_high - self.output_low)


@dataclass(frozen=True)
class RankRow:
    """One input's Spearman rank correlation with the output."""

    name: str
    rho: Estimate


@dataclass(frozen=True)
class SobolRow:
    """One input's first- and total-order Sobol indices, with confidence half-widths."""

    name: str
    first: float
    first_conf: float
    total: float
    total_conf: float


def tornado(
    evaluate: Evaluate,
    inputs: Mapping[str, Distribution],
    low: float = 5.0,
    high: float = 95.0,
    label: str = "the output",
) -> tuple[float, list[TornadoRow]]:
    """Move each input alone from its ``low`` to its ``high`` percentile, the others at medians.

    ``label`` names the output in error messages.

    Returns:
        The output with every input at its median, and one row per input, largest swing first.
    """
    _need_inputs(inputs)
    names = list(inputs)
    count = 1 + 2 * len(names)
    quantiles = np.array([0.5, low / 100.0, high / 100.0])
    points = {name: dist.ppf(quantiles) for name, dist in inputs.items()}
    values = {name: np.full(count, points[name][0]) for name in names}
    for i, name in enumerate(names):
        values[name][1 + 2 * i] = points[name][1]
        values[name][2 + 2 * i] = points[name][2]
    output = _finite(evaluate(values), f"tornado: {label}")
    rows = [
        TornadoRow(
            name,
            float(points[name][1]),
            float(points[name][2]),
            float(output[1 + 2 * i]),
            float(output[2 + 2 * i]),
        )
        for i, name in enumerate(names)
    ]
    rows.sort(key=lambda row: row.swing, reverse=True)
    return float(output[0]), rows


def rank(
    inputs: Mapping[str, Array],
    output: Array,
    input_ranks: dict[str, Array] | None = None,
    label: str = "the output",
) -> list[RankRow]:
    """Spearman's rank correlation of each input's samples with the output's, largest first.

    Each array is ranked once: the output here, each input here or in ``input_ranks`` (ranks
    by input name, filled in as they are computed, to share between outputs).

    Raises:
        InputError: for fewer than ``MIN_RANK_SAMPLES`` samples, or an output that does not
            vary (``label`` names it).
    """
    if not inputs:
        _need_inputs(inputs)
    if output.size < MIN_RANK_SAMPLES:
        raise InputError(
            "samples",
            f"at least {MIN_RANK_SAMPLES} samples for rank correlations",
            str(output.size),
        )
    if not np.any(output != output[0]):
        raise InputError(
            "outputs",
            f"an output that varies over the samples of {', '.join(inputs)}",
            f"{label}, which has the same value in every sample: it correlates with nothing",
        )
    shared = {} if input_ranks is None else input_ranks
    output_ranks = ranks(output[:RANK_SAMPLES])
    rows = []
    for name, x in inputs.items():
        if name not in shared:
            shared[name] = ranks(x[:RANK_SAMPLES])
        rows.append(RankRow(name, ranked_correlation(shared[name], output_ranks)))
    rows.sort(key=lambda row: abs(row.rho.value), reverse=True)
    return rows


def sobol(
    evaluate: Evaluate,
    inputs: Mapping[str, Distribution],
    samples: int,
    seed: int,
    conf_level: float = 0.95,
    label: str = "the output",
    groups: Sequence[Group] = (),
) -> list[SobolRow]:
    """First- and total-order Sobol indices of the output, largest total first.

    Args:
        evaluate: the output for arrays of input values.
        inputs: uncertain inputs, independent but for ``groups``.
        samples: the base sample ``N``, a power of 2; the model is evaluated ``N·(D + 2)``
            times for ``D`` inputs.
        seed: seeds the scrambled Sobol' design and the bootstrap.
        conf_level: of the confidence intervals (half-widths in ``*_conf``).
        label: names the output in error messages.
        groups: correlated inputs (each a ``Group``), analysed together: one row per group,
            named ``a + b``; every other input is its own group.

    Raises:
        InputError: for a base sample that is not a power of 2 or is too small, or an
            output that does not vary or is not finite.
    """
    _need_inputs(inputs)
    if samples < MIN_SOBOL_SAMPLES or samples & (samples - 1):
        raise InputError(
            "samples",
            f"a Sobol base sample N that is a power of 2, at least {MIN_SOBOL_SAMPLES} (e.g. 1024)",
            str(samples),
        )
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    names = list(inputs)
    label_of = {name: " + ".join(members) for members, _ in groups for name in members}
    labels = [label_of.get(name, name) for name in names]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[0.0, 1.0]] * len(names),
        "groups": labels,
    }
    design = sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    design = _correlated(np.clip(design, _U_MIN, _U_MAX), names, groups)
    values = {name: inputs[name].ppf(design[:, i].copy()) for i, name in enumerate(names)}
    output = _finite(evaluate(values), f"sobol: {label}")
    if not np.any(output != output[0]):  # np.var of equal values can round above 0
        raise InputError(
            "outputs",
            f"an output that varies over the ranges of {', '.join(names)}",
            f"{label}, which does not: there is no variance to apportion",
        )
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # SALib warns when some of the design's subsets give equal values (an input whose
        # effect is nil): the indices are then 0, which the table shows
        warnings.filterwarnings("ignore", "Constant values encountered", UserWarning)
        indices = analyze.analyze(
            problem, output, calc_second_order=False, conf_level=conf_level, seed=seed
        )
    rows = list(dict.fromkeys(labels))  # SALib's order: first appearance
    return sorted(
        (
            SobolRow(
                name,
                float(indices["S1"][i]),
                float(indices["S1_conf"][i]),
                float(indices["ST"][i]),
                float(indices["ST_conf"][i]),
            )
            for i, name in enumerate(rows)
        ),
        key=lambda row: row.total,
        reverse=True,
    )


def _correlated(design: Array, names: Sequence[str], groups: Sequence[Group]) -> Array:
    """A design of independent uniforms with each group's columns given its correlation.

    Through normal scores: ``u → Φ(A Φ⁻¹(u))`` for each group's columns (a Gaussian copula);
    other columns are left as they are.
    """
    if not groups:
        return design
    from scipy.special import ndtr, ndtri

    out = design.copy()
    for members, mixing in groups:
        columns = [names.index(name) for name in members]
        scores = ndtri(design[:, columns]) @ mixing.T
        out[:, columns] = np.clip(ndtr(scores), _U_MIN, _U_MAX)
    return out


def check_inputs(inputs: Mapping[str, object]) -> None:
    """Refuse an analysis with no uncertain input.

    Raises:
        InputError: naming what to do instead.
    """
    _need_inputs(inputs)


def _need_inputs(inputs: Mapping[str, object]) -> None:
    if not inputs:
        raise InputError(
            "scenario",
            "at least one uncertain input",
            "a scenario whose inputs are all certain (give a parameter a range, such as "
            'compute.stock = "2e21 to 8e21 FLOP/s")',
        )


def _finite(output: Array, method: str) -> Array:
    bad = int(np.count_nonzero(~np.isfinite(output)))
    if bad:
        raise InputError(
            "outputs",
            f"a finite output at every point ({method})",
            f"{bad:,} non-finite value(s) of {output.size:,}",
        )
    return output
