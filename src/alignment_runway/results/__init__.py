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
    TasksCase,
    TasksCurve,
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
    "TasksCase",
    "TasksCurve",
    "register_html",
]
