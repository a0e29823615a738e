"""Solve a routing problem with PyVRP, re-time it exactly, explain what is left out,
and re-verify the plan with the independent checker.

Modelling in PyVRP (see ``docs/routing.md`` for the trade-offs)
----------------------------------------------------------------
* **Days**: one continuous clock; day ``i`` of the horizon is
  ``[i * 86400, (i + 1) * 86400)``.  Each (worker, day) with a shift is a vehicle;
  identical (worker, day) vehicles are pooled in one vehicle type.
* **Visits**: one PyVRP client per (occurrence, day, window) copy, with the
  window shifted to its day; copies of one occurrence form a mutually exclusive
  client group ("one of these days/windows").
* **Priorities**: optional visits carry a prize of ``value`` minutes of travel.
  With ``required_policy="soft"`` (default) required visits carry a prize worth
  ten days of travel instead of being hard, so a plan always exists and the
  ones that cannot fit are explained; ``"hard"`` uses PyVRP required clients.
* **Skills / reachability**: one routing profile per (mode, skill set); a visit
  no worker of the profile may serve is made unreachable in that profile.
* **Frequency**: an occurrence per required visit, each restricted to a block of
  days (:func:`.diagnose.occurrence_blocks`) so any choice respects the minimum
  gap - a sound decomposition that forgoes some day patterns.
* **Breaks**: owed only on a working day longer than the worker's threshold
  (``BreakRule.after_work_s``, 6 h by default).  The search reserves the break's
  length in the working time and shift end of vehicles that may owe one; the
  exact timing (break right after a visit, no idle wait, inside its window, at
  the cheapest position) is recomputed by :func:`.plan.schedule_route`; a route
  that no longer fits is repaired by dropping its least valuable visits, which
  are re-inserted elsewhere if possible.
* **Objective**: total travel time (seconds) minus collected prizes.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo_outreach.errors import InputError, SolverError

from .checker import Violation, check_plan
from .diagnose import (
    Diagnosis,
    Unscheduled,
    best_insertion,
    explain_lost,
    prediagnose,
)
from .model import DAY_S, WEEKDAYS, Problem, Visit, Worker
from .plan import Route, schedule_route

__all__ = ["Parameters", "RoutingResult", "solve"]

logger = logging.getLogger(__name__)
_BIG = 1_000_000_000
_CAP_INF = 1_000_000_000
DEFAULT_MAX_ITERATIONS = 3_000
"""Default search length: an iteration limit, so the same inputs give the same plan."""
DEFAULT_TIME_LIMIT_S = 60.0
"""Default wall-clock cap on the search (only reached on large problems or slow machines)."""


@dataclass(frozen=True)
class Parameters:
    """Solver options.

    Parameters
    ----------
    required_policy
        ``"soft"``: required visits get a prize of ``required_prize_s`` so the
        solver always returns a plan; ``"hard"``: PyVRP required clients (the
        solve may come back infeasible when they cannot all fit).
    required_prize_s
        Prize of a required visit in seconds of travel.
    repair
        Try to insert left-out visits into the solved routes (cheapest feasible
        insertion) before explaining them.
    repair_time_s
        Wall-time budget of that repair step (on top of ``time_limit_s``).
    repair_routes
        Number of nearest routes (by travel from their stops) tried per left-out
        visit during repair.
    check
        Run the independent checker on the plan.
    raise_on_violation
        Raise :class:`SolverError` when the checker finds a violation (else the
        violations are returned in the result).
    """

    required_policy: str = "soft"
    required_prize_s: int = 10 * DAY_S
    repair: bool = True
    repair_time_s: float = 5.0
    repair_routes: int = 8
    check: bool = True
    raise_on_violation: bool = True

    def __post_init__(self) -> None:
        if self.required_policy not in ("soft", "hard"):
            raise InputError("required_policy must be 'soft' or 'hard'", source="required_policy")
        if self.required_prize_s <= 0:
            raise InputError("required_prize_s must be positive", source="required_prize_s")
        if self.repair_routes < 1:
            raise InputError("repair_routes must be >= 1", source="repair_routes")
        if self.repair_time_s < 0:
            raise InputError("repair_time_s must be >= 0", source="repair_time_s")


@dataclass(frozen=True)
class RoutingResult:
    """A checked plan.

    Attributes
    ----------
    routes
        One route per (worker, day) that has visits, ordered by day then worker.
    unscheduled
        Every visit occurrence not planned, with its reason.
    violations
        What the independent checker found (empty for a valid plan).
    solver_feasible
        Whether PyVRP's own solution was feasible before exact re-timing.
    runtime_s
        Wall time of :func:`solve`.
    stopped_by
        Which limit ended the search: ``"max_iterations"`` (the plan is
        reproducible: same inputs, seed and limit give the same plan on any
        machine) or ``"time_limit"`` (the wall-clock cap was reached first, in the
        search or in the repair step; the plan may differ between runs).
        ``"none"`` when there was nothing to search.
    iterations
        PyVRP search iterations done.
    """

    problem: Problem = field(repr=False)
    routes: tuple[Route, ...]
    unscheduled: tuple[Unscheduled, ...]
    violations: tuple[Violation, ...]
    solver_feasible: bool
    runtime_s: float
    stopped_by: str = "none"
    iterations: int = 0

    @property
    def travel_s(self) -> int:
        """Total travel over all routes."""
        return sum(r.travel_s for r in self.routes)

    @property
    def num_scheduled(self) -> int:
        """Planned visit occurrences."""
        return sum(len(r.visit_stops) for r in self.routes)

    def stops_frame(self):
        """One row per stop: worker_id, day, seq, kind, visit_id, times (s), wait."""
        import pandas as pd

        rows = []
        for r in self.routes:
            for i, s in enumerate(r.stops):
                rows.append(
                    {
                        "worker_id": r.worker_id,
                        "day": r.day,
                        "seq": i + 1,
                        "kind": s.kind,
                        "visit_id": s.visit_id,
                        "occurrence": s.occurrence,
                        "location_id": s.location_id,
                        "travel_s": s.travel_s,
                        "arrival_s": s.arrival_s,
                        "start_s": s.start_s,
                        "end_s": s.end_s,
                        "departure_s": s.departure_s,
                        "wait_s": s.wait_s,
                        "frozen": s.frozen,
                    }
                )
        return pd.DataFrame(rows)

    def routes_frame(self):
        """One row per route with totals (seconds)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "worker_id": r.worker_id,
                    "day": r.day,
                    "start_location_id": r.start_location_id,
                    "end_location_id": r.end_location_id,
                    "start_s": r.start_s,
                    "end_s": r.end_s,
                    "visits": len(r.visit_stops),
                    "travel_s": r.travel_s,
                    "service_s": r.service_s,
                    "wait_s": r.wait_s,
                    "break_s": r.break_s,
                    "duration_s": r.duration_s,
                }
                for r in self.routes
            ]
        )

    def days_frame(self):
        """Totals per day."""
        df = self.routes_frame()
        if df.empty:
            return df
        cols = ["visits", "travel_s", "service_s", "wait_s", "break_s", "duration_s"]
        out = df.groupby("day", sort=False)[cols].sum().reset_index()
        out["routes"] = df.groupby("day", sort=False).size().to_numpy()
        return out

    def unscheduled_frame(self):
        """visit_id, occurrence, code, reason."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "visit_id": u.visit_id,
                    "occurrence": u.occurrence,
                    "code": u.code,
                    "reason": u.reason,
                }
                for u in self.unscheduled
            ],
            columns=["visit_id", "occurrence", "code", "reason"],
        )


@dataclass
class _Built:
    data: Any
    client_meta: list[tuple[str, str, int, str]]  # (kind, visit_id, occurrence, day)
    type_workers: list[list[str]]
    type_day: list[str]


def _build(problem: Problem, diag: Diagnosis, params: Parameters) -> _Built:
    import pyvrp

    days = problem.days
    # ---- locations: depots, one per eligible visit, break dummy
    depot_ids: list[str] = []
    for w in problem.workers:
        for loc in (w.start_location_id, w.end_location_id):
            if loc not in depot_ids:
                depot_ids.append(loc)
    vis = [v for v in problem.visits if v.visit_id in diag.eligible]
    loc_matrix_ids = depot_ids + [v.location_id for v in vis]
    n_loc = len(loc_matrix_ids)
    visit_loc = {v.visit_id: len(depot_ids) + i for i, v in enumerate(vis)}

    base: dict[str, np.ndarray] = {}
    for mode in sorted({w.mode for w in problem.workers}):
        tm = problem.matrices[mode]
        idx = np.array([tm.index(x) if x in tm else -1 for x in loc_matrix_ids], dtype=np.int64)
        mat = np.full((n_loc, n_loc), _BIG, dtype=np.int64)
        ok = idx >= 0
        sub = tm.durations_s[np.ix_(idx[ok], idx[ok])]
        sub = np.where(sub < 0, _BIG, sub)
        okpos = np.flatnonzero(ok)
        mat[np.ix_(okpos, okpos)] = sub
        np.fill_diagonal(mat, 0)
        base[mode] = mat

    # ---- profiles per (mode, skills); forbid visits no worker of the profile may serve
    prof_key = {w.worker_id: (w.mode, w.skills) for w in problem.workers}
    keys = sorted(set(prof_key.values()), key=lambda k: (k[0], sorted(k[1])))
    prof_idx = {k: i for i, k in enumerate(keys)}
    eligible_workers: dict[str, set[str]] = {
        vid: {w for w, _ in pairs} for vid, pairs in diag.eligible.items()
    }
    mats = []
    for k in keys:
        mat = base[k[0]].copy()
        members = {w.worker_id for w in problem.workers if prof_key[w.worker_id] == k}
        forbid = [
            visit_loc[v.visit_id] for v in vis if not (eligible_workers[v.visit_id] & members)
        ]
        if forbid:
            mat[:, forbid] = _BIG
            mat[forbid, forbid] = 0
        mats.append(mat)

    # ---- load dimension: demand (if any)
    use_demand = any(v.demand > 0 for v in vis) and any(
        w.capacity is not None for w in problem.workers
    )
    dims = 1 if use_demand else 0

    def load(demand: int = 0) -> list[int]:
        return [demand] if use_demand else []

    depots = [pyvrp.Depot(location=i, name=x) for i, x in enumerate(depot_ids)]
    vtypes = []
    type_workers: list[list[str]] = []
    type_day: list[str] = []
    for di, d in enumerate(days):
        groups: dict[tuple, list[str]] = {}
        for w in problem.workers:
            if d not in w.shifts:
                continue
            a, b = w.shifts[d]
            mw = w.max_work_on(d)
            br = w.break_rule if w.break_due(d) else None
            if br is not None:
                # reserve the break: a day longer than after_work_s must fit it too
                mw = min(mw, max(br.after_work_s, mw - br.duration_s))
                b = min(b, max(a + br.after_work_s, b - br.duration_s))
            key = (
                depot_ids.index(w.start_location_id),
                depot_ids.index(w.end_location_id),
                di * DAY_S + a,
                di * DAY_S + b,
                mw,
                prof_idx[prof_key[w.worker_id]],
                w.capacity,
            )
            groups.setdefault(key, []).append(w.worker_id)
        for key, wids in groups.items():
            s, e, a, b, mw, p, cap = key
            capv = [0] * dims
            if use_demand:
                capv[0] = _CAP_INF if cap is None else cap
            vtypes.append(
                pyvrp.VehicleType(
                    num_available=len(wids),
                    capacity=capv,
                    start_depot=s,
                    end_depot=e,
                    tw_early=a,
                    tw_late=b,
                    shift_duration=mw,
                    profile=p,
                    name=f"{d}:{','.join(wids)}",
                )
            )
            type_workers.append(list(wids))
            type_day.append(d)

    clients: list = []
    meta: list[tuple[str, str, int, str]] = []
    groups_out: list[list[int]] = []
    hard = params.required_policy == "hard"
    for v in vis:
        ok_days = {d for _, d in diag.eligible[v.visit_id]}
        prize = params.required_prize_s if v.required else round(v.value * 60)
        for occ, block in enumerate(diag.blocks[v.visit_id]):
            copies = []
            for d in block:
                if d not in ok_days:
                    continue
                di = days.index(d)
                for win in v.windows_on(d):
                    lo, hi = win.start_s, min(win.end_s, DAY_S)
                    if lo > hi:
                        continue
                    copies.append((d, di * DAY_S + lo, di * DAY_S + hi))
            if not copies:
                continue
            req = v.required and hard
            gidx = None
            if len(copies) > 1:
                gidx = len(groups_out)
                groups_out.append([])
            for d, lo, hi in copies:
                if gidx is not None:
                    groups_out[gidx].append(len(clients))
                clients.append(
                    pyvrp.Client(
                        location=visit_loc[v.visit_id],
                        delivery=load(v.demand),
                        service_duration=v.duration_s,
                        tw_early=lo,
                        tw_late=hi,
                        prize=prize,
                        required=req and gidx is None,
                        group=gidx,
                        name=v.visit_id,
                    )
                )
                meta.append(("visit", v.visit_id, occ, d))
    client_groups = [
        pyvrp.ClientGroup(
            clients=g, required=hard and clients[g[0]].prize >= params.required_prize_s
        )
        for g in groups_out
    ]
    locations = [pyvrp.Location(0, 0, name=x) for x in loc_matrix_ids]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=mats,  # type: ignore[arg-type]
        duration_matrices=mats,  # type: ignore[arg-type]
        groups=client_groups,
    )
    return _Built(data=data, client_meta=meta, type_workers=type_workers, type_day=type_day)


def _priority(v: Visit) -> tuple[int, float]:
    return (1 if v.required else 0, v.value)


def _repair_route(
    problem: Problem, worker: Worker, day: str, seq: list[tuple[Visit, int]]
) -> tuple[Route | None, list[tuple[Visit, int]]]:
    """Drop the least valuable visits until the exact schedule is feasible."""
    dropped: list[tuple[Visit, int]] = []
    seq = list(seq)
    while seq:
        r, _ = schedule_route(problem, worker, day, seq)
        if r is not None:
            return r, dropped
        order = sorted(range(len(seq)), key=lambda i: _priority(seq[i][0]))
        fixed = None
        for i in order:
            trial = seq[:i] + seq[i + 1 :]
            if schedule_route(problem, worker, day, trial)[0] is not None:
                fixed = i
                break
        i = order[0] if fixed is None else fixed
        dropped.append(seq.pop(i))
    return None, dropped


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    max_iterations: int | None = DEFAULT_MAX_ITERATIONS,
    seed: int = 0,
    params: Parameters | None = None,
) -> RoutingResult:
    """Plan the visits over the horizon.

    Parameters
    ----------
    problem
        Built with :class:`~.model.ProblemBuilder`.
    time_limit_s
        Wall-clock cap of the PyVRP search (seconds, > 0).
    max_iterations
        Iteration limit of the search (default :data:`DEFAULT_MAX_ITERATIONS`);
        the search stops at whichever of the two limits comes first.  When the
        iteration limit stops it (``result.stopped_by == "max_iterations"``) the
        plan depends only on the inputs, the seed and the limit, not on the
        machine's speed.  ``None``: wall time only (plans may differ between runs).
    seed
        Random seed (fixed default 0).
    params
        :class:`Parameters`; defaults when ``None``.

    Returns
    -------
    RoutingResult
        Routes, every unscheduled visit with its reason, and checker violations.

    Raises
    ------
    SolverError
        When the checker finds a violation and ``params.raise_on_violation``.
    """
    import pyvrp
    from pyvrp.stop import MaxRuntime

    if not (time_limit_s > 0):
        raise InputError("time_limit_s must be positive", source="time_limit_s")
    if max_iterations is not None and (
        isinstance(max_iterations, bool)
        or int(max_iterations) != max_iterations
        or max_iterations < 1
    ):
        raise InputError(
            f"max_iterations must be a whole number >= 1, got {max_iterations!r}",
            source="max_iterations",
        )
    from pyvrp.stop import MaxIterations, MultipleCriteria

    stopped_by = "none"
    iterations = 0
    params = params or Parameters()
    t_start = time.perf_counter()
    diag = prediagnose(problem)
    unscheduled: list[Unscheduled] = list(diag.unscheduled)
    routes: dict[tuple[str, str], Route] = {}
    seqs: dict[tuple[str, str], list[tuple[Visit, int]]] = {}
    pending: list[tuple[Visit, int]] = []
    solver_feasible = True

    if diag.eligible:
        built = _build(problem, diag, params)
        elapsed = time.perf_counter() - t_start
        with warnings.catch_warnings():
            # huge prizes of required visits make PyVRP hit its penalty bound; harmless
            warnings.simplefilter("ignore", category=UserWarning)
            cap = MaxRuntime(max(0.1, time_limit_s - elapsed))
            stop = (
                cap
                if max_iterations is None
                else MultipleCriteria([MaxIterations(int(max_iterations)), cap])
            )
            res = pyvrp.solve(
                built.data,
                stop=stop,
                seed=seed,
                display=False,
                collect_stats=False,
            )
        best = res.best
        iterations = int(res.num_iterations)
        stopped_by = (
            "max_iterations"
            if max_iterations is not None and iterations >= int(max_iterations)
            else "time_limit"
        )
        solver_feasible = bool(best.is_feasible())
        free = [list(ws) for ws in built.type_workers]
        placed: set[tuple[str, int]] = set()
        for rt in best.routes():
            vt = rt.vehicle_type()
            if not free[vt]:
                continue
            wid = free[vt].pop(0)
            w = problem.worker_by_id[wid]
            d = built.type_day[vt]
            seq: list[tuple[Visit, int]] = []
            for act in rt.schedule():
                if not act.is_client():
                    continue
                kind, vid, occ, _cd = built.client_meta[act.idx]
                if kind != "visit" or (vid, occ) in placed:
                    continue
                placed.add((vid, occ))
                seq.append((problem.visit_by_id[vid], occ))
            if not seq:
                continue
            r, dropped = _repair_route(problem, w, d, seq)
            if dropped:
                logger.info("%s %s: exact re-timing dropped %d visit(s)", wid, d, len(dropped))
            pending.extend(dropped)
            if r is not None:
                keep = [x for x in seq if x not in dropped]
                routes[(wid, d)] = r
                seqs[(wid, d)] = keep
        for vid, bl in diag.blocks.items():
            v = problem.visit_by_id[vid]
            for occ in range(len(bl)):
                if (vid, occ) not in placed:
                    pending.append((v, occ))
        placed_days: dict[str, dict[int, str]] = defaultdict(dict)
        for (_wid, d), seq in seqs.items():
            for v, occ in seq:
                placed_days[v.visit_id][occ] = d

        # ---- repair: cheapest insertion of left-out visits, then explain
        deadline = time.perf_counter() + (params.repair_time_s if params.repair else 0.0)
        pending.sort(key=lambda x: _priority(x[0]), reverse=True)
        for v, occ in pending:
            block = diag.blocks[v.visit_id][occ]
            others = [WEEKDAYS.index(d) for o, d in placed_days[v.visit_id].items() if o != occ]
            days_ok = [
                d
                for d in block
                if all(abs(WEEKDAYS.index(d) - o) >= v.min_gap_days for o in others)
            ]
            attempts = []
            best_ins: tuple[Route, int, Worker, str] | None = None
            cands = [(wid, d) for wid, d in diag.eligible[v.visit_id] if d in days_ok]
            tried = set(_nearest_routes(problem, v, cands, routes, params.repair_routes))
            for wid, d in cands:
                w = problem.worker_by_id[wid]
                base = routes.get((wid, d))
                if params.repair and (wid, d) in tried and time.perf_counter() >= deadline:
                    stopped_by = "time_limit"  # the repair's wall-clock cap cut it short
                if (wid, d) in tried and time.perf_counter() < deadline:
                    r, added, codes = best_insertion(
                        problem, seqs.get((wid, d), []), w, d, v, occ, base=base
                    )
                    if r is not None and (best_ins is None or added < best_ins[1]):
                        best_ins = (r, added, w, d)
                else:
                    codes = Counter()
                attempts.append((w, d, base, codes))
            if best_ins is not None:
                r, added, w, d = best_ins
                if v.required or added <= v.value * 60:
                    routes[(w.worker_id, d)] = r
                    new_seq = [
                        (problem.visit_by_id[str(s.visit_id)], s.occurrence)
                        for s in r.stops
                        if s.kind == "visit"
                    ]
                    seqs[(w.worker_id, d)] = new_seq
                    placed_days[v.visit_id][occ] = d
                    continue
                unscheduled.append(explain_lost(problem, v, occ, days_ok, [], added_travel_s=added))
                continue
            unscheduled.append(explain_lost(problem, v, occ, days_ok or list(block), attempts))

    order = {d: i for i, d in enumerate(problem.days)}
    wpos = {w.worker_id: i for i, w in enumerate(problem.workers)}
    out_routes = tuple(sorted(routes.values(), key=lambda r: (order[r.day], wpos[r.worker_id])))
    unscheduled.sort(key=lambda u: (u.visit_id, u.occurrence))
    violations: tuple[Violation, ...] = ()
    if params.check:
        violations = tuple(check_plan(problem, out_routes, unscheduled))
        if violations and params.raise_on_violation:
            raise SolverError(
                "the plan failed the independent check: "
                + "; ".join(v.message for v in violations[:5])
            )
    runtime = time.perf_counter() - t_start
    logger.info(
        "planned %d visit(s) on %d route(s), %d unscheduled, %.1f s",
        sum(len(r.visit_stops) for r in out_routes),
        len(out_routes),
        len(unscheduled),
        runtime,
    )
    return RoutingResult(
        problem=problem,
        routes=out_routes,
        unscheduled=tuple(unscheduled),
        violations=violations,
        solver_feasible=solver_feasible,
        runtime_s=runtime,
        stopped_by=stopped_by,
        iterations=iterations,
    )


def _nearest_routes(
    problem: Problem,
    v: Visit,
    cands: list[tuple[str, str]],
    routes: dict[tuple[str, str], Route],
    k: int,
) -> list[tuple[str, str]]:
    """The ``k`` candidate (worker, day) whose route passes closest to ``v``."""

    def gap(key: tuple[str, str]) -> int:
        w = problem.worker_by_id[key[0]]
        r = routes.get(key)
        locs = [w.start_location_id] + ([s.location_id for s in r.stops] if r else [])
        ts = [problem.travel(w.mode, x, v.location_id) for x in locs]
        return min((t for t in ts if t is not None), default=10**9)

    return sorted(cands, key=gap)[:k]
