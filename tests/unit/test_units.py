"""The unit registry and the named conversions (SPEC §1)."""

from typing import Any

import numpy as np
import pint
import pytest

from alignment_runway import units


def q(text: str) -> Any:
    return units.registry().Quantity(text)


def test_calendar_conventions() -> None:
    assert q("1 month").to("day").m == pytest.approx(30)
    assert q("1 year").to("day").m == pytest.approx(365)
    # "12 months" and "1 year" visibly differ
    assert q("12 months").to("day").m == pytest.approx(360)
    assert units.CALENDAR_MONTH_S == 30 * 86400
    assert units.CALENDAR_YEAR_S == 365 * 86400


def test_labor_units() -> None:
    assert q("1 researcher_month").to("researcher_hour").m == pytest.approx(240)
    assert q("1 researcher_year").to("researcher_month").m == pytest.approx(12)
    assert q("1 fte_year").to("researcher_hour").m == pytest.approx(2000)
    assert q("1 researcher_hour").to("working_hour").m == pytest.approx(1)


@pytest.mark.parametrize(
    ("calendar", "working"),
    [("1 month", "researcher_hour"), ("1 hour", "working_hour"), ("1 year", "researcher_year")],
)
def test_calendar_and_working_time_do_not_mix(calendar: str, working: str) -> None:
    with pytest.raises(pint.DimensionalityError):
        q(calendar).to(working)
    with pytest.raises(pint.DimensionalityError):
        q(calendar) + q(f"1 {working}")


def test_hours_per_day_without_working_time_collapses_to_a_number() -> None:
    assert q("8 hours/day").to("dimensionless").m == pytest.approx(1 / 3)
    assert q("8 working_hour/day").to("working_second/second").m == pytest.approx(1 / 3)
    with pytest.raises(pint.DimensionalityError):
        q("8 hours/day").to("working_second/second")


def test_tokens_flop_and_prefixes() -> None:
    assert q("4 ZFLOP/s").to("FLOP/s").m == pytest.approx(4e21)
    assert q("100 token/researcher_second").to("token/researcher_hour").m == pytest.approx(360_000)
    with pytest.raises(pint.DimensionalityError):
        q("1 token").to("FLOP")


def test_factor_and_dimension_names() -> None:
    assert units.factor("researcher_second/second", "researcher_month/month") == pytest.approx(
        720 / 240
    )
    assert units.factor("second", "year") == pytest.approx(1 / (365 * 86400))
    assert units.dimension_name("month") == "calendar time"
    assert units.dimension_name("researcher_hour").startswith("working time")
    with pytest.raises(pint.DimensionalityError):
        units.factor("month", "researcher_month")


def test_named_conversions_match_the_registry() -> None:
    rs = 1e6
    assert units.researcher_months(rs) == pytest.approx(
        q(f"{rs} researcher_second").to("researcher_month").m, rel=1e-12
    )


def test_working_and_calendar_time_convert_only_through_hours_per_day() -> None:
    fraction = 8 / 24
    assert units.calendar_to_working_s(units.CALENDAR_MONTH_S, fraction) == pytest.approx(
        240 * 3600
    )
    assert units.working_to_calendar_s(240 * 3600.0, fraction) == pytest.approx(
        units.CALENDAR_MONTH_S
    )
    arr = np.array([1.0, 2.0], dtype=np.float64)
    np.testing.assert_allclose(units.calendar_to_working_s(arr, np.full(2, 0.5)), [0.5, 1.0])


@pytest.mark.parametrize(("unit", "canonical"), sorted(units.COMMON_FACTORS))
def test_common_factors_match_the_registry(unit: str, canonical: str) -> None:
    reg = units.registry()
    exact = reg.Quantity(1.0, unit).to(canonical).m
    assert units.COMMON_FACTORS[(unit, canonical)] == pytest.approx(exact, rel=1e-15)
    assert units.factor(canonical, unit) == pytest.approx(1 / exact, rel=1e-15)


def test_the_essay_preset_and_its_run_need_no_heavy_library() -> None:
    """Default values and their display take the unit fast path: pint and friends stay unloaded.

    The audit, a run and a race of the essay preset through the command line (JSON, so every
    input is shown in its display unit), without the run store.
    """
    import subprocess
    import sys

    code = (
        "import sys, io, contextlib; from alignment_runway import api, cli; api.essay_audit()\n"
        "for args in (['run'], ['race']):\n"
        "    sys.argv = ['alignment-runway', *args, '--format', 'json', '--no-store']\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: cli.main()\n"
        "        except SystemExit as exit: assert not exit.code, exit.code\n"
        "print(sorted(m for m in ('pint', 'scipy.special', 'pandas', 'xarray', 'matplotlib', "
        "'sqlalchemy', 'SALib', 'platformdirs') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "text",
    ["4e21 FLOP/s", "40 %", "1 FLOP*s**-1", "2 token/s^2", "3 m ** 2", "1 s^(-1)", "1_000 FLOP"],
)
def test_ordinary_quantities_may_reach_the_parser(text: str) -> None:
    assert units.text_problem(text) == ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9**9**9 FLOP/s", "a power that is not a whole number from -4 to 4"),
        ("10**10**7 FLOP/s", "a power that is not a whole number from -4 to 4"),
        ("2**4**4**4**4 FLOP/s", "a power of a power"),
        ("1 s**2**2", "a power of a power"),
        ("((2**4)**4)**4 FLOP", "a power of a parenthesised group"),
        ("1 s**0.5", "a power that is not a whole number"),
        ("1 s**x", "a power that is not a whole number"),
        ("1e99999 FLOP/s", "the number '1e99999', beyond floating point"),
        ("2⁹⁹⁹⁹⁹⁹⁹ FLOP", "the character '⁹'"),
        ("1" * 16_000 + " FLOP/s", "longer than 200 characters"),
    ],
)
def test_text_that_could_make_the_parser_slow_is_refused(text: str, problem: str) -> None:
    assert problem in units.text_problem(text)
