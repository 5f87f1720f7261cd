"""Results: runs and races with their samples and summaries, and the studies built on them."""

from alignment_runway.results.runs import (
    ALL_OUTPUTS,
    DEFAULT_PERCENTILES,
    UNITS,
    OutputSummary,
    RaceResult,
    RunResult,
    register_html,
)
from alignment_runway.results.studies import (
    DevloopCase,
    DevloopResult,
    EssayFigure,
    Reproduction,
    RunRecord,
    SensitivityResult,
)

__all__ = [
    "ALL_OUTPUTS",
    "DEFAULT_PERCENTILES",
    "UNITS",
    "DevloopCase",
    "DevloopResult",
    "EssayFigure",
    "OutputSummary",
    "RaceResult",
    "Reproduction",
    "RunRecord",
    "RunResult",
    "SensitivityResult",
    "register_html",
]
