"""Exact recurring visits: every valid day pattern, calendar-day gaps, checked."""

from __future__ import annotations

import dataclasses

from geo_outreach.optimize.routing import Visit, Window, check_plan, solve
from geo_outreach.optimize.routing.diagnose import day_patterns, occurrence_blocks
from geo_outreach.optimize.routing.io import read_visits_csv

from .helpers import H, M, build, worker

WEEK = ("Mon", "Tue", "Wed", "Thu", "Fri")
POS = {"depot": 0, "x": 10, "t": 12, "h": 14, "f": 16}


def test_every_valid_pattern_is_enumerated():
    pats = day_patterns(WEEK, 2, 2)
    assert ("Mon", "Wed") in pats and ("Wed", "Fri") in pats and ("Mon", "Tue") not in pats
    assert len(pats) == 6  # MW MT MF TT TF WF
    # the blocks used in the search do not offer Mon+Wed: the repair must
    bl = occurrence_blocks(WEEK, 2, 2)
    assert bl is not None and not ("Mon" in bl[0] and "Wed" in bl[1])


def test_a_visit_that_only_fits_mon_and_wed_is_planned():
    # full-day fixed visits take Tue, Thu and Fri; twice a week, 2 days apart -> Mon + Wed
    full = [
        Visit(k, k, 8 * H, windows=(Window(8 * H + 30 * M + 12 * M, 9 * H, frozenset({d})),))
        for k, d in (("t", "Tue"), ("h", "Thu"), ("f", "Fri"))
    ]
    x = Visit("x", "x", 60 * M, frequency=2, min_gap_days=2)
    w = worker(days=WEEK, max_work_s=9 * H)
    w = dataclasses.replace(w, shifts={d: (8 * H + 30 * M, 17 * H + 30 * M) for d in WEEK})
    p = build([*full, x], [w], POS, days=WEEK)
    res = solve(p, max_iterations=300)
    days = sorted(r.day for r in res.routes for s in r.visit_stops if s.visit_id == "x")
    assert set(days) == {"Mon", "Wed"}, res.unscheduled
    assert not res.unscheduled
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_gaps_count_calendar_days_across_the_weekend():
    days = ("Thu", "Fri", "Mon", "Tue")
    x = Visit("x", "x", 60 * M, frequency=2, min_gap_days=3)
    p = build([x], [worker(days=days)], POS, days=days)
    assert [p.calendar_day(d) for d in days] == [3, 4, 7, 8]
    assert set(day_patterns(days, 2, 3, calendar={d: p.calendar_day(d) for d in days})) == {
        ("Thu", "Mon"), ("Thu", "Tue"), ("Fri", "Mon"), ("Fri", "Tue"),
    }  # fmt: skip
    res = solve(p, max_iterations=200)
    got = sorted(p.calendar_day(r.day) for r in res.routes)
    assert len(got) == 2 and got[1] - got[0] >= 3
    assert check_plan(p, res.routes, res.unscheduled) == []


def test_visit_of_the_previous_week_counts_for_the_gap():
    # done last Friday, at least 3 days apart: Monday (3 days later) is fine, 4 is not
    x3 = Visit("x", "x", 60 * M, min_gap_days=3, previous_days=(-3,))
    x4 = dataclasses.replace(x3, min_gap_days=4)
    w = worker(days=WEEK)
    res3 = solve(build([x3], [w], POS, days=("Mon",)), max_iterations=100)
    assert [r.day for r in res3.routes] == ["Mon"]
    res4 = solve(build([x4], [w], POS, days=("Mon",)), max_iterations=100)
    assert not res4.routes and res4.unscheduled[0].code == "frequency"


def test_checker_verifies_calendar_gaps_and_previous_visits():
    x = Visit("x", "x", 60 * M, frequency=2, min_gap_days=2)
    p = build([x], [worker(days=WEEK)], POS, days=WEEK)
    res = solve(p, max_iterations=200)
    assert check_plan(p, res.routes, res.unscheduled) == []
    r0, r1 = sorted(res.routes, key=lambda r: p.calendar_day(r.day))
    next_day = WEEK[WEEK.index(r0.day) + 1]
    crowded = [r0, dataclasses.replace(r1, day=next_day)]
    assert "gap" in {v.code for v in check_plan(p, crowded)}
    px = build([dataclasses.replace(x, previous_days=(-1,))], [worker(days=WEEK)], POS, days=WEEK)
    monday = [dataclasses.replace(r0, day="Mon"), dataclasses.replace(r1, day="Wed")]
    assert "gap" in {v.code for v in check_plan(px, monday)}  # Sun before -> Mon is 1 day


def test_csv_last_visit_column(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(
        "visit_id,location_id,duration_min,frequency,min_gap_days,last_visit\n"
        "a,x,30,2,2,Fri\nb,x,30,1,1,-1;-4\nc,x,30,1,1,\n",
        encoding="utf-8",
    )
    (a, b, c), _ = read_visits_csv(f)
    assert a.previous_days == (-3,) and b.previous_days == (-1, -4) and c.previous_days == ()
