"""Sweeps: one row per sweep (its scenario and plan), one row per finished cell.

A cell is written in its own transaction as it finishes, so a sweep interrupted part-way keeps
its finished cells and can be resumed; ``finished_at`` is set when the last cell is in.

Revision ID: 0004_sweeps
Revises: 0003_bigint
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_sweeps"
down_revision = "0003_bigint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the sweeps and sweep_cells tables."""
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "sweeps",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("scenario_name", sa.Text, nullable=False),
        sa.Column("scenario_text", sa.Text, nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("cells", sa.BigInteger, nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "sweep_cells",
        sa.Column(
            "sweep_id",
            big_id,
            sa.ForeignKey("sweeps.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cell", sa.String(64), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("sweep_cells")
    op.drop_table("sweeps")
