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
