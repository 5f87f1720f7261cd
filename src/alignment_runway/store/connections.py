"""SQLite connections of a run store: their settings, and database errors in one line."""

from __future__ import annotations

from typing import Any

__all__ = ["BUSY_TIMEOUT_S", "read_only_pragmas", "reason", "store_pragmas"]

#: Seconds a writer waits for another to finish before giving up.
BUSY_TIMEOUT_S = 60


def reason(exc: BaseException) -> str:
    """A database error's reason in one short line (never the SQL or a record's text)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= 160 else first[:160] + "…"


def read_only_pragmas(connection: Any, _record: Any) -> None:
    """A read-only store: a busy timeout, and queries only (SQLite refuses any write)."""
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def store_pragmas(connection: Any, _record: Any) -> None:
    """WAL (readers and a writer at once) and a busy timeout, on every SQLite connection."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
