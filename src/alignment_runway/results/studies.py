"""Results of the studies built on runs: sensitivity, the development loop, reproductions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from alignment_runway.results.runs import RunResult
from alignment_runway.scenarios import Scenario

if TYPE_CHECKING:
    from alignment_runway.analysis import sensitivity as sensitivity_methods

__all__ = [
    "DevloopCase",
    "DevloopResult",
    "EssayFigure",
    "Reproduction",
    "RunRecord",
    "SensitivityResult",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SensitivityResult:
    """Sensitivity of one output to the uncertain inputs, by one method.

    Attributes:
        output: the output analysed (its logarithm when ``log``).
        unit: its canonical unit ('' under ``log``).
        method: ``tornado``, ``rank`` or ``sobol``.
        samples: Monte Carlo samples (rank), the Sobol base sample ``N`` (sobol) or the
            points evaluated (tornado: 1 + 2 per input).
        baseline: the output with every input at its median (tornado only).
        tornado, rank, sobol: the rows of the method used, largest effect first.
        notes: caveats (correlations a method ignores, inputs held at their medians).
    """

    scenario: Scenario
    output: str
    unit: str
    log: bool
    method: str
    samples: int
    seed: int
    baseline: float | None = None
    tornado: tuple[sensitivity_methods.TornadoRow, ...] = ()
    rank: tuple[sensitivity_methods.RankRow, ...] = ()
    sobol: tuple[sensitivity_methods.SobolRow, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DevloopCase:
    """One development-loop case: a tokens-per-researcher-second and a task length.

    Units: tokens, researcher-seconds, signals per calendar day, calendar seconds. The last two
    are arrays over samples (one element for a scenario with no uncertain input).
    """

    tokens_per_researcher_s: float
    task_researcher_s: float
    tokens_per_signal: float
    signals_per_day: Array
    latency_s: Array


@dataclass(frozen=True)
class DevloopResult:
    """Development-loop cases for a scenario, and the token budget (tokens/s) they share."""

    scenario: Scenario
    samples: int
    seed: int
    budget_tokens_per_s: Array
    budget_is_fleet: bool
    cases: tuple[DevloopCase, ...]


@dataclass(frozen=True)
class TasksCase:
    """One speed-up curve of the ``tasks`` study.

    Attributes:
        epsilon: the elasticity compared (None: the scenario's own, per sample).
        speedup: research over the human field's alone, one row per sample, one column per
            automated share.
        first_share: per threshold, each sample's least automated share whose speed-up
            reaches it (NaN: never, even with every task automated).
    """

    epsilon: float | None
    speedup: Array
    first_share: dict[float, Array]


@dataclass(frozen=True)
class TasksCurve:
    """The ``tasks`` study: speed-up over the human field against the automated share.

    Attributes:
        shares: the automated shares (0 to 1).
        epsilon: the scenario's elasticity, per sample.
        single_tau: the single-τ figure per sample, every task automated at the median cost:
            ``1 + L/H``.
        automated_share: the scenario's automated share per sample.
        cases: the scenario's ``ε`` first, then the fixed ones.
    """

    scenario: Scenario
    samples: int
    seed: int
    shares: Array
    epsilon: Array
    single_tau: Array
    automated_share: Array
    cases: tuple[TasksCase, ...]


@dataclass(frozen=True)
class RunRecord:
    """One recorded run or race (``id`` is None before it is stored)."""

    command: str
    scenario_name: str
    scenario_text: str
    options: dict[str, Any]
    versions: dict[str, str]
    started_at: str
    finished_at: str
    samples: int
    seed: int
    summary: list[dict[str, Any]]
    digests: dict[str, str]
    samples_file: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Reproduction:
    """A recorded run run again: whether every kept array is bit-identical, and if not why.

    Attributes:
        record: the recorded run.
        result: the new result.
        differing: names whose samples differ from the record's (empty: identical).
        changed_versions: package, Python, numpy, scipy or sampling-scheme versions that
            differ now, as (recorded, now).
    """

    record: RunRecord
    result: RunResult
    differing: tuple[str, ...]
    changed_versions: dict[str, tuple[str, str]]

    @property
    def identical(self) -> bool:
        """Whether every kept array is bit for bit what was recorded."""
        return not self.differing


@dataclass(frozen=True)
class EssayFigure:
    """One figure of the essay, audited.

    Attributes:
        key: a stable identifier.
        quantity: what the figure is, in a few words.
        stated: the figure as the essay states it.
        stated_text: how the essay writes it.
        computed: the model's value in ``unit``.
        unit: the unit both values carry.
        ratio: computed / stated.
        verdict: ``agrees`` (within the audit's tolerance (10%)) or ``differs``.
        reason: why the two differ (or what was read into the text), empty when nothing to say.
    """

    key: str
    quantity: str
    stated: float
    stated_text: str
    computed: float
    unit: str
    ratio: float
    verdict: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The figure as a JSON-ready dict."""
        return asdict(self)
