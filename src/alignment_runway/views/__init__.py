"""Views: one plain record per thing shown, built once from results.

The command line's tables, every ``--format json`` document, the HTML report and web responses
are rendered from these records, so they cannot drift apart.

Each view module is imported when one of its names is first used (``views.essay_view`` imports
the study views, not the sweep's), so a command loads only the views it shows.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alignment_runway.analysis.paired import PairedSummary
    from alignment_runway.analysis.summary import Estimate
    from alignment_runway.views.brief import BriefView, brief_view, verdict_words
    from alignment_runway.views.common import (
        OUTPUT_SPECS,
        InputRow,
        display_unit,
        estimate_record,
        how_computed,
        input_rows,
    )
    from alignment_runway.views.compared import CompareView, compare_view
    from alignment_runway.views.names import (
        explain_record,
        parameter_records,
        preset_rows,
        validation_record,
    )
    from alignment_runway.views.records import (
        DiffView,
        ListedRun,
        ReproductionView,
        computed,
        diff_view,
        listed_runs,
        record_json,
        record_rows,
        record_shares,
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
        output_rows,
        point_view,
        race_view,
        summary_view,
    )
    from alignment_runway.views.studies import (
        BASELINE_NOTE,
        DevloopView,
        EssayView,
        SensitivityStudy,
        SensitivityView,
        devloop_view,
        essay_view,
        sensitivity_study,
        sensitivity_view,
    )
    from alignment_runway.views.swept import PlanView, SweepView, plan_view, sweep_view
    from alignment_runway.views.tasks import TasksCaseView, TasksView, tasks_view

__all__ = [
    "BASELINE_NOTE",
    "FAN_QUANTILES",
    "OUTPUT_SPECS",
    "STAGES",
    "BriefView",
    "CompareView",
    "DevloopView",
    "DiffView",
    "EssayView",
    "Estimate",
    "InputRow",
    "Interval",
    "ListedRun",
    "OutputRow",
    "PairedSummary",
    "PlanView",
    "PointView",
    "RaceView",
    "ReproductionView",
    "SensitivityStudy",
    "SensitivityView",
    "SummaryRow",
    "SummaryView",
    "SweepView",
    "TasksCaseView",
    "TasksView",
    "brief_view",
    "compare_view",
    "computed",
    "devloop_view",
    "diff_view",
    "display_unit",
    "essay_view",
    "estimate_record",
    "explain_record",
    "how_computed",
    "input_rows",
    "listed_runs",
    "output_rows",
    "parameter_records",
    "plan_view",
    "point_view",
    "preset_rows",
    "race_view",
    "record_json",
    "record_rows",
    "record_shares",
    "reproduction_view",
    "sensitivity_study",
    "sensitivity_view",
    "summary_view",
    "sweep_view",
    "tasks_view",
    "validation_record",
    "verdict_words",
]

#: Where the names above live, searched in this order (the views most commands show first).
_MODULES = (
    "alignment_runway.views.runs",
    "alignment_runway.views.common",
    "alignment_runway.analysis.summary",
    "alignment_runway.views.brief",
    "alignment_runway.views.studies",
    "alignment_runway.views.names",
    "alignment_runway.views.records",
    "alignment_runway.analysis.paired",
    "alignment_runway.views.compared",
    "alignment_runway.views.swept",
    "alignment_runway.views.tasks",
)


def __getattr__(name: str) -> Any:
    """A view's name, from the first module of ``_MODULES`` defining it (imported on first use)."""
    if name in __all__:
        for module in _MODULES:
            found = getattr(importlib.import_module(module), name, None)
            if found is not None:
                globals()[name] = found
                return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
