"""The run store: round trips, reproduction, concurrent writers, killed writers, bad files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from alignment_runway import api
from alignment_runway.errors import Error
from alignment_runway.scenarios.loader import load_text
from alignment_runway.store import SCHEMA_REVISION, Store, digests, now

_RACE_OPTIONS = {
    "samples": 3000,
    "seed": 7,
    "months": 36.0,
    "step": "month",
    "keep_trajectories": 100,
    "chunk_size": 65536,
    "workers": 1,
}


def _race() -> api.RaceResult:
    return api.race(
        api.load_scenario(preset="race", settings=["race.lead=3 to 9 months"]),
        3000,
        7,
        months=36.0,
        keep_trajectories=100,
    )


def _store(tmp_path: Path) -> Store:
    return api.open_store(str(tmp_path / "runs.sqlite"))


def test_a_record_round_trips(tmp_path: Path) -> None:
    store = _store(tmp_path)
    result = _race()
    started = now()
    run_id = api.record(store, result, _RACE_OPTIONS, started, now())
    entry = store.get(run_id)
    assert entry.id == run_id and entry.command == "race"
    assert entry.options == _RACE_OPTIONS and entry.samples == 3000 and entry.seed == 7
    assert entry.started_at == started and entry.finished_at >= started
    assert set(entry.versions) == {
        "alignment-runway",
        "python",
        "numpy",
        "scipy",
        "sampling_scheme",
    }
    assert entry.digests == digests(result.values)
    summary = {row["name"]: row for row in entry.summary}
    expected = result.summaries((5.0, 50.0, 95.0), None, ["race.research"])[0]
    assert summary["race.research"]["p50"] == expected.percentiles[50.0].value
    assert summary["race.research"]["mean_se"] == expected.mean.se
    # the resolved scenario reads back to the same values
    again = load_text(entry.scenario_text, entry.scenario_name)
    assert {n: s.value for n, s in again.settings.items()} == {
        n: s.value for n, s in result.scenario.settings.items()
    }
    # a second store object on the same file sees it; newest first
    second = api.record(store, result, _RACE_OPTIONS, now(), now())
    assert [e.id for e in _store(tmp_path).list()] == [second, run_id]


def test_samples_are_kept_as_parquet_beside_the_database(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    store = _store(tmp_path)
    result = _race()
    run_id = api.record(store, result, _RACE_OPTIONS, now(), now(), keep_samples=True)
    path = store.samples_path(store.get(run_id))
    assert path is not None and path.parent == tmp_path / "runs-samples"
    table = pq.read_table(path)
    assert np.array_equal(table.column("race.research").to_numpy(), result.values["race.research"])
    store.delete(run_id)
    assert not path.exists()
    with pytest.raises(Error, match="expected the id of a recorded run; received"):
        store.get(run_id)


def test_reproduce_confirms_identical_results(tmp_path: Path) -> None:
    store = _store(tmp_path)
    run_id = api.record(store, _race(), _RACE_OPTIONS, now(), now())
    outcome = api.reproduce(store, run_id)
    assert outcome.identical and outcome.differing == ()
    assert outcome.changed_versions == {}
    # a static run with --keep reproduces too
    scenario = api.load_scenario(preset="uncertain")
    result = api.run(scenario, 5000, 3, keep=["static.research_per_month"])
    options = {"samples": 5000, "seed": 3, "chunk_size": 1000, "workers": 1}
    static_id = api.record(
        store, result, options | {"keep": ["static.research_per_month"]}, now(), now()
    )
    assert api.reproduce(store, static_id).identical


def test_reproduce_names_what_differs_and_which_version_changed(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    store = _store(tmp_path)
    run_id = api.record(store, _race(), _RACE_OPTIONS, now(), now())
    entry = store.get(run_id)
    tampered = dict(entry.digests, **{"race.research": "0" * 64})
    versions = dict(entry.versions, numpy="1.0.0")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE runs SET digests = ?, versions = ? WHERE id = ?",
            (json.dumps(tampered), json.dumps(versions), run_id),
        )
    outcome = api.reproduce(_store(tmp_path), run_id)
    assert not outcome.identical
    assert outcome.differing == ("race.research",)
    assert outcome.changed_versions == {"numpy": ("1.0.0", np.__version__)}


def _writer(store: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alignment_runway", *args, "--store", str(store), "-f", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_all_land(tmp_path: Path) -> None:
    store = tmp_path / "fresh" / "runs.sqlite"  # created by the writers themselves, at once
    writers = [
        _writer(store, "run", "--preset", "uncertain", "-n", "20000", "--seed", str(seed))
        for seed in range(3)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    entries = api.open_store(str(store)).list()
    assert sorted(e.seed for e in entries) == [0, 1, 2]
    assert len({e.id for e in entries}) == 3


def test_a_writer_killed_mid_run_leaves_no_record(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    api.open_store(str(store))  # the schema exists; the writer then works for a while
    writer = _writer(store, "race", "--preset", "race", "-n", "4000000", "--months", "120")
    time.sleep(2.0)
    assert writer.poll() is None, "the run finished before it could be killed"
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reopened = api.open_store(str(store))
    assert reopened.list() == []
    run_id = api.record(reopened, _race(), _RACE_OPTIONS, now(), now())
    assert [e.id for e in reopened.list()] == [run_id]


def test_a_corrupt_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    garbage = b"this is not a database, but someone's notes " * 200
    path.write_bytes(garbage)
    with pytest.raises(Error) as error:
        api.open_store(str(path))
    message = str(error.value)
    assert "store" in message and str(path) in message and "not one, or is damaged" in message
    assert path.read_bytes() == garbage


def test_a_database_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(Error, match=r"received a database with other tables \(notes\)"):
        api.open_store(str(path))


def test_a_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    store = _store(tmp_path)
    api.record(store, _race(), _RACE_OPTIONS, now(), now())
    store.engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    before = path.read_bytes()
    with pytest.raises(Error) as error:
        api.open_store(str(path))
    assert "0099_future" in str(error.value) and "newer" in str(error.value)
    assert SCHEMA_REVISION in str(error.value)
    assert path.read_bytes() == before


def test_a_new_store_gets_the_current_schema_through_alembic(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "runs.sqlite"  # made, in a folder that exists
    api.open_store(str(path))
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (
            SCHEMA_REVISION,
        )
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert api.open_store(f"sqlite:///{path}").list() == []


def test_an_older_schema_is_migrated_keeping_its_runs(tmp_path: Path) -> None:
    from importlib import resources

    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    path = tmp_path / "old.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    folder = resources.files("alignment_runway.store").joinpath("migrations")
    with resources.as_file(folder) as scripts, engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(scripts))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_runs")  # the first schema: ids could be reused
    engine.dispose()
    with sqlite3.connect(path) as connection:
        sql = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'runs'").fetchone()
        assert "AUTOINCREMENT" not in sql[0]
    first = api.open_store(str(path))  # migrates to the head revision
    result = _race()
    kept = api.record(first, result, _RACE_OPTIONS, now(), now())
    newest = api.record(first, result, _RACE_OPTIONS, now(), now())
    first.delete(newest)
    again = api.record(first, result, _RACE_OPTIONS, now(), now())
    assert again > newest > kept  # a deleted id is never given out again
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (
            SCHEMA_REVISION,
        )


def test_reading_a_store_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "runs.sqlite"
    with pytest.raises(Error, match="received a path with no store"):
        api.open_store(str(path), create=False)
    assert not path.parent.exists()
