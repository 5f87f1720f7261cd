"""Sweeps in the run store: a sweep's scenario and plan, and each cell as it finishes.

Each cell is written in a transaction of its own, so a sweep interrupted part-way keeps every
finished cell and ``resume`` runs only the rest; ``finished_at`` is set once the last is in.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alignment_runway.analysis.summary import Estimate
from alignment_runway.errors import InputError
from alignment_runway.results.swept import CellSummary, OutputSummaryCell
from alignment_runway.store.database import Store
from alignment_runway.store.rows import big_id

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SweepRecord", "add_cell", "finish_sweep", "get_sweep", "list_sweeps", "start_sweep"]


@dataclass(frozen=True)
class SweepRecord:
    """A recorded sweep: what it ran and the cells finished so far.

    Attributes:
        plan: the grid as given, outputs, samples, seed, months, step, percentiles and kind.
        cells: the number of cells in the grid.
        done: each finished cell's summary, by its index.
        finished_at: None while cells are missing (interrupted, or running).
    """

    id: int
    scenario_name: str
    scenario_text: str
    plan: dict[str, Any]
    versions: dict[str, str]
    cells: int
    started_at: str
    finished_at: str | None
    done: dict[tuple[int, ...], CellSummary]


@functools.cache
def _tables() -> tuple[sa.Table, sa.Table]:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    sweeps = sa.Table(
        "sweeps",
        metadata,
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("scenario_name", sa.Text),
        sa.Column("scenario_text", sa.Text),
        sa.Column("plan", sa.Text),
        sa.Column("versions", sa.Text),
        sa.Column("cells", sa.BigInteger),
        sa.Column("started_at", sa.String(40)),
        sa.Column("finished_at", sa.String(40)),
    )
    cells = sa.Table(
        "sweep_cells",
        metadata,
        sa.Column("sweep_id", big_id(), primary_key=True),
        sa.Column("cell", sa.String(64), primary_key=True),
        sa.Column("summary", sa.Text),
    )
    return sweeps, cells


def _estimate(pair: list[float]) -> Estimate:
    return Estimate(float(pair[0]), float(pair[1]))


def _cell_text(cell: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in cell)


def _summary_json(summary: CellSummary) -> str:
    return json.dumps(
        {
            name: {
                "mean": [out.mean.value, out.mean.se],
                "percentiles": [[q, e.value, e.se] for q, e in out.percentiles.items()],
            }
            for name, out in summary.outputs.items()
        }
    )


def _summary(cell: str, text: str) -> CellSummary:
    data = json.loads(text)
    return CellSummary(
        tuple(int(i) for i in cell.split(",")),
        {
            name: OutputSummaryCell(
                _estimate(out["mean"]),
                {float(q): Estimate(float(v), float(se)) for q, v, se in out["percentiles"]},
            )
            for name, out in data.items()
        },
    )


def start_sweep(
    store: Store,
    scenario_name: str,
    scenario_text: str,
    plan: Mapping[str, Any],
    versions: Mapping[str, str],
    cells: int,
    started_at: str,
) -> int:
    """Record a sweep before its first cell runs; return its id."""
    sweeps, _ = _tables()
    row = {
        "scenario_name": scenario_name,
        "scenario_text": scenario_text,
        "plan": json.dumps(dict(plan), sort_keys=True),
        "versions": json.dumps(dict(versions), sort_keys=True),
        "cells": cells,
        "started_at": started_at,
        "finished_at": None,
    }
    with store.engine.begin() as connection:
        key = connection.execute(sweeps.insert().values(**row)).inserted_primary_key
    return int(key[0]) if key is not None else -1


def add_cell(store: Store, sweep_id: int, summary: CellSummary) -> None:
    """Record one finished cell (in its own transaction)."""
    _, cells = _tables()
    row = {
        "sweep_id": sweep_id,
        "cell": _cell_text(summary.cell),
        "summary": _summary_json(summary),
    }
    with store.engine.begin() as connection:
        connection.execute(cells.insert().values(**row))


def finish_sweep(store: Store, sweep_id: int, finished_at: str) -> None:
    """Mark a sweep finished: every cell is in."""
    sweeps, _ = _tables()
    with store.engine.begin() as connection:
        connection.execute(
            sweeps.update().where(sweeps.c.id == sweep_id).values(finished_at=finished_at)
        )


def get_sweep(store: Store, sweep_id: int) -> SweepRecord:
    """A recorded sweep and its finished cells.

    Raises:
        InputError: for an id that is not a recorded sweep.
    """
    import sqlalchemy as sa

    sweeps, cells = _tables()
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(sweeps).where(sweeps.c.id == sweep_id)).first()
        if row is None:
            raise InputError(
                "resume",
                "the id of a recorded sweep",
                f"{sweep_id}, which is not in {store.location}",
            )
        found = connection.execute(
            sa.select(cells.c.cell, cells.c.summary).where(cells.c.sweep_id == sweep_id)
        ).all()
    r = row._mapping
    done = {summary.cell: summary for summary in (_summary(c, s) for c, s in found)}
    return SweepRecord(
        id=int(r["id"]),
        scenario_name=r["scenario_name"],
        scenario_text=r["scenario_text"],
        plan=json.loads(r["plan"]),
        versions=json.loads(r["versions"]),
        cells=int(r["cells"]),
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        done=done,
    )


def list_sweeps(store: Store, limit: int = 20) -> list[tuple[int, str, str, int, int, bool]]:
    """The newest sweeps: (id, started, scenario, cells done, cells, finished)."""
    import sqlalchemy as sa

    sweeps, cells = _tables()
    counted = (
        sa.select(cells.c.sweep_id, sa.func.count().label("done"))
        .group_by(cells.c.sweep_id)
        .subquery()
    )
    query = (
        sa.select(sweeps, sa.func.coalesce(counted.c.done, 0).label("done"))
        .outerjoin(counted, counted.c.sweep_id == sweeps.c.id)
        .order_by(sweeps.c.id.desc())
        .limit(limit)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        (
            int(r.id),
            r.started_at,
            r.scenario_name,
            int(r.done),
            int(r.cells),
            r.finished_at is not None,
        )
        for r in rows
    ]
