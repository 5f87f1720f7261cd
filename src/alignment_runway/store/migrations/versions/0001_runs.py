"""The runs table: one row per recorded run or race.

Revision ID: 0001_runs
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_runs"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the runs table."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("scenario_name", sa.Text, nullable=False),
        sa.Column("scenario_text", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("digests", sa.Text, nullable=False),
        sa.Column("samples_file", sa.Text, nullable=True),
    )
    op.create_index("runs_started_at", "runs", ["started_at"])


def downgrade() -> None:
    """Drop the runs table."""
    op.drop_index("runs_started_at", "runs")
    op.drop_table("runs")
