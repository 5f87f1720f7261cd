"""The run store's database: SQLAlchemy (SQLite by default), its schema migrated by Alembic."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
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
from alignment_runway.store.records import default_url
from alignment_runway.store.rows import DamagedRecord, read_record

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SCHEMA_REVISION", "Store"]

#: The newest schema revision this version writes (the head of its Alembic migrations).
SCHEMA_REVISION = "0004_sweeps"
#: The PostgreSQL advisory lock that serialises schema changes between server processes.
_MIGRATION_LOCK = 0x616C69676E72756E  # "alignrun"
#: The largest id a record can have (SQL's 64-bit integers).
_MAX_ID = 2**63 - 1
#: Seconds a writer waits for another to finish before giving up.
_BUSY_TIMEOUT_S = 60


def _url(location: str) -> tuple[str | sa.URL, Path | None]:
    """A SQLAlchemy URL for ``location``, and its SQLite file (None: a server or memory).

    A file path becomes a SQLite URL built part by part, so a name with ``?``, ``#`` or
    ``%`` stays a name; a URL is taken as given.
    """
    import sqlalchemy as sa

    if "://" not in location:
        path = Path(location).expanduser().resolve()
        return sa.URL.create("sqlite", database=str(path)), path
    if location.startswith("sqlite:///"):
        return location, Path(location.removeprefix("sqlite:///"))
    return location, None


class Store:
    """A run store at a SQLAlchemy URL or a file path (SQLite).

    Opening checks the database: a missing SQLite file is created with the current schema,
    an older schema is migrated, a newer one or a file that is not a database is refused.

    Raises:
        StoreError: for a store that cannot be opened or used, naming it and why.
    """

    def __init__(self, location: str | None = None, *, create: bool = True) -> None:
        import sqlalchemy as sa

        if location is not None and not location.strip():
            raise StoreError(
                location, "expected a SQLAlchemy URL or a SQLite file path; received none"
            )
        self.location = location or default_url()
        self.url, self.path = _url(self.location)
        self.read_only = False
        if self.path is not None:
            try:
                self._prepare_file(create, named=location is not None)
            except OSError as exc:  # a name too long, a folder that cannot be looked at
                raise self._error(f"cannot be used ({exc.strerror or exc})") from None
        url: str | sa.URL = self.url
        if self.read_only:  # read through SQLite's read-only mode, never writing a byte
            # in a folder this process cannot write, SQLite cannot make the shared-memory
            # file of a WAL database: read it as immutable (no writer can be here either)
            folder_ro = self.path is not None and not os.access(self.path.parent, os.W_OK)
            query = {"mode": "ro", "uri": "true"} | ({"immutable": "1"} if folder_ro else {})
            quoted = urllib.parse.quote(str(self.path))  # a URI: '?', '#' and '%' escaped
            url = sa.URL.create("sqlite", database=f"file:{quoted}", query=query)
        try:
            # a server's connections are opened per use and closed after it (no pool left
            # holding them open when a Store is dropped)
            self.engine = (
                sa.create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_S})
                if self.path
                else sa.create_engine(url, poolclass=sa.pool.NullPool)
            )
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise self._error(f"not a database URL SQLAlchemy can open ({exc})") from None
        if self.path is not None:
            sa.event.listen(
                self.engine, "connect", _sqlite_read_only if self.read_only else _sqlite_pragmas
            )
        self._check_schema()

    def _prepare_file(self, create: bool, named: bool) -> None:
        """Check a SQLite store's file and folder; create the folder for a new store.

        A named store's folder is created only when its parent exists (a mistyped path is
        refused rather than built); the default store's folders are created as needed. A
        store that exists but cannot be written (a read-only file or folder) is opened to be
        read only.
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

    # --- opening -----------------------------------------------------------------------------

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
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                tables = set(sa.inspect(connection).get_table_names())
                if "alembic_version" not in tables:
                    if tables - {"alembic_version"}:
                        raise self._error(
                            f"expected an alignment-runway run store; received a database with "
                            f"other tables ({', '.join(sorted(tables))}); choose another store"
                        )
                    return None
                row = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                found = row.scalar()
                if strict and found is None and tables - {"alembic_version"}:
                    raise self._error(
                        "expected a run store with its schema revision; received one whose "
                        "alembic_version table is empty, so its schema is unknown; it was left "
                        "as it is: move it aside or choose another store"
                    )
                return None if found is None else str(found)
        except (sa.exc.DBAPIError, UnicodeDecodeError) as exc:
            if self.path is None:  # a database server
                raise self._error(f"cannot be reached or read ({_reason(exc)})") from None
            if isinstance(exc, sa.exc.OperationalError):
                raise self._error(f"cannot be opened ({_reason(exc)})") from None
            raise self._error(
                f"expected a SQLite database; received a file that is not one, or is damaged "
                f"({_reason(exc)}); it was left as it is: move it aside or choose another store"
            ) from None

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
        except sa.exc.SQLAlchemyError as exc:
            raise self._error(
                f"{what} failed ({_reason(exc)}); if the store is damaged, check it with "
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
        }
        with self._using("recording the run"), self.engine.begin() as connection:
            result = connection.execute(_runs_table().insert().values(**row))
            key = result.inserted_primary_key
            return int(key[0]) if key is not None else -1

    def _write_samples(self, samples: Mapping[str, Any]) -> str:
        if self.path is None:
            raise self._error("samples can be kept only beside a SQLite store (a file)")
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = self.path.parent / self._samples_folder()
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
        folder = self.path.parent / self._samples_folder()
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

    def _samples_folder(self) -> str:
        assert self.path is not None
        return f"{self.path.stem}-samples"

    def list(self, limit: int | None = None) -> list[RunRecord]:
        """Records, newest first."""
        import sqlalchemy as sa

        runs = _runs_table()
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
        runs = _runs_table()
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
        runs = _runs_table()
        with self._using(f"deleting run {run_id}"), self.engine.begin() as connection:
            connection.execute(sa.delete(runs).where(runs.c.id == run_id))
        if path is not None:
            path.unlink(missing_ok=True)
        return record


def _reason(exc: BaseException) -> str:
    """A database error's reason in one short line (never the SQL or a record's text)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= 160 else first[:160] + "…"


def _sqlite_read_only(connection: Any, _record: Any) -> None:
    """A read-only store: a busy timeout, and queries only (SQLite refuses any write)."""
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


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
    )
