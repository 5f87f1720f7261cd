"""The brief: a report's opening in plain words, for readers who will not read its tables.

What was assumed (the scenario and which of its values are uncertain), what came out (the
headline with its interval, the window and why it ended, P(success)), what matters most (the
inputs with the largest swings, when a sensitivity analysis ran) and, for an essay preset, the
audit's verdicts in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignment_runway.formatting import number, unit_name
from alignment_runway.results import EssayFigure, RaceResult, RunResult, SensitivityResult
from alignment_runway.views.common import meaning
from alignment_runway.views.runs import (
    REPORT_PERCENTILES,
    RaceView,
    SummaryView,
    race_view,
    summary_view,
)
from alignment_runway.views.studies import EssayView, sensitivity_view

__all__ = ["BriefView", "brief_view", "result_view", "verdict_words"]

#: How many inputs "what matters most" names.
MOST = 3


@dataclass(frozen=True)
class BriefView:
    """A report's opening, as sentences.

    Attributes:
        assumed: what the scenario assumes, in one or two sentences.
        came_out: the results, one sentence each.
        matters: the inputs that move the headline most, one sentence each (or why none).
        audit: the essay audit's verdicts in words (None when the report has no audit).
    """

    assumed: str
    came_out: tuple[str, ...]
    matters: tuple[str, ...]
    audit: str | None

    def to_json(self) -> dict[str, Any]:
        """The brief as JSON."""
        return {
            "assumed": self.assumed,
            "came_out": list(self.came_out),
            "matters": list(self.matters),
            "audit": self.audit,
        }


def _words(name: str) -> str:
    """A parameter or output as words: ``labor.serial_speed`` → serial speed."""
    return name.split(".", 1)[-1].replace("_", " ")


def _assumed(result: RunResult) -> str:
    scenario = result.scenario
    described = f": {scenario.description.rstrip('.')}" if scenario.description else ""
    uncertain = list(scenario.uncertain())
    if not uncertain:
        spread = "Every value is fixed (no ranges), so each result below is one number."
    else:
        named = ", ".join(_words(n) for n in uncertain[:6])
        more = f" and {len(uncertain) - 6} more" if len(uncertain) > 6 else ""
        if result.samples == 0:
            drawn = "known in closed form (exact lognormal laws, nothing sampled)"
        elif result.randomizations:
            drawn = f"drawn {result.samples:,} times (randomized quasi-Monte Carlo)"
        else:
            drawn = f"drawn {result.samples:,} times"
        spread = (
            f"{len(uncertain)} of its {len(scenario.settings)} values are uncertain ranges "
            f"({named}{more}), {drawn}; the others are fixed."
        )
    return f"The {scenario.name} scenario{described}. {spread}"


def _race_results(view: RaceView) -> tuple[str, ...]:
    r = view.research
    window = next(row for row in view.rows if row.name == "race.window")
    if view.point:
        lines = [
            f"Research delivered before the lead ran out: {number(r.p50)} researcher-years "
            f"({number(view.field_years_median)} field-years).",
            f"The window lasted {number(window.mean.value)} months and ended by {view.ended_by}.",
        ]
    else:
        shares = ", ".join(
            f"{name} in {e.value:.0%}" for name, e in view.end_reasons.items() if e.value > 0
        )
        lines = [
            f"Research delivered before the lead ran out: median {number(r.p50)} "
            f"researcher-years ({number(view.field_years_median)} field-years); 9 chances in "
            f"10 between {number(r.p5)} and {number(r.p95)}.",
            f"The window lasted a median {number(window.percentiles['p50'].value)} months; "
            f"it ended by {shares} of the samples.",
        ]
    if view.success is not None:
        need = (
            f"the required {number(view.required)} researcher-years"
            if view.required is not None
            else "the required research"
        )
        lines.append(
            f"The chance of delivering {need} inside the window (P(success)) is "
            f"{view.success.value:.1%}."
        )
    return tuple(lines)


def _run_results(view: SummaryView) -> tuple[str, ...]:
    headline = view.headline
    if headline is None:
        return ()
    if view.samples == 1:
        return (
            f"Each month of lead buys {number(headline.p50)} researcher-months of alignment "
            "research (of 240 working hours).",
        )
    return (
        f"Each month of lead buys a median {number(headline.p50)} researcher-months of "
        f"alignment research (of 240 working hours); 9 chances in 10 between "
        f"{number(headline.p5)} and {number(headline.p95)}.",
    )


def _matters(sensitivity: Sequence[SensitivityResult]) -> tuple[str, ...]:
    if not sensitivity:
        return (
            "No input is uncertain, so nothing can be ranked: change one value (--set) and "
            "compare, or give ranges and run the sensitivity analysis.",
        )
    view = sensitivity_view(sensitivity[0])
    unit = unit_name(view.unit)
    lines = []
    for row in [r for r in view.rows if float(r["swing"]) > 0][:MOST]:
        name = str(row["input"])
        input_unit = unit_name(str(row["input_unit"]))
        lines.append(
            f"{_words(name).capitalize()} ({meaning(name)}): from {number(row['input_p5'])} "
            f"to {number(row['input_p95'])}{' ' + input_unit if input_unit else ''} moves "
            f"{_words(view.output)} from {number(row['output_at_p5'])} to "
            f"{number(row['output_at_p95'])}{' ' + unit if unit else ''}."
        )
    if not lines:
        return ("No uncertain input moves the headline output.",)
    return (
        f"What matters most for {_words(view.output)} (each input from its 5th to its 95th "
        "percentile, the others at their medians):",
        *lines,
    )


def verdict_words(figure: EssayFigure, tolerance: float) -> str:
    """An audited figure's verdict as a sentence fragment."""
    if figure.verdict == "agrees":
        return f"agrees, within {tolerance:.0%}"
    return f"differs: the model gives {figure.ratio:.2f}× the essay's figure"


def _audit(audit: EssayView | None) -> str | None:
    if audit is None:
        return None
    total, differ = len(audit.figures), audit.differing
    text = (
        f"The essay's own figures, recomputed: {total - differ} of {total} agree within "
        f"{audit.tolerance:.0%}"
    )
    if not differ:
        return text + "."
    names = "; ".join(f.quantity for f in audit.figures if f.verdict == "differs")
    return f"{text}; {differ} differ ({names}), each with the reason under “The essay, audited”."


def result_view(result: RunResult) -> RaceView | SummaryView:
    """A race's or a run's view at the report's percentiles (what the report and brief show)."""
    if isinstance(result, RaceResult):
        return race_view(result, REPORT_PERCENTILES)
    return summary_view(result, REPORT_PERCENTILES)


def brief_view(
    result: RunResult,
    sensitivity: Sequence[SensitivityResult] = (),
    audit: EssayView | None = None,
    view: RaceView | SummaryView | None = None,
) -> BriefView:
    """The brief of a run or race, its sensitivity (headline first) and the essay audit.

    ``view``: the result's view at ``REPORT_PERCENTILES``, when the caller has built it.
    """
    if view is None:
        view = result_view(result)
    came_out = _race_results(view) if isinstance(view, RaceView) else _run_results(view)
    return BriefView(_assumed(result), came_out, _matters(sensitivity), _audit(audit))
