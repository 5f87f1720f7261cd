"""The essay's figures: each as the essay states it and as the unit-consistent model computes it.

Every computed value comes from running the model on the ``essay`` and ``essay-1000x``
presets; a figure whose computed value differs from the stated one by more than
``TOLERANCE`` (relative) is marked as differing, with the reason.
"""

from __future__ import annotations

from alignment_runway.engine.devloop import devloop
from alignment_runway.engine.runs import run
from alignment_runway.results import EssayFigure as Figure
from alignment_runway.scenarios import load_preset
from alignment_runway.units import CALENDAR_MONTH_S, researcher_months

__all__ = ["TOLERANCE", "Figure", "audit"]

#: Relative difference above which a computed figure is marked as differing from the essay.
TOLERANCE = 0.10

_SLIP = (
    "unit slip: footnote 8 divides the 6e11 researcher-seconds per month by the speed-up of "
    "15 (counted in 8-hour working months) and then by a 24-hour calendar month of "
    "2.592e6 s, mixing calendar and working time; each AI researcher delivers "
    "v/σ = 5 researcher-seconds per second, so the consistent count is "
    "L / (v/σ) = R / (p·v), three times larger"
)


def _figure(
    key: str, quantity: str, stated: float, text: str, computed: float, unit: str, reason: str = ""
) -> Figure:
    ratio = computed / stated
    verdict = "agrees" if abs(ratio - 1.0) <= TOLERANCE else "differs"
    return Figure(key, quantity, stated, text, computed, unit, ratio, verdict, reason)


def audit() -> list[Figure]:
    """Every figure the essay computes (SPEC §4), stated and computed, with a verdict.

    One long list on purpose: each entry is one of the essay's figures with its reading, in the
    essay's order, so the audit reads straight down beside the text.
    """
    base = run(load_preset("essay"))
    big = run(load_preset("essay-1000x"))
    loop = devloop(base.scenario, taus=(10.0, 1000.0))
    b, g = base.value, big.value
    month_rs = b("static.research_per_month") * CALENDAR_MONTH_S
    researchers = b("static.ai_researchers")
    months = b("static.human_months_per_month")
    big_researchers = g("static.ai_researchers")
    data_ratio = g("static.training_tokens") / b("static.training_tokens")
    copies_ratio = g("static.tokens_per_second") / b("static.tokens_per_second")
    per_signal = {
        (c.tokens_per_researcher_s, c.task_researcher_s): c.tokens_per_signal for c in loop.cases
    }
    return [
        _figure(
            "compute_stock",
            "compute stock (Q1 2023)",
            4e21,
            "~4e21 FLOP/s",
            base.scenario.scalar("compute.stock"),
            "FLOP/s",
            "an input, taken as stated",
        ),
        _figure(
            "raw_training_compute",
            "raw training compute",
            3e28,
            "~3e28",
            b("static.raw_training_compute"),
            "FLOP",
            "typo in footnote 7: '365243600' is 365*24*3600 with its multiplication signs "
            "lost, and the '*50%' belongs to the next sentence: 1e21 FLOP/s for 365 days "
            "is 3.2e28 FLOP (with 50% it would be 1.6e28)",
        ),
        _figure(
            "effective_training_compute",
            "effective training compute",
            1.5e28,
            "1.5e31 / 1000 (footnote 9)",
            b("static.training_compute"),
            "FLOP",
            "read from footnote 9's 1.5e31 for the 1000x model; rounding",
        ),
        _figure(
            "parameters",
            "parameters (Chinchilla)",
            11e12,
            "11 trillion",
            b("static.parameters"),
            "parameters",
            "rounding",
        ),
        _figure(
            "tokens_per_second",
            "tokens per second",
            2e7,
            "~20 million",
            b("static.tokens_per_second"),
            "token/s",
            "rounding: R = K·u/(2N) = 3·D/T",
        ),
        _figure(
            "tokens_per_second_footnote",
            "tokens per second (footnote 8)",
            2.3e7,
            "2.3e7",
            b("static.tokens_per_second"),
            "token/s",
            "footnote 8 takes 2.3e7 from the cited post; the essay's own inputs give 2.2e7",
        ),
        _figure(
            "parallel_streams",
            "streams per AI researcher",
            10.0,
            "10",
            b("static.parallel_streams"),
            "streams",
            "p = τ/σ = 100/10",
        ),
        _figure(
            "serial_months_per_month",
            "serial months per month",
            15.0,
            "15",
            months,
            "human months/month",
            "typos in footnote 8: '36002430' is 3600*24*30 and '3600830' is 3600*8*30 "
            "(multiplication signs lost); (v/σ)·(24 h / 8 h) = 5 × 3",
        ),
        _figure(
            "labor_per_month",
            "labor per month of lead",
            6e11,
            "6e11 'tokens per second'",
            month_rs,
            "researcher_second/month",
            "unit mislabelled in footnote 8: 0.01 researcher-seconds per token × 2.3e7 "
            "tokens/s × one 30-day month is 6e11 researcher-seconds per calendar month, not "
            "tokens per second; the value agrees",
        ),
        _figure(
            "researchers",
            "AI researchers",
            15_000.0,
            "15000",
            researchers,
            "researchers",
            _SLIP,
        ),
        _figure(
            "research_per_month",
            "research per month of lead",
            15_000.0 * 15.0,
            "15,000 researchers for 15 months",
            researcher_months(month_rs),
            "researcher_month/month",
            "the same unit slip: 15,000 should be ~44,000 (8-hour months throughout)",
        ),
        _figure(
            "training_compute_1000x",
            "1000x: training compute",
            1.5e31,
            "1.5e31",
            g("static.training_compute"),
            "FLOP",
            "rounding",
        ),
        _figure(
            "data_parallel_1000x",
            "1000x: more data in parallel",
            32.0,
            "sqrt(1000) ~= 32x",
            data_ratio,
            "×",
            "D scales as sqrt(1000) = 31.6",
        ),
        _figure(
            "compute_parallel_1000x",
            "1000x: more compute in parallel",
            3.0,
            "12/4 = 3x",
            copies_ratio / data_ratio,
            "×",
            "the model's year is 365 days and 4 months are 120 days: 3.04",
        ),
        _figure(
            "copies_1000x",
            "1000x: more copies",
            100.0,
            "32 * 3 ~= 100",
            copies_ratio,
            "×",
            "31.6 × 3.04 = 96",
        ),
        _figure(
            "researchers_1000x",
            "1000x: AI researchers",
            1.5e6,
            "1.5 million",
            big_researchers,
            "researchers",
            "inherits the unit slip of the 15,000 (×3); the copies ratio itself agrees",
        ),
        _figure(
            "serial_months_1000x",
            "1000x: serial months per month",
            15.0,
            "for 15 months",
            g("static.human_months_per_month"),
            "human months/month",
            "serial speed does not depend on model size in this model",
        ),
        _figure(
            "signal_tokens_short_task",
            "τ=1000: tokens per signal, 50 s task",
            5e4,
            "50k",
            per_signal[(1000.0, 50.0)],
            "token",
            "the comment's 50k-1M tokens read as tasks of 50 and 1000 researcher-seconds",
        ),
        _figure(
            "signal_tokens_long_task",
            "τ=1000: tokens per signal, 1000 s task",
            1e6,
            "1M",
            per_signal[(1000.0, 1000.0)],
            "token",
            "as above",
        ),
        _figure(
            "signal_tokens_ratio",
            "tokens per signal, τ=1000 vs τ=10",
            100.0,
            "1000+ vs 10 or less",
            per_signal[(1000.0, 50.0)] / per_signal[(10.0, 50.0)],
            "×",
            "at 10 tokens per researcher-second the same tasks need 500-10,000 tokens per "
            "signal, which the comment calls easy to develop",
        ),
    ]
