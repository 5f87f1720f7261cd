"""Stage B: from tokens to researcher labor (SPEC §3).

Labor is measured in researcher-seconds (working time); the model's clock is calendar time.
Rates of labor are researcher-seconds per calendar second. Every function is pure and takes
floats or numpy arrays in canonical units.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from alignment_runway._typing import Num, same_kind
from alignment_runway.units import CALENDAR_MONTH_S, calendar_to_working_s, working_to_calendar_s

__all__ = [
    "ai_researchers",
    "capped_serial_tokens",
    "human_months_per_month",
    "labor_researcher_s_per_s",
    "parallel_streams",
    "research_per_month_via_researchers",
    "serial_speedup",
]


def capped_serial_tokens(tokens_per_researcher_s: Num, serial_tokens_per_researcher_s: Num) -> Num:
    """Serial tokens per researcher-second, capped at the total tokens per researcher-second.

    A researcher-second cannot need more serial tokens than tokens in all (``σ ≤ τ``); a
    sample with ``σ > τ`` is impossible and is read as ``σ = τ`` (one stream).
    """
    capped = np.minimum(serial_tokens_per_researcher_s, tokens_per_researcher_s)
    return cast(Num, same_kind(capped))


def parallel_streams(tokens_per_researcher_s: Num, serial_tokens_per_researcher_s: Num) -> Num:
    """Parallel token streams per AI researcher, ``p = τ / σ`` (essay: 100 / 10 = 10)."""
    return tokens_per_researcher_s / serial_tokens_per_researcher_s


def labor_researcher_s_per_s(tokens_per_s: Num, tokens_per_researcher_s: Num) -> Num:
    """Aggregate AI labor, ``L = R / τ`` researcher-seconds per calendar second.

    Source: the essay's assumption that ``τ`` = 100 tokens do as much alignment work as one
    human researcher-second.
    """
    return tokens_per_s / tokens_per_researcher_s


def ai_researchers(tokens_per_s: Num, streams: Num, serial_speed_tokens_per_s: Num) -> Num:
    """AI researchers running at once, ``n_ai = R / (p · v)``.

    Each is ``p`` streams of ``v`` tokens per second (the essay: 10 streams of ~50 tokens/s).
    """
    return tokens_per_s / (streams * serial_speed_tokens_per_s)


def serial_speedup(serial_speed_tokens_per_s: Num, serial_tokens_per_researcher_s: Num) -> Num:
    """One AI researcher's serial speed, ``v / σ`` researcher-seconds per calendar second."""
    return serial_speed_tokens_per_s / serial_tokens_per_researcher_s


def human_months_per_month(serial_researcher_s_per_s: Num, working_fraction: Num) -> Num:
    """Serial speed-up against a human's schedule, ``m_serial = (v/σ) · (24 h / h_work)``.

    A human works ``h_work`` hours of each 24-hour day, so one calendar month holds
    ``30 days × h_work`` of a human's work: the essay's footnote 8 (15 serial researcher-months
    per month at 8 working hours per day).

    Args:
        serial_researcher_s_per_s: an AI researcher's serial speed, ``v / σ``.
        working_fraction: working seconds per calendar second (8 working_hour/day is 1/3).
    """
    return working_to_calendar_s(serial_researcher_s_per_s, working_fraction)


def research_per_month_via_researchers(
    researchers: Num, months_each: Num, working_fraction: Num
) -> Num:
    """Researcher-seconds per calendar month: ``n_ai`` researchers × ``m_serial`` human months.

    A human's month is ``30 days × h_work`` of working time.

    This is the essay's headline route; it must equal ``L`` × one calendar month (SPEC §3).
    """
    human_month_researcher_s = calendar_to_working_s(CALENDAR_MONTH_S, working_fraction)
    return researchers * months_each * human_month_researcher_s
