"""Seeded Monte Carlo sampling, through the API (``api.run``) and ``sampling.simulate``,
against the promises of the sampling package and results.py:

- the same seed gives bit-identical samples whatever the chunk size, the number of workers
  and the executor;
- a worker process killed mid-run fails the run at once (``WorkerLost``), and an interrupt
  stops every worker at once;
- a sample's draws do not depend on the number of samples (prefixes agree);
- each input has its own streams: making another input uncertain leaves its draws alone;
- an input used by several equations is drawn once per sample (a closed form tells);
- summaries carry standard errors that match the spread of the estimates across seeds;
- results as pandas and xarray, the recorded seed, and notes for too few samples.
"""

from __future__ import annotations

import itertools
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from statistics import NormalDist
from types import FrameType

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from alignment_runway import api, sampling
from alignment_runway.distributions import LogNormal, Mixture, Normal, Truncated
from alignment_runway.engine.evaluate import evaluate_static
from alignment_runway.model import compute, labor
from alignment_runway.model.static import OUTPUTS
from alignment_runway.results import RunResult
from alignment_runway.sampling import Executor, InProcess, LocalProcesses, WorkerLost
from alignment_runway.sampling.blocks import block_ranges
from alignment_runway.scenarios import Scenario
from alignment_runway.scenarios.correlations import mixing_matrix

_STOCK = "compute.stock=2e21 to 8e21 FLOP/s"
_UNCERTAIN = (
    _STOCK,
    # a mixture of two lognormals, truncated to the parameter's bound
    'compute.utilization={dist="mixture", components=["0.2 to 0.4", "0.4 to 0.6"], '
    "weights=[0.3, 0.7], max=1}",
    'compute.tokens_per_parameter={dist="triangular", low=10, mode=20, high=40}',
    # a normal truncated to positive speeds
    'labor.serial_speed={dist="normal", mean="50 token/s", sd="20 token/s", min="5 token/s"}',
    # σ sometimes exceeds τ = 100: the capped count must not depend on chunks either
    "labor.serial_tokens_per_researcher_second=20 to 200 token/researcher_second",
)
#: Not a multiple of the block size: three full blocks and a partial one.
_SAMPLES = 200_003
_SEED = 11


@pytest.fixture(scope="module")
def uncertain() -> Scenario:
    scenario = api.load_scenario(settings=_UNCERTAIN)
    dists = scenario.uncertain()
    assert len(dists) == 5
    utilization = dists["compute.utilization"]
    assert isinstance(utilization, Truncated)
    assert isinstance(utilization.base, Mixture)
    speed = dists["labor.serial_speed"]
    assert isinstance(speed, Truncated)
    assert isinstance(speed.base, Normal)
    return scenario


@pytest.fixture(scope="module")
def reference(uncertain: Scenario) -> RunResult:
    return api.run(uncertain, _SAMPLES, _SEED)


def _assert_identical(result: RunResult, reference: RunResult, stop: int | None = None) -> None:
    """Every array of ``result.values`` equals ``reference``'s (its first ``stop``) bit for bit."""
    assert set(result.values) == set(reference.values)
    for name, values in result.values.items():
        expected = reference.values[name][:stop]
        assert values.dtype == expected.dtype, name
        assert np.array_equal(values, expected), f"{name} differs"


def test_reference_run_has_every_output_and_uncertain_input(reference: RunResult) -> None:
    assert set(reference.values) == {spec.name for spec in OUTPUTS} | set(
        reference.scenario.uncertain()
    )
    assert all(values.shape == (_SAMPLES,) for values in reference.values.values())
    assert all(np.all(np.isfinite(values)) for values in reference.values.values())
    assert _SAMPLES % sampling.BLOCK_SIZE != 0
    assert _SAMPLES > 3 * sampling.BLOCK_SIZE
    assert 0 < reference.capped_serial_samples < _SAMPLES


@pytest.fixture(
    params=[InProcess(), LocalProcesses(1), LocalProcesses(2), LocalProcesses(3)], ids=repr
)
def executor(request: pytest.FixtureRequest) -> Executor:
    """Every executor; the runs using it span several blocks, so pools really share work."""
    param: Executor = request.param
    return param


def _simulate(
    scenario: Scenario,
    samples: int,
    executor: Executor,
    chunk_size: int = sampling.BLOCK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """``api.run``'s simulation (every output and uncertain input) on the given executor."""
    uncertain = scenario.uncertain()
    keep = [spec.name for spec in OUTPUTS] + list(uncertain)
    return sampling.simulate(
        evaluate_static,
        scenario,
        uncertain,
        keep,
        samples,
        _SEED,
        chunk_size=chunk_size,
        progress=progress,
        executor=executor,
    )


@pytest.mark.parametrize("chunk_size", [7, 4096, 65536, 65537, 10**6])
def test_chunk_and_executor_invariance(
    uncertain: Scenario, reference: RunResult, chunk_size: int, executor: Executor
) -> None:
    values, counts = _simulate(uncertain, _SAMPLES, executor, chunk_size)
    assert counts["capped"] == reference.capped_serial_samples
    assert set(values) == set(reference.values)
    for name, array in values.items():
        assert array.dtype == reference.values[name].dtype, name
        assert np.array_equal(array, reference.values[name]), f"{name} differs"


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_give_the_same_run(uncertain: Scenario, reference: RunResult, workers: int) -> None:
    """``workers`` (without an executor) evaluates in worker processes, same results."""
    result = api.run(uncertain, _SAMPLES, _SEED, chunk_size=4096, workers=workers)
    assert (result.chunk_size, result.workers) == (4096, workers)
    assert result.capped_serial_samples == reference.capped_serial_samples
    _assert_identical(result, reference)


def test_one_sample_chunks(uncertain: Scenario, reference: RunResult) -> None:
    samples = 3000  # within one block: several workers fall back to one process
    one = api.run(uncertain, samples, _SEED, chunk_size=1)
    _assert_identical(api.run(uncertain, samples, _SEED, chunk_size=1, workers=3), one)
    whole = api.run(uncertain, samples, _SEED)
    _assert_identical(one, whole)
    # and both are the first samples of the long run
    _assert_identical(one, reference, stop=samples)


def test_worker_tasks_split_the_samples() -> None:
    """Enough samples for many worker tasks (one block each); cheap inputs only."""
    scenario = api.load_scenario(
        settings=[
            _STOCK,
            "labor.serial_speed=20 to 100 token/s",
            "compute.tokens_per_parameter=10 to 40",
        ]
    )
    samples = 17 * sampling.BLOCK_SIZE + 5
    one = api.run(scenario, samples, _SEED, chunk_size=65537)
    for workers in (2, 3):
        _assert_identical(api.run(scenario, samples, _SEED, workers=workers, chunk_size=4096), one)


def test_prefix_of_a_longer_run(uncertain: Scenario, reference: RunResult) -> None:
    short = api.run(uncertain, 1000, _SEED)
    _assert_identical(short, reference, stop=1000)
    # the standard normals behind them, directly
    long = sampling.block_normals(_SEED, "compute.stock", 0, sampling.BLOCK_SIZE)
    assert np.array_equal(sampling.block_normals(_SEED, "compute.stock", 0, 1000), long[:1000])


def test_seed_changes_the_draws(uncertain: Scenario, reference: RunResult) -> None:
    other = api.run(uncertain, 1000, _SEED + 1)
    for name in uncertain.uncertain():
        assert not np.any(other.values[name] == reference.values[name][:1000]), name


def test_another_uncertain_input_leaves_an_inputs_draws_alone() -> None:
    samples = sampling.BLOCK_SIZE + 1001
    alone = api.run(api.load_scenario(settings=[_STOCK]), samples, _SEED)
    more = [
        _STOCK,
        "compute.training_duration=0.5 to 2 year",
        "labor.serial_speed=20 to 100 token/s",
    ]
    with_others = api.run(api.load_scenario(settings=more), samples, _SEED)
    reordered = api.run(api.load_scenario(settings=more[::-1]), samples, _SEED)
    stock = alone.values["compute.stock"]
    assert np.array_equal(with_others.values["compute.stock"], stock)
    assert np.array_equal(reordered.values["compute.stock"], stock)
    for name in with_others.values:
        assert np.array_equal(reordered.values[name], with_others.values[name]), name
    # outputs that depend on the stock alone are unchanged too
    assert np.array_equal(
        with_others.values["static.cluster_compute"], alone.values["static.cluster_compute"]
    )
    # two inputs of the same shape have their own streams: their normal scores are unrelated
    scores = {}
    for name in ("compute.stock", "compute.training_duration"):
        dist = with_others.scenario.uncertain()[name]
        assert isinstance(dist, LogNormal)
        scores[name] = (np.log(with_others.values[name]) - dist.mu) / dist.sigma
    correlation = np.corrcoef(scores["compute.stock"], scores["compute.training_duration"])[0, 1]
    assert abs(correlation) < 5 / math.sqrt(samples)


def test_a_shared_input_is_drawn_once() -> None:
    """u enters R = K·u/(2N) twice: directly and through N = sqrt(K·T·u/(6k)).

    Drawn once, R = sqrt(6·K·k·u/T)/2, so ln R = const + ln(u)/2 and sd(ln R) = sd(ln u)/2.
    Were u drawn anew for N, ln R = ln u₁ − ln(u₂)/2 + const: sd(ln R) = sqrt(5/4)·sd(ln u).
    """
    # ln u is normal (90% interval [ln 0.1, ln 0.3]), truncated above at ln 1 = 0 (5.25 sd
    # above the mean, so the truncation barely shows; it is accounted for anyway)
    scenario = api.load_scenario(
        settings=['compute.utilization={dist="lognormal", p5=0.1, p95=0.3, max=1}']
    )
    assert list(scenario.uncertain()) == ["compute.utilization"]
    samples = 200_000
    result = api.run(scenario, samples, _SEED)
    u = result.values["compute.utilization"]
    tokens = result.values["static.tokens_per_second"]

    cluster = scenario.scalar("compute.stock") * scenario.scalar("compute.training_share")
    duration = scenario.scalar("compute.training_duration")
    k = scenario.scalar("compute.tokens_per_parameter")

    # closed forms of ln u: a normal (mu, sigma) truncated above at 0
    z = NormalDist()
    mu = (math.log(0.1) + math.log(0.3)) / 2
    sigma = (math.log(0.3) - math.log(0.1)) / (2 * z.inv_cdf(0.95))
    beta = (0.0 - mu) / sigma
    hazard = z.pdf(beta) / z.cdf(beta)
    sd_log_u = sigma * math.sqrt(1 - beta * hazard - hazard**2)
    median_log_u = mu + sigma * z.inv_cdf(z.cdf(beta) / 2)

    log_tokens = np.log(tokens)
    sd = float(np.std(log_tokens, ddof=1))
    once, twice = sd_log_u / 2, math.sqrt(5 / 4) * sd_log_u
    se_sd = once / math.sqrt(2 * (samples - 1))
    assert abs(sd - once) < 5 * se_sd
    assert abs(sd - twice) > 100 * se_sd

    median = math.log(0.5) + 0.5 * math.log(6 * cluster * k * math.exp(median_log_u) / duration)
    se_median = math.sqrt(math.pi / 2) * once / math.sqrt(samples)
    assert abs(float(np.median(log_tokens)) - median) < 5 * se_median

    # and sample by sample, R is the closed form of that sample's recorded draw of u
    np.testing.assert_allclose(tokens, np.sqrt(6 * cluster * k * u / duration) / 2, rtol=1e-12)


def test_standard_errors_match_the_spread_across_seeds() -> None:
    """Each estimate's reported standard error, averaged over many seeds, is within 25% of
    the standard deviation of the estimate across those seeds.

    400 seeds: the spread of 40 estimates is itself uncertain by ~11%, too close to 25%.
    """
    scenario = api.load_scenario(settings=["compute.stock=1e21 to 1e22 FLOP/s"])
    threshold = 6e21
    estimates, errors = [], []
    for seed in range(400):
        result = api.run(scenario, 4000, seed)
        (row,) = result.summaries(
            (5.0, 50.0, 95.0), {"compute.stock": threshold}, ["compute.stock"]
        )
        assert row.name == "compute.stock"
        assert row.unit == "FLOP/s"
        cells = [row.mean, *row.percentiles.values(), row.above[threshold]]
        estimates.append([e.value for e in cells])
        errors.append([e.se for e in cells])
    spread = np.std(np.array(estimates), axis=0, ddof=1)
    reported = np.mean(np.array(errors), axis=0)
    labels = ["mean", "p5", "p50", "p95", "P(>t)"]
    ratios = dict(zip(labels, (reported / spread).round(3).tolist(), strict=True))
    assert all(0.75 < ratio < 1.25 for ratio in ratios.values()), ratios


@pytest.fixture(scope="module")
def small() -> RunResult:
    return api.run(api.load_scenario(settings=[_STOCK]), 4000, 123)


def test_summary_frame(small: RunResult) -> None:
    frame = small.summary(above={"static.ai_researchers": 4e4})
    assert isinstance(frame, pd.DataFrame)
    columns = ["mean", "mean_se", "p5", "p5_se", "p50", "p50_se", "p95", "p95_se"]
    assert set(columns) <= set(frame.columns)
    assert {"P(>40000)", "P(>40000)_se"} <= set(frame.columns)
    assert list(frame.index) == [spec.name for spec in OUTPUTS]
    researchers = small.values["static.ai_researchers"]
    row = frame.loc["static.ai_researchers"]
    assert row["mean"] == pytest.approx(float(np.mean(researchers)), rel=1e-12)
    assert row["mean_se"] == pytest.approx(float(np.std(researchers, ddof=1)) / math.sqrt(4000))
    for q in (5, 50, 95):
        assert row[f"p{q}"] == pytest.approx(float(np.percentile(researchers, q)), rel=1e-12)
        assert row[f"p{q}_se"] > 0
    assert row["P(>40000)"] == float(np.mean(researchers > 4e4))


def test_quantiles_dataset(small: RunResult) -> None:
    quantiles = small.quantiles([0.05, 0.5, 0.95])
    assert isinstance(quantiles, xr.Dataset)
    assert "quantile" in quantiles.dims
    assert quantiles.sizes["quantile"] == 3
    assert "sample" not in quantiles.dims
    np.testing.assert_allclose(quantiles["quantile"].values, [0.05, 0.5, 0.95])
    np.testing.assert_allclose(
        quantiles["static.labor"].values,
        np.quantile(small.values["static.labor"], [0.05, 0.5, 0.95]),
        rtol=1e-12,
    )


def test_samples_as_pandas_and_xarray(small: RunResult) -> None:
    frame = small.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == small.samples == 4000
    assert set(frame.columns) == set(small.values)
    assert np.array_equal(frame["compute.stock"].to_numpy(), small.values["compute.stock"])
    dataset = small.dataset
    assert dataset.sizes["sample"] == 4000
    assert dataset.attrs["seed"] == 123
    assert dataset.attrs["samples"] == 4000
    assert dataset["compute.stock"].attrs["units"] == "FLOP/s"


def test_default_seed_is_recorded() -> None:
    result = api.run(api.load_scenario(settings=[_STOCK]), 10)
    assert result.seed == sampling.DEFAULT_SEED == 2023
    assert result.dataset.attrs["seed"] == 2023


def test_notes_for_too_few_samples() -> None:
    scenario = api.load_scenario(settings=[_STOCK])
    notes = api.run(scenario, 500, _SEED).notes((1, 99))
    assert len(notes) == 2
    assert notes[0].startswith("p1 ")
    assert notes[1].startswith("p99 ")
    assert all("fewer than 10" in note and "use 1,000 samples or more" in note for note in notes)
    assert api.run(scenario, 500, _SEED).notes((5, 50, 95)) == []
    # 1000 samples leave 10 beyond p1 and p99: enough
    assert api.run(scenario, 1000, _SEED).notes((1, 99)) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reports_every_sample_once(workers: int) -> None:
    scenario = api.load_scenario(settings=["compute.stock=2e21 to 8e21 FLOP/s"])
    done: list[int] = []
    api.run(scenario, samples=1_200_001, seed=3, workers=workers, progress=done.append)
    assert sum(done) == 1_200_001
    assert len(done) >= 2


def test_every_executor_reports_each_block_once(executor: Executor) -> None:
    scenario = api.load_scenario(settings=[_STOCK])
    samples = 5 * sampling.BLOCK_SIZE + 3
    done: list[int] = []
    _simulate(scenario, samples, executor, progress=done.append)
    assert sorted(done) == [3] + [sampling.BLOCK_SIZE] * 5


@dataclass(frozen=True)
class _Probe:
    """The context of ``_evaluate_probe``: the test's process, and what to do in a worker."""

    parent: int
    #: The first draw of ``x`` in the block to act on (chunks are whole blocks).
    marker: float = math.nan
    #: ``"kill"``: the worker evaluating that block kills itself; ``"hang"``: it sleeps.
    action: str = ""


_X = {"x": Normal(0.0, 1.0)}


def _evaluate_probe(
    probe: _Probe, inputs: dict[str, np.ndarray], n: int, wanted: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """``y = 2x``, counting the samples evaluated outside the test's process; in a worker
    process (never the test's own), kill or stall the one evaluating the marked block."""
    x = inputs["x"]
    elsewhere = os.getpid() != probe.parent
    if elsewhere and x[0] == probe.marker:
        if probe.action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if probe.action == "hang":
            time.sleep(3600)
    return {"y": 2 * x}, {"elsewhere": n if elsewhere else 0}


def _probe(block: int = 0, action: str = "") -> _Probe:
    first = float(_X["x"].from_normal(sampling.block_normals(_SEED, "x", block, 1))[0])
    return _Probe(os.getpid(), first, action)


@contextmanager
def _hang_guard(seconds: int = 60) -> Iterator[None]:
    """Raise ``TimeoutError`` in the test if the block has not ended after ``seconds``."""

    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s: the run hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_executors_evaluate_where_they_say(executor: Executor) -> None:
    samples = 3 * sampling.BLOCK_SIZE + 1
    values, counts = sampling.simulate(
        _evaluate_probe, _probe(), _X, ["y", "x"], samples, _SEED, executor=executor
    )
    assert counts["elsewhere"] == (0 if isinstance(executor, InProcess) else samples)
    assert np.array_equal(values["y"], 2 * values["x"])
    first = sampling.block_normals(_SEED, "x", 0, sampling.BLOCK_SIZE)
    assert np.array_equal(values["x"][: sampling.BLOCK_SIZE], first)


def test_default_executor_follows_workers_and_samples() -> None:
    big = 2 * sampling.BLOCK_SIZE
    for samples, workers, elsewhere in (
        (big, 1, 0),
        (sampling.BLOCK_SIZE, 2, 0),  # one block: no pool
        (big, 2, big),
    ):
        _, counts = sampling.simulate(
            _evaluate_probe, _probe(), _X, ["y"], samples, _SEED, workers=workers
        )
        assert counts["elsewhere"] == elsewhere, (samples, workers)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_worker_fails_the_run_at_once(workers: int) -> None:
    """A worker killed by SIGKILL (as by the out-of-memory killer) raises ``WorkerLost``;
    the hang guard fails the test if the run waits for it instead."""
    samples = 6 * sampling.BLOCK_SIZE
    with _hang_guard(), pytest.raises(WorkerLost, match="ended unexpectedly"):
        sampling.simulate(
            _evaluate_probe,
            _probe(block=2, action="kill"),
            _X,
            ["y"],
            samples,
            _SEED,
            executor=LocalProcesses(workers),
        )


def test_an_interrupt_stops_the_workers_at_once() -> None:
    """Interrupted while a worker is busy (here, stalled), the run ends without waiting."""

    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    samples = 4 * sampling.BLOCK_SIZE
    with _hang_guard(), pytest.raises(KeyboardInterrupt):
        sampling.simulate(
            _evaluate_probe,
            _probe(block=1, action="hang"),
            _X,
            ["y"],
            samples,
            _SEED,
            progress=interrupt,
            executor=LocalProcesses(2),
        )


def test_keep_limits_the_arrays_and_leaves_values_unchanged() -> None:
    scenario = api.load_scenario(preset="uncertain")
    full = api.run(scenario, samples=70_000, seed=5)
    kept = api.run(scenario, samples=70_000, seed=5, keep=["static.labor", "compute.stock"])
    assert set(kept.values) == {"static.labor", "compute.stock"}
    for name in kept.values:
        assert np.array_equal(kept.values[name], full.values[name])
    assert kept.capped_serial_samples == full.capped_serial_samples > 0


def _refuse(*args: object) -> None:
    raise AssertionError("an output not asked for was computed")


def test_a_run_computes_only_what_it_keeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeping L computes neither D, p, n_ai nor the serial speed: same numbers, same counts."""
    scenario = api.load_scenario(preset="uncertain")
    full = api.run(scenario, samples=70_000, seed=5)
    for module, name in (
        (compute, "raw_training_flop"),
        (compute, "training_tokens"),
        (labor, "parallel_streams"),
        (labor, "ai_researchers"),
        (labor, "serial_speedup"),
    ):
        monkeypatch.setattr(module, name, _refuse)
    kept = api.run(scenario, samples=70_000, seed=5, keep=["static.labor"], chunk_size=5000)
    assert np.array_equal(kept.values["static.labor"], full.values["static.labor"])
    assert kept.capped_serial_samples == full.capped_serial_samples > 0
    with pytest.raises(AssertionError, match="not asked for"):
        api.run(scenario, samples=10, keep=["static.ai_researchers"])


def test_keep_rejects_unknown_names() -> None:
    scenario = api.load_scenario(preset="uncertain")
    with pytest.raises(api.Error, match=r"keep: .*'static\.labr'; did you mean static\.labor"):
        api.run(scenario, samples=10, keep=["static.labr"])
    with pytest.raises(api.Error, match="at least one"):
        api.run(scenario, samples=10, keep=[])


def test_non_finite_samples_are_counted_on_the_way_to_a_kept_output() -> None:
    """The training compute overflows; L = R/τ comes out 0 (finite, and wrong): the overflow
    on its way is still counted, so the run is refused, naming the output that overflowed."""
    scenario = api.load_scenario(
        settings=["compute.stock=1e299 to 1e300 FLOP/s", "compute.training_duration=1e300 year"]
    )
    with pytest.raises(api.Error, match=r"overflow or underflow.*static\.training_compute"):
        api.run(scenario, samples=1000, keep=["static.labor"])
    # keeping only an input evaluates no output: nothing overflows
    kept = api.run(scenario, samples=1000, keep=["compute.stock"])
    assert np.all(np.isfinite(kept.values["compute.stock"]))


def test_streamed_run_percentiles_equal_the_in_memory_run() -> None:
    """Keeping one output (memory-bounded, streamed in blocks) loses no precision."""
    scenario = api.load_scenario(preset="uncertain")
    full = api.run(scenario, samples=300_000, seed=8)
    streamed = api.run(
        scenario, samples=300_000, seed=8, keep=["static.research_per_month"], chunk_size=10_000
    )
    qs = (1.0, 5.0, 50.0, 95.0, 99.0)
    (a,) = full.summaries(qs, names=["static.research_per_month"])
    (b,) = streamed.summaries(qs)
    assert a == b


def test_summary_and_samples_are_in_display_units_unless_canonical(small: RunResult) -> None:
    # researcher-seconds per second → researcher-months (240 h) per month (30 days): × 3
    to_months = 30 * 86400 / (240 * 3600)
    shown, canonical = small.summary(), small.summary(canonical=True)
    name = "static.research_per_month"
    assert shown.loc[name, "unit"] == "researcher_month/month"
    assert canonical.loc[name, "unit"] == "researcher_second/s"
    for column in ("mean", "mean_se", "p50", "p95_se"):
        assert shown.loc[name, column] == pytest.approx(canonical.loc[name, column] * to_months)
    frame = small.to_pandas()
    assert frame.attrs["units"][name] == "researcher_month/month"
    np.testing.assert_allclose(frame[name].to_numpy(), small.values[name] * to_months, rtol=1e-15)
    raw = small.to_pandas(canonical=True)
    assert np.array_equal(raw[name].to_numpy(), small.values[name])
    assert small.quantiles([0.5])[name].attrs["units"] == "researcher_month/month"


def test_any_split_of_a_range_gives_the_same_bits() -> None:
    """``run_range`` over ranges that start and end inside blocks, in chunks smaller and larger
    than the evaluation size, with correlated (mixed) inputs: the draws are made into buffers
    reused for each block, and nothing of one block leaks into the next."""
    scenario = api.load_scenario(preset="uncertain")
    uncertain = scenario.uncertain()
    samples = 2 * sampling.BLOCK_SIZE + 777
    keep = ("static.labor", "static.research_per_month", *uncertain)
    whole = api.run(scenario, samples, _SEED).values  # in whole blocks
    assert scenario.correlations
    mixing = mixing_matrix(scenario.correlations)
    cuts = [0, 5, sampling.BLOCK_SIZE - 3, sampling.BLOCK_SIZE + 20_000, samples]
    for chunk_size in (7, sampling.EVALUATION_SIZE + 1, 10**6):
        job = sampling.Job(
            evaluate_static,
            scenario,
            tuple(uncertain.items()),
            keep,
            samples,
            _SEED,
            chunk_size,
            mixing,
        )
        for start, stop in itertools.pairwise(cuts):
            out = {name: np.full(stop - start, np.nan) for name in keep}
            sampling.run_range(job, start, stop, out)
            for name in keep:
                assert np.array_equal(out[name], whole[name][start:stop]), (name, start)


def test_block_normals_into_a_buffer_are_the_same_draws() -> None:
    buffer = np.empty(1000)
    got = sampling.block_normals(_SEED, "compute.stock", 1, 1000, out=buffer)
    assert got is buffer
    assert np.array_equal(got, sampling.block_normals(_SEED, "compute.stock", 1, 1000))


#: Utilization truncated at 1, cutting 2.4e-5 of its lognormal (the three-input benchmark's).
_TAIL_MAPPED = 'compute.utilization={dist="lognormal", p5=0.3, p95=0.6, max=1}'
#: Truncated at 0.9, cutting 1.8e-4: about 35 draws of 3 blocks moved inside.
_TAIL_MAPPED_MORE = 'compute.utilization={dist="lognormal", p5=0.3, p95=0.6, max=0.9}'


def test_tail_mapped_draws_are_bit_identical_across_chunks_workers_and_executors(
    executor: Executor,
) -> None:
    scenario = api.load_scenario(settings=[_STOCK, _TAIL_MAPPED_MORE])
    utilization = scenario.uncertain()["compute.utilization"]
    assert isinstance(utilization, Truncated) and utilization.tail_mapped
    samples = 3 * sampling.BLOCK_SIZE + 11
    one = api.run(scenario, samples, _SEED)
    drawn = one.values["compute.utilization"]
    assert drawn.max() < 0.9
    # the base's own draw but where it was above 0.9: those moved inside
    z = np.concatenate(
        [
            sampling.block_normals(_SEED, "compute.utilization", block, stop - start)
            for block, (start, stop) in enumerate(block_ranges(samples))
        ]
    )
    own = utilization.base.from_normal(z)
    assert np.array_equal(drawn[own < 0.9], own[own < 0.9])
    assert 20 < np.count_nonzero(own >= 0.9) < 60
    for chunk_size in (7, 4096, 65537):
        values, _ = sampling.simulate(
            evaluate_static,
            scenario,
            scenario.uncertain(),
            list(one.values),
            samples,
            _SEED,
            chunk_size=chunk_size,
            executor=executor,
        )
        for name, array in one.values.items():
            assert np.array_equal(values[name], array), (name, chunk_size)


def test_a_tail_mapped_run_imports_no_scipy() -> None:
    """Loading, checking and drawing the three-input benchmark's inputs needs no Φ⁻¹ from
    scipy: the few moved draws use ``math.erfc`` and ``statistics.NormalDist``."""
    tau = "labor.tokens_per_researcher_second=10 to 1000 token/researcher_second"
    settings = [_STOCK, _TAIL_MAPPED, tau]
    code = (
        "import sys\n"
        "from alignment_runway import api\n"
        f"scenario = api.load_scenario(settings={settings!r})\n"
        "api.run(scenario, 100_000, keep=['static.labor']).summaries()\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "[]"
