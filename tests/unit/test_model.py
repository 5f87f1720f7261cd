"""Stage A, B and E equations against closed forms (SPEC §2, §3, §8)."""

import numpy as np
import pytest

from alignment_runway import api
from alignment_runway.model import compute, devloop, labor
from alignment_runway.model.static import OUTPUTS, StaticInputs, static_model, static_values


def test_compute_optimal_model() -> None:
    # C = 6·N·D with D = 20·N: C = 120·N², so C = 1.2e25 gives N² = 1e23
    assert compute.optimal_parameters(1.2e25, 20.0) == pytest.approx(1e23**0.5, rel=1e-15)
    assert compute.training_tokens(1e11, 20.0) == 2e12
    assert compute.inference_flop_per_token(1e11) == 2e11


def test_cluster_from_stock_or_from_training_compute() -> None:
    assert compute.cluster_flop_per_s(4e21, 0.25) == 1e21
    assert compute.cluster_flop_per_s_for_training(1e28, 0.5, 2e7) == pytest.approx(1e21)
    k = 1e21
    assert compute.raw_training_flop(k, 100.0) == 1e23
    assert compute.effective_training_flop(k, 100.0, 0.5) == 5e22


def test_fleet_tokens_per_s_is_three_d_over_t() -> None:
    k, t, u, tpp = 1e21, 3e7, 0.4, 20.0
    n = compute.optimal_parameters(compute.effective_training_flop(k, t, u), tpp)
    r = compute.fleet_tokens_per_s(k, u, n)
    assert r == pytest.approx(3 * compute.training_tokens(n, tpp) / t, rel=1e-12)


def test_labor_closed_forms() -> None:
    assert labor.parallel_streams(100.0, 10.0) == 10
    assert labor.labor_researcher_s_per_s(2e7, 100.0) == 2e5
    assert labor.ai_researchers(2e7, 10.0, 50.0) == 4e4
    assert labor.serial_speedup(50.0, 10.0) == 5
    assert labor.human_months_per_month(5.0, 1 / 3) == pytest.approx(15)
    assert labor.capped_serial_tokens(10.0, 20.0) == 10
    np.testing.assert_array_equal(
        labor.capped_serial_tokens(np.array([10.0, 100.0]), np.array([20.0, 20.0])), [10, 20]
    )


def test_devloop_closed_forms() -> None:
    assert devloop.tokens_per_signal(1000.0, 50.0) == 5e4
    assert devloop.signals_per_day(1e6, 5e4) == pytest.approx(86400 * 20)
    assert devloop.signal_latency_s(1000.0, 10.0, 50.0) == 200


def _inputs(n: int = 3, **changes: float) -> StaticInputs:
    base = {
        "stock_flop_per_s": 4e21,
        "training_share": 0.25,
        "duration_s": 365 * 86400.0,
        "utilization": 0.5,
        "tokens_per_parameter": 20.0,
        "tokens_per_researcher_s": 100.0,
        "serial_tokens_per_researcher_s": 10.0,
        "serial_speed_tokens_per_s": 50.0,
        "working_fraction": 1 / 3,
    }
    base.update(changes)
    return StaticInputs(**{k: np.full(n, v) for k, v in base.items()})


def test_static_model_has_every_output() -> None:
    out = static_model(_inputs())
    assert set(out.values) == {spec.name for spec in OUTPUTS}
    assert all(v.shape == (3,) for v in out.values.values())
    assert out.capped_serial_samples == 0


def test_headline_routes_agree() -> None:
    out = static_model(_inputs(working_fraction=10 / 24)).values
    np.testing.assert_allclose(out["static.research_per_month"], out["static.labor"], rtol=1e-12)


def test_sigma_above_tau_is_capped_and_counted() -> None:
    x = _inputs(serial_tokens_per_researcher_s=10.0)
    sigma = np.array([10.0, 200.0, 150.0])
    out = static_model(StaticInputs(**{**x.__dict__, "serial_tokens_per_researcher_s": sigma}))
    assert out.capped_serial_samples == 2
    np.testing.assert_allclose(out.values["static.parallel_streams"], [10.0, 1.0, 1.0])


def test_training_compute_override_gives_the_1000x_variant() -> None:
    base = api.run(api.load_scenario(preset="essay"))
    big = api.run(api.load_scenario(preset="essay-1000x"))
    ratio = big.value("static.tokens_per_second") / base.value("static.tokens_per_second")
    assert ratio == pytest.approx(1000**0.5 * 365 / 120, rel=1e-12)
    assert big.value("static.training_compute") == pytest.approx(
        1000 * base.value("static.training_compute"), rel=1e-12
    )


class _Untouchable:
    """An input that fails any arithmetic: the output asked for must not depend on it."""

    def _fail(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("an input of an output not asked for was used")

    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __gt__ = __lt__ = _fail
    __array_ufunc__ = _fail


def test_static_values_compute_only_the_outputs_asked_for_and_their_steps() -> None:
    x = _inputs(n=4, stock_flop_per_s=3e21, tokens_per_researcher_s=7.0)
    every = static_values(x)
    # L = R/τ needs neither σ, v nor the working hours
    untouched = ("serial_tokens_per_researcher_s", "serial_speed_tokens_per_s", "working_fraction")
    lazy = StaticInputs(**{**x.__dict__, **{f: _Untouchable() for f in untouched}})
    got = static_values(lazy, ["static.labor", "compute.stock"])  # an input name is ignored
    assert list(got) == [
        "static.cluster_compute",
        "static.training_compute",
        "static.parameters",
        "static.tokens_per_second",
        "static.labor",
    ]
    for name, values in got.items():
        assert np.array_equal(values, every[name]), name
    with pytest.raises(AssertionError, match="not asked for"):
        static_values(lazy, ["static.parallel_streams"])


@pytest.mark.parametrize("name", [spec.name for spec in OUTPUTS])
def test_each_output_alone_is_the_same_number(name: str) -> None:
    x = _inputs(n=5, serial_tokens_per_researcher_s=150.0, utilization=0.3)
    alone = static_values(x, [name])
    assert name in alone and set(alone) <= {spec.name for spec in OUTPUTS}
    assert np.array_equal(alone[name], static_values(x)[name])
    assert static_model(x, [name]).capped_serial_samples == 5  # σ > τ: counted whatever is asked
