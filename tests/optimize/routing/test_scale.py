"""Large problems: the memory estimate refuses what cannot fit; by-day-and-area plans are valid."""

from __future__ import annotations

import numpy as np
import pytest

from geo_outreach.errors import InputError
from geo_outreach.optimize.routing import (
    BreakRule,
    Parameters,
    ProblemBuilder,
    TravelMatrix,
    Visit,
    Window,
    Worker,
    check_plan,
    solve,
)
from geo_outreach.optimize.routing.diagnose import prediagnose
from geo_outreach.optimize.routing.parts import estimate_memory_bytes, plan_parts

DAYS = ("Mon", "Tue", "Wed")


def _problem(n=120, n_workers=6, seed=3):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 6000, size=(n + 1, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    ids = ("depot", *[f"L{i}" for i in range(n)])
    b = ProblemBuilder(days=DAYS)
    b.add_matrix("drive", TravelMatrix(ids, np.ceil(d / 8 + 60).astype(np.int64)))
    shift = {x: (8 * 3600 + 1800, 17 * 3600) for x in DAYS}
    for j in range(n_workers):
        skills = frozenset({"en", "es"} if j % 2 else {"en"})
        lunch = BreakRule(1800, 11 * 3600 + 1800, 13 * 3600 + 1800)
        b.add_worker(Worker(f"w{j}", "depot", "depot", shift, skills=skills, break_rule=lunch))
    for i in range(n):
        wins = (Window(10 * 3600, 13 * 3600),) if i % 4 == 0 else ()
        b.add_visit(
            Visit(
                f"v{i}",
                f"L{i}",
                int(rng.integers(15, 40)) * 60,
                windows=wins,
                skills=frozenset({"es"}) if i % 5 == 0 else frozenset(),
                frequency=2 if i % 10 == 0 else 1,
                min_gap_days=2,
            )
        )
    return b.build()


def test_by_day_and_area_gives_a_valid_plan_close_to_the_whole_solve():
    p = _problem()
    parts = plan_parts(p, prediagnose(p), part_size=30, whole_max_visits=0)
    assert len(parts) > len(DAYS)  # split by day and by area
    assert {pt.day for pt in parts} == set(DAYS)
    occ = [(v.visit_id, o) for pt in parts for v, o in pt.visits]
    assert len(occ) == len(set(occ)) == sum(v.frequency for v in p.visits)
    whole = solve(p, max_iterations=400, params=Parameters(decompose="never"))
    split = solve(p, max_iterations=400, params=Parameters(decompose="always", part_size=30))
    assert check_plan(p, split.routes, split.unscheduled) == []  # gaps, breaks, skills...
    assert split.num_scheduled >= 0.95 * whole.num_scheduled
    assert split.travel_s <= 1.5 * whole.travel_s


def test_too_large_for_memory_is_refused_naming_the_limit():
    p = _problem(n=60)
    need = estimate_memory_bytes(p, prediagnose(p))
    assert need > 0
    with pytest.raises(InputError, match="max_memory_gb"):
        solve(p, params=Parameters(decompose="never", max_memory_gb=need / 2e9))
