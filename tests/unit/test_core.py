"""The interface-neutral core: the steps after a run from Python, and errors by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment_runway import api
from alignment_runway.errors import InputError, OutputError, StoreError

UNCERTAIN = ("compute.stock=2e21 to 8e21 FLOP/s",)


def test_python_records_only_when_asked(tmp_path: Path) -> None:
    scenario = api.load_scenario(settings=UNCERTAIN)
    plain = api.run(scenario, 2_000, 5)
    assert plain.run_id is None
    assert not (tmp_path / "runs.sqlite").exists()
    store = tmp_path / "runs.sqlite"
    recorded = api.run(scenario, 2_000, 5, store=str(store), keep=["static.labor"])
    assert recorded.run_id == 1
    entry = api.open_store(str(store), create=False).get(1)
    assert entry.command == "run" and entry.samples == 2_000 and entry.seed == 5
    assert entry.options["keep"] == ["static.labor"]
    assert entry.versions["sampling_scheme"] == "2"
    assert api.reproduce(api.open_store(str(store)), 1).identical


def test_python_takes_the_same_steps_as_the_command_line(tmp_path: Path) -> None:
    scenario = api.load_scenario(preset="race")
    result = api.race(
        scenario,
        500,
        3,
        months=24,
        keep_trajectories=20,
        store=str(tmp_path / "runs.sqlite"),
        out=tmp_path / "race.csv",
        report=tmp_path / "race.html",
    )
    assert isinstance(result, api.RaceResult) and result.run_id == 1
    rows = (tmp_path / "race.csv").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("race.research,") for line in rows)
    assert "<html" in (tmp_path / "race.html").read_text(encoding="utf-8")
    entry = api.open_store(str(tmp_path / "runs.sqlite")).get(1)
    assert entry.command == "race" and entry.options["months"] == 24


def test_bad_steps_fail_before_the_run(tmp_path: Path) -> None:
    scenario = api.load_scenario()
    with pytest.raises(OutputError) as error:
        api.run(scenario, out=tmp_path / "x.xlsx")
    assert error.value.field == "out"
    with pytest.raises(InputError) as missing:
        api.run(scenario, what="samples")
    assert missing.value.message() == "what: expected out FILE with it; received no out"
    assert missing.value.message({"what": "--what", "out": "--out"}) == (
        "--what: expected --out FILE with it; received no --out"
    )
    (tmp_path / "junk.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError) as store:
        api.run(scenario, store=str(tmp_path / "junk.sqlite"))
    assert store.value.message({"store": "--store"}).startswith("--store: ")


def test_an_error_names_its_field_and_renders_with_any_labels() -> None:
    error = InputError(
        "samples",
        "kept samples within 1 GiB",
        "10 samples",
        hint=": keep fewer with {0}",
        related=("keep",),
    )
    assert error.field == "samples"
    assert (
        str(error)
        == "samples: expected kept samples within 1 GiB; received 10 samples: keep fewer with keep"
    )
    assert error.message({"samples": "--samples", "keep": "--keep"}) == (
        "--samples: expected kept samples within 1 GiB; received 10 samples: keep fewer with --keep"
    )
    with pytest.raises(InputError) as bad:
        api.run(api.load_scenario(), samples=0)
    assert (bad.value.field, bad.value.received) == ("samples", "0")
