"""The visit versions table and the audit table (frozen copy of the schema).

Formerly hand-written migration 1 (``schema_version`` 1).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_CATEGORIES = ("health", "food", "housing", "benefits", "mental_health", "substance_use")


def upgrade() -> None:
    """Create ``visit_versions`` and ``visit_audit``."""
    conn = op.get_bind()
    md = sa.MetaData()
    sa.Table(
        "visit_versions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("planned_visit_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("visited_at", sa.DateTime, nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("people_reached", sa.Integer, nullable=False, server_default="0"),
        *(
            sa.Column(f"referrals_{c}", sa.Integer, nullable=False, server_default="0")
            for c in _CATEGORIES
        ),
        sa.Column("service", sa.String(32), nullable=False, server_default=""),
        sa.Column("languages", sa.String(128), nullable=False, server_default=""),
        sa.Column("followup_needed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("followup_due", sa.Date, nullable=True),
        sa.Column("followup_of", sa.String(36), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("case_id", sa.String(128), nullable=False, server_default=""),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("unit_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("record_id", "version", name="uq_visit_versions_record_version"),
        sa.Index("ix_visit_versions_visit_date", "visit_date"),
        sa.Index("ix_visit_versions_planned_visit_id", "planned_visit_id"),
    )
    sa.Table(
        "visit_audit",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    md.create_all(conn)


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
