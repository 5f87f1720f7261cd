"""Which optional stages a scenario turns on (SPEC §7)."""

from __future__ import annotations

from alignment_runway.scenarios.loader import Scenario

__all__ = ["TASKS_NEUTRAL", "tasks_active"]

#: Stage D's neutral values (the ``essay`` preset's): the AI alone does every task at one cost,
#: so research is the AI's labor exactly, whatever ``tasks.substitution`` and
#: ``tasks.automation_rate``.
TASKS_NEUTRAL = {
    "tasks.automated_share": 1.0,
    "tasks.cost_spread": 1.0,
    "tasks.human_researchers": 0.0,
}


def tasks_active(scenario: Scenario) -> bool:
    """Whether Stage D changes anything: a task parameter away from its neutral value.

    A distribution counts as active even if it could draw the neutral value. With Stage D off,
    runs and races compute, and show, exactly what they did without it.
    """
    return any(scenario.value(name) != value for name, value in TASKS_NEUTRAL.items())
