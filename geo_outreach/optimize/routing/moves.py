"""Exact route edits on a plan: insert, remove, move visits, with the exact timer.

:class:`PlanState` holds the routes being built by :func:`.solve.solve` after the
search: the ordered visits of every (worker, day) and their timed
:class:`~.plan.Route`.  Every edit re-times the touched routes with
:func:`.plan.schedule_route` and is refused when a route would no longer fit, so
the plan stays feasible through the repair, the day-pattern search for recurring
visits, workload balancing and continuity of care.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .diagnose import best_insertion
from .model import Problem, Visit
from .plan import Route, schedule_route

__all__ = ["PlanState"]

Key = tuple[str, str]  # (worker_id, day)


class PlanState:
    """Mutable routes during post-processing (keys are ``(worker_id, day)``).

    Parameters
    ----------
    problem
        The problem.
    routes, seqs
        Timed routes and their ``(visit, occurrence)`` sequences.
    locked
        Keys whose routes may not be edited.
    """

    def __init__(
        self,
        problem: Problem,
        routes: dict[Key, Route],
        seqs: dict[Key, list[tuple[Visit, int]]],
        *,
        locked: Iterable[Key] = (),
    ) -> None:
        self.problem = problem
        self.routes = routes
        self.seqs = seqs
        self.locked = set(locked)

    # ------------------------------------------------------------------ queries
    def where(self, visit_id: str) -> dict[int, Key]:
        """occurrence -> (worker, day) of a visit's planned occurrences."""
        out = {}
        for key, seq in self.seqs.items():
            for v, occ in seq:
                if v.visit_id == visit_id:
                    out[occ] = key
        return out

    def snapshot(self) -> tuple[dict[Key, Route], dict[Key, list[tuple[Visit, int]]]]:
        """A copy to :meth:`restore`."""
        return dict(self.routes), {k: list(s) for k, s in self.seqs.items()}

    def restore(self, snap: tuple[dict[Key, Route], dict[Key, list[tuple[Visit, int]]]]) -> None:
        """Go back to a :meth:`snapshot`."""
        self.routes.clear()
        self.routes.update(snap[0])
        self.seqs.clear()
        self.seqs.update({k: list(s) for k, s in snap[1].items()})

    def travel_s(self) -> int:
        """Total travel of the plan."""
        return sum(r.travel_s for r in self.routes.values())

    # ------------------------------------------------------------------ edits
    def set_seq(self, key: Key, seq: Sequence[tuple[Visit, int]]) -> bool:
        """Replace a route's visits (re-timed); ``False`` (nothing changed) if it does not fit."""
        if key in self.locked:
            return False
        seq = list(seq)
        if not seq:
            self.routes.pop(key, None)
            self.seqs.pop(key, None)
            return True
        w = self.problem.worker_by_id[key[0]]
        r, _ = schedule_route(self.problem, w, key[1], seq)
        if r is None:
            return False
        self.routes[key] = r
        self.seqs[key] = seq
        return True

    def remove(self, visit_id: str, occurrence: int) -> Key | None:
        """Take an occurrence out of its route; the route's key, or ``None`` if refused."""
        for key, seq in self.seqs.items():
            for i, (v, occ) in enumerate(seq):
                if v.visit_id == visit_id and occ == occurrence:
                    if self.set_seq(key, seq[:i] + seq[i + 1 :]):
                        return key
                    return None
        return None

    def best_insert(
        self, visit: Visit, occurrence: int, keys: Iterable[Key]
    ) -> tuple[Route | None, int, Key | None, dict[Key, Counter[str]]]:
        """Cheapest feasible insertion over ``keys``: ``(route, added_travel_s, key, codes)``."""
        best: tuple[Route | None, int, Key | None] = (None, 0, None)
        codes: dict[Key, Counter[str]] = {}
        for key in keys:
            if key in self.locked:
                codes[key] = Counter({"locked": 1})
                continue
            w = self.problem.worker_by_id[key[0]]
            r, added, c = best_insertion(
                self.problem,
                self.seqs.get(key, []),
                w,
                key[1],
                visit,
                occurrence,
                base=self.routes.get(key),
            )
            codes[key] = c
            if r is not None and (best[0] is None or added < best[1]):
                best = (r, added, key)
        return best[0], best[1], best[2], codes

    def apply(self, key: Key, route: Route) -> None:
        """Store a route found by :meth:`best_insert`."""
        self.routes[key] = route
        self.seqs[key] = [
            (self.problem.visit_by_id[str(s.visit_id)], s.occurrence)
            for s in route.stops
            if s.kind == "visit"
        ]


def _load(state: PlanState, key: Key, kind: str) -> int:
    r = state.routes.get(key)
    if r is None:
        return 0
    return len(r.visit_stops) if kind == "visits" else r.duration_s


def balance_days(
    state: PlanState,
    eligible: dict[str, set[Key]],
    *,
    kind: str,
    max_travel_s: int,
    max_moves: int,
    deadline: float,
) -> bool:
    """Move visits from the busiest worker of each day to less busy ones.

    ``kind`` is ``"time"`` (working time, leave start -> back at end) or ``"visits"``.
    A move is taken when it lowers the larger workload of the two workers and the
    plan's total travel stays within ``max_travel_s``; at most ``max_moves`` per day.
    Returns ``False`` when the wall-clock ``deadline`` cut it short.
    """
    import time

    problem = state.problem
    travel = state.travel_s()
    for day in problem.days:
        keys = [
            (w.worker_id, day)
            for w in problem.workers
            if day in w.shifts and (w.worker_id, day) not in state.locked
        ]
        if len(keys) < 2:
            continue
        for _ in range(max_moves):
            if time.perf_counter() >= deadline:
                return False
            loads = {k: _load(state, k, kind) for k in keys}
            hi = max(keys, key=lambda k: (loads[k], k[0]))
            best: tuple[tuple[int, int], Key, Route | None, Route, int] | None = None
            seq = state.seqs.get(hi, [])
            for i, (v, occ) in enumerate(seq):
                if v.pinned_worker is not None:
                    continue
                rest = seq[:i] + seq[i + 1 :]
                if rest:
                    w = problem.worker_by_id[hi[0]]
                    r_hi, _ = schedule_route(problem, w, day, rest)
                    if r_hi is None:
                        continue
                else:
                    r_hi = None
                l_hi = 0 if r_hi is None else (len(rest) if kind == "visits" else r_hi.duration_s)
                t_hi = 0 if r_hi is None else r_hi.travel_s
                for lo in sorted(keys, key=lambda k: loads[k]):
                    if lo == hi or loads[lo] >= loads[hi] or lo not in eligible.get(v.visit_id, ()):
                        continue
                    r_lo, _added, _k, _ = state.best_insert(v, occ, [lo])
                    if r_lo is None:
                        continue
                    l_lo = len(r_lo.visit_stops) if kind == "visits" else r_lo.duration_s
                    new_max = max(l_hi, l_lo)
                    if new_max >= loads[hi]:
                        continue
                    old_t = state.routes[hi].travel_s + (
                        state.routes[lo].travel_s if lo in state.routes else 0
                    )
                    delta = t_hi + r_lo.travel_s - old_t
                    if travel + delta > max_travel_s:
                        continue
                    score = (new_max, delta)
                    if best is None or score < best[0]:
                        best = (score, lo, r_hi, r_lo, delta)
            if best is None:
                break
            _score, lo, r_hi, r_lo, delta = best
            moved = [x for x in seq if (x[0].visit_id, x[1]) not in _visit_keys(r_lo)]
            if r_hi is None:
                state.routes.pop(hi, None)
                state.seqs.pop(hi, None)
            else:
                state.routes[hi] = r_hi
                state.seqs[hi] = moved
            state.apply(lo, r_lo)
            travel += delta
    return True


def _visit_keys(route: Route) -> set[tuple[str, int]]:
    return {(str(s.visit_id), s.occurrence) for s in route.visit_stops}


def keep_households(
    state: PlanState,
    eligible: dict[str, set[Key]],
    *,
    weight_s: int,
    deadline: float,
) -> bool:
    """Move visits of a household (``household_id``) or with a ``preferred_worker`` to
    that household's worker on the same day when it adds at most ``weight_s`` of
    travel per visit moved (soft continuity of care).

    The household's worker is the visits' ``preferred_worker`` when given, else the
    worker who holds most of its visits.  Returns ``False`` when the ``deadline``
    cut it short.
    """
    import time

    problem = state.problem
    groups: dict[str, list[Visit]] = {}
    for v in problem.visits:
        g = v.household_id or (f"visit:{v.visit_id}" if v.preferred_worker else None)
        if g is not None:
            groups.setdefault(g, []).append(v)
    for g in sorted(groups):
        vs = groups[g]
        placed: list[tuple[Visit, int, Key]] = []
        for v in vs:
            for occ, key in sorted(state.where(v.visit_id).items()):
                placed.append((v, occ, key))
        if not placed:
            continue
        pref = next((v.preferred_worker for v in vs if v.preferred_worker), None)
        if pref is None:
            count: Counter[str] = Counter(key[0] for _, _, key in placed)
            order = {w.worker_id: i for i, w in enumerate(problem.workers)}
            pref = max(count, key=lambda w: (count[w], -order[w]))
        for v, occ, key in placed:
            if key[0] == pref or v.pinned_worker is not None or key in state.locked:
                continue
            if time.perf_counter() >= deadline:
                return False
            target = (pref, key[1])
            if target not in eligible.get(v.visit_id, ()) or target in state.locked:
                continue
            snap = state.snapshot()
            before = state.travel_s()
            if state.remove(v.visit_id, occ) is None:
                continue
            r, _added, k, _ = state.best_insert(v, occ, [target])
            if r is None or k is None:
                state.restore(snap)
                continue
            state.apply(k, r)
            if state.travel_s() - before > weight_s:
                state.restore(snap)
    return True
