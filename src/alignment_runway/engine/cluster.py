"""Dask clusters: where ``--cluster`` sends a run's blocks or a sweep's cells.

``local:N`` starts a ``LocalCluster`` of N single-threaded worker processes for the call and
stops it after; ``tcp://HOST:PORT`` (or ``tls://…``) connects to a running scheduler, such as
one dask-jobqueue or a Kubernetes operator started. ``distributed`` is imported only here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.util import find_spec
from typing import Any

from alignment_runway.errors import InputError
from alignment_runway.results.swept import CellSummary
from alignment_runway.sampling import Executor

__all__ = [
    "MAX_LOCAL_WORKERS",
    "cell_mapper",
    "check_cluster_workers",
    "cluster_executor",
    "open_cluster",
]

#: Most worker processes ``local:N`` starts on this machine.
MAX_LOCAL_WORKERS = 64
_LOCAL = re.compile(r"^local:(\d+)$")
_REMOTE = re.compile(r"^(tcp|tls)://[^\s/]+:\d+$")
_EXPECTED = "local:N (N worker processes here) or tcp://HOST:PORT (a running Dask scheduler)"


def check_cluster_workers(workers: int) -> None:
    """A cluster brings its own workers: ``workers`` must be left at 1 beside it.

    Raises:
        InputError: for more than one local worker asked beside a cluster.
    """
    if workers != 1:
        raise InputError(
            "workers",
            "1 beside {0} (the cluster's workers do the work)",
            str(workers),
            related=("cluster",),
        )


@contextmanager
def open_cluster(spec: str, *, timeout_s: float = 10.0) -> Iterator[Any]:
    """A connected ``distributed.Client`` for ``spec``, closed (and a local cluster stopped) after.

    Raises:
        InputError: for a malformed spec, a worker count outside 1 … ``MAX_LOCAL_WORKERS``,
            ``distributed`` not installed, or a scheduler that cannot be reached in time.
    """
    local, remote = _LOCAL.match(spec), _REMOTE.match(spec)
    if not (local or remote):
        raise InputError("cluster", _EXPECTED, repr(spec))
    if find_spec("distributed") is None:
        raise InputError(
            "cluster",
            "the optional package distributed for a Dask cluster",
            "none installed (pip install 'alignment-runway[cluster]')",
        )
    from distributed import Client, LocalCluster

    if local:
        n = int(local.group(1))
        if not 1 <= n <= MAX_LOCAL_WORKERS:
            raise InputError("cluster", f"local:N with N from 1 to {MAX_LOCAL_WORKERS}", spec)
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: never a fixed one another process holds
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = Client(spec, timeout=f"{timeout_s}s")
    except (OSError, TimeoutError) as error:
        raise InputError("cluster", "a Dask scheduler that answers", f"{spec}: {error}") from None
    try:
        yield client
    finally:
        client.close()


def cell_mapper(
    client: Any,
) -> Callable[[Callable[..., CellSummary], Sequence[Any]], Iterator[CellSummary]]:
    """Run cells as tasks on ``client``'s cluster, yielding each summary as it finishes.

    A cell is a pure function of the sweep's plan and its index, so a task whose worker is
    lost is run again by the scheduler with the same result.
    """

    def map_cells(run: Callable[..., CellSummary], cells: Sequence[Any]) -> Iterator[CellSummary]:
        from distributed import as_completed

        futures = client.map(run, list(cells), pure=False)
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.cancel(futures)

    return map_cells


@contextmanager
def cluster_executor(spec: str | None, workers: int) -> Iterator[Executor | None]:
    """An executor on the cluster ``spec`` for the duration (None, the default, without one).

    Raises:
        InputError: as ``open_cluster`` and ``check_cluster_workers``.
    """
    if spec is None:
        yield None
        return
    check_cluster_workers(workers)
    from alignment_runway.sampling.cluster import DaskCluster

    with open_cluster(spec) as client:
        yield DaskCluster(client)
