"""Visit log storage on SQLite and PostgreSQL+PostGIS: records, idempotency, corrections,
audit trail, append-only guarantee, validation, migrations, export and backup."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from geo_outreach.errors import InputError
from geo_outreach.visits import store as vs
from geo_outreach.visits.migrations import HEAD, current_revision
from geo_outreach.visits.models import (
    CATEGORIES,
    PUBLIC_COLUMNS,
    RECORD_COLUMNS,
    build_metadata,
    to_public_frame,
)

DAY = dt.datetime(2024, 5, 2, 10, 30)


def rec(store, **kw):
    base = dict(
        worker_id="ana",
        visited_at=DAY,
        outcome="done",
        people_reached=4,
        referrals={"food": 2, "health": 1},
        languages="es;en",
        lon=-122.65,
        lat=45.52,
        unit_id="41051000100",
    )
    base.update(kw)
    return vs.record_visit(store, **base)


def count_rows(store, table="visit_versions"):
    with store.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_record_round_trip(store):
    v = rec(store, case_id="CASE-7", note="left leaflets", followup_needed=True)
    df = vs.visits_frame(store)
    assert list(df.columns) == list(RECORD_COLUMNS)
    assert len(df) == 1
    row = df.iloc[0]
    assert row["record_id"] == v.record_id and row["version"] == 1
    assert row["visited_at"] == pd.Timestamp(DAY)
    assert row["people_reached"] == 4
    assert row["referrals_food"] == 2 and row["referrals_health"] == 1
    assert row["referrals_housing"] == 0
    assert row["languages"] == "en;es"
    assert row["case_id"] == "CASE-7"
    # follow-up without a date: due a week after the visit
    assert row["followup_due"] == pd.Timestamp("2024-05-09")
    assert vs.get_visit(store, v.record_id).record == v.record


def test_same_idempotency_key_stores_once(store):
    a = rec(store, idempotency_key="form-123")
    b = rec(store, idempotency_key="form-123", people_reached=9)  # a retry of the same form
    assert a.created and not b.created
    assert b.record_id == a.record_id and b.record.people_reached == 4
    assert count_rows(store) == 1
    assert count_rows(store, "visit_audit") == 1


def test_correction_keeps_every_version_and_audits_changes(store):
    v = rec(store, case_id="C1")
    c = vs.correct_visit(
        store, v.record_id, changed_by="sup", reason="miscounted", people_reached=6, case_id="C2"
    )
    assert c.version == 2 and c.record.people_reached == 6
    hist = vs.history(store, v.record_id)
    assert hist["version"].tolist() == [1, 2]
    assert hist["people_reached"].tolist() == [4, 6]  # the old value is still there
    cur = vs.visits_frame(store)
    assert len(cur) == 1 and cur.iloc[0]["people_reached"] == 6
    audit = vs.audit_frame(store, record_id=v.record_id)
    corr = audit[audit["action"] == "correct"].set_index("field")
    assert set(corr.index) == {"people_reached", "case_id"}
    assert corr.loc["people_reached", ["old_value", "new_value"]].tolist() == ["4", "6"]
    assert (corr["changed_by"] == "sup").all() and (corr["reason"] == "miscounted").all()
    # the audit says case_id changed but never shows it
    assert "C1" not in audit.to_string() and "C2" not in audit.to_string()


def test_correction_without_change_adds_nothing(store):
    v = rec(store)
    same = vs.correct_visit(store, v.record_id, changed_by="sup", people_reached=4)
    assert same.version == 1 and not same.created
    assert count_rows(store) == 1


def test_stale_correction_is_refused(store):
    v = rec(store)
    vs.correct_visit(store, v.record_id, changed_by="a", people_reached=5, expected_version=1)
    with pytest.raises(InputError, match="changed by someone else"):
        vs.correct_visit(store, v.record_id, changed_by="b", people_reached=7, expected_version=1)
    assert vs.get_visit(store, v.record_id).record.people_reached == 5


def test_void_is_a_flagged_version(store):
    v = rec(store)
    w = vs.void_visit(store, v.record_id, changed_by="sup", reason="entered twice")
    assert w.voided and w.version == 2
    assert vs.visits_frame(store).empty
    everything = vs.visits_frame(store, include_voided=True)
    assert everything["voided"].tolist() == [True]
    assert count_rows(store) == 2  # nothing lost
    audit = vs.audit_frame(store, record_id=v.record_id)
    assert audit["action"].tolist() == ["create", "void"]
    with pytest.raises(InputError, match="reason"):
        vs.void_visit(store, v.record_id, changed_by="sup", reason=" ")


@pytest.mark.parametrize("table", ["visit_versions", "visit_audit"])
def test_database_refuses_update_and_delete(store, table):
    rec(store)
    for sql in (f"DELETE FROM {table}", f"UPDATE {table} SET version = 99"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(sql)
    assert count_rows(store, table) == 1


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"people_reached": -1}, "negative"),
        ({"referrals": {"food": -2}}, "negative"),
        ({"referrals": {"shelter": 1}}, "unknown categor"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "no_one_there"}, "reaches nobody"),
        ({"visited_at": "02/05/2024"}, "not a date"),
        ({"languages": "spanish"}, "ISO 639"),
        ({"lon": 500.0}, "WGS84"),
        ({"lat": None}, "both or neither"),
        ({"followup_due": "2024-04-01"}, "before the visit"),
        ({"worker_id": " "}, "worker_id"),
    ],
)
def test_bad_input_is_rejected_and_nothing_stored(tmp_path, kw, match):
    # validation runs before any database work, so SQLite covers both back ends here
    with vs.open_store(home=tmp_path) as store:
        rec(store)
        with pytest.raises(InputError, match=match):
            rec(store, **kw)
        assert count_rows(store) == 1


def test_future_visit_is_rejected(store):
    with pytest.raises(InputError, match="in the future"):
        rec(store, visited_at=dt.datetime.now() + dt.timedelta(days=1))
    with pytest.raises(InputError, match="in the future"):
        rec(store, visited_at=DAY, now=DAY - dt.timedelta(hours=1))
    rec(store, visited_at=DAY, now=DAY + dt.timedelta(minutes=1))  # a few minutes of skew is fine
    assert count_rows(store) == 1


def test_unknown_planned_visit_is_rejected(store):
    plan = pd.DataFrame({"visit_id": ["S01", "S02"], "worker_id": ["ana", "ana"]})
    rec(store, planned_visit_id="S01", plan=plan)
    with pytest.raises(InputError, match="'S09' is not in the plan"):
        rec(store, planned_visit_id="S09", plan=plan)
    rec(store, planned_visit_id="", plan=plan)  # unplanned visits are fine
    assert count_rows(store) == 2


def test_public_frame_and_export_never_show_case_id(store, tmp_path):
    rec(store, case_id="CASE-SECRET-1")
    pub = to_public_frame(vs.visits_frame(store))
    assert "case_id" not in pub.columns and "idempotency_key" not in pub.columns
    out = tmp_path / "export.csv"
    assert vs.export_csv(store, out) == 1
    text = out.read_text()
    assert "CASE-SECRET-1" not in text
    assert pd.read_csv(out).columns.tolist() == list(PUBLIC_COLUMNS)


def test_since_until_filter(store):
    rec(store, visited_at="2024-05-01 09:00")
    rec(store, visited_at="2024-05-03 09:00")
    rec(store, visited_at="2024-05-05 09:00")
    df = vs.visits_frame(store, since="2024-05-02", until="2024-05-04")
    assert df["visited_at"].dt.day.tolist() == [3]


def test_schema_matches_models_after_migration(store):
    assert {"visit_versions", "visit_audit", "alembic_version"} <= set(
        sa.inspect(store.engine).get_table_names()
    )
    md = build_metadata(postgis=store.postgis)
    insp = sa.inspect(store.engine)
    for name in ("visit_versions", "visit_audit"):
        have = {c["name"] for c in insp.get_columns(name)}
        assert have == {c.name for c in md.tables[name].columns}, name
    with store.engine.connect() as conn:
        assert current_revision(conn) == HEAD


def test_reopening_does_not_migrate_again(db_url):
    with vs.open_store(db_url) as a:
        rec(a)
    with vs.open_store(db_url) as b:
        with b.engine.connect() as conn:
            revs = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        assert revs == [HEAD]
        assert len(vs.visits_frame(b)) == 1


def test_postgis_point_column(pg_url):
    with vs.open_store(pg_url) as st:
        assert st.postgis
        rec(st, lon=-122.61, lat=45.53)
        rec(st, lon=None, lat=None)
        with st.engine.connect() as conn:
            pts = conn.execute(
                sa.text(
                    "SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM visit_versions ORDER BY id"
                )
            ).all()
    assert pts[0] == pytest.approx((-122.61, 45.53, 4326))
    assert pts[1] == (None, None, None)


def test_sqlite_home_created_on_first_use_in_wal_mode(tmp_path, monkeypatch):
    home = tmp_path / "new" / "home"
    monkeypatch.setenv("GEO_OUTREACH_HOME", str(home))
    monkeypatch.delenv("GEO_OUTREACH_DB_URL", raising=False)
    assert vs.data_home() == home
    with vs.open_store() as st:
        rec(st)
    db = home / "visits.sqlite"
    assert db.is_file()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_db_url_setting_wins(tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("GEO_OUTREACH_DB_URL", f"sqlite:///{other}")
    with vs.open_store() as st:
        rec(st)
    assert other.is_file()


def test_unsupported_url_is_an_input_error():
    with pytest.raises(InputError, match="not supported"):
        vs.open_store("mysql://u@h/db")
    with pytest.raises(InputError, match="not a URL"):
        vs.open_store("just words")


def test_backup_is_a_consistent_copy(tmp_path):
    with vs.open_store(home=tmp_path / "h") as st:
        v = rec(st)
        vs.correct_visit(st, v.record_id, changed_by="s", people_reached=2)
        out = vs.backup(st, tmp_path / "bk" / "copy.sqlite")
    with vs.open_store(f"sqlite:///{out}") as copy:
        df = vs.visits_frame(copy, all_versions=True)
        assert df["people_reached"].tolist() == [4, 2]
        assert len(vs.audit_frame(copy)) == 2


def test_backup_of_postgres_says_use_pg_dump(pg_url, tmp_path):
    with vs.open_store(pg_url) as st, pytest.raises(InputError, match="pg_dump"):
        vs.backup(st, tmp_path / "x.sqlite")


def test_categories_are_the_issue_list():
    assert CATEGORIES == (
        "health",
        "food",
        "housing",
        "benefits",
        "mental_health",
        "substance_use",
    )
