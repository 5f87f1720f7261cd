"""The web API's request and response models (pydantic): what a request may hold, bounded.

A scenario arrives as a preset's name and ``--set``-style settings: parameter name → the value
as text, exactly as ``--set NAME=VALUE`` takes it (``"4e21 FLOP/s"``, ``"2e21 to 8e21 FLOP/s"``,
a TOML inline table for a distribution). Nothing in a request is evaluated as code or opened as
a path: a preset is a name of the package's presets, and settings are parsed as scenario values.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alignment_runway.api import DEFAULT_SEED, MAX_SEED

__all__ = [
    "MAX_SEED",
    "CompareRequest",
    "ErrorOut",
    "RaceRequest",
    "RunRequest",
    "SampledRequest",
    "SaveRequest",
    "ScenarioRequest",
    "SensitivityRequest",
    "SweepRequest",
    "TasksRequest",
]

#: At most this many settings in one request, each name and value at most this long.
MAX_SETTINGS = 64
MAX_NAME = 80
MAX_VALUE = 400


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioRequest(_Strict):
    """A scenario: a preset, then settings on top of it."""

    preset: str = Field(
        "essay", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="a preset"
    )
    settings: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_SETTINGS,
        description='parameter name → value as --set takes it, e.g. "2e21 to 8e21 FLOP/s"',
    )


class SampledRequest(ScenarioRequest):
    """A scenario computed from samples: the seed and the sample count."""

    seed: int = Field(DEFAULT_SEED, ge=0, le=MAX_SEED, description="seed of the random draws")
    samples: int | None = Field(
        None, ge=1, description="Monte Carlo samples (default: the CLI's; capped by the server)"
    )


#: How a race, a comparison or a sweep draws its samples (none has a closed form).
SampledMethod = Annotated[
    Literal["sample", "qmc"],
    Field(
        description="sample: Monte Carlo; qmc: randomized quasi-Monte Carlo (samples a "
        "multiple of 16); no exact or auto: a race has no closed form, and comparisons and "
        "sweeps pair or summarise samples"
    ),
]


class RunRequest(SampledRequest):
    """A run of the static model."""

    method: Literal["sample", "qmc", "exact", "auto"] = Field(
        "sample",
        description="sample: Monte Carlo; qmc: randomized quasi-Monte Carlo (samples a "
        "multiple of 16); exact: lognormal closed forms, nothing sampled (an error names the "
        "input that prevents it); auto: exact where it can be, sampled elsewhere",
    )


class RaceRequest(SampledRequest):
    """A race: the lead, the pause and the window."""

    months: float = Field(120.0, gt=0, le=1200, description="horizon in calendar months")
    step: Literal["month", "week"] = "month"
    method: SampledMethod = "sample"


class SensitivityRequest(SampledRequest):
    """Which uncertain input drives an output."""

    output: str = Field("static.research_per_month", min_length=1, max_length=MAX_NAME)
    method: Literal["tornado", "rank", "sobol"] = "tornado"
    log: bool = False
    months: float = Field(120.0, gt=0, le=1200)
    step: Literal["month", "week"] = "month"


#: Most scenarios a comparison and most cells a sweep computes for one request.
MAX_WEB_SIDES = 4
MAX_WEB_CELLS = 20


class CompareRequest(_Strict):
    """Scenarios side by side, paired sample by sample; the first is the baseline."""

    sides: list[ScenarioRequest] = Field(min_length=2, max_length=MAX_WEB_SIDES)
    outputs: list[str] = Field(
        default_factory=list,
        max_length=4,
        description="outputs to compare (default: race.research, and race.success when set)",
    )
    seed: int = Field(DEFAULT_SEED, ge=0, le=MAX_SEED)
    samples: int | None = Field(None, ge=1, description="samples per side (capped)")
    months: float = Field(120.0, gt=0, le=1200)
    step: Literal["month", "week"] = "month"
    method: SampledMethod = "sample"


class SweepRequest(SampledRequest):
    """One grid axis over a scenario: every cell a run or race with the same seed."""

    axis: str = Field(
        min_length=3,
        max_length=MAX_VALUE,
        description='NAME=v1,v2,... or NAME=lo..hi:n[:log], e.g. "race.lead=3..24 months:8"',
    )
    outputs: list[str] = Field(default_factory=list, max_length=4)
    months: float = Field(120.0, gt=0, le=1200)
    step: Literal["month", "week"] = "month"
    method: SampledMethod = "sample"


class TasksRequest(SampledRequest):
    """Speed-up over the human field as the automated share of tasks grows (Stage D)."""

    preset: str = Field(
        "tasks", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="a preset"
    )


class SaveRequest(SampledRequest):
    """A run or a race to record in the server's store, computed as the page showed it."""

    command: Literal["run", "race"] = "run"
    months: float = Field(120.0, gt=0, le=1200, description="a race's horizon in months")
    step: Literal["month", "week"] = "month"
    method: Literal["sample", "qmc", "exact", "auto"] = Field(
        "sample", description="as a run or race takes it: a race refuses exact and auto"
    )


class ErrorOut(BaseModel):
    """A request that cannot be used: the field at fault, what was expected and received."""

    field: str
    expected: str
    received: str
    message: str


class ViewOut(BaseModel):
    """A computed result: the view's JSON document, as ``--format json`` prints it, and more.

    Attributes:
        kind: which view ``view`` is (``point``, ``summary``, ``race``, ``sensitivity``).
        view: the view's ``to_json()``.
        headline: the headline's numbers, and ``sentence``, the headline in plain words.
        histogram: the headline's distribution (bin edges and counts), when it is sampled.
        version: the package version that computed it.
    """

    kind: str
    view: dict[str, Any]
    headline: dict[str, Any] | None = None
    histogram: dict[str, Any] | None = None
    version: str


class SavedOut(BaseModel):
    """A recorded run's id and the store's location."""

    run_id: int
    store: str


def check_settings(settings: dict[str, str]) -> None:
    """Bound every setting's name and value (pydantic bounds the count)."""
    from alignment_runway.errors import InputError

    for name, value in settings.items():
        if len(name) > MAX_NAME:
            raise InputError("settings", f"names of at most {MAX_NAME} characters", repr(name[:40]))
        if len(value) > MAX_VALUE:
            raise InputError(name, f"a value of at most {MAX_VALUE} characters", f"{len(value)}")
