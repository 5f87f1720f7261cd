"""Stage D's parameters in scenarios (SPEC §7, §10): specs, presets, neutral values, bad input."""

from __future__ import annotations

import pytest

from alignment_runway.distributions import Distribution
from alignment_runway.errors import ScenarioError
from alignment_runway.scenarios import PARAMETERS, load_preset, tasks_active, with_settings
from alignment_runway.scenarios.stages import TASKS_NEUTRAL

TASKS = (
    "tasks.automated_share",
    "tasks.cost_spread",
    "tasks.substitution",
    "tasks.human_researchers",
    "tasks.automation_rate",
)


def test_every_task_parameter_has_a_spec_and_an_essay_default_with_a_source() -> None:
    essay = load_preset("essay")
    for name in TASKS:
        spec = PARAMETERS[name]
        assert spec.meaning and spec.symbol and spec.example
        setting = essay.settings[name]
        assert setting.source.startswith("neutral")
    for name, value in TASKS_NEUTRAL.items():
        assert essay.scalar(name) == value


@pytest.mark.parametrize("preset", ["essay", "essay-1000x", "uncertain", "race"])
def test_presets_before_stage_d_leave_it_off(preset: str) -> None:
    assert not tasks_active(load_preset(preset))


def test_tasks_preset_is_the_race_preset_with_every_task_parameter_drawn() -> None:
    tasks, race = load_preset("tasks"), load_preset("race")
    assert tasks_active(tasks)
    for name, setting in race.settings.items():
        if not name.startswith("tasks."):
            assert tasks.settings[name].value == setting.value, name
    drawn = tasks.uncertain()
    for name in TASKS:
        assert isinstance(drawn[name], Distribution), name
        assert tasks.settings[name].source, name
    # the human field is the reference team: one draw for both
    pairs = {c.pair: c.rho for c in tasks.correlations}
    assert pairs[("race.reference_team", "tasks.human_researchers")] == 1.0
    # substitution stays near or below 1 (wide spreads with ε > 1 say little about research)
    assert drawn["tasks.substitution"].support[1] <= 2.0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tasks.automated_share", "0.2"),
        ("tasks.cost_spread", "30"),
        ("tasks.human_researchers", "600"),
    ],
)
def test_any_active_value_turns_stage_d_on(name: str, value: str) -> None:
    assert tasks_active(with_settings(load_preset("essay"), [f"{name}={value}"]))


def test_substitution_and_rate_alone_change_nothing() -> None:
    scenario = with_settings(
        load_preset("essay"), ["tasks.substitution=0.3", "tasks.automation_rate=0.1 / month"]
    )
    assert not tasks_active(scenario)


@pytest.mark.parametrize(
    ("setting", "expected", "received"),
    [
        ("tasks.automated_share=1.5", "expected a value in [0, 1]", "received 1.5"),
        ("tasks.automated_share=-0.1", "expected a value in [0, 1]", "received -0.1"),
        ("tasks.substitution=0", "expected a value in (0, inf)", "received 0"),
        ("tasks.substitution=-2", "expected a value in (0, inf)", "received -2"),
        ("tasks.cost_spread=0.5", "expected a value in [1, inf)", "received 0.5"),
        ("tasks.human_researchers=-1", "expected a value in [0, inf)", "received -1"),
        ("tasks.automation_rate=-0.1 / month", "[0, inf) 1/month", "received -0.1 1/month"),
    ],
)
def test_bad_task_values_are_named_errors(setting: str, expected: str, received: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_settings(load_preset("essay"), [setting])
    message = str(caught.value)
    name = setting.split("=", 1)[0]
    assert f"{name}: " in message
    assert expected in message and received in message


def test_a_share_range_leaving_zero_to_one_needs_truncation() -> None:
    with pytest.raises(ScenarioError, match=r"tasks\.automated_share"):
        with_settings(load_preset("essay"), ["tasks.automated_share=0.5 to 2"])
