"""Ids, seeds and sample counts are 64-bit integers on every database.

SQLite's INTEGER is 64-bit already (nothing to do there); PostgreSQL's INTEGER is 32-bit, so
its columns (and the id's sequence) become BIGINT: a seed up to 2**63 - 1 fits.

Revision ID: 0003_bigint
Revises: 0002_autoincrement
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_bigint"
down_revision = "0002_autoincrement"
branch_labels = None
depends_on = None

_COLUMNS = ("id", "samples", "seed")


def upgrade() -> None:
    """Widen id, samples and seed to BIGINT (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _COLUMNS:
        op.alter_column("runs", name, type_=sa.BigInteger(), existing_type=sa.Integer())
    op.execute("ALTER SEQUENCE IF EXISTS runs_id_seq AS bigint")


def downgrade() -> None:
    """Narrow them back to INTEGER (PostgreSQL; fails if a value does not fit)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE IF EXISTS runs_id_seq AS integer")
    for name in _COLUMNS:
        op.alter_column("runs", name, type_=sa.Integer(), existing_type=sa.BigInteger())
