"""The run store's database: SQLAlchemy (SQLite by default), its schema migrated by Alembic."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import sqlite3
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from alignment_runway.errors import InputError, StoreError
from alignment_runway.files import remove_stale_in, temporary_name
from alignment_runway.results import RunRecord
from alignment_runway.store.connections import (
    BUSY_TIMEOUT_S,
    read_only_pragmas,
    reason,
    store_pragmas,
)
from alignment_runway.store.records import default_url
from alignment_runway.store.rows import DamagedRecord, read_record, runs_table

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SCHEMA_REVISION", "Store"]

#: The newest schema revision this version writes (the head of its Alembic migrations).
SCHEMA_REVISION = "0005_labels"
#: The PostgreSQL advisory lock that serialises schema changes between server processes.
_MIGRATION_LOCK = 0x616C69676E72756E  # "alignrun"
#: The largest id a record can have (SQL's 64-bit integers).
_MAX_ID = 2**63 - 1


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
        if location is not None and not location.strip():
            raise StoreError(
                location, "expected a SQLAlchemy URL or a SQLite file path; received none"
            )
        self.location = location or default_url()
        self.url = _url(self.location)
        self.path = self._sqlite_path()
        self.read_only = False
        if self.path is not None:
            try:
                self._prepare_file(create, named=location is not None)
            except OSError as exc:  # a name too long, a folder that cannot be looked at
                raise self._error(f"cannot be used ({exc.strerror or exc})") from None
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

        url: str | sa.URL = self.url
        if self.path is not None:  # built part by part: a name with '?' or '#' stays a name
            url = sa.URL.create("sqlite", database=str(self.path))
            if self.read_only:
                url = sa.URL.create(
                    "sqlite",
                    database=f"file:{urllib.parse.quote(str(self.path))}",
                    query=self._read_only_query(),
                )
        try:
            # a server's connections are opened per use and closed after it (no pool left
            # holding them open when a Store is dropped)
            engine = (
                sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
                if self.path
                else sa.create_engine(url, poolclass=sa.pool.NullPool)
            )
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise self._error(f"not a database URL SQLAlchemy can open ({exc})") from None
        if self.path is not None:
            pragmas = read_only_pragmas if self.read_only else store_pragmas
            sa.event.listen(engine, "connect", pragmas)
        return engine

    def _prepare_file(self, create: bool, named: bool) -> None:
        """Check a SQLite store's file and folder; create the folder for a new store.

        A named store's folder is created only when its parent exists (a mistyped path is
        refused rather than built); the default store's folders are created as needed. A
        store that exists but cannot be written (a read-only file or folder) is opened to be
        read only, and refused to record into (``create``).
        """
        assert self.path is not None
        if not self.path.name or self.path.is_dir():
            raise self._error("expected a SQLite database file; received a folder")
        if not create and not self.path.exists():
            raise self._error(
                "expected an existing run store; received a path with no store (nothing has "
                "been recorded there: check the path, or run a model first)"
            )
        folder = self.path.parent
        if not folder.is_dir():
            if named and not folder.parent.is_dir():
                raise self._error(
                    f"expected a store in an existing folder; received a path whose folder "
                    f"{str(folder.parent)!r} does not exist: create it first, or check the path"
                )
            try:
                folder.mkdir(parents=not named, exist_ok=True)
            except OSError as exc:
                raise self._error(f"its folder cannot be created ({exc.strerror})") from None
        if self.path.exists() and not (
            os.access(self.path, os.W_OK) and os.access(folder, os.W_OK)
        ):
            self.read_only = True
            if create:
                raise self._error(
                    "expected a run store that can be written; received one that is read-only "
                    "(its file or folder): choose another store, or do not record the run"
                )

    def _read_only_query(self) -> dict[str, str]:
        """SQLite's read-only mode (immutable where the folder cannot be written).

        In a folder this process cannot write, SQLite cannot make a WAL database's
        shared-memory file (and no writer can be there either).
        """
        assert self.path is not None
        immutable = not os.access(self.path.parent, os.W_OK)
        return {"mode": "ro", "uri": "true"} | ({"immutable": "1"} if immutable else {})

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

    def _revision(self, strict: bool = False) -> str | None:
        """The schema revision stored in the database (None: no schema yet).

        With ``strict`` (under the schema lock, where no other process is creating the
        schema), an empty ``alembic_version`` beside other tables is an error.
        """
        if self.path is not None:
            return self._sqlite_revision(strict)
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
                if "alembic_version" not in tables:
                    self._no_schema(tables)
                    return None
                row = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                found = row.scalar()
                return self._found(found, tables, strict)
        except sa.exc.DBAPIError as exc:
            raise self._error(f"cannot be reached or read ({reason(exc)})") from None

    def _found(self, found: object, tables: set[str], strict: bool) -> str | None:
        """The revision read, or (``strict``) an error for an empty ``alembic_version``."""
        if strict and found is None and tables - {"alembic_version"}:
            raise self._error(
                "expected a run store with its schema revision; received one whose "
                "alembic_version table is empty, so its schema is unknown; it was left "
                "as it is: move it aside or choose another store"
            )
        return None if found is None else str(found)

    def _no_schema(self, tables: set[str]) -> None:
        """Refuse a database with tables but no schema revision (someone else's database)."""
        if tables - {"alembic_version"}:
            raise self._error(
                f"expected an alignment-runway run store; received a database with "
                f"other tables ({', '.join(sorted(tables))}); choose another store"
            )

    def _sqlite_revision(self, strict: bool) -> str | None:
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
                return self._found(None if found is None else found[0], tables, strict)
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # bytes of a damaged file
            raise self._sqlite_error(exc) from None

    def _sqlite(self) -> sqlite3.Connection:
        """A standard-library connection to a SQLite store, with the store's pragmas."""
        if self.read_only:
            query = urllib.parse.urlencode(self._read_only_query())
            uri = f"file:{urllib.parse.quote(str(self.path))}?{query}"
            connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
            read_only_pragmas(connection, None)
            return connection
        connection = sqlite3.connect(self.path or "", timeout=BUSY_TIMEOUT_S)
        store_pragmas(connection, None)
        return connection

    def _sqlite_error(self, exc: sqlite3.Error | UnicodeDecodeError) -> StoreError:
        if isinstance(exc, sqlite3.OperationalError):
            return self._error(f"cannot be opened ({reason(exc)})")
        return self._error(
            f"expected a SQLite database; received a file that is not one, or is damaged "
            f"({reason(exc)}); it was left as it is: move it aside or choose another store"
        )

    def _check_schema(self) -> None:
        revision = self._revision(strict=self.read_only)  # a read-only store has no writer
        if revision == SCHEMA_REVISION:
            return
        if self.read_only:
            raise self._error(
                f"its schema (revision {revision!r}) needs migrating to {SCHEMA_REVISION!r}, "
                "but the store is read-only: open it once where it can be written"
            )
        known = _known_revisions()
        if revision is not None and revision not in known:
            raise self._error(
                f"its schema (revision {revision!r}) is newer than this version of "
                f"alignment-runway reads ({SCHEMA_REVISION!r}); upgrade alignment-runway, or "
                "choose another store; the database was left as it is"
            )
        try:
            with self._using("creating or migrating its schema"), self._lock():
                if self._revision(strict=True) != SCHEMA_REVISION:
                    self._migrate()
        except OSError as exc:  # the lock file, or the database's folder
            raise self._error(f"its schema cannot be written ({exc.strerror or exc})") from None

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

    @contextlib.contextmanager
    def _using(self, what: str) -> Iterator[None]:
        """Turn a database error, or a record that cannot be read, into a ``StoreError``."""
        import sqlalchemy as sa

        try:
            yield
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise self._error(
                f"{what} failed ({reason(exc)}); if the store is damaged, check it with "
                "sqlite3's PRAGMA integrity_check"
            ) from None
        except UnicodeDecodeError as exc:
            raise self._error(
                f"a record holds bytes that are not text ({exc.reason}); the store is damaged: "
                "check it with sqlite3's PRAGMA integrity_check"
            ) from None
        except DamagedRecord as exc:
            raise self._error(
                f"run {exc.run_id} is damaged ({exc.why}); delete it with its id to go on"
            ) from None

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
        with self._using("recording the run"), self.engine.begin() as connection:
            result = connection.execute(runs_table().insert().values(**row))
            key = result.inserted_primary_key
            return int(key[0]) if key is not None else -1

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
            raise self._error(f"the run could not be recorded ({reason(exc)})") from None

    def _write_samples(self, samples: Mapping[str, Any]) -> str:
        if self.path is None:
            raise self._error("samples can be kept only beside a SQLite store (a file)")
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = self.path.parent / f"{self.path.stem}-samples"
        folder.mkdir(exist_ok=True)
        remove_stale_in(folder)  # what writers killed mid-write left
        name = f"{uuid.uuid4().hex}.parquet"
        table = pa.table({key: np.asarray(value) for key, value in samples.items()})
        tmp = temporary_name(folder / name)
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, folder / name)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._error(f"the samples could not be kept ({exc.strerror or exc})") from None
        return f"{folder.name}/{name}"

    def samples_path(self, record: RunRecord) -> Path | None:
        """Where a record's samples are, when they were kept.

        Only a file directly in the store's own samples folder is ever named: a record that
        points anywhere else (an absolute path, ``..``, a link out of the folder) has
        doctored or damaged fields, and its file is neither read nor deleted.

        Raises:
            StoreError: for a record whose samples file lies outside the samples folder.
        """
        if record.samples_file is None or self.path is None:
            return None
        folder = self.path.parent / f"{self.path.stem}-samples"
        name = record.samples_file.removeprefix(f"{folder.name}/")
        candidate = folder / name
        inside = (
            "/" not in name
            and "\\" not in name
            and name not in ("", ".", "..")
            and name.endswith(".parquet")
            and candidate.resolve().parent == folder.resolve()
        )
        if not inside:
            raise self._error(
                f"run {record.id} names a samples file outside the store's samples folder "
                f"({record.samples_file!r}); it was not touched"
            )
        return candidate

    def list(self, limit: int | None = None) -> list[RunRecord]:
        """Records, newest first."""
        import sqlalchemy as sa

        runs = runs_table()
        query = sa.select(runs).order_by(runs.c.id.desc())
        if limit is not None and limit < _MAX_ID:  # a larger limit is no limit
            query = query.limit(limit)
        with self._using("reading the runs"), self.engine.connect() as connection:
            return [read_record(dict(row._mapping)) for row in connection.execute(query)]

    def get(self, run_id: int) -> RunRecord:
        """The record with id ``run_id``.

        Raises:
            InputError: when there is none.
        """
        import sqlalchemy as sa

        if isinstance(run_id, bool) or not isinstance(run_id, int) or not 1 <= run_id <= _MAX_ID:
            raise InputError("run_id", f"the id of a recorded run (1 to {_MAX_ID})", repr(run_id))
        runs = runs_table()
        with self._using(f"reading run {run_id}"), self.engine.connect() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
            if row is None:
                raise InputError(
                    "run_id",
                    "the id of a recorded run",
                    f"{run_id}, which is not in {self.location} (list the runs to see their ids)",
                )
            return read_record(dict(row._mapping))

    def delete(self, run_id: int) -> RunRecord | None:
        """Delete a record (and its samples file); return what was deleted.

        The record is read first, so a record that points outside the store's samples
        folder is refused before anything is deleted. A damaged record (one that cannot be
        read) is deleted without touching any file, and None is returned.
        """
        import sqlalchemy as sa

        try:
            record: RunRecord | None = self.get(run_id)
        except StoreError as exc:
            if "is damaged" not in exc.why:
                raise
            record = None
        path = None if record is None else self.samples_path(record)
        runs = runs_table()
        with self._using(f"deleting run {run_id}"), self.engine.begin() as connection:
            connection.execute(sa.delete(runs).where(runs.c.id == run_id))
        if path is not None:
            path.unlink(missing_ok=True)
        return record


def _known_revisions() -> set[str]:
    folder = resources.files("alignment_runway.store").joinpath("migrations", "versions")
    return {
        path.name.removesuffix(".py")
        for path in folder.iterdir()
        if path.name.endswith(".py") and not path.name.startswith("__")
    }
