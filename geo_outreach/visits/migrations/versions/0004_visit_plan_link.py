"""Link recorded visits to the published plan they carried out.

A visit links by ``(plan_id, planned_visit_id, occurrence, visit_date)``, not by stop
number (which changes on every re-plan).  ``plan_id`` is NULL for visits without a stored
plan (all visits recorded before this revision).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``visit_versions.plan_id`` and ``visit_versions.occurrence``."""
    op.add_column("visit_versions", sa.Column("plan_id", sa.Integer, nullable=True))
    op.add_column(
        "visit_versions",
        sa.Column("occurrence", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_visit_versions_plan_id", "visit_versions", ["plan_id"])


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
