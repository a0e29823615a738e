"""Frozen copy of the visit log's schema creation before Alembic (schema_version 1 and 2).

The tests use it to make, on any back end, a visit log exactly as the release before the
Alembic move left it, and check that :func:`geo_outreach.visits.store.open_store` upgrades it
in place.  ``data/visits_v2.sqlite`` is a file written by that release itself.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

_CATEGORIES = ("health", "food", "housing", "benefits", "mental_health", "substance_use")
_TABLES = ("visit_versions", "visit_audit")


def create_legacy_schema(conn: sa.Connection, *, postgis: bool) -> None:
    """Create the schema of hand-written migrations 1 and 2 and record them in schema_version."""
    md = sa.MetaData()
    sv = sa.Table(
        "schema_version",
        md,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
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
    if conn.dialect.name == "sqlite":
        for t in _TABLES:
            for op in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
                    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: record a correction "
                    "instead'); END"
                )
    else:
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
            conn.exec_driver_sql("ALTER TABLE visit_versions ADD COLUMN geom geometry(POINT, 4326)")
            conn.exec_driver_sql(
                "CREATE INDEX ix_visit_versions_geom ON visit_versions USING GIST (geom)"
            )
    now = dt.datetime.now(dt.UTC)
    conn.execute(
        sv.insert(),
        [
            {"version": 1, "name": "initial", "applied_at": now},
            {"version": 2, "name": "append_only_and_geom", "applied_at": now},
        ],
    )
