"""Plans store on SQLite and PostgreSQL: publish, supersede, shapes, export, a worker's day."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil

import pytest
import sqlalchemy as sa

from geo_outreach.errors import InputError
from geo_outreach.team import accounts as ac
from geo_outreach.team import plans as pl
from geo_outreach.team.roles import AccessDeniedError, Actor

MANAGER = Actor("maria", "manager")
PLANNER = Actor("pat", "planner")
VAN = Actor("vic", "worker", worker_id="van")
WALKER = Actor("wally", "worker", worker_id="walker")
HHMM = re.compile(r"^\d\d:\d\d$")


def _stops_csv(plan_dir):
    with (plan_dir / "stops.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_publish_show_and_list_shapes(team_store, plan_dir):
    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-04", region="tiny", actor=MANAGER)
    assert plan["week_of"] == "2026-03-02"  # the Monday of that week
    assert plan["status"] == "published" and plan["region"] == "tiny"
    assert plan["created_by"] == "maria" and plan["superseded"] == []
    rows = _stops_csv(plan_dir)
    visits = [r for r in rows if r["kind"] == "visit"]
    assert plan["counts"]["visits"] == len(visits)
    assert len(plan["routes"]) == plan["counts"]["routes"]
    for r in plan["routes"]:
        assert set(r) >= {"worker_id", "day", "date", "stops", "breaks"}
        assert r["day"] in pl.DAYS
        assert dt.date.fromisoformat(r["date"]).weekday() == pl.DAYS.index(r["day"])
        assert [s["seq"] for s in r["stops"]] == list(range(1, len(r["stops"]) + 1))
        for s in r["stops"]:
            assert set(s) >= {"seq", "visit_id", "name", "start", "end", "address"}
            assert HHMM.match(s["start"]) and HHMM.match(s["end"]) and s["start"] <= s["end"]
            assert s["address"]
        want = [
            v["visit_id"]
            for v in visits
            if (v["worker_id"], v["day"]) == (r["worker_id"], r["day"])
        ]
        assert [s["visit_id"] for s in r["stops"]] == want
    # the van's Monday has a break before its visit: listed apart, not numbered
    van_mon = next(r for r in plan["routes"] if (r["worker_id"], r["day"]) == ("van", "Mon"))
    assert van_mon["breaks"] and van_mon["stops"][0]["seq"] == 1
    assert {u["visit_id"] for u in plan["unscheduled"]} == {"C", "D"}
    listed = pl.list_plans(team_store, actor=MANAGER)
    assert listed == [{k: plan[k] if k not in ("routes", "visits") else plan["counts"][k]
                       for k in listed[0]}]  # fmt: skip
    assert set(listed[0]) >= {"id", "week_of", "status", "region", "routes", "visits"}
    json.dumps(plan)  # JSON-able


def test_publishing_supersedes_the_weeks_published_plan_and_deletes_nothing(team_store, plan_dir):
    a = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")
    other_week = pl.publish_plan(team_store, plan_dir, week_of="2026-03-09", region="tiny")
    draft = pl.store_plan(team_store, plan_dir, week_of="2026-03-03", region="tiny")
    assert draft["status"] == "draft"
    b = pl.publish_plan(team_store, draft["id"])
    assert b["superseded"] == [a["id"]]
    status = {p["id"]: (p["status"], p["superseded_by"]) for p in pl.list_plans(team_store)}
    assert status == {
        a["id"]: ("superseded", b["id"]),
        b["id"]: ("published", None),
        other_week["id"]: ("published", None),
    }
    with pytest.raises(InputError, match="only a draft"):
        pl.publish_plan(team_store, a["id"])
    with pytest.raises(sa.exc.DBAPIError), team_store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM plans WHERE id = {a['id']}")
    with team_store.engine.connect() as conn:
        events = conn.exec_driver_sql(
            "SELECT plan_id, action, by FROM plan_events ORDER BY id"
        ).all()
    assert (a["id"], "supersede", "owner") in [tuple(e) for e in events]


def test_export_gives_back_the_same_files(team_store, plan_dir, tmp_path):
    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")
    out = pl.export_plan(team_store, plan["id"], tmp_path / "exported")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in plan_dir.iterdir())
    for n in names:
        assert (out / n).read_bytes() == (plan_dir / n).read_bytes(), n
    # and the export is itself a plan folder
    assert pl.read_plan_folder(out, region="tiny").region == "tiny"


def test_worker_sees_only_their_own_published_day(team_store, plan_dir):
    assert pl.worker_day(team_store, worker_id="van", date="2026-03-02", actor=VAN) is None
    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")
    day = pl.worker_day(team_store, worker_id="van", date="2026-03-03", actor=VAN)
    shown = next(r for r in plan["routes"] if (r["worker_id"], r["day"]) == ("van", "Tue"))
    assert day["plan_id"] == plan["id"] and day["stops"] == shown["stops"]
    with pytest.raises(AccessDeniedError, match="own"):
        pl.worker_day(team_store, worker_id="walker", date="2026-03-03", actor=VAN)
    with pytest.raises(AccessDeniedError):
        pl.worker_day(team_store, worker_id="van", date="2026-03-03", actor=PLANNER)
    # a day the plan does not cover (it plans Mon and Tue)
    assert pl.worker_day(team_store, worker_id="walker", date="2026-03-08", actor=WALKER) is None
    # a draft is not what workers see
    pl.store_plan(team_store, plan_dir, week_of="2026-03-16", region="tiny")
    assert pl.worker_day(team_store, worker_id="van", date="2026-03-16", actor=VAN) is None


def test_planner_lists_counts_but_cannot_open_or_export_plans(team_store, plan_dir, tmp_path):
    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")
    listed = pl.list_plans(team_store, actor=PLANNER)
    text = json.dumps(listed)
    for name in ("Clinic", "Corner shop", "North St", "Russian family"):
        assert name not in text
    for call in (
        lambda: pl.get_plan(team_store, plan["id"], actor=PLANNER),
        lambda: pl.export_plan(team_store, plan["id"], tmp_path / "x", actor=PLANNER),
        lambda: pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", actor=PLANNER),
        lambda: pl.list_plans(team_store, actor=VAN),
    ):
        with pytest.raises(AccessDeniedError):
            call()


def test_refuses_a_folder_that_is_not_a_plan_or_of_another_region(team_store, plan_dir, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(plan_dir, bare)
    (bare / "plan.json").unlink()
    with pytest.raises(InputError, match=r"not a plan: it has no plan\.json"):
        pl.publish_plan(team_store, bare, week_of="2026-03-02", region="tiny")
    with pytest.raises(InputError, match="not a folder"):
        pl.publish_plan(team_store, tmp_path / "nothing", week_of="2026-03-02", region="tiny")
    with pytest.raises(InputError, match="region 'tiny', not of 'portland-central'"):
        pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="portland-central")
    cut = tmp_path / "cut"
    shutil.copytree(plan_dir, cut)
    (cut / "stops.csv").write_text("worker_id,day\n", encoding="utf-8")
    with pytest.raises(InputError, match="cut or damaged"):
        pl.publish_plan(team_store, cut, week_of="2026-03-02", region="tiny")
    with pytest.raises(InputError, match="not a date"):
        pl.publish_plan(team_store, plan_dir, week_of="next week", region="tiny")
    assert pl.list_plans(team_store) == []


def test_publishing_warns_about_worker_accounts_the_plan_lacks(team_store, plan_dir):
    ac.add_user(team_store, "zoe", role="worker", worker_id="ow_zoe", password="long enough")
    with pytest.warns(UserWarning, match="ow_zoe"):
        pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")


def test_visits_link_to_the_published_plan(team_store, plan_dir):
    from geo_outreach.visits import store as vs

    plan = pl.publish_plan(team_store, plan_dir, week_of="2026-03-02", region="tiny")
    stop = plan["routes"][0]["stops"][0]
    v = vs.record_visit(
        team_store, worker_id=plan["routes"][0]["worker_id"], visited_at=f"{plan['routes'][0]['date']} 10:00",
        outcome="done", planned_visit_id=stop["visit_id"], plan_id=plan["id"],
        occurrence=stop["occurrence"],
    )  # fmt: skip
    df = vs.visits_frame(team_store)
    row = df[df["record_id"] == v.record_id].iloc[0]
    assert (int(row["plan_id"]), row["planned_visit_id"], int(row["occurrence"])) == (
        plan["id"], stop["visit_id"], stop["occurrence"],
    )  # fmt: skip


def test_publishing_into_a_locked_database_waits_then_says_busy(plan_dir, tmp_path):
    """A SQLite file another program holds locked: publishing waits for it and, while it
    stays locked, stops with a plain "busy" error and stores nothing."""
    import sqlite3
    import threading

    from geo_outreach.visits.store import StoreBusyError, open_store

    path = tmp_path / "team.sqlite"
    with open_store(f"sqlite:///{path}") as st:
        st.max_wait_s = 0.2
        other = sqlite3.connect(path, check_same_thread=False)
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreBusyError, match="busy"):
            pl.publish_plan(st, plan_dir, week_of="2026-03-02", region="tiny", actor=MANAGER)
        other.rollback()
        assert pl.list_plans(st) == []
        # a lock released while the publish waits: it goes through
        other.execute("BEGIN EXCLUSIVE")
        threading.Timer(1.0, other.rollback).start()
        st.max_wait_s = 30.0
        plan = pl.publish_plan(st, plan_dir, week_of="2026-03-02", region="tiny", actor=MANAGER)
        assert plan["status"] == "published"
        assert [p["id"] for p in pl.list_plans(st)] == [plan["id"]]
        other.close()
