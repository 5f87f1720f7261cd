"""Stage E: the development loop (SPEC §8, after the essay's first reader comment).

Developing an automated researcher needs feedback: each signal (a reward, an evaluation)
comes after the system has done one evaluated task. The token cost of a signal grows with the
tokens per researcher-second; its latency depends only on the serial chain.
"""

from __future__ import annotations

from alignment_runway._typing import Num

__all__ = ["signal_latency_s", "signals_per_day", "tokens_per_signal"]

_DAY_S = 86400.0


def tokens_per_signal(tokens_per_researcher_s: Num, task_researcher_s: Num) -> Num:
    """Tokens generated between two feedback signals, ``τ ×`` the task's researcher-seconds.

    The comment's 50k–1M tokens at ``τ`` = 1000 are tasks of 50–1000 researcher-seconds.
    """
    return tokens_per_researcher_s * task_researcher_s


def signals_per_day(budget_tokens_per_s: Num, tokens_per_signal_: Num) -> Num:
    """Feedback signals per calendar day that a token budget (tokens/s) pays for."""
    return budget_tokens_per_s * _DAY_S / tokens_per_signal_


def signal_latency_s(
    task_researcher_s: Num, serial_tokens_per_researcher_s: Num, serial_speed_tokens_per_s: Num
) -> Num:
    """Calendar seconds from the start of a task to its signal, ``task × σ / v``.

    The serial chain of a task is ``task × σ`` tokens long and runs at ``v`` tokens per
    second; the parallel streams (``τ / σ``) do not shorten it, so ``τ`` does not enter.
    """
    return task_researcher_s * serial_tokens_per_researcher_s / serial_speed_tokens_per_s
