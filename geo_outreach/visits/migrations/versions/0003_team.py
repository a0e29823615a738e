"""Accounts, sessions and plans: the team database.

* ``users``: one row per account (argon2 password hash, role, worker id, lock-out state).
* ``user_sessions``: signed-in sessions (only a SHA-256 of the token is stored).
* ``plans``: one row per stored plan (region, week, status draft|published|superseded...).
* ``plan_files``: the plan folder's files as written by ``geo-outreach plan`` (inputs,
  result and ``plan.json``), so ``plans export`` gives back the same files.
* ``plan_events``: who created, published or superseded which plan when (append-only).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the five tables (and the append-only trigger on ``plan_events``)."""
    op.create_table(
        "users",
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
    op.create_table(
        "user_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "plans",
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
        sa.Index("ix_plans_week_status", "week_of", "status"),
    )
    op.create_table(
        "plan_files",
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("plans.id"), primary_key=True),
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "plan_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.Integer, nullable=False, index=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    conn = op.get_bind()
    for t in ("plan_events", "plan_files"):
        if conn.dialect.name == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{verb.lower()} BEFORE {verb} ON {t} "
                    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
                )
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION geo_outreach_append_only()"
            )
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TRIGGER IF NOT EXISTS plans_no_delete BEFORE DELETE ON plans "
            "BEGIN SELECT RAISE(ABORT, 'plans are never deleted; publish a new one'); END"
        )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE TRIGGER plans_no_delete BEFORE DELETE ON plans "
            "FOR EACH ROW EXECUTE FUNCTION geo_outreach_append_only()"
        )


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
