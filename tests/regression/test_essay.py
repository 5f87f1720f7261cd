"""The essay's figures, pinned to values derived here by plain arithmetic from its inputs."""

import math

import pytest

from alignment_runway.engine import essay

# The essay's inputs, written out by hand (not read through the model's code).
STOCK = 4e21  # FLOP/s
SHARE = 0.25
YEAR_S = 365 * 24 * 3600
UTIL = 0.5
K = 20
TAU, SIGMA, SPEED, HOURS = 100.0, 10.0, 50.0, 8.0
MONTH_S = 30 * 24 * 3600

CLUSTER = STOCK * SHARE
RAW = CLUSTER * YEAR_S
EFFECTIVE = RAW * UTIL
N = math.sqrt(EFFECTIVE / (6 * K))
D = K * N
R = CLUSTER * UTIL / (2 * N)
STREAMS = TAU / SIGMA
LABOR = R / TAU  # researcher-seconds per second
RESEARCHERS = R / (STREAMS * SPEED)
MONTHS_EACH = SPEED / SIGMA * 24 / HOURS
LABOR_MONTH_RS = LABOR * MONTH_S
RESEARCH_MONTHS = LABOR_MONTH_RS / (240 * 3600)

BIG_EFFECTIVE = 1000 * EFFECTIVE
BIG_T = 4 * MONTH_S
BIG_CLUSTER = BIG_EFFECTIVE / (UTIL * BIG_T)
BIG_N = math.sqrt(BIG_EFFECTIVE / (6 * K))
BIG_R = BIG_CLUSTER * UTIL / (2 * BIG_N)

EXPECTED = {
    # key: (computed by hand, stated by the essay, verdict)
    "compute_stock": (STOCK, 4e21, "agrees"),
    "raw_training_compute": (RAW, 3e28, "agrees"),
    "effective_training_compute": (EFFECTIVE, 1.5e28, "agrees"),
    "parameters": (N, 11e12, "agrees"),
    "tokens_per_second": (R, 2e7, "agrees"),
    "tokens_per_second_footnote": (R, 2.3e7, "agrees"),
    "parallel_streams": (STREAMS, 10, "agrees"),
    "serial_months_per_month": (MONTHS_EACH, 15, "agrees"),
    "labor_per_month": (LABOR_MONTH_RS, 6e11, "agrees"),
    "researchers": (RESEARCHERS, 15_000, "differs"),
    "research_per_month": (RESEARCH_MONTHS, 225_000, "differs"),
    "training_compute_1000x": (BIG_EFFECTIVE, 1.5e31, "agrees"),
    "data_parallel_1000x": (math.sqrt(1000), 32, "agrees"),
    "compute_parallel_1000x": (365 / 120, 3, "agrees"),
    "copies_1000x": (BIG_R / R, 100, "agrees"),
    "researchers_1000x": (BIG_R / (STREAMS * SPEED), 1.5e6, "differs"),
    "serial_months_1000x": (MONTHS_EACH, 15, "agrees"),
    "signal_tokens_short_task": (1000 * 50, 5e4, "agrees"),
    "signal_tokens_long_task": (1000 * 1000, 1e6, "agrees"),
    "signal_tokens_ratio": (100, 100, "agrees"),
}


@pytest.fixture(scope="module")
def figures() -> dict[str, essay.Figure]:
    return {fig.key: fig for fig in essay.audit()}


def test_every_figure_is_audited(figures: dict[str, essay.Figure]) -> None:
    assert set(figures) == set(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_computed_value(figures: dict[str, essay.Figure], key: str) -> None:
    computed, stated, _ = EXPECTED[key]
    fig = figures[key]
    assert fig.computed == pytest.approx(computed, rel=1e-12)
    assert fig.stated == stated
    assert fig.ratio == pytest.approx(computed / stated, rel=1e-12)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_verdict(figures: dict[str, essay.Figure], key: str) -> None:
    fig = figures[key]
    assert fig.verdict == EXPECTED[key][2]
    if fig.verdict == "differs":
        assert fig.reason, "a differing figure must say why"


def test_the_headline_slip_is_a_factor_of_three() -> None:
    """The essay's 15,000 is L / 15 / (24-hour month); the consistent count is L / (v/σ)."""
    essay_style = R * 0.01 * MONTH_S / 15 / MONTH_S  # the footnote's route, with its own R
    assert RESEARCHERS / essay_style == pytest.approx(3.0, rel=1e-12)
    assert 24 / HOURS == 3.0


def test_rounded_figures_match_the_text() -> None:
    assert f"{RAW:.0e}" == "3e+28"
    assert round(N / 1e12) == 11
    assert round(R / 1e7) == 2
    assert f"{LABOR_MONTH_RS:.0e}" == "6e+11"
    assert round(MONTHS_EACH) == 15
