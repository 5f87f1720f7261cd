"""The run store: runs and races recorded in a database, to find, compare and reproduce.

SQLite by default, through SQLAlchemy (a SQLite store at the current schema is checked and
written with the standard library's ``sqlite3``, which is quicker to import).

A record holds the command and every option it ran with, the fully resolved scenario as TOML,
the versions of the package, Python, numpy and scipy, start and end times, the summaries and a
SHA-256 digest of every kept array (so a re-run can be checked bit for bit), and optionally the
samples as Parquet beside the database. A record is written in one transaction at the end of a
run, so a run killed halfway leaves nothing half-written; SQLite runs in WAL mode with a busy
timeout, so several processes can record at once. The schema is versioned with Alembic; a
database from a newer version, or a file that is not a database, is refused, never reset.
"""

from alignment_runway.results import RunRecord
from alignment_runway.store.database import SCHEMA_REVISION, Store
from alignment_runway.store.records import (
    STORE_ENV,
    changed_versions,
    default_url,
    differing,
    digests,
    now,
    summary_records,
    versions,
)

__all__ = [
    "SCHEMA_REVISION",
    "STORE_ENV",
    "RunRecord",
    "Store",
    "changed_versions",
    "default_url",
    "differing",
    "digests",
    "now",
    "summary_records",
    "versions",
]
