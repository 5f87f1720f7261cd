"""Stage D in the static model: the research rate once tasks are automated one at a time.

The static model's AI labor ``L`` (SPEC §3) is the AI term ``r_AI`` of SPEC §7; the human
field works beside it on the tasks the AI leaves. The equations are in `model.tasks`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alignment_runway.model import tasks
from alignment_runway.model.static import OutputSpec

__all__ = ["TASKS_OUTPUTS", "TasksInputs", "static_tasks"]

Array = NDArray[np.float64]

TASKS_OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec(
        "tasks.research_rate",
        "Y",
        "D",
        "researcher_second/s",
        "researcher_month/month",
        "research rate with tasks automated one at a time: the AI on its share of tasks, "
        "humans on the rest",
    ),
    OutputSpec(
        "tasks.speedup",
        "Y/H",
        "D",
        "",
        "",
        "research over the human field's alone (missing without human researchers)",
    ),
    OutputSpec(
        "tasks.effective_cost",
        "τ_A",
        "D",
        "token/researcher_second",
        "token/researcher_second",
        "the AI's cost per researcher-second over its share of tasks, its tokens spread "
        "optimally (missing where the AI does no task)",
    ),
    OutputSpec(
        "tasks.ai_share",
        "a*",
        "D",
        "",
        "",
        "share of tasks the AI does: at most the automated share, fewer when humans do "
        "the costliest automated tasks better",
    ),
    OutputSpec(
        "tasks.realized_share",
        "Y/L",
        "D",
        "",
        "",
        "research over the AI labor of Stage B (above 1 when humans add to it; missing "
        "without AI labor)",
    ),
)


@dataclass(frozen=True)
class TasksInputs:
    """Stage D's inputs in canonical units, each a float array of the sample size.

    Attributes:
        automated_share: ``a``, the share of tasks the AI can do at the pause.
        cost_spread: the 95th/5th percentile ratio of task costs.
        substitution: ``ε``, the elasticity of substitution between tasks.
        human_researchers: ``n_h``.
        automation_rate: ``g_a``, per second.
    """

    automated_share: Array
    cost_spread: Array
    substitution: Array
    human_researchers: Array
    automation_rate: Array


def static_tasks(labor: Array, tau: Array, x: TasksInputs) -> dict[str, Array]:
    """Stage D's outputs (``tasks.*``) for the static model's AI labor ``L`` (SPEC §7).

    Args:
        labor: ``L`` (researcher-s per calendar s), the AI term ``r_AI``.
        tau: the median task's cost ``τ`` (tokens per researcher-second).
        x: the task parameters.
    """
    out = tasks.tasks_outputs(
        labor,
        tau,
        x.cost_spread,
        x.automated_share,
        x.substitution,
        tasks.human_labor(x.human_researchers),
    )
    return {
        "tasks.research_rate": out.research_rate,
        "tasks.speedup": out.speedup,
        "tasks.effective_cost": out.effective_cost,
        "tasks.ai_share": out.ai_share,
        "tasks.realized_share": out.realized_share,
    }
