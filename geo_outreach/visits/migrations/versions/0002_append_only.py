"""Make the log append-only in the database itself, and add the PostGIS point.

Triggers refuse UPDATE and DELETE on ``visit_versions`` and ``visit_audit`` (a correction
is a new version, a void a flagged one), so that no program, not even a buggy one, can
lose a record.  On PostGIS, ``visit_versions.geom`` holds the visit's point (SRID 4326)
for spatial queries in the database.

Formerly hand-written migration 2 (``schema_version`` 2).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TABLES = ("visit_versions", "visit_audit")


def _postgis(conn: sa.Connection) -> bool:
    """Whether to add the PostGIS point: told by geo_outreach, else PostGIS is available."""
    told = context.config.attributes.get("postgis") if context.config is not None else None
    if told is not None:
        return bool(told)
    if conn.dialect.name != "postgresql":
        return False
    return bool(
        conn.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").first()
    )


def upgrade() -> None:
    """Add the triggers (and on PostGIS the ``geom`` column with a GiST index)."""
    conn = op.get_bind()
    postgis = _postgis(conn)
    if conn.dialect.name == "sqlite":
        for t in _TABLES:
            for verb in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{verb.lower()} BEFORE {verb} ON {t} "
                    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: record a correction "
                    "instead'); END"
                )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION geo_outreach_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'%% is append-only: record a correction instead', TG_TABLE_NAME; END $$"
        )
        for t in _TABLES:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION geo_outreach_append_only()"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                "FOR EACH STATEMENT EXECUTE FUNCTION geo_outreach_append_only()"
            )
        if postgis:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
            conn.exec_driver_sql("ALTER TABLE visit_versions ADD COLUMN geom geometry(POINT, 4326)")
            conn.exec_driver_sql(
                "CREATE INDEX ix_visit_versions_geom ON visit_versions USING GIST (geom)"
            )


def downgrade() -> None:
    raise NotImplementedError("the team database is append-only: no downgrades")
