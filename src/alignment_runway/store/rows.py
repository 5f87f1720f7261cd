"""The runs table, and a record as its row: read and checked, or named as damaged."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from alignment_runway.results import RunRecord

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["DamagedRecord", "big_id", "read_record", "runs_table"]


def big_id() -> Any:
    """A 64-bit id: BIGINT, except on SQLite: its INTEGER is 64-bit, and AUTOINCREMENT's type."""
    import sqlalchemy as sa

    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@functools.cache
def runs_table() -> sa.Table:
    """The runs table as the code reads and writes it (the migrations define it on disk)."""
    import sqlalchemy as sa

    BIG_ID = big_id()  # noqa: N806
    return sa.Table(
        "runs",
        sa.MetaData(),
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("command", sa.String(16)),
        sa.Column("scenario_name", sa.Text),
        sa.Column("scenario_text", sa.Text),
        sa.Column("options", sa.Text),
        sa.Column("versions", sa.Text),
        sa.Column("started_at", sa.String(40)),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("samples", sa.BigInteger),
        sa.Column("seed", sa.BigInteger),
        sa.Column("summary", sa.Text),
        sa.Column("digests", sa.Text),
        sa.Column("samples_file", sa.Text),
        sa.Column("label", sa.Text),
    )


class DamagedRecord(Exception):  # noqa: N818 (what the store holds, not a failure here)
    """A record whose fields cannot be read (bad JSON, bytes that are not text, wrong types)."""

    def __init__(self, run_id: object, why: str) -> None:
        self.run_id, self.why = run_id, why
        super().__init__(f"run {run_id}: {why}")


def read_record(row: Mapping[str, Any]) -> RunRecord:
    """The record a row holds.

    Raises:
        DamagedRecord: for a row whose fields cannot be read (bad JSON, wrong types).
    """
    try:
        return _parse_record(row)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise DamagedRecord(row.get("id", "?"), f"{type(exc).__name__}: {exc}") from None


def _parse_record(row: Mapping[str, Any]) -> RunRecord:
    text = ("command", "scenario_name", "scenario_text", "started_at", "finished_at")
    for key in text:
        if not isinstance(row[key], str):
            raise TypeError(f"{key} is {type(row[key]).__name__}, not text")
    samples_file, label = row["samples_file"], row.get("label")
    for key, value in (("samples_file", samples_file), ("label", label)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{key} is {type(value).__name__}, not text")
    options, versions = json.loads(row["options"]), json.loads(row["versions"])
    summary, digests = json.loads(row["summary"]), json.loads(row["digests"])
    for key, value in (("options", options), ("versions", versions), ("digests", digests)):
        if not isinstance(value, dict):
            raise TypeError(f"{key} is {type(value).__name__}, not an object")
    return RunRecord(
        command=row["command"],
        scenario_name=row["scenario_name"],
        scenario_text=row["scenario_text"],
        options=options,
        versions=versions,
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        samples=int(row["samples"]),
        seed=int(row["seed"]),
        summary=summary,
        digests=digests,
        samples_file=samples_file,
        id=int(row["id"]),
        label=label,
    )
