"""The run store under SIGKILL: concurrent writers killed at random never damage it.

Several processes record runs into one SQLite store as fast as they can, some keeping their
samples; random ones are killed with SIGKILL and replaced. Afterwards the database passes
SQLite's integrity check, every record reads whole, every kept samples file a record names is
there, and recorded runs reproduce bit for bit.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

from alignment_runway import api

_WRITERS = 4
_KILLS = 16


def _write_forever(store: Path, seed: int) -> None:
    """In a forked writer: record 300-sample runs, each with its own seed; keep every other
    one's samples."""
    from alignment_runway.store import now

    opened = api.open_store(str(store))
    scenario = api.load_scenario(preset="uncertain")
    while True:
        started = now()
        result = api.run(scenario, 300, seed)
        options = {"samples": 300, "seed": seed, "chunk_size": 65536, "workers": 1}
        api.record(opened, result, options, started, keep_samples=seed % 2 == 0)
        seed += 1000


def _start(store: Path, first_seed: int) -> multiprocessing.process.BaseProcess:
    # forked from this process, which has imported everything: a writer starts at once
    writer = multiprocessing.get_context("fork").Process(
        target=_write_forever, args=(store, first_seed), daemon=True
    )
    writer.start()
    return writer


def _kill(writer: multiprocessing.process.BaseProcess) -> None:
    assert writer.pid is not None and writer.is_alive()
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(timeout=60)
    assert writer.exitcode == -signal.SIGKILL


def test_writers_killed_at_random_leave_a_whole_store(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite"
    api.open_store(str(store)).engine.dispose()
    api.run(api.load_scenario(preset="uncertain"), 300, 0)  # imported before the writers fork
    rng = random.Random(2023)
    writers = [_start(store, seed) for seed in range(_WRITERS)]
    next_seed = _WRITERS
    for _ in range(_KILLS):
        time.sleep(rng.uniform(0.02, 0.25))
        victim = rng.randrange(_WRITERS)
        _kill(writers[victim])
        writers[victim] = _start(store, next_seed)
        next_seed += 1
    for writer in writers:
        _kill(writer)

    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    reopened = api.open_store(str(store), create=False)
    entries = reopened.list()
    assert len(entries) >= _WRITERS  # the writers got work done between the kills
    assert len({e.seed for e in entries}) == len(entries)  # no record twice
    for entry in entries:
        assert entry.samples == 300 and len(entry.digests) == 22 and entry.summary
        kept = reopened.samples_path(entry)
        assert (kept is not None) == (entry.seed % 2 == 0)
        assert kept is None or kept.stat().st_size > 0
    for entry in rng.sample(entries, 3):
        assert entry.id is not None and api.reproduce(reopened, entry.id).identical
    named = {reopened.samples_path(e) for e in entries} - {None}
    files = set((tmp_path / "runs-samples").iterdir())
    assert named <= files
    assert all(p.name.startswith(".") for p in files if p.suffix == ".tmp")
    # the next writer removes what killed writers left half-written
    api.record(
        reopened,
        api.rerun(entries[0]),
        entries[0].options,
        entries[0].started_at,
        keep_samples=True,
    )
    assert not [p for p in (tmp_path / "runs-samples").iterdir() if p.suffix == ".tmp"]
