"""Mobile-unit stop siting: maximal coverage, set covering and p-median on HiGHS.

The core is :func:`from_cost_matrix`, which turns a (dense or sparse) travel-time
matrix between *demand points* and *candidate stops* into a :class:`SitingProblem`;
:func:`from_od_table` is a thin adapter over the shared long OD table
(``origin_id, dest_id, travel_time_s``) and the per-unit origins table.
:func:`solve_siting` builds a sparse mixed-integer model directly with
``highspy`` and returns a :class:`SitingResult` a manager can read: the chosen
stops in order of marginal gain, which units each stop covers, coverage before
and after, and the price of an equity floor.  :func:`what_if` re-solves a few
scenarios (p - 1, p + 1, closing a site, another time threshold) and returns a
comparison table.

Demand is counted at the origin nodes of a unit (``unit_id, node_id, weight``),
so a unit whose origins are partly within reach counts partly.  The weight of a
demand point is ``population * need * origin weight``.

Existing fixed services (e.g. clinics of the category being planned) count as
already covering: demand within ``max_time_s`` of an existing site adds nothing
to the coverage objective, must not be covered again in set covering, and can be
assigned to the existing site in the p-median.

Models
------
``"mclp"``
    Maximal covering: choose ``p`` stops maximising the need-weighted demand
    newly covered within ``max_time_s``.
``"lscp"``
    Location set covering: the fewest stops covering every required demand
    point within ``max_time_s``.  When no set of stops can, the result has status
    ``"infeasible"``, names the demand that no candidate reaches and gives the
    smallest threshold that would make the problem feasible.
``"pmedian"``
    Choose ``p`` stops minimising the need-weighted travel time from each
    demand point to its nearest open stop (or existing site).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo_outreach.errors import InputError, SolverError

__all__ = [
    "SitingProblem",
    "SitingResult",
    "from_cost_matrix",
    "from_od_table",
    "solve_siting",
    "what_if",
]

logger = logging.getLogger(__name__)

Model = Literal["mclp", "lscp", "pmedian"]
_MODELS = ("mclp", "lscp", "pmedian")
_EPS = 1e-9


# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """A siting instance: demand points, candidate stops and travel times.

    Build it with :func:`from_cost_matrix` or :func:`from_od_table` rather than
    directly.  Reachable pairs are stored sparsely as parallel arrays (positions
    are internal; every public output uses the string ids).

    Attributes
    ----------
    demand
        One row per demand point: ``demand_id``, ``unit_id``, ``population``
        (people at this point), ``need`` (need score), ``weight`` (the objective
        weight, normally ``population * need``), ``high_need`` (bool).
    candidate_ids
        The candidate stop ids, in column order.
    candidate_reason
        Why each candidate is a candidate (empty strings when unknown).
    pair_demand, pair_candidate, pair_time_s
        Reachable (demand, candidate) pairs and their travel time in seconds.
    existing_site_ids
        Ids of existing fixed services counted as already covering.
    existing_demand, existing_site, existing_time_s
        Reachable (demand, existing site) pairs and their travel time.
    existing_covered
        Optional fixed boolean per demand point: already covered whatever the
        threshold (overrides the existing-site pairs for coverage).
    """

    demand: pd.DataFrame
    candidate_ids: tuple[str, ...]
    candidate_reason: tuple[str, ...]
    pair_demand: np.ndarray
    pair_candidate: np.ndarray
    pair_time_s: np.ndarray
    existing_site_ids: tuple[str, ...] = ()
    existing_demand: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    existing_site: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    existing_time_s: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))
    existing_covered: np.ndarray | None = None

    def __post_init__(self) -> None:
        need_cols = {"demand_id", "unit_id", "population", "need", "weight", "high_need"}
        missing = need_cols - set(self.demand.columns)
        if missing:
            raise InputError(
                f"SitingProblem.demand lacks columns {sorted(missing)}; build the problem with "
                "from_cost_matrix() or from_od_table().",
                source="demand",
            )
        if not (len(self.pair_demand) == len(self.pair_candidate) == len(self.pair_time_s)):
            raise InputError("pair arrays must have equal length", source="pairs")
        if len(self.candidate_reason) != len(self.candidate_ids):
            raise InputError("candidate_reason must have one entry per candidate", source="reason")

    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return len(self.demand)

    @property
    def n_candidates(self) -> int:
        """Number of candidate stops."""
        return len(self.candidate_ids)

    def coverage_matrix(self, max_time_s: float) -> sp.csr_array:
        """Boolean-valued (0/1) sparse matrix: demand point row reached by candidate column.

        Parameters
        ----------
        max_time_s
            Coverage threshold in seconds (a pair covers when ``time <= max_time_s``).
        """
        keep = self.pair_time_s <= max_time_s + _EPS
        data = np.ones(int(keep.sum()), dtype=np.float64)
        mat = sp.csr_array(
            (data, (self.pair_demand[keep], self.pair_candidate[keep])),
            shape=(self.n_demand, self.n_candidates),
        )
        mat.sum_duplicates()
        mat.data[:] = 1.0
        return mat

    def covered_by_existing(self, max_time_s: float | None) -> np.ndarray:
        """Boolean per demand point: already covered by an existing site within the threshold."""
        if self.existing_covered is not None:
            return np.asarray(self.existing_covered, dtype=bool).copy()
        out = np.zeros(self.n_demand, dtype=bool)
        if max_time_s is None or len(self.existing_demand) == 0:
            return out
        keep = self.existing_time_s <= max_time_s + _EPS
        out[self.existing_demand[keep]] = True
        return out

    def existing_min_time_s(self) -> np.ndarray:
        """Travel time from each demand point to its nearest existing site (inf when none)."""
        out = np.full(self.n_demand, np.inf)
        if len(self.existing_demand):
            np.minimum.at(out, self.existing_demand, self.existing_time_s)
        return out

    def without_existing(self, site_ids: Iterable[str]) -> SitingProblem:
        """Return a copy with the named existing sites closed (removed)."""
        drop = set(site_ids)
        unknown = drop - set(self.existing_site_ids)
        if unknown:
            raise InputError(
                f"existing site ids {sorted(unknown)} are not in this problem; known existing "
                f"sites: {list(self.existing_site_ids)[:10]}",
                source="close_site_ids",
            )
        if self.existing_covered is not None:
            raise InputError(
                "this problem was built with a fixed existing_covered mask, so single existing "
                "sites cannot be closed; build it with existing_cost_s/existing sites instead",
                source="close_site_ids",
            )
        keep_sites = [i for i, s in enumerate(self.existing_site_ids) if s not in drop]
        remap = np.full(len(self.existing_site_ids), -1, dtype=np.int64)
        remap[keep_sites] = np.arange(len(keep_sites))
        keep = remap[self.existing_site] >= 0
        return dataclasses.replace(
            self,
            existing_site_ids=tuple(self.existing_site_ids[i] for i in keep_sites),
            existing_demand=self.existing_demand[keep],
            existing_site=remap[self.existing_site[keep]],
            existing_time_s=self.existing_time_s[keep],
        )


def _as_str_ids(ids: Sequence[Any] | None, n: int, name: str, prefix: str) -> tuple[str, ...]:
    if ids is None:
        return tuple(f"{prefix}{i}" for i in range(n))
    out = tuple(str(i) for i in ids)
    if len(out) != n:
        raise InputError(
            f"{name} has {len(out)} entries but the cost matrix has {n}; pass one id per "
            f"{'row' if prefix == 'd' else 'column'}",
            source=name,
        )
    if len(set(out)) != len(out):
        dup = pd.Series(out)[pd.Series(out).duplicated()].iloc[0]
        raise InputError(f"{name} must be unique; {dup!r} appears more than once", source=name)
    return out


def _vector(
    values: Any, n: int, name: str, *, default: float | None = None, nonneg: bool = True
) -> np.ndarray:
    if values is None:
        if default is None:
            raise InputError(f"{name} is required", source=name)
        return np.full(n, float(default))
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n:
        raise InputError(
            f"{name} has {arr.shape[0]} values but there are {n} demand points", source=name
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(
            f"{name} contains NaN or infinite values; fill them (e.g. 0) before siting",
            source=name,
        )
    if nonneg and np.any(arr < 0):
        raise InputError(f"{name} must be >= 0 (found {arr.min():g})", source=name)
    return arr


def _pairs_from_matrix(cost: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple]:
    """Reachable pairs of a dense (NaN/inf = unreachable) or sparse (stored = reachable) matrix."""
    if sp.issparse(cost):
        coo = sp.coo_array(cost)
        rows = np.asarray(coo.row, dtype=np.int64)
        cols = np.asarray(coo.col, dtype=np.int64)
        vals = np.asarray(coo.data, dtype=np.float64)
        keep = np.isfinite(vals)
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        shape = coo.shape
    else:
        arr = np.asarray(cost, dtype=np.float64)
        if arr.ndim != 2:
            raise InputError(
                f"{name} must be a 2-D matrix (demand rows x site columns), got shape {arr.shape}",
                source=name,
            )
        rows, cols = np.nonzero(np.isfinite(arr))
        vals = arr[rows, cols]
        rows = rows.astype(np.int64)
        cols = cols.astype(np.int64)
        shape = arr.shape
    if np.any(vals < 0):
        raise InputError(
            f"{name} has negative travel times; travel times must be >= 0", source=name
        )
    order = np.lexsort((cols, rows))
    return rows[order], cols[order], vals[order], shape


def from_cost_matrix(
    cost_s: Any,
    *,
    weight: Sequence[float] | np.ndarray,
    candidate_ids: Sequence[Any] | None = None,
    demand_ids: Sequence[Any] | None = None,
    unit_ids: Sequence[Any] | None = None,
    population: Sequence[float] | np.ndarray | None = None,
    need: Sequence[float] | np.ndarray | None = None,
    high_need: Sequence[bool] | np.ndarray | None = None,
    candidate_reason: Sequence[str] | None = None,
    existing_cost_s: Any = None,
    existing_site_ids: Sequence[Any] | None = None,
    existing_covered: Sequence[bool] | np.ndarray | None = None,
) -> SitingProblem:
    """Build a siting problem from a travel-time matrix.

    Parameters
    ----------
    cost_s
        Travel time in seconds, demand points in rows and candidate stops in
        columns.  A dense array marks unreachable pairs with ``NaN`` or ``inf``;
        a ``scipy.sparse`` matrix stores only reachable pairs (explicit zeros
        are reachable in zero seconds).
    weight
        Objective weight of each demand point (e.g. ``population * need``).
    candidate_ids, demand_ids
        String ids of the columns and rows (default ``"c0", "c1"...`` and
        ``"d0", "d1"...``).
    unit_ids
        The unit (tract) each demand point belongs to, for per-unit reporting
        (default: each demand point is its own unit).
    population
        People represented by each demand point (default: ``weight``).
    need
        Need score of each demand point (default: ``weight / population``, 1
        where the population is 0).
    high_need
        Boolean per demand point: belongs to a high-need unit (used by the
        equity floor).  Default: none.
    candidate_reason
        Why each candidate was proposed (shown with chosen stops).
    existing_cost_s
        Travel times from demand points (rows) to existing fixed services
        (columns) of the category being planned, dense or sparse like
        ``cost_s``.  Demand within the threshold of one is already covered.
    existing_site_ids
        Ids of the existing-service columns.
    existing_covered
        Alternative to ``existing_cost_s``: a boolean per demand point saying
        it is already covered, whatever the threshold.

    Returns
    -------
    SitingProblem

    Raises
    ------
    InputError
        When shapes or ids do not agree, or values are negative / not finite.
    """
    rows, cols, vals, shape = _pairs_from_matrix(cost_s, "cost_s")
    n_dem, n_cand = int(shape[0]), int(shape[1])
    if n_cand == 0:
        raise InputError("cost_s has no candidate columns; give at least one candidate stop")
    cand = _as_str_ids(candidate_ids, n_cand, "candidate_ids", "c")
    dem = _as_str_ids(demand_ids, n_dem, "demand_ids", "d")
    w = _vector(weight, n_dem, "weight")
    pop = w.copy() if population is None else _vector(population, n_dem, "population")
    if need is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            nd = np.where(pop > 0, w / np.where(pop > 0, pop, 1.0), 1.0)
    else:
        nd = _vector(need, n_dem, "need")
    units = dem if unit_ids is None else tuple(str(u) for u in unit_ids)
    if len(units) != n_dem:
        raise InputError(
            f"unit_ids has {len(units)} entries but there are {n_dem} demand points",
            source="unit_ids",
        )
    hn = np.zeros(n_dem, dtype=bool) if high_need is None else np.asarray(high_need, dtype=bool)
    if hn.shape != (n_dem,):
        raise InputError(
            f"high_need must have one boolean per demand point ({n_dem})", source="high_need"
        )
    reason = (
        tuple("" for _ in cand)
        if candidate_reason is None
        else tuple("" if r is None else str(r) for r in candidate_reason)
    )
    if len(reason) != n_cand:
        raise InputError(
            f"candidate_reason has {len(reason)} entries, expected {n_cand}",
            source="candidate_reason",
        )
    demand = pd.DataFrame(
        {
            "demand_id": pd.array(dem, dtype="str"),
            "unit_id": pd.array(units, dtype="str"),
            "population": pop,
            "need": nd,
            "weight": w,
            "high_need": hn,
        }
    )
    ex_ids: tuple[str, ...] = ()
    ex_r = np.zeros(0, np.int64)
    ex_c = np.zeros(0, np.int64)
    ex_v = np.zeros(0, np.float64)
    if existing_cost_s is not None:
        ex_r, ex_c, ex_v, ex_shape = _pairs_from_matrix(existing_cost_s, "existing_cost_s")
        if ex_shape[0] != n_dem:
            raise InputError(
                f"existing_cost_s has {ex_shape[0]} rows but cost_s has {n_dem}; both need one "
                "row per demand point",
                source="existing_cost_s",
            )
        ex_ids = _as_str_ids(existing_site_ids, int(ex_shape[1]), "existing_site_ids", "e")
    ex_cov = None
    if existing_covered is not None:
        ex_cov = np.asarray(existing_covered, dtype=bool)
        if ex_cov.shape != (n_dem,):
            raise InputError(
                f"existing_covered must have one boolean per demand point ({n_dem})",
                source="existing_covered",
            )
    return SitingProblem(
        demand=demand,
        candidate_ids=cand,
        candidate_reason=reason,
        pair_demand=rows,
        pair_candidate=cols,
        pair_time_s=vals,
        existing_site_ids=ex_ids,
        existing_demand=ex_r,
        existing_site=ex_c,
        existing_time_s=ex_v,
        existing_covered=ex_cov,
    )


def _require_columns(df: pd.DataFrame, cols: Iterable[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(
            f"{name} lacks column(s) {missing}; it has {list(df.columns)}", source=name
        )


def from_od_table(
    od: pd.DataFrame,
    demand: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    existing: pd.DataFrame | None = None,
    origin_key: str = "node_id",
    dest_key: str = "node_id",
    need_col: str = "need",
    high_need_col: str = "high_need",
) -> SitingProblem:
    """Build a siting problem from the shared long OD table.

    Parameters
    ----------
    od
        Long table ``origin_id, dest_id, travel_time_s`` (other columns are
        ignored).  Absent pairs are unreachable.  Ids are compared as strings.
    demand
        One row per demand origin: ``unit_id``, the origin key column
        (``node_id`` by default, matched to ``od.origin_id``), ``weight`` (the
        origin's share of its unit, summing to 1 per unit), ``population`` (the
        unit's population) and optionally ``need`` (default 1) and
        ``high_need`` (bool, default False).  The weight of the demand point is
        ``population * need * weight``.
    candidates
        One row per candidate: ``candidate_id`` and the destination key column
        (``node_id`` by default, matched to ``od.dest_id``; pass
        ``dest_key="candidate_id"`` when the OD table is keyed by candidate id).
        An optional ``reason`` column is carried to the results.
    existing
        Existing fixed services that already cover: ``site_id`` and the
        destination key column (e.g. the site snapping table).
    origin_key, dest_key
        Columns of ``demand`` / ``candidates`` (and ``existing``) matched to
        ``od.origin_id`` / ``od.dest_id``.
    need_col, high_need_col
        Names of the need score and high-need flag columns of ``demand``.

    Returns
    -------
    SitingProblem
        Demand ids are ``"<unit_id>@<origin>"``.
    """
    _require_columns(od, ["origin_id", "dest_id", "travel_time_s"], "od")
    _require_columns(demand, ["unit_id", origin_key, "weight", "population"], "demand")
    _require_columns(candidates, ["candidate_id", dest_key], "candidates")
    if existing is not None:
        _require_columns(existing, ["site_id", dest_key], "existing")
    dem = demand.reset_index(drop=True)
    origin = dem[origin_key].astype(str).to_numpy()
    unit = dem["unit_id"].astype(str).to_numpy()
    demand_ids = [f"{u}@{o}" for u, o in zip(unit, origin, strict=True)]
    if len(set(demand_ids)) != len(demand_ids):
        raise InputError(
            f"demand has repeated (unit_id, {origin_key}) rows; give each origin of a unit once",
            source="demand",
        )
    pop_unit = _vector(dem["population"].to_numpy(), len(dem), "demand.population")
    ow = _vector(dem["weight"].to_numpy(), len(dem), "demand.weight")
    if need_col in dem.columns:
        nd = _vector(dem[need_col].to_numpy(), len(dem), f"demand.{need_col}")
    else:
        logger.info("demand has no %r column; every unit gets need 1", need_col)
        nd = np.ones(len(dem))
    hn = (
        dem[high_need_col].fillna(False).astype(bool).to_numpy()
        if high_need_col in dem.columns
        else np.zeros(len(dem), dtype=bool)
    )
    pop = pop_unit * ow
    cand = candidates.reset_index(drop=True)
    cand_ids = cand["candidate_id"].astype(str).tolist()
    reason = cand["reason"].astype(str).tolist() if "reason" in cand.columns else None

    od_small = pd.DataFrame(
        {
            "o": od["origin_id"].astype(str).to_numpy(),
            "d": od["dest_id"].astype(str).to_numpy(),
            "t": od["travel_time_s"].to_numpy(dtype=np.float64),
        }
    )
    od_small = od_small[np.isfinite(od_small["t"])]
    o_index = pd.DataFrame({"o": origin, "row": np.arange(len(dem))})

    def _pairs(dest_keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d_index = pd.DataFrame({"d": list(dest_keys), "col": np.arange(len(dest_keys))})
        m = od_small.merge(o_index, on="o").merge(d_index, on="d")
        m = m.groupby(["row", "col"], as_index=False)["t"].min()
        return (
            m["row"].to_numpy(np.int64),
            m["col"].to_numpy(np.int64),
            m["t"].to_numpy(np.float64),
        )

    r, c, t = _pairs(cand[dest_key].astype(str).tolist())
    cost = sp.coo_array((t, (r, c)), shape=(len(dem), len(cand)))
    ex_cost = None
    ex_ids = None
    if existing is not None and len(existing):
        ex = existing.reset_index(drop=True)
        er, ec, et = _pairs(ex[dest_key].astype(str).tolist())
        ex_cost = sp.coo_array((et, (er, ec)), shape=(len(dem), len(ex)))
        ex_ids = ex["site_id"].astype(str).tolist()
    if len(r) == 0:
        logger.warning(
            "no OD pair joins demand %s to candidates %s; check that origin_id/dest_id use the "
            "same ids as demand.%s / candidates.%s",
            origin_key,
            dest_key,
            origin_key,
            dest_key,
        )
    return from_cost_matrix(
        cost,
        weight=pop * nd,
        candidate_ids=cand_ids,
        demand_ids=demand_ids,
        unit_ids=unit.tolist(),
        population=pop,
        need=nd,
        high_need=hn,
        candidate_reason=reason,
        existing_cost_s=ex_cost,
        existing_site_ids=ex_ids,
    )


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
        raise SolverError("HiGHS rejected the siting model (passModel failed)")
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
            "equity_floor was given but no demand point is marked high_need with population > 0;"
            " mark high-need units (demand column 'high_need') or drop equity_floor",
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


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SitingResult:
    """Answer of :func:`solve_siting`.

    Attributes
    ----------
    model
        ``"mclp"``, ``"lscp"`` or ``"pmedian"``.
    status
        ``"optimal"``, ``"time_limit"`` (best found, see ``gap``),
        ``"infeasible"`` or HiGHS's own word for anything else.
    message
        One human sentence: what was solved or why it could not be.
    objective
        MCLP: need-weighted demand newly covered by the stops (existing
        coverage excluded).  LSCP: number of stops.  p-median: need-weighted
        travel time in seconds (sum of weight x time).  NaN when no solution.
    gap
        Relative MIP gap reported by HiGHS (0 when proven optimal).
    p, max_time_s, equity_floor
        Parameters solved with.
    stops
        Chosen stops in greedy order of marginal gain, columns ``rank,
        site_id, reason, gain, gain_population, covered_population,
        covered_weight, mean_need, n_units, unit_ids``.  ``gain`` is the
        need-weighted demand a stop adds given the stops ranked before it (and
        existing sites); for p-median without ``max_time_s`` it is the increase
        of need-weighted travel time if that stop alone closed (``gain_kind``).
    gain_kind
        ``"coverage"`` or ``"closure_regret_s"``.
    stop_units
        Long table ``site_id, unit_id, covered_population, unit_population,
        covered_share``: which units (and what share of their population) each
        stop reaches within ``max_time_s``.
    units
        Per unit: ``unit_id, population, need, high_need,
        covered_share_before, covered_share_after, covered_population_after,
        travel_time_s_after`` (population-weighted mean time to the nearest
        open stop or existing site).
    coverage_before, coverage_after
        Totals: ``population``, ``share``, ``weighted``, ``high_need_share``.
    objective_without_floor, price_of_floor
        With an equity floor: the objective of the same problem without it and
        the objective lost to the floor (>= 0).
    unreachable_demand
        Demand ids no candidate reaches (within ``max_time_s`` for coverage
        models; at all for p-median).
    min_feasible_time_s
        LSCP: smallest threshold at which every required demand can be covered
        (inf when some demand is unreachable at any threshold).
    solve_time_s
        Wall time of the HiGHS runs.
    problem, params
        The problem and keyword arguments solved, for :func:`what_if`.
    """

    model: str
    status: str
    message: str
    objective: float
    gap: float
    p: int | None
    max_time_s: float | None
    equity_floor: float | None
    stops: pd.DataFrame
    gain_kind: str
    stop_units: pd.DataFrame
    units: pd.DataFrame
    coverage_before: dict[str, float]
    coverage_after: dict[str, float]
    objective_without_floor: float | None
    price_of_floor: float | None
    unreachable_demand: tuple[str, ...]
    min_feasible_time_s: float | None
    solve_time_s: float
    problem: SitingProblem = field(repr=False)
    params: dict[str, Any] = field(repr=False)

    @property
    def site_ids(self) -> list[str]:
        """Chosen stop ids in order of marginal gain."""
        return self.stops["site_id"].tolist()

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI ``--json`` contract).

        Keys: ``model, status, message, objective, gap, p, max_time_s,
        covered_population, covered_share, coverage_before, coverage_after,
        equity_floor, objective_without_floor, price_of_floor,
        min_feasible_time_s, unreachable_demand, stops`` where ``stops`` is a
        list of ``{"site_id", "gain", "gain_population", "covered_population",
        "reason", "unit_ids"}`` in order of marginal gain.  Non-finite numbers
        become ``None``.
        """

        def num(v: Any) -> Any:
            if v is None:
                return None
            v = float(v)
            return v if math.isfinite(v) else None

        return {
            "model": self.model,
            "status": self.status,
            "message": self.message,
            "objective": num(self.objective),
            "gap": num(self.gap),
            "p": self.p,
            "max_time_s": num(self.max_time_s),
            "covered_population": num(self.coverage_after.get("population")),
            "covered_share": num(self.coverage_after.get("share")),
            "coverage_before": {k: num(v) for k, v in self.coverage_before.items()},
            "coverage_after": {k: num(v) for k, v in self.coverage_after.items()},
            "equity_floor": num(self.equity_floor),
            "objective_without_floor": num(self.objective_without_floor),
            "price_of_floor": num(self.price_of_floor),
            "min_feasible_time_s": num(self.min_feasible_time_s),
            "unreachable_demand": list(self.unreachable_demand),
            "stops": [
                {
                    "site_id": str(r.site_id),
                    "gain": num(r.gain),
                    "gain_population": num(r.gain_population),
                    "covered_population": num(r.covered_population),
                    "reason": str(r.reason),
                    "unit_ids": list(r.unit_ids),
                }
                for r in self.stops.itertuples(index=False)
            ],
        }


_STOP_COLUMNS = [
    "rank",
    "site_id",
    "reason",
    "gain",
    "gain_population",
    "covered_population",
    "covered_weight",
    "mean_need",
    "n_units",
    "unit_ids",
]


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


def _coverage_summary(problem: SitingProblem, covered: np.ndarray | None) -> dict[str, float]:
    d = problem.demand
    pop = d["population"].to_numpy()
    w = d["weight"].to_numpy()
    hn = d["high_need"].to_numpy(dtype=bool)
    if covered is None:
        nan = math.nan
        return {"population": nan, "share": nan, "weighted": nan, "high_need_share": nan}
    tot = float(pop.sum())
    hn_tot = float(pop[hn].sum())
    return {
        "population": float(pop[covered].sum()),
        "share": float(pop[covered].sum() / tot) if tot > 0 else math.nan,
        "weighted": float(w[covered].sum()),
        "high_need_share": float(pop[hn & covered].sum() / hn_tot) if hn_tot > 0 else math.nan,
    }


def _assemble(
    problem: SitingProblem,
    *,
    model: str,
    status: str,
    message: str,
    objective: float,
    gap: float,
    chosen: list[int],
    p: int | None,
    max_time_s: float | None,
    equity_floor: float | None,
    objective_without_floor: float | None,
    price_of_floor: float | None,
    unreachable: tuple[str, ...],
    min_feasible_time_s: float | None,
    solve_time_s: float,
    params: dict[str, Any],
) -> SitingResult:
    d = problem.demand
    pop = d["population"].to_numpy()
    w = d["weight"].to_numpy()
    need = d["need"].to_numpy()
    units = d["unit_id"].to_numpy()
    cand = problem.candidate_ids
    base = before = after = None
    stop_rows: list[dict[str, Any]] = []
    su_rows: list[pd.DataFrame] = []
    unit_pop = d.groupby("unit_id", sort=False)["population"].sum()
    if max_time_s is not None:
        cov = problem.coverage_matrix(max_time_s)
        cov_csc = sp.csc_array(cov)
        base = problem.covered_by_existing(max_time_s)
        before = base
        after = base.copy()
        if chosen:
            after |= np.asarray(cov[:, chosen].sum(axis=1)).reshape(-1) > 0
    nearest = _nearest_time(problem, chosen)
    if chosen:
        if max_time_s is not None:
            assert base is not None
            order = _greedy_order(cov_csc, w, pop, base, chosen)
            gain_kind = "coverage"
        else:
            # p-median without a threshold: regret of closing each stop alone
            wt = np.where(np.isfinite(nearest), nearest, 0.0)
            base_obj = float((w * wt).sum())
            regrets = []
            for j in chosen:
                others = [k for k in chosen if k != j]
                t = _nearest_time(problem, others)
                lost = ~np.isfinite(t) & np.isfinite(nearest)
                t = np.where(np.isfinite(t), t, np.where(lost, np.inf, 0.0))
                val = float((w * t).sum()) - base_obj if not lost.any() else math.inf
                regrets.append((j, val, math.nan))
            order = sorted(regrets, key=lambda r: -r[1])
            gain_kind = "closure_regret_s"
        for rank, (j, g, gp) in enumerate(order, start=1):
            if max_time_s is not None:
                rows = cov_csc.indices[cov_csc.indptr[j] : cov_csc.indptr[j + 1]]
            else:
                rows = np.zeros(0, dtype=np.int64)
            cp = float(pop[rows].sum())
            uids = list(dict.fromkeys(units[rows].tolist()))
            stop_rows.append(
                {
                    "rank": rank,
                    "site_id": cand[j],
                    "reason": problem.candidate_reason[j],
                    "gain": g,
                    "gain_population": gp,
                    "covered_population": cp,
                    "covered_weight": float(w[rows].sum()),
                    "mean_need": float((need[rows] * pop[rows]).sum() / cp) if cp > 0 else math.nan,
                    "n_units": len(uids),
                    "unit_ids": tuple(uids),
                }
            )
            if len(rows):
                part = (
                    pd.DataFrame({"unit_id": units[rows], "covered_population": pop[rows]})
                    .groupby("unit_id", sort=False, as_index=False)["covered_population"]
                    .sum()
                )
                part.insert(0, "site_id", cand[j])
                su_rows.append(part)
    else:
        gain_kind = "coverage" if max_time_s is not None else "closure_regret_s"
    stops = pd.DataFrame(stop_rows, columns=_STOP_COLUMNS)
    if su_rows:
        stop_units = pd.concat(su_rows, ignore_index=True)
    else:
        stop_units = pd.DataFrame(
            {
                "site_id": pd.Series(dtype="str"),
                "unit_id": pd.Series(dtype="str"),
                "covered_population": pd.Series(dtype=float),
            }
        )
    stop_units["unit_population"] = stop_units["unit_id"].map(unit_pop).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stop_units["covered_share"] = (
            stop_units["covered_population"] / stop_units["unit_population"]
        )
    # per-unit table
    tt = np.where(np.isfinite(nearest), nearest, np.nan)
    frame = pd.DataFrame(
        {
            "unit_id": units,
            "population": pop,
            "need_pop": need * pop,
            "high_need": d["high_need"].to_numpy(dtype=bool),
            "cov_before": pop * (before if before is not None else np.nan),
            "cov_after": pop * (after if after is not None else np.nan),
            "tt_pop": np.where(np.isfinite(tt), tt * pop, 0.0),
            "tt_popw": np.where(np.isfinite(tt), pop, 0.0),
            "need_plain": need,
        }
    )
    g = frame.groupby("unit_id", sort=False)
    ut = pd.DataFrame(
        {
            "population": g["population"].sum(),
            "need": g["need_pop"].sum() / g["population"].sum().where(lambda s: s > 0),
            "high_need": g["high_need"].any(),
            "covered_population_before": g["cov_before"].sum(min_count=1),
            "covered_population_after": g["cov_after"].sum(min_count=1),
            "travel_time_s_after": g["tt_pop"].sum() / g["tt_popw"].sum().where(lambda s: s > 0),
        }
    )
    ut["need"] = ut["need"].fillna(g["need_plain"].mean())
    popu = ut["population"].where(ut["population"] > 0)
    ut["covered_share_before"] = ut["covered_population_before"] / popu
    ut["covered_share_after"] = ut["covered_population_after"] / popu
    ut = ut.reset_index()[
        [
            "unit_id",
            "population",
            "need",
            "high_need",
            "covered_share_before",
            "covered_share_after",
            "covered_population_after",
            "travel_time_s_after",
        ]
    ]
    return SitingResult(
        model=model,
        status=status,
        message=message,
        objective=objective,
        gap=gap,
        p=p,
        max_time_s=max_time_s,
        equity_floor=equity_floor,
        stops=stops,
        gain_kind=gain_kind,
        stop_units=stop_units,
        units=ut,
        coverage_before=_coverage_summary(problem, before),
        coverage_after=_coverage_summary(problem, after),
        objective_without_floor=objective_without_floor,
        price_of_floor=price_of_floor,
        unreachable_demand=unreachable,
        min_feasible_time_s=min_feasible_time_s,
        solve_time_s=solve_time_s,
        problem=problem,
        params=params,
    )


# ---------------------------------------------------------------------------
# Public solve
# ---------------------------------------------------------------------------


def _fmt_time(t: float) -> str:
    return f"{t:.0f} s ({t / 60:.1f} min)"


def _ids_to_cols(problem: SitingProblem, ids: Iterable[str] | None, name: str) -> set[int]:
    if ids is None:
        return set()
    pos = {c: j for j, c in enumerate(problem.candidate_ids)}
    out = set()
    for s in ids:
        if str(s) not in pos:
            raise InputError(
                f"{name}: {s!r} is not a candidate id (e.g. {list(problem.candidate_ids)[:5]})",
                source=name,
            )
        out.add(pos[str(s)])
    return out


def _required_mask(problem: SitingProblem, required_unit_ids: Iterable[str] | None) -> np.ndarray:
    d = problem.demand
    mask = d["weight"].to_numpy() > 0
    if required_unit_ids is not None:
        req = {str(u) for u in required_unit_ids}
        known = set(d["unit_id"])
        unknown = req - known
        if unknown:
            raise InputError(
                f"required_unit_ids {sorted(unknown)[:5]} are not units of this problem",
                source="required_unit_ids",
            )
        mask = mask & d["unit_id"].isin(req).to_numpy()
    return mask


def _lscp_infeasibility(
    problem: SitingProblem,
    required: np.ndarray,
    existing: np.ndarray,
    max_time_s: float,
    hi: np.ndarray,
) -> tuple[list[int], float, str]:
    """Required points no allowed candidate covers, the smallest feasible T, and a message."""
    allowed = hi[problem.pair_candidate] > 0
    best = (
        problem.existing_min_time_s()
        if problem.existing_covered is None
        else np.full(problem.n_demand, np.inf)
    )
    if problem.existing_covered is not None:
        best[np.asarray(problem.existing_covered, dtype=bool)] = 0.0
    np.minimum.at(best, problem.pair_demand[allowed], problem.pair_time_s[allowed])
    req = np.flatnonzero(required)
    bad = [int(i) for i in req if best[i] > max_time_s + _EPS]
    t_min = float(best[req].max()) if len(req) else 0.0
    if not bad:
        return [], t_min, ""
    d = problem.demand
    worst = max(bad, key=lambda i: best[i])
    names = ", ".join(f"{d['demand_id'].iat[i]} (unit {d['unit_id'].iat[i]})" for i in bad[:5]) + (
        f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    )
    if math.isfinite(t_min):
        fix = (
            f"the smallest max_time_s covering every required demand is {_fmt_time(t_min)} "
            f"(set by {d['demand_id'].iat[worst]})"
        )
    else:
        never = [int(i) for i in bad if not math.isfinite(best[i])]
        fix = (
            f"{len(never)} of them ({d['demand_id'].iat[never[0]]}, ...) is reached by no "
            "candidate at any travel time; add candidates near them or drop them from "
            "required_unit_ids"
        )
    msg = (
        f"set covering is infeasible at max_time_s={_fmt_time(max_time_s)}: {len(bad)} required "
        f"demand point(s) cannot be covered by any candidate: {names}; {fix}"
    )
    return bad, t_min, msg


def solve_siting(
    problem: SitingProblem,
    *,
    model: Model = "mclp",
    p: int | None = None,
    max_time_s: float | None = None,
    equity_floor: float | None = None,
    required_unit_ids: Iterable[str] | None = None,
    include_candidate_ids: Iterable[str] | None = None,
    exclude_candidate_ids: Iterable[str] | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-6,
    threads: int | None = None,
) -> SitingResult:
    """Choose mobile-unit stops.

    Parameters
    ----------
    problem
        From :func:`from_cost_matrix` or :func:`from_od_table`.
    model
        ``"mclp"`` (maximal coverage, needs ``p`` and ``max_time_s``),
        ``"lscp"`` (fewest stops covering all required demand, needs
        ``max_time_s``) or ``"pmedian"`` (needs ``p``; ``max_time_s`` optional,
        used for coverage reporting and the equity floor).
    p
        Number of stops (MCLP, p-median).
    max_time_s
        Coverage threshold T in seconds (a stop covers a demand point when
        the travel time is <= T).
    equity_floor
        Fraction in (0, 1]: at least this share of the population of
        high-need demand points must be covered within ``max_time_s``
        (existing coverage counts).  The model is also solved without the
        floor to report ``price_of_floor``.
    required_unit_ids
        LSCP: units whose demand must all be covered (default: every demand
        point with positive weight), e.g. the tracts with need rank >= 0.8.
    include_candidate_ids, exclude_candidate_ids
        Candidates forced open / forbidden (e.g. a closed venue).
    time_limit_s
        HiGHS time limit per solve; on expiry the best stops found are returned
        with status ``"time_limit"`` and their gap.
    mip_rel_gap
        Relative optimality gap at which HiGHS stops.
    threads
        HiGHS threads (default: HiGHS's choice).

    Returns
    -------
    SitingResult

    Raises
    ------
    InputError
        For a missing or invalid parameter.
    SolverError
        When HiGHS fails for another reason.
    """
    if model not in _MODELS:
        raise InputError(f"model must be one of {_MODELS}, got {model!r}", source="model")
    if max_time_s is not None and (not math.isfinite(max_time_s) or max_time_s < 0):
        raise InputError(
            f"max_time_s must be a finite number >= 0, got {max_time_s}", source="max_time_s"
        )
    if model in ("mclp", "lscp") and max_time_s is None:
        raise InputError(
            f"model {model!r} needs max_time_s (coverage threshold in seconds)", source="max_time_s"
        )
    if model in ("mclp", "pmedian"):
        if p is None or int(p) != p or p < 1:
            raise InputError(
                f"model {model!r} needs p, a whole number of stops >= 1; got {p!r}", source="p"
            )
        p = int(p)
    elif p is not None:
        raise InputError("p is not used by 'lscp' (it finds the fewest stops); drop p", source="p")
    if equity_floor is not None:
        if not (0 < equity_floor <= 1):
            hint = " (pass 0.8 for 80 %)" if equity_floor > 1 else ""
            raise InputError(
                f"equity_floor must be a fraction in (0, 1]{hint}; got {equity_floor}",
                source="equity_floor",
            )
        if max_time_s is None:
            raise InputError(
                "equity_floor needs max_time_s (coverage is measured within it)",
                source="equity_floor",
            )
    if time_limit_s <= 0:
        raise InputError("time_limit_s must be > 0", source="time_limit_s")
    include = _ids_to_cols(problem, include_candidate_ids, "include_candidate_ids")
    exclude = _ids_to_cols(problem, exclude_candidate_ids, "exclude_candidate_ids")
    if include & exclude:
        raise InputError(
            "a candidate is both included and excluded", source="include_candidate_ids"
        )
    n_allowed = problem.n_candidates - len(exclude)
    if p is not None and p > n_allowed:
        raise InputError(
            f"p={p} exceeds the {n_allowed} available candidates; lower p or add candidates",
            source="p",
        )
    if p is not None and len(include) > p:
        raise InputError(f"{len(include)} candidates are forced open but p={p}", source="p")
    params: dict[str, Any] = {
        "model": model,
        "p": p,
        "max_time_s": max_time_s,
        "equity_floor": equity_floor,
        "required_unit_ids": None if required_unit_ids is None else list(required_unit_ids),
        "include_candidate_ids": None
        if include_candidate_ids is None
        else list(include_candidate_ids),
        "exclude_candidate_ids": None
        if exclude_candidate_ids is None
        else list(exclude_candidate_ids),
        "time_limit_s": time_limit_s,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
    }
    lo, hi = _x_bounds(problem, include, exclude)
    solve_kw: dict[str, Any] = {
        "time_limit_s": time_limit_s,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
    }
    d = problem.demand
    w = d["weight"].to_numpy()
    n_x = problem.n_candidates
    common: dict[str, Any] = {
        "p": p,
        "max_time_s": max_time_s,
        "equity_floor": equity_floor,
        "params": params,
    }

    cov = problem.coverage_matrix(max_time_s) if max_time_s is not None else None
    existing = problem.covered_by_existing(max_time_s)
    if cov is not None:
        cov_allowed = cov.copy()
        if exclude:
            cov_allowed = sp.csr_array(cov_allowed @ sp.diags_array(hi))
            cov_allowed.eliminate_zeros()
        reach = np.diff(cov_allowed.indptr) > 0
        unreachable = tuple(d["demand_id"].to_numpy()[(w > 0) & ~existing & ~reach].tolist())
    else:
        cov_allowed = None
        unreachable = ()

    min_t = None
    y_points: np.ndarray | None = None
    if model == "mclp":
        assert cov_allowed is not None and p is not None
        spec, y_points = _build_mclp(problem, cov_allowed, existing, p, lo, hi)
        spec.start_x = _greedy_start(problem, model, p, cov_allowed, existing, lo, hi)
    elif model == "lscp":
        assert cov_allowed is not None and max_time_s is not None
        req_mask = _required_mask(problem, required_unit_ids)
        required = req_mask & ~existing
        bad, min_t, msg = _lscp_infeasibility(problem, req_mask, existing, max_time_s, hi)
        if bad:
            logger.info(msg)  # the result (and the CLI error) carries it
            return _assemble(
                problem,
                model=model,
                status="infeasible",
                message=msg,
                objective=math.nan,
                gap=math.inf,
                chosen=[],
                objective_without_floor=None,
                price_of_floor=None,
                unreachable=tuple(d["demand_id"].iat[i] for i in bad),
                min_feasible_time_s=min_t,
                solve_time_s=0.0,
                **common,
            )
        spec = _build_lscp(problem, cov_allowed, np.flatnonzero(required), lo, hi)
        spec.start_x = _greedy_start(
            problem, model, None, cov_allowed, existing, lo, hi, required=required
        )
    else:
        assert p is not None
        ex_min = problem.existing_min_time_s()
        allowed = hi[problem.pair_candidate] > 0
        has_pair = np.zeros(problem.n_demand, dtype=bool)
        has_pair[problem.pair_demand[allowed]] = True
        has_pair |= np.isfinite(ex_min)
        points = np.flatnonzero((w > 0) & has_pair)
        unreachable = tuple(d["demand_id"].to_numpy()[(w > 0) & ~has_pair].tolist())
        if unreachable:
            logger.warning(
                "p-median: %d demand point(s) are reached by no candidate or existing site and are"
                " left out of the objective (e.g. %s)",
                len(unreachable),
                unreachable[0],
            )
        spec = _build_pmedian(problem, p, lo, hi, points)
        spec.start_x = _greedy_start(problem, model, p, None, existing, lo, hi)

    if equity_floor is not None:
        assert cov_allowed is not None
        _add_floor(spec, problem, cov_allowed, existing, equity_floor, y_points)

    out = _run_spec(spec, **solve_kw)
    t_total = out.time_s
    obj_wo = price = None
    if equity_floor is not None:
        free = _run_spec(_drop_floor(spec), **solve_kw)
        t_total += free.time_s
        if free.x is not None:
            obj_wo = free.objective
            if out.x is not None:
                price = (obj_wo - out.objective) if spec.maximize else (out.objective - obj_wo)
                price = max(price, 0.0)

    if out.x is None:
        msg = f"HiGHS found no solution ({out.solver_status})"
        if out.status == "infeasible" and equity_floor is not None:
            msg = _floor_infeasible_message(
                problem, cov_allowed, existing, equity_floor, model, p, lo, hi, solve_kw
            )
        elif out.status == "infeasible" and model == "pmedian":
            msg = (
                f"p-median is infeasible with p={p}: some demand can only be reached by "
                "excluded candidates or more than p stops are needed; raise p or add candidates"
            )
        logger.info(msg)  # the result (and the CLI error) carries it
        return _assemble(
            problem,
            model=model,
            status=out.status,
            message=msg,
            objective=math.nan,
            gap=out.gap,
            chosen=[],
            objective_without_floor=obj_wo,
            price_of_floor=None,
            unreachable=unreachable,
            min_feasible_time_s=min_t,
            solve_time_s=t_total,
            **common,
        )
    x = out.x[:n_x]
    chosen = [int(j) for j in np.flatnonzero(x > 0.5)]
    # exact objective from the chosen stops (y variables are continuous)
    if model == "mclp":
        assert cov_allowed is not None
        newly = (np.asarray(cov_allowed[:, chosen].sum(axis=1)).reshape(-1) > 0) & ~existing
        objective = float(w[newly].sum())
    elif model == "lscp":
        objective = float(len(chosen))
    else:
        nt = _nearest_time(problem, chosen)
        objective = float((w * np.where(np.isfinite(nt), nt, 0.0))[points].sum())
    what = {
        "mclp": f"{len(chosen)} stops cover {objective:.6g} need-weighted demand not already "
        f"covered within {_fmt_time(max_time_s or 0)}",
        "lscp": f"{len(chosen)} stops cover every required demand within "
        f"{_fmt_time(max_time_s or 0)}",
        "pmedian": f"{len(chosen)} stops give need-weighted travel time {objective:.6g} s",
    }[model]
    gap = out.gap
    if not math.isfinite(gap) and equity_floor is None:
        # stopped before HiGHS had a dual bound: use a simple valid bound instead
        if model == "mclp":
            assert cov_allowed is not None and p is not None
            todo = (w > 0) & ~existing
            col_w = np.asarray(cov_allowed.T @ np.where(todo, w, 0.0)).reshape(-1)
            bound = min(float(w[todo].sum()), float(np.sort(col_w)[::-1][:p].sum()))
        elif model == "lscp":
            bound = 1.0 if objective > 0 else 0.0
        else:
            bound = spec.offset  # every point at its nearest candidate or existing site
        gap = abs(objective - bound) / max(abs(objective), 1e-12) if objective else 0.0
    msg = f"{out.status}: {what} (gap {gap:.2%})"
    if price is not None:
        msg += f"; the equity floor of {equity_floor:.0%} costs {price:.6g} in objective"
    if out.status != "optimal":
        logger.warning("siting stopped with status %s, gap %.3g", out.status, gap)
    return _assemble(
        problem,
        model=model,
        status=out.status,
        message=msg,
        objective=objective,
        gap=gap,
        chosen=chosen,
        objective_without_floor=obj_wo,
        price_of_floor=price,
        unreachable=unreachable,
        min_feasible_time_s=min_t,
        solve_time_s=t_total,
        **common,
    )


def _floor_infeasible_message(
    problem: SitingProblem,
    cov: sp.csr_array | None,
    existing: np.ndarray,
    equity_floor: float,
    model: str,
    p: int | None,
    lo: np.ndarray,
    hi: np.ndarray,
    solve_kw: Mapping[str, Any],
) -> str:
    """Say the best high-need coverage reachable when the floor cannot be met."""
    assert cov is not None
    d = problem.demand
    pop = d["population"].to_numpy()
    hn = d["high_need"].to_numpy(dtype=bool)
    total = float(pop[hn].sum())
    if model == "lscp" or p is None:
        reach = (np.diff(cov.indptr) > 0) | existing
        best = float(pop[hn & reach].sum()) / total
        return (
            f"equity floor {equity_floor:.0%} is infeasible: at most {best:.1%} of the "
            "high-need population is reachable within max_time_s; lower the floor or raise "
            "max_time_s"
        )
    tmp = dataclasses.replace(problem, demand=d.assign(weight=np.where(hn, pop, 0.0)))
    spec, _ = _build_mclp(tmp, cov, existing, p, lo, hi)
    out = _run_spec(spec, **solve_kw)
    if out.x is None:
        return f"equity floor {equity_floor:.0%} is infeasible with p={p}"
    chosen = np.flatnonzero(out.x[: problem.n_candidates] > 0.5)
    cov_hn = (np.asarray(cov[:, chosen].sum(axis=1)).reshape(-1) > 0) | existing
    best = float(pop[hn & cov_hn].sum()) / total
    return (
        f"equity floor {equity_floor:.0%} is infeasible with p={p}: at most {best:.1%} of the "
        "high-need population can be covered within max_time_s; lower the floor, raise p or "
        "raise max_time_s"
    )


# ---------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------


def what_if(
    result: SitingResult,
    *,
    p_values: Iterable[int] | None = None,
    close_site_ids: Iterable[str] = (),
    max_time_s_values: Iterable[float] = (),
) -> pd.DataFrame:
    """Re-solve scenarios around a result and compare them.

    Parameters
    ----------
    result
        A solved :class:`SitingResult` (its problem and parameters are reused).
    p_values
        Numbers of stops to try (MCLP / p-median).  Default: ``p - 1`` and
        ``p + 1`` where valid.
    close_site_ids
        Sites to close, one scenario each: an existing service id closes that
        service (its coverage is lost, stops re-optimised); a candidate id
        forbids that stop.
    max_time_s_values
        Other coverage thresholds to try.

    Returns
    -------
    pandas.DataFrame
        One row per scenario (the first is ``"base"``): ``scenario, model, p,
        max_time_s, status, objective, gap, n_stops, covered_population,
        covered_share, high_need_covered_share, delta_objective,
        delta_covered_population, stops``.
    """
    base_params = {k: v for k, v in result.params.items()}
    model = base_params["model"]
    scenarios: list[tuple[str, SitingProblem, dict[str, Any]]] = []
    if p_values is None:
        p_values = []
        if result.p is not None:
            n = result.problem.n_candidates
            p_values = [q for q in (result.p - 1, result.p + 1) if 1 <= q <= n]
    elif model == "lscp":
        raise InputError("p_values do not apply to the 'lscp' model", source="p_values")
    for q in p_values:
        scenarios.append((f"p={q}", result.problem, {**base_params, "p": int(q)}))
    for sid in close_site_ids:
        sid = str(sid)
        if sid in result.problem.existing_site_ids:
            scenarios.append(
                (f"close existing {sid}", result.problem.without_existing([sid]), base_params)
            )
        elif sid in result.problem.candidate_ids:
            exc = [*(base_params.get("exclude_candidate_ids") or []), sid]
            inc = [c for c in (base_params.get("include_candidate_ids") or []) if c != sid]
            scenarios.append(
                (
                    f"close stop {sid}",
                    result.problem,
                    {
                        **base_params,
                        "exclude_candidate_ids": exc,
                        "include_candidate_ids": inc or None,
                    },
                )
            )
        else:
            raise InputError(
                f"close_site_ids: {sid!r} is neither an existing site nor a candidate",
                source="close_site_ids",
            )
    for t in max_time_s_values:
        scenarios.append(
            (f"T={float(t) / 60:g} min", result.problem, {**base_params, "max_time_s": float(t)})
        )

    def row(name: str, r: SitingResult) -> dict[str, Any]:
        return {
            "scenario": name,
            "model": r.model,
            "p": r.p,
            "max_time_s": r.max_time_s,
            "status": r.status,
            "objective": r.objective,
            "gap": r.gap,
            "n_stops": len(r.stops),
            "covered_population": r.coverage_after["population"],
            "covered_share": r.coverage_after["share"],
            "high_need_covered_share": r.coverage_after["high_need_share"],
            "stops": ", ".join(r.site_ids),
        }

    rows = [row("base", result)]
    for name, prob, kw in scenarios:
        kw = dict(kw)
        kw.pop("model")
        try:
            r = solve_siting(prob, model=model, **kw)
        except InputError as exc:
            rows.append(
                {
                    "scenario": name,
                    "model": model,
                    "status": "invalid",
                    "objective": math.nan,
                    "stops": str(exc),
                }
            )
            continue
        rows.append(row(name, r))
    out = pd.DataFrame(rows)
    out["delta_objective"] = out["objective"] - result.objective
    out["delta_covered_population"] = (
        out["covered_population"] - result.coverage_after["population"]
    )
    cols = [
        "scenario",
        "model",
        "p",
        "max_time_s",
        "status",
        "objective",
        "gap",
        "n_stops",
        "covered_population",
        "covered_share",
        "high_need_covered_share",
        "delta_objective",
        "delta_covered_population",
        "stops",
    ]
    return out.reindex(columns=cols)
