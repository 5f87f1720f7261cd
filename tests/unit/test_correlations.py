"""Correlated inputs: the [correlations] table through a Gaussian copula (SPEC §5)."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from alignment_runway import api
from alignment_runway.errors import Error
from alignment_runway.scenarios.correlations import Correlation, mixing_matrix

TAU = "labor.tokens_per_researcher_second"
SIGMA = "labor.serial_tokens_per_researcher_second"


def write(tmp_path: Path, correlations: str, extends: str = "uncertain") -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        f'schema = 1\nextends = "{extends}"\n[correlations]\n{correlations}', encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.0, 0.5, 0.95])
def test_achieved_rank_correlation_within_sampling_error(tmp_path: Path, rho: float) -> None:
    scenario = api.load_scenario(write(tmp_path, f'"{TAU}, {SIGMA}" = {rho}\n'))
    result = api.run(scenario, samples=100_000, seed=11)
    achieved = stats.spearmanr(result.values[TAU], result.values[SIGMA])[0]
    ((a, b, target, estimate),) = result.rank_correlations()
    assert (a, b, target) == (TAU, SIGMA, rho)
    assert estimate.value == pytest.approx(achieved, abs=1e-12)
    assert abs(achieved - rho) < 5 * max(estimate.se, 1 / np.sqrt(100_000))


def test_marginals_are_unchanged_by_correlation(tmp_path: Path) -> None:
    scenario = api.load_scenario(write(tmp_path, f'"{TAU}, {SIGMA}" = 0.8\n'))
    x = api.run(scenario, samples=100_000, seed=3).values[SIGMA]
    # "1 to 30 token/researcher_second" in the uncertain preset: a lognormal with that 90% CI
    mu, sd = np.log(np.sqrt(30.0)), np.log(30.0) / (2 * 1.6448536269514722)
    assert np.mean(np.log(x)) == pytest.approx(mu, abs=5 * sd / np.sqrt(100_000))
    assert np.std(np.log(x)) == pytest.approx(sd, rel=0.01)


def test_three_way_correlations_and_invariance(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f'"{TAU}, {SIGMA}" = 0.5\n"compute.stock, compute.utilization" = -0.4\n'
        '"compute.utilization, labor.serial_speed" = 0.3\n',
    )
    scenario = api.load_scenario(path)
    base = api.run(scenario, samples=140_001, seed=9)
    for chunk, workers in ((1_000, 1), (65_537, 2), (10**6, 3)):
        other = api.run(scenario, samples=140_001, seed=9, chunk_size=chunk, workers=workers)
        assert all(np.array_equal(base.values[k], other.values[k]) for k in base.values)
    for a, b, target, estimate in base.rank_correlations():
        assert abs(estimate.value - target) < 5 * estimate.se, (a, b)


def test_pearson_conversion_and_mixing_matrix() -> None:
    c = Correlation("compute.stock", "compute.utilization", 0.5, "here")
    assert c.pearson == pytest.approx(2 * np.sin(np.pi * 0.5 / 6))
    names, a = mixing_matrix([c])
    assert names == ("compute.stock", "compute.utilization")
    np.testing.assert_allclose(a @ a.T, [[1, c.pearson], [c.pearson, 1]], atol=1e-12)
    # a perfect correlation is singular but still valid
    names, a = mixing_matrix([Correlation("compute.stock", "compute.utilization", 1.0, "")])
    np.testing.assert_allclose(a @ a.T, np.ones((2, 2)), atol=1e-12)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (f'"{TAU}, {SIGMA}" = 1.5\n', "expected a rank correlation in [-1, 1]; received 1.5"),
        (f'"{TAU}, {SIGMA}" = "high"\n', "received 'high'"),
        (f'"{TAU}" = 0.5\n', 'expected a key "section.name, section.name"'),
        (f'"{TAU}, labor.serial_sped" = 0.5\n', "did you mean labor.serial_speed"),
        (f'"{TAU}, {TAU}" = 0.5\n', "expected two different parameters"),
        (f'"{TAU}, {SIGMA}" = 0.5\n"{SIGMA}, {TAU}" = 0.4\n', "given twice"),
        ('"compute.tokens_per_parameter, devloop.budget" = 0.5\n', "expected uncertain inputs"),
        (
            '"compute.stock, compute.utilization" = 0.9\n"compute.utilization, labor.serial_speed"'
            ' = 0.9\n"compute.stock, labor.serial_speed" = -0.9\n',
            "positive semi-definite",
        ),
    ],
)
def test_bad_correlations(tmp_path: Path, body: str, fragment: str) -> None:
    with pytest.raises(Error) as info:
        api.load_scenario(write(tmp_path, body))
    assert fragment in str(info.value)


def test_a_correlated_input_made_certain_by_set_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, f'"{TAU}, {SIGMA}" = 0.5\n')
    with pytest.raises(Error, match="which has one value in this scenario"):
        api.load_scenario(path, settings=[f"{SIGMA}=10 token/researcher_second"])


def test_a_file_replaces_a_presets_pair(tmp_path: Path) -> None:
    assert [c.rho for c in api.load_scenario(preset="uncertain").correlations] == [0.5]
    scenario = api.load_scenario(write(tmp_path, f'"{SIGMA}, {TAU}" = 0.0\n'))
    assert [(c.pair, c.rho) for c in scenario.correlations] == [((TAU, SIGMA), 0.0)]
