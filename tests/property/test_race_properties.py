"""Property-based tests of the race (SPEC §6): ``race_model`` on drawn inputs, and ``api.race``.

Inputs are drawn in canonical units (seconds, researcher-seconds, rates per second) over
ranges wider than the ``race`` preset's 90% intervals, with every mechanism on or off. A lead
is zero or at least an hour: leads of a few ulp above zero take the growth terms into the
subnormal range, where no relative tolerance holds.
Each property runs a handful of samples on a grid of at most a few dozen months.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import integrate

from alignment_runway import api
from alignment_runway.model import race as race_model
from alignment_runway.model.race import RaceInputs, RaceOutputs
from alignment_runway.units import CALENDAR_MONTH_S, RESEARCHER_MONTH_RS
from strategies import maybe, positive, unit_interval

Array = NDArray[np.float64]

M = CALENDAR_MONTH_S
WEEK = 7 * 24 * 3600.0
HOUR = 3600.0
#: Relative tolerance of results that agree in real arithmetic (SPEC §6: 1e-9).
REL = 1e-9
#: Slack for inequalities that hold exactly in real arithmetic (a few ulp of rounding).
SLACK = 1e-12
#: The horizon of every property, in months.
HORIZON_MONTHS = 24.0

PROPERTY = settings(max_examples=50, deadline=None)
#: For properties that run the smoothed review cap several times (about 20 ms a run).
SLOW = settings(max_examples=25, deadline=None)


# --------------------------------------------------------------------------- strategies


#: A lead of at least an hour, in seconds.
LEAD = positive(HOUR, 24 * M)
#: Returns to parallelism λ: off (1), none above the reference team (0), or in between. Values
#: below 1e-3 are left out: λ·ln2/T_d then underflows to the subnormal range, where the exact
#: integration divides by it (no part of any realistic scenario).
RETURNS = st.one_of(st.just(1.0), st.just(0.0), st.floats(1e-3, 1.0))


@dataclass(frozen=True)
class Params:
    """One sample of the race's inputs, canonical units; None leaves a mechanism off."""

    labor: float
    serial_speed: float
    lead_s: float
    catch_up: float
    caution_period_s: float
    caution_erosion: float
    leak_per_s: float
    theft_per_s: float
    theft_quantile: float
    efficiency_cap: float
    safe_share: float
    checkpoint_latency_s: float
    review_share: float
    parallel_returns: float
    reference_team: float
    doubling_s: float | None
    checkpoint_interval_rs: float | None
    supervisors: float | None
    review_capacity: float | None
    smoothness: float | None
    required_rs: float | None = None


@st.composite
def params(draw: st.DrawFn, smooth: bool = True, theft: bool = True) -> Params:
    """A sample of the race's inputs with each mechanism independently on or off.

    ``smooth=False`` keeps the review cap hard (the exactly integrated form).
    """
    doubling = draw(maybe(positive(0.5 * M, 24 * M)))
    interval = draw(maybe(positive(HOUR, 1000 * HOUR)))
    review = draw(st.booleans())
    return Params(
        labor=draw(positive(1e2, 1e8)),
        serial_speed=draw(positive(0.1, 100.0)),
        lead_s=draw(st.one_of(st.just(0.0), LEAD)),
        catch_up=draw(positive(0.2, 5.0)),
        caution_period_s=draw(st.one_of(st.just(0.0), st.floats(0.0, 24 * M))),
        caution_erosion=draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0))),
        leak_per_s=draw(st.one_of(st.just(0.0), positive(1e-6 / M, 0.5 / M))),
        theft_per_s=draw(st.one_of(st.just(0.0), positive(1e-4 / M, 0.5 / M))) if theft else 0.0,
        theft_quantile=draw(unit_interval(hi_open=True)),
        efficiency_cap=1.0 if doubling is None else draw(positive(1.0, 1000.0)),
        safe_share=draw(st.one_of(st.just(1.0), unit_interval())),
        checkpoint_latency_s=0.0 if interval is None else draw(st.floats(0.0, 48 * HOUR)),
        review_share=draw(positive(1e-3, 1.0)) if review else 0.0,
        parallel_returns=draw(RETURNS),
        reference_team=draw(positive(10.0, 1e7)),
        doubling_s=doubling,
        checkpoint_interval_rs=interval,
        supervisors=draw(positive(1.0, 1e4)) if review else None,
        review_capacity=(draw(positive(0.03, 30.0)) * RESEARCHER_MONTH_RS / M if review else None),
        smoothness=draw(maybe(positive(0.5, 8.0))) if review and smooth else None,
    )


def inputs(rows: list[Params]) -> RaceInputs:
    """Stack samples into the race's input arrays (all rows set the same optional inputs)."""
    fields: dict[str, Array | None] = {}
    for name in Params.__dataclass_fields__:
        column = [getattr(row, name) for row in rows]
        if all(value is None for value in column):
            fields[name] = None
        else:
            assert all(value is not None for value in column)
            fields[name] = np.array(column, dtype=np.float64)
    return RaceInputs(**fields)  # type: ignore[arg-type]


def grid(step_s: float = M, months: float = HORIZON_MONTHS) -> tuple[Array, NDArray[np.intp]]:
    return race_model.time_grid(months * M, step_s, M)


def race(rows: list[Params], step_s: float = M, months: float = HORIZON_MONTHS) -> RaceOutputs:
    times, record = grid(step_s, months)
    with np.errstate(all="ignore"):  # as api.race runs it
        return race_model.race_model(inputs(rows), times, record)


def research(rows: list[Params], step_s: float = M, months: float = HORIZON_MONTHS) -> Array:
    return race(rows, step_s, months).values["race.research"]


def hand_rate(p: Params) -> tuple[Callable[[float], float], list[float]]:
    """The research rate with a hard review cap, by hand, and the times of its kinks."""
    speed = p.serial_speed
    factor = 1.0
    if p.checkpoint_interval_rs is not None:
        interval = p.checkpoint_interval_rs
        factor = interval / (interval + p.checkpoint_latency_s * speed)
    w = speed * factor
    a0 = p.safe_share * p.labor * factor
    cap = math.inf
    if p.review_share > 0 and p.supervisors is not None and p.review_capacity is not None:
        cap = p.supervisors * p.review_capacity / p.review_share
    knee = w * p.reference_team
    g = 0.0 if p.doubling_s is None else math.log(2) / p.doubling_s

    def rate(t: float) -> float:
        y = min(a0 * min(math.exp(g * t), p.efficiency_cap), cap)
        return y if y <= knee else knee * (y / knee) ** p.parallel_returns

    kinks = []
    if g > 0 and a0 > 0:
        kinks.append(math.log(p.efficiency_cap) / g)
        kinks += [math.log(level / a0) / g for level in (knee, cap) if a0 < level < math.inf]
    return rate, sorted(kinks)


def window(p: Params, months: float = HORIZON_MONTHS) -> float:
    """The window by hand: lead at the pause, catch-up with leaks, theft, the horizon."""
    lead = max(0.0, p.lead_s - p.caution_erosion * p.caution_period_s)
    x = p.leak_per_s * lead / p.catch_up
    catch_up = lead / p.catch_up * (math.log1p(x) / x if x > 0 else 1.0)
    theft = -math.log1p(-p.theft_quantile) / p.theft_per_s if p.theft_per_s > 0 else math.inf
    return min(catch_up, theft, months * M)


# --------------------------------------------------------------------------- monotonicity


@PROPERTY
@given(p=params(), more=st.floats(0.0, 24 * M))
def test_more_lead_never_gives_less_research(p: Params, more: float) -> None:
    longer = replace(p, lead_s=p.lead_s + more)
    out = research([p, longer])
    assert out[1] >= out[0] * (1 - SLACK)


@PROPERTY
@given(p=params(), factor=positive(1.0, 1e3))
def test_faster_catch_up_never_gives_more_research(p: Params, factor: float) -> None:
    faster = replace(p, catch_up=p.catch_up * factor)
    out = research([p, faster])
    assert out[1] <= out[0] * (1 + SLACK)


@PROPERTY
@given(p=params(theft=False), low=st.floats(0.0, 0.5 / M), more=positive(1e-6 / M, 1.0 / M))
def test_a_higher_theft_rate_never_gives_more_research(p: Params, low: float, more: float) -> None:
    # the same theft draw: a higher rate brings the theft forward
    rows = [replace(p, theft_per_s=low), replace(p, theft_per_s=low + more)]
    out = race(rows).values
    assert out["race.research"][1] <= out["race.research"][0] * (1 + SLACK)
    assert out["race.window"][1] <= out["race.window"][0]


@PROPERTY
@given(p=params())
def test_research_is_nondecreasing_over_months(p: Params) -> None:
    # weekly steps where the rate is integrated exactly; the smoothed cap is slower to step
    out = race([p], step_s=WEEK if p.smoothness is None else M)
    assert out.trajectories is not None
    path = out.trajectories[0]
    assert path[0] == 0.0
    assert np.all(np.diff(path) >= 0)
    assert path[-1] == out.values["race.research"][0]


# --------------------------------------------------------------------------- steps and bounds


@PROPERTY
@given(p=params(smooth=False))
def test_weekly_and_monthly_steps_agree(p: Params) -> None:
    monthly, weekly = race([p], M), race([p], WEEK)
    assert monthly.trajectories is not None and weekly.trajectories is not None
    # both are reported at month boundaries: the same columns
    np.testing.assert_allclose(weekly.trajectories, monthly.trajectories, rtol=REL, atol=0)
    for name in ("race.research", "race.window", "race.end_reason", "race.initial_rate"):
        np.testing.assert_allclose(weekly.values[name], monthly.values[name], rtol=REL, atol=0)
    assert weekly.cut == monthly.cut


@PROPERTY
@given(
    p=params(smooth=False, theft=False),
    doubling=positive(0.5 * M, 12 * M),
    cap=positive(2.0, 1000.0),
    returns=st.one_of(st.just(0.0), st.floats(1e-3, 0.99)),
    team=positive(10.0, 1e6),
)
def test_weekly_and_monthly_steps_agree_with_growth_and_returns(
    p: Params, doubling: float, cap: float, returns: float, team: float
) -> None:
    q = replace(
        p,
        doubling_s=doubling,
        efficiency_cap=cap,
        parallel_returns=returns,
        reference_team=team,
        lead_s=p.lead_s + M,
    )
    monthly, weekly = race([q], M), race([q], WEEK)
    assert monthly.trajectories is not None and weekly.trajectories is not None
    np.testing.assert_allclose(weekly.trajectories, monthly.trajectories, rtol=REL, atol=0)


@PROPERTY
@given(p=params())
def test_research_within_the_rate_bounds(p: Params) -> None:
    out = race([p]).values
    end = out["race.window"][0]
    total = out["race.research"][0]
    assert end == window(p) or math.isclose(end, window(p), rel_tol=REL)
    # the rate only grows: at least the initial rate, at most the uncapped labor after safety,
    # checkpoints, efficiency and review (diminishing returns only lower it)
    speed = out["race.serial_speed"][0]
    factor = speed / p.serial_speed
    top = p.safe_share * p.labor * factor * p.efficiency_cap
    if p.review_share > 0 and p.supervisors is not None and p.review_capacity is not None:
        top = min(top, p.supervisors * p.review_capacity / p.review_share)
    assert total <= end * top * (1 + SLACK)
    assert total >= end * out["race.initial_rate"][0] * (1 - SLACK)
    assert out["race.initial_rate"][0] <= p.safe_share * p.labor * factor * (1 + SLACK)
    assert factor <= 1.0


@PROPERTY
@given(p=params(smooth=False))
def test_research_is_the_integral_of_the_rate(p: Params) -> None:
    out = race([p]).values
    rate, kinks = hand_rate(p)
    end = out["race.window"][0]
    assume(end > 0)
    points = [k for k in kinks if 0 < k < end]
    expected, _ = integrate.quad(
        rate, 0.0, end, points=points or None, epsabs=0.0, epsrel=1e-13, limit=500
    )
    np.testing.assert_allclose(out["race.research"][0], expected, rtol=REL, atol=0)
    np.testing.assert_allclose(out["race.initial_rate"][0], rate(0.0), rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- the requirement


@SLOW
@given(p=params(), lead=LEAD, share=st.floats(0.01, 1.0))
def test_time_to_requirement_inverts_cumulative_research(
    p: Params, lead: float, share: float
) -> None:
    p = replace(p, lead_s=lead)
    total = research([p])[0]
    assume(total > 0)
    required = replace(p, required_rs=total * share)
    out = race([required]).values
    assert out["race.success"][0] == 1.0
    reached = out["race.time_to_requirement"][0]
    assert 0 < reached <= out["race.window"][0] * (1 + SLACK)
    # cut the race at that time: it has delivered the requirement
    assume(reached >= 1e-3 * M)  # a horizon of at least a small fraction of a step
    at = race([p], months=reached / M).values["race.research"][0]
    np.testing.assert_allclose(at, total * share, rtol=REL, atol=0)


@SLOW
@given(p=params(), lead=LEAD, factor=positive(1.0 + 1e-6, 1e3))
def test_a_requirement_beyond_the_research_fails(p: Params, lead: float, factor: float) -> None:
    p = replace(p, lead_s=lead)
    total = research([p])[0]
    assume(total > 0)
    out = race([replace(p, required_rs=total * factor)]).values
    assert out["race.success"][0] == 0.0
    assert out["race.time_to_requirement"][0] == math.inf


# --------------------------------------------------------------------------- the grid


@PROPERTY
@given(months=positive(1.0, 100.0), step_days=st.sampled_from([1.0, 7.0, 10.0, 30.0]))
def test_time_grid_has_every_month_boundary(months: float, step_days: float) -> None:
    times, record = race_model.time_grid(months * M, step_days * 86400.0, M)
    steps = np.diff(times)
    assert np.all(steps > 0)
    assert np.all(steps <= step_days * 86400.0 * (1 + SLACK))
    assert times[0] == 0.0 and times[-1] == months * M
    whole = math.floor(months * (1 - SLACK))
    np.testing.assert_array_equal(times[record][: whole + 1], np.arange(whole + 1) * M)
    assert record[-1] == times.size - 1


# --------------------------------------------------------------------------- through the api


API = settings(max_examples=25, deadline=None)


@API
@given(
    lead=st.floats(0.0, 30.0),
    c=positive(0.2, 5.0),
    leak=st.one_of(st.just(0.0), positive(1e-6, 0.5)),
    theta=st.one_of(st.just(0.0), positive(1e-4, 0.5)),
    draw=unit_interval(hi_open=True),
    months=st.floats(1.0, 36.0),
    step=st.sampled_from(["month", "week"]),
)
def test_api_window_and_research(
    lead: float, c: float, leak: float, theta: float, draw: float, months: float, step: str
) -> None:
    scenario = api.load_scenario(
        preset="essay",
        settings=[
            f"race.lead={lead!r} months",
            f"race.catch_up_speed={c!r}",
            f"race.leak_rate={leak!r}/month",
            f"race.theft_rate={theta!r}/month",
            f"race.theft_draw={draw!r}",
        ],
    )
    result = api.race(scenario, months=months, step=step, keep_trajectories=1)
    labor = result.value("static.labor")
    p = Params(
        labor=labor,
        serial_speed=5.0,
        lead_s=lead * M,
        catch_up=c,
        caution_period_s=0.0,
        caution_erosion=0.0,
        leak_per_s=leak / M,
        theft_per_s=theta / M,
        theft_quantile=draw,
        efficiency_cap=1.0,
        safe_share=1.0,
        checkpoint_latency_s=0.0,
        review_share=0.0,
        parallel_returns=1.0,
        reference_team=600.0,
        doubling_s=None,
        checkpoint_interval_rs=None,
        supervisors=None,
        review_capacity=None,
        smoothness=None,
    )
    expected = window(p, months)
    np.testing.assert_allclose(result.value("race.window"), expected, rtol=REL, atol=0)
    np.testing.assert_allclose(result.value("race.research"), labor * expected, rtol=REL, atol=0)
    assert result.trajectories[0, -1] == result.value("race.research")
    assert (result.cut == 1) == (result.value("race.end_reason") == race_model.HORIZON)


@API
@given(
    samples=st.integers(1, 300),
    keep=st.integers(0, 400),
    seed=st.integers(0, 2**32),
    chunk=st.integers(1, 500),
)
def test_api_prefix_and_chunks(samples: int, keep: int, seed: int, chunk: int) -> None:
    scenario = api.load_scenario(preset="race")
    whole = api.race(scenario, samples, seed, months=12, keep_trajectories=keep)
    chunked = api.race(scenario, samples, seed, months=12, keep_trajectories=keep, chunk_size=chunk)
    assert whole.trajectories.shape == (min(keep, samples), 13)
    np.testing.assert_array_equal(chunked.trajectories, whole.trajectories)
    for name, values in whole.values.items():
        np.testing.assert_array_equal(chunked.values[name], values, err_msg=name)
    if whole.trajectories.size:
        kept = whole.trajectories.shape[0]
        np.testing.assert_array_equal(
            whole.trajectories[:, -1], whole.values["race.research"][:kept]
        )
