"""Fuzzing the command line: hostile scenario files, ``--set`` items and option combinations.

Every outcome must be a success or a clear error (``conftest.assert_clear``): exit 0, or exit
2 with one line naming the flag, file or parameter at fault; never an internal error, a
traceback, a warning, a crash, memory exhausted or a hang. ``make test`` runs a small budget
(``FUZZ_EXAMPLES``, 100 a test); ``make fuzz`` a larger one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fuzzing import EXAMPLES, Fuzz, Outcome, Runner, assert_clear
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import PARAMETER_NAMES, quantity_texts, scenario_files, setting_strings


@pytest.fixture(scope="module")
def fuzz_cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    """Run ``alignment-runway ARGS`` with ``files`` in a fresh folder; return the outcome."""
    runner = Runner(tmp_path_factory.mktemp("fuzz"))

    def call(*args: str, files: dict[str, str] | None = None) -> Outcome:
        return runner.call(args, files or {})

    yield call
    runner.close()


_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=EXAMPLES <= 100,  # the small budget of make test: the same examples each time
)
_PRESETS = st.sampled_from(["essay", "uncertain", "race", "essay-1000x"])
#: Sample counts: small ones that run at once, and ones far beyond any memory.
_SAMPLES = st.one_of(st.integers(1, 2000), st.sampled_from([0, -5, 10**12, 2**40, 2**63, 10**30]))
_SEEDS = st.one_of(st.integers(0, 2**63 - 1), st.sampled_from([-1, 2**63, 2**64, 10**40]))


def _text(value: object) -> str:
    return str(value)


@_SETTINGS
@given(
    command=st.sampled_from(["run", "race", "validate"]),
    preset=_PRESETS,
    items=st.lists(setting_strings(), min_size=1, max_size=3),
    samples=st.integers(1, 500),
)
def test_settings(
    fuzz_cli: Fuzz, command: str, preset: str, items: list[str], samples: int
) -> None:
    sets = [part for item in items for part in ("--set", item)]
    if command == "validate":  # validate reads a file: one that extends the preset
        args = ["validate", "base.toml", *sets]
        files = {"base.toml": f'schema = 1\nextends = "{preset}"\n'}
    else:
        args = [command, "--preset", preset, *sets, "-n", str(samples), "--no-store"]
        files = {}
    assert_clear(fuzz_cli(*args, files=files), args)


@_SETTINGS
@given(command=st.sampled_from(["validate", "run", "race"]), text=scenario_files())
def test_scenario_files(fuzz_cli: Fuzz, command: str, text: str) -> None:
    args = [command, "scenario.toml"]
    if command != "validate":
        args += ["-n", "300", "--months", "24"] if command == "race" else ["-n", "300"]
    assert_clear(fuzz_cli(*args, files={"scenario.toml": text}), args)


_RUN_OPTIONS = {
    "--samples": _SAMPLES.map(_text),
    "--seed": _SEEDS.map(_text),
    "--workers": st.sampled_from(["1", "2", "0", "100000", "-1"]),
    "--chunk-size": st.sampled_from(["1", "7", "1000", "0", "65536", str(2**62)]),
    "--percentiles": st.sampled_from(["5,50,95", "0,100", "101", "", "nan", "50,50", "a"]),
    "--out": st.sampled_from(
        ["x.csv", "x.parquet", "x.nc", "x.json", "x.txt", "a" * 300 + ".csv", "no/dir/x.csv", "."]
    ),
    "--what": st.sampled_from(["samples", "summary", "all"]),
    "--keep": st.sampled_from(["static.labor", "compute.stock", "nope", "race.research"]),
    "--above": st.one_of(
        st.builds(lambda v: f"static.research_per_month={v}", quantity_texts()),
        st.sampled_from(["static.labor", "x=1", "=", "static.labor=40%%"]),
    ),
    "--store": st.sampled_from(
        ["", "store.sqlite", "no/such/dir/store.sqlite", "x://y", ".", "sqlite:///", "s" * 300]
    ),
    "--no-store": st.just(None),
    "--store-samples": st.just(None),
    "--force": st.just(None),
}
_RACE_OPTIONS = {
    **{k: v for k, v in _RUN_OPTIONS.items() if k not in ("--keep", "--above")},
    "--months": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(_text),
        st.sampled_from(["0.1", "1", "60", "1200", "1201", "1e10", "1e300", "-1", "x"]),
    ),
    "--step": st.sampled_from(["month", "week", "day"]),
    "--keep-trajectories": st.sampled_from(["0", "1", "1000", "-1", str(10**12)]),
}
_SENSITIVITY_OPTIONS = {
    "--method": st.sampled_from(["tornado", "rank", "sobol", "x"]),
    "--samples": st.one_of(
        st.sampled_from(["1", "64", "200", "256", "300", "1000"]), _SAMPLES.map(_text)
    ),
    "--seed": _SEEDS.map(_text),
    "--output": st.sampled_from(
        ["race.research", "race.lead_at_pause", "static.research_per_month", "race.success", "x"]
    ),
    "--input": st.sampled_from(["compute.stock", "race.lead", "compute.utilization", "nope"]),
    "--months": st.sampled_from(["6", "24", "1200", "1e11", "inf", "0"]),
    "--log": st.just(None),
    "--step": st.sampled_from(["month", "week", "day"]),
    "--figure": st.sampled_from(["t.png", "t.svg", "t.pdf", "no/dir/t.png", "b" * 300 + ".png"]),
    "--force": st.just(None),
}
_SWEEP_OPTIONS: dict[str, st.SearchStrategy[str | None]] = {
    "--grid": st.sampled_from(
        [
            "race.lead=1 month,6 months",
            "race.lead=1..24 months:3",
            "race.lead=1..24 months:3:log",
            "compute.stock=1e21..1e23 FLOP/s:2:log",
            "race.lead=1..10:100000000",
            "race.lead=",
            "nope=1,2",
            "race.lead=9**9**9 months",
        ]
    ),
    "--samples": st.sampled_from(["1", "50", "200", "0", str(10**12)]),
    "--seed": _SEEDS.map(_text),
    "--months": st.sampled_from(["6", "24", "1200", "1e10", "nan"]),
    "--output": st.sampled_from(["race.research", "static.research_per_month", "nope"]),
    "--workers": st.sampled_from(["1", "2", "100000"]),
    "--cluster": st.sampled_from(["local:100000", "local:0", "nope"]),
    "--dry-run": st.just(None),
    "--out": st.sampled_from(["s.csv", "s.nc", "s.json", "s.txt"]),
    "--percentiles": st.sampled_from(["5,50,95", "101"]),
}
_COMPARE_OPTIONS: dict[str, st.SearchStrategy[str | None]] = {
    "--samples": st.sampled_from(["1", "50", "300", "0", str(10**12)]),
    "--seed": _SEEDS.map(_text),
    "--months": st.sampled_from(["6", "24", "1200", "1e10", "nan"]),
    "--output": st.sampled_from(["race.research", "static.research_per_month", "nope"]),
    "--workers": st.sampled_from(["1", "2", "100000"]),
    "--percentiles": st.sampled_from(["5,50,95", "101"]),
    "--figure": st.sampled_from(["c.png", "c.pdf", "c" * 300 + ".png"]),
    "--report": st.sampled_from(["c.html", "no/dir/c.html"]),
    "--store": st.sampled_from(["", "missing.sqlite"]),
}
_DEVLOOP_OPTIONS: dict[str, st.SearchStrategy[str | None]] = {
    "--tau": st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(_text),
        st.sampled_from(["10", "1000", "1e-320", "x", ""]),
    ),
    "--samples": _SAMPLES.map(_text),
    "--seed": _SEEDS.map(_text),
}


def _options(table: dict[str, st.SearchStrategy[str | None]]) -> st.SearchStrategy[list[str]]:
    def flatten(chosen: dict[str, str | None]) -> list[str]:
        args: list[str] = []
        for flag, value in chosen.items():
            args += [flag] if value is None else [flag, value]
        return args

    return st.fixed_dictionaries({}, optional=table).map(flatten)


@_SETTINGS
@given(
    data=st.data(),
    command=st.sampled_from(["run", "race", "sensitivity", "devloop", "sweep", "compare"]),
    preset=_PRESETS,
)
def test_option_combinations(
    fuzz_cli: Fuzz, data: st.DataObject, command: str, preset: str
) -> None:
    table: dict[str, dict[str, st.SearchStrategy[str | None]]] = {
        "run": _RUN_OPTIONS,
        "race": _RACE_OPTIONS,
        "sensitivity": _SENSITIVITY_OPTIONS,
        "devloop": _DEVLOOP_OPTIONS,
        "sweep": _SWEEP_OPTIONS,
        "compare": _COMPARE_OPTIONS,
    }
    options = data.draw(_options(table[command]))
    if command == "compare":
        other = data.draw(st.sampled_from(["preset:uncertain", "run:1", f"run:{10**20}", "x.toml"]))
        args = [command, f"preset:{preset}", other, *options]
    else:
        args = [command, "--preset", preset, *options]
    if command in ("run", "race", "devloop", "sweep", "compare") and "--samples" not in options:
        args += ["--samples", "200"]  # keep the default of 100,000 out of the budget
    if command == "sweep" and "--grid" not in options:
        args += ["--grid", "race.lead=3 months,9 months"]
    if command == "sensitivity" and "--method" not in options:
        args += ["--method", "tornado"]
    assert_clear(fuzz_cli(*args), args)


@_SETTINGS
@given(name=st.sampled_from(PARAMETER_NAMES), text=quantity_texts())
def test_explain_and_validate_any_value(fuzz_cli: Fuzz, name: str, text: str) -> None:
    args = ["validate", "base.toml", "--set", f"{name}={text}"]
    outcome = fuzz_cli(*args, files={"base.toml": 'schema = 1\nextends = "uncertain"\n'})
    assert_clear(outcome, args)
    explained = fuzz_cli("explain", name, "--format", "json")
    assert explained["code"] == 0, explained


_IDS = st.one_of(st.integers(-3, 5), st.sampled_from([2**63 - 1, 2**63, 10**20])).map(_text)


@_SETTINGS
@given(
    command=st.sampled_from(["list", "show", "diff", "export", "reproduce", "delete"]),
    ids=st.lists(_IDS, min_size=0, max_size=2),
    out=st.sampled_from(["r.json", "r.toml", "r.parquet", "r.csv", "a" * 300 + ".json"]),
    record_first=st.booleans(),
)
def test_runs_commands(
    fuzz_cli: Fuzz, command: str, ids: list[str], out: str, record_first: bool
) -> None:
    if record_first:  # something to find in the store
        recorded = fuzz_cli("run", "--preset", "uncertain", "-n", "100", "--store-samples")
        assert_clear(recorded, ["run", "--store-samples"])
    if command == "list":
        args = ["runs", "list", *(["--limit", ids[0]] if ids else [])]
    else:
        args = ["runs", command, *ids, *(["--out", out] if command == "export" else [])]
    assert_clear(fuzz_cli(*args), args)
