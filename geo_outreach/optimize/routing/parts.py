"""Large problems: a memory estimate, and planning by day and area.

A whole solve holds one PyVRP client per (occurrence, day, window) and a travel
matrix per routing profile, so memory grows with the square of the visits and the
search slows down with the number of day copies.  Beyond
``Parameters.whole_max_visits`` visit occurrences :func:`plan_parts` splits the week:

1. **by day**: every occurrence gets a day - recurring visits a whole valid day
   pattern (:func:`.diagnose.day_patterns`) - filling the days in proportion to the
   working time the workers have on them (most constrained visits first);
2. **by area**: each day's visits are grouped around well spread seed places
   (farthest-point seeds on the travel matrix, groups of at most ``part_size``),
   and the day's workers are shared between the groups in proportion to their work,
   skills spread across groups; a visit whose skills no worker of its group has, or
   that is pinned to a worker of another group, moves to a group that has one.

:func:`solve_parts` then solves each (day, area) part on its own (one day, its
workers, a sliced matrix) and merges the routes; what a part leaves out goes back
to the whole-plan repair of :func:`.solve.solve`, which may put it on any route of a
valid day.  :func:`check_memory` refuses a whole solve that would not fit in memory.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

from .diagnose import Diagnosis, day_patterns
from .model import Problem, ProblemBuilder, TravelMatrix, Visit
from .plan import Route

__all__ = ["Part", "check_memory", "estimate_memory_bytes", "plan_parts", "solve_parts"]

Key = tuple[str, str]


@dataclass(frozen=True)
class Part:
    """One sub-problem: a day, its visit occurrences and its workers."""

    day: str
    visits: tuple[tuple[Visit, int], ...]
    workers: tuple[str, ...]


def estimate_memory_bytes(problem: Problem, diag: Diagnosis) -> int:
    """Peak memory of a whole solve, estimated before building it (bytes).

    Counts the square travel matrices (one per mode, one per routing profile, and
    PyVRP's distance and duration copies of each profile) and the clients (one per
    occurrence, day and window) with their neighbourhood lists.
    """
    vis = [problem.visit_by_id[v] for v in diag.eligible]
    n_loc = len(vis) + 2 * len(problem.workers)
    profiles = len({(w.mode, w.skills) for w in problem.workers})
    modes = len({w.mode for w in problem.workers})
    clients = 0
    for v in vis:
        days = {d for _, d in diag.eligible[v.visit_id]}
        clients += v.frequency * sum(max(1, len(v.windows_on(d))) for d in days)
    matrices = n_loc * n_loc * 8 * (modes + 3 * profiles)
    return int(matrices + clients * (2_000 + 40 * 16) + 200e6)


def check_memory(problem: Problem, diag: Diagnosis, *, max_memory_gb: float) -> None:
    """Refuse a whole solve that would need more than ``max_memory_gb``.

    Raises
    ------
    InputError
        Naming the estimate and the limit (``max_memory_gb``).
    """
    need = estimate_memory_bytes(problem, diag)
    if need > max_memory_gb * 1e9:
        raise InputError(
            _(
                "planning {visits} visit(s) for {workers} worker(s) over "
                "{days} day(s) in one piece needs about {need} GB, more than "
                "the limit of {limit} GB (max_memory_gb); let the planner split it by "
                "day and area (decompose='auto'), or plan fewer visits or days at once"
            ).format(
                visits=len(diag.eligible),
                workers=len(problem.workers),
                days=len(problem.days),
                need=f"{need / 1e9:.1f}",
                limit=f"{max_memory_gb:g}",
            ),
            source="max_memory_gb",
        )


def _day_of_occurrences(
    problem: Problem, diag: Diagnosis, keys: frozenset[Key]
) -> dict[tuple[str, int], str]:
    """Give every occurrence a day (whole valid patterns), filling days evenly."""
    cal = {d: problem.calendar_day(d) for d in problem.days}
    cap = {
        d: float(sum(w.max_work_on(d) for w in problem.workers if (w.worker_id, d) not in keys))
        or 1.0
        for d in problem.days
    }
    load = dict.fromkeys(problem.days, 0.0)
    out: dict[tuple[str, int], str] = {}

    def days_of(vid: str) -> list[str]:
        return sorted({d for _, d in diag.eligible[vid]}, key=cal.__getitem__)

    order = sorted(
        diag.eligible,
        key=lambda vid: (
            len(days_of(vid)),
            -problem.visit_by_id[vid].duration_s * problem.visit_by_id[vid].frequency,
            vid,
        ),
    )
    for vid in order:
        v = problem.visit_by_id[vid]
        k = len(diag.blocks[vid])
        pats = day_patterns(days_of(vid), k, v.min_gap_days, calendar=cal)[:60]
        if not pats:
            continue
        w = v.duration_s + 600.0  # service + a typical leg

        def score(p: tuple[str, ...], w: float = w) -> tuple[float, float]:
            ratios = [(load[d] + w) / cap[d] for d in p]
            return (max(ratios), sum(ratios))

        best = min(pats, key=score)
        for j, d in enumerate(best):
            out[(vid, j)] = d
            load[d] += w
    return out


def _areas(
    problem: Problem, items: list[tuple[Visit, int]], n: int, start: str, mode: str
) -> list[list[tuple[Visit, int]]]:
    """Group a day's visits around ``n`` far-apart seeds (travel of ``mode``)."""
    if n <= 1:
        return [items]
    tm = problem.matrices[mode]
    idx = np.array([tm.index(v.location_id) if v.location_id in tm else -1 for v, _ in items])
    ok = idx >= 0
    safe = np.where(ok, idx, 0)
    big = 10**9

    def row(i: int | None) -> np.ndarray:
        if i is None:
            return np.zeros(len(items))
        a = tm.durations_s[i, safe].astype(np.float64) + tm.durations_s[safe, i]
        a[(tm.durations_s[i, safe] < 0) | (tm.durations_s[safe, i] < 0) | ~ok] = big
        return a

    first = row(tm.index(start))
    first[~ok] = -1
    seeds = [int(np.argmax(first))]
    near = row(int(idx[seeds[0]]))
    while len(seeds) < n:
        cand = np.where(ok, near, -1)
        cand[seeds] = -1
        s = int(np.argmax(cand))
        seeds.append(s)
        near = np.minimum(near, row(int(idx[s])))
    dist = np.stack([row(int(idx[s])) for s in seeds])  # n x m
    size = math.ceil(1.15 * len(items) / n)
    groups: list[list[tuple[Visit, int]]] = [[] for _ in range(n)]
    for j in np.argsort(dist.min(axis=0), kind="stable"):
        for g in np.argsort(dist[:, j], kind="stable"):
            if len(groups[g]) < size:
                groups[g].append(items[j])
                break
    return [g for g in groups if g]


def plan_parts(
    problem: Problem,
    diag: Diagnosis,
    *,
    locked: frozenset[Key] = frozenset(),
    part_size: int = 400,
    whole_max_visits: int = 2000,
) -> list[Part]:
    """Split the week into (day, area) parts; ``[]`` when the problem is small enough
    (at most ``whole_max_visits`` occurrences) to be solved whole."""
    n_occ = sum(len(bl) for bl in diag.blocks.values())
    if n_occ <= whole_max_visits:
        return []
    day_of = _day_of_occurrences(problem, diag, locked)
    parts: list[Part] = []
    for d in problem.days:
        items = [
            (problem.visit_by_id[vid], occ) for (vid, occ), dd in sorted(day_of.items()) if dd == d
        ]
        workers = [w for w in problem.workers if d in w.shifts and (w.worker_id, d) not in locked]
        if not items:
            continue
        if not workers:
            parts.append(Part(d, tuple(items), ()))
            continue
        modes = [w.mode for w in workers]
        mode = max(set(modes), key=lambda m: (modes.count(m), m))
        n = max(1, min(len(workers), math.ceil(len(items) / part_size)))
        groups = _areas(problem, items, n, workers[0].start_location_id, mode)
        need = [sum(v.duration_s + 600 for v, _ in g) for g in groups]
        crew: list[list[str]] = [[] for _ in groups]
        have = [0.0] * len(groups)
        # deal the workers skill group by skill group, each to the group short of most time
        by_skill: dict[tuple[str, ...], list[str]] = {}
        for w in workers:
            by_skill.setdefault((w.mode, *sorted(w.skills)), []).append(w.worker_id)
        for _key, ids in sorted(by_skill.items()):
            for wid in ids:
                gi = max(range(len(groups)), key=lambda i: (need[i] - have[i], -i))
                crew[gi].append(wid)
                have[gi] += problem.worker_by_id[wid].max_work_on(d)
        # a visit goes where someone may do it (skills, pinned worker)
        groups = _fix_members(problem, d, groups, crew, diag)
        for grp, ws in zip(groups, crew, strict=True):
            if grp:
                parts.append(Part(d, tuple(grp), tuple(ws)))
    return parts


def _fix_members(
    problem: Problem,
    day: str,
    groups: list[list[tuple[Visit, int]]],
    crew: list[list[str]],
    diag: Diagnosis,
) -> list[list[tuple[Visit, int]]]:
    ok_pairs = {vid: set(pairs) for vid, pairs in diag.eligible.items()}
    out: list[list[tuple[Visit, int]]] = [[] for _ in groups]
    for gi, g in enumerate(groups):
        for v, occ in g:
            good = [
                i
                for i, ws in enumerate(crew)
                if any((wid, day) in ok_pairs.get(v.visit_id, ()) for wid in ws)
            ]
            target = gi if gi in good or not good else good[0]
            out[target].append((v, occ))
    return out


def _sub_problem(problem: Problem, part: Part) -> Problem:
    d = part.day
    workers = [problem.worker_by_id[w] for w in part.workers]
    ids = set(part.workers)
    b = ProblemBuilder(days=(d,))
    locs = {v.location_id for v, _ in part.visits}
    for w in workers:
        locs |= {w.start_location_id, w.end_location_id}
    for mode in sorted({w.mode for w in workers}):
        tm = problem.matrices[mode]
        keep = sorted(x for x in locs if x in tm)
        ix = np.array([tm.index(x) for x in keep], dtype=np.int64)
        b.add_matrix(mode, TravelMatrix(tuple(keep), tm.durations_s[np.ix_(ix, ix)]))
    for w in workers:
        b.add_worker(dataclasses.replace(w, shifts={d: w.shifts[d]}))
    for v, _occ in part.visits:
        b.add_visit(
            dataclasses.replace(
                v,
                frequency=1,
                min_gap_days=1,
                previous_days=(),
                preferred_worker=v.preferred_worker if v.preferred_worker in ids else None,
            )
        )
    return b.build()


def solve_parts(
    problem: Problem,
    parts: Iterable[Part],
    *,
    routes: dict[Key, Route],
    seqs: dict[Key, list[tuple[Visit, int]]],
    pending: list[tuple[Visit, int]],
    time_limit_s: float,
    max_iterations: int | None,
    seed: int,
    sub_solve: Callable[..., Any],
    params: Any,
) -> tuple[int, str]:
    """Solve every part, merge its routes into ``routes``/``seqs`` and what it leaves
    out into ``pending``.  Returns ``(iterations, stopped_by)``."""
    parts = list(parts)
    deadline = time.perf_counter() + time_limit_s
    left = total = sum(len(p.visits) for p in parts)
    iterations = 0
    stopped_by = "max_iterations" if max_iterations is not None else "time_limit"
    for part in parts:
        share = max(0.5, (deadline - time.perf_counter()) * len(part.visits) / max(1, left))
        left -= len(part.visits)
        if not part.workers:
            pending.extend(part.visits)
            continue
        for v, occ in part.visits:
            if v.pinned_worker is not None and v.pinned_worker not in part.workers:
                pending.append((v, occ))
        sub_visits = [
            (v, o)
            for v, o in part.visits
            if v.pinned_worker is None or v.pinned_worker in part.workers
        ]
        if not sub_visits:
            continue
        sub = _sub_problem(problem, dataclasses.replace(part, visits=tuple(sub_visits)))
        # the iteration budget is shared by the parts in proportion to their visits
        its = (
            None
            if max_iterations is None
            else max(250, round(max_iterations * len(part.visits) / max(1, total)))
        )
        res = sub_solve(sub, time_limit_s=share, max_iterations=its, seed=seed, params=params)
        iterations += res.iterations
        if res.stopped_by == "time_limit":
            stopped_by = "time_limit"
        occ_of = {v.visit_id: o for v, o in sub_visits}
        for r in res.routes:
            stops = tuple(
                dataclasses.replace(s, occurrence=occ_of[str(s.visit_id)])
                if s.kind == "visit"
                else s
                for s in r.stops
            )
            key = (r.worker_id, r.day)
            routes[key] = dataclasses.replace(r, stops=stops)
            seqs[key] = [
                (problem.visit_by_id[str(s.visit_id)], s.occurrence)
                for s in stops
                if s.kind == "visit"
            ]
        for u in res.unscheduled:
            pending.append((problem.visit_by_id[u.visit_id], occ_of[u.visit_id]))
    return iterations, stopped_by
