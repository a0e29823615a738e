"""Tables of the team database (accounts, sessions, plans), as of the newest revision.

The schema is made by the Alembic revisions of :mod:`geo_outreach.visits.migrations`
(``0003_team``); these definitions only describe it for queries.  A test checks that both
agree.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "plan_events", "plan_files", "plans", "user_sessions", "users"]

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("worker_id", sa.String(128), nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=False, server_default="en"),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region", sa.String(256), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
    sa.Column("week_of", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("superseded_by", sa.Integer, nullable=True),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("n_routes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_visits", sa.Integer, nullable=False, server_default="0"),
    sa.Column("manifest", sa.Text, nullable=False),
    sa.Column("verdict", sa.Text, nullable=False, server_default="{}"),
    sa.Column("addresses", sa.Text, nullable=True),  # 0006: visit_id -> "near A & B"
    sa.Index("ix_plans_week_status", "week_of", "status"),
)

plan_files = sa.Table(
    "plan_files",
    metadata,
    sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

plan_events = sa.Table(
    "plan_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.Integer, nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)
