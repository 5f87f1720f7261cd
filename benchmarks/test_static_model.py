"""Throughput of the static model (stages A and B) on arrays of samples."""

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from alignment_runway.model.static import StaticInputs, static_model


@pytest.mark.parametrize("samples", [10**5, 10**6])
def test_static_model(benchmark: BenchmarkFixture, samples: int) -> None:
    rng = np.random.default_rng(20261130)

    def column(low: float, high: float) -> np.ndarray:
        return np.exp(rng.uniform(np.log(low), np.log(high), samples))

    x = StaticInputs(
        stock_flop_per_s=column(2e21, 8e21),
        training_share=np.full(samples, 0.25),
        duration_s=np.full(samples, 365 * 86400.0),
        utilization=column(0.3, 0.6),
        tokens_per_parameter=np.full(samples, 20.0),
        tokens_per_researcher_s=column(10, 1000),
        serial_tokens_per_researcher_s=np.full(samples, 10.0),
        serial_speed_tokens_per_s=np.full(samples, 50.0),
        working_fraction=np.full(samples, 1 / 3),
    )
    out = benchmark(static_model, x)
    benchmark.extra_info["samples"] = samples
    assert np.all(out.values["static.research_per_month"] > 0)
