"""The formulations: MCLP, LSCP and p-median as sparse models, and the equity floor."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------
from .highs import _MipOutcome, _solve_mip
from .problem import SitingProblem

logger = logging.getLogger(__name__)
Model = Literal["mclp", "lscp", "pmedian"]


# ---------------------------------------------------------------------------
# Model builders
# ---------------------------------------------------------------------------


@dataclass
class _ModelSpec:
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    rows: list[sp.csr_array]
    row_lower: list[np.ndarray]
    row_upper: list[np.ndarray]
    maximize: bool
    n_x: int
    floor_row: int | None = None
    offset: float = 0.0
    start_x: np.ndarray | None = None

    def a(self) -> sp.csr_array:
        return (
            sp.csr_array(sp.vstack(self.rows, format="csr"))
            if self.rows
            else sp.csr_array((0, len(self.cost)))
        )


def _x_bounds(
    problem: SitingProblem, include: set[int], exclude: set[int]
) -> tuple[np.ndarray, np.ndarray]:
    lo = np.zeros(problem.n_candidates)
    hi = np.ones(problem.n_candidates)
    for j in include:
        lo[j] = 1.0
    for j in exclude:
        hi[j] = 0.0
    return lo, hi


def _coverage_block(
    cov: sp.csr_array, points: np.ndarray, n_x: int, y_offset: int, n_col: int
) -> sp.csr_array:
    """Rows ``y_k - sum_{j in N(points[k])} x_j <= 0``."""
    sub = cov[points]
    k = len(points)
    x_part = sp.csr_array((-sub.data, sub.indices, sub.indptr), shape=(k, n_x))
    y_part = sp.csr_array(
        (np.ones(k), (np.arange(k), y_offset - n_x + np.arange(k))), shape=(k, n_col - n_x)
    )
    return sp.csr_array(sp.hstack([x_part, y_part], format="csr"))


def _add_floor(
    spec: _ModelSpec,
    problem: SitingProblem,
    cov: sp.csr_array,
    existing: np.ndarray,
    equity_floor: float,
    y_points: np.ndarray | None,
) -> None:
    """Append high-need coverage variables (if needed) and the floor row to the spec.

    ``y_points`` are demand points that already have a coverage variable (at
    columns ``n_x + k``); other high-need points get a new one.
    """
    pop = problem.demand["population"].to_numpy()
    hn = problem.demand["high_need"].to_numpy(dtype=bool)
    total = float(pop[hn].sum())
    if total <= 0:
        raise InputError(
            _(
                "equity_floor was given but no demand point is marked high_need with "
                "population > 0; mark high-need units (demand column 'high_need') or drop "
                "equity_floor"
            ),
            source="equity_floor",
        )
    already = float(pop[hn & existing].sum())
    target = equity_floor * total - already
    reach = np.diff(cov.indptr) > 0
    hn_points = np.flatnonzero(hn & ~existing & reach & (pop > 0))
    have: dict[int, int] = {}
    if y_points is not None:
        have = {int(p): spec.n_x + k for k, p in enumerate(y_points)}
    new_points = np.array([p for p in hn_points if int(p) not in have], dtype=np.int64)
    n_old = len(spec.cost)
    if len(new_points):
        n_new = len(new_points)
        spec.cost = np.concatenate([spec.cost, np.zeros(n_new)])
        spec.lower = np.concatenate([spec.lower, np.zeros(n_new)])
        spec.upper = np.concatenate([spec.upper, np.ones(n_new)])
        spec.integer = np.concatenate([spec.integer, np.zeros(n_new, dtype=bool)])
        n_col = len(spec.cost)
        spec.rows = [
            sp.csr_array(sp.hstack([r, sp.csr_array((r.shape[0], n_new))], format="csr"))
            for r in spec.rows
        ]
        sub = cov[new_points]
        x_part = sp.csr_array((-sub.data, sub.indices, sub.indptr), shape=(n_new, spec.n_x))
        mid = sp.csr_array((n_new, n_old - spec.n_x))
        y_part = sp.csr_array(
            (np.ones(n_new), (np.arange(n_new), np.arange(n_new))), shape=(n_new, n_new)
        )
        spec.rows.append(sp.csr_array(sp.hstack([x_part, mid, y_part], format="csr")))
        spec.row_lower.append(np.full(n_new, -np.inf))
        spec.row_upper.append(np.zeros(n_new))
        for k, p in enumerate(new_points):
            have[int(p)] = n_old + k
    n_col = len(spec.cost)
    cols = np.array([have[int(p)] for p in hn_points], dtype=np.int64)
    row = sp.csr_array(
        (pop[hn_points], (np.zeros(len(cols), dtype=np.int64), cols)), shape=(1, n_col)
    )
    spec.floor_row = sum(r.shape[0] for r in spec.rows)
    spec.rows.append(row)
    spec.row_lower.append(np.array([target - 1e-6 * max(total, 1.0)]))
    spec.row_upper.append(np.array([np.inf]))


def _build_mclp(
    problem: SitingProblem,
    cov: sp.csr_array,
    existing: np.ndarray,
    p: int,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[_ModelSpec, np.ndarray]:
    w = problem.demand["weight"].to_numpy()
    reach = np.diff(cov.indptr) > 0
    points = np.flatnonzero((w > 0) & ~existing & reach)
    n_x = problem.n_candidates
    n_col = n_x + len(points)
    cost = np.concatenate([np.zeros(n_x), w[points]])
    spec = _ModelSpec(
        cost=cost,
        lower=np.concatenate([lo, np.zeros(len(points))]),
        upper=np.concatenate([hi, np.ones(len(points))]),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(len(points), bool)]),
        rows=[],
        row_lower=[],
        row_upper=[],
        maximize=True,
        n_x=n_x,
    )
    if len(points):
        spec.rows.append(_coverage_block(cov, points, n_x, n_x, n_col))
        spec.row_lower.append(np.full(len(points), -np.inf))
        spec.row_upper.append(np.zeros(len(points)))
    card = sp.csr_array((np.ones(n_x), (np.zeros(n_x, np.int64), np.arange(n_x))), shape=(1, n_col))
    spec.rows.append(card)
    spec.row_lower.append(np.array([float(p)]))
    spec.row_upper.append(np.array([float(p)]))
    return spec, points


def _build_lscp(
    problem: SitingProblem,
    cov: sp.csr_array,
    required: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> _ModelSpec:
    n_x = problem.n_candidates
    sub = cov[required]
    spec = _ModelSpec(
        cost=np.ones(n_x),
        lower=lo,
        upper=hi,
        integer=np.ones(n_x, bool),
        rows=[sp.csr_array((sub.data, sub.indices, sub.indptr), shape=(len(required), n_x))],
        row_lower=[np.ones(len(required))],
        row_upper=[np.full(len(required), np.inf)],
        maximize=False,
        n_x=n_x,
    )
    return spec


def _build_pmedian(
    problem: SitingProblem,
    p: int,
    lo: np.ndarray,
    hi: np.ndarray,
    points: np.ndarray,
) -> _ModelSpec:
    """p-median in the radius formulation (Garcia, Labbe & Marin 2011).

    For demand point ``i`` let ``D_1 < D_2 < ... < D_K`` be the distinct travel
    times to allowed candidates that beat its nearest existing site (time
    ``E``; existing sites are always open).  ``z_k`` is 1 when no stop within
    ``D_k`` is open; the cost of ``i`` is
    ``w * (D_1 + sum_k (D_{k+1} - D_k) z_k)`` with ``D_{K+1} = E`` (and
    ``z_K = 0`` when no existing site is reachable), subject to
    ``z_1 + sum_{j: t_ij = D_1} x_j >= 1`` and
    ``z_k - z_{k-1} + sum_{j: t_ij = D_k} x_j >= 0``.  Its LP bound equals the
    classical one but the model has far fewer nonzeros and solves faster.
    """
    w = problem.demand["weight"].to_numpy()
    n_x = problem.n_candidates
    ex_min = problem.existing_min_time_s()
    in_model = np.zeros(problem.n_demand, dtype=bool)
    in_model[points] = True
    pr, pc, pt = problem.pair_demand, problem.pair_candidate, problem.pair_time_s
    keep = in_model[pr] & (pt < ex_min[pr]) & (hi[pc] > 0)
    pr, pc, pt = pr[keep], pc[keep], pt[keep]
    order = np.lexsort((pt, pr))
    pr, pc, pt = pr[order], pc[order], pt[order]
    # distinct (demand, time) levels
    new_level = np.ones(len(pr), dtype=bool)
    if len(pr):
        new_level[1:] = (pr[1:] != pr[:-1]) | (pt[1:] != pt[:-1])
    level_of_pair = np.cumsum(new_level) - 1
    lv_dem = pr[new_level]
    lv_time = pt[new_level]
    n_lv = len(lv_dem)
    first = np.ones(n_lv, dtype=bool)
    last = np.ones(n_lv, dtype=bool)
    if n_lv:
        first[1:] = lv_dem[1:] != lv_dem[:-1]
        last[:-1] = lv_dem[1:] != lv_dem[:-1]
    nxt = np.empty(n_lv)
    nxt[:-1] = lv_time[1:]
    nxt[last] = ex_min[lv_dem[last]]
    no_exit = last & ~np.isfinite(nxt)  # nowhere else to go: must be served within D_K
    step = np.where(no_exit, 0.0, nxt - lv_time)
    z_cost = w[lv_dem] * step
    # constant part: w * D_1, or w * E for points served only by existing sites
    has_level = np.zeros(problem.n_demand, dtype=bool)
    has_level[lv_dem] = True
    offset = float((w[lv_dem[first]] * lv_time[first]).sum())
    only_ex = in_model & ~has_level
    offset += float((w[only_ex] * ex_min[only_ex]).sum())
    n_col = n_x + n_lv
    z_col = n_x + np.arange(n_lv)
    prev = np.flatnonzero(~first)
    data = np.concatenate([np.ones(len(pr)), np.ones(n_lv), -np.ones(len(prev))])
    rows = np.concatenate([level_of_pair, np.arange(n_lv), prev])
    cols = np.concatenate([pc, z_col, z_col[prev - 1]])
    chain = sp.csr_array((data, (rows, cols)), shape=(n_lv, n_col))
    card = sp.csr_array((np.ones(n_x), (np.zeros(n_x, np.int64), np.arange(n_x))), shape=(1, n_col))
    return _ModelSpec(
        cost=np.concatenate([np.zeros(n_x), z_cost]),
        lower=np.concatenate([lo, np.zeros(n_lv)]),
        upper=np.concatenate([hi, np.where(no_exit, 0.0, 1.0)]),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(n_lv, bool)]),
        rows=[chain, card],
        row_lower=[first.astype(np.float64), np.array([float(p)])],
        row_upper=[np.full(n_lv, np.inf), np.array([float(p)])],
        maximize=False,
        n_x=n_x,
        offset=offset,
    )


def _run_spec(
    spec: _ModelSpec, *, time_limit_s: float, mip_rel_gap: float, threads: int | None
) -> _MipOutcome:
    return _solve_mip(
        cost=spec.cost,
        lower=spec.lower,
        upper=spec.upper,
        integer=spec.integer,
        a=spec.a(),
        row_lower=np.concatenate(spec.row_lower) if spec.row_lower else np.zeros(0),
        row_upper=np.concatenate(spec.row_upper) if spec.row_upper else np.zeros(0),
        maximize=spec.maximize,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        offset=spec.offset,
        start_x=spec.start_x,
    )


def _drop_floor(spec: _ModelSpec) -> _ModelSpec:
    if spec.floor_row is None:
        return spec
    rows = list(spec.rows)
    lo = list(spec.row_lower)
    hi = list(spec.row_upper)
    lo[-1] = np.array([-np.inf])
    hi[-1] = np.array([np.inf])
    return dataclasses.replace(spec, rows=rows, row_lower=lo, row_upper=hi, floor_row=None)
