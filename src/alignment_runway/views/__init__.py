"""Views: one plain record per thing shown, built once from results.

The command line's tables, every ``--format json`` document, the HTML report and web responses
are rendered from these records, so they cannot drift apart.
"""

from alignment_runway.analysis.summary import Estimate
from alignment_runway.views.common import InputRow, display_unit, estimate_record, input_rows
from alignment_runway.views.names import explain_record, preset_rows
from alignment_runway.views.records import (
    DiffView,
    ListedRun,
    ReproductionView,
    diff_view,
    listed_runs,
    record_json,
    record_rows,
    reproduction_view,
)
from alignment_runway.views.runs import (
    FAN_QUANTILES,
    STAGES,
    Interval,
    OutputRow,
    PointView,
    RaceView,
    SummaryRow,
    SummaryView,
    point_view,
    race_view,
    summary_view,
)
from alignment_runway.views.studies import (
    DevloopView,
    EssayView,
    SensitivityView,
    devloop_view,
    essay_view,
    sensitivity_view,
)
from alignment_runway.views.tasks import TasksCaseView, TasksView, tasks_view

__all__ = [
    "FAN_QUANTILES",
    "STAGES",
    "DevloopView",
    "DiffView",
    "EssayView",
    "Estimate",
    "InputRow",
    "Interval",
    "ListedRun",
    "OutputRow",
    "PointView",
    "RaceView",
    "ReproductionView",
    "SensitivityView",
    "SummaryRow",
    "SummaryView",
    "TasksCaseView",
    "TasksView",
    "devloop_view",
    "diff_view",
    "display_unit",
    "essay_view",
    "estimate_record",
    "explain_record",
    "input_rows",
    "listed_runs",
    "point_view",
    "preset_rows",
    "race_view",
    "record_json",
    "record_rows",
    "reproduction_view",
    "sensitivity_view",
    "summary_view",
    "tasks_view",
]
