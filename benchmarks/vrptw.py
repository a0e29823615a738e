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
import math
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
    """Synthetic week: visits over an area growing with their number, workers (4
    languages) from one depot, 5 days, lunch breaks (owed after 6 h)."""
    rng = np.random.default_rng(seed)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    n_loc = n_visits + 2
    side = 8000.0 * math.sqrt(max(1.0, n_visits / 1000))  # same density as 1,000 in 8 x 8 km
    xy = rng.uniform(0, side, size=(n_loc, 2)).astype(np.float32)
    dur = np.empty((n_loc, n_loc), dtype=np.int32)
    for a in range(0, n_loc, 1024):  # in row blocks: no n x n x 2 temporary
        blk = xy[a : a + 1024]
        d = np.sqrt(((blk[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
        dur[a : a + 1024] = np.ceil(d / 8.0 + 60)  # 8 m/s driving + 1 min parking
    np.fill_diagonal(dur, 0)
    ids = tuple(["depot", "home"] + [f"L{i}" for i in range(n_visits)])
    b = ProblemBuilder(days=days)
    b.add_matrix("drive", TravelMatrix(ids, dur))
    del dur
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


def _peak_rss_gb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux


def run_scale(n_visits: int, n_workers: int, time_limit: float, seed: int, decompose: str) -> dict:
    """One scale run through the product's solve (checker included)."""
    t0 = time.perf_counter()
    problem = scale_problem(n_visits, n_workers)
    t_build = time.perf_counter() - t0
    res = solve(
        problem,
        time_limit_s=time_limit,
        seed=seed,
        params=Parameters(raise_on_violation=False, decompose=decompose),
    )
    return {
        "instance": f"scale-{n_visits}x{n_workers}x5",
        "decompose": decompose,
        "routes": len(res.routes),
        "scheduled": res.num_scheduled,
        "unscheduled": len(res.unscheduled),
        "violations": len(res.violations),
        "travel_h": round(res.travel_s / 3600, 1),
        "stopped_by": res.stopped_by,
        "instance_build_s": round(t_build, 2),
        "solve_s": round(res.runtime_s, 2),
        "peak_rss_gb": round(_peak_rss_gb(), 2),
    }


def run_plain_pyvrp(n_visits: int, n_workers: int, seconds: float, seed: int) -> dict:
    """Plain PyVRP on the same instance: the model's PyVRP data, searched for
    ``seconds`` of wall time, no re-timing, repair or decomposition."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from geo_outreach.optimize.routing.diagnose import prediagnose
    from geo_outreach.optimize.routing.solve import _build

    problem = scale_problem(n_visits, n_workers)
    t0 = time.perf_counter()
    data = _build(problem, prediagnose(problem), Parameters()).data
    res = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, collect_stats=False)
    best = res.best
    return {
        "instance": f"scale-{n_visits}x{n_workers}x5",
        "plain_pyvrp_visits": len(
            {
                data.clients()[a.idx].name
                for r in best.routes()
                for a in r.schedule()
                if a.is_client()
            }
        ),
        "plain_pyvrp_travel_h": round(best.distance() / 3600, 1),
        "plain_pyvrp_feasible": bool(best.is_feasible()),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="Solomon instance files")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--policy", choices=["soft", "hard"], default="soft")
    ap.add_argument("--scale", action="store_true", help="run the scale check")
    ap.add_argument("--visits", type=int, default=1000, help="with --scale: visits")
    ap.add_argument("--workers", type=int, default=20, help="with --scale: workers")
    ap.add_argument(
        "--decompose", choices=["auto", "never", "always"], default="auto", help="with --scale"
    )
    ap.add_argument(
        "--plain", action="store_true", help="with --scale: also plain PyVRP for the same time"
    )
    args = ap.parse_args(argv)
    if args.scale:
        out = run_scale(args.visits, args.workers, args.time_limit, args.seed, args.decompose)
        print(json.dumps(out), flush=True)
        if args.plain:
            plain = run_plain_pyvrp(args.visits, args.workers, out["solve_s"], args.seed)
            plain["ratio_travel"] = round(
                out["travel_h"] / max(plain["plain_pyvrp_travel_h"], 1e-9), 3
            )
            print(json.dumps(plain), flush=True)
    for f in args.files:
        print(json.dumps(run_instance(f, args.time_limit, args.seed, args.policy)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
