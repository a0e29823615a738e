"""Schema migrations of the team database (visit log, plans, accounts), run by Alembic.

The revisions live in ``versions/`` (``0001`` and ``0002`` are the visit log's two former
hand-written migrations, unchanged).  :func:`migrate` brings a database to the newest
revision inside the caller's transaction, which holds the database's write lock (SQLite
``BEGIN IMMEDIATE``; on PostgreSQL an advisory lock taken here), so many processes may call
it at once.  A visit log made before the move to Alembic (a ``schema_version`` table, no
``alembic_version``) is stamped at the revision its ``schema_version`` says, then upgraded in
place.  Revisions only add (tables, columns, triggers): they never drop data.

Developers make a new revision with Alembic's own command line::

    alembic -c geo_outreach/visits/migrations/alembic.ini revision -m "what it adds"

(then fill ``upgrade()``; ``downgrade()`` is not supported: the log is append-only).
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa

__all__ = ["HEAD", "LEGACY_REVISIONS", "alembic_config", "current_revision", "migrate"]

logger = logging.getLogger(__name__)

_HERE = Path(__file__).resolve().parent
_ADVISORY_KEY = 0x6E0_0517  # any constant shared by every geo_outreach process
#: ``schema_version.version`` of the hand-written migrations -> the Alembic revision that is it
LEGACY_REVISIONS: dict[int, str] = {1: "0001", 2: "0002"}


def alembic_config(
    connection: sa.Connection | None = None, *, postgis: bool | None = None
) -> object:
    """An Alembic ``Config`` for these revisions (``connection`` runs them on it)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["postgis"] = postgis
    return cfg


def _script() -> object:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())  # type: ignore[arg-type]


def _head() -> str:
    head = _script().get_current_head()  # type: ignore[attr-defined]
    assert head is not None
    return str(head)


def current_revision(conn: sa.Connection) -> str | None:
    """Alembic revision of the connected database (None for an empty or pre-Alembic one)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _legacy_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    v = conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar()
    return int(v or 0)


def migrate(conn: sa.Connection, *, postgis: bool) -> int:
    """Bring the schema up to :data:`HEAD`; return the number of revisions run.

    ``conn`` must be inside a transaction that holds the write lock (the caller opens it).
    """
    from alembic import command

    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    have = current_revision(conn)
    cfg = alembic_config(conn, postgis=postgis)
    if have is None:
        legacy = _legacy_version(conn)
        if legacy:
            if legacy not in LEGACY_REVISIONS:
                raise RuntimeError(f"unknown visit-log schema version {legacy}")
            have = LEGACY_REVISIONS[legacy]
            logger.info("visit log made before Alembic (schema %d): stamping %s", legacy, have)
            command.stamp(cfg, have)  # type: ignore[arg-type]
    head = HEAD
    if have == head:
        return 0
    script = _script()
    todo = [
        r
        for r in script.iterate_revisions(head, have or "base")  # type: ignore[attr-defined]
        if r.revision != have
    ]
    logger.info("team database: applying %d revision(s) up to %s", len(todo), head)
    command.upgrade(cfg, head)  # type: ignore[arg-type]
    return len(todo)


#: The newest revision.
HEAD: str = _head()
