"""The run store's database: SQLAlchemy (SQLite by default), its schema migrated by Alembic."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from alignment_runway.errors import InputError, StoreError
from alignment_runway.results import RunRecord
from alignment_runway.store.records import default_url

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SCHEMA_REVISION", "Store"]

#: The newest schema revision this version writes (the head of its Alembic migrations).
SCHEMA_REVISION = "0005_labels"
#: The PostgreSQL advisory lock that serialises schema changes between server processes.
_MIGRATION_LOCK = 0x616C69676E72756E  # "alignrun"
#: Seconds a writer waits for another to finish before giving up.
_BUSY_TIMEOUT_S = 60


def _url(location: str) -> str:
    """A SQLAlchemy URL for ``location``: a URL as given, a file path as SQLite."""
    if "://" in location:
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


class Store:
    """A run store at a SQLAlchemy URL or a file path (SQLite).

    Opening checks the database: a missing SQLite file is created with the current schema,
    an older schema is migrated, a newer one or a file that is not a database is refused.

    Raises:
        StoreError: for a store that cannot be opened or used, naming it and why.
    """

    def __init__(self, location: str | None = None, *, create: bool = True) -> None:
        self.location = location or default_url()
        self.url = _url(self.location)
        self.path = self._sqlite_path()
        if self.path is not None and not create and not self.path.exists():
            raise self._error(
                "expected an existing run store; received a path with no store (nothing has "
                "been recorded there: check the path, or run a model first)"
            )
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._error(f"its folder cannot be created ({exc.strerror})") from None
        if self.path is None:
            self.engine  # noqa: B018 (a URL SQLAlchemy cannot open fails here, at once)
        self._check_schema()

    @functools.cached_property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine, made on first use.

        A SQLite store whose schema is current is checked and written with the standard
        library's ``sqlite3`` (SQLAlchemy takes longer to import than a run takes to record):
        migrations, reading and sweeps use this engine.
        """
        import sqlalchemy as sa

        try:
            # a server's connections are opened per use and closed after it (no pool left
            # holding them open when a Store is dropped)
            engine = (
                sa.create_engine(self.url, connect_args={"timeout": _BUSY_TIMEOUT_S})
                if self.path
                else sa.create_engine(self.url, poolclass=sa.pool.NullPool)
            )
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise self._error(f"not a database URL SQLAlchemy can open ({exc})") from None
        if self.path is not None:
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    # --- opening -----------------------------------------------------------------------------

    def _sqlite_path(self) -> Path | None:
        if not self.url.startswith("sqlite:///"):
            return None
        return Path(self.url.removeprefix("sqlite:///"))

    def _error(self, why: str) -> StoreError:
        return StoreError(self.location, why)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise schema changes between processes.

        SQLite: a lock file beside the database. PostgreSQL: a session advisory lock, held
        on its own connection while another migrates (so several servers starting at once
        migrate once). Other databases: none.
        """
        if self.path is None:
            if self.engine.dialect.name != "postgresql":
                yield
                return
            import sqlalchemy as sa

            with self.engine.connect() as connection:
                connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                try:
                    yield
                finally:
                    connection.execute(
                        sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK}
                    )
                    connection.commit()
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _revision(self) -> str | None:
        """The schema revision stored in the database (None: no schema yet)."""
        if self.path is not None:
            return self._sqlite_revision()
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
                if "alembic_version" not in tables:
                    self._no_schema(tables)
                    return None
                row = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                found = row.scalar()
                return None if found is None else str(found)
        except sa.exc.DBAPIError as exc:
            raise self._error(f"cannot be reached or read ({exc.orig})") from None

    def _no_schema(self, tables: set[str]) -> None:
        """Refuse a database with tables but no schema revision (someone else's database)."""
        if tables - {"alembic_version"}:
            raise self._error(
                f"expected an alignment-runway run store; received a database with "
                f"other tables ({', '.join(sorted(tables))}); choose another store"
            )

    def _sqlite_revision(self) -> str | None:
        """A SQLite store's schema revision, read with the standard library's ``sqlite3``."""
        try:
            with contextlib.closing(self._sqlite()) as connection:
                tables = {
                    str(name)
                    for (name,) in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                    )
                    if not str(name).startswith("sqlite_")  # SQLite's own tables
                }
                if "alembic_version" not in tables:
                    self._no_schema(tables)
                    return None
                found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                return None if found is None or found[0] is None else str(found[0])
        except sqlite3.Error as exc:
            raise self._sqlite_error(exc) from None

    def _sqlite(self) -> sqlite3.Connection:
        """A standard-library connection to a SQLite store, with the store's pragmas."""
        connection = sqlite3.connect(self.path or "", timeout=_BUSY_TIMEOUT_S)
        _sqlite_pragmas(connection, None)
        return connection

    def _sqlite_error(self, exc: sqlite3.Error) -> StoreError:
        if isinstance(exc, sqlite3.OperationalError):
            return self._error(f"cannot be opened ({exc})")
        return self._error(
            f"expected a SQLite database; received a file that is not one, or is damaged "
            f"({exc}); it was left as it is: move it aside or choose another store"
        )

    def _check_schema(self) -> None:
        revision = self._revision()
        if revision == SCHEMA_REVISION:
            return
        known = _known_revisions()
        if revision is not None and revision not in known:
            raise self._error(
                f"its schema (revision {revision!r}) is newer than this version of "
                f"alignment-runway reads ({SCHEMA_REVISION!r}); upgrade alignment-runway, or "
                "choose another store; the database was left as it is"
            )
        with self._lock():
            if self._revision() != SCHEMA_REVISION:
                self._migrate()

    def _migrate(self) -> None:
        """Bring the schema to the head revision with Alembic (in one transaction)."""
        from alembic import command
        from alembic.config import Config

        folder = resources.files("alignment_runway.store").joinpath("migrations")
        with resources.as_file(folder) as path, self.engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(path))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    # --- records -----------------------------------------------------------------------------

    def add(self, record: RunRecord, samples: Mapping[str, Any] | None = None) -> int:
        """Store ``record`` (and its samples as Parquet beside a SQLite store); return its id.

        The samples are written first, under a fresh name, and the record then refers to them
        in one transaction: a run killed in between leaves an unreferenced file, never a
        record that points at nothing.
        """
        samples_file = None
        if samples is not None:
            samples_file = self._write_samples(samples)
        row = {
            "command": record.command,
            "scenario_name": record.scenario_name,
            "scenario_text": record.scenario_text,
            "options": json.dumps(record.options, sort_keys=True),
            "versions": json.dumps(record.versions, sort_keys=True),
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "samples": record.samples,
            "seed": record.seed,
            "summary": json.dumps(record.summary),
            "digests": json.dumps(record.digests, sort_keys=True),
            "samples_file": samples_file,
            "label": record.label,
        }
        if self.path is not None:
            return self._sqlite_add(row)
        import sqlalchemy as sa

        try:
            with self.engine.begin() as connection:
                result = connection.execute(_runs_table().insert().values(**row))
                key = result.inserted_primary_key
                return int(key[0]) if key is not None else -1
        except sa.exc.SQLAlchemyError as exc:
            raise self._error(f"the run could not be recorded ({exc})") from None

    def _sqlite_add(self, row: Mapping[str, Any]) -> int:
        """Insert one row into a SQLite store's runs table in one transaction (``sqlite3``)."""
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        try:
            with contextlib.closing(self._sqlite()) as connection, connection:
                cursor = connection.execute(
                    f"INSERT INTO runs ({names}) VALUES ({marks})",  # the row's own column names
                    tuple(row.values()),
                )
                return int(cursor.lastrowid) if cursor.lastrowid is not None else -1
        except sqlite3.Error as exc:
            raise self._error(f"the run could not be recorded ({exc})") from None

    def _write_samples(self, samples: Mapping[str, Any]) -> str:
        if self.path is None:
            raise self._error("samples can be kept only beside a SQLite store (a file)")
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = self.path.parent / f"{self.path.stem}-samples"
        folder.mkdir(exist_ok=True)
        name = f"{uuid.uuid4().hex}.parquet"
        table = pa.table({key: np.asarray(value) for key, value in samples.items()})
        tmp = folder / f".{name}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, folder / name)
        return f"{folder.name}/{name}"

    def samples_path(self, record: RunRecord) -> Path | None:
        """Where a record's samples are, when they were kept."""
        if record.samples_file is None or self.path is None:
            return None
        return self.path.parent / record.samples_file

    def list(self, limit: int | None = None) -> list[RunRecord]:
        """Records, newest first."""
        import sqlalchemy as sa

        runs = _runs_table()
        query = sa.select(runs).order_by(runs.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [_record(dict(row._mapping)) for row in connection.execute(query)]

    def get(self, run_id: int) -> RunRecord:
        """The record with id ``run_id``.

        Raises:
            InputError: when there is none.
        """
        import sqlalchemy as sa

        runs = _runs_table()
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
        if row is None:
            raise InputError(
                "run_id",
                "the id of a recorded run",
                f"{run_id}, which is not in {self.location} (list the runs to see their ids)",
            )
        return _record(dict(row._mapping))

    def delete(self, run_id: int) -> RunRecord:
        """Delete a record (and its samples file); return what was deleted."""
        import sqlalchemy as sa

        record = self.get(run_id)
        runs = _runs_table()
        with self.engine.begin() as connection:
            connection.execute(sa.delete(runs).where(runs.c.id == run_id))
        path = self.samples_path(record)
        if path is not None:
            path.unlink(missing_ok=True)
        return record


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL (readers and a writer at once) and a busy timeout, on every SQLite connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _known_revisions() -> set[str]:
    folder = resources.files("alignment_runway.store").joinpath("migrations", "versions")
    return {
        path.name.removesuffix(".py")
        for path in folder.iterdir()
        if path.name.endswith(".py") and not path.name.startswith("__")
    }


def big_id() -> Any:
    """A 64-bit id: BIGINT, except on SQLite: its INTEGER is 64-bit, and AUTOINCREMENT's type."""
    import sqlalchemy as sa

    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@functools.cache
def _runs_table() -> sa.Table:
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


def _record(row: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        command=row["command"],
        scenario_name=row["scenario_name"],
        scenario_text=row["scenario_text"],
        options=json.loads(row["options"]),
        versions=json.loads(row["versions"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        samples=int(row["samples"]),
        seed=int(row["seed"]),
        summary=json.loads(row["summary"]),
        digests=json.loads(row["digests"]),
        samples_file=row["samples_file"],
        id=int(row["id"]),
        label=row.get("label"),
    )
