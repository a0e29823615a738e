"""Small problem factories: places on a line, travel = distance in minutes."""

from __future__ import annotations

import numpy as np

from geo_outreach.optimize.routing import BreakRule, ProblemBuilder, TravelMatrix, Visit, Worker

H = 3600
M = 60
SHIFT = (8 * H + 30 * M, 17 * H)
LUNCH = BreakRule(30 * M, 11 * H + 30 * M, 13 * H + 30 * M, after_work_s=0)  # owed on any day
LUNCH_6H = BreakRule(30 * M, 11 * H + 30 * M, 13 * H + 30 * M)  # owed after 6 h (default)


def line_matrix(pos: dict[str, float], *, min_per_unit: float = 1.0) -> TravelMatrix:
    """Travel seconds = |x_i - x_j| * min_per_unit minutes."""
    ids = tuple(pos)
    x = np.array([pos[i] for i in ids], dtype=float)
    return TravelMatrix(
        ids, np.rint(np.abs(x[:, None] - x[None, :]) * min_per_unit * 60).astype(np.int64)
    )


def build(
    visits: list[Visit],
    workers: list[Worker],
    pos: dict[str, float],
    *,
    days: tuple[str, ...] = ("Mon",),
    modes: tuple[str, ...] = ("drive",),
):
    b = ProblemBuilder(days=days)
    for m in modes:
        b.add_matrix(m, line_matrix(pos))
    for v in visits:
        b.add_visit(v)
    for w in workers:
        b.add_worker(w)
    return b.build()


def worker(wid: str = "w1", *, days=("Mon",), skills=(), brk=None, **kw) -> Worker:
    return Worker(
        wid,
        kw.pop("start", "depot"),
        kw.pop("end", "depot"),
        {d: SHIFT for d in days},
        skills=frozenset(skills),
        break_rule=brk,
        **kw,
    )
