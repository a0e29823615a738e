"""Re-planning keeps the frozen part; CSV readers; Solomon reader."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import ProblemBuilder, Visit, replan, solve
from geo_outreach.optimize.routing.io import (
    parse_windows,
    read_visits_csv,
    read_workers_csv,
    straight_line_matrix,
)
from geo_outreach.optimize.routing.solomon import read_solomon, solomon_problem

from .helpers import LUNCH, M, build, worker

HERE = Path(__file__).parent
REPO = HERE.parents[2]


def test_replan_keeps_done_stops_and_replans_the_rest():
    pos = {"depot": 0, **{f"p{i}": 5 * i for i in range(1, 7)}}
    visits = [Visit(f"v{i}", f"p{i}", 40 * M) for i in range(1, 7)]
    p = build(visits, [worker("w1", brk=LUNCH), worker("w2", brk=LUNCH)], pos)
    plan = solve(p, time_limit_s=0.3)
    r = next(r for r in plan.routes if len(r.visit_stops) >= 2)
    done = [s for s in r.visit_stops[:2]]
    now = done[-1].departure_s
    new = replan(
        p,
        plan,
        day="Mon",
        now_s=now,
        positions={r.worker_id: done[-1].location_id},
        done=[s.visit_id for s in done],
        time_limit_s=0.3,
    )
    assert not new.violations
    nr = next(x for x in new.routes if x.worker_id == r.worker_id)
    frozen = [s for s in nr.stops if s.frozen]
    assert [(s.visit_id, s.start_s, s.end_s) for s in frozen] == [
        (s.visit_id, s.start_s, s.end_s) for s in done
    ]
    later = [s for s in nr.stops if not s.frozen]
    assert all(s.arrival_s >= now for s in later)
    planned = [s.visit_id for x in new.routes for s in x.visit_stops]
    assert sorted(planned) == sorted(v.visit_id for v in visits)  # nothing lost, nothing twice


def test_replan_rejects_unknown_done_visit():
    p = build([Visit("a", "a", 600)], [worker()], {"depot": 0, "a": 5})
    plan = solve(p, time_limit_s=0.2)
    with pytest.raises(InputError):
        replan(p, plan, day="Mon", now_s=36000, positions={}, done=["zzz"])


def test_solomon_reader_and_solve():
    inst = read_solomon(HERE / "data" / "tiny_solomon.txt")
    assert inst.name == "TINY6" and inst.capacity == 30 and len(inst.x) == 7
    assert inst.ready[2] == 50 and inst.due[4] == 150 and inst.service[1] == 10
    p = solomon_problem(inst)
    assert p.travel("drive", "n0", "n4") == 200  # floor(10 * 20)
    res = solve(p, time_limit_s=0.3)
    assert not res.unscheduled and not res.violations
    assert all(
        sum(p.visit_by_id[s.visit_id].demand for s in r.visit_stops) <= 30 for r in res.routes
    )


def test_solomon_reader_rejects_other_files(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hello\nworld\n")
    with pytest.raises(InputError):
        read_solomon(f)


def test_demo_csvs_read_and_plan_with_visible_reasons():
    visits, vl = read_visits_csv(REPO / "data" / "demo_visits.csv")
    workers, wl = read_workers_csv(REPO / "data" / "demo_workers.csv")
    assert len(workers) == 6 and sum(w.mode == "drive" for w in workers) == 5
    assert sum("es" in w.skills for w in workers) == 2
    locs = pd.concat([vl, wl])
    b = ProblemBuilder(days=("Mon", "Tue"))
    b.add_matrix("drive", straight_line_matrix(locs, speed_m_s=8, fixed_s=120))
    b.add_matrix("walk", straight_line_matrix(locs, speed_m_s=1.3))
    for v in visits:
        b.add_visit(v)
    for w in workers:
        b.add_worker(w)
    res = solve(b.build(), time_limit_s=1.0)
    got = {u.visit_id: u.code for u in res.unscheduled}
    assert got["X01"] == "no_skill" and got["X02"] == "window_unreachable"
    assert got["X03"] == "too_long" and got["X05"] == "off_network"


def test_windows_are_converted_to_start_windows():
    (w1, w2) = parse_windows("Tue/Thu 10:00-14:00;Fri 09:00-12:00", 30 * M)
    assert w1.start_s == 36000 and w1.end_s == 14 * 3600 - 30 * M
    assert w1.weekdays == frozenset({"Tue", "Thu"}) and w2.weekdays == frozenset({"Fri"})
    with pytest.raises(InputError, match="ends before it starts"):
        parse_windows("14:00-10:00", 60)
    with pytest.raises(InputError, match="shorter than the visit"):
        parse_windows("10:00-10:20", 30 * M)


def _csv(tmp_path, text):
    f = tmp_path / "f.csv"
    f.write_text(text)
    return f


def test_bad_inputs_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="unknown skill"):
        read_visits_csv(
            _csv(tmp_path, "visit_id,lon,lat,duration_min,skills\na,-122.6,45.5,30,spanish\n")
        )
    with pytest.raises(InputError, match="row 2"):
        read_visits_csv(_csv(tmp_path, "visit_id,lon,lat,duration_min\na,-122.6,45.5,abc\n"))
    with pytest.raises(InputError, match="no shift"):
        read_workers_csv(_csv(tmp_path, "worker_id,start_lon,start_lat,shift\nw,-122.6,45.5,\n"))
    with pytest.raises(InputError, match="30@11:30-13:30"):
        read_workers_csv(
            _csv(
                tmp_path,
                "worker_id,start_lon,start_lat,shift,break\nw,-122.6,45.5,Mon 08:00-16:00,lunch\n",
            )
        )
