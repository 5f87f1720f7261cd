"""Correlated inputs: the ``[correlations]`` table of Spearman rank correlations (SPEC §5).

A scenario file writes one pair per key, the two parameter names separated by a comma::

    [correlations]
    "labor.tokens_per_researcher_second, labor.serial_tokens_per_researcher_second" = 0.5

They are realised through a Gaussian copula: the inputs' standard-normal draws are mixed so
that their Pearson correlation is ``r = 2 sin(π ρ / 6)``, which gives Spearman's ``ρ`` after
the monotone transforms to each input's distribution (Pearson 1907; Kruskal 1958).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.errors import ScenarioError, did_you_mean
from alignment_runway.scenarios.specs import PARAMETERS, suggest

__all__ = ["Correlation", "check_correlations", "mixing_matrix", "parse_correlations"]

Array = NDArray[np.float64]
#: The most negative eigenvalue tolerated (rounding) before a matrix is not positive
#: semi-definite.
_PSD_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation between two uncertain inputs, and where it was written."""

    first: str
    second: str
    rho: float
    where: str

    @property
    def pair(self) -> tuple[str, str]:
        """The two names in the order of the parameter specs."""
        order = list(PARAMETERS)
        a, b = sorted((self.first, self.second), key=order.index)
        return a, b

    @property
    def pearson(self) -> float:
        """The normal-scores (Pearson) correlation that gives this Spearman correlation."""
        return 2 * math.sin(math.pi * self.rho / 6)


def parse_correlations(table: Any, at: Any) -> dict[tuple[str, str], Correlation]:
    """Read a ``[correlations]`` table, checking names, pairs and values.

    Args:
        table: the table as read from TOML.
        at: ``at(key)`` gives where a key was written (``file:line``).

    Raises:
        ScenarioError: for a malformed key, an unknown name, a name paired with itself, a
            repeated pair, or a value that is not a number in [−1, 1].
    """
    if not isinstance(table, dict):
        raise ScenarioError(
            f"{at('correlations')}: [correlations]: expected a table of "
            f'"section.name, section.name" = rank correlation; received {table!r}'
        )
    out: dict[tuple[str, str], Correlation] = {}
    for key, value in table.items():
        where = at(f"correlations.{key}")
        names = [part.strip() for part in str(key).split(",")]
        if len(names) != 2 or not all(names):
            raise ScenarioError(
                f'{where}: [correlations]: expected a key "section.name, section.name"; '
                f"received {key!r}"
            )
        for name in names:
            if name not in PARAMETERS:
                raise ScenarioError(
                    f"{where}: [correlations]: unknown parameter {name!r}{suggest(name)}"
                )
        if names[0] == names[1]:
            raise ScenarioError(
                f"{where}: [correlations]: expected two different parameters; received "
                f"{names[0]!r} twice"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
            raise ScenarioError(
                f"{where}: [correlations] {key}: expected a rank correlation in [-1, 1]; "
                f"received {value!r}"
            )
        correlation = Correlation(names[0], names[1], float(value), where)
        if correlation.pair in out:
            raise ScenarioError(
                f"{where}: [correlations]: the pair {', '.join(correlation.pair)} is given "
                f"twice (also at {out[correlation.pair].where})"
            )
        out[correlation.pair] = correlation
    return out


def check_correlations(
    correlations: Iterable[Correlation], uncertain: Mapping[str, object]
) -> None:
    """Check that every correlated name is uncertain and the matrix is positive semi-definite.

    Raises:
        ScenarioError: naming the pair or the matrix's smallest eigenvalue.
    """
    correlations = list(correlations)
    for c in correlations:
        for name in (c.first, c.second):
            if name not in uncertain:
                hint = did_you_mean(name, uncertain)
                raise ScenarioError(
                    f"{c.where}: [correlations]: expected uncertain inputs (distributions); "
                    f"received {name!r}, which has one value in this scenario{hint}"
                )
    names, matrix = _matrix(correlations)
    if names:
        smallest = float(np.linalg.eigvalsh(matrix).min())
        if smallest < -_PSD_TOLERANCE:
            raise ScenarioError(
                f"[correlations]: expected a positive semi-definite correlation matrix; "
                f"received one with smallest eigenvalue {smallest:.3g} (over "
                f"{', '.join(names)}): the correlations contradict each other; weaken some"
            )


def _matrix(correlations: list[Correlation]) -> tuple[tuple[str, ...], Array]:
    order = list(PARAMETERS)
    names = tuple(sorted({n for c in correlations for n in c.pair}, key=order.index))
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    for c in correlations:
        i, j = index[c.first], index[c.second]
        matrix[i, j] = matrix[j, i] = c.pearson
    return names, matrix


def mixing_matrix(correlations: Iterable[Correlation]) -> tuple[tuple[str, ...], Array]:
    """The inputs involved and a matrix ``A`` with ``A Aᵀ`` = their normal-scores correlation.

    Independent standard normals ``z`` become correlated ones as ``A z``. ``A`` comes from
    the eigen-decomposition (not Cholesky), so a singular matrix (|ρ| = 1) works too.
    """
    names, matrix = _matrix(list(correlations))
    if not names:
        return names, matrix
    values, vectors = np.linalg.eigh(matrix)
    return names, np.asarray(vectors * np.sqrt(np.clip(values, 0.0, None)), dtype=np.float64)
