"""Stage D in runs (SPEC §7): the ``tasks.*`` outputs, their edge cases and how they are shown.

Expected values are written by plain arithmetic from SPEC §7's closed forms and the static
model's own ``static.labor``, never through ``model.tasks``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from alignment_runway import api, views
from alignment_runway.errors import InputError
from alignment_runway.results import RunResult
from alignment_runway.units import CALENDAR_YEAR_S, RESEARCHER_YEAR_RS

TASKS = (
    "tasks.research_rate",
    "tasks.speedup",
    "tasks.effective_cost",
    "tasks.ai_share",
    "tasks.realized_share",
)


def _point(*settings: str) -> dict[str, float]:
    result = api.run(api.load_scenario(settings=settings))
    return {name: float(values[0]) for name, values in result.values.items()}


def _humans(n: float) -> float:
    return n * RESEARCHER_YEAR_RS / CALENDAR_YEAR_S


def test_neutral_stage_d_adds_no_output() -> None:
    result = api.run(api.load_scenario())
    assert not any(name.startswith("tasks.") for name in result.values)
    with pytest.raises(InputError, match="keep"):
        api.run(api.load_scenario(settings=["compute.stock=1e21 to 4e21 FLOP/s"]),
                samples=10, keep=["tasks.speedup"])  # fmt: skip


def test_balanced_regime_adds_humans_to_the_ai() -> None:
    out = _point("tasks.human_researchers=600", "tasks.substitution=0.5")
    labor, humans = out["static.labor"], _humans(600)
    assert out["tasks.research_rate"] == pytest.approx(labor + humans, rel=1e-15)
    assert out["tasks.speedup"] == pytest.approx((labor + humans) / humans, rel=1e-15)
    assert out["tasks.ai_share"] == pytest.approx(labor / (labor + humans), rel=1e-15)
    assert out["tasks.effective_cost"] == 100.0
    assert out["tasks.realized_share"] == pytest.approx((labor + humans) / labor, rel=1e-15)


def test_amdahl_bound_at_small_substitution() -> None:
    # the AI's labor is vast: with complements, humans on half the tasks bound the rate
    out = _point("tasks.human_researchers=600", "tasks.automated_share=0.5",
                 "tasks.substitution=1e-6")  # fmt: skip
    assert out["tasks.research_rate"] == pytest.approx(_humans(600) / 0.5, rel=1e-4)
    assert out["tasks.ai_share"] == 0.5


def test_no_automation_leaves_the_human_field_and_no_cost() -> None:
    out = _point("tasks.human_researchers=600", "tasks.automated_share=0")
    assert out["tasks.research_rate"] == _humans(600)
    assert out["tasks.speedup"] == 1.0
    assert out["tasks.ai_share"] == 0.0
    assert math.isnan(out["tasks.effective_cost"])
    scenario = api.load_scenario(
        settings=["tasks.human_researchers=600", "tasks.automated_share=0"]
    )
    document = views.point_view(api.run(scenario)).to_json()
    shown = {row["name"]: row["value"] for row in document["outputs"]}
    assert shown["tasks.effective_cost"] is None
    json.dumps(document, allow_nan=False)  # valid JSON: no NaN


def test_no_humans_and_complements_leave_a_bottleneck() -> None:
    out = _point("tasks.automated_share=0.9", "tasks.substitution=0.5")
    assert out["tasks.research_rate"] == 0.0
    assert math.isnan(out["tasks.speedup"])
    assert out["tasks.ai_share"] == 0.9
    assert out["tasks.realized_share"] == 0.0


@pytest.mark.parametrize("epsilon", ["1e-9", "0.9999999", "1", "1.0000001", "50"])
def test_extreme_substitution_gives_numbers(epsilon: str) -> None:
    out = _point("tasks.human_researchers=600", "tasks.automated_share=0.7",
                 "tasks.cost_spread=1000", f"tasks.substitution={epsilon}")  # fmt: skip
    for name in TASKS:
        assert math.isfinite(out[name]), name
    assert out["tasks.research_rate"] >= _humans(600)


def test_some_missing_values_are_counted_and_left_out_of_the_summary() -> None:
    scenario = api.load_scenario(settings=["tasks.automated_share=0.5"])
    values = {"tasks.speedup": np.array([np.nan, 1.0, 3.0, np.nan, 2.0])}
    result = RunResult(scenario, 5, 1, values, 0)
    (summary,) = result.summaries((50.0,))
    assert summary.missing == 2
    assert summary.mean.value == 2.0
    assert summary.percentiles[50.0].value == 2.0


def test_all_missing_summary_is_null_with_a_count_and_a_note() -> None:
    scenario = api.load_scenario(settings=[
        "compute.stock=1e21 to 4e21 FLOP/s", "tasks.automated_share=0.5",
    ])  # fmt: skip
    result = api.run(scenario, samples=500, seed=1)
    view = views.summary_view(result, (5.0, 50.0, 95.0))
    document = view.to_json()
    row = next(r for r in document["summary"] if r["name"] == "tasks.speedup")
    assert row["missing"] == 500
    assert row["mean"]["value"] is None
    assert any("tasks.speedup is missing in 500 of 500 samples" in n for n in document["notes"])
    assert "missing" not in next(r for r in document["summary"] if r["name"] == "static.labor")
    json.dumps(document, allow_nan=False)


def test_sensitivity_of_a_task_output_needs_stage_d_and_values_in_every_sample() -> None:
    race = api.load_scenario(preset="race")
    with pytest.raises(InputError, match="needs Stage D on"):
        api.sensitivity(race, outputs=["tasks.speedup"])
    no_humans = api.load_scenario(
        settings=["compute.stock=1e21 to 4e21 FLOP/s", "tasks.automated_share=0.5"]
    )
    with pytest.raises(InputError, match="missing value"):
        api.sensitivity(no_humans, outputs=["tasks.speedup"])
    humans = api.load_scenario(
        settings=["compute.stock=1e21 to 4e21 FLOP/s", "tasks.human_researchers=100 to 1000",
                  "tasks.automated_share=0.5", "tasks.cost_spread=100"]
    )  # fmt: skip
    (result,) = api.sensitivity(humans, outputs=["tasks.speedup"])
    assert {row.name for row in result.tornado} == {
        "compute.stock",
        "tasks.human_researchers",
    }


def test_report_has_the_tasks_section_only_with_stage_d_on(tmp_path: Path) -> None:
    on = api.run(api.load_scenario(settings=[
        "tasks.human_researchers=600", "tasks.automated_share=0.5", "tasks.cost_spread=100",
    ]))  # fmt: skip
    text = api.report(on, tmp_path / "on.html").read_text(encoding="utf-8")
    assert '<section id="tasks">' in text
    assert "first passes 3×" in text and "<svg" in text.split('<section id="tasks">')[1]
    off = api.run(api.load_scenario())
    assert '<section id="tasks">' not in api.report(off, tmp_path / "off.html").read_text(
        encoding="utf-8"
    )
    no_humans = api.run(api.load_scenario(settings=["tasks.automated_share=0.5"]))
    text = api.report(no_humans, tmp_path / "none.html").read_text(encoding="utf-8")
    assert '<section id="tasks">' not in text
    assert "missing" in text  # the speed-up without human researchers
