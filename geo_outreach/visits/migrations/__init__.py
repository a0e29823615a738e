"""Versioned schema migrations for the visit log (a hand-written alternative to Alembic).

Each migration is a module ``mNNNN_<name>.py`` with ``VERSION`` (int), ``NAME`` (str) and
``upgrade(conn, *, postgis: bool) -> None``.  :func:`migrate` runs the missing ones in
order inside one transaction that holds the database's write lock (SQLite ``BEGIN
IMMEDIATE``; PostgreSQL advisory lock), records each in the ``schema_version`` table, and
is safe to call from many processes at once.  Migrations only add (tables, columns,
triggers): they never drop data.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from types import ModuleType

import sqlalchemy as sa

__all__ = ["LATEST_VERSION", "MIGRATIONS", "current_version", "migrate"]

logger = logging.getLogger(__name__)

_MODULES = ("m0001_initial", "m0002_append_only")
MIGRATIONS: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{__name__}.{m}") for m in _MODULES
)
LATEST_VERSION: int = MIGRATIONS[-1].VERSION
_ADVISORY_KEY = 0x6E0_0517  # any constant shared by every geo_outreach process

_schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def current_version(conn: sa.Connection) -> int:
    """Schema version of the connected database (0 for an empty one)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(sa.select(sa.func.max(_schema_version.c.version))).scalar()
    return int(v or 0)


def migrate(conn: sa.Connection, *, postgis: bool) -> int:
    """Bring the schema up to :data:`LATEST_VERSION`; return the number of migrations run.

    ``conn`` must be inside a transaction that holds the write lock (the caller opens it).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    _schema_version.create(conn, checkfirst=True)
    have = current_version(conn)
    ran = 0
    for mod in MIGRATIONS:
        if have >= mod.VERSION:
            continue
        logger.info("visit log: applying migration %04d %s", mod.VERSION, mod.NAME)
        mod.upgrade(conn, postgis=postgis)
        conn.execute(
            _schema_version.insert().values(
                version=mod.VERSION, name=mod.NAME, applied_at=dt.datetime.now(dt.UTC)
            )
        )
        ran += 1
    return ran
