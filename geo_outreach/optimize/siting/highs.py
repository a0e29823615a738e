"""The HiGHS wrapper: a quiet solver instance and one MIP solve with a time limit and a warm start."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from geo_outreach.errors import SolverError
from geo_outreach.i18n import _

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Solver layer (HiGHS)
# ---------------------------------------------------------------------------

_BANNER_DONE = False


def _new_highs() -> Any:
    """A silent ``highspy.Highs``; the one-off C-level banner is kept off stdout."""
    global _BANNER_DONE
    import highspy

    if _BANNER_DONE:
        h = highspy.Highs()
    else:
        # HiGHS prints a copyright banner on stdout (C level) on its first construction;
        # it would corrupt `--json` output on stdout, so it goes to /dev/null.
        sys.stdout.flush()
        saved = -1
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fd = sys.stdout.fileno()
            saved = os.dup(fd)
        try:
            if saved >= 0:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, fd)
                os.close(null)
            h = highspy.Highs()
        finally:
            if saved >= 0:
                os.dup2(saved, fd)
                os.close(saved)
        _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class _MipOutcome:
    status: str
    x: np.ndarray | None
    objective: float
    gap: float
    solver_status: str
    time_s: float


def _solve_mip(
    *,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    a: sp.csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    maximize: bool,
    time_limit_s: float,
    mip_rel_gap: float,
    threads: int | None,
    offset: float = 0.0,
    start_x: np.ndarray | None = None,
) -> _MipOutcome:
    import highspy

    inf = highspy.kHighsInf
    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    n_col = len(cost)
    lp.num_col_ = n_col
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(upper, dtype=np.float64)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -inf).astype(np.float64)
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, inf).astype(np.float64)
    csc = sp.csc_array(a)
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = a.shape[0]
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integer
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.offset_ = float(offset)
    t0 = time.perf_counter()
    st = h.passModel(lp)
    if st == highspy.HighsStatus.kError:
        raise SolverError(_("HiGHS rejected the siting model (passModel failed)"))
    if start_x is not None and len(start_x):
        # a heuristic start on the binaries; HiGHS completes the continuous part, so a
        # time-limited run always has stops to return
        idx = np.arange(len(start_x), dtype=np.int32)
        h.setSolution(len(start_x), idx, np.asarray(start_x, dtype=np.float64))
    h.run()
    elapsed = time.perf_counter() - t0
    ms = h.getModelStatus()
    word = h.modelStatusToString(ms)
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_sol else None
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms == highspy.HighsModelStatus.kInfeasible:
        status = "infeasible"
    elif ms == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    else:
        status = word.lower().replace(" ", "_")
    gap = float(info.mip_gap) if has_sol else math.inf
    if status == "optimal" and not math.isfinite(gap):
        gap = 0.0
    obj = float(info.objective_function_value) if has_sol else math.nan
    h.clear()
    return _MipOutcome(status, x, obj, max(gap, 0.0), word, elapsed)
