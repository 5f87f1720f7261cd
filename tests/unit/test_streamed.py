"""Streamed summaries are the summaries of the samples held at once.

Percentiles and their errors are equal exactly. Means agree to rounding only: held, numpy sums
the whole array pairwise; streamed, each block is summed pairwise and the block sums exactly
(``math.fsum``), which rounds differently (and, if anything, closer to the exact mean).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment_runway import api
from alignment_runway.analysis import streamed as st_mod
from alignment_runway.analysis.summary import Estimate, mean, percentiles
from alignment_runway.engine.grid import plan_grid
from alignment_runway.engine.streamed import race_job, static_job, streamed
from alignment_runway.engine.sweep import cell_samples, run_cell, sweep
from alignment_runway.sampling import BLOCK_SIZE

QS = (0.0, 5.0, 37.3, 50.0, 95.0, 100.0)
GROUP = 64  # a small "block" for the arrays below


def _passes(x: Mapping[str, np.ndarray], slab: int, log: list[int]) -> st_mod.Passes:
    """Visit ``x`` slab by slab, noting each pass."""

    def passes(visit: st_mod.Visit) -> None:
        log.append(1)
        n = next(iter(x.values())).size
        for start in range(0, n, slab):
            visit(start, {name: v[start : start + slab].copy() for name, v in x.items()})

    return passes


def _streamed(
    x: np.ndarray,
    qs: Sequence[float] = QS,
    slab: int = 3 * GROUP,
    margin: float = 10.0,
    keep: int = st_mod.KEEP,
) -> tuple[tuple[Estimate, list[Estimate]], int]:
    """The streamed summary of ``x`` and the passes made, with a subsample of ~1/7 of it."""
    log: list[int] = []
    out = st_mod.summaries(
        _passes({"x": x}, slab, log),
        ["x"],
        x.size,
        qs,
        group=GROUP,
        margin=margin,
        subsample=max(1, x.size // 7),
        keep=keep,
    )
    return out["x"], len(log)


def _same(held: np.ndarray, got: tuple[Estimate, list[Estimate]], qs: Sequence[float] = QS) -> None:
    """``got`` is the held summary of ``held``: percentiles exactly, the mean to rounding."""
    want_mean, want_qs = mean(held), percentiles(held, qs)
    got_mean, got_qs = got
    assert got_qs == want_qs or _nan_equal(got_qs, want_qs)
    for a, b in ((got_mean.value, want_mean.value), (got_mean.se, want_mean.se)):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12), (a, b)


def _nan_equal(a: list[Estimate], b: list[Estimate]) -> bool:
    flat = [(e.value, e.se) for e in a], [(e.value, e.se) for e in b]
    return all(
        (x == y) or (math.isnan(x) and math.isnan(y))
        for pa, pb in zip(*flat, strict=True)
        for x, y in zip(pa, pb, strict=True)
    )


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    n = 10_007
    never = rng.lognormal(2.0, 1.0, n)
    never[rng.random(n) < 0.3] = np.inf  # "never reached", as a race's time to requirement
    missing = rng.normal(size=n)
    missing[rng.random(n) < 0.2] = np.nan  # Stage D's missing values
    zeros = rng.normal(size=n)
    zeros[: n // 2] = -0.0
    return {
        "lognormal": rng.lognormal(0.0, 2.0, n),
        "never": never,
        "zero_one": (rng.random(n) < 0.07).astype(np.float64),
        "ties": rng.integers(0, 4, n).astype(np.float64),
        "missing": missing,
        "both_infinities": np.concatenate([[-np.inf, np.inf], rng.normal(size=n)]),
        "huge": rng.uniform(1e300, 1.7e308, n),  # sums and squares overflow
        "constant": np.full(n, 3.25),
        "signed_zeros": zeros,
    }


@pytest.mark.parametrize("keep", [st_mod.KEEP, 50])
@pytest.mark.parametrize("name", list(_arrays()))
def test_the_streamed_summary_is_the_held_one(name: str, keep: int) -> None:
    x = _arrays()[name]
    got, passes = _streamed(x, keep=keep)  # keep=50: wide brackets are binned, a third pass
    _same(x, got)
    assert passes == st_mod.planned_passes(x.size, QS, subsample=max(1, x.size // 7), keep=keep)
    assert passes == (2 if keep == st_mod.KEEP else 3)


def test_a_1e8_cell_takes_two_passes_and_a_1e9_cell_three() -> None:
    # a bracket of the median spans about 10,245 of the 2**20 subsample values, each standing
    # for ceil(n / 2**20) samples: more than KEEP = 2**21 samples past n ≈ 2.15e8
    assert st_mod.planned_passes(10**8, (5.0, 50.0, 95.0)) == 2
    assert st_mod.planned_passes(2 * 10**8, (50.0,)) == 2
    assert st_mod.planned_passes(3 * 10**8, (50.0,)) == 3
    assert st_mod.planned_passes(10**9, (5.0, 95.0)) == 3


def test_the_slab_size_changes_nothing() -> None:
    x = _arrays()["lognormal"]
    results = {repr(_streamed(x, slab=slab)[0]) for slab in (GROUP, 2 * GROUP, 7 * GROUP, x.size)}
    assert len(results) == 1  # bit for bit


@pytest.mark.parametrize("keep", [st_mod.KEEP, 20])
@pytest.mark.parametrize("name", ["lognormal", "never", "ties", "missing"])
def test_a_bracket_that_misses_is_widened_and_the_answer_unchanged(name: str, keep: int) -> None:
    x = _arrays()[name]
    got, passes = _streamed(x, margin=0.0, keep=keep)  # brackets two subsample places wide
    _same(x, got)
    if name in ("lognormal", "never"):
        assert passes > 2  # some bracket missed, and was passed over again


def test_passes_that_see_other_values_are_an_error_not_a_loop() -> None:
    x = _arrays()["lognormal"]
    calls: list[int] = []

    def changing(visit: st_mod.Visit) -> None:
        calls.append(1)
        shift = 0.0 if len(calls) < 3 else 1e9  # the third pass sees other values
        for start in range(0, x.size, GROUP):
            visit(start, {"x": x[start : start + GROUP] + shift})

    with pytest.raises(RuntimeError, match="same samples"):
        st_mod.summaries(changing, ["x"], x.size, QS, group=GROUP, subsample=1000, keep=50)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, 1.0, math.inf])),
        min_size=2,
        max_size=400,
    ),
    st.lists(st.floats(0, 100), min_size=1, max_size=4),
    st.sampled_from([0.0, 1.0, 10.0]),
    st.sampled_from([st_mod.KEEP, 10]),
)
def test_streamed_percentiles_of_any_floats(
    values: list[float], qs: list[float], margin: float, keep: int
) -> None:
    x = np.array(values)
    got, _ = _streamed(x, qs, slab=GROUP, margin=margin, keep=keep)
    assert _nan_equal(got[1], percentiles(x, qs))
    if np.isnan(x).any() or (np.inf in x and -np.inf in x):
        assert math.isnan(got[0].value)
    elif np.isinf(x).any():
        assert got[0].value == (np.inf if np.inf in x else -np.inf)
    else:  # exact sums against numpy's pairwise ones: equal to the largest value's rounding
        size = float(np.max(np.abs(x)))
        scale = 2.0**-10 if size > 1e300 else 1.0  # exact, and keeps the exact sum finite
        exact = math.fsum(x * scale) / x.size / scale
        assert abs(got[0].value - exact) <= 1e-15 * size


def test_float_keys_order_floats_as_numbers_with_nan_last() -> None:
    x = np.array([np.nan, np.inf, 1.0, 0.0, -0.0, -1e-310, -np.inf, 5e-324, -np.nan])
    keys = st_mod.float_keys(x)
    order = np.argsort(keys, kind="stable")
    assert np.array_equal(x[order][:-2], np.sort(x)[:-2])
    assert np.isnan(x[order][-2:]).all()
    assert keys[3] == keys[4]  # -0.0 is 0.0
    assert keys[0] == keys[-1]  # one NaN
    assert np.array_equal(st_mod.key_floats(keys)[1:-1], x[1:-1])


# ---- cells of a sweep: the streamed cell is the held cell


def _static_plan(samples: int = 3 * BLOCK_SIZE + 1234) -> api.Plan:
    return plan_grid(
        api.load_scenario(preset="uncertain"),
        ["compute.training_share=0.2,0.25"],
        ["static.labor", "static.research_per_month"],
        samples,
        5,
    )


def _race_plan(samples: int = 2 * BLOCK_SIZE + 99) -> api.Plan:
    return plan_grid(
        api.load_scenario(preset="race"),
        ["race.lead=3 months, 12 months"],
        ["race.research", "race.time_to_requirement", "race.success", "race.window"],
        samples,
        7,
        months=24,
    )


def _cells_match(held: api.Sweep, streamed_sweep: api.Sweep) -> None:
    for a, b in zip(held.cells, streamed_sweep.cells, strict=True):
        assert a.outputs.keys() == b.outputs.keys()
        for name, summary in a.outputs.items():
            other = b.outputs[name]
            assert other.percentiles == summary.percentiles or _nan_equal(
                list(other.percentiles.values()), list(summary.percentiles.values())
            ), name
            for x, y in ((other.mean.value, summary.mean.value), (other.mean.se, summary.mean.se)):
                assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12)


@pytest.mark.parametrize("plan", [_static_plan, _race_plan])
def test_a_streamed_cell_is_the_held_cell(plan: Callable[[], api.Plan]) -> None:
    chosen = plan()
    done: list[int] = []
    held = sweep(chosen, QS)
    streamed_sweep = sweep(chosen, QS, stream_above=1000, progress=done.append)
    _cells_match(held, streamed_sweep)
    # both passes count on a progress bar
    assert sum(done) == len(chosen.cells) * cell_samples(chosen, QS, stream_above=1000)
    assert cell_samples(chosen, QS, stream_above=1000) == 2 * cell_samples(chosen, QS)


def test_the_race_cell_has_never_reached_and_zero_one_values() -> None:
    cell = run_cell(_race_plan(), (0,), QS, stream_above=1000).outputs
    assert math.isinf(cell["race.time_to_requirement"].percentiles[100.0].value)
    assert math.isinf(cell["race.time_to_requirement"].mean.value)
    assert {e.value for e in cell["race.success"].percentiles.values()} <= {0.0, 1.0}


def test_slabs_and_workers_change_nothing() -> None:
    plan = _race_plan()
    scenario = api.load_scenario(preset="race")
    job = race_job(scenario, plan.outputs, plan.samples, plan.seed, plan.months, plan.step)
    one = streamed(scenario, job, QS, slab_blocks=1)
    assert streamed(scenario, job, QS, slab_blocks=64) == one
    assert streamed(scenario, job, QS, slab_blocks=2, workers=2) == one
    # a small subsample, brackets that miss, brackets binned: the same summaries
    for margin, keep in ((0.0, st_mod.KEEP), (10.0, 1000), (0.0, 1000)):
        assert streamed(scenario, job, QS, margin=margin, subsample=1000, keep=keep) == one


def test_kept_samples_are_never_streamed() -> None:
    plan = _static_plan(5000)
    kept = sweep(plan, QS, keep_samples=True, stream_above=1000)
    assert all(c.samples is not None for c in kept.cells)
    assert cell_samples(plan, QS, keep_samples=True, stream_above=1000) == cell_samples(plan, QS)


def test_quasi_monte_carlo_cells_are_held() -> None:
    plan = plan_grid(
        api.load_scenario(preset="uncertain"),
        ["compute.training_share=0.2,0.25"],
        ["static.labor"],
        1600,
        5,
        method="qmc",
    )
    assert cell_samples(plan, QS, stream_above=1000) == cell_samples(plan, QS) == 1600
    held = run_cell(plan, (0,), QS)
    assert run_cell(plan, (0,), QS, stream_above=1000) == held  # errors from randomizations


def test_a_streamed_static_job_checks_its_names() -> None:
    with pytest.raises(api.InputError, match="tasks"):
        static_job(api.load_scenario(preset="uncertain"), ["tasks.speedup"], 10, 1)


def test_cells_stream_past_2_to_the_24_samples_sampled_and_never_missing() -> None:
    from alignment_runway.engine.sweep import STREAM_SAMPLES, streams
    from alignment_runway.results.swept import Plan

    assert STREAM_SAMPLES == 2**24
    scenario = api.load_scenario(preset="race")
    grid = ["race.lead=3 months,6 months"]

    def plan(samples: int, outputs: list[str], method: str = "sample") -> Plan:
        return plan_grid(scenario, grid, outputs, samples, method=method)

    assert not streams(plan(2**24, ["race.research"]))
    assert streams(plan(2**24 + 1, ["race.research"]))
    assert not streams(plan(2**24 + 1, ["race.research"]), keep_samples=True)
    assert not streams(plan(2**24 + 16, ["race.research"], "qmc"))
    # a missing (NaN) efficiency gain is left out of the summary: held, as a run's
    assert not streams(plan(2**24 + 1, ["race.efficiency_gain"]))
    cost = plan(2**24 + 1, ["race.research"]).seconds_per_worker
    held = plan(2**24, ["race.research"]).seconds_per_worker
    assert cost > 1.9 * held  # a streamed cell draws its samples twice
