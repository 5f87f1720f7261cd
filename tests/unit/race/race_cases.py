"""Shared by the race's unit tests: the essay's static figures and a race on the essay.

The ``essay`` preset leaves every race mechanism at its neutral value, so each test turns
mechanisms on with ``--set``-style settings and compares ``api.race`` with closed forms written
by hand from the static labor ``L`` (researcher-seconds per second) and serial speed ``v/σ``.
Canonical units throughout: seconds, researcher-seconds, rates per second.
"""

from __future__ import annotations

import math
from functools import cache

import pytest

from alignment_runway import api
from alignment_runway.results import RaceResult
from alignment_runway.scenarios import Scenario
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_MONTH_RS

#: Relative tolerance of the closed forms (SPEC §6).
REL = 1e-9
M = CALENDAR_MONTH_S
WEEK = 7 * 24 * 3600.0
HOUR = 3600.0
STEPS = ("month", "week")
#: The essay preset's reference team (race.reference_team).
ESSAY_TEAM = 600.0


# --------------------------------------------------------------------------- the essay


@cache
def essay_static() -> tuple[float, float, float]:
    """The essay's static labor ``L``, serial speed ``v/σ`` and research per month."""
    result = api.run(api.load_scenario(preset="essay"))
    return (
        result.value("static.labor"),
        result.value("static.serial_speedup"),
        result.value("static.research_per_month"),
    )


def scenario_with(*settings: str, preset: str = "essay") -> Scenario:
    return api.load_scenario(preset=preset, settings=list(settings))


def run_race(
    *settings: str,
    samples: int | None = None,
    seed: int = 11,
    months: float = 60.0,
    step: str = "month",
    keep_trajectories: int = 1000,
) -> RaceResult:
    return api.race(
        scenario_with(*settings),
        samples,
        seed,
        months=months,
        step=step,
        keep_trajectories=keep_trajectories,
    )


def assert_close(actual: float, expected: float, rel: float = REL) -> None:
    assert actual == pytest.approx(expected, rel=rel, abs=0.0)


# --------------------------------------------------------------------------- closed forms


def review_cap_rs(n_sup: float, q_month: float, share: float) -> float:
    """The review cap ``n_sup·q/φ`` in researcher-seconds per second (q in researcher-months
    per month)."""
    return n_sup * q_month * RESEARCHER_MONTH_RS / M / share


def growth_integral(labor: float, t: float, doubling: float, cap: float) -> float:
    """``∫_0^t L·min(2^(s/T_d), m_max) ds``: the exponential piece, then the flat piece."""
    t_cap = doubling * math.log2(cap)
    if t <= t_cap:
        return labor * doubling / math.log(2) * (2 ** (t / doubling) - 1)
    return labor * doubling / math.log(2) * (cap - 1) + labor * cap * (t - t_cap)
