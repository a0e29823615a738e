"""Fixtures: a visit store on SQLite and on a real PostgreSQL + PostGIS server.

The PostgreSQL server is started once per test session by ``scripts/postgres_test_server.sh``
(initdb into a temporary folder, 127.0.0.1 on a free port, as user ``postgres`` when we are
root) and stopped at the end.  Each test gets a fresh schema in a database that has PostGIS.  Without PostgreSQL binaries the ``postgresql`` parameters skip, except in CI (``CI=true``),
where they fail (see ``tests.conftest.require``).
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres_test_server.sh"
_counter = itertools.count()


def _postgres_available() -> str | None:
    """None when a server can be started, else the reason why not."""
    if shutil.which("bash") is None:
        return "bash not found"
    res = subprocess.run(["bash", str(SCRIPT), "bin"], capture_output=True, text=True)
    if res.returncode != 0:
        return (
            "PostgreSQL binaries not found (install them with: source "
            "scripts/postgres_test_server.sh && install_postgres_test_server)"
        )
    if not list(Path("/usr/share/postgresql").glob("*/extension/postgis.control")):
        return "PostGIS extension not installed (apt-get install postgresql-15-postgis-3)"
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of the session's test database (PostGIS installed in its ``public`` schema)."""
    from tests.conftest import require

    reason = _postgres_available()
    require("PostgreSQL with PostGIS", reason is None, how=reason or "")
    res = subprocess.run(
        ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120
    )
    require(
        "a PostgreSQL server that starts",
        res.returncode == 0,
        how=f"scripts/postgres_test_server.sh start said: {res.stderr.strip()[-500:]}",
    )
    url, datadir = res.stdout.strip().split("\t")
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with eng.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION postgis")
        eng.dispose()
        yield url
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", datadir], capture_output=True, timeout=60)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty schema for one test (``search_path`` = it, then ``public``)."""
    import sqlalchemy as sa

    name = f"t{next(_counter)}"
    eng = sa.create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://"))
    with eng.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    eng.dispose()
    return f"{pg_server}?options=-csearch_path%3D{name},public"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Database URL of an empty visit log on each back end."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'visits.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator:
    """An open, migrated, empty visit store on each back end."""
    from geo_outreach.visits.store import open_store

    st = open_store(db_url)
    try:
        yield st
    finally:
        st.close()
