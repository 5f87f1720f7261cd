"""Hypothesis strategies shared by the property tests: finite floats in canonical units.

Importable from any test as ``from strategies import ...`` (pytest's ``pythonpath`` holds
``tests``).
"""

from __future__ import annotations

import math
from typing import TypeVar

from hypothesis import strategies as st

__all__ = [
    "PARAMETER_NAMES",
    "maybe",
    "positive",
    "quantity_texts",
    "scenario_files",
    "setting_strings",
    "toml_values",
    "unit_interval",
    "valid_settings",
]

T = TypeVar("T")


def positive(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``: Hypothesis's own floats, and log-uniform ones."""

    def clamp(exponent: float) -> float:
        return min(max(math.pow(10.0, exponent), lo), hi)

    plain = st.floats(
        min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )
    log_uniform = st.floats(min_value=math.log10(lo), max_value=math.log10(hi)).map(clamp)
    return st.one_of(plain, log_uniform)


def unit_interval(hi_open: bool = False) -> st.SearchStrategy[float]:
    """Floats in ``[0, 1]`` (``[0, 1)`` with ``hi_open``), no subnormals."""
    return st.floats(0.0, 1.0, exclude_max=hi_open, allow_subnormal=False)


def maybe(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    """None (a mechanism left off) or a value of ``strategy``."""
    return st.one_of(st.none(), strategy)


# --- hostile input: what a user, or an attacker, can type or send ----------------------------

#: Parameters a scenario can set (scenarios.PARAMETERS), and a few names it cannot.
PARAMETER_NAMES = (
    "compute.stock",
    "compute.training_share",
    "compute.training_duration",
    "compute.utilization",
    "compute.tokens_per_parameter",
    "compute.training_compute",
    "labor.tokens_per_researcher_second",
    "labor.serial_tokens_per_researcher_second",
    "labor.serial_speed",
    "labor.working_hours_per_day",
    "race.lead",
    "race.catch_up_speed",
    "race.caution_period",
    "race.leak_rate",
    "race.theft_rate",
    "race.efficiency_doubling_time",
    "race.efficiency_cap",
    "race.safe_share",
    "race.checkpoint_interval",
    "race.checkpoint_latency",
    "race.supervisors",
    "race.review_capacity",
    "race.review_share",
    "race.review_smoothness",
    "race.parallel_returns",
    "race.reference_team",
    "race.required_research",
    "devloop.task_length",
    "devloop.budget",
)
_UNITS = (
    "FLOP/s",
    "FLOP",
    "token/s",
    "token/researcher_second",
    "researcher_month/month",
    "researcher_year",
    "researcher_hour",
    "working_hour/day",
    "year",
    "month",
    "day",
    "hour",
    "s",
    "/ month",
    "%",
    "m**2",
    "s^-1",
    "kg",
    "FLOP/s**4",
    "",
)
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 1.7976931348623157e308, 5e-324, 2**63]),
)


def _number_text(x: float | int) -> str:
    return repr(x) if isinstance(x, float) else str(x)


def quantity_texts() -> st.SearchStrategy[str]:
    """Text a quantity may be given as: numbers with units, ranges, powers, percentages, junk."""
    number = _NUMBERS.map(_number_text)
    unit = st.sampled_from(_UNITS)
    single = st.builds(lambda n, u: f"{n} {u}".strip(), number, unit)
    spread = st.builds(lambda a, b, u: f"{a} to {b} {u}".strip(), number, number, unit)
    powers = st.builds(
        lambda base, exps: base + "".join(f"**{e}" for e in exps),
        st.sampled_from(["9", "10", "m", "(m)", "s", "2.5"]),
        st.lists(st.integers(-20, 20), min_size=1, max_size=3),
    )
    junk = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=40)
    repeated = st.builds(
        lambda s, n: s * n, st.sampled_from(["(", "9", "%", "e", "**"]), st.integers(1, 400)
    )
    return st.one_of(single, spread, powers, junk, repeated, st.just("40%%"))


def toml_values() -> st.SearchStrategy[object]:
    """A parameter's value in a scenario: text, numbers, distributions, lists, nested junk."""
    text = quantity_texts()
    number = st.one_of(st.floats(allow_nan=False), st.integers(-(10**30), 10**30))
    dist = st.fixed_dictionaries(
        {"dist": st.sampled_from(["lognormal", "normal", "uniform", "mixture", "beta", "?"])},
        optional={
            "p5": number,
            "p95": number,
            "mu": number,
            "sigma": number,
            "low": number,
            "high": number,
            "min": number,
            "max": number,
            "unit": st.sampled_from(_UNITS),
            "weights": st.lists(number, max_size=4),
            "components": st.lists(text, max_size=4),
        },
    )
    leaf = st.one_of(text, number, st.booleans(), dist)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from(["dist", "p5", "x", "components"]), inner, max_size=3),
        ),
        max_leaves=12,
    )


def setting_strings() -> st.SearchStrategy[str]:
    """``--set`` items: known and unknown names, any value text, missing ``=`` signs."""
    name = st.one_of(
        st.sampled_from(PARAMETER_NAMES),
        st.text(st.characters(codec="ascii"), max_size=20),
        st.just("compute." + "a." * 30 + "b"),
    )
    inline = st.sampled_from(
        [
            '{dist = "lognormal", mu = 0, sigma = 500}',
            '{dist = "lognormal", p5 = 1, p95 = 1e300}',
            "[" * 40 + "]" * 40,
            '{dist = "mixture", components = ["1 to 2", "3 to 4"], weights = [1, 1]}',
        ]
    )
    value = st.one_of(quantity_texts(), inline)
    return st.one_of(
        st.builds(lambda n, v: f"{n}={v}", name, value),
        st.text(max_size=30),
        valid_settings(),
    )


#: Parameters with their units, for settings that are valid whatever their (positive) size.
_POSITIVE = (
    ("compute.stock", "FLOP/s"),
    ("compute.training_duration", "day"),
    ("compute.tokens_per_parameter", ""),
    ("labor.tokens_per_researcher_second", "token/researcher_second"),
    ("labor.serial_speed", "token/s"),
    ("race.lead", "months"),
    ("race.catch_up_speed", ""),
    ("race.leak_rate", "/ month"),
    ("race.supervisors", ""),
    ("race.reference_team", ""),
    ("devloop.budget", "token/s"),
)


def valid_settings() -> st.SearchStrategy[str]:
    """``--set`` items a scenario accepts, of extreme magnitudes: the numerics must hold."""
    magnitude = positive(1e-300, 1e300).map(lambda x: f"{x:.6g}")
    single = st.builds(
        lambda pair, x: f"{pair[0]}={x} {pair[1]}".rstrip(), st.sampled_from(_POSITIVE), magnitude
    )
    spread = st.builds(
        lambda pair, a, k: f"{pair[0]}={a} to {float(a) * k:.6g} {pair[1]}".rstrip(),
        st.sampled_from(_POSITIVE),
        magnitude,
        st.floats(1.0, 1e6),
    )
    share = st.builds(
        lambda n, x: f"{n}={x}",
        st.sampled_from(["compute.utilization", "compute.training_share", "race.safe_share"]),
        unit_interval(),
    )
    return st.one_of(single, spread, share)


def scenario_files() -> st.SearchStrategy[str]:
    """Scenario TOML: well-formed files of any values and sections, and malformed text."""
    import tomli_w

    section = st.dictionaries(
        st.sampled_from([n.split(".", 1)[1] for n in PARAMETER_NAMES] + ["nope"]),
        toml_values(),
        max_size=4,
    )
    data = st.fixed_dictionaries(
        {"schema": st.sampled_from([1, 1, 1, 2, "1"])},
        optional={
            "extends": st.sampled_from(["essay", "race", "uncertain", "../x", "/etc/x", "nope"]),
            "compute": section,
            "labor": section,
            "race": section,
            "devloop": section,
            "correlations": st.dictionaries(
                st.sampled_from(
                    [
                        "labor.tokens_per_researcher_second, labor.serial_speed",
                        "compute.stock, compute.stock",
                        "x",
                    ]
                ),
                st.floats(allow_nan=False),
                max_size=2,
            ),
        },
    )

    def dump(document: dict[str, object]) -> str:
        try:
            return tomli_w.dumps(document)
        except (TypeError, ValueError):  # a value TOML cannot hold: a junk file instead
            return repr(document)

    deep = st.integers(1, 60).map(
        lambda n: "schema = 1\n[compute]\nstock = " + "[" * n + "1" + "]" * n + "\n"
    )
    junk = st.text(max_size=200)
    return st.one_of(data.map(dump), deep, junk)
