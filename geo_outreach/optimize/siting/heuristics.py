"""Greedy heuristics: a warm start for time-limited solves and the order of marginal gain."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------
from .problem import SitingProblem

logger = logging.getLogger(__name__)


def _greedy_start(
    problem: SitingProblem,
    model: str,
    p: int | None,
    cov: sp.csr_array | None,
    existing: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    required: np.ndarray | None = None,
) -> np.ndarray | None:
    """Greedy choice of stops (forced ones first) used as HiGHS's starting solution."""
    n_x = problem.n_candidates
    w = problem.demand["weight"].to_numpy()
    x = lo.copy()
    allowed = (hi > 0) & (lo < 1)
    if model in ("mclp", "lscp"):
        if cov is None:
            return None
        csc = sp.csc_array(cov)
        rows_of = csc.indices
        col_of = np.repeat(np.arange(n_x), np.diff(csc.indptr))
        if model == "mclp":
            todo = (w > 0) & ~existing
            val = w
        else:
            assert required is not None
            todo = required.copy()
            val = np.ones(problem.n_demand)
        for j0 in np.flatnonzero(x > 0.5):
            todo[csc.indices[csc.indptr[j0] : csc.indptr[j0 + 1]]] = False
        n_target = p if model == "mclp" else n_x
        while int(x.sum()) < (n_target or 0):
            if model == "lscp" and not todo.any():
                break
            gain = np.bincount(col_of, weights=val[rows_of] * todo[rows_of], minlength=n_x)
            gain[~allowed | (x > 0.5)] = -1.0
            j = int(np.argmax(gain))
            if gain[j] < 0:
                break
            if model == "lscp" and gain[j] <= 0:
                return None  # cannot complete the cover
            x[j] = 1.0
            todo[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = False
        return x
    # p-median: add the stop that cuts weighted time most, unreached demand at a penalty
    assert p is not None
    pr, pc, pt = problem.pair_demand, problem.pair_candidate, problem.pair_time_s
    ex_t = problem.existing_min_time_s()
    finite = np.concatenate([pt, ex_t[np.isfinite(ex_t)]])
    penalty = 2.0 * (float(finite.max()) if len(finite) else 0.0) + 1.0
    t = np.where(np.isfinite(ex_t), ex_t, penalty)
    for j0 in np.flatnonzero(x > 0.5):
        m = pc == j0
        np.minimum.at(t, pr[m], pt[m])
    while int(x.sum()) < p:
        gain = np.bincount(pc, weights=w[pr] * np.maximum(t[pr] - pt, 0.0), minlength=n_x)
        gain[~allowed | (x > 0.5)] = -1.0
        j = int(np.argmax(gain))
        if gain[j] < 0:
            break
        x[j] = 1.0
        m = pc == j
        np.minimum.at(t, pr[m], pt[m])
    return x


def _greedy_order(
    cov_csc: sp.csc_array, w: np.ndarray, pop: np.ndarray, base: np.ndarray, chosen: list[int]
) -> list[tuple[int, float, float]]:
    """Order chosen stops greedily by marginal need-weighted coverage."""
    covered = base.copy()
    left = list(chosen)
    out = []
    while left:
        best = None
        for j in left:
            rows = cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]
            new = rows[~covered[rows]]
            g = float(w[new].sum())
            gp = float(pop[new].sum())
            if best is None or g > best[1] + 1e-12 or (abs(g - best[1]) <= 1e-12 and gp > best[2]):
                best = (j, g, gp, new)
        assert best is not None
        j, g, gp, new = best
        covered[new] = True
        out.append((j, g, gp))
        left.remove(j)
    return out


def _nearest_time(problem: SitingProblem, open_cols: Sequence[int]) -> np.ndarray:
    """Time from each demand point to its nearest open stop or existing site."""
    t = problem.existing_min_time_s()
    if len(open_cols):
        is_open = np.zeros(problem.n_candidates, dtype=bool)
        is_open[list(open_cols)] = True
        keep = is_open[problem.pair_candidate]
        np.minimum.at(t, problem.pair_demand[keep], problem.pair_time_s[keep])
    return t
