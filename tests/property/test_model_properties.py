"""Property-based tests of the model equations (stages A, B and E) and the unit conversions.

Every strategy draws positive, finite floats in realistic ranges (canonical units): FLOP/s of
accelerator stock, seconds of training, tokens per researcher-second, and so on. Fractions
that may lie anywhere in ``(0, 1]`` (training share, utilization, working fraction) are drawn
from ``[1e-6, 1]``: the open end is kept well away from underflow, which is no part of any
realistic scenario.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose
from numpy.typing import NDArray

from alignment_runway import api, units
from alignment_runway.model import compute, devloop, labor
from alignment_runway.model.static import OUTPUTS, StaticInputs, StaticOutputs, static_model
from alignment_runway.units import CALENDAR_MONTH_S
from strategies import positive

Array = NDArray[np.float64]
Sample = dict[str, float]

#: Relative tolerance of identities that hold exactly in real arithmetic.
REL = 1e-12
#: Smallest relative step between two inputs compared for strict monotonicity; far above the
#: few ulp of rounding in the chain, so a strict rise in real arithmetic is also one in floats.
MIN_STEP = 1e-9

PROPERTY = settings(max_examples=200, deadline=None)


# --------------------------------------------------------------------------- strategies


STOCK = positive(1e18, 1e25)  # FLOP/s
FRACTION = positive(1e-6, 1.0)  # training share, utilization, working fraction
DURATION = positive(1e5, 1e9)  # s
TOKENS_PER_PARAMETER = positive(1.0, 100.0)
TAU = positive(1.0, 1e4)  # token / researcher-second
SIGMA = positive(0.1, 1e4)  # token / researcher-second
SPEED = positive(1.0, 1e3)  # token / s
TRAINING_FLOP = positive(1e20, 1e34)  # FLOP
TASK = positive(1.0, 1e6)  # researcher-seconds
BUDGET = positive(1.0, 1e12)  # token / s
PARAMETERS = positive(1e6, 1e16)  # parameter count
TOKENS_PER_S = positive(1.0, 1e12)  # token / s
STREAMS = positive(1.0, 1e5)
SERIAL_SPEEDUP = positive(1e-4, 1e4)  # researcher-seconds per calendar second
RESEARCHERS = positive(1.0, 1e9)
RESEARCHER_S = positive(1.0, 1e15)  # researcher-seconds
CALENDAR_S = positive(1.0, 1e10)  # s
RATIO = positive(1.0 + MIN_STEP, 1e3)  # factor between two compared inputs

INPUT_FIELDS = (
    "stock_flop_per_s",
    "training_share",
    "duration_s",
    "utilization",
    "tokens_per_parameter",
    "tokens_per_researcher_s",
    "serial_tokens_per_researcher_s",
    "serial_speed_tokens_per_s",
    "working_fraction",
)


@st.composite
def samples(draw: st.DrawFn) -> Sample:
    """One sample of the static model's inputs (without the training-compute override)."""
    return {
        "stock_flop_per_s": draw(STOCK),
        "training_share": draw(FRACTION),
        "duration_s": draw(DURATION),
        "utilization": draw(FRACTION),
        "tokens_per_parameter": draw(TOKENS_PER_PARAMETER),
        "tokens_per_researcher_s": draw(TAU),
        "serial_tokens_per_researcher_s": draw(SIGMA),
        "serial_speed_tokens_per_s": draw(SPEED),
        "working_fraction": draw(FRACTION),
    }


@st.composite
def uncapped_samples(draw: st.DrawFn) -> Sample:
    """A sample with ``σ ≤ τ``, so that no capping happens."""
    sample = draw(samples())
    tau = sample["tokens_per_researcher_s"]
    sample["serial_tokens_per_researcher_s"] = draw(positive(0.1, tau))
    return sample


def inputs(rows: list[Sample], training_flop: list[float] | None = None) -> StaticInputs:
    """Stack samples into the static model's input arrays, one element per sample."""
    columns = {
        field: np.array([row[field] for row in rows], dtype=np.float64) for field in INPUT_FIELDS
    }
    override = None if training_flop is None else np.array(training_flop, dtype=np.float64)
    return StaticInputs(**columns, training_flop=override)


def run(rows: list[Sample], training_flop: list[float] | None = None) -> StaticOutputs:
    return static_model(inputs(rows, training_flop))


def fleet_tokens_per_s(sample: Sample) -> float:
    """Tokens per second through the stage-A functions, ending in ``fleet_tokens_per_s``."""
    cluster = compute.cluster_flop_per_s(sample["stock_flop_per_s"], sample["training_share"])
    effective = compute.effective_training_flop(
        cluster, sample["duration_s"], sample["utilization"]
    )
    parameters = compute.optimal_parameters(effective, sample["tokens_per_parameter"])
    return compute.fleet_tokens_per_s(cluster, sample["utilization"], parameters)


# --------------------------------------------------------------- tokens per second (stage A)


@PROPERTY
@given(sample=samples(), ratio=RATIO)
def test_tokens_per_second_rise_strictly_with_compute_stock(sample: Sample, ratio: float) -> None:
    larger = {**sample, "stock_flop_per_s": sample["stock_flop_per_s"] * ratio}
    rate = run([sample, larger]).values["static.tokens_per_second"]
    assert rate[1] > rate[0]
    assert fleet_tokens_per_s(larger) > fleet_tokens_per_s(sample)


@PROPERTY
@given(sample=samples(), share=FRACTION, ratio=RATIO)
def test_tokens_per_second_rise_strictly_with_training_share(
    sample: Sample, share: float, ratio: float
) -> None:
    smaller = {**sample, "training_share": share / ratio}
    larger = {**sample, "training_share": share}
    rate = run([smaller, larger]).values["static.tokens_per_second"]
    assert rate[1] > rate[0]
    assert fleet_tokens_per_s(larger) > fleet_tokens_per_s(smaller)


@PROPERTY
@given(sample=samples())
def test_tokens_per_second_is_three_training_tokens_per_duration(sample: Sample) -> None:
    # R = K·u / (2N) with N = sqrt(K·T·u / 6k) and D = k·N gives R = 3·D / T.
    values = run([sample]).values
    expected = 3.0 * values["static.training_tokens"] / sample["duration_s"]
    assert_allclose(values["static.tokens_per_second"], expected, rtol=REL, atol=0)

    cluster = compute.cluster_flop_per_s(sample["stock_flop_per_s"], sample["training_share"])
    effective = compute.effective_training_flop(
        cluster, sample["duration_s"], sample["utilization"]
    )
    parameters = compute.optimal_parameters(effective, sample["tokens_per_parameter"])
    tokens = compute.training_tokens(parameters, sample["tokens_per_parameter"])
    rate = compute.fleet_tokens_per_s(cluster, sample["utilization"], parameters)
    assert rate == pytest.approx(3.0 * tokens / sample["duration_s"], rel=REL)


@PROPERTY
@given(sample=samples(), training_flop=TRAINING_FLOP)
def test_tokens_per_second_is_three_training_tokens_per_duration_with_override(
    sample: Sample, training_flop: float
) -> None:
    values = run([sample], [training_flop]).values
    assert_allclose(values["static.training_compute"], training_flop, rtol=REL, atol=0)
    expected = 3.0 * values["static.training_tokens"] / sample["duration_s"]
    assert_allclose(values["static.tokens_per_second"], expected, rtol=REL, atol=0)


# ------------------------------------------------------------ researcher labor (stage B)


@PROPERTY
@given(sample=uncapped_samples(), ratio=RATIO)
def test_researcher_equivalents_fall_as_tau_rises(sample: Sample, ratio: float) -> None:
    # σ ≤ τ₁ < τ₂: σ is fixed and not capped at either τ.
    higher = {**sample, "tokens_per_researcher_s": sample["tokens_per_researcher_s"] * ratio}
    values = run([sample, higher]).values
    assert values["static.labor"][1] < values["static.labor"][0]
    assert values["static.ai_researchers"][1] < values["static.ai_researchers"][0]

    rate = fleet_tokens_per_s(sample)
    sigma = sample["serial_tokens_per_researcher_s"]
    speed = sample["serial_speed_tokens_per_s"]
    tau_low = sample["tokens_per_researcher_s"]
    tau_high = higher["tokens_per_researcher_s"]
    assert labor.labor_researcher_s_per_s(rate, tau_high) < labor.labor_researcher_s_per_s(
        rate, tau_low
    )
    researchers_high = labor.ai_researchers(rate, labor.parallel_streams(tau_high, sigma), speed)
    researchers_low = labor.ai_researchers(rate, labor.parallel_streams(tau_low, sigma), speed)
    assert researchers_high < researchers_low


@PROPERTY
@given(rate=TOKENS_PER_S, tau=TAU, sigma=SIGMA, speed=SPEED, working_fraction=FRACTION)
def test_headline_routes_agree(
    rate: float, tau: float, sigma: float, speed: float, working_fraction: float
) -> None:
    # SPEC §3: L × one calendar month == n_ai × m_serial × (30 days × h_work).
    capped = labor.capped_serial_tokens(tau, sigma)
    researchers = labor.ai_researchers(rate, labor.parallel_streams(tau, capped), speed)
    months_each = labor.human_months_per_month(
        labor.serial_speedup(speed, capped), working_fraction
    )
    via_researchers = labor.research_per_month_via_researchers(
        researchers, months_each, working_fraction
    )
    direct = labor.labor_researcher_s_per_s(rate, tau) * CALENDAR_MONTH_S
    assert via_researchers == pytest.approx(direct, rel=REL)
    assert researchers * months_each * (CALENDAR_MONTH_S * working_fraction) == pytest.approx(
        direct, rel=REL
    )


@PROPERTY
@given(rows=st.lists(samples(), min_size=1, max_size=8))
def test_static_research_per_month_equals_labor(rows: list[Sample]) -> None:
    values = run(rows).values
    assert_allclose(values["static.research_per_month"], values["static.labor"], rtol=REL, atol=0)


@st.composite
def samples_around_tau(draw: st.DrawFn) -> Sample:
    """A sample whose σ is below, equal to or above its τ."""
    sample = draw(samples())
    tau = sample["tokens_per_researcher_s"]
    sample["serial_tokens_per_researcher_s"] = draw(
        st.one_of(SIGMA, st.just(tau), positive(tau, 1e4), positive(0.1, tau))
    )
    return sample


@PROPERTY
@given(rows=st.lists(samples_around_tau(), min_size=1, max_size=12))
def test_sigma_above_tau_is_capped(rows: list[Sample]) -> None:
    x = inputs(rows)
    tau = x.tokens_per_researcher_s
    sigma = x.serial_tokens_per_researcher_s
    outputs = static_model(x)
    streams = outputs.values["static.parallel_streams"]

    assert outputs.capped_serial_samples == int(np.sum(sigma > tau))
    assert np.all(streams >= 1.0)
    assert np.all(streams[sigma >= tau] == 1.0)
    assert_allclose(streams[sigma < tau], (tau / sigma)[sigma < tau], rtol=0, atol=0)

    capped = labor.capped_serial_tokens(tau, sigma)
    assert np.all(capped <= tau)
    assert np.all(labor.parallel_streams(tau, capped) >= 1.0)
    for row in rows:
        t, s = row["tokens_per_researcher_s"], row["serial_tokens_per_researcher_s"]
        assert labor.parallel_streams(t, labor.capped_serial_tokens(t, s)) >= 1.0


# ------------------------------------------------------------------- the static model


@PROPERTY
@given(
    rows=st.lists(samples_around_tau(), min_size=1, max_size=8),
    override=st.booleans(),
    data=st.data(),
)
def test_static_outputs_are_finite_and_positive(
    rows: list[Sample], override: bool, data: st.DataObject
) -> None:
    training_flop = (
        data.draw(st.lists(TRAINING_FLOP, min_size=len(rows), max_size=len(rows)))
        if override
        else None
    )
    values = run(rows, training_flop).values
    assert set(values) == {spec.name for spec in OUTPUTS}
    for name, array in values.items():
        assert isinstance(array, np.ndarray), name
        assert array.shape == (len(rows),), name
        assert np.all(np.isfinite(array)), (name, array)
        assert np.all(array > 0.0), (name, array)


@PROPERTY
@given(sample=samples_around_tau(), fractions=st.tuples(FRACTION, FRACTION))
def test_working_fraction_changes_only_the_human_schedule_view(
    sample: Sample, fractions: tuple[float, float]
) -> None:
    first, second = fractions
    rows = [{**sample, "working_fraction": first}, {**sample, "working_fraction": second}]
    values = run(rows).values

    shown_against_human = {"static.human_months_per_month", "static.research_per_month"}
    for name, array in values.items():
        if name not in shown_against_human:
            assert array[0] == array[1], name
    assert values["static.labor"][0] == values["static.labor"][1]
    assert values["static.research_per_month"][1] == pytest.approx(
        values["static.research_per_month"][0], rel=REL
    )
    months = values["static.human_months_per_month"]
    assert months[1] * second == pytest.approx(months[0] * first, rel=REL)
    assert months[1] / months[0] == pytest.approx(first / second, rel=REL)


# ------------------------------------------------------------ the development loop (stage E)


@PROPERTY
@given(
    sigma=SIGMA,
    speed=SPEED,
    tasks=st.lists(TASK, min_size=1, max_size=3),
    ratios=st.lists(positive(1.0, 1e3), min_size=2, max_size=4),
)
def test_signal_latency_does_not_depend_on_tau(
    sigma: float, speed: float, tasks: list[float], ratios: list[float]
) -> None:
    # Every τ is at least σ, so σ is not capped and τ could only enter through the formula.
    taus = tuple(sigma * ratio for ratio in ratios)
    scenario = api.load_scenario(
        preset="essay",
        settings=[
            f"labor.serial_tokens_per_researcher_second={sigma!r} token/researcher_second",
            f"labor.serial_speed={speed!r} token/s",
            "devloop.task_length=" + json.dumps([f"{task!r} researcher_second" for task in tasks]),
        ],
    )
    result = api.devloop(scenario, taus=taus)
    sigma_in = scenario.scalar("labor.serial_tokens_per_researcher_second")
    speed_in = scenario.scalar("labor.serial_speed")
    for case in result.cases:
        expected = devloop.signal_latency_s(case.task_researcher_s, sigma_in, speed_in)
        assert case.latency_s.shape == (1,)
        assert float(case.latency_s[0]) == expected
    latencies: dict[float, set[float]] = {}
    for case in result.cases:
        latencies.setdefault(case.task_researcher_s, set()).add(float(case.latency_s[0]))
    assert all(len(values) == 1 for values in latencies.values())


@PROPERTY
@given(
    task=TASK,
    sigma=SIGMA,
    speed=SPEED,
    ratios=st.lists(positive(1.0, 1e3), min_size=1, max_size=5),
)
def test_signal_latency_model_ignores_tokens_per_researcher_second(
    task: float, sigma: float, speed: float, ratios: list[float]
) -> None:
    # For every τ ≥ σ the capped σ is σ itself, so the latency is task × σ / v at every τ.
    latency = devloop.signal_latency_s(task, sigma, speed)
    assert latency == pytest.approx(task * sigma / speed, rel=REL)
    for ratio in ratios:
        tau = sigma * ratio
        capped = labor.capped_serial_tokens(tau, sigma)
        assert devloop.signal_latency_s(task, capped, speed) == latency


@PROPERTY
@given(tau=TAU, task=TASK, scale=positive(1e-3, 1e3), other=st.tuples(TAU, TASK))
def test_tokens_per_signal_is_linear_in_tau_and_task_length(
    tau: float, task: float, scale: float, other: tuple[float, float]
) -> None:
    other_tau, other_task = other
    base = devloop.tokens_per_signal(tau, task)
    assert base == pytest.approx(tau * task, rel=REL)
    # homogeneous in each argument
    assert devloop.tokens_per_signal(scale * tau, task) == pytest.approx(scale * base, rel=REL)
    assert devloop.tokens_per_signal(tau, scale * task) == pytest.approx(scale * base, rel=REL)
    # additive in each argument
    assert devloop.tokens_per_signal(tau + other_tau, task) == pytest.approx(
        base + devloop.tokens_per_signal(other_tau, task), rel=REL
    )
    assert devloop.tokens_per_signal(tau, task + other_task) == pytest.approx(
        base + devloop.tokens_per_signal(tau, other_task), rel=REL
    )


# --------------------------------------------------- scalars and arrays give the same answer

FunctionCase = tuple[Callable[..., Any], tuple[st.SearchStrategy[float], ...]]

SCALAR_ARRAY_CASES: dict[str, FunctionCase] = {
    # stage A
    "compute.cluster_flop_per_s": (compute.cluster_flop_per_s, (STOCK, FRACTION)),
    "compute.cluster_flop_per_s_for_training": (
        compute.cluster_flop_per_s_for_training,
        (TRAINING_FLOP, FRACTION, DURATION),
    ),
    "compute.raw_training_flop": (compute.raw_training_flop, (STOCK, DURATION)),
    "compute.effective_training_flop": (
        compute.effective_training_flop,
        (STOCK, DURATION, FRACTION),
    ),
    "compute.optimal_parameters": (
        compute.optimal_parameters,
        (TRAINING_FLOP, TOKENS_PER_PARAMETER),
    ),
    "compute.training_tokens": (compute.training_tokens, (PARAMETERS, TOKENS_PER_PARAMETER)),
    "compute.inference_flop_per_token": (compute.inference_flop_per_token, (PARAMETERS,)),
    "compute.fleet_tokens_per_s": (compute.fleet_tokens_per_s, (STOCK, FRACTION, PARAMETERS)),
    # stage B
    "labor.capped_serial_tokens": (labor.capped_serial_tokens, (TAU, SIGMA)),
    "labor.parallel_streams": (labor.parallel_streams, (TAU, SIGMA)),
    "labor.labor_researcher_s_per_s": (labor.labor_researcher_s_per_s, (TOKENS_PER_S, TAU)),
    "labor.ai_researchers": (labor.ai_researchers, (TOKENS_PER_S, STREAMS, SPEED)),
    "labor.serial_speedup": (labor.serial_speedup, (SPEED, SIGMA)),
    "labor.human_months_per_month": (labor.human_months_per_month, (SERIAL_SPEEDUP, FRACTION)),
    "labor.research_per_month_via_researchers": (
        labor.research_per_month_via_researchers,
        (RESEARCHERS, SERIAL_SPEEDUP, FRACTION),
    ),
    # stage E
    "devloop.tokens_per_signal": (devloop.tokens_per_signal, (TAU, TASK)),
    "devloop.signals_per_day": (devloop.signals_per_day, (BUDGET, TOKENS_PER_S)),
    "devloop.signal_latency_s": (devloop.signal_latency_s, (TASK, SIGMA, SPEED)),
    # unit conversions
    "units.researcher_months": (units.researcher_months, (RESEARCHER_S,)),
    "units.calendar_to_working_s": (units.calendar_to_working_s, (CALENDAR_S, FRACTION)),
    "units.working_to_calendar_s": (units.working_to_calendar_s, (RESEARCHER_S, FRACTION)),
}


def test_scalar_array_cases_cover_every_model_function() -> None:
    expected = {
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for module in (compute, labor, devloop)
        for name in module.__all__
        if callable(getattr(module, name))
    }
    covered = {name for name in SCALAR_ARRAY_CASES if not name.startswith("units.")}
    assert covered == expected


@pytest.mark.parametrize("name", sorted(SCALAR_ARRAY_CASES))
@PROPERTY
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_scalar_and_array_give_the_same_answer(
    name: str, data: st.DataObject, shape: tuple[int, ...]
) -> None:
    function, strategies = SCALAR_ARRAY_CASES[name]
    args = [data.draw(strategy) for strategy in strategies]

    scalar = function(*args)
    array = function(*(np.full(shape, arg, dtype=np.float64) for arg in args))

    assert isinstance(scalar, float)
    assert isinstance(array, np.ndarray)
    assert array.shape == shape
    assert array.dtype == np.float64
    assert_allclose(array, np.full(shape, scalar), rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", sorted(SCALAR_ARRAY_CASES))
@PROPERTY
@given(data=st.data())
def test_python_float_inputs_give_a_python_float(name: str, data: st.DataObject) -> None:
    # ``Num`` promises "the same kind" back: a float for floats, not a numpy scalar.
    function, strategies = SCALAR_ARRAY_CASES[name]
    scalar = function(*(data.draw(strategy) for strategy in strategies))
    assert type(scalar) is float, f"{name} returned {type(scalar).__name__}"
