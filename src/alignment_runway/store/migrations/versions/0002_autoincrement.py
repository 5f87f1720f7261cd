"""Run ids are never reused: the runs table gets SQLite's AUTOINCREMENT.

Without it SQLite reuses the largest id after the newest run is deleted, so "run 11" could
name two different runs over time. Other databases (PostgreSQL) never reuse a sequence's
values: nothing to do there.

Revision ID: 0002_autoincrement
Revises: 0001_runs
"""

from __future__ import annotations

from alembic import op

revision = "0002_autoincrement"
down_revision = "0001_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Rebuild the runs table with AUTOINCREMENT, keeping every row and id."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "runs", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def downgrade() -> None:
    """Rebuild the runs table without AUTOINCREMENT."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "runs", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
