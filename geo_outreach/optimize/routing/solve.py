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

import dataclasses
import logging
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo_outreach.errors import InputError, SolverError
from geo_outreach.i18n import _

from .checker import Violation, check_plan
from .diagnose import (
    Diagnosis,
    Unscheduled,
    day_patterns,
    explain_lost,
    prediagnose,
)
from .model import DAY_S, Problem, Visit, Worker
from .moves import PlanState, balance_days, keep_households
from .parts import check_memory, plan_parts, solve_parts
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
    balance_max_travel_increase
        With ``solve(balance=...)``: total travel may rise by at most this share
        over the unbalanced plan (0.25 = 25 %).
    balance_moves_per_day
        Most visits moved per day while balancing.
    continuity_weight_s
        Continuity of care (``household_id``, ``preferred_worker``): a visit moves
        to its household's worker when that adds at most this much travel.
    decompose
        ``"auto"``: problems with more than ``whole_max_visits`` visit occurrences
        are planned by day and area (:mod:`.parts`); ``"never"``: always whole
        (refused with :class:`InputError` when the memory estimate exceeds
        ``max_memory_gb``); ``"always"``: by day and area whenever it splits.
    whole_max_visits, part_size
        Size limits of a whole solve and of one (day, area) part (visit occurrences).
    max_memory_gb
        Memory a whole solve may take (estimated before building it).
    """

    required_policy: str = "soft"
    required_prize_s: int = 10 * DAY_S
    repair: bool = True
    repair_time_s: float = 5.0
    repair_routes: int = 8
    check: bool = True
    raise_on_violation: bool = True
    balance_max_travel_increase: float = 0.25
    balance_moves_per_day: int = 200
    continuity_weight_s: int = 1800
    decompose: str = "auto"
    whole_max_visits: int = 2000
    part_size: int = 400
    max_memory_gb: float = 4.0

    def __post_init__(self) -> None:
        if self.required_policy not in ("soft", "hard"):
            raise InputError(
                _("required_policy must be 'soft' or 'hard'"), source="required_policy"
            )
        if self.required_prize_s <= 0:
            raise InputError(_("required_prize_s must be positive"), source="required_prize_s")
        if self.repair_routes < 1:
            raise InputError(_("repair_routes must be >= 1"), source="repair_routes")
        if self.repair_time_s < 0:
            raise InputError(_("repair_time_s must be >= 0"), source="repair_time_s")
        if not self.balance_max_travel_increase >= 0:
            raise InputError(
                _("balance_max_travel_increase must be >= 0"),
                source="balance_max_travel_increase",
            )
        if self.decompose not in ("auto", "never", "always"):
            raise InputError(_("decompose must be 'auto', 'never' or 'always'"), source="decompose")
        if self.part_size < 1 or self.whole_max_visits < 0 or not self.max_memory_gb > 0:
            raise InputError(
                _("part_size must be >= 1, whole_max_visits >= 0 and max_memory_gb > 0"),
                source="part_size",
            )
        if self.balance_moves_per_day < 0 or self.continuity_weight_s < 0:
            raise InputError(
                _("balance_moves_per_day and continuity_weight_s must be >= 0"),
                source="balance_moves_per_day",
            )


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
    balance: str | None = None

    def workload_spread(self, kind: str = "time") -> dict[str, float]:
        """Per day: max - min workload over the workers with a shift that day
        (``"time"``: hours of working time; ``"visits"``: number of visits)."""
        out: dict[str, float] = {}
        by = {(r.worker_id, r.day): r for r in self.routes}
        for d in self.problem.days:
            loads = []
            for w in self.problem.workers:
                if d not in w.shifts:
                    continue
                r = by.get((w.worker_id, d))
                if kind == "visits":
                    loads.append(float(len(r.visit_stops)) if r else 0.0)
                else:
                    loads.append(r.duration_s / 3600 if r else 0.0)
            if loads:
                out[d] = max(loads) - min(loads)
        return out

    def continuity(self) -> dict[str, int]:
        """``households`` (with visits planned), ``one_worker`` (all by one worker),
        ``preferred_kept`` / ``preferred`` (visits with a preferred worker)."""
        who: dict[str, set[str]] = defaultdict(set)
        pref = kept = 0
        for r in self.routes:
            for st in r.visit_stops:
                v = self.problem.visit_by_id[str(st.visit_id)]
                if v.household_id:
                    who[v.household_id].add(r.worker_id)
                if v.preferred_worker:
                    pref += 1
                    kept += v.preferred_worker == r.worker_id
        return {
            "households": len(who),
            "one_worker": sum(len(x) == 1 for x in who.values()),
            "preferred": pref,
            "preferred_kept": kept,
        }

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


def _build(
    problem: Problem,
    diag: Diagnosis,
    params: Parameters,
    locked: frozenset[tuple[str, str]] = frozenset(),
) -> _Built:
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
    # a worker with visits pinned to them gets a profile of their own
    pinned_to = {v.pinned_worker for v in vis if v.pinned_worker is not None}
    prof_key = {
        w.worker_id: (w.mode, w.skills, w.worker_id if w.worker_id in pinned_to else "")
        for w in problem.workers
    }
    keys = sorted(set(prof_key.values()), key=lambda k: (k[0], sorted(k[1]), k[2]))
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
            if d not in w.shifts or (w.worker_id, d) in locked:
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


def _check_locked(
    problem: Problem, locked: Iterable[tuple[str, str]]
) -> frozenset[tuple[str, str]]:
    out = set()
    for item in locked:
        try:
            wid, day = item
        except (TypeError, ValueError):
            raise InputError(
                _("locked: {item} is not a (worker_id, day) pair like ('ow_ana', 'Mon')").format(
                    item=repr(item)
                ),
                source="locked",
            ) from None
        if wid not in problem.worker_by_id:
            raise InputError(
                _("locked: unknown worker {worker}").format(worker=repr(wid)), source="locked"
            )
        if day not in problem.days:
            raise InputError(
                _("locked: day {day} is not in the plan's days ({days})").format(
                    day=repr(day), days="/".join(problem.days)
                ),
                source="locked",
            )
        out.add((str(wid), str(day)))
    return frozenset(out)


def _pin_order(seq: list[tuple[Visit, int]]) -> list[tuple[Visit, int]]:
    """Put the visits with a ``pinned_order`` in that order, in the places they hold."""
    pos = [i for i, (v, _) in enumerate(seq) if v.pinned_order is not None]
    if len(pos) < 2:
        return seq
    ordered = sorted((seq[i] for i in pos), key=lambda x: x[0].pinned_order or 0)
    out = list(seq)
    for i, x in zip(pos, ordered, strict=True):
        out[i] = x
    return out


def _plan_locked(
    problem: Problem,
    diag: Diagnosis,
    locked: frozenset[tuple[str, str]],
    routes: dict[tuple[str, str], Route],
    seqs: dict[tuple[str, str], list[tuple[Visit, int]]],
    unscheduled: list[Unscheduled],
) -> Diagnosis:
    """Time the locked routes from their pinned visits; the search gets the rest."""
    cal = problem.calendar_day
    held: dict[tuple[str, str], list[tuple[int, Visit, int]]] = defaultdict(list)
    taken: set[str] = set()
    for i, v in enumerate(problem.visits):
        if v.visit_id not in diag.eligible or v.pinned_worker is None or v.pinned_day is None:
            continue
        days = sorted(
            (d for d in problem.days if d in v.pinned_day and (v.pinned_worker, d) in locked),
            key=cal,
        )
        if not days:
            continue
        taken.add(v.visit_id)
        for occ in range(v.frequency):
            if occ < len(days):
                held[(v.pinned_worker, days[occ])].append((i, v, occ))
            else:
                unscheduled.append(
                    Unscheduled(
                        v.visit_id,
                        occ,
                        "pinned_infeasible",
                        f"pinned to {v.pinned_worker} on {len(days)} locked day(s), fewer than "
                        f"its frequency {v.frequency}",
                    )
                )
    for key in sorted(held, key=lambda k: (cal(k[1]), k[0])):
        items = sorted(held[key], key=lambda x: (x[1].pinned_order or 10**9, x[0]))
        seq = [(v, occ) for _, v, occ in items]
        w = problem.worker_by_id[key[0]]
        r, dropped = _repair_route(problem, w, key[1], seq)
        for v, occ in dropped:
            unscheduled.append(
                Unscheduled(
                    v.visit_id,
                    occ,
                    "pinned_infeasible",
                    f"pinned to the locked route {key[0]} {key[1]}, which cannot fit it "
                    "(windows, shift, working time or break)",
                )
            )
        if r is not None:
            routes[key] = r
            seqs[key] = [x for x in seq if x not in dropped]
    eligible: dict[str, tuple[tuple[str, str], ...]] = {}
    for vid, pairs in diag.eligible.items():
        if vid in taken:
            continue
        free = tuple(p for p in pairs if p not in locked)
        v = problem.visit_by_id[vid]
        if free:
            eligible[vid] = free
            continue
        code = "pinned_infeasible" if v.pinned_worker or v.pinned_day else "lost_to_priority"
        for occ in range(v.frequency):
            unscheduled.append(
                Unscheduled(
                    vid,
                    occ,
                    code,
                    "every route it could go on is locked: "
                    + ", ".join(f"{w} {d}" for w, d in pairs[:4]),
                )
            )
    blocks = {vid: bl for vid, bl in diag.blocks.items() if vid in eligible}
    return Diagnosis(eligible=eligible, blocks=blocks, unscheduled=diag.unscheduled)


def _pin_reason(problem: Problem, u: Unscheduled) -> Unscheduled:
    """A pinned visit left out after the search: the pin could not be met."""
    v = problem.visit_by_id.get(u.visit_id)
    if v is None or (v.pinned_worker is None and v.pinned_day is None):
        return u
    if u.code in ("lost_to_priority", "not_worth"):
        who = " ".join(
            x for x in (v.pinned_worker, "/".join(sorted(v.pinned_day or ())) or None) if x
        )
        return Unscheduled(
            u.visit_id, u.occurrence, "pinned_infeasible", f"pinned to {who}, no room: {u.reason}"
        )
    return u


def _priority(v: Visit) -> tuple[int, float]:
    return (1 if v.required else 0, v.value)


def _repair_route(
    problem: Problem, worker: Worker, day: str, seq: list[tuple[Visit, int]]
) -> tuple[Route | None, list[tuple[Visit, int]]]:
    """Drop the least valuable visits until the exact schedule is feasible."""
    dropped: list[tuple[Visit, int]] = []
    seq = list(seq)
    while seq:
        r, _reason = schedule_route(problem, worker, day, seq)
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
    locked: Iterable[tuple[str, str]] = (),
    balance: str | None = None,
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
    locked
        ``(worker_id, day)`` routes locked by hand: such a route holds exactly the
        visits pinned to that worker and day (``pinned_worker``, ``pinned_day``), in
        ``pinned_order``; nothing else is added to it and the rest is planned around.
    balance
        ``"time"`` or ``"visits"``: even out working time (or number of visits)
        across the workers of each day, letting total travel rise by at most
        ``params.balance_max_travel_increase``; ``result.workload_spread()`` gives
        the spread.  ``None`` (default): shortest travel only.

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
        raise InputError(_("time_limit_s must be positive"), source="time_limit_s")
    if max_iterations is not None and (
        isinstance(max_iterations, bool)
        or int(max_iterations) != max_iterations
        or max_iterations < 1
    ):
        raise InputError(
            _("max_iterations must be a whole number >= 1, got {got}").format(
                got=repr(max_iterations)
            ),
            source="max_iterations",
        )
    from pyvrp.stop import MaxIterations, MultipleCriteria

    stopped_by = "none"
    iterations = 0
    params = params or Parameters()
    t_start = time.perf_counter()
    if balance not in (None, "time", "visits"):
        raise InputError(
            _("balance must be 'time' or 'visits', got {got}").format(got=repr(balance)),
            source="balance",
        )
    locked_set = _check_locked(problem, locked)
    diag = prediagnose(problem)
    unscheduled: list[Unscheduled] = list(diag.unscheduled)
    routes: dict[tuple[str, str], Route] = {}
    seqs: dict[tuple[str, str], list[tuple[Visit, int]]] = {}
    pending: list[tuple[Visit, int]] = []
    solver_feasible = True
    if locked_set:
        diag = _plan_locked(problem, diag, locked_set, routes, seqs, unscheduled)

    if diag.eligible:
        parts = (
            []
            if params.decompose == "never"
            else plan_parts(
                problem,
                diag,
                locked=locked_set,
                part_size=params.part_size,
                whole_max_visits=0 if params.decompose == "always" else params.whole_max_visits,
            )
        )
        if len(parts) <= 1:
            check_memory(problem, diag, max_memory_gb=params.max_memory_gb)
            parts = []
        if parts:
            elapsed = time.perf_counter() - t_start
            iterations, stopped_by = solve_parts(
                problem,
                parts,
                routes=routes,
                seqs=seqs,
                pending=pending,
                time_limit_s=max(0.5, time_limit_s - elapsed),
                max_iterations=max_iterations,
                seed=seed,
                sub_solve=_solve_part,
                params=params,
            )
        else:
            built = _build(problem, diag, params, locked_set)
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
                seq = _pin_order(seq)
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
        state = PlanState(problem, routes, seqs, locked=locked_set)
        cal = problem.calendar_day
        deadline = time.perf_counter() + (params.repair_time_s if params.repair else 0.0)
        pending.sort(key=lambda x: _priority(x[0]), reverse=True)

        def gap_days(v: Visit, occ: int) -> list[str]:
            """Eligible days that keep the gap to the visit's other planned occurrences."""
            others = [cal(d) for o, d in placed_days[v.visit_id].items() if o != occ]
            days_v = sorted({d for _, d in diag.eligible[v.visit_id]}, key=cal)
            return [d for d in days_v if all(abs(cal(d) - o) >= v.min_gap_days for o in others)]

        failed: list[tuple[Visit, int, list[str], list, int | None]] = []
        for v, occ in pending:
            days_ok = gap_days(v, occ)
            cands = [(wid, d) for wid, d in diag.eligible[v.visit_id] if d in days_ok]
            tried = _nearest_routes(problem, v, cands, routes, params.repair_routes)
            if params.repair and tried and time.perf_counter() >= deadline:
                stopped_by = "time_limit"  # the repair's wall-clock cap cut it short
            if not params.repair or time.perf_counter() >= deadline:
                tried = []
            r, added, key, codes = state.best_insert(v, occ, tried)
            attempts = [
                (problem.worker_by_id[wid], d, routes.get((wid, d)), codes.get((wid, d), Counter()))
                for wid, d in cands
            ]
            if r is not None and key is not None and (v.required or added <= v.value * 60):
                state.apply(key, r)
                placed_days[v.visit_id][occ] = key[1]
                continue
            failed.append((v, occ, days_ok, attempts, added if r is not None else None))

        # ---- recurring visits: every valid day pattern is offered before giving up
        redo = {v.visit_id for v, _, _, _, added in failed if v.frequency > 1 and v.required}
        for vid in sorted(redo):
            if not params.repair or time.perf_counter() >= deadline:
                break
            v = problem.visit_by_id[vid]
            if _repattern(state, diag, v, placed_days, deadline):
                failed = [f for f in failed if f[0].visit_id != vid]
        # ... or a recurring visit moves to another pattern to make room
        still = []
        for f in failed:
            v, occ, days_ok = f[0], f[1], f[2]
            keys = [(wid, d) for wid, d in diag.eligible[v.visit_id] if d in days_ok]
            if not (
                params.repair
                and v.required
                and time.perf_counter() < deadline
                and _make_room(state, diag, v, occ, keys, placed_days, deadline)
            ):
                still.append(f)
        failed = still
        # ---- continuity of care, then fair workloads (exact moves, travel-bounded)
        elig = {vid: set(pairs) for vid, pairs in diag.eligible.items()}
        post_deadline = time.perf_counter() + params.repair_time_s
        cared = any(v.household_id or v.preferred_worker for v in problem.visits)
        if cared and not keep_households(
            state, elig, weight_s=params.continuity_weight_s, deadline=post_deadline
        ):
            stopped_by = "time_limit"
        if balance is not None:
            travel_cap = round(state.travel_s() * (1 + params.balance_max_travel_increase))
            if not balance_days(
                state,
                elig,
                kind=balance,
                max_travel_s=travel_cap,
                max_moves=params.balance_moves_per_day,
                deadline=post_deadline,
            ):
                stopped_by = "time_limit"
        for v, occ, days_ok, attempts, added_s in failed:
            if added_s is not None:
                unscheduled.append(
                    explain_lost(problem, v, occ, days_ok, [], added_travel_s=added_s)
                )
            else:
                block = diag.blocks[v.visit_id][occ]
                unscheduled.append(explain_lost(problem, v, occ, days_ok or list(block), attempts))

    unscheduled = [_pin_reason(problem, u) for u in unscheduled]
    order = {d: i for i, d in enumerate(problem.days)}
    wpos = {w.worker_id: i for i, w in enumerate(problem.workers)}
    out_routes = tuple(sorted(routes.values(), key=lambda r: (order[r.day], wpos[r.worker_id])))
    unscheduled.sort(key=lambda u: (u.visit_id, u.occurrence))
    violations: tuple[Violation, ...] = ()
    if params.check:
        violations = tuple(check_plan(problem, out_routes, unscheduled, locked=locked_set))
        if violations and params.raise_on_violation:
            raise SolverError(
                _("the plan failed the independent check: {violations}").format(
                    violations="; ".join(v.message for v in violations[:5])
                )
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
        balance=balance,
    )


def _remove_all(state: PlanState, v: Visit, placed_days: dict[str, dict[int, str]]) -> bool:
    """Take every planned occurrence of ``v`` out (``False``: refused, state partly edited)."""
    for occ in list(placed_days[v.visit_id]):
        if state.remove(v.visit_id, occ) is None:
            return False
        del placed_days[v.visit_id][occ]
    return True


def _place_pattern(
    state: PlanState,
    diag: Diagnosis,
    v: Visit,
    placed_days: dict[str, dict[int, str]],
    deadline: float,
) -> bool:
    """Place all occurrences of an unplanned recurring visit on the first valid day
    pattern (:func:`.diagnose.day_patterns`) where every one of them fits."""
    problem = state.problem
    cal = {d: problem.calendar_day(d) for d in problem.days}
    days_v = sorted({d for _, d in diag.eligible[v.visit_id]}, key=cal.__getitem__)
    base = state.snapshot()
    for pattern in day_patterns(days_v, v.frequency, v.min_gap_days, calendar=cal):
        if time.perf_counter() >= deadline:
            break
        ok = True
        for occ, d in enumerate(pattern):
            keys = [(wid, dd) for wid, dd in diag.eligible[v.visit_id] if dd == d]
            r, _added, key, _codes = state.best_insert(v, occ, keys)
            if r is None or key is None:
                ok = False
                break
            state.apply(key, r)
        if ok:
            placed_days[v.visit_id].clear()
            placed_days[v.visit_id].update(dict(enumerate(pattern)))
            return True
        state.restore(base)
    return False


def _repattern(
    state: PlanState,
    diag: Diagnosis,
    v: Visit,
    placed_days: dict[str, dict[int, str]],
    deadline: float,
) -> bool:
    """Re-place all occurrences of a recurring visit on any valid day pattern;
    ``False`` (plan unchanged) when none fits."""
    snap = state.snapshot()
    saved = dict(placed_days[v.visit_id])
    if _remove_all(state, v, placed_days) and _place_pattern(state, diag, v, placed_days, deadline):
        return True
    state.restore(snap)
    placed_days[v.visit_id].clear()
    placed_days[v.visit_id].update(saved)
    return False


def _make_room(
    state: PlanState,
    diag: Diagnosis,
    v: Visit,
    occ: int,
    keys: list[tuple[str, str]],
    placed_days: dict[str, dict[int, str]],
    deadline: float,
) -> bool:
    """Insert ``v`` by moving a recurring visit of a candidate route to another valid
    day pattern; ``False`` (plan unchanged) when no such exchange works."""
    for key in keys:
        for u in {u.visit_id: u for u, _occ in state.seqs.get(key, []) if u.frequency > 1}.values():
            if time.perf_counter() >= deadline:
                return False
            if u.visit_id == v.visit_id or u.pinned_day is not None:
                continue
            snap = state.snapshot()
            saved = dict(placed_days[u.visit_id])
            if _remove_all(state, u, placed_days):
                r, _a, k2, _codes = state.best_insert(v, occ, [key])
                if r is not None and k2 is not None:
                    state.apply(k2, r)
                    if _place_pattern(state, diag, u, placed_days, deadline):
                        placed_days[v.visit_id][occ] = key[1]
                        return True
            state.restore(snap)
            placed_days[u.visit_id].clear()
            placed_days[u.visit_id].update(saved)
    return False


def _solve_part(sub: Problem, *, params: Parameters, **kw: Any) -> RoutingResult:
    """One (day, area) part: a whole solve without checks (the merged plan is checked)."""
    return solve(
        sub,
        params=dataclasses.replace(
            params, decompose="never", check=False, repair_time_s=min(1.0, params.repair_time_s)
        ),
        **kw,
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
