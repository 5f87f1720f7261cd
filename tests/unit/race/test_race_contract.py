"""The race's inputs: parameters that do not fit together, values the loader refuses and
options the API refuses, each naming the parameter or option at fault; and the edge cases that
are allowed (the neutral values, a horizon of one step).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from race_cases import (
    WEEK,
    assert_close,
    essay_static,
    run_race,
    scenario_with,
)

from alignment_runway import api
from alignment_runway.errors import Error

# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        (["race.review_share=0.1"], ["race.review_share", "race.supervisors"]),
        (
            ["race.review_share=0.1", "race.supervisors=100"],
            ["race.review_share", "race.review_capacity"],
        ),
        (
            ["race.review_share=0.1", "race.review_capacity=3 researcher_month/month"],
            ["race.review_share", "race.supervisors"],
        ),
        (
            ["race.checkpoint_latency=4 hour"],
            ["race.checkpoint_latency", "race.checkpoint_interval"],
        ),
        (["race.efficiency_cap=10"], ["race.efficiency_cap", "race.efficiency_doubling_time"]),
        (
            ['race.review_share={dist = "uniform", low = 0.01, high = 0.1}'],
            ["race.review_share", "race.supervisors"],
        ),
        (
            ['race.efficiency_cap={dist = "lognormal", p5 = 10, p95 = 1000, min = 1}'],
            ["race.efficiency_cap", "race.efficiency_doubling_time"],
        ),
    ],
)
def test_parameters_that_do_not_fit_together(settings: list[str], names: list[str]) -> None:
    scenario = scenario_with(*settings)
    with pytest.raises(Error) as info:
        api.race(scenario)
    for name in names:
        assert name in str(info.value)
    with pytest.raises(Error):
        api.check_race(scenario)


def test_the_neutral_values_fit_together() -> None:
    api.check_race(scenario_with())
    api.check_race(scenario_with(preset="race"))
    api.check_race(scenario_with("race.efficiency_doubling_time=3 months"))  # cap 1: no growth


@pytest.mark.parametrize(
    ("setting", "name"),
    [
        ("race.lead=-1 months", "race.lead"),
        ("race.caution_period=-2 months", "race.caution_period"),
        ("race.caution_erosion=-0.1", "race.caution_erosion"),
        ("race.leak_rate=-0.1/month", "race.leak_rate"),
        ("race.theft_rate=-0.01/month", "race.theft_rate"),
        ("race.theft_draw=1", "race.theft_draw"),
        ("race.theft_draw=-0.5", "race.theft_draw"),
        ("race.safe_share=1.5", "race.safe_share"),
        ("race.safe_share=-0.5", "race.safe_share"),
        ("race.review_share=1.01", "race.review_share"),
        ("race.review_share=-0.1", "race.review_share"),
        ("race.parallel_returns=1.5", "race.parallel_returns"),
        ("race.parallel_returns=-0.5", "race.parallel_returns"),
        ("race.efficiency_cap=0.5", "race.efficiency_cap"),
        ("race.catch_up_speed=0", "race.catch_up_speed"),
        ("race.catch_up_speed=-1", "race.catch_up_speed"),
        ("race.reference_team=0", "race.reference_team"),
        ("race.efficiency_doubling_time=0 months", "race.efficiency_doubling_time"),
        ("race.checkpoint_interval=0 researcher_hour", "race.checkpoint_interval"),
        ("race.supervisors=-3", "race.supervisors"),
        ("race.required_research=-1 researcher_year", "race.required_research"),
        ("race.lead=6 researcher_hour", "race.lead"),
        ("race.leak_rate=0.1", "race.leak_rate"),
    ],
)
def test_bad_race_parameters_are_refused_by_the_loader(setting: str, name: str) -> None:
    with pytest.raises(Error, match=name):
        scenario_with(setting)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"months": 0}, "months"),
        ({"months": -3}, "months"),
        ({"months": math.nan}, "months"),
        ({"months": math.inf}, "months"),
        ({"months": 0.1, "step": "week"}, "months"),  # 3 days < one week
        ({"months": 0.5, "step": "month"}, "months"),
        ({"months": "12"}, "months"),
        ({"step": "day"}, "step"),
        ({"step": "Month"}, "step"),
        ({"keep_trajectories": -1}, "keep_trajectories"),
        ({"keep_trajectories": 2.5}, "keep_trajectories"),
        ({"keep_trajectories": True}, "keep_trajectories"),
        ({"samples": 0}, "samples"),
        ({"seed": -1}, "seed"),
        ({"workers": 0}, "workers"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_race_options(options: dict[str, object], match: str) -> None:
    with pytest.raises(Error, match=match):
        api.race(scenario_with(), **options)  # type: ignore[arg-type]


def test_a_horizon_of_exactly_one_step_is_allowed() -> None:
    labor, _, _ = essay_static()
    result = run_race("race.lead=6 months", months=7 / 30, step="week")
    assert_close(result.value("race.research"), labor * WEEK)
    np.testing.assert_allclose(result.month, [0.0, 7 / 30], rtol=1e-15)
