"""Visit times in UTC: record the zone each visit's wall-clock time was given in.

From this revision ``visit_versions.visited_at`` holds UTC and ``timezone`` the region's
IANA zone (the visit is shown there, and ``visit_date`` is its day there), so the server's
own zone never matters.  Rows recorded before carry ``timezone = ''``: their
``visited_at`` is the wall-clock time as it was typed, and is shown as stored (the log is
append-only, so old rows are never rewritten).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``visit_versions.timezone`` (empty for the rows already there)."""
    op.add_column(
        "visit_versions",
        sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
    )


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
