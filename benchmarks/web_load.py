"""Load on the web playground: p95 latency of recompute requests with 4 concurrent clients.

Starts ``alignment-runway serve`` on a free loopback port (2 worker processes, the default),
then for each case 4 clients send requests one after another, each a different scenario (a
different seed, and a setting that moves with it), so no answer could come from a cache. The
run stops after ``--requests`` requests per client or ``--seconds`` per case, whichever comes
first; the server is stopped at the end. Loopback only. Writes benchmarks/web_load.json.

    python benchmarks/web_load.py [--requests 25] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

HERE = Path(__file__).parent
CLIENTS = 4
SAMPLES = 100_000
#: (name, endpoint, preset, bar in ms, the setting each request moves)
CASES = (
    ("run of the uncertain preset", "run", "uncertain", 200.0, "compute.training_share"),
    ("race of the race preset", "race", "race", 500.0, "race.lead"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _setting(name: str, i: int) -> str:
    """A different value for each request: a range whose ends move with ``i``."""
    if name == "race.lead":
        return f"{2 + (i % 1000) * 1e-3:.3f} to 14 months"
    return f'{{dist = "lognormal", p5 = {0.01 + (i % 1000) * 1e-5:.5f}, p95 = 0.25, max = 1}}'


async def _client(
    http: httpx.AsyncClient, case: tuple[str, str, str, float, str], k: int, count: int,
    stop: float,
) -> list[float]:  # fmt: skip
    _, endpoint, preset, _, name = case
    latencies = []
    for j in range(count):
        if time.monotonic() > stop:
            break
        i = k * count + j
        body = {"preset": preset, "settings": {name: _setting(name, i)}, "seed": 1000 + i,
                "samples": SAMPLES}  # fmt: skip
        start = time.perf_counter()
        response = await http.post(f"/api/{endpoint}", json=body)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{endpoint}: {response.status_code} {response.text[:300]}")
    return latencies


async def _case(base: str, case: tuple[str, str, str, float, str], count: int, seconds: float
                ) -> dict[str, Any]:  # fmt: skip
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        # warm-up (not counted): scenarios the measured requests do not repeat
        await _client(http, case, CLIENTS, count, time.monotonic() + 5)
        stop = time.monotonic() + seconds
        started = time.perf_counter()
        runs = await asyncio.gather(*(_client(http, case, k, count, stop) for k in range(CLIENTS)))
        wall = time.perf_counter() - started
    latencies = np.array([x for run in runs for x in run])
    p50, p95 = np.percentile(latencies, [50, 95])
    return {
        "case": case[0], "endpoint": case[1], "preset": case[2], "bar_ms": case[3],
        "clients": CLIENTS, "samples": SAMPLES, "requests": int(latencies.size),
        "p50_ms": float(p50), "p95_ms": float(p95), "max_ms": float(latencies.max()),
        "requests_per_s": latencies.size / wall, "met": bool(p95 < case[3]),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    parser.add_argument("--seconds", type=float, default=120.0, help="most seconds per case")
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "alignment_runway", "serve", "--port", str(port)],
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/version", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        results = [asyncio.run(_case(base, case, args.requests, args.seconds)) for case in CASES]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    document = {"command": "python benchmarks/web_load.py " + " ".join(sys.argv[1:]),
                "cpus": os.cpu_count(), "results": results}  # fmt: skip
    (HERE / "web_load.json").write_text(json.dumps(document, indent=2) + "\n")
    for r in results:
        verdict = "met" if r["met"] else "MISSED"
        sys.stdout.write(
            f"{r['case']}: {r['requests']} requests, p50 {r['p50_ms']:.0f} ms, "
            f"p95 {r['p95_ms']:.0f} ms (bar {r['bar_ms']:.0f} ms: {verdict})\n"
        )


if __name__ == "__main__":
    main()
