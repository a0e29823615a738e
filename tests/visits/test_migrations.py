"""Alembic revisions: a visit log made by the release before Alembic upgrades in place."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo_outreach.visits import store as vs
from geo_outreach.visits.migrations import HEAD, LEGACY_REVISIONS, current_revision
from geo_outreach.visits.models import build_metadata

from .legacy_schema import create_legacy_schema

FIXTURE = Path(__file__).parent / "data" / "visits_v2.sqlite"


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_file_made_by_the_previous_release_upgrades_in_place(tmp_path):
    db = tmp_path / "visits.sqlite"
    shutil.copy(FIXTURE, db)
    con = sqlite3.connect(db)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 2
    con.close()
    with vs.open_store(f"sqlite:///{db}") as st:
        with st.engine.connect() as conn:
            assert current_revision(conn) == HEAD
        # every record kept, with its versions, audit and void
        df = vs.visits_frame(st, include_voided=True)
        assert sorted(df["worker_id"]) == ["ow_ana", "ow_ben"]
        ana = df[df["worker_id"] == "ow_ana"].iloc[0]
        assert ana["people_reached"] == 4 and ana["version"] == 2
        assert df[df["worker_id"] == "ow_ben"].iloc[0]["voided"]
        assert len(vs.visits_frame(st)) == 1
        assert len(vs.history(st, ana["record_id"])) == 2
        assert (vs.audit_frame(st)["reason"] == "duplicate").any()
        # the new columns exist and old visits have no plan
        assert {"plan_id", "occurrence"} <= _columns(st.engine, "visit_versions")
        assert ana["plan_id"] is None or pd_isna(ana["plan_id"])
        # and the log can be written on: a visit linked to a plan
        new = vs.record_visit(
            st,
            worker_id="ow_ana",
            visited_at="2026-03-04 09:00",
            outcome="done",
            planned_visit_id="v003",
            plan_id=7,
            occurrence=1,
        )
        got = vs.get_visit(st, new.record_id).record
        assert (got.plan_id, got.occurrence) == (7, 1)
        # still append-only
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), st.engine.begin() as c:
            c.exec_driver_sql("DELETE FROM visit_versions")
    # reopening does not migrate again and keeps the legacy table untouched
    with vs.open_store(f"sqlite:///{db}") as st, st.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [
            HEAD
        ]
        assert conn.exec_driver_sql("SELECT count(*) FROM schema_version").scalar() == 2


def pd_isna(v):
    import pandas as pd

    return bool(pd.isna(v))


def test_legacy_schema_upgrades_on_each_back_end(db_url):
    """The old hand-written migrations' schema (frozen copy) upgrades on SQLite and PostgreSQL."""
    url = db_url.replace("postgresql://", "postgresql+psycopg://")
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(url)
    postgis = eng.dialect.name == "postgresql"
    with eng.begin() as conn:
        create_legacy_schema(conn, postgis=postgis)
        conn.exec_driver_sql(
            "INSERT INTO visit_versions (record_id, version, idempotency_key, worker_id, "
            "visited_at, visit_date, outcome, recorded_at) VALUES ('r1', 1, 'k1', 'ow_ana', "
            "'2026-03-02 10:00:00', '2026-03-02', 'done', '2026-03-02 10:05:00+00:00')"
        )
    eng.dispose()
    with vs.open_store(db_url) as st:
        assert st.postgis == postgis
        with st.engine.connect() as conn:
            assert current_revision(conn) == HEAD
        md = build_metadata(postgis=st.postgis)
        assert _columns(st.engine, "visit_versions") == {
            c.name for c in md.tables["visit_versions"].columns
        }
        assert {"users", "user_sessions", "plans", "plan_files", "plan_events"} <= set(
            sa.inspect(st.engine).get_table_names()
        )
        df = vs.visits_frame(st)
        assert df["record_id"].tolist() == ["r1"]


def test_new_database_gets_every_revision(db_url):
    with vs.open_store(db_url) as st, st.engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert not sa.inspect(conn).has_table("schema_version")
    assert set(LEGACY_REVISIONS.values()) == {"0001", "0002"}


def test_alembic_command_line_sees_the_same_head(tmp_path, monkeypatch):
    """Developers can use Alembic's own tools on the revisions (alembic.ini beside them)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    ini = Path(vs.__file__).parent / "migrations" / "alembic.ini"
    script = ScriptDirectory.from_config(Config(str(ini)))
    assert script.get_current_head() == HEAD
    revs = [r.revision for r in script.walk_revisions()]
    assert revs[-2:] == ["0002", "0001"]
