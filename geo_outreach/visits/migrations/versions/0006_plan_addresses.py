"""Where a plan's visits without an address are: ``plans.addresses``.

A JSON object ``visit_id -> "near A & B"`` (the nearest named street or crossing from the
region's OSM data, :mod:`geo_outreach.team.streets`), written when the plan is stored; NULL
for plans stored before this revision (they fall back to coordinates).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``plans.addresses``."""
    op.add_column("plans", sa.Column("addresses", sa.Text, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
