"""Stage D: tasks automated one at a time (SPEC §7).

After the essay's footnote 11: alignment research is a continuum of tasks ``q ∈ (0, 1)`` of
equal weight, combined by a CES aggregate with elasticity of substitution ``ε`` (``ρ = (ε−1)/ε``),
the task-based form of Davidson (2023), "What a compute-centric framework says about takeoff
speeds". Task ``q`` costs the AI ``τ(q) = τ·exp(s_τ·Φ⁻¹(q))`` tokens per researcher-second; the
AI can do the cheapest share ``a`` of tasks, humans any task.

Units: researcher-seconds per calendar second for labor and research rates, tokens per
researcher-second for costs, shares and ``ε`` are plain numbers. Every function is pure and
vectorized (inputs broadcast against each other). Everything that can overflow is computed in
log space; a missing value (NaN) appears only where SPEC §7 says it does, never from overflow.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alignment_runway._typing import Num, same_kind
from alignment_runway.distributions import Z90
from alignment_runway.units import CALENDAR_YEAR_S, RESEARCHER_YEAR_RS

__all__ = [
    "TasksOutputs",
    "automated_share_at",
    "cost_sigma",
    "effective_cost",
    "human_labor",
    "optimal_allocation",
    "research_rate",
    "tasks_outputs",
]

Array = NDArray[np.float64]
Mask = NDArray[np.bool_]

#: Below this ``|k| = |1 − ε|`` the effective cost uses its series in ``k`` (SPEC §7): there
#: the direct form loses about ``1e-16/|k|`` to cancellation, and the series' first omitted
#: term is of order ``k⁴``.
_K_SERIES = 1e-4
#: ``ln √(2π)``, for the log of the standard normal density.
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: Largest ``x`` with ``exp(x)`` finite in double precision.
_LOG_MAX = math.log(np.finfo(np.float64).max)
#: The solve works in log-odds ``t = ln(a'/(1 − a'))``, inside ``[−_T_LIMIT, _T_LIMIT]``
#: (shares from about 1e-304 to 1 − 1e-304, all normal floats).
_T_LIMIT = 700.0
#: The solve stops when its step, or its bracket, is below this in ``t`` (relative to
#: ``max(1, |t|)``); the research rate is then within about 1e-12 of its maximum.
_T_TOL = 1e-12
#: At most this many safeguarded Newton steps (bisection alone needs about 60).
_MAX_STEPS = 200


@functools.cache
def _special() -> Any:
    """scipy.special, imported on first use (it is slow to import)."""
    import scipy.special

    return scipy.special


# --- inputs ---------------------------------------------------------------------------------


def cost_sigma(cost_spread: Num) -> Num:
    """Spread of log task costs, ``s_τ = ln(cost_spread) / (2·Φ⁻¹(0.95))``.

    ``cost_spread`` is the ratio of the 95th to the 5th percentile of task costs (1: every task
    costs ``τ``, so ``s_τ = 0``); the same convention as an "a to b" range (SPEC §5, §7).
    """
    return cast(Num, same_kind(np.log(cost_spread) / (2.0 * Z90)))


def human_labor(n_humans: Num) -> Num:
    """Human labor ``H = n_h · researcher_year / year`` (researcher-seconds per calendar second).

    A field of ``n_h`` researchers each working a researcher-year (2,880 h) per calendar year:
    the convention of field-years, so the reference team alone delivers one field-year per year
    (SPEC §6, §7).
    """
    return cast(Num, same_kind(n_humans * (RESEARCHER_YEAR_RS / CALENDAR_YEAR_S)))


def automated_share_at(a0: ArrayLike, rate_per_s: ArrayLike, t_s: ArrayLike) -> Array:
    """Share of tasks automated at time ``t``: ``1 − (1 − a_0)·e^(−g_a t)`` (SPEC §7).

    Computed as ``a_0 − (1 − a_0)·expm1(−g_a t)``, so with ``g_a = 0`` (off) the share stays
    exactly ``a_0``.

    Args:
        a0: the automated share at the pause.
        rate_per_s: the hazard ``g_a`` at which the rest is automated, per second.
        t_s: calendar seconds since the pause.
    """
    a0 = np.asarray(a0, dtype=np.float64)
    decay = np.expm1(-np.asarray(rate_per_s, dtype=np.float64) * np.asarray(t_s, np.float64))
    return np.asarray(a0 - (1.0 - a0) * decay, dtype=np.float64)


# --- the effective cost ---------------------------------------------------------------------


def _k_rho(epsilon: Array) -> tuple[Array, Array]:
    """``k = 1 − ε`` and ``ρ = (ε − 1)/ε`` (``−∞`` at ``ε = 0``)."""
    k = 1.0 - epsilon
    positive = epsilon > 0
    rho = np.where(positive, -k / np.where(positive, epsilon, 1.0), -np.inf)
    return k, rho


def _log_relative_cost(z: Array, s: Array, k: Array) -> Array:
    """``λ = ln(τ_A/τ)`` over the cheapest share ``a' = Φ(z)``; ``z = +∞`` is ``a' = 1``.

    ``λ = k s²/2 + (ln Φ(z − k s) − ln Φ(z))/k``; for ``|k| < _K_SERIES`` its Taylor series
    ``λ = k s²/2 − s h₁ + k s² h₂/2 − k² s³ h₃/6 + k³ s⁴ h₄/24`` with ``hₙ`` the derivatives of
    ``ln Φ`` at ``z``: ``h₁ = m = φ/Φ``, ``h₂ = −m u``, ``h₃ = m(u² + m u − 1)``,
    ``h₄ = m(3u + m − u³ − 4m u² − m² u)``, ``u = z + m``.
    """
    sp = _special()
    top = np.isposinf(z)
    zf = np.where(top, 0.0, z)
    log_cdf = sp.log_ndtr(zf)
    series = np.abs(k) < _K_SERIES
    k_direct = np.where(series, 1.0, k)
    direct = (sp.log_ndtr(zf - k_direct * s) - log_cdf) / k_direct
    if np.any(series):  # the series, where it is used (m: the inverse Mills ratio φ(z)/Φ(z))
        m = np.exp(-0.5 * zf * zf - _LOG_SQRT_2PI - log_cdf)
        u = zf + m
        h2 = -m * u
        h3 = m * (u * u + m * u - 1.0)
        h4 = m * (3.0 * u + m - u**3 - 4.0 * m * u * u - m * m * u)
        ks = k * s
        near = s * (-m + ks * (h2 / 2.0 + ks * (-h3 / 6.0 + ks * h4 / 24.0)))
        direct = np.where(series, near, direct)
    lam = 0.5 * k * s * s + direct
    return np.asarray(np.where(top, 0.5 * k * s * s, lam), dtype=np.float64)


def effective_cost(tau: ArrayLike, s: ArrayLike, share: ArrayLike, epsilon: ArrayLike) -> Array:
    """The AI's effective cost over the cheapest share ``a'`` of tasks (tokens per researcher-s).

    The power mean with exponent ``k = 1 − ε`` of the task costs ``τ(q) = τ·e^(s·Φ⁻¹(q))`` over
    ``q < a'`` (what optimally spread tokens cost per unit of CES output, SPEC §7):

        τ_A(a') = τ · (e^(k² s²/2) · Φ(Φ⁻¹(a') − k s) / a')^(1/k),

    with the limit ``τ·exp(−s·φ(Φ⁻¹(a'))/a')`` (the geometric mean) at ``ε = 1`` and
    ``τ·e^(s²/2)`` (the arithmetic mean of the lognormal) at ``a' = 1``, ``ε → 0``. Computed in
    log space with ``ln Φ``, and by a series in ``k`` for ``|k| < 1e-4``, so it is smooth across
    ``ε = 1``; exactly ``τ`` at ``s = 0``. Large ``ε`` drives it towards the cheapest task's
    cost, 0: it may underflow to 0 where its true value is below the float range.

    Args:
        tau: the median task's cost ``τ`` (tokens per researcher-second).
        s: the spread of log task costs, ``s_τ`` (see `cost_sigma`).
        share: the share ``a'`` of tasks, cheapest first, in ``[0, 1]``.
        epsilon: the elasticity of substitution between tasks, ``ε ≥ 0``.

    Returns:
        ``τ_A(a')``; NaN (missing) at ``a' = 0``, where it is undefined.
    """
    tau_, s_, a, eps = np.broadcast_arrays(
        *(np.asarray(x, np.float64) for x in (tau, s, share, epsilon))
    )
    k, _ = _k_rho(eps)
    present = a > 0
    z = _special().ndtri(np.where(present, a, 0.5))
    lam = _log_relative_cost(z, s_, k)
    with np.errstate(over="ignore", under="ignore"):  # beyond the float range: inf or 0
        cost = tau_ * np.exp(lam)
    return np.asarray(np.where(present, cost, np.nan), dtype=np.float64)


# --- the CES aggregate ----------------------------------------------------------------------


def _log(x: Array) -> Array:
    """``ln x``, with ``ln 0 = −∞`` and no warning."""
    positive = x > 0
    return np.where(positive, np.log(np.where(positive, x, 1.0)), -np.inf)


def _exp(x: Array) -> Array:
    """``e^x``: 0 below the float range and ``+∞`` above it, with no warning."""
    with np.errstate(under="ignore"):
        y = np.exp(np.minimum(x, _LOG_MAX))
    return np.where(x > _LOG_MAX, np.inf, y)


def _log_power_mean(l1: Array, l2: Array, w1: Array, w2: Array, rho: Array) -> Array:
    """Log of the weighted ρ-power mean ``(w₁ e^(ρ l₁) + w₂ e^(ρ l₂))^(1/ρ)`` (``w₁ + w₂ = 1``).

    Written around the reference value ``l_r`` (the smaller of ``l₁, l₂`` when ``ρ < 0``, the
    larger when ``ρ > 0``) as ``l_r + log1p(w_o·expm1(ρ(l_o − l_r)))/ρ``, where ``ρ(l_o − l_r)``
    is never positive, so nothing overflows whatever ``ρ``. ``ρ = 0`` is the weighted geometric
    mean ``l_r + w_o(l_o − l_r)``, ``ρ = −∞`` the minimum. ``l = −∞`` (no labor) gives ``−∞``
    when ``ρ ≤ 0`` and drops out when ``ρ > 0``; a zero weight drops its term.
    """
    negative = rho < 0
    first_is_ref = np.where(negative, l1 <= l2, l1 >= l2)
    l_ref = np.where(first_is_ref, l1, l2)
    l_oth = np.where(first_is_ref, l2, l1)
    w_oth = np.where(first_is_ref, w2, w1)
    finite = np.isfinite(l_ref)
    weighted = (w1 > 0) & (w2 > 0)
    ordinary = np.isfinite(rho) & (rho != 0)
    # safe stand-ins where another branch decides, so no branch warns
    l_ref_s = np.where(finite, l_ref, 0.0)
    l_oth_s = np.where(finite, l_oth, 0.0)
    w_oth_s = np.where(weighted, w_oth, 0.5)
    w_ref_s = np.where(weighted, np.where(first_is_ref, w1, w2), 0.5)
    rho_s = np.where(ordinary, rho, np.where(negative, -1.0, 1.0))
    d = rho_s * (l_oth_s - l_ref_s)
    change = w_oth_s * np.expm1(d)  # in [−w_o, 0]
    with np.errstate(under="ignore"):
        total = w_ref_s + w_oth_s * np.exp(d)  # the same, 1 + change, as a sum
    small = change > -0.5
    log_sum = np.where(
        small, np.log1p(np.where(small, change, 0.0)), np.log(np.where(small, 1.0, total))
    )
    general = l_ref_s + log_sum / rho_s
    geometric = l_ref_s + w_oth_s * (l_oth_s - l_ref_s)
    out = np.where(ordinary, general, np.where(rho == 0, geometric, l_ref_s))
    out = np.where(finite, out, -np.inf)
    return np.asarray(np.where(w1 <= 0, l2, np.where(w2 <= 0, l1, out)), dtype=np.float64)


def research_rate(
    ai_labor: ArrayLike, human: ArrayLike, share: ArrayLike, epsilon: ArrayLike
) -> Array:
    """The CES research rate with the AI on the share ``a'`` of tasks and humans on the rest.

    ``Y = (a'^(1−ρ)·L_A^ρ + (1−a')^(1−ρ)·H^ρ)^(1/ρ)`` with ``ρ = (ε − 1)/ε`` (Davidson 2023's
    task-based CES; SPEC §7): the ρ-power mean of ``L_A/a'`` (weight ``a'``) and ``H/(1 − a')``
    (weight ``1 − a'``). At ``ε = 1`` it is ``(L_A/a')^a'·(H/(1−a'))^(1−a')`` (Cobb–Douglas), as
    ``ε → 0`` ``min(L_A/a', H/(1−a'))`` (Leontief; used at ``ε = 0``). Computed in log space,
    so neither a tiny ``ε`` (``ρ → −∞``) nor a large one overflows; a value beyond the float
    range is ``+∞``.

    Exactly ``H`` at ``a' = 0`` and ``L_A`` at ``a' = 1``; 0 when ``H = 0``, ``a' < 1`` and
    ``ε ≤ 1`` (nobody does the remaining tasks, which are complements).

    Args:
        ai_labor: the AI's labor ``L_A`` in effect on its tasks (researcher-s per calendar s):
            ``r_AI·τ/τ_A(a')`` with the AI's tokens spread optimally.
        human: human labor ``H`` (researcher-s per calendar s).
        share: the AI's share of tasks ``a'``, in ``[0, 1]``.
        epsilon: the elasticity of substitution between tasks, ``ε ≥ 0``.
    """
    lab, h, a, eps = np.broadcast_arrays(
        *(np.asarray(x, np.float64) for x in (ai_labor, human, share, epsilon))
    )
    _, rho = _k_rho(eps)
    inside = (a > 0) & (a < 1)
    a_s = np.where(inside, a, 0.5)
    l1 = _log(lab) - np.log(a_s)
    l2 = _log(h) - np.log1p(-a_s)
    y = _exp(_log_power_mean(l1, l2, a_s, 1.0 - a_s, rho))
    return np.asarray(np.where(a <= 0, h, np.where(a >= 1, lab, y)), dtype=np.float64)


# --- the allocation -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Share:
    """A share ``a'`` of tasks with what the solve needs of it, each to full precision.

    ``alpha = a'``, ``beta = 1 − a'``, their logs, the log-odds ``t`` and ``z = Φ⁻¹(a')``.
    """

    alpha: Array
    beta: Array
    log_alpha: Array
    log_beta: Array
    t: Array
    z: Array

    @classmethod
    def from_t(cls, t: Array) -> _Share:
        """The share with log-odds ``t`` (finite): ``a' = 1/(1 + e^(−t))``."""
        e = np.exp(-np.abs(t))
        up = t >= 0
        alpha = np.where(up, 1.0, e) / (1.0 + e)
        beta = np.where(up, e, 1.0) / (1.0 + e)
        log_alpha = np.minimum(t, 0.0) - np.log1p(e)
        sp = _special()
        z = np.where(up, -sp.ndtri(beta), sp.ndtri(alpha))
        return cls(alpha, beta, log_alpha, log_alpha - t, t, z)

    def subset(self, index: NDArray[np.intp]) -> _Share:
        """The shares at ``index``."""
        return _Share(
            *(
                x[index]
                for x in (self.alpha, self.beta, self.log_alpha, self.log_beta, self.t, self.z)
            )
        )

    @classmethod
    def from_share(cls, a: Array) -> _Share:
        """The share ``a' ∈ (0, 1]`` itself (``t = z = +∞`` at ``a' = 1``)."""
        log_alpha = np.log(a)
        log_beta = _log(1.0 - a)
        z = _special().ndtri(a)
        return cls(a, 1.0 - a, log_alpha, log_beta, log_alpha - log_beta, z)


@dataclass(frozen=True)
class _Problem:
    """The parameters of the solve, flattened to the samples being solved.

    ``c = ln(r_AI/H)``, ``s = s_τ``, ``k = 1 − ε``, ``eps = ε``, ``rho = ρ``.
    """

    c: Array
    s: Array
    k: Array
    eps: Array
    rho: Array

    def subset(self, index: NDArray[np.intp]) -> _Problem:
        """The problem restricted to ``index``."""
        return _Problem(*(x[index] for x in (self.c, self.s, self.k, self.eps, self.rho)))

    def log_rate(self, x: _Share, lam: Array) -> Array:
        """``ln(Y/H)`` at the share ``x``, given ``λ = ln(τ_A/τ)`` there."""
        l1 = self.c - lam - x.log_alpha
        return _log_power_mean(l1, -x.log_beta, x.alpha, x.beta, self.rho)

    def gap(self, x: _Share) -> tuple[Array, Array, Array]:
        """The marginal gap ``G``, its derivative in ``t`` and ``λ`` at ``x`` (finite ``t``).

        ``G = ln(r_AI/H) − t − ε s z − k λ``, which has the sign of ``d ln Y/da'``, and
        ``dG/dt = −(a' + (1 − a') w) − ε s a'(1 − a')/φ(z) < 0`` with ``w = e^(k(s z − λ))``
        (see `optimal_allocation`).
        """
        lam = _log_relative_cost(x.z, self.s, self.k)
        with np.errstate(over="ignore", under="ignore"):
            w = np.exp(self.k * (self.s * x.z - lam))
            dz_dt = np.exp(x.log_alpha + x.log_beta + 0.5 * x.z * x.z + _LOG_SQRT_2PI)
        g = self.c - x.t - self.eps * self.s * x.z - self.k * lam
        dg = -(x.alpha + x.beta * w) - self.eps * self.s * dz_dt
        return g, dg, lam


def _solve(problem: _Problem, lo: Array, hi: Array, hi_known: Mask, t0: Array) -> Array:
    """The log-odds ``t ∈ (lo, hi)`` where the gap ``G`` vanishes, starting from ``t0``.

    ``G`` falls with ``t``: it is positive towards ``lo`` and negative towards ``hi`` (an
    evaluated point where ``hi_known``). Safeguarded Newton, vectorized (after Press et al.,
    Numerical Recipes, ``rtsafe``): each evaluation narrows the bracket; a Newton step is taken
    when it stays inside the bracket and at most halves the step before last; otherwise the
    bracket is bisected towards an evaluated end, and towards a limit that is not one the solve
    walks in doubling steps (at least the Newton step), as far as the limit. Samples stop as
    they converge, or at a limit where ``G`` still points beyond it.
    """
    t, lo, hi = t0.copy(), lo.copy(), hi.copy()
    known_lo, known_hi = np.zeros(t.size, dtype=bool), hi_known.copy()
    step_old, step = np.full(t.size, np.inf), np.full(t.size, 0.5)
    todo = np.arange(t.size)
    g, dg, _ = problem.gap(_Share.from_t(t))
    for _ in range(_MAX_STEPS):
        ti = t[todo]
        up, down = g > 0, g < 0
        loi, hii = np.where(up, ti, lo[todo]), np.where(down, ti, hi[todo])
        lo[todo], hi[todo] = loi, hii
        known_lo[todo] |= up
        known_hi[todo] |= down
        usable = np.isfinite(dg) & (dg < 0)
        newton = -g / np.where(usable, dg, -1.0)
        scale = _T_TOL * np.maximum(1.0, np.abs(ti))
        small = usable & (np.abs(newton) <= scale)
        # the root may lie beyond the limits of t (then Y is flat there to rounding)
        pinned = (up & (ti <= -_T_LIMIT)) | (down & (ti >= _T_LIMIT))
        settled = small | (g == 0) | (hii - loi <= scale) | pinned
        ok = (
            usable
            & (ti + newton > loi)
            & (ti + newton < hii)
            & (2.0 * np.abs(newton) <= np.abs(step_old[todo]))
        )
        stride = np.maximum(2.0 * np.abs(step[todo]), np.where(usable, np.abs(newton), 1.0))
        walk = np.where(up, np.minimum(stride, hii - ti), -np.minimum(stride, ti - loi))
        bisect = 0.5 * (loi + hii) - ti
        fallback = np.where(np.where(up, known_hi[todo], known_lo[todo]), bisect, walk)
        dt = np.where(settled, np.where(small, newton, 0.0), np.where(ok, newton, fallback))
        step_old[todo], step[todo] = step[todo], dt
        t[todo] = ti + dt
        todo = todo[~settled]
        if todo.size == 0:
            break
        g, dg, _ = problem.subset(todo).gap(_Share.from_t(t[todo]))
    return t


def _allocate(
    r_ai: ArrayLike,
    s: ArrayLike,
    share: ArrayLike,
    epsilon: ArrayLike,
    human: ArrayLike,
    initial: ArrayLike | None,
) -> tuple[Array, Array, Array]:
    """``(a*, Y, λ(a*))`` for every sample: the cases of SPEC §7, then the solve for the rest."""
    inputs = [np.asarray(x, np.float64) for x in (r_ai, s, share, epsilon, human)]
    if initial is not None:
        inputs.append(np.asarray(initial, np.float64))
    arrays = np.broadcast_arrays(*inputs)
    shape = arrays[0].shape
    r, s_, a, eps, h = (x.ravel() for x in arrays[:5])
    k, rho = _k_rho(eps)
    ai, y, lam = (np.full(r.size, np.nan) for _ in range(3))
    finite = np.isfinite(r) & np.isfinite(s_) & np.isfinite(a) & np.isfinite(eps) & np.isfinite(h)
    valid = finite & (r >= 0) & (s_ >= 0) & (a >= 0) & (a <= 1) & (eps >= 0) & (h >= 0)

    # no AI: nobody automates anything (τ_A is missing)
    idle = valid & ((a == 0) | (r == 0))
    ai[idle], y[idle] = 0.0, h[idle]
    # neutral (the essay's): the AI does every task at cost τ, exactly r_AI
    neutral = valid & ~idle & (a == 1) & (s_ == 0) & (h == 0)
    ai[neutral], y[neutral], lam[neutral] = 1.0, r[neutral], 0.0
    # no humans: the AI takes all it can; below a = 1 complements leave a bottleneck (ε ≤ 1)
    alone = np.flatnonzero(valid & ~idle & ~neutral & (h == 0))
    if alone.size:
        a_i, eps_i = a[alone], eps[alone]
        lam_i = _log_relative_cost(_special().ndtri(a_i), s_[alone], k[alone])
        part = a_i < 1
        above = part & (eps_i > 1)
        log_y = np.log(r[alone]) - lam_i
        log_y += np.where(above, np.log(a_i) / np.where(above, eps_i - 1.0, 1.0), 0.0)
        ai[alone], lam[alone] = a_i, lam_i
        y[alone] = np.where(part & (eps_i <= 1), 0.0, _exp(log_y))
    # every task costs τ: a* = r/(r + H) when automation allows, and then Y = r + H
    flat = np.flatnonzero(valid & ~idle & (h > 0) & (s_ == 0))
    if flat.size:
        r_i, h_i, a_i = r[flat], h[flat], a[flat]
        balance = r_i / (r_i + h_i)
        ai[flat], lam[flat] = np.minimum(a_i, balance), 0.0
        y[flat] = np.where(a_i >= balance, r_i + h_i, research_rate(r_i, h_i, a_i, eps[flat]))
    spread = np.flatnonzero(valid & ~idle & (h > 0) & (s_ > 0))
    if spread.size:
        guess = None if initial is None else arrays[5].ravel()[spread]
        ai[spread], y[spread], lam[spread] = _allocate_spread(
            _Problem(
                np.log(r[spread]) - np.log(h[spread]),
                s_[spread],
                k[spread],
                eps[spread],
                rho[spread],
            ),
            a[spread],
            h[spread],
            guess,
        )
    return ai.reshape(shape), y.reshape(shape), lam.reshape(shape)


def _allocate_spread(
    problem: _Problem, a: Array, h: Array, guess: Array | None
) -> tuple[Array, Array, Array]:
    """``(a*, Y, λ(a*))`` with spread costs and humans: the corner ``a* = a``, else the solve."""
    n = a.size
    ai, lam, log_rate = a.copy(), np.empty(n), np.empty(n)
    hi, hi_known = np.full(n, _T_LIMIT), np.zeros(n, dtype=bool)
    below = np.flatnonzero(a < 1)
    if below.size:
        at_a, sub = _Share.from_share(a[below]), problem.subset(below)
        gap_a, _, lam_a = sub.gap(at_a)
        hi[below], hi_known[below] = at_a.t, True
        take = np.flatnonzero((gap_a >= 0) | (a[below] <= math.exp(-_T_LIMIT)))
        corner = below[take]
        lam[corner] = lam_a[take]
        log_rate[corner] = problem.subset(corner).log_rate(at_a.subset(take), lam_a[take])
        inner = np.setdiff1d(np.arange(n), corner, assume_unique=True)
    else:
        inner = np.arange(n)
    if inner.size:
        sub = problem.subset(inner)
        lo, hi_i = np.full(inner.size, -_T_LIMIT), hi[inner]
        t0 = sub.c.copy()  # the optimum without a spread, a' = r/(r + H)
        if guess is not None:
            g = guess[inner]
            known = (g > 0) & (g < 1)
            g = np.where(known, g, 0.5)
            t0 = np.where(known, np.log(g) - np.log1p(-g), t0)
        margin = np.minimum(1.0, 0.25 * (hi_i - lo))
        t0 = np.clip(t0, lo + margin, hi_i - margin)
        best = _Share.from_t(_solve(sub, lo, hi_i, hi_known[inner], t0))
        lam_best = _log_relative_cost(best.z, sub.s, sub.k)
        ai[inner], lam[inner] = best.alpha, lam_best
        log_rate[inner] = sub.log_rate(best, lam_best)
    return ai, _exp(np.log(h) + log_rate), lam


def optimal_allocation(
    r_ai: ArrayLike,
    s: ArrayLike,
    automated_share: ArrayLike,
    epsilon: ArrayLike,
    human: ArrayLike,
    initial: ArrayLike | None = None,
) -> tuple[Array, Array]:
    """The AI's share of tasks ``a* ≤ a`` that maximizes research, and the research rate there.

    With AI labor ``L_A(a') = r_AI·τ/τ_A(a')`` on the cheapest share ``a'`` (its tokens spread
    optimally, `effective_cost`) and humans on the rest, ``a*`` maximizes the CES rate
    ``Y(a')`` of `research_rate` over ``a' ∈ [0, a]``: leaving an automatable task to humans is
    allowed, so more automation never lowers research (SPEC §7).

    With ``s = 0`` (every task costs ``τ``) it is closed form: ``a* = min(a, r_AI/(r_AI + H))``
    and ``Y = r_AI + H`` whenever ``a ≥ r_AI/(r_AI + H)``. With a spread, write ``x₁ = L_A/a'``,
    ``x₂ = H/(1 − a')``, ``k = 1 − ε``, ``λ = ln(τ_A/τ)``, ``z = Φ⁻¹(a')``,
    ``w = (τ(a')/τ_A)^k = e^(k(s z − λ))``, ``t = ln(a'/(1 − a'))`` and
    ``p = a' x₁^ρ/(a' x₁^ρ + (1 − a') x₂^ρ)`` (the AI's part of ``Y^ρ``). From
    ``dλ/da' = expm1(k(s z − λ))/(k a')`` (as ``d(τ_A^k)/da' = (τ(a')^k − τ_A^k)/a'``):

        d ln Y/da' = p · w · expm1(k G/ε) / (k a'),     G = ln(r_AI/H) − t − ε s z − k λ

    (``p w G/(ε a')`` at ``k = 0``). It has the sign of ``G``, and ``G`` falls strictly with
    ``a'``: ``dG/dt = −(a' + (1 − a') w) − ε s a'(1 − a')/φ(z) < 0``. So ``Y`` has one maximum,
    where ``G = 0``: there the AI's output on the marginal task equals the humans' output per
    task, ``(L_A/a')·(τ_A/τ(a'))^ε = H/(1 − a')``. As ``a' → 0``, ``G → +∞`` (so ``a* > 0``);
    ``a* = a`` where ``G ≥ 0`` at ``a``, else the root of ``G`` below ``a``, found by
    safeguarded Newton on ``G`` in ``t`` (which keeps ``1 − a'`` exact near 1) to about 1e-12
    in ``t``, so ``Y`` is within about 1e-12 of its maximum. ``G`` is smooth even as ``ε → 0``,
    where ``Y`` bends sharply at its maximum.

    Special cases (SPEC §7): ``a = 0`` or ``r_AI = 0``: ``a* = 0``, ``Y = H``. ``H = 0``:
    ``a* = a``, and ``Y = 0`` when ``a < 1`` and ``ε ≤ 1``, else the AI alone on its share,
    ``Y = a^(1/(ε−1))·L_A(a)`` (``L_A(1)`` at ``a = 1``). Neutral (``a = 1``, ``s = 0``,
    ``H = 0``): ``Y = r_AI`` exactly. Inputs outside their domain (negative labor or spread, a
    share outside ``[0, 1]``, ``ε < 0``, anything not finite) give NaN.

    Args:
        r_ai: the AI's labor ``r_AI`` at the median task's cost ``τ`` (researcher-s per
            calendar s): the static ``L``, or the race's rate ``r(t)``.
        s: the spread of log task costs ``s_τ`` (`cost_sigma`).
        automated_share: the share of tasks the AI can do, ``a``.
        epsilon: the elasticity of substitution between tasks, ``ε ≥ 0`` (``ε = 0``:
            Leontief).
        human: human labor ``H`` (researcher-s per calendar s; `human_labor`).
        initial: optional starting guesses for ``a*`` (such as the previous time step's);
            the answer does not depend on them beyond the solve's tolerance.

    Returns:
        ``(a*, Y)``, broadcast to the inputs' shape.
    """
    ai, y, _ = _allocate(r_ai, s, automated_share, epsilon, human, initial)
    return ai, y


@dataclass(frozen=True)
class TasksOutputs:
    """Stage D's outputs (SPEC §7), each an array of the inputs' broadcast shape.

    Attributes:
        research_rate: ``Y`` (researcher-s per calendar s), ``tasks.research_rate``.
        speedup: ``Y/H``, research against the human field alone; NaN where ``H = 0``.
        effective_cost: ``τ_A(a*)`` (tokens per researcher-s); NaN where ``a* = 0``.
        ai_share: ``a*``, the share of tasks the AI does.
        realized_share: ``Y/r_AI`` (above 1 when humans add to it); NaN where ``r_AI = 0``.
    """

    research_rate: Array
    speedup: Array
    effective_cost: Array
    ai_share: Array
    realized_share: Array


def tasks_outputs(
    r_ai: ArrayLike,
    tau: ArrayLike,
    cost_spread: ArrayLike,
    automated_share: ArrayLike,
    epsilon: ArrayLike,
    human: ArrayLike,
    initial: ArrayLike | None = None,
) -> TasksOutputs:
    """Stage D's outputs for AI labor ``r_AI``, human labor ``H`` and the task parameters.

    See `optimal_allocation` for the allocation and its special cases. A missing value (NaN)
    in one output never enters another: ``speedup`` is missing only where ``H = 0``,
    ``effective_cost`` only where ``a* = 0``, ``realized_share`` only where ``r_AI = 0``.

    Args:
        r_ai: the AI's labor at the median task's cost (researcher-s per calendar s).
        tau: the median task's cost ``τ`` (tokens per researcher-s).
        cost_spread: the 95th/5th percentile ratio of task costs (``tasks.cost_spread``, ≥ 1).
        automated_share: the share of tasks the AI can do, ``a`` (``tasks.automated_share``).
        epsilon: the elasticity of substitution between tasks ``ε``.
        human: human labor ``H`` (researcher-s per calendar s; `human_labor`).
        initial: optional starting guesses for ``a*`` (see `optimal_allocation`).
    """
    s = cost_sigma(np.asarray(cost_spread, np.float64))
    ai, y, lam = _allocate(r_ai, s, automated_share, epsilon, human, initial)
    tau_, r, h = np.broadcast_arrays(*(np.asarray(x, np.float64) for x in (tau, r_ai, human)))
    tau_, r, h = (np.broadcast_to(x, y.shape) for x in (tau_, r, h))
    with np.errstate(over="ignore", under="ignore"):  # beyond the float range: inf or 0
        cost = tau_ * np.exp(np.where(ai > 0, lam, 0.0))
    positive_h, positive_r = h > 0, r > 0
    with np.errstate(over="ignore"):  # beyond the float range: inf
        speedup = y / np.where(positive_h, h, 1.0)
        realized = y / np.where(positive_r, r, 1.0)
    return TasksOutputs(
        research_rate=y,
        speedup=np.where(positive_h, speedup, np.nan),
        effective_cost=np.where(ai > 0, cost, np.nan),
        ai_share=ai,
        realized_share=np.where(positive_r, realized, np.nan),
    )
