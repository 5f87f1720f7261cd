"""Paired comparison: closed forms of the paired summaries, common random numbers, sides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignment_runway import api, views
from alignment_runway.analysis.paired import paired, ratios
from alignment_runway.engine.compare import side_settings
from alignment_runway.errors import Error, InputError
from alignment_runway.model import compute, labor

QS = (5.0, 50.0, 95.0)


def test_paired_closed_forms() -> None:
    a = np.array([0.0, 1.0, 2.0, 4.0, np.inf])
    b = np.array([3.0, 2.0, 2.0, 1.0, np.inf])
    p = paired(a, b, QS)
    assert p.samples == 5
    assert p.zero_baseline == 1  # a = 0: no ratio, never an infinity
    assert p.not_finite == 1  # inf vs inf: out of ratio and difference
    assert p.ratio.samples == 3 and p.ratio.mean is not None
    assert p.ratio.mean.value == pytest.approx((2.0 + 1.0 + 0.25) / 3)
    assert p.difference.samples == 4 and p.difference.mean is not None
    assert p.difference.mean.value == pytest.approx((3.0 + 1.0 + 0.0 - 3.0) / 4)
    assert p.greater.value == pytest.approx(2 / 5)  # 3 > 0, 2 > 1
    assert p.equal.value == pytest.approx(2 / 5)  # 2 = 2, inf = inf ("never" on both sides)
    assert np.array_equal(ratios(a, b), np.array([2.0, 1.0, 0.25]))


def test_paired_with_no_pair_left_has_no_summary() -> None:
    p = paired(np.zeros(4), np.ones(4), QS)
    assert p.ratio.samples == 0 and p.ratio.mean is None and p.ratio.percentiles == {}
    assert p.greater.value == 1.0 and p.greater.se == 0.0
    with pytest.raises(ValueError, match="equal, non-empty"):
        paired(np.zeros(3), np.zeros(4), QS)


@given(
    st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1e6)), min_size=2, max_size=50),
    st.floats(0.1, 10.0),
)
def test_shares_add_up_and_scaling_gives_the_factor(values: list[float], k: float) -> None:
    a = np.array(values)
    p = paired(a, a * k, QS)
    lower = paired(a * k, a, QS).greater.value
    assert p.greater.value + p.equal.value + lower == pytest.approx(1.0)
    if p.ratio.mean is not None:
        assert p.ratio.mean.value == pytest.approx(k, rel=1e-12)


def test_a_scenario_against_itself_is_equal_in_every_sample() -> None:
    result = api.compare(["preset:uncertain", "preset:uncertain"], ["static.labor"], 3000)
    p = result.paired("static.labor", 1, QS)
    assert p.equal.value == 1.0 and p.greater.value == 0.0
    assert p.difference.mean is not None and p.difference.mean.value == 0.0
    assert result.differences == ()
    assert result.kind == "run" and result.seed == api.DEFAULT_SEED


def test_common_random_numbers_cancel_shared_noise() -> None:
    # L = R/τ: with τ doubled on side B, every sample's labor halves exactly (same draws)
    tau = "labor.tokens_per_researcher_second"
    result = api.compare(
        ["preset:essay", "preset:essay"],
        ["static.labor"],
        4000,
        7,
        settings=[
            "compute.stock=1e21 to 1e23 FLOP/s",
            f"1:{tau}=10 token/researcher_second",
            f"2:{tau}=20 token/researcher_second",
        ],
    )
    r = ratios(*result.values["static.labor"])
    assert r.size == 4000
    np.testing.assert_allclose(r, 0.5, rtol=1e-12)
    # unpaired, the two sides' labor vary over decades; paired, the ratio has no spread
    assert np.std(np.log(result.values["static.labor"][0])) > 0.5


def test_inputs_drawn_differently_are_named() -> None:
    result = api.compare(
        ["preset:uncertain", "preset:uncertain", "preset:uncertain"],
        ["static.labor"],
        1000,
        settings=[
            "2:compute.stock=4e21 FLOP/s",
            "3:compute.tokens_per_parameter=10 to 40",
        ],
    )
    found = {(d.side, d.name, d.how) for d in result.differences}
    assert found == {
        ("B", "compute.stock", "uncertain in A only"),
        ("C", "compute.tokens_per_parameter", "drawn from another distribution"),
    }
    view = views.compare_view(result, QS)
    assert [row["input"] for row in view.to_json()["drawn_differently"]] == [
        "compute.stock",
        "compute.tokens_per_parameter",
    ]


def test_race_outputs_run_a_race_and_binary_outputs_are_shares() -> None:
    result = api.compare(
        ["preset:race", "preset:race"],
        samples=2000,
        settings=["2:race.lead=2 to 6 months"],
    )
    assert result.kind == "race" and result.outputs == ("race.research", "race.success")
    doc = views.compare_view(result, QS).to_json()
    success = doc["outputs"][1]
    assert success["binary"] is True and doc["outputs"][0]["binary"] is False
    p_b = success["sides"][1]["mean"]["value"]
    p_a = success["sides"][0]["mean"]["value"]
    paired_row = success["against_baseline"][0]
    assert paired_row["difference"]["mean"]["value"] == pytest.approx(p_b - p_a)
    assert doc["months"] == api.DEFAULT_MONTHS


def test_side_settings_split_by_side() -> None:
    assert side_settings(["a=1", "2:b=2", "1:c=3"], 2) == [["a=1", "c=3"], ["a=1", "b=2"]]
    with pytest.raises(InputError, match="a side number from 1 to 2"):
        side_settings(["3:b=2"], 2)


@pytest.mark.parametrize(
    ("sides", "outputs", "message"),
    [
        (["preset:essay"], None, "2 to 10 scenarios"),
        (["preset:essay", "nothing.toml"], None, "which is not a file"),
        (["preset:essay", "run:x"], None, "run:ID"),
        (["preset:essay", "preset:nope"], None, "nope"),
        (["preset:essay", "preset:essay"], ["race.end_reason"], "a numeric output"),
        (["preset:essay", "preset:essay"], ["static.nothing"], "a model output"),
        (["preset:essay", "preset:essay"], ["race.success"], "race.required_research"),
    ],
)
def test_bad_comparisons_are_clear_errors(
    sides: list[str], outputs: list[str] | None, message: str
) -> None:
    with pytest.raises(Error, match=message):
        api.compare(sides, outputs, 10)


def test_a_recorded_run_is_rerun_at_its_seed_and_samples(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    recorded = api.run(api.load_scenario(preset="uncertain"), 1500, 11, store=store)
    assert recorded.run_id is not None
    result = api.compare(
        [f"run:{recorded.run_id}", "preset:uncertain"], ["static.labor"], store=store
    )
    assert (result.seed, result.samples) == (11, 1500)
    np.testing.assert_array_equal(result.values["static.labor"][0], recorded.values["static.labor"])
    with pytest.raises(InputError, match="not in"):
        api.compare(["run:999", "preset:essay"], store=store)


def test_a_comparison_computes_only_the_outputs_it_compares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("an output not compared was computed")

    full = api.compare(["preset:uncertain", "preset:essay"], ["static.labor"], 3000)
    monkeypatch.setattr(compute, "training_tokens", refuse)
    monkeypatch.setattr(labor, "ai_researchers", refuse)
    lazy = api.compare(["preset:uncertain", "preset:essay"], ["static.labor"], 3000)
    for a, b in zip(lazy.values["static.labor"], full.values["static.labor"], strict=True):
        assert np.array_equal(a, b)
