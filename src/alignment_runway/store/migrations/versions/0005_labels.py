"""Runs carry an optional label: a user's name for the run, shown in the list of runs.

Revision ID: 0005_labels
Revises: 0004_sweeps
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_labels"
down_revision = "0004_sweeps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``label`` column to runs (existing runs have none)."""
    op.add_column("runs", sa.Column("label", sa.Text, nullable=True))


def downgrade() -> None:
    """Drop it (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("label")
