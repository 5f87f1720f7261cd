"""Stage C: the lead, the pause and the race (SPEC §6), stepped over calendar time.

The lab pauses with a lead ``X`` (what is left of ``X_0`` after pre-pause caution) and turns
its AI onto alignment research until competitors catch up or the weights are stolen. Time is
stepped over calendar time, vectorized over samples; within each step the research rate is
integrated exactly where its form allows and the window's end is found inside its step.

Units: calendar seconds for time, researcher-seconds for research, researcher-seconds per
calendar second for rates of research, per second for the leak and theft rates. Every function
is pure; each mechanism's neutral value leaves the result of the simple model unchanged.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from alignment_runway.model.race_tasks import (
    Integrated,
    TaskRate,
    TasksSchedule,
    fastest_change,
    rate_kinks,
)
from alignment_runway.model.stage_d import TasksInputs
from alignment_runway.model.static import OutputSpec
from alignment_runway.units import RESEARCHER_YEAR_RS

__all__ = [
    "CATCH_UP",
    "HORIZON",
    "RACE_OUTPUTS",
    "THEFT",
    "RaceInputs",
    "RaceOutputs",
    "catch_up_window",
    "checkpoint_factor",
    "efficiency_growth_per_s",
    "labor_multiplier",
    "lead_at_pause",
    "race_model",
    "research_rate",
    "review_cap",
    "theft_time",
    "usable_labor",
]

Array = NDArray[np.float64]

#: Codes of ``race.end_reason``: why a sample's window ended.
CATCH_UP, THEFT, HORIZON = 0.0, 1.0, 2.0
#: Samples stepped at once inside ``race_model`` (small enough to stay in the CPU's cache).
_SLICE = 8192
#: Gauss–Legendre points per part under the smoothed review cap (no closed form there).
_GL_POINTS = 8
#: Most parts a piece of a step is cut into under the smoothed review cap.
_MAX_PARTS = 64
#: The longest part of the window's integral without efficiency growth, with tasks on (one
#: integral, not stepped by month).
_HALF_MONTH = 15 * 86400.0
#: Bisection steps locating the requirement's time under the smoothed review cap.
_BISECTIONS = 60


RACE_OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec(
        "race.lead_at_pause",
        "X",
        "C",
        "second",
        "month",
        "the lead left when the pause starts, after pre-pause caution",
    ),
    OutputSpec(
        "race.window",
        "t_end",
        "C",
        "second",
        "month",
        "the window: from the pause to catch-up, theft or the horizon",
    ),
    OutputSpec(
        "race.end_reason",
        "",
        "C",
        "",
        "",
        "why the window ended: 0 catch-up, 1 theft, 2 cut at the horizon",
    ),
    OutputSpec(
        "race.serial_speed",
        "w",
        "C",
        "researcher_second/s",
        "researcher_second/s",
        "one AI researcher's serial speed after human checkpoints",
    ),
    OutputSpec(
        "race.initial_rate",
        "r(0)",
        "C",
        "researcher_second/s",
        "researcher_month/month",
        "research rate when the window opens, after safety, checkpoints, review and "
        "diminishing returns",
    ),
    OutputSpec(
        "race.research",
        "R",
        "C",
        "researcher_second",
        "researcher_year",
        "research delivered in the window",
    ),
    OutputSpec(
        "race.field_years",
        "R/n_ref",
        "C",
        "",
        "",
        "research delivered, in field-years: the reference team each working a "
        "researcher-year (2,880 h)",
    ),
    OutputSpec(
        "race.efficiency_gain",
        "R/R₁",
        "C",
        "",
        "",
        "research with efficiency growth over research without it, in the same window "
        "(missing for an empty window or no research)",
    ),
    OutputSpec(
        "race.time_to_requirement",
        "t_W",
        "C",
        "second",
        "month",
        "time from the pause to deliver the required research (inf: not inside the window)",
    ),
    OutputSpec(
        "race.success",
        "",
        "C",
        "",
        "",
        "1 when the required research is delivered inside the window, else 0",
    ),
)


@dataclass(frozen=True)
class RaceInputs:
    """The race's inputs in canonical units, each a float array of the sample size.

    ``labor`` and ``serial_speed`` come from the static model (``L`` and ``v/σ``). Optional
    parameters are None when unset: no efficiency growth (``doubling_s``), no checkpoints
    (``checkpoint_interval_rs``), no review (``supervisors``, ``review_capacity``), a hard
    review cap (``smoothness``), no requirement (``required_rs``), Stage D off (``tasks``:
    research is then ``∫ r(t) dt``, else ``∫ Y(t) dt``, SPEC §7).
    """

    labor: Array
    serial_speed: Array
    lead_s: Array
    catch_up: Array
    caution_period_s: Array
    caution_erosion: Array
    leak_per_s: Array
    theft_per_s: Array
    theft_quantile: Array
    efficiency_cap: Array
    safe_share: Array
    checkpoint_latency_s: Array
    review_share: Array
    parallel_returns: Array
    reference_team: Array
    doubling_s: Array | None = None
    checkpoint_interval_rs: Array | None = None
    supervisors: Array | None = None
    review_capacity: Array | None = None
    smoothness: Array | None = None
    required_rs: Array | None = None
    tasks: TasksInputs | None = None


@dataclass(frozen=True)
class RaceOutputs:
    """The race's outputs: arrays by output name, trajectories and the samples cut.

    ``trajectories`` holds cumulative research (researcher-seconds) at each recorded time,
    one row per sample, when recording was asked for. ``cut`` counts samples whose window
    was longer than the horizon.
    """

    values: dict[str, Array]
    trajectories: Array | None
    cut: int


# --- the window -----------------------------------------------------------------------------


def lead_at_pause(lead_s: Array, erosion: Array, caution_period_s: Array) -> Array:
    """The lead when the pause starts, ``X = max(0, X_0 − e·P_pre)`` (SPEC §6).

    Pre-pause caution (safety work that slows capabilities) erodes the lead by ``e`` months
    per month for ``P_pre`` months; the essay lists this among its caveats.
    """
    return np.maximum(0.0, lead_s - erosion * caution_period_s)


def catch_up_window(lead_s: Array, catch_up: Array, leak_per_s: Array) -> Array:
    """Time until competitors catch up: ``dX/dt = −c − ℓ·X`` from ``X``, i.e. ``ln(1 + ℓX/c)/ℓ``.

    Computed as ``(X/c)·log1p(x)/x`` with ``x = ℓX/c``, which is stable as ``ℓ → 0`` and
    exactly ``X/c`` at ``ℓ = 0`` (no leaks; SPEC §6).
    """
    x = leak_per_s * lead_s / catch_up
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(x > 0, np.log1p(x) / np.where(x > 0, x, 1.0), 1.0)
    return lead_s / catch_up * ratio


def theft_time(quantile: Array, theft_per_s: Array) -> Array:
    """The sample's theft time: exponential with rate ``θ`` at quantile ``U``, ``−ln(1−U)/θ``.

    Infinite (no theft) where ``θ = 0``. ``U`` is an input like any other, so sensitivity
    analysis sees it.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -np.log1p(-quantile) / theft_per_s
    return np.where(theft_per_s > 0, t, np.inf)


# --- the research rate ----------------------------------------------------------------------


def checkpoint_factor(serial_speed: Array, interval_rs: Array | None, latency_s: Array) -> Array:
    """Share of calendar time an AI researcher works between human checkpoints.

    After every ``I`` researcher-seconds of serial work a checkpoint takes ``D`` calendar
    seconds, so serial speed ``v/σ`` becomes ``I/(I/(v/σ) + D) = (v/σ)·I/(I + D·v/σ)``
    (the essay's footnote on humans arbitrating AI work). 1 without checkpoints.
    """
    if interval_rs is None:
        return np.ones_like(serial_speed)
    return interval_rs / (interval_rs + latency_s * serial_speed)


def efficiency_growth_per_s(doubling_s: Array) -> Array:
    """Growth rate of the efficiency multiplier, ``g = ln 2 / T_d`` per second.

    ``2^(t/T_d) = e^(g t)``: the multiplier and the exact integral of the rate share this ``g``.
    """
    growth: Array = np.log(2.0) / doubling_s
    return growth


def labor_multiplier(t_s: Array, growth_per_s: Array, cap: Array) -> Array:
    """Efficiency gains during the window: ``m(t) = min(2^(t/T_d), m_max) = min(e^(g t), m_max)``.

    ``g`` is ``efficiency_growth_per_s(T_d)``, 0 without growth (``m = 1``: the cap is at
    least 1). The essay expects efficiency improvements to give 10–1000× more
    researcher-hours.
    """
    return np.minimum(np.exp(growth_per_s * t_s), cap)


def review_cap(supervisors: Array | None, capacity: Array | None, share: Array) -> Array:
    """Most AI labor human review lets through, ``n_sup·q/φ`` (infinite where ``φ = 0``)."""
    if supervisors is None or capacity is None:
        return np.full_like(share, np.inf)
    with np.errstate(divide="ignore"):
        return np.where(share > 0, supervisors * capacity / share, np.inf)


def usable_labor(labor: Array, cap: Array, smoothness: Array | None) -> Array:
    """Usable labor ``Y = min(A, cap)``, or smoothed ``(A^−κ + cap^−κ)^(−1/κ)``.

    The smoothed form is computed as ``small·(1 + (small/large)^κ)^(−1/κ)`` with ``small``
    and ``large`` the lesser and greater of ``A`` and the cap: the ratio is at most 1, so
    nothing overflows, whatever ``κ``.
    """
    if smoothness is None:
        return np.minimum(labor, cap)
    small, large = np.minimum(labor, cap), np.maximum(labor, cap)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        ratio = np.where(small > 0, small / large, 0.0)
        return small * (1.0 + ratio**smoothness) ** (-1.0 / smoothness)


def research_rate(usable: Array, speed: Array, reference_team: Array, returns: Array) -> Array:
    """Research rate with diminishing returns to parallel AI researchers.

    With ``n_eff = Y/w`` researchers of serial speed ``w``: ``w·n_eff = Y`` up to the
    reference team ``n_ref``, and ``w·n_ref·(n_eff/n_ref)^λ`` above it (λ = 1: no loss).
    """
    knee = speed * reference_team
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        above = knee * np.exp(returns * np.log(usable / knee))
    # λ = 1 leaves the rate exactly as it is; λ < 1 bends it above the knee
    return np.where((usable <= knee) | (returns == 1.0), usable, above)


# --- integration within steps ---------------------------------------------------------------


class _Schedule(Protocol):
    def advance(self, t: float) -> Array: ...


@dataclass(frozen=True)
class _RateParts:
    """What the rate depends on, per sample: ``r(t) = h(Y(a0·m(t)))``."""

    a0: Array  # usable-before-review labor at m = 1: s·L after checkpoints
    growth: Array  # ln 2 / T_d per second (0 without growth)
    cap_m: Array  # m_max
    review: Array  # n_sup·q/φ
    speed: Array  # w
    team: Array  # n_ref
    returns: Array  # λ
    smoothness: Array | None

    def take(self, index: NDArray[np.intp]) -> _RateParts:
        """The parts of the samples at ``index``."""
        return _subset(self, index)

    def rate(self, t: Array) -> Array:
        m = labor_multiplier(t, self.growth, self.cap_m)
        y = usable_labor(self.a0 * m, self.review, self.smoothness)
        return research_rate(y, self.speed, self.team, self.returns)


class _Exact:
    """The rate as up to three pieces, each exponential or constant: integrated exactly.

    With ``B(t) = a0·e^(g t)`` growing until it reaches ``Y_max = min(a0·m_max, cap)``, the
    rate is ``B`` until it reaches the knee ``w·n_ref`` (piece 1), then grows as ``B^λ``
    (piece 2) until ``B`` reaches ``Y_max``, then is constant (piece 3).
    """

    def __init__(self, p: _RateParts, end: Array) -> None:
        a0, g = p.a0, p.growth
        knee = p.speed * p.team
        grows = g > 0
        top = np.minimum(np.where(grows, a0 * p.cap_m, a0), p.review)
        live = a0 > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t_knee = np.where(grows & live & (a0 < knee), np.log(knee / a0) / g, 0.0)
            t_top = np.where(grows & live & (top > a0), np.log(top / a0) / g, 0.0)
        self.t1 = np.minimum(t_knee, t_top)
        self.t2 = t_top
        self.d2 = self.t2 - self.t1
        r2 = research_rate(np.maximum(a0, knee), p.speed, p.team, p.returns)
        self.r3 = np.where(live, research_rate(top, p.speed, p.team, p.returns), 0.0)
        lg = p.returns * g
        with np.errstate(divide="ignore", invalid="ignore"):
            self.c1 = np.where(grows & live, a0 / g, 0.0)
            self.c2 = np.where((lg > 0) & live, r2 / lg, 0.0)
        self.d2_linear = np.where((lg > 0) | ~live, 0.0, r2)
        self.g, self.lg, self.r1, self.r2 = g, lg, a0, r2
        self.any_growth = bool(np.any(grows & live))
        self.any_flat = bool(np.any(self.d2_linear))
        # stepping state: E = expm1(g t), P = expm1(λg t) at the last grid time, advanced by
        # recurrence (no transcendental per step), and their values where each piece stops
        self.end = end
        self.t_last = 0.0
        self.growth_e = np.zeros_like(a0)
        with np.errstate(over="ignore", invalid="ignore"):
            self.e1 = np.expm1(g * np.minimum(self.t1, end))
            self.p2 = np.expm1(lg * np.clip(np.minimum(end, self.t2) - self.t1, 0.0, None))
            # piece 2 advances from e^(−λg t1) − 1 at t = 0, so it reads e^(λg (t − t1)) − 1
            self.growth_p = np.expm1(-lg * self.t1)
        self.tail = np.maximum(end - self.t2, 0.0)
        self.piece = np.empty_like(a0)
        self.factors: dict[float, tuple[Array, Array, Array, Array]] = {}

    def cumulative(self, t: Array) -> Array:
        """``F(t) = ∫_0^t r``: ``(a0/g)(e^(g τ1) − 1) + (r2/λg)(e^(λg τ2) − 1) + r3·τ3``."""
        total = np.subtract(t, self.t2)
        np.maximum(total, 0.0, out=total)
        total *= self.r3
        if not self.any_growth:
            return total
        tau = np.minimum(t, self.t1)
        tau *= self.g
        np.expm1(tau, out=tau)
        tau *= self.c1
        total += tau
        tau = np.subtract(t, self.t1, out=tau)
        np.maximum(tau, 0.0, out=tau)
        np.minimum(tau, self.d2, out=tau)
        if self.any_flat:
            total += self.d2_linear * tau
        tau *= self.lg
        np.expm1(tau, out=tau)
        tau *= self.c2
        total += tau
        return total

    def advance(self, t: float) -> Array:
        """``F(min(t, end))`` at the next grid time ``t``, exact within the step.

        ``e^(g t) − 1`` and ``e^(λg t) − 1`` advance from the last grid time by
        ``E ← E·e^(gΔ) + (e^(gΔ) − 1)``, which has no cancellation, and each piece is cut where
        it stops or the window ends.
        """
        total = np.subtract(t, self.t2)  # time into piece 3, cut at the window's end
        np.maximum(total, 0.0, out=total)
        np.minimum(total, self.tail, out=total)
        total *= self.r3
        if not self.any_growth:
            return total
        q1, m1, q2, m2 = self._factors(t - self.t_last)
        self.t_last = t
        e, p, piece = self.growth_e, self.growth_p, self.piece
        e *= q1
        e += m1
        p *= q2  # e^(λg (t − t1)) − 1: negative before piece 2 starts
        p += m2
        np.minimum(e, self.e1, out=piece)
        piece *= self.c1
        total += piece
        np.maximum(p, 0.0, out=piece)
        np.minimum(piece, self.p2, out=piece)
        piece *= self.c2
        total += piece
        if self.any_flat:
            stop = np.minimum(t, self.end)
            total += self.d2_linear * np.clip(stop - self.t1, 0.0, self.d2)
        return total

    def _factors(self, dt: float) -> tuple[Array, Array, Array, Array]:
        """``e^(gΔ)``, ``e^(gΔ) − 1`` and the same for ``λg``, for a step of ``Δ`` seconds."""
        if dt not in self.factors:
            m1 = np.expm1(np.minimum(self.g * dt, 700.0))
            m2 = np.expm1(np.minimum(self.lg * dt, 700.0))
            self.factors[dt] = (1.0 + m1, m1, 1.0 + m2, m2)
        return self.factors[dt]

    def time_to(self, target: Array) -> Array:
        """The time ``F(t) = target``, inverting the piece it falls in (closed form)."""
        end1, end2 = self.cumulative(self.t1), self.cumulative(self.t2)
        with np.errstate(divide="ignore", invalid="ignore"):
            in1 = _invert_growth(target, self.c1, self.g)
            rest = target - end1
            in2 = self.t1 + np.where(
                self.lg > 0, _invert_growth(rest, self.c2, self.lg), rest / self.r2
            )
            in3 = self.t2 + (target - end2) / self.r3
        return np.where(target <= end1, in1, np.where(target <= end2, in2, in3))


def _invert_growth(target: Array, coefficient: Array, g: Array) -> Array:
    """``τ`` with ``coefficient·(e^(g τ) − 1) = target``: ``ln(1 + target/coefficient)/g``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log1p(target / coefficient) / g


class _Smoothed(Integrated):
    """The rate under a smoothed review cap: Gauss–Legendre within steps, split at the kinks.

    The rate is smooth between the kinks where the multiplier reaches ``m_max`` and where
    usable labor reaches the reference team; it bends fastest where labor meets the review
    cap, over about ``1/(κ g)`` of time. Each step is split at those three times and each
    piece into parts no longer than about ``1/(κ g)`` (at most ``_MAX_PARTS``), with an
    8-node rule on each part.
    """

    def __init__(self, p: _RateParts, end: Array) -> None:
        self.p = p
        self.end = end
        grows = p.growth > 0
        knee = p.speed * p.team
        kappa = p.smoothness if p.smoothness is not None else np.ones_like(p.a0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t_cap = np.where(grows, np.log(p.cap_m) / p.growth, 0.0)
            inner = 1.0 - (knee / p.review) ** kappa
            a_knee = np.where(inner > 0, knee * inner ** (-1.0 / kappa), np.inf)
            t_knee = np.where(
                grows & (a_knee > p.a0) & np.isfinite(a_knee),
                np.log(a_knee / p.a0) / p.growth,
                0.0,
            )
            t_review = np.where(
                grows & (p.review > p.a0) & np.isfinite(p.review),
                np.log(p.review / p.a0) / p.growth,
                0.0,
            )
        self.kinks = np.sort(np.stack([t_cap, t_knee, t_review]), axis=0)
        self.bend = float(np.max(kappa * p.growth, initial=0.0))  # 1 / the bend's duration
        self.t = np.zeros_like(p.a0)
        self.total = np.zeros_like(p.a0)

    def integral(self, a: Array, b: Array) -> Array:
        """``∫_a^b r`` per sample."""
        cuts = (a, *(np.clip(k, a, b) for k in self.kinks), b)
        longest = float(np.max(b - a, initial=0.0))
        parts = int(min(max(np.ceil(self.bend * longest), 1), _MAX_PARTS))
        total = np.zeros_like(a)
        for lo, hi in itertools.pairwise(cuts):
            width = (hi - lo) / parts
            for k in range(parts):
                start = lo + k * width
                half, mid = width / 2, start + width / 2
                for node, weight in zip(*_gauss_legendre(), strict=True):
                    total += weight * half * self.p.rate(mid + half * node)
        return total

    def time_to(self, target: Array, lo: Array, hi: Array, at_lo: Array) -> Array:
        """The time in [lo, hi] where ``at_lo + ∫_lo^t r`` reaches ``target``, by bisection."""
        a, b = lo.copy(), hi.copy()
        for _ in range(_BISECTIONS):
            mid = (a + b) / 2
            below = at_lo + self.integral(lo, mid) < target
            a, b = np.where(below, mid, a), np.where(below, b, mid)
        return (a + b) / 2


@functools.cache
def _gauss_legendre() -> tuple[Array, Array]:
    """Gauss–Legendre nodes and weights on [-1, 1] (numpy.polynomial, imported when needed)."""
    from numpy.polynomial import legendre

    nodes, weights = legendre.leggauss(_GL_POINTS)
    return nodes, weights


def _subset(p: _RateParts, mask: NDArray[np.bool_] | NDArray[np.intp]) -> _RateParts:
    return _RateParts(
        p.a0[mask],
        p.growth[mask],
        p.cap_m[mask],
        p.review[mask],
        p.speed[mask],
        p.team[mask],
        p.returns[mask],
        None if p.smoothness is None else p.smoothness[mask],
    )


# --- the stepper ----------------------------------------------------------------------------


def race_model(
    x: RaceInputs,
    grid_s: Array,
    record: NDArray[np.intp] | None = None,
) -> RaceOutputs:
    """Step the race over calendar time on arrays of samples (SPEC §6).

    Args:
        x: the inputs.
        grid_s: step boundaries in calendar seconds, from 0 to the horizon (increasing).
        record: indices into ``grid_s`` of the times at which to record cumulative research
            (one column each in ``trajectories``); None records nothing.

    Returns:
        Per-sample outputs (``race.*``), the recorded trajectories and the samples cut.
    """
    n = x.labor.size
    parts = [
        _race_slice(_slice_inputs(x, lo, min(lo + _SLICE, n)), grid_s, record)
        for lo in range(0, n, _SLICE)
    ] or [_race_slice(x, grid_s, record)]
    values = {k: np.concatenate([p.values[k] for p in parts]) for k in parts[0].values}
    trajectories = None
    if record is not None:
        trajectories = np.concatenate([p.trajectories for p in parts if p.trajectories is not None])
    return RaceOutputs(values, trajectories, sum(p.cut for p in parts))


def _slice_inputs(x: RaceInputs, lo: int, hi: int) -> RaceInputs:
    fields: dict[str, Any] = {
        name: None if value is None else value[lo:hi]
        for name, value in vars(x).items()
        if name != "tasks"
    }
    if x.tasks is not None:
        fields["tasks"] = TasksInputs(**{k: v[lo:hi] for k, v in vars(x.tasks).items()})
    return RaceInputs(**fields)


def _race_slice(x: RaceInputs, grid: Array, record: NDArray[np.intp] | None) -> RaceOutputs:
    horizon = float(grid[-1])
    lead = lead_at_pause(x.lead_s, x.caution_erosion, x.caution_period_s)
    catch_up = catch_up_window(lead, x.catch_up, x.leak_per_s)
    theft = theft_time(x.theft_quantile, x.theft_per_s)
    window = np.minimum(catch_up, theft)
    end = np.minimum(window, horizon)
    reason = np.where(theft < catch_up, THEFT, CATCH_UP)
    reason = np.where(window > horizon, HORIZON, reason)
    cut = int(np.count_nonzero(window > horizon))

    factor = checkpoint_factor(x.serial_speed, x.checkpoint_interval_rs, x.checkpoint_latency_s)
    speed = x.serial_speed * factor
    growth = (
        np.zeros_like(x.labor) if x.doubling_s is None else efficiency_growth_per_s(x.doubling_s)
    )
    parts = _RateParts(
        a0=x.safe_share * x.labor * factor,
        growth=growth,
        cap_m=x.efficiency_cap,
        review=review_cap(x.supervisors, x.review_capacity, x.review_share),
        speed=speed,
        team=x.reference_team,
        returns=x.parallel_returns,
        smoothness=x.smoothness,
    )
    task_rate = None if x.tasks is None else _task_rate(parts, x.tasks)
    exact = x.smoothness is None and task_rate is None
    schedule: _Schedule
    if task_rate is not None and x.tasks is not None:
        schedule = TasksSchedule(task_rate, _kinks(parts), _speed(parts, x.tasks), end)
    else:
        schedule = _Exact(parts, end) if exact else _Smoothed(parts, end)

    research = np.zeros_like(end)
    previous = np.zeros_like(end)
    target = x.required_rs
    # under the smoothed cap, the step in which research reaches the target is found while
    # stepping and the time inside it by bisection; otherwise the closed form inverts it
    crossing = None if target is None or exact else np.full(end.size, -1, dtype=np.intp)
    at_crossing = np.zeros_like(end)
    trajectories = None if record is None else np.zeros((end.size, record.size))
    column = {int(k): j for j, k in enumerate(record)} if record is not None else {}
    latest = float(end.max()) if end.size else 0.0
    step_research = np.empty_like(end)
    for k in range(1, len(grid)):
        now = schedule.advance(float(grid[k]))
        before = research.copy() if crossing is not None else research
        np.subtract(now, previous, out=step_research)
        research += step_research  # the research of step k, added to the total
        previous = now
        if crossing is not None and target is not None:
            crossed = (research >= target) & (before < target)
            crossing[crossed] = k
            at_crossing[crossed] = before[crossed]
        if trajectories is not None and k in column:
            trajectories[:, column[k]] = research
        if grid[k] >= latest:
            if trajectories is not None:  # the windows have ended: research stays put
                for later, j in column.items():
                    if later > k:
                        trajectories[:, j] = research
            break

    start = np.zeros_like(end)
    values = {
        "race.lead_at_pause": lead,
        "race.window": end,
        "race.end_reason": reason,
        "race.serial_speed": speed,
        "race.initial_rate": parts.rate(start) if task_rate is None else task_rate(start)[0],
        "race.research": research,
        "race.field_years": research / (x.reference_team * RESEARCHER_YEAR_RS),
        "race.efficiency_gain": _efficiency_gain(parts, x.tasks, research, end),
    }
    if target is not None:
        success = research >= target
        reached = np.full_like(end, np.inf)
        if isinstance(schedule, _Exact):
            found = np.clip(schedule.time_to(target), 0.0, end)
            reached[success] = found[success]
        elif crossing is not None:
            reached = _bisect_crossings(parts, x.tasks, grid, end, target, crossing, at_crossing)
        values["race.time_to_requirement"] = reached
        values["race.success"] = success.astype(np.float64)
    return RaceOutputs(values, trajectories, cut)


def _bisect_crossings(
    parts: _RateParts,
    task_inputs: TasksInputs | None,
    grid: Array,
    end: Array,
    target: Array,
    crossing: NDArray[np.intp],
    at_crossing: Array,
) -> Array:
    """Times the target was reached, inside each sample's crossing step (inf: never).

    Bisection under the smoothed review cap; safeguarded Newton with tasks on (SPEC §7).
    """
    reached = np.full_like(end, np.inf)
    mask = crossing > 0
    if np.any(mask):
        k = crossing[mask]
        lo = np.minimum(grid[k - 1], end[mask])
        hi = np.minimum(grid[k], end[mask])
        sub_parts = _subset(parts, mask)
        sub: _Smoothed | TasksSchedule
        if task_inputs is None:
            sub = _Smoothed(sub_parts, end[mask])
        else:
            sub_tasks = TasksInputs(**{n: v[mask] for n, v in vars(task_inputs).items()})
            rate = _task_rate(sub_parts, sub_tasks)
            sub = TasksSchedule(rate, _kinks(sub_parts), _speed(sub_parts, sub_tasks), end[mask])
        reached[mask] = sub.time_to(target[mask], lo, hi, at_crossing[mask])
    return reached


# --- tasks automated one at a time (SPEC §7) ------------------------------------------------


def _task_rate(p: _RateParts, x: TasksInputs) -> TaskRate:
    """``Y(t)`` with the race's rate ``r(t)`` as the AI term ``r_AI(t)``."""
    return TaskRate.of(p, x)


def _kinks(p: _RateParts) -> Array:
    """Times where ``r(t)`` bends (see ``race_tasks.rate_kinks``)."""
    return rate_kinks(p.a0, p.growth, p.cap_m, p.review, p.speed * p.team, p.smoothness)


def _speed(p: _RateParts, x: TasksInputs) -> Array:
    """The fastest relative change of ``Y`` (see ``race_tasks.fastest_change``)."""
    return fastest_change(p.growth, p.smoothness, x.automation_rate)


def _efficiency_gain(
    p: _RateParts, task_inputs: TasksInputs | None, research: Array, end: Array
) -> Array:
    """Research with the efficiency multiplier ``m(t)`` over research with ``m = 1`` (SPEC §7).

    Over the same window; exactly 1 without growth, NaN (missing) when there is nothing to
    compare: an empty window, or no research without growth. Without tasks the rate at
    ``m = 1`` is constant, ``r(0)``; with tasks ``Y`` still moves with ``a(t)`` and is
    integrated.
    """
    grows = (p.growth > 0) & (p.cap_m > 1)
    if p.smoothness is None:  # review already caps the labor: growth changes nothing
        grows &= p.a0 < p.review
    if task_inputs is None:
        flat = p.rate(np.zeros_like(end)) * end  # with m = 1 the rate is constant
    elif np.any(grows):
        still = _RateParts(
            p.a0, np.zeros_like(p.a0), p.cap_m, p.review, p.speed, p.team, p.returns, p.smoothness
        )
        index = np.flatnonzero(grows)
        rate = _task_rate(still, task_inputs).take(index)
        schedule = TasksSchedule(  # one integral over the window: parts of half a month
            rate,
            np.zeros((0, index.size)),
            task_inputs.automation_rate[index],
            end[index],
            _HALF_MONTH,
        )
        flat = research.copy()
        flat[index] = schedule.integral(np.zeros(index.size), end[index])
    else:
        flat = research
    present = (end > 0) & (flat > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = research / flat
    return np.where(present, np.where(grows, gain, 1.0), np.nan)


# --- the time grid --------------------------------------------------------------------------


def time_grid(horizon_s: float, step_s: float, period_s: float) -> tuple[Array, NDArray[np.intp]]:
    """Step boundaries from 0 to the horizon, and the indices of the reporting times.

    Steps of ``step_s`` restart at every reporting period (``period_s``, a month), so each
    period ends on a boundary, with a last partial step where the step does not divide it;
    the horizon ends the grid, as a partial period if need be. Reporting times are every
    period boundary and the horizon.
    """
    times: list[float] = [0.0]
    record = [0]
    start = 0.0
    while start < horizon_s:
        stop = min(start + period_s, horizon_s)
        t = start + step_s
        while t < stop * (1 - 1e-12):
            times.append(t)
            t += step_s
        times.append(stop)
        record.append(len(times) - 1)
        start = stop
    return np.asarray(times, dtype=np.float64), np.asarray(record, dtype=np.intp)
