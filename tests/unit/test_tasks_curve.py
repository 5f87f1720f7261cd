"""The ``tasks`` study (SPEC §7): speed-up over the human field against the automated share.

Expected values are SPEC §7's closed forms written here: the balanced regime ``1 + L/H``,
Amdahl's ``1/(1 − a)`` as ``ε → 0`` and Cobb–Douglas at ``ε = 1``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from alignment_runway import api, views
from alignment_runway.errors import InputError
from alignment_runway.units import CALENDAR_YEAR_S, RESEARCHER_YEAR_RS

HUMANS = 600.0


def _flat(*settings: str, epsilons: tuple[float, ...] = (1e-7, 1.0)) -> api.TasksCurve:
    scenario = api.load_scenario(
        settings=[f"tasks.human_researchers={HUMANS}", "tasks.automated_share=0.5", *settings]
    )
    return api.tasks_curve(scenario, epsilons=epsilons)


def _ratio() -> float:
    labor = api.run(api.load_scenario()).value("static.labor")
    return labor / (HUMANS * RESEARCHER_YEAR_RS / CALENDAR_YEAR_S)


def test_every_task_automated_at_one_cost_is_the_single_tau_figure() -> None:
    result = _flat()
    ratio = _ratio()
    assert result.single_tau[0] == pytest.approx(1 + ratio, rel=1e-14)
    for case in result.cases:
        assert case.speedup[0, -1] == pytest.approx(1 + ratio, rel=1e-12)
        assert case.speedup[0, 0] == 1.0  # nothing automated: the human field alone


def test_amdahl_as_substitution_vanishes() -> None:
    result = _flat()
    amdahl = result.cases[1]  # ε = 1e-7: humans on the rest bound research, 1/(1 − a)
    shares = result.shares
    inside = (shares > 0) & (shares < 0.99)
    assert np.allclose(amdahl.speedup[0, inside], 1 / (1 - shares[inside]), rtol=1e-4)
    assert amdahl.first_share[3.0][0] == pytest.approx(1 - 1 / 3, rel=1e-4)
    assert amdahl.first_share[10.0][0] == pytest.approx(0.9, rel=1e-4)


def test_cobb_douglas_at_one() -> None:
    result = _flat()
    ratio = _ratio()
    cobb = result.cases[2]  # ε = 1, every task at one cost: (L/(aH))^a (1/(1 − a))^(1 − a)
    for i in (10, 30, 70):
        a = float(result.shares[i])
        expected = (ratio / a) ** a * (1 / (1 - a)) ** (1 - a)
        assert cobb.speedup[0, i] == pytest.approx(expected, rel=1e-12)


def test_curves_never_fall_and_bands_are_ordered() -> None:
    scenario = api.load_scenario(preset="tasks")
    result = api.tasks_curve(scenario, 300, seed=3)
    assert result.samples == 300
    for case in result.cases:
        assert np.all(np.diff(case.speedup, axis=1) >= -1e-9 * case.speedup[:, 1:])
        for t, first in case.first_share.items():
            reached = ~np.isnan(first)
            at = np.clip(np.searchsorted(result.shares, first[reached]), 0, 100)
            assert np.all(case.speedup[reached, at] >= t * (1 - 1e-9))
    view = views.tasks_view(result)
    document = json.loads(json.dumps(view.to_json(), allow_nan=False))
    for case in document["cases"]:
        bands = case["speedup"]
        rows = zip(bands["p5"], bands["p50"], bands["p95"], strict=True)
        assert all(a <= b <= c for a, b, c in rows)
        assert set(case["first_share"]) == {"3x", "10x"}


def test_never_reached_is_null_in_json() -> None:
    # few humans' worth of AI: even everything automated stays below 10×
    result = _flat("compute.stock=1e15 FLOP/s", epsilons=(0.5,))
    assert math.isnan(result.cases[1].first_share[10.0][0])
    document = views.tasks_view(result).to_json()
    assert document["cases"][1]["first_share"]["10x"] == {"value": None}


@pytest.mark.parametrize("eps", [0.0, -1.0, math.inf])
def test_bad_elasticities_are_named(eps: float) -> None:
    with pytest.raises(InputError, match="epsilons"):
        _flat(epsilons=(eps,))


def test_no_human_field_is_a_named_error() -> None:
    scenario = api.load_scenario(settings=["tasks.automated_share=0.5"])
    with pytest.raises(InputError, match=r"tasks\.human_researchers"):
        api.tasks_curve(scenario)
