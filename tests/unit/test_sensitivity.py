"""Sensitivity analysis against answers known in closed form.

- Sobol indices of the Ishigami function (Ishigami and Homma 1990; the indices in closed form
  as in Saltelli et al., *Global Sensitivity Analysis: The Primer*, 2008, §4.8) through the same
  ``sobol`` function the command uses;
- the static model's research rate is a product of powers of its inputs
  (``L = sqrt(6 k · C_stock · f · u / T) / (2 τ)``), so with lognormal inputs its logarithm is
  linear in theirs: the share of its variance each input explains, its tornado swing and its
  rank correlation are all exact.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from alignment_runway import api
from alignment_runway.analysis import sensitivity
from alignment_runway.distributions import LogNormal, Normal, Uniform
from alignment_runway.errors import Error
from alignment_runway.scenarios import Scenario

Array = NDArray[np.float64]

# log-linear exponents of the research rate in each input (L ∝ Π x_i^c_i)
_EXPONENTS = {
    "compute.stock": 0.5,
    "compute.tokens_per_parameter": 0.5,
    "compute.training_duration": -0.5,
    "labor.tokens_per_researcher_second": -1.0,
}
# 90% intervals of parameters unbounded above, so the lognormals need no truncation (shares,
# bounded by 1, would; they keep the essay's point values)
_RANGES = {
    "compute.stock": "2e21 to 8e21 FLOP/s",
    "compute.tokens_per_parameter": "5 to 80",
    "compute.training_duration": "2 to 10 months",
    "labor.tokens_per_researcher_second": "30 to 300 token/researcher_second",
}


def _log_sigma(text: str) -> float:
    low, high = (float(part.split()[0]) for part in text.split(" to "))
    return (math.log(high) - math.log(low)) / (2 * 1.6448536269514722)


def _lognormal_scenario() -> Scenario:
    return api.load_scenario(settings=[f"{name}={text}" for name, text in _RANGES.items()])


def _exact_shares() -> dict[str, float]:
    parts = {n: (_EXPONENTS[n] * _log_sigma(text)) ** 2 for n, text in _RANGES.items()}
    total = sum(parts.values())
    return {name: part / total for name, part in parts.items()}


def _ishigami(values: dict[str, Array], a: float = 7.0, b: float = 0.1) -> Array:
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    out: Array = np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)
    return out


def test_sobol_indices_of_the_ishigami_function() -> None:
    a, b = 7.0, 0.1
    variance = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * math.pi**8 / 225
    first = {"x1": v1 / variance, "x2": v2 / variance, "x3": 0.0}
    total = {"x1": (v1 + v13) / variance, "x2": v2 / variance, "x3": v13 / variance}
    inputs = {name: Uniform(-math.pi, math.pi) for name in ("x1", "x2", "x3")}
    rows = sensitivity.sobol(_ishigami, inputs, 2**13, seed=1)
    for row in rows:
        assert row.first == pytest.approx(first[row.name], abs=max(0.02, 1.5 * row.first_conf))
        assert row.total == pytest.approx(total[row.name], abs=max(0.02, 1.5 * row.total_conf))
    assert [row.name for row in rows] == ["x1", "x2", "x3"]  # sorted by total order
    # published values (Saltelli et al. 2008): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert first["x1"] == pytest.approx(0.3139, abs=1e-4)
    assert total["x3"] == pytest.approx(0.2437, abs=1e-4)


def test_sobol_of_a_product_of_lognormals_splits_the_log_variance_exactly() -> None:
    sigmas = {"a": 0.3, "b": 0.9, "c": 1.5}
    inputs = {name: LogNormal(0.0, s) for name, s in sigmas.items()}

    def product(values: dict[str, Array]) -> Array:
        out: Array = np.log(values["a"] * values["b"] ** 2 * values["c"])
        return out

    weights = {"a": 0.3**2, "b": (2 * 0.9) ** 2, "c": 1.5**2}
    total = sum(weights.values())
    for row in sensitivity.sobol(product, inputs, 2**12, seed=3):
        share = weights[row.name] / total
        assert row.first == pytest.approx(share, abs=max(0.01, 1.5 * row.first_conf))
        assert row.total == pytest.approx(share, abs=max(0.01, 1.5 * row.total_conf))


def test_sobol_on_the_models_log_output_matches_the_exact_shares() -> None:
    (result,) = api.sensitivity(
        _lognormal_scenario(), ["static.research_per_month"], "sobol", 2**12, seed=5, log=True
    )
    shares = _exact_shares()
    assert {row.name for row in result.sobol} == set(shares)
    for row in result.sobol:
        assert row.first == pytest.approx(shares[row.name], abs=max(0.01, 1.5 * row.first_conf))
        assert row.total == pytest.approx(shares[row.name], abs=max(0.01, 1.5 * row.total_conf))
    assert result.log and result.unit == "" and result.samples == 2**12


def test_tornado_swings_of_the_log_output_are_exact() -> None:
    (result,) = api.sensitivity(
        _lognormal_scenario(), ["static.research_per_month"], "tornado", log=True
    )
    for row in result.tornado:
        low, high = (float(part.split()[0]) for part in _RANGES[row.name].split(" to "))
        expected = abs(_EXPONENTS[row.name]) * (math.log(high) - math.log(low))
        assert row.swing == pytest.approx(expected, rel=1e-9)
        assert row.input_low < row.input_high
    swings = [row.swing for row in result.tornado]
    assert swings == sorted(swings, reverse=True)
    assert result.samples == 1 + 2 * len(_RANGES)
    baseline = api.run(api.load_scenario()).value("static.research_per_month")
    # at the medians every range sits at its geometric mean; compare against a point run there
    medians = [
        f"{n}={math.sqrt(float(t.split()[0]) * float(t.split(' to ')[1].split()[0]))}"
        + (" " + t.split()[-1] if len(t.split()) > 3 else "")
        for n, t in _RANGES.items()
    ]
    point = api.run(api.load_scenario(settings=medians)).value("static.research_per_month")
    assert result.baseline == pytest.approx(math.log(point), rel=1e-12)
    assert baseline > 0


def test_rank_correlations_match_the_gaussian_closed_form() -> None:
    (result,) = api.sensitivity(
        _lognormal_scenario(), ["static.research_per_month"], "rank", 50_000, seed=7
    )
    parts = {n: _EXPONENTS[n] * _log_sigma(t) for n, t in _RANGES.items()}
    norm = math.sqrt(sum(p**2 for p in parts.values()))
    for row in result.rank:
        pearson = parts[row.name] / norm
        spearman = 6 / math.pi * math.asin(pearson / 2)
        assert row.rho.value == pytest.approx(spearman, abs=4 * row.rho.se + 1e-3)


def test_race_research_is_analysed_with_the_theft_draw_among_the_inputs() -> None:
    scenario = api.load_scenario(
        settings=["race.lead=2 to 12 months", "race.theft_rate=0.05/month"]
    )
    (result,) = api.sensitivity(scenario, ["race.research"], "rank", 2_000, seed=1)
    names = [row.name for row in result.rank]
    assert names[0] == "race.lead" and "race.theft_draw" in names
    (tornado,) = api.sensitivity(scenario, ["race.research"], "tornado")
    assert {row.name for row in tornado.tornado} == {"race.lead", "race.theft_draw"}


def test_default_outputs_are_the_two_headlines() -> None:
    scenario = api.load_scenario(settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    results = api.sensitivity(scenario)
    assert [r.output for r in results] == ["static.research_per_month", "race.research"]
    assert all(r.method == "tornado" for r in results)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"outputs": ["static.labour"]}, ("outputs", "static.labor", "static.research_per_month")),
        ({"outputs": ["race.success"]}, ("race.success", "0 or 1", "race.research")),
        ({"inputs": ["compute.utilization"]}, ("inputs", "compute.utilization", "no uncertainty")),
        ({"inputs": ["compute.stok"]}, ("inputs", "compute.stok", "did you mean")),
        ({"method": "morris"}, ("method", "tornado, rank, sobol", "morris")),
        ({"method": "rank", "samples": 50}, ("samples", "at least 100", "50")),
        ({"method": "sobol", "samples": 1000}, ("samples", "power of 2", "1000")),
        ({"method": "sobol", "samples": 32}, ("samples", "at least 64", "32")),
    ],
)
def test_bad_sensitivity_input(kwargs: dict[str, object], expected: tuple[str, ...]) -> None:
    scenario = api.load_scenario(settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    with pytest.raises(Error) as error:
        api.sensitivity(scenario, **kwargs)  # type: ignore[arg-type]
    message = str(error.value)
    assert all(part in message for part in expected), message


def test_a_scenario_without_uncertainty_is_refused() -> None:
    with pytest.raises(Error, match="at least one uncertain input"):
        api.sensitivity(api.load_scenario())


@pytest.mark.parametrize("r", [0.0, 0.6, -0.5])
def test_sobol_of_correlated_inputs_gives_each_group_its_joint_share(r: float) -> None:
    # y = x1 + x2 + x3, standard normals, x1 and x2 correlated r: var = (2 + 2r) + 1, so the
    # group {x1, x2} explains (2 + 2r) / (3 + 2r) and x3 the rest, first and total order alike
    inputs = {name: Normal(0.0, 1.0) for name in ("x1", "x2", "x3")}
    mixing = np.linalg.cholesky(np.array([[1.0, r], [r, 1.0]]))

    def total(values: dict[str, Array]) -> Array:
        out: Array = values["x1"] + values["x2"] + values["x3"]
        return out

    rows = sensitivity.sobol(total, inputs, 2**13, seed=2, groups=[(("x1", "x2"), mixing)])
    shares = {"x1 + x2": (2 + 2 * r) / (3 + 2 * r), "x3": 1 / (3 + 2 * r)}
    assert {row.name for row in rows} == set(shares)
    for row in rows:
        assert row.first == pytest.approx(shares[row.name], abs=max(0.02, 1.5 * row.first_conf))
        assert row.total == pytest.approx(shares[row.name], abs=max(0.02, 1.5 * row.total_conf))


def test_grouped_design_carries_the_correlation() -> None:
    from alignment_runway.analysis.sensitivity import _correlated

    rng = np.random.default_rng(0)
    design = rng.uniform(size=(200_000, 3))
    mixing = np.linalg.cholesky(np.array([[1.0, 0.7], [0.7, 1.0]]))
    out = _correlated(design, ["a", "b", "c"], [(("a", "c"), mixing)])
    from scipy.special import ndtri

    scores = ndtri(out)
    assert np.corrcoef(scores[:, 0], scores[:, 2])[0, 1] == pytest.approx(0.7, abs=0.01)
    assert abs(np.corrcoef(scores[:, 0], scores[:, 1])[0, 1]) < 0.01
    np.testing.assert_array_equal(out[:, 1], design[:, 1])  # b is not in a group: untouched


def test_sobol_on_the_uncertain_preset_groups_tau_and_sigma_and_warns_of_noise() -> None:
    scenario = api.load_scenario(preset="uncertain")
    result = api.sensitivity(scenario, ["static.research_per_month"], method="sobol", samples=64)[0]
    names = [row.name for row in result.sobol]
    group = "labor.tokens_per_researcher_second + labor.serial_tokens_per_researcher_second"
    assert group in names
    assert "labor.tokens_per_researcher_second" not in names  # only as part of the group
    assert any("analyses them as one group" in note for note in result.notes)
    assert any("confidence intervals are wide" in note for note in result.notes)
    assert any("--log" in note for note in result.notes)


def test_narrow_sobol_intervals_earn_no_warning() -> None:
    scenario = api.load_scenario(settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    result = api.sensitivity(scenario, ["static.research_per_month"], method="sobol", samples=8192)
    (only,) = result[0].sobol
    assert only.first_conf < 0.1 and only.total_conf < 0.1
    assert not any("wide" in note for note in result[0].notes)


def test_log_of_an_output_that_reaches_zero_is_refused() -> None:
    scenario = api.load_scenario(
        settings=[
            "race.lead=0.5 to 2 months",
            "race.caution_period=1 month",
            "race.caution_erosion=1",
        ]
    )
    with pytest.raises(Error, match=r"log: expected race\.research above 0"):
        api.sensitivity(scenario, ["race.research"], "rank", 200, log=True)


def test_the_methods_know_nothing_about_the_model() -> None:
    inputs = {"u": Uniform(0.0, 1.0), "v": Uniform(0.0, 2.0)}

    def linear(values: dict[str, Array]) -> Array:
        out: Array = 3.0 * values["u"] + values["v"]
        return out

    baseline, rows = sensitivity.tornado(linear, inputs)
    assert baseline == pytest.approx(3 * 0.5 + 1.0)
    assert rows[0].name == "u" and rows[0].swing == pytest.approx(3 * 0.9)
    assert rows[1].swing == pytest.approx(2 * 0.9)


def test_rank_with_workers_and_progress_gives_the_same_correlations() -> None:
    scenario = api.load_scenario(preset="uncertain")
    outputs = ["static.research_per_month"]
    seen: list[int] = []
    one = api.sensitivity(scenario, outputs, "rank", 70_000, 4)
    two = api.sensitivity(scenario, outputs, "rank", 70_000, 4, workers=2, progress=seen.append)
    assert two[0].rank == one[0].rank
    assert sum(seen) == api.rank_samples(outputs, "rank", 70_000) == 70_000
    assert api.rank_samples(None, "rank", None) == 2 * api.DEFAULT_SAMPLES
    assert api.rank_samples(outputs, "tornado", None) is None
    with pytest.raises(Error, match="workers"):
        api.sensitivity(scenario, outputs, "tornado", workers=0)
