"""The run store's suite on every database it supports: SQLite and a real PostgreSQL server.

The same SQLAlchemy models and Alembic migrations serve both; seeds, sample counts and ids
are 64-bit; several processes opening a new store at once migrate it once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from alignment_runway import api, views
from alignment_runway.store.database import SCHEMA_REVISION
from alignment_runway.web import Limits, create_app
from pgserver import fresh_database, postgres_server

BIGGEST_SEED = 2**63 - 1


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server, stopped when this module's tests end (pass or fail)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store on each database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite'}"
    server: str = request.getfixturevalue("postgres")
    return fresh_database(server)


def test_a_run_round_trips_with_a_64_bit_seed(store_url: str) -> None:
    store = api.open_store(store_url)
    result = api.run(api.load_scenario(preset="uncertain"), 300, BIGGEST_SEED, store=store)
    entry = store.get(result.run_id or 0)
    assert entry.seed == BIGGEST_SEED
    assert (entry.command, entry.samples, entry.scenario_name) == ("run", 300, "uncertain")
    assert entry.digests.keys() == result.values.keys()
    assert api.reproduce(store, entry.id or 0).identical


def test_a_race_round_trips(store_url: str) -> None:
    store = api.open_store(store_url)
    result = api.race(api.load_scenario(preset="race"), 200, 5, months=24, store=store)
    entry = store.get(result.run_id or 0)
    assert (entry.command, entry.seed, entry.options["months"]) == ("race", 5, 24)
    assert api.reproduce(store, entry.id or 0).identical


def test_ids_grow_and_are_never_reused(store_url: str) -> None:
    store = api.open_store(store_url)
    scenario = api.load_scenario()
    first = api.run(scenario, store=store).run_id
    second = api.run(scenario, store=store).run_id
    assert first is not None and second is not None and second > first
    store.delete(second)
    third = api.run(scenario, store=store).run_id
    assert third is not None and third > second
    assert [e.id for e in store.list()] == [third, first]
    assert [e.id for e in store.list(1)] == [third]


def test_a_missing_run_names_its_id(store_url: str) -> None:
    with pytest.raises(api.InputError) as caught:
        api.open_store(store_url).get(12345)
    assert caught.value.field == "run_id"
    assert "12345" in str(caught.value)


def test_the_schema_is_migrated_to_the_head_with_64_bit_columns(store_url: str) -> None:
    store = api.open_store(store_url)
    with store.engine.connect() as connection:
        head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        columns = {c["name"]: c["type"] for c in sa.inspect(connection).get_columns("runs")}
    assert head == SCHEMA_REVISION
    # SQLite's INTEGER holds 64 bits (the seed test above stores 2**63 - 1 on both)
    wide = sa.Integer if store.engine.dialect.name == "sqlite" else sa.BigInteger
    for name in ("id", "seed", "samples"):
        assert isinstance(columns[name], wide), (name, columns[name])


def _open(url: str) -> str:
    return api.open_store(url).location


def test_processes_opening_a_new_store_at_once_migrate_it_once(store_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        opened = pool.map(_open, [store_url] * 4)
    assert opened == [store_url] * 4
    store = api.open_store(store_url)
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    assert rows == 1
    assert store.list() == []


def test_the_web_saves_and_shows_runs_in_the_store(store_url: str) -> None:
    with TestClient(create_app(Limits(workers=1), store=store_url)) as client:
        body = {"preset": "uncertain", "samples": 400, "seed": BIGGEST_SEED, "command": "run"}
        saved = client.post("/api/runs", json=body).json()
        listed = client.get("/api/runs").json()
        shown = client.get(f"/api/runs/{saved['run_id']}").json()
    entry = api.open_store(store_url).get(saved["run_id"])
    assert listed == [row.to_json() for row in views.listed_runs([entry])]
    assert shown == views.record_json(entry)
    assert shown["seed"] == BIGGEST_SEED


def test_a_server_that_cannot_be_reached_is_named(postgres: str, tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@/postgres?host={tmp_path}&port=1"
    with pytest.raises(api.StoreError) as caught:
        api.open_store(url)
    assert "cannot be reached" in str(caught.value)
    assert url in str(caught.value)


def test_a_sweep_records_its_cells_and_resumes(store_url: str) -> None:
    scenario = api.load_scenario(preset="uncertain")
    grid = ["compute.stock=2e21 FLOP/s, 4e21 FLOP/s, 8e21 FLOP/s"]
    done = api.sweep(scenario, grid, ["static.labor"], 500, 2**62, store=store_url)
    assert done.sweep_id is not None
    [listed] = api.list_sweeps(store_url)
    assert (listed["cells_done"], listed["cells"], listed["finished"]) == (3, 3, True)
    again = api.sweep(scenario, [], store=store_url, resume=done.sweep_id)
    assert again.cells == done.cells and again.seed == 2**62
