"""Exact runs (``method="exact"|"auto"``): the monomial tracer, lognormal closed forms, and
agreement with large-sample Monte Carlo, with and without correlated inputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from alignment_runway import api, views
from alignment_runway.analysis.lognormal import LognormalLaw
from alignment_runway.analysis.monomials import Monomial
from alignment_runway.errors import InputError
from alignment_runway.model.static import OUTPUTS

ROOT = Path(__file__).resolve().parents[2]
VARIANT = ROOT / "benchmarks" / "lognormal_variant.toml"
BENCHMARK = ROOT / "benchmarks" / "three_input.toml"
Z90 = 1.6448536269514722


def powers(m: Monomial) -> dict[str, float]:
    return {s.name: p for s, p in m.powers}


def test_monomials_multiply_divide_and_take_roots() -> None:
    x, y = Monomial.of("x"), Monomial.of("y")
    m = np.sqrt(3.0 * x / (y * y))
    assert isinstance(m, Monomial)
    assert m.scale == math.sqrt(3.0)
    assert powers(m) == {"x": 0.5, "y": -1.0}
    assert powers(x * y / x) == {"y": 1.0}
    assert (x / x).is_constant and (x / x).scale == 1.0


def test_a_min_is_opaque_unless_it_cancels() -> None:
    tau, sigma = Monomial.of("tau"), Monomial(10.0)
    capped: Monomial = np.minimum(sigma, tau)  # type: ignore[call-overload]
    assert [s.op for s, _ in capped.powers] == ["minimum"]
    assert capped.powers[0][0].inputs == ("tau",)
    assert powers(tau / capped * capped) == {"tau": 1.0}
    assert np.minimum(Monomial(3.0), Monomial(2.0)) == Monomial(2.0)  # type: ignore[call-overload]
    assert (tau + 1.0).powers[0][0].op == "add"


@pytest.mark.parametrize("median,s", [(3.0, 0.7), (2e21, 1.4), (1.0, 0.0)])
def test_lognormal_law_against_scipy(median: float, s: float) -> None:
    law = LognormalLaw(median, s)
    if s == 0:
        assert law.mean().value == median and law.percentile(5).value == median
        assert law.above(median).value == 0.0 and law.above(0.5 * median).value == 1.0
        return
    ref = stats.lognorm(s, scale=median)
    assert law.mean().value == pytest.approx(ref.mean(), rel=1e-13)
    for q in (0.1, 5, 50, 95, 99.9):
        assert law.percentile(q).value == pytest.approx(ref.ppf(q / 100), rel=1e-12)
        assert law.percentile(q).se == 0.0
    for t in (0.1 * median, median, 10 * median):
        assert law.above(t).value == pytest.approx(ref.sf(t), rel=1e-12, abs=1e-300)


def test_the_variants_labor_has_its_closed_form() -> None:
    """L = ½ sqrt(6 k K u / T) / τ: exponents ½, ½, −½, −1 on stock, k, T and τ."""
    scenario = api.load_scenario(VARIANT)
    result = api.run(scenario, method="exact", keep=["static.labor", "static.research_per_month"])
    assert result.samples == 0 and result.values == {}
    law = result.laws["static.labor"]
    u = scenario.uncertain()
    s = {name: d.sigma for name, d in u.items()}  # type: ignore[attr-defined]
    log_sd = math.sqrt(
        0.25 * (s["compute.stock"] ** 2 + s["compute.tokens_per_parameter"] ** 2)
        + 0.25 * s["compute.training_duration"] ** 2
        + s["labor.tokens_per_researcher_second"] ** 2
    )
    med = {name: math.exp(d.mu) for name, d in u.items()}  # type: ignore[attr-defined]
    stock = med["compute.stock"] * 0.25
    median = 0.5 * math.sqrt(
        6 * med["compute.tokens_per_parameter"] * stock * 0.5 / med["compute.training_duration"]
    )
    median /= med["labor.tokens_per_researcher_second"]
    assert law.log_sd == pytest.approx(log_sd, rel=1e-14)
    assert law.median == pytest.approx(median, rel=1e-12)
    assert result.summaries((95.0,), names=["static.labor"])[0].mean.se == 0.0


def _sampled_agrees(exact: LognormalLaw, x: np.ndarray) -> None:
    """The samples' log mean and log spread, and their p5/p50/p95, within sampling error."""
    n = x.size
    logs = np.log(x)
    assert abs(logs.mean() - math.log(exact.median)) < 5 * exact.log_sd / math.sqrt(n)
    assert logs.std() == pytest.approx(exact.log_sd, rel=5 / math.sqrt(2 * n))
    for q in (5.0, 50.0, 95.0):
        z = stats.norm.ppf(q / 100)
        se = exact.log_sd * math.sqrt(q / 100 * (1 - q / 100) / n) / stats.norm.pdf(z)
        assert abs(np.percentile(logs, q) - math.log(exact.percentile(q).value)) < 5 * se


def test_exact_agrees_with_large_sample_monte_carlo() -> None:
    scenario = api.load_scenario(VARIANT)
    names = ["static.labor", "static.parameters", "static.training_tokens", "compute.stock"]
    exact = api.run(scenario, method="exact", keep=names)
    sampled = api.run(scenario, 400_000, 7, keep=names)
    for name in names:
        _sampled_agrees(exact.laws[name], sampled.values[name])


def test_correlated_lognormals_stay_exact(tmp_path: Path) -> None:
    """A Spearman ρ on stock and τ: Var ln L gains 2·(½)(−1)·s_K·s_τ·2 sin(πρ/6)."""
    path = tmp_path / "correlated.toml"
    path.write_text(
        VARIANT.read_text() + "\n[correlations]\n"
        '"compute.stock, labor.tokens_per_researcher_second" = 0.6\n'
        '"compute.stock, compute.tokens_per_parameter" = -0.3\n'
    )
    scenario = api.load_scenario(path)
    plain = api.run(api.load_scenario(VARIANT), method="exact", keep=["static.labor"])
    law = api.run(scenario, method="exact", keep=["static.labor"]).laws["static.labor"]
    u = scenario.uncertain()
    s_k, s_t = u["compute.stock"].sigma, u["labor.tokens_per_researcher_second"].sigma  # type: ignore[attr-defined]
    s_p = u["compute.tokens_per_parameter"].sigma  # type: ignore[attr-defined]
    extra = 2 * 0.5 * -1.0 * s_k * s_t * 2 * math.sin(math.pi * 0.6 / 6)
    extra += 2 * 0.5 * 0.5 * s_k * s_p * 2 * math.sin(math.pi * -0.3 / 6)
    expected = math.sqrt(plain.laws["static.labor"].log_sd ** 2 + extra)
    assert law.log_sd == pytest.approx(expected, rel=1e-12)
    sampled = api.run(scenario, 400_000, 11, keep=["static.labor"])
    _sampled_agrees(law, sampled.values["static.labor"])


def test_exact_names_the_input_that_breaks_it() -> None:
    scenario = api.load_scenario(BENCHMARK)
    with pytest.raises(InputError) as truncated:
        api.run(scenario, method="exact", keep=["static.labor"])
    assert truncated.value.field == "compute.utilization"
    assert "truncated" in truncated.value.received
    variant = api.load_scenario(VARIANT)
    with pytest.raises(InputError) as capped:
        api.run(variant, method="exact", keep=["static.ai_researchers"])
    assert capped.value.field == "labor.tokens_per_researcher_second"
    assert "σ ≤ τ" in capped.value.received
    with pytest.raises(InputError) as method:
        api.run(variant, method="closed")
    assert method.value.field == "method"


def test_auto_is_exact_where_it_can_be_and_samples_the_rest_as_before() -> None:
    scenario = api.load_scenario(BENCHMARK)
    auto = api.run(scenario, 20_000, 5, method="auto")
    plain = api.run(scenario, 20_000, 5)
    exact = {n for n in auto.outputs if auto.method_of(n) == "exact"}
    assert exact == {"static.cluster_compute", "static.raw_training_compute"}
    assert set(auto.laws) == exact | {"compute.stock", "labor.tokens_per_researcher_second"}
    assert auto.outputs == plain.outputs
    for name, values in auto.values.items():
        assert np.array_equal(values, plain.values[name])  # the same draws, bit for bit
    assert auto.capped_serial_samples == plain.capped_serial_samples
    law = auto.laws["static.cluster_compute"]
    assert law.median == pytest.approx(1e21, rel=1e-12)
    assert law.log_sd == pytest.approx(math.log(4) / (2 * Z90), rel=1e-12)


def test_a_point_scenario_is_exact_bit_for_bit() -> None:
    scenario = api.load_scenario(preset="essay")
    exact = api.run(scenario, method="exact")
    point = api.run(scenario)
    for spec in OUTPUTS:
        assert exact.value(spec.name) == point.value(spec.name), spec.name


def test_views_say_which_method_each_row_used() -> None:
    scenario = api.load_scenario(BENCHMARK)
    auto = views.summary_view(api.run(scenario, 2_000, method="auto"), [5.0, 95.0])
    doc = auto.to_json()
    assert doc["method"] == "auto"
    rows = {row["name"]: row for row in doc["summary"]}
    assert rows["static.cluster_compute"]["method"] == "exact"
    assert rows["static.cluster_compute"]["mean"]["se"] == 0.0
    assert rows["static.labor"]["method"] == "sample"
    plain = views.summary_view(api.run(scenario, 2_000), [5.0, 95.0]).to_json()
    assert "method" not in plain and all("method" not in row for row in plain["summary"])


def test_the_traced_exponents_are_those_docs_model_md_gives() -> None:
    from alignment_runway.engine.evaluate import STATIC_INPUTS
    from alignment_runway.model.static import StaticInputs, static_values

    short = dict(
        zip(STATIC_INPUTS, ["C", "f", "T", "u", "k", "tau", "sigma", "v", "h"], strict=True)
    )
    x = StaticInputs(**{f: Monomial.of(s) for f, s in short.items()})  # type: ignore[arg-type]
    got = {name: powers(m) for name, m in static_values(x).items()}
    r = {"C": 0.5, "f": 0.5, "u": 0.5, "k": 0.5, "T": -0.5}
    cap = "minimum(sigma, tau)"
    assert got == {
        "static.cluster_compute": {"C": 1, "f": 1},
        "static.raw_training_compute": {"C": 1, "f": 1, "T": 1},
        "static.training_compute": {"C": 1, "f": 1, "T": 1, "u": 1},
        "static.parameters": {"C": 0.5, "f": 0.5, "T": 0.5, "u": 0.5, "k": -0.5},
        "static.training_tokens": {"C": 0.5, "f": 0.5, "T": 0.5, "u": 0.5, "k": 0.5},
        "static.inference_cost": {"C": 0.5, "f": 0.5, "T": 0.5, "u": 0.5, "k": -0.5},
        "static.tokens_per_second": r,
        "static.parallel_streams": {"tau": 1, cap: -1},
        "static.labor": r | {"tau": -1},
        "static.ai_researchers": r | {"tau": -1, "v": -1, cap: 1},
        "static.serial_speedup": {"v": 1, cap: -1},
        "static.human_months_per_month": {"v": 1, "h": -1, cap: -1},
        "static.research_per_month": r | {"tau": -1},
    }


def test_stage_d_outputs_are_never_exact_and_name_the_task_parameter() -> None:
    scenario = api.load_scenario(VARIANT, settings=["tasks.human_researchers=600"])
    with pytest.raises(InputError) as error:
        api.run(scenario, method="exact", keep=["tasks.research_rate"])
    assert error.value.field == "tasks.human_researchers"
    assert "CES" in error.value.received
    auto = api.run(scenario, 3_200, method="auto", keep=["tasks.research_rate", "static.labor"])
    assert auto.method_of("static.labor") == "exact"
    assert auto.method_of("tasks.research_rate") == "sample"
