"""Alembic revisions of the run store, oldest first."""
