"""Benchmark: MCLP with 1,000 demand points x 500 candidates, p = 10, HiGHS vs spopt.

The instance is random but seeded and shaped like a city: demand points drawn
from a mixture of neighbourhood clusters plus a uniform background over an
8 x 8 km area, candidates spread over the same area, travel time = walking
time over a detour factor of 1.3 at 1.2 m/s, and a 15-minute threshold.  That
gives each demand point a few percent of the candidates within reach (the
script prints the exact density).

Both solvers get the same dense cost matrix; spopt builds its model with PuLP
and solves with CBC (its default), timed from model construction to solution,
as is our ``solve_siting`` (which includes building the sparse model, the
HiGHS run and the result tables).

Run::

    .venv/bin/python benchmarks/siting.py            # HiGHS and spopt
    .venv/bin/python benchmarks/siting.py --no-spopt # HiGHS only
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

N_DEMAND = 1_000
N_CANDIDATES = 500
P = 10
T_S = 15 * 60.0
AREA_M = 8_000.0
SPEED_M_S = 1.2
DETOUR = 1.3


def make_instance(
    seed: int = 42,
    n_demand: int = N_DEMAND,
    n_candidates: int = N_CANDIDATES,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(cost_s, weight)``: a dense travel-time matrix and demand weights."""
    rng = np.random.default_rng(seed)
    n_clusters = 15
    centres = rng.uniform(0.1 * AREA_M, 0.9 * AREA_M, size=(n_clusters, 2))
    n_clustered = int(0.7 * n_demand)
    which = rng.integers(0, n_clusters, n_clustered)
    spread = rng.uniform(300.0, 900.0, n_clusters)
    clustered = centres[which] + rng.normal(size=(n_clustered, 2)) * spread[which, None]
    background = rng.uniform(0, AREA_M, size=(n_demand - n_clustered, 2))
    demand = np.clip(np.vstack([clustered, background]), 0, AREA_M)
    cand = rng.uniform(0, AREA_M, size=(n_candidates, 2))
    dist_m = np.linalg.norm(demand[:, None, :] - cand[None, :, :], axis=2)
    cost_s = DETOUR * dist_m / SPEED_M_S
    population = rng.gamma(2.0, 400.0, n_demand)
    need = rng.uniform(0.2, 1.0, n_demand)
    return cost_s, population * need


def run_ours(
    cost_s: np.ndarray, weight: np.ndarray, threads: int
) -> tuple[float, float, str, float]:
    import highspy  # noqa: F401  (imported before the clock starts, like spopt below)

    from geo_outreach.optimize.siting import from_cost_matrix, solve_siting

    t0 = time.perf_counter()
    problem = from_cost_matrix(cost_s, weight=weight)
    res = solve_siting(problem, model="mclp", p=P, max_time_s=T_S, threads=threads)
    elapsed = time.perf_counter() - t0
    return elapsed, res.objective, res.status, res.gap


def run_spopt(cost_s: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    import pulp
    from spopt.locate import MCLP

    t0 = time.perf_counter()
    mclp = MCLP.from_cost_matrix(cost_s, weight, service_radius=T_S, p_facilities=P)
    mclp = mclp.solve(pulp.PULP_CBC_CMD(msg=False, threads=2), results=False)
    elapsed = time.perf_counter() - t0
    return elapsed, float(pulp.value(mclp.problem.objective))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each solver (best and median)")
    args = ap.parse_args()

    cost_s, weight = make_instance(args.seed)
    density = float((cost_s <= T_S).mean())
    print(
        f"instance: {N_DEMAND} demand x {N_CANDIDATES} candidates, p={P}, T={T_S / 60:.0f} min, "
        f"seed={args.seed}; coverage density {density:.2%} "
        f"(mean {density * N_CANDIDATES:.1f} candidates per demand point); "
        f"cpus={os.cpu_count()}"
    )
    ours = [run_ours(cost_s, weight, args.threads) for _ in range(args.repeat)]
    t_ours = [r[0] for r in ours]
    _, obj_ours, status, gap = ours[-1]
    print(
        f"geo_outreach (HiGHS, {args.threads} threads): best {min(t_ours):.2f} s, "
        f"median {statistics.median(t_ours):.2f} s over {args.repeat} runs; status={status}, "
        f"gap={gap:.2e}, objective={obj_ours:.3f}"
    )
    if not args.no_spopt:
        sp_runs = [run_spopt(cost_s, weight) for _ in range(args.repeat)]
        t_sp = [r[0] for r in sp_runs]
        obj_sp = sp_runs[-1][1]
        print(
            f"spopt MCLP (PuLP + CBC, 2 threads): best {min(t_sp):.2f} s, "
            f"median {statistics.median(t_sp):.2f} s; objective={obj_sp:.3f}"
        )
        rel = abs(obj_ours - obj_sp) / max(abs(obj_sp), 1.0)
        print(
            f"ratio spopt / geo_outreach (best times): {min(t_sp) / min(t_ours):.1f}x; "
            f"objective rel. diff {rel:.1e}"
        )
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print(f"note: load average {os.getloadavg()[0]:.1f} > cpus; times are inflated")


if __name__ == "__main__":
    main()
