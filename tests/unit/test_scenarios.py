"""Scenario files, presets and --set, through the API (SPEC §9)."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment_runway import api
from alignment_runway import distributions as d
from alignment_runway.errors import Error
from alignment_runway.scenarios import PARAMETERS, load_preset, preset_names
from alignment_runway.scenarios.specs import get_spec
from alignment_runway.scenarios.values import parse_value


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_presets_ship_and_cite_every_value() -> None:
    assert {"essay", "essay-1000x"} <= set(preset_names())
    for name in preset_names():
        scenario = load_preset(name)
        for param, setting in scenario.settings.items():
            assert setting.source, f"{name}: {param} has no source"


def test_essay_preset_sets_every_required_parameter() -> None:
    essay = load_preset("essay")
    required = {n for n, s in PARAMETERS.items() if not s.optional}
    assert required <= set(essay.settings)
    assert essay.scalar("compute.training_duration") == 365 * 86400
    assert essay.scalar("labor.working_hours_per_day") == pytest.approx(1 / 3)
    assert essay.value("devloop.task_length") == (50.0, 1000.0)
    assert essay.value("compute.training_compute") is None


def test_extends_layers_override_in_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'schema = 1\nextends = "essay-1000x"\n[labor]\nserial_speed = "100 token/s"\n',
    )
    scenario = api.load_scenario(path, settings=["labor.serial_speed=25 token/s"])
    assert scenario.scalar("labor.serial_speed") == 25
    assert scenario.scalar("compute.training_duration") == 120 * 86400  # from essay-1000x
    assert scenario.scalar("compute.tokens_per_parameter") == 20  # from essay
    assert scenario.settings["labor.serial_speed"].where == "setting"


def test_file_without_extends_starts_from_the_essay(tmp_path: Path) -> None:
    path = write(tmp_path, 'schema = 1\n[compute]\nutilization = "40%"\n')
    scenario = api.load_scenario(path)
    assert scenario.scalar("compute.utilization") == pytest.approx(0.4)
    assert scenario.scalar("compute.stock") == 4e21
    assert scenario.settings["compute.utilization"].where == f"{path}:3"


def test_training_compute_overrides_inherited_stock(tmp_path: Path) -> None:
    path = write(tmp_path, 'schema = 1\n[compute]\ntraining_compute = "1e28 FLOP"\n')
    result = api.run(api.load_scenario(path))
    assert result.value("static.training_compute") == pytest.approx(1e28)


def test_training_compute_conflicts_with_explicit_stock(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'schema = 1\n[compute]\nstock = "1e21 FLOP/s"\ntraining_compute = "1e28 FLOP"\n',
    )
    with pytest.raises(Error, match=r"compute\.stock conflicts with compute\."):
        api.load_scenario(path)
    with pytest.raises(Error, match="training_share conflicts"):
        api.load_scenario(preset="essay-1000x", settings=["compute.training_share=0.5"])


def test_sources_in_a_user_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'schema = 1\n[labor]\nserial_speed = "30 token/s"\n[sources]\n'
        '"labor.serial_speed" = "my measurement"\n',
    )
    assert api.load_scenario(path).settings["labor.serial_speed"].source == "my measurement"
    bad = write(tmp_path, 'schema = 1\n[sources]\n"labor.speed" = "x"\n', "bad.toml")
    with pytest.raises(Error, match=r"bad\.toml:3: .*labor\.serial_speed"):
        api.load_scenario(bad)


def test_set_values(tmp_path: Path) -> None:
    scenario = api.load_scenario(
        settings=[
            "compute.utilization=0.4",
            "devloop.task_length=10 researcher_second, 1 researcher_minute",
            'compute.training_duration="6 months"',
        ]
    )
    assert scenario.scalar("compute.utilization") == 0.4
    assert scenario.value("devloop.task_length") == (10.0, 60.0)
    assert scenario.scalar("compute.training_duration") == 180 * 86400


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("compute.stock", "4 ZFLOP/s", 4e21),
        ("compute.stock", "4e21 FLOP/s", 4e21),
        ("compute.training_duration", "12 months", 360 * 86400),
        ("compute.training_duration", "52 weeks", 364 * 86400),
        ("compute.utilization", "50%", 0.5),
        ("compute.utilization", 1, 1.0),
        ("compute.tokens_per_parameter", "20", 20.0),
        ("labor.tokens_per_researcher_second", "360000 token/researcher_hour", 100.0),
        ("labor.working_hours_per_day", "40 working_hour/week", 40 / 168),
    ],
)
def test_parse_value(name: str, raw: object, expected: float) -> None:
    assert parse_value(get_spec(name), raw, "here") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("compute.stock", "4e21 FLOP", "which is compute (FLOP)"),
        ("compute.stock", 4e21, "no unit"),
        ("compute.stock", "-1 FLOP/s", "(0, inf)"),
        ("compute.stock", "nan FLOP/s", "finite"),
        ("compute.stock", True, "bool"),
        ("compute.training_duration", "1 researcher_year", "calendar time"),
        ("compute.utilization", 1.5, "(0, 1]"),
        ("compute.training_share", 0, "(0, 1]"),
        ("labor.working_hours_per_day", "8 hours/day", "a plain number"),
        ("labor.working_hours_per_day", "30 working_hour/day", "(0, 24] working_hour/day"),
        ("compute.stock", "4e21 FLOPS", "did you mean FLOP"),
        ("devloop.task_length", [], "empty list"),
        ("compute.stock", "FLOP/s", "a number with its unit"),
        ("compute.stock", "4e21 FLOP/s/s", "measured in"),
        ("compute.stock", ["4e21 FLOP/s"], "a list"),
    ],
)
def test_parse_value_errors(name: str, raw: object, fragment: str) -> None:
    with pytest.raises(Error) as info:
        parse_value(get_spec(name), raw, "f.toml:3")
    message = str(info.value)
    assert message.startswith(f"f.toml:3: {name}: expected ")
    assert fragment in message


def test_scenario_is_frozen_and_picklable() -> None:
    scenario = load_preset("essay-1000x")
    clone = pickle.loads(pickle.dumps(scenario))
    assert clone == scenario
    with pytest.raises(AttributeError):
        scenario.name = "other"  # type: ignore[misc]


def test_file_and_preset_together_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(Error, match="not both"):
        api.load_scenario(write(tmp_path, "schema = 1\n"), preset="essay")


def test_unknown_extends_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'schema = 1\n\nextends = "esay"\n')
    with pytest.raises(Error, match=r"s\.toml:3: extends: unknown preset 'esay'; did you"):
        api.load_scenario(path)


def test_starts_from_and_list_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'schema = 1\nextends = "essay-1000x"\n')
    assert api.load_scenario(path).starts_from == "essay-1000x"
    assert api.load_scenario(preset="essay").starts_from == "essay"
    essay = load_preset("essay")
    assert (
        essay.settings["devloop.task_length"].text == "50 researcher_second, 1000 researcher_second"
    )


def test_overflow_is_an_error_not_infinity() -> None:
    scenario = api.load_scenario(
        settings=["compute.stock=1e300 FLOP/s", "compute.training_duration=1e300 year"]
    )
    with pytest.raises(Error, match=r"overflow or underflow.*compute\.stock"):
        api.run(scenario)


def test_uncertain_preset_cites_each_range_and_runs() -> None:
    scenario = load_preset("uncertain")
    uncertain = scenario.uncertain()
    assert len(uncertain) >= 8
    for name in uncertain:
        assert scenario.settings[name].where.startswith("preset uncertain")
        assert len(scenario.settings[name].source) > 40
    result = api.run(scenario, samples=5000, seed=1)
    assert set(uncertain) <= set(result.values)
    for name in result.outputs:
        assert (result.values[name] > 0).all()


# Values that could make the unit parser slow are refused before it sees them (regressions).
@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("9**9**9 FLOP/s", "a power that is not a whole number from -4 to 4"),
        ("10**10**7 FLOP/s", "a power that is not a whole number from -4 to 4"),
        ("2**4**4**4**4 FLOP/s", "a power of a power"),
        ("1e99999 FLOP/s", "the number '1e99999', beyond floating point"),
        ("1" * 16_000 + " FLOP/s", "expected a value of at most 200 characters"),
        ("1 to " + "1" * 1_000_000 + " FLOP/s", "(1,000,012 characters)"),
        ({"dist": "uniform", "low": 1, "high": 2, "unit": "FLOP/s" * 100}, "200 characters"),
    ],
)
def test_unit_text_that_could_run_away_is_refused(raw: object, fragment: str) -> None:
    with pytest.raises(Error) as info:
        parse_value(get_spec("compute.stock"), raw, "f.toml:3")
    assert str(info.value).startswith("f.toml:3: compute.stock: expected ")
    assert fragment in str(info.value)
    assert info.value.field == "compute.stock"
    assert len(str(info.value)) < 400


def test_a_setting_with_an_integer_too_long_for_toml_is_refused() -> None:
    with pytest.raises(Error, match="at most 200 characters"):
        api.load_scenario(settings=["compute.stock=" + "1" * 16_000 + " FLOP/s"])


def test_a_unit_power_still_converts() -> None:
    spec = get_spec("compute.stock")
    assert parse_value(spec, "4e21 FLOP*s**-1", "here") == pytest.approx(4e21)
    assert parse_value(spec, "4e21 FLOP s^-1", "here") == pytest.approx(4e21)


@pytest.mark.parametrize("raw", ["40%%", "40% FLOP", "40 %/s", "40 % %", "4%0"])
def test_a_percentage_has_one_percent_sign_and_no_other_unit(raw: str) -> None:
    with pytest.raises(Error) as info:
        parse_value(get_spec("compute.utilization"), raw, "f.toml:3")
    assert str(info.value).startswith("f.toml:3: compute.utilization: expected a percentage")
    assert repr(raw) in str(info.value)


def test_percentages_in_ranges_and_tables_still_read() -> None:
    spec = get_spec("compute.utilization")
    assert parse_value(spec, "40 %", "here") == pytest.approx(0.4)
    table = {"dist": "uniform", "low": 30, "high": 60, "unit": "%"}
    assert parse_value(spec, table, "here").support == pytest.approx((0.3, 0.6))  # type: ignore[union-attr]
    ranged = parse_value(get_spec("compute.tokens_per_parameter"), "30% to 60%", "here")
    assert ranged.ppf(np.array([0.05, 0.95])) == pytest.approx([0.3, 0.6])  # type: ignore[union-attr]


# Scenario files are read within bounds (regressions).
@pytest.mark.parametrize(
    "stock",
    [
        pytest.param("[" * 1000 + "]" * 1000, id="arrays-1000-deep"),
        pytest.param("{a = " * 390 + "1" + "}" * 390, id="inline-tables-390-deep"),
        pytest.param("[" * 20 + "]" * 20, id="arrays-20-deep"),
    ],
)
def test_deeply_nested_toml_is_refused(tmp_path: Path, stock: str) -> None:
    path = write(tmp_path, f"schema = 1\n[compute]\nstock = {stock}\n", "deep.toml")
    with pytest.raises(Error, match=r"deep\.toml: tables and arrays nested more than 16") as info:
        api.load_scenario(path)
    assert info.value.field == "path"


def test_a_dotted_key_of_many_parts_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    # tomllib takes time quadratic in a key's parts: 400,000 parts would take an hour
    path = write(tmp_path, "schema = 1\n" + "a." * 400_000 + "b = 1\n", "dotted.toml")
    with pytest.raises(Error, match=r"dotted\.toml: tables and arrays nested more"):
        api.load_scenario(path)


@pytest.mark.parametrize(
    "value", ["[" * 1000 + "]" * 1000, "{" + "a." * 50_000 + "b = 1}", "[" * 15 + "]" * 15]
)
def test_a_deeply_nested_setting_is_refused(value: str) -> None:
    with pytest.raises(Error, match=r"setting: compute\.stock: expected tables and") as e:
        api.load_scenario(settings=[f"compute.stock={value}"])
    assert e.value.field == "compute.stock"


def test_nesting_allowed_by_mixtures_fits_in_a_file(tmp_path: Path) -> None:
    leaf = '{dist = "uniform", low = 1, high = 2}'
    for _ in range(4):
        leaf = f'{{dist = "mixture", components = ["1 to 3", {leaf}], weights = [0.5, 0.5]}}'
    path = write(tmp_path, f"schema = 1\n[compute]\ntokens_per_parameter = {leaf}\n")
    assert api.load_scenario(path).uncertain()
    assert api.load_scenario(settings=[f"compute.tokens_per_parameter={leaf}"]).uncertain()


def test_a_file_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "schema = 1\n" + "#" * (1 << 20) + "\n", "big.toml")
    with pytest.raises(Error, match=r"big\.toml' is larger than 1,048,576 bytes") as info:
        api.load_scenario(path)
    assert info.value.field == "path"
    fits = write(tmp_path, "schema = 1\n" + "#" * ((1 << 20) - 20) + "\n", "fits.toml")
    assert api.load_scenario(fits).name == "fits"


def test_an_endless_device_is_refused_without_reading_it_all() -> None:
    with pytest.raises(Error, match="'/dev/zero' is larger than 1,048,576 bytes"):
        api.load_scenario("/dev/zero")


def test_presets_are_names_never_paths(tmp_path: Path) -> None:
    elsewhere = write(tmp_path, 'schema = 1\n[compute]\nstock = "1e21 FLOP/s"\n', "x.toml")
    for name in (str(elsewhere.with_suffix("")), "../presets/essay", "essay/", " essay"):
        with pytest.raises(Error, match="never by a path") as info:
            api.load_scenario(preset=name)
        assert info.value.field == "preset"
    inside = tmp_path / "dir"
    inside.mkdir()
    for extends in ("../x", str(elsewhere.with_suffix(""))):
        path = write(inside, f'schema = 1\nextends = "{extends}"\n', "s.toml")
        with pytest.raises(Error, match=r"s\.toml:2: extends: unknown preset .*path") as e:
            api.load_scenario(path)
        assert e.value.field == "extends"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "compute.stok=1e21 FLOP/s",
            "settings: unknown parameter 'compute.stok'; did you mean compute.stock or "
            "compute.utilization?",
        ),
        (
            "compute.stock",
            'settings: expected NAME=VALUE such as "compute.stock=4e21 FLOP/s"; '
            "received 'compute.stock'",
        ),
    ],
)
def test_settings_errors_name_the_settings_not_a_flag(assignment: str, message: str) -> None:
    with pytest.raises(Error) as info:
        api.load_scenario(settings=[assignment])
    assert str(info.value) == message
    assert info.value.field == "settings"


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("compute.tokens_per_parameter", "9" * 100 + "**4"),
        ("compute.training_compute", "9" * 100 + "**4 FLOP"),
    ],
)
def test_an_integer_beyond_floating_point_is_an_error(name: str, raw: str) -> None:
    with pytest.raises(Error, match=f"{name}: expected a finite value; received '9999"):
        parse_value(get_spec(name), raw, "here")


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="0123456789eE.+-*/^()% _sFLOPtoken", max_size=40).map(
        lambda text: f"{text} FLOP/s"
    )
)
def test_any_quantity_text_is_a_value_or_a_scenario_error(text: str) -> None:
    try:
        value = parse_value(get_spec("compute.stock"), text, "here")
    except Error:
        return
    assert isinstance(value, float | d.Distribution)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("compute.tokens_per_parameter", 10**400),
        ("compute.tokens_per_parameter", {"dist": "lognormal", "mu": 0, "sigma": 10**400}),
        (
            "compute.tokens_per_parameter",
            {"dist": "mixture", "components": ["1 to 2", "2 to 3"], "weights": [10**400, 0]},
        ),
        ("devloop.task_length", [10**400]),
    ],
)
def test_an_integer_from_toml_beyond_floating_point_is_refused(name: str, raw: object) -> None:
    with pytest.raises(Error) as info:
        parse_value(get_spec(name), raw, "here")
    assert str(info.value) == (
        f"here: {name}: expected numbers within floating point (about 1.8e308); received an "
        "integer of 1,329 bits"
    )
