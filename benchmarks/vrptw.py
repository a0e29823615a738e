"""Solomon VRPTW benchmark through geo_outreach's routing model.

Usage::

    python benchmarks/vrptw.py --time-limit 10 /work/shared/bench/solomon/C101.txt ...

Each instance is read with :func:`geo_outreach.optimize.routing.solomon.read_solomon`,
turned into visits and workers (DIMACS distances: floor(10 * euclid), unlimited
fleet) and solved by :func:`geo_outreach.optimize.routing.solve` - the product's
code path, checker included.  One JSON object per line:
``{"instance", "vehicles", "distance", "feasible", "seconds"}`` with the distance in
the instance's units (DIMACS value / 10).  ``--scale`` runs the 1,000-visit,
20-worker, 5-day scale check instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo_outreach.optimize.routing import (
    BreakRule,
    Parameters,
    ProblemBuilder,
    TravelMatrix,
    Visit,
    Window,
    Worker,
    solve,
)
from geo_outreach.optimize.routing.solomon import read_solomon, solomon_problem


def run_instance(path: str, time_limit: float, seed: int, policy: str) -> dict:
    inst = read_solomon(path)
    problem = solomon_problem(inst)
    t0 = time.perf_counter()
    res = solve(
        problem,
        time_limit_s=time_limit,
        max_iterations=None,  # the classic benchmark is run on wall time only
        seed=seed,
        params=Parameters(required_policy=policy, raise_on_violation=False),
    )
    secs = time.perf_counter() - t0
    feasible = not res.violations and not res.unscheduled
    return {
        "instance": Path(path).stem,
        "vehicles": len(res.routes),
        "distance": round(res.travel_s / 10, 1),
        "feasible": feasible,
        "seconds": round(secs, 2),
    }


def scale_problem(n_visits: int = 1000, n_workers: int = 20, seed: int = 7):
    """Synthetic week: 1,000 visits, 20 workers (4 languages), 5 days, lunch breaks."""
    rng = np.random.default_rng(seed)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    n_loc = n_visits + 2
    xy = rng.uniform(0, 8000, size=(n_loc, 2))  # metres, ~ central Portland size
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    dur = np.ceil(d / 8.0 + 60).astype(np.int64)  # 8 m/s driving + 1 min parking
    np.fill_diagonal(dur, 0)
    ids = tuple(["depot", "home"] + [f"L{i}" for i in range(n_visits)])
    b = ProblemBuilder(days=days)
    b.add_matrix("drive", TravelMatrix(ids, dur))
    langs = ["es", "vi", "ru"]
    shift = {dd: (8 * 3600 + 1800, 17 * 3600) for dd in days}
    lunch = BreakRule(1800, 11 * 3600 + 1800, 13 * 3600 + 1800)
    for j in range(n_workers):
        skills = {"en"} | ({langs[j % 3]} if j % 2 == 0 else set())
        b.add_worker(
            Worker(f"w{j}", "depot", "depot", shift, skills=frozenset(skills), break_rule=lunch)
        )
    for i in range(n_visits):
        r = rng.random()
        skills = frozenset([langs[i % 3]]) if r < 0.2 else frozenset()
        wins: tuple[Window, ...] = ()
        if rng.random() < 0.3:
            a = int(rng.integers(9, 14)) * 3600
            wins = (Window(a, a + 3 * 3600),)
        b.add_visit(
            Visit(
                f"v{i}",
                f"L{i}",
                int(rng.integers(20, 46)) * 60,
                windows=wins,
                required=rng.random() < 0.5,
                value=float(rng.integers(5, 60)),
                skills=skills,
            )
        )
    return b.build()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="Solomon instance files")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--policy", choices=["soft", "hard"], default="soft")
    ap.add_argument("--scale", action="store_true", help="run the 1,000-visit scale check")
    args = ap.parse_args(argv)
    if args.scale:
        t0 = time.perf_counter()
        problem = scale_problem()
        res = solve(problem, time_limit_s=args.time_limit, seed=args.seed)
        print(
            json.dumps(
                {
                    "instance": "scale-1000x20x5",
                    "routes": len(res.routes),
                    "scheduled": res.num_scheduled,
                    "unscheduled": len(res.unscheduled),
                    "violations": len(res.violations),
                    "travel_h": round(res.travel_s / 3600, 1),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            ),
            flush=True,
        )
    for f in args.files:
        print(json.dumps(run_instance(f, args.time_limit, args.seed, args.policy)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
