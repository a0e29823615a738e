"""The visit log feeds the planner: who went last (continuity) and when (gaps across weeks).

Real SQLite visit log; the planner and its independent checker are the real ones.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import geo_outreach as go
from geo_outreach.visits import store as vs
from geo_outreach.visits.history import with_visit_history

WEEK = dt.date(2026, 11, 2)  # a Monday in the past: the plan's week


@pytest.fixture
def log(tmp_path):
    st = vs.open_store(f"sqlite:///{tmp_path / 'visits.sqlite'}")
    try:
        yield st
    finally:
        st.close()


def _visits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visit_id": ["H1a", "H1b", "S2", "R3", "N4"],
            "lon": ["-122.670", "-122.671", "-122.660", "-122.665", "-122.668"],
            "lat": ["45.520", "45.521", "45.515", "45.518", "45.519"],
            "duration_min": ["30"] * 5,
            "household_id": ["hh1", "hh1", "", "", ""],
            "frequency": ["1", "1", "1", "2", "1"],
            "min_gap_days": ["1", "1", "1", "3", "1"],
            "last_visit": ["", "", "", "", ""],
            "preferred_worker": ["", "", "", "", "ben"],
        }
    )


def _record(log, worker: str, when: str, vid: str, outcome: str = "done") -> None:
    vs.record_visit(log, worker_id=worker, visited_at=when, outcome=outcome, planned_visit_id=vid)


def test_preferred_worker_is_who_last_visited_the_visit_or_household(log):
    _record(log, "ana", "2026-10-20 10:00", "H1a")
    _record(log, "cleo", "2026-10-28 10:00", "H1b")  # later, same household
    _record(log, "ana", "2026-10-26 09:00", "S2")
    _record(log, "ben", "2026-10-29 09:00", "S2", outcome="cancelled")  # nobody went
    _record(log, "cleo", "2026-10-27 09:00", "N4")  # N4 names its own worker: kept
    _record(log, "dan", "2026-11-03 09:00", "S2")  # in the plan's week: not history
    out = with_visit_history(_visits(), log, week_of=WEEK + dt.timedelta(days=2))
    pref = dict(zip(out["visit_id"], out["preferred_worker"], strict=True))
    assert pref == {"H1a": "cleo", "H1b": "cleo", "S2": "ana", "R3": "", "N4": "ben"}


def test_last_visit_holds_the_done_days_before_the_week(log):
    _record(log, "ana", "2026-10-30 10:00", "R3")  # Friday before: -3
    _record(log, "ana", "2026-10-28 10:00", "R3", outcome="no_one_there")  # not done
    _record(log, "ana", "2026-10-01 10:00", "R3")  # beyond the look-back
    out = with_visit_history(_visits(), log, week_of=WEEK)
    assert out.set_index("visit_id").at["R3", "last_visit"] == "-3"
    assert (out.set_index("visit_id").drop(index="R3")["last_visit"] == "").all()
    # a voided record does not count
    stored = vs.record_visit(
        log, worker_id="ana", visited_at="2026-11-01 10:00", outcome="done", planned_visit_id="R3"
    )
    vs.void_visit(log, stored.record_id, reason="typed twice", changed_by="ana")
    again = with_visit_history(_visits(), log, week_of=WEEK)
    assert again.set_index("visit_id").at["R3", "last_visit"] == "-3"


def test_planner_keeps_the_gap_to_last_week_and_the_last_worker(log):
    """R3 (twice, >= 3 days apart) was done last Saturday: Monday (2 days on) is not
    allowed, so Tue + Fri is its only pattern (Mon + Thu would be without the log).

    H1a's household was last seen by cleo, so its visits stay with cleo when she can."""
    from geo_outreach.optimize.routing import ProblemBuilder, check_plan, solve
    from geo_outreach.optimize.routing.io import straight_line_matrix

    _record(log, "ana", "2026-10-31 10:00", "R3")
    _record(log, "cleo", "2026-10-28 10:00", "H1b")
    visits = go.read_visits(_visits(), source="visits.csv", visit_log=log, week_of=WEEK)
    assert visits.table.set_index("visit_id").at["R3", "last_visit"] == "-2"
    workers = go.read_workers(
        pd.DataFrame(
            {
                "worker_id": ["ana", "ben", "cleo"],
                "start_lon": ["-122.667"] * 3,
                "start_lat": ["45.517"] * 3,
                "shift": ["Mon-Fri 08:30-17:00"] * 3,
            }
        ),
        source="workers.csv",
    )
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    b = ProblemBuilder(days=days)
    locs = pd.concat([visits.locations, workers.locations], ignore_index=True)
    b.add_matrix("drive", straight_line_matrix(locs, speed_m_s=8.0))
    for v in visits.visits:
        b.add_visit(v)
    for w in workers.workers:
        b.add_worker(w)
    problem = b.build()
    result = solve(problem, max_iterations=300, time_limit_s=20, seed=0)
    assert check_plan(problem, result.routes, result.unscheduled) == []
    where = [(r.worker_id, r.day, s.visit_id) for r in result.routes for s in r.visit_stops]
    r3_days = sorted(days.index(d) for _, d, v in where if v == "R3")
    assert r3_days == [1, 4]
    assert {w for w, _, v in where if v in ("H1a", "H1b")} == {"cleo"}
    assert {w for w, _, v in where if v == "N4"} == {"ben"}
