"""Property-based tests of Stage D, tasks automated one at a time (SPEC §7).

Strategies draw realistic ranges in canonical units: AI labor ``r_AI`` and human labor ``H``
in researcher-seconds per calendar second over many orders of magnitude, the automated share
anywhere in ``[0, 1]``, the elasticity ``ε`` from strong complements (1e-3) to substitutes (20),
and the 95/5 ratio of task costs from 1 to 1e4. Every example runs with floating-point
overflow, division by zero and invalid operations raising.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from alignment_runway.model import tasks

Array = NDArray[np.float64]

#: Slack for the solve's tolerance and the log-space arithmetic (SPEC §7: about 1e-12).
REL = 1e-11
TAU = 100.0

PROPERTY = settings(max_examples=200, deadline=None)


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


labor = log_uniform(1e-6, 1e9)
humans = log_uniform(1e-6, 1e6)
share = st.floats(0.0, 1.0)
inner_share = st.floats(1e-6, 1.0 - 1e-6)
elasticity = log_uniform(1e-3, 20.0)
complements = log_uniform(1e-3, 0.999)
spread = st.one_of(st.just(1.0), log_uniform(1.0, 1e4))


@pytest.fixture(autouse=True)
def _strict_floats() -> Iterator[None]:
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield


def outputs(
    r: float | Array, spread: float, a: float | Array, eps: float, h: float | Array
) -> tasks.TasksOutputs:
    return tasks.tasks_outputs(r, TAU, spread, a, eps, h)


@PROPERTY
@given(labor, spread, share, share, elasticity, humans)
def test_more_automation_never_lowers_research(
    r: float, c: float, a1: float, a2: float, eps: float, h: float
) -> None:
    lo, hi = sorted((a1, a2))
    y = outputs(r, c, np.array([lo, hi]), eps, h).research_rate
    assert y[1] >= y[0] * (1 - REL)


@PROPERTY
@given(labor, labor, spread, share, elasticity, humans)
def test_more_ai_labor_never_lowers_research(
    r1: float, r2: float, c: float, a: float, eps: float, h: float
) -> None:
    lo, hi = sorted((r1, r2))
    y = outputs(np.array([lo, hi]), c, a, eps, h).research_rate
    assert y[1] >= y[0] * (1 - REL)


@PROPERTY
@given(labor, spread, st.floats(0.0, 0.999), complements, humans)
def test_complements_need_humans(r: float, c: float, a: float, eps: float, h: float) -> None:
    # ρ < 0: Y^ρ ≥ (1 − a*)^(1−ρ) H^ρ, so Y ≤ H·(1 − a)^(−1/(1 − ε)), which vanishes with H
    shrinking = h * np.array([1.0, 1e-3, 1e-6, 0.0])
    y = outputs(r, c, a, eps, shrinking).research_rate
    assert y[-1] == 0.0
    log_factor = -math.log1p(-a) / (1 - eps)  # may exceed the float range: compare logs
    for y_i, h_i in zip(y[:-1], shrinking[:-1], strict=True):
        assert y_i > 0
        assert math.log(y_i) <= math.log(h_i) + log_factor + REL * (1 + log_factor)


@PROPERTY
@given(labor, spread, share, elasticity, humans)
def test_ai_share_is_within_the_automated_share(
    r: float, c: float, a: float, eps: float, h: float
) -> None:
    out = outputs(r, c, a, eps, h)
    assert 0.0 <= out.ai_share <= a
    assert (out.ai_share == 0) == (a == 0)
    assert np.isnan(out.effective_cost) == (a == 0)


@PROPERTY
@given(labor, spread, share, elasticity, humans, st.floats(0.0, 1.0))
def test_research_is_the_best_split(
    r: float, c: float, a: float, eps: float, h: float, fraction: float
) -> None:
    out = outputs(r, c, a, eps, h)
    y = float(out.research_rate)
    assume(math.isfinite(y))
    assert y >= h * (1 - REL)  # the AI could leave everything to the humans
    # ... or take any share a' ≤ a, with its tokens spread optimally
    other = fraction * a
    s = tasks.cost_sigma(c)
    if other > 0:
        ai_labor = r * TAU / tasks.effective_cost(TAU, s, other, eps)
        assert y >= tasks.research_rate(ai_labor, h, other, eps) * (1 - REL)
    # humans never lower research
    assert y >= float(outputs(r, c, a, eps, 0.0).research_rate) * (1 - REL)
    assert out.speedup == pytest.approx(y / h, rel=1e-15)
    assert out.realized_share == pytest.approx(y / r, rel=1e-15)


@PROPERTY
@given(labor, log_uniform(1.0001, 1e4), inner_share, elasticity, humans, st.floats(0.0, 1.0))
def test_warm_start_does_not_change_the_answer(
    r: float, c: float, a: float, eps: float, h: float, guess: float
) -> None:
    cold = outputs(r, c, a, eps, h)
    warm = tasks.tasks_outputs(r, TAU, c, a, eps, h, initial=guess)
    assert warm.research_rate == pytest.approx(cold.research_rate, rel=REL)


@PROPERTY
@given(labor, spread, share, humans, st.sampled_from([1e-9, 1e-7]))
def test_research_is_continuous_across_eps_one(
    r: float, c: float, a: float, h: float, d: float
) -> None:
    # ln Y is smooth in ε: the changes either side of ε = 1 mirror each other, no jump
    log_y = {
        eps: math.log(float(outputs(r, c, a, eps, h).research_rate)) for eps in (1 - d, 1, 1 + d)
    }
    up, down = log_y[1 + d] - log_y[1], log_y[1 - d] - log_y[1]
    assert abs(up + down) <= 1e-10 + 1e-2 * abs(up - down)
