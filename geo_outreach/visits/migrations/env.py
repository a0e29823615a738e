"""Alembic environment: run the revisions on the connection geo_outreach passes in.

``geo_outreach.visits.migrations.migrate`` puts an open connection (inside its write
transaction) into ``config.attributes["connection"]``.  Run from Alembic's own command line
(``alembic -c geo_outreach/visits/migrations/alembic.ini ...``), the database URL comes from
``GEO_OUTREACH_DB_URL`` or ``sqlalchemy.url``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


conn = config.attributes.get("connection")
if conn is not None:
    _run(conn)
else:
    from geo_outreach import config as settings

    url = settings.db_url() or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set GEO_OUTREACH_DB_URL or sqlalchemy.url to the team database")
    u = sa.make_url(url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(u)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
    engine.dispose()
