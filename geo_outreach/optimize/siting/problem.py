"""The siting problem: demand points, candidates and travel times (``from_cost_matrix`` core, ``from_od_table`` adapter)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

# ---------------------------------------------------------------------------
# Problem
# ---------------------------------------------------------------------------

logger = logging.getLogger(__name__)
_EPS = 1e-9


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
                _(
                    "SitingProblem.demand lacks columns {missing}; build the problem with "
                    "from_cost_matrix() or from_od_table()."
                ).format(missing=sorted(missing)),
                source="demand",
            )
        if not (len(self.pair_demand) == len(self.pair_candidate) == len(self.pair_time_s)):
            raise InputError(_("pair arrays must have equal length"), source="pairs")
        if len(self.candidate_reason) != len(self.candidate_ids):
            raise InputError(
                _("candidate_reason must have one entry per candidate"), source="reason"
            )

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
                _(
                    "existing site ids {unknown} are not in this problem; known existing "
                    "sites: {known}"
                ).format(unknown=sorted(unknown), known=list(self.existing_site_ids)[:10]),
                source="close_site_ids",
            )
        if self.existing_covered is not None:
            raise InputError(
                _(
                    "this problem was built with a fixed existing_covered mask, so single existing "
                    "sites cannot be closed; build it with existing_cost_s/existing sites instead"
                ),
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
            (
                _("{name} has {got} entries but the cost matrix has {n}; pass one id per row")
                if prefix == "d"
                else _(
                    "{name} has {got} entries but the cost matrix has {n}; pass one id per column"
                )
            ).format(name=name, got=len(out), n=n),
            source=name,
        )
    if len(set(out)) != len(out):
        dup = pd.Series(out)[pd.Series(out).duplicated()].iloc[0]
        raise InputError(
            _("{name} must be unique; {id} appears more than once").format(name=name, id=repr(dup)),
            source=name,
        )
    return out


def _vector(
    values: Any, n: int, name: str, *, default: float | None = None, nonneg: bool = True
) -> np.ndarray:
    if values is None:
        if default is None:
            raise InputError(_("{name} is required").format(name=name), source=name)
        return np.full(n, float(default))
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.shape[0] != n:
        raise InputError(
            _("{name} has {got} values but there are {n} demand points").format(
                name=name, got=arr.shape[0], n=n
            ),
            source=name,
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(
            _("{name} contains NaN or infinite values; fill them (e.g. 0) before siting").format(
                name=name
            ),
            source=name,
        )
    if nonneg and np.any(arr < 0):
        raise InputError(
            _("{name} must be >= 0 (found {found})").format(name=name, found=f"{arr.min():g}"),
            source=name,
        )
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
                _(
                    "{name} must be a 2-D matrix (demand rows x site columns), got shape {shape}"
                ).format(name=name, shape=arr.shape),
                source=name,
            )
        rows, cols = np.nonzero(np.isfinite(arr))
        vals = arr[rows, cols]
        rows = rows.astype(np.int64)
        cols = cols.astype(np.int64)
        shape = arr.shape
    if np.any(vals < 0):
        raise InputError(
            _("{name} has negative travel times; travel times must be >= 0").format(name=name),
            source=name,
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
        raise InputError(_("cost_s has no candidate columns; give at least one candidate stop"))
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
            _("unit_ids has {got} entries but there are {n} demand points").format(
                got=len(units), n=n_dem
            ),
            source="unit_ids",
        )
    hn = np.zeros(n_dem, dtype=bool) if high_need is None else np.asarray(high_need, dtype=bool)
    if hn.shape != (n_dem,):
        raise InputError(
            _("high_need must have one boolean per demand point ({n})").format(n=n_dem),
            source="high_need",
        )
    reason = (
        tuple("" for _ in cand)
        if candidate_reason is None
        else tuple("" if r is None else str(r) for r in candidate_reason)
    )
    if len(reason) != n_cand:
        raise InputError(
            _("candidate_reason has {got} entries, expected {n}").format(got=len(reason), n=n_cand),
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
                _(
                    "existing_cost_s has {got} rows but cost_s has {n}; both need one "
                    "row per demand point"
                ).format(got=ex_shape[0], n=n_dem),
                source="existing_cost_s",
            )
        ex_ids = _as_str_ids(existing_site_ids, int(ex_shape[1]), "existing_site_ids", "e")
    ex_cov = None
    if existing_covered is not None:
        ex_cov = np.asarray(existing_covered, dtype=bool)
        if ex_cov.shape != (n_dem,):
            raise InputError(
                _("existing_covered must have one boolean per demand point ({n})").format(n=n_dem),
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
            _("{name} lacks column(s) {missing}; it has {columns}").format(
                name=name, missing=missing, columns=list(df.columns)
            ),
            source=name,
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
            _(
                "demand has repeated (unit_id, {column}) rows; give each origin of a unit once"
            ).format(column=origin_key),
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
