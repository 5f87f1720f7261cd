"""The server's limits: time per request, a bounded queue, and workers that a heavy request
cannot take from the others. Each over-limit request gets a clear error, never a hung page."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alignment_runway import api, views
from alignment_runway.web import Limits, create_app
from alignment_runway.web.limits import Busy, Pool
from alignment_runway.web.work import compute


def test_a_run_past_its_deadline_stops_between_blocks() -> None:
    request = {"preset": "uncertain", "settings": {}, "seed": 1, "samples": 200_000}
    record = compute("run", request, time.monotonic() - 1.0)
    assert record["error"]["field"] == "time"
    assert "fewer samples" in record["error"]["received"]
    assert "error" not in compute("run", request | {"samples": 10}, time.monotonic() + 60)


def test_a_request_over_the_time_limit_gets_503_naming_it() -> None:
    with TestClient(create_app(Limits(seconds=1e-6, workers=1))) as client:
        response = client.post("/api/run", json={"preset": "uncertain", "samples": 1000})
    assert response.status_code == 503
    assert response.json()["field"] == "time"
    assert "time limit" in response.json()["message"]


def test_a_full_queue_answers_busy() -> None:
    async def three() -> list[object]:
        pool = Pool(Limits(workers=1, queue=0))
        try:
            request = {"preset": "uncertain", "settings": {}, "seed": 0, "samples": 20_000}
            jobs = [pool.compute("run", request | {"seed": i}) for i in range(3)]
            answers: list[object] = await asyncio.gather(*jobs, return_exceptions=True)
            return answers
        finally:
            pool.close()

    answers = asyncio.run(three())
    assert sum(isinstance(a, Busy) for a in answers) == 2
    assert sum(isinstance(a, dict) and "view" in a for a in answers) == 1


def test_a_heavy_request_does_not_starve_a_light_one() -> None:
    """With two workers, a point run sent after a long race finishes before it."""

    async def both() -> list[str]:
        pool = Pool(Limits(workers=2, samples=400_000))
        pool.warm()
        done: list[str] = []

        async def heavy() -> None:
            request = {"preset": "race", "settings": {}, "seed": 0, "samples": 400_000}
            await pool.compute("race", request | {"months": 240, "step": "week"})
            done.append("heavy")

        async def light() -> None:
            await asyncio.sleep(0.2)
            await pool.compute("run", {"preset": "essay", "settings": {}, "seed": 0})
            done.append("light")

        try:
            await asyncio.gather(heavy(), light())
        finally:
            pool.close()
        return done

    assert asyncio.run(both()) == ["light", "heavy"]


@pytest.mark.parametrize("command", ["run", "race"])
def test_a_saved_run_is_recorded_in_the_servers_store(tmp_path: Path, command: str) -> None:
    store = str(tmp_path / "runs.sqlite")
    request = {"preset": "race" if command == "race" else "uncertain", "samples": 500, "seed": 9}
    with TestClient(create_app(Limits(workers=1), store=store)) as client:
        assert client.get("/api/version").json()["store"] is True
        assert client.get("/api/runs").json() == []
        saved = client.post("/api/runs", json=request | {"command": command}).json()
        listed = client.get("/api/runs").json()
        shown = client.get(f"/api/runs/{saved['run_id']}").json()
        missing = client.get("/api/runs/999")
    entry = api.open_store(store).get(saved["run_id"])
    assert listed == [row.to_json() for row in views.listed_runs([entry])]
    assert shown == views.record_json(entry)
    assert (entry.command, entry.seed, entry.samples) == (command, 9, 500)
    assert missing.status_code == 422
    assert missing.json()["field"] == "run_id"


def test_a_run_stops_at_the_first_block_past_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The clock passes the deadline during the second of four blocks: the run stops there."""
    from alignment_runway.web import work

    calls: list[float] = []

    def clock() -> float:
        calls.append(0.0 if len(calls) < 2 else 100.0)
        return calls[-1]

    monkeypatch.setattr("alignment_runway.web.work.time.monotonic", clock)
    request = {"preset": "uncertain", "settings": {}, "seed": 1, "samples": 4 * 65_536}
    record = work.compute("run", request, 50.0)
    assert record["error"]["field"] == "time"
    assert len(calls) == 3  # at the start, after block 1, after block 2: not after 3 and 4


def test_a_saved_run_keeps_the_method_it_was_shown_with(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite")
    request = {"preset": "essay", "settings": {"compute.stock": "2e21 to 8e21 FLOP/s"}}
    with TestClient(create_app(Limits(workers=1), store=store)) as client:
        saved = client.post("/api/runs", json=request | {"method": "exact"}).json()
        refused = client.post("/api/runs", json=request | {"method": "exact", "command": "race"})
    entry = api.open_store(store).get(saved["run_id"])
    assert entry.options.get("method") == "exact" and entry.samples == 0
    assert refused.status_code == 422 and refused.json()["field"] == "method"
