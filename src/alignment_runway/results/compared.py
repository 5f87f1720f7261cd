"""Comparisons of scenarios: each side's samples of each output, paired by index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alignment_runway.analysis.paired import Paired, paired
from alignment_runway.scenarios import Scenario

__all__ = ["Comparison", "Difference", "Side"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Side:
    """One scenario of a comparison.

    Attributes:
        label: ``A``, ``B``, … in the order given; ``A`` is the baseline.
        source: where it came from, as given (a file, ``preset:NAME`` or ``run:ID``).
        scenario: the scenario, with any settings applied.
        seed, samples: a recorded run's seed and sample count (None for other sources).
    """

    label: str
    source: str
    scenario: Scenario
    seed: int | None = None
    samples: int | None = None


@dataclass(frozen=True)
class Difference:
    """An input that side ``side`` does not draw as the baseline does.

    Attributes:
        side: the side's label.
        name: the input.
        how: in words (uncertain on one side only, a different distribution, correlated
            differently).
    """

    side: str
    name: str
    how: str


@dataclass(frozen=True)
class Comparison:
    """Sides run with one seed and sample count, so their samples pair by index.

    Attributes:
        sides: the scenarios, the baseline first.
        kind: ``run`` when every output is the static model's, else ``race`` (race outputs
            come from a race, static ones from a run, both with the same draws).
        samples, seed: shared by every side.
        months, step: the race's horizon and step (also recorded for a run).
        outputs: the outputs compared, in the order asked.
        values: for each output, one array of samples per side (canonical units).
        differences: inputs some side draws differently from the baseline.
        method: how every side was drawn: ``"sample"`` or ``"qmc"``.
        randomizations: for qmc, the randomizations each side's samples are made of (one
            after another); the standard errors come from their spread.
        notes: what a reader should know of how the sides were drawn (a qmc comparison
            sampled plainly because the sides' uncertain inputs differ).
    """

    sides: tuple[Side, ...]
    kind: str
    samples: int
    seed: int
    months: float
    step: str
    outputs: tuple[str, ...]
    values: dict[str, tuple[Array, ...]]
    differences: tuple[Difference, ...]
    method: str = "sample"
    randomizations: int = 0
    notes: tuple[str, ...] = ()

    def paired(self, output: str, side: int, qs: Sequence[float]) -> Paired:
        """Side ``side`` (an index ≥ 1) against the baseline, for ``output``."""
        arrays = self.values[output]
        return paired(arrays[0], arrays[side], qs, self.randomizations)
